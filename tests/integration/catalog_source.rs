//! Where catalogs come from: git daemon URLs, refs, subfolders, the cache, --offline.

use pretty_assertions::assert_eq;

use crate::support::*;

fn bare_clone(env: &Env, repo: &CatalogRepo, name: &str) {
    std::fs::create_dir_all(env.path("served")).unwrap();
    git(
        &env.path("served"),
        &["clone", "-q", "--bare", repo.path(), name],
    );
}

#[test]
fn inits_from_a_git_daemon_url_then_works_offline_from_the_cache() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    bare_clone(&env, &repo, "catalog.git");
    let mut daemon = GitDaemon::start(&env.path("served"));
    let url = daemon.url("catalog.git");
    env.init_kit(&url, &[]).ok();
    let state = env.read("kit/.ispo/state.toml");
    assert!(state.contains(&format!("source = \"{url}\"")), "{state}");
    assert!(
        state.contains(&format!("commit = \"{}\"", repo.head())),
        "{state}"
    );
    let mirrors: Vec<_> = std::fs::read_dir(env.cache().join("catalogs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(mirrors.len(), 1, "one bare mirror per URL");
    assert!(mirrors[0].path().join("HEAD").exists());

    daemon.stop();
    // The network is gone: a plain run says so and points at --offline ...
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        &url,
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .code(1)
    .stderr_has(&format!("cannot fetch the catalog from `{url}`"))
    .stderr_has("re-run with --offline");
    assert!(!env.exists("kit2"));
    // ... and --offline uses the cache.
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        &url,
        "--offline",
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .ok();
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        env.read("kit2/program/CHARTER.md")
    );
}

#[test]
fn offline_without_a_cached_copy_says_what_to_do() {
    let env = Env::new();
    env.ispo(&["init", "kit", "--catalog", "https://example.invalid/catalog.git", "--offline", "--defaults"])
        .code(1)
        .stderr_has("--offline: the catalog `https://example.invalid/catalog.git` is not cached yet; run once without --offline to fetch it");
}

#[test]
fn offline_after_a_failed_first_fetch_says_it_is_not_cached_yet() {
    let env = Env::new();
    let mut daemon = GitDaemon::start(&env.path("served"));
    let url = daemon.url("catalog.git");
    daemon.stop();
    env.ispo(&["init", "kit", "--catalog", &url, "--defaults"])
        .code(1)
        .stderr_has(&format!("cannot fetch the catalog from `{url}`"));
    // The failed fetch left an empty mirror in the cache: it holds nothing to use.
    assert_eq!(
        std::fs::read_dir(env.cache().join("catalogs"))
            .unwrap()
            .count(),
        1
    );
    let expected = format!(
        "error: --offline: the catalog `{url}` is not cached yet; run once without --offline to fetch it\n"
    );
    for extra in [&[][..], &["--ref", "v1"]] {
        let mut args = vec!["init", "kit", "--catalog", &url, "--defaults", "--offline"];
        args.extend_from_slice(extra);
        env.ispo(&args).code(1).stderr_is(&expected);
    }
    assert!(!env.exists("kit"));
}

#[test]
fn ref_picks_a_tag_branch_or_commit() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    repo.tag("v1");
    let v1 = repo.head();
    repo.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    git(&repo.dir, &["branch", "next"]);
    let init = |dest: &str, r: &str| {
        env.ispo(&[
            "init",
            dest,
            "--catalog",
            repo.path(),
            "--ref",
            r,
            "--defaults",
            "--set",
            "company=Acme",
        ])
    };
    init("a", "v1").ok();
    assert_eq!(
        env.read("a/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness first at Acme.\n"
    );
    init("b", "next").ok();
    assert_eq!(env.read("b/program/PRINCIPLES.md"), "# Principles v2\n");
    init("c", &v1[..10]).ok();
    assert!(
        env.read("c/.ispo/state.toml")
            .contains(&format!("commit = \"{v1}\"\nref = \"{}\"", &v1[..10]))
            || env.read("c/.ispo/state.toml").contains(&v1)
    );
    init("d", "nope")
        .code(1)
        .stderr_has("`nope` is not a branch, tag or commit of catalog");
    init("e", "--upload-pack=x").code(2);
    env.ispo(&[
        "init",
        "e",
        "--catalog",
        repo.path(),
        "--ref=-x",
        "--defaults",
    ])
    .code(4)
    .stderr_has("`-x` is not a valid branch");
    init("e", "a..b")
        .code(4)
        .stderr_has("`a..b` is not a valid branch, tag or commit id");
    assert!(!env.exists("d") && !env.exists("e"));
}

