//! Every blob of a git catalog's tree at one commit (path, object id, file
//! mode), listed from a cached listing of an earlier commit and git's diff
//! between the two trees, instead of walking the whole tree.
//!
//! Walking a 640-module catalog's 1,925 trees and asking git for each of its
//! 3,200 module files' objects was a sixth of an update after a one-file
//! change; a tree diff reads only the trees on the changed paths (git skips a
//! subtree whose id is unchanged). The listing of the last commit read is
//! kept per repository and folder in ispo's cache folder
//! (`<cache>/listings/`), and used only for that repository and folder, when
//! the earlier commit's tree is still in the repository and its id is the
//! one recorded. Anything else (no cache, another ispo, a damaged file, the
//! earlier tree gone) is a full walk, as before.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use git2::{Delta, ObjectType, Oid, Repository, Tree};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped whenever what a listing records changes.
const FORMAT: u32 = 1;

/// One blob (or submodule) of the tree: its path under the listed folder,
/// its object id and its git file mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub id: Oid,
    pub mode: i32,
}

/// The tree's entries, and which of them this listing took on trust from
/// an earlier read (their objects were found in this repository then).
pub struct Listed {
    pub entries: Vec<Entry>,
    /// Paths new or changed since the cached listing; `None`: all of them.
    pub fresh: Option<std::collections::BTreeSet<String>>,
}

#[derive(Serialize, Deserialize)]
struct Cached {
    format: u32,
    git_dir: String,
    inside: String,
    tree: String,
    /// `[path, object id, mode]`, in tree order.
    entries: Vec<(String, String, i32)>,
}

/// Lists `tree` (the folder `inside` of a commit of `repo`), through the
/// listing cached under `cache` when it can.
pub fn list(
    repo: &Repository,
    tree: &Tree<'_>,
    inside: &str,
    cache: Option<&Path>,
) -> Result<Listed> {
    let file = cache.map(|c| cache_file(c, repo.path(), inside));
    let known = file.as_deref().and_then(|f| read(f, repo.path(), inside));
    Ok(match known {
        Some((old_tree, entries)) if old_tree == tree.id() => Listed {
            entries,
            fresh: Some(Default::default()),
        },
        Some((old_tree, entries)) => match repo
            .find_tree(old_tree)
            .ok()
            .map(|old| diffed(repo, &old, tree, entries))
        {
            Some(Ok(listed)) => listed,
            _ => walked(tree)?,
        },
        None => walked(tree)?,
    })
}

/// Records `listed` as the listing of `tree`, once the caller has found
/// every entry acceptable and every new object present: a listing is only
/// ever trusted for what was checked. Only a speed-up, so a listing that
/// cannot be written is walked again next time.
pub fn remember(
    repo: &Repository,
    tree: &Tree<'_>,
    inside: &str,
    cache: Option<&Path>,
    listed: &Listed,
) {
    let unchanged = listed.fresh.as_ref().is_some_and(|f| f.is_empty());
    if let (Some(cache), false) = (cache, unchanged) {
        let file = cache_file(cache, repo.path(), inside);
        let _ = write(&file, repo.path(), inside, tree.id(), &listed.entries);
    }
}

fn cache_file(cache: &Path, git_dir: &Path, inside: &str) -> PathBuf {
    let mut h = Sha256::new();
    h.update(git_dir.to_string_lossy().as_bytes());
    h.update([0u8]);
    h.update(inside.as_bytes());
    cache
        .join("listings")
        .join(format!("{:x}.json", h.finalize()))
}

