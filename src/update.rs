//! `ispo update`, `ispo diff` and `ispo check`: bring upstream catalog changes
//! into a kit without losing local work.
//!
//! Per file, base = the stored pristine render, ours = the file in the kit,
//! theirs = the new render. Everything is computed in memory first (the plan);
//! then the new base folder is written beside the old one, kit files are
//! replaced one by one through temp files and renames, and the state, which
//! names the base folder, is written last. A run killed at any point leaves
//! the old state with its complete old base, and running `ispo update` again
//! converges on the same kit: files already updated match the new render,
//! files already merged merge again to themselves, and files holding conflict
//! markers are left for the user.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use crate::answers::gather_inputs;
use crate::answers::{self, Asking, Inputs};
use crate::assemble::{build, catalog_json};
use crate::catalog::Catalog;
use crate::config::{AnswerSources, Mode, UpdateConfig};
use crate::diff::Change;
use crate::error::{Code, Failure};
use crate::kit::{self, FileRecord, State};
use crate::merge::{self, Merged};
use crate::output::Reporter;
use crate::paths::{ANSWERS_FILE, STATE_DIR, STATE_FILE};
use crate::prompt::{Prompter, Terminal};
use crate::selection;
use crate::source::{self, CatalogRequest, SourceRecord, BUILTIN};

use crate::kit::sidecar_path;
use crate::paths::SIDECAR;

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
}

impl Action {
    fn label(&self) -> &'static str {
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
        }
    }

    fn is_conflict(&self) -> bool {
        matches!(
            self,
            Action::Conflict(_) | Action::Sidecar(_) | Action::Unresolved
        )
    }

    /// The content the kit file gets, if it is written.
    fn content(&self) -> Option<&[u8]> {
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
    /// The new base render (None: no longer tracked).
    pub base: Option<Vec<u8>>,
    /// Where a `Sidecar` action writes the new version (set after planning).
    pub sidecar: Option<String>,
}

/// Everything `plan` looks at.
pub struct PlanInput<'a> {
    /// The stored base render of every tracked file.
    pub old_bases: &'a BTreeMap<String, Vec<u8>>,
    /// The kit's current files (regular files only).
    pub ours: &'a BTreeMap<String, Vec<u8>>,
    pub theirs: &'a [crate::render::RenderedFile],
    /// Fill-in values now known: their remaining markers are filled in.
    pub fills: &'a BTreeMap<String, String>,
    pub restore: &'a dyn Fn(&str) -> bool,
    pub labels: (&'a str, &'a str),
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
pub fn plan(input: &PlanInput<'_>) -> Vec<FilePlan> {
    let mut out = Vec::new();
    let theirs_map: BTreeMap<&str, &crate::render::RenderedFile> =
        input.theirs.iter().map(|f| (f.path.as_str(), f)).collect();
    let paths: BTreeSet<&str> = input
        .old_bases
        .keys()
        .map(String::as_str)
        .chain(theirs_map.keys().copied())
        .collect();
    for path in paths {
        let base = input.old_bases.get(path);
        let mine = input.ours.get(path);
        let Some(new) = theirs_map.get(path) else {
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
            });
            continue;
        };
        let t = &new.bytes;
        let action = match (base, mine) {
            (None, None) => Action::Added(t.clone()),
            (None, Some(o)) if o == t => Action::Unchanged,
            // A local file ispo never wrote sits where a new one goes.
            (None, Some(_)) => Action::Sidecar(t.clone()),
            (Some(_), None) if (input.restore)(path) => Action::Restored(t.clone()),
            (Some(_), None) => Action::StaysDeleted,
            (Some(b), Some(o)) => {
                if o == t {
                    Action::Unchanged
                } else if o == b {
                    Action::Updated(t.clone())
                } else if merge::has_conflict_markers(o) && !merge::has_conflict_markers(b) {
                    Action::Unresolved
                } else {
                    // A value given since the last render fills the markers the
                    // user left, on both sides of the comparison; markers the
                    // user replaced by hand are then plain local edits.
                    let (b2, o2) = (fill_in(b, input.fills), fill_in(o, input.fills));
                    if &o2 == t {
                        Action::Updated(t.clone())
                    } else if &b2 == t {
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
                            Merged::Binary => Action::Sidecar(t.clone()),
                        }
                    }
                }
            }
        };
        // While the user has not settled a conflict, the old base stays: the
        // catalog's change is then still a change next time, never lost. A
        // sidecar delivers the new version itself, so its base moves on.
        let keep_old = matches!(action, Action::Unresolved);
        let (record_bytes, base_bytes) = match (keep_old, base) {
            (true, Some(b)) => (b.clone(), Some(b.clone())),
            (true, None) => (Vec::new(), None),
            _ => (t.clone(), Some(t.clone())),
        };
        out.push(FilePlan {
            path: path.to_string(),
            record: base_bytes.as_ref().map(|_| FileRecord {
                path: path.to_string(),
                module: new.module.clone(),
                sha256: kit::sha256(&record_bytes),
                stale: keep_old,
            }),
            base: base_bytes,
            action,
            sidecar: None,
        });
    }
    out
}

