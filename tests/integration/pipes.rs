//! Output that cannot be written: a reader that closes stdout early
//! (`ispo status | head -1`), a closed stderr, a full disk. ispo never
//! panics, says nothing about the pipe and keeps its own exit code.

use crate::support::*;

/// Lines of the `big` module's file, each long and holding a fill-in marker
/// whose description is long: `ispo status` and `ispo diff` then print far
/// more than a pipe buffers (64 KiB on Linux), so a write fails mid-stream.
const BIG_LINES: usize = 400;

/// The fixture catalog plus a `big` module, and a kit made from it.
fn setup() -> (Env, CatalogRepo) {
    let env = Env::new();
    let mut files = fixture();
    let module = format!(
        "id = \"big\"\ntitle = \"Big\"\nsummary = \"Many fill-ins.\"\nkind = \"doc\"\nchallenges = [\"C2\"]\n\n[[fill]]\nid = \"big_note\"\ndescription = \"{}\"\n",
        "A long description. ".repeat(15)
    );
    files.push(("modules/big/module.toml", leak(module)));
    files.push(("modules/big/files/big/FILLS.md", leak(big_file("line"))));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.init_kit(repo.path(), &["-q"]).ok();
    (env, repo)
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn big_file(word: &str) -> String {
    let padding = "Some plain text that makes the line long. ".repeat(5);
    (1..=BIG_LINES)
        .map(|i| format!("{word} {i}: {padding}{{{{fill.big_note}}}}\n"))
        .collect()
}

/// A v2 of the catalog that changes every line of the big file.
fn move_catalog(repo: &CatalogRepo) {
    repo.commit(
        &[("modules/big/files/big/FILLS.md", &big_file("row"))],
        "v2",
    );
}

#[test]
fn status_stops_quietly_when_the_reader_leaves_mid_stream() {
    let (env, _repo) = setup();
    let (line, run) = env.ispo_first_line(&["status", "kit"]);
    assert_eq!(
        line,
        ".github/CODEOWNERS:1: ispo_email — Email of the ISPO\n"
    );
    run.no_panic()
        .ok()
        .stderr_has("value(s) still to fill in, in 403 place(s)");
    // The same with --check keeps its own code.
    let (_, run) = env.ispo_first_line(&["status", "kit", "--check"]);
    run.no_panic().code(6);
}

#[test]
fn status_with_stdout_closed() {
    let (env, _repo) = setup();
    env.ispo_stdout_closed(&["status", "kit"]).no_panic().ok();
    env.ispo_stdout_closed(&["status", "kit", "--check"])
        .no_panic()
        .code(6);
    env.ispo_stdout_closed(&["status", "kit", "--json"])
        .no_panic()
        .ok();
}

#[test]
fn explain_with_stdout_closed() {
    let (env, _repo) = setup();
    for args in [
        &["explain", "--kit", "kit"][..],
        &["explain", "--kit", "kit", "charter"],
        &["explain", "--kit", "kit", "--json"],
        &["explain", "--kit", "kit", "charter", "--json"],
    ] {
        env.ispo_stdout_closed(args).no_panic().ok();
    }
}

#[test]
fn diff_stops_quietly_when_the_reader_leaves_mid_stream() {
    let (env, repo) = setup();
    move_catalog(&repo);
    let (line, run) = env.ispo_first_line(&["diff", "kit"]);
    assert!(line.starts_with("--- a/"), "{line:?}");
    run.no_panic().ok();
    env.ispo_stdout_closed(&["diff", "kit"]).no_panic().ok();
    // Nothing was written: the kit is still at v1.
    assert!(env.read("kit/big/FILLS.md").starts_with("line 1:"));
}

#[test]
fn diff_with_conflicts_and_stdout_closed_still_exits_3() {
    let (env, repo) = setup();
    let principles = env
        .read("kit/program/PRINCIPLES.md")
        .replace("Openness first at Acme.", "Openness first at Acme, mostly.");
    env.write("kit/program/PRINCIPLES.md", &principles);
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles\n\nOpenness first at {{company}}, always.\n",
        )],
        "v2",
    );
    env.ispo_stdout_closed(&["diff", "kit"]).no_panic().code(3);
}

