//! A catalog and the catalogs it builds on: the `[[extends]]` of its
//! catalog.toml, resolved depth-first into one stack, lowest first, each
//! layer fetched (or read from the cache) like any catalog.
//!
//! A layer is untrusted input like any catalog: a remote layer may only
//! extend the built-in catalog or a git URL (never a folder of the machine
//! it runs on), stacks are at most `MAX_LAYERS` deep, a cycle or one base
//! reached at two different commits is an error naming both paths.

use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use crate::catalog::raw::RawExtends;
use crate::catalog::Catalog;
use crate::catalog::Files;
use crate::error::{Diagnostic, Failure};
use crate::output::Reporter;
use crate::source::{self, short, CatalogRecord, CatalogRequest, Loaded, SourceRecord, BUILTIN};

/// More layers than a company needs (shared, industry, company, unit...).
pub const MAX_LAYERS: usize = 8;

/// One catalog of the stack.
pub struct Layer {
    pub name: String,
    pub version: String,
    pub loaded: Loaded,
}

/// The stack, lowest first; the catalog asked for is the last.
pub struct Stack {
    pub layers: Vec<Layer>,
}

impl Stack {
    pub fn top(&self) -> &Layer {
        self.layers.last().expect("a stack has a top")
    }

    /// Where the top catalog came from.
    pub fn record(&self) -> &SourceRecord {
        &self.top().loaded.record
    }

    /// The layers below the top, as the kit records them.
    pub fn bases(&self) -> Vec<CatalogRecord> {
        let mut all = self.records();
        all.pop();
        all
    }

    /// Every layer, lowest first, as a kit records them.
    pub fn records(&self) -> Vec<CatalogRecord> {
        self.layers
            .iter()
            .map(|l| CatalogRecord {
                name: l.name.clone(),
                version: l.version.clone(),
                source: l.loaded.record.clone(),
            })
            .collect()
    }

    /// The catalog as `catalog` loads it, but with a single git catalog's
    /// module files read only when used (an update's render reads only the
    /// templates whose blob changed). A stack of layers is read whole: its
    /// amendments compare files across layers.
    pub fn catalog_lazy(&self) -> Result<Catalog> {
        if let [only] = self.layers.as_slice() {
            let (files, lazy) = only.loaded.files_lazy()?;
            return Ok(Catalog::load_with(files, lazy)?);
        }
        self.catalog()
    }

    /// The effective catalog: every layer applied in order.
    pub fn catalog(&self) -> Result<Catalog> {
        let mut layers = Vec::new();
        for l in &self.layers {
            layers.push((l.name.clone(), l.loaded.files()?));
        }
        Ok(Catalog::load_stack(layers)?)
    }

    /// For conflict labels and messages: `acme 1.0.0 (0123abcd) on
    /// ispo-default 0.3.0 (4567ef01)`; one layer is just its commit.
    pub fn label(&self) -> String {
        if self.layers.len() == 1 {
            return short(&self.record().commit);
        }
        describe(
            self.layers
                .iter()
                .rev()
                .map(|l| (&l.name, &l.version, &l.loaded.record.commit)),
        )
    }
}

/// `a 1.0 (0123) on b 2.0 (4567)`, top first.
pub fn describe<'a>(layers: impl Iterator<Item = (&'a String, &'a String, &'a String)>) -> String {
    layers
        .map(|(n, v, c)| format!("{n} {v} ({})", short(c)))
        .collect::<Vec<_>>()
        .join(" on ")
}

/// What the stack needs from a catalog.toml, read leniently: the full
/// checks come when the catalog is loaded.
#[derive(Deserialize)]
struct Peek {
    catalog: PeekCatalog,
    #[serde(default)]
    extends: Vec<RawExtends>,
}

#[derive(Deserialize)]
struct PeekCatalog {
    name: String,
    #[serde(default)]
    version: String,
}

/// Resolves the catalog `req` names and every catalog below it, each at
/// the ref its `[[extends]]` names.
pub fn load(req: &CatalogRequest, reporter: &Reporter) -> Result<Stack> {
    let top = source::load(req, reporter)?;
    load_from(top, req, &[], reporter)
}

