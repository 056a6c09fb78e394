//! Where a catalog comes from: the built-in copy, a local folder, a local git
//! repository, or a remote git URL kept in a bare mirror in the cache.
//!
//! Whatever the source, the result is the same: the files of one catalog
//! version in memory, plus a record (source, ref, subfolder, resolved commit)
//! that the kit stores so a later update knows exactly where it came from.
//! Git content is read from objects of the resolved commit, never from a
//! checkout, so a catalog cannot smuggle in symlinks or submodules.

use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::{ObjectType, Oid, Repository};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::lazy::LazyFiles;
use crate::catalog::Files;
use crate::dirty_check::DirtyCheck;
use crate::error::Failure;
use crate::output::Reporter;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_catalog.rs"));
}

/// Name recorded for the catalog embedded in the binary.
pub const BUILTIN: &str = "builtin";

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct CatalogRequest {
    /// `None` means the built-in catalog.
    pub location: Option<String>,
    pub reference: Option<String>,
    pub subdir: Option<String>,
    pub offline: bool,
    /// Whether git may ask for credentials or an ssh passphrase on the terminal.
    pub interactive: bool,
}

/// What the kit records about its catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    /// `builtin`, a git URL, or an absolute local path.
    pub source: String,
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdir: Option<String>,
    /// A full git commit id, or `sha256:<digest>` for sources without git.
    pub commit: String,
}

/// What a kit records about one catalog of its stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogRecord {
    pub name: String,
    pub version: String,
    #[serde(flatten)]
    pub source: SourceRecord,
}

/// A located catalog: what the kit records, and its files, read on demand
/// (a no-op update compares commits and never needs them).
pub struct Loaded {
    pub record: SourceRecord,
    files: Pending,
    /// The uncommitted-changes check of a local catalog repository.
    dirty: Option<DirtyCheck>,
}

enum Pending {
    Ready(Files),
    Git {
        git_dir: PathBuf,
        commit: Oid,
        inside: String,
    },
}

impl Loaded {
    /// A catalog already read (a folder being linted, say).
    pub fn ready(record: SourceRecord, files: Files) -> Loaded {
        Loaded {
            record,
            files: Pending::Ready(files),
            dirty: None,
        }
    }

    /// One file of the catalog (its manifest, say) without reading the rest.
    pub fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match &self.files {
            Pending::Ready(files) => Ok(files.get(path).cloned()),
            Pending::Git {
                git_dir,
                commit,
                inside,
            } => {
                let repo = open_repo(git_dir)?;
                let tree = repo.find_commit(*commit)?.tree()?;
                let full = if inside.is_empty() {
                    path.to_string()
                } else {
                    format!("{inside}/{path}")
                };
                let Ok(entry) = tree.get_path(Path::new(&full)) else {
                    return Ok(None);
                };
                if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == 0o120000 {
                    return Ok(None);
                }
                let blob = repo.find_blob(entry.id())?;
                let bytes = blob.content().to_vec();
                Ok(Some(bytes))
            }
        }
    }

    /// Gives the warning about uncommitted changes in a local catalog
    /// repository now, if there are any (once; see `dirty_check`).
    pub fn report_dirty(&self) {
        if let Some(d) = &self.dirty {
            d.report();
        }
    }

    /// The git directory the files are read from (a mirror or a local
    /// repository), for its tags; `None` for the built-in catalog and folders.
    pub fn git_dir(&self) -> Option<&Path> {
        match &self.files {
            Pending::Git { git_dir, .. } => Some(git_dir),
            Pending::Ready(_) => None,
        }
    }

    /// The folder inside the git repository that holds the catalog
    /// (`--subdir` included); `None` for the built-in catalog and folders.
    pub fn inside(&self) -> Option<&str> {
        match &self.files {
            Pending::Git { inside, .. } => Some(inside),
            Pending::Ready(_) => None,
        }
    }

    /// The catalog's files with its modules' files left unread, for a git
    /// catalog (see `catalog::lazy`); all read for the others.
    pub fn files_lazy(&self) -> Result<(Files, LazyFiles)> {
        self.read(true)
    }

    /// The catalog's files: read from the git objects of the recorded commit
    /// (refusing symlinks and submodules) or as already read.
    pub fn files(&self) -> Result<Files> {
        Ok(self.read(false)?.0)
    }

    fn read(&self, lazy: bool) -> Result<(Files, LazyFiles)> {
        self.report_dirty();
        match &self.files {
            Pending::Ready(files) => Ok((files.clone(), LazyFiles::default())),
            Pending::Git {
                git_dir,
                commit,
                inside,
            } => {
                let (files, unread) = read_commit(&open_repo(git_dir)?, *commit, inside, lazy)?;
                let unread = if unread.is_empty() {
                    LazyFiles::default()
                } else {
                    lazy_reader(git_dir, unread)
                };
                Ok((files, unread))
            }
        }
    }
}

