//! The base store of a kit (state format 2): the pristine render of every
//! file, kept where git and editors cannot misread it.
//!
//! Renders are stored by their SHA-256 in 256 fixed bucket files,
//! `.ispo/store/00` … `.ispo/store/ff` (the first byte of the hash), each a
//! zlib stream of `<sha256> <length>\n<bytes>\n` entries in hash order. So:
//! - the set of store files never changes after `init`, and an update that
//!   `git commit --all` records leaves every clone able to update;
//! - an update changes only the buckets whose blobs changed;
//! - compressed, the renders do not double `grep -r` hits, and
//!   `.ispo/.gitattributes` marks them binary, so no `core.autocrlf`, catalog
//!   `.gitattributes` or merge driver converts them; the catalog's own
//!   `.gitignore` patterns cannot match the bucket names.
//!
//! An update first writes buckets holding the old and the new blobs, then
//! the state, then prunes: a run killed at any point leaves a state whose
//! every blob is present.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use sha2::{Digest, Sha256};

use crate::error::Failure;
use crate::paths::STATE_DIR;

/// The folder of the bucket files, inside the kit.
pub const STORE_DIR: &str = ".ispo/store";

/// What `.ispo/.gitattributes` says: ispo's files are bytes, never text to
/// convert; the buckets are never diffed line by line or merged, while
/// `state.toml` still shows its changes in a review.
pub const GITATTRIBUTES: &str = "# Written by ispo: its files are stored byte for byte (no line-ending\n# conversion, filters or encodings); the base store is binary to diff and merge.\n* -text -ident -filter -working-tree-encoding\nstore/* -diff -merge\n";

/// What `.ispo/.gitignore` says: ispo's own files are tracked whatever the
/// kit's `.gitignore` (which may come from a catalog) says about names such
/// as `store/` or `*.toml`, and the lock and temp files of a run never are.
pub const GITIGNORE: &str = "# Written by ispo. Its state and base store are always tracked,\n# whatever the kit's own .gitignore says; files of a run and the\n# local render cache never are.\n!/state.toml\n!/.gitattributes\n!/.gitignore\n!/store/\n!/store/*\n/lock\n/cache/\n/pending.toml\n*.tmp\n.ispo-tmp-*\n.state-*\n";

/// The SHA-256 of some bytes, in lower-case hex: how the store and the
/// state name a render.
pub fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Blobs by SHA-256 (hex), in 256 buckets, each decoded the first time a
/// blob of it is asked for: an update that changed one file reads the
/// buckets it needs, not the whole store.
#[derive(Debug)]
pub struct Store {
    /// The kit whose `.ispo/store/` holds the buckets; `None` for a store
    /// that lives in memory only (a format-1 kit's base folder, tests).
    kit: Option<PathBuf>,
    buckets: Vec<OnceLock<Result<Bucket, String>>>,
}

/// One bucket's blobs by SHA-256.
type Bucket = BTreeMap<String, Vec<u8>>;

/// One blob of a bucket: its SHA-256 and its bytes.
type Entry<'a> = (&'a str, &'a [u8]);

/// What an update changes in the store: the new renders it holds the bytes
/// of, and the blobs the old and the new state name (SHA-256 → a kit path,
/// for messages).
#[derive(Debug, Default)]
pub struct Update<'a> {
    pub blobs: BTreeMap<&'a str, &'a [u8]>,
    pub before: BTreeMap<&'a str, &'a str>,
    pub after: BTreeMap<&'a str, &'a str>,
}

fn bucket_of(sha: &str) -> &str {
    &sha[..2]
}

fn bucket_index(sha: &str) -> usize {
    usize::from_str_radix(bucket_of(sha), 16).unwrap_or(0)
}

fn bucket_names() -> impl Iterator<Item = String> {
    (0..=255u8).map(|b| format!("{b:02x}"))
}

fn bucket_name(i: usize) -> String {
    format!("{i:02x}")
}

/// Every file `write` makes, kit-relative: ispo's `.gitattributes` and
/// `.gitignore` and the 256 buckets.
pub fn files() -> Vec<String> {
    let mut out = vec![
        format!("{STATE_DIR}/.gitattributes"),
        format!("{STATE_DIR}/.gitignore"),
    ];
    out.extend(bucket_names().map(|b| format!("{STORE_DIR}/{b}")));
    out
}

