//! Non-interactive answers: files, --set, --defaults, and every bad-input path.

use pretty_assertions::assert_eq;

use crate::support::*;

#[test]
fn reports_every_missing_answer_at_once_with_the_flag_to_supply_it() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let run = env.ispo(&["init", "kit", "--catalog", repo.path()]);
    run.code(5).stderr_is(
        "error: 6 answers are needed, and this session cannot prompt (not a terminal, --non-interactive, --json or CI is set):
  - company (Company name?): --set company=<text>
  - forge (Where is your code?): --set forge=github|gitlab|azure (or --defaults, which takes \"github\")
  - engineers (How many engineers?): --set engineers=<1..100000> (or --defaults, which takes 100)
  - regulated (Regulated?): --set regulated=true|false (or --defaults, which takes false)
  - audiences (Who is the kit for?): --set audiences=<comma-separated: devs,execs> (or --defaults, which takes [\"devs\"])
  - tracker (Issue tracker?): --set tracker=issues|boards|jira (its default is built from `forge`, so --defaults takes it once `forge` is answered or defaulted)
",
    );
    assert!(!env.exists("kit"));
    // --defaults leaves only the question without a default.
    env.ispo(&["init", "kit", "--catalog", repo.path(), "--defaults"])
        .code(5)
        .stderr_has("1 answer is needed")
        .stderr_has("  - company (Company name?): --set company=<text>\n");
    assert!(!env.exists("kit"));
}

#[test]
fn ci_variable_means_non_interactive() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.ispo_with(
        &["init", "kit", "--catalog", repo.path(), "--defaults"],
        &[("CI", "true")],
    )
    .code(5);
    assert!(!env.exists("kit"));
}

#[test]
fn bad_values_are_judged_by_the_prompt_rules_and_all_reported() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let run = env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=acme",
        "--set",
        "forge=bitbucket",
        "--set",
        "engineers=0",
        "--set",
        "audiences=devs,devs",
        "--set",
        "regulated=maybe",
    ]);
    // Every one came from a flag: a usage error.
    run.code(2).stderr_is(
        "error: 5 answers do not fit the catalog's questions; nothing was written and no answer was changed:
  --set company: answer for `company`: `acme` does not match the pattern `[A-Z][A-Za-z0-9 ]*`
  --set forge: answer for `forge`: `bitbucket` is not one of the allowed values: github, gitlab, azure
  --set engineers: answer for `engineers`: 0 is below the minimum 1; allowed: a whole number from 1 to 100000
  --set regulated: answer for `regulated`: `maybe` is not a yes/no value (use true or false)
  --set audiences: answer for `audiences` (devs,devs): `devs` is listed twice
",
    );
    assert!(!env.exists("kit"));
}

#[test]
fn answers_file_errors_name_file_line_and_column() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("a.toml", "company = \"Acme\"\nforge = \"svn\"\nengineers = \"many\"\ncolour = \"red\"\n\n[fill]\nnope = \"x\"\n");
    let run = env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        "a.toml",
        "--defaults",
    ]);
    // From a file: the answers need fixing (exit 5), nothing was written.
    run.code(5).stderr_is(
        "error: 4 answers and fill-in values do not fit the catalog; nothing was written and no answer was changed:
  a.toml:2:1: answer for `forge`: `svn` is not one of the allowed values: github, gitlab, azure
  a.toml:3:1: answer for `engineers` (\"many\"): expected an integer, found string; allowed: a whole number from 1 to 100000
  a.toml:4:1: `colour` is not a question of this catalog
  a.toml:7:1: `fill.nope` is not a fill-in of this catalog
",
    );
    env.write("b.toml", "company = \"Acme\"\nforge = \n");
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        "b.toml",
    ])
    .code(1)
    .stderr_has("b.toml:2:9:");
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        "missing.toml",
    ])
    .code(1)
    .stderr_has("cannot read answers file `missing.toml`");
    assert!(!env.exists("kit"));
}

