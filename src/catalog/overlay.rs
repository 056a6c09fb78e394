//! A catalog stack: the lowest catalog loaded as usual, then each layer
//! above it applied in turn. A layer adds modules, questions, fill-ins,
//! challenges, audiences and partials of its own; amends modules of lower
//! layers (`amend/<id>/`) and their questions (`[[amend]]`); hides modules;
//! and gives catalog-wide fill-in values. Every problem of every layer is
//! reported at once, at the layer's file and line (lower layers' files are
//! named `<layer>:<path>`).

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::lazy::LazyFiles;
use super::load::*;
use super::model::*;
use super::raw::*;
use super::refuse::refuse_code;
use crate::condition::Condition;
use crate::error::{Diagnostic, Failure};
use crate::question::{Choice, Default, Preset};
use crate::value::QuestionKind;

impl Catalog {
    /// Loads a stack of catalogs, lowest first, each given as (name it is
    /// known by, files). One entry is the same as `Catalog::load`.
    pub fn load_stack(layers: Vec<(String, Files)>) -> Result<Catalog, Failure> {
        let count = layers.len();
        let mut layers = layers.into_iter();
        let Some((bottom_name, bottom)) = layers.next() else {
            return Err(Failure::Usage("no catalog to load".into()));
        };
        let named = |name: &str, f: Failure| {
            if count > 1 {
                prefixed(name, f)
            } else {
                f
            }
        };
        let mut catalog = Catalog::load(bottom).map_err(|f| named(&bottom_name, f))?;
        for (i, (name, files)) in layers.enumerate() {
            let top = i + 2 == count;
            let mut diags = Vec::new();
            apply(&mut catalog, files, &mut diags).map_err(|f| named(&name, f))?;
            if !diags.is_empty() {
                let f = Failure::Invalid(diags);
                return Err(if top { f } else { prefixed(&name, f) });
            }
        }
        Ok(catalog)
    }
}

/// Names the layer in front of each file of a lower layer's diagnostics.
fn prefixed(layer: &str, f: Failure) -> Failure {
    match f {
        Failure::Invalid(diags) => Failure::Invalid(
            diags
                .into_iter()
                .map(|mut d| {
                    d.file = format!("{layer}:{}", d.file);
                    d
                })
                .collect(),
        ),
        Failure::Refused(m) => Failure::Refused(format!("catalog `{layer}`: {m}")),
        other => other,
    }
}

