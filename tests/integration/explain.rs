//! `ispo explain`: the pick and the clause that decided each module.

use crate::support::*;

#[test]
fn explains_every_module_against_a_catalog_and_answers() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let args = [
        "explain",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--set",
        "engineers=5",
    ];
    // In plain words: the question prompts, the choice labels, how to add a module left out.
    env.ispo(&args).ok().stdout_is(
        "in   charter     In every kit.
out  gitlab-ci   Left out: meant for when “Where is your code?” is GitLab; you said GitHub, or when “Regulated?” is yes; you said no. To add it anyway: `--with gitlab-ci`, or `with = [\"gitlab-ci\"]` under `[modules]` in ispo-answers.toml.
in   principles  In because Charter (charter) needs it.
in   workflows   In because you answered “Where is your code?” with GitHub.
",
    );
    // The condition form stays, for catalog authors.
    env.ispo(&[&args[..], &["--why-raw"]].concat())
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
  why: In because you answered “Regulated?” with yes.
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

/// In each of the six examples, every module left out gets a sentence that
/// names a question by its prompt and the user's answer by its label, and
/// says how to add the module anyway, in `explain` and in the kit's README.
#[test]
fn every_module_left_out_of_the_examples_is_explained_in_words() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let questions: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("catalog/questions.toml")).unwrap())
            .unwrap();
    let questions = questions["question"].as_array().unwrap().clone();
    let env = Env::new();
    let mut examples: Vec<_> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    examples.sort();
    assert_eq!(examples.len(), 6);
    let mut explained = 0;
    for example in &examples {
        let answers: toml::Table =
            toml::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
        let mut args = vec!["explain", "--answers", example.to_str().unwrap(), "--json"];
        let company = company_catalog(&env, example);
        if let Some(c) = &company {
            args.extend(["--catalog", c.as_str()]);
        }
        let run = env.ispo(&args);
        run.ok();
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let name = example.file_stem().unwrap().to_str().unwrap();
        let readme =
            std::fs::read_to_string(root.join("kits").join(name).join("README.md")).unwrap();
        for m in doc["modules"].as_array().unwrap() {
            if m["included"] == true {
                continue;
            }
            let (id, why) = (m["id"].as_str().unwrap(), m["why_plain"].as_str().unwrap());
            let at = format!("{} / {id}: {why}", example.display());
            // The kit's README says the same, under "Left out".
            assert!(
                readme.contains(&format!("(`{id}`): {why}\n")),
                "kits/{name}/README.md lacks {at}"
            );
            if why.starts_with("Left out because you took it out of the pick.") {
                assert!(why.contains(&format!("`{id}` from `without`")), "{at}");
                continue;
            }
            assert!(
                why.contains(&format!("To add it anyway: `--with {id}`, or `with = [\"{id}\"]` under `[modules]` in ispo-answers.toml.")),
                "{at}"
            );
            assert!(!why.contains("=="), "condition syntax in {at}");
            // A question named by its prompt, with the user's answer in words.
            let named = questions
                .iter()
                .find(|q| why.contains(&format!("“{}”", q["prompt"].as_str().unwrap())));
            let q = named.unwrap_or_else(|| panic!("no question prompt in {at}"));
            let id_of = q["id"].as_str().unwrap();
            if let (Some(choices), Some(value)) = (
                q.get("choices").and_then(|c| c.as_array()),
                answers.get(id_of).and_then(|v| v.as_str()),
            ) {
                let label = choices
                    .iter()
                    .find(|c| c["value"].as_str() == Some(value))
                    .and_then(|c| c.get("label"))
                    .and_then(|l| l.as_str())
                    .unwrap_or(value);
                assert!(why.contains(&format!("you said {label}")), "{at}");
                assert!(
                    !why.contains(&format!("you said {value};")) || label == value,
                    "an internal id instead of the label in {at}"
                );
            }
            explained += 1;
        }
    }
    assert!(explained >= 50, "only {explained} modules were left out");
}

#[test]
fn negations_ranges_and_unasked_questions_read_the_right_way_round() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    let module = fixture()
        .into_iter()
        .find(|(p, _)| *p == "modules/workflows/module.toml")
        .unwrap()
        .1;
    let explain = |when: &str, extra: &[&str]| {
        env.write(
            "cat/modules/workflows/module.toml",
            &module.replace("when = \"forge == github\"", &format!("when = {when:?}")),
        );
        let mut args = vec![
            "explain",
            "workflows",
            "--catalog",
            "cat",
            "--defaults",
            "--set",
            "company=Acme",
        ];
        args.extend_from_slice(extra);
        let run = env.ispo(&args);
        run.ok();
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix("  why: "))
            .unwrap()
            .to_string()
    };
    assert_eq!(
        explain("not regulated and forge not in [github, azure]", &[]),
        "Left out: meant for when “Where is your code?” is none of GitHub or Azure DevOps; you said GitHub. To add it anyway: `--with workflows`, or `with = [\"workflows\"]` under `[modules]` in ispo-answers.toml."
    );
    assert_eq!(
        explain("not regulated", &["--set", "regulated=true"]),
        "Left out: meant for when “Regulated?” is no; you said yes. To add it anyway: `--with workflows`, or `with = [\"workflows\"]` under `[modules]` in ispo-answers.toml."
    );
    assert_eq!(
        explain("not (engineers >= 50)", &[]),
        "Left out: meant for when “How many engineers?” is below 50; you said 100. To add it anyway: `--with workflows`, or `with = [\"workflows\"]` under `[modules]` in ispo-answers.toml."
    );
    assert_eq!(
        explain("auditor == \"Acme Audit\"", &[]),
        "Left out: meant for when “Who audits code access?” is Acme Audit; it is not asked with your answers. To add it anyway: `--with workflows`, or `with = [\"workflows\"]` under `[modules]` in ispo-answers.toml."
    );
    assert_eq!(
        explain(
            "audiences contains execs",
            &["--set", "audiences=devs,execs"]
        ),
        "In because you answered “Who is the kit for?” with Developers, Executives."
    );
}
