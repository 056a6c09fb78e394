//! An update costs what changed: the render cache re-renders only files
//! whose inputs changed, and the stat cache lets a no-op update skip files
//! that did not change, yet still notices every edit.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

const CHARTER: &str = "modules/charter/files/program/CHARTER.md";

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
}

fn stats(run: &Run) -> (u64, u64, u64) {
    let r = &json(run)["render"];
    (
        r["templates_compiled"].as_u64().unwrap(),
        r["files_rendered"].as_u64().unwrap(),
        r["files_reused"].as_u64().unwrap(),
    )
}

fn commit_all(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", message]);
}

/// A kit made from `repo` with `extra`, committed in git; its render stats.
fn committed_kit(env: &Env, repo: &CatalogRepo, extra: &[&str]) -> (u64, u64, u64) {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let run = env.init_kit(repo.path(), &args);
    run.ok();
    git(&env.path("kit"), &["init", "-q"]);
    commit_all(&env.path("kit"), "kit");
    stats(&run)
}

/// The kit's files as a fresh init from the same catalog and answers makes them.
fn fresh_render(
    env: &Env,
    repo: &CatalogRepo,
    extra: &[&str],
) -> std::collections::BTreeMap<String, String> {
    let mut args = vec![
        "init",
        "fresh",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "-q",
    ];
    args.extend_from_slice(extra);
    env.ispo(&args).ok();
    kit_files(&env.path("fresh"))
}

/// Rewrites `path` with `edit` of its text, which must keep its length and
/// change it, and puts the old modification time back: only the change time
/// (which no program can set) still tells the stat cache.
fn rewrite_keeping_size_and_mtime(path: &Path, edit: impl FnOnce(&str) -> String) {
    let before = std::fs::read_to_string(path).unwrap();
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let edited = edit(&before);
    assert_ne!(edited, before);
    assert_eq!(edited.len(), before.len());
    std::fs::write(path, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(std::fs::metadata(path).unwrap().modified().unwrap(), mtime);
}

/// Every file of a kit except ispo's state and git's.
fn kit_files(dir: &Path) -> std::collections::BTreeMap<String, String> {
    tree(dir)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(".ispo/") && !p.starts_with(".git/"))
        .collect()
}

#[test]
fn an_update_after_a_one_file_change_renders_only_that_file() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let (compiled, rendered, reused) = committed_kit(&env, &repo, &[]);
    assert!(
        rendered >= 2,
        "the fixture renders several files: {rendered}"
    );
    assert_eq!((compiled, reused), (rendered, 0), "init renders everything");
    assert!(env.exists("kit/.ispo/cache/renders.bin"));

    repo.commit(
        &[(
            CHARTER,
            "# {{company}} charter, revised\n\nSponsor: {{fill.sponsor}}\n{{> footer}}",
        )],
        "revise the charter",
    );
    let run = env.ispo(&["update", "kit", "--json"]);
    run.ok();
    assert_eq!(
        stats(&run),
        (1, 1, rendered - 1),
        "only the charter is compiled and rendered; the rest is reused"
    );
    assert!(env
        .read("kit/program/CHARTER.md")
        .contains("charter, revised"));
    // Reused renders are byte for byte what a full render gives.
    let mut kit = kit_files(&env.path("kit"));
    let mut fresh = fresh_render(&env, &repo, &[]);
    kit.remove("ispo-answers.toml");
    fresh.remove("ispo-answers.toml");
    assert_eq!(kit, fresh);
    // The cache is never committed: the kit is clean but for the update.
    let status = git(
        &env.path("kit"),
        &["status", "--porcelain", "--untracked-files=all"],
    );
    assert!(!status.contains(".ispo/cache"), "{status}");
}

