//! The stat cache: what each kit file held when ispo last read it (its
//! SHA-256, and whether it had conflict markers), by its file-system
//! metadata, so an update reads only the files that changed since (as git's
//! index does for `git status`): a no-op update checks no unchanged file the
//! last update left conflicted for markers, and an update's plan settles an
//! unchanged file from its hash.
//!
//! An entry holds a file's size, modification and change times and inode
//! number, taken just before ispo read it (or just after init wrote it). A
//! file whose metadata still matches is not read again. An edit that
//! keeps the size and sets the modification time back still moves the
//! change time, which no program can set. And as in git's racy-clean rule,
//! a file modified in the same instant the cache was written (or later) is
//! always read: its entry may predate a write within the clock's
//! resolution.
//!
//! The cache lives in `.ispo/cache/stat.bin`, out of git (`.ispo/.gitignore`):
//! metadata means nothing on another machine or in another clone.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::local_cache::{decode, encode, read_cache_file, write_cache_file, CACHE_DIR};

/// The stat cache file, kit-relative.
pub const STAT_FILE: &str = ".ispo/cache/stat.bin";
/// Where format 2 was kept, as JSON: removed when the new one is written.
const OLD_STAT_FILE: &str = ".ispo/cache/stat.json";
const FORMAT: u32 = 3;

/// A file's metadata, as the cache compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub ino: u64,
}

impl Stamp {
    /// The stamp of a regular file (not following symlinks).
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = fs::symlink_metadata(path).ok()?;
        if !m.is_file() {
            return None;
        }
        Some(stamp(&m))
    }
}

#[cfg(unix)]
fn stamp(m: &fs::Metadata) -> Stamp {
    use std::os::unix::fs::MetadataExt;
    Stamp {
        size: m.size(),
        mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        ctime_ns: i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
        ino: m.ino(),
    }
}

#[cfg(not(unix))]
fn stamp(m: &fs::Metadata) -> Stamp {
    let ns = |t: std::io::Result<std::time::SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128)
    };
    // Windows has no inode or change time in std: the creation time stands
    // in for the change time, and a rewrite through a rename changes it.
    Stamp {
        size: m.len(),
        mtime_ns: ns(m.modified()),
        ctime_ns: ns(m.created()),
        ino: 0,
    }
}

/// What a file held when ispo last read it, and its stamp then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    // Not flattened: serde's flattening cannot read back 128-bit integers.
    pub stamp: Stamp,
    pub sha256: String,
    /// It held conflict markers.
    pub conflict: bool,
}

/// The kit's file system's clock now (the modification time of a file
/// written for the purpose in ispo's cache folder), if it can be read.
pub fn clock(kit: &Path) -> Option<i128> {
    let dir = kit.join(CACHE_DIR);
    fs::create_dir_all(&dir).ok()?;
    let tmp = tempfile::Builder::new()
        .prefix(".clock-")
        .tempfile_in(&dir)
        .ok()?;
    Stamp::of(tmp.path()).map(|s| s.mtime_ns)
}

/// Kit path → what it held when last read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatCache {
    format: u32,
    /// When the cache was written, on the kit's file system's clock (the
    /// modification time of a file written just before): entries of files
    /// modified at or after it are not trusted.
    written_ns: i128,
    entries: BTreeMap<String, Seen>,
}

impl StatCache {
    pub fn read(kit: &Path) -> StatCache {
        read_cache_file(kit, STAT_FILE)
            .and_then(|b| decode::<StatCache>("stat", FORMAT, &b))
            .filter(|c| c.format == FORMAT)
            .unwrap_or_default()
    }

    /// What `rel` holds, if its stamp is the recorded one and was recorded
    /// safely after the file's last modification.
    pub fn known(&self, rel: &str, now: &Stamp) -> Option<&Seen> {
        self.entries
            .get(rel)
            .filter(|seen| &seen.stamp == now && now.mtime_ns < self.written_ns)
    }

    /// Whether `rel` is known free of conflict markers.
    pub fn is_clean(&self, rel: &str, now: &Stamp) -> bool {
        self.known(rel, now).is_some_and(|seen| !seen.conflict)
    }

    /// Records what `rel` held when read with this stamp.
    pub fn insert(&mut self, rel: &str, stamp: Stamp, bytes: &[u8]) {
        self.insert_hashed(
            rel,
            Seen {
                stamp,
                sha256: crate::store::sha256(bytes),
                conflict: crate::merge::has_conflict_markers(bytes),
            },
        );
    }

