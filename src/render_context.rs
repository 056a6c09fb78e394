//! The values templates see: the context every module shares, each
//! module's own `module` and `fill` keys, and the variant for output paths
//! in which a value's separators are marked.

use std::collections::BTreeMap;

use handlebars::Context;
use serde_json::{json, Map, Value as Json};

use crate::catalog::{Catalog, Module};
use crate::fill::marker;

fn clean_json(v: Json) -> Json {
    match v {
        Json::String(s) if s.contains([crate::skeleton::OPEN, crate::skeleton::CLOSE]) => {
            Json::String(crate::skeleton::clean_value(&s))
        }
        Json::Array(items) => Json::Array(items.into_iter().map(clean_json).collect()),
        Json::Object(map) => {
            Json::Object(map.into_iter().map(|(k, v)| (k, clean_json(v))).collect())
        }
        other => other,
    }
}

/// Values every template sees, whatever its module.
pub fn base_context(
    catalog: &Catalog,
    answers: Map<String, Json>,
    selected: &[&Module],
) -> Map<String, Json> {
    let mut ctx: Map<String, Json> = answers
        .into_iter()
        .map(|(k, v)| (k, clean_json(v)))
        .collect();
    ctx.insert(
        "catalog".into(),
        json!({ "name": catalog.manifest.name, "title": catalog.manifest.title, "version": catalog.manifest.version }),
    );
    let modules: Map<String, Json> = selected
        .iter()
        .map(|m| {
            (
                m.id.clone(),
                json!({ "title": m.title, "kind": m.kind.name() }),
            )
        })
        .collect();
    ctx.insert("modules".into(), Json::Object(modules));
    ctx
}

/// The module-specific part of a context: `module` and its `fill` values,
/// cleaned of placeholder characters (catalog text could carry them too).
fn module_values(module: &Module, fills: &BTreeMap<String, String>) -> (Json, Json) {
    let fill: Map<String, Json> = module
        .fills
        .iter()
        .map(|f| {
            (
                f.id.clone(),
                Json::String(
                    fills
                        .get(&f.id)
                        .map_or_else(|| marker(&f.id), |v| crate::skeleton::clean_value(v)),
                ),
            )
        })
        .collect();
    (
        clean_json(
            json!({ "id": module.id, "title": module.title, "kind": module.kind.name(), "summary": module.summary }),
        ),
        Json::Object(fill),
    )
}

/// One context for every module in turn: the values all modules share are
/// built once, and entering a module replaces only its `module` and `fill`
/// keys, so rendering N modules costs N small updates, not N copies of a
/// context that itself grows with N (it lists every selected module). The
/// path-rendering variant (separators marked) is built once, when first
/// needed.
pub struct ModuleContexts {
    ctx: Context,
    marked: Option<Json>,
}

impl ModuleContexts {
    pub fn new(base: Map<String, Json>) -> ModuleContexts {
        ModuleContexts {
            ctx: Context::from(clean_json(Json::Object(base))),
            marked: None,
        }
    }

    pub fn enter(&mut self, module: &Module, fills: &BTreeMap<String, String>) {
        let (module, fill) = module_values(module, fills);
        if let Json::Object(map) = self.ctx.data_mut() {
            if let Some(Json::Object(marked)) = &mut self.marked {
                marked.insert("module".into(), mark_values(&module));
                marked.insert("fill".into(), mark_values(&fill));
            }
            map.insert("module".into(), module);
            map.insert("fill".into(), fill);
        }
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    pub fn data(&self) -> &Json {
        self.ctx.data()
    }

    /// The context for rendering output paths: every value's separators marked.
    pub fn for_paths(&mut self) -> &Json {
        let ctx = &self.ctx;
        self.marked
            .get_or_insert_with(|| mark_separators(ctx.data()))
    }
}

/// Marks separators that come from values, so a rendered path can tell them
/// from the template's own `/`.
pub const VALUE_SEPARATOR: char = '\u{1}';
/// A context key present only while rendering output paths.
pub const PATH_MODE: &str = "__ispo_rendering_a_path";

fn mark_separators(v: &Json) -> Json {
    let mut marked = mark_values(v);
    if let Json::Object(map) = &mut marked {
        map.insert(PATH_MODE.into(), Json::Bool(true));
    }
    marked
}

fn mark_values(v: &Json) -> Json {
    match v {
        Json::String(s) => Json::String(s.replace(['/', '\\'], &VALUE_SEPARATOR.to_string())),
        Json::Array(items) => Json::Array(items.iter().map(mark_values).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mark_values(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}
