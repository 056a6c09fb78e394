//! `ispo explain --layers` and `ispo explain --file PATH`, and a module's
//! origin line: where each part of a kit comes from when its catalog is a
//! stack of catalogs (a company catalog on top of the shared one).

use std::fmt::Write;

use anyhow::Result;
use serde_json::json;

use crate::answers::Answers;
use crate::catalog::{Catalog, Module};
use crate::error::{Code, Failure};
use crate::kit::{CatalogRecord, State};
use crate::output::Reporter;
use crate::render;
use crate::source::SourceRecord;

/// `ispo-default; amended by acme: title, 1 file replaced`.
pub fn provenance(m: &Module) -> String {
    let mut out = m.origin.clone();
    for a in &m.amendments {
        let _ = write!(out, "; amended by {}: {}", a.layer, a.changes.join(", "));
    }
    out
}

fn short(commit: &str) -> &str {
    let c = commit.strip_prefix("sha256:").unwrap_or(commit);
    &c[..c.len().min(12)]
}

/// The stack, lowest first, with what each layer changes.
pub fn layers(
    catalog: &Catalog,
    top: &SourceRecord,
    bases: &[CatalogRecord],
    reporter: &Reporter,
) -> Result<Code> {
    let mut all: Vec<CatalogRecord> = bases.to_vec();
    all.push(CatalogRecord {
        name: catalog.manifest.name.clone(),
        version: catalog.manifest.version.clone(),
        source: top.clone(),
    });
    let hides = |layer: &str| -> Vec<&str> {
        catalog
            .hidden
            .iter()
            .filter(|(_, l)| l.as_str() == layer)
            .map(|(m, _)| m.as_str())
            .collect()
    };
    let presets = |layer: &str| -> Vec<String> {
        catalog
            .questions
            .iter()
            .filter_map(|q| {
                let p = q.preset.as_ref().filter(|p| p.layer == layer)?;
                Some(format!("{} = {}", q.id, p.value.to_toml()))
            })
            .collect()
    };
    let values = |layer: &str| -> Vec<&str> {
        catalog
            .fill_values
            .iter()
            .filter(|(_, v)| v.layer == layer)
            .map(|(id, _)| id.as_str())
            .collect()
    };
    let added = |layer: &str| catalog.modules.iter().filter(|m| m.origin == layer).count();
    let amended = |layer: &str| {
        catalog
            .modules
            .iter()
            .filter(|m| m.amendments.iter().any(|a| a.layer == layer))
            .count()
    };
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": "explain --layers",
            "layers": all.iter().map(|l| json!({
                "name": l.name, "version": l.version, "source": l.source.source,
                "ref": l.source.reference, "subdir": l.source.subdir, "commit": l.source.commit,
                "modules": added(&l.name), "amends": amended(&l.name), "hides": hides(&l.name),
                "presets": presets(&l.name), "values": values(&l.name),
            })).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(Code::Ok);
    }
    let mut out = String::new();
    for (i, l) in all.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. {} {}  {}{}  ({})",
            i + 1,
            l.name,
            l.version,
            l.source.source,
            l.source
                .reference
                .as_ref()
                .map(|r| format!(" @ {r}"))
                .unwrap_or_default(),
            short(&l.source.commit)
        );
        let mut parts = vec![format!("{} module(s) of its own", added(&l.name))];
        if amended(&l.name) > 0 {
            parts.push(format!("amends {}", amended(&l.name)));
        }
        if !hides(&l.name).is_empty() {
            parts.push(format!("hides {}", hides(&l.name).join(", ")));
        }
        if !presets(&l.name).is_empty() {
            parts.push(format!("answers {}", presets(&l.name).join(", ")));
        }
        if !values(&l.name).is_empty() {
            parts.push(format!("fills {}", values(&l.name).join(", ")));
        }
        let _ = writeln!(out, "   {}", parts.join("; "));
    }
    if all.len() == 1 {
        out.push_str("This catalog builds on no other ([[extends]] in its catalog.toml).\n");
    }
    crate::out!("{out}");
    Ok(Code::Ok)
}

