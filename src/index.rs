//! The kit's generated index files: `README.md` (modules by challenge and
//! audience, what is left to fill in, the answers used) and `SOURCES.md`
//! (the upstream material each module builds on, with licences).
//!
//! Both are ordinary kit files afterwards: tracked with a base, merged on update.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::answers::Answers;
use crate::catalog::{Catalog, Module};
use crate::render::RenderedFile;
use crate::selection::{Decision, Reason};
use crate::source::{CatalogRecord, SourceRecord};

fn link(path: &str) -> String {
    if path.contains(' ') || path.contains('(') || path.contains(')') {
        format!("<{path}>")
    } else {
        path.to_string()
    }
}

fn module_line(m: &Module, files: &[&RenderedFile], catalog: &Catalog) -> String {
    let audiences: Vec<String> = m
        .audiences
        .iter()
        .map(|a| {
            catalog
                .audience(a)
                .map_or_else(|| a.clone(), |x| x.title.clone())
        })
        .collect();
    let mut line = match files.first() {
        Some(f) => format!("- [{}]({}) ({}", m.title, link(&f.path), m.kind.name()),
        None => format!("- {} ({}", m.title, m.kind.name()),
    };
    if !audiences.is_empty() {
        let _ = write!(line, "; for {}", audiences.join(", "));
    }
    let _ = write!(line, "): {}", m.summary);
    if files.len() > 1 {
        let rest: Vec<String> = files[1..]
            .iter()
            .map(|f| format!("[{}]({})", f.path, link(&f.path)))
            .collect();
        let _ = write!(line, " Also: {}.", rest.join(", "));
    }
    line
}