/// Resolves the catalogs below an already located one. A base named in
/// `pins` is read at the pinned source and commit (what a kit recorded)
/// instead of its ref.
pub fn load_from(
    top: Loaded,
    req: &CatalogRequest,
    pins: &[CatalogRecord],
    reporter: &Reporter,
) -> Result<Stack> {
    let mut walk = Walk {
        req,
        pins,
        reporter,
        chain: Vec::new(),
        out: Vec::new(),
    };
    walk.visit(top, None)?;
    Ok(Stack { layers: walk.out })
}

struct Walk<'a> {
    req: &'a CatalogRequest,
    pins: &'a [CatalogRecord],
    reporter: &'a Reporter,
    /// Names from the top down to the layer being read.
    chain: Vec<String>,
    out: Vec<Layer>,
}

/// Where a base was named: the layer, its catalog.toml text, the entry.
struct Named<'a> {
    by: &'a str,
    text: &'a str,
    entry: &'a RawExtends,
}

impl Named<'_> {
    fn error(&self, message: String) -> anyhow::Error {
        Failure::Invalid(vec![Diagnostic::at(
            &format!("{}:catalog.toml", self.by),
            self.text,
            self.entry.source.span().start,
            message,
        )])
        .into()
    }
}

impl Walk<'_> {
    /// Reads the base `n` names, then visits it.
    fn base(&mut self, n: &Named<'_>, parent: &SourceRecord) -> Result<()> {
        let req = match self.pins.iter().find(|p| &p.name == n.entry.name.get_ref()) {
            Some(pin) => pinned(&pin.source, self.req),
            None => base_request(n, parent, self.req)?,
        };
        let loaded = source::load(&req, self.reporter).map_err(|e| {
            e.context(format!(
                "cannot read `{}`, the catalog `{}` builds on",
                n.entry.name.get_ref(),
                n.by
            ))
        })?;
        self.visit(loaded, Some(n))
    }

    fn visit(&mut self, loaded: Loaded, named: Option<&Named<'_>>) -> Result<()> {
        let (chain, out) = (&mut self.chain, &mut self.out);
        let text = loaded
            .file("catalog.toml")?
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        let Ok(peek) = toml::from_str::<Peek>(&text) else {
            // Not a stack (or a broken manifest, which loading reports in full).
            out.push(Layer {
                name: named.map_or_else(|| "catalog".into(), |n| n.entry.name.get_ref().clone()),
                version: String::new(),
                loaded,
            });
            return Ok(());
        };
        let name = peek.catalog.name.clone();
        if let Some(n) = named {
            if n.entry.name.get_ref() != &name {
                return Err(n.error(format!(
                    "`{}` extends `{}`, but the catalog at `{}` is named `{name}`",
                    n.by,
                    n.entry.name.get_ref(),
                    loaded.record.source
                )));
            }
        }
        if chain.contains(&name) {
            let mut cycle = chain.clone();
            cycle.push(name.clone());
            let n = named.expect("a cycle has a parent");
            return Err(n.error(format!(
                "catalogs extend each other in a cycle: {}",
                cycle.join(" -> ")
            )));
        }
        if chain.len() >= MAX_LAYERS {
            return Err(Failure::Refused(format!(
                "the stack of catalogs is deeper than {MAX_LAYERS} layers ({} -> {name})",
                chain.join(" -> ")
            ))
            .into());
        }
        chain.push(name.clone());
        for entry in &peek.extends {
            let n = Named {
                by: &name,
                text: &text,
                entry,
            };
            self.base(&n, &loaded.record)?;
        }
        let (chain, out) = (&mut self.chain, &mut self.out);
        chain.pop();
        if let Some(seen) = out.iter().find(|l| l.name == name) {
            if seen.loaded.record.commit != loaded.record.commit {
                let here = named.map_or_else(|| name.clone(), |n| format!("{} -> {name}", n.by));
                return Err(Failure::Invalid(vec![Diagnostic::new(
                &format!("{}:catalog.toml", named.map_or(name.as_str(), |n| n.by)),
                0,
                0,
                format!(
                    "the catalog `{name}` is reached twice at different commits: {} from {} (ref {}), and {} via {here} (ref {}); make every layer extend the same ref",
                    short(&seen.loaded.record.commit),
                    seen.loaded.record.source,
                    seen.loaded.record.reference.as_deref().unwrap_or("default branch"),
                    short(&loaded.record.commit),
                    loaded.record.reference.as_deref().unwrap_or("default branch"),
                ),
            )])
            .into());
            }
            return Ok(());
        }
        if out.len() >= MAX_LAYERS {
            return Err(
                Failure::Refused(format!("the stack has more than {MAX_LAYERS} catalogs")).into(),
            );
        }
        out.push(Layer {
            name,
            version: peek.catalog.version,
            loaded,
        });
        Ok(())
    }
}