#[test]
fn a_one_file_update_reads_and_writes_only_the_store_buckets_it_needs() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    let kit = env.path("kit");
    let state = ispo::kit::State::read(&kit).unwrap();
    let bucket_of = |path: &str| {
        let sha = &state.files.iter().find(|f| f.path == path).unwrap().sha256;
        format!(".ispo/store/{}", &sha[..2])
    };
    let charter = bucket_of("program/CHARTER.md");
    // A bucket that holds neither the charter's render nor the README's
    // (the README lists the catalog's commit, so it changes too), damaged:
    // an update that needs nothing from it never reads it.
    let needed = [charter.clone(), bucket_of("README.md")];
    let other = state
        .files
        .iter()
        .map(|f| format!(".ispo/store/{}", &f.sha256[..2]))
        .find(|b| !needed.contains(b))
        .expect("the fixture's renders fill more than two buckets");
    std::fs::write(kit.join(&other), b"not a zlib stream").unwrap();
    commit_all(&kit, "a damaged bucket nobody needs");
    repo.commit(
        &[(
            CHARTER,
            "# {{company}} charter, revised\n\nSponsor: {{fill.sponsor}}\n{{> footer}}",
        )],
        "revise the charter",
    );
    env.ispo(&["update", "kit"]).ok();
    assert!(env
        .read("kit/program/CHARTER.md")
        .contains("charter, revised"));
    let changed = git(&kit, &["status", "--porcelain"]);
    assert!(!changed.contains(&other), "{changed}");
    assert!(changed.contains(&charter), "{changed}");
    // The buckets of the charter's old and new render, the README's, and the
    // state: nothing else of ispo's changed.
    let ispo_paths: Vec<&str> = changed
        .lines()
        .map(|l| l[3..].trim())
        .filter(|p| p.starts_with(".ispo/"))
        .collect();
    assert!(ispo_paths.len() <= 5, "{ispo_paths:?}");
    // The damaged bucket is still refused the moment an update needs it.
    let edited = state
        .files
        .iter()
        .find(|f| format!(".ispo/store/{}", &f.sha256[..2]) == other)
        .map(|f| f.path.clone())
        .unwrap();
    // An edit makes its base needed: the plan compares it.
    env.write(&format!("kit/{edited}"), "edited by hand\n");
    git(&kit, &["commit", "-qam", "an edit"]);
    repo.commit(
        &[(
            CHARTER,
            "# {{company}} charter, revised again\n\nSponsor: {{fill.sponsor}}\n{{> footer}}",
        )],
        "v3",
    );
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has("is damaged");
    assert_eq!(env.read(&format!("kit/{edited}")), "edited by hand\n");
}

#[test]
fn a_changed_answer_re_renders_the_files_that_read_it_and_no_others() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let (_, rendered, _) = committed_kit(&env, &repo, &[]);
    let run = env.ispo(&["update", "kit", "--json", "--set", "company=Globex"]);
    run.ok();
    let (compiled, again, reused) = stats(&run);
    assert!(
        again >= 1 && again < rendered,
        "{again} of {rendered} files read the company"
    );
    assert_eq!((compiled, reused), (again, rendered - again));
    let mut kit = kit_files(&env.path("kit"));
    let mut fresh = fresh_render(&env, &repo, &["--set", "company=Globex"]);
    kit.remove("ispo-answers.toml");
    fresh.remove("ispo-answers.toml");
    assert_eq!(kit, fresh, "the incremental render equals a full one");
}

#[test]
fn a_partial_change_re_renders_every_file_that_includes_it() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    let footer = fixture()
        .into_iter()
        .find(|(p, _)| p.starts_with("partials/footer"))
        .expect("the fixture has a footer partial");
    repo.commit(
        &[(footer.0, "A new footer for {{company}}.\n")],
        "new footer",
    );
    let run = env.ispo(&["update", "kit", "--json"]);
    run.ok();
    assert!(stats(&run).1 >= 1);
    assert!(env
        .read("kit/program/CHARTER.md")
        .contains("A new footer for Acme."));
}

#[test]
fn a_damaged_render_cache_costs_only_a_full_render() {
    let truncated = |env: &Env| {
        let bytes = std::fs::read(env.path("kit/.ispo/cache/renders.bin")).unwrap();
        String::from_utf8_lossy(&bytes[..bytes.len() / 2]).into_owned()
    };
    for damage in [
        "not a cache",
        "ispo renders cache\n\u{4}\0\0\0garbage",
        "{\"format\": 1, \"ispo\": \"0.0.0\", \"templates\": {}, \"outputs\": {}}",
        "truncated",
    ] {
        let env = Env::new();
        let repo = fixture_repo(&env);
        let (_, rendered, _) = committed_kit(&env, &repo, &[]);
        let damage = if damage == "truncated" {
            truncated(&env)
        } else {
            damage.to_string()
        };
        env.write("kit/.ispo/cache/renders.bin", &damage);
        repo.commit(&[(CHARTER, "# {{company}} charter v2\n")], "v2");
        let run = env.ispo(&["update", "kit", "--json"]);
        run.ok();
        assert_eq!(stats(&run), (rendered, rendered, 0), "{damage}");
        assert_eq!(env.read("kit/program/CHARTER.md"), "# Acme charter v2\n");
    }
}

