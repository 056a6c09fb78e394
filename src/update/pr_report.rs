//! `ispo update --report FILE`: what an update did, as the Markdown body of
//! a pull or merge request: the catalog versions before and after, a table
//! of files by what happened to them, the conflicts with what to do, the
//! questions answered with their defaults, and the release notes between.
//! A hidden first line (`<!-- ispo-update from=… to=… -->`) lets a script
//! find its own request again. Pure.

use std::fmt::Write;

use super::plan::{Action, FilePlan};
use crate::release_notes::{self, Notes};
use crate::source::short;

/// What the report says.
pub struct Report<'a> {
    /// `acme 1.1.0 (0123abcd) on ispo-default 0.3.0 (4567ef01)` before and after.
    pub from: &'a str,
    pub to: &'a str,
    pub from_commit: &'a str,
    pub to_commit: &'a str,
    /// The catalog's name and version after.
    pub catalog: (&'a str, &'a str),
    pub plans: &'a [FilePlan],
    pub notes: &'a [Notes],
    /// The release notes of each catalog below that moved.
    pub layer_notes: &'a [super::versions::LayerNotes],
    /// (question id, its prompt, the value taken).
    pub defaulted: Vec<(String, String, String)>,
    pub sidecar_suffix: &'a str,
}

/// Release notes with their headings moved down by `deeper`, so they sit
/// under the report's own headings.
fn notes_under(out: &mut String, notes: &[Notes], deeper: &str) {
    for line in release_notes::shown(notes).lines() {
        if line.starts_with('#') {
            let _ = writeln!(out, "{deeper}{line}");
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Which plans a table row counts.
type Row<'a> = &'a dyn Fn(&Action) -> bool;

/// Table cells hold no `|` and no line break.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

pub fn markdown(r: &Report<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!-- ispo-update from={} to={} -->",
        r.from_commit, r.to_commit
    );
    let conflicts: Vec<&FilePlan> = r.plans.iter().filter(|p| p.action.is_conflict()).collect();
    let _ = writeln!(
        out,
        "# ispo: update the kit to catalog {} {} ({}){}\n",
        r.catalog.0,
        r.catalog.1,
        short(r.to_commit),
        if conflicts.is_empty() {
            String::new()
        } else {
            format!(", {} conflict(s) to resolve", conflicts.len())
        }
    );
    let _ = writeln!(out, "- Before: catalog {}", r.from);
    let _ = writeln!(out, "- After: catalog {}", r.to);
    let _ = writeln!(out, "- Made by ispo {}\n", env!("CARGO_PKG_VERSION"));
    let rows: [(&str, Row); 6] = [
        ("Added", &|a| {
            matches!(a, Action::Added(_) | Action::Restored(_))
        }),
        ("Updated", &|a| matches!(a, Action::Updated(_))),
        ("Merged with your edits", &|a| {
            matches!(a, Action::Merged(_))
        }),
        ("Conflicts", &|a| a.is_conflict()),
        ("Deleted", &|a| a.removes()),
        ("Kept as you left them", &|a| {
            matches!(a, Action::KeptLocal | Action::KeptOrphan | Action::Owned)
        }),
    ];
    out.push_str("| What happened | Files |\n| --- | --- |\n");
    let mut listed = Vec::new();
    for (name, test) in rows {
        let files: Vec<String> = r
            .plans
            .iter()
            .filter(|p| test(&p.action))
            .map(|p| match &p.moved_from {
                Some(from) => format!("`{}` (moved from `{}`)", cell(&p.path), cell(from)),
                None => format!("`{}`", cell(&p.path)),
            })
            .collect();
        if files.is_empty() {
            continue;
        }
        let _ = writeln!(out, "| {name} ({}) | {} |", files.len(), files.join(", "));
        listed.push(name);
    }
    if listed.is_empty() {
        out.push_str("| Nothing | no file changed |\n");
    }
    if !conflicts.is_empty() {
        out.push_str("\n## Conflicts to resolve\n\nThis request is a draft until they are. For each file:\n\n");
        for p in &conflicts {
            let how = match (&p.action, &p.sidecar) {
                (Action::Sidecar(_), Some(side)) => format!(
                    "your file is kept as it was; the catalog's new version is in `{}`: compare the two, keep what you want in `{}`, then delete `{}`",
                    cell(side),
                    cell(&p.path),
                    cell(side)
                ),
                (Action::Unresolved, _) => "it still holds conflict markers from an earlier update: resolve those first".to_string(),
                _ => "edit the conflict markers (`<<<<<<< your kit` … `>>>>>>> catalog …`): keep what you want, delete the markers".to_string(),
            };
            let _ = writeln!(out, "- [ ] `{}`: {how}", cell(&p.path));
        }
        let _ = writeln!(
            out,
            "\nThen commit on this branch. A file that is yours for good can go under `[files] mine` in ispo-answers.toml; the next update leaves it alone. Files ending in `{}` are never part of the kit.",
            r.sidecar_suffix
        );
    }
    if !r.defaulted.is_empty() {
        out.push_str("\n## New questions, answered with their defaults\n\nChange any of them in `ispo-answers.toml` and run `ispo update` again:\n\n");
        for (id, prompt, value) in &r.defaulted {
            let _ = writeln!(out, "- {} `{id} = {}`", cell(prompt), cell(value));
        }
    }
    out.push_str("\n## What changed in the catalog\n\n");
    if r.notes.is_empty() && r.layer_notes.is_empty() {
        out.push_str("The catalog's CHANGELOG.md has no release notes for these versions.\n");
    } else {
        // Headings one level down, so they sit under this section.
        notes_under(&mut out, r.notes, "#");
    }
    for l in r.layer_notes {
        let (from, to) = l.ends();
        let _ = writeln!(out, "\n### Below it: {from} → {to}\n");
        if l.notes.is_empty() {
            let _ = writeln!(
                out,
                "Its CHANGELOG.md has no release notes for these versions."
            );
        }
        notes_under(&mut out, &l.notes, "##");
    }
    out
}
