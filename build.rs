//! Embeds `catalog/` (the built-in default catalog) into the binary, and
//! names what the binary was built from for `ispo --version`: the git
//! commit (`ISPO_BUILD_COMMIT` overrides it; `unknown` outside git, as in a
//! published crate) and the built-in catalog's version.
//!
//! Generates a table of `(path, bytes)` with `include_bytes!`, and asks cargo to
//! rebuild whenever a catalog file or folder changes. A missing catalog is a
//! build error: an ispo without its catalog would be useless.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("catalog");
    let mut files = Vec::new();
    if !root.join("catalog.toml").is_file() {
        panic!(
            "the built-in catalog is missing: {} has no catalog.toml (a crate package must include catalog/)",
            root.display()
        );
    }
    walk(&root, &root, &mut files);
    files.sort();
    version_info(&root);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::from("/// The built-in catalog: `(path relative to catalog/, bytes)`.\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    out.push_str("/// Files committed as executable (scripts), `/`-separated, relative to catalog/.\npub static EXECUTABLE: &[&str] = &[\n");
    for rel in executable(&root, &files) {
        out.push_str(&format!("    {rel:?},\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_catalog.rs");
    fs::write(dest, out).expect("write builtin_catalog.rs");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read catalog dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let ty = entry.file_type().expect("file type");
        println!("cargo:rerun-if-changed={}", path.display());
        if ty.is_dir() {
            walk(root, &path, files);
        } else if ty.is_file() {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((rel, path));
        }
    }
}

/// `ISPO_COMMIT` and `ISPO_BUILTIN_CATALOG_VERSION` for `--version`.
fn version_info(catalog: &Path) {
    let manifest = fs::read_to_string(catalog.join("catalog.toml")).expect("read catalog.toml");
    let version = manifest
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("version"))
        .and_then(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ISPO_BUILTIN_CATALOG_VERSION={version}");
    println!("cargo:rerun-if-env-changed=ISPO_BUILD_COMMIT");
    let dir = catalog.parent().expect("catalog/ has a parent");
    for watched in git_files_naming_head(dir) {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    let commit = std::env::var("ISPO_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(dir, &["rev-parse", "--short=12", "HEAD"]));
    println!(
        "cargo:rustc-env=ISPO_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}

/// The files whose change moves `HEAD`: `HEAD` itself, the branch it names
/// and `packed-refs`, asked of git so that a worktree or a separate git dir
/// (where `.git` is a file, or absent) is watched as well as a plain clone;
/// otherwise a binary built there keeps naming the commit of its first build.
fn git_files_naming_head(dir: &Path) -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    names
        .iter()
        .filter_map(|name| {
            git(
                dir,
                &["rev-parse", "--path-format=absolute", "--git-path", name],
            )
        })
        .map(PathBuf::from)
        // cargo re-runs a script on every build while a watched path is
        // missing; packed-refs or a loose ref may legitimately not exist.
        .filter(|p| p.exists())
        .collect()
}

/// What a git command prints in `dir`, trimmed; `None` when git is missing,
/// fails or prints nothing (outside git, as in a published crate).
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The catalog files marked executable: as git records them (so a build on
/// Windows, where files have no such bit, agrees), else by the file's mode.
fn executable(root: &Path, files: &[(String, PathBuf)]) -> Vec<String> {
    let staged = std::process::Command::new("git")
        .args(["ls-files", "--stage", "--", "."])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    if let Some(o) = staged {
        return String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| {
                let (meta, path) = l.split_once('\t')?;
                meta.starts_with("100755").then(|| path.to_string())
            })
            .filter(|p| files.iter().any(|(rel, _)| rel == p))
            .collect();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        files
            .iter()
            .filter(|(_, abs)| fs::metadata(abs).is_ok_and(|m| m.permissions().mode() & 0o111 != 0))
            .map(|(rel, _)| rel.clone())
            .collect()
    }
    #[cfg(not(unix))]
    {
        Vec::new()
    }
}
