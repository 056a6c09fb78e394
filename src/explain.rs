//! `ispo explain`: for each module, in or out, and the clause that decided it.

use std::fmt::Write;

use anyhow::Result;
use serde_json::json;

use crate::answers::gather_inputs;
use crate::answers::{self, Asking, Inputs};
use crate::catalog::Catalog;
use crate::config::ExplainConfig;
use crate::error::{Code, Failure};
use crate::explain_layers;
use crate::kit::is_kit;
use crate::kit::{CatalogRecord, State};
use crate::layers;
use crate::output::Reporter;
use crate::paths::ANSWERS_FILE;
use crate::render;
use crate::selection::{self, Reason};
use crate::source::{self, CatalogRequest, SourceRecord, BUILTIN};

pub fn run(cfg: &ExplainConfig, reporter: &Reporter) -> Result<Code> {
    let kit_dir = match &cfg.kit {
        Some(k) => Some(k.clone()),
        None if !cfg.explicit && is_kit(std::path::Path::new(".")) => Some(".".into()),
        None => None,
    };
    let stack_of: (SourceRecord, Vec<CatalogRecord>);
    let mut kit_state: Option<State> = None;
    let (catalog, answers, inputs) = if let Some(kit) = &kit_dir {
        let state = State::read(kit)?;
        let rec = &state.catalog.source;
        let git = !rec.commit.starts_with("sha256:");
        let req = CatalogRequest {
            location: (rec.source != BUILTIN).then(|| rec.source.clone()),
            reference: git.then(|| rec.commit.clone()),
            subdir: rec.subdir.clone(),
            offline: cfg.catalog.offline || git,
            interactive: false,
        };
        let loaded = match source::load(&req, reporter) {
            Ok(l) => l,
            Err(_) if req.offline && !cfg.catalog.offline && git => source::load(
                &CatalogRequest {
                    offline: false,
                    ..req.clone()
                },
                reporter,
            )?,
            Err(e) => return Err(e),
        };
        if loaded.record.commit != rec.commit {
            reporter.warn(format!(
                "the kit was made from catalog {} but this ispo has {}; explaining against the catalog at hand",
                rec.commit, loaded.record.commit
            ));
        }
        let stack = layers::load_from(loaded, &req, &state.layers, reporter)?;
        let catalog = stack.catalog()?;
        stack_of = (stack.record().clone(), stack.bases());
        let mut inputs = Inputs::read_file(&kit.join(ANSWERS_FILE))?;
        if !inputs.has_modules {
            inputs.with = state.selection.with.clone();
            inputs.without = state.selection.without.clone();
        }
        let inputs = inputs.overlay(gather_inputs(&cfg.answers)?);
        let answers = answers::resolve(
            &catalog,
            &inputs,
            Asking {
                prompter: None,
                use_defaults: true,
                allow_unanswered: false,
            },
        )?;
        kit_state = Some(state);
        (catalog, answers, inputs)
    } else {
        let mut request = cfg.catalog.clone();
        crate::user_config::apply_catalog(&mut request, reporter)?;
        let stack = layers::load(&request, reporter)?;
        let catalog = stack.catalog()?;
        stack_of = (stack.record().clone(), stack.bases());
        let inputs = gather_inputs(&cfg.answers)?;
        let answers = answers::resolve(
            &catalog,
            &inputs,
            Asking {
                prompter: None,
                use_defaults: cfg.answers.defaults,
                allow_unanswered: cfg.answers.defaults,
            },
        )?;
        (catalog, answers, inputs)
    };
    if cfg.layers {
        let (top, bases) = &stack_of;
        return explain_layers::layers(&catalog, top, bases, reporter);
    }
    if let Some(path) = &cfg.file {
        let Some(state) = &kit_state else {
            return Err(Failure::Usage(
                "--file explains a file of a kit: run it in the kit's folder or give --kit DIR"
                    .into(),
            )
            .into());
        };
        return explain_layers::file(&catalog, state, &answers, path, reporter);
    }
    let selection = selection::select(&catalog, &answers.lookup(), &inputs.with, &inputs.without)?;
    for w in &answers.warnings {
        reporter.warn(w);
    }
    let assumed = assumptions(&catalog, &answers);
    if let Some(text) = &assumed.text {
        reporter.note(text);
    }

    if let Some(id) = &cfg.module {
        let Some(m) = catalog.module(id) else {
            let known: Vec<&str> = catalog.modules.iter().map(|m| m.id.as_str()).collect();
            let hint =
                crate::suggest::hint(crate::suggest::closest_name(id, known.iter().copied()));
            return Err(Failure::Usage(format!(
                "no module `{id}` in this catalog{hint} (modules: {})",
                known.join(", ")
            ))
            .into());
        };
        let d = selection.decision(id).expect("every module is decided");
        let lookup = answers.lookup();
        let targets: Vec<String> = m
            .files
            .iter()
            .flat_map(|rel| render::targets(m, rel, &lookup))
            .collect();
        if reporter.json {
            let clauses = match &d.reason {
                Reason::Condition(t) => t
                    .decisive()
                    .iter()
                    .map(|c| json!({"clause": c.text, "result": c.result, "answer": c.actual}))
                    .collect(),
                _ => Vec::new(),
            };
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "schema_version": 1, "command": "explain", "module": id, "included": d.included,
                    "why": d.why(), "why_plain": crate::plain::why(&catalog, d, &lookup), "condition": m.when.as_ref().map(|c| c.source.clone()), "clauses": clauses,
                    "requires": m.requires, "conflicts": m.conflicts, "outputs": targets,
                    "assumed": assumed.json, "origin": m.origin,
                    "amendments": m.amendments.iter().map(|a| json!({"layer": a.layer, "changes": a.changes})).collect::<Vec<_>>(),
                }))?
            );
            return Ok(Code::Ok);
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} ({}): {}",
            m.title,
            m.id,
            if d.included { "IN" } else { "OUT" }
        );
        let _ = writeln!(out, "  {}", m.summary);
        let _ = writeln!(
            out,
            "  kind: {}; audiences: {}; challenges: {}",
            m.kind.name(),
            m.audiences.join(", "),
            m.challenges.join(", ")
        );
        if catalog.is_layered() {
            let _ = writeln!(out, "  from: {}", explain_layers::provenance(m));
        }
        if !cfg.why_raw {
            let _ = writeln!(out, "  why: {}", crate::plain::why(&catalog, d, &lookup));
        }
        let _ = writeln!(out, "  decided by: {}", d.why());
        match &m.when {
            Some(c) => {
                let _ = writeln!(out, "  condition: {}", c.source);
                let mut tree = String::new();
                c.trace(&lookup).render_tree(2, &mut tree);
                out.push_str(&tree);
            }
            None => out.push_str("  condition: none (applies to every kit)\n"),
        }
        if !m.requires.is_empty() {
            let _ = writeln!(out, "  requires: {}", m.requires.join(", "));
        }
        if !m.conflicts.is_empty() {
            let _ = writeln!(out, "  conflicts with: {}", m.conflicts.join(", "));
        }
        if d.included {
            let _ = writeln!(out, "  writes: {}", targets.join(", "));
        }
        crate::out!("{out}");
        return Ok(Code::Ok);
    }

    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": "explain",
            "assumed": assumed.json,
            "modules": selection.decisions.iter().map(|d| json!({"id": d.id, "included": d.included, "why": d.why(), "why_plain": crate::plain::why(&catalog, d, &answers.lookup())})).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(Code::Ok);
    }
    let width = catalog
        .modules
        .iter()
        .map(|m| m.id.len())
        .max()
        .unwrap_or(10);
    let mut out = String::new();
    for d in &selection.decisions {
        let _ = write!(
            out,
            "{:<3}  {:<width$}  {}",
            if d.included { "in" } else { "out" },
            d.id,
            if cfg.why_raw {
                d.why()
            } else {
                crate::plain::why(&catalog, d, &answers.lookup())
            }
        );
        match catalog.module(&d.id).filter(|_| catalog.is_layered()) {
            Some(m) => {
                let _ = writeln!(out, "  [{}]", explain_layers::provenance(m));
            }
            None => out.push('\n'),
        }
    }
    crate::out!("{out}");
    Ok(Code::Ok)
}

