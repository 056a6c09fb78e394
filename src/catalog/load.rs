//! Loading a catalog from its file tree: parsing every TOML file, checking
//! ids, references, conditions and defaults, and collecting every problem
//! with its file, line and column, so an author fixes them in one pass.

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::lazy::LazyFiles;
use super::model::*;
use super::raw::*;
use super::refuse::{hex_char, refuse_code};
use crate::condition::{Condition, QuestionShape};
use crate::error::{Diagnostic, Failure};
use crate::fill_kind::FillKind;
use crate::question::{compile_pattern, Choice, Default, Question};
use crate::value::QuestionKind;

impl Catalog {
    /// Parses and checks a catalog; every problem is reported at once.
    pub fn load(files: Files) -> Result<Catalog, Failure> {
        Catalog::load_with(files, LazyFiles::default())
    }

    /// The same, with module files not read yet (see `lazy`): loading needs
    /// only their paths.
    pub fn load_with(files: Files, lazy: LazyFiles) -> Result<Catalog, Failure> {
        let mut files = files;
        let executable: BTreeSet<String> = files
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
        let mut diags = Vec::new();
        let catalog = load_inner(files, lazy, &mut diags);
        match catalog {
            Some(mut c) if diags.is_empty() => {
                c.executable = executable;
                Ok(c)
            }
            _ => Err(Failure::Invalid(diags)),
        }
    }
}

/// Parses a TOML file, turning a syntax or schema error into a located diagnostic.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, Diagnostic> {
    toml::from_str::<T>(text).map_err(|e| toml_diag(path, text, &e))
}

pub fn toml_diag(path: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let offset = e.span().map_or(0, |s| s.start);
    let message = e.message().trim().replace('\n', " ");
    if e.span().is_some() {
        Diagnostic::at(path, text, offset, message)
    } else {
        Diagnostic::new(path, 0, 0, message)
    }
}

pub(super) struct Src<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

impl Src<'_> {
    pub fn at<T>(&self, s: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.path, self.text, s.span().start, message)
    }

    /// The offset in the file of byte `offset` of a string value: past its
    /// opening quote(s), and counting each escape (`\"`, `\u00e9`) as
    /// written, so columns point at what the author sees.
    fn inner(&self, s: &Spanned<String>, offset: usize) -> usize {
        let start = s.span().start;
        let raw = &self.text[start..];
        let (quote, basic) = if raw.starts_with("\"\"\"") {
            (3, true)
        } else if raw.starts_with("'''") {
            (3, false)
        } else {
            (1, raw.starts_with('"'))
        };
        let mut pos = start + quote;
        if quote == 3 {
            // A newline right after the opening quotes is not part of the value.
            if self.text[pos..].starts_with("\r\n") {
                pos += 2;
            } else if self.text[pos..].starts_with('\n') {
                pos += 1;
            }
        }
        if !basic {
            return pos + offset;
        }
        let mut parsed = 0;
        while parsed < offset && pos < self.text.len() {
            let rest = &self.text[pos..];
            let Some(c) = rest.chars().next() else { break };
            if c != '\\' {
                pos += c.len_utf8();
                parsed += c.len_utf8();
                continue;
            }
            let (raw_len, value_len) = match rest.as_bytes().get(1) {
                Some(b'u') => (6, hex_char(rest.get(2..6)).map_or(1, char::len_utf8)),
                Some(b'U') => (10, hex_char(rest.get(2..10)).map_or(1, char::len_utf8)),
                Some(b'x') => (4, hex_char(rest.get(2..4)).map_or(1, char::len_utf8)),
                _ => (2, 1),
            };
            pos += raw_len;
            parsed += value_len;
        }
        pos.min(self.text.len())
    }

    pub fn condition(
        &self,
        s: &Spanned<String>,
        catalog_shapes: &dyn Fn(&str) -> Option<QuestionShape>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Condition> {
        match Condition::parse(s.get_ref()) {
            Err(e) => {
                diags.push(Diagnostic::at(
                    self.path,
                    self.text,
                    self.inner(s, e.offset),
                    format!("in condition: {}", e.message),
                ));
                None
            }
            Ok(c) => {
                for e in c.check(catalog_shapes) {
                    diags.push(Diagnostic::at(
                        self.path,
                        self.text,
                        self.inner(s, e.offset),
                        format!("in condition: {}", e.message),
                    ));
                }
                Some(c)
            }
        }
    }
}

