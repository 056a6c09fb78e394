//! A kit on disk: its files, its state (`.ispo/state.toml`), the pristine base
//! render of every file (in the store, `store.rs`), and its answers file.
//!
//! The state records everything a later `ispo update` needs without replaying
//! an old catalog: source, ref, resolved commit, selection with overrides,
//! and per file its module and the SHA-256 of the base render stored beside it.
//! Writes are staged in a temporary folder next to the kit and renamed into
//! place; the state is written last, so an interrupted run never leaves a
//! state that describes files which are not there.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::catalog::{toml_diag, FillDecl};
use crate::error::Failure;
use crate::local_cache::{read_cache_file, write_cache_file};
pub use crate::paths::check_no_symlinks;
use crate::paths::{ANSWERS_FILE, SIDECAR, STATE_DIR, STATE_FILE};
use crate::render::RenderedFile;
pub use crate::source::CatalogRecord;
pub use crate::store::sha256;
use crate::store::{Store, STORE_DIR};

/// Version of the state file layout; bumped with a migration. Format 1 kept
/// the base renders as files under `.ispo/<base>/`; format 2 keeps them in
/// the store (`store.rs`). A format-1 kit is migrated by its next update.
pub const STATE_FORMAT: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format: u32,
    pub ispo_version: String,
    /// Format 1 only: the folder under `.ispo/` holding the base renders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// SHA-256 of the answers file as ispo wrote it: when neither it nor the
    /// catalog changed, `ispo update` has nothing to render.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers_sha256: Option<String>,
    pub catalog: CatalogRecord,
    /// The catalogs the kit's catalog builds on (`[[extends]]`), lowest
    /// first; `catalog` is the top of the stack. Empty for one catalog.
    #[serde(default, rename = "layer", skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<CatalogRecord>,
    pub selection: SelectionRecord,
    #[serde(default, rename = "fill")]
    pub fills: Vec<FillRecord>,
    #[serde(default, rename = "file")]
    pub files: Vec<FileRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectionRecord {
    pub modules: Vec<String>,
    #[serde(default)]
    pub with: Vec<String>,
    #[serde(default)]
    pub without: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillRecord {
    pub id: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

impl From<&FillDecl> for FillRecord {
    fn from(f: &FillDecl) -> Self {
        FillRecord {
            id: f.id.clone(),
            description: f.description.clone(),
            example: f.example.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRecord {
    pub path: String,
    pub module: String,
    pub sha256: String,
    /// The base is older than the catalog commit: a conflict was still open,
    /// so the catalog's change is still to come.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// The update that wrote this record left conflict markers in the file
    /// (or found them still there): a no-op update looks for markers in
    /// these files only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub conflicted: bool,
    /// Committed as executable in the catalog (a script).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub executable: bool,
    /// In a layered catalog: the catalog whose template made the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// In a layered catalog: the catalogs that amended the file's module.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amended_by: Vec<String>,
}

impl State {
    pub fn read(kit: &Path) -> Result<State> {
        let path = kit.join(STATE_FILE);
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "`{}` is not an ispo kit (no {STATE_FILE}); create one with `ispo init`",
                kit.display()
            )
        })?;
        let shown = path.display().to_string();
        let text_sha = sha256(text.as_bytes());
        if let Some(state) = parsed_cache::read(kit, &text_sha) {
            return state.validated(&shown);
        }
        let state = State::parse(&shown, &text)?;
        parsed_cache::write(kit, &text_sha, &state);
        Ok(state)
    }

    /// Parses and checks a state file's text; `shown` names it in messages.
    pub fn parse(shown: &str, text: &str) -> Result<State> {
        let shown = shown.to_string();
        // One typed parse on the common path (a 640-module kit's state is
        // 400 KB, and parsing it twice was a third of a no-op update); the
        // format is looked at on its own only when that parse fails, so a
        // newer ispo's state is named as such rather than as a bad file.
        let typed: Result<State, _> = toml::from_str(text);
        let format = match &typed {
            Ok(state) => Some(i64::from(state.format)),
            Err(_) => toml::from_str::<toml::Table>(text)
                .ok()
                .and_then(|t| t.get("format").and_then(toml::Value::as_integer)),
        };
        match format {
            Some(f) if f == i64::from(STATE_FORMAT) || f == 1 => {}
            Some(f) if f > i64::from(STATE_FORMAT) => {
                // The ispo that wrote it, so the user knows what to install.
                let writer = toml::from_str::<toml::Table>(text)
                    .ok()
                    .and_then(|t| t.get("ispo_version")?.as_str().map(str::to_string))
                    .map_or_else(String::new, |v| format!(" {v}"));
                anyhow::bail!("{shown}: this kit was written by a newer ispo{writer} (state format {f}; this ispo {} reads formats 1 and {STATE_FORMAT}); upgrade ispo{} to use it", env!("CARGO_PKG_VERSION"), if writer.is_empty() { String::new() } else { format!(" to{writer} or later") })
            }
            Some(f) => anyhow::bail!(
                "{shown}: `format = {f}` is not a state format ispo knows; restore the file from version control, or re-create the kit with `ispo init --adopt`"
            ),
            None if typed.is_err() && toml::from_str::<toml::Table>(text).is_ok() => anyhow::bail!(
                "{shown}: no top-level `format` key, so this is not a state file ispo wrote; restore it from version control, or re-create the kit with `ispo init --adopt`"
            ),
            None => {}
        }
        let state: State =
            typed.map_err(|e| Failure::Invalid(vec![toml_diag(&shown, text, &e)]))?;
        state.validated(&shown)
    }

    /// The checks of a state beyond its TOML shape, made on every state
    /// read, parsed or cached: the commit id's form, the base folder rules
    /// of each format, and every recorded path.
    fn validated(self, shown: &str) -> Result<State> {
        let mut state = self;
        let commit = &state.catalog.source.commit;
        let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
        if !(hex(commit, 40)
            || hex(commit, 64)
            || commit.strip_prefix("sha256:").is_some_and(|h| hex(h, 64)))
        {
            return Err(Failure::Invalid(vec![crate::error::Diagnostic::new(
                shown,
                0,
                0,
                format!("`commit = {commit:?}` is not a commit id"),
            )])
            .into());
        }
        if state.format == 1 {
            // Format 1 always named its base folder; an old default was `base`.
            let base = state.base.get_or_insert_with(|| "base".to_string());
            if !base.starts_with("base") || base.contains(['/', '\\', '.']) {
                return Err(Failure::Refused(format!(
                    "{shown}: `base = {base:?}` is not a base folder name"
                ))
                .into());
            }
        } else if state.base.is_some() {
            return Err(Failure::Invalid(vec![crate::error::Diagnostic::new(
                shown,
                0,
                0,
                "`base` belongs to state format 1; format 2 keeps the renders in .ispo/store",
            )])
            .into());
        }
        for f in &state.files {
            crate::paths::check_tracked(&f.path).map_err(|why| {
                Failure::Refused(format!(
                    "{shown}: recorded path `{}` is refused: {why}",
                    f.path
                ))
            })?;
        }
        Ok(state)
    }

    /// The stored base render of every tracked file, each checked against its
    /// recorded hash, and the store as it is on disk (empty for format 1,
    /// whose renders are files under `.ispo/<base>/`). A missing render, a
    /// symlink or a changed byte means the `.ispo` folder cannot be trusted.
    pub fn read_bases(&self, kit: &Path) -> Result<(BTreeMap<String, Vec<u8>>, Store)> {
        let mut out = BTreeMap::new();
        let Some(base) = &self.base else {
            let store = Store::read(kit)?;
            for f in &self.files {
                let bytes = store.get(&f.sha256)?.ok_or_else(|| {
                    Failure::Refused(format!(
                        "the base render of `{}` is missing from {STORE_DIR}; the kit's .ispo folder is damaged (restore it from version control)",
                        f.path
                    ))
                })?;
                out.insert(f.path.clone(), bytes.to_vec());
            }
            return Ok((out, store));
        };
        for record in &self.files {
            let rel = format!("{STATE_DIR}/{base}/{}", record.path);
            check_no_symlinks(kit, &rel)?;
            let p = kit.join(&rel);
            let bytes = fs::read(&p).with_context(|| {
                format!(
                    "the base render `{}` is missing; the kit's .ispo folder is damaged",
                    p.display()
                )
            })?;
            if sha256(&bytes) != record.sha256 {
                return Err(Failure::Refused(format!(
                    "the base render `{}` does not match the hash recorded in {STATE_FILE}; the kit's .ispo folder was changed by hand",
                    p.display()
                ))
                .into());
            }
            out.insert(record.path.clone(), bytes);
        }
        Ok((out, Store::default()))
    }

    /// Every tracked file's base render by its SHA-256, and the store that
    /// holds them, read bucket by bucket as blobs are asked for: an update
    /// reads only the renders it compares or rewrites. (A missing or damaged
    /// render is refused when it is needed, before anything is written.) A
    /// format-1 kit's base folder is read whole and checked, as ever.
    pub fn base_shas(&self, kit: &Path) -> Result<(BTreeMap<String, String>, Store)> {
        if self.base.is_some() {
            let (bases, _) = self.read_bases(kit)?;
            let store = Store::of(bases.values().map(Vec::as_slice));
            let shas = bases
                .into_iter()
                .map(|(path, bytes)| (path, sha256(&bytes)))
                .collect();
            return Ok((shas, store));
        }
        let shas = self
            .files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect();
        Ok((shas, Store::open(kit)?))
    }

    /// The state as written: files by path and fill-ins by id, so an update
    /// changes only the lines of what changed.
    pub fn to_toml(&self) -> String {
        self.written().1
    }

    /// The state as `to_toml` writes it (sorted), with its text: what a
    /// parse of that text gives, for the parsed-state cache.
    pub fn written(&self) -> (State, String) {
        let mut sorted = self.clone();
        sorted.files.sort_by(|a, b| a.path.cmp(&b.path));
        sorted.fills.sort_by(|a, b| a.id.cmp(&b.id));
        let mut out = String::from(
            "# ispo kit state: written by ispo, read by `ispo update`. Do not edit by hand.\n",
        );
        out.push_str(&toml::to_string_pretty(&sorted).expect("state serialises"));
        (sorted, out)
    }
}

/// Whether `dir` has anything in it besides a `.git` folder.
pub fn non_empty_entries(dir: &Path) -> Result<Vec<String>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    if !dir.is_dir() {
        return Err(
            Failure::Refused(format!("`{}` exists and is not a folder", dir.display())).into(),
        );
    }
    let mut names: Vec<String> = fs::read_dir(dir)
        .with_context(|| format!("cannot read `{}`", dir.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".git")
        .collect();
    names.sort();
    Ok(names)
}

/// A free name for the new version of `path` beside it: `<path>.ispo-new`,
/// or `-2`, `-3`... when that exists with other content.
pub fn sidecar_path(kit_dir: &Path, path: &str, bytes: &[u8]) -> String {
    for n in 1..1000 {
        let candidate = if n == 1 {
            format!("{path}{SIDECAR}")
        } else {
            format!("{path}{SIDECAR}-{n}")
        };
        match fs::read(kit_dir.join(&candidate)) {
            Ok(existing) if existing == bytes => return candidate,
            Ok(_) => continue,
            Err(_) if fs::symlink_metadata(kit_dir.join(&candidate)).is_ok() => continue,
            Err(_) => return candidate,
        }
    }
    format!("{path}{SIDECAR}-{}", sha256(bytes))
}

/// Everything one write of a kit consists of.
pub struct KitWrite<'a> {
    pub files: &'a [RenderedFile],
    pub answers_text: &'a str,
    pub state: &'a State,
    /// Kit path → sidecar path, for files the destination already holds
    /// with other content: the user's file stays, the render goes beside it.
    /// The base still records the render, so the next update merges.
    pub beside: &'a BTreeMap<String, String>,
    /// Kit paths whose file of the user's stays and gets nothing written
    /// (`[files] mine`); the base still records the render.
    pub leave: &'a std::collections::BTreeSet<String>,
}

/// Writes a kit into `dest`: staged next to it, then moved into place file by
/// file (or the whole folder at once when `dest` does not exist yet), with the
/// state last.
pub fn write(dest: &Path, kit: &KitWrite<'_>) -> Result<()> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create `{}`", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".ispo-staging-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a staging folder in `{}`", parent.display()))?;
    let mut entries: Vec<(String, &[u8])> = Vec::new();
    let at = |path: &str| {
        kit.beside
            .get(path)
            .cloned()
            .unwrap_or_else(|| path.to_string())
    };
    for f in kit.files.iter().filter(|f| !kit.leave.contains(&f.path)) {
        entries.push((at(&f.path), f.made()));
    }
    entries.push((at(ANSWERS_FILE), kit.answers_text.as_bytes()));
    let (written_state, state_text) = kit.state.written();
    let executable: std::collections::BTreeSet<&str> = kit
        .files
        .iter()
        .filter(|f| f.executable)
        .map(|f| f.path.as_str())
        .collect();
    for (rel, bytes) in &entries {
        let path = staging.path().join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).with_context(|| format!("cannot create `{}`", p.display()))?;
        }
        fs::write(&path, bytes).with_context(|| format!("cannot write `{}`", path.display()))?;
        if executable.contains(rel.as_str()) {
            make_executable(&path);
        }
    }
    // The base store: every bucket, and ispo's git attributes and ignores.
    Store::write_renders(
        staging.path(),
        kit.files.iter().map(|f| (f.sha256.as_str(), f.made())),
    )?;
    for name in crate::store::files() {
        entries.push((name, &[]));
    }
    if !dest.exists() {
        let state_path = staging.path().join(STATE_FILE);
        fs::create_dir_all(state_path.parent().expect("has parent"))?;
        fs::write(&state_path, &state_text)
            .with_context(|| format!("cannot write `{}`", state_path.display()))?;
        let staged = staging.keep();
        fs::rename(&staged, dest)
            .with_context(|| format!("cannot move the kit into `{}`", dest.display()))?;
        remember_parsed(dest, &state_text, &written_state);
        return Ok(());
    }
    for (rel, _) in &entries {
        check_no_symlinks(dest, rel)?;
    }
    check_no_symlinks(dest, STATE_FILE)?;
    for (rel, _) in &entries {
        let to = dest.join(rel);
        if let Some(p) = to.parent() {
            fs::create_dir_all(p).with_context(|| format!("cannot create `{}`", p.display()))?;
        }
        fs::rename(staging.path().join(rel), &to)
            .with_context(|| format!("cannot write `{}`", to.display()))?;
    }
    let tmp = staging.path().join("state.toml");
    fs::write(&tmp, &state_text).context("cannot stage the kit state")?;
    fs::create_dir_all(dest.join(STATE_DIR))?;
    fs::rename(&tmp, dest.join(STATE_FILE)).context("cannot write the kit state")?;
    remember_parsed(dest, &state_text, &written_state);
    Ok(())
}

