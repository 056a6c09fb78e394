//! ispo: assemble company-specific InnerSource kits from a shared catalog.
//!
//! The pipeline, one file per stage: arguments → config → source → catalog →
//! question/answers (prompt) → selection → render → index → kit.

// Printing goes through `output` (`out!`, `outln!`, `errln!`), which never
// panics on a closed pipe; `println!` and friends do.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod answers;
pub mod answers_edit;
pub mod arguments;
pub mod assemble;
pub mod catalog;
pub mod condition;
pub mod config;
pub mod diff;
pub mod error;
pub mod escape;
pub mod expansion;
pub mod explain;
pub mod fetch;
pub mod fill;
pub mod index;
pub mod init;
pub mod interrupt;
pub mod kit;
pub mod lint;
pub mod merge;
pub mod output;
pub mod paths;
pub mod prompt;
pub mod question;
pub mod render;
pub mod selection;
pub mod skeleton;
pub mod source;
pub mod status;
pub mod suggest;
pub mod template_refs;
pub mod text;
pub mod update;
pub mod value;
pub mod version;

use anyhow::Result;

use crate::catalog::Catalog;
use crate::config::{Command, Config};
use crate::error::Code;
use crate::output::Reporter;

/// Runs one command; the caller turns errors into exit codes.
pub fn run(config: &Config, reporter: &Reporter) -> Result<Code> {
    match &config.command {
        Command::Init(c) => init::run(c, reporter),
        Command::Explain(c) => explain::run(c, reporter),
        Command::Status { kit, check } => status::run(kit, *check, reporter),
        Command::Lint { path } => lint_command(path, reporter),
        Command::Update(c) => update::run(c, reporter),
        Command::Completions(shell) => {
            use clap::CommandFactory;
            // generate() panics on a write error: render in memory, print once.
            let mut script = Vec::new();
            clap_complete::generate(
                *shell,
                &mut arguments::Arguments::command(),
                "ispo",
                &mut script,
            );
            output::write_stdout(&String::from_utf8_lossy(&script));
            Ok(Code::Ok)
        }
        Command::Check {
            kit,
            offline,
            exit_code,
        } => update::check(kit, *offline, *exit_code, reporter),
    }
}

fn lint_command(path: &std::path::Path, reporter: &Reporter) -> Result<Code> {
    let files = source::read_dir_tree(path)?;
    let catalog = Catalog::load(files)?;
    let (errors, warnings) = lint::lint(&catalog);
    for w in &warnings {
        reporter.warn(w);
    }
    if reporter.json {
        let doc = serde_json::json!({
            "schema_version": 1,
            "command": "catalog lint",
            "errors": errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    }
    if !errors.is_empty() {
        if reporter.json {
            // The JSON document above already carries the errors.
            return Ok(Code::Error);
        }
        return Err(error::Failure::Invalid(errors).into());
    }
    reporter.status(
        "Checked",
        format!(
            "{} {}: {} modules, {} questions, {} challenges, no errors",
            catalog.manifest.name,
            catalog.manifest.version,
            catalog.modules.len(),
            catalog.questions.len(),
            catalog.challenges.len()
        ),
    );
    Ok(Code::Ok)
}
