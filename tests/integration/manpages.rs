//! The committed man pages (`man/`) are what `ispo manpages` renders from
//! the command line's own description today: they cannot drift from `--help`.

use crate::support::*;

#[test]
fn the_committed_man_pages_match_a_fresh_render() {
    let env = Env::new();
    env.ispo(&["manpages", "fresh"])
        .ok()
        .stderr_has("man pages into fresh");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = tree(&root.join("man"));
    let fresh = env.tree("fresh");
    assert!(fresh.contains_key("ispo-init.1") && fresh.contains_key("ispo-catalog-lint.1"));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "man/ is stale: run `cargo run -- manpages man` and commit the result"
    );
    for (name, text) in &fresh {
        assert!(
            committed[name] == *text,
            "man/{name} is stale: run `cargo run -- manpages man` and commit the result"
        );
    }
    // Each page documents what --help says.
    let help = env.ispo(&["init", "--help"]).ok().stdout.clone();
    assert!(help.contains("--dry-run") && fresh["ispo-init.1"].contains("dry\\-run"));
}
