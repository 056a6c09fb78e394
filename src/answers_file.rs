//! The kit's answers file, `ispo-answers.toml`, as ispo writes it: every
//! question with its prompt and allowed values as comments, the fill-in
//! values, the module overrides and the paths that are the user's, so that
//! editing it by hand is the normal way to change an answer
//! (`answers_edit` keeps the user's own edits of it on update).

use std::collections::BTreeMap;

use crate::answers::Answers;
use crate::catalog::{Catalog, FillDecl};
use crate::value::QuestionKind;

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// Renders the kit's answers file: every question with its prompt and allowed
/// values as comments, so editing it by hand is the normal way to change an answer.
pub fn answers_file(
    catalog: &Catalog,
    answers: &Answers,
    fills: &BTreeMap<String, String>,
    used_fills: &[FillDecl],
    with: &[String],
    without: &[String],
    mine: &[String],
) -> String {
    let mut out = String::new();
    out.push_str("# ispo answers for this kit.\n");
    out.push_str("# Edit a value here, then run `ispo update` to re-render the kit with it.\n");
    out.push_str("# Questions that do not apply are listed commented out.\n\n");
    for q in &catalog.questions {
        out.push_str(&format!("# {}\n", q.prompt));
        match q.kind {
            QuestionKind::Choice | QuestionKind::Multi => {
                out.push_str(&format!(
                    "# {}: {}\n",
                    if q.kind == QuestionKind::Multi {
                        "any of"
                    } else {
                        "one of"
                    },
                    q.choice_values().join(", ")
                ));
            }
            QuestionKind::Integer => {
                if let (Some(a), Some(b)) = (q.min, q.max) {
                    out.push_str(&format!("# a whole number from {a} to {b}\n"));
                }
            }
            _ => {}
        }
        match answers.get(&q.id) {
            Some(a) if answers.preset.contains(&q.id) => out.push_str(&format!(
                "# {} = {}  (the {} catalog's answer; set it here to answer for this kit)\n\n",
                q.id,
                a.to_toml(),
                q.preset.as_ref().map_or("", |p| p.layer.as_str())
            )),
            Some(a) => out.push_str(&format!("{} = {}\n\n", q.id, a.to_toml())),
            None => out.push_str(&format!("# {} = (does not apply)\n\n", q.id)),
        }
    }
    out.push_str("[fill]\n");
    out.push_str(
        "# Values only your company knows. Unset ones appear in the kit as ISPO-FILL(<id>);\n",
    );
    out.push_str("# set them here (or with --set fill.<id>=...) and run `ispo update`.\n");
    for f in used_fills {
        out.push_str(&format!("# {}", f.description));
        if let Some(e) = &f.example {
            out.push_str(&format!(" (e.g. {e})"));
        }
        out.push('\n');
        let company = catalog.fill_values.get(&f.id);
        match fills.get(&f.id) {
            Some(v) => out.push_str(&format!("{} = {}\n", f.id, toml::Value::String(v.clone()))),
            None if company.is_some() => {
                let c = company.expect("checked");
                out.push_str(&format!(
                    "# {} = {}  (the {} catalog's value; set it here to use another)\n",
                    f.id,
                    toml::Value::String(c.value.clone()),
                    c.layer
                ));
            }
            None => out.push_str(&format!("# {} = \"\"\n", f.id)),
        }
    }
    for (id, v) in fills {
        if !used_fills.iter().any(|f| &f.id == id) {
            out.push_str(&format!(
                "{} = {}\n",
                toml_key(id),
                toml::Value::String(v.clone())
            ));
        }
    }
    out.push_str("\n[modules]\n# Modules forced in or out, whatever the answers say.\n");
    out.push_str(&format!(
        "with = {}\n",
        toml::Value::Array(
            with.iter()
                .map(|s| toml::Value::String(s.clone()))
                .collect()
        )
    ));
    out.push_str(&format!(
        "without = {}\n",
        toml::Value::Array(
            without
                .iter()
                .map(|s| toml::Value::String(s.clone()))
                .collect()
        )
    ));
    out.push_str("\n[files]\n# Kit paths (globs such as \"program/CHARTER.md\" or \"slides/**\") that are yours alone:\n# ispo never writes, merges or deletes them again.\n");
    out.push_str(&format!(
        "mine = {}\n",
        toml::Value::Array(
            mine.iter()
                .map(|s| toml::Value::String(s.clone()))
                .collect()
        )
    ));
    out
}
