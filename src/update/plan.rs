//! Planning an update: for every file, from its base, the kit's version and
//! the new render, what happens to it. Pure: reads nothing, writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::kit::{self, FileRecord};
use crate::merge::{self, Merged};

/// What happens to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing to do: the file already is what it should be.
    Unchanged,
    /// Changed locally, not upstream: the local file stays.
    KeptLocal,
    Added(Vec<u8>),
    Updated(Vec<u8>),
    Merged(Vec<u8>),
    /// Merged with conflict markers, written into the file.
    Conflict(Vec<u8>),
    /// The local file is kept byte for byte; the new render goes beside it.
    Sidecar(Vec<u8>),
    /// The file still holds unresolved conflict markers from before: left alone.
    Unresolved,
    /// Deleted by the user earlier: stays deleted.
    StaysDeleted,
    Restored(Vec<u8>),
    /// Gone upstream (or its module no longer applies) and unmodified: deleted.
    Deleted,
    /// Gone upstream but modified locally: kept, no longer tracked.
    KeptOrphan,
    /// Moved upstream to another path, which now holds its content (with
    /// the user's edits): the old file goes.
    MovedAway,
    /// Listed under `[files] mine`: the user's alone, left as it is.
    Owned,
}

impl Action {
    pub fn label(&self) -> &'static str {
        match self {
            Action::Unchanged => "unchanged",
            Action::KeptLocal => "kept",
            Action::Added(_) => "added",
            Action::Updated(_) => "updated",
            Action::Merged(_) => "merged",
            Action::Conflict(_) | Action::Sidecar(_) | Action::Unresolved => "conflict",
            Action::StaysDeleted => "stays deleted",
            Action::Restored(_) => "restored",
            Action::Deleted => "deleted",
            Action::KeptOrphan => "kept (no longer in the kit)",
            Action::MovedAway => "moved away",
            Action::Owned => "yours (left alone)",
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Action::Conflict(_) | Action::Sidecar(_) | Action::Unresolved
        )
    }

    /// The file goes from the kit (gone upstream, or moved away).
    pub fn removes(&self) -> bool {
        matches!(self, Action::Deleted | Action::MovedAway)
    }

    /// The content the kit file gets, if it is written.
    pub fn content(&self) -> Option<&[u8]> {
        match self {
            Action::Added(b)
            | Action::Updated(b)
            | Action::Merged(b)
            | Action::Conflict(b)
            | Action::Restored(b) => Some(b),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FilePlan {
    pub path: String,
    pub action: Action,
    /// The record the new state keeps (None: the file is no longer tracked).
    pub record: Option<FileRecord>,
    /// The new base render, when the store does not hold it yet (None: no
    /// longer tracked, or tracked by a render the store already holds).
    pub base: Option<Vec<u8>>,
    /// Where a `Sidecar` action writes the new version (set after planning).
    pub sidecar: Option<String>,
    /// The kit path this file moved from upstream, its edits carried along.
    pub moved_from: Option<String>,
}

/// Everything `plan` looks at.
pub struct PlanInput<'a> {
    /// The SHA-256 of the stored base render of every tracked file.
    pub old_shas: &'a BTreeMap<String, String>,
    /// The stored base renders of the tracked files that are not `settled`:
    /// the plan reads no other base.
    pub old_bases: &'a BTreeMap<String, Vec<u8>>,
    /// The kit's current files (regular files only).
    pub ours: &'a BTreeMap<String, Vec<u8>>,
    /// The SHA-256 of each of `ours`.
    pub ours_shas: &'a BTreeMap<String, String>,
    /// The new render; every file that is not `settled` holds its bytes.
    pub theirs: &'a [crate::render::RenderedFile],
    /// Fill-in values now known: their remaining markers are filled in.
    pub fills: &'a BTreeMap<String, String>,
    pub restore: &'a dyn Fn(&str) -> bool,
    pub labels: (&'a str, &'a str),
    /// Moves the catalog declares: new path → old path.
    pub moves: &'a BTreeMap<String, String>,
    /// Paths under `[files] mine`: never written, merged or deleted.
    pub mine: &'a dyn Fn(&str) -> bool,
}

impl PlanInput<'_> {
    /// Whether the update leaves `path` as it is, known from hashes alone:
    /// the new render is the stored base, and the kit's file is that render
    /// byte for byte, or deleted and not restored. The plan reads no bytes
    /// of such a file (at scale nearly every file of a one-file update).
    pub fn settled(&self, path: &str, theirs: Option<&crate::render::RenderedFile>) -> bool {
        let (Some(t), Some(base)) = (theirs, self.old_shas.get(path)) else {
            return false;
        };
        if (self.mine)(path) || &t.sha256 != base {
            return false;
        }
        match self.ours_shas.get(path) {
            Some(o) => o == base,
            None => !(self.restore)(path),
        }
    }
}

