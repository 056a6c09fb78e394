//! `ispo update`, `ispo diff`, `ispo check`: v1 → init → local edits → v2 → update,
//! asserting exact file contents for every case of the merge policy.

use pretty_assertions::assert_eq;

use crate::support::*;

/// A v1 catalog, a kit made from it with `--set`s, ready for edits.
fn setup(extra_files: &[(&'static str, &'static str)], sets: &[&str]) -> (Env, CatalogRepo) {
    let env = Env::new();
    let mut files = fixture();
    files.extend_from_slice(extra_files);
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    let mut extra = vec!["-q"];
    for s in sets {
        extra.push("--set");
        extra.push(s);
    }
    env.init_kit(repo.path(), &extra).ok();
    (env, repo)
}

#[test]
fn unchanged_files_follow_the_catalog_and_local_edits_stay() {
    let (env, repo) = setup(&[], &[]);
    let edited = env
        .read("kit/program/CHARTER.md")
        .replace("Sponsor: ISPO-FILL(sponsor)", "Sponsor: Dana Smith");
    env.write("kit/program/CHARTER.md", &edited);
    let v2 = repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles\n\nOpenness first at {{company}}, always.\n",
        )],
        "v2",
    );
    let run = env.ispo(&["update", "kit"]);
    run.ok()
        .stderr_has("Updated program/PRINCIPLES.md")
        .stderr_has("Kept program/CHARTER.md (your edits; unchanged upstream)")
        .stderr_has("0 added, 2 updated, 0 merged, 0 conflicts, 0 deleted, 1 kept, 3 unchanged");
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness first at Acme, always.\n"
    );
    assert_eq!(env.read("kit/program/CHARTER.md"), edited);
    let state = env.read("kit/.ispo/state.toml");
    assert!(state.contains(&format!("commit = \"{v2}\"")), "{state}");
    // The store holds the new base renders, and no longer the old one.
    assert!(!state.contains("base = "), "{state}");
    assert_eq!(
        base_of(&env.path("kit"), "program/PRINCIPLES.md"),
        Some(env.read("kit/program/PRINCIPLES.md"))
    );
    assert!(base_of(&env.path("kit"), "program/CHARTER.md")
        .unwrap()
        .contains("ISPO-FILL(sponsor)"));
    let store = ispo::store::Store::read(&env.path("kit")).unwrap();
    assert!(store
        .get(&ispo::kit::sha256(
            b"# Principles\n\nOpenness first at Acme.\n"
        ))
        .unwrap()
        .is_none());
    // A second update has nothing to do.
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("up to date: the catalog is still at");
    // A changed answer renders again: the local edit and the new value meet.
    env.ispo(&["update", "kit", "--set", "engineers=150"])
        .ok()
        .stderr_has("Merged program/CHARTER.md");
    let charter = env.read("kit/program/CHARTER.md");
    assert!(
        charter.contains("Sponsor: Dana Smith\n") && charter.contains("Engineers: 150\n"),
        "{charter}"
    );
}

const LONG: &str = "# {{company}} guide\n\none\ntwo\nthree\nfour\nfive\nsix\nseven\n";

#[test]
fn both_sides_changed_merge_cleanly_or_leave_clear_conflicts() {
    let (env, repo) = setup(
        &[
            ("modules/charter/files/GUIDE.md", LONG),
            ("modules/charter/files/OTHER.md", LONG),
        ],
        &[],
    );
    env.write(
        "kit/GUIDE.md",
        "# Acme guide\n\none\ntwo\nthree\nfour\nfive\nsix\nseven, with our note\n",
    );
    env.write(
        "kit/OTHER.md",
        "# Acme guide\n\nONE (ours)\ntwo\nthree\nfour\nfive\nsix\nseven\n",
    );
    let v2 = LONG
        .replace("# {{company}} guide", "# The {{company}} guide")
        .replace("one\n", "one (catalog)\n");
    let head = repo.commit(
        &[
            ("modules/charter/files/GUIDE.md", &v2),
            ("modules/charter/files/OTHER.md", &v2),
        ],
        "v2",
    );
    let old = git(&repo.dir, &["rev-parse", "HEAD~1"]);
    env.ispo(&["update", "kit"])
        .code(3)
        .stderr_has("Merged GUIDE.md (your edits and the catalog's, no conflict)")
        .stderr_has("Conflict OTHER.md (conflict markers written: resolve them)")
        .stderr_has("1 file(s) need your attention");
    assert_eq!(
        env.read("kit/GUIDE.md"),
        "# The Acme guide\n\none (catalog)\ntwo\nthree\nfour\nfive\nsix\nseven, with our note\n"
    );
    assert_eq!(
        env.read("kit/OTHER.md"),
        format!(
            "# The Acme guide\n\n<<<<<<< your kit\nONE (ours)\n||||||| base (catalog {})\none\n=======\none (catalog)\n>>>>>>> catalog {}\ntwo\nthree\nfour\nfive\nsix\nseven\n",
            &old[..10],
            &head[..10]
        )
    );
    // Until resolved, a re-run leaves the conflicted file alone (no nested markers).
    let before = env.read("kit/OTHER.md");
    env.ispo(&["update", "kit"])
        .code(3)
        .stderr_has("Conflict OTHER.md (still has conflict markers from before: left alone)");
    assert_eq!(env.read("kit/OTHER.md"), before);
    env.write(
        "kit/OTHER.md",
        "# The Acme guide\n\nONE (ours, resolved)\ntwo\nthree\nfour\nfive\nsix\nseven\n",
    );
    env.ispo(&["update", "kit"]).ok();
}

