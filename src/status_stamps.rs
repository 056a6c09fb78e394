//! A catalog work tree's fingerprint for git's status: the stamps of its
//! folders, of every file that decides what git ignores, and (when git
//! found nothing to report) of every file. While the stamps hold, no file
//! can have appeared, and the catalog check asks git about tracked files
//! only, or, for a tree git found clean, not at all.
//!
//! Git finds untracked files by reading every folder of the work tree
//! (1,925 of them at 640 modules: ~15 of the ~21 ms of its status). A file
//! created, removed or renamed in a folder changes that folder's mtime, the
//! rule git's own untracked cache rests on (`core.untrackedCache`, which
//! lives in the user's index and which ispo does not turn on for them). A
//! file's content changes its mtime and ctime, the rule git's index rests
//! on. What git ignores is decided by the `.gitignore` files,
//! `info/exclude`, the excludes file and the config naming it: their stamps
//! are kept too, and so are the index's (a path leaving it becomes
//! untracked in place), the commit `HEAD` names, and the environment git
//! reads its configuration from (every config file git lists, the files
//! they include, the system and global ones whether or not they exist; a
//! rule file is stamped through a symlink, as git reads it). Nothing
//! changed within two seconds of git's status is trusted: a change in the
//! same tick of the clock would leave a stamp as it was (git's "racily
//! clean" files). A tree holding a submodule or another repository is
//! never fingerprinted (their state is in git folders of their own), and
//! neither is any tree on Windows (`dirty_check`), whose folders have no
//! ctime or inode. A network file system whose server clock runs more than
//! two seconds behind, or whose client caches folder attributes, can defeat
//! the rule; `rm -r` of `$ISPO_CACHE_DIR/status/` turns it off until the
//! next clean status.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped whenever what a fingerprint records changes.
const FORMAT: u32 = 1;

/// A folder or file changed this close to git's status may change again
/// within the same tick of its file system's clock (2 s on FAT).
const RACY: Duration = Duration::from_secs(2);

/// A larger tree is not fingerprinted: checking the stamps would cost
/// about what git's own walk does.
const MAX_ENTRIES: usize = 500_000;

/// What identifies one version of a file or folder: its mtime, and where
/// the platform gives them, its ctime, size and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    mtime_ns: u64,
    ctime_ns: u64,
    len: u64,
    ino: u64,
}

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Fingerprint {
    format: u32,
    /// The repository, folder, commit and environment it was taken for.
    key: String,
    /// Folders under the work tree's root, `""` for the root itself.
    dirs: Vec<Folder>,
    /// Files (absolute paths) and their stamps, `None` where absent: the
    /// ignore rules, the config, the index.
    rules: Vec<(String, Option<Stamp>)>,
    /// Git found the tree clean, and every file's stamp is kept.
    clean: bool,
}

/// One folder's stamp, and when the tree was clean, the stamps of the
/// files in it (by name) but those git ignores.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Folder {
    rel: String,
    stamp: Stamp,
    files: Vec<(String, Stamp)>,
}

/// What a fingerprint that still holds says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Something changed, or nothing was kept: ask git about everything.
    No,
    /// No untracked file: ask git about the tracked ones.
    NothingUntracked,
    /// Nothing to report: git need not be asked.
    Clean,
}

/// What git's status found, to be fingerprinted.
pub struct Found<'a> {
    /// Folders and files git reported ignored (folders without the `/`).
    pub ignored: &'a BTreeSet<String>,
    /// No change to a tracked file either.
    pub clean: bool,
    /// When git's status was started.
    pub started: SystemTime,
}

/// The repository a fingerprint is for: its work tree, git folder and
/// common git folder (another one for a linked worktree), the folder of the
/// work tree the check looks at (`""`: all of it), and the commit `HEAD`
/// names.
pub struct Tree<'a> {
    pub workdir: &'a Path,
    pub git_dir: &'a Path,
    pub common_dir: &'a Path,
    pub inside: &'a str,
    pub head: &'a str,
}

/// Where the fingerprint of `tree` is kept, under ispo's cache folder.
pub fn file(cache: &Path, git_dir: &Path, inside: &str) -> PathBuf {
    let mut h = Sha256::new();
    h.update(git_dir.to_string_lossy().as_bytes());
    h.update([0u8]);
    h.update(inside.as_bytes());
    cache.join("status").join(format!("{:x}.bin", h.finalize()))
}

