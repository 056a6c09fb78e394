//! Rendering selected modules into kit files, in memory.
//!
//! Handlebars runs in strict mode (an unknown value is an error, not an empty
//! string) with HTML escaping off. Each template is registered under its
//! catalog-relative path, so every error names the file, line and column.
//! Output paths are rendered component by component and checked before
//! anything is written.

use std::collections::BTreeMap;

use anyhow::Result;
use handlebars::template::Template;
use handlebars::{
    handlebars_helper, Context, Handlebars, Helper, HelperDef, RenderContext, RenderError,
    RenderErrorReason, ScopedJson, TemplateError,
};
use serde_json::{json, Map, Value as Json};

use crate::catalog::{Catalog, Module};
use crate::error::{Diagnostic, Failure};
use crate::expansion::Expansion;
use crate::fill::marker;
use crate::paths;
use crate::skeleton::Chunks;

/// One file of the kit, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Kit-relative, `/`-separated.
    pub path: String,
    /// The module that produced it (`ispo` for generated index files).
    pub module: String,
    pub bytes: Vec<u8>,
    /// Committed as executable in the catalog: the kit file is too.
    pub executable: bool,
    /// The catalog path of the template (empty for generated files).
    pub template: String,
    /// In a layered catalog: the layer whose template made it.
    pub layer: Option<String>,
    /// In a layered catalog: the layers that amended its module.
    pub amended_by: Vec<String>,
}

/// Caps that keep a hostile or broken catalog from filling the disk or the
/// memory: checked before rendering (the worst-case expansion of every
/// template) and while rendering (bytes written so far).
pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_OUTPUT_FILES: usize = 10_000;
/// One rendered kit file.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// All rendered module files of a kit together.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024 * 1024;

/// A writer that refuses to grow past a limit, so a template that expands
/// without end stops at the limit instead of exhausting memory.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
    over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Values arrive as small placeholders (see `escape`): count them whole.
        let values = crate::escape::captured_bytes();
        if self.bytes.len() + buf.len() + values > self.limit {
            self.over = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The longest list (or object) a template can loop over: every module,
/// every choice of a multiple-choice question, or the context's own keys
/// (every question and ispo's values).
fn longest_list(catalog: &Catalog) -> u64 {
    let choices = catalog.questions.iter().map(|q| q.choices.len()).max();
    let context = catalog.questions.len() + 4;
    (catalog.modules.len().max(choices.unwrap_or(0)).max(context)) as u64
}

/// Refuses a template whose worst-case output is over the per-file limit,
/// naming the partials that multiply it.
pub fn check_expansion(
    path: &str,
    template: &Template,
    partials: &BTreeMap<String, Expansion>,
    catalog: &Catalog,
    raw_len: &dyn Fn(&str) -> u64,
) -> Option<Diagnostic> {
    let e = crate::expansion::of_template_with(template, partials, longest_list(catalog), raw_len);
    (e.bytes > MAX_FILE_BYTES as u64).then(|| expansion_diag(path, &e))
}

fn expansion_diag(path: &str, e: &Expansion) -> Diagnostic {
    let through = if e.chain.is_empty() {
        String::new()
    } else {
        format!(
            " through the partials {}",
            e.chain
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(" -> ")
        )
    };
    Diagnostic::new(
        path,
        0,
        0,
        format!(
            "in the worst case this renders {}{through}, over the limit of {} MiB for one file; include partials fewer times or loop less deeply",
            crate::expansion::shown(e.bytes),
            MAX_FILE_BYTES >> 20
        ),
    )
}

handlebars_helper!(contains: |list: Json, item: Json| list.as_array().is_some_and(|a| a.contains(item)));
handlebars_helper!(join: |list: Json, sep: str| list
    .as_array()
    .map(|a| a.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect::<Vec<_>>().join(sep))
    .unwrap_or_default());

/// `{{label "forge"}}`: the human label of the answer to a choice question.
struct Label {
    labels: BTreeMap<String, BTreeMap<String, String>>,
}

impl HelperDef for Label {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let q = h
            .param(0)
            .and_then(|v| v.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("label", 0))?;
        let labels = self.labels.get(q).ok_or_else(|| {
            RenderErrorReason::Other(format!("label: `{q}` is not a choice question"))
        })?;
        let name = |v: &Json| {
            v.as_str()
                .map(|s| labels.get(s).cloned().unwrap_or_else(|| s.to_string()))
        };
        let text = match ctx.data().get(q) {
            Some(Json::Array(items)) => {
                items.iter().filter_map(name).collect::<Vec<_>>().join(", ")
            }
            Some(v) => name(v).unwrap_or_default(),
            None => String::new(),
        };
        let text = crate::skeleton::clean_value(&text);
        // Labels are values too: inside an output path they may not add folders.
        let text = if ctx.data().get(PATH_MODE).is_some() {
            text.replace(['/', '\\'], &VALUE_SEPARATOR.to_string())
        } else {
            text
        };
        Ok(ScopedJson::Derived(Json::String(text)))
    }
}