#[test]
fn binary_files_are_kept_and_the_new_version_written_beside() {
    let mut files = fixture();
    files.push(("modules/charter/files/logo.bin", "v1\u{0}logo"));
    let env = Env::new();
    let charter = "id = \"charter\"\ntitle = \"Charter\"\nsummary = \"s\"\nkind = \"doc\"\nchallenges = [\"C1\"]\nrequires = [\"principles\"]\nfills = [\"ispo_email\"]\nraw = [\"*.bin\"]\n\n[[fill]]\nid = \"sponsor\"\ndescription = \"Name of the sponsor\"\n";
    files.push(("modules/charter/module.toml", charter));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.init_kit(repo.path(), &["-q"]).ok();
    std::fs::write(env.path("kit/logo.bin"), b"ours\x00\xffbinary").unwrap();
    repo.commit(&[("modules/charter/files/logo.bin", "v2\u{0}logo")], "v2");
    env.ispo(&["update", "kit"])
        .code(3)
        .stderr_has("Conflict logo.bin (yours kept as is; new version in logo.bin.ispo-new)");
    assert_eq!(
        std::fs::read(env.path("kit/logo.bin")).unwrap(),
        b"ours\x00\xffbinary"
    );
    assert_eq!(
        std::fs::read(env.path("kit/logo.bin.ispo-new")).unwrap(),
        b"v2\x00logo"
    );
}

#[test]
fn crlf_files_merge_without_becoming_one_big_conflict() {
    let (env, repo) = setup(&[("modules/charter/files/GUIDE.md", LONG)], &[]);
    env.write(
        "kit/GUIDE.md",
        "# Acme guide\r\n\r\none\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven (ours)\r\n",
    );
    repo.commit(
        &[(
            "modules/charter/files/GUIDE.md",
            &LONG.replace("one\n", "one (catalog)\n"),
        )],
        "v2",
    );
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("Merged GUIDE.md");
    assert_eq!(env.read("kit/GUIDE.md"), "# Acme guide\r\n\r\none (catalog)\r\ntwo\r\nthree\r\nfour\r\nfive\r\nsix\r\nseven (ours)\r\n");
}

#[test]
fn deleted_files_stay_deleted_unless_restored() {
    let (env, repo) = setup(&[], &[]);
    std::fs::remove_file(env.path("kit/program/PRINCIPLES.md")).unwrap();
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    env.ispo(&["update", "kit"]).ok().stderr_has(
        "Kept program/PRINCIPLES.md deleted (you deleted it; --restore brings it back)",
    );
    assert!(!env.exists("kit/program/PRINCIPLES.md"));
    env.ispo(&["update", "kit"]).ok();
    assert!(!env.exists("kit/program/PRINCIPLES.md"));
    env.ispo(&["update", "kit", "--restore", "program/PRINCIPLES.md"])
        .ok()
        .stderr_has("Restored program/PRINCIPLES.md");
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), "# Principles v2\n");
    env.ispo(&["update", "kit", "--restore", "nope.md"])
        .code(2)
        .stderr_has("--restore nope.md: the kit tracks no such file");
}

#[test]
fn files_that_leave_the_catalog_go_only_if_unmodified() {
    let (env, repo) = setup(
        &[
            ("modules/charter/files/OLD.md", "old {{company}}\n"),
            ("modules/charter/files/OLD2.md", "old2\n"),
        ],
        &[],
    );
    env.write("kit/OLD2.md", "old2, with my notes\n");
    repo.commit(
        &[
            ("modules/charter/files/OLD.md", ""),
            ("modules/charter/files/OLD2.md", ""),
        ],
        "v2",
    );
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("Deleted OLD.md (gone from the catalog or its module no longer applies)")
        .stderr_has(
            "Kept OLD2.md (modified locally; no longer part of the kit, so no longer tracked)",
        );
    assert!(!env.exists("kit/OLD.md"));
    assert_eq!(env.read("kit/OLD2.md"), "old2, with my notes\n");
    assert!(!env.read("kit/.ispo/state.toml").contains("OLD2.md"));
}

