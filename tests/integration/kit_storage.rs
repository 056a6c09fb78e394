//! Kits that live in real git repositories: cloned with every line-ending
//! setting, beside catalog-shipped ignore and attribute files, with separate
//! git dirs, committed with `git commit --all`, and a quiet history.

use std::path::Path;

use crate::support::*;

/// A catalog whose principles module also ships the `.gitignore` and
/// `.gitattributes` a real project template carries.
fn catalog_with_git_files(env: &Env) -> CatalogRepo {
    let mut files = fixture();
    files.push((
        "modules/principles/files/.gitignore",
        "node_modules/\n.DS_Store\n*.log\nbase/\nstore/\n",
    ));
    files.push((
        "modules/principles/files/.gitattributes",
        "* text=auto eol=crlf\n*.png binary\n",
    ));
    CatalogRepo::new(env.path("catalog"), &files)
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", message]);
}

/// A kit made from `repo`, in a git repository of its own, committed.
fn committed_kit(env: &Env, repo: &CatalogRepo) -> std::path::PathBuf {
    env.init_kit(repo.path(), &["-q"]).ok();
    let kit = env.path("kit");
    git(&kit, &["init", "-q"]);
    commit_all(&kit, "kit");
    kit
}

fn principles_v(repo: &CatalogRepo, n: usize) {
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            &format!("# Principles\n\nOpenness first at {{{{company}}}}, version {n}.\n"),
        )],
        &format!("v{n}"),
    );
}

#[test]
fn a_cloned_kit_updates_with_every_line_ending_setting() {
    for autocrlf in ["true", "input", "false"] {
        let env = Env::new();
        let repo = catalog_with_git_files(&env);
        env.init_kit(repo.path(), &["-q"]).ok();
        git(&env.path("kit"), &["init", "-q"]);
        commit_all(&env.path("kit"), "kit");
        git(
            env.tmp.path(),
            &[
                "clone",
                "-q",
                "-c",
                &format!("core.autocrlf={autocrlf}"),
                "kit",
                "clone",
            ],
        );
        let clone = env.path("clone");
        // Nothing of the base store is hidden or converted in the clone.
        assert_eq!(
            git(&clone, &["status", "--porcelain", "--untracked-files=all"]),
            "",
            "autocrlf={autocrlf}"
        );
        let charter = env.read("clone/program/CHARTER.md");
        let crlf = charter.contains("\r\n");
        let edited = charter.replace("Sponsor: ISPO-FILL(sponsor)", "Sponsor: Dana Smith");
        env.write("clone/program/CHARTER.md", &edited);
        commit_all(&clone, "our sponsor");
        principles_v(&repo, 2);
        env.ispo(&["update", "clone"])
            .ok()
            .stderr_has("Updated program/PRINCIPLES.md");
        let principles = env.read("clone/program/PRINCIPLES.md");
        assert!(
            principles.contains("version 2."),
            "autocrlf={autocrlf}: {principles}"
        );
        // The user's edit stays, in the file's own line endings.
        let charter = env.read("clone/program/CHARTER.md");
        assert_eq!(charter, edited, "autocrlf={autocrlf}");
        assert_eq!(charter.contains("\r\n"), crlf, "autocrlf={autocrlf}");
        // What the update changed is only what it should have: no stray files.
        let status = git(&clone, &["status", "--porcelain", "--untracked-files=all"]);
        assert!(
            !status.contains("??"),
            "autocrlf={autocrlf}: untracked after update:\n{status}"
        );
    }
}

