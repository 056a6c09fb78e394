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
    p.expect("Modules picked for your answers: 3 of 4.")
        .unwrap();
    p.expect("> [x] Charter — The program charter.").unwrap();
    p.send(DOWN).unwrap();
    p.send(DOWN).unwrap();
    // Why, in the words of the questions and the labels chosen, under the list.
    p.expect("GitLab CI (gitlab-ci). In because you answered “Where is your code?” with GitLab.")
        .unwrap();
    p.send("\r").unwrap();
    p.expect("Enter them now?").unwrap();
    // A word that is neither yes nor no is asked again, not taken as no.
    p.send("nope\r").unwrap();
    p.expect("`nope`: please answer yes or no (y or n)")
        .unwrap();
    p.send("\x15YES\r").unwrap();
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

/// `init` with the fixture's defaults (company Acme), stopped at the pick:
/// Begin: Charter, Principles (in for Charter); Adopt: GitLab CI (out),
/// Workflows (in).
fn at_the_pick(
    env: &Env,
    repo: &CatalogRepo,
    extra_env: &[(&str, &str)],
) -> expectrl::session::OsSession {
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
            "--defaults",
        ],
        extra_env,
    );
    p.expect("Modules in the kit").unwrap();
    p.expect("esc: undo").unwrap();
    p
}

/// Writes the kit from the fill-in offer on, and returns the recorded pick.
fn write_from_the_fill_ins(env: &Env, p: &mut expectrl::session::OsSession) -> String {
    p.expect("Enter them now?").unwrap();
    p.send("n\r").unwrap();
    write_from_the_summary(env, p)
}

/// Writes the kit from the summary, and returns the recorded pick.
fn write_from_the_summary(env: &Env, p: &mut expectrl::session::OsSession) -> String {
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(p), 0);
    let state: toml::Value = toml::from_str(&env.read("kit/.ispo/state.toml")).unwrap();
    let list = |key: &str| {
        let ids: Vec<String> = state["selection"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| format!("{v}"))
            .collect();
        format!("{key} = [{}]", ids.join(", "))
    };
    format!("{}\n{}", list("with"), list("without"))
}

#[test]
fn the_lead_can_adjust_the_pick() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = at_the_pick(&env, &repo, &[]);
    p.expect("Begin: starting out").unwrap();
    p.expect("Adopt: more teams join").unwrap();
    p.send(DOWN).unwrap();
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // GitLab CI in
    p.expect("You ticked it: it goes into the kit.").unwrap();
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // Workflows out
    p.expect("You unticked it: it stays out of the kit.")
        .unwrap();
    p.send("\r").unwrap();
    p.expect("Modules in the kit: 3 of 4 modules ticked")
        .unwrap();
    assert_eq!(
        write_from_the_fill_ins(&env, &mut p),
        "with = [\"gitlab-ci\"]\nwithout = [\"workflows\"]"
    );
    assert!(env.exists("kit/.gitlab-ci.yml"));
    // Said in words later, without flags the lead never typed.
    env.ispo(&["explain", "--kit", "kit"])
        .ok()
        .stdout_has("In because you added it to the pick.");
}

/// Every line the pick list drew, escape sequences taken out.
fn drawn_lines(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let csi = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap();
    csi.replace_all(&text, "")
        .split(['\r', '\n'])
        .map(str::to_string)
        .collect()
}