/// Keeps `state`, just written as `text` (both from `State::written`), in
/// the kit's local cache, so the next command need not parse it (see
/// `parsed_cache`).
pub fn remember_parsed(kit: &Path, text: &str, state: &State) {
    parsed_cache::write(kit, &sha256(text.as_bytes()), state);
}

/// Adds the execute bits where the read bits are (a script from the catalog).
pub fn make_executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = fs::metadata(path) {
            let mode = m.permissions().mode();
            let _ = fs::set_permissions(
                path,
                fs::Permissions::from_mode(mode | ((mode & 0o444) >> 2)),
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Removes the base folders of format 1 (`.ispo/base`, `.ispo/base-…`):
/// after a migration, or a kit re-created over an old one.
pub fn remove_format1_bases(kit: &Path) {
    let Ok(entries) = fs::read_dir(kit.join(STATE_DIR)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir && name.starts_with("base") {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Reads the kit files at `paths`. Missing paths are simply absent; a path
/// that exists but is not a readable regular file is listed as blocked, so
/// nothing is ever written over something ispo could not look at.
pub fn read_files_at<'a>(
    kit: &Path,
    paths: impl Iterator<Item = &'a String>,
) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut blocked = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in paths {
        if !seen.insert(p) {
            continue;
        }
        let full = kit.join(p);
        match fs::symlink_metadata(&full) {
            Err(_) => {}
            Ok(m) if m.is_file() => match fs::read(&full) {
                Ok(b) => {
                    out.insert(p.clone(), b);
                }
                Err(e) => blocked.push(format!("`{p}` ({e})")),
            },
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&full)
                    .map(|t| t.display().to_string())
                    .unwrap_or_else(|_| "?".into());
                blocked.push(format!("`{p}` (a symlink to `{target}`)"))
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => blocked.push(format!("`{p}` (not a regular file)")),
        }
    }
    (out, blocked)
}

/// Whether `dir` holds a kit (its state file).
pub fn is_kit(dir: &Path) -> bool {
    dir.join(STATE_FILE).is_file()
}

/// The state as last parsed, in `.ispo/cache/state-<hash>.json` under the
/// SHA-256 of the state file's bytes: parsing a 640-module kit's 400 KB of TOML took
/// 12 ms, a third of a no-op update, and its JSON copy reads in under 2 ms.
/// Only a file with exactly those bytes, from this ispo, is taken; anything
/// else is parsed and checked again as `State::parse` does.
mod parsed_cache {
    use std::fs;
    use std::path::Path;

    use serde::{Deserialize, Serialize};

    use super::{read_cache_file, write_cache_file, State};
    use crate::local_cache::CACHE_DIR;

    /// Bumped whenever `State`'s fields change.
    const FORMAT: u32 = 1;
    /// The states cached: the one written last and the one before, so a kit
    /// put back by git after an update (`git reset --hard`, another branch)
    /// still finds its state parsed.
    const KEPT: usize = 2;

    #[derive(Serialize)]
    struct Written<'a> {
        format: u32,
        ispo: &'a str,
        source_sha256: &'a str,
        state: &'a State,
    }

    #[derive(Deserialize)]
    struct Read {
        format: u32,
        ispo: String,
        source_sha256: String,
        state: State,
    }

    /// The cache file of the state file whose SHA-256 is `text_sha`: named
    /// by it, so a state that is not cached costs no parse of another.
    fn file(text_sha: &str) -> String {
        format!(
            "{CACHE_DIR}/state-{}.json",
            &text_sha[..text_sha.len().min(16)]
        )
    }

    /// The cached state of the state file whose SHA-256 is `text_sha`.
    pub(super) fn read(kit: &Path, text_sha: &str) -> Option<State> {
        let bytes = read_cache_file(kit, &file(text_sha))?;
        let cached: Read = serde_json::from_slice(&bytes).ok()?;
        (cached.format == FORMAT
            && cached.ispo == env!("CARGO_PKG_VERSION")
            && cached.source_sha256 == text_sha)
            .then_some(cached.state)
    }

    /// Best effort, and only where git ignores the cache folder; keeps the
    /// `KEPT` newest cached states.
    pub(super) fn write(kit: &Path, text_sha: &str, state: &State) {
        if !crate::local_cache::is_ignored(kit) {
            return;
        }
        let written = write_cache_file(kit, &file(text_sha), |_| {
            serde_json::to_vec(&Written {
                format: FORMAT,
                ispo: env!("CARGO_PKG_VERSION"),
                source_sha256: text_sha,
                state,
            })
            .map_err(std::io::Error::other)
        });
        if written.is_ok() {
            prune(kit);
        }
    }

    /// Removes all but the `KEPT` newest cached states, and the single
    /// `state.json` of earlier versions.
    fn prune(kit: &Path) {
        let dir = kit.join(CACHE_DIR);
        let _ = fs::remove_file(dir.join("state.json"));
        let Ok(entries) = fs::read_dir(&dir) else {
            return;
        };
        let mut states: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("state-") && name.ends_with(".json")
            })
            .filter_map(|e| {
                let m = fs::symlink_metadata(e.path())
                    .ok()
                    .filter(|m| m.is_file())?;
                Some((m.modified().ok()?, e.path()))
            })
            .collect();
        states.sort();
        let extra = states.len().saturating_sub(KEPT);
        for (_, path) in states.into_iter().take(extra) {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "format = 2\nispo_version = \"0.1.0\"\n\n[catalog]\nname = \"c\"\nversion = \"1.0.0\"\nsource = \"builtin\"\ncommit = \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"\n\n[selection]\nmodules = [\"charter\"]\n\n[[file]]\npath = \"README.md\"\nmodule = \"ispo\"\nsha256 = \"00\"\n";

    fn error(text: &str) -> String {
        format!("{:#}", State::parse("state.toml", text).unwrap_err())
    }

    /// Parsed once on the common path; the format is judged on its own only
    /// when the typed parse fails, with the messages of a two-step parse.
    #[test]
    fn the_format_is_judged_before_the_rest_of_the_file() {
        let state = State::parse("state.toml", STATE).unwrap();
        assert_eq!((state.format, state.files.len()), (2, 1));
        // A newer format is named as such, whether or not the rest parses.
        let newer = STATE
            .replace("format = 2", "format = 9")
            .replace("ispo_version = \"0.1.0\"", "ispo_version = \"0.4.0\"");
        assert!(
            error(&newer).contains("written by a newer ispo 0.4.0 (state format 9"),
            "{}",
            error(&newer)
        );
        assert!(error(&newer).contains("upgrade ispo to 0.4.0 or later"));
        let newer_shape = format!("{newer}\n[future]\nx = 1\n");
        assert!(error(&newer_shape).contains("written by a newer ispo 0.4.0 (state format 9"));
        assert!(error(&STATE.replace("format = 2", "format = 0"))
            .contains("`format = 0` is not a state format"));
        for no_format in [
            STATE.replace("format = 2\n", ""),
            STATE.replace("format = 2", "format = \"2\""),
        ] {
            assert!(
                error(&no_format).contains("no top-level `format` key"),
                "{}",
                error(&no_format)
            );
        }
        // A known format with a bad field is a parse error at its line.
        let bad = STATE.replace("modules = [\"charter\"]", "modules = 3");
        assert!(error(&bad).contains("state.toml"), "{}", error(&bad));
        assert!(!error(&bad).contains("format"), "{}", error(&bad));
        assert!(error("not [toml").contains("state.toml"));
    }

    /// The parsed state is kept in the local cache and taken only for the
    /// very bytes it was parsed from; a kit whose ignore file is not ispo's
    /// gets no cache file at all.
    #[test]
    fn a_parsed_state_is_reused_only_for_the_same_bytes() {
        let kit = tempfile::tempdir().unwrap();
        let dir = kit.path().join(STATE_DIR);
        fs::create_dir_all(&dir).unwrap();
        fs::write(kit.path().join(STATE_FILE), STATE).unwrap();
        let cached = kit
            .path()
            .join(parsed_cache_file(&sha256(STATE.as_bytes())));
        // Not ispo's ignore file: nothing is cached.
        fs::write(dir.join(".gitignore"), "# mine\n").unwrap();
        State::read(kit.path()).unwrap();
        assert!(!cached.exists());
        fs::write(dir.join(".gitignore"), crate::store::GITIGNORE).unwrap();
        let first = State::read(kit.path()).unwrap();
        assert!(cached.exists());
        assert_eq!(State::read(kit.path()).unwrap(), first);
        // Changed bytes are parsed (and checked) again, never served stale.
        let edited = STATE.replace("sha256 = \"00\"", "sha256 = \"11\"");
        fs::write(kit.path().join(STATE_FILE), &edited).unwrap();
        assert_eq!(State::read(kit.path()).unwrap().files[0].sha256, "11");
        fs::write(
            kit.path().join(STATE_FILE),
            STATE.replace("format = 2", "format = 0"),
        )
        .unwrap();
        assert!(State::read(kit.path()).is_err());
        // What a write caches is what a parse of the written text gives.
        let mut unsorted = first.clone();
        unsorted.files.push(FileRecord {
            path: "A.md".into(),
            ..first.files[0].clone()
        });
        let (sorted, text) = unsorted.written();
        fs::write(kit.path().join(STATE_FILE), &text).unwrap();
        remember_parsed(kit.path(), &text, &sorted);
        assert_eq!(
            State::read(kit.path()).unwrap(),
            State::parse("s", &text).unwrap()
        );
        // A cached state is checked as a parsed one: a recorded path that
        // leaves the kit is refused, whatever the cache says.
        let mut hostile = sorted.clone();
        hostile.files[0].path = "../outside.md".into();
        remember_parsed(kit.path(), &text, &hostile);
        let refused = format!("{:#}", State::read(kit.path()).unwrap_err());
        assert!(
            refused.contains("recorded path `../outside.md` is refused"),
            "{refused}"
        );
        // A damaged cache is no cache.
        fs::write(kit.path().join(STATE_FILE), STATE).unwrap();
        fs::write(&cached, "{not json").unwrap();
        assert_eq!(State::read(kit.path()).unwrap(), first);
    }

    fn parsed_cache_file(text_sha: &str) -> String {
        format!(".ispo/cache/state-{}.json", &text_sha[..16])
    }

    /// The state written last and the one before stay cached: a kit put
    /// back by git after an update reads its state without parsing it.
    #[test]
    fn the_two_newest_parsed_states_are_kept() {
        let kit = tempfile::tempdir().unwrap();
        let dir = kit.path().join(STATE_DIR);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".gitignore"), crate::store::GITIGNORE).unwrap();
        fs::create_dir_all(kit.path().join(".ispo/cache")).unwrap();
        fs::write(kit.path().join(".ispo/cache/state.json"), "old").unwrap();
        let texts: Vec<String> = ["00", "11", "22"]
            .iter()
            .map(|sha| STATE.replace("sha256 = \"00\"", &format!("sha256 = \"{sha}\"")))
            .collect();
        let cached = |text: &String| {
            kit.path()
                .join(parsed_cache_file(&sha256(text.as_bytes())))
                .exists()
        };
        for text in &texts[..2] {
            fs::write(kit.path().join(STATE_FILE), text).unwrap();
            State::read(kit.path()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(cached(&texts[0]) && cached(&texts[1]));
        let state = State::parse("s", &texts[2]).unwrap();
        remember_parsed(kit.path(), &texts[2], &state);
        assert!(!cached(&texts[0]), "the oldest goes");
        assert!(cached(&texts[1]) && cached(&texts[2]));
        assert!(!kit.path().join(".ispo/cache/state.json").exists());
    }
}