/// Where a fill-in's value in the kit comes from.
fn fill_source(catalog: &Catalog, answers: &Answers, id: &str) -> (String, Option<String>) {
    if let Some(v) = answers.fills.get(id) {
        return ("ispo-answers.toml".into(), Some(v.clone()));
    }
    if let Some(v) = catalog.fill_values.get(id) {
        return (format!("the {} catalog", v.layer), Some(v.value.clone()));
    }
    (format!("open: ISPO-FILL({id}) in the file"), None)
}

/// One kit file: its module, the template and layer that made it, the
/// layers that amended its module, and where its fill-in values come from.
pub fn file(
    catalog: &Catalog,
    state: &State,
    answers: &Answers,
    path: &str,
    reporter: &Reporter,
) -> Result<Code> {
    let path = path.trim_start_matches("./").replace('\\', "/");
    let Some(rec) = state.files.iter().find(|f| f.path == path) else {
        let hint = crate::suggest::hint(crate::suggest::closest_name(
            &path,
            state.files.iter().map(|f| f.path.as_str()),
        ));
        return Err(
            Failure::Usage(format!("--file {path}: the kit tracks no such file{hint}")).into(),
        );
    };
    let module = catalog.module(&rec.module);
    let lookup = answers.lookup();
    let template = module.and_then(|m| {
        m.files
            .iter()
            .find(|rel| render::targets(m, rel, &lookup).iter().any(|t| t == &path))
            .map(|rel| m.file_path(rel))
    });
    let layer = template
        .as_deref()
        .map(|t| catalog.layer_of(t).to_string())
        .or_else(|| rec.layer.clone());
    let shown_template = template.as_deref().map(|t| catalog.shown_path(t));
    let fills: Vec<(String, String, Option<String>)> = module
        .map(|m| {
            m.fills
                .iter()
                .map(|f| {
                    let (from, value) = fill_source(catalog, answers, &f.id);
                    (f.id.clone(), from, value)
                })
                .collect()
        })
        .unwrap_or_default();
    if reporter.json {
        let doc = json!({
            "schema_version": 1,
            "command": "explain --file",
            "path": path,
            "module": rec.module,
            "template": shown_template,
            "layer": layer,
            "module_origin": module.map(|m| m.origin.clone()),
            "amendments": module.map(|m| m.amendments.iter().map(|a| json!({"layer": a.layer, "changes": a.changes})).collect::<Vec<_>>()).unwrap_or_default(),
            "fills": fills.iter().map(|(id, from, value)| json!({"id": id, "from": from, "value": value})).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(Code::Ok);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{path}");
    if rec.module == "ispo" {
        let _ = writeln!(
            out,
            "  generated by ispo from the catalog and the kit's answers (not from a template)"
        );
        crate::out!("{out}");
        return Ok(Code::Ok);
    }
    match module {
        Some(m) => {
            let _ = writeln!(out, "  module: {} ({})", m.id, m.title);
            let _ = writeln!(out, "  module from: {}", provenance(m));
        }
        None => {
            let _ = writeln!(
                out,
                "  module: {} (no longer in the catalog: `ispo update` removes or keeps the file)",
                rec.module
            );
        }
    }
    if let (Some(t), Some(l)) = (&shown_template, &layer) {
        let _ = writeln!(out, "  template: {t} (catalog {l})");
    }
    if !fills.is_empty() {
        out.push_str("  fill-ins:\n");
        for (id, from, value) in &fills {
            match value {
                Some(v) => {
                    let _ = writeln!(out, "    {id} = {:?}  ({from})", v);
                }
                None => {
                    let _ = writeln!(out, "    {id}: {from}");
                }
            }
        }
    }
    crate::out!("{out}");
    Ok(Code::Ok)
}