#[test]
fn the_pick_list_fits_60_columns_and_reads_without_colour() {
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
        &[("NO_COLOR", "1")],
    );
    p.get_process_mut().set_window_size(60, 24).unwrap();
    p.expect("esc: undo").unwrap();
    // Judge a redraw, made after the window is surely 60 columns wide.
    p.send(DOWN).unwrap();
    p.expect("esc: undo").unwrap();
    let drawn = p.expect("Principles (principles). In because").unwrap();
    let lines = drawn_lines(drawn.before());
    for want in [
        "Begin: starting out",
        "  [x] Charter — The program charter.",
        "> [x] Principles — How we work.",
        "Adopt: more teams join",
        "  [ ] GitLab CI — CI for GitLab.",
        "  [x] Workflows — CI for GitHub.",
        "3 of 4 modules ticked",
    ] {
        assert!(lines.iter().any(|l| l == want), "no {want:?} in {lines:#?}");
    }
    for l in &lines {
        assert!(console_width(l) < 60, "{} columns: {l:?}", console_width(l));
    }
    let raw = String::from_utf8_lossy(drawn.before()).into_owned();
    assert!(
        !regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap().is_match(&raw),
        "colour under NO_COLOR: {raw:?}"
    );
    p.send("\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("n\r").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    assert_eq!(exit_code(&p), 0);
}

/// Columns a line takes, counting each character as one (the fixture's
/// text is narrow) except the two-column ones.
fn console_width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn unticking_a_needed_module_offers_to_keep_it_and_keeps_the_other_changes() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = at_the_pick(&env, &repo, &[]);
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // Principles out, which Charter needs
    p.send(DOWN).unwrap();
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // Workflows out: a change of its own
    p.send("\r").unwrap();
    p.expect(
        "Charter needs Principles, which you unticked. Your other changes stay as you made them.",
    )
    .unwrap();
    p.expect("What should the kit have?").unwrap();
    p.expect("Keep Principles (for Charter)").unwrap();
    p.expect("Take out Charter too").unwrap();
    p.send("\r").unwrap(); // keep it
                           // The list again, Principles back, Workflows still out.
    p.expect("Here is the pick with that settled and your other changes kept")
        .unwrap();
    p.expect("  [x] Principles").unwrap();
    p.expect("  [ ] Workflows").unwrap();
    p.send("\r").unwrap();
    assert_eq!(
        write_from_the_fill_ins(&env, &mut p),
        "with = []\nwithout = [\"workflows\"]"
    );
    assert!(env.exists("kit/program/PRINCIPLES.md"));
    assert!(!env.exists("kit/.github"));
}

#[test]
fn unticking_a_needed_module_can_take_out_what_needs_it_and_conflicts_are_asked() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let mut p = at_the_pick(&env, &repo, &[]);
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // Principles out, which Charter needs
    p.send(DOWN).unwrap();
    p.send(" ").unwrap(); // GitLab CI in, which does not go with Workflows
    p.send("\r").unwrap();
    p.expect("Charter needs Principles, which you unticked.")
        .unwrap();
    p.send(DOWN).unwrap();
    p.send("\r").unwrap(); // take out Charter too
    p.expect("Workflows and GitLab CI do not go together (the catalog says they conflict). Your other changes stay as you made them.")
        .unwrap();
    p.expect("Which one should the kit have?").unwrap();
    p.send(DOWN).unwrap();
    p.send("\r").unwrap(); // keep GitLab CI
    p.expect("Here is the pick with that settled").unwrap();
    p.expect("> [ ] Charter").unwrap();
    p.expect("  [ ] Principles").unwrap();
    p.expect("  [x] GitLab CI").unwrap();
    p.expect("  [ ] Workflows").unwrap();
    p.send("\r").unwrap();
    // Without Charter and Workflows no fill-in is left to offer.
    assert_eq!(
        write_from_the_summary(&env, &mut p),
        "with = [\"gitlab-ci\"]\nwithout = [\"principles\", \"charter\", \"workflows\"]"
    );
    assert!(env.exists("kit/.gitlab-ci.yml"));
    assert!(!env.exists("kit/program/CHARTER.md"));
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
    p.expect("esc: undo").unwrap();
    p.send("\r").unwrap();
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
    p.expect("esc: undo").unwrap();
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
    // Regulated brings GitLab CI in, which does not go with Workflows:
    // asked in words, not refused.
    p.expect("Workflows and GitLab CI do not go together")
        .unwrap();
    p.expect("Keep Workflows, take out GitLab CI").unwrap();
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
