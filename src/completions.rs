//! `ispo completions SHELL`: the shell completion script, from clap's own
//! description of the command line.

use anyhow::Result;
use clap::CommandFactory;

use crate::arguments::Arguments;
use crate::error::Code;

/// Prints the completion script for `shell`.
pub fn run(shell: clap_complete::Shell) -> Result<Code> {
    // generate() panics on a write error: render in memory, print once.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Arguments::command(), "ispo", &mut script);
    crate::output::write_stdout(&String::from_utf8_lossy(&script));
    Ok(Code::Ok)
}
