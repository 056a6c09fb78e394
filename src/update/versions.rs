//! What the catalog offers beyond the kit, in words: the kit's catalog
//! version and the newest one, the newer release tags when the kit follows
//! a tag, and the release notes in between.

use anyhow::Result;
use serde_json::{json, Value as Json};

use crate::catalog::Files;
use crate::kit::State;
use crate::layers::Stack;
use crate::output::Reporter;
use crate::release_notes::{self, Notes};
use crate::source::{self, CatalogRequest, Loaded};
use crate::tags;

/// What `ispo check` reports.
#[derive(Debug)]
pub struct Offer {
    /// The catalog version the kit was made from.
    pub current_version: String,
    /// The version offered (the newest tag's, or the kit's ref's now), if
    /// its `catalog.toml` reads.
    pub latest_version: Option<String>,
    /// The version tag the kit follows, if it follows one.
    pub following_tag: Option<String>,
    /// Release tags newer than that one, oldest first.
    pub newer_tags: Vec<String>,
    /// The commit offered.
    pub latest_commit: String,
    /// The release notes between the two versions, newest first.
    pub notes: Vec<Notes>,
}

impl Offer {
    /// The ref `--ref` moves the kit to, when a newer tag is offered.
    pub fn moves_to(&self) -> Option<&str> {
        self.newer_tags.last().map(String::as_str)
    }

    pub fn json(&self) -> Json {
        json!({
            "current_version": self.current_version,
            "latest_version": self.latest_version,
            "following_tag": self.following_tag,
            "newer_tags": self.newer_tags,
            "latest_ref": self.moves_to(),
            "release_notes": release_notes::json(&self.notes),
        })
    }
}

/// The version tag the kit follows: its recorded ref, when that is a tag
/// of the catalog's repository that reads as a version.
pub fn followed_tag(state: &State, loaded: &Loaded) -> Option<String> {
    let r = state.catalog.source.reference.as_deref()?;
    let dir = loaded.git_dir()?;
    (crate::version::parse(r).is_some() && tags::is_tag(dir, r)).then(|| r.to_string())
}

/// What the catalog offers the kit; `loaded` is the catalog at the kit's
/// ref, as `req` asked for it. A newer tag is read from the copy just
/// fetched, never fetched again.
pub fn offer(
    state: &State,
    req: &CatalogRequest,
    loaded: &Loaded,
    reporter: &Reporter,
) -> Result<Offer> {
    let following_tag = followed_tag(state, loaded);
    let newer_tags = match (&following_tag, loaded.git_dir()) {
        (Some(tag), Some(dir)) => tags::newer(dir, tag),
        _ => Vec::new(),
    };
    let (files, latest_commit) = match newer_tags.last() {
        Some(tag) => {
            let at_tag = source::load(
                &CatalogRequest {
                    reference: Some(tag.clone()),
                    offline: true,
                    ..req.clone()
                },
                reporter,
            )?;
            (at_tag.files()?, at_tag.record.commit.clone())
        }
        None => (loaded.files()?, loaded.record.commit.clone()),
    };
    let latest_version = files
        .get("catalog.toml")
        .and_then(|b| release_notes::declared_version(b));
    let notes = notes_in(&files, &state.catalog.version, latest_version.as_deref());
    Ok(Offer {
        current_version: state.catalog.version.clone(),
        latest_version,
        following_tag,
        newer_tags,
        latest_commit,
        notes,
    })
}

/// The release notes of a catalog below the kit's own (a layer it extends)
/// that moved to another version since the kit was made.
#[derive(Debug)]
pub struct LayerNotes {
    pub name: String,
    pub from: String,
    pub to: String,
    /// Newest first; empty when its CHANGELOG.md has no section between.
    pub notes: Vec<Notes>,
}

impl LayerNotes {
    /// "ispo-default 0.5.0", "ispo-default 0.6.0": the two ends, as shown.
    pub fn ends(&self) -> (String, String) {
        (
            format!("{} {}", self.name, self.from),
            format!("{} {}", self.name, self.to),
        )
    }

    /// Its notes for people, as `shown_notes` gives them; `None` when its
    /// CHANGELOG.md has no section between the two versions.
    pub fn shown(&self) -> Option<String> {
        let (from, to) = self.ends();
        (!self.notes.is_empty()).then(|| shown_notes(&self.notes, &from, &to))
    }
}

/// The release notes of every catalog below the top whose version moved
/// since the kit was made (their own CHANGELOG.md, read as just loaded):
/// a company catalog's kit hears what changed in the shared one too.
pub fn layer_notes(state: &State, stack: &Stack) -> Result<Vec<LayerNotes>> {
    let below = &stack.layers[..stack.layers.len().saturating_sub(1)];
    let mut out = Vec::new();
    for layer in below {
        let Some(was) = state.layers.iter().find(|l| l.name == layer.name) else {
            continue;
        };
        if was.version == layer.version {
            continue;
        }
        let files = layer.loaded.files()?;
        out.push(LayerNotes {
            name: layer.name.clone(),
            from: was.version.clone(),
            to: layer.version.clone(),
            notes: notes_in(&files, &was.version, Some(&layer.version)),
        });
    }
    Ok(out)
}

/// `layer_release_notes` in `--json`: each catalog below that moved.
pub fn layer_json(layers: &[LayerNotes]) -> Json {
    Json::Array(
        layers
            .iter()
            .map(|l| {
                json!({
                    "catalog": l.name,
                    "from_version": l.from,
                    "to_version": l.to,
                    "release_notes": release_notes::json(&l.notes),
                })
            })
            .collect(),
    )
}

/// The release notes a catalog's files hold for the versions after `from`,
/// up to `to`.
pub fn notes_in(files: &Files, from: &str, to: Option<&str>) -> Vec<Notes> {
    let text = files
        .get(release_notes::FILE)
        .and_then(|b| std::str::from_utf8(b).ok());
    match (text, to) {
        (Some(text), Some(to)) => release_notes::between(text, from, to),
        _ => Vec::new(),
    }
}

/// The notes for people, under a line saying what they are.
pub fn shown_notes(notes: &[Notes], from: &str, to: &str) -> String {
    format!(
        "What changed in the catalog, {from} -> {to} (its {}):\n\n{}",
        release_notes::FILE,
        crate::text::printable(&release_notes::shown(notes))
    )
}
