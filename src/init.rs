//! `ispo init`: catalog → questions → pick → render → kit.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;

use crate::answers::{self, gather_inputs, Answers, Asking};
use crate::assemble::{build, catalog_json, used_fills, Built};
use crate::catalog::{Catalog, FillDecl};
use crate::config::InitConfig;
use crate::error::{Code, Failure};
use crate::fill;
use crate::kit::{self, KitWrite, State};
use crate::layers;
use crate::output::Reporter;
use crate::paths::SIDECAR;
use crate::prompt::{Prompter, Terminal};
use crate::question::Question;
use crate::selection::{self, Selection};
use crate::source::{self, CatalogRecord};
use crate::value::Answer;

pub fn run(cfg: &InitConfig, reporter: &Reporter) -> Result<Code> {
    // Refuse early, before asking a single question.
    let existing = kit::non_empty_entries(&cfg.dest)?;
    if !existing.is_empty() && !cfg.adopt {
        let shown: Vec<&str> = existing.iter().take(5).map(String::as_str).collect();
        let what = if cfg.dest.join(crate::paths::STATE_FILE).exists() {
            "already holds an ispo kit; run `ispo update` to refresh it, or".to_string()
        } else {
            format!(
                "is not empty ({}{});",
                shown.join(", "),
                if existing.len() > 5 { ", ..." } else { "" }
            )
        };
        return Err(Failure::Refused(format!(
            "`{}` {what} pass --adopt to bring ispo into it: none of its files is overwritten; where a kit file would land on one, the new version is written beside it as `<file>{SIDECAR}`",
            cfg.dest.display()
        ))
        .into());
    }
    let mut sources = cfg.answers.clone();
    if sources.file.is_none() {
        sources.file = crate::user_config::default_answers()?;
    }
    let mut inputs = gather_inputs(&sources)?;
    if cfg.interactive {
        crate::resume::begin(&cfg.dest);
    }
    if let Some(saved) = crate::resume::saved(&cfg.dest) {
        inputs = offer_resume(cfg, reporter, &saved, inputs)?;
    }
    let mut request = cfg.catalog.clone();
    crate::user_config::apply_catalog(&mut request, reporter)?;
    let stack = layers::load(&request, reporter)?;
    let catalog = stack.catalog()?;
    reporter.debug(format!(
        "catalog {} {} at {}",
        catalog.manifest.name,
        catalog.manifest.version,
        stack.label()
    ));
    let bases = stack.bases();
    for said in selection::follow_renames(&catalog, &mut inputs.with, &mut inputs.without) {
        reporter.warn(said);
    }
    selection::check_overrides(
        &catalog,
        &inputs.with,
        &inputs.without,
        &inputs.module_origins,
    )?;

    let mut terminal = cfg.interactive.then(Terminal::new);
    if let Some(p) = terminal.as_mut() {
        p.note(&format!(
            "{} {}: {} questions about your context.",
            catalog.manifest.title,
            catalog.manifest.version,
            catalog.questions.len()
        ));
    }
    let mut answers = answers::resolve(
        &catalog,
        &inputs,
        Asking {
            prompter: terminal.as_mut().map(|t| t as &mut dyn Prompter),
            use_defaults: cfg.answers.defaults,
            allow_unanswered: false,
        },
    )?;
    for w in &answers.warnings {
        reporter.warn(w);
    }
    let mut selection =
        selection::select(&catalog, &answers.lookup(), &inputs.with, &inputs.without)?;
    let mut fills = answers.fills.clone();
    if let Some(p) = terminal.as_mut() {
        let given = crate::pick::Given {
            with: &inputs.with,
            without: &inputs.without,
        };
        selection = crate::pick::review(p, &catalog, &answers, selection, &given)?;
        // Values the company's catalog gives are not asked again.
        let used: Vec<FillDecl> = used_fills(&selection.included(&catalog), &answers)
            .into_iter()
            .filter(|f| !catalog.fill_values.contains_key(&f.id))
            .collect();
        crate::fill_entry::ask(p, &used, &mut fills, true)?;
        let mut review = Review {
            catalog: &catalog,
            inputs: &inputs,
            answers: &mut answers,
            selection: &mut selection,
            fills: &mut fills,
        };
        if !review.summary(p)? {
            crate::resume::on_interrupt();
            reporter.note("quit before writing: nothing was written");
            return Ok(Code::Interrupted);
        }
    }

    let kit = build(
        &catalog,
        (stack.record(), &bases),
        &answers,
        &selection,
        &fills,
        &inputs.mine,
        None,
    )?;
    if cfg.dry_run {
        crate::resume::finish(&cfg.dest);
        return dry_run(cfg, reporter, (&catalog, &answers), &selection, &kit);
    }
    let yours = crate::answers::mine_matcher(&inputs.mine);
    let beside = if existing.is_empty() {
        BTreeMap::new()
    } else {
        adopted(&cfg.dest, &kit, &yours)?
    };
    // Files listed under [files] mine that are already there stay untouched.
    let leave: std::collections::BTreeSet<String> = kit
        .files
        .iter()
        .filter(|f| yours.is_match(&f.path) && cfg.dest.join(&f.path).is_file())
        .map(|f| f.path.clone())
        .collect();
    let _writing = crate::interrupt::Writing::begin();
    kit::write(
        &cfg.dest,
        &KitWrite {
            files: &kit.files,
            answers_text: &kit.answers_text,
            state: &kit.state,
            beside: &beside,
            leave: &leave,
        },
    )?;
    if !existing.is_empty() {
        kit::remove_format1_bases(&cfg.dest);
    }
    if let Err(e) = kit.render_cache.write(&cfg.dest) {
        reporter.warn(format!(
            "could not write the render cache ({e}); the next update renders every file"
        ));
    }
    // What ispo just wrote, so the first update need not read it back: only
    // a speed-up, so a failure is ignored.
    let written = kit
        .files
        .iter()
        .filter(|f| !beside.contains_key(&f.path) && !leave.contains(&f.path))
        .map(|f| {
            let conflict = crate::merge::has_conflict_markers(f.made());
            (f.path.as_str(), f.sha256.as_str(), conflict)
        });
    let _ = crate::stat_cache::StatCache::of_written(&cfg.dest, written).write(&cfg.dest);
    crate::resume::finish(&cfg.dest);
    report(
        cfg,
        reporter,
        (&catalog, &answers),
        (stack.record(), &bases),
        &selection,
        &kit,
        &beside,
    )
}