#[test]
fn answers_can_come_from_stdin() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let args = [
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        "-",
        "--defaults",
    ];
    let run = env.ispo_stdin(
        &args,
        "company = \"Acme\"\nforge = \"gitlab\"\ncolour = \"red\"\nengineers = \"many\"\n",
    );
    run.code(5).stderr_is(
        "error: 2 answers do not fit the catalog's questions; nothing was written and no answer was changed:
  <stdin>:3:1: `colour` is not a question of this catalog
  <stdin>:4:1: answer for `engineers` (\"many\"): expected an integer, found string; allowed: a whole number from 1 to 100000
",
    );
    env.ispo_stdin(&args, "company = \"Acme\"\nforge = \n")
        .code(1)
        .stderr_has("<stdin>:2:9:");
    // Not UTF-8: said plainly.
    std::fs::write(env.path("bin"), b"company = \"\xff\"\n").unwrap();
    let mut cmd = env.command(&args);
    cmd.stdin(std::fs::File::open(env.path("bin")).unwrap());
    run_of(cmd.output().unwrap())
        .code(1)
        .stderr_has("error: cannot read the answers from stdin (--answers -)");
    assert!(!env.exists("kit"));
    env.ispo_stdin(
        &args,
        "company = \"Acme\"\nforge = \"gitlab\"\n\n[fill]\nsponsor = \"Dana\"\n",
    )
    .ok();
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("forge = \"gitlab\""), "{answers}");
    assert!(answers.contains("sponsor = \"Dana\""), "{answers}");
    // update reads stdin the same way, and --set still wins over it.
    env.ispo_stdin(
        &["update", "kit", "--answers", "-", "-q"],
        "engineers = 9\n",
    )
    .ok();
    assert!(env.read("kit/ispo-answers.toml").contains("engineers = 9"));
    env.ispo_stdin(
        &[
            "update",
            "kit",
            "--answers",
            "-",
            "--set",
            "engineers=7",
            "-q",
        ],
        "engineers = 8\n",
    )
    .ok();
    assert!(env.read("kit/ispo-answers.toml").contains("engineers = 7"));
}

#[test]
fn set_wins_over_the_answers_file() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("a.toml", "company = \"Acme\"\nforge = \"gitlab\"\n");
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        "a.toml",
        "--set",
        "forge=github",
        "--defaults",
    ])
    .ok();
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("forge = \"github\""));
}

#[test]
fn overrides_and_conflicts() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let base = [
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |extra: &[&str]| {
        let args = with(extra);
        env.ispo(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    run(&["--with", "nosuch"]).code(2).stderr_has("--with nosuch: no such module in this catalog (modules: charter, gitlab-ci, principles, workflows)");
    run(&["--without", "principles"])
        .code(2)
        .stderr_has("module `charter` requires `principles`, which --without leaves out");
    run(&["--set", "regulated=true"]).code(1).stderr_is(
        "error: modules `workflows` and `gitlab-ci` conflict and both apply:
  - workflows: condition holds: `forge == github` is true (forge = github)
  - gitlab-ci: condition holds: `regulated` is true (regulated = true)
leave one out with --without workflows or --without gitlab-ci
",
    );
    assert!(!env.exists("kit"));
    run(&["--set", "regulated=true", "--without", "gitlab-ci"]).ok();
    let state = env.read("kit/.ispo/state.toml");
    assert!(state.contains("without = [\"gitlab-ci\"]"), "{state}");
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("\n[modules]\n# Modules forced in or out, whatever the answers say.\nwith = []\nwithout = [\"gitlab-ci\"]\n"));
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.ispo(&["init", "--set"]).code(2);
    env.ispo(&["init", "kit", "--set", "novalue", "--defaults"])
        .code(2)
        .stderr_has("--set `novalue` must look like KEY=VALUE");
    env.ispo(&["frobnicate"]).code(2);
}

/// A kit of the built-in catalog, committed to git, as a CI job finds it.
fn builtin_git_kit(env: &Env) {
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_name=Northbridge",
        "--set",
        "chat=ms_teams",
        "-q",
    ])
    .ok();
    git(&env.path("kit"), &["init", "-q"]);
    git(&env.path("kit"), &["add", "-A"]);
    git(&env.path("kit"), &["commit", "-qm", "kit"]);
}

