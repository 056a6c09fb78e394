//! A catalog repository's version tags (`v0.3.0`, `1.2`, `v2`), in version
//! order: which ref a kit follows, and which release tags are newer.
//!
//! Only tags that read as a version count; pre-releases (`v1.0.0-rc1`) are
//! never offered as newer, since a kit owner did not ask for one.

use std::path::Path;

use git2::Repository;

use crate::version;

/// A release version from a tag name, or `None` for other tags and pre-releases.
fn release(name: &str) -> Option<(u64, u64, u64)> {
    let core = name.trim_start_matches('v');
    if core.contains('-') {
        return None;
    }
    version::parse(core)
}

/// Whether `name` is a tag of the repository at `git_dir`.
pub fn is_tag(git_dir: &Path, name: &str) -> bool {
    Repository::open(git_dir)
        .is_ok_and(|repo| repo.find_reference(&format!("refs/tags/{name}")).is_ok())
}

/// The release tags newer than the version tag `current`, oldest first (so
/// the last is the newest). Empty when `current` is not a version tag.
pub fn newer(git_dir: &Path, current: &str) -> Vec<String> {
    let Some(from) = version::parse(current) else {
        return Vec::new();
    };
    let Ok(repo) = Repository::open(git_dir) else {
        return Vec::new();
    };
    let Ok(names) = repo.tag_names(None) else {
        return Vec::new();
    };
    let mut found: Vec<((u64, u64, u64), String)> = names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|n| release(n).map(|v| (v, n.to_string())))
        .filter(|(v, _)| *v > from)
        .collect();
    // `v2` and `v2.0.0` are one version: keep the longer, clearer name.
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.len().cmp(&b.1.len())));
    let mut out: Vec<String> = Vec::new();
    let mut last = None;
    for (v, name) in found {
        if last == Some(v) {
            out.pop();
        }
        last = Some(v);
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn release_tags_only() {
        assert_eq!(super::release("v0.4.0"), Some((0, 4, 0)));
        assert_eq!(super::release("v3"), Some((3, 0, 0)));
        assert_eq!(super::release("v1.0.0-rc1"), None);
        assert_eq!(super::release("stable"), None);
    }
}
