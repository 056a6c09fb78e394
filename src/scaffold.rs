//! `ispo catalog new` and `ispo module new`: a company catalog on top of
//! another one, and a module in a catalog, each written lint-clean (checked
//! in memory before anything is written), so creating what is missing
//! starts from something that works.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::catalog::{is_id, is_module_id, Catalog, Files};
use crate::config::CatalogNewConfig;
use crate::error::{Code, Failure};
use crate::layers::{self, Stack};
use crate::lint;
use crate::output::Reporter;
use crate::question::Question;
use crate::source::{self, CatalogRecord, SourceRecord, BUILTIN};
use crate::value::QuestionKind;

/// `ispo catalog new DIR --extends SOURCE[@REF]`.
pub fn catalog_new(cfg: &CatalogNewConfig, reporter: &Reporter) -> Result<Code> {
    refuse_occupied(&cfg.dir)?;
    let stack = layers::load(&cfg.base, reporter)?;
    let base = stack.catalog()?;
    let base_name = base.manifest.name.clone();
    let name = match &cfg.name {
        Some(n) => n.clone(),
        None => derived_name(&cfg.dir),
    };
    if !is_module_id(&name) || name == base_name {
        return Err(Failure::Usage(format!(
            "`{name}` cannot name the new catalog: use lowercase letters, digits, `-` and `_`, and a name other than the base's (`{base_name}`); pass --name"
        ))
        .into());
    }
    let record = stack.record();
    let files = overlay_files(&name, &base, record, &cfg.dir);
    check_clean(&stack.records(), &files, &cfg.dir, reporter)?;
    write_new_folder(&cfg.dir, &files)?;
    reporter.status(
        "Created",
        format!(
            "catalog `{name}` in {} on {base_name} {}; check it with `ispo catalog lint {}`, add a module with `ispo module new <id> --catalog {}`",
            cfg.dir.display(),
            base.manifest.version,
            cfg.dir.display(),
            cfg.dir.display()
        ),
    );
    Ok(Code::Ok)
}

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

fn refuse_occupied(dir: &Path) -> Result<()> {
    if !crate::kit::non_empty_entries(dir)?.is_empty() {
        return Err(Failure::Refused(format!(
            "`{}` exists and is not empty; ispo writes a new catalog or module only into a new or empty folder",
            dir.display()
        ))
        .into());
    }
    Ok(())
}