/// Replaces the line `key = ...` of the kit's answers file and commits it.
fn edit_answer(env: &Env, key: &str, line: &str) {
    let text = env.read("kit/ispo-answers.toml");
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with(&format!("{key} = ")) {
                line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_ne!(edited.join("\n") + "\n", text, "no line `{key} = ` to edit");
    env.write("kit/ispo-answers.toml", &(edited.join("\n") + "\n"));
    git(&env.path("kit"), &["commit", "-qam", "edit"]);
}

#[test]
fn a_typo_in_the_answers_file_stops_a_ci_update_and_changes_nothing() {
    for (key, line, said, fix) in [
        (
            "chat",
            "chat = \"teams\"",
            "`teams` is not one of the allowed values: slack, ms_teams, mattermost, google_chat, none",
            "did you mean `chat = \"ms_teams\"`?",
        ),
        (
            "engineers",
            "engineers = \"400\"",
            "expected an integer, found string; allowed: a whole number from 1 to 1000000",
            "did you mean `engineers = 400`?",
        ),
        (
            "stage",
            "stage = \"adoption\"",
            "`adoption` is not one of the allowed values: exploring, piloting, adopting, growing, scaling",
            "did you mean `stage = \"adopting\"`?",
        ),
    ] {
        let env = Env::new();
        builtin_git_kit(&env);
        edit_answer(&env, key, line);
        let before = env.tree("kit");
        let run = env.ispo_with(&["update", "kit"], &[("CI", "true")]);
        run.code(5).stderr_has(said).stderr_has(fix);
        // The message points at the line the user wrote.
        let at = env
            .read("kit/ispo-answers.toml")
            .lines()
            .position(|l| l == line)
            .unwrap()
            + 1;
        run.stderr_has(&format!("kit/ispo-answers.toml:{at}:1: answer for `{key}`"));
        let mut after = env.tree("kit");
        after.remove(".ispo/lock");
        assert_eq!(after, before, "{key}: the kit changed");
        // The same under --json: the refusal as data.
        let run = env.ispo_with(&["update", "kit", "--json"], &[("CI", "true")]);
        run.code(5);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let refused = &doc["error"]["answers"][0];
        assert_eq!(doc["error"]["kind"], "needs_input");
        assert_eq!(refused["key"], key);
        assert_eq!(refused["at"]["line"], at);
        assert_eq!(refused["from_flag"], false);
        assert!(fix.contains(refused["suggestion"].as_str().unwrap()), "{doc}");
    }
}

#[test]
fn an_unknown_key_in_an_edited_answers_file_is_a_typo_not_a_silent_no_op() {
    let env = Env::new();
    builtin_git_kit(&env);
    let text = env.read("kit/ispo-answers.toml");
    env.write(
        "kit/ispo-answers.toml",
        &text.replacen("stage = ", "stag = ", 1),
    );
    git(&env.path("kit"), &["commit", "-qam", "edit"]);
    env.ispo_with(&["update", "kit"], &[("CI", "true")])
        .code(5)
        .stderr_has("`stag` is not a question of this catalog (if the catalog dropped it, delete the line); did you mean `stage`?");
    // The answers file is byte for byte the user's.
    assert_eq!(
        env.read("kit/ispo-answers.toml"),
        text.replacen("stage = ", "stag = ", 1)
    );
}

#[test]
fn a_default_built_from_a_missing_answer_waits_for_it() {
    let env = Env::new();
    for args in [
        vec!["init", "kit"],
        vec!["init", "kit", "--defaults"],
        vec!["explain"],
    ] {
        env.ispo_with(&args, &[("CI", "1")])
            .code(5)
            .stderr_has("  - company_name (What is your company called?): --set company_name=<text>\n")
            .stderr_has("  - ispo_name (What is the team that runs InnerSource called?): --set ispo_name=<text> (its default is built from `company_name`");
    }
    assert!(!env.exists("kit"));
    // --json: the missing answers as data.
    let run = env.ispo(&["init", "kit", "--defaults", "--json"]);
    run.code(5);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let missing = doc["error"]["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 2);
    assert_eq!(missing[0]["id"], "company_name");
    assert_eq!(missing[0]["flag"], "--set company_name=<text>");
    assert_eq!(missing[1]["waits_for"][0], "company_name");
    // explain --defaults outside a kit works, and says what it assumed.
    env.ispo(&["explain", "--defaults"])
        .ok()
        .stderr_has("Assumed the defaults: forge = github_cloud")
        .stderr_has("Left unanswered (no default): company_name, ispo_name; no module's condition reads them.");
}

#[test]
fn a_value_for_a_question_that_is_not_asked_is_a_warning() {
    let env = Env::new();
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_name=Acme",
        "--set",
        "forge=azure_devops",
        "--set",
        "forge_plan=free",
    ])
    .ok()
    .stderr_has("warning: --set forge_plan: `forge_plan` is not asked with these answers (it applies only when forge in [github_cloud, gitlab_saas, gitlab_self_managed, bitbucket_cloud]); the value is ignored");
}

