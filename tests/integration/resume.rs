//! Answers given at `ispo init`'s prompts survive Ctrl-C: they are saved in
//! the cache, and the next `ispo init` of the same folder offers them back
//! (in a terminal) or only mentions them (in a script).

use std::path::PathBuf;
use std::time::Duration;

use expectrl::Expect;

use crate::prompts::{exit_code, spawn};
use crate::support::*;

/// Answers every question of the fixture and the first fill-in, then
/// presses Ctrl-C at the second fill-in; returns the saved file.
fn interrupted_at_a_fill_in(env: &Env, repo: &CatalogRepo) -> PathBuf {
    let mut p = spawn(env, &["init", "kit", "--catalog", repo.path()], &[]);
    p.expect("[1/7] Company name?").unwrap();
    p.send("Acme\r").unwrap();
    p.expect("[2/7] Where is your code?").unwrap();
    p.send("\r").unwrap();
    p.expect("[3/7] How many engineers?").unwrap();
    p.send("\x152 000\r").unwrap();
    p.expect("[4/7] Regulated?").unwrap();
    p.send("no\r").unwrap();
    p.expect("[5/7] Who is the kit for?").unwrap();
    p.send("\r").unwrap();
    p.expect("[6/7] Issue tracker?").unwrap();
    p.send("\r").unwrap();
    p.expect("esc: undo").unwrap();
    p.send("\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("y\r").unwrap();
    p.expect("[1/2] Email of the ISPO").unwrap();
    p.send("ispo@acme.test\r").unwrap();
    p.expect("[2/2] Name of the sponsor").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("\x03").unwrap();
    let rest = p.expect(expectrl::Eof).unwrap();
    let rest = String::from_utf8_lossy(rest.get(0).unwrap_or_default()).into_owned();
    assert_eq!(exit_code(&p), 130);
    assert!(!env.exists("kit"), "nothing is written on Ctrl-C");
    let dir = env.cache().join("resume");
    let saved: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; output: {rest:?}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let file = saved[0].clone();
    assert!(
        rest.contains(&format!(
            "your answers so far are saved in {}; `ispo init kit` offers to resume from them",
            file.display()
        )),
        "{rest:?}"
    );
    file
}

#[test]
fn ctrl_c_at_a_fill_in_keeps_the_answers_and_the_next_init_resumes() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let file = interrupted_at_a_fill_in(&env, &repo);
    let saved = std::fs::read_to_string(&file).unwrap();
    let kit = env.path("kit").canonicalize().unwrap_or(env.path("kit"));
    assert!(
        saved.starts_with(&format!(
            "# Answers given to `ispo init {}` before it stopped without writing the kit.",
            kit.display()
        )),
        "{saved}"
    );
    for line in [
        "company = \"Acme\"",
        "engineers = 2000",
        "regulated = false",
        "[fill]\nispo_email = \"ispo@acme.test\"",
    ] {
        assert!(saved.contains(line), "missing {line:?} in\n{saved}");
    }

    let mut p = spawn(&env, &["init", "kit", "--catalog", repo.path()], &[]);
    p.expect(format!(
        "An earlier `ispo init` of this folder stopped before writing, after 7 answer(s), saved in {}. Resume from them? [Y/n]",
        file.display()
    ).as_str())
    .unwrap();
    p.send("\r").unwrap();
    // No question is asked again: the pick comes next.
    let before = p.expect("esc: undo").unwrap();
    let before = String::from_utf8_lossy(before.before()).into_owned();
    assert!(!before.contains("Company name?"), "{before}");
    p.send("\r").unwrap();
    p.expect("Enter them now?").unwrap();
    p.send("y\r").unwrap();
    // Only the fill-in left open is asked.
    p.expect("[1/1] Name of the sponsor").unwrap();
    p.send("Jo Sponsor\r").unwrap();
    p.expect("What now?").unwrap();
    p.send("\r").unwrap();
    p.expect("Created kit in kit").unwrap();
    assert_eq!(exit_code(&p), 0);
    let answers = env.read("kit/ispo-answers.toml");
    for line in [
        "company = \"Acme\"",
        "engineers = 2000",
        "ispo_email = \"ispo@acme.test\"",
        "sponsor = \"Jo Sponsor\"",
    ] {
        assert!(answers.contains(line), "missing {line:?} in\n{answers}");
    }
    assert!(
        !file.exists(),
        "the saved answers go once the kit is written"
    );
}

#[test]
fn a_script_is_told_of_saved_answers_but_does_not_use_them() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let file = interrupted_at_a_fill_in(&env, &repo);
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Zed",
    ])
    .ok()
    .stderr_has(&format!(
        "an earlier `ispo init` of this folder stopped before writing and saved 7 answer(s) in {}; this run does not use them (it cannot ask whether to): pass `--answers {}` to use them",
        file.display(),
        file.display()
    ));
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("company = \"Zed\""), "{answers}");
    assert!(answers.contains("engineers = 100"), "{answers}");
}

#[test]
fn the_saved_file_is_an_answers_file_for_a_script() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let file = interrupted_at_a_fill_in(&env, &repo);
    let file = file.display().to_string();
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--answers",
        &file,
        "--set",
        "fill.sponsor=Jo",
    ])
    .ok();
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("engineers = 2000"), "{answers}");
    assert!(
        answers.contains("ispo_email = \"ispo@acme.test\""),
        "{answers}"
    );
}

#[test]
fn a_saved_file_spoilt_by_hand_is_warned_about_and_never_blocks_init() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let file = interrupted_at_a_fill_in(&env, &repo);
    std::fs::write(&file, "company = \"Acme\n").unwrap();
    env.init_kit(repo.path(), &[])
        .ok()
        .stderr_has(&format!(
            "warning: saved answers `{}` are not TOML",
            file.display()
        ))
        .stderr_has("; not offering to resume from it");
    assert!(
        !file.exists(),
        "the kit is written, so the saved answers go"
    );
}
