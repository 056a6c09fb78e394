//! What changed upstream, in words: a catalog repository with tags v1, v2
//! and v3 and release notes in its CHANGELOG.md; `ispo check` names the
//! versions, reports newer tags to a kit that follows one, and lists the
//! notes in between; `ispo update` prints them before merging; `--json`
//! carries them.

use crate::support::*;

const HEAD: &str = "# Changelog of the fixture catalog\n\nWhat changed for kit owners.\n\n## [Unreleased]\n\n- Not released yet.\n";
const V1: &str = "## [1.0.0] - 2026-10-01\n\n- First release.\n";
const V2: &str = "## [2.0.0] - 2026-11-01\n\n### Changed\n\n- The principles say who decides.\n";
const V3: &str = "## [3.0.0] - 2026-12-01\n\n### Added\n\n- A paragraph on openness.\n";

/// The fixture catalog at versions 1.0.0, 2.0.0 and 3.0.0, tagged v1, v2
/// and v3, each with its release notes; main stays at v3.
pub fn tagged_catalog(env: &Env) -> CatalogRepo {
    let repo = fixture_repo(env);
    repo.commit(&[("CHANGELOG.md", &format!("{HEAD}\n{V1}"))], "notes");
    repo.tag("v1");
    let manifest = fixture()[0].1;
    repo.commit(
        &[
            ("catalog.toml", &manifest.replace("1.0.0", "2.0.0")),
            ("CHANGELOG.md", &format!("{HEAD}\n{V2}\n{V1}")),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles\n\nOpenness first at {{company}}. Trusted committers decide.\n",
            ),
        ],
        "2.0.0",
    );
    repo.tag("v2");
    repo.commit(
        &[
            ("catalog.toml", &manifest.replace("1.0.0", "3.0.0")),
            ("CHANGELOG.md", &format!("{HEAD}\n{V3}\n{V2}\n{V1}")),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles\n\nOpenness first at {{company}}. Trusted committers decide.\n\nWork in the open.\n",
            ),
        ],
        "3.0.0",
    );
    repo.tag("v3");
    repo
}

fn rev(repo: &CatalogRepo, r: &str) -> String {
    git(&repo.dir, &["rev-parse", &format!("{r}^{{commit}}")])
}

const NOTES_1_TO_3: &str = "What changed in the catalog, 1.0.0 -> 3.0.0 (its CHANGELOG.md):

## [3.0.0] - 2026-12-01

### Added

- A paragraph on openness.

## [2.0.0] - 2026-11-01

### Changed

- The principles say who decides.
";

