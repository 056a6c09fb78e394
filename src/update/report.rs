//! What an update did or would do, for people (one line per file and a
//! summary) and for `ispo diff` (the changes of the plan).

use std::collections::BTreeMap;

use crate::diff::Change;
use crate::output::Reporter;

use super::plan::{Action, FilePlan};

pub fn counts(plans: &[FilePlan]) -> BTreeMap<&'static str, usize> {
    let mut c: BTreeMap<&'static str, usize> = [
        "added",
        "updated",
        "merged",
        "conflicts",
        "deleted",
        "kept",
        "moved",
        "unchanged",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for p in plans {
        // A move is one file: counted at its new path.
        if p.action == Action::MovedAway {
            continue;
        }
        let key = match p.action {
            _ if p.moved_from.is_some() && !p.action.is_conflict() => "moved",
            Action::Added(_) | Action::Restored(_) => "added",
            Action::Updated(_) => "updated",
            Action::Merged(_) => "merged",
            Action::Conflict(_) | Action::Sidecar(_) | Action::Unresolved => "conflicts",
            Action::Deleted => "deleted",
            Action::KeptLocal | Action::KeptOrphan | Action::StaysDeleted | Action::Owned => "kept",
            Action::Unchanged => "unchanged",
            Action::MovedAway => unreachable!("skipped above"),
        };
        *c.get_mut(key).expect("known key") += 1;
    }
    c
}

pub fn report(reporter: &Reporter, plans: &[FilePlan], dry: bool) {
    for p in plans
        .iter()
        .filter(|p| p.action != Action::Unchanged && p.action != Action::MovedAway)
    {
        if let (Some(from), false) = (&p.moved_from, p.action.is_conflict()) {
            let line = format!(
                "{from} -> {} (moved upstream; your edits came along)",
                p.path
            );
            if dry {
                reporter.note(format!("would move   {line}"));
            } else {
                reporter.status("Moved", line);
            }
            continue;
        }
        let (done, todo, note) = match &p.action {
            Action::Added(_) => ("Added", "add", String::new()),
            Action::Updated(_) => ("Updated", "update", String::new()),
            Action::Merged(_) => (
                "Merged",
                "merge",
                " (your edits and the catalog's, no conflict)".to_string(),
            ),
            Action::Conflict(_) => (
                "Conflict",
                "conflict",
                if dry {
                    " (both changed the same lines: conflict markers would be written)".to_string()
                } else {
                    " (conflict markers written: resolve them)".to_string()
                },
            ),
            Action::Sidecar(_) => (
                "Conflict",
                "conflict",
                format!(
                    " (yours {} as is; new version {} {})",
                    if dry { "would be kept" } else { "kept" },
                    if dry { "would go in" } else { "in" },
                    p.sidecar.as_deref().unwrap_or("?")
                ),
            ),
            Action::Unresolved => (
                "Conflict",
                "conflict",
                " (still has conflict markers from before: left alone)".to_string(),
            ),
            Action::KeptLocal => (
                "Kept",
                "keep",
                " (your edits; unchanged upstream)".to_string(),
            ),
            Action::KeptOrphan => (
                "Kept",
                "keep",
                " (modified locally; no longer part of the kit, so no longer tracked)".to_string(),
            ),
            Action::StaysDeleted => (
                "Kept",
                "keep",
                " deleted (you deleted it; --restore brings it back)".to_string(),
            ),
            Action::Restored(_) => ("Restored", "restore", String::new()),
            Action::Deleted => (
                "Deleted",
                "delete",
                " (gone from the catalog or its module no longer applies)".to_string(),
            ),
            Action::Owned => (
                "Kept",
                "keep",
                " (yours: listed under [files] mine, so ispo leaves it alone)".to_string(),
            ),
            Action::Unchanged | Action::MovedAway => continue,
        };
        if dry {
            reporter.note(format!("would {todo:<8} {}{note}", p.path));
        } else {
            reporter.status(done, format!("{}{note}", p.path));
        }
    }
    let c = counts(plans);
    reporter.note(format!(
        "{}{} added, {} updated, {} merged, {} conflicts, {} deleted, {} kept, {} unchanged",
        if dry {
            "dry run, nothing written: "
        } else {
            ""
        },
        c["added"],
        c["updated"],
        c["merged"],
        c["conflicts"],
        c["deleted"],
        c["kept"],
        c["unchanged"]
    ));
}

/// The changes a plan makes to the kit's files, for `ispo diff`.
pub fn changes<'a>(plans: &'a [FilePlan], ours: &'a BTreeMap<String, Vec<u8>>) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    for p in plans {
        let new = match (&p.action, p.action.content()) {
            (Action::Deleted | Action::MovedAway, _) => None,
            (_, Some(b)) => Some(b),
            _ => continue,
        };
        out.push(Change {
            path: &p.path,
            action: p.action.label(),
            old: ours.get(&p.path).map(Vec::as_slice),
            new,
        });
    }
    for p in plans {
        if let Action::Sidecar(b) = &p.action {
            out.push(Change {
                path: p.sidecar.as_deref().unwrap_or(&p.path),
                action: "added beside (conflict)",
                old: None,
                new: Some(b),
            });
        }
    }
    out
}
