//! Rendering selected modules into kit files, in memory.
//!
//! Handlebars runs in strict mode (an unknown value is an error, not an empty
//! string) with HTML escaping off. Each template is registered under its
//! catalog-relative path, so every error names the file, line and column.
//! Output paths are rendered component by component and checked before
//! anything is written.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use handlebars::template::Template;
use handlebars::{
    handlebars_helper, Context, Handlebars, Helper, HelperDef, RenderContext, RenderError,
    RenderErrorReason, ScopedJson, TemplateError,
};
use serde_json::Value as Json;

use crate::catalog::{Catalog, Module};
use crate::error::{Diagnostic, Failure};
use crate::expansion::Expansion;
use crate::paths;
use crate::render_cache::{self, Keyer, RenderCache, RenderStats};
use crate::render_context::{base_context, ModuleContexts, PATH_MODE, VALUE_SEPARATOR};
use crate::render_diag::{render_diag, template_diag};
use crate::skeleton::Chunks;

pub use crate::rendered::{markers_in, Body, RenderedFile};

/// Caps that keep a hostile or broken catalog from filling the disk or the
/// memory: checked before rendering (the worst-case expansion of every
/// template) and while rendering (bytes written so far).
pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_OUTPUT_FILES: usize = 10_000;
/// One rendered kit file.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// All rendered module files of a kit together.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024 * 1024;

