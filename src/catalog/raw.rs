//! The catalog's TOML files as serde reads them, before any check: every
//! table refuses unknown keys, and spans are kept for `file:line:column`.

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifestFile {
    pub catalog: RawManifest,
    #[serde(default)]
    pub audience: Vec<RawAudience>,
    /// The catalogs this one builds on, lowest first (a company overlay).
    #[serde(default)]
    pub extends: Vec<RawExtends>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawExtends {
    pub name: Spanned<String>,
    pub source: Spanned<String>,
    #[serde(rename = "ref")]
    pub reference: Option<Spanned<String>>,
    pub subdir: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManifest {
    pub name: String,
    pub title: Option<String>,
    pub version: String,
    pub format: Spanned<u32>,
    pub min_ispo: Option<Spanned<String>>,
    pub description: Option<String>,
    /// Modules of lower layers that are never selected.
    #[serde(default)]
    pub hide: Vec<Spanned<String>>,
    /// Partials of lower layers this layer replaces, declared so that a
    /// name clash is never an accident.
    #[serde(default)]
    pub override_partials: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudience {
    pub id: Spanned<String>,
    pub title: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestions {
    #[serde(default)]
    pub question: Vec<RawQuestion>,
    /// Changes to questions of lower layers.
    #[serde(default)]
    pub amend: Vec<RawQuestionAmend>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestionAmend {
    pub question: Spanned<String>,
    /// Only to say what the author expects: a different type is refused.
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub prompt: Option<String>,
    pub help: Option<String>,
    pub default: Option<Spanned<toml::Value>>,
    /// The company's answer: not asked; an answers file or `--set` still wins.
    pub preset: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub add_choices: Vec<Spanned<RawChoice>>,
    #[serde(default)]
    pub hide_choices: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuestion {
    pub id: Spanned<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    pub prompt: String,
    pub help: Option<String>,
    pub default: Option<Spanned<toml::Value>>,
    pub when: Option<Spanned<String>>,
    #[serde(default)]
    pub choices: Vec<Spanned<RawChoice>>,
    pub pattern: Option<Spanned<String>>,
    pub pattern_message: Option<Spanned<String>>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    #[serde(default)]
    pub multiline: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub value: String,
    pub label: Option<String>,
    pub help: Option<String>,
    #[serde(default)]
    pub renamed_from: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChallenges {
    #[serde(default)]
    pub challenge: Vec<RawChallenge>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChallenge {
    pub id: Spanned<String>,
    pub title: String,
    pub phase: Spanned<String>,
    pub summary: Option<String>,
    #[serde(default)]
    pub links: Vec<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub title: String,
    pub url: Spanned<String>,
    pub licence: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFills {
    #[serde(default)]
    pub fill: Vec<RawFill>,
    /// Catalog-wide values of fill-ins: every kit gets them without asking.
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFill {
    pub id: Spanned<String>,
    pub description: String,
    pub example: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub multiline: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    pub id: Spanned<String>,
    pub title: String,
    pub summary: String,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub audiences: Vec<Spanned<String>>,
    #[serde(default)]
    pub challenges: Vec<Spanned<String>>,
    pub when: Option<Spanned<String>>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<String>>,
    #[serde(default)]
    pub fills: Vec<Spanned<String>>,
    #[serde(default)]
    pub raw: Vec<Spanned<String>>,
    #[serde(default)]
    pub fill: Vec<RawFill>,
    #[serde(default)]
    pub output: Vec<RawOutput>,
    #[serde(default)]
    pub upstream: Vec<RawLink>,
    #[serde(default)]
    pub moved: Vec<RawMoved>,
    #[serde(default)]
    pub replaces: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMoved {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    pub source: Spanned<String>,
    pub target: Spanned<String>,
    pub when: Option<Spanned<String>>,
}

/// `amend/<id>/amend.toml`: how a layer changes a module of a lower layer.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAmend {
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Replaces the module's condition.
    pub when: Option<Spanned<String>>,
    /// Narrows it: `(upstream) and (this)`, so upstream changes keep flowing.
    pub when_and: Option<Spanned<String>>,
    /// Widens it: `(upstream) or (this)`.
    pub when_or: Option<Spanned<String>>,
    #[serde(default)]
    pub add: RawListEdit,
    #[serde(default)]
    pub remove: RawListEdit,
    #[serde(default)]
    pub remove_files: Vec<Spanned<String>>,
    #[serde(default)]
    pub file: Vec<RawAmendFile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawListEdit {
    #[serde(default)]
    pub challenges: Vec<Spanned<String>>,
    #[serde(default)]
    pub audiences: Vec<Spanned<String>>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    #[serde(default)]
    pub conflicts: Vec<Spanned<String>>,
}

/// What a file under `amend/<id>/files/` is meant to be.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAmendFile {
    pub path: Spanned<String>,
    /// SHA-256 of the upstream file the replacement was made from: when
    /// upstream changes it, lint warns and `ispo catalog refresh` merges.
    pub replaces_sha256: Option<Spanned<String>>,
    /// A new file: it must not exist upstream.
    #[serde(default)]
    pub add: bool,
}
