//! The render cache: what each kit file's render was computed from, kept
//! beside the kit so that `ispo update` compiles and renders only the
//! templates whose inputs changed.
//!
//! A render is a pure function of the template's bytes, the partials it
//! includes, the context keys it reads (answers, fill-ins, `module`,
//! `modules`, `catalog`), the choice labels when it calls `label`, its
//! output path (which picks how values are escaped) and the ispo version.
//! Each output gets a key, a SHA-256 over exactly those inputs (a template's
//! bytes by their git blob id, so an unchanged template is known without
//! reading it); when a template's bytes are unchanged, the keys it reads are the ones recorded
//! the last time it was compiled, so the key is computed without parsing
//! it. A matching key reuses the render from the kit's base store, where it
//! is kept under its own hash: a wrong or stale cache can only cost a
//! re-render, never change a byte of what is rendered.
//!
//! The cache lives in `.ispo/cache/renders.bin`, which `.ispo/.gitignore`
//! keeps out of git: it is a local speed-up, and a clone without it renders
//! everything once.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use handlebars::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::local_cache::{decode, encode, read_cache_file, write_cache_file};
use crate::store::sha256;
use crate::template_refs::{walk, Refs, Roots};

/// The render cache file, kit-relative.
pub const RENDERS_FILE: &str = ".ispo/cache/renders.bin";
/// Where formats 1 to 3 were kept, as JSON: removed when the new one is written.
const OLD_RENDERS_FILE: &str = ".ispo/cache/renders.json";
/// Bumped whenever what goes into a key or an output's record changes, or
/// the layout of the file (4: postcard instead of JSON).
const FORMAT: u32 = 4;
/// Stands for "reads the whole context" in `Deps::names`.
const WHOLE: &str = "*";

/// The cache of one kit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RenderCache {
    pub format: u32,
    pub ispo: String,
    /// Template (catalog path) → what it reads.
    pub templates: BTreeMap<String, Deps>,
    /// Output (kit path) → its key and the SHA-256 of its render.
    pub outputs: BTreeMap<String, Output>,
}

/// What one template reads, valid while its bytes have the git blob id
/// `blob_id` (known from the catalog's tree without reading the template,
/// see `catalog::lazy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deps {
    pub blob_id: String,
    /// Top-level context keys, sorted; `["*"]` for the whole context.
    pub names: Vec<String>,
    /// Partials it includes, directly or through other partials, sorted.
    pub partials: Vec<String>,
    /// Whether it (or a partial it includes) calls `label`.
    #[serde(default)]
    pub label: bool,
}

/// One output's key and render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub key: String,
    pub sha256: String,
    /// The fill-in markers the render holds, `(id, line)`: the kit README
    /// lists them without reading a reused render from the store.
    pub markers: Vec<(String, usize)>,
}

/// How much of a render was done and how much reused: reported by
/// `ispo update --json` and `ispo init --json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RenderStats {
    /// Templates compiled (parsed by Handlebars).
    pub templates_compiled: usize,
    /// Kit files rendered from their templates.
    pub files_rendered: usize,
    /// Kit files whose inputs were unchanged: the stored render reused.
    pub files_reused: usize,
}

impl RenderCache {
    pub fn new() -> RenderCache {
        RenderCache {
            format: FORMAT,
            ispo: env!("CARGO_PKG_VERSION").to_string(),
            ..RenderCache::default()
        }
    }

    /// The kit's cache, if there is one this ispo wrote; anything else
    /// (missing, damaged, another version) is no cache at all.
    pub fn read(kit: &Path) -> Option<RenderCache> {
        let bytes = read_cache_file(kit, RENDERS_FILE)?;
        let cache: RenderCache = decode("renders", FORMAT, &bytes)?;
        (cache.format == FORMAT && cache.ispo == env!("CARGO_PKG_VERSION")).then_some(cache)
    }

    /// Writes the cache under `kit`. A cache is optional: failing to write
    /// it only costs the next update a full render, so errors are returned
    /// for a warning, not a failure.
    pub fn write(&self, kit: &Path) -> std::io::Result<()> {
        write_cache_file(kit, RENDERS_FILE, |_| encode("renders", FORMAT, self))?;
        let _ = fs::remove_file(kit.join(OLD_RENDERS_FILE));
        Ok(())
    }

    /// The stored render of `out_path` if its recorded key is `key`: the
    /// SHA-256 to look up in the base store.
    pub fn hit(&self, out_path: &str, key: &str) -> Option<&Output> {
        self.outputs.get(out_path).filter(|o| o.key == key)
    }

    /// What the template at `path` reads, if recorded for these bytes.
    pub fn deps(&self, path: &str, blob_id: &str) -> Option<&Deps> {
        self.templates.get(path).filter(|d| d.blob_id == blob_id)
    }
}

/// What the partials contribute to keys: their hashes, what they read and
/// include, the labels' hash, and whether skeleton compilation was on.
pub struct Keyer {
    partials: BTreeMap<String, PartialDeps>,
    labels_sha: String,
    skeletal: bool,
}

struct PartialDeps {
    sha: String,
    roots: Roots,
    includes: Vec<String>,
}

fn roots_of(t: &Template) -> (Roots, Vec<String>) {
    let mut refs = Refs::default();
    walk(t, false, (1, 1), &mut refs);
    let includes = refs.partials.iter().map(|p| p.0.clone()).collect();
    (Roots::of(&refs), includes)
}