fn open_repo(git_dir: &Path) -> Result<Repository> {
    Repository::open(git_dir)
        .with_context(|| format!("cannot open the catalog repository {}", git_dir.display()))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Builtin,
    Path(PathBuf),
    Url(String),
}

/// Fetches (or reads) the catalog described by `req`.
pub fn load(req: &CatalogRequest, reporter: &Reporter) -> Result<Loaded> {
    let subdir = req.subdir.as_deref().map(validate_subdir).transpose()?;
    if let Some(r) = &req.reference {
        validate_ref(r)?;
    }
    match classify(req.location.as_deref())? {
        Location::Builtin => {
            if req.reference.is_some() {
                return Err(Failure::Usage(
                    "--ref needs --catalog: the built-in catalog has no git history".into(),
                )
                .into());
            }
            let files = builtin_files(subdir.as_deref());
            Ok(Loaded {
                record: SourceRecord {
                    source: BUILTIN.into(),
                    reference: None,
                    subdir: subdir.clone(),
                    commit: digest(&files),
                },
                files: Pending::Ready(files),
                dirty: None,
            })
        }
        Location::Path(path) => load_path(&path, req, subdir, reporter),
        Location::Url(url) => load_url(&url, req, subdir, reporter),
    }
}

fn builtin_files(subdir: Option<&str>) -> Files {
    let inside = |p: &'static str| -> Option<&'static str> {
        match subdir {
            Some(s) => p.strip_prefix(s)?.strip_prefix('/'),
            None => Some(p),
        }
    };
    let mut files: Files = builtin::FILES
        .iter()
        .filter_map(|(p, bytes)| Some((inside(p)?.to_string(), bytes.to_vec())))
        .collect();
    let executable: String = builtin::EXECUTABLE
        .iter()
        .filter_map(|p| inside(p))
        .map(|p| format!("{p}\n"))
        .collect();
    if !executable.is_empty() {
        files.insert(
            crate::catalog::EXECUTABLE_KEY.to_string(),
            executable.into_bytes(),
        );
    }
    files
}

/// A commit id as messages show it: ten characters, without `sha256:`.
pub fn short(commit: &str) -> String {
    commit
        .strip_prefix("sha256:")
        .unwrap_or(commit)
        .chars()
        .take(10)
        .collect()
}

