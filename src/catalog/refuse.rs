//! A catalog is data: keys and folders other tools use to run code, and
//! text that would steer the user's terminal, refuse the whole catalog.

use super::model::Files;
use crate::error::Failure;

/// Keys and folders other template tools use to run code. A catalog is data:
/// ispo refuses them outright rather than ignoring them, so a catalog author
/// coming from Copier or cookiecutter learns at once that they will not run.
const CODE_KEYS: &[&str] = &[
    "hooks",
    "hook",
    "tasks",
    "_tasks",
    "commands",
    "command",
    "scripts",
    "script",
    "run",
    "exec",
    "migrations",
    "_migrations",
    "pre_gen",
    "post_gen",
    "jinja_extensions",
    "_jinja_extensions",
];

pub fn refuse_code(files: &Files) -> Result<(), Failure> {
    let mut found = Vec::new();
    let mut controls = Vec::new();
    for (path, bytes) in files {
        // A module's folder, or a layer's amendment of one (`amend/<id>/`).
        let module_part = path
            .strip_prefix("modules/")
            .or_else(|| path.strip_prefix("amend/"))
            .and_then(|p| p.split('/').nth(1));
        if path.starts_with("hooks/") || module_part == Some("hooks") {
            found.push(format!("`{path}` (a hooks folder)"));
            continue;
        }
        if !path.ends_with(".toml") || module_part == Some("files") {
            continue;
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let Ok(table) = toml::from_str::<toml::Table>(text) else {
            continue;
        };
        let mut keys: Vec<&String> = table.keys().collect();
        if let Some(toml::Value::Table(inner)) = table.get("catalog") {
            keys.extend(inner.keys());
        }
        for k in keys {
            if CODE_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                found.push(format!("`{k}` in {path}"));
            }
        }
        for (key, value) in &table {
            find_controls(path, key, value, &mut controls);
        }
    }
    if !controls.is_empty() {
        return Err(Failure::Refused(format!(
            "catalog text holds characters that control a terminal, which ispo prints: {}; remove them (a catalog's titles, prompts and help are plain text)",
            controls.join(", ")
        )));
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(Failure::Refused(format!(
            "this catalog asks to run commands ({}); ispo never runs code from a catalog: a catalog is data (templates and TOML)",
            found.join(", ")
        )))
    }
}

/// Escape sequences and bidirectional overrides in text ispo shows (titles,
/// prompts, help, summaries) could rewrite or disguise what the user reads.
fn find_controls(path: &str, key: &str, value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::String(s) => {
            if let Some(c) = s.chars().find(|c| crate::text::is_terminal_control(*c)) {
                out.push(format!("`{key}` in {path} (U+{:04X})", c as u32));
            }
        }
        toml::Value::Array(items) => {
            for item in items {
                find_controls(path, key, item, out);
            }
        }
        toml::Value::Table(table) => {
            for (k, v) in table {
                find_controls(path, &format!("{key}.{k}"), v, out);
            }
        }
        _ => {}
    }
}

/// The character a TOML `\\u`/`\\U`/`\\x` escape's hex digits stand for.
pub fn hex_char(digits: Option<&str>) -> Option<char> {
    digits
        .and_then(|d| u32::from_str_radix(d, 16).ok())
        .and_then(char::from_u32)
}

// ---------- raw TOML shapes ----------
