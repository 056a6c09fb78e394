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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFill {
    pub id: Spanned<String>,
    pub description: String,
    pub example: Option<String>,
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