/// How alike two versions must be (0..1, by lines) for a file that vanished
/// and one that appeared in the same update to count as one file moved.
const SIMILAR: f32 = 0.6;
/// Above this many (appeared × vanished) pairs, moves are not guessed.
const MAX_PAIRS: usize = 20_000;

/// The moves of this update, new path → old path: the declared ones that
/// apply, and, for files that vanished while others appeared, the pairs
/// whose contents are alike (same extension, at least `SIMILAR`).
pub fn moves(input: &PlanInput<'_>) -> BTreeMap<String, String> {
    let theirs: BTreeMap<&str, &[u8]> = input
        .theirs
        .iter()
        .map(|f| (f.path.as_str(), f.bytes().unwrap_or_default()))
        .collect();
    let appeared = |p: &str| {
        theirs.contains_key(p) && !input.old_shas.contains_key(p) && !input.ours.contains_key(p)
    };
    let vanished = |p: &str| input.old_shas.contains_key(p) && !theirs.contains_key(p);
    let mut out: BTreeMap<String, String> = input
        .moves
        .iter()
        .filter(|(to, from)| appeared(to) && vanished(from))
        .map(|(to, from)| (to.clone(), from.clone()))
        .collect();
    let taken: BTreeSet<String> = out.values().cloned().collect();
    let added: Vec<&str> = theirs
        .keys()
        .copied()
        .filter(|p| appeared(p) && !out.contains_key(*p))
        .collect();
    let gone: Vec<&str> = input
        .old_shas
        .keys()
        .map(String::as_str)
        .filter(|p| vanished(p) && !taken.contains(*p))
        .collect();
    if added.is_empty() || gone.is_empty() || added.len() * gone.len() > MAX_PAIRS {
        return out;
    }
    let ext = |p: &str| {
        p.rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_string())
    };
    let mut pairs: Vec<(f32, &str, &str)> = Vec::new();
    for t in &added {
        let Ok(new) = std::str::from_utf8(theirs[t]) else {
            continue;
        };
        for f in &gone {
            if ext(t) != ext(f) {
                continue;
            }
            let Some(Ok(old)) = input.old_bases.get(*f).map(|b| std::str::from_utf8(b)) else {
                continue;
            };
            let ratio = similar::TextDiff::from_lines(old, new).ratio();
            if ratio >= SIMILAR {
                pairs.push((ratio, t, f));
            }
        }
    }
    // The most alike first, each path in one move at most.
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)).then(a.2.cmp(b.2)));
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for (_, t, f) in pairs {
        if used.contains(t) || used.contains(f) {
            continue;
        }
        used.insert(t);
        used.insert(f);
        out.insert(t.to_string(), f.to_string());
    }
    out
}

/// Replaces the remaining markers of every fill-in that now has a value.
fn fill_in(bytes: &[u8], fills: &BTreeMap<String, String>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    if !text.contains("ISPO-FILL(") {
        return bytes.to_vec();
    }
    let mut out = text.to_string();
    for (id, value) in fills {
        out = out.replace(&crate::fill::marker(id), value);
    }
    out.into_bytes()
}