#[test]
fn editing_the_answers_file_is_how_answers_change() {
    let (env, _repo) = setup(&[], &[]);
    env.write("kit/.github/CODEOWNERS", "* @acme/ispo\n");
    let answers = env
        .read("kit/ispo-answers.toml")
        .replace("forge = \"github\"", "forge = \"gitlab\"");
    env.write("kit/ispo-answers.toml", &answers);
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("Added .gitlab-ci.yml")
        .stderr_has("Deleted .github/workflows/check.yml")
        .stderr_has("Kept .github/CODEOWNERS (modified locally; no longer part of the kit");
    assert_eq!(env.read("kit/.gitlab-ci.yml"), "stages: [test]\n# Acme\n");
    assert!(env.read("kit/program/CHARTER.md").contains("Forge: GitLab"));
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("forge = \"gitlab\""));
    // A --set for a fill-in replaces its remaining markers; a marker replaced by hand stays as the user wrote it.
    let charter = env
        .read("kit/program/CHARTER.md")
        .replace("ISPO-FILL(sponsor)", "Dana");
    env.write("kit/program/CHARTER.md", &charter);
    env.ispo(&["update", "kit", "--set", "fill.ispo_email=ispo@acme.test"])
        .ok();
    let charter = env.read("kit/program/CHARTER.md");
    assert!(charter.contains("Sponsor: Dana\n"), "{charter}");
    assert!(charter.contains("Write to ispo@acme.test."), "{charter}");
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("ispo_email = \"ispo@acme.test\""));
}

#[test]
fn the_answers_file_keeps_the_users_comments_and_layout() {
    let (env, repo) = setup(&[], &[]);
    let original = env.read("kit/ispo-answers.toml");
    let edited = original
        .replace(
            "forge = \"github\"",
            "# Decided by the platform team, 2026-03 (ADR-7).\nforge = \"github\"  # not GitLab yet",
        )
        .replace("engineers = 100", "engineers = 60000");
    assert_ne!(edited, original);
    env.write("kit/ispo-answers.toml", &edited);
    let questions = format!(
        "{}\n[[question]]\nid = \"chat\"\ntype = \"choice\"\nprompt = \"Chat tool?\"\ndefault = \"slack\"\nchoices = [{{ value = \"slack\" }}, {{ value = \"teams\" }}]\n",
        fixture()[1].1
    );
    repo.commit(&[("questions.toml", &questions)], "v2");
    env.ispo(&["update", "kit"]).ok();
    // The edited answer took effect (principles needs more than 50000 engineers)...
    assert!(env.exists("kit/program/PRINCIPLES.md"));
    // ...the file is the user's, plus the new question with its prompt.
    let expected = edited.replacen(
        "\n# Who audits code access?",
        "\n# Chat tool?\n# one of: slack, teams\nchat = \"slack\"\n\n# Who audits code access?",
        1,
    );
    assert_eq!(env.read("kit/ispo-answers.toml"), expected);
    // Unchanged since: the next update is a no-op and leaves it alone.
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/ispo-answers.toml"), expected);
}

#[test]
fn a_local_file_where_a_new_one_goes_is_a_conflict_not_an_overwrite() {
    let (env, repo) = setup(&[], &[]);
    env.write("kit/NEW.md", "my own file\n");
    repo.commit(
        &[(
            "modules/charter/files/NEW.md",
            "catalog file for {{company}}\n",
        )],
        "v2",
    );
    env.ispo(&["update", "kit"])
        .code(3)
        .stderr_has("Conflict NEW.md (yours kept as is; new version in NEW.md.ispo-new)");
    assert_eq!(env.read("kit/NEW.md"), "my own file\n");
    assert_eq!(env.read("kit/NEW.md.ispo-new"), "catalog file for Acme\n");
}

#[test]
fn new_questions_take_defaults_or_are_listed() {
    let (env, repo) = setup(&[], &[]);
    let questions = format!(
        "{}\n[[question]]\nid = \"chat\"\ntype = \"choice\"\nprompt = \"Chat tool?\"\ndefault = \"slack\"\nchoices = [{{ value = \"slack\" }}, {{ value = \"teams\" }}]\n",
        fixture()[1].1
    );
    repo.commit(
        &[
            ("questions.toml", &questions),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "Chat: {{chat}}\n",
            ),
        ],
        "v2",
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), "Chat: slack\n");
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("chat = \"slack\""));
    let questions = format!(
        "{questions}\n[[question]]\nid = \"portal\"\ntype = \"text\"\nprompt = \"Portal URL?\"\n"
    );
    repo.commit(&[("questions.toml", &questions)], "v3");
    let before = env.tree("kit");
    env.ispo(&["update", "kit"])
        .code(5)
        .stderr_has("  - portal (Portal URL?): --set portal=<text>");
    assert_eq!(env.tree("kit"), before);
    env.ispo(&["update", "kit", "--set", "portal=https://portal.example"])
        .ok();
}

