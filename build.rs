//! Embeds `catalog/` (the built-in default catalog) into the binary.
//!
//! Generates a table of `(path, bytes)` with `include_bytes!`, and asks cargo to
//! rebuild whenever a catalog file or folder changes.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("catalog");
    let mut files = Vec::new();
    if root.is_dir() {
        walk(&root, &root, &mut files);
    }
    files.sort();
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::from("/// The built-in catalog: `(path relative to catalog/, bytes)`.\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        out.push_str(&format!(
            "    ({rel:?}, include_bytes!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_catalog.rs");
    fs::write(dest, out).expect("write builtin_catalog.rs");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read catalog dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let ty = entry.file_type().expect("file type");
        println!("cargo:rerun-if-changed={}", path.display());
        if ty.is_dir() {
            walk(root, &path, files);
        } else if ty.is_file() {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((rel, path));
        }
    }
}