/// Holds `.ispo/lock` for the life of the run; the OS releases it if the process dies.
struct KitLock {
    _guard: fd_lock::RwLockWriteGuard<'static, fs::File>,
}

fn lock(kit: &Path) -> Result<KitLock> {
    let path = kit.join(STATE_DIR).join("lock");
    kit::check_no_symlinks(kit, &format!("{STATE_DIR}/lock"))?;
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the kit lock `{}`", path.display()))?;
    // One lock per run: leaking it gives the guard the life of the process.
    let lock: &'static mut fd_lock::RwLock<fs::File> =
        Box::leak(Box::new(fd_lock::RwLock::new(file)));
    match lock.try_write() {
        Ok(guard) => Ok(KitLock { _guard: guard }),
        Err(_) => Err(Failure::Refused(format!(
            "another ispo update is running on `{}` (it holds {}); wait for it to finish",
            kit.display(),
            path.display()
        ))
        .into()),
    }
}

/// Whether a dirty path is only what ispo itself leaves: its state folder,
/// a temp file, or a file an interrupted update wrote (listed in its journal).
fn ispo_own(repo_path: &str, kit_prefix: &str, kit: &Path) -> bool {
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
fn check_clean(kit: &Path) -> Result<()> {
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

fn request(cfg: &UpdateConfig, state: &State) -> CatalogRequest {
    let rec = &state.catalog.source;
    let moved = cfg.catalog.is_some();
    let location = cfg
        .catalog
        .clone()
        .or_else(|| (rec.source != BUILTIN).then(|| rec.source.clone()));
    CatalogRequest {
        location: location.filter(|l| l != BUILTIN),
        reference: cfg
            .reference
            .clone()
            .or_else(|| if moved { None } else { rec.reference.clone() }),
        subdir: cfg
            .subdir
            .clone()
            .or_else(|| if moved { None } else { rec.subdir.clone() }),
        offline: cfg.offline,
        interactive: cfg.interactive,
    }
}

fn short(commit: &str) -> String {
    commit
        .strip_prefix("sha256:")
        .unwrap_or(commit)
        .chars()
        .take(10)
        .collect()
}

pub fn run(cfg: &UpdateConfig, reporter: &Reporter) -> Result<Code> {
    if !crate::kit::is_kit(&cfg.kit) {
        State::read(&cfg.kit)?;
    }
    // Lock first, then read: another update may have just switched the state.
    let _lock = if cfg.mode == Mode::Apply {
        Some(lock(&cfg.kit)?)
    } else {
        None
    };
    let state = State::read(&cfg.kit)?;
    if cfg.mode == Mode::Apply && !cfg.allow_dirty {
        check_clean(&cfg.kit)?;
    }
    let loaded = source::load(&request(cfg, &state), reporter)?;
    let old = &state.catalog.source;
    if old.source == loaded.record.source
        && !old.commit.starts_with("sha256:")
        && old.commit != loaded.record.commit
    {
        if let Some(false) = commit_reachable(&loaded.record, &old.commit) {
            reporter.warn(format!(
                "catalog history was rewritten: the kit's commit {} is no longer in the catalog; updating from the stored base renders",
                short(&old.commit)
            ));
        }
    }
    if is_noop(cfg, &state, &loaded.record) {
        reporter.note(format!(
            "up to date: the catalog is still at {} and ispo-answers.toml is unchanged",
            short(&loaded.record.commit)
        ));
        if reporter.json {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({"schema_version": 1, "command": "update", "kit": cfg.kit.display().to_string(), "up_to_date": true, "commit": loaded.record.commit})
                )?
            );
        }
        return Ok(Code::Ok);
    }
    let catalog = Catalog::load(loaded.files()?)?;

    let answers_path = cfg.kit.join(ANSWERS_FILE);
    let untouched =
        fs::read(&answers_path).is_ok_and(|b| Some(kit::sha256(&b)) == state.answers_sha256);
    let mut recorded = Inputs::read_file(&answers_path)?.recorded(untouched);
    // The answers file is where overrides are edited; the state's copy only
    // serves a kit whose answers file has no [modules] table at all.
    if !recorded.has_modules {
        recorded.with = state.selection.with.clone();
        recorded.without = state.selection.without.clone();
    }
    let known: BTreeSet<&str> = catalog.modules.iter().map(|m| m.id.as_str()).collect();
    for list in [&mut recorded.with, &mut recorded.without] {
        list.retain(|m| {
            let keep = known.contains(m.as_str());
            if !keep {
                reporter.warn(format!(
                    "module `{m}` is no longer in the catalog; its recorded override is dropped"
                ));
            }
            keep
        });
    }
    let cli = gather_inputs(&cfg.answers)?;
    let inputs = {
        let mut merged = recorded.overlay(cli.clone());
        merged.with.retain(|m| !cli.without.contains(m));
        merged.without.retain(|m| !cli.with.contains(m));
        merged
    };
    selection::check_overrides(&catalog, &inputs.with, &inputs.without)?;
    let mut terminal = (cfg.interactive && cfg.mode == Mode::Apply).then(Terminal::new);
    // Without a terminal, new questions take their defaults.
    let use_defaults = cfg.answers.defaults || terminal.is_none();
    let answers = answers::resolve(
        &catalog,
        &inputs,
        Asking {
            prompter: terminal.as_mut().map(|t| t as &mut dyn Prompter),
            use_defaults,
            allow_unanswered: false,
        },
    )?;
    for w in &answers.warnings {
        reporter.warn(w);
    }
    let selection = selection::select(&catalog, &answers.lookup(), &inputs.with, &inputs.without)?;
    let fills = answers::supplied_fills(&catalog, &inputs)?;
    let mut built = build(&catalog, &loaded.record, &answers, &selection, &fills)?;
    // The answers file is the user's too: their comments and layout stay.
    if let Ok(current) = fs::read_to_string(cfg.kit.join(ANSWERS_FILE)) {
        built.answers_text = crate::answers_edit::keep_edits(&current, &built.answers_text);
        built.state.answers_sha256 = Some(kit::sha256(built.answers_text.as_bytes()));
    }

    let mut old_bases = BTreeMap::new();
    for f in &state.files {
        old_bases.insert(f.path.clone(), state.read_base(&cfg.kit, f)?);
    }
    let (ours, blocked) = kit::read_files_at(
        &cfg.kit,
        old_bases.keys().chain(built.files.iter().map(|f| &f.path)),
    );
    if !blocked.is_empty() {
        return Err(Failure::Refused(format!(
            "ispo cannot read these kit paths, so it will not touch the kit: {}; make each a readable regular file (or move it away) and run `ispo update` again",
            blocked.join("; ")
        ))
        .into());
    }
    let restore: Vec<String> = cfg
        .restore
        .iter()
        .map(|r| r.trim_start_matches("./").to_string())
        .collect();
    for r in &restore {
        if !old_bases.contains_key(r) {
            return Err(
                Failure::Usage(format!("--restore {r}: the kit tracks no such file")).into(),
            );
        }
    }
    // An update killed after it began writing left a journal: a file that
    // still holds what it wrote is measured against what it was merged to
    // (that run's complete new base), not against the older state's base.
    if let Some(journal) = Journal::read(&cfg.kit) {
        for (path, sha) in &journal.done {
            if ours.get(path).is_some_and(|o| &kit::sha256(o) == sha) {
                if let Some(b) = journal.base_of(&cfg.kit, path) {
                    old_bases.insert(path.clone(), b);
                }
            }
        }
    }
    let base_label = format!("base (catalog {})", short(&old.commit));
    let theirs_label = format!("catalog {}", short(&loaded.record.commit));
    let plans = plan(&PlanInput {
        old_bases: &old_bases,
        ours: &ours,
        theirs: &built.files,
        fills: &fills,
        restore: &|p| restore.iter().any(|r| r == p),
        labels: (&base_label, &theirs_label),
    });

    let mut plans = plans;
    for p in &mut plans {
        if let Action::Sidecar(b) = &p.action {
            p.sidecar = Some(sidecar_path(&cfg.kit, &p.path, b));
        }
    }
    preflight(&cfg.kit, &plans)?;
    let conflicts = plans.iter().filter(|p| p.action.is_conflict()).count();
    match cfg.mode {
        Mode::Diff => {
            let changes = changes(&plans, &ours);
            if reporter.json {
                let doc = json!({
                    "schema_version": 1,
                    "command": "diff",
                    "kit": cfg.kit.display().to_string(),
                    "from": old.commit,
                    "catalog": catalog_json(&catalog, &loaded.record),
                    "conflicts": conflicts,
                    "files": crate::diff::json(&changes),
                });
                crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                crate::out!("{}", crate::diff::text(&changes));
            }
            return Ok(if conflicts > 0 {
                Code::Conflicts
            } else {
                Code::Ok
            });
        }
        Mode::DryRun => {
            report(reporter, &plans, true);
        }
        Mode::Apply => {
            let _writing = crate::interrupt::Writing::begin();
            apply(&cfg.kit, &state, &plans, &built)?;
            report(reporter, &plans, false);
        }
    }
    let counts = counts(&plans);
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": if cfg.mode == Mode::DryRun { "update --dry-run" } else { "update" },
            "kit": cfg.kit.display().to_string(),
            "from": old.commit,
            "catalog": catalog_json(&catalog, &loaded.record),
            "summary": counts,
            "files": plans.iter().filter(|p| p.action != Action::Unchanged).map(|p| json!({"path": p.path, "action": p.action.label()})).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    }
    if conflicts > 0 {
        reporter.note(format!(
            "{conflicts} file(s) need your attention: edit the conflict markers (<<<<<<< your kit ... >>>>>>> catalog) or compare each `*{SIDECAR}` file with its original, then delete the markers or the sidecar. Running `ispo update` again leaves files with markers alone."
        ));
        return Ok(Code::Conflicts);
    }
    Ok(Code::Ok)
}

