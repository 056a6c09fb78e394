//! Hostile and broken inputs, one fixture folder each under `tests/hostile/`.
//!
//! Every case is a real catalog (the fixture catalog with the case's
//! `catalog/` files laid over it, committed to a git repository), run through
//! the real binary. Each must end with the exit code and message its
//! `case.toml` names, and a snapshot of the whole test directory (the
//! destination's parent, a canary file beside it, the kit itself for updates)
//! must be identical before and after: nothing read, written or half-written.
//! See `tests/hostile/README.md` for the case format.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use serde::Deserialize;

use crate::support::*;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the input tries, in one line (documentation only).
    #[allow(dead_code)]
    summary: String,
    /// The item of the hardening issue it checks (documentation only).
    #[allow(dead_code)]
    item: u8,
    /// `init` (default), or `update`: a kit is made from the plain fixture
    /// first, then the overlay is committed as the next catalog version.
    #[serde(default = "default_stage")]
    stage: String,
    /// `fixture` (default): the overlay lies over the fixture catalog;
    /// `none`: the catalog is the overlay alone.
    #[serde(default = "default_base")]
    base: String,
    /// The arguments; `@CATALOG@` and `@ENV@` are replaced.
    run: Option<Vec<String>>,
    code: i32,
    /// Every string must appear in stderr.
    stderr: Vec<String>,
    #[serde(default)]
    symlinks: Vec<Link>,
    /// Submodule (gitlink) entries added to the catalog's tree.
    #[serde(default)]
    gitlinks: Vec<String>,
    /// Generated files too large to keep in the repository.
    #[serde(default)]
    large: Vec<Large>,
    #[serde(default)]
    many: Option<Many>,
    /// Symlinks made in the test directory before the run (relative to it),
    /// replacing any file there.
    #[serde(default)]
    dest_symlinks: Vec<Link>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Link {
    path: String,
    target: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Large {
    path: String,
    bytes: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Many {
    under: String,
    count: usize,
}

fn default_stage() -> String {
    "init".into()
}

fn default_base() -> String {
    "fixture".into()
}

const INIT: &[&str] = &[
    "init",
    "kit",
    "--catalog",
    "@CATALOG@",
    "--defaults",
    "--set",
    "company=Acme",
];

/// Runs one case folder and checks everything its `case.toml` promises.
fn check(name: &str) {
    let dir = Path::new(ROOT).join(name);
    let case: Case = toml::from_str(
        &std::fs::read_to_string(dir.join("case.toml")).unwrap_or_else(|e| panic!("{name}: {e}")),
    )
    .unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
    let env = Env::new();
    let env_dir = env
        .path("")
        .to_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let catalog = env.path("catalog");
    env.write("canary.txt", "untouched\n");
    let base = match case.base.as_str() {
        "fixture" => fixture(),
        "none" => Vec::new(),
        other => panic!("{name}: unknown base {other}"),
    };
    let overlay = overlay(&dir.join("catalog"), &env_dir);
    let repo = if case.stage == "update" {
        let repo = CatalogRepo::new(catalog.clone(), &base);
        let catalog_arg = repo.path().to_string();
        let args = substitute(INIT, &catalog_arg, &env_dir);
        env.ispo(&args.iter().map(String::as_str).collect::<Vec<_>>())
            .ok();
        repo
    } else {
        std::fs::create_dir_all(&catalog).unwrap();
        git(&catalog, &["init", "-q", "-b", "main"]);
        for (rel, content) in &base {
            write(&catalog.join(rel), content.as_bytes());
        }
        CatalogRepo { dir: catalog }
    };
    for (rel, content) in &overlay {
        write(&repo.dir.join(rel), content);
    }
    for link in &case.symlinks {
        let p = repo.dir.join(&link.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(link.target.replace("@ENV@", &env_dir), p).unwrap();
    }
    for big in &case.large {
        write(&repo.dir.join(&big.path), &vec![b'x'; big.bytes]);
    }
    if let Some(many) = &case.many {
        for i in 0..many.count {
            write(&repo.dir.join(&many.under).join(format!("f{i}.md")), b"x\n");
        }
    }
    git(&repo.dir, &["add", "-A"]);
    for path in &case.gitlinks {
        git(
            &repo.dir,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{},{path}", "1".repeat(40)),
            ],
        );
    }
    git(&repo.dir, &["commit", "-q", "--allow-empty", "-m", name]);
    copy_overlay(&dir.join("env"), &env.path(""), &env_dir);
    for link in &case.dest_symlinks {
        let p = env.path(&link.path);
        if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            let _ = std::fs::remove_file(&p);
        }
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(link.target.replace("@ENV@", &env_dir), p).unwrap();
    }

    let default_run = if case.stage == "update" {
        vec!["update", "kit"]
    } else {
        INIT.to_vec()
    };
    let run: Vec<String> = match &case.run {
        Some(run) => run.clone(),
        None => default_run.iter().map(|s| s.to_string()).collect(),
    };
    let run: Vec<&str> = run.iter().map(String::as_str).collect();
    let args = substitute(&run, repo.path(), &env_dir);

    let before = snapshot(&env.path(""));
    let out = env.ispo(&args.iter().map(String::as_str).collect::<Vec<_>>());
    // Shown with --nocapture, to read every message at once.
    eprintln!("== {name}\n{}", out.stderr);
    out.code(case.code);
    for needle in &case.stderr {
        out.stderr_has(&needle.replace("@ENV@", &env_dir));
    }
    assert!(
        !out.stderr.contains("panicked"),
        "{name}: ispo panicked\n{}",
        out.stderr
    );
    let after = snapshot(&env.path(""));
    assert_eq!(
        before, after,
        "{name}: files changed in or beside the destination"
    );
}

fn substitute(args: &[&str], catalog: &str, env_dir: &str) -> Vec<String> {
    args.iter()
        .map(|a| a.replace("@CATALOG@", catalog).replace("@ENV@", env_dir))
        .collect()
}

/// The case's files, with `@ENV@` replaced by the test directory.
fn overlay(dir: &Path, env_dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    if dir.is_dir() {
        collect(dir, dir, &mut files);
    }
    files
        .into_iter()
        .map(|(rel, bytes)| {
            let bytes = match String::from_utf8(bytes) {
                Ok(text) => text.replace("@ENV@", env_dir).into_bytes(),
                Err(e) => e.into_bytes(),
            };
            (rel, bytes)
        })
        .collect()
}

fn copy_overlay(from: &Path, to: &Path, env_dir: &str) {
    for (rel, bytes) in overlay(from, env_dir) {
        write(&to.join(rel), &bytes);
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            out.push((rel, std::fs::read(&p).unwrap()));
        }
    }
}

