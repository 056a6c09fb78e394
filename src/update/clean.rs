//! The git dirty check: an update refuses a kit with uncommitted changes,
//! except what ispo itself left (its state folder, temp files, the writes of
//! an interrupted run).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::error::Failure;
use crate::kit;

use super::apply::{is_temp_name, Journal};

/// Whether a dirty path (relative to the kit) is only what ispo itself
/// leaves: its state folder, a temp file, or what an interrupted update did
/// (a file it wrote, still as it wrote it, or one it deleted, still gone).
pub fn ispo_own(rel: &str, kit: &Path, journal: Option<&Journal>) -> bool {
    if rel.starts_with(".ispo/")
        || rel == ".ispo"
        || rel
            .rsplit('/')
            .next()
            .is_some_and(|n| is_temp_name(n, ".ispo-tmp-"))
    {
        return true;
    }
    journal.is_some_and(|j| {
        let wrote = j
            .done
            .get(rel)
            .is_some_and(|sha| fs::read(kit.join(rel)).is_ok_and(|b| &kit::sha256(&b) == sha));
        let deleted =
            j.deleted.iter().any(|d| d == rel) && fs::symlink_metadata(kit.join(rel)).is_err();
        wrote || deleted
    })
}

/// Refuses to touch a kit whose files have uncommitted changes in git.
///
/// Asks git itself when it is installed, so every layout git knows is read
/// as git reads it: a separate git dir next to the kit or far away, a
/// worktree, a submodule. Without git, libgit2 reads a plain `.git` folder.
pub fn check_clean(kit: &Path) -> Result<()> {
    let dirty = match git_status(kit) {
        Some(result) => result?,
        None => libgit2_status(kit)?,
    };
    // Read once: a dirty kit can list many paths.
    let journal = Journal::read(kit);
    let dirty: Vec<String> = dirty
        .into_iter()
        .filter(|p| !ispo_own(p, kit, journal.as_ref()))
        .collect();
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = dirty.iter().take(5).map(String::as_str).collect();
    Err(Failure::Refused(format!(
        "the kit has uncommitted changes in git ({}{}); commit or stash them first, so the update can be reviewed and undone, or pass --allow-dirty",
        shown.join(", "),
        if dirty.len() > 5 { ", ..." } else { "" }
    ))
    .into())
}

/// Kit-relative paths git reports as changed, added or untracked (not
/// ignored); `None` when git cannot be run, `Some(Ok(empty))` outside git.
fn git_status(kit: &Path) -> Option<Result<Vec<String>>> {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(kit)
            .args(args)
            .env("GIT_OPTIONAL_LOCKS", "0")
            .stdin(std::process::Stdio::null())
            .output()
    };
    let inside = match git(&["rev-parse", "--is-inside-work-tree", "--show-prefix"]) {
        Err(_) => return None,
        Ok(out) if !out.status.success() => return Some(Ok(Vec::new())),
        Ok(out) => out,
    };
    let text = String::from_utf8_lossy(&inside.stdout);
    let mut lines = text.lines();
    if lines.next() != Some("true") {
        return Some(Ok(Vec::new()));
    }
    let prefix = lines.next().unwrap_or("").to_string();
    let out = match git(&[
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--",
        ".",
    ]) {
        Err(e) => return Some(Err(e).context("running git status in the kit")),
        Ok(out) if !out.status.success() => {
            return Some(Err(anyhow::anyhow!(
                "git status in the kit failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
        Ok(out) => out,
    };
    // Entries are `XY path` (renames carry a second path, the source).
    let paths = crate::dirty_check::porcelain_paths(&out.stdout)
        .into_iter()
        .map(|(path, _)| path.strip_prefix(&prefix).unwrap_or(&path).to_string())
        .collect();
    Some(Ok(paths))
}

/// The same through libgit2, for machines without git.
fn libgit2_status(kit: &Path) -> Result<Vec<String>> {
    let Ok(repo) = git2::Repository::discover(kit) else {
        return Ok(Vec::new());
    };
    let Some(workdir) = repo.workdir() else {
        return Ok(Vec::new());
    };
    let abs_kit = kit.canonicalize()?;
    let workdir = workdir.canonicalize()?;
    let Ok(inside) = abs_kit.strip_prefix(&workdir) else {
        return Ok(Vec::new());
    };
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let spec = inside.to_string_lossy().replace('\\', "/");
    if !spec.is_empty() {
        opts.pathspec(&spec);
    }
    let statuses = repo
        .statuses(Some(&mut opts))
        .context("reading the git status of the kit")?;
    Ok(statuses
        .iter()
        .filter(|s| !s.status().is_ignored())
        .filter_map(|s| s.path().ok().map(str::to_string))
        .map(|p| {
            p.strip_prefix(&spec)
                .map(|r| r.trim_start_matches('/').to_string())
                .unwrap_or(p)
        })
        .collect())
}
