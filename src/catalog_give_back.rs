//! `ispo catalog give-back ITEM`: a company catalog's own module, or its
//! amendment of a module below it, proposed to the catalog it extends: as a
//! branch in a clean checkout of that catalog, or as a patch.
//!
//! A new module is copied under `modules/` with the questions, fill-ins,
//! challenges and audiences of the company catalog it uses declared too
//! (their TOML tables copied, comments kept). An amendment becomes the
//! same edit of the base's files and module.toml (toml_edit, comments
//! kept). Either way the base must still load and lint, and company data
//! (the company catalog's `[values]` and presets, and the domains in them)
//! is refused unless `--allow` names it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use toml_edit::{DocumentMut, Item, Value};

use crate::catalog::raw::RawAmend;
use crate::catalog::{parse_toml, Catalog, Files};
use crate::config::CatalogGiveBackConfig;
use crate::error::{Code, Failure};
use crate::give_back::{domains_of, git, lint_errors};
use crate::kit::sha256;
use crate::layers::{self, Stack};
use crate::output::Reporter;
use crate::source;

/// A path of the base, before and after (`None`: absent).
type Changed = (String, Option<Vec<u8>>, Option<Vec<u8>>);

pub fn run(req: &CatalogGiveBackConfig, reporter: &Reporter) -> Result<Code> {
    let overlay = source::read_dir_tree(&req.overlay)?;
    let (stack, catalog) = load(&req.overlay, overlay.clone(), req.offline, reporter)?;
    let top = catalog.manifest.name.clone();
    let id = req
        .item
        .trim_start_matches("amend/")
        .trim_start_matches("modules/")
        .trim_end_matches('/')
        .to_string();
    let is_new = overlay
        .keys()
        .any(|p| p.starts_with(&format!("modules/{id}/")));
    let is_amend = overlay
        .keys()
        .any(|p| p.starts_with(&format!("amend/{id}/")));
    if !is_new && !is_amend {
        return Err(Failure::Usage(format!(
            "`{}`: the catalog `{top}` has neither modules/{id}/ nor amend/{id}/",
            req.item
        ))
        .into());
    }
    let below: Vec<&str> = catalog.layers[..catalog.layers.len() - 1]
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    let default_to = if is_amend {
        catalog.module(&id).map(|m| m.origin.clone())
    } else {
        below.last().map(|s| s.to_string())
    };
    let to = req
        .to
        .clone()
        .or(default_to)
        .context("the catalog extends no other")?;
    if !below.contains(&to.as_str()) {
        return Err(Failure::Usage(format!(
            "--to {to}: not a catalog below `{top}` (below it: {})",
            below.join(", ")
        ))
        .into());
    }
    // The base as it is now: the checkout, or the stack's copy.
    let (root, base_files) = match &req.checkout {
        Some(dir) => {
            let root = match subdir_of(&stack, &to) {
                Some(s) => dir.join(s),
                None => dir.clone(),
            };
            (Some(root.clone()), source::read_dir_tree(&root)?)
        }
        None => (None, layer_files(&stack, &to)?),
    };
    let mut changed = base_files.clone();
    let what = if is_new {
        contribute_module(&id, &overlay, &mut changed)?
    } else {
        contribute_amendment(&id, &overlay, &mut changed)?
    };
    leak_check(&catalog, &base_files, &changed, &req.allow)?;
    let check_root = root
        .clone()
        .unwrap_or_else(|| req.overlay.join(".ispo-base-check"));
    if let Some(e) = lint_errors(&check_root, changed.clone(), reporter)? {
        return Err(
            Failure::Refused(format!("`{to}` would not load or lint with {what}: {e}")).into(),
        );
    }
    let diff: Vec<Changed> = changed
        .keys()
        .chain(base_files.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| base_files.get(*p) != changed.get(*p))
        .map(|p| {
            (
                p.clone(),
                base_files.get(p).cloned(),
                changed.get(p).cloned(),
            )
        })
        .collect();
    if let Some(file) = &req.patch {
        let changes: Vec<crate::diff::Change> = diff
            .iter()
            .map(|(p, a, b)| crate::diff::Change {
                path: p,
                action: "updated",
                old: a.as_deref(),
                new: b.as_deref(),
            })
            .collect();
        std::fs::write(file, crate::diff::text(&changes))
            .with_context(|| format!("cannot write {}", file.display()))?;
        reporter.status(
            "Wrote",
            format!("{} ({} file(s)) for `{to}`", file.display(), diff.len()),
        );
    }
    if let (Some(dir), Some(root)) = (&req.checkout, &root) {
        if !git(dir, &["status", "--porcelain"])?.is_empty() {
            return Err(Failure::Refused(format!(
                "--catalog-checkout {}: it has uncommitted changes; commit or stash them first",
                dir.display()
            ))
            .into());
        }
        let branch = format!("ispo-give-back/{top}-{id}");
        git(dir, &["switch", "-q", "-c", &branch])?;
        for (p, _, new) in &diff {
            let f = root.join(p);
            match new {
                Some(b) => {
                    if let Some(parent) = f.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::write(&f, b)?;
                }
                None => std::fs::remove_file(&f)?,
            }
        }
        git(root, &["add", "-A", "--", "."])?;
        git(dir, &["commit", "-q", "-m", &format!("{id}: {what}, given back from the catalog {top}\n\nMade by `ispo catalog give-back`; the catalog loads and lints with it.")])?;
        reporter.status("Committed", format!("{what} on {branch}"));
    }
    if req.patch.is_none() && req.checkout.is_none() {
        for (p, _, _) in &diff {
            reporter.status("Would change", p.clone());
        }
        reporter.note("nothing was written: give --patch FILE or --catalog-checkout DIR");
    }
    Ok(Code::Ok)
}

