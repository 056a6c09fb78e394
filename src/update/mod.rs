//! `ispo update`, `ispo diff` and `ispo check`: bring upstream catalog changes
//! into a kit without losing local work.
//!
//! Per file, base = the stored pristine render, ours = the file in the kit,
//! theirs = the new render. Everything is computed in memory first (the plan);
//! then the new base renders join the old ones in the store, kit files are
//! replaced one by one through temp files and renames, and the state, which
//! names each file's base by hash, is written last. A run killed at any point
//! leaves the old state with its complete old base, and running `ispo update` again
//! converges on the same kit: files already updated match the new render,
//! files already merged merge again to themselves, and files holding conflict
//! markers are left for the user.

pub mod apply;
pub mod check;
pub mod clean;
pub mod plan;
pub mod pr_report;
pub mod report;
pub mod request;
pub mod versions;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use crate::answers::{self, gather_inputs, Asking, Inputs};
use crate::assemble::{build, catalog_json, Built};
use crate::catalog::Catalog;
use crate::config::{Mode, UpdateConfig};
use crate::error::{Code, Failure};
use crate::kit::{self, sidecar_path, CatalogRecord, State};
use crate::layers::{self, Stack};
use crate::merge;
use crate::output::Reporter;
use crate::paths::{ANSWERS_FILE, SIDECAR};
use crate::prompt::{Prompter, Terminal};
use crate::selection;
use crate::source::{Loaded, SourceRecord};
use crate::stat_cache::{Stamp, StatCache};
use crate::store::Store;
use apply::{apply, lock, preflight, Journal};
use clean::check_clean;
use plan::{plan, Action, PlanInput};
use report::{changes, counts, report};
use request::{request, short};

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
    // A diff or dry run reads the store as it goes: no update may prune it meanwhile.
    let _reading = if cfg.mode == Mode::Apply {
        None
    } else {
        apply::lock_shared(&cfg.kit)?
    };
    let state = State::read(&cfg.kit)?;
    let stack = layers::load(&request(cfg, &state), reporter)?;
    let loaded = &stack.top().loaded;
    let bases = stack.bases();
    let old = &state.catalog.source;
    if old.source == loaded.record.source
        && !old.commit.starts_with("sha256:")
        && old.commit != loaded.record.commit
    {
        if let Some(false) = commit_reachable(loaded, &old.commit) {
            reporter.warn(format!(
                "catalog history was rewritten: the kit's commit {} is no longer in the catalog; updating from the stored base renders",
                short(&old.commit)
            ));
        }
    }
    if cfg.reference.is_none() {
        if let Some(from) = versions::followed_tag(&state, loaded) {
            let dir = loaded.git_dir().expect("a tag lives in a git repository");
            if let Some(to) = crate::tags::newer(dir, &from).last() {
                reporter.note(format!(
                    "the kit follows tag {from}, and the catalog has the newer tag {to}: `ispo update {} --ref {to}` moves the kit to it (`ispo check` lists what changed)",
                    cfg.kit.display()
                ));
            }
        }
    }
    if is_noop(cfg, &state, &loaded.record, &bases) {
        // Nothing is written, so uncommitted work in the kit is no reason to
        // stop (and its `git status` is not run).
        loaded.report_dirty();
        reporter.note(format!(
            "up to date: the catalog is still at {} and ispo-answers.toml is unchanged",
            stack.label()
        ));
        if reporter.json {
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({"schema_version": 1, "command": "update", "kit": cfg.kit.display().to_string(), "up_to_date": true, "commit": loaded.record.commit})
                )?
            );
        }
        if let Some(file) = &cfg.report {
            let now = format!("{} {}", state.catalog.name, state.catalog.version);
            let report = pr_report::Report {
                from: &now,
                to: &now,
                from_commit: &old.commit,
                to_commit: &loaded.record.commit,
                catalog: (&state.catalog.name, &state.catalog.version),
                plans: &[],
                notes: &[],
                layer_notes: &[],
                defaulted: Vec::new(),
                sidecar_suffix: SIDECAR,
            };
            write_report(file, &pr_report::markdown(&report))?;
        }
        return Ok(Code::Ok);
    }
    if cfg.mode == Mode::Apply && !cfg.allow_dirty {
        check_clean(&cfg.kit)?;
    }
    let catalog = stack.catalog_lazy()?;
    let notes = versions::notes_in(
        &catalog.files,
        &state.catalog.version,
        Some(&catalog.manifest.version),
    );
    let layer_notes = versions::layer_notes(&state, &stack)?;
    // What changed, in the catalogs' words, before anything is merged.
    if !notes.is_empty() && cfg.mode != Mode::Diff {
        reporter.note(versions::shown_notes(
            &notes,
            &state.catalog.version,
            &catalog.manifest.version,
        ));
    }
    if cfg.mode != Mode::Diff {
        for shown in layer_notes.iter().filter_map(|l| l.shown()) {
            reporter.note(shown);
        }
    }
    let inputs = inputs(cfg, &state, &catalog, reporter)?;
    // The stored renders: the base of every merge, and what the render
    // cache reuses for files whose inputs did not change. Named by hash;
    // only the ones the plan compares are read from the store.
    let (old_shas, on_disk) = state.base_shas(&cfg.kit)?;
    let stored: BTreeSet<String> = old_shas.values().cloned().collect();
    let reuse =
        crate::render_cache::RenderCache::read(&cfg.kit).map(|cache| crate::render::Reuse {
            cache,
            stored: &stored,
        });
    let (mut built, fills, defaulted) =
        render_new(cfg, &catalog, &stack, &inputs, reuse, reporter)?;
    let (old_shas, mut ours) = read_kit(cfg, old_shas, &on_disk, &built)?;
    let restore = restores(cfg);
    let base_label = format!("base (catalog {})", old_label(&state));
    let theirs_label = format!("catalog {}", stack.label());
    let mine = crate::answers::mine_matcher(&inputs.mine);
    let declared_moves: BTreeMap<String, String> = catalog
        .modules
        .iter()
        .flat_map(|m| m.moved.iter().map(|(to, from)| (to.clone(), from.clone())))
        .collect();
    let restore_fn = |p: &str| restore.iter().any(|r| r == p);
    let mine_fn = |p: &str| mine.is_match(p);
    // The same input twice: first on hashes alone, to find what must be
    // read; then with those bytes.
    macro_rules! input {
        ($old_bases:expr, $theirs:expr) => {
            PlanInput {
                old_shas: &old_shas,
                old_bases: $old_bases,
                ours: &ours.bytes,
                ours_shas: &ours.shas,
                theirs: $theirs,
                fills: &fills,
                restore: &restore_fn,
                labels: (&base_label, &theirs_label),
                moves: &declared_moves,
                mine: &mine_fn,
            }
        };
    }
    let unsettled = unsettled(&input!(&Contents::new(), &built.files));
    read_unsettled(cfg, &mut ours, &unsettled)?;
    let old_bases = read_compared(&on_disk, &old_shas, &unsettled, &mut built.files)?;
    let plans = plan(&input!(&old_bases, &built.files));

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
            let changes = changes(&plans, &ours.bytes);
            if reporter.json {
                let doc = json!({
                    "schema_version": 1,
                    "command": "diff",
                    "kit": cfg.kit.display().to_string(),
                    "from": old.commit,
                    "catalog": catalog_json(&catalog, &loaded.record, &bases),
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
            apply(&cfg.kit, &plans, &built, &on_disk, &old_shas)?;
            keep_seen(cfg, ours, &plans);
            if let Err(e) = built.render_cache.write(&cfg.kit) {
                reporter.warn(format!(
                    "could not write the render cache ({e}); the next update renders every file"
                ));
            }
            report(reporter, &plans, false);
        }
    }
    if let Some(file) = &cfg.report {
        let (from, to) = (old_label(&state), stack.label());
        let (from, to) = if state.layers.is_empty() && !catalog.is_layered() {
            (
                format!("{} {} ({from})", state.catalog.name, state.catalog.version),
                format!(
                    "{} {} ({to})",
                    catalog.manifest.name, catalog.manifest.version
                ),
            )
        } else {
            (from, to)
        };
        let report = pr_report::Report {
            from: &from,
            to: &to,
            from_commit: &old.commit,
            to_commit: &loaded.record.commit,
            catalog: (&catalog.manifest.name, &catalog.manifest.version),
            plans: &plans,
            notes: &notes,
            layer_notes: &layer_notes,
            defaulted,
            sidecar_suffix: SIDECAR,
        };
        write_report(file, &pr_report::markdown(&report))?;
    }
    let counts = counts(&plans);
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": if cfg.mode == Mode::DryRun { "update --dry-run" } else { "update" },
            "kit": cfg.kit.display().to_string(),
            "from": old.commit,
            "catalog": catalog_json(&catalog, &loaded.record, &bases),
            "summary": counts,
            "release_notes": crate::release_notes::json(&notes),
            "layer_release_notes": versions::layer_json(&layer_notes),
            "render": built.stats,
            "files": plans.iter().filter(|p| p.action != Action::Unchanged).map(|p| {
                let mut f = json!({"path": p.path, "action": p.action.label()});
                if let Some(from) = &p.moved_from {
                    f["moved_from"] = json!(from);
                }
                f
            }).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    }
    if conflicts > 0 {
        reporter.note(format!(
            "{conflicts} file(s) need your attention: edit the conflict markers (<<<<<<< your kit ... >>>>>>> catalog) or compare each `*{SIDECAR}` file with its original, then delete the markers or the sidecar. Running `ispo update` again leaves files with markers alone. A file that is yours for good can go under [files] mine in ispo-answers.toml."
        ));
        return Ok(Code::Conflicts);
    }
    Ok(Code::Ok)
}

