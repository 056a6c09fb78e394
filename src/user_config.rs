//! The user's own defaults for `init` and `explain`: the catalog (and its
//! ref and subfolder) and an answers file, from `ISPO_CATALOG` or a config
//! file in the platform's config folder (`ISPO_CONFIG` names another).
//! Precedence: flags > environment > config file > the built-in catalog.

use std::path::PathBuf;

use anyhow::Result;
use serde::Deserialize;

use crate::error::Failure;
use crate::output::Reporter;
use crate::source::CatalogRequest;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    catalog: Option<CatalogDefaults>,
    /// An answers file read under `--answers` when none is given.
    answers: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogDefaults {
    source: String,
    #[serde(rename = "ref")]
    reference: Option<String>,
    subdir: Option<String>,
}

/// Where the config file is: `$ISPO_CONFIG`, else `<config dir>/ispo/config.toml`
/// (`$XDG_CONFIG_HOME` or `~/.config` on Linux and macOS, as command-line
/// tools do there; `%APPDATA%` on Windows).
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ISPO_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    use etcetera::BaseStrategy;
    let dirs = etcetera::choose_base_strategy().ok()?;
    Some(dirs.config_dir().join("ispo").join("config.toml"))
}

fn read() -> Result<(File, Option<PathBuf>)> {
    let Some(p) = path() else {
        return Ok((File::default(), None));
    };
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                && std::env::var_os("ISPO_CONFIG").is_none() =>
        {
            return Ok((File::default(), None));
        }
        Err(e) => anyhow::bail!("cannot read the config file {}: {e}", p.display()),
    };
    let shown = p.display().to_string();
    let file: File = toml::from_str(&text).map_err(|e| {
        let d = crate::catalog::toml_diag(&shown, &text, &e);
        Failure::Invalid(vec![d])
    })?;
    Ok((file, Some(p)))
}

/// Fills in the catalog `req` leaves open, and says where it came from.
pub fn apply_catalog(req: &mut CatalogRequest, reporter: &Reporter) -> Result<()> {
    if req.location.is_some() {
        return Ok(());
    }
    if let Some(v) = std::env::var("ISPO_CATALOG").ok().filter(|v| !v.is_empty()) {
        reporter.debug(format!("catalog from ISPO_CATALOG: {v}"));
        req.location = Some(v);
        return Ok(());
    }
    let (file, at) = read()?;
    if let (Some(c), Some(at)) = (file.catalog, at) {
        reporter.debug(format!("catalog from {}: {}", at.display(), c.source));
        req.location = Some(c.source);
        if req.reference.is_none() {
            req.reference = c.reference;
        }
        if req.subdir.is_none() {
            req.subdir = c.subdir;
        }
    }
    Ok(())
}

/// The config file's answers file, when the command line names none.
pub fn default_answers() -> Result<Option<PathBuf>> {
    let (file, at) = read()?;
    Ok(file.answers.map(|a| match (&at, a.is_relative()) {
        // Relative to the config file's folder.
        (Some(at), true) => at.parent().map_or(a.clone(), |d| d.join(&a)),
        _ => a,
    }))
}
