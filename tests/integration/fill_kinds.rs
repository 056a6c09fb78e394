//! Typed fill-ins: a fill-in's kind judges every value wherever it is given,
//! its example follows the answers, and lint checks both; at the prompt a
//! wrong value is asked again and the rest can be left for later.

use crate::prompts::{exit_code, spawn};
use crate::support::*;

/// The fixture with the ISPO's e-mail typed, a URL fill-in whose example
/// follows the forge, and a date.
fn typed_fixture() -> Vec<(&'static str, &'static str)> {
    let mut files = fixture();
    for (path, text) in files.iter_mut() {
        match *path {
            "fills.toml" => {
                *text = r#"[[fill]]
id = "ispo_email"
description = "Email of the ISPO"
kind = "email"
example = "ispo@example.com"

[[fill]]
id = "repo_url"
description = "Where the kit lives"
kind = "url"
example = """\
{{#if (eq forge "gitlab")}}https://gitlab.example.com/acme/kit\
{{else}}https://github.com/acme/kit{{/if}}"""

[[fill]]
id = "launch"
description = "Launch day"
kind = "date"
example = "2027-02-15"
"#
            }
            "modules/charter/module.toml" => {
                *text = r#"id = "charter"
title = "Charter"
summary = "The program charter."
kind = "doc"
audiences = ["execs"]
challenges = ["C1"]
requires = ["principles"]
fills = ["ispo_email", "repo_url", "launch"]

[[fill]]
id = "sponsor"
description = "Name of the sponsor"
"#
            }
            "modules/charter/files/program/CHARTER.md" => {
                *text = "# {{company}} InnerSource charter\n\nSponsor: {{fill.sponsor}}\nKit: {{fill.repo_url}}\nLaunch: {{fill.launch}}\n{{> footer}}"
            }
            _ => {}
        }
    }
    files
}

fn typed_repo(env: &Env) -> CatalogRepo {
    CatalogRepo::new(env.path("catalog"), &typed_fixture())
}

#[test]
fn a_value_of_the_wrong_kind_is_refused_where_it_is_given() {
    let env = Env::new();
    let repo = typed_repo(&env);
    let base = [
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--set",
        "fill.ispo_email=innersource at northbridge",
        "--set",
        "fill.launch=2027-02-30",
    ]);
    env.ispo(&args).code(2).stderr_is(
        "error: 2 fill-in values do not fit the catalog's fill-ins; nothing was written and no answer was changed:
  --set fill.ispo_email: fill-in `ispo_email`: `innersource at northbridge` is not an e-mail address: it has no `@`; write it as name@domain, e.g. innersource@example.com
  --set fill.launch: fill-in `launch`: `2027-02-30` is not a date: February 2027 has 28 days
",
    );
    assert!(!env.exists("kit"));

    env.write(
        "answers.toml",
        "company = \"Acme\"\n\n[fill]\nispo_email = \"innersource@northbridge.example\"\nrepo_url = \"gitlab.northbridge.example/ispo/kit\"\n",
    );
    let mut args = base.to_vec();
    args.extend(["--answers", "answers.toml"]);
    env.ispo(&args).code(5).stderr_is(
        "error: 1 fill-in value does not fit the catalog's fill-ins; nothing was written and no answer was changed:
  answers.toml:5:1: fill-in `repo_url`: `gitlab.northbridge.example/ispo/kit` is not a web address: it does not start with https:// or http:// (e.g. https://wiki.example.com/innersource)
",
    );
    assert!(!env.exists("kit"));

    // --json names the kind as what is allowed.
    args.push("--json");
    let run = env.ispo(&args);
    run.code(5);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let unfit = &doc["error"]["answers"][0];
    assert_eq!(unfit["key"], "fill.repo_url");
    assert_eq!(unfit["allowed"], "a web address");
    assert_eq!(unfit["at"]["line"], 5);

    // Values of the right kind go through, as written.
    let mut args = base.to_vec();
    args.extend([
        "--set",
        "fill.ispo_email=innersource@northbridge.example",
        "--set",
        "fill.repo_url=https://gitlab.northbridge.example/ispo/kit",
        "--set",
        "fill.launch=2028-02-29",
    ]);
    env.ispo(&args).ok();
    let charter = env.read("kit/program/CHARTER.md");
    assert!(
        charter.contains("Kit: https://gitlab.northbridge.example/ispo/kit\nLaunch: 2028-02-29\n"),
        "{charter}"
    );
}