/// What the update renders from: the kit's recorded answers and overrides
/// (judged by the catalog, never silently replaced), with the flags on top.
fn inputs(
    cfg: &UpdateConfig,
    state: &State,
    catalog: &Catalog,
    reporter: &Reporter,
) -> Result<Inputs> {
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
    for said in selection::follow_renames(catalog, &mut recorded.with, &mut recorded.without) {
        reporter.warn(said);
    }
    // A module the catalog dropped goes with a warning only when ispo wrote
    // the override (the state's copy, or an answers file nobody edited);
    // in an edited file it may be a typo, reported at its line.
    let known: BTreeSet<&str> = catalog.modules.iter().map(|m| m.id.as_str()).collect();
    let written_by_ispo = untouched || !recorded.has_modules;
    if written_by_ispo {
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
    }
    let cli = gather_inputs(&cfg.answers)?;
    let mut merged = recorded.overlay(cli.clone());
    merged.with.retain(|m| !cli.without.contains(m));
    merged.without.retain(|m| !cli.with.contains(m));
    selection::check_overrides(
        catalog,
        &merged.with,
        &merged.without,
        &merged.module_origins,
    )?;
    Ok(merged)
}

/// The new version of the kit, rendered in memory: answers resolved (new
/// questions asked in a terminal, defaulted without one), the pick, the
/// files, and the answers file with the user's comments and layout kept.
fn render_new(
    cfg: &UpdateConfig,
    catalog: &Catalog,
    stack: &Stack,
    inputs: &Inputs,
    reuse: Option<crate::render::Reuse<'_>>,
    reporter: &Reporter,
) -> Result<(Built, BTreeMap<String, String>, Defaulted)> {
    let mut terminal = (cfg.interactive && cfg.mode == Mode::Apply).then(Terminal::new);
    // Without a terminal, new questions take their defaults.
    let use_defaults = cfg.answers.defaults || terminal.is_none();
    let answers = answers::resolve(
        catalog,
        inputs,
        Asking {
            prompter: terminal.as_mut().map(|t| t as &mut dyn Prompter),
            use_defaults,
            allow_unanswered: false,
        },
    )?;
    for w in &answers.warnings {
        reporter.warn(w);
    }
    let selection = selection::select(catalog, &answers.lookup(), &inputs.with, &inputs.without)?;
    let fills = answers.fills.clone();
    let mut built = build(
        catalog,
        (stack.record(), &stack.bases()),
        &answers,
        &selection,
        &fills,
        &inputs.mine,
        reuse,
    )?;
    // The answers file is the user's too: their comments and layout stay.
    if let Ok(current) = fs::read_to_string(cfg.kit.join(ANSWERS_FILE)) {
        built.answers_text = crate::answers_edit::keep_edits(&current, &built.answers_text);
        built.state.answers_sha256 = Some(kit::sha256(built.answers_text.as_bytes()));
    }
    let defaulted = answers
        .defaulted
        .iter()
        .filter_map(|id| {
            let q = catalog.question(id)?;
            Some((
                id.clone(),
                q.prompt.clone(),
                answers.get(id)?.to_toml().to_string(),
            ))
        })
        .collect();
    Ok((built, fills, defaulted))
}

