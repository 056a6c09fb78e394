//! `ispo module new ID --catalog DIR`: a lint-clean module (module.toml
//! with a condition stub, a template, a fill-in) in a catalog.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::Result;

use crate::catalog::{is_id, is_module_id, Catalog, Files};
use crate::error::{Code, Failure};
use crate::output::Reporter;
use crate::source;
use crate::value::QuestionKind;

use crate::scaffold::{check_clean, load_folder, refuse_occupied, toml_str, write_new_folder};

/// `ispo module new ID --catalog DIR`.
pub fn module_new(id: &str, dir: &Path, offline: bool, reporter: &Reporter) -> Result<Code> {
    if !is_module_id(id) {
        return Err(Failure::Usage(format!(
            "`{id}` is not a module id: start with a lowercase letter, then use a-z, 0-9, `-` and `_` (at most 64 characters)"
        ))
        .into());
    }
    let (stack, catalog) = load_folder(dir, offline, reporter)?;
    if let Some(m) = catalog.module(id) {
        let how = if Some(&m.origin) == catalog.layers.last().map(|l| &l.name) {
            format!("it is in {}", dir.join("modules").join(id).display())
        } else {
            format!("it comes from the catalog `{}`: amend it in amend/{id}/ instead, or pick another id", m.origin)
        };
        return Err(Failure::Refused(format!("module `{id}` already exists: {how}")).into());
    }
    if let Some(layer) = catalog.hidden.get(id) {
        return Err(Failure::Refused(format!(
            "module `{id}` exists in a lower catalog and `{layer}` hides it; pick another id"
        ))
        .into());
    }
    let target = dir.join("modules").join(id);
    refuse_occupied(&target)?;
    let files = module_files(id, &catalog);
    let mut all = source::read_dir_tree(dir)?;
    all.extend(
        files
            .iter()
            .map(|(p, b)| (format!("modules/{id}/{p}"), b.clone())),
    );
    check_clean(&stack.bases(), &all, dir, reporter)?;
    write_new_folder(&target, &files)?;
    reporter.status(
        "Created",
        format!(
            "module `{id}` in {}: edit its module.toml (title, summary, condition) and files/, then `ispo catalog lint {}`",
            target.display(),
            dir.display()
        ),
    );
    Ok(Code::Ok)
}

/// module.toml and one template for a new module, relative to its folder.
fn module_files(id: &str, catalog: &Catalog) -> Files {
    let title: String = id
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let known = catalog.all_fills();
    let stem = id.replace('-', "_");
    let mut fill = format!("{stem}_owner");
    let mut n = 2;
    while known.contains_key(&fill) || !is_id(&fill) {
        fill = format!("{stem}_owner_{n}");
        n += 1;
    }
    let mut toml = String::new();
    let _ = writeln!(toml, "id = {}", toml_str(id));
    let _ = writeln!(toml, "title = {}", toml_str(&title));
    toml.push_str("summary = \"One sentence: what this module gives the kit, and for whom.\"\n");
    toml.push_str("# doc, training, tooling or template\nkind = \"doc\"\n");
    if let Some(a) = catalog.audiences.first() {
        let _ = writeln!(toml, "audiences = [{}]", toml_str(&a.id));
    }
    match catalog.challenges.first() {
        Some(c) => {
            let _ = writeln!(
                toml,
                "# The challenges it addresses (challenges.toml of the stack); the first one places it in the kit's README.\nchallenges = [{}]",
                toml_str(&c.id)
            );
        }
        None => toml.push_str("challenges = []\n"),
    }
    let stub = catalog
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Choice && q.when.is_none())
        .map(|q| format!("{} == {}", q.id, q.choices[0].value))
        .unwrap_or_else(|| "engineers > 100".to_string());
    let _ = writeln!(
        toml,
        "# When the module applies; without `when`, every kit gets it.\n# when = {}",
        toml::Value::String(stub).to_string().replace('"', "'")
    );
    let _ = writeln!(
        toml,
        "\n[[fill]]\nid = {}\ndescription = {}\nexample = \"Jane Doe\"",
        toml_str(&fill),
        toml_str(&format!("Who at your company owns \"{title}\""))
    );
    let template = format!(
        "# {title}\n\nOwner: {{{{fill.{fill}}}}}\n\nWrite the module's text here. Answers are values by question id, and\n`#if` blocks adjust the text to them (docs/catalog-format.md, \"Templates\").\n"
    );
    let mut out = BTreeMap::new();
    out.insert("module.toml".to_string(), toml.into_bytes());
    out.insert(format!("files/docs/{id}.md"), template.into_bytes());
    out
}