/// A stable content digest for sources that have no commit id.
pub fn digest(files: &Files) -> String {
    let mut h = Sha256::new();
    for (path, bytes) in files {
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    format!("sha256:{:x}", h.finalize())
}

fn classify(location: Option<&str>) -> Result<Location> {
    let Some(loc) = location else {
        return Ok(Location::Builtin);
    };
    if loc == BUILTIN {
        return Ok(Location::Builtin);
    }
    if loc.is_empty() {
        return Err(Failure::Usage("--catalog is empty".into()).into());
    }
    if loc.starts_with('-') {
        return Err(Failure::Refused(format!(
            "catalog location `{loc}` starts with `-`, which git could read as an option"
        ))
        .into());
    }
    if loc.chars().any(char::is_control) {
        return Err(Failure::Refused("catalog location contains control characters".into()).into());
    }
    if let Some((scheme, rest)) = loc.split_once("://") {
        let scheme_lc = scheme.to_ascii_lowercase();
        match scheme_lc.as_str() {
            "https" | "http" | "ssh" | "git" => {
                let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
                if let Some((userinfo, host)) = authority.rsplit_once('@') {
                    if let Some((user, _)) = userinfo.split_once(':') {
                        let shown = format!("{scheme}://{user}:***@{host}");
                        return Err(Failure::Refused(format!(
                            "catalog URL `{shown}/...` has a password in it, which ispo would record in the kit and its cache; remove it and set the token in ISPO_GIT_TOKEN (the user name may stay in the URL), or use a git credential helper"
                        ))
                        .into());
                    }
                }
                let host = authority.rsplit('@').next().unwrap_or("");
                if host.is_empty() {
                    return Err(Failure::Usage(format!("catalog URL `{loc}` has no host")).into());
                }
                if host.starts_with('-') {
                    return Err(Failure::Refused(format!("catalog URL `{loc}` has a host starting with `-`")).into());
                }
                Ok(Location::Url(loc.to_string()))
            }
            "file" => Ok(Location::Url(loc.to_string())),
            _ => Err(Failure::Refused(format!(
                "catalog URL scheme `{scheme}://` is not allowed; use https://, ssh://, git://, file:// or a local path"
            ))
            .into()),
        }
    } else if loc.contains("::") {
        Err(Failure::Refused(format!(
            "catalog location `{loc}` uses a git remote helper (`<transport>::`), which can run commands; use https://, ssh://, git://, file:// or a local path"
        ))
        .into())
    } else if is_scp_like(loc) {
        let host = loc
            .split(':')
            .next()
            .unwrap_or("")
            .rsplit('@')
            .next()
            .unwrap_or("");
        if host.is_empty() || host.starts_with('-') {
            return Err(Failure::Refused(format!(
                "catalog location `{loc}` has an empty host or one starting with `-`"
            ))
            .into());
        }
        Ok(Location::Url(loc.to_string()))
    } else {
        Ok(Location::Path(PathBuf::from(loc)))
    }
}

/// `user@host:path` or `host:path`, git's short ssh form (not a Windows drive).
fn is_scp_like(loc: &str) -> bool {
    match loc.split_once(':') {
        Some((host, _)) => {
            let drive_letter = host.len() == 1 && host.chars().all(|c| c.is_ascii_alphabetic());
            !host.is_empty() && !host.contains('/') && !drive_letter && !Path::new(loc).exists()
        }
        None => false,
    }
}

/// A subfolder inside the catalog repository: relative, no `..`.
pub fn validate_subdir(s: &str) -> Result<String> {
    let trimmed = s.trim_matches('/');
    let bad = trimmed.is_empty()
        || s.starts_with('/')
        || s.contains('\\')
        || trimmed.chars().any(char::is_control)
        || Path::new(trimmed)
            .components()
            .any(|c| !matches!(c, Component::Normal(_)));
    if bad {
        return Err(Failure::Refused(format!(
            "--subdir `{s}` must be a relative folder inside the catalog, without `..`"
        ))
        .into());
    }
    Ok(trimmed.to_string())
}

/// A branch, tag or commit id as typed by a user.
pub fn validate_ref(r: &str) -> Result<()> {
    let bad = r.is_empty()
        || r.starts_with('-')
        || r.chars().any(|c| {
            c.is_control()
                || c.is_whitespace()
                || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\')
        })
        || r.contains("..")
        || r.contains("@{")
        || r.ends_with('/')
        || r.ends_with(".lock");
    if bad {
        return Err(
            Failure::Refused(format!("`{r}` is not a valid branch, tag or commit id")).into(),
        );
    }
    Ok(())
}

/// The nearest folder at or above `dir` holding a `.git` (folder or file).
fn work_tree_of(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn load_path(
    path: &Path,
    req: &CatalogRequest,
    subdir: Option<String>,
    reporter: &Reporter,
) -> Result<Loaded> {
    if !path.exists() {
        bail!("catalog path `{}` does not exist", path.display());
    }
    let abs = path
        .canonicalize()
        .with_context(|| format!("cannot resolve catalog path `{}`", path.display()))?;
    if let Ok(repo) = Repository::discover(&abs) {
        if let Some(workdir) = repo.workdir().map(Path::to_path_buf) {
            // With a separate git dir (`.git` is a file naming it), the work
            // tree is where that file is, whatever libgit2 reports.
            let workdir = work_tree_of(&abs).unwrap_or(workdir);
            let workdir = workdir.canonicalize().unwrap_or(workdir);
            let inner = abs.strip_prefix(&workdir).unwrap_or(Path::new(""));
            let mut inside = inner.to_string_lossy().replace('\\', "/");
            if let Some(s) = &subdir {
                inside = if inside.is_empty() {
                    s.clone()
                } else {
                    format!("{inside}/{s}")
                };
            }
            let commit = resolve(&repo, req.reference.as_deref(), &abs.display().to_string())?;
            // Git's status of a large catalog takes as long as the rest of a
            // no-op update: it runs beside it, and says its piece later.
            let dirty = Some(DirtyCheck::start(
                &repo,
                &inside,
                cache_root().ok().as_deref(),
                reporter,
            ));
            reporter.debug(format!(
                "reading catalog from git repository {} at {commit}",
                workdir.display()
            ));
            return Ok(Loaded {
                files: Pending::Git {
                    git_dir: repo.path().to_path_buf(),
                    commit,
                    inside,
                },
                dirty,
                record: SourceRecord {
                    source: abs.display().to_string(),
                    reference: req.reference.clone(),
                    subdir,
                    commit: commit.to_string(),
                },
            });
        }
    }
    if req.reference.is_some() {
        return Err(Failure::Usage(format!(
            "--ref needs a git repository, and `{}` is a plain folder",
            path.display()
        ))
        .into());
    }
    let root = match &subdir {
        Some(s) => abs.join(s),
        None => abs.clone(),
    };
    let files = read_dir_tree(&root)?;
    Ok(Loaded {
        record: SourceRecord {
            source: abs.display().to_string(),
            reference: None,
            subdir,
            commit: digest(&files),
        },
        files: Pending::Ready(files),
        dirty: None,
    })
}

/// Reads a plain folder: regular files only; a symlink is refused.
pub fn read_dir_tree(root: &Path) -> Result<Files> {
    let mut files = Files::new();
    if !root.is_dir() {
        bail!("catalog folder `{}` does not exist", root.display());
    }
    walk_dir(root, root, &mut files)?;
    Ok(files)
}

fn walk_dir(root: &Path, dir: &Path, files: &mut Files) -> Result<()> {
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))?
    {
        let entry = entry?;
        let path = entry.path();
        let ty = entry.file_type()?;
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if rel == ".git" || rel.starts_with(".git/") {
            continue;
        }
        if ty.is_symlink() {
            let target = std::fs::read_link(&path)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            return Err(Failure::Refused(format!("catalog file `{rel}` is a symlink (to `{target}`); catalogs may not contain symlinks")).into());
        } else if ty.is_dir() {
            walk_dir(root, &path, files)?;
        } else if ty.is_file() {
            let bytes = std::fs::read(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if entry.metadata()?.permissions().mode() & 0o111 != 0 {
                    let list = files
                        .entry(crate::catalog::EXECUTABLE_KEY.to_string())
                        .or_default();
                    list.extend_from_slice(rel.as_bytes());
                    list.push(b'\n');
                }
            }
            files.insert(rel, bytes);
        }
    }
    Ok(())
}