#[test]
fn a_kit_on_tag_v1_is_offered_v3_with_the_notes_in_between() {
    let env = Env::new();
    let repo = tagged_catalog(&env);
    env.init_kit(repo.path(), &["--ref", "v1", "-q"]).ok();
    let (v1, v3) = (rev(&repo, "v1"), rev(&repo, "v3"));
    let source = std::fs::canonicalize(repo.path()).unwrap();
    let expected = format!(
        "update available: catalog 1.0.0 (tag v1, {}) -> 3.0.0 (tag v3, {}) ({})
newer tags: v2, v3; `ispo update kit --ref v3` moves the kit to v3

{NOTES_1_TO_3}",
        &v1[..10],
        &v3[..10],
        source.display()
    );
    env.ispo(&["check", "kit"]).ok().stdout_is(&expected);
    env.ispo(&["check", "kit", "--exit-code"])
        .code(10)
        .stdout_is(&expected);

    let run = env.ispo(&["check", "kit", "--json"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["current"], v1.as_str());
    assert_eq!(doc["latest"], v3.as_str());
    assert_eq!(doc["update_available"], true);
    assert_eq!(doc["current_version"], "1.0.0");
    assert_eq!(doc["latest_version"], "3.0.0");
    assert_eq!(doc["following_tag"], "v1");
    assert_eq!(doc["newer_tags"], serde_json::json!(["v2", "v3"]));
    assert_eq!(doc["latest_ref"], "v3");
    assert_eq!(
        doc["release_notes"],
        serde_json::json!([
            {"version": "3.0.0", "date": "2026-12-01", "text": "### Added\n\n- A paragraph on openness."},
            {"version": "2.0.0", "date": "2026-11-01", "text": "### Changed\n\n- The principles say who decides."},
        ])
    );

    // Without --ref the kit stays on its tag, and is told of the newer one.
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("the kit follows tag v1, and the catalog has the newer tag v3: `ispo update kit --ref v3` moves the kit to it")
        .stderr_has("up to date: the catalog is still at");

    // --ref moves it; the notes come before the files.
    let run = env.ispo(&["update", "kit", "--ref", "v3"]);
    run.ok();
    let notes = run.stderr.find(NOTES_1_TO_3).unwrap_or_else(|| {
        panic!("no release notes in:\n{}", run.stderr);
    });
    let updated = run.stderr.find("Updated program/PRINCIPLES.md").unwrap();
    assert!(notes < updated, "{}", run.stderr);
    assert!(env
        .read("kit/program/PRINCIPLES.md")
        .contains("Work in the open."));
    env.ispo(&["check", "kit", "--exit-code"])
        .ok()
        .stdout_is(&format!(
            "up to date: catalog 3.0.0 at {} ({})\n",
            &v3[..10],
            source.display()
        ));
}

#[test]
fn update_json_carries_the_notes_of_the_versions_it_brings() {
    let env = Env::new();
    let repo = tagged_catalog(&env);
    env.init_kit(repo.path(), &["--ref", "v1", "-q"]).ok();
    let run = env.ispo(&["update", "kit", "--ref", "v2", "--json"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["catalog"]["version"], "2.0.0");
    assert_eq!(
        doc["release_notes"],
        serde_json::json!([
            {"version": "2.0.0", "date": "2026-11-01", "text": "### Changed\n\n- The principles say who decides."},
        ])
    );
    // From v2, only v3 is newer.
    let run = env.ispo(&["check", "kit", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["newer_tags"], serde_json::json!(["v3"]));
    assert_eq!(doc["release_notes"][0]["version"], "3.0.0");
    assert_eq!(doc["release_notes"].as_array().unwrap().len(), 1);
}

#[test]
fn a_kit_on_a_branch_hears_the_versions_and_notes_too() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    repo.commit(&[("CHANGELOG.md", &format!("{HEAD}\n{V1}"))], "notes");
    env.init_kit(repo.path(), &["-q"]).ok();
    let old = repo.head();
    let manifest = fixture()[0].1;
    let new = repo.commit(
        &[
            ("catalog.toml", &manifest.replace("1.0.0", "2.0.0")),
            ("CHANGELOG.md", &format!("{HEAD}\n{V2}\n{V1}")),
        ],
        "2.0.0",
    );
    let source = std::fs::canonicalize(repo.path()).unwrap();
    env.ispo(&["check", "kit"]).ok().stdout_is(&format!(
        "update available: catalog 1.0.0 -> 2.0.0, {} -> {} ({})

What changed in the catalog, 1.0.0 -> 2.0.0 (its CHANGELOG.md):

## [2.0.0] - 2026-11-01

### Changed

- The principles say who decides.
",
        &old[..10],
        &new[..10],
        source.display()
    ));
    let run = env.ispo(&["check", "kit", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["following_tag"], serde_json::Value::Null);
    assert_eq!(doc["newer_tags"], serde_json::json!([]));
    assert_eq!(doc["latest_ref"], serde_json::Value::Null);
    env.ispo(&["update", "kit", "--dry-run"])
        .ok()
        .stderr_has("What changed in the catalog, 1.0.0 -> 2.0.0 (its CHANGELOG.md):\n\n## [2.0.0] - 2026-11-01");
}

#[test]
fn newer_tags_are_ordered_as_versions_and_pre_releases_are_not_offered() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let manifest = fixture()[0].1;
    repo.commit(
        &[("catalog.toml", &manifest.replace("1.0.0", "0.3.0"))],
        "0.3.0",
    );
    repo.tag("v0.3.0");
    env.init_kit(repo.path(), &["--ref", "v0.3.0", "-q"]).ok();
    for tag in ["v0.4.0", "v0.9.0", "v0.10.0", "v0.11.0-rc1", "stable"] {
        let version = tag.trim_start_matches('v');
        repo.commit(
            &[
                ("modules/principles/files/program/PRINCIPLES.md", tag),
                ("catalog.toml", &manifest.replace("1.0.0", version)),
            ],
            tag,
        );
        repo.tag(tag);
    }
    // These versions come without release notes, and check says so.
    let run = env.ispo(&["check", "kit"]);
    run.ok()
        .stdout_has("newer tags: v0.4.0, v0.9.0, v0.10.0; `ispo update kit --ref v0.10.0` moves the kit to v0.10.0\n")
        .stdout_has("the catalog's CHANGELOG.md has no `## [version]` section between 0.3.0 and 0.10.0\n");
    assert!(
        run.stdout
            .starts_with("update available: catalog 0.3.0 (tag v0.3.0, "),
        "{}",
        run.stdout
    );
    let run = env.ispo(&["check", "kit", "--json", "--exit-code"]);
    run.code(10);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc["newer_tags"],
        serde_json::json!(["v0.4.0", "v0.9.0", "v0.10.0"])
    );
    assert_eq!(doc["latest_ref"], "v0.10.0");
    assert_eq!(doc["latest"], rev(&repo, "v0.10.0").as_str());
}

#[test]
fn a_remote_catalog_offers_its_newer_tags_from_the_mirror() {
    let env = Env::new();
    let repo = tagged_catalog(&env);
    git(
        env.path("").as_path(),
        &["clone", "-q", "--bare", repo.path(), "srv/catalog.git"],
    );
    let daemon = GitDaemon::start(&env.path("srv"));
    let url = daemon.url("catalog.git");
    env.init_kit(&url, &["--ref", "v1", "-q"]).ok();
    let run = env.ispo(&["check", "kit"]);
    run.ok();
    assert!(
        run.stdout
            .starts_with("update available: catalog 1.0.0 (tag v1, "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(NOTES_1_TO_3), "{}", run.stdout);
    env.ispo(&["update", "kit", "--ref", "v3", "-q"]).ok();
    assert!(env
        .read("kit/program/PRINCIPLES.md")
        .contains("Work in the open."));
}

#[test]
fn release_notes_cannot_steer_the_terminal_and_crlf_files_read_the_same() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["-q"]).ok();
    let manifest = fixture()[0].1;
    repo.commit(
        &[
            ("catalog.toml", &manifest.replace("1.0.0", "1.1.0")),
            (
                "CHANGELOG.md",
                "# Changelog\r\n\r\n## [1.1.0]\r\n\r\n- Red \x1b[31malert\x1b[0m.\r\n",
            ),
        ],
        "1.1.0",
    );
    let run = env.ispo(&["check", "kit"]);
    run.ok().stdout_has(
        "What changed in the catalog, 1.0.0 -> 1.1.0 (its CHANGELOG.md):\n\n## [1.1.0]\n\n- Red \\u{1b}[31malert\\u{1b}[0m.\n",
    );
    assert!(
        !run.stdout.contains('\x1b') && !run.stdout.contains('\r'),
        "{:?}",
        run.stdout
    );
    let doc: serde_json::Value =
        serde_json::from_str(&env.ispo(&["check", "kit", "--json"]).stdout).unwrap();
    assert_eq!(
        doc["release_notes"][0]["text"],
        "- Red \x1b[31malert\x1b[0m."
    );
}
