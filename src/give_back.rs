//! `ispo give-back`: a kit's committed edits of its files, turned back into
//! edits of the templates that made them, for the catalog they came from
//! (or as a company amendment), as a branch in a checkout of that catalog
//! or a patch file.
//!
//! Exact or refused: each hunk of the edit (against the stored base) is
//! looked up in the template's literal text; the template is patched and
//! the whole kit re-rendered with its recorded answers and fill-in values,
//! and the hunk counts only when the file comes out exactly as the user
//! edited it. Text made by a value, a helper, a partial or a loop, and
//! files ispo generates, are reported as not mappable with the reason; an
//! edit that only replaces an `ISPO-FILL(id)` marker is a fill-in value,
//! offered for the answers file, never a template edit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::answers::{self, Answers, Asking, Inputs};
use crate::assemble::build;
use crate::backmap::{self, Hunk, Located};
use crate::catalog::Catalog;
use crate::config::GiveBackConfig;
use crate::error::{Code, Failure};
use crate::kit::{sha256, State};
use crate::layers::{self, Stack};
use crate::lint;
use crate::output::Reporter;
use crate::paths::ANSWERS_FILE;
use crate::selection::{self, Selection};
use crate::source;

/// What became of one file.
struct FileResult {
    path: String,
    /// The layer the change goes to, and its path there.
    layer: String,
    target: String,
    /// The target file before and after (`None` before: a new amendment file).
    before: Option<String>,
    after: Option<String>,
    /// For an amendment: amend.toml's module and the upstream file's SHA-256.
    amendment: Option<(String, String, String)>,
    notes: Vec<String>,
}

/// The kit as recorded: catalog at its commits, answers, pick.
struct Recorded {
    stack: Stack,
    catalog: Catalog,
    answers: Answers,
    selection: Selection,
    mine: Vec<String>,
    state: State,
}

impl Recorded {
    fn render(&self, catalog: &Catalog) -> Result<BTreeMap<String, Vec<u8>>> {
        let built = build(
            catalog,
            (&self.state.catalog.source, &self.state.layers),
            &self.answers,
            &self.selection,
            &self.answers.fills,
            &self.mine,
            None,
        )?;
        Ok(built
            .files
            .into_iter()
            .map(|f| {
                let bytes = f.made().to_vec();
                (f.path, bytes)
            })
            .collect())
    }
}

pub fn run(cfg: &GiveBackConfig, reporter: &Reporter) -> Result<Code> {
    if let Some(remote) = &cfg.push {
        // git would read `-…` as an option (`--receive-pack=…` runs a command).
        if remote.starts_with('-') || remote.chars().any(char::is_control) {
            return Err(
                Failure::Refused(format!("--push `{remote}` is not a remote name or URL")).into(),
            );
        }
    }
    let rec = recorded(&cfg.kit, cfg.offline, reporter)?;
    let (bases, _) = rec.state.read_bases(&cfg.kit)?;
    let committed = Committed::of(&cfg.kit, reporter)?;
    let paths: Vec<String> = if cfg.paths.is_empty() {
        rec.state
            .files
            .iter()
            .filter(|f| committed.read(&f.path).as_ref() != bases.get(&f.path))
            .map(|f| f.path.clone())
            .collect()
    } else {
        cfg.paths
            .iter()
            .map(|p| p.trim_start_matches("./").replace('\\', "/"))
            .collect()
    };
    if paths.is_empty() {
        reporter.status("Nothing", "no committed edit of a kit file to give back");
        print_json(cfg, reporter, &[], None)?;
        return Ok(Code::Ok);
    }
    let fresh = rec.render(&rec.catalog)?;
    let mut results = Vec::new();
    let mut mapped_any = false;
    for path in &paths {
        let Some(base) = bases.get(path) else {
            return Err(Failure::Usage(format!("{path}: the kit tracks no such file")).into());
        };
        let ours = committed
            .read(path)
            .with_context(|| format!("{path}: not in the kit's last commit"))?;
        let r = give_file(cfg, &rec, path, base, &ours, &fresh)?;
        mapped_any |= r.after.is_some();
        for n in &r.notes {
            reporter.note(n);
        }
        results.push(r);
    }
    let changed: Vec<&FileResult> = results.iter().filter(|r| r.after.is_some()).collect();
    if !mapped_any {
        return Err(Failure::Refused(
            "nothing could be given back as a template edit (see the notes above)".into(),
        )
        .into());
    }
    if let Some(file) = &cfg.patch {
        let patch = patch_text(&changed);
        std::fs::write(file, patch).with_context(|| format!("cannot write {}", file.display()))?;
        reporter.status(
            "Wrote",
            format!(
                "{} ({} file(s)); apply it in the catalog with `git apply`",
                file.display(),
                changed.len()
            ),
        );
    }
    let mut branch_made = None;
    if let Some(dir) = &cfg.checkout {
        let branch = commit_to_checkout(cfg, &rec, dir, &changed, reporter)?;
        branch_made = Some(branch.clone());
        if let Some(remote) = &cfg.push {
            // git would read `-…` as an option (`--receive-pack=…` runs a command).
            if remote.starts_with('-') || remote.chars().any(char::is_control) {
                return Err(Failure::Refused(format!(
                    "--push `{remote}` is not a remote name or URL"
                ))
                .into());
            }
            git(dir, &["push", remote, &format!("refs/heads/{branch}")])?;
            reporter.status("Pushed", format!("{branch} to {remote}"));
        }
    }
    if cfg.patch.is_none() && cfg.checkout.is_none() {
        for r in &changed {
            reporter.status("Maps", format!("{} -> {}:{}", r.path, r.layer, r.target));
        }
        reporter.note("nothing was written: give --patch FILE or --catalog-checkout DIR to write the template edits");
    }
    print_json(cfg, reporter, &results, branch_made.as_deref())?;
    Ok(Code::Ok)
}