fn is_sha(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Default for Store {
    fn default() -> Store {
        Store::of(std::iter::empty())
    }
}

impl PartialEq for Store {
    /// The same blobs (every bucket read).
    fn eq(&self, other: &Store) -> bool {
        matches!((self.all(), other.all()), (Ok(a), Ok(b)) if a == b)
    }
}

impl Store {
    /// A store in memory of exactly these renders.
    pub fn of<'a>(renders: impl IntoIterator<Item = &'a [u8]>) -> Store {
        let mut buckets: Vec<Bucket> = (0..256).map(|_| Bucket::new()).collect();
        for b in renders {
            let sha = sha256(b);
            buckets[bucket_index(&sha)].insert(sha, b.to_vec());
        }
        Store {
            kit: None,
            buckets: buckets.into_iter().map(|b| OnceLock::from(Ok(b))).collect(),
        }
    }

    /// The kit's store, read bucket by bucket as blobs are asked for.
    pub fn open(kit: &Path) -> Result<Store> {
        for name in bucket_names() {
            crate::paths::check_no_symlinks(kit, &format!("{STORE_DIR}/{name}"))?;
        }
        Ok(Store {
            kit: Some(kit.to_path_buf()),
            buckets: (0..256).map(|_| OnceLock::new()).collect(),
        })
    }

    /// The kit's store with every bucket read and checked.
    pub fn read(kit: &Path) -> Result<Store> {
        let store = Store::open(kit)?;
        store.load_buckets(&(0..256).collect::<Vec<_>>())?;
        Ok(store)
    }

    /// One bucket, decoded on first use. A missing bucket file is an empty
    /// bucket; one that cannot be read, or is damaged, is refused, naming
    /// the file (read as empty, an update would rewrite it without the
    /// renders the kit's state still names).
    fn bucket(&self, i: usize) -> Result<&Bucket> {
        let decoded = self.buckets[i].get_or_init(|| {
            let Some(kit) = &self.kit else {
                return Ok(Bucket::new());
            };
            let path = kit.join(STORE_DIR).join(bucket_name(i));
            let bytes = match fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Bucket::new()),
                Err(e) => {
                    return Err(format!(
                        "the base store file `{}` cannot be read ({e}); make it readable and run ispo again",
                        path.display()
                    ))
                }
            };
            decode(&bytes).map(|blobs| blobs.into_iter().collect()).map_err(|why| {
                format!(
                    "the base store file `{}` is damaged ({why}); restore `.ispo/` from version control",
                    path.display()
                )
            })
        });
        decoded
            .as_ref()
            .map_err(|why| Failure::Refused(why.clone()).into())
    }

    /// Decodes these buckets on every core (inflating and checking each
    /// blob's hash is most of reading the store).
    fn load_buckets(&self, which: &[usize]) -> Result<()> {
        use rayon::prelude::*;
        which
            .par_iter()
            .try_for_each(|i| self.bucket(*i).map(|_| ()))
    }

    /// Reads the buckets holding these blobs, on every core, before they are
    /// asked for one by one.
    pub fn load<'a>(&self, shas: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let which: BTreeSet<usize> = shas
            .into_iter()
            .filter(|s| is_sha(s))
            .map(bucket_index)
            .collect();
        self.load_buckets(&which.into_iter().collect::<Vec<_>>())
    }

    /// A blob, if the store holds it.
    pub fn get(&self, sha: &str) -> Result<Option<&[u8]>> {
        if !is_sha(sha) {
            return Ok(None);
        }
        Ok(self.bucket(bucket_index(sha))?.get(sha).map(Vec::as_slice))
    }

    /// Every blob (every bucket read).
    pub fn all(&self) -> Result<BTreeMap<&str, &[u8]>> {
        self.load_buckets(&(0..256).collect::<Vec<_>>())?;
        let mut out = BTreeMap::new();
        for i in 0..256 {
            out.extend(
                self.bucket(i)?
                    .iter()
                    .map(|(sha, b)| (sha.as_str(), b.as_slice())),
            );
        }
        Ok(out)
    }

    /// Writes every bucket whose content differs from what `on_disk` holds
    /// (all 256 when `on_disk` is `None`), each through a temp file and a
    /// rename, plus ispo's `.gitattributes` and `.gitignore`. The tests'
    /// way to lay out a store: ispo itself writes one with `write_renders`
    /// (init) or `write_with` and `prune_to` (update).
    #[cfg(test)]
    pub fn write(&self, kit: &Path, on_disk: Option<&Store>) -> Result<()> {
        write_meta(kit)?;
        let mine = self.all()?;
        let theirs = on_disk.map(Store::all).transpose()?;
        write_buckets(
            kit,
            bucket_names(),
            &by_bucket(mine.iter().map(|(s, b)| (*s, *b))),
            theirs
                .as_ref()
                .map(|t| by_bucket(t.iter().map(|(s, b)| (*s, *b))))
                .as_ref(),
        )
    }

    /// The buckets an update rewrites: those a blob comes to or goes from,
    /// and any whose file is missing. All 256 for a store in memory, none of
    /// which is on disk yet.
    fn touched(&self, kit: &Path, upd: &Update<'_>) -> Vec<usize> {
        if self.kit.is_none() {
            return (0..256).collect();
        }
        let mut out: BTreeSet<usize> = upd
            .after
            .keys()
            .filter(|s| !upd.before.contains_key(*s))
            .chain(upd.before.keys().filter(|s| !upd.after.contains_key(*s)))
            .chain(upd.blobs.keys().filter(|s| !upd.before.contains_key(*s)))
            .map(|s| bucket_index(s))
            .collect();
        out.extend((0..256).filter(|i| !kit.join(STORE_DIR).join(bucket_name(*i)).is_file()));
        out.into_iter().collect()
    }

    /// What bucket `i` holds on disk: nothing for a store in memory.
    fn on_disk(&self, i: usize) -> Result<BTreeMap<&str, &[u8]>> {
        if self.kit.is_none() {
            return Ok(BTreeMap::new());
        }
        Ok(self
            .bucket(i)?
            .iter()
            .map(|(s, b)| (s.as_str(), b.as_slice()))
            .collect())
    }

    /// The blobs of bucket `i` the new state names, with their bytes from
    /// the update or from this store; one neither holds is a damaged kit,
    /// refused before anything is written.
    fn after_in<'a>(&'a self, i: usize, upd: &Update<'a>) -> Result<BTreeMap<&'a str, &'a [u8]>> {
        let mut out = BTreeMap::new();
        for (sha, path) in upd.after.iter().filter(|(s, _)| bucket_index(s) == i) {
            let bytes = match upd.blobs.get(sha) {
                Some(b) => *b,
                None => self.get(sha)?.ok_or_else(|| {
                    Failure::Refused(format!(
                        "the base render of `{path}` is missing from {STORE_DIR}; the kit's .ispo folder is damaged (restore it from version control)"
                    ))
                })?,
            };
            out.insert(*sha, bytes);
        }
        Ok(out)
    }

    /// An update's first step: the buckets it touches hold the old blobs
    /// and the new state's side by side, so a run killed after this finds
    /// whatever either state names. Borrowed, never copied; the other
    /// buckets are neither read nor written.
    pub fn write_with(&self, kit: &Path, upd: &Update<'_>) -> Result<()> {
        write_meta(kit)?;
        let touched = self.touched(kit, upd);
        self.load_buckets(&touched)?;
        let mut mine = BTreeMap::new();
        let mut theirs = BTreeMap::new();
        for &i in &touched {
            let old = self.on_disk(i)?;
            let mut both = old.clone();
            both.extend(self.after_in(i, upd)?);
            mine.insert(bucket_name(i), both.into_iter().collect::<Vec<_>>());
            theirs.insert(bucket_name(i), old.into_iter().collect::<Vec<_>>());
        }
        write_buckets(
            kit,
            touched.into_iter().map(bucket_name),
            &mine,
            Some(&theirs),
        )
    }

    /// An update's last step, once the state names only the new blobs: the
    /// buckets `write_with` wrote drop every other blob.
    pub fn prune_to(&self, kit: &Path, upd: &Update<'_>) -> Result<()> {
        let touched = self.touched(kit, upd);
        let mut mine = BTreeMap::new();
        let mut theirs = BTreeMap::new();
        for &i in &touched {
            let new = self.after_in(i, upd)?;
            let mut both = self.on_disk(i)?;
            both.extend(new.iter().map(|(s, b)| (*s, *b)));
            mine.insert(bucket_name(i), new.into_iter().collect::<Vec<_>>());
            theirs.insert(bucket_name(i), both.into_iter().collect::<Vec<_>>());
        }
        write_buckets(
            kit,
            touched.into_iter().map(bucket_name),
            &mine,
            Some(&theirs),
        )
    }

    /// Writes all 256 buckets for exactly these renders, each named by its
    /// SHA-256, without copying them into a store first (init's kit is
    /// already in memory once).
    pub fn write_renders<'a>(
        kit: &Path,
        renders: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<()> {
        write_meta(kit)?;
        let sorted: BTreeMap<&str, &[u8]> = renders
            .into_iter()
            .map(|(sha, b)| {
                debug_assert_eq!(sha256(b), sha);
                (sha, b)
            })
            .collect();
        write_buckets(kit, bucket_names(), &by_bucket(sorted), None)
    }
}