    /// The cache of files just written (`init`): path, SHA-256 and whether
    /// it holds conflict markers, stamped as they are now; a file that is
    /// not there is left out.
    pub fn of_written<'a>(
        kit: &Path,
        files: impl Iterator<Item = (&'a str, &'a str, bool)>,
    ) -> StatCache {
        let mut out = StatCache::default();
        for (rel, sha, conflict) in files {
            if let Some(stamp) = Stamp::of(&kit.join(rel)) {
                out.insert_hashed(
                    rel,
                    Seen {
                        stamp,
                        sha256: sha.to_string(),
                        conflict,
                    },
                );
            }
        }
        out
    }

    /// Records what `rel` held, its hash already known.
    pub fn insert_hashed(&mut self, rel: &str, seen: Seen) {
        self.entries.insert(rel.to_string(), seen);
    }

    pub fn remove(&mut self, rel: &str) {
        self.entries.remove(rel);
    }

    /// Keeps only entries for these paths.
    pub fn retain(&mut self, keep: &dyn Fn(&str) -> bool) {
        self.entries.retain(|k, _| keep(k));
    }

    /// Writes the cache (through a temp file in the cache folder, whose
    /// modification time dates it). Like the render cache it is optional:
    /// an error only means the next update reads the files again.
    pub fn write(&mut self, kit: &Path) -> std::io::Result<()> {
        self.write_as_of(kit, None)
    }

    /// Writes the cache, trusting its entries only for files last modified
    /// before `since` (the file system's clock when this run began stamping
    /// them, see `clock`): a file modified during the run, even within one
    /// tick of a coarse clock, is read again next time.
    pub fn write_as_of(&mut self, kit: &Path, since: Option<i128>) -> std::io::Result<()> {
        self.format = FORMAT;
        write_cache_file(kit, STAT_FILE, |tmp| {
            // The clock of the file system the kit is on: a file modified at
            // or after this instant is "racy" and always read. Unknown: no
            // entry is trusted.
            let now = Stamp::of(tmp).map_or(i128::MIN, |s| s.mtime_ns);
            self.written_ns = since.map_or(now, |s| s.min(now));
            encode("stat", FORMAT, self)
        })?;
        let _ = std::fs::remove_file(kit.join(OLD_STAT_FILE));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_cache_reads_back() {
        let kit = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(kit.path().join(".ispo")).unwrap();
        std::fs::write(kit.path().join("a.md"), "a").unwrap();
        // Written in an earlier tick of the file system's clock than the
        // cache, or it is racy and rightly not trusted (a loaded CI machine
        // wrote both within one tick).
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(kit.path().join("a.md"))
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let mut c = StatCache::of_written(kit.path(), [("a.md", "sha-of-a", false)].into_iter());
        c.write(kit.path()).unwrap();
        let back = StatCache::read(kit.path());
        assert_eq!(back, c);
        let now = Stamp::of(&kit.path().join("a.md")).unwrap();
        assert_eq!(
            back.known("a.md", &now).map(|s| s.sha256.as_str()),
            Some("sha-of-a")
        );
    }

    #[test]
    fn a_stamp_taken_after_the_cache_was_written_is_never_trusted() {
        let s = |mtime_ns| Stamp {
            size: 3,
            mtime_ns,
            ctime_ns: mtime_ns,
            ino: 7,
        };
        let mut c = StatCache {
            written_ns: 100,
            ..StatCache::default()
        };
        c.insert("a.md", s(50), b"a");
        c.insert("b.md", s(100), b"b");
        c.insert(
            "c2.md",
            s(50),
            b"<<<<<<< your kit\nx\n=======\ny\n>>>>>>> catalog\n",
        );
        assert_eq!(
            c.known("a.md", &s(50)).map(|seen| seen.sha256.as_str()),
            Some(crate::store::sha256(b"a").as_str())
        );
        assert!(c.known("c2.md", &s(50)).is_some());
        assert!(!c.is_clean("c2.md", &s(50)), "markers are not clean");
        assert!(c.is_clean("a.md", &s(50)));
        // Same instant as the write: racy, read again.
        assert!(!c.is_clean("b.md", &s(100)));
        // Anything else that differs: read again.
        assert!(!c.is_clean("a.md", &Stamp { size: 4, ..s(50) }));
        assert!(!c.is_clean(
            "a.md",
            &Stamp {
                ctime_ns: 60,
                ..s(50)
            }
        ));
        assert!(!c.is_clean("c.md", &s(50)));
    }
}