/// `--json`: what was given back, file by file, and where it went.
fn print_json(
    cfg: &GiveBackConfig,
    reporter: &Reporter,
    results: &[FileResult],
    branch: Option<&str>,
) -> Result<()> {
    if !reporter.json {
        return Ok(());
    }
    let files: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            serde_json::json!({
                "path": r.path,
                "given_back": r.after.is_some(),
                "layer": r.layer,
                "target": r.target,
                "amendment": r.amendment.is_some(),
                "notes": r.notes,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "schema_version": 1,
        "command": "give-back",
        "kit": cfg.kit.display().to_string(),
        "files": files,
        "patch": cfg.patch.as_ref().map(|p| p.display().to_string()),
        "branch": branch,
        "pushed": branch.and(cfg.push.as_deref()),
    });
    crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

fn recorded(kit: &Path, offline: bool, reporter: &Reporter) -> Result<Recorded> {
    let state = State::read(kit)?;
    let stack = layers::load_recorded(&state.catalog, &state.layers, offline, reporter)?;
    let catalog = stack.catalog()?;
    let mut inputs = Inputs::read_file(&kit.join(ANSWERS_FILE))?;
    if !inputs.has_modules {
        inputs.with = state.selection.with.clone();
        inputs.without = state.selection.without.clone();
    }
    let answers = answers::resolve(
        &catalog,
        &inputs,
        Asking {
            prompter: None,
            use_defaults: true,
            allow_unanswered: false,
        },
    )?;
    let selection = selection::select(&catalog, &answers.lookup(), &inputs.with, &inputs.without)?;
    Ok(Recorded {
        stack,
        catalog,
        answers,
        selection,
        mine: inputs.mine,
        state,
    })
}

/// The kit's files as last committed (the working files when the kit is not in git).
struct Committed {
    /// The git work tree root and the kit's path inside it.
    git: Option<(PathBuf, String)>,
    kit: PathBuf,
}

impl Committed {
    fn of(kit: &Path, reporter: &Reporter) -> Result<Committed> {
        let prefix = Command::new("git")
            .args(["rev-parse", "--show-prefix"])
            .current_dir(kit)
            .output();
        let git = match prefix {
            Ok(o) if o.status.success() => Some((
                kit.to_path_buf(),
                String::from_utf8_lossy(&o.stdout).trim().to_string(),
            )),
            _ => {
                reporter.warn("the kit is not in git: its files as they are now are given back");
                None
            }
        };
        Ok(Committed {
            git,
            kit: kit.to_path_buf(),
        })
    }

    fn read(&self, path: &str) -> Option<Vec<u8>> {
        match &self.git {
            Some((dir, prefix)) => {
                let o = Command::new("git")
                    .args(["show", &format!("HEAD:{prefix}{path}")])
                    .current_dir(dir)
                    .output()
                    .ok()?;
                o.status.success().then_some(o.stdout)
            }
            None => std::fs::read(self.kit.join(path)).ok(),
        }
    }
}

/// Maps one file's hunks to its template and decides where they go.
fn give_file(
    cfg: &GiveBackConfig,
    rec: &Recorded,
    path: &str,
    base: &[u8],
    ours: &[u8],
    fresh: &BTreeMap<String, Vec<u8>>,
) -> Result<FileResult> {
    let catalog = &rec.catalog;
    let mut out = FileResult {
        path: path.to_string(),
        layer: String::new(),
        target: String::new(),
        before: None,
        after: None,
        amendment: None,
        notes: Vec::new(),
    };
    let record = rec.state.files.iter().find(|f| f.path == path);
    if record.is_none_or(|f| f.module == "ispo") {
        out.notes.push(format!(
            "{path}: not mappable: ispo generates it from the catalog and the answers"
        ));
        return Ok(out);
    }
    let (Ok(base), Ok(ours)) = (std::str::from_utf8(base), std::str::from_utf8(ours)) else {
        out.notes.push(format!("{path}: not mappable: not text"));
        return Ok(out);
    };
    if fresh.get(path).map(Vec::as_slice) != Some(base.as_bytes()) {
        out.notes.push(format!("{path}: not mappable: a fresh render at the kit's catalog commit differs from its stored base (answers or ispo changed since the last update); run `ispo update` first"));
        return Ok(out);
    }
    let module = catalog
        .module(&record.expect("checked").module)
        .context("the file's module is no longer in the catalog")?;
    let lookup = rec.answers.lookup();
    let Some(rel) = module.files.iter().find(|rel| {
        crate::render::targets(module, rel, &lookup)
            .iter()
            .any(|t| t == path)
    }) else {
        out.notes.push(format!(
            "{path}: not mappable: no template of `{}` renders it",
            module.id
        ));
        return Ok(out);
    };
    let template_path = module.file_path(rel);
    let from_layer = catalog.layer_of(&template_path).to_string();
    let to = cfg.to.clone().unwrap_or_else(|| from_layer.clone());
    let position = |l: &str| catalog.layers.iter().position(|x| x.name == l);
    let (Some(from_at), Some(to_at)) = (position(&from_layer), position(&to)) else {
        return Err(Failure::Usage(format!(
            "--to {to}: no such catalog in the kit's stack (it has: {})",
            catalog
                .layers
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    };
    if to_at < from_at {
        out.notes.push(format!("{path}: not given back to `{to}`: its template is `{from_layer}`'s ({}), which `{to}` does not have; give it back to `{from_layer}`", catalog.shown_path(&template_path)));
        return Ok(out);
    }
    let original = catalog
        .text(&template_path)
        .map_err(|d| anyhow::anyhow!("{d}"))?
        .to_string();
    let raw = module.is_raw(rel);
    let leak_check = !(catalog.is_layered() && to_at == catalog.layers.len() - 1);
    let company = company_values(rec, cfg);
    let hunks = backmap::hunks(base, ours);
    let mut taken: Vec<bool> = vec![false; hunks.len()];
    let mut template = original.clone();
    for (i, h) in hunks.iter().enumerate() {
        let at = format!("{path}:{}", h.line);
        if let Some(values) = backmap::fill_values(&h.old, &h.new) {
            for (id, v) in values {
                out.notes.push(format!("{at}: a fill-in value, not a template edit: set {id} = {} under [fill] in ispo-answers.toml (or under [values] in the company catalog's fills.toml)", toml::Value::String(v)));
            }
            continue;
        }
        if leak_check {
            let found: Vec<&String> = company
                .iter()
                .filter(|v| h.new.contains(v.as_str()) && !h.old.contains(v.as_str()))
                .collect();
            if !found.is_empty() {
                out.notes.push(format!(
                    "{at}: not given back: it would put company data into `{to}` ({}); rephrase it, or pass --allow for each",
                    found.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                ));
                continue;
            }
        }
        let t = Template {
            path: &template_path,
            text: &template,
            raw,
        };
        let edit = Edit {
            path,
            base,
            hunks: &hunks,
        };
        match map_hunk(rec, &t, &edit, &taken, i)? {
            Ok((patched, note)) => {
                template = patched;
                taken[i] = true;
                out.notes.push(format!(
                    "{at}: maps to {}{note}",
                    catalog.shown_path(&template_path)
                ));
            }
            Err(why) => out.notes.push(format!("{at}: not mappable: {why}")),
        }
    }
    if !taken.iter().any(|t| *t) {
        return Ok(out);
    }
    let in_layer = |p: &str| {
        let shown = catalog.shown_path(p);
        shown
            .split_once(':')
            .map_or(shown.clone(), |(_, rest)| rest.to_string())
    };
    out.layer = to.clone();
    if to == from_layer {
        out.target = in_layer(&template_path);
        out.before = Some(original);
    } else {
        out.target = format!("amend/{}/files/{rel}", module.id);
        out.before = None;
        out.amendment = Some((module.id.clone(), rel.clone(), sha256(original.as_bytes())));
    }
    out.after = Some(template);
    Ok(out)
}

/// One kit file's edit: its path, stored base and hunks.
struct Edit<'a> {
    path: &'a str,
    base: &'a str,
    hunks: &'a [Hunk],
}

/// The template a file comes from, as patched so far.
struct Template<'a> {
    path: &'a str,
    text: &'a str,
    /// Copied as it is (`raw`): all of it is literal.
    raw: bool,
}

/// Hunk `i`: the patched template when re-rendering reproduces the edit
/// with hunks `taken` and this one applied; else why not.
fn map_hunk(
    rec: &Recorded,
    t: &Template<'_>,
    edit: &Edit<'_>,
    taken: &[bool],
    i: usize,
) -> Result<std::result::Result<(String, String), String>> {
    let (template_path, template, raw, h) = (t.path, t.text, t.raw, &edit.hunks[i]);
    let mut with_this = taken.to_vec();
    with_this[i] = true;
    let pairs: Vec<(&Hunk, bool)> = edit.hunks.iter().zip(with_this.iter().copied()).collect();
    let map = if raw {
        None
    } else {
        Some(backmap::map(template))
    };
    let mut first_why: Option<String> = None;
    for (old, new) in &h.candidates {
        let located = match &map {
            Some(m) => backmap::locate(template, m, old),
            None => match template.matches(old.as_str()).count() {
                0 => Located::Nowhere,
                1 => Located::Once {
                    at: template.find(old.as_str()).expect("counted"),
                    literal: 0,
                },
                n => Located::Many(n),
            },
        };
        let (at, literal) = match located {
            Located::Once { at, literal } => (at, literal),
            Located::Nowhere => {
                first_why.get_or_insert_with(|| "the text is not literal text of the template: a value, a helper or a partial made it".into());
                continue;
            }
            Located::Many(n) => {
                first_why.get_or_insert_with(|| format!("the text appears {n} times in the template's literal text; which one is meant cannot be told"));
                continue;
            }
        };
        let mut branch_note = String::new();
        if let Some(m) = &map {
            let lit = &m.literals[literal];
            let prefix = old
                .bytes()
                .zip(new.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            let suffix = old
                .bytes()
                .rev()
                .zip(new.bytes().rev())
                .take_while(|(a, b)| a == b)
                .count()
                .min(old.len() - prefix);
            if let Some(tag) =
                backmap::touched_value(template, lit, at + prefix..at + old.len() - suffix)
            {
                // The most telling reason: it replaces "not literal text".
                first_why = Some(format!("the edit touches the text `{tag}` makes: to change that, change the value (ispo-answers.toml); to change the words around it, leave a word between"));
                continue;
            }
            if let Some((b, _)) = lit
                .blocks
                .iter()
                .find(|(b, _)| m.blocks[*b].helper == "each")
            {
                first_why.get_or_insert_with(|| format!("the text is inside a loop (`{}`, line {}): the edit would change every item", m.blocks[*b].open, m.blocks[*b].line));
                continue;
            }
            if let Some((b, branch)) = lit.blocks.last() {
                let block = &m.blocks[*b];
                if block.branches > 1 {
                    branch_note = format!(
                        " (branch {} of {} of `{}`, line {}; the other branches are unchanged)",
                        branch + 1,
                        block.branches,
                        block.open,
                        block.line
                    );
                }
            }
        }
        let new_text = if raw {
            new.clone()
        } else {
            backmap::escape_literal(new)
        };
        let patched = format!(
            "{}{}{}",
            &template[..at],
            new_text,
            &template[at + old.len()..]
        );
        let mut catalog = rec.catalog.clone();
        catalog
            .files
            .insert(template_path.to_string(), patched.clone().into_bytes());
        let rendered = match rec.render(&catalog) {
            Ok(r) => r,
            Err(_) => {
                first_why.get_or_insert_with(|| "the patched template does not render".into());
                continue;
            }
        };
        let expected = backmap::apply(edit.base, &pairs);
        if rendered.get(edit.path).map(Vec::as_slice) == Some(expected.as_bytes()) {
            return Ok(Ok((patched, branch_note)));
        }
        first_why.get_or_insert_with(|| "patching the template does not reproduce the edit (it touches text next to template logic)".into());
    }
    Ok(Err(
        first_why.unwrap_or_else(|| "no text to anchor the edit to".into())
    ))
}

/// Company data a contribution must not carry: the kit's fill-in values,
/// its text answers (company name…), and the domains of its e-mail
/// addresses and URLs, unless `--allow` names them.
fn company_values(rec: &Recorded, cfg: &GiveBackConfig) -> Vec<String> {
    let mut out: Vec<String> = rec.answers.fills.values().cloned().collect();
    out.extend(rec.catalog.fill_values.values().map(|v| v.value.clone()));
    for (_, a) in &rec.answers.values {
        if let Some(crate::value::Answer::Text(t)) = a {
            out.push(t.clone());
        }
    }
    let domains = domains_of(&out);
    out.extend(domains);
    out.retain(|v| v.trim().len() >= 4 && !cfg.allow.iter().any(|a| a == v));
    out.sort();
    out.dedup();
    out
}

/// The domains of the e-mail addresses and URLs among `values`: company
/// data too, wherever they appear.
pub fn domains_of(values: &[String]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| {
            let host = v.split_once('@').map(|(_, d)| d).or_else(|| {
                v.split_once("://")
                    .map(|(_, r)| r.split('/').next().unwrap_or(""))
            })?;
            Some(host.trim().to_string())
        })
        .filter(|d| d.contains('.'))
        .collect()
}

fn patch_text(changed: &[&FileResult]) -> String {
    let mut out = String::new();
    for r in changed {
        let (before, after) = (r.before.as_deref(), r.after.as_deref());
        let change = crate::diff::Change {
            path: &r.target,
            action: "updated",
            old: before.map(str::as_bytes),
            new: after.map(str::as_bytes),
        };
        out.push_str(&crate::diff::text(&[change]));
    }
    out
}

pub fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .with_context(|| format!("cannot run git in {}", dir.display()))?;
    if !o.status.success() {
        anyhow::bail!(
            "git {} in {} failed: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// A new branch in the checkout, one commit per file, after checking that
/// each change still applies to the checkout's version and that the
/// catalog with it loads and lints.
fn commit_to_checkout(
    cfg: &GiveBackConfig,
    rec: &Recorded,
    dir: &Path,
    changed: &[&FileResult],
    reporter: &Reporter,
) -> Result<String> {
    // Absolute, so the paths given to git (which runs inside the checkout)
    // do not depend on where ispo was started.
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| Failure::Usage(format!("--catalog-checkout {}: {e}", dir.display())))?;
    git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|_| {
        Failure::Usage(format!(
            "--catalog-checkout {}: not a git work tree",
            dir.display()
        ))
    })?;
    if !git(&dir, &["status", "--porcelain"])?.is_empty() {
        return Err(Failure::Refused(format!(
            "--catalog-checkout {}: it has uncommitted changes; commit or stash them first",
            dir.display()
        ))
        .into());
    }
    let kit_name = std::fs::canonicalize(&cfg.kit)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "kit".into());
    let stem: String = kit_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut branch = format!("ispo-give-back/{stem}");
    let mut n = 2;
    while git(
        &dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ],
    )
    .is_ok()
    {
        branch = format!("ispo-give-back/{stem}-{n}");
        n += 1;
    }
    let layer_subdir = |layer: &str| {
        rec.stack
            .layers
            .iter()
            .find(|l| l.name == layer)
            .and_then(|l| l.loaded.record.subdir.clone())
    };
    // Every change is merged and linted before the checkout is touched, so
    // a refusal or an error leaves it as it was.
    let mut trees: BTreeMap<PathBuf, crate::catalog::Files> = BTreeMap::new();
    let mut accepted: Vec<(&FileResult, PathBuf, PathBuf, String)> = Vec::new();
    for r in changed {
        let root = match layer_subdir(&r.layer) {
            Some(s) => dir.join(s),
            None => dir.clone(),
        };
        let file = root.join(&r.target);
        let after = r.after.as_deref().expect("changed");
        let now = std::fs::read_to_string(&file).ok();
        let content = match (&r.before, &now) {
            (Some(before), Some(now)) if now != before => {
                match crate::merge::merge(
                    before.as_bytes(),
                    now.as_bytes(),
                    after.as_bytes(),
                    "the kit's catalog version",
                    "the kit's edit",
                ) {
                    crate::merge::Merged::Clean(b) => String::from_utf8(b)?,
                    _ => {
                        reporter.warn(format!("{}: the checkout changed the same lines since the kit's catalog version; not given back", r.target));
                        continue;
                    }
                }
            }
            _ => after.to_string(),
        };
        // The catalog with the change (and those accepted before it) must
        // still load and lint.
        if !trees.contains_key(&root) {
            trees.insert(root.clone(), source::read_dir_tree(&root)?);
        }
        let tree = trees.get_mut(&root).expect("just inserted");
        let mut files = tree.clone();
        files.insert(r.target.clone(), content.clone().into_bytes());
        if let Some(e) = lint_errors(&root, files, reporter)? {
            reporter.warn(format!(
                "{}: not given back: the catalog would not lint ({e})",
                r.target
            ));
            continue;
        }
        tree.insert(r.target.clone(), content.clone().into_bytes());
        accepted.push((r, root, file, content));
    }
    let start = git(&dir, &["rev-parse", "HEAD"])?;
    let was_on = git(&dir, &["symbolic-ref", "-q", "--short", "HEAD"]).ok();
    git(&dir, &["switch", "-q", "-c", &branch])?;
    if let Err(e) = commit_each(&dir, &branch, &kit_name, &accepted, reporter) {
        // The checkout was clean before: put it back as it was, branch gone.
        let back = was_on.as_deref().unwrap_or(&start);
        let _ = git(&dir, &["reset", "-q", "--hard", "HEAD"]);
        let _ = git(&dir, &["switch", "-q", "--detach", &start]);
        let _ = git(&dir, &["switch", "-q", back]);
        let _ = git(&dir, &["branch", "-q", "-D", &branch]);
        return Err(e.context(format!(
            "--catalog-checkout {}: nothing was committed, the checkout is back on {back}",
            dir.display()
        )));
    }
    Ok(branch)
}

