//! `ispo catalog lint`: every check a catalog can get without rendering a kit.
//!
//! Loading already checks the schema, ids, references and conditions. Lint
//! adds the template checks: every template parses, names only values that
//! exist (questions, the module's declared fill-ins, ispo's own values),
//! calls only known helpers and partials, partials do not include each other
//! in a cycle, and output paths are safe and do not collide.

use std::collections::{BTreeMap, BTreeSet};

use handlebars::template::{Template, TemplateElement};

use crate::catalog::{Catalog, Module};
use crate::error::Diagnostic;
use crate::paths;
use crate::render;
use crate::template_refs::{walk, Refs, HELPERS};

/// Lints a loaded catalog; returns (errors, warnings).
pub fn lint(catalog: &Catalog) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let registry = render::registry(catalog);
    if let Err(d) = &registry {
        errors.extend(d.iter().cloned());
    }
    let expansions = registry.map(|r| r.expansions).unwrap_or_default();
    let partial_names: BTreeSet<&str> = catalog.partials.iter().map(|p| p.name.as_str()).collect();
    let questions: BTreeSet<&str> = catalog.questions.iter().map(|q| q.id.as_str()).collect();

    // Partials: references, values, cycles; the fill-ins each one uses are
    // checked against every module that includes it.
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut partial_fills: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &catalog.partials {
        let Ok(text) = catalog.text(&p.path) else {
            continue;
        };
        if let Ok(t) = Template::compile(text) {
            let mut refs = Refs::default();
            walk(&t, false, (1, 1), &mut refs);
            check_partials(&p.path, &refs, &partial_names, &mut errors);
            check_helpers(&p.path, &refs, &mut errors);
            let fills = check_values(&p.path, &refs, &questions, None, &mut errors);
            partial_fills.insert(p.name.clone(), fills);
            graph.insert(
                p.name.clone(),
                refs.partials.into_iter().map(|r| r.0).collect(),
            );
        }
    }
    // Defaults rendered from earlier answers may only name earlier questions.
    for (i, q) in catalog.questions.iter().enumerate() {
        if let Some(crate::question::Default::Template(t)) = &q.default {
            let earlier: BTreeSet<&str> = catalog.questions[..i]
                .iter()
                .map(|q| q.id.as_str())
                .collect();
            if let Ok(tpl) = Template::compile(t) {
                let mut refs = Refs::default();
                walk(&tpl, false, (1, 1), &mut refs);
                for (h, _, _) in &refs.helpers {
                    if !HELPERS[..16].contains(&h.as_str()) {
                        errors.push(Diagnostic::new(
                            "questions.toml",
                            0,
                            0,
                            format!(
                                "the default of `{}` calls `{h}`, which defaults cannot use",
                                q.id
                            ),
                        ));
                    }
                }
                for (v, _, _, scoped) in &refs.values {
                    let first = v.split(['.', '/']).next().unwrap_or("");
                    if !scoped && !earlier.contains(first) && !v.starts_with('@') && v != "this" {
                        errors.push(Diagnostic::new(
                            "questions.toml",
                            0,
                            0,
                            format!("the default of `{}` uses `{v}`, which is not a question asked before it", q.id),
                        ));
                    }
                }
            }
        }
    }

    fill_examples(catalog, &mut errors);

    let mut used_fills: BTreeSet<String> = BTreeSet::new();
    let mut static_targets: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for m in &catalog.modules {
        let fills: BTreeSet<&str> = m.fills.iter().map(|f| f.id.as_str()).collect();
        for rel in &m.files {
            let path = m.file_path(rel);
            for target in targets_of(m, rel) {
                check_target(
                    catalog,
                    m,
                    &target.0,
                    target.1,
                    &mut static_targets,
                    &mut errors,
                );
            }
            if m.is_raw(rel) {
                continue;
            }
            let text = match catalog.text(&path) {
                Ok(t) => t,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            if let Some(d) = crate::render_diag::too_deep(&path, text) {
                errors.push(d);
                continue;
            }
            let template = match Template::compile_with_name(text, path.clone()) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(crate::render_diag::template_diag(&path, text, &e));
                    continue;
                }
            };
            if let Some(d) =
                render::check_expansion(&path, &template, &expansions, catalog, &|s| s.len() as u64)
            {
                errors.push(d);
            }
            raw_values_warning(&path, m, rel, &template, &mut warnings);
            let mut refs = Refs::default();
            walk(&template, false, (1, 1), &mut refs);
            check_partials(&path, &refs, &partial_names, &mut errors);
            check_helpers(&path, &refs, &mut errors);
            for (name, line, col) in &refs.decorators {
                errors.push(Diagnostic::new(
                    &path,
                    *line,
                    *col,
                    format!("`{{{{#*{name}}}}}` is not supported; put shared text in partials/"),
                ));
            }
            used_fills.extend(check_values(
                &path,
                &refs,
                &questions,
                Some((m, &fills)),
                &mut errors,
            ));
            for (p, line, col) in &refs.partials {
                for id in partial_fills.get(p).into_iter().flatten() {
                    used_fills.insert(id.clone());
                    if !fills.contains(id.as_str()) {
                        errors.push(Diagnostic::new(
                            &path,
                            *line,
                            *col,
                            format!("partial `{p}` uses fill-in `{id}`, which module {} does not declare", m.id),
                        ));
                    }
                }
            }
        }
        if m.challenges.is_empty() {
            warnings.push(Diagnostic::new(
                &format!("{}/module.toml", m.dir),
                0,
                0,
                "the module addresses no challenge, so the kit index cannot place it",
            ));
        }
        if m.files.is_empty() {
            errors.push(Diagnostic::new(
                &format!("{}/module.toml", m.dir),
                0,
                0,
                "the module has no files under files/",
            ));
        }
    }
    for f in catalog.all_fills().keys() {
        if !used_fills.contains(f) {
            let file = match catalog.modules.iter().find(|m| {
                m.fills.iter().any(|x| &x.id == f) && !catalog.fills.iter().any(|x| &x.id == f)
            }) {
                Some(m) => format!("{}/module.toml", m.dir),
                None => "fills.toml".to_string(),
            };
            warnings.push(Diagnostic::new(
                &file,
                0,
                0,
                format!("fill-in `{f}` is declared but no template uses it"),
            ));
        }
    }
    for q in &catalog.questions {
        if q.pattern.is_some() && q.pattern_message.is_none() {
            warnings.push(Diagnostic::new(
                "questions.toml",
                0,
                0,
                format!("question `{}` has a `pattern` but no `pattern_message`: a refused answer is shown the regular expression", q.id),
            ));
        }
    }
    for c in &catalog.challenges {
        if !catalog.modules.iter().any(|m| m.challenges.contains(&c.id)) {
            warnings.push(Diagnostic::new(
                "challenges.toml",
                0,
                0,
                format!("challenge {} is addressed by no module", c.id),
            ));
        }
    }
    // A big file beside a module's files reaches no kit, yet every copy of
    // the catalog (and the built-in one in every ispo binary) carries it.
    for (path, bytes) in &catalog.files {
        let in_module_folder = path
            .strip_prefix("modules/")
            .and_then(|p| p.split_once('/'))
            .is_some_and(|(_, rest)| rest != "module.toml" && !rest.starts_with("files/"));
        if in_module_folder && bytes.len() > STRAY_FILE_BYTES {
            warnings.push(Diagnostic::new(
                path,
                0,
                0,
                format!(
                    "{} KiB outside the module's files/: no kit gets it, but every copy of the catalog carries it; remove it (or move it under files/ if a kit needs it)",
                    bytes.len() / 1024
                ),
            ));
        }
    }
    (errors, warnings)
}

