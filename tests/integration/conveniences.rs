//! Conveniences: `init --dry-run`, the user's config file and
//! `ISPO_CATALOG` with their precedence (flags > environment > config file >
//! built-in).

use crate::support::*;

#[test]
fn dry_run_shows_the_pick_and_the_files_and_writes_nothing() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let run = env.init_kit(repo.path(), &["--dry-run"]);
    run.ok()
        .stdout_has("Would create kit with 3 modules and ")
        .stdout_has("(--dry-run: nothing is written)")
        .stdout_has("  in   charter ")
        .stdout_has("  out  gitlab-ci ")
        .stdout_has("  program/CHARTER.md  (charter)\n");
    assert!(!env.exists("kit"));
    let run = env.init_kit(repo.path(), &["-n", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.ok().stdout).unwrap();
    assert_eq!(doc["command"], "init --dry-run");
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "program/CHARTER.md"));
    assert!(!env.exists("kit"));
}

#[test]
fn the_catalog_comes_from_flags_then_environment_then_config_file() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let config = env.write(
        "home/.config/ispo/config.toml",
        &format!("# my defaults\n[catalog]\nsource = \"{}\"\n", repo.path()),
    );
    let catalog_of = |kit: &str| -> String {
        let state: toml::Table =
            toml::from_str(&env.read(&format!("{kit}/.ispo/state.toml"))).unwrap();
        state["catalog"]["name"].as_str().unwrap().to_string()
    };
    // The config file (in the platform's config folder) over the built-in catalog.
    env.ispo(&["init", "k1", "--defaults", "--set", "company=Acme", "-q"])
        .ok();
    assert_eq!(catalog_of("k1"), "fixture");
    // A flag over the config file.
    env.ispo(&[
        "init",
        "k2",
        "--catalog",
        "builtin",
        "--defaults",
        "--set",
        "company_name=Acme",
        "-q",
    ])
    .ok();
    assert_eq!(catalog_of("k2"), "ispo-default");
    // The environment over the config file.
    let other = CatalogRepo::new(
        env.path("other"),
        &fixture()
            .into_iter()
            .map(|(p, c)| {
                (
                    p,
                    if p == "catalog.toml" {
                        c.replacen("name = \"fixture\"", "name = \"other\"", 1)
                            .leak() as &str
                    } else {
                        c
                    },
                )
            })
            .collect::<Vec<_>>(),
    );
    env.ispo_with(
        &["init", "k3", "--defaults", "--set", "company=Acme", "-q"],
        &[("ISPO_CATALOG", other.path())],
    )
    .ok();
    assert_eq!(catalog_of("k3"), "other");
    // ISPO_CONFIG names another file; a mistake in it is reported at its line.
    let bad = env.write("bad.toml", "[catalog]\nsorce = \"x\"\n");
    env.ispo_with(
        &["init", "k4", "--defaults", "-n"],
        &[("ISPO_CONFIG", bad.to_str().unwrap())],
    )
    .code(1)
    .stderr_has("bad.toml:2:1: unknown field `sorce`");
    // An answers file named by the config file, relative to it.
    env.write("home/.config/ispo/answers.toml", "company = \"Initech\"\n");
    std::fs::write(
        &config,
        format!(
            "answers = \"answers.toml\"\n\n[catalog]\nsource = \"{}\"\n",
            repo.path()
        ),
    )
    .unwrap();
    env.ispo(&["init", "k5", "--defaults", "-q"]).ok();
    assert!(env
        .read("k5/program/CHARTER.md")
        .starts_with("# Initech InnerSource charter"));
}