#[test]
fn a_recorded_answer_the_catalog_no_longer_accepts_stops_the_update_until_the_user_decides() {
    let (env, repo) = setup(&[], &["forge=azure"]);
    let questions = fixture()[1]
        .1
        .replace("  { value = \"azure\", label = \"Azure DevOps\" },\n", "");
    repo.commit(&[("questions.toml", &questions)], "v2");
    let before = env.tree("kit");
    env.ispo(&["update", "kit"])
        .code(5)
        .stderr_has("kit/ispo-answers.toml:")
        .stderr_has("answer for `forge`: `azure` is not one of the allowed values: github, gitlab")
        .stderr_has("no answer was changed");
    // Nothing reset behind the user's back: the kit and its answers file are
    // as they were (the update's lock file aside, which it leaves today).
    let mut after = env.tree("kit");
    after.remove(".ispo/lock");
    assert_eq!(after, before);
    // The user's own say (a flag, or editing the file) settles it.
    env.ispo(&["update", "kit", "--set", "forge=gitlab"]).ok();
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("forge = \"gitlab\""));
}

#[test]
fn dry_run_and_diff_write_nothing_and_check_reports_movement() {
    let (env, repo) = setup(&[], &[]);
    env.ispo(&["check", "kit", "--exit-code"])
        .ok()
        .stdout_is(&format!(
            "up to date: catalog 1.0.0 at {} ({})\n",
            &repo.head()[..10],
            std::fs::canonicalize(repo.path()).unwrap().display()
        ));
    let old = repo.head();
    let new = repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    let run = env.ispo(&["check", "kit", "--exit-code", "--json"]);
    run.code(10);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["update_available"], true);
    assert_eq!(doc["current"], old);
    assert_eq!(doc["latest"], new);
    let before = env.tree("kit");
    env.ispo(&["update", "kit", "--dry-run"])
        .ok()
        .stderr_has("would update   program/PRINCIPLES.md")
        .stderr_has("dry run, nothing written: 0 added, 2 updated");
    let run = env.ispo(&["diff", "kit"]);
    run.ok();
    assert!(
        run.stdout.contains("--- a/program/PRINCIPLES.md\n+++ b/program/PRINCIPLES.md\n@@ -1,3 +1 @@\n-# Principles\n-\n-Openness first at Acme.\n+# Principles v2\n"),
        "{}",
        run.stdout
    );
    assert_eq!(env.tree("kit"), before);
    env.ispo(&["update", "kit"]).ok();
    env.ispo(&["check", "kit", "--exit-code"]).ok();
}

#[test]
fn a_dirty_git_work_tree_is_refused_unless_allowed() {
    let (env, repo) = setup(&[], &[]);
    git(&env.path("kit"), &["init", "-q"]);
    git(&env.path("kit"), &["add", "-A"]);
    git(&env.path("kit"), &["commit", "-qm", "kit"]);
    env.write("kit/program/CHARTER.md", "edited, not committed\n");
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    env.ispo(&["update", "kit"]).code(4).stderr_has(
        "the kit has uncommitted changes in git (program/CHARTER.md); commit or stash them first",
    );
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness first at Acme.\n"
    );
    env.ispo(&["update", "kit", "--allow-dirty"]).ok();
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), "# Principles v2\n");
}

#[test]
fn a_second_update_while_one_runs_is_refused() {
    let (env, repo) = setup(&[], &[]);
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    let mut holder = std::process::Command::new("flock")
        .arg("--close")
        .arg(env.path("kit/.ispo/lock"))
        .args(["sleep", "30"])
        .spawn()
        .expect("flock from util-linux");
    std::thread::sleep(std::time::Duration::from_millis(300));
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("another ispo update is running on `kit`");
    // A diff or dry run reads the store as it goes: it waits for the update too.
    env.ispo(&["diff", "kit"])
        .code(4)
        .stderr_has("an ispo update is running on `kit`");
    holder.kill().unwrap();
    holder.wait().unwrap();
    env.ispo(&["update", "kit", "--dry-run"]).ok();
    env.ispo(&["update", "kit"]).ok();
}

#[test]
fn rewritten_catalog_history_still_updates_from_the_stored_base() {
    let (env, repo) = setup(&[], &[]);
    let edited = env
        .read("kit/program/CHARTER.md")
        .replace("Engineers: 100", "Engineers: 100 (roughly)");
    env.write("kit/program/CHARTER.md", &edited);
    // Replace the whole history with one new root commit.
    git(&repo.dir, &["checkout", "-q", "--orphan", "rewritten"]);
    std::fs::write(
        repo.dir
            .join("modules/principles/files/program/PRINCIPLES.md"),
        "# Principles, rewritten\n",
    )
    .unwrap();
    git(&repo.dir, &["add", "-A"]);
    git(&repo.dir, &["commit", "-qm", "rewritten"]);
    git(&repo.dir, &["branch", "-D", "main"]);
    git(&repo.dir, &["branch", "-m", "main"]);
    git(&repo.dir, &["reflog", "expire", "--expire=now", "--all"]);
    git(&repo.dir, &["gc", "-q", "--prune=now"]);
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("catalog history was rewritten");
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles, rewritten\n"
    );
    assert_eq!(env.read("kit/program/CHARTER.md"), edited);
}