impl Keyer {
    /// `partials`: name → (source text, compiled). `labels`: the choice
    /// labels `label` reads, in a stable form. `skeletal`: whether templates
    /// are compiled as skeletons (it changes nothing in the output, but a
    /// change of the rule must not reuse renders made under the other).
    pub fn new(partials: &[(String, &str, &Template)], labels: &Json, skeletal: bool) -> Keyer {
        Keyer {
            partials: partials
                .iter()
                .map(|(name, text, t)| {
                    let (roots, includes) = roots_of(t);
                    (
                        name.clone(),
                        PartialDeps {
                            sha: sha256(text.as_bytes()),
                            roots,
                            includes,
                        },
                    )
                })
                .collect(),
            labels_sha: sha256(labels.to_string().as_bytes()),
            skeletal,
        }
    }

    /// What a freshly compiled template reads, through its partials too.
    pub fn deps(&self, blob_id: &str, template: &Template) -> Deps {
        let (mut roots, includes) = roots_of(template);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut todo = includes;
        while let Some(name) = todo.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            match self.partials.get(&name) {
                Some(p) => {
                    roots.extend(&p.roots);
                    todo.extend(p.includes.iter().cloned());
                }
                // Not a catalog partial: the render refuses it anyway.
                None => roots.all = true,
            }
        }
        Deps {
            blob_id: blob_id.to_string(),
            names: if roots.all {
                vec![WHOLE.to_string()]
            } else {
                roots.names.into_iter().collect()
            },
            partials: seen.into_iter().collect(),
            label: roots.label,
        }
    }

    /// The key of one output: `None` when a partial the template included
    /// is gone (the template must be compiled again to know).
    pub fn key(&self, template: &str, deps: &Deps, out_path: &str, ctx: &Json) -> Option<String> {
        let mut h = Sha256::new();
        let mut line = |parts: &[&str]| {
            for p in parts {
                h.update(p.as_bytes());
                h.update([0u8]);
            }
            h.update(b"\n");
        };
        line(&[
            "ispo render key",
            &FORMAT.to_string(),
            env!("CARGO_PKG_VERSION"),
        ]);
        line(&[
            template,
            &deps.blob_id,
            out_path,
            &self.skeletal.to_string(),
        ]);
        for name in &deps.partials {
            line(&[name, &self.partials.get(name)?.sha]);
        }
        if deps.label {
            line(&["labels", &self.labels_sha]);
        }
        if deps.names.iter().any(|n| n == WHOLE) {
            line(&[WHOLE, &ctx.to_string()]);
        } else {
            for name in &deps.names {
                let value = ctx
                    .get(name)
                    .map_or_else(|| "absent".to_string(), Json::to_string);
                line(&[name, &value]);
            }
        }
        Some(format!("{:x}", h.finalize()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keyer(partials: &[(&str, &str)]) -> Keyer {
        let compiled: Vec<(String, &str, Template)> = partials
            .iter()
            .map(|(n, t)| (n.to_string(), *t, Template::compile(t).unwrap()))
            .collect();
        let refs: Vec<(String, &str, &Template)> = compiled
            .iter()
            .map(|(n, t, c)| (n.clone(), *t, c))
            .collect();
        Keyer::new(&refs, &json!({"forge": {"gitlab": "GitLab"}}), true)
    }

    fn deps(k: &Keyer, src: &str) -> Deps {
        k.deps(
            &crate::catalog::lazy::blob_id(src.as_bytes()),
            &Template::compile(src).unwrap(),
        )
    }

    #[test]
    fn names_are_the_top_level_keys_read() {
        let k = keyer(&[("p", "{{company}} {{> q}}"), ("q", "{{fill.x}}")]);
        let d = deps(
            &k,
            "{{#if (eq forge \"gitlab\")}}{{module.title}}{{/if}}{{#each tools}}{{name}}{{/each}}{{> p}}",
        );
        assert_eq!(
            d.names,
            ["company", "fill", "forge", "module", "name", "tools"]
        );
        assert_eq!(d.partials, ["p", "q"]);
        assert!(!d.label);
        let d = deps(
            &k,
            "{{label \"forge\"}} {{@root.catalog.name}} {{#each xs}}{{this}}{{/each}}",
        );
        assert_eq!(d.names, ["catalog", "forge", "xs"]);
        assert!(d.label);
    }

    #[test]
    fn whole_context_reads_are_all() {
        let k = keyer(&[]);
        for src in [
            "{{#each this}}{{@key}}{{/each}}",
            "{{label q}}",
            "{{lookup @root name}}",
            "{{#each xs}}{{../this}}{{/each}}",
        ] {
            assert_eq!(deps(&k, src).names, ["*"], "{src}");
        }
    }

    #[test]
    fn the_key_follows_exactly_the_inputs_read() {
        let k = keyer(&[("p", "{{company}}")]);
        let d = deps(&k, "{{forge}} {{> p}}");
        let ctx = json!({"forge": "gitlab", "company": "Acme", "stage": "pilot"});
        let key = |ctx: &Json, out: &str| k.key("t.md", &d, out, ctx).unwrap();
        let base = key(&ctx, "a.md");
        // Unread keys change nothing; read ones, the output path and the
        // partial's bytes do.
        assert_eq!(
            base,
            key(
                &json!({"forge": "gitlab", "company": "Acme", "stage": "adopt"}),
                "a.md"
            )
        );
        assert_ne!(
            base,
            key(&json!({"forge": "github", "company": "Acme"}), "a.md")
        );
        assert_ne!(
            base,
            key(&json!({"forge": "gitlab", "company": "Beta"}), "a.md")
        );
        assert_ne!(base, key(&ctx, "a.yml"));
        let k2 = keyer(&[("p", "{{company}}!")]);
        assert_ne!(base, k2.key("t.md", &d, "a.md", &ctx).unwrap());
        assert_eq!(keyer(&[]).key("t.md", &d, "a.md", &ctx), None);
    }
}