/// Nothing to do: same catalog commit, same answers file, same ispo, no
/// flags that change anything, and no conflict waiting in the kit. Costs the
/// fetch plus reading the kit, instead of a render.
fn is_noop(cfg: &UpdateConfig, state: &State, record: &SourceRecord) -> bool {
    let a = &cfg.answers;
    let flags = a.file.is_some()
        || !a.sets.is_empty()
        || !a.with.is_empty()
        || !a.without.is_empty()
        || a.defaults
        || !cfg.restore.is_empty();
    if flags
        || cfg.mode != Mode::Apply
        || state.ispo_version != env!("CARGO_PKG_VERSION")
        || record != &state.catalog.source
    {
        return false;
    }
    let answers = fs::read(cfg.kit.join(ANSWERS_FILE)).ok();
    if answers.map(|b| kit::sha256(&b)) != state.answers_sha256 || Journal::read(&cfg.kit).is_some()
    {
        return false;
    }
    state.files.iter().all(|f| {
        !f.stale
            && fs::read(cfg.kit.join(&f.path)).map_or(true, |b| !merge::has_conflict_markers(&b))
    })
}

fn commit_reachable(record: &SourceRecord, commit: &str) -> Option<bool> {
    let repo = if record.source.contains("://") || !Path::new(&record.source).exists() {
        git2::Repository::open_bare(source::mirror_path(&record.source).ok()?).ok()?
    } else {
        git2::Repository::discover(&record.source).ok()?
    };
    let oid = git2::Oid::from_str(commit).ok()?;
    let found = repo.find_commit(oid).is_ok();
    Some(found)
}

