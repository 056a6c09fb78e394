//! `ispo manpages DIR`: one man page per command and subcommand, rendered by
//! clap_mangen from the same description as `--help`, so they cannot drift
//! (`man/` in the repository is checked against a fresh render by a test).

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::arguments::Arguments;
use crate::error::Code;

/// Every page, as (file name, roff text): `ispo.1`, `ispo-init.1`,
/// `ispo-catalog-lint.1`...
pub fn pages() -> Result<Vec<(String, Vec<u8>)>> {
    // The plain release: the page must not change with every commit.
    let mut cmd = Arguments::command().version(env!("CARGO_PKG_VERSION"));
    cmd.build();
    let mut out = Vec::new();
    walk(&cmd, "ispo", &mut out)?;
    Ok(out)
}

fn walk(cmd: &clap::Command, name: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut text = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .source(format!("ispo {}", env!("CARGO_PKG_VERSION")))
        .manual("ispo manual")
        .render(&mut text)?;
    out.push((format!("{name}.1"), text));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        walk(sub, &format!("{name}-{}", sub.get_name()), out)?;
    }
    Ok(())
}

/// Writes every page into `dir`.
pub fn run(dir: &Path) -> Result<Code> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let pages = pages()?;
    for (file, text) in &pages {
        let p = dir.join(file);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
    }
    crate::errln!("wrote {} man pages into {}", pages.len(), dir.display());
    Ok(Code::Ok)
}