/// Above this size, a file outside a module's `files/` earns a warning.
const STRAY_FILE_BYTES: usize = 256 * 1024;

/// Output targets of one source, each with whether it can be left out by a condition.
fn targets_of(m: &Module, rel: &str) -> Vec<(String, bool)> {
    let outs: Vec<_> = m.outputs.iter().filter(|o| o.source == rel).collect();
    if outs.is_empty() {
        vec![(rel.to_string(), m.when.is_some())]
    } else {
        outs.iter()
            .map(|o| (o.target.clone(), m.when.is_some() || o.when.is_some()))
            .collect()
    }
}

fn check_target(
    catalog: &Catalog,
    m: &Module,
    target: &str,
    conditional: bool,
    seen: &mut BTreeMap<String, (String, bool)>,
    errors: &mut Vec<Diagnostic>,
) {
    let origin = format!("{}/module.toml", m.dir);
    if target.contains("{{") {
        if let Err(e) = Template::compile(target) {
            errors.push(Diagnostic::new(
                &origin,
                0,
                0,
                format!("output path `{target}`: {}", e.reason()),
            ));
        }
        return;
    }
    if let Err(why) = paths::check(target) {
        errors.push(Diagnostic::new(
            &origin,
            0,
            0,
            format!("output path `{target}` is refused: {why}"),
        ));
        return;
    }
    let key = paths::fold(target);
    if let Some((other, other_conditional)) = seen.get(&key) {
        // Two always-present outputs on one path can never both be written.
        if !conditional && !other_conditional {
            errors.push(Diagnostic::new(
                &origin,
                0,
                0,
                format!("output `{target}` is also written by module {other}"),
            ));
        }
    } else {
        seen.insert(key, (m.id.clone(), conditional));
    }
    let _ = catalog;
}