#[test]
fn kits_in_state_format_1_are_migrated_by_their_next_update() {
    // Both kinds of format-1 kit: the first, with no `base` line and the
    // renders in `.ispo/base`, and the later, with a named `base-…` folder.
    for base in [None, Some("base-0123456789ab")] {
        let (env, repo) = setup(&[], &[]);
        downgrade_to_format1(&env.path("kit"), base);
        env.write("kit/program/CHARTER.md", "edited by hand\n");
        let state = env.read("kit/.ispo/state.toml");
        assert!(state.contains("format = 1"), "{state}");
        repo.commit(
            &[(
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles v2\n",
            )],
            "v2",
        );
        env.ispo(&["update", "kit"])
            .ok()
            .stderr_has("Updated program/PRINCIPLES.md");
        let state = env.read("kit/.ispo/state.toml");
        assert!(
            state.contains("format = 2") && !state.contains("base = "),
            "{state}"
        );
        let folder = format!("kit/.ispo/{}", base.unwrap_or("base"));
        assert!(!env.exists(&folder), "{folder} is left behind");
        assert_eq!(env.read("kit/program/CHARTER.md"), "edited by hand\n");
        assert_eq!(
            base_of(&env.path("kit"), "program/PRINCIPLES.md").as_deref(),
            Some("# Principles v2\n")
        );
        // Nothing to do is nothing to do again.
        env.ispo(&["update", "kit"]).ok().stderr_has("up to date");
    }
    // An unchanged format-1 kit migrates too, though nothing upstream moved.
    let (env, _repo) = setup(&[], &[]);
    downgrade_to_format1(&env.path("kit"), None);
    env.ispo(&["update", "kit"]).ok();
    assert!(env.read("kit/.ispo/state.toml").contains("format = 2"));
    assert!(env.exists("kit/.ispo/store/00"));
}

#[test]
fn a_state_file_edited_into_nonsense_is_reported_with_its_location() {
    let (env, _repo) = setup(&[], &[]);
    let state = env.read("kit/.ispo/state.toml");
    env.write(
        "kit/.ispo/state.toml",
        &state.replace(
            "path = \"program/CHARTER.md\"",
            "path = \"../../etc/passwd\"",
        ),
    );
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("recorded path `../../etc/passwd` is refused");
    env.write(
        "kit/.ispo/state.toml",
        &state.replace("format = 2", "format = 2\nsurprise = true"),
    );
    env.ispo(&["update", "kit"])
        .code(1)
        .stderr_has("kit/.ispo/state.toml:3:1: unknown field `surprise`");
    env.write(
        "kit/.ispo/state.toml",
        &state.replace("format = 2", "format = 1\nbase = \"../..\""),
    );
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("is not a base folder name");
}

