//! The stat cache: which kit files were last seen free of conflict
//! markers, by their file-system metadata, so a no-op `ispo update` reads
//! only the files that changed since (as git's index does for `git status`).
//!
//! An entry holds a file's size, modification and change times and inode
//! number, taken when ispo read (or wrote) it and found no conflict marker.
//! A file whose metadata still matches is not read again. An edit that
//! keeps the size and sets the modification time back still moves the
//! change time, which no program can set. And as in git's racy-clean rule,
//! a file modified in the same instant the cache was written (or later) is
//! always read: its entry may predate a write within the clock's
//! resolution.
//!
//! The cache lives in `.ispo/cache/stat.json`, out of git (`.ispo/.gitignore`):
//! metadata means nothing on another machine or in another clone.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::render_cache::{read_cache_file, write_cache_file};

/// The stat cache file, kit-relative.
pub const STAT_FILE: &str = ".ispo/cache/stat.json";
const FORMAT: u32 = 1;

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

/// Kit path → the stamp it had when last seen clean.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatCache {
    format: u32,
    /// When the cache was written, on the kit's file system's clock (the
    /// modification time of a file written just before): entries of files
    /// modified at or after it are not trusted.
    written_ns: i128,
    entries: BTreeMap<String, Stamp>,
}

impl StatCache {
    pub fn read(kit: &Path) -> StatCache {
        read_cache_file(kit, STAT_FILE)
            .and_then(|b| serde_json::from_slice::<StatCache>(&b).ok())
            .filter(|c| c.format == FORMAT)
            .unwrap_or_default()
    }

    /// Whether `rel` is known clean: its stamp is the recorded one, and was
    /// recorded safely after the file's last modification.
    pub fn is_clean(&self, rel: &str, now: &Stamp) -> bool {
        self.entries.get(rel) == Some(now) && now.mtime_ns < self.written_ns
    }

    /// Records `rel` as seen clean with this stamp.
    pub fn insert(&mut self, rel: &str, stamp: Stamp) {
        self.entries.insert(rel.to_string(), stamp);
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
    /// an error only means the next no-op reads every file.
    pub fn write(&mut self, kit: &Path) -> std::io::Result<()> {
        self.format = FORMAT;
        write_cache_file(kit, STAT_FILE, |tmp| {
            // The clock of the file system the kit is on: a file modified at
            // or after this instant is "racy" and always read.
            self.written_ns = Stamp::of(tmp).map_or(i128::MAX, |s| s.mtime_ns);
            serde_json::to_vec(self).map_err(std::io::Error::other)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        c.insert("a.md", s(50));
        c.insert("b.md", s(100));
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