#[test]
fn subdir_points_into_a_larger_repository() {
    let env = Env::new();
    let files: Vec<(String, &str)> = fixture()
        .into_iter()
        .map(|(p, c)| (format!("catalogs/main/{p}"), c))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), *c)).collect();
    let repo = CatalogRepo::new(env.path("monorepo"), &refs);
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--subdir",
        "catalogs/main",
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .ok();
    assert!(env
        .read("kit/.ispo/state.toml")
        .contains("subdir = \"catalogs/main\""));
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        repo.path(),
        "--subdir",
        "../x",
        "--defaults",
    ])
    .code(4)
    .stderr_has("without `..`");
    env.ispo(&["init", "kit2", "--catalog", repo.path(), "--defaults", "--set", "company=Acme"])
        .code(1)
        .stderr_has("catalog.toml: missing: a catalog needs a catalog.toml manifest at its root (is --subdir right?)");
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        repo.path(),
        "--subdir",
        "catalogs/none",
        "--defaults",
    ])
    .code(1)
    .stderr_has("the catalog has no folder `catalogs/none`");
}

#[test]
fn dangerous_catalog_locations_are_refused() {
    let env = Env::new();
    for (loc, code, why) in [
        ("ext::sh -c touch% /tmp/pwned", 4, "remote helper"),
        ("fd::17", 4, "remote helper"),
        (
            "gopher://example.com/x",
            4,
            "scheme `gopher://` is not allowed",
        ),
        ("https:///x", 2, "has no host"),
        ("ssh://-oProxyCommand=x/y", 4, "host starting with `-`"),
    ] {
        env.ispo(&["init", "kit", "--catalog", loc, "--defaults"])
            .code(code)
            .stderr_has(why);
    }
    env.ispo(&["init", "kit", "--catalog=-bad", "--defaults"])
        .code(4)
        .stderr_has("starts with `-`");
    assert!(!env.exists("kit"));
}

#[test]
fn a_plain_folder_is_read_from_disk() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("plain/{p}"), c);
    }
    env.init_kit("plain", &[]).ok();
    assert!(env
        .read("kit/.ispo/state.toml")
        .contains("commit = \"sha256:"));
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        "plain",
        "--ref",
        "main",
        "--defaults",
    ])
    .code(2)
    .stderr_has("--ref needs a git repository");
    std::os::unix::fs::symlink(
        "/etc/passwd",
        env.path("plain/modules/charter/files/leak.md"),
    )
    .unwrap();
    env.ispo(&[
        "init",
        "kit3",
        "--catalog",
        "plain",
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .code(4)
    .stderr_has("catalog file `modules/charter/files/leak.md` is a symlink");
    assert!(!env.exists("kit3"));
}

#[test]
fn symlinks_and_submodules_in_a_git_catalog_are_refused() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    std::os::unix::fs::symlink(
        "/etc/passwd",
        repo.dir.join("modules/charter/files/leak.md"),
    )
    .unwrap();
    repo.commit(&[], "add symlink");
    env.init_kit(repo.path(), &[])
        .code(4)
        .stderr_has("catalog file `modules/charter/files/leak.md` is a symlink");
    assert!(!env.exists("kit"));
}

#[test]
fn a_catalog_needing_a_newer_ispo_or_format_says_so() {
    let env = Env::new();
    let mut files = fixture();
    files[0] = (
        "catalog.toml",
        "[catalog]\nname = \"x\"\nversion = \"1\"\nformat = 1\nmin_ispo = \"99.0\"\n",
    );
    let repo = CatalogRepo::new(env.path("c1"), &files);
    env.ispo(&["init", "kit", "--catalog", repo.path(), "--defaults"])
        .code(1)
        .stderr_has("catalog.toml:5:12: this catalog needs ispo 99.0 or newer");
    files[0] = (
        "catalog.toml",
        "[catalog]\nname = \"x\"\nversion = \"1\"\nformat = 7\n",
    );
    let repo = CatalogRepo::new(env.path("c2"), &files);
    env.ispo(&["init", "kit", "--catalog", repo.path(), "--defaults"])
        .code(1)
        .stderr_has("catalog.toml:4:10: catalog format 7 is not supported");
}

/// A server that accepts connections and then behaves badly.
fn bad_server(behaviour: fn(std::net::TcpStream)) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || behaviour(stream));
        }
    });
    port
}