/// Answers saved by an interrupted `ispo init` of this destination: in a
/// terminal, offered for resuming (the answers given now still win); in a
/// script, only mentioned, never used unasked.
fn offer_resume(
    cfg: &InitConfig,
    reporter: &Reporter,
    saved: &Path,
    inputs: answers::Inputs,
) -> Result<answers::Inputs> {
    // A saved file that no longer reads (edited by hand) never blocks init.
    let count = match crate::resume::count(saved) {
        Ok(n) => n,
        Err(e) => {
            reporter.warn(format!("{e:#}; not offering to resume from it"));
            return Ok(inputs);
        }
    };
    if !cfg.interactive {
        reporter.note(format!(
            "an earlier `ispo init` of this folder stopped before writing and saved {count} answer(s) in {}; this run does not use them (it cannot ask whether to): pass `--answers {}` to use them",
            saved.display(),
            saved.display()
        ));
        return Ok(inputs);
    }
    let mut terminal = Terminal::new();
    let resume = terminal.confirm(
        &format!(
            "An earlier `ispo init` of this folder stopped before writing, after {count} answer(s), saved in {}. Resume from them?",
            saved.display()
        ),
        true,
    )?;
    if !resume {
        terminal.note("Starting afresh (the saved answers stay until this run writes the kit).");
        return Ok(inputs);
    }
    let earlier = answers::Inputs::read_file(saved)?;
    // Kept again for the next interrupt, under what this run was given.
    for (id, p) in &earlier.answers {
        crate::resume::answered(id, p.as_toml());
    }
    for (id, p) in &earlier.fills {
        if let Some(v) = p.text() {
            crate::resume::filled(id, v);
        }
    }
    if earlier.has_modules {
        crate::resume::picked(&earlier.with, &earlier.without);
    }
    Ok(earlier.overlay(inputs))
}

