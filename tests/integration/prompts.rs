//! Interactive prompts driven end to end through a real pseudo-terminal.

use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Expect, Session};

use crate::support::*;

const DOWN: &str = "\x1b[B";

pub fn spawn(env: &Env, args: &[&str], extra_env: &[(&str, &str)]) -> expectrl::session::OsSession {
    let mut cmd = env.command(args);
    cmd.env("TERM", "xterm-256color");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut session = Session::spawn(cmd).expect("spawn in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(20)));
    session.get_process_mut().set_window_size(120, 40).unwrap();
    session
}

pub fn exit_code(session: &expectrl::session::OsSession) -> i32 {
    match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("ispo did not exit normally: {other:?}"),
    }
}

#[test]
fn a_whole_interactive_init() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = spawn(&env, &["init", "kit", "--catalog", repo.path()], &[]);
    p.expect("As people say it internally.").unwrap();
    // Each question says where the lead is: question 1 of the catalog's 7.
    p.expect("[1/7] Company name?").unwrap();
    p.send("\r").unwrap();
    p.expect("Please enter the company name (an answer is needed)")
        .unwrap();
    p.send("acme\r").unwrap();
    p.expect("does not match the pattern").unwrap();
    p.send("\x15Acme\r").unwrap();
    p.expect("[2/7] Where is your code?").unwrap();
    p.send(DOWN).unwrap();
    p.send("\r").unwrap();
    p.expect("[3/7] How many engineers?").unwrap();
    p.send("lots\r").unwrap();
    p.expect("is not a whole number (digits, as in 2000, 2,000 or 2 000)")
        .unwrap();
    // Thousands grouped as people write them.
    p.send("\x152,500\r").unwrap();
    p.expect("[4/7] Regulated? [y/N]").unwrap();
    // `yes` typed in full: nothing of it reaches the next prompt.
    p.send("yes\r").unwrap();
    p.expect("[5/7] Who is the kit for?").unwrap();
    p.send(DOWN).unwrap();
    p.send(" ").unwrap();
    p.send("\r").unwrap();
    p.expect("[6/7] Issue tracker?").unwrap();
    p.send("\r").unwrap();
    p.expect("[7/7] Who audits code access?").unwrap();
    p.send("\r").unwrap();
    p.expect("Modules picked for your answers:").unwrap();
    // Why, in the words of the questions and the labels chosen.
    p.expect("[x] gitlab-ci                    In because you answered “Where is your code?” with GitLab.")
        .unwrap();
    p.expect("Adjust this pick? [y/N]").unwrap();
    // A word that is neither yes nor no is asked again, not taken as no.
    p.send("nope\r").unwrap();
    p.expect("`nope`: please answer yes or no (y or n)")
        .unwrap();
    p.send("\x15no\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("YES\r").unwrap();
    p.expect("[1/2] Email of the ISPO (e.g. ispo@example.com)")
        .unwrap();
    p.send("ispo@acme.test\r").unwrap();
    p.expect("[2/2] Name of the sponsor").unwrap();
    p.send("\r").unwrap();
    // One screen before anything is written: answers in the words chosen.
    p.expect("Before the kit is written:").unwrap();
    p.expect("Where is your code?").unwrap();
    p.expect("GitLab").unwrap();
    p.expect("Who is the kit for?").unwrap();
    p.expect("Developers, Executives").unwrap();
    p.expect("1 of 2 fill-in value(s) left for later").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(&p), 0);

    let answers = env.read("kit/ispo-answers.toml");
    for line in [
        "company = \"Acme\"",
        "forge = \"gitlab\"",
        "engineers = 2500",
        "regulated = true",
        "audiences = [\"devs\", \"execs\"]",
        "tracker = \"issues\"",
        "auditor = \"Acme Audit\"",
        "ispo_email = \"ispo@acme.test\"",
        "# sponsor = \"\"",
    ] {
        assert!(answers.contains(line), "missing {line:?} in\n{answers}");
    }
    assert!(env.exists("kit/.gitlab-ci.yml"));
    assert!(!env.exists("kit/.github"));
    env.ispo(&["status", "kit"])
        .ok()
        .stdout_is("program/CHARTER.md:3: sponsor — Name of the sponsor\n");
}

