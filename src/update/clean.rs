//! The git dirty check: an update refuses a kit with uncommitted changes,
//! except what ispo itself left (its state folder, temp files, the writes of
//! an interrupted run).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::error::Failure;
use crate::kit;

use super::apply::{is_temp_name, Journal};

/// Whether a dirty path is only what ispo itself leaves: its state folder,
/// a temp file, or a file an interrupted update wrote (listed in its journal).
pub fn ispo_own(repo_path: &str, kit_prefix: &str, kit: &Path) -> bool {
    let rel = repo_path
        .strip_prefix(kit_prefix)
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(repo_path);
    if rel.starts_with(".ispo/")
        || rel
            .rsplit('/')
            .next()
            .is_some_and(|n| is_temp_name(n, ".ispo-tmp-"))
    {
        return true;
    }
    Journal::read(kit).is_some_and(|j| {
        j.done
            .get(rel)
            .is_some_and(|sha| fs::read(kit.join(rel)).is_ok_and(|b| &kit::sha256(&b) == sha))
    })
}

/// Refuses to touch a kit whose files have uncommitted changes in git.
pub fn check_clean(kit: &Path) -> Result<()> {
    let Ok(repo) = git2::Repository::discover(kit) else {
        return Ok(());
    };
    let Some(workdir) = repo.workdir() else {
        return Ok(());
    };
    let abs_kit = kit.canonicalize()?;
    let workdir = workdir.canonicalize()?;
    let Ok(inside) = abs_kit.strip_prefix(&workdir) else {
        return Ok(());
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
    let dirty: Vec<String> = statuses
        .iter()
        .filter(|s| !s.status().is_ignored())
        .filter_map(|s| s.path().ok().map(str::to_string))
        .filter(|p| !ispo_own(p, &spec, kit))
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
