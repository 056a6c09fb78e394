//! ispo: assemble company-specific InnerSource kits from a shared catalog.
//!
//! The pipeline: arguments → config → source → catalog → answers (prompt) →
//! selection → render → assemble → kit, and update's plan → apply. This file
//! only declares the modules and dispatches the commands; CONTRIBUTING.md
//! maps every file to its layer.

// Printing goes through `output` (`out!`, `outln!`, `errln!`), which never
// panics on a closed pipe; `println!` and friends do.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod answers;
pub mod answers_edit;
pub mod answers_file;
pub mod arguments;
pub mod assemble;
pub mod backmap;
pub mod catalog;
pub mod catalog_give_back;
pub mod catalog_lint;
pub mod catalog_new;
pub mod completions;
pub mod condition;
pub mod config;
pub mod diff;
pub mod dirty_check;
pub mod error;
pub mod escape;
pub mod expansion;
pub mod explain;
pub mod explain_layers;
pub mod fetch;
pub mod fill;
pub mod fill_entry;
pub mod fill_kind;
pub mod fills_given;
pub mod give_back;
pub mod index;
pub mod init;
pub mod interrupt;
pub mod kit;
pub mod layers;
pub mod lint;
pub mod local_cache;
pub mod manpages;
pub mod merge;
pub mod module_new;
pub mod output;
pub mod paths;
pub mod pick;
pub mod pick_list;
pub mod plain;
pub mod prompt;
pub mod question;
pub mod refresh;
pub mod release_notes;
pub mod render;
pub mod render_cache;
pub mod render_context;
pub mod render_diag;
pub mod rendered;
pub mod resume;
pub mod scaffold;
pub mod selection;
pub mod skeleton;
pub mod source;
pub mod stat_cache;
pub mod status;
pub mod status_stamps;
pub mod store;
pub mod suggest;
pub mod tags;
pub mod template_refs;
pub mod text;
pub mod tree_listing;
pub mod update;
pub mod user_config;
pub mod value;
pub mod version;

use anyhow::Result;

use crate::config::{Command, Config};
use crate::error::Code;
use crate::output::Reporter;

/// Runs one command; the caller turns errors into exit codes.
pub fn run(config: &Config, reporter: &Reporter) -> Result<Code> {
    match &config.command {
        Command::Init(c) => init::run(c, reporter),
        Command::Explain(c) => explain::run(c, reporter),
        Command::Status { kit, check } => status::run(kit, *check, reporter),
        Command::Lint { path, offline } => catalog_lint::run(path, *offline, reporter),
        Command::CatalogNew(c) => catalog_new::catalog_new(c, reporter),
        Command::GiveBack(c) => give_back::run(c, reporter),
        Command::CatalogGiveBack(c) => catalog_give_back::run(c, reporter),
        Command::Refresh { path, offline } => refresh::run(path, *offline, reporter),
        Command::ModuleNew {
            id,
            catalog,
            offline,
        } => module_new::module_new(id, catalog, *offline, reporter),
        Command::Update(c) => update::run(c, reporter),
        Command::Completions(shell) => completions::run(*shell),
        Command::Manpages(dir) => manpages::run(dir),
        Command::Check {
            kit,
            offline,
            exit_code,
        } => update::check::run(kit, *offline, *exit_code, reporter),
    }
}