#[test]
fn an_example_follows_the_answers() {
    let env = Env::new();
    let repo = typed_repo(&env);
    for (forge, example) in [
        ("gitlab", "https://gitlab.example.com/acme/kit"),
        ("github", "https://github.com/acme/kit"),
    ] {
        let kit = format!("kit-{forge}");
        env.ispo(&[
            "init",
            &kit,
            "--catalog",
            repo.path(),
            "--defaults",
            "--set",
            "company=Acme",
            "--set",
            &format!("forge={forge}"),
        ])
        .ok();
        let answers = env.read(&format!("{kit}/ispo-answers.toml"));
        assert!(
            answers.contains(&format!(
                "# Where the kit lives (e.g. {example})\n# repo_url = \"\"\n"
            )),
            "{answers}"
        );
        let readme = env.read(&format!("{kit}/README.md"));
        assert!(
            readme.contains(&format!("| Where the kit lives | `{example}` |")),
            "{readme}"
        );
    }
}

#[test]
fn lint_checks_kinds_examples_and_values() {
    let env = Env::new();
    for (p, c) in typed_fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.ispo(&["catalog", "lint", "cat"])
        .ok()
        .stderr_has("no errors");

    // Loading: an unknown kind, a literal example of the wrong kind, a
    // company-wide value of the wrong kind.
    let fills = typed_fixture()
        .into_iter()
        .find(|(p, _)| *p == "fills.toml")
        .unwrap()
        .1
        .replace("kind = \"date\"", "kind = \"day\"")
        .replace(
            "example = \"ispo@example.com\"",
            "example = \"ispo at example\"",
        );
    env.write(
        "cat/fills.toml",
        &format!("{fills}\n[values]\nispo_email = \"ispo@acme\"\n"),
    );
    env.ispo(&["catalog", "lint", "cat"]).code(1).stderr_is(
        "error: fills.toml:5:11: the example of `ispo_email` does not fit its kind `email`: `ispo at example` is not an e-mail address: it has no `@`; write it as name@domain, e.g. innersource@example.com
fills.toml:18:8: fill-in `launch`: kind `day` is not one of text, email, url, integer, date
fills.toml:22:14: the value of `ispo_email`: `ispo@acme` is not an e-mail address: its domain `acme` has no dot (as in example.com); write it as name@domain, e.g. innersource@example.com
",
    );

    // Lint: an example that renders the wrong kind for one answer, one that
    // names what is not a question, one that calls ispo's own helper.
    let fills = typed_fixture()
        .into_iter()
        .find(|(p, _)| *p == "fills.toml")
        .unwrap()
        .1
        .replace(
            "https://gitlab.example.com/acme/kit",
            "gitlab.example.com/acme/kit",
        )
        .replace(
            "example = \"2027-02-15\"",
            "example = \"{{#if regulated}}{{fill.x}}{{else}}{{label \\\"forge\\\"}}{{/if}}\"",
        );
    env.write("cat/fills.toml", &fills);
    env.ispo(&["catalog", "lint", "cat"]).code(1).stderr_is(
        "warning: questions.toml: question `company` has a `pattern` but no `pattern_message`: a refused answer is shown the regular expression
error: fills.toml:11:1: the example of `repo_url` with forge = gitlab does not fit its kind `url`: `gitlab.example.com/acme/kit` is not a web address: it does not start with https:// or http:// (e.g. https://wiki.example.com/innersource)
fills.toml:19:1: the example of `launch` calls `label`, which examples cannot use (only Handlebars' own helpers, such as `if` and `eq`)
fills.toml:19:1: the example of `launch` uses `fill.x`, which is not a question (examples read the answers only)
",
    );
}

/// Answers the typed fixture's questions with Enter (company Acme, forge
/// GitLab), keeps the pick and stops at the first fill-in prompt.
fn at_the_fill_ins(env: &Env, repo: &CatalogRepo) -> expectrl::session::OsSession {
    use expectrl::Expect;
    let mut p = spawn(
        env,
        &[
            "init",
            "kit",
            "--catalog",
            repo.path(),
            "--answers",
            "/dev/null",
            "--set",
            "company=Acme",
            "--set",
            "forge=gitlab",
            "--defaults",
        ],
        &[],
    );
    p.expect("esc: undo").unwrap();
    p.send("\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("y\r").unwrap();
    p.expect("Leave a value blank to fill it in later").unwrap();
    p
}

#[test]
fn at_the_prompt_an_e_mail_of_the_wrong_kind_is_asked_again() {
    use expectrl::Expect;
    let env = Env::new();
    let repo = typed_repo(&env);
    let mut p = at_the_fill_ins(&env, &repo);
    p.expect("[1/4] Email of the ISPO (an e-mail address, e.g. ispo@example.com)")
        .unwrap();
    p.send("innersource at northbridge\r").unwrap();
    p.expect("`innersource at northbridge` is not an e-mail address: it has no `@`; write it as name@domain, e.g. innersource@example.com; or leave it blank to fill it in later")
        .unwrap();
    p.send("\x15innersource@northbridge.example\r").unwrap();
    // The example follows the forge chosen: GitLab.
    p.expect("[2/4] Where the kit lives (a web address, e.g. https://gitlab.example.com/acme/kit)")
        .unwrap();
    p.send("https://gitlab.northbridge.example/ispo/kit\r")
        .unwrap();
    p.expect("[3/4] Launch day").unwrap();
    p.send("2027-02-30\r").unwrap();
    p.expect("February 2027 has 28 days").unwrap();
    p.send("\x152027-02-26\r").unwrap();
    p.expect("[4/4] Name of the sponsor").unwrap();
    p.send("Dana\r").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(&p), 0);
    let answers = env.read("kit/ispo-answers.toml");
    for line in [
        "ispo_email = \"innersource@northbridge.example\"",
        "repo_url = \"https://gitlab.northbridge.example/ispo/kit\"",
        "launch = \"2027-02-26\"",
        "sponsor = \"Dana\"",
    ] {
        assert!(answers.contains(line), "missing {line:?} in\n{answers}");
    }
    env.ispo(&["status", "kit"])
        .ok()
        .stdout_is("")
        .stderr_has("Nothing left to fill in.");
}

#[test]
fn at_the_prompt_the_rest_can_be_left_for_later() {
    use expectrl::Expect;
    let env = Env::new();
    let repo = typed_repo(&env);
    let mut p = at_the_fill_ins(&env, &repo);
    p.expect("[1/4] Email of the ISPO").unwrap();
    p.send("ispo@acme.example\r").unwrap();
    p.expect("[2/4] Where the kit lives").unwrap();
    p.send("\r").unwrap();
    p.expect("Leave the remaining 2 value(s) for later too? [y/N]")
        .unwrap();
    p.send("yes\r").unwrap();
    p.expect(
        "Left for later: 3 value(s) stay ISPO-FILL markers in the kit; `ispo status` lists them",
    )
    .unwrap();
    p.expect("3 of 4 fill-in value(s) left for later").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(&p), 0);
    env.ispo(&["status", "kit"]).ok().stdout_is(
        "program/CHARTER.md:3: sponsor — Name of the sponsor
program/CHARTER.md:4: repo_url — Where the kit lives
program/CHARTER.md:5: launch — Launch day
",
    );
}

#[test]
fn update_refuses_a_kits_fill_in_value_of_the_wrong_kind_at_its_line() {
    let env = Env::new();
    let repo = typed_repo(&env);
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .ok();
    let answers = env.read("kit/ispo-answers.toml");
    let edited = answers.replace("# launch = \"\"", "launch = \"next spring\"");
    assert_ne!(answers, edited);
    env.write("kit/ispo-answers.toml", &edited);
    let line = edited
        .lines()
        .position(|l| l.starts_with("launch = "))
        .unwrap()
        + 1;
    let before = env.tree("kit");
    env.ispo(&["update", "kit", "--allow-dirty"])
        .code(5)
        .stderr_has(&format!(
            "ispo-answers.toml:{line}:1: fill-in `launch`: `next spring` is not a date written as YYYY-MM-DD (year, month, day, e.g. 2027-02-15)"
        ));
    // Nothing is written (the lock file is update's own, and stays empty).
    let mut after = env.tree("kit");
    after.remove(".ispo/lock");
    let changed: Vec<&String> = after
        .keys()
        .chain(before.keys())
        .filter(|k| after.get(*k) != before.get(*k))
        .collect();
    assert!(changed.is_empty(), "changed: {changed:?}");
}