/// Questions answered with their defaults: (id, prompt, value as TOML).
type Defaulted = Vec<(String, String, String)>;

/// The paths the plan cannot decide from hashes alone (see
/// `PlanInput::settled`): their bytes are read.
fn unsettled(input: &PlanInput<'_>) -> BTreeSet<String> {
    let theirs: BTreeMap<&str, &crate::render::RenderedFile> =
        input.theirs.iter().map(|f| (f.path.as_str(), f)).collect();
    input
        .old_shas
        .keys()
        .map(String::as_str)
        .chain(theirs.keys().copied())
        .filter(|p| !input.settled(p, theirs.get(p).copied()))
        .map(str::to_string)
        .collect()
}

/// Reads from the store what the plan compares: the base of every tracked
/// file in `paths`, and the bytes of each reused render there (its bucket
/// read once, on every core). A render the state names but the store lacks
/// is refused, naming the file, before anything is written.
fn read_compared(
    store: &Store,
    old_shas: &Hashes,
    paths: &BTreeSet<String>,
    theirs: &mut [crate::render::RenderedFile],
) -> Result<Contents> {
    let wanted_theirs =
        |f: &crate::render::RenderedFile| f.bytes().is_none() && paths.contains(&f.path);
    store.load(
        paths
            .iter()
            .filter_map(|p| old_shas.get(p).map(String::as_str))
            .chain(
                theirs
                    .iter()
                    .filter(|f| wanted_theirs(f))
                    .map(|f| f.sha256.as_str()),
            ),
    )?;
    let read = |path: &str, sha: &str| -> Result<Vec<u8>> {
        Ok(store
            .get(sha)?
            .ok_or_else(|| {
                Failure::Refused(format!(
                    "the base render of `{path}` is missing from {}; the kit's .ispo folder is damaged (restore it from version control)",
                    crate::store::STORE_DIR
                ))
            })?
            .to_vec())
    };
    let mut bases = Contents::new();
    for path in paths {
        if let Some(sha) = old_shas.get(path) {
            bases.insert(path.clone(), read(path, sha)?);
        }
    }
    for f in theirs.iter_mut().filter(|f| wanted_theirs(f)) {
        f.body = crate::render::Body::Bytes(read(&f.path, &f.sha256)?);
    }
    Ok(bases)
}