/// Resolves a user ref (branch, tag, full or abbreviated commit id), or HEAD.
fn resolve(repo: &Repository, reference: Option<&str>, source: &str) -> Result<Oid> {
    let Some(r) = reference else {
        // A mirror keeps the remote's HEAD commit apart; a local repository
        // has its own HEAD.
        if let Ok(head) = repo.find_reference(crate::fetch::REMOTE_HEAD) {
            return Ok(head
                .peel_to_commit()
                .context("the remote HEAD is not a commit")?
                .id());
        }
        let head = repo
            .head()
            .with_context(|| format!("catalog `{source}` has no default branch (HEAD)"))?;
        return Ok(head.peel_to_commit().context("HEAD is not a commit")?.id());
    };
    let candidates = [
        format!("refs/heads/{r}"),
        format!("refs/tags/{r}"),
        format!("refs/remotes/origin/{r}"),
        r.to_string(),
    ];
    for name in candidates.iter().filter(|n| n.starts_with("refs/")) {
        if let Ok(reference) = repo.find_reference(name) {
            if let Ok(commit) = reference.peel_to_commit() {
                return Ok(commit.id());
            }
        }
    }
    if r.len() >= 4 && r.chars().all(|c| c.is_ascii_hexdigit()) {
        if let Ok(commit) = repo.find_commit_by_prefix(r) {
            return Ok(commit.id());
        }
    }
    let mut known: Vec<String> = Vec::new();
    if let Ok(refs) = repo.references() {
        for name in refs
            .flatten()
            .filter_map(|x| x.shorthand().ok().map(str::to_string))
        {
            known.push(name);
        }
    }
    known.truncate(12);
    bail!(
        "`{r}` is not a branch, tag or commit of catalog `{source}`{}",
        if known.is_empty() {
            String::new()
        } else {
            format!(" (known: {})", known.join(", "))
        }
    )
}