#[test]
fn a_conflict_left_unresolved_keeps_the_catalog_change_for_later() {
    let (env, repo) = setup(&[("modules/charter/files/GUIDE.md", LONG)], &[]);
    env.write(
        "kit/GUIDE.md",
        &env.read("kit/GUIDE.md").replace("one\n", "ONE (ours)\n"),
    );
    repo.commit(
        &[(
            "modules/charter/files/GUIDE.md",
            &LONG.replace("one\n", "one (v2)\n"),
        )],
        "v2",
    );
    env.ispo(&["update", "kit"]).code(3);
    // Still unresolved when v3 arrives with a change elsewhere in the file.
    repo.commit(
        &[(
            "modules/charter/files/GUIDE.md",
            &LONG
                .replace("one\n", "one (v2)\n")
                .replace("seven\n", "seven (v3)\n"),
        )],
        "v3",
    );
    env.ispo(&["update", "kit"])
        .code(3)
        .stderr_has("still has conflict markers from before");
    // Resolved: the next update brings in v3's change, which was never lost.
    env.write(
        "kit/GUIDE.md",
        "# Acme guide\n\nONE (ours, resolved)\ntwo\nthree\nfour\nfive\nsix\nseven\n",
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(
        env.read("kit/GUIDE.md"),
        "# Acme guide\n\nONE (ours, resolved)\ntwo\nthree\nfour\nfive\nsix\nseven (v3)\n"
    );
}

#[test]
fn paths_ispo_cannot_read_are_never_written_over() {
    let (env, repo) = setup(&[], &[]);
    std::fs::remove_file(env.path("kit/program/PRINCIPLES.md")).unwrap();
    std::os::unix::fs::symlink(
        env.path("elsewhere.md"),
        env.path("kit/program/PRINCIPLES.md"),
    )
    .unwrap();
    env.write("elsewhere.md", "outside the kit\n");
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    let before = env.tree("");
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("`program/PRINCIPLES.md` (a symlink to `");
    let mut after = env.tree("");
    after.remove("kit/.ispo/lock");
    // ispo's own cache outside the kit may learn the catalog's new tree.
    let ours = |t: &mut std::collections::BTreeMap<String, String>| {
        t.retain(|k, _| !k.starts_with("cache/listings/"));
    };
    let mut before = before;
    ours(&mut before);
    ours(&mut after);
    assert_eq!(after, before);
}

#[test]
fn a_sidecar_never_overwrites_a_file_of_yours() {
    let (env, repo) = setup(&[], &[]);
    env.write("kit/NEW.md", "mine\n");
    env.write("kit/NEW.md.ispo-new", "also mine\n");
    repo.commit(
        &[("modules/charter/files/NEW.md", "from the catalog\n")],
        "v2",
    );
    env.ispo(&["update", "kit"]).code(3);
    assert_eq!(env.read("kit/NEW.md.ispo-new"), "also mine\n");
    assert_eq!(env.read("kit/NEW.md.ispo-new-2"), "from the catalog\n");
}

#[test]
fn a_tampered_base_is_refused() {
    let (env, repo) = setup(&[], &[]);
    env.write("kit/program/CHARTER.md", "edited\n");
    let sha = ispo::kit::State::read(&env.path("kit"))
        .unwrap()
        .files
        .iter()
        .find(|f| f.path == "program/CHARTER.md")
        .unwrap()
        .sha256
        .clone();
    let bucket = format!("kit/.ispo/store/{}", &sha[..2]);
    let original = std::fs::read(env.path(&bucket)).unwrap();
    std::fs::remove_file(env.path(&bucket)).unwrap();
    env.write("secret.txt", "SECRET-TOKEN=hunter2\n");
    std::os::unix::fs::symlink(env.path("secret.txt"), env.path(&bucket)).unwrap();
    repo.commit(
        &[("modules/charter/files/program/CHARTER.md", "new charter\n")],
        "v2",
    );
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("is a symlink");
    assert!(!env.read("kit/program/CHARTER.md").contains("hunter2"));
    std::fs::remove_file(env.path(&bucket)).unwrap();
    env.write(&bucket, "SECRET-TOKEN=hunter2\n");
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("is damaged");
    // A bucket that lost the render the state names.
    std::fs::write(env.path(&bucket), b"").unwrap();
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("the base render of `program/CHARTER.md` is missing from .ispo/store");
    // A bucket that cannot be read is not an empty one: rewriting it would
    // drop the renders the state names.
    std::fs::remove_file(env.path(&bucket)).unwrap();
    std::fs::create_dir(env.path(&bucket)).unwrap();
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("cannot be read");
    assert_eq!(env.read("kit/program/CHARTER.md"), "edited\n");
    std::fs::remove_dir(env.path(&bucket)).unwrap();
    std::fs::write(env.path(&bucket), original).unwrap();
    env.ispo(&["update", "kit"]).code(3);
}

#[test]
fn file_modes_survive_an_update() {
    use std::os::unix::fs::PermissionsExt;
    let (env, repo) = setup(&[], &[]);
    std::fs::set_permissions(
        env.path("kit/program/PRINCIPLES.md"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    repo.commit(
        &[
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles v2\n",
            ),
            ("modules/charter/files/ADDED.md", "new\n"),
        ],
        "v2",
    );
    env.ispo(&["update", "kit"]).ok();
    let mode = |p: &str| std::fs::metadata(env.path(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("kit/program/PRINCIPLES.md"), 0o755);
    assert_eq!(mode("kit/ADDED.md"), 0o644);
    assert_eq!(mode("kit/ispo-answers.toml") & 0o600, 0o600);
    assert_ne!(mode("kit/ispo-answers.toml"), 0o600);
}

#[test]
fn overrides_are_removed_by_editing_the_answers_file() {
    let env2 = Env::new();
    let repo2 = fixture_repo(&env2);
    env2.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo2.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--with",
        "gitlab-ci",
        "--without",
        "workflows",
        "-q",
    ])
    .ok();
    let answers = env2
        .read("kit/ispo-answers.toml")
        .replace("with = [\"gitlab-ci\"]", "with = []")
        .replace("without = [\"workflows\"]", "without = []");
    env2.write("kit/ispo-answers.toml", &answers);
    env2.ispo(&["update", "kit"])
        .ok()
        .stderr_has("Deleted .gitlab-ci.yml")
        .stderr_has("Added .github/workflows/check.yml");
    let state = env2.read("kit/.ispo/state.toml");
    assert!(
        state.contains("with = []") && state.contains("without = []"),
        "{state}"
    );
}

#[test]
fn a_folder_that_becomes_a_file_upstream() {
    let (env, repo) = setup(&[("modules/charter/files/guide/intro.md", "intro\n")], &[]);
    repo.commit(
        &[
            ("modules/charter/files/guide/intro.md", ""),
            ("modules/charter/files/guide", "now a file\n"),
        ],
        "v2",
    );
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("Deleted guide/intro.md")
        .stderr_has("Added guide");
    assert_eq!(env.read("kit/guide"), "now a file\n");
}

#[test]
fn a_sidecar_conflict_settles_once_the_sidecar_is_dealt_with() {
    let (env, repo) = setup(&[], &[]);
    env.write("kit/NEW.md", "mine\n");
    repo.commit(
        &[("modules/charter/files/NEW.md", "from the catalog\n")],
        "v2",
    );
    env.ispo(&["update", "kit"]).code(3);
    std::fs::remove_file(env.path("kit/NEW.md.ispo-new")).unwrap();
    env.ispo(&["update", "kit"]).ok();
    env.ispo(&["update", "kit", "--set", "engineers=150"])
        .ok()
        .stderr_has("Kept NEW.md (your edits; unchanged upstream)");
    assert!(!env.exists("kit/NEW.md.ispo-new"));
    assert_eq!(env.read("kit/NEW.md"), "mine\n");
}

#[test]
fn files_that_merely_look_like_temp_files_are_left_alone() {
    let (env, repo) = setup(&[], &[]);
    env.write("kit/ops/.state-of-play.md", "mine\n");
    env.write("kit/.ispo-tmp-mine", "mine too\n");
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/ops/.state-of-play.md"), "mine\n");
    assert_eq!(env.read("kit/.ispo-tmp-mine"), "mine too\n");
}

#[test]
fn a_file_moved_upstream_carries_the_local_edits_to_its_new_path() {
    let body = "# Pattern\n\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n";
    for declared in [true, false] {
        let (env, repo) = setup(&[("modules/charter/files/1-initial/pattern.md", body)], &[]);
        env.write(
            "kit/1-initial/pattern.md",
            &body.replace("line 7\n", "line 7, our note\n"),
        );
        let mut files = vec![
            ("modules/charter/files/1-initial/pattern.md", None),
            (
                "modules/charter/files/2-structured/pattern.md",
                Some(body.replace("line 2\n", "line 2, now structured\n")),
            ),
        ];
        if declared {
            let charter = fixture()
                .into_iter()
                .find(|(p, _)| *p == "modules/charter/module.toml")
                .unwrap()
                .1
                .to_string()
                + "\n[[moved]]\nfrom = \"1-initial/pattern.md\"\nto = \"2-structured/pattern.md\"\n";
            files.push(("modules/charter/module.toml", Some(charter)));
        }
        let (remove, write): (Vec<_>, Vec<_>) = files.into_iter().partition(|(_, c)| c.is_none());
        for (p, _) in &remove {
            std::fs::remove_file(repo.dir.join(p)).unwrap();
        }
        let writes: Vec<(&str, &str)> = write
            .iter()
            .map(|(p, c)| (*p, c.as_deref().unwrap()))
            .collect();
        repo.commit(&writes, "promote the pattern");
        // Killed at its first write, the update has not deleted the file the
        // edits are in: a moved file goes only once its new path is written.
        let killed = env.ispo_with(&["update", "kit"], &[("ISPO_TEST_CRASH_AFTER_WRITES", "0")]);
        assert_ne!(killed.code, 0, "{}", killed.stderr);
        assert!(env.read("kit/1-initial/pattern.md").contains("our note"));
        env.ispo(&["update", "kit"])
            .ok()
            .stderr_has("Moved 1-initial/pattern.md -> 2-structured/pattern.md (moved upstream; your edits came along)");
        assert_eq!(
            env.read("kit/2-structured/pattern.md"),
            body.replace("line 2\n", "line 2, now structured\n")
                .replace("line 7\n", "line 7, our note\n"),
            "declared: {declared}"
        );
        assert!(!env.exists("kit/1-initial/pattern.md"));
        assert!(!env.exists("kit/1-initial"));
        // The next update sees the moved file as the user's edited file.
        env.ispo(&["update", "kit"]).ok();
        assert!(env.read("kit/2-structured/pattern.md").contains("our note"));
    }
}

#[test]
fn a_choice_the_catalog_renamed_migrates_the_recorded_answer() {
    let (env, repo) = setup(&[], &["forge=azure"]);
    let questions = fixture()[1].1.replace(
        "  { value = \"azure\", label = \"Azure DevOps\" },\n",
        "  { value = \"azure_devops\", label = \"Azure DevOps\", renamed_from = [\"azure\"] },\n",
    );
    assert_ne!(questions, fixture()[1].1);
    // Templates and conditions that named the old value name the new one.
    let files: Vec<(&str, String)> = fixture()
        .into_iter()
        .filter(|(_, c)| c.contains("azure"))
        .filter(|(p, _)| *p != "questions.toml")
        .map(|(p, c)| (p, c.replace("azure", "azure_devops")))
        .collect();
    let mut commit: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    commit.push(("questions.toml", &questions));
    repo.commit(&commit, "rename azure");
    env.ispo(&["update", "kit"]).ok().stderr_has(
        "the catalog renamed `azure` to `azure_devops` for `forge`; the answer follows it",
    );
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("forge = \"azure_devops\""));
    assert!(env
        .read("kit/program/CHARTER.md")
        .contains("Forge: Azure DevOps"));
}

