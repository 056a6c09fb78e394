//! A kit assembled in memory: the selected modules rendered, the generated
//! index files (README, SOURCES), the answers file and the state that
//! records it all. Nothing here writes; `init` and `update` decide where the
//! result goes.

use std::collections::BTreeMap;

use anyhow::Result;
use serde_json::json;

use crate::answers::Answers;
use crate::catalog::{Catalog, FillDecl, Module};
use crate::index;
use crate::kit::{
    self, CatalogRecord, FileRecord, FillRecord, SelectionRecord, State, STATE_FORMAT,
};
use crate::render::{self, RenderedFile, Reuse};
use crate::render_cache::{RenderCache, RenderStats};
use crate::selection::Selection;
use crate::source::SourceRecord;

/// The fill-ins the selected modules use, in first-use order, each with
/// its example for these answers.
pub fn used_fills(selected: &[&Module], answers: &Answers) -> Vec<FillDecl> {
    let json = answers.to_json();
    let mut out: Vec<FillDecl> = Vec::new();
    for m in selected {
        for f in &m.fills {
            if !out.iter().any(|x| x.id == f.id) {
                out.push(f.for_answers(&json));
            }
        }
    }
    out
}

/// The catalog record of `--json` documents.
pub fn catalog_json(
    catalog: &Catalog,
    record: &SourceRecord,
    bases: &[CatalogRecord],
) -> serde_json::Value {
    let one = |name: &str, version: &str, r: &SourceRecord| {
        json!({
            "name": name,
            "version": version,
            "source": r.source,
            "ref": r.reference,
            "subdir": r.subdir,
            "commit": r.commit,
        })
    };
    let mut doc = one(&catalog.manifest.name, &catalog.manifest.version, record);
    if !bases.is_empty() {
        doc["layers"] = bases
            .iter()
            .map(|b| one(&b.name, &b.version, &b.source))
            .collect();
    }
    doc
}

/// A kit, fully rendered in memory.
pub struct Built {
    pub files: Vec<RenderedFile>,
    pub answers_text: String,
    pub state: State,
    /// What each file's render was computed from, for the next update.
    pub render_cache: RenderCache,
    /// How much was rendered and how much reused.
    pub stats: RenderStats,
}

/// Renders modules and index files and assembles the state. Nothing is written.
pub fn build(
    catalog: &Catalog,
    (record, bases): (&SourceRecord, &[CatalogRecord]),
    answers: &Answers,
    selection: &Selection,
    fills: &BTreeMap<String, String>,
    mine: &[String],
    reuse: Option<Reuse<'_>>,
) -> Result<Built> {
    let selected = selection.included(catalog);
    // The kit's own values win over the catalog's company-wide ones.
    let mut values: BTreeMap<String, String> = catalog
        .fill_values
        .iter()
        .map(|(id, v)| (id.clone(), v.value.clone()))
        .collect();
    values.extend(fills.iter().map(|(k, v)| (k.clone(), v.clone())));
    let rendered = render::render(catalog, &selected, answers, &values, reuse).map_err(|e| {
        // A layer's file is named where its author keeps it.
        match e.downcast::<crate::error::Failure>() {
            Ok(crate::error::Failure::Invalid(mut diags)) => {
                for d in &mut diags {
                    d.file = catalog.shown_path(&d.file);
                }
                crate::error::Failure::Invalid(diags).into()
            }
            Ok(other) => other.into(),
            Err(e) => e,
        }
    })?;
    let mut files = rendered.files;
    let readme = index::readme(catalog, record, bases, &selected, &files, answers);
    let sources = index::sources(catalog, &selected);
    files.push(RenderedFile {
        path: "README.md".into(),
        module: "ispo".into(),
        sha256: kit::sha256(readme.as_bytes()),
        body: render::Body::Bytes(readme.into_bytes()),
        executable: false,
        template: String::new(),
        layer: None,
        amended_by: Vec::new(),
    });
    files.push(RenderedFile {
        path: "SOURCES.md".into(),
        module: "ispo".into(),
        sha256: kit::sha256(sources.as_bytes()),
        body: render::Body::Bytes(sources.into_bytes()),
        executable: false,
        template: String::new(),
        layer: None,
        amended_by: Vec::new(),
    });
    let used = used_fills(&selected, answers);
    let answers_text = crate::answers_file::answers_file(
        catalog,
        answers,
        fills,
        &used,
        &selection.with,
        &selection.without,
        mine,
    );
    let state = State {
        format: STATE_FORMAT,
        ispo_version: env!("CARGO_PKG_VERSION").to_string(),
        base: None,
        answers_sha256: Some(kit::sha256(answers_text.as_bytes())),
        catalog: CatalogRecord {
            name: catalog.manifest.name.clone(),
            version: catalog.manifest.version.clone(),
            source: record.clone(),
        },
        layers: bases.to_vec(),
        selection: SelectionRecord {
            modules: selection.ids(),
            with: selection.with.clone(),
            without: selection.without.clone(),
        },
        fills: used.iter().map(FillRecord::from).collect(),
        files: files
            .iter()
            .map(|f| FileRecord {
                path: f.path.clone(),
                module: f.module.clone(),
                sha256: f.sha256.clone(),
                stale: false,
                conflicted: false,
                executable: f.executable,
                layer: f.layer.clone(),
                amended_by: f.amended_by.clone(),
            })
            .collect(),
    };
    Ok(Built {
        files,
        answers_text,
        state,
        render_cache: rendered.cache,
        stats: rendered.stats,
    })
}
