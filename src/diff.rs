//! What an update would change, as a unified diff people and `git apply`
//! read, and as data for `--json`: per file its action and hunks.

use serde_json::{json, Value as Json};
use similar::TextDiff;

/// One file's change: its content before (`None`: absent) and after.
pub struct Change<'a> {
    /// The path written (a sidecar's own path for a kept file).
    pub path: &'a str,
    pub action: &'static str,
    pub old: Option<&'a [u8]>,
    pub new: Option<&'a [u8]>,
}

impl Change<'_> {
    fn binary(&self) -> bool {
        [self.old, self.new]
            .iter()
            .flatten()
            .any(|b| std::str::from_utf8(b).is_err() || b.contains(&0))
    }

    fn labels(&self) -> (String, String) {
        (
            self.old
                .map_or_else(|| "/dev/null".into(), |_| format!("a/{}", self.path)),
            self.new
                .map_or_else(|| "/dev/null".into(), |_| format!("b/{}", self.path)),
        )
    }

    fn texts(&self) -> (&str, &str) {
        fn text(b: Option<&[u8]>) -> &str {
            b.and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
        }
        (text(self.old), text(self.new))
    }
}

/// The unified diff of every change; binary files as git shows them.
pub fn text(changes: &[Change<'_>]) -> String {
    let mut out = String::new();
    for c in changes {
        let (a, b) = c.labels();
        if c.binary() {
            if c.old != c.new {
                out.push_str(&format!("Binary files {a} and {b} differ\n"));
            }
            continue;
        }
        let (old, new) = c.texts();
        let diff = TextDiff::from_lines(old, new);
        out.push_str(&format!(
            "{}",
            diff.unified_diff().context_radius(3).header(&a, &b)
        ));
    }
    out
}

/// The changes as data: path, action, whether binary, and the hunks
/// (header and lines, each line starting with ` `, `-` or `+`).
pub fn json(changes: &[Change<'_>]) -> Vec<Json> {
    changes
        .iter()
        .map(|c| {
            let binary = c.binary();
            let hunks: Vec<Json> = if binary {
                Vec::new()
            } else {
                let (old, new) = c.texts();
                let diff = TextDiff::from_lines(old, new);
                let unified = diff.unified_diff();
                unified
                    .iter_hunks()
                    .map(|h| {
                        let lines: Vec<String> = h
                            .iter_changes()
                            .map(|ch| {
                                let sign = match ch.tag() {
                                    similar::ChangeTag::Equal => ' ',
                                    similar::ChangeTag::Delete => '-',
                                    similar::ChangeTag::Insert => '+',
                                };
                                format!("{sign}{}", ch.value().trim_end_matches(['\n', '\r']))
                            })
                            .collect();
                        json!({"header": h.header().to_string(), "lines": lines})
                    })
                    .collect()
            };
            json!({"path": c.path, "action": c.action, "binary": binary, "hunks": hunks})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_changes() {
        let changes = [
            Change {
                path: "a.md",
                action: "updated",
                old: Some(b"one\ntwo\n"),
                new: Some(b"one\n2\n"),
            },
            Change {
                path: "logo.png",
                action: "updated",
                old: Some(b"\x89PNG\0a"),
                new: Some(b"\x89PNG\0b"),
            },
            Change {
                path: "new.md",
                action: "added",
                old: None,
                new: Some(b"hi\n"),
            },
        ];
        let t = text(&changes);
        assert!(
            t.contains("--- a/a.md\n+++ b/a.md\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n"),
            "{t}"
        );
        assert!(
            t.contains("Binary files a/logo.png and b/logo.png differ\n"),
            "{t}"
        );
        assert!(
            t.contains("--- /dev/null\n+++ b/new.md\n@@ -0,0 +1 @@\n+hi\n"),
            "{t}"
        );
        let j = json(&changes);
        assert_eq!(j[0]["hunks"][0]["lines"], json!([" one", "-two", "+2"]));
        assert_eq!(j[1]["binary"], true);
        assert_eq!(j[2]["action"], "added");
    }
}