#[test]
fn the_lead_can_adjust_the_pick() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = spawn(
        &env,
        &[
            "init",
            "kit",
            "--catalog",
            repo.path(),
            "--answers",
            "/dev/null",
            "--set",
            "company=Acme",
            "--defaults",
        ],
        &[],
    );
    p.expect("Modules picked for your answers:").unwrap();
    p.expect("Adjust this pick?").unwrap();
    p.send("y\r").unwrap();
    // Items are grouped by challenge: C1 charter, C1 principles, C2 gitlab-ci, C2 workflows.
    p.expect("C2 Finding reviewers › Workflows (workflows)")
        .unwrap();
    p.send(DOWN).unwrap();
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // gitlab-ci in
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // workflows out
    p.send("\r").unwrap();
    p.expect("In because you added it to the pick.").unwrap();
    p.expect("Left out because you took it out of the pick.")
        .unwrap();
    p.expect("Adjust this pick?").unwrap();
    p.send("n\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("n\r").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(&p), 0);
    let state = env.read("kit/.ispo/state.toml");
    assert!(
        state.contains("with = [\"gitlab-ci\"]\nwithout = [\"workflows\"]"),
        "{state}"
    );
    assert!(env.exists("kit/.gitlab-ci.yml"));
}

#[test]
fn ci_in_a_terminal_still_never_prompts() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = spawn(
        &env,
        &["init", "kit", "--catalog", repo.path()],
        &[("CI", "1")],
    );
    p.expect("answers are needed, and this session cannot prompt")
        .unwrap();
    assert_eq!(exit_code(&p), 5);
    assert!(!env.exists("kit"));
}

#[test]
fn ctrl_c_at_a_prompt_exits_130_with_the_cursor_restored() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = spawn(
        &env,
        &[
            "init",
            "kit",
            "--catalog",
            repo.path(),
            "--set",
            "company=Acme",
        ],
        &[],
    );
    p.expect("Where is your code?").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("\x03").unwrap();
    let rest = p.expect(expectrl::Eof).unwrap();
    let rest = String::from_utf8_lossy(rest.get(0).unwrap_or_default()).into_owned();
    assert!(rest.contains("\x1b[?25h"), "cursor not restored: {rest:?}");
    assert!(
        rest.contains("interrupted; nothing was written"),
        "{rest:?}"
    );
    assert_eq!(exit_code(&p), 130);
    assert!(!env.exists("kit"));
}

#[test]
fn update_asks_only_the_new_question() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["-q"]).ok();
    let questions = format!("{}\n[[question]]\nid = \"portal\"\ntype = \"text\"\nprompt = \"Where is your project portal?\"\n", fixture()[1].1);
    repo.commit(
        &[
            ("questions.toml", &questions),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "Portal: {{portal}}\n",
            ),
        ],
        "v2",
    );
    let mut p = spawn(&env, &["update", "kit"], &[]);
    p.expect("Where is your project portal?").unwrap();
    p.send("https://portal.acme.test\r").unwrap();
    p.expect("Updated program/PRINCIPLES.md").unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "Portal: https://portal.acme.test\n"
    );
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("portal = \"https://portal.acme.test\""));
}

#[test]
fn in_a_terminal_git_asks_for_the_credentials_of_a_protected_catalog() {
    let env = Env::new();
    bare_fixture(&env);
    let server = crate::git_http::GitHttp::start(
        &env.path("srv"),
        crate::git_http::Options {
            basic_auth: Some(("alice".into(), "s3cret-pass".into())),
            ..Default::default()
        },
    );
    let url = server.url("catalog.git");
    let mut p = spawn(
        &env,
        &[
            "init",
            "kit",
            "--catalog",
            &url,
            "--defaults",
            "--set",
            "company=Acme",
        ],
        &[("ISPO_NETWORK_TIMEOUT", "1")],
    );
    p.expect("Username for").unwrap();
    // A person takes longer than the network timeout to type: the watchdog
    // must not stop git while it waits at its prompt.
    std::thread::sleep(Duration::from_millis(2500));
    p.send("alice\r").unwrap();
    p.expect("Password for").unwrap();
    p.send("s3cret-pass\r").unwrap();
    p.expect("Adjust this pick?").unwrap();
    p.send("n\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("n\r").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit").unwrap();
    p.expect(expectrl::Eof).unwrap();
    assert_eq!(exit_code(&p), 0);
    assert!(env.exists("kit/program/CHARTER.md"));
}

