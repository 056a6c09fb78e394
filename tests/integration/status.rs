//! `ispo status`: remaining fill-in markers, and `--check` for CI.

use crate::support::*;

#[test]
fn lists_open_fill_ins_and_check_fails_until_they_are_filled() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &[]).ok();
    env.ispo(&["status", "kit"]).ok().stdout_is(
        ".github/CODEOWNERS:1: ispo_email — Email of the ISPO
program/CHARTER.md:3: sponsor — Name of the sponsor
program/CHARTER.md:6: ispo_email — Email of the ISPO
",
    );
    env.ispo(&["status", "kit", "--check"])
        .code(6)
        .stderr_has("2 value(s) still to fill in, in 3 place(s)");
    // Filling by hand counts.
    let charter = env
        .read("kit/program/CHARTER.md")
        .replace("ISPO-FILL(sponsor)", "Dana");
    env.write("kit/program/CHARTER.md", &charter);
    let run = env.ispo(&["status", "kit", "--json"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["open"].as_array().unwrap().len(), 2);
    assert_eq!(doc["open"][1]["file"], "program/CHARTER.md");
    assert_eq!(doc["open"][1]["line"], 6);
    // Values given up front leave nothing open.
    env.ispo(&[
        "init",
        "full",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--set",
        "fill.ispo_email=i@acme.test",
        "--set",
        "fill.sponsor=Dana",
    ])
    .ok();
    env.ispo(&["status", "full", "--check"])
        .ok()
        .stdout_is("")
        .stderr_has("Nothing left to fill in.");
    assert!(env
        .read("full/README.md")
        .contains("Nothing: every fill-in value was provided."));
}

#[test]
fn status_of_a_folder_that_is_not_a_kit() {
    let env = Env::new();
    env.ispo(&["status", "."])
        .code(1)
        .stderr_has("is not an ispo kit (no .ispo/state.toml); create one with `ispo init`");
    env.write("kit/.ispo/state.toml", "format = 1\nispo_version = 3\n");
    env.ispo(&["status", "kit"])
        .code(1)
        .stderr_has("kit/.ispo/state.toml:2:16:");
    env.write("kit/.ispo/state.toml", "format = 9\n");
    env.ispo(&["status", "kit"])
        .code(1)
        .stderr_has("written by a newer ispo (state format 9; this ispo");
}