/// The kit's own files as the plan sees them: the SHA-256 of every one,
/// and the bytes of those it reads. A file whose metadata is unchanged since
/// ispo last read it is known by the hash the stat cache recorded (see
/// `stat_cache`), and read only if the plan must compare it.
struct Ours {
    bytes: Contents,
    shas: Hashes,
    seen: StatCache,
    /// The file system's clock before the first stamp was taken (`None`
    /// when this run keeps no stat cache).
    since: Option<i128>,
}

/// The kit's own files for the plan to compare with the new render, checked
/// readable; `--restore` checked against what the kit tracks; and an
/// interrupted run's writes measured against what it merged them to (the
/// base it recorded replaces the older state's).
fn read_kit(
    cfg: &UpdateConfig,
    mut old_shas: Hashes,
    on_disk: &Store,
    built: &Built,
) -> Result<(Hashes, Ours)> {
    let mut seen = StatCache::read(&cfg.kit);
    let since = (cfg.mode == Mode::Apply && cache_is_ignored(cfg))
        .then(|| crate::stat_cache::clock(&cfg.kit))
        .flatten();
    let paths: BTreeSet<&String> = old_shas
        .keys()
        .chain(built.files.iter().map(|f| &f.path))
        .collect();
    let mut shas = Hashes::new();
    let mut stamps: BTreeMap<&String, Stamp> = BTreeMap::new();
    let mut to_read = Vec::new();
    for p in paths {
        // Taken before reading: a write after it changes the stamp, so the
        // entry recorded below can only be too old, never too new.
        let stamp = Stamp::of(&cfg.kit.join(p));
        match stamp.as_ref().and_then(|s| seen.known(p, s)) {
            Some(known) => {
                shas.insert(p.clone(), known.sha256.clone());
            }
            None => {
                if let Some(stamp) = stamp {
                    stamps.insert(p, stamp);
                }
                to_read.push(p);
            }
        }
    }
    let bytes = read_readable(cfg, to_read.into_iter())?;
    // Hashing and the marker check are most of reading: on every core.
    let judged: Vec<(String, String, bool)> = {
        use rayon::prelude::*;
        bytes
            .par_iter()
            .map(|(path, bytes)| {
                let conflict = merge::has_conflict_markers(bytes);
                (path.clone(), kit::sha256(bytes), conflict)
            })
            .collect()
    };
    for (path, sha, conflict) in judged {
        if let Some(stamp) = stamps.get(&path) {
            seen.insert_hashed(
                &path,
                crate::stat_cache::Seen {
                    stamp: *stamp,
                    sha256: sha.clone(),
                    conflict,
                },
            );
        }
        shas.insert(path, sha);
    }
    for r in restores(cfg) {
        if !old_shas.contains_key(&r) {
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
            if shas.get(path) == Some(sha) {
                if let Some(b) = journal.base_of(on_disk, path) {
                    old_shas.insert(path.clone(), b);
                }
            }
        }
    }
    Ok((
        old_shas,
        Ours {
            bytes,
            shas,
            seen,
            since,
        },
    ))
}

