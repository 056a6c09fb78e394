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

/// Every marker in a text, with its 1-based line.
pub fn scan(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for cap in pattern().captures_iter(line) {
            out.push(Found {
                line: i + 1,
                id: cap[1].to_string(),
            });
        }
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
}