pub fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn is_module_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= 64
}

pub(super) fn is_choice_value(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

pub(super) fn read_text<'a>(
    files: &'a Files,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a str> {
    let bytes = files.get(path)?;
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(_) => {
            diags.push(Diagnostic::new(path, 0, 0, "not UTF-8 text"));
            None
        }
    }
}

fn load_inner(files: Files, lazy: LazyFiles, diags: &mut Vec<Diagnostic>) -> Option<Catalog> {
    if files.is_empty() {
        diags.push(Diagnostic::new(
            "catalog.toml",
            0,
            0,
            "the catalog is empty: no files were found at this location (check --subdir and --ref)",
        ));
        return None;
    }
    let parts = read_manifest(&files, diags)?;
    if let Some(first) = parts.extends.first() {
        diags.push(Diagnostic::at(
            "catalog.toml",
            &parts.text,
            first.name.span().start,
            format!(
                "this catalog extends `{}`: it is loaded on top of its bases, not alone",
                first.name.get_ref()
            ),
        ));
        return None;
    }
    if let Some(h) = parts.hide.first() {
        diags.push(Diagnostic::at(
            "catalog.toml",
            &parts.text,
            h.span().start,
            "`hide` hides modules of the catalogs this one extends, and it extends none ([[extends]])",
        ));
    }
    let ManifestParts {
        manifest,
        audiences,
        ..
    } = parts;
    let questions = load_questions(&files, diags);
    let challenges = load_challenges(&files, diags);
    let fills = load_fills(&files, diags);
    let partials = files
        .keys()
        .filter_map(|p| {
            let name = p.strip_prefix("partials/")?.strip_suffix(".hbs")?;
            Some(Partial {
                name: name.to_string(),
                path: p.clone(),
            })
        })
        .collect();

    let mut catalog = Catalog {
        manifest,
        audiences,
        questions,
        challenges,
        fills,
        partials,
        modules: Vec::new(),
        files,
        lazy,
        executable: BTreeSet::new(),
        layers: Vec::new(),
        fill_values: BTreeMap::new(),
        hidden: BTreeMap::new(),
        origins: BTreeMap::new(),
        replacements: Vec::new(),
        warnings: Vec::new(),
    };
    catalog.layers.push(LayerInfo {
        name: catalog.manifest.name.clone(),
        version: catalog.manifest.version.clone(),
    });
    let dirs = module_dirs(&catalog.files, &catalog.lazy);
    if dirs.is_empty() {
        diags.push(Diagnostic::new(
            "modules/",
            0,
            0,
            "the catalog has no modules: each module is a folder `modules/<id>/` with a module.toml",
        ));
    }
    catalog.modules = load_modules(&catalog, &dirs, &dirs, diags);
    catalog.fill_values = fill_values(&catalog, &catalog.files, diags);
    Some(catalog)
}

/// `catalog.toml`, read and checked: the manifest, audiences, and what a
/// layer declares about the catalogs below it.
pub(super) struct ManifestParts {
    pub manifest: Manifest,
    pub audiences: Vec<Audience>,
    pub extends: Vec<RawExtends>,
    pub hide: Vec<Spanned<String>>,
    pub override_partials: Vec<Spanned<String>>,
    pub text: String,
}

