//! The catalog model: manifest, audiences, questions, challenges, fill-ins
//! and modules, as ispo uses them once a catalog is loaded.

use std::collections::BTreeMap;

use globset::GlobSet;

use crate::condition::{Condition, QuestionShape};
use crate::error::Diagnostic;
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
    pub example: Option<String>,
    /// May hold line breaks; a single-line value refuses them.
    pub multiline: bool,
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
    /// Catalog paths committed as executable (a script): the kit file is
    /// executable too.
    pub executable: std::collections::BTreeSet<String>,
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

    /// A file's text; the catalog is validated as UTF-8 where it is read as text.
    pub fn text(&self, path: &str) -> Result<&str, Diagnostic> {
        let bytes = self
            .files
            .get(path)
            .ok_or_else(|| Diagnostic::new(path, 0, 0, "file is missing"))?;
        std::str::from_utf8(bytes).map_err(|e| {
            Diagnostic::new(
                path,
                0,
                0,
                format!("not UTF-8 text (byte {}); list binary files under `raw` so they are copied as they are", e.valid_up_to()),
            )
        })
    }

    pub fn shape(&self, id: &str) -> Option<QuestionShape> {
        self.question(id).map(Question::shape)
    }
}