#[test]
fn an_update_committed_with_commit_all_leaves_every_clone_able_to_update() {
    let env = Env::new();
    let repo = catalog_with_git_files(&env);
    let kit = committed_kit(&env, &repo);
    principles_v(&repo, 2);
    env.ispo(&["update", "kit"]).ok();
    // As Copier's own tests commit: tracked files only.
    git(&kit, &["commit", "-qam", "update to v2"]);
    assert_eq!(
        git(&kit, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    git(env.tmp.path(), &["clone", "-q", "kit", "clone"]);
    principles_v(&repo, 3);
    env.ispo(&["update", "clone"])
        .ok()
        .stderr_has("Updated program/PRINCIPLES.md");
    assert!(env
        .read("clone/program/PRINCIPLES.md")
        .contains("version 3."));
}

#[test]
fn a_chain_of_updates_changes_in_ispos_folder_only_what_changed() {
    let env = Env::new();
    let repo = catalog_with_git_files(&env);
    let kit = committed_kit(&env, &repo);
    for n in 2..=4 {
        principles_v(&repo, n);
        env.ispo(&["update", "kit"]).ok();
        commit_all(&kit, &format!("update to v{n}"));
        let kit_files = git(
            &kit,
            &["diff", "--name-only", "HEAD~1", "--", ".", ":!.ispo"],
        );
        let kit_files = kit_files.lines().count();
        let changed = git(&kit, &["diff", "--name-only", "HEAD~1", "--", ".ispo"]);
        let changed: Vec<&str> = changed.lines().collect();
        // The state, and per changed kit file at most the bucket that lost
        // its old render and the one that gained the new.
        assert!(changed.contains(&".ispo/state.toml"), "{changed:?}");
        let buckets = changed
            .iter()
            .filter(|p| p.starts_with(".ispo/store/"))
            .count();
        assert!(
            buckets >= 1 && buckets <= 2 * kit_files && changed.len() == buckets + 1,
            "v{n}: {kit_files} kit files changed, and in .ispo: {changed:?}"
        );
        // The state's diff: the commit, and the hash of each changed file.
        let diff = git(
            &kit,
            &["diff", "--numstat", "HEAD~1", "--", ".ispo/state.toml"],
        );
        let added: usize = diff.split_whitespace().next().unwrap().parse().unwrap();
        assert!(
            added <= 1 + kit_files,
            "v{n}: state.toml changed {added} lines"
        );
        assert_eq!(
            git(&kit, &["status", "--porcelain", "--untracked-files=all"]),
            ""
        );
    }
}

#[test]
fn separate_git_dirs_are_read_as_git_reads_them() {
    for far in [false, true] {
        let env = Env::new();
        let repo = fixture_repo(&env);
        env.init_kit(repo.path(), &["-q"]).ok();
        let kit = env.path("kit");
        git(&kit, &["init", "-q", "--separate-git-dir", "../kit.git"]);
        commit_all(&kit, "kit");
        if far {
            std::fs::create_dir_all(env.path("far/away")).unwrap();
            std::fs::rename(env.path("kit.git"), env.path("far/away/kit.git")).unwrap();
            std::fs::write(
                kit.join(".git"),
                format!("gitdir: {}\n", env.path("far/away/kit.git").display()),
            )
            .unwrap();
        }
        // Clean: the update goes ahead.
        principles_v(&repo, 2);
        env.ispo(&["update", "kit"]).ok();
        commit_all(&kit, "v2");
        // An uncommitted edit is always refused.
        env.write("kit/program/CHARTER.md", "not committed yet\n");
        principles_v(&repo, 3);
        env.ispo(&["update", "kit"])
            .code(4)
            .stderr_has("the kit has uncommitted changes in git (program/CHARTER.md)");
        assert_eq!(env.read("kit/program/CHARTER.md"), "not committed yet\n");
    }
}

#[test]
fn a_local_catalog_with_a_separate_git_dir_is_read_from_its_commits() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    // The same catalog, its git dir moved out of its work tree.
    std::fs::rename(env.path("catalog/.git"), env.path("catalog.git")).unwrap();
    std::fs::write(
        env.path("catalog/.git"),
        format!("gitdir: {}\n", env.path("catalog.git").display()),
    )
    .unwrap();
    env.init_kit(repo.path(), &["-q"]).ok();
    assert!(env
        .read("kit/.ispo/state.toml")
        .contains(&format!("commit = \"{}\"", repo.head())));
}

#[test]
fn a_kit_in_a_git_worktree_updates_and_is_dirty_checked() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let kit = committed_kit(&env, &repo);
    git(&kit, &["worktree", "add", "-q", "-b", "update", "../wt"]);
    principles_v(&repo, 2);
    env.ispo(&["update", "wt"])
        .ok()
        .stderr_has("Updated program/PRINCIPLES.md");
    commit_all(&env.path("wt"), "v2");
    env.write("wt/program/CHARTER.md", "uncommitted\n");
    principles_v(&repo, 3);
    env.ispo(&["update", "wt"])
        .code(4)
        .stderr_has("uncommitted changes in git (program/CHARTER.md)");
}

#[test]
fn the_diff_of_an_update_applies_with_git_apply() {
    let env = Env::new();
    let mut files = fixture();
    files.push(("modules/charter/files/logo.bin", "v1\u{0}logo"));
    let charter = "id = \"charter\"\ntitle = \"Charter\"\nsummary = \"s\"\nkind = \"doc\"\nchallenges = [\"C1\"]\nrequires = [\"principles\"]\nfills = [\"ispo_email\"]\nraw = [\"*.bin\"]\n\n[[fill]]\nid = \"sponsor\"\ndescription = \"Name of the sponsor\"\n";
    files.push(("modules/charter/module.toml", charter));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    let kit = committed_kit(&env, &repo);
    principles_v(&repo, 2);
    let run = env.ispo(&["diff", "kit"]);
    run.ok();
    assert!(
        run.stdout.contains("+++ b/program/PRINCIPLES.md"),
        "{}",
        run.stdout
    );
    // The same change as the update makes, applied by git.
    env.write("kit.diff", &run.stdout);
    git(
        &kit,
        &[
            "apply",
            "--check",
            &env.path("kit.diff").display().to_string(),
        ],
    );
    git(
        &kit,
        &["apply", &env.path("kit.diff").display().to_string()],
    );
    let applied = env.read("kit/program/PRINCIPLES.md");
    git(&kit, &["checkout", "-q", "--", "."]);
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), applied);
    // A binary change is named, not printed.
    repo.commit(&[("modules/charter/files/logo.bin", "v2\u{0}logo")], "v3");
    env.ispo(&["diff", "kit"])
        .ok()
        .stdout_has("Binary files a/logo.bin and b/logo.bin differ\n");
}
