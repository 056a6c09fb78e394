//! `ispo catalog new DIR --extends SOURCE[@REF]`: a company catalog on top
//! of another one, lint-clean, with the questions and fill-ins below listed
//! as comments to start from.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::Result;

use crate::catalog::{is_module_id, Catalog, Files};
use crate::config::CatalogNewConfig;
use crate::error::{Code, Failure};
use crate::layers;
use crate::output::Reporter;
use crate::question::Question;
use crate::source::{SourceRecord, BUILTIN};
use crate::value::QuestionKind;

use crate::scaffold::{check_clean, refuse_occupied, toml_str, write_new_folder};

/// `ispo catalog new DIR --extends SOURCE[@REF]`.
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
