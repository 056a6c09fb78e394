//! A catalog's release notes: `CHANGELOG.md` at its root, in the Keep a
//! Changelog form, one `## [version]` section per catalog version.
//!
//! Pure text work: the sections between two versions (newer than the kit's,
//! up to the one offered), newest first, as people and `--json` see them.
//! `## [Unreleased]` and headings that are not a version are left out, and
//! so are the link definitions (`[0.3.0]: https://...`) that close the file.

use serde_json::{json, Value as Json};

use crate::version;

/// Where a catalog keeps its release notes, from its root.
pub const FILE: &str = "CHANGELOG.md";

/// One version's section.
#[derive(Debug, Clone, PartialEq)]
pub struct Notes {
    /// As the heading writes it, without brackets: `0.4.0`.
    pub version: String,
    /// The heading's date, `## [0.4.0] - 2026-12-01`.
    pub date: Option<String>,
    /// The section's Markdown, without the heading and surrounding blank lines.
    pub text: String,
}

/// Every version section of a changelog, in file order.
pub fn parse(changelog: &str) -> Vec<Notes> {
    let mut out: Vec<Notes> = Vec::new();
    let mut current: Option<(Notes, Vec<&str>)> = None;
    let close = |c: Option<(Notes, Vec<&str>)>, out: &mut Vec<Notes>| {
        if let Some((mut n, lines)) = c {
            n.text = tidy(&lines);
            out.push(n);
        }
    };
    for line in changelog.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            close(current.take(), &mut out);
            current = heading_version(heading).map(|(v, d)| {
                (
                    Notes {
                        version: v,
                        date: d,
                        text: String::new(),
                    },
                    Vec::new(),
                )
            });
            continue;
        }
        if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    close(current, &mut out);
    out
}

/// `[0.4.0] - 2026-12-01`, `0.4.0`, `v2`: the version and date of a heading
/// that names one.
fn heading_version(heading: &str) -> Option<(String, Option<String>)> {
    let heading = heading.trim();
    let (name, rest) = match heading.strip_prefix('[') {
        Some(inner) => {
            let end = inner.find(']')?;
            (&inner[..end], &inner[end + 1..])
        }
        None => match heading.split_once(' ') {
            Some((n, r)) => (n, r),
            None => (heading, ""),
        },
    };
    version::parse(name)?;
    let date = rest
        .trim()
        .trim_start_matches(['-', '–', '—'])
        .trim()
        .to_string();
    Some((name.to_string(), (!date.is_empty()).then_some(date)))
}

/// The section's lines without the blank lines around them and without the
/// link definitions a Keep a Changelog file ends with.
fn tidy(lines: &[&str]) -> String {
    let is_link_definition =
        |l: &str| l.starts_with('[') && l.find("]: ").is_some_and(|at| !l[1..at].contains(']'));
    let kept: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !is_link_definition(l))
        .collect();
    let start = kept.iter().position(|l| !l.trim().is_empty());
    let end = kept.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => kept[s..=e].join("\n"),
        _ => String::new(),
    }
}

/// The sections newer than `from` and no newer than `to`, newest first.
/// A `from` that is not a version (a kit from before versions) takes every
/// section up to `to`.
pub fn between(changelog: &str, from: &str, to: &str) -> Vec<Notes> {
    let low = version::parse(from);
    let Some(high) = version::parse(to) else {
        return Vec::new();
    };
    let mut notes: Vec<Notes> = parse(changelog)
        .into_iter()
        .filter(|n| {
            let v = version::parse(&n.version);
            v.is_some_and(|v| v <= high && low.is_none_or(|low| v > low))
        })
        .collect();
    notes.sort_by_key(|n| std::cmp::Reverse(version::parse(&n.version)));
    notes
}

/// The notes as people read them: each version's heading, then its text.
pub fn shown(notes: &[Notes]) -> String {
    notes
        .iter()
        .map(|n| {
            let date = n.date.as_ref().map_or(String::new(), |d| format!(" - {d}"));
            if n.text.is_empty() {
                format!("## [{}]{date}\n", n.version)
            } else {
                format!("## [{}]{date}\n\n{}\n", n.version, n.text)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The notes in `--json`: `[{version, date, text}]`, newest first.
pub fn json(notes: &[Notes]) -> Json {
    Json::Array(
        notes
            .iter()
            .map(|n| json!({"version": n.version, "date": n.date, "text": n.text}))
            .collect(),
    )
}

/// The version a catalog's `catalog.toml` declares, read without loading
/// the rest of the catalog.
pub fn declared_version(catalog_toml: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(catalog_toml).ok()?;
    let table: toml::Table = toml::from_str(text).ok()?;
    table
        .get("catalog")?
        .get("version")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog of the catalog

Intro text.

## [Unreleased]

- not out yet

## [0.4.0] - 2026-12-01

### Added

- Ambassadors.

## [0.3.0]

- Operating numbers.

## 0.2.0

- Early.

[0.4.0]: https://example.com/compare/v0.3.0...v0.4.0
[0.3.0]: https://example.com/compare/v0.2.0...v0.3.0
";

    #[test]
    fn sections_by_version_without_unreleased_or_link_definitions() {
        let notes = parse(CHANGELOG);
        let versions: Vec<&str> = notes.iter().map(|n| n.version.as_str()).collect();
        assert_eq!(versions, ["0.4.0", "0.3.0", "0.2.0"]);
        assert_eq!(notes[0].date.as_deref(), Some("2026-12-01"));
        assert_eq!(notes[0].text, "### Added\n\n- Ambassadors.");
        assert_eq!(notes[2].text, "- Early.");
    }

    #[test]
    fn between_two_versions_newest_first() {
        let v: Vec<String> = between(CHANGELOG, "0.2.0", "0.4.0")
            .into_iter()
            .map(|n| n.version)
            .collect();
        assert_eq!(v, ["0.4.0", "0.3.0"]);
        assert!(between(CHANGELOG, "0.4.0", "0.4.0").is_empty());
        assert_eq!(between(CHANGELOG, "0.3.0", "v0.3.1").len(), 0);
        assert_eq!(between(CHANGELOG, "unknown", "0.3.0").len(), 2);
        assert_eq!(
            shown(&between(CHANGELOG, "0.3.0", "0.4.0")),
            "## [0.4.0] - 2026-12-01\n\n### Added\n\n- Ambassadors.\n"
        );
    }

    #[test]
    fn the_built_in_catalog_has_notes_for_its_version() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/");
        let changelog = std::fs::read_to_string(format!("{root}{FILE}")).unwrap();
        let manifest = std::fs::read(format!("{root}catalog.toml")).unwrap();
        let version = declared_version(&manifest).unwrap();
        assert!(
            parse(&changelog).iter().any(|n| n.version == version),
            "catalog/CHANGELOG.md has no `## [{version}]` section"
        );
    }
}
