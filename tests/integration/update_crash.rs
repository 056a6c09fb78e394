//! Killing `ispo update` at random moments, then running it again, reaches the
//! same kit as an uninterrupted run, with every local edit kept.

use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

use crate::support::*;

const MODULES: usize = 40;
const FILES: usize = 8;

fn catalog(version: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fixture()
        .into_iter()
        .filter(|(p, _)| !p.starts_with("modules/"))
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    for m in 0..MODULES {
        files.push((
            format!("modules/m{m:02}/module.toml"),
            format!("id = \"m{m:02}\"\ntitle = \"Module {m}\"\nsummary = \"s\"\nkind = \"doc\"\nchallenges = [\"C1\"]\n"),
        ));
        for f in 0..FILES {
            let mut body = format!("# {{{{company}}}} module {m} file {f}\n\n");
            for line in 0..60 {
                // v2 changes the first section of every file and line 40 of some.
                let text = if line < 3 || (line == 40 && f % 2 == 0) {
                    format!("line {line} {version}")
                } else {
                    format!("line {line}")
                };
                body.push_str(&text);
                body.push('\n');
            }
            files.push((format!("modules/m{m:02}/files/m{m:02}/f{f}.md"), body));
        }
    }
    files
}

fn write_catalog(repo: &CatalogRepo, files: &[(String, String)]) {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    repo.commit(&refs, "next");
}

#[test]
fn killed_updates_converge_without_losing_edits() {
    let env = Env::new();
    let v1 = catalog("v1");
    let refs: Vec<(&str, &str)> = v1.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let repo = CatalogRepo::new(env.path("catalog"), &refs);
    env.init_kit(repo.path(), &["-q"]).ok();
    // Local edits: a line far from the upstream change, and one that conflicts.
    for m in 0..MODULES {
        let p = format!("kit/m{m:02}/f1.md");
        let edited = env
            .read(&p)
            .replace("line 50\n", "line 50, edited locally\n");
        env.write(&p, &edited);
    }
    // Edits right next to the upstream change merge cleanly, but only with the
    // right base: a re-run after a kill must recognise its own results.
    for m in 0..MODULES {
        let p = format!("kit/m{m:02}/f2.md");
        let edited = env
            .read(&p)
            .replace("line 3\n", "line 3, next to the change\n");
        env.write(&p, &edited);
    }
    let p = "kit/m00/f3.md";
    env.write(p, &env.read(p).replace("line 1 v1\n", "line 1 mine\n"));
    write_catalog(&repo, &catalog("v2"));

    // The reference: the same kit, updated without interruption.
    copy_dir(&env.path("kit"), &env.path("reference"));
    let reference_run = env.ispo(&["update", "reference", "-q"]);
    reference_run.code(3);
    let reference = env.tree("reference");

    let seed = Instant::now().elapsed().subsec_nanos() as u64 ^ std::process::id() as u64;
    let mut rng = seed | 1;
    let mut kills = 0;
    for _ in 0..12 {
        if update_killed_at_random(&env, &mut rng, 60_000) {
            kills += 1;
        }
    }
    env.ispo(&["update", "kit", "-q"]).code(3);
    let mut after = env.tree("kit");
    let mut reference = reference;
    // The lock, and file metadata that means nothing in another folder.
    for local in [".ispo/lock", STAT_CACHE] {
        after.remove(local);
        reference.remove(local);
    }
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>(),
        "seed {seed}, {kills} kills"
    );
    for (path, content) in &reference {
        assert_eq!(
            &after[path], content,
            "{path} differs (seed {seed}, {kills} kills)"
        );
    }
    for m in 0..MODULES {
        assert!(after[&format!("m{m:02}/f1.md")].contains("line 50, edited locally\n"));
        assert!(after[&format!("m{m:02}/f2.md")].contains("line 3, next to the change\n"));
    }
    assert!(
        !after
            .keys()
            .any(|p| p.contains(".ispo-tmp-") || p.ends_with("pending.toml")),
        "leftovers: {:?}",
        after
            .keys()
            .filter(|p| p.contains(".ispo-tmp-") || p.contains("pending"))
            .collect::<Vec<_>>()
    );
    assert!(
        after["m00/f3.md"].contains("<<<<<<< your kit\n")
            && after["m00/f3.md"].contains("line 1 mine\n")
    );
    assert!(
        kills > 0,
        "no run was interrupted (seed {seed}): lengthen the kit"
    );
}

