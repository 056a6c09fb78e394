//! `ispo explain`: the pick and the clause that decided each module.

use crate::support::*;

#[test]
fn explains_every_module_against_a_catalog_and_answers() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.ispo(&["explain", "--catalog", repo.path(), "--defaults", "--set", "company=Acme", "--set", "engineers=5"])
        .ok()
        .stdout_is(
            "in   charter     applies to every kit (no condition)
out  gitlab-ci   condition fails: `forge in [gitlab]` is false (forge = github), `regulated` is false (regulated = false)
in   principles  required by charter
in   workflows   condition holds: `forge == github` is true (forge = github)
",
        );
}

#[test]
fn explains_one_module_with_its_condition_tree() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.ispo(&[
        "explain",
        "gitlab-ci",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--without",
        "workflows",
        "--set",
        "regulated=true",
    ])
    .ok()
    .stdout_is(
        "GitLab CI (gitlab-ci): IN
  CI for GitLab.
  kind: tooling; audiences: ; challenges: C2
  decided by: condition holds: `regulated` is true (regulated = true)
  condition: forge in [gitlab] or regulated
    true   any of
      false  forge in [gitlab]   (forge = github)
      true   regulated   (regulated = true)
  writes: .gitlab-ci.yml
",
    );
    env.ispo(&[
        "explain",
        "nosuch",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .code(2)
    .stderr_has("no module `nosuch` in this catalog");
}

#[test]
fn explains_an_existing_kit_from_its_own_records() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(
        repo.path(),
        &["--with", "gitlab-ci", "--without", "workflows"],
    )
    .ok();
    let run = env.ispo(&["explain", "--kit", "kit", "--json"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let why: Vec<(String, bool, String)> = doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap().to_string(),
                m["included"].as_bool().unwrap(),
                m["why"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        why,
        vec![
            (
                "charter".into(),
                true,
                "applies to every kit (no condition)".into()
            ),
            ("gitlab-ci".into(), true, "forced in with --with".into()),
            ("principles".into(), true, "required by charter".into()),
            ("workflows".into(), false, "left out with --without".into()),
        ]
    );
    // Editing the kit's answers file changes the explanation.
    let answers = env
        .read("kit/ispo-answers.toml")
        .replace("engineers = 100", "engineers = 60000");
    env.write("kit/ispo-answers.toml", &answers);
    let run = env.ispo(&["explain", "--kit", "kit", "principles"]);
    run.ok();
    assert!(
        run.stdout.contains(
            "decided by: condition holds: `engineers > 50000` is true (engineers = 60000)"
        ),
        "{}",
        run.stdout
    );
    env.ispo(&["explain", "--kit", "nokit"])
        .code(1)
        .stderr_has("`nokit` is not an ispo kit");
}