/// Runs an init against a server that accepts and then says nothing, and
/// checks that ispo gives up after ISPO_NETWORK_TIMEOUT, not after the server.
fn gives_up_on_a_silent_server(url_for: fn(u16) -> String) {
    let env = Env::new();
    let port = bad_server(|s| {
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(s);
    });
    let url = url_for(port);
    let start = std::time::Instant::now();
    env.ispo_with(
        &["init", "kit", "--catalog", &url, "--defaults"],
        &[("ISPO_NETWORK_TIMEOUT", "2")],
    )
    .code(1)
    .stderr_has(&format!("cannot fetch the catalog from `{url}`"))
    .stderr_has("no answer from the server");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert!(!env.exists("kit"));
}

#[test]
fn a_stalled_server_times_out_instead_of_hanging() {
    gives_up_on_a_silent_server(|port| format!("git://127.0.0.1:{port}/catalog.git"));
}

#[test]
fn a_stalled_ssh_server_times_out_instead_of_hanging() {
    // git hands ssh URLs to an ssh process of its own, which holds git's
    // stderr open; stopping git must not leave ispo waiting for it.
    gives_up_on_a_silent_server(|port| format!("ssh://git@127.0.0.1:{port}/catalog.git"));
}

#[test]
fn a_connection_cut_mid_fetch_leaves_the_cache_usable() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    std::fs::create_dir_all(env.path("served")).unwrap();
    git(
        &env.path("served"),
        &["clone", "-q", "--bare", repo.path(), "catalog.git"],
    );
    let daemon = GitDaemon::start(&env.path("served"));
    let url = daemon.url("catalog.git");
    env.init_kit(&url, &["-q"]).ok();
    drop(daemon);
    // Same URL, now served by something that answers with half a packet and hangs up.
    let port: u16 = url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port));
    let Ok(listener) = listener else { return }; // the port was taken meanwhile: nothing to test
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"00a4");
        }
    });
    env.ispo_with(
        &[
            "init",
            "kit2",
            "--catalog",
            &url,
            "--defaults",
            "--set",
            "company=Acme",
        ],
        &[("ISPO_NETWORK_TIMEOUT", "3")],
    )
    .code(1)
    .stderr_has("re-run with --offline");
    assert!(!env.exists("kit2"));
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        &url,
        "--offline",
        "--defaults",
        "--set",
        "company=Acme",
        "-q",
    ])
    .ok();
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        env.read("kit2/program/CHARTER.md")
    );
}

#[test]
fn uncommitted_catalog_changes_are_warned_about_once_by_every_command() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write(
        "catalog/modules/charter/files/program/NEW.md",
        "not committed\n",
    );
    let warning =
        "the catalog repository has 1 uncommitted change(s); ispo reads committed content only";
    let once = |run: &Run| {
        assert_eq!(run.stderr.matches(warning).count(), 1, "{}", run.stderr);
    };
    once(env.init_kit(repo.path(), &[]).ok());
    assert!(!env.exists("kit/program/NEW.md"));
    // A no-op update reads no catalog file and still warns; an uncommitted
    // edit in the kit is no reason to stop when nothing is written.
    git(&env.path("kit"), &["init", "-q"]);
    git(&env.path("kit"), &["add", "-A"]);
    git(&env.path("kit"), &["commit", "-qm", "kit"]);
    env.write("kit/program/CHARTER.md", "edited, not committed\n");
    once(env.ispo(&["update", "kit"]).ok().stderr_has("up to date"));
    once(env.ispo(&["check", "kit"]).ok());
    // Once committed, the file arrives and nothing is said.
    git(&env.path("catalog"), &["add", "-A"]);
    git(&env.path("catalog"), &["commit", "-qm", "new file"]);
    let run = env.ispo(&["update", "kit", "--allow-dirty"]);
    run.ok();
    assert!(!run.stderr.contains("uncommitted change"), "{}", run.stderr);
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        "edited, not committed\n"
    );
}

