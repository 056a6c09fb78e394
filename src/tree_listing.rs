//! Every blob of a git catalog's tree at one commit (path, object id, file
//! mode), listed from a cached listing of an earlier commit and git's diff
//! between the two trees, instead of walking the whole tree.
//!
//! Walking a 640-module catalog's 1,925 trees took ~21 ms, an eighth of an
//! update after a one-file change; a tree diff reads only the trees on the
//! changed paths (git skips a subtree whose id is unchanged). The caller
//! still checks every entry (modes, objects present) on every read. The listing of the last commit read is
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

/// The tree's entries, and which of them are new or changed since the
/// cached listing they were made from (the caller still checks them all).
pub struct Listed {
    pub entries: Vec<Entry>,
    /// Paths new or changed since the cached listing; `None`: walked, all
    /// of them. An empty set means the listing is the cached one, which
    /// needs no rewriting.
    pub fresh: Option<std::collections::BTreeSet<String>>,
    /// A name was not UTF-8 and stands as `?` (which the caller refuses
    /// where it matters): such a listing is not the tree's, and is never
    /// kept for the next read.
    pub lossy: bool,
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
            lossy: false,
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
    if let (Some(cache), false) = (cache, unchanged || listed.lossy) {
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
    prune(dir, file, ".listing-", ".json");
    Ok(())
}

/// Cache files of `dir` (named `*<suffix>`) unwritten for 30 days (catalogs
/// moved or deleted, test folders) and temp files (`<temp>*`) a killed run
/// left for a day are removed, all but `keep`, so the folder holds about
/// one file per catalog in use. Listings and status fingerprints share it.
pub fn prune(dir: &Path, keep: &Path, temp: &str, suffix: &str) {
    let now = std::time::SystemTime::now();
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let days = if name.starts_with(temp) {
            1
        } else if name.ends_with(suffix) {
            30
        } else {
            continue;
        };
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age.as_secs() > days * 24 * 3600);
        if old && path != keep && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(path);
        }
    }
}