/// Starts `ispo update kit` and kills it after a random delay below
/// `max_micros` (xorshift over `rng`); whether it was still running then.
fn update_killed_at_random(env: &Env, rng: &mut u64, max_micros: u64) -> bool {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    let delay = Duration::from_micros(*rng % max_micros);
    let mut child = env
        .command(&["update", "kit", "-q"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    if running {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    running
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_rerun_after_a_kill_and_a_catalog_move_sees_its_own_writes_as_its_own() {
    let env = Env::new();
    let base = "# {{company}}\n\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n";
    let mut files = fixture();
    files.push(("modules/charter/files/notes/a.md", base));
    files.push(("modules/charter/files/notes/b.md", base));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.init_kit(repo.path(), &["-q"]).ok();
    env.write(
        "kit/notes/a.md",
        &env.read("kit/notes/a.md")
            .replace("line 8\n", "line 8, mine\n"),
    );
    let v2 = base.replace("line 2\n", "line 2 v2\n");
    repo.commit(
        &[
            ("modules/charter/files/notes/a.md", &v2),
            ("modules/charter/files/notes/b.md", &v2),
        ],
        "v2",
    );
    // Dies after the first kit file (README.md) is written, before notes/*.
    let run = env.ispo_with(
        &["update", "kit", "-q"],
        &[("ISPO_TEST_CRASH_AFTER_WRITES", "2")],
    );
    assert_ne!(run.code, 0, "the injected crash did not happen: {run:?}");
    assert!(
        env.read("kit/notes/a.md").contains("line 2 v2\n"),
        "the killed run should have merged a.md first"
    );
    // The catalog moves on before the user re-runs.
    let v3 = v2.replace("line 4\n", "line 4 v3\n");
    repo.commit(
        &[
            ("modules/charter/files/notes/a.md", &v3),
            ("modules/charter/files/notes/b.md", &v3),
        ],
        "v3",
    );
    env.ispo(&["update", "kit"]).ok().stderr_has("0 conflicts");
    assert_eq!(
        env.read("kit/notes/a.md"),
        "# Acme\n\nline 1\nline 2 v2\nline 3\nline 4 v3\nline 5\nline 6\nline 7\nline 8, mine\n"
    );
    assert_eq!(
        env.read("kit/notes/b.md"),
        "# Acme\n\nline 1\nline 2 v2\nline 3\nline 4 v3\nline 5\nline 6\nline 7\nline 8\n"
    );
    assert!(!env.exists("kit/.ispo/pending.toml"));
}

#[test]
fn a_kit_in_git_can_be_updated_again_after_a_kill() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["-q"]).ok();
    git(&env.path("kit"), &["init", "-q"]);
    git(&env.path("kit"), &["add", "-A"]);
    git(&env.path("kit"), &["commit", "-qm", "kit"]);
    repo.commit(
        &[
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles v2\n",
            ),
            ("modules/charter/files/program/CHARTER.md", "# Charter v2\n"),
        ],
        "v2",
    );
    let run = env.ispo_with(
        &["update", "kit", "-q"],
        &[("ISPO_TEST_CRASH_AFTER_WRITES", "2")],
    );
    assert_ne!(run.code, 0);
    // What the killed run wrote is its own, not uncommitted work of the user's.
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), "# Principles v2\n");
    assert_eq!(env.read("kit/program/CHARTER.md"), "# Charter v2\n");
    git(&env.path("kit"), &["add", "-A"]);
    git(&env.path("kit"), &["commit", "-qm", "updated"]);
    env.write("kit/program/CHARTER.md", "my uncommitted edit\n");
    // (A no-op update writes nothing, so it does not check; a new catalog
    // commit makes this one write.)
    repo.commit(
        &[("modules/charter/files/program/CHARTER.md", "# Charter v3\n")],
        "v3",
    );
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("uncommitted changes in git (program/CHARTER.md)");
}

/// The kit's own files, without git's.
fn kit_files(env: &Env, kit: &str) -> std::collections::BTreeMap<String, String> {
    env.tree(kit)
        .into_iter()
        .filter(|(p, _)| {
            !p.starts_with(".git/") && p != ".git" && p != ".ispo/lock" && p != STAT_CACHE
        })
        .collect()
}

#[test]
fn in_a_git_kit_every_rerun_after_a_kill_finishes_without_allow_dirty() {
    let env = Env::new();
    let v1 = catalog("v1");
    let refs: Vec<(&str, &str)> = v1.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let repo = CatalogRepo::new(env.path("catalog"), &refs);
    env.init_kit(repo.path(), &["-q"]).ok();
    for m in 0..MODULES {
        let p = format!("kit/m{m:02}/f1.md");
        env.write(
            &p,
            &env.read(&p)
                .replace("line 50\n", "line 50, edited locally\n"),
        );
    }
    let p = "kit/m00/f3.md";
    env.write(p, &env.read(p).replace("line 1 v1\n", "line 1 mine\n"));
    let kit = env.path("kit");
    git(&kit, &["init", "-q"]);
    git(&kit, &["add", "-A"]);
    git(&kit, &["commit", "-qm", "kit with our edits"]);
    write_catalog(&repo, &catalog("v2"));
    copy_dir(&kit, &env.path("reference"));
    env.ispo(&["update", "reference", "-q"]).code(3);
    let reference = kit_files(&env, "reference");

    let seed = Instant::now().elapsed().subsec_nanos() as u64 ^ std::process::id() as u64;
    let mut rng = seed | 1;
    let (mut kills, mut rounds) = (0, 0);
    while kills < 100 && rounds < 400 {
        rounds += 1;
        // Back to the committed kit, as a user would be before updating.
        git(&kit, &["reset", "-q", "--hard"]);
        git(&kit, &["clean", "-qfdx"]);
        if !update_killed_at_random(&env, &mut rng, 40_000) {
            continue;
        }
        kills += 1;
        // The re-run: no --allow-dirty; what the killed run did is its own.
        let rerun = env.ispo(&["update", "kit", "-q"]);
        assert!(
            rerun.code == 0 || rerun.code == 3,
            "re-run after kill {kills} (seed {seed}) exited {}: {}",
            rerun.code,
            rerun.stderr
        );
        let after = kit_files(&env, "kit");
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "kill {kills} (seed {seed})"
        );
        for (path, content) in &reference {
            assert_eq!(
                &after[path], content,
                "{path} after kill {kills} (seed {seed})"
            );
        }
    }
    assert!(
        kills >= 100,
        "only {kills} kills in {rounds} rounds (seed {seed}): lengthen the kit"
    );
}