/// Whether a catalog path is a module's file (a template or a raw file):
/// what an update may leave unread.
fn is_module_file(path: &str) -> bool {
    path.strip_prefix("modules/")
        .and_then(|p| p.split_once('/'))
        .is_some_and(|(_, rest)| rest.starts_with("files/"))
}

/// Reads every blob under `inside` at `commit`; symlinks and submodules are
/// refused. With `lazy`, the modules' files are only listed, each with its
/// blob id once git has said it has the object.
fn read_commit(
    repo: &Repository,
    commit: Oid,
    inside: &str,
    lazy: bool,
) -> Result<(Files, Vec<(String, String)>)> {
    // As git itself reads objects: their hashes were checked when they
    // arrived (git's index-pack on every fetch), not again on every read,
    // which cost a tenth of an update at 640 modules (SHA-1 of every blob).
    git2::opts::strict_hash_verification(false);
    let tree = repo.find_commit(commit)?.tree()?;
    let tree = if inside.is_empty() {
        tree
    } else {
        let entry = tree.get_path(Path::new(inside)).map_err(|_| {
            anyhow::anyhow!("the catalog has no folder `{inside}` at commit {commit}")
        })?;
        if entry.kind() != Some(ObjectType::Tree) {
            bail!("`{inside}` is not a folder at commit {commit}");
        }
        repo.find_tree(entry.id())?
    };
    // Listed from the last listing of this repository's folder and git's
    // diff since, when ispo's cache has one (see `tree_listing`).
    let cache = cache_root().ok();
    let listed = crate::tree_listing::list(repo, &tree, inside, cache.as_deref())?;
    let mut blobs: Vec<(String, Oid)> = Vec::with_capacity(listed.entries.len());
    let mut executable = String::new();
    for entry in &listed.entries {
        match entry.mode {
            0o120000 => {
                return Err(Failure::Refused(format!(
                    "catalog file `{}` is a symlink; catalogs may not contain symlinks",
                    entry.path
                ))
                .into())
            }
            0o160000 => {
                return Err(Failure::Refused(format!(
                    "catalog entry `{}` is a git submodule; catalogs may not contain submodules",
                    entry.path
                ))
                .into())
            }
            0o100755 => {
                executable.push_str(&entry.path);
                executable.push('\n');
            }
            _ => {}
        }
        blobs.push((entry.path.clone(), entry.id));
    }
    let mut unread = Vec::new();
    if lazy {
        let odb = repo.odb()?;
        let (later, now): (Vec<_>, Vec<_>) =
            blobs.into_iter().partition(|(p, _)| is_module_file(p));
        for (path, id) in later {
            // Asked of every listed object, even one found before: a damaged
            // repository is refused up front, whatever the listing says.
            if !odb.exists(id) {
                return Err(Failure::Refused(format!(
                    "cannot read `{path}`: object {id} is missing from the catalog repository"
                ))
                .into());
            }
            unread.push((path, id.to_string()));
        }
        blobs = now;
    }
    let mut files = read_blobs(repo.path(), &blobs)?;
    crate::tree_listing::remember(repo, &tree, inside, cache.as_deref(), &listed);
    if !executable.is_empty() {
        files.insert(
            crate::catalog::EXECUTABLE_KEY.to_string(),
            executable.into_bytes(),
        );
    }
    Ok((files, unread))
}