fn check_helpers(path: &str, refs: &Refs, errors: &mut Vec<Diagnostic>) {
    for (h, line, col) in &refs.helpers {
        if !HELPERS.contains(&h.as_str()) {
            errors.push(Diagnostic::new(
                path,
                *line,
                *col,
                format!("unknown helper `{h}` (helpers: {})", HELPERS.join(", ")),
            ));
        }
    }
}

/// Checks the values a template names; returns the fill-ins it uses. With a
/// module, fill-ins must be declared by it; partials are checked per includer.
fn check_values(
    path: &str,
    refs: &Refs,
    questions: &BTreeSet<&str>,
    module: Option<(&Module, &BTreeSet<&str>)>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut used = Vec::new();
    for (value, line, col, scoped) in &refs.values {
        let (rooted, v) = match value.strip_prefix("@root.") {
            Some(rest) => (true, rest),
            None => (false, value.as_str()),
        };
        if v.starts_with('@')
            || v == "this"
            || v.starts_with("this.")
            || v.starts_with("../")
            || (*scoped && !rooted)
        {
            continue;
        }
        let mut segs = v.split(['.', '/']);
        let first = segs.next().unwrap_or("");
        if first == "fill" {
            let id = segs.next().unwrap_or("");
            used.push(id.to_string());
            if let Some((m, fills)) = module {
                if !fills.contains(id) {
                    errors.push(Diagnostic::new(
                        path,
                        *line,
                        *col,
                        format!("fill-in `{id}` is not declared by module {} (add it to `fills` or a [[fill]] in its module.toml)", m.id),
                    ));
                }
            }
        } else if !questions.contains(first) && !ISPO_VALUES.contains(&first) {
            errors.push(Diagnostic::new(
                path,
                *line,
                *col,
                format!("`{v}` is not a question, a fill-in or an ispo value"),
            ));
        }
    }
    used
}

fn check_partials(path: &str, refs: &Refs, known: &BTreeSet<&str>, errors: &mut Vec<Diagnostic>) {
    for (p, line, col) in &refs.partials {
        if !known.contains(p.as_str()) {
            errors.push(Diagnostic::new(
                path,
                *line,
                *col,
                format!("unknown partial `{p}` (put it in partials/{p}.hbs)"),
            ));
        }
    }
}

/// The explicit raw form `{{{value}}}` skips the escaping that keeps a value
/// from breaking a JSON, YAML or HTML file: allowed, but reported.
fn raw_values_warning(
    path: &str,
    module: &Module,
    rel: &str,
    template: &Template,
    warnings: &mut Vec<Diagnostic>,
) {
    let escaped_syntax = targets_of(module, rel)
        .iter()
        .any(|(target, _)| crate::escape::syntax_for(target) != crate::escape::Syntax::Text);
    if !escaped_syntax {
        return;
    }
    fn visit(t: &Template, path: &str, warnings: &mut Vec<Diagnostic>) {
        for (i, el) in t.elements.iter().enumerate() {
            let (line, col) = t.mapping.get(i).map_or((0, 0), |m| (m.0, m.1));
            match el {
                TemplateElement::HtmlExpression(_) => warnings.push(Diagnostic::new(
                    path,
                    line,
                    col,
                    "`{{{...}}}` writes the value unescaped into a file whose syntax it can break; use `{{...}}` unless the catalog vouches for every value",
                )),
                TemplateElement::HelperBlock(h) => {
                    for inner in h.template.iter().chain(&h.inverse) {
                        visit(inner, path, warnings);
                    }
                }
                _ => {}
            }
        }
    }
    visit(template, path, warnings);
}