fn load(dir: &Path, files: Files, offline: bool, reporter: &Reporter) -> Result<(Stack, Catalog)> {
    let stack = layers::load_folder(dir, files, offline, &[], reporter)?;
    let catalog = stack.catalog()?;
    Ok((stack, catalog))
}

fn subdir_of(stack: &Stack, layer: &str) -> Option<String> {
    stack
        .layers
        .iter()
        .find(|l| l.name == layer)?
        .loaded
        .record
        .subdir
        .clone()
}

fn layer_files(stack: &Stack, layer: &str) -> Result<Files> {
    let l = stack
        .layers
        .iter()
        .find(|l| l.name == layer)
        .context("no such layer")?;
    let mut files = l.loaded.files()?;
    files.remove(crate::catalog::EXECUTABLE_KEY);
    Ok(files)
}

/// Copies `modules/<id>/` and the declarations it uses that the base lacks.
fn contribute_module(id: &str, overlay: &Files, base: &mut Files) -> Result<String> {
    if base
        .keys()
        .any(|p| p.starts_with(&format!("modules/{id}/")))
    {
        return Err(Failure::Refused(format!("the base already has a module `{id}`")).into());
    }
    let prefix = format!("modules/{id}/");
    let mut used = String::new();
    for (p, b) in overlay.iter().filter(|(p, _)| p.starts_with(&prefix)) {
        base.insert(p.clone(), b.clone());
        used.push_str(&String::from_utf8_lossy(b));
        used.push('\n');
    }
    let mentions = |word: &str| {
        used.match_indices(word).any(|(i, _)| {
            let before = used[..i].chars().next_back();
            let after = used[i + word.len()..].chars().next();
            let part = |c: Option<char>| {
                c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            };
            !part(before) && !part(after)
        })
    };
    let mut declared = Vec::new();
    for (file, array) in [
        ("questions.toml", "question"),
        ("fills.toml", "fill"),
        ("challenges.toml", "challenge"),
        ("catalog.toml", "audience"),
    ] {
        let Some(text) = overlay
            .get(file)
            .map(|b| String::from_utf8_lossy(b).into_owned())
        else {
            continue;
        };
        let doc: DocumentMut = text
            .parse()
            .with_context(|| format!("the company catalog's {file} is not TOML"))?;
        let Some(tables) = doc.get(array).and_then(Item::as_array_of_tables) else {
            continue;
        };
        let mut target: DocumentMut = base
            .get(file)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("the base's {file} is not TOML"))?;
        let mut added = false;
        for t in tables.iter() {
            let Some(tid) = t.get("id").and_then(|v| v.as_str()) else {
                continue;
            };
            let exists = target
                .get(array)
                .and_then(Item::as_array_of_tables)
                .is_some_and(|ts| {
                    ts.iter()
                        .any(|x| x.get("id").and_then(|v| v.as_str()) == Some(tid))
                });
            if exists || !mentions(tid) {
                continue;
            }
            let list = target
                .entry(array)
                .or_insert(Item::ArrayOfTables(Default::default()))
                .as_array_of_tables_mut()
                .context("not an array of tables")?;
            list.push(t.clone());
            declared.push(format!("{array} `{tid}`"));
            added = true;
        }
        if added {
            base.insert(file.to_string(), target.to_string().into_bytes());
        }
    }
    Ok(if declared.is_empty() {
        format!("the module `{id}`")
    } else {
        format!("the module `{id}` (with {})", declared.join(", "))
    })
}