fn counts(plans: &[FilePlan]) -> BTreeMap<&'static str, usize> {
    let mut c: BTreeMap<&'static str, usize> = [
        "added",
        "updated",
        "merged",
        "conflicts",
        "deleted",
        "kept",
        "unchanged",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for p in plans {
        let key = match p.action {
            Action::Added(_) | Action::Restored(_) => "added",
            Action::Updated(_) => "updated",
            Action::Merged(_) => "merged",
            Action::Conflict(_) | Action::Sidecar(_) | Action::Unresolved => "conflicts",
            Action::Deleted => "deleted",
            Action::KeptLocal | Action::KeptOrphan | Action::StaysDeleted => "kept",
            Action::Unchanged => "unchanged",
        };
        *c.get_mut(key).expect("known key") += 1;
    }
    c
}

fn report(reporter: &Reporter, plans: &[FilePlan], dry: bool) {
    for p in plans.iter().filter(|p| p.action != Action::Unchanged) {
        let (done, todo, note) = match &p.action {
            Action::Added(_) => ("Added", "add", String::new()),
            Action::Updated(_) => ("Updated", "update", String::new()),
            Action::Merged(_) => (
                "Merged",
                "merge",
                " (your edits and the catalog's, no conflict)".to_string(),
            ),
            Action::Conflict(_) => (
                "Conflict",
                "conflict",
                if dry {
                    " (both changed the same lines: conflict markers would be written)".to_string()
                } else {
                    " (conflict markers written: resolve them)".to_string()
                },
            ),
            Action::Sidecar(_) => (
                "Conflict",
                "conflict",
                format!(
                    " (yours {} as is; new version {} {})",
                    if dry { "would be kept" } else { "kept" },
                    if dry { "would go in" } else { "in" },
                    p.sidecar.as_deref().unwrap_or("?")
                ),
            ),
            Action::Unresolved => (
                "Conflict",
                "conflict",
                " (still has conflict markers from before: left alone)".to_string(),
            ),
            Action::KeptLocal => (
                "Kept",
                "keep",
                " (your edits; unchanged upstream)".to_string(),
            ),
            Action::KeptOrphan => (
                "Kept",
                "keep",
                " (modified locally; no longer part of the kit, so no longer tracked)".to_string(),
            ),
            Action::StaysDeleted => (
                "Kept",
                "keep",
                " deleted (you deleted it; --restore brings it back)".to_string(),
            ),
            Action::Restored(_) => ("Restored", "restore", String::new()),
            Action::Deleted => (
                "Deleted",
                "delete",
                " (gone from the catalog or its module no longer applies)".to_string(),
            ),
            Action::Unchanged => continue,
        };
        if dry {
            reporter.note(format!("would {todo:<8} {}{note}", p.path));
        } else {
            reporter.status(done, format!("{}{note}", p.path));
        }
    }
    let c = counts(plans);
    reporter.note(format!(
        "{}{} added, {} updated, {} merged, {} conflicts, {} deleted, {} kept, {} unchanged",
        if dry {
            "dry run, nothing written: "
        } else {
            ""
        },
        c["added"],
        c["updated"],
        c["merged"],
        c["conflicts"],
        c["deleted"],
        c["kept"],
        c["unchanged"]
    ));
}

