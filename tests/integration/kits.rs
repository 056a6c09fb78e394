//! The committed `kits/` are exactly what the examples render to today.

use std::collections::BTreeMap;

use pretty_assertions::assert_eq;

use crate::support::*;

/// The state's ispo version changes with every release, not with the content.
fn comparable(files: BTreeMap<String, String>) -> BTreeMap<String, String> {
    files
        .into_iter()
        .map(|(p, c)| {
            let c = if p == ".ispo/state.toml" {
                c.lines()
                    .filter(|l| !l.starts_with("ispo_version = "))
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
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "expected at least five examples");
    for example in examples {
        let name = example.file_stem().unwrap().to_str().unwrap().to_string();
        env.ispo(&[
            "init",
            &name,
            "--answers",
            example.to_str().unwrap(),
            "--non-interactive",
            "-q",
        ])
        .ok();
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