#[test]
fn a_refused_answer_is_asked_again_with_the_users_value_and_the_reason() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["-q"]).ok();
    let answers = env.read("kit/ispo-answers.toml");
    env.write(
        "kit/ispo-answers.toml",
        &answers
            .replace("forge = \"github\"", "forge = \"gitlb\"")
            .replace("company = \"Acme\"", "company = \"acme corp\""),
    );
    let mut p = spawn(&env, &["update", "kit"], &[]);
    // The reason, where the value came from, and the likely fix.
    p.expect(
        "kit/ispo-answers.toml:6:1: answer for `company`: `acme corp` does not match the pattern",
    )
    .unwrap();
    p.expect("please answer again").unwrap();
    p.expect("Company name?").unwrap();
    // The user's own text is pre-filled, to correct rather than retype.
    p.expect("acme corp").unwrap();
    p.send("\x15Acme Corp\r").unwrap();
    p.expect("answer for `forge`: `gitlb` is not one of the allowed values: github, gitlab, azure; did you mean `forge = \"gitlab\"`?")
        .unwrap();
    p.expect("Where is your code?").unwrap();
    // The closest match is pre-selected: Enter takes it.
    p.send("\r").unwrap();
    assert_eq!(exit_code(&p), 0);
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("forge = \"gitlab\""), "{answers}");
    assert!(answers.contains("company = \"Acme Corp\""), "{answers}");
}

/// Answers the fixture's questions with defaults where it has them, says
/// no to adjusting the pick and to the fill-ins, and stops at the summary.
fn at_the_summary(env: &Env, repo: &CatalogRepo) -> expectrl::session::OsSession {
    let mut p = spawn(env, &["init", "kit", "--catalog", repo.path()], &[]);
    p.expect("[1/7] Company name?").unwrap();
    p.send("Acme\r").unwrap();
    for prompt in [
        "[2/7] Where is your code?",
        "[3/7] How many engineers?",
        "[4/7] Regulated?",
        "[5/7] Who is the kit for?",
        "[6/7] Issue tracker?",
    ] {
        p.expect(prompt).unwrap();
        p.send("\r").unwrap();
    }
    p.expect("Adjust this pick?").unwrap();
    p.send("\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Before the kit is written:").unwrap();
    p.expect("Regulated?").unwrap();
    p.expect("no").unwrap();
    p.expect("What now?").unwrap();
    p
}

#[test]
fn the_summary_goes_back_to_an_answer_and_asks_what_it_opens() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = at_the_summary(&env, &repo);
    p.send(DOWN).unwrap(); // Change an answer
    p.send("\r").unwrap();
    p.expect("Which answer?").unwrap();
    for _ in 0..3 {
        p.send(DOWN).unwrap(); // Regulated?
    }
    p.send("\r").unwrap();
    p.expect("[4/7] Regulated? [y/N]").unwrap();
    p.send("yes\r").unwrap();
    // A question that applies only when regulated is asked now, nothing else.
    let before = p.expect("[7/7] Who audits code access?").unwrap();
    let before = String::from_utf8_lossy(before.before()).into_owned();
    assert!(!before.contains("Company name?"), "{before}");
    p.send("\r").unwrap();
    p.expect("Before the kit is written:").unwrap();
    p.expect("Who audits code access?").unwrap();
    p.expect("Acme Audit").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(&p), 0);
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("regulated = true"), "{answers}");
    assert!(answers.contains("auditor = \"Acme Audit\""), "{answers}");
}

#[test]
fn quitting_at_the_summary_writes_nothing_and_keeps_the_answers() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = at_the_summary(&env, &repo);
    for _ in 0..4 {
        p.send(DOWN).unwrap(); // past Change, Adjust and Enter the 2 fill-ins left, to Quit
    }
    p.send("\r").unwrap();
    p.expect("your answers so far are saved in").unwrap();
    p.expect("quit before writing: nothing was written")
        .unwrap();
    assert_eq!(exit_code(&p), 130);
    assert!(!env.exists("kit"));
    env.ispo(&["init", "kit", "--catalog", repo.path(), "--defaults"])
        .code(5)
        .stderr_has(
            "an earlier `ispo init` of this folder stopped before writing and saved 6 answer(s)",
        );
}
