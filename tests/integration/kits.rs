//! The committed `kits/` are exactly what the examples render to today.

use std::collections::BTreeMap;

use pretty_assertions::assert_eq;

use crate::support::*;

/// The state's ispo version changes with every release, not with the content.
fn comparable(files: BTreeMap<String, String>) -> BTreeMap<String, String> {
    files
        .into_iter()
        // ispo's local caches are never committed (.ispo/.gitignore).
        .filter(|(p, _)| !p.starts_with(".ispo/cache/"))
        .map(|(p, c)| {
            // A company catalog is read from a copy in a temp folder,
            // whose path the state records.
            let c = if p == ".ispo/state.toml" {
                c.lines()
                    .filter(|l| !l.starts_with("ispo_version = ") && !l.starts_with("source = \"/"))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                c
            };
            (p, c)
        })
        .collect()
}

#[test]
fn kits_are_not_stale() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let env = Env::new();
    let mut examples: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 6, "expected at least six examples");
    for example in examples {
        let name = example.file_stem().unwrap().to_str().unwrap().to_string();
        let mut args = vec![
            "init".to_string(),
            name.clone(),
            "--answers".into(),
            example.to_str().unwrap().into(),
            "--non-interactive".into(),
            "-q".into(),
        ];
        if let Some(copy) = company_catalog(&env, &example) {
            args.extend(["--catalog".into(), copy]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        env.ispo(&refs).ok();
        let fresh = comparable(env.tree(&name));
        let committed = comparable(tree(&root.join("kits").join(&name)));
        assert!(
            !committed.is_empty(),
            "kits/{name} is missing: run scripts/render-kits.sh"
        );
        if fresh != committed {
            assert_eq!(
                committed, fresh,
                "kits/{name} is stale: run scripts/render-kits.sh and commit the result"
            );
        }
    }
}

fn selected_modules(kit: &std::path::Path) -> Vec<String> {
    let state = std::fs::read_to_string(kit.join(".ispo/state.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&state).unwrap();
    doc["selection"]["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn examples_cover_every_module_both_ways() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let kits: Vec<Vec<String>> = std::fs::read_dir(root.join("kits"))
        .unwrap()
        .flatten()
        .map(|e| selected_modules(&e.path()))
        .collect();
    for entry in std::fs::read_dir(root.join("catalog/modules"))
        .unwrap()
        .flatten()
    {
        let id = entry.file_name().to_string_lossy().into_owned();
        let meta: toml::Table =
            toml::from_str(&std::fs::read_to_string(entry.path().join("module.toml")).unwrap())
                .unwrap();
        let picked = kits.iter().filter(|k| k.contains(&id)).count();
        assert!(picked > 0, "module {id} is in no example kit");
        if meta.contains_key("when") {
            assert!(
                picked < kits.len(),
                "module {id} has a condition but every example selects it"
            );
        }
    }
}

#[test]
fn rendered_kits_hold_no_template_leftovers_or_undeclared_fill_ins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fills: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("catalog/fills.toml")).unwrap()).unwrap();
    let mut declared: Vec<String> = fills["fill"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    for entry in std::fs::read_dir(root.join("catalog/modules"))
        .unwrap()
        .flatten()
    {
        let meta: toml::Table =
            toml::from_str(&std::fs::read_to_string(entry.path().join("module.toml")).unwrap())
                .unwrap();
        if let Some(local) = meta.get("fill").and_then(|f| f.as_array()) {
            declared.extend(local.iter().map(|f| f["id"].as_str().unwrap().to_string()));
        }
    }
    let marker = regex::Regex::new(r"ISPO-FILL\(([^)]*)\)").unwrap();
    for (path, text) in tree(&root.join("kits")) {
        if path.contains("/.ispo/") || path.ends_with("/ispo-answers.toml") {
            continue;
        }
        // GitHub Actions expressions are `${{ ... }}`; anything else with `{{` escaped rendering.
        for (i, _) in text.match_indices("{{") {
            assert!(
                i > 0 && text.as_bytes()[i - 1] == b'$',
                "kits/{path}: unrendered `{{{{` at byte {i}"
            );
        }
        for cap in marker.captures_iter(&text) {
            assert!(
                declared.contains(&cap[1].to_string()),
                "kits/{path}: undeclared fill-in `{}`",
                &cap[1]
            );
        }
    }
}