#[test]
fn a_cache_naming_renders_the_store_lacks_is_ignored() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let (_, rendered, _) = committed_kit(&env, &repo, &[]);
    // Point every output at a render that is not in the base store.
    let kit = env.path("kit");
    let mut cache = ispo::render_cache::RenderCache::read(&kit).expect("init wrote a render cache");
    for o in cache.outputs.values_mut() {
        o.sha256 = "0".repeat(64);
    }
    cache.write(&kit).unwrap();
    repo.commit(&[(CHARTER, "# {{company}} charter v2\n")], "v2");
    let run = env.ispo(&["update", "kit", "--json"]);
    run.ok();
    let (_, again, reused) = stats(&run);
    assert_eq!((again, reused), (rendered, 0));
    assert_eq!(env.read("kit/program/CHARTER.md"), "# Acme charter v2\n");
}

/// A kit whose charter the last update left with conflict markers (a local
/// edit and an upstream change of its first line), which the user then
/// settled by hand and committed.
fn kit_with_a_settled_conflict(env: &Env) {
    let repo = fixture_repo(env);
    committed_kit(env, &repo, &[]);
    let charter = env.read("kit/program/CHARTER.md");
    env.write(
        "kit/program/CHARTER.md",
        &charter.replacen("InnerSource charter", "InnerSource charter (ours)", 1),
    );
    commit_all(&env.path("kit"), "our title");
    let upstream = std::fs::read_to_string(Path::new(repo.path()).join(CHARTER)).unwrap();
    repo.commit(
        &[(
            CHARTER,
            &upstream.replacen("InnerSource charter", "InnerSource charter v2", 1),
        )],
        "v2",
    );
    env.ispo(&["update", "kit"]).code(3);
    let state = env.read("kit/.ispo/state.toml");
    assert!(state.contains("conflicted = true"), "{state}");
    env.write(
        "kit/program/CHARTER.md",
        &charter.replacen("InnerSource charter", "InnerSource charter, v2 ours", 1),
    );
    commit_all(&env.path("kit"), "conflict settled");
}

#[test]
fn a_no_op_update_notices_an_edit_that_keeps_the_size_and_the_modification_time() {
    let env = Env::new();
    kit_with_a_settled_conflict(&env);
    // The first no-op reads the file the last update left conflicted and
    // records it in the stat cache; the second trusts that record.
    env.ispo(&["update", "kit"]).ok().stderr_has("up to date");
    assert!(env.exists("kit/.ispo/cache/stat.bin"));
    env.ispo(&["update", "kit"]).ok().stderr_has("up to date");

    // Conflict markers, of the very same length as the text they replace,
    // and the old modification time put back.
    let path = env.path("kit/program/CHARTER.md");
    rewrite_keeping_size_and_mtime(&path, |before| {
        let markers = "<<<<<<< a\nx\n=======\ny\n>>>>>>> b\n";
        assert!(before.len() > markers.len(), "{before:?}");
        format!("{markers}{}", &before[markers.len()..])
    });
    commit_all(&env.path("kit"), "a conflict left in");

    let run = env.ispo(&["update", "kit"]);
    assert!(
        !run.stderr.contains("up to date"),
        "the edit was noticed, not skipped by the stat cache:\n{}",
        run.stderr
    );
    run.code(3);
}

