//! Every exit code README's "Exit codes" table documents, triggered through
//! the real binary, with the message that goes with it. (That the table,
//! `--help` and `error::Code` agree is a unit test in `src/arguments.rs`.)

use std::process::Stdio;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

use crate::support::*;

/// Under `--json`, the error document on stdout carries the same code.
#[track_caller]
fn json_error(run: &Run, kind: &str, code: i32) {
    run.code(code);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout));
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["error"]["kind"], kind);
    assert_eq!(doc["error"]["code"], code);
}

/// The fixture catalog, a kit made from it, and a v2 of the catalog that
/// changes the line the kit has edited in PRINCIPLES.md.
fn kit_with_a_conflict_waiting() -> (Env, CatalogRepo) {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["-q"]).ok();
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
    (env, repo)
}

#[test]
fn code_0_success() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &[])
        .code(0)
        .stderr_has("Created kit in kit with 3 modules and 6 files");
    env.ispo(&["status", "kit"])
        .code(0)
        .stderr_has("2 value(s) still to fill in");
    env.ispo(&["check", "kit", "--exit-code"])
        .code(0)
        .stdout_is(&format!(
            "up to date: catalog 1.0.0 at {} ({})\n",
            &repo.head()[..10],
            repo.path()
        ));
    env.ispo(&["update", "kit"])
        .code(0)
        .stderr_has("up to date: the catalog is still at");
}

#[test]
fn code_1_error() {
    let env = Env::new();
    env.ispo(&["status", "nowhere"])
        .code(1)
        .stderr_has("is not an ispo kit (no .ispo/state.toml)");
    json_error(&env.ispo(&["status", "nowhere", "--json"]), "error", 1);
    // A broken answers file.
    let repo = fixture_repo(&env);
    env.write("a.toml", "company = \"Acme\"\nforge = \n");
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        "a.toml",
    ])
    .code(1)
    .stderr_has("a.toml:2:9:");
    // --offline with nothing cached.
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        "https://example.invalid/catalog.git",
        "--offline",
        "--defaults",
    ])
    .code(1)
    .stderr_has("is not cached yet; run once without --offline to fetch it");
    // A stdout that cannot be written (not a closed pipe: that is no error).
    env.init_kit(repo.path(), &["-q"]).ok();
    let mut cmd = env.command(&["status", "kit"]);
    cmd.stdin(Stdio::null()).stdout(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    );
    run_of(cmd.output().unwrap())
        .code(1)
        .stderr_has("error: cannot write to stdout: No space left on device");
}

#[test]
fn code_2_usage_error() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.ispo(&["status", "--bogus"])
        .code(2)
        .stderr_has("error: unexpected argument '--bogus' found");
    json_error(&env.ispo(&["status", "--bogus", "--json"]), "usage", 2);
    let init = |extra: &[&str]| {
        let mut args = vec!["init", "kit", "--catalog", repo.path(), "--defaults"];
        args.extend_from_slice(extra);
        env.ispo(&args)
    };
    init(&["--set", "novalue"])
        .code(2)
        .stderr_is("error: --set `novalue` must look like KEY=VALUE\n");
    json_error(&init(&["--set", "novalue", "--json"]), "usage", 2);
    init(&["--set", "company=Acme", "--with", "nosuch"])
        .code(2)
        .stderr_has("--with nosuch: no such module in this catalog");
    assert!(!env.exists("kit"));
}

