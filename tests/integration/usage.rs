//! Usage errors clap catches (unknown flag, missing value, no subcommand):
//! exit code 2, clap's message on stderr, and under `--json` the same error
//! document as every other failure on stdout.

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::support::*;

/// The one JSON document on stdout, checked for the error shape; returns its message.
#[track_caller]
fn usage_document(run: &Run) -> String {
    run.code(2);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout));
    let message = doc["error"]["message"].as_str().unwrap().to_string();
    assert_eq!(
        doc,
        json!({"schema_version": 1, "error": {"kind": "usage", "code": 2, "message": message}})
    );
    message
}

#[test]
fn an_unknown_flag_under_json_prints_the_error_document() {
    let env = Env::new();
    for args in [
        &["--json", "status", "--bogus"][..],
        &["status", "--bogus", "--json"],
        &["status", "--json", "--bogus"],
    ] {
        let run = env.ispo(args);
        let message = usage_document(&run);
        assert!(
            message.starts_with(
                "unexpected argument '--bogus' found\n\n  tip: to pass '--bogus' as a value, use '-- --bogus'\n\nUsage: ispo status "
            ),
            "{message}"
        );
        assert!(
            message.ends_with("\n\nFor more information, try '--help'."),
            "{message}"
        );
        // clap's own rendering stays on stderr.
        run.stderr_is(&format!("error: {message}\n"));
    }
}

#[test]
fn other_usage_errors_under_json_print_the_error_document() {
    let env = Env::new();
    let cases: [(&[&str], &str); 5] = [
        (
            &["--json"],
            "'ispo' requires a subcommand but one was not provided",
        ),
        (
            &["init", "--json", "--ref"],
            "a value is required for '--ref <REF>' but none was supplied",
        ),
        (
            &["completions", "tcsh", "--json"],
            "invalid value 'tcsh' for '<SHELL>'",
        ),
        (
            &["status", "a", "b", "--json"],
            "unexpected argument 'b' found",
        ),
        (
            &["catalog", "--json"],
            "'ispo catalog' requires a subcommand but one was not provided",
        ),
    ];
    for (args, start) in cases {
        let run = env.ispo(args);
        let message = usage_document(&run);
        assert!(message.starts_with(start), "{args:?}: {message}");
        run.stderr_has(&format!("error: {start}"));
    }
}

#[test]
fn the_message_carries_no_colour_when_clap_colours_stderr() {
    let env = Env::new();
    let mut cmd = env.command(&["--json", "status", "--bogus"]);
    cmd.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
    let run = run_of(cmd.output().unwrap());
    let message = usage_document(&run);
    assert!(
        run.stderr.contains("\x1b["),
        "clap did not colour: {:?}",
        run.stderr
    );
    assert!(!message.contains('\x1b'), "{message:?}");
    assert!(
        message.starts_with("unexpected argument '--bogus' found"),
        "{message}"
    );
}

#[test]
fn without_json_a_usage_error_prints_nothing_on_stdout() {
    let env = Env::new();
    env.ispo(&["status", "--bogus"])
        .code(2)
        .stdout_is("")
        .stderr_has("error: unexpected argument '--bogus' found");
    // `--json` after `--` is a value, not the flag.
    env.ispo(&["status", "a", "--", "--json"])
        .code(2)
        .stdout_is("")
        .stderr_has("error: unexpected argument '--json' found");
    // No arguments at all: clap's help on stderr, exit 2.
    env.ispo(&[])
        .code(2)
        .stdout_is("")
        .stderr_has("Usage: ispo [OPTIONS] <COMMAND>");
}

#[test]
fn help_and_version_under_json_print_as_usual_and_exit_0() {
    let env = Env::new();
    let run = env.ispo(&["--json", "--help"]);
    run.ok().stderr_is("");
    assert!(
        run.stdout.contains("Usage: ispo [OPTIONS] <COMMAND>"),
        "{}",
        run.stdout
    );
    env.ispo(&["status", "--help", "--json"]).ok().stderr_is("");
    // The release, the commit it was built from and the built-in catalog's version.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("catalog/catalog.toml")).unwrap())
            .unwrap();
    let catalog = manifest["catalog"]["version"].as_str().unwrap();
    let commit = if root.join(".git").exists() {
        git(root, &["rev-parse", "--short=12", "HEAD"])
    } else {
        "unknown".into()
    };
    env.ispo(&["--version", "--json"]).ok().stdout_is(&format!(
        "ispo {} (commit {commit}, built-in catalog ispo-default {catalog})\n",
        env!("CARGO_PKG_VERSION")
    ));
}

#[test]
fn a_bad_set_is_a_usage_error_too() {
    // Caught by ispo rather than clap: the same code and document.
    let env = Env::new();
    let run = env.ispo(&["init", "kit", "--defaults", "--set", "novalue", "--json"]);
    assert_eq!(
        usage_document(&run),
        "--set `novalue` must look like KEY=VALUE"
    );
    run.stderr_is("error: --set `novalue` must look like KEY=VALUE\n");
    assert!(!env.exists("kit"));
}
