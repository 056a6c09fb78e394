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
  - forge (Where is your code?): --set forge=github|gitlab|azure (or --defaults)
  - engineers (How many engineers?): --set engineers=<1..100000> (or --defaults)
  - regulated (Regulated?): --set regulated=true|false (or --defaults)
  - audiences (Who is the kit for?): --set audiences=<comma-separated: devs,execs> (or --defaults)
  - tracker (Issue tracker?): --set tracker=issues|boards|jira (or --defaults)
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
    run.code(1).stderr_is(
        "error: --set company: answer for `company`: `acme` does not match the pattern `[A-Z][A-Za-z0-9 ]*`
--set forge: answer for `forge`: `bitbucket` is not one of the allowed values: github, gitlab, azure
--set engineers: answer for `engineers`: 0 is below the minimum 1
--set regulated: answer for `regulated`: `maybe` is not a yes/no value (use true or false)
--set audiences: answer for `audiences`: `devs` is listed twice
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
    run.code(1).stderr_is(
        "error: a.toml:4:1: unknown question `colour` (questions: company, forge, engineers, regulated, audiences, tracker, auditor)
a.toml:7:1: unknown fill-in `nope` (fill-ins: ispo_email, sponsor)
a.toml:2:1: answer for `forge`: `svn` is not one of the allowed values: github, gitlab, azure
a.toml:3:1: answer for `engineers`: expected an integer, found string
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
    run.code(1).stderr_is(
        "error: <stdin>:3:1: unknown question `colour` (questions: company, forge, engineers, regulated, audiences, tracker, auditor)
<stdin>:4:1: answer for `engineers`: expected an integer, found string
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
    assert_eq!(
        env.read("kit/ispo-answers.toml").lines().last(),
        Some("without = [\"gitlab-ci\"]")
    );
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
