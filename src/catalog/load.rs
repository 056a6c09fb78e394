//! Loading a catalog from its file tree: parsing every TOML file, checking
//! ids, references, conditions and defaults, and collecting every problem
//! with its file, line and column, so an author fixes them in one pass.

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::lazy::LazyFiles;
pub(super) use super::load_questions::default_of;
pub(super) use super::load_questions::{build_question, load_questions};
use super::model::*;
pub(super) use super::parse::{is_choice_value, read_optional, read_text, Src};
pub use super::parse::{is_id, is_module_id, parse_toml, toml_diag};
use super::raw::*;
use super::refuse::refuse_code;
use crate::error::{Diagnostic, Failure};
use crate::fill_kind::FillKind;

impl Catalog {
    /// Parses and checks a catalog; every problem is reported at once.
    pub fn load(files: Files) -> Result<Catalog, Failure> {
        Catalog::load_with(files, LazyFiles::default())
    }

    /// The same, with module files not read yet (see `lazy`): loading needs
    /// only their paths.
    pub fn load_with(files: Files, lazy: LazyFiles) -> Result<Catalog, Failure> {
        let mut files = files;
        let executable: BTreeSet<String> = files
            .remove(EXECUTABLE_KEY)
            .map(|list| {
                String::from_utf8_lossy(&list)
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        refuse_code(&files)?;
        let mut diags = Vec::new();
        let catalog = load_inner(files, lazy, &mut diags);
        match catalog {
            Some(mut c) if diags.is_empty() => {
                c.executable = executable;
                Ok(c)
            }
            _ => Err(Failure::Invalid(diags)),
        }
    }
}

fn load_inner(files: Files, lazy: LazyFiles, diags: &mut Vec<Diagnostic>) -> Option<Catalog> {
    if files.is_empty() {
        diags.push(Diagnostic::new(
            "catalog.toml",
            0,
            0,
            "the catalog is empty: no files were found at this location (check --subdir and --ref)",
        ));
        return None;
    }
    let parts = read_manifest(&files, diags)?;
    if let Some(first) = parts.extends.first() {
        diags.push(Diagnostic::at(
            "catalog.toml",
            &parts.text,
            first.name.span().start,
            format!(
                "this catalog extends `{}`: it is loaded on top of its bases, not alone",
                first.name.get_ref()
            ),
        ));
        return None;
    }
    if let Some(h) = parts.hide.first() {
        diags.push(Diagnostic::at(
            "catalog.toml",
            &parts.text,
            h.span().start,
            "`hide` hides modules of the catalogs this one extends, and it extends none ([[extends]])",
        ));
    }
    let ManifestParts {
        manifest,
        audiences,
        ..
    } = parts;
    let questions = load_questions(&files, diags);
    let challenges = load_challenges(&files, diags);
    let fills = load_fills(&files, diags);
    let partials = files
        .keys()
        .filter_map(|p| {
            let name = p.strip_prefix("partials/")?.strip_suffix(".hbs")?;
            Some(Partial {
                name: name.to_string(),
                path: p.clone(),
            })
        })
        .collect();

    let mut catalog = Catalog {
        manifest,
        audiences,
        questions,
        challenges,
        fills,
        partials,
        modules: Vec::new(),
        files,
        lazy,
        executable: BTreeSet::new(),
        layers: Vec::new(),
        fill_values: BTreeMap::new(),
        hidden: BTreeMap::new(),
        origins: BTreeMap::new(),
        replacements: Vec::new(),
        warnings: Vec::new(),
    };
    catalog.layers.push(LayerInfo {
        name: catalog.manifest.name.clone(),
        version: catalog.manifest.version.clone(),
    });
    let dirs = module_dirs(&catalog.files, &catalog.lazy);
    if dirs.is_empty() {
        diags.push(Diagnostic::new(
            "modules/",
            0,
            0,
            "the catalog has no modules: each module is a folder `modules/<id>/` with a module.toml",
        ));
    }
    catalog.modules = load_modules(&catalog, &dirs, &dirs, diags);
    catalog.fill_values = fill_values(&catalog, &catalog.files, diags);
    Some(catalog)
}

/// `catalog.toml`, read and checked: the manifest, audiences, and what a
/// layer declares about the catalogs below it.
pub(super) struct ManifestParts {
    pub manifest: Manifest,
    pub audiences: Vec<Audience>,
    pub extends: Vec<RawExtends>,
    pub hide: Vec<Spanned<String>>,
    pub override_partials: Vec<Spanned<String>>,
    pub text: String,
}

pub(super) fn read_manifest(files: &Files, diags: &mut Vec<Diagnostic>) -> Option<ManifestParts> {
    let Some(manifest_text) = read_text(files, "catalog.toml", diags) else {
        if !diags.iter().any(|d| d.file == "catalog.toml") {
            diags.push(Diagnostic::new(
                "catalog.toml",
                0,
                0,
                "missing: a catalog needs a catalog.toml manifest at its root (is --subdir right?)",
            ));
        }
        return None;
    };
    let raw_manifest: RawManifestFile = match parse_toml("catalog.toml", manifest_text) {
        Ok(m) => m,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let msrc = Src {
        path: "catalog.toml",
        text: manifest_text,
    };
    let format = *raw_manifest.catalog.format.get_ref();
    if format != FORMAT {
        diags.push(msrc.at(
            &raw_manifest.catalog.format,
            format!(
                "catalog format {format} is not supported by ispo {} (it reads format {FORMAT})",
                env!("CARGO_PKG_VERSION")
            ),
        ));
        return None;
    }
    if let Some(min) = &raw_manifest.catalog.min_ispo {
        match crate::version::parse(min.get_ref()) {
            None => diags.push(msrc.at(
                min,
                format!("`{}` is not a version like 1.2.3", min.get_ref()),
            )),
            Some(v) if v > crate::version::current() => {
                diags.push(msrc.at(
                    min,
                    format!(
                        "this catalog needs ispo {} or newer; this is ispo {}. Upgrade ispo (cargo install ispo) or use an older catalog --ref",
                        min.get_ref(),
                        env!("CARGO_PKG_VERSION")
                    ),
                ));
                return None;
            }
            Some(_) => {}
        }
    }
    let raw_extends = raw_manifest.extends;
    let raw_hide = raw_manifest.catalog.hide;
    let raw_overrides = raw_manifest.catalog.override_partials;
    let manifest = Manifest {
        title: raw_manifest
            .catalog
            .title
            .clone()
            .unwrap_or_else(|| raw_manifest.catalog.name.clone()),
        name: raw_manifest.catalog.name,
        version: raw_manifest.catalog.version,
        format,
        min_ispo: raw_manifest.catalog.min_ispo.map(|s| s.into_inner()),
        description: raw_manifest.catalog.description,
    };
    let mut audiences: Vec<Audience> = Vec::new();
    for a in raw_manifest.audience {
        if !is_module_id(a.id.get_ref()) {
            diags.push(msrc.at(
                &a.id,
                format!(
                    "audience id `{}` must be lowercase letters, digits, `-` or `_`",
                    a.id.get_ref()
                ),
            ));
        }
        if audiences.iter().any(|x| &x.id == a.id.get_ref()) {
            diags.push(msrc.at(
                &a.id,
                format!("audience `{}` is declared twice", a.id.get_ref()),
            ));
        }
        audiences.push(Audience {
            id: a.id.into_inner(),
            title: a.title,
        });
    }

    Some(ManifestParts {
        manifest,
        audiences,
        extends: raw_extends,
        hide: raw_hide,
        override_partials: raw_overrides,
        text: manifest_text.to_string(),
    })
}

pub(super) fn load_challenges(files: &Files, diags: &mut Vec<Diagnostic>) -> Vec<Challenge> {
    let path = "challenges.toml";
    let Some((raw, text)) = read_optional::<RawChallenges>(files, path, diags) else {
        return Vec::new();
    };
    let src = Src { path, text };
    let mut out: Vec<Challenge> = Vec::new();
    for c in raw.challenge {
        let id = c.id.get_ref();
        if id.is_empty()
            || !id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            diags.push(src.at(
                &c.id,
                format!("challenge id `{id}` must use only letters, digits, `-` and `_`"),
            ));
        }
        if out.iter().any(|x| &x.id == id) {
            diags.push(src.at(&c.id, format!("challenge `{id}` is declared twice")));
        }
        if !matches!(
            c.phase.get_ref().as_str(),
            "begin" | "adopt" | "grow" | "scale"
        ) {
            diags.push(src.at(
                &c.phase,
                format!(
                    "unknown phase `{}`; use begin, adopt, grow or scale",
                    c.phase.get_ref()
                ),
            ));
        }
        let links = links(&src, c.links, diags);
        out.push(Challenge {
            id: c.id.into_inner(),
            title: c.title,
            phase: c.phase.into_inner(),
            summary: c.summary,
            links,
        });
    }
    out
}

fn links(src: &Src<'_>, raw: Vec<RawLink>, diags: &mut Vec<Diagnostic>) -> Vec<Link> {
    raw.into_iter()
        .map(|l| {
            if !(l.url.get_ref().starts_with("https://") || l.url.get_ref().starts_with("http://"))
            {
                diags.push(src.at(
                    &l.url,
                    format!("link `{}` must be an http(s) URL", l.url.get_ref()),
                ));
            }
            Link {
                title: l.title,
                url: l.url.into_inner(),
                licence: l.licence,
            }
        })
        .collect()
}

fn fill_decls(
    src: &Src<'_>,
    raw: Vec<RawFill>,
    diags: &mut Vec<Diagnostic>,
    taken: &dyn Fn(&str) -> bool,
) -> Vec<FillDecl> {
    let mut out: Vec<FillDecl> = Vec::new();
    for f in raw {
        let id = f.id.get_ref();
        if !is_id(id) {
            diags.push(src.at(&f.id, format!("fill-in id `{id}` must start with a lowercase letter and use only a-z, 0-9 and `_`")));
        }
        if out.iter().any(|x| &x.id == id) || taken(id) {
            diags.push(src.at(&f.id, format!("fill-in `{id}` is declared twice")));
        }
        let kind = match &f.kind {
            None => FillKind::Text,
            Some(k) => FillKind::parse(k.get_ref()).unwrap_or_else(|| {
                let names = FillKind::ALL.map(FillKind::name);
                let hint = crate::suggest::hint(crate::suggest::closest_name(
                    k.get_ref(),
                    names.iter().copied(),
                ));
                diags.push(src.at(
                    k,
                    format!(
                        "fill-in `{id}`: kind `{}` is not one of {}{hint}",
                        k.get_ref(),
                        names.join(", ")
                    ),
                ));
                FillKind::Text
            }),
        };
        if let Some(e) = &f.example {
            let text = e.get_ref();
            if text.contains("{{") {
                if let Err(err) = handlebars::Template::compile(text) {
                    diags.push(src.at(
                        e,
                        format!(
                            "the example of `{id}` is not a valid template: {}",
                            err.reason()
                        ),
                    ));
                }
            } else if let Err(why) = kind.check(text) {
                diags.push(src.at(
                    e,
                    format!(
                        "the example of `{id}` does not fit its kind `{}`: {why}",
                        kind.name()
                    ),
                ));
            }
        }
        let line = match &f.example {
            Some(e) => src.at(e, "").line,
            None => src.at(&f.id, "").line,
        };
        out.push(FillDecl {
            id: f.id.into_inner(),
            description: f.description,
            example: f.example.map(Spanned::into_inner),
            multiline: f.multiline,
            kind,
            declared_in: (src.path.to_string(), line),
        });
    }
    out
}

pub(super) fn load_fills(files: &Files, diags: &mut Vec<Diagnostic>) -> Vec<FillDecl> {
    let path = "fills.toml";
    match read_optional::<RawFills>(files, path, diags) {
        Some((raw, text)) => fill_decls(&Src { path, text }, raw.fill, diags, &|_| false),
        None => Vec::new(),
    }
}

/// The module folders under `modules/`, from the files read and those not
/// read yet (a folder holding only `files/` is a module without a manifest).
pub(super) fn module_dirs(files: &Files, lazy: &LazyFiles) -> BTreeSet<String> {
    files
        .keys()
        .chain(lazy.paths())
        .filter_map(|p| p.strip_prefix("modules/")?.split_once('/'))
        .map(|(dir, _)| dir.to_string())
        .collect()
}

/// Loads the modules in `dirs` against the catalog's questions, challenges,
/// audiences and fill-ins; `requires` and `conflicts` may name any of `known`.
pub(super) fn load_modules(
    catalog: &Catalog,
    dirs: &BTreeSet<String>,
    known: &BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Module> {
    let shapes = |q: &str| catalog.shape(q);
    let origin = catalog
        .layers
        .last()
        .map_or_else(|| catalog.manifest.name.clone(), |l| l.name.clone());
    let mut modules = Vec::new();
    for dir in dirs {
        let path = format!("modules/{dir}/module.toml");
        let Some(text) = read_text(&catalog.files, &path, diags) else {
            if !diags.iter().any(|d| d.file == path) {
                diags.push(Diagnostic::new(
                    &path,
                    0,
                    0,
                    format!("module folder `modules/{dir}` has no module.toml"),
                ));
            }
            continue;
        };
        let raw: RawModule = match parse_toml(&path, text) {
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let src = Src { path: &path, text };
        if raw.id.get_ref() != dir {
            diags.push(src.at(
                &raw.id,
                format!(
                    "module id `{}` must equal its folder name `{dir}`",
                    raw.id.get_ref()
                ),
            ));
        }
        if !is_module_id(raw.id.get_ref()) {
            diags.push(src.at(
                &raw.id,
                "module id must start with a lowercase letter and use only a-z, 0-9, `-` and `_`",
            ));
        }
        let kind = match raw.kind.get_ref().as_str() {
            "doc" => Kind::Doc,
            "training" => Kind::Training,
            "tooling" => Kind::Tooling,
            "template" => Kind::Template,
            other => {
                diags.push(src.at(
                    &raw.kind,
                    format!("unknown kind `{other}`; use doc, training, tooling or template"),
                ));
                Kind::Doc
            }
        };
        for a in &raw.audiences {
            if catalog.audience(a.get_ref()).is_none() {
                diags.push(src.at(
                    a,
                    format!(
                        "unknown audience `{}` (declare it in catalog.toml)",
                        a.get_ref()
                    ),
                ));
            }
        }
        for c in &raw.challenges {
            if catalog.challenge(c.get_ref()).is_none() {
                diags.push(src.at(
                    c,
                    format!(
                        "unknown challenge `{}` (declare it in challenges.toml)",
                        c.get_ref()
                    ),
                ));
            }
        }
        let when = raw
            .when
            .as_ref()
            .and_then(|w| src.condition(w, &shapes, diags));
        let mut fills: Vec<FillDecl> = Vec::new();
        for f in &raw.fills {
            match catalog.fills.iter().find(|x| &x.id == f.get_ref()) {
                Some(decl) => fills.push(decl.clone()),
                None => diags.push(src.at(f, format!("unknown fill-in `{}` (declare it in fills.toml or as a [[fill]] of this module)", f.get_ref()))),
            }
        }
        let local = fill_decls(&src, raw.fill, diags, &|id| {
            catalog.fills.iter().any(|x| x.id == id)
        });
        fills.extend(local);
        let mut raw_globs = GlobSetBuilder::new();
        for g in &raw.raw {
            match Glob::new(g.get_ref()) {
                Ok(glob) => {
                    raw_globs.add(glob);
                }
                Err(e) => diags.push(src.at(g, format!("invalid glob: {e}"))),
            }
        }
        let prefix = format!("modules/{dir}/files/");
        // A range of the sorted paths (the whole map per module was
        // quadratic), read or not yet read.
        let module_files: Vec<String> = catalog
            .paths_under(&prefix)
            .into_iter()
            .filter_map(|p| p.strip_prefix(&prefix).map(str::to_string))
            .collect();
        let mut outputs = Vec::new();
        for o in raw.output {
            if !module_files.contains(o.source.get_ref()) {
                diags.push(src.at(
                    &o.source,
                    format!(
                        "output source `{}` does not exist under {prefix}",
                        o.source.get_ref()
                    ),
                ));
            }
            if o.target.get_ref().trim().is_empty() {
                diags.push(src.at(&o.target, "output target is empty"));
            }
            let when = o
                .when
                .as_ref()
                .and_then(|w| src.condition(w, &shapes, diags));
            outputs.push(Output {
                source: o.source.into_inner(),
                target: o.target.into_inner(),
                when,
            });
        }
        let upstream = links(&src, raw.upstream, diags);
        let mut moved = BTreeMap::new();
        for m in raw.moved {
            for p in [&m.from, &m.to] {
                if let Err(why) = crate::paths::check(p.get_ref()) {
                    diags
                        .push(src.at(p, format!("moved path `{}` is refused: {why}", p.get_ref())));
                }
            }
            if m.from.get_ref() == m.to.get_ref() {
                diags.push(src.at(&m.from, "a file cannot move to where it is"));
            }
            if moved
                .insert(m.to.get_ref().clone(), m.from.get_ref().clone())
                .is_some()
            {
                diags.push(src.at(&m.to, format!("`{}` is moved to twice", m.to.get_ref())));
            }
        }
        modules.push((
            raw.requires,
            raw.conflicts,
            path.clone(),
            text,
            Module {
                id: raw.id.into_inner(),
                title: raw.title,
                summary: raw.summary,
                kind,
                audiences: raw.audiences.into_iter().map(Spanned::into_inner).collect(),
                challenges: raw
                    .challenges
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
                when,
                requires: Vec::new(),
                conflicts: Vec::new(),
                fills,
                raw: raw_globs.build().unwrap_or_else(|_| GlobSet::empty()),
                outputs,
                upstream,
                moved,
                replaces: raw.replaces.into_iter().map(Spanned::into_inner).collect(),
                origin: origin.clone(),
                amendments: Vec::new(),
                dir: format!("modules/{dir}"),
                files: module_files,
            },
        ));
    }
    // Module references can only be checked once every module is known.
    let ids = known;
    modules
        .into_iter()
        .map(|(requires, conflicts, path, text, mut module)| {
            let src = Src { path: &path, text };
            for (list, what) in [(&requires, "requires"), (&conflicts, "conflicts")] {
                for r in list {
                    if let Some(layer) = catalog.hidden.get(r.get_ref()) {
                        diags.push(src.at(
                            r,
                            format!(
                                "{what} `{}`, which the catalog `{layer}` hides",
                                r.get_ref()
                            ),
                        ));
                    } else if !ids.contains(r.get_ref()) {
                        diags.push(src.at(r, format!("{what} unknown module `{}`", r.get_ref())));
                    } else if r.get_ref() == &module.id {
                        diags.push(src.at(r, format!("a module cannot name itself in `{what}`")));
                    }
                }
            }
            for r in &module.replaces {
                if ids.contains(r) {
                    diags.push(Diagnostic::new(
                        &path,
                        0,
                        0,
                        format!("`replaces = [\"{r}\"]` names a module that still exists; only a former id can be replaced"),
                    ));
                }
            }
            module.requires = requires.into_iter().map(Spanned::into_inner).collect();
            module.conflicts = conflicts.into_iter().map(Spanned::into_inner).collect();
            module
        })
        .collect()
}

/// `[values]` of fills.toml: catalog-wide fill-in values, each for a
/// declared fill-in, on one line unless the fill-in allows more.
pub(super) fn fill_values(
    catalog: &Catalog,
    files: &Files,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, LayerValue> {
    let path = "fills.toml";
    let mut out = BTreeMap::new();
    let Some(text) = files.get(path).and_then(|b| std::str::from_utf8(b).ok()) else {
        return out;
    };
    let Ok(raw) = parse_toml::<RawFills>(path, text) else {
        return out; // reported by load_fills
    };
    let src = Src { path, text };
    let decls = catalog.all_fills();
    let layer = catalog
        .layers
        .last()
        .map_or_else(|| catalog.manifest.name.clone(), |l| l.name.clone());
    for (id, value) in raw.values {
        let Some(decl) = decls.get(&id) else {
            let known: Vec<&str> = decls.keys().map(String::as_str).collect();
            let hint = crate::suggest::hint(crate::suggest::closest_name(&id, known));
            diags.push(src.at(&value, format!("`[values]` sets `{id}`, which is not a fill-in of this catalog or the ones it extends{hint}")));
            continue;
        };
        let v = value.get_ref();
        if let Err(why) =
            crate::question::check_value(v, decl.multiline).and_then(|()| decl.kind.check(v))
        {
            diags.push(src.at(&value, format!("the value of `{id}`: {why}")));
            continue;
        }
        out.insert(
            id,
            LayerValue {
                value: v.clone(),
                layer: layer.clone(),
            },
        );
    }
    out
}
