//! `ispo status`: the fill-in markers still open in a kit, as `file:line: id — description`.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use crate::error::Code;
use crate::fill;
use crate::kit::{self, State};
use crate::output::Reporter;

pub fn run(dir: &Path, check: bool, reporter: &Reporter) -> Result<Code> {
    let state = State::read(dir)?;
    // Only regular files are read: a symlink in the kit is never followed.
    let (files, _) = kit::read_files_at(dir, state.files.iter().map(|f| &f.path));
    let mut open = Vec::new();
    for record in &state.files {
        let Some(bytes) = files.get(&record.path) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        for found in fill::scan(text) {
            let description = state
                .fills
                .iter()
                .find(|f| f.id == found.id)
                .map_or("(not declared by the catalog)", |f| f.description.as_str());
            open.push((record.path.clone(), found, description.to_string()));
        }
    }
    open.sort_by(|a, b| (&a.0, a.1.line).cmp(&(&b.0, b.1.line)));
    // Files listed under [files] mine: the user's alone.
    let globs = crate::answers::Inputs::read_file(&dir.join(crate::paths::ANSWERS_FILE))
        .map(|i| i.mine)
        .unwrap_or_default();
    let matcher = crate::answers::mine_matcher(&globs);
    let yours: Vec<&str> = state
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| matcher.is_match(p))
        .collect();
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": "status",
            "open": open.iter().map(|(p, f, d)| json!({"file": p, "line": f.line, "id": f.id, "description": d})).collect::<Vec<_>>(),
            "mine": {"globs": globs, "files": yours},
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for (path, f, d) in &open {
            crate::outln!("{path}:{}: {} — {d}", f.line, f.id);
        }
        let ids: std::collections::BTreeSet<&str> =
            open.iter().map(|(_, f, _)| f.id.as_str()).collect();
        if !globs.is_empty() {
            reporter.note(format!(
                "Yours alone (under [files] mine, never touched by ispo): {} ({} file(s): {})",
                globs.join(", "),
                yours.len(),
                yours.join(", ")
            ));
        }
        if open.is_empty() {
            reporter.note("Nothing left to fill in.");
        } else {
            reporter.note(format!(
                "{} value(s) still to fill in, in {} place(s). Set them under [fill] in {} and run `ispo update`, or edit the files.",
                ids.len(),
                open.len(),
                crate::paths::ANSWERS_FILE
            ));
        }
    }
    Ok(if check && !open.is_empty() {
        Code::FillInsRemain
    } else {
        Code::Ok
    })
}