/// Says what was made, for people and as the `--json` document; exit code 3
/// when files of the user's were kept beside the kit's versions.
fn report(
    cfg: &InitConfig,
    reporter: &Reporter,
    (catalog, answers): (&Catalog, &Answers),
    (record, bases): (&source::SourceRecord, &[CatalogRecord]),
    selection: &Selection,
    kit: &Built,
    beside: &BTreeMap<String, String>,
) -> Result<Code> {
    let selected = selection.included(catalog);
    for (path, sidecar) in beside {
        reporter.status(
            "Kept",
            format!("{path} (yours, unchanged; the kit's version is in {sidecar})"),
        );
    }

    let open: Vec<(String, fill::Found)> = kit
        .files
        .iter()
        .filter_map(|f| std::str::from_utf8(f.made()).ok().map(|t| (f, t)))
        .flat_map(|(f, t)| fill::scan(t).into_iter().map(move |x| (f.path.clone(), x)))
        .collect();
    reporter.status(
        "Created",
        format!(
            "kit in {} with {} modules and {} files",
            cfg.dest.display(),
            selected.len(),
            kit.files.len()
        ),
    );
    let open_ids: std::collections::BTreeSet<&str> =
        open.iter().map(|(_, f)| f.id.as_str()).collect();
    if !open_ids.is_empty() {
        reporter.note(format!(
            "{} fill-in value(s) to provide later, in {} places: see `ispo status {}` or the kit's README.md",
            open_ids.len(),
            open.len(),
            cfg.dest.display()
        ));
    }
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": "init",
            "kit": cfg.dest.display().to_string(),
            "catalog": catalog_json(catalog, record, bases),
            "modules": selection.decisions.iter().map(|d| json!({"id": d.id, "included": d.included, "why": d.why(), "why_plain": crate::plain::why(catalog, d, &answers.lookup())})).collect::<Vec<_>>(),
            "files": kit.files.iter().map(|f| json!({"path": f.path, "module": f.module})).collect::<Vec<_>>(),
            "fill_ins_open": open.iter().map(|(p, f)| json!({"file": p, "line": f.line, "id": f.id})).collect::<Vec<_>>(),
            "kept": beside.iter().map(|(p, s)| json!({"path": p, "sidecar": s})).collect::<Vec<_>>(),
            "render": kit.stats,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    }
    if !beside.is_empty() {
        reporter.note(format!(
            "{} file(s) of yours were kept where the kit has its own version: compare each `*{SIDECAR}` file with yours, take what you want, then delete the `{SIDECAR}` file. `ispo update` merges later catalog changes into your files.",
            beside.len()
        ));
        return Ok(Code::Conflicts);
    }
    Ok(Code::Ok)
}