#[test]
fn check_with_stdout_closed() {
    let (env, repo) = setup();
    env.ispo_stdout_closed(&["check", "kit"]).no_panic().ok();
    env.ispo_stdout_closed(&["check", "kit", "--json"])
        .no_panic()
        .ok();
    move_catalog(&repo);
    env.ispo_stdout_closed(&["check", "kit", "--exit-code"])
        .no_panic()
        .code(10);
}

#[test]
fn catalog_lint_json_with_stdout_closed() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.ispo_stdout_closed(&["catalog", "lint", "--json", "cat"])
        .no_panic()
        .ok();
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog");
    env.ispo_stdout_closed(&["catalog", "lint", "--json", default])
        .no_panic()
        .ok();
    // A catalog with errors: the JSON document that carries them is lost, the code is not.
    env.write(
        "cat/modules/principles/module.toml",
        "id = \"principles\"\ntitle = \"P\"\nsummary = \"s\"\nkind = \"essay\"\n",
    );
    env.ispo_stdout_closed(&["catalog", "lint", "--json", "cat"])
        .no_panic()
        .code(1);
}

#[test]
fn completions_with_stdout_closed() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        env.ispo_stdout_closed(&["completions", shell])
            .no_panic()
            .ok()
            .stderr_is("");
    }
}

#[test]
fn help_and_version_with_stdout_closed() {
    let env = Env::new();
    for args in [&["--help"][..], &["--version"], &["init", "--help"]] {
        env.ispo_stdout_closed(args).no_panic().ok();
    }
}

#[test]
fn init_json_with_stdout_closed_still_writes_the_kit() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.ispo_stdout_closed(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--json",
    ])
    .no_panic()
    .ok();
    assert!(env.exists("kit/.ispo/state.toml"));
    assert!(env.exists("kit/program/CHARTER.md"));
}

#[test]
fn update_json_with_stdout_closed_still_updates_the_kit() {
    let (env, repo) = setup();
    env.ispo_stdout_closed(&["update", "kit", "--json"])
        .no_panic()
        .ok();
    move_catalog(&repo);
    env.ispo_stdout_closed(&["update", "kit", "--dry-run", "--json"])
        .no_panic()
        .ok();
    assert!(env.read("kit/big/FILLS.md").starts_with("line 1:"));
    env.ispo_stdout_closed(&["update", "kit", "--json"])
        .no_panic()
        .ok();
    assert!(env.read("kit/big/FILLS.md").starts_with("row 1:"));
    // Up to date now: that short document is lost too.
    env.ispo_stdout_closed(&["update", "kit", "--json"])
        .no_panic()
        .ok()
        .stderr_has("up to date");
}

#[test]
fn an_error_under_json_with_stdout_closed_keeps_its_code_and_message() {
    let env = Env::new();
    env.ispo_stdout_closed(&["status", "nowhere", "--json"])
        .no_panic()
        .code(1)
        .stderr_has("is not an ispo kit");
    env.ispo_stdout_closed(&["init", "kit", "--json", "--set", "novalue"])
        .no_panic()
        .code(2)
        .stderr_has("--set `novalue` must look like KEY=VALUE");
}

#[test]
fn a_closed_stderr_never_panics() {
    let (env, repo) = setup();
    let run = env.ispo_stderr_closed(&["status", "kit", "--check"]);
    assert_eq!(run.code, 6, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 403);
    let run = env.ispo_stderr_closed(&["status", "nowhere"]);
    assert_eq!(run.code, 1, "{run:?}");
    let run = env.ispo_stderr_closed(&["status", "--bogus"]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = env.ispo_stderr_closed(&[
        "init",
        "kit2",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(env.exists("kit2/.ispo/state.toml"));
}

#[test]
fn a_full_disk_on_stdout_is_an_error() {
    let (env, _repo) = setup();
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let mut cmd = env.command(&["status", "kit"]);
    cmd.stdout(full()).stdin(std::process::Stdio::null());
    let run = run_of(cmd.output().unwrap());
    run.no_panic()
        .code(1)
        .stderr_has("error: cannot write to stdout: No space left on device");
    // A command that already failed keeps its code.
    let mut cmd = env.command(&["status", "kit", "--check"]);
    cmd.stdout(full()).stdin(std::process::Stdio::null());
    let run = run_of(cmd.output().unwrap());
    run.no_panic()
        .code(6)
        .stderr_has("error: cannot write to stdout: No space left on device");
}