pub(super) fn read_manifest(files: &Files, diags: &mut Vec<Diagnostic>) -> Option<ManifestParts> {
    let Some(manifest_text) = read_text(files, "catalog.toml", diags) else {
        if !diags.iter().any(|d| d.file == "catalog.toml") {
            diags.push(Diagnostic::new(
                "catalog.toml",
                0,
                0,
                "missing: a catalog needs a catalog.toml manifest at its root (is --subdir right?)",
            ));
        }
        return None;
    };
    let raw_manifest: RawManifestFile = match parse_toml("catalog.toml", manifest_text) {
        Ok(m) => m,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let msrc = Src {
        path: "catalog.toml",
        text: manifest_text,
    };
    let format = *raw_manifest.catalog.format.get_ref();
    if format != FORMAT {
        diags.push(msrc.at(
            &raw_manifest.catalog.format,
            format!(
                "catalog format {format} is not supported by ispo {} (it reads format {FORMAT})",
                env!("CARGO_PKG_VERSION")
            ),
        ));
        return None;
    }
    if let Some(min) = &raw_manifest.catalog.min_ispo {
        match crate::version::parse(min.get_ref()) {
            None => diags.push(msrc.at(
                min,
                format!("`{}` is not a version like 1.2.3", min.get_ref()),
            )),
            Some(v) if v > crate::version::current() => {
                diags.push(msrc.at(
                    min,
                    format!(
                        "this catalog needs ispo {} or newer; this is ispo {}. Upgrade ispo (cargo install ispo) or use an older catalog --ref",
                        min.get_ref(),
                        env!("CARGO_PKG_VERSION")
                    ),
                ));
                return None;
            }
            Some(_) => {}
        }
    }
    let raw_extends = raw_manifest.extends;
    let raw_hide = raw_manifest.catalog.hide;
    let raw_overrides = raw_manifest.catalog.override_partials;
    let manifest = Manifest {
        title: raw_manifest
            .catalog
            .title
            .clone()
            .unwrap_or_else(|| raw_manifest.catalog.name.clone()),
        name: raw_manifest.catalog.name,
        version: raw_manifest.catalog.version,
        format,
        min_ispo: raw_manifest.catalog.min_ispo.map(|s| s.into_inner()),
        description: raw_manifest.catalog.description,
    };
    let mut audiences: Vec<Audience> = Vec::new();
    for a in raw_manifest.audience {
        if !is_module_id(a.id.get_ref()) {
            diags.push(msrc.at(
                &a.id,
                format!(
                    "audience id `{}` must be lowercase letters, digits, `-` or `_`",
                    a.id.get_ref()
                ),
            ));
        }
        if audiences.iter().any(|x| &x.id == a.id.get_ref()) {
            diags.push(msrc.at(
                &a.id,
                format!("audience `{}` is declared twice", a.id.get_ref()),
            ));
        }
        audiences.push(Audience {
            id: a.id.into_inner(),
            title: a.title,
        });
    }

    Some(ManifestParts {
        manifest,
        audiences,
        extends: raw_extends,
        hide: raw_hide,
        override_partials: raw_overrides,
        text: manifest_text.to_string(),
    })
}

/// Reads and parses an optional catalog file; `None` when it is absent or broken (reported).
pub(super) fn read_optional<'a, T: serde::de::DeserializeOwned>(
    files: &'a Files,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(T, &'a str)> {
    let text = read_text(files, path, diags)?;
    match parse_toml(path, text) {
        Ok(raw) => Some((raw, text)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}

fn load_questions(files: &Files, diags: &mut Vec<Diagnostic>) -> Vec<Question> {
    let path = "questions.toml";
    let Some((raw, text)) = read_optional::<RawQuestions>(files, path, diags) else {
        return Vec::new();
    };
    let src = Src { path, text };
    let mut out: Vec<Question> = Vec::new();
    for rq in raw.question {
        if out.iter().any(|q| q.id == *rq.id.get_ref()) {
            diags.push(src.at(
                &rq.id,
                format!("question `{}` is declared twice", rq.id.get_ref()),
            ));
        }
        if let Some(q) = build_question(&src, rq, &out, diags) {
            out.push(q);
        }
    }
    out
}

/// One question from its TOML form; conditions and defaults may only look
/// at the questions asked before it (`earlier`).
pub(super) fn build_question(
    src: &Src<'_>,
    rq: RawQuestion,
    earlier: &[Question],
    diags: &mut Vec<Diagnostic>,
) -> Option<Question> {
    {
        let id = rq.id.get_ref().clone();
        if !is_id(&id) {
            diags.push(src.at(&rq.id, format!("question id `{id}` must start with a lowercase letter and use only a-z, 0-9 and `_`")));
        }
        if matches!(
            id.as_str(),
            "fill" | "module" | "modules" | "catalog" | "kit" | "this"
        ) {
            diags.push(src.at(
                &rq.id,
                format!("question id `{id}` is reserved for ispo's own template values"),
            ));
        }
        let Some(kind) = QuestionKind::parse(rq.kind.get_ref()) else {
            diags.push(src.at(
                &rq.kind,
                format!(
                    "unknown question type `{}`; use text, bool, integer, choice or multi",
                    rq.kind.get_ref()
                ),
            ));
            return None;
        };
        let mut choices = Vec::new();
        let raw_choice_values: BTreeSet<&str> = rq
            .choices
            .iter()
            .map(|c| c.get_ref().value.as_str())
            .collect();
        for c in &rq.choices {
            let rc = c.get_ref();
            if !is_choice_value(&rc.value) {
                diags.push(src.at(
                    c,
                    format!(
                        "choice value `{}` must use only a-z, 0-9, `_` and `-`",
                        rc.value
                    ),
                ));
            }
            if choices.iter().any(|x: &Choice| x.value == rc.value) {
                diags.push(src.at(c, format!("choice `{}` is listed twice", rc.value)));
            }
            for old in &rc.renamed_from {
                if raw_choice_values.contains(old.as_str()) {
                    diags.push(src.at(
                        c,
                        format!(
                            "`renamed_from = [\"{old}\"]` names a value that is still a choice"
                        ),
                    ));
                }
            }
            choices.push(Choice {
                value: rc.value.clone(),
                label: rc.label.clone().unwrap_or_else(|| rc.value.clone()),
                help: rc.help.clone(),
                renamed_from: rc.renamed_from.clone(),
            });
        }
        match kind {
            QuestionKind::Choice | QuestionKind::Multi if choices.is_empty() => {
                diags.push(src.at(
                    &rq.kind,
                    format!("a {} question needs `choices`", kind.name()),
                ));
            }
            QuestionKind::Text | QuestionKind::Bool | QuestionKind::Integer
                if !choices.is_empty() =>
            {
                diags.push(src.at(
                    &rq.kind,
                    format!("a {} question takes no `choices`", kind.name()),
                ));
            }
            _ => {}
        }
        let pattern = match &rq.pattern {
            Some(p) if kind != QuestionKind::Text => {
                diags.push(src.at(p, "`pattern` applies to text questions only"));
                None
            }
            Some(p) => match compile_pattern(p.get_ref()) {
                Ok(re) => Some(re),
                Err(e) => {
                    diags.push(src.at(p, e));
                    None
                }
            },
            None => None,
        };
        if (rq.min.is_some() || rq.max.is_some())
            && !matches!(kind, QuestionKind::Integer | QuestionKind::Multi)
        {
            diags.push(src.at(
                &rq.kind,
                "`min`/`max` apply to integer and multi questions only",
            ));
        }
        if let (Some(min), Some(max)) = (rq.min, rq.max) {
            if min > max {
                diags.push(src.at(
                    &rq.id,
                    format!("`min` ({min}) is greater than `max` ({max})"),
                ));
            }
        }
        if kind == QuestionKind::Multi && rq.min.is_some_and(|m| m > choices.len() as i64) {
            diags.push(src.at(&rq.id, "`min` asks for more picks than there are choices"));
        }
        // Conditions and defaults may only look at questions asked earlier.
        let earlier_shapes: Vec<(String, QuestionShape)> =
            earlier.iter().map(|x| (x.id.clone(), x.shape())).collect();
        let earlier = |q: &str| -> Option<QuestionShape> {
            earlier_shapes
                .iter()
                .find(|(id, _)| id == q)
                .map(|(_, s)| s.clone())
        };
        let when = rq
            .when
            .as_ref()
            .and_then(|w| src.condition(w, &|q| earlier(q), diags));
        let mut question = Question {
            id: id.clone(),
            kind,
            prompt: rq.prompt,
            help: rq.help,
            default: None,
            when,
            choices,
            pattern_message: rq.pattern_message.as_ref().map(|m| m.get_ref().clone()),
            pattern,
            min: rq.min,
            max: rq.max,
            multiline: rq.multiline.as_ref().is_some_and(|m| *m.get_ref()),
            preset: None,
        };
        if let Some(m) = &rq.pattern_message {
            if rq.pattern.is_none() {
                diags.push(src.at(m, "`pattern_message` needs a `pattern` to explain"));
            }
        }
        if let Some(m) = &rq.multiline {
            if kind != QuestionKind::Text {
                diags.push(src.at(m, "`multiline` applies to text questions only"));
            }
        }
        if let Some(d) = &rq.default {
            question.default = default_of(src, &question, d, diags);
        }
        Some(question)
    }
}

pub(super) fn load_challenges(files: &Files, diags: &mut Vec<Diagnostic>) -> Vec<Challenge> {
    let path = "challenges.toml";
    let Some((raw, text)) = read_optional::<RawChallenges>(files, path, diags) else {
        return Vec::new();
    };
    let src = Src { path, text };
    let mut out: Vec<Challenge> = Vec::new();
    for c in raw.challenge {
        let id = c.id.get_ref();
        if id.is_empty()
            || !id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            diags.push(src.at(
                &c.id,
                format!("challenge id `{id}` must use only letters, digits, `-` and `_`"),
            ));
        }
        if out.iter().any(|x| &x.id == id) {
            diags.push(src.at(&c.id, format!("challenge `{id}` is declared twice")));
        }
        if !matches!(
            c.phase.get_ref().as_str(),
            "begin" | "adopt" | "grow" | "scale"
        ) {
            diags.push(src.at(
                &c.phase,
                format!(
                    "unknown phase `{}`; use begin, adopt, grow or scale",
                    c.phase.get_ref()
                ),
            ));
        }
        let links = links(&src, c.links, diags);
        out.push(Challenge {
            id: c.id.into_inner(),
            title: c.title,
            phase: c.phase.into_inner(),
            summary: c.summary,
            links,
        });
    }
    out
}

fn links(src: &Src<'_>, raw: Vec<RawLink>, diags: &mut Vec<Diagnostic>) -> Vec<Link> {
    raw.into_iter()
        .map(|l| {
            if !(l.url.get_ref().starts_with("https://") || l.url.get_ref().starts_with("http://"))
            {
                diags.push(src.at(
                    &l.url,
                    format!("link `{}` must be an http(s) URL", l.url.get_ref()),
                ));
            }
            Link {
                title: l.title,
                url: l.url.into_inner(),
                licence: l.licence,
            }
        })
        .collect()
}

fn fill_decls(
    src: &Src<'_>,
    raw: Vec<RawFill>,
    diags: &mut Vec<Diagnostic>,
    taken: &dyn Fn(&str) -> bool,
) -> Vec<FillDecl> {
    let mut out: Vec<FillDecl> = Vec::new();
    for f in raw {
        let id = f.id.get_ref();
        if !is_id(id) {
            diags.push(src.at(&f.id, format!("fill-in id `{id}` must start with a lowercase letter and use only a-z, 0-9 and `_`")));
        }
        if out.iter().any(|x| &x.id == id) || taken(id) {
            diags.push(src.at(&f.id, format!("fill-in `{id}` is declared twice")));
        }
        let kind = match &f.kind {
            None => FillKind::Text,
            Some(k) => FillKind::parse(k.get_ref()).unwrap_or_else(|| {
                let names = FillKind::ALL.map(FillKind::name);
                let hint = crate::suggest::hint(crate::suggest::closest_name(
                    k.get_ref(),
                    names.iter().copied(),
                ));
                diags.push(src.at(
                    k,
                    format!(
                        "fill-in `{id}`: kind `{}` is not one of {}{hint}",
                        k.get_ref(),
                        names.join(", ")
                    ),
                ));
                FillKind::Text
            }),
        };
        if let Some(e) = &f.example {
            let text = e.get_ref();
            if text.contains("{{") {
                if let Err(err) = handlebars::Template::compile(text) {
                    diags.push(src.at(
                        e,
                        format!(
                            "the example of `{id}` is not a valid template: {}",
                            err.reason()
                        ),
                    ));
                }
            } else if let Err(why) = kind.check(text) {
                diags.push(src.at(
                    e,
                    format!(
                        "the example of `{id}` does not fit its kind `{}`: {why}",
                        kind.name()
                    ),
                ));
            }
        }
        let line = match &f.example {
            Some(e) => src.at(e, "").line,
            None => src.at(&f.id, "").line,
        };
        out.push(FillDecl {
            id: f.id.into_inner(),
            description: f.description,
            example: f.example.map(Spanned::into_inner),
            multiline: f.multiline,
            kind,
            declared_in: (src.path.to_string(), line),
        });
    }
    out
}

pub(super) fn load_fills(files: &Files, diags: &mut Vec<Diagnostic>) -> Vec<FillDecl> {
    let path = "fills.toml";
    match read_optional::<RawFills>(files, path, diags) {
        Some((raw, text)) => fill_decls(&Src { path, text }, raw.fill, diags, &|_| false),
        None => Vec::new(),
    }
}

/// A question's declared default: a template over earlier answers when it
/// holds `{{`, else a literal judged like any answer.
pub(super) fn default_of(
    src: &Src<'_>,
    question: &Question,
    d: &Spanned<toml::Value>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Default> {
    match d.get_ref() {
        toml::Value::String(s) if s.contains("{{") => match handlebars::Template::compile(s) {
            Ok(_) => Some(Default::Template(s.clone())),
            Err(e) => {
                diags.push(src.at(
                    d,
                    format!("default is not a valid template: {}", e.reason()),
                ));
                None
            }
        },
        v => match question.accept_toml(v) {
            Ok(a) => Some(Default::Literal(a)),
            Err(e) => {
                diags.push(src.at(d, format!("default of `{}` is invalid: {e}", question.id)));
                None
            }
        },
    }
}

/// The module folders under `modules/`, from the files read and those not
/// read yet (a folder holding only `files/` is a module without a manifest).
pub(super) fn module_dirs(files: &Files, lazy: &LazyFiles) -> BTreeSet<String> {
    files
        .keys()
        .chain(lazy.paths())
        .filter_map(|p| p.strip_prefix("modules/")?.split_once('/'))
        .map(|(dir, _)| dir.to_string())
        .collect()
}

/// Loads the modules in `dirs` against the catalog's questions, challenges,
/// audiences and fill-ins; `requires` and `conflicts` may name any of `known`.
pub(super) fn load_modules(
    catalog: &Catalog,
    dirs: &BTreeSet<String>,
    known: &BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Module> {
    let shapes = |q: &str| catalog.shape(q);
    let origin = catalog
        .layers
        .last()
        .map_or_else(|| catalog.manifest.name.clone(), |l| l.name.clone());
    let mut modules = Vec::new();
    for dir in dirs {
        let path = format!("modules/{dir}/module.toml");
        let Some(text) = read_text(&catalog.files, &path, diags) else {
            if !diags.iter().any(|d| d.file == path) {
                diags.push(Diagnostic::new(
                    &path,
                    0,
                    0,
                    format!("module folder `modules/{dir}` has no module.toml"),
                ));
            }
            continue;
        };
        let raw: RawModule = match parse_toml(&path, text) {
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let src = Src { path: &path, text };
        if raw.id.get_ref() != dir {
            diags.push(src.at(
                &raw.id,
                format!(
                    "module id `{}` must equal its folder name `{dir}`",
                    raw.id.get_ref()
                ),
            ));
        }
        if !is_module_id(raw.id.get_ref()) {
            diags.push(src.at(
                &raw.id,
                "module id must start with a lowercase letter and use only a-z, 0-9, `-` and `_`",
            ));
        }
        let kind = match raw.kind.get_ref().as_str() {
            "doc" => Kind::Doc,
            "training" => Kind::Training,
            "tooling" => Kind::Tooling,
            "template" => Kind::Template,
            other => {
                diags.push(src.at(
                    &raw.kind,
                    format!("unknown kind `{other}`; use doc, training, tooling or template"),
                ));
                Kind::Doc
            }
        };
        for a in &raw.audiences {
            if catalog.audience(a.get_ref()).is_none() {
                diags.push(src.at(
                    a,
                    format!(
                        "unknown audience `{}` (declare it in catalog.toml)",
                        a.get_ref()
                    ),
                ));
            }
        }
        for c in &raw.challenges {
            if catalog.challenge(c.get_ref()).is_none() {
                diags.push(src.at(
                    c,
                    format!(
                        "unknown challenge `{}` (declare it in challenges.toml)",
                        c.get_ref()
                    ),
                ));
            }
        }
        let when = raw
            .when
            .as_ref()
            .and_then(|w| src.condition(w, &shapes, diags));
        let mut fills: Vec<FillDecl> = Vec::new();
        for f in &raw.fills {
            match catalog.fills.iter().find(|x| &x.id == f.get_ref()) {
                Some(decl) => fills.push(decl.clone()),
                None => diags.push(src.at(f, format!("unknown fill-in `{}` (declare it in fills.toml or as a [[fill]] of this module)", f.get_ref()))),
            }
        }
        let local = fill_decls(&src, raw.fill, diags, &|id| {
            catalog.fills.iter().any(|x| x.id == id)
        });
        fills.extend(local);
        let mut raw_globs = GlobSetBuilder::new();
        for g in &raw.raw {
            match Glob::new(g.get_ref()) {
                Ok(glob) => {
                    raw_globs.add(glob);
                }
                Err(e) => diags.push(src.at(g, format!("invalid glob: {e}"))),
            }
        }
        let prefix = format!("modules/{dir}/files/");
        // A range of the sorted paths (the whole map per module was
        // quadratic), read or not yet read.
        let module_files: Vec<String> = catalog
            .paths_under(&prefix)
            .into_iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let mut outputs = Vec::new();
        for o in raw.output {
            if !module_files.contains(o.source.get_ref()) {
                diags.push(src.at(
                    &o.source,
                    format!(
                        "output source `{}` does not exist under {prefix}",
                        o.source.get_ref()
                    ),
                ));
            }
            if o.target.get_ref().trim().is_empty() {
                diags.push(src.at(&o.target, "output target is empty"));
            }
            let when = o
                .when
                .as_ref()
                .and_then(|w| src.condition(w, &shapes, diags));
            outputs.push(Output {
                source: o.source.into_inner(),
                target: o.target.into_inner(),
                when,
            });
        }
        let upstream = links(&src, raw.upstream, diags);
        let mut moved = BTreeMap::new();
        for m in raw.moved {
            for p in [&m.from, &m.to] {
                if let Err(why) = crate::paths::check(p.get_ref()) {
                    diags
                        .push(src.at(p, format!("moved path `{}` is refused: {why}", p.get_ref())));
                }
            }
            if m.from.get_ref() == m.to.get_ref() {
                diags.push(src.at(&m.from, "a file cannot move to where it is"));
            }
            if moved
                .insert(m.to.get_ref().clone(), m.from.get_ref().clone())
                .is_some()
            {
                diags.push(src.at(&m.to, format!("`{}` is moved to twice", m.to.get_ref())));
            }
        }
        modules.push((
            raw.requires,
            raw.conflicts,
            path.clone(),
            text,
            Module {
                id: raw.id.into_inner(),
                title: raw.title,
                summary: raw.summary,
                kind,
                audiences: raw.audiences.into_iter().map(Spanned::into_inner).collect(),
                challenges: raw
                    .challenges
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
                when,
                requires: Vec::new(),
                conflicts: Vec::new(),
                fills,
                raw: raw_globs.build().unwrap_or_else(|_| GlobSet::empty()),
                outputs,
                upstream,
                moved,
                replaces: raw.replaces.into_iter().map(Spanned::into_inner).collect(),
                origin: origin.clone(),
                amendments: Vec::new(),
                dir: format!("modules/{dir}"),
                files: module_files,
            },
        ));
    }
    // Module references can only be checked once every module is known.
    let ids = known;
    modules
        .into_iter()
        .map(|(requires, conflicts, path, text, mut module)| {
            let src = Src { path: &path, text };
            for (list, what) in [(&requires, "requires"), (&conflicts, "conflicts")] {
                for r in list {
                    if let Some(layer) = catalog.hidden.get(r.get_ref()) {
                        diags.push(src.at(
                            r,
                            format!(
                                "{what} `{}`, which the catalog `{layer}` hides",
                                r.get_ref()
                            ),
                        ));
                    } else if !ids.contains(r.get_ref()) {
                        diags.push(src.at(r, format!("{what} unknown module `{}`", r.get_ref())));
                    } else if r.get_ref() == &module.id {
                        diags.push(src.at(r, format!("a module cannot name itself in `{what}`")));
                    }
                }
            }
            for r in &module.replaces {
                if ids.contains(r) {
                    diags.push(Diagnostic::new(
                        &path,
                        0,
                        0,
                        format!("`replaces = [\"{r}\"]` names a module that still exists; only a former id can be replaced"),
                    ));
                }
            }
            module.requires = requires.into_iter().map(Spanned::into_inner).collect();
            module.conflicts = conflicts.into_iter().map(Spanned::into_inner).collect();
            module
        })
        .collect()
}

/// `[values]` of fills.toml: catalog-wide fill-in values, each for a
/// declared fill-in, on one line unless the fill-in allows more.
pub(super) fn fill_values(
    catalog: &Catalog,
    files: &Files,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, LayerValue> {
    let path = "fills.toml";
    let mut out = BTreeMap::new();
    let Some(text) = files.get(path).and_then(|b| std::str::from_utf8(b).ok()) else {
        return out;
    };
    let Ok(raw) = parse_toml::<RawFills>(path, text) else {
        return out; // reported by load_fills
    };
    let src = Src { path, text };
    let decls = catalog.all_fills();
    let layer = catalog
        .layers
        .last()
        .map_or_else(|| catalog.manifest.name.clone(), |l| l.name.clone());
    for (id, value) in raw.values {
        let Some(decl) = decls.get(&id) else {
            let known: Vec<&str> = decls.keys().map(String::as_str).collect();
            let hint = crate::suggest::hint(crate::suggest::closest_name(&id, known));
            diags.push(src.at(&value, format!("`[values]` sets `{id}`, which is not a fill-in of this catalog or the ones it extends{hint}")));
            continue;
        };
        let v = value.get_ref();
        if let Err(why) =
            crate::question::check_value(v, decl.multiline).and_then(|()| decl.kind.check(v))
        {
            diags.push(src.at(&value, format!("the value of `{id}`: {why}")));
            continue;
        }
        out.insert(
            id,
            LayerValue {
                value: v.clone(),
                layer: layer.clone(),
            },
        );
    }
    out
}
