//! The code's structure holds: no import cycle between files under `src/`,
//! and every file imports only from its own layer of the pipeline or lower
//! ones (the layers are listed below and in CONTRIBUTING.md's code map).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;

/// The pipeline's layers, lowest first. A file may use its own layer and
/// the ones below it, never one above.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "error",
            "text",
            "value",
            "suggest",
            "version",
            "release_notes",
            "interrupt",
            "paths",
            "fill",
            "skeleton",
            "escape",
            "expansion",
            "template_refs",
            "diff",
            "merge",
            "answers_edit",
            "backmap",
        ],
    ),
    (
        "catalog model",
        &[
            "condition",
            "question",
            "fill_kind",
            "catalog",
            "catalog::lazy",
            "catalog::model",
            "catalog::raw",
            "catalog::refuse",
            "catalog::parse",
            "catalog::load_questions",
            "catalog::load",
            "catalog::overlay",
        ],
    ),
    (
        "input, output and configuration",
        &[
            "output",
            "pick_list",
            "prompt",
            "fetch",
            "status_stamps",
            "dirty_check",
            "tree_listing",
            "source",
            "layers",
            "user_config",
            "tags",
            "resume",
            "arguments",
            "config",
        ],
    ),
    (
        "stages",
        &[
            "fills_given",
            "answers",
            "answers_file",
            "fill_entry",
            "selection",
            "plain",
            "pick",
            "rendered",
            "render_context",
            "render_diag",
            "local_cache",
            "render_cache",
            "render",
            "index",
            "lint",
            "kit",
            "store",
            "stat_cache",
            "assemble",
        ],
    ),
    (
        "update stages",
        &[
            "update::plan",
            "update::request",
            "update::apply",
            "update::clean",
            "update::report",
            "update::pr_report",
            "update::versions",
        ],
    ),
    (
        "commands",
        &[
            "init",
            "update",
            "update::check",
            "explain_layers",
            "explain",
            "status",
            "catalog_lint",
            "scaffold",
            "catalog_new",
            "module_new",
            "refresh",
            "give_back",
            "catalog_give_back",
            "completions",
            "manpages",
        ],
    ),
];

struct Source {
    file: String,
    module: String,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    collect(&root, &root, &mut out);
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<Source>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        let module = parts.join("::");
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests may reach anywhere; comments name things without using them.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        out.push(Source {
            file: format!("src/{}", path.strip_prefix(root).unwrap().display()),
            module,
            text: code,
        });
    }
}

/// The longest known module that `path` (`a::b::Item`) names.
fn resolve(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|c| modules.contains(c))
}

/// The items of a brace group (`{a::{b, c}, d}` → `a`, `d`), top level only.
fn group_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    items.push(std::mem::take(&mut current));
                    break;
                }
            }
            ',' if depth == 1 => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        if depth >= 1 {
            current.push(c);
        }
    }
    items
        .into_iter()
        .map(|i| {
            i.split("::{")
                .next()
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .filter(|i: &String| !i.is_empty())
        .collect()
}

/// Module → the modules its code uses.
fn graph() -> BTreeMap<String, (String, BTreeSet<String>)> {
    let sources = sources();
    let modules: BTreeSet<String> = sources.iter().map(|s| s.module.clone()).collect();
    let path = Regex::new(r"crate::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)").unwrap();
    let group = Regex::new(r"crate::\{").unwrap();
    let sup = Regex::new(r"super::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)").unwrap();
    let relative = Regex::new(r"(?m)^\s*(?:pub\s+)?use\s+([a-z_][a-z0-9_]*)::").unwrap();
    let mut out = BTreeMap::new();
    for s in &sources {
        let mut uses = BTreeSet::new();
        for c in path.captures_iter(&s.text) {
            uses.extend(resolve(&c[1], &modules));
        }
        for m in group.find_iter(&s.text) {
            for item in group_items(&s.text[m.end() - 1..]) {
                uses.extend(resolve(&item, &modules));
            }
        }
        let parent = s.module.rsplit_once("::").map(|(p, _)| p.to_string());
        for c in sup.captures_iter(&s.text) {
            let full = match &parent {
                Some(p) => format!("{p}::{}", &c[1]),
                None => c[1].to_string(),
            };
            uses.extend(resolve(&full, &modules));
        }
        // `use child::…` inside a folder module names its own child.
        for c in relative.captures_iter(&s.text) {
            let child = format!("{}::{}", s.module, &c[1]);
            if modules.contains(&child) {
                uses.insert(child);
            }
        }
        uses.remove(&s.module);
        out.insert(s.module.clone(), (s.file.clone(), uses));
    }
    out
}

/// Every cycle found, each as the files along it.
fn cycles(graph: &BTreeMap<String, (String, BTreeSet<String>)>) -> Vec<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, (String, BTreeSet<String>)>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut cycle: Vec<String> = stack[i..].to_vec();
            cycle.push(n.to_string());
            found.push(cycle.iter().map(|m| graph[m].0.clone()).collect());
            return;
        }
        if done.contains(n) {
            return;
        }
        stack.push(n.to_string());
        for next in &graph[n].1 {
            visit(next, graph, stack, done, found);
        }
        stack.pop();
        done.insert(n.to_string());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        visit(n, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn no_import_cycle_between_files() {
    let g = graph();
    assert!(g.len() > 30, "found only {} source files", g.len());
    let found = cycles(&g);
    assert!(
        found.is_empty(),
        "import cycles between files under src/ (each file uses the next):\n  {}",
        found
            .iter()
            .map(|c| c.join(" -> "))
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn every_file_uses_only_its_own_layer_or_lower_ones() {
    let g = graph();
    let layer_of: BTreeMap<&str, usize> = LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (_, ms))| ms.iter().map(move |m| (*m, i)))
        .collect();
    let unplaced: Vec<&String> = g
        .keys()
        .filter(|m| !layer_of.contains_key(m.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "files in no layer: {unplaced:?}; add each to LAYERS in tests/integration/structure.rs and to CONTRIBUTING.md's code map"
    );
    let gone: Vec<&&str> = layer_of.keys().filter(|m| !g.contains_key(**m)).collect();
    assert!(
        gone.is_empty(),
        "LAYERS names modules that no longer exist: {gone:?}"
    );
    let mut upward = Vec::new();
    for (module, (file, uses)) in &g {
        let mine = layer_of[module.as_str()];
        for u in uses {
            let theirs = layer_of[u.as_str()];
            if theirs > mine {
                upward.push(format!(
                    "{file} ({}) uses {} ({})",
                    LAYERS[mine].0, g[u].0, LAYERS[theirs].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "dependencies must point down the pipeline:\n  {}",
        upward.join("\n  ")
    );
}

#[test]
fn the_reader_finds_uses_in_every_form() {
    assert_eq!(
        group_items("{kit::{self, State}, paths::SIDECAR,\n  render}"),
        vec!["kit", "paths::SIDECAR", "render"]
    );
    let modules: BTreeSet<String> = ["kit", "update", "update::plan"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        resolve("update::plan::Action", &modules).as_deref(),
        Some("update::plan")
    );
    assert_eq!(resolve("update::run", &modules).as_deref(), Some("update"));
    assert_eq!(resolve("nothing::here", &modules), None);
}
