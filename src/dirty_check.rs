//! The warning about uncommitted changes in a local catalog repository,
//! whose `git status` runs in the background while the command goes on.
//!
//! ispo reads a local catalog's committed content only, so an edit not yet
//! committed is silently absent from the kit; the warning says so. On a
//! catalog of thousands of files git's status costs as much as the rest of a
//! no-op update, so it runs on its own thread from the moment the catalog is
//! located, and the warning is given when the command first needs the
//! catalog's files, or at the latest when the catalog is dropped.

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
    Running(JoinHandle<Option<usize>>),
    /// Counted already (no thread could be started), or reported.
    Done(Option<usize>),
}

impl DirtyCheck {
    /// Starts counting the uncommitted changes under `inside` (a folder of
    /// the work tree, `""` for all of it) of `repo`.
    pub fn start(repo: &Repository, inside: &str, reporter: &Reporter) -> DirtyCheck {
        let workdir = repo.workdir().map(Path::to_path_buf);
        let git_dir = repo.path().to_path_buf();
        let inside = inside.to_string();
        let (w, g, i) = (workdir.clone(), git_dir.clone(), inside.clone());
        let state = match std::thread::Builder::new()
            .name("ispo-catalog-status".into())
            .spawn(move || count(w, &g, &i))
        {
            Ok(handle) => Check::Running(handle),
            // Without a thread, the count is taken now rather than lost.
            Err(_) => Check::Done(count(workdir, &git_dir, &inside)),
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
            Ok(mut state) => std::mem::replace(&mut *state, Check::Done(None)),
            Err(_) => return,
        };
        let n = match taken {
            Check::Running(handle) => handle.join().ok().flatten(),
            Check::Done(n) => n,
        };
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

fn count(workdir: Option<PathBuf>, git_dir: &Path, inside: &str) -> Option<usize> {
    workdir
        .and_then(|dir| git_status_count(&dir, inside))
        .or_else(|| libgit2_status_count(git_dir, inside))
}

/// Uncommitted changes by git itself, which trusts its index's stat data:
/// libgit2's status walked every tree of the catalog from its objects
/// (half of a no-op update at 640 modules). `None` without git.
fn git_status_count(workdir: &Path, inside: &str) -> Option<usize> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(workdir)
        .args([
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
        ])
        .arg(if inside.is_empty() { "." } else { inside })
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        porcelain_paths(&out.stdout)
            .into_iter()
            .filter(|(_, renamed_from)| !renamed_from)
            .count(),
    )
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
    let mut paths = Vec::new();
    let mut fields = stdout.split(|b| *b == 0).filter(|f| !f.is_empty());
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        paths.push((String::from_utf8_lossy(&entry[3..]).into_owned(), false));
        if matches!(entry[0], b'R' | b'C') {
            if let Some(from) = fields.next() {
                paths.push((String::from_utf8_lossy(from).into_owned(), true));
            }
        }
    }
    paths
}
