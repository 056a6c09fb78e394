//! What `ispo catalog new` and `ispo module new` share: a new folder,
//! checked in memory to load and lint before anything is written, then
//! written all or nothing, so creating what is missing starts from
//! something that works.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::catalog::{Catalog, Files};
use crate::error::Failure;
use crate::layers::{self, Stack};
use crate::lint;
use crate::output::Reporter;
use crate::source::{self, CatalogRecord};

pub fn refuse_occupied(dir: &Path) -> Result<()> {
    if !crate::kit::non_empty_entries(dir)?.is_empty() {
        return Err(Failure::Refused(format!(
            "`{}` exists and is not empty; ispo writes a new catalog or module only into a new or empty folder",
            dir.display()
        ))
        .into());
    }
    Ok(())
}

/// The catalog in `dir` on its bases, as lint reads it.
pub fn load_folder(dir: &Path, offline: bool, reporter: &Reporter) -> Result<(Stack, Catalog)> {
    let files = source::read_dir_tree(dir)?;
    let stack = layers::load_folder(dir, files, offline, &[], reporter)?;
    let catalog = stack
        .catalog()
        .context("the catalog must load before a module is added to it")?;
    Ok((stack, catalog))
}

/// What is about to be written loads and lints without errors on top of
/// the same bases; anything else is ispo's mistake, and nothing is written.
pub fn check_clean(
    pins: &[CatalogRecord],
    files: &Files,
    dir: &Path,
    reporter: &Reporter,
) -> Result<()> {
    let probe = layers::load_folder(dir, files.clone(), true, pins, reporter)?;
    let catalog = probe.catalog()?;
    let (errors, _) = lint::lint(&catalog);
    if let Some(e) = errors.first() {
        anyhow::bail!(
            "ispo's scaffold does not lint cleanly ({e}); nothing was written; please report this"
        );
    }
    Ok(())
}

/// Writes `files` into a new folder `dir`, all or nothing: a sibling
/// temporary folder renamed into place.
pub fn write_new_folder(dir: &Path, files: &Files) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".ispo-new-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    for (rel, bytes) in files {
        let p = staging.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}

pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
