//! Validation of kit-relative output paths, before anything is written.
//!
//! A rendered path comes from catalog content and answers, so it is untrusted:
//! every component is checked on every OS, so a kit made on Linux also checks
//! out on Windows and macOS, and nothing can land outside the kit or in
//! ispo's own state.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::Result;

use unicode_normalization::UnicodeNormalization;

/// Paths ispo writes itself; catalogs may not produce them.
/// The kit's own names: its answers file, its state folder and the suffix
/// of a new render kept beside the user's file. Everything that names them
/// takes them from here.
pub const ANSWERS_FILE: &str = "ispo-answers.toml";
pub const STATE_DIR: &str = ".ispo";
pub const STATE_FILE: &str = ".ispo/state.toml";
/// Suffix of the file that holds the new render when the local file is kept.
pub const SIDECAR: &str = ".ispo-new";

pub const RESERVED: &[&str] = &["README.md", "SOURCES.md", ANSWERS_FILE];

const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Checks one kit-relative path (with `/` separators). Returns why it is unsafe.
pub fn check(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.len() > 1024 {
        return Err("the path is longer than 1024 bytes".into());
    }
    if path.starts_with('/') || path.starts_with('\\') {
        return Err("the path is absolute".into());
    }
    if path.contains('\\') {
        return Err("the path contains `\\`".into());
    }
    let components: Vec<&str> = path.split('/').collect();
    if components.len() > 32 {
        return Err("the path is nested more than 32 folders deep".into());
    }
    for (i, c) in components.iter().enumerate() {
        check_component(c).map_err(|e| format!("component `{c}` {e}"))?;
        if i == 0 && c.len() == 2 && c.ends_with(':') {
            return Err("the path starts with a drive letter".into());
        }
    }
    let first = components[0].to_lowercase();
    let first_folded: String = first.chars().filter(|c| !is_invisible(*c)).collect();
    if first_folded.trim_end_matches(['.', ' ']) == ".git" || first_folded == "git~1" {
        return Err("the path goes into `.git`".into());
    }
    if components.iter().any(|c| c.eq_ignore_ascii_case(".git")) {
        return Err("the path goes into a `.git` folder".into());
    }
    if first == ".ispo" {
        return Err("the path goes into ispo's own state folder `.ispo`".into());
    }
    if path.ends_with(SIDECAR) || components.last().is_some_and(|c| c.contains(".ispo-new-")) {
        return Err(
            "`.ispo-new` files are where `ispo update` puts new versions beside yours".into(),
        );
    }
    if components.len() == 1
        && RESERVED
            .iter()
            .any(|r| r.eq_ignore_ascii_case(components[0]))
    {
        return Err(format!("`{}` is written by ispo itself", components[0]));
    }
    Ok(())
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

fn check_component(c: &str) -> Result<(), String> {
    if c.is_empty() {
        return Err("is empty (a doubled `/` or a value that rendered empty)".into());
    }
    if c == "." || c == ".." {
        return Err("is a relative step".into());
    }
    if c.len() > 255 {
        return Err("is longer than 255 bytes".into());
    }
    if let Some(bad) = c
        .chars()
        .find(|ch| ch.is_control() || matches!(ch, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
    {
        return Err(format!(
            "contains the character {bad:?}, which is not portable"
        ));
    }
    if c.ends_with('.') || c.ends_with(' ') {
        return Err("ends with a dot or a space, which Windows drops".into());
    }
    let stem = c.split('.').next().unwrap_or(c).trim_end().to_lowercase();
    if WINDOWS_RESERVED.contains(&stem.as_str()) {
        return Err("is a reserved device name on Windows".into());
    }
    if c.chars().any(is_invisible) {
        return Err("contains an invisible character".into());
    }
    Ok(())
}

/// Checks a path the kit tracks: like `check`, but ispo's own generated
/// files (README.md, SOURCES.md) are allowed.
pub fn check_tracked(path: &str) -> Result<(), String> {
    if RESERVED.contains(&path) && path != ANSWERS_FILE {
        return Ok(());
    }
    check(path)
}

/// The key two paths share when they would be the same file on a
/// case-insensitive or normalising file system.
pub fn fold(path: &str) -> String {
    // ASCII is its own normal form: only its case folds (most kit paths).
    if path.is_ascii() {
        return path.to_ascii_lowercase();
    }
    path.nfc().collect::<String>().to_lowercase()
}

/// Finds outputs that collide on some file system: same folded path, or a
/// path that is a file for one output and a folder for another.
/// `owners` maps each path to who produced it (module id).
pub fn collisions(owners: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut folded: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    let mut keys = Vec::with_capacity(owners.len());
    for (path, owner) in owners {
        let key = fold(path);
        if let Some((other_path, other_owner)) = folded.insert(key.clone(), (path, owner)) {
            problems.push(format!(
                "`{path}` (module {owner}) and `{other_path}` (module {other_owner}) are the same file on case-insensitive or Unicode-normalising file systems"
            ));
        }
        keys.push(key);
    }
    // A folder's folded path is its file's folded path cut at a `/`:
    // folding never joins or splits around one.
    for ((path, owner), key) in owners.iter().zip(&keys) {
        for (end, _) in key.match_indices('/') {
            if let Some((other_path, other_owner)) = folded.get(&key[..end]) {
                problems.push(format!(
                    "`{other_path}` (module {other_owner}) is a file, but module {owner} needs it to be a folder for `{path}`"
                ));
            }
        }
    }
    problems
}

/// Refuses to write through a symlink: every existing ancestor of `rel`
/// inside `root`, and `rel` itself, must be a real folder or file.
pub fn check_no_symlinks(root: &Path, rel: &str) -> Result<()> {
    let mut current = root.to_path_buf();
    for part in rel.split('/') {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)
                    .map(|t| t.display().to_string())
                    .unwrap_or_else(|_| "?".into());
                return Err(crate::error::Failure::Refused(format!(
                    "`{}` is a symlink (to `{target}`); ispo does not write through symlinks",
                    current.display()
                ))
                .into());
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The fast path folds ASCII as the full rule does, and a folder's
        /// folded path is its file's folded path cut at a `/`.
        #[test]
        fn folding_is_the_rule_and_keeps_folders(parts in proptest::collection::vec("[a-zA-Z0-9._ -]{0,4}|\\PC{0,4}|[ÅåA\u{30A}ẞß\u{130}İI]{1,3}", 1..5)) {
            let parts: Vec<String> = parts.iter().map(|p| p.replace('/', "")).collect();
            let path = parts.join("/");
            proptest::prop_assert_eq!(fold(&path), path.nfc().collect::<String>().to_lowercase());
            let key = fold(&path);
            let cuts: Vec<usize> = key.match_indices('/').map(|(i, _)| i).collect();
            for (n, end) in cuts.iter().enumerate() {
                proptest::prop_assert_eq!(&key[..*end], fold(&parts[..=n].join("/")));
            }
        }
    }

    use super::*;

    #[test]
    fn accepts_ordinary_paths() {
        for ok in [
            "program/CHARTER.md",
            ".github/workflows/x.yml",
            "project-template/.gitlab/CODEOWNERS",
            "a b/c-d_e.md",
        ] {
            assert!(check(ok).is_ok(), "{ok}: {:?}", check(ok));
        }
    }

    #[test]
    fn rejects_every_unsafe_form() {
        let cases = [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("\\\\host\\share", "absolute"),
            ("a\\b", "`\\`"),
            ("../x", "relative step"),
            ("a/../../x", "relative step"),
            ("a//b", "is empty"),
            ("./a", "relative step"),
            ("C:/x", "not portable"),
            ("a/b\u{0}c", "not portable"),
            ("a/b\nc", "not portable"),
            ("CON", "reserved device"),
            ("docs/lpt1.txt", "reserved device"),
            ("name.", "ends with a dot"),
            ("name ", "ends with a dot or a space"),
            (".git/hooks/pre-commit", ".git"),
            (".GIT/config", ".git"),
            (".git./config", "ends with a dot"),
            ("git~1/config", ".git"),
            ("sub/.git/config", ".git"),
            (".ispo/state.toml", "state folder"),
            ("README.md", "written by ispo"),
            ("ispo-answers.toml", "written by ispo"),
            ("a\u{200b}b", "invisible"),
        ];
        for (path, why) in cases {
            let err = check(path).expect_err(path);
            assert!(err.contains(why), "{path:?}: {err}");
        }
        assert!(check(&"a".repeat(256)).unwrap_err().contains("255"));
    }

    #[test]
    fn finds_case_unicode_and_file_folder_collisions() {
        let owners = BTreeMap::from([
            ("README-x.md".to_string(), "a".to_string()),
            ("readme-X.md".to_string(), "b".to_string()),
            ("caf\u{e9}.md".to_string(), "c".to_string()),
            ("cafe\u{301}.md".to_string(), "d".to_string()),
            ("docs".to_string(), "e".to_string()),
            ("docs/x.md".to_string(), "f".to_string()),
        ]);
        let problems = collisions(&owners);
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert!(problems
            .iter()
            .any(|p| p.contains("module a") && p.contains("module b")));
        assert!(problems
            .iter()
            .any(|p| p.contains("module c") || p.contains("module d")));
        assert!(problems
            .iter()
            .any(|p| p.contains("module e") && p.contains("module f")));
    }
}
