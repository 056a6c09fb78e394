//! Answers given at `ispo init`'s prompts, saved when the run is interrupted
//! and offered back by the next `ispo init` of the same destination.
//!
//! While `init` asks, every answer, pick change and fill-in value typed so
//! far is kept here. Ctrl-C (caught in the signal handler, or seen as an
//! interrupted read) or Quit at the summary writes them as an ordinary answers file under the cache
//! folder, `resume/<hash of the destination's absolute path>.toml`, so the
//! same file also works with `--answers`. A kit written to the end removes it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// What the current `init` was told at its prompts.
#[derive(Debug, Default)]
struct Partial {
    /// The destination's absolute path, and as the user typed it.
    dest: String,
    typed: String,
    file: PathBuf,
    answers: Vec<(String, toml::Value)>,
    fills: Vec<(String, String)>,
    modules: Option<(Vec<String>, Vec<String>)>,
}

static PARTIAL: Mutex<Option<Partial>> = Mutex::new(None);

fn partial() -> std::sync::MutexGuard<'static, Option<Partial>> {
    PARTIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The destination as an absolute path, also when it does not exist yet:
/// the existing part resolved (symlinks, `..`), the rest appended.
pub fn canonical(dest: &Path) -> PathBuf {
    let absolute = std::path::absolute(dest).unwrap_or_else(|_| dest.to_path_buf());
    let mut head = absolute.clone();
    let mut tail = Vec::new();
    loop {
        if let Ok(real) = head.canonicalize() {
            return tail.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (head.parent(), head.file_name()) {
            (Some(parent), Some(name)) => {
                tail.push(name.to_os_string());
                head = parent.to_path_buf();
            }
            _ => return absolute,
        }
    }
}

/// Where the answers of an interrupted `ispo init DEST` are kept.
pub fn file_for(dest: &Path) -> Result<PathBuf> {
    let key = canonical(dest);
    let hash = format!("{:x}", Sha256::digest(key.to_string_lossy().as_bytes()));
    Ok(crate::source::cache_root()?
        .join("resume")
        .join(format!("{}.toml", &hash[..24])))
}

/// Saved answers for `dest`, if an earlier run left some.
pub fn saved(dest: &Path) -> Option<PathBuf> {
    file_for(dest).ok().filter(|f| f.is_file())
}

/// Starts keeping what the prompts are told, for `ispo init DEST`.
pub fn begin(dest: &Path) {
    let Ok(file) = file_for(dest) else { return };
    *partial() = Some(Partial {
        dest: canonical(dest).display().to_string(),
        typed: dest.display().to_string(),
        file,
        ..Partial::default()
    });
}

/// A question answered at a prompt.
pub fn answered(id: &str, value: toml::Value) {
    if let Some(p) = partial().as_mut() {
        p.answers.retain(|(q, _)| q != id);
        p.answers.push((id.to_string(), value));
    }
}

/// A fill-in value typed at a prompt.
pub fn filled(id: &str, value: &str) {
    if let Some(p) = partial().as_mut() {
        p.fills.retain(|(f, _)| f != id);
        p.fills.push((id.to_string(), value.to_string()));
    }
}

/// The pick as adjusted by hand (`with`, `without`).
pub fn picked(with: &[String], without: &[String]) {
    if let Some(p) = partial().as_mut() {
        p.modules = Some((with.to_vec(), without.to_vec()));
    }
}

/// The kit is written: nothing to resume any more.
pub fn finish(dest: &Path) {
    *partial() = None;
    if let Ok(file) = file_for(dest) {
        let _ = std::fs::remove_file(file);
    }
}

/// On Ctrl-C (or Quit at the summary): writes what the prompts were told
/// and says where, once. The lock is held until the line is printed: the
/// signal handler and the main thread both see an interrupt, and whichever
/// comes second must not end the process before the first has spoken.
pub fn on_interrupt() {
    let mut guard = partial();
    let Some(p) = guard.take() else { return };
    if p.answers.is_empty() && p.fills.is_empty() && p.modules.is_none() {
        return;
    }
    let saved = p.file.parent().is_some_and(|dir| {
        let tmp = p.file.with_extension("toml.tmp");
        std::fs::create_dir_all(dir).is_ok()
            && std::fs::write(&tmp, render(&p)).is_ok()
            && std::fs::rename(&tmp, &p.file).is_ok()
    });
    if saved {
        crate::errln!(
            "your answers so far are saved in {}; `ispo init {}` offers to resume from them",
            p.file.display(),
            p.typed
        );
    } else {
        crate::errln!(
            "your answers so far could not be saved in {}",
            p.file.display()
        );
    }
    drop(guard);
}

/// The saved answers as an answers file, with a header saying what it is.
fn render(p: &Partial) -> String {
    let mut top = toml::Table::new();
    for (id, value) in &p.answers {
        top.insert(id.clone(), value.clone());
    }
    if !p.fills.is_empty() {
        let fills: toml::Table = p
            .fills
            .iter()
            .map(|(id, v)| (id.clone(), toml::Value::String(v.clone())))
            .collect();
        top.insert("fill".into(), toml::Value::Table(fills));
    }
    if let Some((with, without)) = &p.modules {
        let list =
            |l: &[String]| toml::Value::Array(l.iter().cloned().map(toml::Value::String).collect());
        let mut modules = toml::Table::new();
        modules.insert("with".into(), list(with));
        modules.insert("without".into(), list(without));
        top.insert("modules".into(), toml::Value::Table(modules));
    }
    let body = toml::to_string(&top).unwrap_or_default();
    format!(
        "# Answers given to `ispo init {}` before it stopped without writing the kit.\n# The next `ispo init` of that folder offers to resume from them;\n# `--answers <this file>` uses them without asking.\n{body}",
        p.dest
    )
}

/// How many answers a saved file holds, for the offer to resume.
pub fn count(file: &Path) -> Result<usize> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read saved answers `{}`", file.display()))?;
    let table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("saved answers `{}` are not TOML", file.display()))?;
    let fills = table
        .get("fill")
        .and_then(toml::Value::as_table)
        .map_or(0, toml::Table::len);
    let answers = table
        .keys()
        .filter(|k| !matches!(k.as_str(), "fill" | "modules" | "files"))
        .count();
    Ok(answers + fills)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_destination_not_made_yet_resolves_through_its_existing_parent() {
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let inside = dir.join("ispo-resume-test-not-there").join("kit");
        assert_eq!(canonical(&inside), inside);
        assert_eq!(
            canonical(&dir.join("a").join("..").join("kit")),
            dir.join("a").join("..").join("kit")
        );
    }

    #[test]
    fn the_saved_file_is_an_answers_file() {
        let p = Partial {
            dest: "/tmp/kit".into(),
            typed: "kit".into(),
            file: PathBuf::from("/nowhere"),
            answers: vec![
                ("company".into(), toml::Value::String("Acme \"A\"".into())),
                ("engineers".into(), toml::Value::Integer(2000)),
            ],
            fills: vec![("ispo_email".into(), "ispo@acme.test".into())],
            modules: Some((vec!["ambassadors".into()], vec![])),
        };
        let text = render(&p);
        assert!(text.starts_with("# Answers given to `ispo init /tmp/kit`"));
        let back: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(back["company"].as_str(), Some("Acme \"A\""));
        assert_eq!(back["engineers"].as_integer(), Some(2000));
        assert_eq!(back["fill"]["ispo_email"].as_str(), Some("ispo@acme.test"));
        assert_eq!(back["modules"]["with"][0].as_str(), Some("ambassadors"));
    }
}
