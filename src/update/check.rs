//! `ispo check`: has the catalog moved since the kit's commit?

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use crate::config::{AnswerSources, Mode, UpdateConfig};
use crate::error::Code;
use crate::kit::State;
use crate::layers;
use crate::output::Reporter;

use super::request::{request, short};

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
    };
    let stack = layers::load(&request(&cfg, &state), reporter)?;
    let loaded = &stack.top().loaded;
    let old = &state.catalog.source.commit;
    let new = &loaded.record.commit;
    // A layer below may move while the top stays (a branch it follows).
    let available = old != new || stack.bases() != state.layers;
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