#[test]
fn flags_get_did_you_mean_too() {
    let env = Env::new();
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_nam=Acme",
        "--set",
        "fill.ispo_emial=a@b.c",
        "--set",
        "forge=gitlab",
    ])
    .code(2)
    .stderr_has("--set company_nam: `company_nam` is not a question of this catalog; did you mean `--set company_name=...`?")
    .stderr_has("--set fill.ispo_emial: `fill.ispo_emial` is not a fill-in of this catalog; did you mean `--set fill.ispo_email=...`?")
    .stderr_has("did you mean `--set forge=gitlab_saas`?");
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_name=Acme",
        "--with",
        "charterr",
    ])
    .code(2)
    .stderr_has("--with charterr: no such module in this catalog (did you mean `charter`?)");
}

#[test]
fn single_line_values_refuse_line_breaks_and_control_characters() {
    let env = Env::new();
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_name=Acme",
        "--set",
        "fill.forge_org=acme\"\n    evil: \"x",
    ])
    .code(2)
    .stderr_has("--set fill.forge_org: fill-in `forge_org`: the value holds a line break; this value must be a single line");
    env.write("a.toml", "company_name = \"Acme\\u0007\"\n");
    env.ispo(&["init", "kit", "--defaults", "--answers", "a.toml"])
        .code(5)
        .stderr_has("a.toml:1:1: answer for `company_name`")
        .stderr_has("the control character \\u{7}");
    assert!(!env.exists("kit"));
}

#[test]
fn a_mistyped_module_in_an_answers_file_is_reported_at_its_line() {
    let env = Env::new();
    env.write(
        "a.toml",
        "company_name = \"A\"\nispo_lead = 3\n[modules]\nwith = [\"ambasadors\"]\n",
    );
    env.ispo(&["init", "k", "--answers", "a.toml", "--defaults"])
        .code(5)
        .stderr_has("a.toml:4:9: `ambasadors` in `with` under [modules] is not a module of this catalog; did you mean `ambassadors`?");
    // Fill-in values are judged in the same pass as the answers.
    env.write(
        "b.toml",
        "company_name = \"A\"\nstage = \"adoption\"\n[fill]\nispo_lead = 3\n",
    );
    env.ispo(&["init", "k", "--answers", "b.toml", "--defaults"])
        .code(5)
        .stderr_has("2 answers and fill-in values do not fit")
        .stderr_has("b.toml:2:1: answer for `stage`")
        .stderr_has("b.toml:4:1: fill-in `ispo_lead` (3) must be a string");
    assert!(!env.exists("k"));
}

#[test]
fn update_never_drops_a_module_override_the_user_mistyped() {
    let env = Env::new();
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_name=Acme",
        "--with",
        "ambassadors",
        "-q",
    ])
    .ok();
    let text = env.read("kit/ispo-answers.toml");
    let edited = text.replace("with = [\"ambassadors\"]", "with = [\"ambasadors\"]");
    assert_ne!(edited, text);
    env.write("kit/ispo-answers.toml", &edited);
    let before = env.tree("kit");
    env.ispo(&["update", "kit"])
        .code(5)
        .stderr_has("`ambasadors` in `with` under [modules] is not a module of this catalog; did you mean `ambassadors`?");
    let mut after = env.tree("kit");
    after.remove(".ispo/lock");
    assert_eq!(after, before);
}

#[test]
fn whole_numbers_as_people_write_them_on_the_command_line_and_typed_data_in_files() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    // Each run writes (or refuses to write) a kit of its own.
    let init = |extra: &[&str]| {
        let mut args = vec!["init", "kit", "--catalog", repo.path(), "--defaults"];
        args.extend_from_slice(extra);
        env.ispo(&args)
    };
    init(&["--set", "company=Acme", "--set", "engineers=2,000", "-q"]).ok();
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("engineers = 2000"));
    std::fs::remove_dir_all(env.path("kit")).unwrap();
    // A comma that may be a decimal one is refused, with the form to use.
    init(&["--set", "company=Acme", "--set", "engineers=2,5"])
        .code(2)
        .stderr_has("--set engineers: answer for `engineers`: `2,5` is not a whole number (digits, as in 2000, 2,000 or 2 000)");
    // A file holds data: a quoted number is refused, the integer suggested.
    env.write("a.toml", "company = \"Acme\"\nengineers = \"2 000\"\n");
    init(&["--answers", "a.toml"]).code(5).stderr_has(
        "a.toml:2:1: answer for `engineers` (\"2 000\"): expected an integer, found string; allowed: a whole number from 1 to 100000; did you mean `engineers = 2000`?",
    );
    // An empty answer where one is needed says so in words, wherever it comes from.
    env.write("b.toml", "company = \"\"\n");
    init(&["--answers", "b.toml"]).code(5).stderr_has(
        "b.toml:1:1: answer for `company`: Please enter the company name (an answer is needed)",
    );
}