fn derived_name(dir: &Path) -> String {
    let raw = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let raw = raw.strip_suffix("-catalog").unwrap_or(&raw);
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// The catalog in `dir` on its bases, as lint reads it.
fn load_folder(dir: &Path, offline: bool, reporter: &Reporter) -> Result<(Stack, Catalog)> {
    let files = source::read_dir_tree(dir)?;
    let stack = layers::load_folder(dir, files, offline, &[], reporter)?;
    let catalog = stack
        .catalog()
        .context("the catalog must load before a module is added to it")?;
    Ok((stack, catalog))
}

/// What is about to be written loads and lints without errors on top of
/// the same bases; anything else is ispo's mistake, and nothing is written.
fn check_clean(
    pins: &[CatalogRecord],
    files: &Files,
    dir: &Path,
    reporter: &Reporter,
) -> Result<()> {
    let probe = layers::load_folder(dir, files.clone(), true, pins, reporter)?;
    let catalog = probe.catalog()?;
    let (errors, _) = lint::lint(&catalog);
    if let Some(e) = errors.first() {
        anyhow::bail!(
            "ispo's scaffold does not lint cleanly ({e}); nothing was written; please report this"
        );
    }
    Ok(())
}

/// Writes `files` into a new folder `dir`, all or nothing: a sibling
/// temporary folder renamed into place.
fn write_new_folder(dir: &Path, files: &Files) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".ispo-new-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    for (rel, bytes) in files {
        let p = staging.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// catalog.toml, questions.toml, fills.toml and a README for a new overlay.
fn overlay_files(name: &str, base: &Catalog, record: &SourceRecord, dir: &Path) -> Files {
    let shown = dir.display();
    let mut manifest = String::new();
    let _ = writeln!(
        manifest,
        "# `{name}`: a company catalog on top of {} {}. It copies nothing:\n\
         # add modules under modules/ (`ispo module new <id> --catalog {shown}`),\n\
         # amend the base's in amend/<id>/ (amend.toml, files/), change its\n\
         # questions in questions.toml and give company-wide fill-in values in\n\
         # fills.toml. Every key: docs/catalog-format.md, \"Layers\".\n\
         #\n\
         # Check it:  ispo catalog lint {shown}\n\
         # Try it:    ispo init my-kit --catalog {shown}\n",
        base.manifest.name, base.manifest.version
    );
    let _ = writeln!(manifest, "[catalog]\nname = {}", toml_str(name));
    let mut title = name.to_string();
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let _ = writeln!(
        manifest,
        "title = {}",
        toml_str(&format!("{title} InnerSource catalog"))
    );
    manifest.push_str("version = \"0.1.0\"\nformat = 1\n");
    manifest.push_str(
        "# Modules of the base your kits never get, e.g. hide = [\"gig-board\"]\nhide = []\n\n",
    );
    let _ = writeln!(
        manifest,
        "[[extends]]\nname = {}\nsource = {}",
        toml_str(&base.manifest.name),
        toml_str(&record.source)
    );
    match &record.reference {
        Some(r) => {
            let _ = writeln!(manifest, "ref = {}", toml_str(r));
        }
        None if record.source != BUILTIN => {
            manifest.push_str(
                "# ref = \"v1.0.0\"   # a tag keeps your kits on a release of the base\n",
            );
        }
        None => {}
    }
    if let Some(s) = &record.subdir {
        let _ = writeln!(manifest, "subdir = {}", toml_str(s));
    }

    let mut questions = String::from(
        "# Questions of your own ([[question]], asked after the base's), and\n\
         # changes to the base's ([[amend]]): prompt, help, default, add_choices,\n\
         # hide_choices, or a preset answer your kits are not asked for.\n",
    );
    if let Some(q) = base
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Choice)
    {
        let _ = writeln!(
            questions,
            "#\n# [[amend]]\n# question = {}\n# preset = {}",
            toml_str(&q.id),
            toml_str(&q.choices[0].value)
        );
    }
    questions.push_str("#\n# The base's questions:\n");
    for q in &base.questions {
        let _ = writeln!(questions, "#   {}: {}", q.id, one_line(q));
    }

    let mut fills = String::from(
        "# Fill-in values every kit of this catalog gets without asking; a kit's\n\
         # own [fill] in ispo-answers.toml still wins. Uncomment and set:\n[values]\n",
    );
    for f in base.all_fills().values() {
        let kind = match f.kind {
            crate::fill_kind::FillKind::Text => String::new(),
            k => format!(" ({})", k.in_words()),
        };
        let _ = writeln!(
            fills,
            "# {} = \"\"   # {}{kind}",
            f.id,
            f.description.replace('\n', " ")
        );
    }

    let readme = format!(
        "# {name}\n\nA company catalog for ispo on top of `{}` {}: it adds, changes and hides\nmodules of that catalog without copying it, so its improvements keep reaching your kits.\n\n- `catalog.toml`: this catalog's name and version, the catalog it extends (`[[extends]]`), hidden modules.\n- `questions.toml`, `fills.toml`: your questions and changes to the base's; company-wide fill-in values.\n- `modules/<id>/`: modules of your own (`ispo module new <id>`).\n- `amend/<id>/`: changes to a module of the base (`amend.toml`, and files under `files/` that replace or add to its files).\n\nCheck it with `ispo catalog lint .`; make a kit with `ispo init my-kit --catalog .` (commit first if this folder is a git repository: ispo reads committed content).\n",
        base.manifest.name, base.manifest.version
    );
    let mut out = BTreeMap::new();
    out.insert("catalog.toml".to_string(), manifest.into_bytes());
    out.insert("questions.toml".to_string(), questions.into_bytes());
    out.insert("fills.toml".to_string(), fills.into_bytes());
    out.insert("README.md".to_string(), readme.into_bytes());
    out
}

fn one_line(q: &Question) -> String {
    let mut s = q.prompt.replace('\n', " ");
    if !q.choices.is_empty() {
        let _ = write!(s, " ({})", q.choice_values().join(", "));
    }
    s
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