/// The changes a plan makes to the kit's files, for `ispo diff`.
fn changes<'a>(plans: &'a [FilePlan], ours: &'a BTreeMap<String, Vec<u8>>) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    for p in plans {
        let new = match (&p.action, p.action.content()) {
            (Action::Deleted, _) => None,
            (_, Some(b)) => Some(b),
            _ => continue,
        };
        out.push(Change {
            path: &p.path,
            action: p.action.label(),
            old: ours.get(&p.path).map(Vec::as_slice),
            new,
        });
    }
    for p in plans {
        if let Action::Sidecar(b) = &p.action {
            out.push(Change {
                path: p.sidecar.as_deref().unwrap_or(&p.path),
                action: "added beside (conflict)",
                old: None,
                new: Some(b),
            });
        }
    }
    out
}

/// What an update in progress has written, so a re-run after a kill can tell
/// its own results from local edits: `.ispo/pending.toml`, written once the
/// new base folder is complete and removed once the state points at it.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// The new base folder that run wrote (complete before the journal).
    base: String,
    /// Kit path → SHA-256 of the content that run wrote there.
    done: BTreeMap<String, String>,
}

const JOURNAL: &str = "pending.toml";

impl Journal {
    fn read(kit_dir: &Path) -> Option<Journal> {
        let path = kit_dir.join(STATE_DIR).join(JOURNAL);
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let journal: Journal = toml::from_str(&fs::read_to_string(path).ok()?).ok()?;
        let valid = journal.base.starts_with("base-") && !journal.base.contains(['/', '\\', '.']);
        valid.then_some(journal)
    }