/// `README.md` of the kit.
pub fn readme(
    catalog: &Catalog,
    record: &SourceRecord,
    bases: &[CatalogRecord],
    selected: &[&Module],
    files: &[RenderedFile],
    answers: &Answers,
) -> String {
    // Grouped once: filtering every file for every module was quadratic.
    let mut grouped: BTreeMap<&str, Vec<&RenderedFile>> = BTreeMap::new();
    for f in files {
        grouped.entry(f.module.as_str()).or_default().push(f);
    }
    let by_module =
        |id: &str| -> Vec<&RenderedFile> { grouped.get(id).cloned().unwrap_or_default() };
    let mut out = String::new();
    out.push_str("# InnerSource kit\n\n");
    let commit = record
        .commit
        .strip_prefix("sha256:")
        .unwrap_or(&record.commit);
    let _ = writeln!(
        out,
        "Assembled by ispo from the catalog **{}** {} (`{}`), with {} module{} chosen for the answers below.",
        catalog.manifest.title,
        catalog.manifest.version,
        &commit[..commit.len().min(12)],
        selected.len(),
        if selected.len() == 1 { "" } else { "s" }
    );
    if !bases.is_empty() {
        let below: Vec<String> = bases
            .iter()
            .rev()
            .map(|b| {
                let c = b
                    .source
                    .commit
                    .strip_prefix("sha256:")
                    .unwrap_or(&b.source.commit);
                format!("**{}** {} (`{}`)", b.name, b.version, &c[..c.len().min(12)])
            })
            .collect();
        let _ = writeln!(
            out,
            "\nThat catalog builds on {}: it adds, changes and hides modules of {} without copying {}.",
            below.join(", then on "),
            if bases.len() == 1 { "it" } else { "them" },
            if bases.len() == 1 { "it" } else { "them" },
        );
    }
    out.push_str("\n## Working with this kit\n\n");
    out.push_str("- Edit any file: your changes are kept when the catalog moves on (`ispo update` merges them).\n");
    out.push_str("- Change an answer in `ispo-answers.toml`, then run `ispo update` to re-render what depends on it.\n");
    out.push_str("- `ispo status` lists every value still to fill in; `ispo explain` shows why each module is in or out.\n");
    out.push_str(
        "- [SOURCES.md](SOURCES.md) lists the public material the kit builds on, with licences.\n",
    );

    out.push_str("\n## Modules by challenge\n");
    let mut placed: Vec<&str> = Vec::new();
    for phase in ["begin", "adopt", "grow", "scale"] {
        let challenges: Vec<_> = catalog
            .challenges
            .iter()
            .filter(|c| {
                c.phase == phase && selected.iter().any(|m| m.challenges.first() == Some(&c.id))
            })
            .collect();
        if challenges.is_empty() {
            continue;
        }
        let mut title = phase.to_string();
        title[..1].make_ascii_uppercase();
        let _ = writeln!(out, "\n### {title}");
        for c in challenges {
            let _ = writeln!(out, "\n#### {}: {}\n", c.id, c.title);
            if let Some(s) = &c.summary {
                let _ = writeln!(out, "{s}\n");
            }
            for m in selected
                .iter()
                .filter(|m| m.challenges.first() == Some(&c.id))
            {
                let _ = writeln!(out, "{}", module_line(m, &by_module(&m.id), catalog));
                placed.push(&m.id);
            }
            if !c.links.is_empty() {
                let links: Vec<String> = c
                    .links
                    .iter()
                    .map(|l| format!("[{}]({})", l.title, l.url))
                    .collect();
                let _ = writeln!(out, "\nFurther reading: {}.", links.join(", "));
            }
        }
    }
    let others: Vec<&&Module> = selected
        .iter()
        .filter(|m| !placed.contains(&m.id.as_str()))
        .collect();
    if !others.is_empty() {
        out.push_str("\n### Other modules\n\n");
        for m in others {
            let _ = writeln!(out, "{}", module_line(m, &by_module(&m.id), catalog));
        }
    }

    out.push_str("\n## Modules by audience\n");
    for a in &catalog.audiences {
        let ms: Vec<&&Module> = selected
            .iter()
            .filter(|m| m.audiences.contains(&a.id))
            .collect();
        if ms.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n### {}\n", a.title);
        for m in ms {
            match by_module(&m.id).first() {
                Some(f) => {
                    let _ = writeln!(out, "- [{}]({})", m.title, link(&f.path));
                }
                None => {
                    let _ = writeln!(out, "- {}", m.title);
                }
            }
        }
    }

    let left_out: Vec<&Module> = catalog
        .modules
        .iter()
        .filter(|m| !selected.iter().any(|s| s.id == m.id))
        .collect();
    if !left_out.is_empty() {
        out.push_str("\n## Left out\n\nModules of the catalog this kit does not have, and why. Each can be added later: list it under `with` in the `[modules]` table of `ispo-answers.toml` and run `ispo update`.\n\n");
        let lookup = answers.lookup();
        for m in left_out {
            // Out by its condition, or else by the user's own choice.
            let reason = match &m.when {
                Some(c) if !c.eval(&lookup) => Reason::Condition(c.trace(&lookup)),
                _ => Reason::Without,
            };
            let d = Decision {
                id: m.id.clone(),
                included: false,
                reason,
            };
            let _ = writeln!(
                out,
                "- **{}** (`{}`): {}",
                m.title,
                m.id,
                crate::plain::why(catalog, &d, &lookup)
            );
        }
    }

    out.push_str("\n## Left to fill in\n\n");
    let mut places: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files {
        for (id, line) in f.markers() {
            places
                .entry(id)
                .or_default()
                .push(format!("{}:{line}", f.path));
        }
    }
    if places.is_empty() {
        out.push_str("Nothing: every fill-in value was provided.\n");
    } else {
        out.push_str("These values only your company knows. Each appears in the files as a marker; set it in `ispo-answers.toml` under `[fill]` and run `ispo update`, or replace the markers by hand. `ispo status` shows what is still open.\n\n");
        out.push_str("| Fill-in | What it is | Example | Where |\n|---|---|---|---|\n");
        let decls = catalog.all_fills();
        let json = answers.to_json();
        for (id, at) in &places {
            let (desc, example) = decls.get(id).map_or(
                ("(not declared by the catalog)".to_string(), String::new()),
                |d| {
                    (
                        d.description.clone(),
                        d.example_for(&json)
                            .map(|e| format!("`{e}`"))
                            .unwrap_or_default(),
                    )
                },
            );
            let shown: Vec<&str> = at.iter().take(3).map(String::as_str).collect();
            let more = if at.len() > 3 {
                format!(" and {} more", at.len() - 3)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| `{id}` | {} | {} | {}{more} |",
                cell(&desc),
                cell(&example),
                shown.join(", ")
            );
        }
    }

    out.push_str("\n## Answers used\n\n");
    for q in &catalog.questions {
        if let Some(a) = answers.get(&q.id) {
            let shown = match &a {
                crate::value::Answer::Choice(v) => q.label_of(v).unwrap_or(v).to_string(),
                crate::value::Answer::Multi(vs) => vs
                    .iter()
                    .map(|v| q.label_of(v).unwrap_or(v))
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::value::Answer::Text(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "- {} **{}**", q.prompt, cell(&shown));
        }
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// `SOURCES.md` of the kit.
pub fn sources(catalog: &Catalog, selected: &[&Module]) -> String {
    let mut out = String::from("# Sources\n\n");
    out.push_str("The modules of this kit are written for it, in their own words. They build on the public material below, which they link to rather than copy. Each source keeps its own licence.\n");
    let mut any = false;
    for m in selected.iter().filter(|m| !m.upstream.is_empty()) {
        any = true;
        let _ = writeln!(out, "\n## {}\n", m.title);
        for l in &m.upstream {
            match &l.licence {
                Some(lic) => {
                    let _ = writeln!(out, "- [{}]({}), licence {lic}", l.title, l.url);
                }
                None => {
                    let _ = writeln!(out, "- [{}]({})", l.title, l.url);
                }
            }
        }
    }
    if !any {
        out.push_str("\nThe selected modules name no upstream sources.\n");
    }
    let _ = writeln!(
        out,
        "\nCatalog: {} {}.",
        catalog.manifest.title, catalog.manifest.version
    );
    if catalog.is_layered() {
        let below: Vec<String> = catalog.layers[..catalog.layers.len() - 1]
            .iter()
            .rev()
            .map(|l| format!("{} {}", l.name, l.version))
            .collect();
        let _ = writeln!(
            out,
            "It builds on the catalog{} {}; each module's file in the kit comes from the catalog named in `ispo explain --file PATH`.",
            if below.len() == 1 { "" } else { "s" },
            below.join(", then ")
        );
    }
    out
}