/// The amendment in `amend/<id>/` as the base's own edit.
fn contribute_amendment(id: &str, overlay: &Files, base: &mut Files) -> Result<String> {
    let module_toml = format!("modules/{id}/module.toml");
    let Some(text) = base
        .get(&module_toml)
        .map(|b| String::from_utf8_lossy(b).into_owned())
    else {
        return Err(Failure::Refused(format!(
            "the base has no module `{id}` (modules/{id}/module.toml)"
        ))
        .into());
    };
    let amend_path = format!("amend/{id}/amend.toml");
    let amend: RawAmend = match overlay.get(&amend_path) {
        Some(b) => parse_toml(&amend_path, &String::from_utf8_lossy(b))
            .map_err(|d| Failure::Invalid(vec![d]))?,
        None => RawAmend::default(),
    };
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("{module_toml} is not TOML"))?;
    let mut what = Vec::new();
    for (key, v) in [("title", &amend.title), ("summary", &amend.summary)] {
        if let Some(v) = v {
            doc[key] = toml_edit::value(v.as_str());
            what.push(key.to_string());
        }
    }
    let old_when = doc.get("when").and_then(|w| w.as_str()).map(str::to_string);
    let new_when = match (&amend.when, &amend.when_and, &amend.when_or, &old_when) {
        (Some(w), _, _, _) => Some(w.get_ref().clone()),
        (_, Some(w), _, Some(old)) => Some(format!("({old}) and ({})", w.get_ref())),
        (_, _, Some(w), Some(old)) => Some(format!("({old}) or ({})", w.get_ref())),
        (_, Some(w), _, None) | (_, _, Some(w), None) => Some(w.get_ref().clone()),
        _ => None,
    };
    if let Some(w) = new_when {
        doc["when"] = toml_edit::value(w);
        what.push("condition".into());
    }
    for (key, add, remove) in [
        (
            "challenges",
            &amend.add.challenges,
            &amend.remove.challenges,
        ),
        ("audiences", &amend.add.audiences, &amend.remove.audiences),
        ("requires", &amend.add.requires, &amend.remove.requires),
        ("conflicts", &amend.add.conflicts, &amend.remove.conflicts),
    ] {
        if add.is_empty() && remove.is_empty() {
            continue;
        }
        let mut list: Vec<String> = doc
            .get(key)
            .and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        list.retain(|x| !remove.iter().any(|r| r.get_ref() == x));
        list.extend(
            add.iter()
                .map(|a| a.get_ref().clone())
                .filter(|a| !list.contains(a))
                .collect::<Vec<_>>(),
        );
        let mut arr = toml_edit::Array::new();
        for x in list {
            arr.push(Value::from(x));
        }
        doc[key] = toml_edit::value(arr);
        what.push(key.to_string());
    }
    let files_prefix = format!("amend/{id}/files/");
    let declared: BTreeMap<&str, Option<&str>> = amend
        .file
        .iter()
        .map(|f| {
            (
                f.path.get_ref().as_str(),
                f.replaces_sha256.as_ref().map(|s| s.get_ref().as_str()),
            )
        })
        .collect();
    let mut n = 0;
    for (p, b) in overlay.iter().filter(|(p, _)| p.starts_with(&files_prefix)) {
        let rel = &p[files_prefix.len()..];
        let target = format!("modules/{id}/files/{rel}");
        if let Some(now) = base.get(&target) {
            match declared.get(rel).copied().flatten() {
                Some(then) if then == sha256(now) => {}
                Some(_) => {
                    return Err(Failure::Refused(format!(
                        "{p}: the base changed this file since the replacement was made; run `ispo catalog refresh` first"
                    ))
                    .into())
                }
                None => {
                    return Err(Failure::Refused(format!(
                        "{p}: amend.toml does not say which version of the base's file it replaces; add [[file]] path = \"{rel}\" replaces_sha256 = \"{}\" (if that is the version it was made from), then give it back",
                        sha256(now)
                    ))
                    .into())
                }
            }
        }
        base.insert(target, b.clone());
        n += 1;
    }
    for r in &amend.remove_files {
        base.remove(&format!("modules/{id}/files/{}", r.get_ref()));
        n += 1;
    }
    if !amend.remove_files.is_empty() {
        if let Some(outputs) = doc.get_mut("output").and_then(Item::as_array_of_tables_mut) {
            let gone: Vec<&str> = amend
                .remove_files
                .iter()
                .map(|r| r.get_ref().as_str())
                .collect();
            outputs.retain(|t| {
                !t.get("source")
                    .and_then(|s| s.as_str())
                    .is_some_and(|s| gone.contains(&s))
            });
        }
    }
    if n > 0 {
        what.push(format!("{n} file(s)"));
    }
    base.insert(module_toml, doc.to_string().into_bytes());
    Ok(format!(
        "the company's change to `{id}` ({})",
        what.join(", ")
    ))
}