    /// The base that run recorded for `path`, if it is there and safe to read.
    fn base_of(&self, kit_dir: &Path, path: &str) -> Option<Vec<u8>> {
        crate::paths::check_tracked(path).ok()?;
        let rel = format!("{STATE_DIR}/{}/{path}", self.base);
        kit::check_no_symlinks(kit_dir, &rel).ok()?;
        fs::read(kit_dir.join(rel)).ok()
    }
}

/// Removes temp files a killed run left behind.
fn remove_leftovers(dir: &Path, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ty) = e.file_type() else { continue };
        let state_tmp = depth == 1 && dir.ends_with(STATE_DIR) && is_temp_name(&name, ".state-");
        if ty.is_file() && (is_temp_name(&name, ".ispo-tmp-") || state_tmp) {
            let _ = fs::remove_file(e.path());
        } else if ty.is_dir() && !ty.is_symlink() && name != ".git" && depth < 32 {
            remove_leftovers(&e.path(), depth + 1);
        }
    }
}

/// A temp file ispo made: the prefix and tempfile's six random characters.
fn is_temp_name(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Every regular file under `dir`, relative to `root`.
fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ty) = e.file_type() else { continue };
        if ty.is_dir() {
            files_under(root, &e.path(), out);
        } else {
            out.push(
                e.path()
                    .strip_prefix(root)
                    .unwrap_or(&e.path())
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// Writes a file through a temp file in the same folder and a rename.
fn write_atomic(kit: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    kit::check_no_symlinks(kit, rel)?;
    let path = kit.join(rel);
    let dir = path.parent().expect("kit paths have a parent");
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".ispo-tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in `{}`", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all().ok();
    // Keep the file's mode (an executable script stays executable); new files get 0644.
    let mode = fs::metadata(&path).map(|m| m.permissions()).ok();
    #[cfg(unix)]
    let mode = mode.or_else(|| Some(std::os::unix::fs::PermissionsExt::from_mode(0o644)));
    if let Some(m) = mode {
        fs::set_permissions(tmp.path(), m).ok();
    }
    tmp.persist(&path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

fn apply(
    kit_dir: &Path,
    state: &State,
    plans: &[FilePlan],
    built: &crate::assemble::Built,
) -> Result<()> {
    let ispo_dir = kit_dir.join(STATE_DIR);
    remove_leftovers(kit_dir, 0);
    // 1. The new base, complete, in a folder of its own.
    let mut h = String::new();
    for p in plans {
        if let Some(b) = &p.base {
            h.push_str(&p.path);
            h.push_str(&kit::sha256(b));
        }
    }
    let base_name = format!("base-{}", &kit::sha256(h.as_bytes())[..12]);
    let new_base = ispo_dir.join(&base_name);
    if base_name != state.base {
        let staging = ispo_dir.join(format!("{base_name}.tmp"));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging)?;
        for p in plans {
            if let Some(b) = &p.base {
                let to = staging.join(&p.path);
                fs::create_dir_all(to.parent().expect("has parent"))?;
                fs::write(&to, b).with_context(|| format!("cannot write `{}`", to.display()))?;
            }
        }
        let _ = fs::remove_dir_all(&new_base);
        fs::rename(&staging, &new_base)
            .with_context(|| format!("cannot create `{}`", new_base.display()))?;
    }
    // 2. The journal of what is about to be written, then the kit files:
    //    deletions first (a folder may become a file), each write atomic.
    let journal = Journal {
        base: base_name.clone(),
        done: plans
            .iter()
            .filter_map(|p| p.action.content().map(|b| (p.path.clone(), kit::sha256(b))))
            .collect(),
    };
    write_atomic(
        kit_dir,
        &format!("{STATE_DIR}/{JOURNAL}"),
        toml::to_string(&journal)?.as_bytes(),
    )?;
    for p in plans.iter().filter(|p| p.action == Action::Deleted) {
        // A case-only rename upstream: on a case-insensitive file system the
        // old and the new name are one file, which must not be deleted.
        let renamed = plans.iter().any(|q| {
            q.path != p.path
                && q.record.is_some()
                && crate::paths::fold(&q.path) == crate::paths::fold(&p.path)
                && same_file(&kit_dir.join(&q.path), &kit_dir.join(&p.path))
        });
        if renamed {
            continue;
        }
        match fs::remove_file(kit_dir.join(&p.path)) {
            Ok(()) => prune_empty_dirs(kit_dir, &p.path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete `{}`", p.path)),
        }
    }
    let crash_after = std::env::var("ISPO_TEST_CRASH_AFTER_WRITES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok());
    for (written, p) in plans
        .iter()
        .filter(|p| p.action.content().is_some() || matches!(p.action, Action::Sidecar(_)))
        .enumerate()
    {
        // Fault injection for the crash tests: die like a killed process, mid-apply.
        if crash_after == Some(written) {
            std::process::abort();
        }
        match &p.action {
            Action::Sidecar(b) => write_atomic(
                kit_dir,
                p.sidecar.as_deref().expect("sidecar named after planning"),
                b,
            )?,
            other => {
                if let Some(b) = other.content() {
                    // Preflight made sure a folder here holds no file any more.
                    let full = kit_dir.join(&p.path);
                    if full.is_dir() {
                        fs::remove_dir_all(&full).with_context(|| {
                            format!("cannot remove the empty folder `{}`", p.path)
                        })?;
                    }
                    write_atomic(kit_dir, &p.path, b)?;
                }
            }
        }
    }
    // 3. The answers file, then the state: the switch to the new base.
    write_atomic(kit_dir, ANSWERS_FILE, built.answers_text.as_bytes())?;
    let mut new_state = built.state.clone();
    new_state.base = if base_name != state.base {
        base_name.clone()
    } else {
        state.base.clone()
    };
    new_state.files = plans.iter().filter_map(|p| p.record.clone()).collect();
    write_atomic(kit_dir, STATE_FILE, new_state.to_toml().as_bytes())
        .context("cannot write the kit state")?;
    // 4. The journal and old bases are garbage now.
    let _ = fs::remove_file(ispo_dir.join(JOURNAL));
    if let Ok(entries) = fs::read_dir(&ispo_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("base") && name != new_state.base && e.path().is_dir() {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        a.canonicalize()
            .ok()
            .is_some_and(|x| b.canonicalize().ok() == Some(x))
    }
}

/// Checks every path the plan touches before anything is written (also for
/// a dry run, so it shows the same refusal): no symlinks on the way, no file
/// standing where a folder is needed, and a folder may only become a file
/// when everything in it goes away.
fn preflight(kit_dir: &Path, plans: &[FilePlan]) -> Result<()> {
    let deleted: BTreeSet<&str> = plans
        .iter()
        .filter(|p| p.action == Action::Deleted)
        .map(|p| p.path.as_str())
        .collect();
    for p in plans {
        let target = match &p.action {
            Action::Deleted => Some(p.path.clone()),
            Action::Sidecar(_) => p.sidecar.clone(),
            other => other.content().map(|_| p.path.clone()),
        };
        let Some(target) = target else { continue };
        kit::check_no_symlinks(kit_dir, &target)?;
        let mut ancestor = PathBuf::new();
        let parts: Vec<&str> = target.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            ancestor.push(part);
            let rel = ancestor.to_string_lossy().replace('\\', "/");
            if kit_dir.join(&ancestor).is_file() && !deleted.contains(rel.as_str()) {
                return Err(Failure::Refused(format!(
                    "the catalog now has a folder at `{rel}`, where the kit has a file you changed; move `{rel}` away and run `ispo update` again"
                ))
                .into());
            }
        }
        let full = kit_dir.join(&target);
        if p.action != Action::Deleted && full.is_dir() {
            let mut inside = Vec::new();
            files_under(kit_dir, &full, &mut inside);
            if let Some(keep) = inside.iter().find(|f| !deleted.contains(f.as_str())) {
                return Err(Failure::Refused(format!(
                    "the catalog now has a file at `{target}`, where the kit has a folder that still holds `{keep}`; move that folder away and run `ispo update` again"
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// Removes the folders a deletion left empty, up to the kit root.
fn prune_empty_dirs(kit_dir: &Path, path: &str) {
    let mut dir = Path::new(path).parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if fs::remove_dir(kit_dir.join(d)).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// `ispo check`: has the catalog moved since the kit's commit?
pub fn check(kit_dir: &Path, offline: bool, exit_code: bool, reporter: &Reporter) -> Result<Code> {
    let state = State::read(kit_dir)?;
    let cfg = UpdateConfig {
        kit: kit_dir.to_path_buf(),
        catalog: None,
        reference: None,
        subdir: None,
        offline,
        answers: AnswerSources::default(),
        interactive: false,
        mode: Mode::DryRun,
        allow_dirty: true,
        restore: Vec::new(),
    };
    let loaded = source::load(&request(&cfg, &state), reporter)?;
    let old = &state.catalog.source.commit;
    let new = &loaded.record.commit;
    let available = old != new;
    if reporter.json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "schema_version": 1, "command": "check", "kit": kit_dir.display().to_string(),
                "source": loaded.record.source, "ref": loaded.record.reference,
                "current": old, "latest": new, "update_available": available,
            }))?
        );
    } else if available {
        crate::outln!(
            "update available: {} -> {} ({})",
            short(old),
            short(new),
            loaded.record.source
        );
    } else {
        crate::outln!("up to date at {} ({})", short(old), loaded.record.source);
    }
    Ok(if available && exit_code {
        Code::UpdateAvailable
    } else {
        Code::Ok
    })
}
