//! The warning about uncommitted changes in a local catalog repository,
//! whose `git status` runs in the background while the command goes on.
//!
//! ispo reads a local catalog's committed content only, so an edit not yet
//! committed is silently absent from the kit; the warning says so. On a
//! catalog of thousands of files git's status costs as much as the rest of a
//! no-op update, so it runs on its own thread from the moment the catalog is
//! located, and the warning is given when the command first needs the
//! catalog's files, or at the latest when the catalog is dropped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use git2::Repository;

use crate::output::Reporter;

/// A running (or finished) check of one catalog repository.
pub struct DirtyCheck {
    state: Mutex<Check>,
    reporter: Reporter,
}

enum Check {
    Running(JoinHandle<Counted>),
    /// Counted already (no thread could be started), or reported.
    Done(Counted),
}

/// The count, if git could be asked, and how it was taken (said under
/// `--verbose`).
type Counted = (Option<usize>, &'static str);

impl DirtyCheck {
    /// Starts counting the uncommitted changes under `inside` (a folder of
    /// the work tree, `""` for all of it) of `repo`; `cache` is ispo's cache
    /// folder, where the untracked files' fingerprint is kept.
    pub fn start(
        repo: &Repository,
        inside: &str,
        cache: Option<&Path>,
        reporter: &Reporter,
    ) -> DirtyCheck {
        let at = Where {
            workdir: repo.workdir().map(Path::to_path_buf),
            git_dir: repo.path().to_path_buf(),
            common_dir: repo.commondir().to_path_buf(),
            inside: inside.to_string(),
            // Not on Windows, where a folder has no ctime or inode and some
            // file systems keep a folder's mtime when a file is added.
            fingerprint: cache
                .filter(|_| cfg!(unix))
                .map(|c| crate::status_stamps::file(c, repo.path(), inside)),
        };
        let copy = at.clone();
        let state = match std::thread::Builder::new()
            .name("ispo-catalog-status".into())
            .spawn(move || count(&copy))
        {
            Ok(handle) => Check::Running(handle),
            // Without a thread, the count is taken now rather than lost.
            Err(_) => Check::Done(count(&at)),
        };
        DirtyCheck {
            state: Mutex::new(state),
            reporter: reporter.clone(),
        }
    }

    /// Waits for the count and warns if there is anything uncommitted; only
    /// the first call says anything.
    pub fn report(&self) {
        let taken = match self.state.lock() {
            Ok(mut state) => std::mem::replace(&mut *state, Check::Done((None, ""))),
            Err(_) => return,
        };
        let (n, how) = match taken {
            Check::Running(handle) => handle.join().unwrap_or((None, "")),
            Check::Done(counted) => counted,
        };
        if !how.is_empty() {
            self.reporter.debug(format!("catalog status: {how}"));
        }
        if let Some(n) = n.filter(|n| *n > 0) {
            self.reporter.warn(format!(
                "the catalog repository has {n} uncommitted change(s); ispo reads committed content only"
            ));
        }
    }
}

impl Drop for DirtyCheck {
    /// A command that never reads the catalog's files still gets the warning.
    fn drop(&mut self) {
        self.report();
    }
}

/// The repository and folder a check counts in.
#[derive(Clone)]
struct Where {
    workdir: Option<PathBuf>,
    git_dir: PathBuf,
    common_dir: PathBuf,
    inside: String,
    fingerprint: Option<PathBuf>,
}

fn count(at: &Where) -> Counted {
    if let Some(counted) = at.workdir.as_deref().and_then(|dir| git_count(dir, at)) {
        return counted;
    }
    (
        libgit2_status_count(&at.git_dir, &at.inside),
        "libgit2 (no git on the PATH)",
    )
}

/// Uncommitted changes by git itself, which trusts its index's stat data:
/// libgit2's status walked every tree of the catalog from its objects
/// (half of a no-op update at 640 modules). While the fingerprint taken
/// when git last found nothing untracked still holds (see
/// `status_stamps`), git is asked about tracked files only (a third of its
/// time), or not at all for a tree it found clean. `None` without git.
fn git_count(workdir: &Path, at: &Where) -> Option<Counted> {
    use crate::status_stamps::{self as stamps, Found, Holds, Tree};
    // Read now, just before git's status: what the fingerprint holds for.
    let head = Repository::open(&at.git_dir)
        .ok()
        .and_then(|r| r.head().ok()?.target())
        .map(|id| id.to_string())
        .unwrap_or_default();
    let tree = Tree {
        workdir,
        git_dir: &at.git_dir,
        common_dir: &at.common_dir,
        inside: &at.inside,
        head: &head,
    };
    let fingerprint = at.fingerprint.as_deref();
    match fingerprint.map_or(Holds::No, |f| stamps::holds(f, &tree)) {
        Holds::Clean => return Some((Some(0), "clean fingerprint holds, git not asked")),
        Holds::NothingUntracked => {
            let n = git_status(workdir, &at.inside, false)?.changes;
            return Some((Some(n), "fingerprint holds, git asked about tracked files"));
        }
        Holds::No => {}
    }
    let started = std::time::SystemTime::now();
    let status = git_status(workdir, &at.inside, true)?;
    if let (Some(f), 0) = (fingerprint, status.untracked) {
        let found = Found {
            ignored: &status.ignored,
            clean: status.changes == 0,
            started,
        };
        stamps::remember(f, &tree, &found);
    }
    Some((Some(status.changes), "git asked about every file"))
}

/// What `git status` said.
struct Status {
    /// Changed, deleted, added and untracked paths.
    changes: usize,
    untracked: usize,
    /// What git ignores: files, and folders as a whole (without their
    /// `/`); asked only with the untracked files.
    ignored: BTreeSet<String>,
}

fn git_status(workdir: &Path, inside: &str, untracked: bool) -> Option<Status> {
    let pathspec = if inside.is_empty() { "." } else { inside };
    let mut args = vec!["status", "--porcelain=v1", "-z"];
    if untracked {
        args.extend(["--untracked-files=all", "--ignored=matching"]);
    } else {
        args.push("--untracked-files=no");
    }
    args.extend(["--", pathspec]);
    let out = crate::status_stamps::git_output(workdir, &args)?;
    let mut status = Status {
        changes: 0,
        untracked: 0,
        ignored: BTreeSet::new(),
    };
    for (code, path, renamed_from) in porcelain_entries(&out) {
        match code {
            _ if renamed_from => {}
            [b'!', b'!'] => {
                let path = path.strip_suffix('/').unwrap_or(&path);
                status.ignored.insert(path.to_string());
            }
            [b'?', b'?'] => {
                status.untracked += 1;
                status.changes += 1;
            }
            _ => status.changes += 1,
        }
    }
    Some(status)
}

fn libgit2_status_count(git_dir: &Path, inside: &str) -> Option<usize> {
    let repo = Repository::open(git_dir).ok()?;
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    if !inside.is_empty() {
        opts.pathspec(inside);
    }
    repo.statuses(Some(&mut opts)).ok().map(|s| s.len())
}

/// The paths of `git status --porcelain=v1 -z`, as git prints them, each
/// with whether it is the source of a rename or copy (the second path of
/// such an entry) rather than an entry of its own.
pub fn porcelain_paths(stdout: &[u8]) -> Vec<(String, bool)> {
    porcelain_entries(stdout)
        .into_iter()
        .map(|(_, path, from)| (path, from))
        .collect()
}

/// Every entry of `git status --porcelain=v1 -z`: its two status letters,
/// its path, and whether it is the source of a rename or copy.
fn porcelain_entries(stdout: &[u8]) -> Vec<([u8; 2], String, bool)> {
    let mut entries = Vec::new();
    let mut fields = stdout.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let code = [entry[0], entry[1]];
        entries.push((
            code,
            String::from_utf8_lossy(&entry[3..]).into_owned(),
            false,
        ));
        // A rename or copy in the index (first letter) or in the work tree
        // (second) is followed by its source path.
        if matches!(entry[0], b'R' | b'C') || matches!(entry[1], b'R' | b'C') {
            if let Some(from) = fields.next() {
                entries.push((code, String::from_utf8_lossy(from).into_owned(), true));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_in_the_index_or_the_work_tree_names_its_source_once() {
        let out = b"R  new.md\0old.md\0 R moved.md\0was.md\0?? u.md\0 M m.md\0";
        assert_eq!(
            porcelain_paths(out),
            [
                ("new.md".to_string(), false),
                ("old.md".to_string(), true),
                ("moved.md".to_string(), false),
                ("was.md".to_string(), true),
                ("u.md".to_string(), false),
                ("m.md".to_string(), false),
            ]
        );
    }
}
