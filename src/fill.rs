//! Fill-in markers: the one greppable form a value takes until the company provides it.
//!
//! `ISPO-FILL(<id>)` uses only letters, digits, `-`, `_` and parentheses, so it
//! stays a plain scalar in YAML, plain text in Markdown and a valid string body
//! in JSON, and never starts a Handlebars, Markdown or YAML construct.

use std::sync::OnceLock;

use regex::Regex;

pub fn marker(id: &str) -> String {
    format!("ISPO-FILL({id})")
}

fn pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"ISPO-FILL\(([a-z][a-z0-9_]*)\)").expect("valid regex"))
}

/// A marker left in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub line: usize,
    pub id: String,
}

/// Every marker in a text, with its 1-based line. One search of the whole
/// text (the regex skips to each `ISPO-FILL(` by its literal prefix), not
/// one per line: the kit README scans every file of the kit.
pub fn scan(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let (mut line, mut counted) = (1, 0);
    for cap in pattern().captures_iter(text) {
        let at = cap.get(0).map_or(counted, |m| m.start());
        line += text.as_bytes()[counted..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted = at;
        out.push(Found {
            line,
            id: cap[1].to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_markers_with_lines() {
        let text = "a ISPO-FILL(one) b\n\nx: ISPO-FILL(two_2) ISPO-FILL(one)\nISPO-FILL(Bad)";
        let found = scan(text);
        assert_eq!(
            found,
            vec![
                Found {
                    line: 1,
                    id: "one".into()
                },
                Found {
                    line: 3,
                    id: "two_2".into()
                },
                Found {
                    line: 3,
                    id: "one".into()
                },
            ]
        );
        assert_eq!(
            scan(&marker("x_y")),
            vec![Found {
                line: 1,
                id: "x_y".into()
            }]
        );
    }

    proptest::proptest! {
        /// One search of the whole text finds what a search of each line finds.
        #[test]
        fn whole_text_scan_equals_line_by_line(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("ISPO-FILL(a_1)".to_string()),
                    proptest::strategy::Just("ISPO-FILL(".to_string()),
                    proptest::strategy::Just(")".to_string()),
                    proptest::strategy::Just("\n".to_string()),
                    proptest::strategy::Just("\r\n".to_string()),
                    "[a-zA-Z_ ]{0,4}",
                ],
                0..40,
            )
        ) {
            let text = parts.concat();
            let mut by_line = Vec::new();
            for (i, line) in text.lines().enumerate() {
                for cap in pattern().captures_iter(line) {
                    by_line.push(Found { line: i + 1, id: cap[1].to_string() });
                }
            }
            proptest::prop_assert_eq!(scan(&text), by_line);
        }
    }
}