/// What explain took for granted, so the pick is read for what it is.
struct Assumed {
    text: Option<String>,
    json: serde_json::Value,
}

fn assumptions(catalog: &Catalog, answers: &answers::Answers) -> Assumed {
    let defaults: Vec<String> = answers
        .defaulted
        .iter()
        .map(|id| {
            let shown = answers.get(id).map(|a| a.to_string()).unwrap_or_default();
            format!("{id} = {shown}")
        })
        .collect();
    let deciding: Vec<&str> = answers
        .unanswered
        .iter()
        .filter(|id| {
            catalog.modules.iter().any(|m| {
                m.when
                    .as_ref()
                    .is_some_and(|w| w.questions().iter().any(|q| q == *id))
            })
        })
        .map(String::as_str)
        .collect();
    let mut text = String::new();
    if !defaults.is_empty() {
        text.push_str(&format!("Assumed the defaults: {}.", defaults.join(", ")));
    }
    if !answers.unanswered.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&format!(
            "Left unanswered (no default): {}; ",
            answers.unanswered.join(", ")
        ));
        if deciding.is_empty() {
            text.push_str("no module's condition reads them.");
        } else {
            text.push_str(&format!(
                "conditions reading {} are taken as unanswered; give them with --set.",
                deciding.join(", ")
            ));
        }
    }
    Assumed {
        text: (!text.is_empty()).then_some(text),
        json: json!({
            "defaults": answers.defaulted,
            "unanswered": answers.unanswered,
        }),
    }
}