/// Values ispo adds to every template context.
const ISPO_VALUES: &[&str] = &["catalog", "modules", "module", "fill"];

/// What only a layered catalog can get wrong, as warnings: a replaced file
/// that upstream changed since, or that now equals upstream's.
pub fn layer_warnings(catalog: &Catalog) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let top = catalog.layers.last().map_or("", |l| l.name.as_str());
    for r in &catalog.replacements {
        let local = format!("amend/{}/files/{}", r.module, r.path);
        let file = if r.layer == top {
            local
        } else {
            format!("{}:{local}", r.layer)
        };
        let below = catalog
            .module(&r.module)
            .map_or("the catalog below", |m| m.origin.as_str());
        let message = if r.redundant {
            format!("this replacement is now the same as `{below}`'s file: delete it (an accepted contribution shows up this way)")
        } else {
            match &r.replaces_sha256 {
                None => format!(
                    "replaces `{below}`'s file without saying which version it was made from; add to amend/{}/amend.toml: [[file]] path = \"{}\", replaces_sha256 = \"{}\", so that lint can tell you when `{below}` changes it",
                    r.module, r.path, r.upstream_sha256
                ),
                Some(then) if then != &r.upstream_sha256 => format!(
                    "`{below}` changed this file since the replacement was made (replaces_sha256 {}, now {}): `ispo catalog refresh` merges its change into the replacement (or carry it over by hand and set replaces_sha256 = \"{}\")",
                    &then[..then.len().min(12)],
                    &r.upstream_sha256[..12],
                    r.upstream_sha256
                ),
                Some(_) => continue,
            }
        };
        out.push(Diagnostic::new(&file, 0, 0, message));
    }
    out
}

/// Examples rendered from the answers: they may name questions and use
/// Handlebars' own helpers only, and for every answer to the choice and
/// yes/no questions they name (up to `MAX_EXAMPLE_RENDERS` combinations,
/// then one question at a time), what they render must be one line of the
/// fill-in's kind.
fn fill_examples(catalog: &Catalog, errors: &mut Vec<Diagnostic>) {
    let base = sample_answers(catalog);
    let mut fills: Vec<crate::catalog::FillDecl> = catalog.all_fills().into_values().collect();
    fills.sort_by(|a, b| a.declared_in.cmp(&b.declared_in));
    for f in &fills {
        let Some(t) = f.example.as_deref().filter(|_| f.example_is_template()) else {
            continue;
        };
        let Ok(tpl) = Template::compile(t) else {
            continue; // reported when the catalog loads
        };
        let mut found: Vec<String> = Vec::new();
        let mut refs = Refs::default();
        walk(&tpl, false, (1, 1), &mut refs);
        for (h, _, _) in &refs.helpers {
            if !HELPERS[..16].contains(&h.as_str()) {
                found.push(format!("the example of `{}` calls `{h}`, which examples cannot use (only Handlebars' own helpers, such as `if` and `eq`)", f.id));
            }
        }
        let mut named: Vec<&crate::question::Question> = Vec::new();
        for (v, _, _, scoped) in &refs.values {
            let first = v.split(['.', '/']).next().unwrap_or("");
            match catalog.question(first) {
                Some(q) if !named.iter().any(|n| n.id == q.id) => named.push(q),
                Some(_) => {}
                None if *scoped || v.starts_with('@') || v == "this" => {}
                None => found.push(format!(
                    "the example of `{}` uses `{v}`, which is not a question (examples read the answers only)",
                    f.id
                )),
            }
        }
        if found.is_empty() {
            found.extend(example_renders(t, f, &base, &named));
        }
        let (file, line) = (catalog.shown_path(&f.declared_in.0), f.declared_in.1);
        errors.extend(
            found
                .into_iter()
                .map(|m| Diagnostic::new(&file, line, 1, m)),
        );
    }
}

