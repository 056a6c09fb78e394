//! Module files of a git catalog that are read only when used: an update
//! whose templates did not change never inflates them.
//!
//! Every catalog file has an identity, its git blob id: taken from the tree
//! for a file not read yet, computed from the bytes otherwise (the same
//! SHA-1 of `blob <length>\0<bytes>` git computes), so a template is known
//! to be unchanged without reading it, whatever the catalog was read from.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use sha1::{Digest, Sha1};

/// Reads one blob by its id (hex); an error says why, in words.
pub type ReadBlob = dyn Fn(&str) -> Result<Vec<u8>, String> + Send + Sync;

/// Files not read yet, by catalog path: each with its blob id.
#[derive(Clone, Default)]
pub struct LazyFiles(Option<Arc<Inner>>);

struct Inner {
    blobs: BTreeMap<String, Lazy>,
    read: Box<ReadBlob>,
}

struct Lazy {
    id: String,
    bytes: OnceLock<Result<Vec<u8>, String>>,
}

impl std::fmt::Debug for LazyFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LazyFiles({} files)", self.paths().count())
    }
}

impl LazyFiles {
    /// `blobs` are (catalog path, blob id); `read` reads a blob by id, from
    /// any thread.
    pub fn new(blobs: Vec<(String, String)>, read: Box<ReadBlob>) -> LazyFiles {
        let blobs = blobs
            .into_iter()
            .map(|(path, id)| {
                (
                    path,
                    Lazy {
                        id,
                        bytes: OnceLock::new(),
                    },
                )
            })
            .collect();
        LazyFiles(Some(Arc::new(Inner { blobs, read })))
    }

    /// The paths held, in order.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.0.iter().flat_map(|i| i.blobs.keys())
    }

    /// The paths under a folder prefix (`modules/x/files/`), in order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.0.iter().flat_map(move |i| {
            i.blobs
                .range(prefix.to_string()..)
                .map(|(p, _)| p)
                .take_while(move |p| p.starts_with(prefix))
        })
    }

    pub fn contains(&self, path: &str) -> bool {
        self.0.as_ref().is_some_and(|i| i.blobs.contains_key(path))
    }

    /// A file's blob id, without reading it.
    pub fn id(&self, path: &str) -> Option<&str> {
        Some(self.0.as_ref()?.blobs.get(path)?.id.as_str())
    }

    /// A file's bytes, read now if they were not yet; `None` if not held.
    pub fn get(&self, path: &str) -> Option<Result<&[u8], &str>> {
        let inner = self.0.as_ref()?;
        let lazy = inner.blobs.get(path)?;
        let read = lazy.bytes.get_or_init(|| (inner.read)(&lazy.id));
        Some(read.as_deref().map_err(String::as_str))
    }

    /// Reads these files on every core, so the reads that follow are from
    /// memory; paths not held are ignored. The first file (in the order
    /// given) that cannot be read, with why.
    pub fn prefetch<'a>(&'a self, paths: &[&'a str]) -> Option<(&'a str, &'a str)> {
        use rayon::prelude::*;
        paths.par_iter().for_each(|p| {
            let _ = self.get(p);
        });
        paths.iter().find_map(|p| Some((*p, self.get(p)?.err()?)))
    }
}

/// The git blob id of some bytes (hex).
pub fn blob_id(bytes: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    format!("{:x}", h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_are_gits() {
        // `printf 'hello\n' | git hash-object --stdin`, and of nothing
        assert_eq!(
            blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    #[test]
    fn files_are_read_once_and_only_when_used() {
        let reads = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = reads.clone();
        let lazy = LazyFiles::new(
            vec![
                ("modules/a/files/x.md".into(), "1".into()),
                ("modules/a/files/y.md".into(), "2".into()),
                ("modules/b/files/z.md".into(), "bad".into()),
            ],
            Box::new(move |id| {
                log.lock().unwrap().push(id.to_string());
                if id == "bad" {
                    Err("object not found".into())
                } else {
                    Ok(id.as_bytes().to_vec())
                }
            }),
        );
        assert_eq!(lazy.id("modules/a/files/y.md"), Some("2"));
        assert!(reads.lock().unwrap().is_empty());
        assert_eq!(
            lazy.under("modules/a/files/").collect::<Vec<_>>(),
            ["modules/a/files/x.md", "modules/a/files/y.md"]
        );
        assert_eq!(lazy.get("modules/a/files/x.md"), Some(Ok(&b"1"[..])));
        assert_eq!(lazy.get("modules/a/files/x.md"), Some(Ok(&b"1"[..])));
        assert_eq!(
            lazy.get("modules/b/files/z.md"),
            Some(Err("object not found"))
        );
        assert_eq!(lazy.get("modules/c/files/none.md"), None);
        assert_eq!(*reads.lock().unwrap(), ["1", "bad"]);
    }
}
