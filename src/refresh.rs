//! `ispo catalog refresh`: a company catalog's replaced files follow the
//! catalog below. For each replacement whose upstream file changed since it
//! was made (`replaces_sha256`), the version it was made from is found in
//! that catalog's git history by its SHA-256, and upstream's change is
//! merged into the replacement with the same three-way merge as `ispo
//! update`; conflicts are marked, and `replaces_sha256` moves on.

use std::path::Path;

use anyhow::{Context, Result};
use git2::{ObjectType, Oid, Repository};

use crate::catalog::Replacement;
use crate::error::{Code, Failure};
use crate::kit::sha256;
use crate::layers::{self, Stack};
use crate::merge::{self, Merged, OURS_LABEL};
use crate::output::Reporter;
use crate::source::{self, BUILTIN};

/// How far back the history is searched for the version a replacement was made from.
const MAX_COMMITS: usize = 20_000;

pub fn run(dir: &Path, offline: bool, reporter: &Reporter) -> Result<Code> {
    let files = source::read_dir_tree(dir)?;
    let stack = layers::load_folder(dir, files, offline, &[], reporter)?;
    let catalog = stack.catalog()?;
    let top = catalog.manifest.name.clone();
    let stale: Vec<&Replacement> = catalog
        .replacements
        .iter()
        .filter(|r| r.layer == top)
        .filter(|r| {
            r.replaces_sha256
                .as_ref()
                .is_some_and(|then| then != &r.upstream_sha256)
        })
        .collect();
    if stale.is_empty() {
        reporter.status(
            "Fresh",
            format!("{top}: no replaced file has changed upstream since it was made"),
        );
        return Ok(Code::Ok);
    }
    let mut conflicts = 0;
    for r in stale {
        let ours_path = dir.join(format!("amend/{}/files/{}", r.module, r.path));
        let shown = format!("amend/{}/files/{}", r.module, r.path);
        let then = r.replaces_sha256.as_deref().expect("filtered");
        let old = find_version(&stack, &r.below, &r.below_path, then).with_context(|| {
            format!(
                "{shown}: cannot find the version of `{}` it was made from",
                r.below
            )
        })?;
        let theirs = upstream_now(&stack, &r.below, &r.below_path)?
            .with_context(|| format!("{shown}: the file is gone from `{}`", r.below))?;
        let ours = std::fs::read(&ours_path)
            .with_context(|| format!("cannot read {}", ours_path.display()))?;
        let base_label = format!("{} (the version replaced)", r.below);
        let theirs_label = format!("{} now", r.below);
        let merged = match merge::merge(&old, &ours, &theirs, &base_label, &theirs_label) {
            Merged::Clean(b) => {
                reporter.status("Merged", format!("{shown}: upstream's change is in"));
                b
            }
            Merged::Conflict(b) => {
                conflicts += 1;
                reporter.status(
                    "Conflict",
                    format!("{shown}: resolve the conflict markers, then run `ispo catalog lint`"),
                );
                relabel(&b, &top)
            }
            Merged::Binary => {
                return Err(Failure::Refused(format!(
                    "{shown}: not text, so it cannot be merged; compare it with `{}`'s file by hand",
                    r.below
                ))
                .into());
            }
        };
        std::fs::write(&ours_path, &merged)
            .with_context(|| format!("cannot write {}", ours_path.display()))?;
        set_replaces(dir, &r.module, &r.path, &r.upstream_sha256)?;
    }
    Ok(if conflicts > 0 {
        Code::Conflicts
    } else {
        Code::Ok
    })
}

/// The ours side of a conflict is the company's replacement, not a kit.
fn relabel(bytes: &[u8], layer: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let from = format!("<<<<<<< {OURS_LABEL}");
    let to = format!("<<<<<<< {layer} (your replacement)");
    text.lines()
        .map(|l| if l == from { to.as_str() } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
        .into_iter()
        .chain(text.ends_with('\n').then_some(b'\n'))
        .collect()
}

/// The git repository and commit a layer of the stack was read from.
fn layer_repo(stack: &Stack, layer: &str) -> Result<(Repository, Oid, String)> {
    let l = stack
        .layers
        .iter()
        .find(|l| l.name == layer)
        .context("no such layer")?;
    let rec = &l.loaded.record;
    if rec.source == BUILTIN || rec.commit.starts_with("sha256:") {
        anyhow::bail!(
            "`{layer}` ({}) keeps no git history to find it in; compare the file with the new version by hand and set replaces_sha256",
            rec.source
        );
    }
    // Read where the layer was read from: its mirror or local repository,
    // and the folder in it that holds the catalog.
    let (Some(git_dir), Some(inside)) = (l.loaded.git_dir(), l.loaded.inside()) else {
        anyhow::bail!("`{layer}` ({}) was not read from git", rec.source);
    };
    let repo = Repository::open(git_dir)?;
    Ok((repo, Oid::from_str(&rec.commit)?, inside.to_string()))
}

fn blob_at(repo: &Repository, commit: Oid, path: &str) -> Option<(Oid, Vec<u8>)> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(Path::new(path)).ok()?;
    if entry.kind() != Some(ObjectType::Blob) {
        return None;
    }
    let blob = repo.find_blob(entry.id()).ok()?;
    Some((entry.id(), blob.content().to_vec()))
}

fn joined(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

fn upstream_now(stack: &Stack, layer: &str, path: &str) -> Result<Option<Vec<u8>>> {
    let (repo, commit, prefix) = layer_repo(stack, layer)?;
    Ok(blob_at(&repo, commit, &joined(&prefix, path)).map(|(_, b)| b))
}

/// The content of `path` in `layer`'s history whose SHA-256 is `sha`.
fn find_version(stack: &Stack, layer: &str, path: &str, sha: &str) -> Result<Vec<u8>> {
    let (repo, commit, prefix) = layer_repo(stack, layer)?;
    let full = joined(&prefix, path);
    let mut walk = repo.revwalk()?;
    walk.push(commit)?;
    let mut seen = std::collections::HashSet::new();
    for oid in walk.take(MAX_COMMITS) {
        let Some((blob, bytes)) = blob_at(&repo, oid?, &full) else {
            continue;
        };
        if seen.insert(blob) && sha256(&bytes) == sha {
            return Ok(bytes);
        }
    }
    anyhow::bail!(
        "no version of {full} in the last {MAX_COMMITS} commits of `{layer}` has SHA-256 {sha}; compare the file with the new version by hand and set replaces_sha256"
    )
}

/// Sets `replaces_sha256` of the `[[file]]` for `path` in amend.toml,
/// keeping the author's comments and layout (a missing entry is added).
pub fn set_replaces(dir: &Path, module: &str, path: &str, sha: &str) -> Result<()> {
    let file = dir.join(format!("amend/{module}/amend.toml"));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not TOML", file.display()))?;
    let files = doc
        .entry("file")
        .or_insert(toml_edit::Item::ArrayOfTables(Default::default()))
        .as_array_of_tables_mut()
        .context("`file` in amend.toml is not an array of tables")?;
    let at = files
        .iter()
        .position(|t| t.get("path").and_then(|p| p.as_str()) == Some(path));
    match at.and_then(|i| files.get_mut(i)) {
        Some(t) => {
            t["replaces_sha256"] = toml_edit::value(sha);
        }
        None => {
            let mut t = toml_edit::Table::new();
            t["path"] = toml_edit::value(path);
            t["replaces_sha256"] = toml_edit::value(sha);
            files.push(t);
        }
    }
    std::fs::write(&file, doc.to_string())
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(())
}