#[test]
fn a_renamed_module_keeps_its_files_and_its_recorded_override() {
    let (env, repo) = setup(&[], &["forge=gitlab"]);
    env.ispo(&[
        "update",
        "kit",
        "--with",
        "workflows",
        "--without",
        "gitlab-ci",
    ])
    .ok();
    env.write(
        "kit/.github/workflows/check.yml",
        &(env.read("kit/.github/workflows/check.yml") + "# ours\n"),
    );
    // `workflows` becomes `github-workflows`, same files.
    let mut renamed: Vec<(String, String)> = Vec::new();
    for (p, c) in fixture() {
        if let Some(rest) = p.strip_prefix("modules/workflows/") {
            let c = if rest == "module.toml" {
                c.replace(
                    "id = \"workflows\"",
                    "id = \"github-workflows\"\nreplaces = [\"workflows\"]",
                )
            } else {
                c.to_string()
            };
            renamed.push((format!("modules/github-workflows/{rest}"), c));
            renamed.push((p.to_string(), String::new()));
        }
    }
    let commit: Vec<(&str, &str)> = renamed
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    repo.commit(&commit, "rename the module");
    env.ispo(&["update", "kit"]).ok().stderr_has(
        "module `workflows` is now `github-workflows` in the catalog; its override follows it",
    );
    assert!(env
        .read("kit/.github/workflows/check.yml")
        .contains("# ours"));
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("with = [\"github-workflows\"]"));
}