/// What the fingerprint kept in `file` says, if it was taken for this tree
/// and environment and every stamp is as it was.
pub fn holds(file: &Path, tree: &Tree<'_>) -> Holds {
    let Some(kept) = read(file) else {
        return Holds::No;
    };
    let rules_hold = kept.format == FORMAT
        && kept.key == key(tree)
        && kept
            .rules
            .iter()
            .all(|(path, s)| rule_stamp(Path::new(path)) == *s);
    if !rules_hold {
        return Holds::No;
    }
    // A folder changed: a file appeared or went. A file changed: it is
    // git's to say how.
    let mut files_hold = kept.clean;
    for folder in &kept.dirs {
        match folder.holds(tree.workdir, files_hold) {
            None => return Holds::No,
            Some(files) => files_hold &= files,
        }
    }
    if files_hold {
        Holds::Clean
    } else {
        Holds::NothingUntracked
    }
}

impl Folder {
    /// Whether the folder's stamp is as kept (`None` if not) and, asked
    /// `with_files`, those of its files too. On unix a folder of several
    /// files is opened once and its files stamped relative to it: a path
    /// looked up from the root costs a lookup per component.
    #[cfg(unix)]
    fn holds(&self, workdir: &Path, with_files: bool) -> Option<bool> {
        use rustix::fs::{fstat, openat, statat, AtFlags, Mode, OFlags, CWD};
        let path = workdir.join(&self.rel);
        let same = |st: rustix::io::Result<rustix::fs::Stat>, dir: bool, kept: &Stamp| {
            st.ok().and_then(|st| of_stat(&st, dir)).as_ref() == Some(kept)
        };
        // Opening, stamping and closing a folder is three calls: worth it
        // only for a folder of several files. A folder of sub-folders or of
        // a file or two is stamped, and its files looked up, by path.
        if !with_files || self.files.len() <= 2 {
            let nofollow = AtFlags::SYMLINK_NOFOLLOW;
            if !same(statat(CWD, &path, nofollow), true, &self.stamp) {
                return None;
            }
            return Some(
                with_files
                    && self.files.iter().all(|(name, kept)| {
                        same(statat(CWD, path.join(name), nofollow), false, kept)
                    }),
            );
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let dir = openat(CWD, &path, flags, Mode::empty()).ok()?;
        if !same(fstat(&dir), true, &self.stamp) {
            return None;
        }
        Some(self.files.iter().all(|(name, kept)| {
            same(
                statat(&dir, name.as_str(), AtFlags::SYMLINK_NOFOLLOW),
                false,
                kept,
            )
        }))
    }

    #[cfg(not(unix))]
    fn holds(&self, workdir: &Path, with_files: bool) -> Option<bool> {
        let dir = workdir.join(&self.rel);
        if stamp(&dir)? != self.stamp {
            return None;
        }
        Some(
            with_files
                && self
                    .files
                    .iter()
                    .all(|(name, kept)| stamp(&dir.join(name)) == Some(*kept)),
        )
    }
}

/// A stamp from `stat`'s fields, equal to what `stamp` makes of the same
/// file.
#[cfg(unix)]
fn of_stat(st: &rustix::fs::Stat, dir: bool) -> Option<Stamp> {
    let ns = |secs: i64, nanos: i64| {
        u64::try_from(secs)
            .ok()?
            .checked_mul(1_000_000_000)?
            .checked_add(u64::try_from(nanos).ok()?)
    };
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    Some(Stamp {
        mtime_ns: ns(st.st_mtime as i64, st.st_mtime_nsec as i64)?,
        ctime_ns: ns(st.st_ctime as i64, st.st_ctime_nsec as i64)?,
        len: if dir {
            0
        } else {
            u64::try_from(st.st_size).ok()?
        },
        ino: st.st_ino as u64,
    })
}

/// Takes and keeps the fingerprint of `tree`, in which git found nothing
/// untracked. Nothing is kept where a stamp is too recent to trust, or on
/// any error: the next check asks git again.
pub fn remember(file: &Path, tree: &Tree<'_>, found: &Found<'_>) {
    if let Some(fingerprint) = take(tree, found) {
        let _ = write(file, &fingerprint);
    }
}

fn take(tree: &Tree<'_>, found: &Found<'_>) -> Option<Fingerprint> {
    let trusted = |s: &Stamp| {
        let changed = UNIX_EPOCH + Duration::from_nanos(s.mtime_ns.max(s.ctime_ns));
        (changed + RACY < found.started).then_some(())
    };
    let workdir = tree.workdir;
    let mut dirs = Vec::new();
    let mut entries = 0;
    let mut rules: BTreeSet<PathBuf> = BTreeSet::new();
    // The folders above `inside`: a `.gitignore` in one applies below it.
    let mut above = String::new();
    for part in tree.inside.split('/').filter(|p| !p.is_empty()) {
        dirs.push(Folder {
            stamp: stamp(&workdir.join(&above))?,
            rel: above.clone(),
            files: Vec::new(),
        });
        rules.insert(workdir.join(&above).join(".gitignore"));
        above = join(&above, part);
    }
    let mut todo = vec![tree.inside.to_string()];
    while let Some(rel) = todo.pop() {
        let dir = workdir.join(&rel);
        let mut folder = Folder {
            stamp: stamp(&dir)?,
            rel,
            files: Vec::new(),
        };
        for entry in fs::read_dir(&dir).ok()? {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let child = join(&folder.rel, &name);
            // Git reads an ignore file it ignores too.
            if name == ".gitignore" {
                rules.insert(entry.path());
            }
            if name == ".git" {
                if folder.rel.is_empty() {
                    continue;
                }
                // A submodule or a repository inside: its state lives in
                // git folders the stamps do not cover.
                return None;
            }
            if found.ignored.contains(&child) {
                continue;
            }
            if entry.file_type().ok()?.is_dir() {
                todo.push(child);
            } else if found.clean {
                folder.files.push((name, stamp(&entry.path())?));
            }
        }
        entries += 1 + folder.files.len();
        if entries > MAX_ENTRIES {
            return None;
        }
        dirs.push(folder);
    }
    rules.insert(tree.common_dir.join("info/exclude"));
    rules.insert(tree.git_dir.join("config.worktree"));
    rules.insert(match std::env::var_os("GIT_INDEX_FILE") {
        Some(index) => workdir.join(index),
        None => tree.git_dir.join("index"),
    });
    rules.extend(config_files(workdir));
    let rules = rules
        .into_iter()
        .map(|f| Some((f.to_string_lossy().into_owned(), rule_stamp(&f))))
        .collect::<Option<Vec<_>>>()?;
    let stamps = dirs
        .iter()
        .flat_map(|f| std::iter::once(&f.stamp).chain(f.files.iter().map(|(_, s)| s)));
    for s in stamps.chain(rules.iter().filter_map(|(_, s)| s.as_ref())) {
        trusted(s)?;
    }
    dirs.sort_by(|a, b| a.rel.cmp(&b.rel));
    Some(Fingerprint {
        format: FORMAT,
        key: key(tree),
        dirs,
        rules,
        clean: found.clean,
    })
}

/// The config files git reads in the work tree, the excludes file they
/// name, and the global ones a user could create later.
fn config_files(workdir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    if let Some(global) = std::env::var_os("GIT_CONFIG_GLOBAL") {
        files.push(PathBuf::from(global));
    } else {
        files.extend(home.as_ref().map(|h| h.join(".gitconfig")));
        files.extend(xdg.as_ref().map(|x| x.join("git/config")));
    }
    files.extend(xdg.as_ref().map(|x| x.join("git/ignore")));
    let git = |args: &[&str]| git_output(workdir, args);
    if std::env::var_os("GIT_CONFIG_NOSYSTEM").is_none() {
        files.push(
            std::env::var_os("GIT_CONFIG_SYSTEM")
                .map_or_else(|| PathBuf::from("/etc/gitconfig"), PathBuf::from),
        );
    }
    // `--show-origin -z`: origin NUL key NEWLINE value NUL, for every entry;
    // a file named relative to the work tree, where git was asked. An
    // included file is stamped whether or not it exists yet.
    let listed = git(&["config", "--list", "--show-origin", "-z"]).unwrap_or_default();
    let mut fields = listed.split(|b| *b == 0);
    while let (Some(origin), Some(entry)) = (fields.next(), fields.next()) {
        let Some(file) = std::str::from_utf8(origin)
            .ok()
            .and_then(|o| o.strip_prefix("file:"))
            .map(|path| workdir.join(path))
        else {
            continue;
        };
        let entry = String::from_utf8_lossy(entry);
        let (key, value) = entry.split_once('\n').unwrap_or((&entry, ""));
        let key = key.to_ascii_lowercase();
        if key == "include.path" || (key.starts_with("includeif.") && key.ends_with(".path")) {
            let included = match value.strip_prefix("~/") {
                Some(rest) => home.as_ref().map(|h| h.join(rest)),
                None => file.parent().map(|dir| dir.join(value)),
            };
            files.extend(included);
        }
        files.push(file);
    }
    if let Some(out) = git(&["config", "--get", "--path", "core.excludesFile"]) {
        let path = String::from_utf8_lossy(&out).trim_end().to_string();
        if !path.is_empty() {
            files.push(workdir.join(path));
        }
    }
    files
}

/// What `git -C workdir <args>` prints, if it succeeds: asked without
/// taking git's optional locks (the user's own git may be running), with
/// nothing to read and its complaints unshown.
pub fn git_output(workdir: &Path, args: &[&str]) -> Option<Vec<u8>> {
    std::process::Command::new("git")
        .arg("-C")
        .arg(workdir)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| o.stdout)
}