#[test]
fn a_no_op_update_looks_for_markers_only_in_files_the_last_update_left_conflicted() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    // A guide that shows what conflict markers look like: its text is the
    // catalog's, not an open conflict, so it must not cost every no-op a
    // full update.
    let guide = "<<<<<<< your kit\nyour line\n=======\nthe catalog's line\n>>>>>>> catalog\n";
    repo.commit(
        &[("modules/charter/files/program/MARKERS.md", guide)],
        "a guide to conflict markers",
    );
    committed_kit(&env, &repo, &[]);
    assert_eq!(env.read("kit/program/MARKERS.md"), guide);
    env.ispo(&["update", "kit"]).ok().stderr_has("up to date");
}

#[test]
fn an_update_settles_unchanged_files_by_hash_yet_notices_an_edit_that_keeps_size_and_mtime() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    // Init recorded what it wrote: the first update need not read it back.
    assert!(env.exists("kit/.ispo/cache/stat.bin"));
    let path = env.path("kit/program/PRINCIPLES.md");
    // An edit of the same length, and the old modification time put back:
    // only the change time (which no program sets) and the bytes differ.
    rewrite_keeping_size_and_mtime(&path, |before| {
        before.replacen("# Principles", "# PRINCIPLES", 1)
    });
    commit_all(&env.path("kit"), "an edit that keeps size and mtime");
    // Upstream changes this very file: the edit must be merged, not lost.
    let upstream = "modules/principles/files/program/PRINCIPLES.md";
    let text = std::fs::read_to_string(Path::new(repo.path()).join(upstream)).unwrap();
    repo.commit(
        &[(upstream, &format!("{text}\nA line added upstream.\n"))],
        "v2",
    );
    let run = env.ispo(&["update", "kit", "--json"]);
    run.ok();
    let files = json(&run)["files"].clone();
    assert!(
        files
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "program/PRINCIPLES.md" && f["action"] == "merged"),
        "{files}"
    );
    let now = env.read("kit/program/PRINCIPLES.md");
    assert!(
        now.contains("# PRINCIPLES") && now.contains("A line added upstream."),
        "{now}"
    );
    // The next update, from the cache this one kept, still sees both.
    commit_all(&env.path("kit"), "updated");
    repo.commit(
        &[(
            CHARTER,
            "# {{company}} charter, v3\n\nSponsor: {{fill.sponsor}}\n{{> footer}}",
        )],
        "v3",
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), now);
}

#[test]
fn a_no_op_update_of_a_kit_from_an_older_ispo_leaves_no_untracked_cache() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    let kit = env.path("kit");
    std::fs::remove_dir_all(kit.join(".ispo/cache")).unwrap();
    // The .gitignore an earlier ispo wrote: no line for the cache.
    let old = env.read("kit/.ispo/.gitignore").replace("/cache/\n", "");
    env.write("kit/.ispo/.gitignore", &old);
    commit_all(&kit, "as an older ispo left it");
    env.ispo(&["update", "kit"]).ok().stderr_has("up to date");
    assert!(!env.exists("kit/.ispo/cache/stat.bin"));
    assert_eq!(
        git(&kit, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}

/// The git object file of a blob of `repo` at HEAD, made writable.
fn object_file(repo: &CatalogRepo, path: &str) -> std::path::PathBuf {
    let id = git(
        Path::new(repo.path()),
        &["rev-parse", &format!("HEAD:{path}")],
    );
    let id = id.trim();
    let file = Path::new(repo.path())
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    assert!(file.is_file(), "{} is not a loose object", file.display());
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&file, perms).unwrap();
    file
}