/// The bytes of these kit files (a missing one is left out), or a refusal
/// naming every path that is not a readable regular file.
fn read_readable<'a>(
    cfg: &UpdateConfig,
    paths: impl Iterator<Item = &'a String>,
) -> Result<Contents> {
    let (bytes, blocked) = kit::read_files_at(&cfg.kit, paths);
    if !blocked.is_empty() {
        return Err(Failure::Refused(format!(
            "ispo cannot read these kit paths, so it will not touch the kit: {}; make each a readable regular file (or move it away) and run `ispo update` again",
            blocked.join("; ")
        ))
        .into());
    }
    Ok(bytes)
}

/// Reads the files the plan compares that `read_kit` knew by their hash
/// alone; one gone since is gone for the plan too.
fn read_unsettled(cfg: &UpdateConfig, ours: &mut Ours, unsettled: &BTreeSet<String>) -> Result<()> {
    let wanted: Vec<&String> = unsettled
        .iter()
        .filter(|p| ours.shas.contains_key(*p) && !ours.bytes.contains_key(*p))
        .collect();
    let read = read_readable(cfg, wanted.iter().copied())?;
    for p in wanted {
        match read.get(p) {
            Some(b) => {
                let sha = kit::sha256(b);
                // The stat cache was wrong about it (an edit within one
                // tick of a coarse clock): not trusted again.
                if ours.shas.get(p) != Some(&sha) {
                    ours.seen.remove(p);
                }
                ours.shas.insert(p.clone(), sha);
            }
            None => {
                ours.shas.remove(p);
                ours.seen.remove(p);
            }
        }
    }
    ours.bytes.extend(read);
    Ok(())
}

/// Keeps what this run learnt of the kit's files for the next one: the
/// files it read and did not write since, of those the new state tracks.
/// Only a speed-up, so a failure is ignored.
fn keep_seen(cfg: &UpdateConfig, ours: Ours, plans: &[plan::FilePlan]) {
    let Some(since) = ours.since else {
        return;
    };
    let kept: BTreeSet<&str> = plans
        .iter()
        .filter(|p| p.record.is_some() && p.action.content().is_none() && p.sidecar.is_none())
        .filter(|p| ours.shas.contains_key(&p.path))
        .map(|p| p.path.as_str())
        .collect();
    let mut seen = ours.seen;
    seen.retain(&|p| kept.contains(p));
    let _ = seen.write_as_of(&cfg.kit, Some(since));
}

