//! `ispo catalog lint PATH`: every check a catalog can get without rendering a
//! kit, reported for people or as one `--json` document.

use anyhow::Result;

use crate::error::{Code, Failure};
use crate::layers;
use crate::lint;
use crate::output::Reporter;
use crate::source;

/// Checks the catalog in `path` and reports every problem found. A catalog
/// that extends others is checked as its kits see it: on top of its bases.
pub fn run(path: &std::path::Path, offline: bool, reporter: &Reporter) -> Result<Code> {
    let files = source::read_dir_tree(path)?;
    let stack = layers::load_folder(path, files, offline, &[], reporter)?;
    let catalog = stack.catalog()?;
    let (mut errors, mut warnings) = lint::lint(&catalog);
    // Lint sees the merged catalog: name each file where its author keeps it.
    for d in errors.iter_mut().chain(warnings.iter_mut()) {
        d.file = catalog.shown_path(&d.file);
    }
    warnings.extend(lint::layer_warnings(&catalog));
    warnings.extend(catalog.warnings.iter().cloned());
    for w in &warnings {
        reporter.warn(w);
    }
    if reporter.json {
        let doc = serde_json::json!({
            "schema_version": 1,
            "command": "catalog lint",
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    }
    if !errors.is_empty() {
        if reporter.json {
            // The JSON document above already carries the errors.
            return Ok(Code::Error);
        }
        return Err(Failure::Invalid(errors).into());
    }
    reporter.status(
        "Checked",
        format!(
            "{} {}{}: {} modules, {} questions, {} challenges, no errors",
            catalog.manifest.name,
            catalog.manifest.version,
            if catalog.is_layered() {
                format!(
                    " on {}",
                    stack
                        .bases()
                        .iter()
                        .rev()
                        .map(|b| format!("{} {}", b.name, b.version))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            },
            catalog.modules.len(),
            catalog.questions.len(),
            catalog.challenges.len()
        ),
    );
    Ok(Code::Ok)
}