fn read(file: &Path, git_dir: &Path, inside: &str) -> Option<(Oid, Vec<Entry>)> {
    fs::symlink_metadata(file).ok().filter(|m| m.is_file())?;
    let cached: Cached = serde_json::from_slice(&fs::read(file).ok()?).ok()?;
    if cached.format != FORMAT
        || cached.git_dir != git_dir.to_string_lossy()
        || cached.inside != inside
    {
        return None;
    }
    let entries = cached
        .entries
        .into_iter()
        .map(|(path, id, mode)| {
            Some(Entry {
                path,
                id: Oid::from_str(&id).ok()?,
                mode,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((Oid::from_str(&cached.tree).ok()?, entries))
}

fn write(
    file: &Path,
    git_dir: &Path,
    inside: &str,
    tree: Oid,
    entries: &[Entry],
) -> std::io::Result<()> {
    let dir = file.parent().expect("a listing lives in a folder");
    fs::create_dir_all(dir)?;
    let cached = Cached {
        format: FORMAT,
        git_dir: git_dir.to_string_lossy().into_owned(),
        inside: inside.to_string(),
        tree: tree.to_string(),
        entries: entries
            .iter()
            .map(|e| (e.path.clone(), e.id.to_string(), e.mode))
            .collect(),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".listing-")
        .tempfile_in(dir)?;
    std::io::Write::write_all(
        &mut tmp,
        &serde_json::to_vec(&cached).map_err(std::io::Error::other)?,
    )?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// Every blob and submodule of `tree`, walked.
fn walked(tree: &Tree<'_>) -> Result<Listed> {
    let mut entries = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
        if matches!(entry.kind(), Some(ObjectType::Blob | ObjectType::Commit)) {
            entries.push(Entry {
                path: format!("{root}{}", entry.name().unwrap_or("?")),
                id: entry.id(),
                mode: entry.filemode(),
            });
        }
        git2::TreeWalkResult::Ok
    })?;
    Ok(Listed {
        entries,
        fresh: None,
    })
}

/// `known` (the listing of `old`) moved to `new` by git's diff of the two
/// trees: deleted paths leave, added and modified ones take their new id
/// and mode. Renames are not looked for, so a move is a delete and an add.
fn diffed(repo: &Repository, old: &Tree<'_>, new: &Tree<'_>, known: Vec<Entry>) -> Result<Listed> {
    let mut opts = git2::DiffOptions::new();
    // Submodules are entries like any other here (and refused by the caller).
    opts.ignore_submodules(false);
    let diff = repo.diff_tree_to_tree(Some(old), Some(new), Some(&mut opts))?;
    let mut by_path: BTreeMap<String, Entry> =
        known.into_iter().map(|e| (e.path.clone(), e)).collect();
    let mut fresh = std::collections::BTreeSet::new();
    for delta in diff.deltas() {
        let path_of =
            |f: git2::DiffFile<'_>| f.path().map(|p| p.to_string_lossy().replace('\\', "/"));
        match delta.status() {
            Delta::Deleted => {
                if let Some(p) = path_of(delta.old_file()) {
                    by_path.remove(&p);
                }
            }
            Delta::Added | Delta::Modified => {
                let Some(p) = path_of(delta.new_file()) else {
                    anyhow::bail!("a changed catalog path is not readable");
                };
                let file = delta.new_file();
                fresh.insert(p.clone());
                by_path.insert(
                    p.clone(),
                    Entry {
                        path: p,
                        id: file.id(),
                        mode: i32::from(file.mode()),
                    },
                );
            }
            // Anything else (a type change reported whole, a rename) is not
            // what this diff asks for: the caller walks instead.
            other => anyhow::bail!("unexpected tree change {other:?}"),
        }
    }
    Ok(Listed {
        entries: by_path.into_values().collect(),
        fresh: Some(fresh),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A repository whose commits are given as path → (content, executable).
    fn commit(repo: &Repository, files: &BTreeMap<String, (String, bool)>) -> Oid {
        let mut index = repo.index().unwrap();
        index.clear().unwrap();
        for (path, (content, exec)) in files {
            let id = repo.blob(content.as_bytes()).unwrap();
            let mut e = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: if *exec { 0o100755 } else { 0o100644 },
                uid: 0,
                gid: 0,
                file_size: 0,
                id,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            e.flags = (path.len() as u16) & 0xfff;
            index.add(&e).unwrap();
        }
        index.write_tree_to(repo).unwrap()
    }

    fn sorted(mut v: Vec<Entry>) -> Vec<Entry> {
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }

    fn files() -> impl Strategy<Value = BTreeMap<String, (String, bool)>> {
        let path = prop::sample::select(vec![
            "a", "b.md", "m/x", "m/y.md", "m/z/q", "m.d/r", "n/o/p/s", "t-u/v",
        ]);
        prop::collection::btree_map(
            path.prop_map(str::to_string),
            (
                prop::sample::select(vec!["1", "2", "3"]).prop_map(str::to_string),
                any::<bool>(),
            ),
            0..8,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever two trees are, the listing of the second made from the
        /// first's and their diff is the walk of the second, and only paths
        /// the second added or changed are fresh.
        #[test]
        fn a_diffed_listing_is_the_walk(a in files(), b in files()) {
            // A file and a folder of one name cannot be in one tree.
            let clash = |f: &BTreeMap<String, (String, bool)>| f.keys().any(|k| f.keys().any(|o| o.starts_with(&format!("{k}/"))));
            prop_assume!(!clash(&a) && !clash(&b));
            let dir = tempfile::tempdir().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let (ta, tb) = (commit(&repo, &a), commit(&repo, &b));
            let (ta, tb) = (repo.find_tree(ta).unwrap(), repo.find_tree(tb).unwrap());
            let walked_b = walked(&tb).unwrap().entries;
            let listed = diffed(&repo, &ta, &tb, walked(&ta).unwrap().entries).unwrap();
            prop_assert_eq!(sorted(listed.entries), sorted(walked_b.clone()));
            let fresh = listed.fresh.unwrap();
            for e in &walked_b {
                let before = a.get(&e.path);
                let changed = before != b.get(&e.path);
                prop_assert_eq!(fresh.contains(&e.path), changed, "{}", e.path);
            }
        }
    }

    /// The cache serves only its own repository and folder, and a second
    /// read of the same tree takes nothing fresh.
    #[test]
    fn the_cache_serves_its_own_repository_and_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let one: BTreeMap<String, (String, bool)> =
            [("m/a".to_string(), ("1".to_string(), false))].into();
        let mut two = one.clone();
        two.insert("m/b".into(), ("2".into(), true));
        let (t1, t2) = (commit(&repo, &one), commit(&repo, &two));
        let (t1, t2) = (repo.find_tree(t1).unwrap(), repo.find_tree(t2).unwrap());
        let c = Some(cache.path());
        let first = list(&repo, &t1, "", c).unwrap();
        assert!(first.fresh.is_none());
        // Not remembered yet: walked again.
        assert!(list(&repo, &t1, "", c).unwrap().fresh.is_none());
        remember(&repo, &t1, "", c, &first);
        let again = list(&repo, &t1, "", c).unwrap();
        assert_eq!(again.fresh, Some(Default::default()));
        let moved = list(&repo, &t2, "", c).unwrap();
        assert_eq!(moved.fresh, Some(["m/b".to_string()].into()));
        assert_eq!(
            sorted(moved.entries.clone()),
            sorted(walked(&t2).unwrap().entries)
        );
        remember(&repo, &t2, "", c, &moved);
        assert_eq!(
            list(&repo, &t2, "", c).unwrap().fresh,
            Some(Default::default())
        );
        // Another folder of the same repository has its own listing.
        assert!(list(&repo, &t2, "m", c).unwrap().fresh.is_none());
        // A damaged listing is walked again.
        for f in fs::read_dir(cache.path().join("listings")).unwrap() {
            fs::write(f.unwrap().path(), "{").unwrap();
        }
        assert!(list(&repo, &t2, "", c).unwrap().fresh.is_none());
    }
}