#[test]
fn paths_listed_as_mine_are_never_touched_again() {
    let (env, repo) = setup(&[], &[]);
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("[files]\n"), "{answers}");
    env.write(
        "kit/ispo-answers.toml",
        &answers.replace("mine = []", "mine = [\"program/CHARTER.md\"]"),
    );
    env.write("kit/program/CHARTER.md", "our approved charter\n");
    repo.commit(
        &[
            (
                "modules/charter/files/program/CHARTER.md",
                "a new charter\n",
            ),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles v2\n",
            ),
        ],
        "v2",
    );
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has(
            "Kept program/CHARTER.md (yours: listed under [files] mine, so ispo leaves it alone)",
        )
        .stderr_has("Updated program/PRINCIPLES.md");
    assert_eq!(env.read("kit/program/CHARTER.md"), "our approved charter\n");
    assert!(!env.exists("kit/program/CHARTER.md.ispo-new"));
    // Gone upstream, it still stays.
    repo.commit(&[("modules/charter/files/program/CHARTER.md", "")], "v3");
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/program/CHARTER.md"), "our approved charter\n");
    env.ispo(&["status", "kit"])
        .stderr_has("Yours alone (under [files] mine, never touched by ispo): program/CHARTER.md");
}

#[test]
fn adopting_with_paths_listed_as_mine_writes_nothing_beside_them() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("kit/program/CHARTER.md", "our approved charter\n");
    env.write(
        "answers.toml",
        "company = \"Acme\"\n[files]\nmine = [\"program/*.md\"]\n",
    );
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--answers",
        "answers.toml",
        "--adopt",
    ])
    .ok();
    assert_eq!(env.read("kit/program/CHARTER.md"), "our approved charter\n");
    assert!(!env.exists("kit/program/CHARTER.md.ispo-new"));
    // Files ispo writes for the first time are written, mine or not.
    assert!(env.exists("kit/program/PRINCIPLES.md"));
}

#[test]
fn a_script_committed_as_executable_is_executable_in_the_kit_and_stays_so() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let mut files = fixture();
    files.push((
        "modules/charter/files/scripts/report.sh",
        "#!/bin/sh\necho v1\n",
    ));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    let chmod = |rel: &str| {
        std::fs::set_permissions(repo.dir.join(rel), std::fs::Permissions::from_mode(0o755))
            .unwrap()
    };
    chmod("modules/charter/files/scripts/report.sh");
    git(&repo.dir, &["add", "-A"]);
    git(&repo.dir, &["commit", "-qm", "executable"]);
    env.init_kit(repo.path(), &["-q"]).ok();
    let mode = |p: &str| std::fs::metadata(env.path(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("kit/scripts/report.sh"), 0o755);
    assert_eq!(mode("kit/program/CHARTER.md"), 0o644);
    // Through an update of its content, and for a new script.
    std::fs::write(
        repo.dir.join("modules/charter/files/scripts/report.sh"),
        "#!/bin/sh\necho v2\n",
    )
    .unwrap();
    std::fs::write(
        repo.dir.join("modules/charter/files/scripts/new.sh"),
        "#!/bin/sh\n",
    )
    .unwrap();
    chmod("modules/charter/files/scripts/new.sh");
    git(&repo.dir, &["add", "-A"]);
    git(&repo.dir, &["commit", "-qm", "v2"]);
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/scripts/report.sh"), "#!/bin/sh\necho v2\n");
    assert_eq!(mode("kit/scripts/report.sh"), 0o755);
    assert_eq!(mode("kit/scripts/new.sh"), 0o755);
}