/// For a kit written into a folder that already holds files: which of its
/// files would land on a file of the user's. A file equal to the render, or
/// one an earlier ispo kit here wrote and nobody changed since, may be
/// replaced; any other stays, and the render goes beside it.
fn adopted(dest: &Path, kit: &Built, yours: &globset::GlobSet) -> Result<BTreeMap<String, String>> {
    let earlier = State::read(dest).ok();
    let ispo_wrote = |path: &str, bytes: &[u8]| {
        let sha = kit::sha256(bytes);
        earlier.as_ref().is_some_and(|s| {
            if path == crate::paths::ANSWERS_FILE {
                s.answers_sha256.as_deref() == Some(sha.as_str())
            } else {
                s.files.iter().any(|f| f.path == path && f.sha256 == sha)
            }
        })
    };
    let renders = kit
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.made()))
        .chain(std::iter::once((
            crate::paths::ANSWERS_FILE,
            kit.answers_text.as_bytes(),
        )));
    let mut beside = BTreeMap::new();
    // Every write is checked before the first one: a file of the user's
    // where the kit needs a folder would otherwise stop the run half-way.
    let store_paths = crate::store::files();
    let all = kit
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(store_paths.iter().map(String::as_str))
        .chain([crate::paths::STATE_FILE]);
    for path in all {
        kit::check_no_symlinks(dest, path)?;
        let mut ancestor = dest.to_path_buf();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            ancestor.push(part);
            match std::fs::symlink_metadata(&ancestor) {
                Ok(m) if !m.is_dir() => {
                    return Err(Failure::Refused(format!(
                        "`{}` is a file where the kit needs a folder (for `{path}`); move it away and run `ispo init` again",
                        ancestor.display()
                    ))
                    .into());
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    for (path, render) in renders {
        kit::check_no_symlinks(dest, path)?;
        let full = dest.join(path);
        let Ok(meta) = std::fs::symlink_metadata(&full) else {
            continue;
        };
        if !meta.is_file() {
            return Err(Failure::Refused(format!(
                "`{}` is a folder (or not a regular file) where the kit has the file `{path}`; move it away and run `ispo init` again",
                full.display()
            ))
            .into());
        }
        let mine =
            std::fs::read(&full).with_context(|| format!("cannot read `{}`", full.display()))?;
        if mine != render && !ispo_wrote(path, &mine) && !yours.is_match(path) {
            beside.insert(path.to_string(), kit::sidecar_path(dest, path, render));
        }
    }
    Ok(beside)
}

/// What `init` has gathered in a terminal, for the one screen before writing.
struct Review<'a> {
    catalog: &'a Catalog,
    inputs: &'a answers::Inputs,
    answers: &'a mut Answers,
    selection: &'a mut Selection,
    fills: &'a mut BTreeMap<String, String>,
}

impl Review<'_> {
    /// The one screen before anything is written: the answers, the modules
    /// by kind, the fill-ins left; then write (true), change an answer,
    /// adjust the pick, enter fill-ins, or quit (false).
    fn summary(&mut self, p: &mut dyn Prompter) -> Result<bool> {
        loop {
            let selected = self.selection.included(self.catalog);
            let used = used_fills(&selected, self.answers);
            let left = used
                .iter()
                .filter(|f| !self.fills.contains_key(&f.id))
                .count();
            p.note("");
            p.note("Before the kit is written:");
            for (q, a) in self.answered() {
                p.note(&format!("  {:<60} {}", q.prompt, q.in_words(&a)));
            }
            let mut kinds: Vec<(&str, usize)> = Vec::new();
            for m in &selected {
                match kinds.iter_mut().find(|(k, _)| *k == m.kind.name()) {
                    Some((_, n)) => *n += 1,
                    None => kinds.push((m.kind.name(), 1)),
                }
            }
            kinds.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
            p.note(&format!(
                "  {} modules ({}); {left} of {} fill-in value(s) left for later",
                selected.len(),
                kinds.join(", "),
                used.len()
            ));
            let mut items = vec![
                "Write the kit".to_string(),
                "Change an answer".to_string(),
                "Adjust the pick".to_string(),
            ];
            if left > 0 {
                items.push(format!("Enter the {left} fill-in value(s) left"));
            }
            items.push("Quit without writing (your answers are kept for next time)".to_string());
            let chosen = p.select("What now?", &items, 0)?;
            match items[chosen.min(items.len() - 1)].as_str() {
                "Write the kit" => return Ok(true),
                "Change an answer" => self.change_an_answer(p)?,
                "Adjust the pick" => {
                    let given = crate::pick::Given {
                        with: &self.inputs.with,
                        without: &self.inputs.without,
                    };
                    let adjusted = crate::pick::review(
                        p,
                        self.catalog,
                        self.answers,
                        self.selection.clone(),
                        &given,
                    )?;
                    *self.selection = adjusted;
                }
                i if i.starts_with("Quit") => return Ok(false),
                _ => crate::fill_entry::ask(p, &used, self.fills, false)?,
            }
        }
    }

    /// The questions asked or answered in this run, with their answers.
    fn answered(&self) -> Vec<(&Question, Answer)> {
        self.catalog
            .questions
            .iter()
            .filter_map(|q| self.answers.get(&q.id).map(|a| (q, a)))
            .collect()
    }

    /// Asks one question again, then the ones after it that now apply and
    /// have no answer yet; the pick follows the new answers.
    fn change_an_answer(&mut self, p: &mut dyn Prompter) -> Result<()> {
        let answered = self.answered();
        let items: Vec<String> = answered
            .iter()
            .map(|(q, a)| format!("{} ({})", q.prompt, q.in_words(a)))
            .collect();
        let at = p.select("Which answer?", &items, 0)?;
        let Some((q, current)) = answered.get(at) else {
            return Ok(());
        };
        let id = q.id.clone();
        let new = answers::ask_again(p, self.catalog, &id, Some(current))?;
        let mut given = given(self.inputs, self.answers);
        given.answers.get_mut(&id).expect("just given").value =
            answers::ProvidedValue::Toml(new.to_toml());
        *self.answers = answers::resolve(
            self.catalog,
            &given,
            Asking {
                prompter: Some(p),
                use_defaults: false,
                allow_unanswered: false,
            },
        )?;
        // The pick follows the new answers; what no longer holds with the
        // lead's own picks is asked about in words.
        let overrides = (self.selection.with.clone(), self.selection.without.clone());
        let (s, asked) = crate::pick::settle(
            p,
            self.catalog,
            self.answers,
            overrides,
            &std::collections::BTreeSet::new(),
        )?;
        if asked {
            crate::resume::picked(&s.with, &s.without);
        }
        *self.selection = s;
        Ok(())
    }
}

