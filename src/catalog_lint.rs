//! `ispo catalog lint PATH`: every check a catalog can get without rendering a
//! kit, reported for people or as one `--json` document.

use anyhow::Result;

use crate::catalog::Catalog;
use crate::error::{Code, Failure};
use crate::lint;
use crate::output::Reporter;
use crate::source;

/// Checks the catalog in `path` and reports every problem found.
pub fn run(path: &std::path::Path, reporter: &Reporter) -> Result<Code> {
    let files = source::read_dir_tree(path)?;
    let catalog = Catalog::load(files)?;
    let (errors, warnings) = lint::lint(&catalog);
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
            "{} {}: {} modules, {} questions, {} challenges, no errors",
            catalog.manifest.name,
            catalog.manifest.version,
            catalog.modules.len(),
            catalog.questions.len(),
            catalog.challenges.len()
        ),
    );
    Ok(Code::Ok)
}
