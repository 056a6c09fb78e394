//! Applying a plan crash-safely: the kit lock, the journal of what is being
//! written, the new base renders added to the store, atomic writes, the
//! state written last, then the store pruned to what the state names.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::Failure;
use crate::kit;
use crate::paths::{ANSWERS_FILE, STATE_DIR, STATE_FILE};
use crate::store::Store;

use super::plan::{Action, FilePlan};

/// Holds `.ispo/lock` for the life of the run; the OS releases it if the process dies.
pub struct KitLock {
    _guard: fd_lock::RwLockWriteGuard<'static, fs::File>,
}

pub fn lock(kit: &Path) -> Result<KitLock> {
    let path = kit.join(STATE_DIR).join("lock");
    kit::check_no_symlinks(kit, &format!("{STATE_DIR}/lock"))?;
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the kit lock `{}`", path.display()))?;
    // One lock per run: leaking it gives the guard the life of the process.
    let lock: &'static mut fd_lock::RwLock<fs::File> =
        Box::leak(Box::new(fd_lock::RwLock::new(file)));
    wait_while(|| lock.try_write().is_err());
    match lock.try_write() {
        Ok(guard) => Ok(KitLock { _guard: guard }),
        Err(_) => Err(Failure::Refused(format!(
            "another ispo update is running on `{}` (it holds {}); wait for it to finish",
            kit.display(),
            path.display()
        ))
        .into()),
    }
}

/// Waits up to two seconds while the kit lock is `busy`. A lock held for a
/// moment is let go of: a process killed while it was starting git leaves a
/// forked child holding the lock until that child execs (its descriptor is
/// closed on exec), which under load takes a while.
fn wait_while(mut busy: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while busy() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Held by `ispo diff` and `ispo update --dry-run` while they read the kit,
/// so an update running beside them cannot prune the store under them.
pub struct KitReadLock {
    _guard: fd_lock::RwLockReadGuard<'static, fs::File>,
}

/// Waits (as `lock` does) for a running update to finish; `None` when the
/// kit has no lock file yet (no update ever ran) or it cannot be opened (a
/// read-only kit), since reading needs no lock of its own then.
pub fn lock_shared(kit: &Path) -> Result<Option<KitReadLock>> {
    let rel = format!("{STATE_DIR}/lock");
    let path = kit.join(&rel);
    if kit::check_no_symlinks(kit, &rel).is_err()
        || !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
    {
        return Ok(None);
    }
    let Ok(file) = fs::File::open(&path) else {
        return Ok(None);
    };
    let lock: &'static mut fd_lock::RwLock<fs::File> =
        Box::leak(Box::new(fd_lock::RwLock::new(file)));
    wait_while(|| lock.try_read().is_err());
    match lock.try_read() {
        Ok(guard) => Ok(Some(KitReadLock { _guard: guard })),
        Err(_) => Err(Failure::Refused(format!(
            "an ispo update is running on `{}` (it holds {}); wait for it to finish",
            kit.display(),
            path.display()
        ))
        .into()),
    }
}

/// What an update in progress has written, so a re-run after a kill can tell
/// its own results from local edits: `.ispo/pending.toml`, written once the
/// new base renders are in the store and removed once the state names them.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Journal {
    /// Kit path → SHA-256 of the content that run wrote there (kit files,
    /// sidecars, the answers file).
    pub done: BTreeMap<String, String>,
    /// Kit path → SHA-256 of the base render that run recorded for it, for
    /// the paths in `done`.
    #[serde(default)]
    pub bases: BTreeMap<String, String>,
    /// Kit paths that run deleted.
    #[serde(default)]
    pub deleted: Vec<String>,
}

pub const JOURNAL: &str = "pending.toml";

impl Journal {
    pub fn read(kit_dir: &Path) -> Option<Journal> {
        let path = kit_dir.join(STATE_DIR).join(JOURNAL);
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        toml::from_str(&fs::read_to_string(path).ok()?).ok()
    }

    /// The base that run recorded for `path` (its SHA-256), if the store
    /// still holds it.
    pub fn base_of(&self, store: &Store, path: &str) -> Option<String> {
        crate::paths::check_tracked(path).ok()?;
        let sha = self.bases.get(path)?;
        store.get(sha).ok().flatten().map(|_| sha.clone())
    }
}

/// Removes temp files a killed run left behind.
pub fn remove_leftovers(dir: &Path, depth: usize) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ty) = e.file_type() else { continue };
        let state_tmp = depth == 1 && dir.ends_with(STATE_DIR) && is_temp_name(&name, ".state-");
        if ty.is_file() && (is_temp_name(&name, ".ispo-tmp-") || state_tmp) {
            let _ = fs::remove_file(e.path());
        } else if ty.is_dir() && !ty.is_symlink() && name != ".git" && depth < 32 {
            remove_leftovers(&e.path(), depth + 1);
        }
    }
}