#[test]
fn an_update_reads_only_the_templates_whose_blob_changed() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    repo.commit(
        &[(CHARTER, "# {{company}} charter, revised\n\n{{> footer}}")],
        "revise the charter",
    );
    // An unchanged template's object is damaged: reading it would fail, and
    // the update never reads it.
    const PRINCIPLES: &str = "modules/principles/files/program/PRINCIPLES.md";
    let principles = object_file(&repo, PRINCIPLES);
    std::fs::write(&principles, b"not a zlib stream").unwrap();
    let run = env.ispo(&["update", "kit", "--json"]);
    run.ok();
    assert_eq!(stats(&run).0, 1, "only the charter is compiled");
    assert!(env
        .read("kit/program/CHARTER.md")
        .contains("charter, revised"));
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness first at Acme.\n"
    );
    // Whatever does read it says which file it is.
    env.ispo(&[
        "init",
        "other",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .code(4)
    .stderr_has(&format!("cannot read `{PRINCIPLES}`"));
    assert!(!env.exists("other"));
    // A template object missing altogether is refused by the update up
    // front, with its path, and nothing is written.
    repo.commit(&[(CHARTER, "# {{company}} charter, v3\n")], "v3");
    std::fs::remove_file(object_file(&repo, PRINCIPLES)).unwrap();
    let before = kit_files(&env.path("kit"));
    env.ispo(&["update", "kit", "--allow-dirty"])
        .code(4)
        .stderr_has(&format!("cannot read `{PRINCIPLES}`: object"))
        .stderr_has("is missing from the catalog repository");
    assert_eq!(kit_files(&env.path("kit")), before);
}

#[test]
fn an_update_judges_the_catalog_as_init_does_though_it_reads_less() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    let before = kit_files(&env.path("kit"));
    // A module folder that lost its module.toml but kept its files is a
    // broken catalog, not a module to drop from the kit.
    repo.commit(&[("modules/principles/module.toml", "")], "lose a manifest");
    env.ispo(&["update", "kit"])
        .code(1)
        .stderr_has("module folder `modules/principles` has no module.toml");
    assert_eq!(kit_files(&env.path("kit")), before);
    git(Path::new(repo.path()), &["reset", "-q", "--hard", "HEAD~1"]);
    // A changed template whose object cannot be read: refused (exit code 4)
    // with its path, as when the whole catalog is read.
    repo.commit(&[(CHARTER, "# {{company}} charter, v2\n")], "v2");
    std::fs::write(object_file(&repo, CHARTER), b"not a zlib stream").unwrap();
    env.ispo(&["update", "kit"])
        .code(4)
        .stderr_has(&format!("cannot read `{CHARTER}`"));
    assert_eq!(kit_files(&env.path("kit")), before);
}

/// The catalog's tree is listed from the last listing and git's diff since
/// (ispo's cache, `listings/`): what an update then renders is what a walk
/// of the whole tree gives, and what a walk refuses is still refused.
#[test]
fn a_listing_moved_by_a_tree_diff_reads_as_a_full_walk() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    committed_kit(&env, &repo, &[]);
    let listings = env.cache().join("listings");
    assert_eq!(std::fs::read_dir(&listings).unwrap().count(), 1);
    // Upstream: a file changes, one goes, one becomes executable.
    repo.commit(
        &[
            (CHARTER, "# {{company}} charter, v2\n"),
            ("modules/principles/files/program/PRINCIPLES.md", ""),
        ],
        "v2",
    );
    let tool = Path::new(repo.path()).join("modules/charter/files/program/CHARTER.md");
    git(
        Path::new(repo.path()),
        &["update-index", "--chmod=+x", tool.to_str().unwrap()],
    );
    git(Path::new(repo.path()), &["commit", "-qm", "executable"]);
    env.ispo(&["update", "kit", "--allow-dirty"]).ok();
    let updated = without_store(env.tree("kit"));
    // The same commit read with no listing at all: a full walk.
    std::fs::remove_dir_all(&listings).unwrap();
    let walked = fresh_render(&env, &repo, &[]);
    let same: Vec<&String> = walked
        .keys()
        .filter(|p| !p.starts_with(".ispo/") && *p != "ispo-answers.toml")
        .collect();
    for p in &same {
        assert_eq!(updated.get(*p), walked.get(*p), "{p}");
    }
    assert!(!updated.contains_key("program/PRINCIPLES.md"));
    assert!(std::fs::metadata(env.path("kit/program/CHARTER.md"))
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0)
        .unwrap());
    // A symlink added upstream is refused though the listing knows the rest.
    std::os::unix::fs::symlink(
        "CHARTER.md",
        Path::new(repo.path()).join("modules/charter/files/program/LINK.md"),
    )
    .unwrap();
    commit_all(Path::new(repo.path()), "a symlink");
    let before = kit_files(&env.path("kit"));
    env.ispo(&["update", "kit", "--allow-dirty"])
        .code(4)
        .stderr_has("is a symlink; catalogs may not contain symlinks");
    assert_eq!(kit_files(&env.path("kit")), before);
}