/// The reader of a git catalog's unread files: each thread keeps its own
/// handle on the repository (a libgit2 handle is not shared between threads).
fn lazy_reader(git_dir: &Path, unread: Vec<(String, String)>) -> LazyFiles {
    thread_local! {
        static REPO: std::cell::RefCell<Option<(PathBuf, Repository)>> = const { std::cell::RefCell::new(None) };
    }
    let git_dir = git_dir.to_path_buf();
    LazyFiles::new(
        unread,
        Box::new(move |id: &str| {
            let oid = Oid::from_str(id).map_err(|e| e.to_string())?;
            REPO.with(|cell| {
                let mut cell = cell.borrow_mut();
                if cell.as_ref().is_none_or(|(dir, _)| dir != &git_dir) {
                    let repo = Repository::open(&git_dir).map_err(|e| e.to_string())?;
                    *cell = Some((git_dir.clone(), repo));
                }
                let (_, repo) = cell.as_ref().expect("just opened");
                let blob = repo.find_blob(oid).map_err(|e| e.to_string())?;
                Ok(blob.content().to_vec())
            })
        }),
    )
}

/// Reads blobs on every core, each worker with its own handle on the
/// repository (a libgit2 handle is not shared between threads): inflating
/// thousands of objects was a quarter of an update at 640 modules.
fn read_blobs(git_dir: &Path, blobs: &[(String, Oid)]) -> Result<Files> {
    use rayon::prelude::*;
    let read: Vec<Result<(String, Vec<u8>)>> = blobs
        .par_iter()
        .map_init(
            || Repository::open(git_dir),
            |repo, (path, id)| {
                let repo = repo.as_ref().map_err(|e| {
                    anyhow::anyhow!(
                        "cannot open the catalog repository {}: {e}",
                        git_dir.display()
                    )
                })?;
                let blob = repo
                    .find_blob(*id)
                    .map_err(|e| Failure::Refused(format!("cannot read `{path}`: {e}")))?;
                Ok((path.clone(), blob.content().to_vec()))
            },
        )
        .collect();
    read.into_iter().collect()
}

/// The cache root: `$ISPO_CACHE_DIR`, else the platform cache dir + `ispo`.
pub fn cache_root() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("ISPO_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    use etcetera::BaseStrategy;
    let strategy = etcetera::choose_base_strategy()
        .context("cannot find a cache directory; set ISPO_CACHE_DIR")?;
    Ok(strategy.cache_dir().join("ispo"))
}

/// The bare mirror for a URL: readable name plus a hash, so two URLs never share one.
pub fn mirror_path(url: &str) -> Result<PathBuf> {
    let hash = format!("{:x}", Sha256::digest(url.as_bytes()));
    let tail: String = url
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("catalog")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(40)
        .collect();
    Ok(cache_root()?
        .join("catalogs")
        .join(format!("{tail}-{}.git", &hash[..16])))
}