/// Decides what happens to every file. Pure: reads nothing, writes nothing.
/// A moved file is planned at its new path with the old path's base and
/// local version, so the user's edits travel through the same merge.
pub fn plan(input: &PlanInput<'_>) -> Vec<FilePlan> {
    let moves = moves(input);
    if moves.is_empty() {
        return plan_paths(input);
    }
    let mut old_bases = input.old_bases.clone();
    let mut old_shas = input.old_shas.clone();
    let mut ours = input.ours.clone();
    let mut ours_shas = input.ours_shas.clone();
    for (to, from) in &moves {
        if let Some(b) = old_bases.remove(from) {
            old_bases.insert(to.clone(), b);
        }
        if let Some(b) = old_shas.remove(from) {
            old_shas.insert(to.clone(), b);
        }
        if let Some(o) = ours.remove(from) {
            ours.insert(to.clone(), o);
        }
        if let Some(o) = ours_shas.remove(from) {
            ours_shas.insert(to.clone(), o);
        }
    }
    let moved = PlanInput {
        old_shas: &old_shas,
        old_bases: &old_bases,
        ours: &ours,
        ours_shas: &ours_shas,
        ..*input
    };
    let mut out = plan_paths(&moved);
    for p in &mut out {
        let Some(from) = moves.get(&p.path) else {
            continue;
        };
        p.moved_from = Some(from.clone());
        let mine = ours.get(&p.path);
        // The new path has no file yet: what stays "as it is" must be written there.
        p.action = match (&p.action, mine) {
            (Action::Unchanged | Action::KeptLocal | Action::Unresolved, Some(m)) => {
                Action::Added(m.clone())
            }
            (Action::Sidecar(b), _) => Action::Added(b.clone()),
            (other, _) => other.clone(),
        };
    }
    for from in moves.values() {
        if !input.ours.contains_key(from) {
            continue;
        }
        // A binary file edited locally also stays where it was, untracked:
        // binaries do not merge, so it is not taken for the moved one.
        let edited_binary = input
            .ours
            .get(from)
            .is_some_and(|o| merge::is_binary(o) && input.old_bases.get(from) != Some(o));
        out.push(FilePlan {
            path: from.clone(),
            action: if edited_binary {
                Action::KeptOrphan
            } else {
                Action::MovedAway
            },
            record: None,
            base: None,
            sidecar: None,
            moved_from: None,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn plan_paths(input: &PlanInput<'_>) -> Vec<FilePlan> {
    let mut out = Vec::new();
    let theirs_map: BTreeMap<&str, &crate::render::RenderedFile> =
        input.theirs.iter().map(|f| (f.path.as_str(), f)).collect();
    let paths: BTreeSet<&str> = input
        .old_shas
        .keys()
        .map(String::as_str)
        .chain(theirs_map.keys().copied())
        .collect();
    for path in paths {
        let new = theirs_map.get(path).copied();
        if input.settled(path, new) {
            let t = new.expect("a settled file has a render");
            out.push(FilePlan {
                path: path.to_string(),
                // Known present by its hash: its bytes may not have been read.
                action: if input.ours_shas.contains_key(path) {
                    Action::Unchanged
                } else {
                    Action::StaysDeleted
                },
                record: Some(record_of(path, t, t.sha256.clone(), false, false)),
                base: None,
                sidecar: None,
                moved_from: None,
            });
            continue;
        }
        let base = input.old_bases.get(path);
        debug_assert_eq!(
            base.is_some(),
            input.old_shas.contains_key(path),
            "the base of `{path}` is read when it is not settled"
        );
        let mine = input.ours.get(path);
        if (input.mine)(path) {
            // The user's alone: nothing is written, and the catalog's version
            // becomes the base, declined rather than pending.
            let action = match (mine, new.and_then(|t| t.bytes())) {
                (Some(o), Some(t)) if merge::same_text(o, t) => Action::Unchanged,
                (None, None) => Action::Unchanged,
                _ => Action::Owned,
            };
            out.push(FilePlan {
                path: path.to_string(),
                action,
                record: new.map(|t| record_of(path, t, t.sha256.clone(), false, false)),
                base: new.and_then(|t| t.bytes()).map(<[u8]>::to_vec),
                sidecar: None,
                moved_from: None,
            });
            continue;
        }
        let Some(new) = new else {
            // Gone upstream, or its module no longer applies.
            let action = match (base, mine) {
                (_, None) => Action::Unchanged,
                (Some(b), Some(o)) if b == o => Action::Deleted,
                _ => Action::KeptOrphan,
            };
            out.push(FilePlan {
                path: path.to_string(),
                action,
                record: None,
                base: None,
                sidecar: None,
                moved_from: None,
            });
            continue;
        };
        let t: &[u8] = new
            .bytes()
            .expect("a render the plan compares holds its bytes");
        let action = match (base, mine) {
            (None, None) => Action::Added(t.to_vec()),
            (None, Some(o)) if o.as_slice() == t => Action::Unchanged,
            // A local file ispo never wrote sits where a new one goes.
            (None, Some(_)) => Action::Sidecar(t.to_vec()),
            (Some(_), None) if (input.restore)(path) => Action::Restored(t.to_vec()),
            (Some(_), None) => Action::StaysDeleted,
            (Some(b), Some(o)) => {
                if merge::same_text(o, t) {
                    Action::Unchanged
                } else if merge::same_text(o, b) {
                    // Unchanged locally, line endings aside: the new version,
                    // in the line endings the kit file has.
                    Action::Updated(merge::in_line_endings_of(o, t))
                } else if merge::has_conflict_markers(o) && !merge::has_conflict_markers(b) {
                    Action::Unresolved
                } else {
                    // A value given since the last render fills the markers the
                    // user left, on both sides of the comparison; markers the
                    // user replaced by hand are then plain local edits.
                    let (b2, o2) = (fill_in(b, input.fills), fill_in(o, input.fills));
                    if o2 == t {
                        Action::Updated(t.to_vec())
                    } else if b2 == t {
                        if &o2 == o {
                            Action::KeptLocal
                        } else {
                            Action::Merged(o2)
                        }
                    } else {
                        match merge::merge(&b2, &o2, t, input.labels.0, input.labels.1) {
                            Merged::Clean(m) if &m == o => Action::KeptLocal,
                            Merged::Clean(m) => Action::Merged(m),
                            Merged::Conflict(m) => Action::Conflict(m),
                            Merged::Binary => Action::Sidecar(t.to_vec()),
                        }
                    }
                }
            }
        };
        // While the user has not settled a conflict, the old base stays: the
        // catalog's change is then still a change next time, never lost. A
        // sidecar delivers the new version itself, so its base moves on.
        let keep_old = matches!(action, Action::Unresolved);
        // Recorded so that a no-op update looks for markers in these files
        // only, not in every file of the kit.
        let markers = matches!(action, Action::Conflict(_) | Action::Unresolved);
        let (record_sha, base_bytes) = match (keep_old, base) {
            (true, Some(b)) => (kit::sha256(b), Some(b.clone())),
            (true, None) => (String::new(), None),
            _ => (new.sha256.clone(), Some(t.to_vec())),
        };
        out.push(FilePlan {
            path: path.to_string(),
            record: base_bytes
                .as_ref()
                .map(|_| record_of(path, new, record_sha, keep_old, markers)),
            base: base_bytes,
            action,
            sidecar: None,
            moved_from: None,
        });
    }
    out
}

/// The record the new state keeps for a file of the new render.
fn record_of(
    path: &str,
    t: &crate::render::RenderedFile,
    sha256: String,
    stale: bool,
    conflicted: bool,
) -> FileRecord {
    FileRecord {
        path: path.to_string(),
        module: t.module.clone(),
        sha256,
        stale,
        conflicted,
        executable: t.executable,
        layer: t.layer.clone(),
        amended_by: t.amended_by.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Body, RenderedFile};
    use proptest::prelude::*;

    fn render(path: &str, bytes: &[u8], stored: bool) -> RenderedFile {
        RenderedFile {
            path: path.to_string(),
            module: "m".into(),
            body: if stored {
                Body::Stored {
                    markers: Vec::new(),
                }
            } else {
                Body::Bytes(bytes.to_vec())
            },
            sha256: kit::sha256(bytes),
            executable: false,
            template: String::new(),
            layer: None,
            amended_by: Vec::new(),
        }
    }

    /// What a plan decides, without the bytes it carries for the store.
    fn decided(plans: &[FilePlan]) -> Vec<(String, Action, Option<FileRecord>)> {
        plans
            .iter()
            .map(|p| (p.path.clone(), p.action.clone(), p.record.clone()))
            .collect()
    }

    proptest! {
        /// The plan never needs the bytes of a file it settles by hash: with
        /// every base, kit file and render in hand, or with only those of the
        /// files `settled` does not cover, it decides the same for every file.
        #[test]
        fn settled_files_need_no_bytes(files in proptest::collection::vec((0..3u8, 0..4u8, 0..3u8, any::<bool>()), 1..8)) {
            let text = |v: u8| -> Option<Vec<u8>> {
                match v { 0 => None, 1 => Some(b"one\n".to_vec()), 2 => Some(b"two\n".to_vec()), _ => Some(b"three\n".to_vec()) }
            };
            let (mut bases, mut shas, mut ours, mut ours_shas, mut theirs_full) =
                (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), Vec::new());
            for (i, (b, o, t, _)) in files.iter().enumerate() {
                let path = format!("f{i}.md");
                if let Some(b) = text(*b) {
                    shas.insert(path.clone(), kit::sha256(&b));
                    bases.insert(path.clone(), b);
                }
                if let Some(o) = text(*o) {
                    ours_shas.insert(path.clone(), kit::sha256(&o));
                    ours.insert(path.clone(), o);
                }
                if let Some(t) = text(*t) {
                    theirs_full.push(render(&path, &t, false));
                }
            }
            let fills = BTreeMap::new();
            let moves = BTreeMap::new();
            let input = |old_bases, ours, theirs| PlanInput {
                old_shas: &shas,
                old_bases,
                ours,
                ours_shas: &ours_shas,
                theirs,
                fills: &fills,
                restore: &|_| false,
                labels: ("base", "catalog"),
                moves: &moves,
                mine: &|_| false,
            };
            let full = plan(&input(&bases, &ours, &theirs_full));
            // Only what an update reads: settled files' bytes left out, and
            // reused renders (every other one here) still in the store.
            let probe = input(&bases, &ours, &theirs_full);
            let settled: BTreeSet<String> = theirs_full
                .iter()
                .map(|t| t.path.clone())
                .filter(|p| probe.settled(p, theirs_full.iter().find(|t| &t.path == p)))
                .collect();
            let few_bases: BTreeMap<String, Vec<u8>> =
                bases.iter().filter(|(p, _)| !settled.contains(*p)).map(|(p, b)| (p.clone(), b.clone())).collect();
            let few_ours: BTreeMap<String, Vec<u8>> =
                ours.iter().filter(|(p, _)| !settled.contains(*p)).map(|(p, b)| (p.clone(), b.clone())).collect();
            let theirs_few: Vec<RenderedFile> = theirs_full
                .iter()
                .zip(&files)
                .map(|(t, (_, _, _, stored))| {
                    if settled.contains(&t.path) && *stored {
                        RenderedFile { body: Body::Stored { markers: Vec::new() }, ..t.clone() }
                    } else {
                        t.clone()
                    }
                })
                .collect();
            let few = plan(&input(&few_bases, &few_ours, &theirs_few));
            prop_assert_eq!(decided(&full), decided(&few));
        }
    }
}