/// `inputs` with every answer of `answers` given on top (as recorded, so
/// one that stops applying is dropped without a warning), for resolving the
/// questions again after one answer changed.
fn given(inputs: &answers::Inputs, answers: &Answers) -> answers::Inputs {
    let mut out = inputs.clone();
    for (id, a) in &answers.values {
        if let Some(a) = a {
            out.answers.insert(
                id.clone(),
                answers::Provided {
                    value: answers::ProvidedValue::Toml(a.to_toml()),
                    origin: crate::error::Diagnostic::new("your earlier answer", 0, 0, ""),
                    recorded: true,
                },
            );
        }
    }
    out
}

/// `--dry-run`: the pick with its reasons and the files, nothing written.
fn dry_run(
    cfg: &InitConfig,
    reporter: &Reporter,
    (catalog, answers): (&Catalog, &Answers),
    selection: &Selection,
    kit: &Built,
) -> Result<Code> {
    let lookup = answers.lookup();
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": "init --dry-run",
            "kit": cfg.dest.display().to_string(),
            "modules": selection.decisions.iter().map(|d| json!({"id": d.id, "included": d.included, "why": d.why(), "why_plain": crate::plain::why(catalog, d, &lookup)})).collect::<Vec<_>>(),
            "files": kit.files.iter().map(|f| json!({"path": f.path, "module": f.module})).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(Code::Ok);
    }
    let mut out = String::new();
    let included = selection.decisions.iter().filter(|d| d.included).count();
    out.push_str(&format!(
        "Would create {} with {included} modules and {} files (--dry-run: nothing is written).\n\nModules:\n",
        cfg.dest.display(),
        kit.files.len()
    ));
    let width = selection
        .decisions
        .iter()
        .map(|d| d.id.len())
        .max()
        .unwrap_or(8);
    for d in &selection.decisions {
        out.push_str(&format!(
            "  {:<3}  {:<width$}  {}\n",
            if d.included { "in" } else { "out" },
            d.id,
            crate::plain::why(catalog, d, &lookup)
        ));
    }
    out.push_str("\nFiles:\n");
    for f in &kit.files {
        out.push_str(&format!("  {}  ({})\n", f.path, f.module));
    }
    crate::out!("{out}");
    Ok(Code::Ok)
}