/// The repository, folder, commit and environment a fingerprint holds
/// for: git's variables and the homes its configuration is found in.
fn key(tree: &Tree<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        tree.workdir.to_string_lossy().as_bytes(),
        tree.git_dir.to_string_lossy().as_bytes(),
        tree.inside.as_bytes(),
        tree.head.as_bytes(),
    ] {
        h.update(part);
        h.update([0u8]);
    }
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        .filter(|(k, _)| k.starts_with("GIT_") || k == "HOME" || k == "XDG_CONFIG_HOME")
        .collect();
    vars.sort();
    for (k, v) in vars {
        h.update(k.as_bytes());
        h.update([b'=']);
        h.update(v.as_bytes());
        h.update([0u8]);
    }
    format!("{:x}", h.finalize())
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// A rule file's stamp: git reads it through a symlink (dotfiles kept in
/// a folder of their own), so the file linked to is stamped.
fn rule_stamp(path: &Path) -> Option<Stamp> {
    stamp_of(&fs::metadata(path).ok()?)
}

fn stamp(path: &Path) -> Option<Stamp> {
    stamp_of(&fs::symlink_metadata(path).ok()?)
}

fn stamp_of(m: &fs::Metadata) -> Option<Stamp> {
    let nanos = |t: SystemTime| u64::try_from(t.duration_since(UNIX_EPOCH).ok()?.as_nanos()).ok();
    let mtime_ns = nanos(m.modified().ok()?)?;
    #[cfg(unix)]
    let (ctime_ns, ino) = {
        use std::os::unix::fs::MetadataExt;
        let ctime =
            u64::try_from(m.ctime()).ok()? * 1_000_000_000 + u64::try_from(m.ctime_nsec()).ok()?;
        (ctime, m.ino())
    };
    #[cfg(not(unix))]
    let (ctime_ns, ino) = (0, 0);
    Some(Stamp {
        mtime_ns,
        ctime_ns,
        len: if m.is_dir() { 0 } else { m.len() },
        ino,
    })
}