fn write(path: &PathBuf, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Every entry under `root` except ispo's cache: kind, mode and content, with
/// symlinks recorded by target and never followed.
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        use std::os::unix::fs::PermissionsExt;
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            // The cache is ispo's to change; `.ispo/lock` is the empty file
            // `update` locks, kept on purpose (deleting a lock file on exit
            // races with a process waiting for it).
            if rel == "cache" || rel == "kit/.ispo/lock" {
                continue;
            }
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("symlink -> {}", target.display()));
            } else if meta.is_dir() {
                out.insert(rel.clone(), format!("dir {mode:o}"));
                walk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let text = if bytes.len() > 4096 {
                    format!("{} bytes", bytes.len())
                } else {
                    String::from_utf8_lossy(&bytes).into_owned()
                };
                out.insert(rel, format!("file {mode:o}\n{text}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(&stringify!($name).replace('_', "-"));
            }
        )*

        /// A case folder without a test would be silently skipped.
        #[test]
        fn every_case_folder_has_a_test() {
            let listed: Vec<String> = vec![$(stringify!($name).replace('_', "-")),*];
            let mut folders: Vec<String> = std::fs::read_dir(ROOT)
                .unwrap()
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            folders.sort();
            let mut listed_sorted = listed.clone();
            listed_sorted.sort();
            assert_eq!(folders, listed_sorted);
        }
    };
}

cases!(
    answer_absolute_path,
    answer_climbs_out,
    answer_control_character,
    answers_malformed,
    answers_not_in_choices,
    answers_out_of_range,
    answers_pattern_mismatch,
    answers_wrong_type,
    catalog_bidi_override,
    catalog_empty,
    catalog_hooks_folder,
    catalog_needs_newer_ispo,
    catalog_newer_format,
    catalog_no_modules,
    catalog_submodule,
    catalog_symlink_file,
    catalog_symlink_folder,
    catalog_tasks_key,
    catalog_terminal_escape,
    catalog_toml_malformed,
    condition_syntax_error,
    condition_unknown_question,
    condition_with_escapes,
    destination_symlinked_file,
    destination_symlinked_folder,
    module_command_key,
    module_unknown_key,
    output_absolute,
    output_backslash,
    output_case_collision,
    output_control_character,
    output_drive_letter,
    output_escapes_with_dotdot,
    output_into_git,
    output_into_git_lookalike,
    output_into_git_trailing_dot,
    output_into_nested_git,
    output_into_state,
    output_invisible_character,
    output_name_too_long,
    output_replaces_kit_readme,
    output_trailing_dot,
    output_unicode_collision,
    output_windows_device,
    partial_computed_name,
    partial_cycle,
    partial_inline,
    partial_outside_catalog,
    partial_self_include,
    partials_doubling_forty_deep,
    question_wrong_type,
    ref_invalid_name,
    ref_option_injection,
    state_malformed,
    state_newer_format,
    state_nonsense,
    template_crossed_blocks,
    template_deep_nesting,
    template_nested_loops,
    template_syntax_error,
    template_too_large,
    too_many_files,
    update_broken_catalog,
    update_hostile_catalog,
    update_kit_file_symlinked,
    update_state_folder_symlinked,
    url_control_character,
    url_empty_host,
    url_ext_transport,
    url_fd_transport,
    url_option_injection,
    url_unknown_scheme,
);
