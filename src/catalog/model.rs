//! The catalog model: manifest, audiences, questions, challenges, fill-ins
//! and modules, as ispo uses them once a catalog is loaded.

use std::collections::BTreeMap;

use globset::GlobSet;

use super::lazy::LazyFiles;
use crate::condition::{Condition, QuestionShape};
use crate::error::Diagnostic;
use crate::fill_kind::FillKind;
use crate::question::Question;

/// The catalog format this ispo reads.
pub const FORMAT: u32 = 1;

/// In a file tree as read from a source, the key that lists, one per line,
/// the files committed as executable. No real path can hold a NUL.
pub const EXECUTABLE_KEY: &str = "\0executable";

/// Catalog files by `/`-separated path relative to the catalog root.
pub type Files = BTreeMap<String, Vec<u8>>;

#[derive(Debug, Clone)]
pub struct Manifest {
    pub name: String,
    pub title: String,
    pub version: String,
    pub format: u32,
    pub min_ispo: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Audience {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub title: String,
    pub url: String,
    pub licence: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Challenge {
    pub id: String,
    pub title: String,
    pub phase: String,
    pub summary: Option<String>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillDecl {
    pub id: String,
    pub description: String,
    /// As the catalog wrote it: literal text, or a Handlebars template over
    /// the answers when it holds `{{` (see `example_for`).
    pub example: Option<String>,
    /// May hold line breaks; a single-line value refuses them.
    pub multiline: bool,
    /// What a value must be (`kind = "email"`); text when not declared.
    pub kind: FillKind,
    /// Where it is declared (`fills.toml`, `modules/<id>/module.toml`) and
    /// the line of its example (of its `id` without one), for lint messages.
    pub declared_in: (String, usize),
}

impl FillDecl {
    /// Whether the example is a template over the answers.
    pub fn example_is_template(&self) -> bool {
        self.example.as_deref().is_some_and(|e| e.contains("{{"))
    }

    /// The example for these answers (question ids to values, `null` for
    /// skipped ones): a template is rendered without strict mode, so an
    /// unanswered question reads as empty; an example that renders to
    /// nothing, or fails to render, is no example.
    pub fn example_for(
        &self,
        answers: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<String> {
        let e = self.example.as_deref()?;
        if !self.example_is_template() {
            return Some(e.to_string());
        }
        let text = render_example(e, answers).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }
}

impl FillDecl {
    /// The declaration as one kit sees it: the example rendered for its answers.
    pub fn for_answers(&self, answers: &serde_json::Map<String, serde_json::Value>) -> FillDecl {
        FillDecl {
            example: self.example_for(answers),
            ..self.clone()
        }
    }
}

/// Renders an example template over answers (no HTML escaping, only
/// Handlebars' own helpers); `ispo catalog lint` reports the errors.
pub fn render_example(
    template: &str,
    answers: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    let mut hb = handlebars::Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.render_template(template, &serde_json::Value::Object(answers.clone()))
        .map_err(|e| e.reason().to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Doc,
    Training,
    Tooling,
    Template,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Doc => "doc",
            Kind::Training => "training",
            Kind::Tooling => "tooling",
            Kind::Template => "template",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub source: String,
    pub target: String,
    pub when: Option<Condition>,
}

#[derive(Debug, Clone)]
pub struct Module {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub kind: Kind,
    pub audiences: Vec<String>,
    pub challenges: Vec<String>,
    pub when: Option<Condition>,
    pub requires: Vec<String>,
    pub conflicts: Vec<String>,
    /// Every fill-in the module's templates may use, catalog-wide ones first.
    pub fills: Vec<FillDecl>,
    pub raw: GlobSet,
    pub outputs: Vec<Output>,
    pub upstream: Vec<Link>,
    /// Kit paths this module's files moved from: new path → old path. An
    /// update carries the user's edits of the old file to the new one.
    pub moved: BTreeMap<String, String>,
    /// Ids this module had before: recorded overrides naming them follow it.
    pub replaces: Vec<String>,
    /// The layer (catalog name) that declares the module.
    pub origin: String,
    /// What higher layers changed, in stack order.
    pub amendments: Vec<Amendment>,
    /// `modules/<id>`
    pub dir: String,
    /// Paths relative to `modules/<id>/files/`.
    pub files: Vec<String>,
}

impl Module {
    pub fn file_path(&self, rel: &str) -> String {
        format!("{}/files/{rel}", self.dir)
    }

    pub fn is_raw(&self, rel: &str) -> bool {
        self.raw.is_match(rel)
    }
}

/// One layer's changes to a module of a lower layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub layer: String,
    /// In words: `title`, `when_and`, `1 file replaced`...
    pub changes: Vec<String>,
}

/// One catalog of the stack a kit is made from, lowest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub name: String,
    pub version: String,
}

/// A value given by a layer rather than by the kit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerValue {
    pub value: String,
    pub layer: String,
}

#[derive(Debug, Clone)]
pub struct Partial {
    pub name: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub manifest: Manifest,
    pub audiences: Vec<Audience>,
    pub questions: Vec<Question>,
    pub challenges: Vec<Challenge>,
    pub fills: Vec<FillDecl>,
    pub partials: Vec<Partial>,
    pub modules: Vec<Module>,
    pub files: Files,
    /// Module files of a git catalog not read yet (an update's; empty when
    /// every file is in `files`). Read them through `text` and `bytes`.
    pub lazy: LazyFiles,
    /// Catalog paths committed as executable (a script): the kit file is
    /// executable too.
    pub executable: std::collections::BTreeSet<String>,
    /// The stack, lowest first; a catalog that extends nothing is one layer.
    pub layers: Vec<LayerInfo>,
    /// Catalog-wide fill-in values (`[values]` of fills.toml), by fill-in id.
    pub fill_values: BTreeMap<String, LayerValue>,
    /// Modules of lower layers that a layer hides: id → the hiding layer.
    pub hidden: BTreeMap<String, String>,
    /// Catalog paths a higher layer provided (a replaced or added file, a
    /// partial): path → layer. Other files come from their module's origin.
    pub origins: BTreeMap<String, String>,
    /// Files of lower layers that a layer replaces, for lint.
    pub replacements: Vec<Replacement>,
    /// What loading noticed but that does not stop it (an amendment that
    /// upstream now contains), for lint.
    pub warnings: Vec<Diagnostic>,
}

/// A module file a layer replaces (`amend/<id>/files/<path>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub layer: String,
    pub module: String,
    /// Relative to the module's `files/`.
    pub path: String,
    /// The layer whose file is replaced, and its path in that layer
    /// (`modules/<id>/files/...`, or `amend/<id>/files/...` for a layer that
    /// itself replaced it).
    pub below: String,
    pub below_path: String,
    /// SHA-256 of the lower layer's file now.
    pub upstream_sha256: String,
    /// SHA-256 of the lower layer's file the replacement was made from, as
    /// amend.toml records it (`[[file]] replaces_sha256`).
    pub replaces_sha256: Option<String>,
    /// The replacement equals the lower layer's file: it can go.
    pub redundant: bool,
}

impl Catalog {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id == id)
    }

    pub fn challenge(&self, id: &str) -> Option<&Challenge> {
        self.challenges.iter().find(|c| c.id == id)
    }

    pub fn audience(&self, id: &str) -> Option<&Audience> {
        self.audiences.iter().find(|a| a.id == id)
    }

    /// Every fill-in declared anywhere in the catalog.
    pub fn all_fills(&self) -> BTreeMap<String, FillDecl> {
        let mut out: BTreeMap<String, FillDecl> = self
            .fills
            .iter()
            .map(|f| (f.id.clone(), f.clone()))
            .collect();
        for m in &self.modules {
            for f in &m.fills {
                out.entry(f.id.clone()).or_insert_with(|| f.clone());
            }
        }
        out
    }

    /// A file's bytes, from `files` or read now from `lazy`.
    pub fn bytes(&self, path: &str) -> Result<&[u8], Diagnostic> {
        if let Some(b) = self.files.get(path) {
            return Ok(b);
        }
        match self.lazy.get(path) {
            Some(Ok(b)) => Ok(b),
            Some(Err(why)) => Err(Diagnostic::new(
                path,
                0,
                0,
                format!("cannot be read from the catalog's git repository: {why}"),
            )),
            None => Err(Diagnostic::new(path, 0, 0, "file is missing")),
        }
    }

    /// A file's text; the catalog is validated as UTF-8 where it is read as text.
    pub fn text(&self, path: &str) -> Result<&str, Diagnostic> {
        let bytes = self.bytes(path)?;
        std::str::from_utf8(bytes).map_err(|e| {
            Diagnostic::new(
                path,
                0,
                0,
                format!("not UTF-8 text (byte {}); list binary files under `raw` so they are copied as they are", e.valid_up_to()),
            )
        })
    }

    /// A file's git blob id, without reading a file not read yet (see
    /// `lazy`); `None` if there is no such file.
    pub fn blob_id(&self, path: &str) -> Option<String> {
        match self.files.get(path) {
            Some(b) => Some(super::lazy::blob_id(b)),
            None => self.lazy.id(path).map(str::to_string),
        }
    }

    /// Reads these files now, on every core, if they are not read yet; the
    /// first that cannot be read, with why.
    pub fn prefetch<'a>(&'a self, paths: &[&'a str]) -> Option<(&'a str, &'a str)> {
        self.lazy.prefetch(paths)
    }

    /// The paths under a folder prefix (`modules/x/files/`), read or not.
    pub fn paths_under(&self, prefix: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .files
            .range(prefix.to_string()..)
            .map(|(p, _)| p)
            .take_while(|p| p.starts_with(prefix))
            .chain(self.lazy.under(prefix))
            .cloned()
            .collect();
        out.sort();
        out
    }

    /// Whether the catalog is built from more than one layer.
    pub fn is_layered(&self) -> bool {
        self.layers.len() > 1
    }

    /// Where a file of a layered catalog lives for its author: a lower layer's
    /// file is `<layer>:<path>`; a module file a layer replaced or added is
    /// under that layer's `amend/<id>/files/`.
    pub fn shown_path(&self, path: &str) -> String {
        if !self.is_layered() {
            return path.to_string();
        }
        let top = self.layers.last().map_or("", |l| l.name.as_str());
        let layer = self.layer_of(path);
        let amended = path
            .strip_prefix("modules/")
            .and_then(|p| p.split_once('/'))
            .and_then(|(id, rest)| Some((self.module(id)?, rest)))
            .filter(|(m, _)| m.origin != layer);
        let local = match amended {
            Some((m, rest)) => format!("amend/{}/{rest}", m.id),
            None => path.to_string(),
        };
        if layer == top {
            local
        } else {
            format!("{layer}:{local}")
        }
    }

    /// The layer whose file is at `path` in the effective catalog.
    pub fn layer_of(&self, path: &str) -> &str {
        if let Some(l) = self.origins.get(path) {
            return l;
        }
        let module = path
            .strip_prefix("modules/")
            .and_then(|p| p.split_once('/'))
            .and_then(|(id, _)| self.module(id));
        match module {
            Some(m) => &m.origin,
            None => self.layers.first().map_or("", |l| l.name.as_str()),
        }
    }

    pub fn shape(&self, id: &str) -> Option<QuestionShape> {
        self.question(id).map(Question::shape)
    }
}