fn read(file: &Path) -> Option<Fingerprint> {
    fs::symlink_metadata(file).ok().filter(|m| m.is_file())?;
    let bytes = fs::read(file).ok()?;
    match postcard::take_from_bytes::<Fingerprint>(&bytes) {
        Ok((f, [])) => Some(f),
        _ => None,
    }
}

fn write(file: &Path, fingerprint: &Fingerprint) -> std::io::Result<()> {
    let dir = file.parent().expect("a fingerprint lives in a folder");
    fs::create_dir_all(dir)?;
    let bytes = postcard::to_stdvec(fingerprint).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".status-")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut tmp, &bytes)?;
    tmp.persist(file).map_err(|e| e.error)?;
    crate::tree_listing::prune(dir, file, ".status-", ".bin");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(path: &Path) {
        let old = SystemTime::now() - Duration::from_secs(3600);
        fs::File::open(path).unwrap().set_modified(old).unwrap();
    }

    struct Fixture {
        dir: tempfile::TempDir,
        work: PathBuf,
        git: PathBuf,
    }

    impl Fixture {
        /// A work tree whose every stamp is an hour old, as long as its
        /// ctimes allow: those are set by the kernel, so the tests pass a
        /// "started" time ahead of them instead.
        fn new() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let work = dir.path().join("work");
            let git = work.join(".git");
            fs::create_dir_all(work.join("a/b")).unwrap();
            fs::create_dir_all(work.join("build/out")).unwrap();
            fs::create_dir_all(&git).unwrap();
            fs::write(work.join("a/.gitignore"), "*.tmp\n").unwrap();
            fs::write(work.join("a/b/page.md"), "page\n").unwrap();
            fs::write(git.join("index"), "index").unwrap();
            for p in [
                "a/.gitignore",
                "a/b/page.md",
                "a/b",
                "a",
                "build/out",
                "build",
                ".git/index",
                "",
            ] {
                aged(&work.join(p));
            }
            Fixture { dir, work, git }
        }

        fn tree(&self, inside: &'static str) -> Tree<'_> {
            Tree {
                workdir: &self.work,
                git_dir: &self.git,
                common_dir: &self.git,
                inside,
                head: "c0ffee",
            }
        }

        fn file(&self) -> PathBuf {
            self.dir.path().join("fp.bin")
        }

        fn remember(&self, ignored: &[&str], clean: bool) {
            let ignored: BTreeSet<String> = ignored.iter().map(|s| s.to_string()).collect();
            let started = SystemTime::now() + RACY + Duration::from_secs(1);
            let found = Found {
                ignored: &ignored,
                clean,
                started,
            };
            remember(&self.file(), &self.tree(""), &found);
        }

        fn holds(&self) -> Holds {
            holds(&self.file(), &self.tree(""))
        }
    }

    #[test]
    fn a_fingerprint_holds_until_a_folder_or_an_ignore_file_changes() {
        let f = Fixture::new();
        f.remember(&["build"], false);
        assert_eq!(f.holds(), Holds::NothingUntracked);
        assert_eq!(holds(&f.file(), &f.tree("a")), Holds::No, "another folder");
        let mut moved = f.tree("");
        moved.head = "decade";
        assert_eq!(holds(&f.file(), &moved), Holds::No, "another commit");
        // A folder git ignores whole is not walked: a file there is no change.
        fs::write(f.work.join("build/out/x"), "x").unwrap();
        assert_eq!(f.holds(), Holds::NothingUntracked);
        fs::write(f.work.join("a/b/new.md"), "new").unwrap();
        assert_eq!(f.holds(), Holds::No);
    }

    #[test]
    fn a_clean_tree_holds_until_a_file_changes() {
        let f = Fixture::new();
        f.remember(&["build"], true);
        assert_eq!(f.holds(), Holds::Clean);
        // The same size, the mtime put back: the ctime still tells.
        let page = f.work.join("a/b/page.md");
        fs::write(&page, "PAGE\n").unwrap();
        aged(&page);
        assert_eq!(f.holds(), Holds::NothingUntracked);
    }

    #[test]
    fn an_ignore_file_edited_in_place_breaks_it() {
        let f = Fixture::new();
        f.remember(&[], false);
        assert_eq!(f.holds(), Holds::NothingUntracked);
        fs::write(f.work.join("a/.gitignore"), "*.log\n").unwrap();
        aged(&f.work.join("a/.gitignore"));
        assert_eq!(f.holds(), Holds::No);
    }

    #[test]
    fn a_recent_change_is_not_trusted() {
        let f = Fixture::new();
        fs::write(f.work.join("a/b/new.md"), "just now").unwrap();
        let found = Found {
            ignored: &BTreeSet::new(),
            clean: false,
            started: SystemTime::now(),
        };
        remember(&f.file(), &f.tree(""), &found);
        assert!(!f.file().exists());
    }

    #[test]
    fn a_tree_with_a_repository_inside_is_not_fingerprinted() {
        // A submodule's `.git` file, or a nested repository's folder.
        let f = Fixture::new();
        fs::write(f.work.join("a/b/.git"), "gitdir: ../../.git/modules/b\n").unwrap();
        aged(&f.work.join("a/b/.git"));
        aged(&f.work.join("a/b"));
        f.remember(&[], true);
        assert!(!f.file().exists());
    }

    #[test]
    fn fingerprints_unwritten_for_30_days_are_pruned() {
        let f = Fixture::new();
        let dir = f.dir.path().join("status");
        fs::create_dir_all(&dir).unwrap();
        let (stale, recent) = (dir.join("0000.bin"), dir.join("1111.bin"));
        fs::write(&stale, "x").unwrap();
        fs::write(&recent, "x").unwrap();
        let old = SystemTime::now() - Duration::from_secs(31 * 24 * 3600);
        fs::File::open(&stale).unwrap().set_modified(old).unwrap();
        let ignored = BTreeSet::new();
        let found = Found {
            ignored: &ignored,
            clean: true,
            started: SystemTime::now() + RACY + Duration::from_secs(1),
        };
        let kept = dir.join("2222.bin");
        remember(&kept, &f.tree(""), &found);
        assert!(kept.exists() && recent.exists());
        assert!(!stale.exists());
    }

    #[test]
    fn a_damaged_fingerprint_holds_nothing() {
        let f = Fixture::new();
        f.remember(&[], true);
        let mut bytes = fs::read(f.file()).unwrap();
        bytes.push(0);
        fs::write(f.file(), &bytes).unwrap();
        assert_eq!(f.holds(), Holds::No);
        fs::write(f.file(), &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(f.holds(), Holds::No);
    }
}