/// The request for a base named by `[[extends]]`: `builtin`, a git URL, or
/// a folder relative to a layer that is itself a local folder.
fn base_request(
    n: &Named<'_>,
    parent: &SourceRecord,
    req: &CatalogRequest,
) -> Result<CatalogRequest> {
    let src = n.entry.source.get_ref();
    let remote = |s: &str| s.contains("://") || (s.contains(':') && !Path::new(s).exists());
    let parent_local = parent.source != BUILTIN && !remote(&parent.source);
    let location = if src == BUILTIN {
        None
    } else if remote(src) {
        Some(src.clone())
    } else if !parent_local {
        return Err(n.error(format!(
            "`{}` comes from `{}` and names the local folder `{src}` as its base; a catalog fetched from elsewhere may only extend `builtin` or a git URL",
            n.by, parent.source
        )));
    } else {
        let root = match &parent.subdir {
            Some(s) => Path::new(&parent.source).join(s),
            None => Path::new(&parent.source).to_path_buf(),
        };
        Some(root.join(src).display().to_string())
    };
    Ok(CatalogRequest {
        location,
        reference: n.entry.reference.as_ref().map(|r| r.get_ref().clone()),
        subdir: n.entry.subdir.as_ref().map(|s| s.get_ref().clone()),
        offline: req.offline,
        interactive: req.interactive,
    })
}

/// A catalog folder as it is on disk (being linted, written or refreshed),
/// on the catalogs it extends; a base named in `pins` is read at that record.
pub fn load_folder(
    dir: &Path,
    files: Files,
    offline: bool,
    pins: &[CatalogRecord],
    reporter: &Reporter,
) -> Result<Stack> {
    // A folder about to be written does not exist yet.
    let abs = dir
        .canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf());
    let record = SourceRecord {
        source: abs.display().to_string(),
        reference: None,
        subdir: None,
        commit: source::digest(&files),
    };
    let req = CatalogRequest {
        location: Some(record.source.clone()),
        offline,
        ..CatalogRequest::default()
    };
    load_from(Loaded::ready(record, files), &req, pins, reporter)
}

/// A kit's recorded layer: the same source, at the recorded commit.
fn pinned(rec: &SourceRecord, req: &CatalogRequest) -> CatalogRequest {
    let git = !rec.commit.starts_with("sha256:");
    CatalogRequest {
        location: (rec.source != BUILTIN).then(|| rec.source.clone()),
        reference: git.then(|| rec.commit.clone()),
        subdir: rec.subdir.clone(),
        offline: req.offline,
        interactive: req.interactive,
    }
}

/// The stack a kit recorded, every layer at its recorded source and
/// commit (what `explain --kit` and `give-back` read).
pub fn load_recorded(
    top: &CatalogRecord,
    bases: &[CatalogRecord],
    offline: bool,
    reporter: &Reporter,
) -> Result<Stack> {
    let base_req = CatalogRequest {
        offline,
        ..CatalogRequest::default()
    };
    let req = pinned(&top.source, &base_req);
    let loaded = source::load(&req, reporter)?;
    load_from(loaded, &req, bases, reporter)
}