/// Whether the kit's `.ispo/.gitignore` keeps the caches out of git: a kit
/// from an older ispo has one that does not yet (its next update rewrites it).
fn cache_is_ignored(cfg: &UpdateConfig) -> bool {
    crate::local_cache::is_ignored(&cfg.kit)
}

/// Kit path → bytes.
type Contents = BTreeMap<String, Vec<u8>>;

/// Kit path → the SHA-256 of its bytes.
type Hashes = BTreeMap<String, String>;

/// `--restore` paths, as the kit records them.
fn restores(cfg: &UpdateConfig) -> Vec<String> {
    cfg.restore
        .iter()
        .map(|r| r.trim_start_matches("./").to_string())
        .collect()
}

/// Nothing to do: same catalog commit, same answers file, same ispo, no
/// flags that change anything, and no conflict waiting in the kit. Costs the
/// fetch plus reading the kit, instead of a render.
fn is_noop(
    cfg: &UpdateConfig,
    state: &State,
    record: &SourceRecord,
    bases: &[CatalogRecord],
) -> bool {
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
        || state.format != kit::STATE_FORMAT
        || record != &state.catalog.source
        || bases != state.layers.as_slice()
    {
        return false;
    }
    let answers = fs::read(cfg.kit.join(ANSWERS_FILE)).ok();
    if answers.map(|b| kit::sha256(&b)) != state.answers_sha256 || Journal::read(&cfg.kit).is_some()
    {
        return false;
    }
    // No conflict waiting: the files the last update left with markers are
    // read again, each only if its metadata changed since it was last seen
    // (see `stat_cache`). Any other file's content does not matter here, so
    // it is not even stat'ed: a kit of thousands of files costs nothing more.
    if state.files.iter().any(|f| f.stale) {
        return false;
    }
    let conflicted: Vec<&str> = state
        .files
        .iter()
        .filter(|f| f.conflicted)
        .map(|f| f.path.as_str())
        .collect();
    conflicted.is_empty() || !conflict_open(cfg, &conflicted)
}

/// Whether one of `paths` (kit files the last update left conflicted) still
/// holds conflict markers.
fn conflict_open(cfg: &UpdateConfig, paths: &[&str]) -> bool {
    let mut seen = StatCache::read(&cfg.kit);
    let since = cache_is_ignored(cfg)
        .then(|| crate::stat_cache::clock(&cfg.kit))
        .flatten();
    let mut read_any = false;
    for rel in paths {
        let path = cfg.kit.join(rel);
        let Some(stamp) = Stamp::of(&path) else {
            continue;
        };
        if seen.is_clean(rel, &stamp) {
            continue;
        }
        let Ok(bytes) = fs::read(&path) else {
            continue;
        };
        if merge::has_conflict_markers(&bytes) {
            return true;
        }
        seen.insert(rel, stamp, &bytes);
        read_any = true;
    }
    if let (true, Some(since)) = (read_any, since) {
        // Only a speed-up: without it the next no-op reads these files again.
        let _ = seen.write_as_of(&cfg.kit, Some(since));
    }
    false
}

/// Writes the `--report` file (outside the kit, or anywhere the user says).
fn write_report(file: &Path, text: &str) -> Result<()> {
    fs::write(file, text)
        .map_err(|e| anyhow::anyhow!("cannot write the report {}: {e}", file.display()))
}

/// The catalog the kit was made from, as conflict labels name it.
fn old_label(state: &State) -> String {
    if state.layers.is_empty() {
        return short(&state.catalog.source.commit);
    }
    let top = std::iter::once(&state.catalog);
    crate::layers::describe(
        top.chain(state.layers.iter().rev())
            .map(|l| (&l.name, &l.version, &l.source.commit)),
    )
}

/// Whether the catalog's repository (its mirror or local repository, as
/// just read) still holds `commit`.
fn commit_reachable(loaded: &Loaded, commit: &str) -> Option<bool> {
    let repo = git2::Repository::open(loaded.git_dir()?).ok()?;
    let oid = git2::Oid::from_str(commit).ok()?;
    let found = repo.find_commit(oid).is_ok();
    Some(found)
}