/// The company's own values must not travel: `[values]`, presets, and the
/// domains of e-mail addresses and URLs in them.
fn leak_check(catalog: &Catalog, before: &Files, after: &Files, allow: &[String]) -> Result<()> {
    let top = catalog.manifest.name.as_str();
    let mut company: Vec<String> = catalog
        .fill_values
        .values()
        .filter(|v| v.layer == top)
        .map(|v| v.value.clone())
        .collect();
    company.extend(
        catalog
            .questions
            .iter()
            .filter_map(|q| q.preset.as_ref().filter(|p| p.layer == top))
            .filter_map(|p| match &p.value {
                crate::value::Answer::Text(t) => Some(t.clone()),
                _ => None,
            }),
    );
    let domains = domains_of(&company);
    company.extend(domains);
    company.retain(|v| v.len() >= 4 && !allow.contains(v));
    let mut found = BTreeSet::new();
    for (p, b) in after {
        if before.get(p) == Some(b) {
            continue;
        }
        let text = String::from_utf8_lossy(b);
        let old = before
            .get(p)
            .map(|o| String::from_utf8_lossy(o).into_owned())
            .unwrap_or_default();
        for v in &company {
            if text.contains(v.as_str()) && !old.contains(v.as_str()) {
                found.insert(format!("`{v}` in {p}"));
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Failure::Refused(format!(
        "the contribution would carry the company's own data: {}; rephrase, or pass --allow for each",
        found.into_iter().collect::<Vec<_>>().join(", ")
    ))
    .into())
}