/// A temp file ispo made: the prefix and tempfile's six random characters.
pub fn is_temp_name(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == 6 && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Every regular file under `dir`, relative to `root`.
pub fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ty) = e.file_type() else { continue };
        if ty.is_dir() {
            files_under(root, &e.path(), out);
        } else {
            out.push(
                e.path()
                    .strip_prefix(root)
                    .unwrap_or(&e.path())
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// Writes a file through a temp file in the same folder and a rename.
pub fn write_atomic(kit: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    kit::check_no_symlinks(kit, rel)?;
    let path = kit.join(rel);
    let dir = path.parent().expect("kit paths have a parent");
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".ispo-tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in `{}`", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all().ok();
    // Keep the file's mode (an executable script stays executable); new files get 0644.
    let mode = fs::metadata(&path).map(|m| m.permissions()).ok();
    #[cfg(unix)]
    let mode = mode.or_else(|| Some(std::os::unix::fs::PermissionsExt::from_mode(0o644)));
    if let Some(m) = mode {
        fs::set_permissions(tmp.path(), m).ok();
    }
    tmp.persist(&path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// A plan's new base with the hash its record names (see `plan`).
fn hashed(p: &FilePlan) -> Option<(&str, &[u8])> {
    Some((p.record.as_ref()?.sha256.as_str(), p.base.as_deref()?))
}

/// Applies a plan: (1) the store gains the new base renders beside the old
/// ones, (2) the journal, then deletions and kit file writes, each atomic,
/// (3) the answers file, then the state, the switch to the new renders,
/// (4) the store drops what no state names any more. Killed at any point,
/// the kit's state names renders the store holds, and a re-run converges.
pub fn apply(
    kit_dir: &Path,
    plans: &[FilePlan],
    built: &crate::assemble::Built,
    on_disk: &Store,
    old_shas: &BTreeMap<String, String>,
) -> Result<()> {
    let ispo_dir = kit_dir.join(STATE_DIR);
    remove_leftovers(kit_dir, 0);
    // 1. Old and new renders together, only changed buckets rewritten.
    // A plan's record names its base by hash (see `plan`): no hashing here.
    let store = crate::store::Update {
        blobs: plans.iter().filter_map(hashed).collect(),
        before: old_shas
            .iter()
            .map(|(path, sha)| (sha.as_str(), path.as_str()))
            .collect(),
        after: plans
            .iter()
            .filter_map(|p| Some((p.record.as_ref()?.sha256.as_str(), p.path.as_str())))
            .collect(),
    };
    on_disk.write_with(kit_dir, &store)?;
    // 2. The journal of what is about to be written, then the kit files:
    //    deletions first (a folder may become a file), each write atomic.
    let mut done: BTreeMap<String, String> = plans
        .iter()
        .filter_map(|p| p.action.content().map(|b| (p.path.clone(), kit::sha256(b))))
        .collect();
    for p in plans {
        if let (Action::Sidecar(b), Some(at)) = (&p.action, &p.sidecar) {
            done.insert(at.clone(), kit::sha256(b));
        }
    }
    done.insert(
        ANSWERS_FILE.to_string(),
        kit::sha256(built.answers_text.as_bytes()),
    );
    // A base is looked up only for a file the run wrote (`Journal::base_of`):
    // the bases of the thousands of files it leaves alone stay out.
    let journal = Journal {
        bases: plans
            .iter()
            .filter(|p| done.contains_key(&p.path))
            .filter_map(|p| Some((p.path.clone(), p.record.as_ref()?.sha256.clone())))
            .collect(),
        done,
        deleted: plans
            .iter()
            .filter(|p| p.action.removes())
            .map(|p| p.path.clone())
            .collect(),
    };
    write_atomic(
        kit_dir,
        &format!("{STATE_DIR}/{JOURNAL}"),
        toml::to_string(&journal)?.as_bytes(),
    )?;
    // Files gone upstream go before the writes (a folder may become a file);
    // a file moved away goes only after its content is at its new path, so
    // a run stopped in between never leaves the user's edits nowhere.
    remove_files(kit_dir, plans, &|a| a == &Action::Deleted)?;
    let crash_after = std::env::var("ISPO_TEST_CRASH_AFTER_WRITES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok());
    for (written, p) in plans
        .iter()
        .filter(|p| p.action.content().is_some() || matches!(p.action, Action::Sidecar(_)))
        .enumerate()
    {
        // Fault injection for the crash tests: die like a killed process, mid-apply.
        if crash_after == Some(written) {
            std::process::abort();
        }
        match &p.action {
            Action::Sidecar(b) => write_atomic(
                kit_dir,
                p.sidecar.as_deref().expect("sidecar named after planning"),
                b,
            )?,
            other => {
                if let Some(b) = other.content() {
                    // Preflight made sure a folder here holds no file any more.
                    let full = kit_dir.join(&p.path);
                    if full.is_dir() {
                        fs::remove_dir_all(&full).with_context(|| {
                            format!("cannot remove the empty folder `{}`", p.path)
                        })?;
                    }
                    write_atomic(kit_dir, &p.path, b)?;
                    if p.record.as_ref().is_some_and(|r| r.executable) {
                        kit::make_executable(&kit_dir.join(&p.path));
                    }
                }
            }
        }
    }
    remove_files(kit_dir, plans, &|a| a == &Action::MovedAway)?;
    // 3. The answers file, then the state: the switch to the new renders.
    write_atomic(kit_dir, ANSWERS_FILE, built.answers_text.as_bytes())?;
    let mut new_state = built.state.clone();
    new_state.files = plans.iter().filter_map(|p| p.record.clone()).collect();
    let (new_state, state_text) = new_state.written();
    write_atomic(kit_dir, STATE_FILE, state_text.as_bytes())
        .context("cannot write the kit state")?;
    kit::remember_parsed(kit_dir, &state_text, &new_state);
    // 4. The journal, renders no state names and format 1's folders are garbage now.
    let _ = fs::remove_file(ispo_dir.join(JOURNAL));
    on_disk.prune_to(kit_dir, &store)?;
    kit::remove_format1_bases(kit_dir);
    Ok(())
}

/// Deletes the kit files of the plans whose action `which` picks, pruning
/// the folders they leave empty.
fn remove_files(kit_dir: &Path, plans: &[FilePlan], which: &dyn Fn(&Action) -> bool) -> Result<()> {
    for p in plans.iter().filter(|p| which(&p.action)) {
        // A case-only rename upstream: on a case-insensitive file system the
        // old and the new name are one file, which must not be deleted.
        let renamed = plans.iter().any(|q| {
            q.path != p.path
                && q.record.is_some()
                && crate::paths::fold(&q.path) == crate::paths::fold(&p.path)
                && same_file(&kit_dir.join(&q.path), &kit_dir.join(&p.path))
        });
        if renamed {
            continue;
        }
        match fs::remove_file(kit_dir.join(&p.path)) {
            Ok(()) => prune_empty_dirs(kit_dir, &p.path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete `{}`", p.path)),
        }
    }
    Ok(())
}

pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        a.canonicalize()
            .ok()
            .is_some_and(|x| b.canonicalize().ok() == Some(x))
    }
}

/// Checks every path the plan touches before anything is written (also for
/// a dry run, so it shows the same refusal): no symlinks on the way, no file
/// standing where a folder is needed, and a folder may only become a file
/// when everything in it goes away.
pub fn preflight(kit_dir: &Path, plans: &[FilePlan]) -> Result<()> {
    let deleted: BTreeSet<&str> = plans
        .iter()
        .filter(|p| p.action == Action::Deleted)
        .map(|p| p.path.as_str())
        .collect();
    for p in plans {
        let target = match &p.action {
            Action::Deleted | Action::MovedAway => Some(p.path.clone()),
            Action::Sidecar(_) => p.sidecar.clone(),
            other => other.content().map(|_| p.path.clone()),
        };
        let Some(target) = target else { continue };
        kit::check_no_symlinks(kit_dir, &target)?;
        let mut ancestor = PathBuf::new();
        let parts: Vec<&str> = target.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            ancestor.push(part);
            let rel = ancestor.to_string_lossy().replace('\\', "/");
            if kit_dir.join(&ancestor).is_file() && !deleted.contains(rel.as_str()) {
                return Err(Failure::Refused(format!(
                    "the catalog now has a folder at `{rel}`, where the kit has a file you changed; move `{rel}` away and run `ispo update` again"
                ))
                .into());
            }
        }
        let full = kit_dir.join(&target);
        if !p.action.removes() && full.is_dir() {
            let mut inside = Vec::new();
            files_under(kit_dir, &full, &mut inside);
            if let Some(keep) = inside.iter().find(|f| !deleted.contains(f.as_str())) {
                return Err(Failure::Refused(format!(
                    "the catalog now has a file at `{target}`, where the kit has a folder that still holds `{keep}`; move that folder away and run `ispo update` again"
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// Removes the folders a deletion left empty, up to the kit root.
pub fn prune_empty_dirs(kit_dir: &Path, path: &str) {
    let mut dir = Path::new(path).parent();
    while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
        if fs::remove_dir(kit_dir.join(d)).is_err() {
            break;
        }
        dir = d.parent();
    }
}