/// Applies one layer's files on top of `cat`.
fn apply(cat: &mut Catalog, files: Files, diags: &mut Vec<Diagnostic>) -> Result<(), Failure> {
    let mut files = files;
    let executable: Vec<String> = files
        .remove(EXECUTABLE_KEY)
        .map(|list| {
            String::from_utf8_lossy(&list)
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    refuse_code(&files)?;
    let Some(parts) = read_manifest(&files, diags) else {
        return Ok(());
    };
    let layer = parts.manifest.name.clone();
    let msrc = Src {
        path: "catalog.toml",
        text: &parts.text,
    };
    if cat.layers.iter().any(|l| l.name == layer) {
        diags.push(Diagnostic::new(
            "catalog.toml",
            1,
            1,
            format!("this catalog is named `{layer}`, like a catalog it builds on; each layer needs its own name"),
        ));
    }
    add_audiences(cat, &msrc, parts.audiences, diags);
    add_challenges(cat, &files, diags);
    add_fills(cat, &files, diags);
    questions(cat, &layer, &files, diags);
    partials(cat, &layer, &files, &msrc, &parts.override_partials, diags);
    cat.layers.push(LayerInfo {
        name: layer.clone(),
        version: parts.manifest.version.clone(),
    });
    cat.manifest = parts.manifest;
    add_modules(cat, &files, diags);
    let amended: BTreeSet<String> = files
        .keys()
        .filter_map(|p| p.strip_prefix("amend/")?.split_once('/'))
        .map(|(id, _)| id.to_string())
        .collect();
    for id in &amended {
        amend_module(cat, &layer, id, &files, diags);
    }
    hide(cat, &layer, &msrc, &parts.hide, diags);
    let values = fill_values(cat, &files, diags);
    cat.fill_values.extend(values);
    for path in executable {
        let effective = match path.strip_prefix("amend/") {
            Some(rest) => format!("modules/{rest}"),
            None => path,
        };
        cat.executable.insert(effective);
    }
    Ok(())
}

/// Where an id of a lower layer is best changed, for the "already exists" error.
fn exists_below(what: &str, id: &str, layer: &str, how: &str) -> String {
    format!("{what} `{id}` already exists in the catalog `{layer}`: {how}, or pick a new id")
}

fn add_audiences(
    cat: &mut Catalog,
    msrc: &Src<'_>,
    audiences: Vec<Audience>,
    diags: &mut Vec<Diagnostic>,
) {
    let below = cat
        .layers
        .last()
        .map_or("", |l| l.name.as_str())
        .to_string();
    for a in audiences {
        if cat.audience(&a.id).is_some() {
            diags.push(Diagnostic::at(
                msrc.path,
                msrc.text,
                msrc.text.find(&format!("\"{}\"", a.id)).unwrap_or(0),
                exists_below("audience", &a.id, &below, "use it as it is"),
            ));
            continue;
        }
        cat.audiences.push(a);
    }
}

fn add_challenges(cat: &mut Catalog, files: &Files, diags: &mut Vec<Diagnostic>) {
    for c in load_challenges(files, diags) {
        if cat.challenge(&c.id).is_some() {
            diags.push(Diagnostic::new(
                "challenges.toml",
                0,
                0,
                exists_below("challenge", &c.id, &cat.manifest.name, "use it as it is"),
            ));
            continue;
        }
        cat.challenges.push(c);
    }
}

fn add_fills(cat: &mut Catalog, files: &Files, diags: &mut Vec<Diagnostic>) {
    let known = cat.all_fills();
    for f in load_fills(files, diags) {
        if known.contains_key(&f.id) {
            diags.push(Diagnostic::new(
                "fills.toml",
                0,
                0,
                exists_below(
                    "fill-in",
                    &f.id,
                    &cat.manifest.name,
                    "give it a company value under [values] instead",
                ),
            ));
            continue;
        }
        cat.fills.push(f);
    }
}

/// New questions (after the lower layers' ones) and `[[amend]]` of theirs.
fn questions(cat: &mut Catalog, layer: &str, files: &Files, diags: &mut Vec<Diagnostic>) {
    let path = "questions.toml";
    let Some((raw, text)) = read_optional::<RawQuestions>(files, path, diags) else {
        return;
    };
    let src = Src { path, text };
    let below = cat.manifest.name.clone();
    for rq in raw.question {
        if cat.question(rq.id.get_ref()).is_some() {
            diags.push(src.at(
                &rq.id,
                exists_below(
                    "question",
                    rq.id.get_ref(),
                    &below,
                    &format!(
                        "change it with [[amend]] question = \"{}\"",
                        rq.id.get_ref()
                    ),
                ),
            ));
            continue;
        }
        if let Some(q) = build_question(&src, rq, &cat.questions, diags) {
            cat.questions.push(q);
        }
    }
    for a in raw.amend {
        amend_question(cat, layer, &src, a, diags);
    }
}

fn amend_question(
    cat: &mut Catalog,
    layer: &str,
    src: &Src<'_>,
    a: RawQuestionAmend,
    diags: &mut Vec<Diagnostic>,
) {
    let id = a.question.get_ref().clone();
    let Some(index) = cat.questions.iter().position(|q| q.id == id) else {
        let hint = crate::suggest::hint(crate::suggest::closest_name(
            &id,
            cat.questions.iter().map(|q| q.id.as_str()),
        ));
        diags.push(src.at(
            &a.question,
            format!(
                "[[amend]] names question `{id}`, which no catalog below `{layer}` declares{hint}"
            ),
        ));
        return;
    };
    let q = &mut cat.questions[index];
    if let Some(k) = &a.kind {
        if QuestionKind::parse(k.get_ref()) != Some(q.kind) {
            diags.push(src.at(
                k,
                format!(
                    "a layer cannot change the type of `{id}`: it is {} question; add a question of your own instead",
                    q.kind.with_article()
                ),
            ));
        }
    }
    if let Some(p) = a.prompt {
        q.prompt = p;
    }
    if let Some(h) = a.help {
        q.help = Some(h);
    }
    for c in &a.add_choices {
        let rc = c.get_ref();
        if !matches!(q.kind, QuestionKind::Choice | QuestionKind::Multi) {
            diags.push(src.at(
                c,
                format!(
                    "`{id}` is {} question and has no choices",
                    q.kind.with_article()
                ),
            ));
            break;
        }
        if !is_choice_value(&rc.value) {
            diags.push(src.at(
                c,
                format!(
                    "choice value `{}` must use only a-z, 0-9, `_` and `-`",
                    rc.value
                ),
            ));
        } else if q.choices.iter().any(|x| x.value == rc.value) {
            diags.push(src.at(c, format!("`{id}` already has the choice `{}`", rc.value)));
        } else {
            q.choices.push(Choice {
                value: rc.value.clone(),
                label: rc.label.clone().unwrap_or_else(|| rc.value.clone()),
                help: rc.help.clone(),
                renamed_from: rc.renamed_from.clone(),
            });
        }
    }
    for h in &a.hide_choices {
        match q.choices.iter().position(|c| &c.value == h.get_ref()) {
            Some(i) => {
                q.choices.remove(i);
            }
            None => diags.push(src.at(
                h,
                format!(
                    "`{id}` has no choice `{}` to hide (its choices: {})",
                    h.get_ref(),
                    q.choice_values().join(", ")
                ),
            )),
        }
    }
    if q.choices.is_empty() && matches!(q.kind, QuestionKind::Choice | QuestionKind::Multi) {
        diags.push(src.at(
            &a.question,
            format!("hiding every choice leaves `{id}` with none"),
        ));
    }
    let q = cat.questions[index].clone();
    if let Some(d) = &a.default {
        cat.questions[index].default = default_of(src, &q, d, diags);
    } else if let Some(Default::Literal(old)) = &q.default {
        // A hidden choice may have been the lower layer's default.
        if let Err(e) = q.accept_toml(&old.to_toml()) {
            diags.push(src.at(
                &a.question,
                format!("the default of `{id}` no longer fits: {e}; set a `default` here"),
            ));
        }
    }
    if let Some(p) = &a.preset {
        match q.accept_toml(p.get_ref()) {
            Ok(value) => {
                cat.questions[index].preset = Some(Preset {
                    value,
                    layer: layer.to_string(),
                })
            }
            Err(e) => diags.push(src.at(p, format!("preset of `{id}` is invalid: {e}"))),
        }
    } else if let Some(p) = &q.preset {
        // A lower layer's preset must still be one of the choices.
        if let Err(e) = q.accept_toml(&p.value.to_toml()) {
            diags.push(src.at(
                &a.question,
                format!(
                    "the preset of `{id}` set by `{}` no longer fits: {e}",
                    p.layer
                ),
            ));
        }
    }
}

fn partials(
    cat: &mut Catalog,
    layer: &str,
    files: &Files,
    msrc: &Src<'_>,
    overrides: &[Spanned<String>],
    diags: &mut Vec<Diagnostic>,
) {
    let declared: BTreeSet<&str> = overrides.iter().map(|o| o.get_ref().as_str()).collect();
    for o in overrides {
        if cat.partials.iter().all(|p| &p.name != o.get_ref()) {
            diags.push(msrc.at(
                o,
                format!(
                    "`override_partials` names `{}`, which no catalog below `{layer}` has",
                    o.get_ref()
                ),
            ));
        }
    }
    for (path, bytes) in files {
        let Some(name) = path
            .strip_prefix("partials/")
            .and_then(|p| p.strip_suffix(".hbs"))
        else {
            continue;
        };
        let exists = cat.partials.iter().any(|p| p.name == name);
        if exists && !declared.contains(name) {
            diags.push(Diagnostic::new(
                path,
                0,
                0,
                format!("the partial `{name}` already exists in the catalog `{}`: replacing it changes every module that uses it, so declare it with `override_partials = [\"{name}\"]` under [catalog], or pick a new name", cat.manifest.name),
            ));
            continue;
        }
        if !exists {
            cat.partials.push(Partial {
                name: name.to_string(),
                path: path.clone(),
            });
        }
        cat.files.insert(path.clone(), bytes.clone());
        cat.origins.insert(path.clone(), layer.to_string());
    }
}

fn add_modules(cat: &mut Catalog, files: &Files, diags: &mut Vec<Diagnostic>) {
    let mut dirs = module_dirs(files, &LazyFiles::default());
    for dir in dirs.clone() {
        if let Some(m) = cat.module(&dir) {
            diags.push(Diagnostic::new(
                &format!("modules/{dir}/module.toml"),
                0,
                0,
                exists_below(
                    "module",
                    &dir,
                    &m.origin,
                    &format!("amend it in amend/{dir}/ (amend.toml, files/)"),
                ),
            ));
            dirs.remove(&dir);
        }
    }
    for (path, bytes) in files {
        let dir = path
            .strip_prefix("modules/")
            .and_then(|p| p.split_once('/'))
            .map(|(d, _)| d);
        if dir.is_some_and(|d| dirs.contains(d)) {
            cat.files.insert(path.clone(), bytes.clone());
        }
    }
    let mut known: BTreeSet<String> = cat.modules.iter().map(|m| m.id.clone()).collect();
    known.extend(dirs.iter().cloned());
    let added = load_modules(cat, &dirs, &known, diags);
    cat.modules.extend(added);
}

/// `amend/<id>/`: amend.toml's changes, then its files replace, add or remove.
fn amend_module(
    cat: &mut Catalog,
    layer: &str,
    id: &str,
    files: &Files,
    diags: &mut Vec<Diagnostic>,
) {
    let path = format!("amend/{id}/amend.toml");
    let Some(index) = cat.modules.iter().position(|m| m.id == id) else {
        let hint = crate::suggest::hint(crate::suggest::closest_name(
            id,
            cat.modules.iter().map(|m| m.id.as_str()),
        ));
        let why = match cat.hidden.get(id) {
            Some(by) => format!(", and the catalog `{by}` hides it"),
            None => String::new(),
        };
        diags.push(Diagnostic::new(
            &format!("amend/{id}/"),
            0,
            0,
            format!("the catalog `{layer}` amends module `{id}`, which no catalog below it has{why}{hint}"),
        ));
        return;
    };
    let (raw, text) = match read_optional::<RawAmend>(files, &path, diags) {
        Some((raw, text)) => (raw, text),
        None if files.contains_key(&path) => return, // reported
        None => (RawAmend::default(), ""),
    };
    let src = Src { path: &path, text };
    let mut changes: Vec<String> = Vec::new();
    amend_fields(
        cat,
        index,
        raw.title.clone(),
        raw.summary.clone(),
        &mut changes,
    );
    amend_condition(
        cat,
        index,
        &src,
        [&raw.when, &raw.when_and, &raw.when_or],
        &mut changes,
        diags,
    );
    amend_lists(cat, index, &src, &raw.add, true, &mut changes, diags);
    amend_lists(cat, index, &src, &raw.remove, false, &mut changes, diags);
    amend_files(cat, layer, index, &src, &raw, files, &mut changes, diags);
    if !changes.is_empty() {
        cat.modules[index].amendments.push(Amendment {
            layer: layer.to_string(),
            changes,
        });
    }
}

fn amend_fields(
    cat: &mut Catalog,
    index: usize,
    title: Option<String>,
    summary: Option<String>,
    changes: &mut Vec<String>,
) {
    let m = &mut cat.modules[index];
    if let Some(t) = title.filter(|t| t != &m.title) {
        m.title = t;
        changes.push("title".into());
    }
    if let Some(s) = summary.filter(|s| s != &m.summary) {
        m.summary = s;
        changes.push("summary".into());
    }
}

fn amend_condition(
    cat: &mut Catalog,
    index: usize,
    src: &Src<'_>,
    [when, when_and, when_or]: [&Option<Spanned<String>>; 3],
    changes: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let given: Vec<(&str, &Spanned<String>)> =
        [("when", when), ("when_and", when_and), ("when_or", when_or)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
            .collect();
    if given.len() > 1 {
        diags.push(src.at(
            given[1].1,
            "use one of `when` (replace), `when_and` (narrow) or `when_or` (widen)",
        ));
        return;
    }
    let Some((key, cond)) = given.first() else {
        return;
    };
    let shapes = |q: &str| cat.shape(q);
    let Some(new) = src.condition(cond, &shapes, diags) else {
        return;
    };
    let old = cat.modules[index].when.clone();
    let composed = match (*key, old) {
        ("when", _) | (_, None) => Some(new),
        (op, Some(old)) => {
            let join = if op == "when_and" { "and" } else { "or" };
            Condition::parse(&format!("({}) {join} ({})", old.source, new.source)).ok()
        }
    };
    cat.modules[index].when = composed;
    changes.push((*key).to_string());
}

fn amend_lists(
    cat: &mut Catalog,
    index: usize,
    src: &Src<'_>,
    edit: &RawListEdit,
    add: bool,
    changes: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let verb = if add { "add" } else { "remove" };
    let module_id = cat.modules[index].id.clone();
    let mut redundant = Vec::new();
    for (name, items) in [
        ("challenges", &edit.challenges),
        ("audiences", &edit.audiences),
        ("requires", &edit.requires),
        ("conflicts", &edit.conflicts),
    ] {
        for item in items {
            let v = item.get_ref();
            let exists = match name {
                "challenges" => cat.challenge(v).is_some(),
                "audiences" => cat.audience(v).is_some(),
                _ => cat.module(v).is_some() && v != &module_id,
            };
            if add && !exists {
                let what = match name {
                    "challenges" => "no such challenge",
                    "audiences" => "no such audience",
                    _ if v == &module_id => "a module cannot name itself",
                    _ => "no such module",
                };
                diags.push(src.at(item, format!("{verb}.{name}: `{v}`: {what}")));
                continue;
            }
            let m = &mut cat.modules[index];
            let list = match name {
                "challenges" => &mut m.challenges,
                "audiences" => &mut m.audiences,
                "requires" => &mut m.requires,
                _ => &mut m.conflicts,
            };
            let at = list.iter().position(|x| x == v);
            match (add, at) {
                (true, None) => list.push(v.clone()),
                (false, Some(i)) => {
                    list.remove(i);
                }
                (false, None) if !exists && name != "challenges" && name != "audiences" => {
                    diags.push(src.at(item, format!("{verb}.{name}: `{v}`: no such module")));
                    continue;
                }
                // Upstream made the same change (an accepted contribution):
                // nothing to do, and lint says the line can go.
                _ => {
                    let now = if add {
                        "already lists"
                    } else {
                        "no longer lists"
                    };
                    redundant.push(src.at(
                        item,
                        format!("{verb}.{name}: `{module_id}` {now} `{v}` below this catalog: the line is redundant, delete it"),
                    ));
                    continue;
                }
            }
            changes.push(format!("{}{name} {v}", if add { "+" } else { "-" }));
        }
    }
    cat.warnings.extend(redundant);
}

#[allow(clippy::too_many_arguments)]
fn amend_files(
    cat: &mut Catalog,
    layer: &str,
    index: usize,
    src: &Src<'_>,
    raw: &RawAmend,
    files: &Files,
    changes: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) {
    let id = cat.modules[index].id.clone();
    let prefix = format!("amend/{id}/files/");
    let declared: BTreeMap<&str, &RawAmendFile> = raw
        .file
        .iter()
        .map(|f| (f.path.get_ref().as_str(), f))
        .collect();
    let given: BTreeMap<&str, &Vec<u8>> = files
        .iter()
        .filter_map(|(p, b)| Some((p.strip_prefix(&prefix)?, b)))
        .collect();
    for f in &raw.file {
        if !given.contains_key(f.path.get_ref().as_str()) {
            diags.push(src.at(
                &f.path,
                format!(
                    "[[file]] names `{}`, but {prefix}{} does not exist",
                    f.path.get_ref(),
                    f.path.get_ref()
                ),
            ));
        }
    }
    let (mut replaced, mut added, mut removed) = (0, 0, 0);
    for (rel, bytes) in &given {
        let target = format!("modules/{id}/files/{rel}");
        let upstream_has = cat.modules[index].files.iter().any(|f| f == rel);
        let decl = declared.get(rel);
        if upstream_has {
            if let Some(d) = decl.filter(|d| d.add) {
                diags.push(src.at(
                    &d.path,
                    format!("`{rel}` is declared `add = true`, but `{id}` now has a file at that path in the catalog `{}`; make this a replacement (drop `add`) or move the file", cat.layer_of(&target)),
                ));
                continue;
            }
            let upstream = cat.files.get(&target).cloned().unwrap_or_default();
            let below = cat.layer_of(&target).to_string();
            let below_path = if cat.modules[index].origin == below {
                target.clone()
            } else {
                format!("amend/{id}/files/{rel}")
            };
            note_replacement(
                cat,
                (layer, &id, rel),
                (below, below_path),
                (&upstream, bytes),
                decl.copied(),
            );
            replaced += 1;
        } else {
            if let Some(sha) = decl.and_then(|d| d.replaces_sha256.as_ref()) {
                diags.push(src.at(
                    sha,
                    format!("`{rel}` replaces a file of `{id}` that the catalog below no longer has (deleted or renamed upstream?); move the change to the file's new path, or declare it `add = true`"),
                ));
                continue;
            }
            cat.modules[index].files.push(rel.to_string());
            cat.modules[index].files.sort();
            added += 1;
        }
        cat.files.insert(target.clone(), (*bytes).clone());
        cat.origins.insert(target, layer.to_string());
    }
    for r in &raw.remove_files {
        let rel = r.get_ref();
        let m = &mut cat.modules[index];
        match m.files.iter().position(|f| f == rel) {
            Some(i) => {
                m.files.remove(i);
                m.outputs.retain(|o| &o.source != rel);
                cat.files.remove(&format!("modules/{id}/files/{rel}"));
                removed += 1;
            }
            None => diags.push(src.at(
                r,
                format!("remove_files: `{id}` has no file `{rel}` (deleted or renamed upstream?); its files: {}", m.files.join(", ")),
            )),
        }
    }
    for (n, what) in [
        (replaced, "replaced"),
        (added, "added"),
        (removed, "removed"),
    ] {
        if n > 0 {
            changes.push(format!("{n} file{} {what}", if n == 1 { "" } else { "s" }));
        }
    }
}

/// Keeps what lint needs to say about a replaced file: whether upstream
/// changed it since the replacement was made, or the replacement now equals it.
fn note_replacement(
    cat: &mut Catalog,
    (layer, module, rel): (&str, &str, &str),
    (below, below_path): (String, String),
    (upstream, ours): (&[u8], &[u8]),
    decl: Option<&RawAmendFile>,
) {
    use sha2::{Digest, Sha256};
    let now = format!("{:x}", Sha256::digest(upstream));
    cat.replacements.push(Replacement {
        layer: layer.to_string(),
        module: module.to_string(),
        path: rel.to_string(),
        below,
        below_path,
        upstream_sha256: now,
        replaces_sha256: decl.and_then(|d| d.replaces_sha256.as_ref().map(|s| s.get_ref().clone())),
        redundant: upstream == ours,
    });
}

/// `hide = [...]`: those modules are never selected; a visible module that
/// requires one is an error naming both.
fn hide(
    cat: &mut Catalog,
    layer: &str,
    msrc: &Src<'_>,
    hide: &[Spanned<String>],
    diags: &mut Vec<Diagnostic>,
) {
    for h in hide {
        let id = h.get_ref();
        if cat.module(id).is_none() {
            let hint = crate::suggest::hint(crate::suggest::closest_name(
                id,
                cat.modules.iter().map(|m| m.id.as_str()),
            ));
            diags.push(msrc.at(
                h,
                format!("hide: no catalog below `{layer}` has a module `{id}`{hint}"),
            ));
            continue;
        }
        cat.modules.retain(|m| &m.id != id);
        cat.hidden.insert(id.clone(), layer.to_string());
    }
    for h in hide {
        let dependants: Vec<String> = cat
            .modules
            .iter()
            .filter(|m| m.requires.contains(h.get_ref()))
            .map(|m| format!("`{}` ({})", m.id, m.origin))
            .collect();
        if !dependants.is_empty() {
            diags.push(msrc.at(
                h,
                format!(
                    "`{}` cannot be hidden: {} require{} it; hide {} too, or amend {} with remove.requires = [\"{}\"]",
                    h.get_ref(),
                    dependants.join(", "),
                    if dependants.len() == 1 { "s" } else { "" },
                    if dependants.len() == 1 { "it" } else { "them" },
                    if dependants.len() == 1 { "it" } else { "each" },
                    h.get_ref()
                ),
            ));
        }
    }
}