fn load_url(
    url: &str,
    req: &CatalogRequest,
    subdir: Option<String>,
    reporter: &Reporter,
) -> Result<Loaded> {
    let mirror = mirror_path(url)?;
    let repo = if req.offline {
        let not_cached = || {
            anyhow::anyhow!("--offline: the catalog `{url}` is not cached yet; run once without --offline to fetch it")
        };
        if !mirror.join("HEAD").exists() {
            return Err(not_cached());
        }
        reporter.debug(format!("using cached catalog {}", mirror.display()));
        let repo = Repository::open_bare(&mirror)
            .with_context(|| format!("cannot open the cached catalog {}", mirror.display()))?;
        // A first fetch that failed leaves an empty mirror behind.
        if !holds_refs(&repo) {
            return Err(not_cached());
        }
        repo
    } else {
        fetch(url, &mirror, req.interactive, reporter)?
    };
    let commit = resolve(&repo, req.reference.as_deref(), url)?;
    Ok(Loaded {
        files: Pending::Git {
            git_dir: mirror,
            commit,
            inside: subdir.clone().unwrap_or_default(),
        },
        record: SourceRecord {
            source: url.to_string(),
            reference: req.reference.clone(),
            subdir,
            commit: commit.to_string(),
        },
        dirty: None,
    })
}

/// Whether a mirror holds anything fetched (a failed first fetch leaves none).
fn holds_refs(repo: &Repository) -> bool {
    repo.references().is_ok_and(|mut r| r.next().is_some())
}

/// Brings the bare mirror up to date with every branch and tag of `url`.
fn fetch(url: &str, mirror: &Path, prompts: bool, reporter: &Reporter) -> Result<Repository> {
    let existed = mirror.join("HEAD").exists();
    let repo = if existed {
        Repository::open_bare(mirror)
            .with_context(|| format!("cannot open the cached catalog {}", mirror.display()))?
    } else {
        std::fs::create_dir_all(mirror)
            .with_context(|| format!("cannot create the catalog cache {}", mirror.display()))?;
        Repository::init_bare(mirror)
            .with_context(|| format!("cannot create the catalog cache {}", mirror.display()))?
    };
    let cached = existed && holds_refs(&repo);
    let request = crate::fetch::Fetch {
        url,
        mirror,
        prompts,
    };
    crate::fetch::run(&request, cached, reporter)?;
    Ok(repo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_locations() {
        assert_eq!(classify(None).unwrap(), Location::Builtin);
        assert_eq!(
            classify(Some("https://example.com/c.git")).unwrap(),
            Location::Url("https://example.com/c.git".into())
        );
        assert_eq!(
            classify(Some("git@example.com:org/c.git")).unwrap(),
            Location::Url("git@example.com:org/c.git".into())
        );
        assert_eq!(
            classify(Some("./catalog")).unwrap(),
            Location::Path("./catalog".into())
        );
        for bad in [
            "ext::sh -c touch% /tmp/x",
            "fd::3",
            "-uhttps://x",
            "gopher://x/y",
            "https:///x",
            "ssh://-oProxyCommand=x/y",
            "git@-oProxyCommand=x:y",
        ] {
            assert!(classify(Some(bad)).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn validates_refs_and_subdirs() {
        for ok in ["main", "v1.0", "release/2026", "0123abcd"] {
            assert!(validate_ref(ok).is_ok(), "{ok}");
        }
        for bad in ["-x", "a..b", "a b", "x@{1}", "a\n", "", "x.lock"] {
            assert!(validate_ref(bad).is_err(), "{bad:?}");
        }
        assert_eq!(validate_subdir("catalog/").unwrap(), "catalog");
        for bad in ["../x", "/abs", "a/../b", "", "a\\b"] {
            assert!(validate_subdir(bad).is_err(), "{bad:?}");
        }
    }
}