/// A git catalog with ignore rules (`*.local` and `build/` in a tracked
/// `.gitignore`, `*.draft` and a private `private/.gitignore` in
/// `info/exclude`, `*.dot` in the global ignore file, a symlink into a
/// dotfiles folder) and ignored files on disk, and a kit made from it, once
/// its catalog check has kept a fingerprint of the clean work tree (see
/// `status_stamps`) and the next check asked git nothing.
fn fingerprinted() -> (Env, std::path::PathBuf) {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let catalog = env.path("catalog");
    env.write("catalog/.gitignore", "*.local\nbuild/\n");
    env.write("catalog/notes.draft", "ignored by info/exclude\n");
    env.write("catalog/build/out.txt", "ignored folder\n");
    env.write("catalog/private/.gitignore", "*.log\n");
    env.write("catalog/private/a.log", "ignored by a private rule\n");
    env.write("catalog/private/keep.md", "tracked\n");
    env.write("catalog/global.dot", "ignored by the global rule\n");
    env.write("dotfiles/ignore", "*.dot\n");
    std::fs::create_dir_all(env.path("home/.config/git")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        env.path("dotfiles/ignore"),
        env.path("home/.config/git/ignore"),
    )
    .unwrap();
    std::fs::write(
        catalog.join(".git/info/exclude"),
        "*.draft\nprivate/.gitignore\n",
    )
    .unwrap();
    git(&catalog, &["add", ".gitignore", "private/keep.md"]);
    git(&catalog, &["commit", "-qm", "ignore rules"]);
    git(&catalog, &["status", "-s"]);
    env.init_kit(repo.path(), &[]).ok();
    // Stamps from the last two seconds are not trusted: wait them out.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let run = env.ispo(&["check", "kit", "-v"]);
    assert!(!run.stderr.contains("uncommitted"), "{}", run.stderr);
    run.stderr_has("catalog status: git asked about every file");
    let kept = env.cache().join("status");
    assert_eq!(
        std::fs::read_dir(&kept).unwrap().count(),
        1,
        "a fingerprint is kept"
    );
    let run = env.ispo(&["check", "kit", "-v"]);
    assert!(!run.stderr.contains("uncommitted"), "{}", run.stderr);
    run.stderr_has("catalog status: clean fingerprint holds, git not asked");
    (env, catalog)
}

fn warned(env: &Env, n: usize) {
    env.ispo(&["check", "kit"]).stderr_has(&format!(
        "the catalog repository has {n} uncommitted change(s)"
    ));
}

#[test]
fn after_a_clean_fingerprint_a_new_file_is_counted_and_one_in_an_ignored_folder_is_not() {
    let (env, _) = fingerprinted();
    env.write("catalog/build/more.txt", "ignored\n");
    let run = env.ispo(&["check", "kit", "-v"]);
    assert!(!run.stderr.contains("uncommitted"), "{}", run.stderr);
    run.stderr_has("catalog status: clean fingerprint holds, git not asked");
    env.write("catalog/modules/charter/files/program/NEW.md", "new\n");
    warned(&env, 1);
}

#[test]
fn after_a_clean_fingerprint_an_edit_that_keeps_size_and_mtime_is_counted() {
    // Git sees such an edit by its ctime, and so must the fingerprint.
    let (env, catalog) = fingerprinted();
    let charter = catalog.join("modules/charter/module.toml");
    let before = std::fs::metadata(&charter).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&charter).unwrap();
    std::fs::write(&charter, text.replacen("charter", "CHARTER", 1)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&charter)
        .unwrap()
        .set_modified(before)
        .unwrap();
    env.ispo(&["check", "kit", "-v"])
        .stderr_has("the catalog repository has 1 uncommitted change(s)")
        .stderr_has("catalog status: fingerprint holds, git asked about tracked files");
}

#[test]
fn after_a_clean_fingerprint_a_dropped_ignore_rule_is_counted() {
    let (env, catalog) = fingerprinted();
    std::fs::write(catalog.join(".git/info/exclude"), "private/.gitignore\n").unwrap();
    warned(&env, 1);
}

#[test]
fn after_a_clean_fingerprint_an_ignored_ignore_file_emptied_is_counted() {
    // Git reads `private/.gitignore` though it ignores it.
    let (env, catalog) = fingerprinted();
    std::fs::write(catalog.join("private/.gitignore"), "").unwrap();
    warned(&env, 1);
}

#[cfg(unix)]
#[test]
fn after_a_clean_fingerprint_a_global_rule_changed_through_a_symlink_is_counted() {
    let (env, _) = fingerprinted();
    std::fs::write(env.path("dotfiles/ignore"), "").unwrap();
    warned(&env, 1);
}

#[test]
fn after_a_clean_fingerprint_a_file_taken_out_of_the_index_is_counted_twice() {
    // Deleted from the index, and untracked on disk.
    let (env, catalog) = fingerprinted();
    git(
        &catalog,
        &["rm", "-q", "--cached", "modules/charter/module.toml"],
    );
    warned(&env, 2);
}