/// A registry with ispo's settings and helpers, and the catalog's partials,
/// with the worst-case expansion of each partial (checked against the limit).
pub fn registry(
    catalog: &Catalog,
) -> Result<(Handlebars<'static>, BTreeMap<String, Expansion>), Vec<Diagnostic>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    // Values are escaped for the file they land in (see `escape`).
    hb.register_escape_fn(crate::escape::escape_fn);
    hb.register_helper("contains", Box::new(contains));
    hb.register_helper("join", Box::new(join));
    let labels = catalog
        .questions
        .iter()
        .filter(|q| !q.choices.is_empty())
        .map(|q| {
            (
                q.id.clone(),
                q.choices
                    .iter()
                    .map(|c| (c.value.clone(), c.label.clone()))
                    .collect(),
            )
        })
        .collect();
    hb.register_helper("label", Box::new(Label { labels }));
    let mut diags = Vec::new();
    // Handlebars overflows its stack on partials that include each other, so
    // the include graph is checked before anything renders.
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut compiled: BTreeMap<String, Template> = BTreeMap::new();
    for p in &catalog.partials {
        match catalog.text(&p.path) {
            Ok(text) => match Template::compile_with_name(text, p.path.clone()) {
                Ok(t) => {
                    match crate::template_refs::partial_includes(&t) {
                        Ok(includes) => {
                            graph.insert(p.name.clone(), includes);
                        }
                        Err(e) => diags.push(Diagnostic::new(&p.path, 0, 0, e)),
                    }
                    hb.register_partial(&p.name, text).ok();
                    compiled.insert(p.name.clone(), t);
                }
                Err(e) => diags.push(template_diag(&p.path, text, &e)),
            },
            Err(d) => diags.push(d),
        }
    }
    if let Some(cycle) = crate::template_refs::find_cycle(&graph) {
        diags.push(Diagnostic::new(
            "partials",
            0,
            0,
            format!(
                "partials include each other in a cycle: {}",
                cycle.join(" -> ")
            ),
        ));
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let expansions = crate::expansion::of_partials(&compiled, longest_list(catalog));
    for p in &catalog.partials {
        if let Some(e) = expansions.get(&p.name) {
            if e.bytes > MAX_FILE_BYTES as u64 {
                diags.push(expansion_diag(&p.path, e));
            }
        }
    }
    if diags.is_empty() {
        Ok((hb, expansions))
    } else {
        Err(diags)
    }
}

/// A compile error, located in `source`. Handlebars' parser reports an
/// unbalanced block as a list of expected tokens at the end of the file, so
/// blocks are matched here first and named in plain words.
pub fn template_diag(path: &str, source: &str, e: &TemplateError) -> Diagnostic {
    if let Some((line, column, message)) = unbalanced_block(source) {
        return Diagnostic::new(path, line, column, format!("template error: {message}"));
    }
    let (line, column) = e.pos().unwrap_or((0, 0));
    Diagnostic::new(
        path,
        line,
        column,
        format!("template error: {}", e.reason()),
    )
}

/// The first block that is closed by the wrong tag, closed without being
/// opened, or never closed, as (line, column, message). Templates with raw
/// blocks or escaped tags are left to Handlebars.
fn unbalanced_block(src: &str) -> Option<(usize, usize, String)> {
    if src.contains("{{{{") || src.contains("\\{{") {
        return None;
    }
    let position = |offset: usize| crate::error::line_col(src, offset);
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut at = 0;
    while let Some(found) = src[at..].find("{{") {
        let start = at + found;
        let len = crate::skeleton::tag_end(&src[start..])?;
        let inner = src[start + 2..start + len - 2]
            .trim_matches(['~', '{', '}'])
            .trim_start();
        at = start + len;
        if inner.starts_with('!') {
            continue;
        }
        let name_of = |s: &str| {
            s.trim_start_matches(['>', '*'])
                .trim_start()
                .split(|c: char| c.is_whitespace() || c == '~' || c == ')')
                .next()
                .unwrap_or("")
                .to_string()
        };
        if let Some(rest) = inner.strip_prefix('#').or_else(|| inner.strip_prefix('^')) {
            open.push((name_of(rest), start));
        } else if let Some(rest) = inner.strip_prefix('/') {
            let name = name_of(rest);
            let (line, column) = position(start);
            match open.pop() {
                Some((opened, _)) if opened == name => {}
                Some((opened, from)) => {
                    let (l, c) = position(from);
                    return Some((line, column, format!("`{{{{/{name}}}}}` closes the `{{{{#{opened}}}}}` block opened at {l}:{c}; close that with `{{{{/{opened}}}}}` first")));
                }
                None => {
                    return Some((
                        line,
                        column,
                        format!("`{{{{/{name}}}}}` closes a block that was never opened"),
                    ));
                }
            }
        }
    }
    open.pop().map(|(name, from)| {
        let (line, column) = position(from);
        (
            line,
            column,
            format!(
                "the `{{{{#{name}}}}}` block opened here is never closed; add `{{{{/{name}}}}}`"
            ),
        )
    })
}

pub fn render_diag(path: &str, e: &RenderError) -> Diagnostic {
    let reason = match e.reason() {
        RenderErrorReason::MissingVariable(Some(v)) => format!("`{v}` is not defined (not a question, a declared fill-in of this module, or an ispo value)"),
        other => other.to_string(),
    };
    // An error inside a partial carries the partial's name: point there.
    match e.template_name.as_deref() {
        Some(name) if name != path && !name.starts_with("modules/") => Diagnostic::new(
            &format!("partials/{name}.hbs"),
            e.line_no.unwrap_or(0),
            e.column_no.unwrap_or(0),
            format!("render error (included from {path}): {reason}"),
        ),
        _ => Diagnostic::new(
            path,
            e.line_no.unwrap_or(0),
            e.column_no.unwrap_or(0),
            format!("render error: {reason}"),
        ),
    }
}

/// Compiles templates (their skeletons where there is one) on every core.
fn compile_all(
    sources: &[(String, &str)],
    skeletons: &[Option<String>],
) -> Vec<Result<Template, TemplateError>> {
    let jobs: Vec<(&String, &str)> = sources
        .iter()
        .zip(skeletons)
        .map(|((path, text), sk)| (path, sk.as_deref().unwrap_or(text)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    if threads == 1 || jobs.len() < 16 {
        return jobs
            .iter()
            .map(|(path, src)| Template::compile_with_name(*src, (*path).clone()))
            .collect();
    }
    let per = jobs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(path, src)| Template::compile_with_name(*src, (*path).clone()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("template compilation does not panic"))
            .collect()
    })
}

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

/// Where one source file of a module goes, given the answers.
pub fn targets(
    module: &Module,
    rel: &str,
    answers: &dyn Fn(&str) -> Option<crate::value::Answer>,
) -> Vec<String> {
    let outputs: Vec<_> = module.outputs.iter().filter(|o| o.source == rel).collect();
    if outputs.is_empty() {
        return vec![rel.to_string()];
    }
    outputs
        .iter()
        .filter(|o| o.when.as_ref().is_none_or(|w| w.eval(answers)))
        .map(|o| o.target.clone())
        .collect()
}

/// Marks separators that come from values, so a rendered path can tell them
/// from the template's own `/`.
const VALUE_SEPARATOR: char = '\u{1}';
/// A context key present only while rendering output paths.
const PATH_MODE: &str = "__ispo_rendering_a_path";

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

/// Renders a templated output path and checks every component. A value
/// (answer or fill-in) can never add a path separator: only the template's
/// own `/` separate folders.
pub fn render_path(
    hb: &Handlebars<'_>,
    template: &str,
    ctx: &mut ModuleContexts,
    origin: &str,
) -> Result<String, Diagnostic> {
    let path = if template.contains("{{") {
        let rendered = hb.render_template(template, ctx.for_paths()).map_err(|e| {
            Diagnostic::new(
                origin,
                0,
                0,
                format!("output path `{template}`: {}", e.reason()),
            )
        })?;
        if rendered.contains(VALUE_SEPARATOR) {
            return Err(Diagnostic::new(
                origin,
                0,
                0,
                format!("output path `{template}`: a value used in it contains a path separator (`/` or `\\`)"),
            ));
        }
        rendered
    } else {
        template.to_string()
    };
    paths::check(&path).map_err(|why| {
        Diagnostic::new(
            origin,
            0,
            0,
            format!("output path `{template}` renders to `{path}`, which is refused: {why}"),
        )
    })?;
    Ok(path)
}

fn over_limit(path: &str, limit: usize) -> Diagnostic {
    let message = if limit < MAX_FILE_BYTES {
        format!(
            "renders past the limit of {} MiB for the whole kit; rendering stopped",
            MAX_OUTPUT_BYTES >> 20
        )
    } else {
        format!(
            "renders past the limit of {} MiB for one file; rendering stopped",
            MAX_FILE_BYTES >> 20
        )
    };
    Diagnostic::new(path, 0, 0, message)
}

enum Rendered {
    /// The output, with the values placed in it (see `escape`).
    Text(String, Vec<String>),
    Over,
    Failed(RenderError),
}

/// Renders one template into a buffer that stops at `limit` bytes.
fn render_capped(hb: &Handlebars<'_>, path: &str, ctx: &Context, limit: usize) -> Rendered {
    let mut out = Capped {
        bytes: Vec::new(),
        limit,
        over: false,
    };
    let (result, values) =
        crate::escape::capture(|| hb.render_with_context_to_write(path, ctx, &mut out));
    match result {
        _ if out.over => Rendered::Over,
        Ok(()) => Rendered::Text(
            String::from_utf8(out.bytes).expect("templates render text"),
            values,
        ),
        Err(e) => Rendered::Failed(e),
    }
}

/// Renders every selected module. All problems are collected and returned
/// together; nothing is written here.
pub fn render(
    catalog: &Catalog,
    selected: &[&Module],
    answers: &crate::answers::Answers,
    fills: &BTreeMap<String, String>,
) -> Result<Vec<RenderedFile>> {
    let (mut hb, expansions) = registry(catalog).map_err(Failure::Invalid)?;
    let mut diags = Vec::new();
    // Collect every template first, so one bad template does not hide the others.
    let mut sources: Vec<(String, &str)> = Vec::new();
    for m in selected {
        for rel in &m.files {
            if m.is_raw(rel) {
                continue;
            }
            let path = m.file_path(rel);
            match catalog.text(&path) {
                Ok(text) if text.len() > MAX_TEMPLATE_BYTES => diags.push(Diagnostic::new(
                    &path,
                    0,
                    0,
                    format!(
                        "template is larger than the {} MiB limit",
                        MAX_TEMPLATE_BYTES / 1024 / 1024
                    ),
                )),
                Ok(text) => sources.push((path, text)),
                Err(d) => diags.push(d),
            }
        }
    }
    let mut chunks = Chunks::default();
    // Partial output lands inside skeleton output; a partial carrying the
    // placeholder characters itself would be misread, so then nothing is skeletal.
    let partials_clean = catalog.partials.iter().all(|p| {
        catalog
            .text(&p.path)
            .is_ok_and(|t| !t.contains([crate::skeleton::OPEN, crate::skeleton::CLOSE]))
    });
    let skeletons: Vec<Option<String>> = sources
        .iter()
        .map(|(_, text)| {
            if partials_clean {
                chunks.skeleton(text)
            } else {
                None
            }
        })
        .collect();
    let compiled = compile_all(&sources, &skeletons);
    let mut skeletal: BTreeMap<String, &str> = BTreeMap::new();
    for (((path, text), skeleton), result) in sources.iter().zip(&skeletons).zip(compiled) {
        match result {
            Ok(t) => {
                // Only catalog partials may be included: Handlebars would also
                // accept any registered template by name, and two templates
                // including each other would overflow the stack.
                match crate::template_refs::partial_includes(&t) {
                    Err(e) => diags.push(Diagnostic::new(path, 0, 0, e)),
                    Ok(includes) => {
                        for name in includes
                            .iter()
                            .filter(|n| !catalog.partials.iter().any(|p| &&p.name == n))
                        {
                            diags.push(Diagnostic::new(
                                path,
                                0,
                                0,
                                format!("`{{{{> {name}}}}}` names no partial in partials/"),
                            ));
                        }
                    }
                }
                // A skeleton's placeholders stand for whole paragraphs.
                let raw_len = |s: &str| chunks.restored_len(s) as u64;
                if let Some(d) = check_expansion(path, &t, &expansions, catalog, &raw_len) {
                    diags.push(d);
                }
                hb.register_template(path, t);
                if skeleton.is_some() {
                    skeletal.insert(path.clone(), text);
                }
            }
            // Report against the original text, whose lines and columns the author knows.
            Err(e) => diags.push(match Template::compile_with_name(*text, path.clone()) {
                Err(orig) => template_diag(path, text, &orig),
                Ok(_) => template_diag(path, text, &e),
            }),
        }
    }
    if !diags.is_empty() {
        return Err(Failure::Invalid(diags).into());
    }
    let lookup = answers.lookup();
    let mut contexts = ModuleContexts::new(base_context(catalog, answers.to_json(), selected));
    let mut files = Vec::new();
    // Unsafe or colliding paths are safety refusals (exit 4), not mere errors.
    let mut refused = Vec::new();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let mut total = 0usize;
    for m in selected {
        contexts.enter(m, fills);
        for rel in &m.files {
            let path = m.file_path(rel);
            for target in targets(m, rel, &lookup) {
                let out_path = match render_path(
                    &hb,
                    &target,
                    &mut contexts,
                    &format!("{}/module.toml", m.dir),
                ) {
                    Ok(p) => p,
                    Err(d) => {
                        refused.push(d.to_string());
                        continue;
                    }
                };
                // Two outputs on one path: a mistake in the catalog (exit 1),
                // unlike the unsafe paths above (exit 4).
                if let Some(other) = owners.get(&out_path) {
                    diags.push(Diagnostic::new(
                        &path,
                        0,
                        0,
                        format!("renders to `{out_path}`, which module {other} also writes"),
                    ));
                    continue;
                }
                let bytes = if m.is_raw(rel) {
                    catalog.files[&path].clone()
                } else {
                    let limit = MAX_FILE_BYTES.min(MAX_OUTPUT_BYTES.saturating_sub(total));
                    let rendered = render_capped(&hb, &path, contexts.context(), limit);
                    match rendered {
                        Rendered::Text(s, values) => {
                            let s = if skeletal.contains_key(&path) {
                                chunks.restore(s)
                            } else {
                                s
                            };
                            match crate::escape::place(
                                &s,
                                &values,
                                crate::escape::syntax_for(&out_path),
                            ) {
                                // Values are placed after the capped render: measure again.
                                Ok(placed) if placed.len() > limit => {
                                    diags.push(over_limit(&path, limit));
                                    return Err(Failure::Invalid(diags).into());
                                }
                                Ok(placed) => placed.into_bytes(),
                                Err(u) => {
                                    diags.push(Diagnostic::new(
                                        &path,
                                        0,
                                        0,
                                        format!(
                                            "renders `{out_path}`, whose line {} cannot hold the value {:?}: {}",
                                            u.line, u.value, u.why
                                        ),
                                    ));
                                    continue;
                                }
                            }
                        }
                        Rendered::Over => {
                            diags.push(over_limit(&path, limit));
                            return Err(Failure::Invalid(diags).into());
                        }
                        Rendered::Failed(e) => {
                            // Re-render the original text so the error points at the author's lines.
                            let precise = skeletal
                                .get(&path)
                                .and_then(|text| {
                                    Template::compile_with_name(*text, path.clone()).ok()
                                })
                                .and_then(|t| {
                                    let mut exact = hb.clone();
                                    exact.register_template(&path, t);
                                    exact.render_with_context(&path, contexts.context()).err()
                                });
                            diags.push(render_diag(&path, precise.as_ref().unwrap_or(&e)));
                            continue;
                        }
                    }
                };
                total += bytes.len();
                owners.insert(out_path.clone(), m.id.clone());
                let mut amended_by: Vec<String> =
                    m.amendments.iter().map(|a| a.layer.clone()).collect();
                amended_by.dedup();
                files.push(RenderedFile {
                    path: out_path,
                    module: m.id.clone(),
                    bytes,
                    executable: catalog.executable.contains(&path),
                    layer: catalog
                        .is_layered()
                        .then(|| catalog.layer_of(&path).to_string()),
                    amended_by: if catalog.is_layered() {
                        amended_by
                    } else {
                        Vec::new()
                    },
                    template: path.clone(),
                });
            }
        }
    }
    if files.len() > MAX_OUTPUT_FILES {
        diags.push(Diagnostic::new(
            "catalog",
            0,
            0,
            format!(
                "the kit would have {} files, over the limit of {MAX_OUTPUT_FILES}",
                files.len()
            ),
        ));
    }
    if total > MAX_OUTPUT_BYTES {
        diags.push(Diagnostic::new(
            "catalog",
            0,
            0,
            format!("the kit would be {total} bytes, over the limit of {MAX_OUTPUT_BYTES}"),
        ));
    }
    refused.extend(paths::collisions(&owners));
    if !refused.is_empty() {
        return Err(Failure::Refused(format!(
            "unsafe output paths, nothing was written:\n  {}",
            refused.join("\n  ")
        ))
        .into());
    }
    if !diags.is_empty() {
        return Err(Failure::Invalid(diags).into());
    }
    Ok(files)
}

#[cfg(test)]
mod block_tests {
    use super::unbalanced_block;

    #[test]
    fn names_the_unclosed_the_crossed_and_the_stray_block() {
        assert_eq!(
            unbalanced_block("# T\n\n{{#if a}}\ntext\n"),
            Some((
                3,
                1,
                "the `{{#if}}` block opened here is never closed; add `{{/if}}`".into()
            ))
        );
        assert_eq!(
            unbalanced_block("{{#each xs}}\n  {{#if a}}x{{/each}}"),
            Some((
                2,
                13,
                "`{{/each}}` closes the `{{#if}}` block opened at 2:3; close that with `{{/if}}` first"
                    .into()
            ))
        );
        assert_eq!(
            unbalanced_block("x {{/unless}}"),
            Some((
                1,
                3,
                "`{{/unless}}` closes a block that was never opened".into()
            ))
        );
    }

    #[test]
    fn balanced_templates_pass() {
        for ok in [
            "{{#if a}}x{{else}}y{{/if}}",
            "{{~#each xs as |x|~}}{{x}}{{~/each~}}",
            "{{^if a}}none{{/if}} {{! {{#if}} in a comment }}",
            "{{#if (eq a \"}}\")}}q{{/if}}",
            "{{#> layout}}body{{/layout}}",
        ] {
            assert_eq!(unbalanced_block(ok), None, "{ok}");
        }
    }
}