#[test]
fn code_3_conflicts_left_to_resolve() {
    let (env, _repo) = kit_with_a_conflict_waiting();
    env.ispo(&["update", "kit", "--dry-run"])
        .code(3)
        .stderr_has("would conflict program/PRINCIPLES.md")
        .stderr_has("dry run, nothing written: 0 added, 1 updated, 0 merged, 1 conflicts");
    let diff = env.ispo(&["diff", "kit"]);
    diff.code(3).stderr_is("");
    assert!(
        diff.stdout.contains("+++ b/program/PRINCIPLES.md\n")
            && diff.stdout.contains("+<<<<<<< your kit\n"),
        "{}",
        diff.stdout
    );
    env.ispo(&["update", "kit"])
        .code(3)
        .stderr_has("Conflict program/PRINCIPLES.md (conflict markers written: resolve them)")
        .stderr_has("1 file(s) need your attention");
    assert!(env
        .read("kit/program/PRINCIPLES.md")
        .contains("<<<<<<< your kit"));
}

#[test]
fn code_4_refused_for_safety() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("kit/notes.txt", "mine\n");
    env.init_kit(repo.path(), &[])
        .code(4)
        .stderr_has("`kit` is not empty (notes.txt); pass --adopt to bring ispo into it");
    json_error(&env.init_kit(repo.path(), &["--json"]), "refused", 4);
    assert_eq!(env.read("kit/notes.txt"), "mine\n");
    env.ispo(&[
        "init",
        "other",
        "--catalog",
        "https://user:secret@example.invalid/catalog.git",
        "--defaults",
    ])
    .code(4)
    .stderr_has("password");
}

#[test]
fn code_5_input_needed_but_no_prompt() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let args = ["init", "kit", "--catalog", repo.path(), "--defaults"];
    env.ispo(&args)
        .code(5)
        .stderr_is("error: 1 answer is needed, and this session cannot prompt (not a terminal, --non-interactive, --json or CI is set):\n  - company (Company name?): --set company=<text>\n");
    let mut json = args.to_vec();
    json.push("--json");
    json_error(&env.ispo(&json), "needs_input", 5);
    assert!(!env.exists("kit"));
}

#[test]
fn code_6_fill_ins_remain() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["-q"]).ok();
    env.ispo(&["status", "kit", "--check"])
        .code(6)
        .stderr_has("2 value(s) still to fill in, in 3 place(s)");
    env.init_kit(
        repo.path(),
        &[
            "-q",
            "--force",
            "--set",
            "fill.ispo_email=i@acme.test",
            "--set",
            "fill.sponsor=Dana",
        ],
    )
    .ok();
    env.ispo(&["status", "kit", "--check"])
        .code(0)
        .stderr_has("Nothing left to fill in.");
}

#[test]
fn code_10_update_available() {
    let (env, repo) = kit_with_a_conflict_waiting();
    let head = repo.head();
    let run = env.ispo(&["check", "kit", "--exit-code"]);
    run.code(10);
    assert!(
        run.stdout.starts_with("update available: ")
            && run.stdout.contains(&format!(" -> {} ", &head[..10])),
        "{}",
        run.stdout
    );
    // Without --exit-code the same news is a success.
    env.ispo(&["check", "kit"]).code(0).stdout_is(&run.stdout);
}

/// Ctrl-C while ispo waits for the network (the signal, outside a prompt).
/// Ctrl-C typed at a prompt is `prompts::ctrl_c_at_a_prompt_exits_130_with_the_cursor_restored`.
#[test]
fn code_130_interrupted() {
    let env = Env::new();
    // A server that accepts and never answers: ispo is waiting on git's fetch
    // (so its Ctrl-C handler is installed) once the connection arrives.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!(
        "git://127.0.0.1:{}/catalog.git",
        listener.local_addr().unwrap().port()
    );
    let mut cmd = env.command(&["init", "kit", "--catalog", &url, "--defaults"]);
    cmd.env("ISPO_NETWORK_TIMEOUT", "60")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let start = Instant::now();
    let connection = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                std::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => panic!("git never connected: {e}"),
        }
    };
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let run = run_of(child.wait_with_output().unwrap());
    // git, ispo's child, sees the connection close and ends.
    drop(connection);
    run.code(130)
        .stderr_is("interrupted; nothing was written\n");
    assert!(!env.exists("kit"));
}
