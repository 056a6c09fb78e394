//! ispo's local cache folder in a kit (`.ispo/cache`): reading and writing
//! its files safely, and whether git keeps them out of the kit's history.
//!
//! Everything in it is a speed-up that a clone lacks and rebuilds: a file
//! missing, damaged or written by another ispo is no cache at all, and a
//! cache that cannot be written costs the next command time, never a byte.

use std::fs;
use std::path::Path;

use crate::paths::STATE_DIR;

/// The cache folder, kit-relative; git-ignored by `.ispo/.gitignore`.
pub const CACHE_DIR: &str = ".ispo/cache";

/// A file of ispo's local cache (kit-relative), if it is a regular file:
/// never read through a symlink.
pub fn read_cache_file(kit: &Path, rel: &str) -> Option<Vec<u8>> {
    let path = kit.join(rel);
    fs::symlink_metadata(&path).ok().filter(|m| m.is_file())?;
    fs::read(path).ok()
}

/// Writes a file of ispo's local cache (kit-relative) through a temp file in
/// the cache folder and a rename, never through a symlink. `contents` gets
/// the temp file's path (a cache may date itself by it) and returns the bytes.
pub fn write_cache_file(
    kit: &Path,
    rel: &str,
    contents: impl FnOnce(&Path) -> std::io::Result<Vec<u8>>,
) -> std::io::Result<()> {
    crate::paths::check_no_symlinks(kit, rel).map_err(|e| std::io::Error::other(e.to_string()))?;
    let dir = kit.join(CACHE_DIR);
    fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".ispo-tmp-")
        .tempfile_in(&dir)?;
    let bytes = contents(tmp.path())?;
    std::io::Write::write_all(&mut tmp, &bytes)?;
    tmp.persist(kit.join(rel)).map_err(|e| e.error)?;
    Ok(())
}

/// Whether the kit's `.ispo/.gitignore` is the one this ispo writes, which
/// keeps the cache folder out of git. A cache that git would see (a kit
/// from before the folder existed, or a hand-edited ignore file) is not
/// written, so it never shows up in the user's `git status`.
pub fn is_ignored(kit: &Path) -> bool {
    fs::read(kit.join(STATE_DIR).join(".gitignore"))
        .is_ok_and(|b| b == crate::store::GITIGNORE.as_bytes())
}

/// A cache file's bytes: a header naming what it is (`tag`) and its layout
/// (`format`), then the value in postcard's compact binary form, which reads
/// several times faster than JSON (a 640-module kit's render cache is 1.3 MB
/// of JSON). The header is checked before anything is decoded, so a file of
/// another layout is no cache rather than a misread one.
pub fn encode<T: serde::Serialize>(tag: &str, format: u32, value: &T) -> std::io::Result<Vec<u8>> {
    let mut out = header(tag, format);
    postcard::to_io(value, &mut out).map_err(std::io::Error::other)?;
    Ok(out)
}

/// The value `encode` wrote with this tag and format, if that is what
/// `bytes` hold.
pub fn decode<T: serde::de::DeserializeOwned>(tag: &str, format: u32, bytes: &[u8]) -> Option<T> {
    let body = bytes.strip_prefix(header(tag, format).as_slice())?;
    // Every byte is the value's: a longer file is not one this ispo wrote.
    match postcard::take_from_bytes(body) {
        Ok((value, [])) => Some(value),
        _ => None,
    }
}

fn header(tag: &str, format: u32) -> Vec<u8> {
    let mut h = format!("ispo {tag} cache\n").into_bytes();
    h.extend_from_slice(&format.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_of_another_tag_or_format_is_no_cache() {
        let value = (String::from("a"), 3u64, vec![(1i128, true)]);
        let bytes = encode("stat", 3, &value).unwrap();
        assert_eq!(
            decode::<(String, u64, Vec<(i128, bool)>)>("stat", 3, &bytes),
            Some(value)
        );
        assert_eq!(
            decode::<(String, u64, Vec<(i128, bool)>)>("stat", 4, &bytes),
            None
        );
        assert_eq!(
            decode::<(String, u64, Vec<(i128, bool)>)>("renders", 3, &bytes),
            None
        );
        assert_eq!(
            decode::<(String, u64, Vec<(i128, bool)>)>("stat", 3, &bytes[..bytes.len() - 1]),
            None
        );
        assert_eq!(
            decode::<(String, u64, Vec<(i128, bool)>)>("stat", 3, b"{}"),
            None
        );
    }
}