/// Templates compiled together before their modules are rendered: enough
/// for every core, few enough that compiled forms are never all held.
const COMPILE_BATCH: usize = 64;

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
pub fn registry(catalog: &Catalog) -> Result<Registry, Vec<Diagnostic>> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    // Values are escaped for the file they land in (see `escape`).
    hb.register_escape_fn(crate::escape::escape_fn);
    hb.register_helper("contains", Box::new(contains));
    hb.register_helper("join", Box::new(join));
    hb.register_helper(
        "label",
        Box::new(Label {
            labels: choice_labels(catalog),
        }),
    );
    let mut diags = Vec::new();
    // Handlebars overflows its stack on partials that include each other, so
    // the include graph is checked before anything renders.
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut compiled: BTreeMap<String, Template> = BTreeMap::new();
    for p in &catalog.partials {
        let text = match catalog.text(&p.path) {
            Ok(text) => text,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        if let Some(d) = crate::render_diag::too_deep(&p.path, text) {
            diags.push(d);
            continue;
        }
        match Template::compile_with_name(text, p.path.clone()) {
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
        Ok(Registry {
            hb,
            expansions,
            partials: compiled,
        })
    } else {
        Err(diags)
    }
}

/// A registry ready to render: ispo's helpers and the catalog's partials,
/// each partial's worst-case expansion, and the partials compiled (by name).
pub struct Registry {
    pub hb: Handlebars<'static>,
    pub expansions: BTreeMap<String, Expansion>,
    pub partials: BTreeMap<String, Template>,
}

/// Question id → choice value → label: what `{{label "q"}}` reads.
fn choice_labels(catalog: &Catalog) -> BTreeMap<String, BTreeMap<String, String>> {
    catalog
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
        .collect()
}

/// Compiles templates (their skeletons where there is one) on every core,
/// in the order given.
fn compile_all(
    sources: &[(String, &str)],
    skeletons: &[Option<String>],
) -> Vec<Result<Template, TemplateError>> {
    use rayon::prelude::*;
    sources
        .par_iter()
        .zip(skeletons)
        .map(|((path, text), sk)| {
            Template::compile_with_name(sk.as_deref().unwrap_or(text), path.clone())
        })
        .collect()
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

/// What an earlier render left for this one to reuse: its cache, and the
/// renders the kit's base store holds (the SHA-256 of each, as the kit's
/// state names them), of which a reused render must be one.
pub struct Reuse<'a> {
    pub cache: RenderCache,
    pub stored: &'a BTreeSet<String>,
}

/// A render: the files, the cache of what each was computed from, and how
/// much was rendered or reused.
pub struct Output {
    pub files: Vec<RenderedFile>,
    pub cache: RenderCache,
    pub stats: RenderStats,
}

/// Renders every selected module, reusing the stored render of every file
/// whose inputs are unchanged since `reuse`'s render (see `render_cache`).
/// All problems are collected and returned together; nothing is written here.
pub fn render(
    catalog: &Catalog,
    selected: &[&Module],
    answers: &crate::answers::Answers,
    fills: &BTreeMap<String, String>,
    reuse: Option<Reuse<'_>>,
) -> Result<Output> {
    let Registry {
        mut hb,
        expansions,
        partials,
    } = registry(catalog).map_err(Failure::Invalid)?;
    let mut diags = Vec::new();
    // Every selected template by path, and its identity (its git blob id),
    // known without reading a template the catalog has not read yet.
    let templates: Vec<String> = selected
        .iter()
        .flat_map(|m| {
            m.files
                .iter()
                .filter(|rel| !m.is_raw(rel))
                .map(|rel| m.file_path(rel))
        })
        .collect();
    let ids: BTreeMap<String, String> = {
        use rayon::prelude::*;
        templates
            .par_iter()
            .filter_map(|path| Some((path.clone(), catalog.blob_id(path)?)))
            .collect()
    };
    let mut chunks = Chunks::default();
    // Partial output lands inside skeleton output; a partial carrying the
    // placeholder characters itself would be misread, so then nothing is skeletal.
    let partials_clean = catalog.partials.iter().all(|p| {
        catalog
            .text(&p.path)
            .is_ok_and(|t| !t.contains([crate::skeleton::OPEN, crate::skeleton::CLOSE]))
    });
    let keyer = {
        let named: Vec<(String, &str, &Template)> = catalog
            .partials
            .iter()
            .filter_map(|p| {
                Some((
                    p.name.clone(),
                    catalog.text(&p.path).ok()?,
                    partials.get(&p.name)?,
                ))
            })
            .collect();
        let labels = serde_json::to_value(choice_labels(catalog)).unwrap_or_default();
        Keyer::new(&named, &labels, partials_clean)
    };
    let lookup = answers.lookup();
    let mut contexts = ModuleContexts::new(base_context(catalog, answers.to_json(), selected));
    let mut cache = RenderCache::new();
    let mut stats = RenderStats::default();
    let Prepass {
        hits: mut reused,
        unchanged,
    } = match reuse {
        Some(r) => reusable(
            &hb,
            selected,
            fills,
            &lookup,
            &mut contexts,
            &keyer,
            &ids,
            r,
        ),
        None => Prepass::default(),
    };
    // A reused template's outputs are the paths the pre-pass rendered.
    let mut unchanged_outs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, (deps, outs)) in unchanged {
        cache.templates.insert(path.clone(), deps);
        unchanged_outs.insert(path, outs);
    }
    let unchanged = &unchanged_outs;
    // Only templates to compile are read: all of them, one bad template not
    // hiding the others, with the raw files that will be copied.
    let raw: Vec<String> = selected
        .iter()
        .flat_map(|m| {
            m.files
                .iter()
                .filter(|rel| m.is_raw(rel))
                .map(|rel| m.file_path(rel))
        })
        .collect();
    let wanted: Vec<&str> = templates
        .iter()
        .chain(&raw)
        .filter(|p| !unchanged.contains_key(*p))
        .map(String::as_str)
        .collect();
    // An object git cannot read is a damaged repository, refused as when the
    // whole catalog is read (exit code 4), not a mistake in a template.
    if let Some((path, why)) = catalog.prefetch(&wanted) {
        return Err(Failure::Refused(format!("cannot read `{path}`: {why}")).into());
    }
    let mut sources: Vec<(String, &str)> = Vec::new();
    for path in templates.iter().filter(|p| !unchanged.contains_key(*p)) {
        match catalog.text(path) {
            Ok(text) if text.len() > MAX_TEMPLATE_BYTES => diags.push(Diagnostic::new(
                path,
                0,
                0,
                format!(
                    "template is larger than the {} MiB limit",
                    MAX_TEMPLATE_BYTES / 1024 / 1024
                ),
            )),
            Ok(text) => sources.push((path.clone(), text)),
            Err(d) => diags.push(d),
        }
    }
    // Only what is compiled needs the nesting check: a reused template
    // passed it when it was compiled for the cache.
    sources.retain(
        |(path, text)| match crate::render_diag::too_deep(path, text) {
            Some(d) => {
                diags.push(d);
                false
            }
            None => true,
        },
    );
    stats.templates_compiled = sources.len();
    // Compiled templates take more memory than the text they come from (42
    // MB for 640 modules' 30 MB): they are compiled a batch of modules at a
    // time and dropped once rendered. Every batch is compiled even after a
    // mistake, and none is rendered after one, so every compile error is
    // reported and no render error comes before them.
    let module_of: BTreeMap<String, usize> = selected
        .iter()
        .enumerate()
        .flat_map(|(i, m)| m.files.iter().map(move |rel| (m.file_path(rel), i)))
        .collect();
    let source_module: Vec<usize> = sources.iter().map(|(p, _)| module_of[p]).collect();
    let mut skeletal: BTreeMap<String, &str> = BTreeMap::new();
    let mut files = Vec::new();
    // Unsafe or colliding paths are safety refusals (exit 4), not mere errors.
    let mut refused = Vec::new();
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    let mut total = 0usize;
    let mut render_diags = Vec::new();
    let mut stopped = false;
    let (mut first, mut next) = (0, 0);
    while first < selected.len() {
        let (start, mut last) = (next, first);
        while last < selected.len() && next - start < COMPILE_BATCH {
            while next < sources.len() && source_module[next] == last {
                next += 1;
            }
            last += 1;
        }
        let batch = &sources[start..next];
        let skeletons: Vec<Option<String>> = batch
            .iter()
            .map(|(_, text)| {
                if partials_clean {
                    chunks.skeleton(text)
                } else {
                    None
                }
            })
            .collect();
        let compiled = compile_all(batch, &skeletons);
        for (((path, text), skeleton), result) in batch.iter().zip(&skeletons).zip(compiled) {
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
                    cache
                        .templates
                        .insert(path.clone(), keyer.deps(&ids[path], &t));
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
        if diags.is_empty() && !stopped {
            'render: for m in &selected[first..last] {
                contexts.enter(m, fills);
                let origin = format!("{}/module.toml", m.dir);
                for rel in &m.files {
                    let path = m.file_path(rel);
                    let outs: Vec<Result<String, Diagnostic>> = match unchanged.get(&path) {
                        Some(outs) => outs.iter().cloned().map(Ok).collect(),
                        None => targets(m, rel, &lookup)
                            .iter()
                            .map(|target| render_path(&hb, target, &mut contexts, &origin))
                            .collect(),
                    };
                    for out_path in outs {
                        let out_path = match out_path {
                            Ok(p) => p,
                            Err(d) => {
                                refused.push(d.to_string());
                                continue;
                            }
                        };
                        // Two outputs on one path: a mistake in the catalog (exit 1),
                        // unlike the unsafe paths above (exit 4).
                        if let Some(other) = owners.get(&out_path) {
                            render_diags.push(Diagnostic::new(
                                &path,
                                0,
                                0,
                                format!(
                                    "renders to `{out_path}`, which module {other} also writes"
                                ),
                            ));
                            continue;
                        }
                        // A reused render's hash is the one the cache names.
                        let mut known_sha = None;
                        let body = if m.is_raw(rel) {
                            match catalog.bytes(&path) {
                                Ok(b) => Body::Bytes(b.to_vec()),
                                Err(d) => {
                                    render_diags.push(d);
                                    continue;
                                }
                            }
                        } else if let Some(output) =
                            reused.remove(&(path.clone(), out_path.clone()))
                        {
                            stats.files_reused += 1;
                            known_sha = Some(output.sha256.clone());
                            let markers = output.markers.clone();
                            cache.outputs.insert(out_path.clone(), output);
                            Body::Stored { markers }
                        } else if unchanged.contains_key(&path) {
                            // The pre-pass saw every output of this template hit; the
                            // same inputs give the same paths, so this cannot happen.
                            anyhow::bail!(
                                "internal error: the render cache lost `{out_path}` of `{path}`"
                            );
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
                                            render_diags.push(over_limit(&path, limit));
                                            stopped = true;
                                            break 'render;
                                        }
                                        // Kept for the whole run, so without the
                                        // slack growing a string leaves (up to 2×).
                                        Ok(placed) => {
                                            let mut bytes = placed.into_bytes();
                                            bytes.shrink_to_fit();
                                            Body::Bytes(bytes)
                                        }
                                        Err(u) => {
                                            render_diags.push(Diagnostic::new(
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
                                    render_diags.push(over_limit(&path, limit));
                                    stopped = true;
                                    break 'render;
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
                                            exact
                                                .render_with_context(&path, contexts.context())
                                                .err()
                                        });
                                    render_diags
                                        .push(render_diag(&path, precise.as_ref().unwrap_or(&e)));
                                    continue;
                                }
                            }
                        };
                        let bytes = body.bytes();
                        let sha256 = match (known_sha, bytes) {
                            (Some(sha), _) => sha,
                            (None, Some(b)) => crate::store::sha256(b),
                            (None, None) => {
                                unreachable!("only a reused render has no bytes, and its hash")
                            }
                        };
                        if let (false, Some(bytes)) =
                            (m.is_raw(rel) || unchanged.contains_key(&path), bytes)
                        {
                            stats.files_rendered += 1;
                            let key = cache
                                .templates
                                .get(&path)
                                .and_then(|d| keyer.key(&path, d, &out_path, contexts.data()));
                            if let Some(key) = key {
                                cache.outputs.insert(
                                    out_path.clone(),
                                    render_cache::Output {
                                        key,
                                        sha256: sha256.clone(),
                                        markers: markers_in(bytes),
                                    },
                                );
                            }
                        }
                        // A reused render was measured when it was made.
                        total += bytes.map_or(0, <[u8]>::len);
                        owners.insert(out_path.clone(), m.id.clone());
                        let mut amended_by: Vec<String> =
                            m.amendments.iter().map(|a| a.layer.clone()).collect();
                        amended_by.dedup();
                        files.push(RenderedFile {
                            path: out_path,
                            module: m.id.clone(),
                            body,
                            sha256,
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
                    // Every output of this template is rendered: its compiled form
                    // goes, so compiled templates and renders are not all held at once.
                    hb.unregister_template(&path);
                }
            }
        }
        first = last;
    }
    if !diags.is_empty() {
        return Err(Failure::Invalid(diags).into());
    }
    let mut diags = render_diags;
    if stopped {
        return Err(Failure::Invalid(diags).into());
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
    Ok(Output {
        files,
        cache,
        stats,
    })
}

/// (template, kit path of its output) → its key, hash and markers.
type Hits = BTreeMap<(String, String), render_cache::Output>;

/// What the pre-pass found reusable: every output of the unchanged
/// templates with its cached render, and per unchanged template what it
/// reads and its output paths, in target order.
#[derive(Default)]
struct Prepass {
    hits: Hits,
    unchanged: BTreeMap<String, (render_cache::Deps, Vec<String>)>,
}

/// The pre-pass of an update: for every template whose bytes are unchanged
/// and whose reads are recorded, the key of each of its outputs; where
/// every output's key matches the cache and its render is in the store,
/// the template needs no compiling and its renders are reused. The cache's
/// entries move into the result, which needs no copy of them.
#[allow(clippy::too_many_arguments)]
fn reusable(
    hb: &Handlebars<'_>,
    selected: &[&Module],
    fills: &BTreeMap<String, String>,
    lookup: &dyn Fn(&str) -> Option<crate::value::Answer>,
    contexts: &mut ModuleContexts,
    keyer: &Keyer,
    ids: &BTreeMap<String, String>,
    reuse: Reuse<'_>,
) -> Prepass {
    let Reuse { mut cache, stored } = reuse;
    let mut found = Prepass::default();
    for m in selected {
        contexts.enter(m, fills);
        let origin = format!("{}/module.toml", m.dir);
        for rel in m.files.iter().filter(|rel| !m.is_raw(rel)) {
            let path = m.file_path(rel);
            let Some(deps) = ids.get(&path).and_then(|id| cache.deps(&path, id)) else {
                continue;
            };
            let outs: Option<Vec<String>> = targets(m, rel, lookup)
                .iter()
                .map(|target| {
                    let out = render_path(hb, target, contexts, &origin).ok()?;
                    let key = keyer.key(&path, deps, &out, contexts.data())?;
                    let output = cache.hit(&out, &key)?;
                    stored.contains(&output.sha256).then_some(out)
                })
                .collect();
            let Some(outs) = outs else {
                continue;
            };
            for out in &outs {
                if let Some(output) = cache.outputs.remove(out) {
                    found.hits.insert((path.clone(), out.clone()), output);
                }
            }
            if let Some(deps) = cache.templates.remove(&path) {
                found.unchanged.insert(path, (deps, outs));
            }
        }
    }
    found
}