/// Blobs grouped into their buckets, in the order given (hash order).
fn by_bucket<'a>(blobs: impl IntoIterator<Item = Entry<'a>>) -> BTreeMap<String, Vec<Entry<'a>>> {
    let mut out: BTreeMap<String, Vec<Entry<'a>>> = BTreeMap::new();
    for (sha, blob) in blobs {
        out.entry(bucket_of(sha).to_string())
            .or_default()
            .push((sha, blob));
    }
    out
}

/// The store folder, and ispo's `.gitattributes` and `.gitignore`.
fn write_meta(kit: &Path) -> Result<()> {
    let dir = kit.join(STORE_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    for (name, text) in [(".gitattributes", GITATTRIBUTES), (".gitignore", GITIGNORE)] {
        let rel = format!("{STATE_DIR}/{name}");
        if fs::read(kit.join(&rel)).ok().as_deref() != Some(text.as_bytes()) {
            write_file(kit, &rel, text.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes each of the buckets `names` whose content in `mine` differs from
/// `theirs` (every one of them when there is no `theirs`), each through a
/// temp file and a rename; buckets not named are not part of this write.
fn write_buckets(
    kit: &Path,
    names: impl Iterator<Item = String>,
    mine: &BTreeMap<String, Vec<Entry<'_>>>,
    theirs: Option<&BTreeMap<String, Vec<Entry<'_>>>>,
) -> Result<()> {
    let changed: Vec<(String, &[Entry<'_>])> = names
        .filter_map(|name| {
            let wanted = mine.get(&name);
            // Entries are named by their SHA-256: equal names, equal bytes.
            let same = theirs.is_some_and(|t| {
                same_names(t.get(&name), wanted) && kit.join(STORE_DIR).join(&name).is_file()
            });
            (!same).then(|| (name, wanted.map(Vec::as_slice).unwrap_or(&[])))
        })
        .collect();
    encode_and_write(kit, &changed)
}

/// Two buckets hold the same blobs: entries are named by their SHA-256, so
/// equal names mean equal bytes, and the bytes need no comparing.
fn same_names(a: Option<&Vec<Entry<'_>>>, b: Option<&Vec<Entry<'_>>>) -> bool {
    let (a, b) = (
        a.map_or(&[][..], Vec::as_slice),
        b.map_or(&[][..], Vec::as_slice),
    );
    a.len() == b.len() && a.iter().zip(b).all(|((x, _), (y, _))| x == y)
}

fn write_file(kit: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    crate::paths::check_no_symlinks(kit, rel)?;
    let path = kit.join(rel);
    let dir = path.parent().expect("store files have a parent");
    let mut tmp = tempfile::Builder::new()
        .prefix(".ispo-tmp-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in `{}`", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all().ok();
    tmp.persist(&path)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

/// zlib's level for the buckets. Compression was most of what writing the
/// store cost: against level 6, level 2 cut the CPU time of an init at 640
/// modules from 4.0 to 2.3 s for a store 9% larger; level 1 (zlib-rs's
/// quick strategy) was no faster and 33% larger again, more history in
/// every kit's repository.
const STORE_LEVEL: u32 = 2;

/// One bucket's bytes: nothing for an empty bucket, else a zlib stream.
/// The same entries always give the same bytes, so git sees no change.
fn encode(entries: &[(&str, &[u8])]) -> Vec<u8> {
    if entries.is_empty() {
        return Vec::new();
    }
    let mut raw = Vec::new();
    for (sha, blob) in entries {
        raw.extend_from_slice(format!("{sha} {}\n", blob.len()).as_bytes());
        raw.extend_from_slice(blob);
        raw.push(b'\n');
    }
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::new(STORE_LEVEL));
    z.write_all(&raw).expect("writing to memory");
    z.finish().expect("writing to memory")
}

/// Compresses and writes buckets on every core: at init all 256 are
/// written, and compression is most of what writing the store costs. Each
/// bucket is written as soon as it is compressed, so the compressed store
/// (9 MB at 640 modules) is never held whole beside the renders.
fn encode_and_write(kit: &Path, buckets: &[(String, &[Entry<'_>])]) -> Result<()> {
    use rayon::prelude::*;
    buckets.par_iter().try_for_each(|(name, entries)| {
        write_file(kit, &format!("{STORE_DIR}/{name}"), &encode(entries))
    })
}

/// The largest bucket ispo reads back: far beyond any real kit, small enough
/// that a hostile `.ispo/` cannot exhaust memory.
const MAX_BUCKET_BYTES: u64 = 1 << 30;

/// One blob read back: its SHA-256 and its bytes.
type Blob = (String, Vec<u8>);

fn decode(bytes: &[u8]) -> Result<Vec<Blob>, String> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let mut raw = Vec::new();
    ZlibDecoder::new(bytes)
        .take(MAX_BUCKET_BYTES)
        .read_to_end(&mut raw)
        .map_err(|e| format!("not a zlib stream: {e}"))?;
    let mut out = Vec::new();
    let mut rest = raw.as_slice();
    while !rest.is_empty() {
        let nl = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("an entry without its header")?;
        let header = std::str::from_utf8(&rest[..nl]).map_err(|_| "a header that is not text")?;
        let (sha, len) = header.split_once(' ').ok_or("a header without a length")?;
        let len: usize = len.parse().map_err(|_| "a length that is not a number")?;
        if !is_sha(sha) {
            return Err(format!("`{sha}` is not a SHA-256"));
        }
        let body = rest.get(nl + 1..nl + 1 + len).ok_or("an entry cut short")?;
        if sha256(body) != sha {
            return Err(format!("the entry {sha} does not match its hash"));
        }
        if rest.get(nl + 1 + len) != Some(&b'\n') {
            return Err("an entry without its closing newline".into());
        }
        out.push((sha.to_string(), body.to_vec()));
        rest = &rest[nl + 2 + len..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_borrowed_renders_writes_what_a_store_of_them_writes() {
        let renders: Vec<&[u8]> = vec![b"one\n", b"two\r\n", b"one\n", b"\x00\xff binary"];
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        Store::of(renders.iter().copied())
            .write(a.path(), None)
            .unwrap();
        let hashed: Vec<(String, &[u8])> = renders.iter().map(|r| (sha256(r), *r)).collect();
        Store::write_renders(b.path(), hashed.iter().map(|(s, r)| (s.as_str(), *r))).unwrap();
        for name in files() {
            assert_eq!(
                fs::read(a.path().join(&name)).unwrap(),
                fs::read(b.path().join(&name)).unwrap(),
                "{name}"
            );
        }
        assert_eq!(
            Store::read(b.path()).unwrap(),
            Store::of(renders.iter().copied())
        );
    }

    #[test]
    fn buckets_round_trip_and_are_deterministic() {
        let store = Store::of([b"one\n".as_slice(), b"two\r\n", b"\x00\xff binary"]);
        let all = store.all().unwrap();
        for (name, entries) in by_bucket(all.iter().map(|(s, b)| (*s, *b))) {
            let bytes = encode(&entries);
            assert_eq!(bytes, encode(&entries), "bucket {name}");
            let back = decode(&bytes).unwrap();
            assert_eq!(back.len(), entries.len());
            for ((sha, blob), (s2, b2)) in back.iter().zip(&entries) {
                assert_eq!(sha, s2);
                assert_eq!(blob.as_slice(), *b2);
            }
        }
        assert_eq!(decode(&[]).unwrap(), Vec::new());
    }

    #[test]
    fn damage_is_reported_not_trusted() {
        assert!(decode(b"not zlib").is_err());
        let sha = sha256(b"x");
        let raw = format!("{sha} 1\ny\n");
        let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::new(STORE_LEVEL));
        z.write_all(raw.as_bytes()).unwrap();
        let err = decode(&z.finish().unwrap()).unwrap_err();
        assert!(err.contains("does not match"), "{err}");
    }

    #[test]
    fn an_update_first_keeps_old_and_new_then_prunes_to_new() {
        let dir = tempfile::tempdir().unwrap();
        let old = Store::of([b"a".as_slice(), b"b", b"c"]);
        old.write(dir.path(), None).unwrap();
        let on_disk = Store::open(dir.path()).unwrap();
        let sha = |b: &[u8]| sha256(b);
        let (a, b, c, d) = (sha(b"a"), sha(b"b"), sha(b"c"), sha(b"d"));
        // "a" and "b" stay (their bytes come from the store), "c" goes,
        // "d" is new (its bytes come with the update).
        let upd = Update {
            blobs: [(d.as_str(), b"d".as_slice())].into_iter().collect(),
            before: [(a.as_str(), "A"), (b.as_str(), "B"), (c.as_str(), "C")]
                .into_iter()
                .collect(),
            after: [(a.as_str(), "A"), (b.as_str(), "B"), (d.as_str(), "D")]
                .into_iter()
                .collect(),
        };
        let stamp = |name: &str| fs::read(dir.path().join(STORE_DIR).join(name)).unwrap();
        let before: Vec<Vec<u8>> = bucket_names().map(|n| stamp(&n)).collect();
        on_disk.write_with(dir.path(), &upd).unwrap();
        assert_eq!(
            Store::read(dir.path()).unwrap(),
            Store::of([b"a".as_slice(), b"b", b"c", b"d"]),
            "a run killed now still finds the old blobs"
        );
        on_disk.prune_to(dir.path(), &upd).unwrap();
        assert_eq!(
            Store::read(dir.path()).unwrap(),
            Store::of([b"a".as_slice(), b"b", b"d"])
        );
        let changed = bucket_names()
            .zip(&before)
            .filter(|(n, b)| &stamp(n) != *b)
            .count();
        assert!(changed <= 2, "{changed} buckets changed for one blob");
        // Only the buckets of "c" and "d" were read.
        let read = on_disk.buckets.iter().filter(|b| b.get().is_some()).count();
        assert!(read <= 2, "{read} buckets read");
    }

    #[test]
    fn a_blob_the_new_state_needs_and_nobody_has_is_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        Store::of([b"a".as_slice()])
            .write(dir.path(), None)
            .unwrap();
        let on_disk = Store::open(dir.path()).unwrap();
        let (a, x) = (sha256(b"a"), sha256(b"x"));
        let upd = Update {
            blobs: BTreeMap::new(),
            before: [(a.as_str(), "A")].into_iter().collect(),
            after: [(x.as_str(), "X.md")].into_iter().collect(),
        };
        let err = on_disk
            .write_with(dir.path(), &upd)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`X.md` is missing"), "{err}");
        assert_eq!(
            Store::read(dir.path()).unwrap(),
            Store::of([b"a".as_slice()])
        );
    }

    #[test]
    fn writing_changes_only_the_buckets_whose_blobs_changed() {
        let dir = tempfile::tempdir().unwrap();
        let old = Store::of([b"a".as_slice(), b"b", b"c"]);
        old.write(dir.path(), None).unwrap();
        assert_eq!(
            fs::read_dir(dir.path().join(STORE_DIR)).unwrap().count(),
            256
        );
        let stamp = |name: &str| fs::read(dir.path().join(STORE_DIR).join(name)).unwrap();
        let before: Vec<Vec<u8>> = bucket_names().map(|n| stamp(&n)).collect();
        let new = Store::of([b"a".as_slice(), b"b", b"d"]);
        new.write(dir.path(), Some(&old)).unwrap();
        let changed = bucket_names()
            .zip(&before)
            .filter(|(n, b)| &stamp(n) != *b)
            .count();
        assert!(changed <= 2, "{changed} buckets changed for one blob");
        assert_eq!(Store::read(dir.path()).unwrap(), new);
    }
}