/// Writes and commits each accepted change on the new branch, one commit per file.
fn commit_each(
    dir: &Path,
    branch: &str,
    kit_name: &str,
    accepted: &[(&FileResult, PathBuf, PathBuf, String)],
    reporter: &Reporter,
) -> Result<()> {
    for (r, root, file, content) in accepted {
        if let Some(p) = file.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(file, content)
            .with_context(|| format!("cannot write {}", file.display()))?;
        let mut add = vec![file.display().to_string()];
        if let Some((module, rel, sha)) = &r.amendment {
            crate::refresh::set_replaces(root, module, rel, sha)?;
            add.push(
                root.join(format!("amend/{module}/amend.toml"))
                    .display()
                    .to_string(),
            );
        }
        let mut args = vec!["add", "--"];
        args.extend(add.iter().map(String::as_str));
        git(dir, &args)?;
        git(dir, &["commit", "-q", "-m", &format!("{}: edits given back from the kit {kit_name}\n\nMade by `ispo give-back` from {} in the kit; every edit was checked to re-render exactly.", r.target, r.path)])?;
        reporter.status("Committed", format!("{} on {branch}", r.target));
    }
    Ok(())
}

pub fn lint_errors(
    root: &Path,
    files: crate::catalog::Files,
    reporter: &Reporter,
) -> Result<Option<String>> {
    let stack = layers::load_folder(root, files, false, &[], reporter)?;
    let catalog = match stack.catalog() {
        Ok(c) => c,
        Err(e) => return Ok(Some(e.to_string())),
    };
    Ok(lint::lint(&catalog).0.first().map(ToString::to_string))
}