/// An answer to every question: its preset, its literal default, or a
/// plain value of its kind.
fn sample_answers(catalog: &Catalog) -> serde_json::Map<String, serde_json::Value> {
    use crate::question::Default as D;
    use crate::value::{Answer, QuestionKind as K};
    catalog
        .questions
        .iter()
        .map(|q| {
            let first = || q.choices.first().map_or(String::new(), |c| c.value.clone());
            let a = match (&q.preset, &q.default) {
                (Some(p), _) => p.value.clone(),
                (None, Some(D::Literal(a))) => a.clone(),
                _ => match q.kind {
                    K::Bool => Answer::Bool(false),
                    K::Integer => Answer::Int(q.min.unwrap_or(1)),
                    K::Choice => Answer::Choice(first()),
                    K::Multi => Answer::Multi(vec![first()]),
                    K::Text => Answer::Text("Example".into()),
                },
            };
            (q.id.clone(), a.to_json())
        })
        .collect()
}

/// What is wrong with an example's renders, for each answer worth trying
/// to the choice and yes/no questions it names.
fn example_renders(
    t: &str,
    f: &crate::catalog::FillDecl,
    base: &serde_json::Map<String, serde_json::Value>,
    named: &[&crate::question::Question],
) -> Vec<String> {
    use crate::value::QuestionKind as K;
    use serde_json::Value as J;
    let options: Vec<(&str, Vec<(J, String)>)> = named
        .iter()
        .filter_map(|q| {
            let values: Vec<(J, String)> = match q.kind {
                K::Bool => vec![(J::Bool(true), "yes".into()), (J::Bool(false), "no".into())],
                K::Choice => q
                    .choices
                    .iter()
                    .map(|c| (J::String(c.value.clone()), c.value.clone()))
                    .collect(),
                K::Multi => q
                    .choices
                    .iter()
                    .map(|c| (serde_json::json!([c.value]), format!("[{}]", c.value)))
                    .collect(),
                _ => return None,
            };
            Some((q.id.as_str(), values))
        })
        .collect();
    // Each case: the index of the answer tried for each named question.
    let product: usize = options.iter().map(|(_, v)| v.len()).product();
    let mut cases: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
    if product <= MAX_EXAMPLE_RENDERS {
        for (o, (_, values)) in options.iter().enumerate() {
            cases = cases
                .into_iter()
                .flat_map(|c| {
                    (0..values.len()).map(move |i| {
                        let mut c = c.clone();
                        c.push((o, i));
                        c
                    })
                })
                .collect();
        }
    } else {
        for (o, (_, values)) in options.iter().enumerate() {
            cases.extend((0..values.len()).map(|i| vec![(o, i)]));
        }
    }
    let mut found = Vec::new();
    for case in cases {
        let mut ctx = base.clone();
        let mut said = Vec::new();
        for &(o, i) in &case {
            let (id, values) = &options[o];
            ctx.insert(id.to_string(), values[i].0.clone());
            said.push(format!("{id} = {}", values[i].1));
        }
        let when = if said.is_empty() {
            String::new()
        } else {
            format!(" with {}", said.join(", "))
        };
        let text = match crate::catalog::render_example(t, &ctx) {
            Ok(text) => text.trim().to_string(),
            Err(e) => {
                found.push(format!(
                    "the example of `{}` cannot be rendered{when}: {e}",
                    f.id
                ));
                break;
            }
        };
        if text.is_empty() {
            continue;
        }
        let fits = crate::question::check_value(&text, false).and_then(|()| f.kind.check(&text));
        if let Err(why) = fits {
            found.push(format!(
                "the example of `{}`{when} does not fit its kind `{}`: {why}",
                f.id,
                f.kind.name()
            ));
        }
    }
    found
}

/// Renders of one example template that lint tries before it falls back to
/// varying one question at a time.
const MAX_EXAMPLE_RENDERS: usize = 256;