/// Every blob and submodule of `tree`, walked.
fn walked(tree: &Tree<'_>) -> Result<Listed> {
    let mut entries = Vec::new();
    let mut lossy = false;
    tree.walk(git2::TreeWalkMode::PreOrder, |root, entry| {
        if matches!(entry.kind(), Some(ObjectType::Blob | ObjectType::Commit)) {
            lossy |= entry.name().is_err();
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
        lossy,
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
        // Paths as git stores them: bytes with `/` between names. A name
        // that is not UTF-8 is left to the walk, which refuses it as before.
        let path_of = |f: git2::DiffFile<'_>| {
            f.path_bytes()
                .and_then(|b| std::str::from_utf8(b).ok())
                .map(str::to_string)
        };
        match delta.status() {
            Delta::Deleted => {
                let Some(p) = path_of(delta.old_file()) else {
                    anyhow::bail!("a deleted catalog path is not UTF-8");
                };
                by_path.remove(&p);
            }
            Delta::Added | Delta::Modified => {
                let Some(p) = path_of(delta.new_file()) else {
                    anyhow::bail!("a changed catalog path is not UTF-8");
                };
                // The id and mode as the walk reads them: from the tree
                // entry (git2 normalises its mode; a diff's raw mode may be
                // one git2 cannot name).
                let entry = new.get_path(Path::new(&p))?;
                fresh.insert(p.clone());
                by_path.insert(
                    p.clone(),
                    Entry {
                        path: p,
                        id: entry.id(),
                        mode: entry.filemode(),
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
        lossy: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A file of a test tree: its path (names joined by `/`, as bytes so a
    /// name may be anything git stores), content and git mode.
    type Files = BTreeMap<Vec<u8>, (String, i32)>;

    /// Builds the tree of `files` as raw tree objects, so any mode git may
    /// meet in old repositories (0o100664, 0o100775) and gitlinks can be in it.
    fn build(repo: &Repository, files: &Files) -> Oid {
        let mut entries: Vec<(Vec<u8>, i32, Oid)> = Vec::new();
        let mut below: BTreeMap<Vec<u8>, Files> = BTreeMap::new();
        for (path, (content, mode)) in files {
            match path.iter().position(|b| *b == b'/') {
                Some(i) => {
                    below
                        .entry(path[..i].to_vec())
                        .or_default()
                        .insert(path[i + 1..].to_vec(), (content.clone(), *mode));
                }
                None => {
                    let id = if *mode == 0o160000 {
                        // A gitlink names a commit that need not be here.
                        Oid::hash_object(ObjectType::Commit, content.as_bytes()).unwrap()
                    } else {
                        repo.blob(content.as_bytes()).unwrap()
                    };
                    entries.push((path.clone(), *mode, id));
                }
            }
        }
        for (name, sub) in &below {
            entries.push((name.clone(), 0o040000, build(repo, sub)));
        }
        // Git's order: a folder sorts as its name followed by `/`.
        let key = |(name, mode, _): &(Vec<u8>, i32, Oid)| {
            let mut k = name.clone();
            if *mode == 0o040000 {
                k.push(b'/');
            }
            k
        };
        entries.sort_by_key(key);
        let mut raw = Vec::new();
        for (name, mode, id) in &entries {
            raw.extend_from_slice(format!("{mode:o} ").as_bytes());
            raw.extend_from_slice(name);
            raw.push(0);
            raw.extend_from_slice(id.as_bytes());
        }
        repo.odb().unwrap().write(ObjectType::Tree, &raw).unwrap()
    }

    fn files() -> impl Strategy<Value = Files> {
        let path = prop::sample::select(vec![
            &b"a"[..],
            b"b.md",
            b"m/x",
            b"m/y.md",
            b"m/z/q",
            b"m.d/r",
            b"n/o/p/s",
            b"t-u/v",
            b"m/a\\b",
            b"m\\z",
            b"m/n\xff",
            b"w\xfe/x",
        ]);
        let mode = prop::sample::select(vec![
            0o100644, 0o100755, 0o100664, 0o100775, 0o120000, 0o160000,
        ]);
        prop::collection::btree_map(
            path.prop_map(<[u8]>::to_vec),
            (
                prop::sample::select(vec!["1", "2", "3"]).prop_map(str::to_string),
                mode,
            ),
            0..8,
        )
    }

    /// A file and a folder of one name cannot be in one tree.
    fn clash(f: &Files) -> bool {
        f.keys().any(|k| {
            let mut folder = k.clone();
            folder.push(b'/');
            f.keys().any(|o| o.starts_with(&folder))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Whatever two trees are (odd modes, gitlinks, symlinks, names with
        /// a backslash or not UTF-8), listing the second through the cached
        /// listing of the first gives what a walk of the second gives, an
        /// error where the walk fails; and only added or changed paths are
        /// fresh.
        #[test]
        fn a_diffed_listing_is_the_walk(a in files(), b in files()) {
            prop_assume!(!clash(&a) && !clash(&b));
            let dir = tempfile::tempdir().unwrap();
            let cache = tempfile::tempdir().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let (ta, tb) = (build(&repo, &a), build(&repo, &b));
            let (ta, tb) = (repo.find_tree(ta).unwrap(), repo.find_tree(tb).unwrap());
            let c = Some(cache.path());
            if let Ok(first) = list(&repo, &ta, "", c) {
                remember(&repo, &ta, "", c, &first);
            }
            let walked_b = walked(&tb);
            let listed = list(&repo, &tb, "", c);
            match (listed, walked_b) {
                (Ok(listed), Ok(walked_b)) => {
                    prop_assert_eq!(&listed.entries, &walked_b.entries);
                    if let Some(fresh) = listed.fresh {
                        for e in &walked_b.entries {
                            let before = a.get(e.path.as_bytes());
                            let changed = before != b.get(e.path.as_bytes());
                            prop_assert!(!changed || fresh.contains(&e.path), "{} changed", e.path);
                        }
                    }
                }
                (Err(_), Err(_)) => {}
                (l, w) => prop_assert!(false, "listing ok: {}, walk ok: {}", l.is_ok(), w.is_ok()),
            }
        }
    }

    /// A walk that met a name which is not UTF-8 (shown as `?`) is never
    /// kept: the next read walks again instead of moving that listing.
    #[test]
    fn a_listing_with_a_name_that_is_not_utf8_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let a: Files = [(b"m/n\xff".to_vec(), ("3".to_string(), 0o100664))].into();
        let mut b = a.clone();
        b.insert(b"m/a\\b".to_vec(), ("1".into(), 0o100644));
        let (ta, tb) = (build(&repo, &a), build(&repo, &b));
        let (ta, tb) = (repo.find_tree(ta).unwrap(), repo.find_tree(tb).unwrap());
        let c = Some(cache.path());
        let first = list(&repo, &ta, "", c).unwrap();
        assert!(first.lossy);
        remember(&repo, &ta, "", c, &first);
        assert!(!cache.path().join("listings").exists());
        let second = list(&repo, &tb, "", c).unwrap();
        assert_eq!(second.entries, walked(&tb).unwrap().entries);
    }

    /// The cache serves only its own repository and folder, and a second
    /// read of the same tree takes nothing fresh.
    #[test]
    fn the_cache_serves_its_own_repository_and_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let one: Files = [(b"m/a".to_vec(), ("1".to_string(), 0o100644))].into();
        let mut two = one.clone();
        two.insert(b"m/b".to_vec(), ("2".into(), 0o100755));
        let (t1, t2) = (build(&repo, &one), build(&repo, &two));
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
        assert_eq!(moved.entries, walked(&t2).unwrap().entries);
        remember(&repo, &t2, "", c, &moved);
        assert_eq!(
            list(&repo, &t2, "", c).unwrap().fresh,
            Some(Default::default())
        );
        // Another folder of the same repository has its own listing.
        assert!(list(&repo, &t2, "m", c).unwrap().fresh.is_none());
        // A listing unused for a month goes when another is written.
        let stale = cache.path().join("listings/0000.json");
        fs::write(&stale, "{}").unwrap();
        let month_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(31 * 24 * 3600);
        fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(month_ago)
            .unwrap();
        let three = list(&repo, &t1, "m", c).unwrap();
        remember(&repo, &t1, "m", c, &three);
        assert!(!stale.exists());
        // A damaged listing is walked again.
        for f in fs::read_dir(cache.path().join("listings")).unwrap() {
            fs::write(f.unwrap().path(), "{").unwrap();
        }
        assert!(list(&repo, &t2, "", c).unwrap().fresh.is_none());
    }
}
