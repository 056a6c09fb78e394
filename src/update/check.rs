//! `ispo check`: has the catalog moved since the kit's commit? Which
//! catalog version the kit has and which is offered (a newer tag, when the
//! kit follows one), and the release notes in between.

use std::path::Path;

use anyhow::Result;
use serde_json::{json, Value as Json};

use crate::config::{AnswerSources, Mode, UpdateConfig};
use crate::error::Code;
use crate::kit::State;
use crate::layers;
use crate::output::Reporter;

use super::request::{request, short};
use super::versions::{layer_json, layer_notes, offer, shown_notes};

/// `ispo check`: has the catalog moved since the kit's commit?
pub fn run(kit_dir: &Path, offline: bool, exit_code: bool, reporter: &Reporter) -> Result<Code> {
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
        report: None,
    };
    let req = request(&cfg, &state);
    let stack = layers::load(&req, reporter)?;
    let loaded = &stack.top().loaded;
    let offer = offer(&state, &req, loaded, reporter)?;
    let layer_notes = layer_notes(&state, &stack)?;
    let old = &state.catalog.source.commit;
    let new = &offer.latest_commit;
    // A catalog below may move while the top stays (a branch it follows).
    let moved: Vec<String> = stack
        .bases()
        .iter()
        .filter_map(|b| {
            let was = state.layers.iter().find(|l| l.name == b.name);
            (was.map(|w| &w.source) != Some(&b.source)).then(|| match was {
                Some(w) => format!(
                    "{} {} ({}) -> {} ({})",
                    b.name,
                    w.version,
                    short(&w.source.commit),
                    b.version,
                    short(&b.source.commit)
                ),
                None => format!(
                    "{} {} ({}), new",
                    b.name,
                    b.version,
                    short(&b.source.commit)
                ),
            })
        })
        .collect();
    let available = old != new || !moved.is_empty() || stack.bases().len() != state.layers.len();
    let source = &loaded.record.source;
    if reporter.json {
        let mut doc = json!({
            "schema_version": 1, "command": "check", "kit": kit_dir.display().to_string(),
            "source": source, "ref": loaded.record.reference,
            "current": old, "latest": new, "update_available": available,
        });
        if !moved.is_empty() {
            doc["layers_moved"] = json!(moved);
        }
        if !layer_notes.is_empty() {
            doc["layer_release_notes"] = layer_json(&layer_notes);
        }
        if let (Some(doc), Json::Object(more)) = (doc.as_object_mut(), offer.json()) {
            doc.extend(more);
        }
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else if available && old == new {
        crate::outln!(
            "update available: catalog {} at {} ({source}), and below it: {}",
            offer.current_version,
            short(old),
            moved.join("; ")
        );
    } else if available {
        if !moved.is_empty() {
            crate::outln!("below it: {}", moved.join("; "));
        }
        let current = &offer.current_version;
        let latest = offer
            .latest_version
            .as_deref()
            .unwrap_or("(unknown version)");
        match (&offer.following_tag, offer.moves_to()) {
            (Some(from), Some(to)) => {
                crate::outln!(
                    "update available: catalog {current} (tag {from}, {}) -> {latest} (tag {to}, {}) ({source})",
                    short(old),
                    short(new)
                );
                crate::outln!(
                    "newer tags: {}; `ispo update {} --ref {to}` moves the kit to {to}",
                    offer.newer_tags.join(", "),
                    kit_dir.display()
                );
            }
            _ if latest == current => crate::outln!(
                "update available: catalog {current}, {} -> {} ({source})",
                short(old),
                short(new)
            ),
            _ => crate::outln!(
                "update available: catalog {current} -> {latest}, {} -> {} ({source})",
                short(old),
                short(new)
            ),
        }
        if !offer.notes.is_empty() {
            crate::outln!();
            crate::out!("{}", shown_notes(&offer.notes, current, latest));
        } else if offer
            .latest_version
            .as_deref()
            .is_some_and(|l| l != current)
        {
            crate::outln!(
                "the catalog's {} has no `## [version]` section between {current} and {latest}",
                crate::release_notes::FILE
            );
        }
    }
    if available && !reporter.json {
        for shown in layer_notes.iter().filter_map(|l| l.shown()) {
            crate::outln!();
            crate::out!("{shown}");
        }
    }
    if !available && !reporter.json {
        crate::outln!(
            "up to date: catalog {} at {} ({source})",
            offer.current_version,
            short(old)
        );
    }
    Ok(if available && exit_code {
        Code::UpdateAvailable
    } else {
        Code::Ok
    })
}
