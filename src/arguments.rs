//! The command line, as clap sees it. Nothing here leaves this file except
//! through `config::Config::from_args`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::Code;
use crate::output;

/// Parses the process's command line. `--help` and `--version` print here
/// (exit code 0). A usage error prints as clap renders it on stderr and,
/// when `--json` is among the arguments, as the JSON error document on
/// stdout; the code to exit with is returned (2).
pub fn parse() -> Result<Arguments, Code> {
    parse_from(std::env::args_os())
}

fn parse_from(args: impl IntoIterator<Item = OsString>) -> Result<Arguments, Code> {
    let args: Vec<OsString> = args.into_iter().collect();
    Arguments::try_parse_from(&args).map_err(|e| {
        // Help and version on stdout, errors on stderr; never a panic.
        let _ = e.print();
        if e.exit_code() == 0 {
            return Code::Ok;
        }
        if wants_json(&args) {
            output::print_json_error("usage", Code::Usage, &usage_message(&e));
        }
        Code::Usage
    })
}

/// Whether `--json` is among the arguments before any `--`, when clap could
/// not parse them.
fn wants_json(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json")
}

/// clap's error text, without colours and without its `error: ` prefix (the
/// document's `kind` says as much).
fn usage_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let text = text.trim();
    text.strip_prefix("error: ").unwrap_or(text).to_string()
}

/// `ispo --version`: the release, the commit it was built from and the
/// built-in catalog's version.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ISPO_COMMIT"),
    ", built-in catalog ispo-default ",
    env!("ISPO_BUILTIN_CATALOG_VERSION"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "ispo",
    version = VERSION,
    about = "Assemble a company-specific InnerSource kit from a shared catalog",
    long_about = "ispo asks about your company's context, picks the catalog modules that fit \
(documentation, training, tooling), explains the pick and renders them into a kit folder. \
The kit records enough to be updated later without losing local edits.",
    after_help = after_help()
)]
pub struct Arguments {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: CommandArgs,
}

/// The exit codes, from the one table in `error.rs`, then the environment.
fn after_help() -> String {
    let mut text = String::from("Exit codes (stable; scripts may rely on them):\n");
    for code in Code::ALL {
        text.push_str(&format!("  {:<4} {}\n", code as u8, code.meaning()));
    }
    text.push('\n');
    text.push_str(ENVIRONMENT);
    text
}

const ENVIRONMENT: &str = "Environment: ISPO_CATALOG (the catalog when --catalog is not given), ISPO_CONFIG (another config file; see docs/configuration.md), ISPO_CACHE_DIR (where remote catalogs are cached), ISPO_GIT_TOKEN (an HTTPS token for remote catalogs, for CI), ISPO_NETWORK_TIMEOUT (seconds without an answer or progress before a fetch is stopped), NO_COLOR, CI. Remote catalogs are fetched with git, which must be on the PATH; its configuration (credentials, ssh, proxies) applies.";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    pub color: ColorArg,
    /// Print only errors and warnings
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more about what happens (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print one machine-readable JSON result on stdout (implies --non-interactive)
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum CommandArgs {
    /// Create a kit: ask about your context, pick modules, render them
    Init(InitArgs),
    /// Bring upstream catalog changes (and edited answers) into a kit, keeping local edits
    Update(UpdateArgs),
    /// Show, as a unified diff, what `ispo update` would change
    Diff(DiffArgs),
    /// Tell whether the catalog has moved since the kit's commit: versions, newer tags, release notes
    Check(CheckArgs),
    /// Show which modules are in or out, and the clause that decided each
    Explain(ExplainArgs),
    /// List the fill-in values still open in a kit
    Status(StatusArgs),
    /// Commands for catalog authors
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Commands for a catalog's modules
    #[command(subcommand)]
    Module(ModuleCommand),
    /// Turn a kit's committed edits into edits of the templates that made them, for the catalog they came from
    GiveBack(GiveBackArgs),
    /// Write the man pages, one per command (e.g. `ispo manpages /usr/local/share/man/man1`)
    Manpages {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print a shell completion script (e.g. `ispo completions bash > /etc/bash_completion.d/ispo`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Check a catalog (schema, conditions, templates, paths) without rendering a kit
    Lint(LintArgs),
    /// Create a company catalog on top of another one (lint-clean, ready to amend)
    New(CatalogNewArgs),
    /// Merge upstream's changes into the files a company catalog replaces (amend/<id>/files/)
    Refresh(LintArgs),
    /// Propose a company catalog's module or amendment to the catalog it extends
    GiveBack(CatalogGiveBackArgs),
}

#[derive(Debug, Args)]
pub struct CatalogGiveBackArgs {
    /// A module of the company catalog (modules/<id>/) or one it amends (amend/<id>/)
    #[arg(value_name = "ITEM")]
    pub item: String,
    /// The company catalog's folder
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub catalog: PathBuf,
    /// The catalog below it that gets the contribution [default: the amended module's origin, or the catalog it extends]
    #[arg(long, value_name = "LAYER")]
    pub to: Option<String>,
    /// A clean git checkout of that catalog: the contribution goes on a new branch
    #[arg(long, value_name = "DIR")]
    pub catalog_checkout: Option<PathBuf>,
    /// Write the contribution as a patch (for `git apply` in that catalog)
    #[arg(long, value_name = "FILE")]
    pub patch: Option<PathBuf>,
    /// Company data that may go into the contribution after all; repeatable
    #[arg(long, value_name = "TEXT")]
    pub allow: Vec<String>,
    /// Read the catalogs below from the cache, never the network
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Subcommand)]
pub enum ModuleCommand {
    /// Create a lint-clean module (module.toml, a template, a condition stub, a fill-in) in a catalog folder
    New(ModuleNewArgs),
}

#[derive(Debug, Args)]
pub struct CatalogNewArgs {
    /// The folder to create (it must not exist, or be empty)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The catalog it builds on: `builtin`, a git URL or a folder, optionally followed by `@REF` (a tag or branch without `/`)
    #[arg(long, value_name = "SOURCE[@REF]", default_value = "builtin")]
    pub extends: String,
    /// The base's branch, tag or commit (instead of `@REF`)
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,
    /// The folder inside the base's repository that holds its catalog.toml
    #[arg(long, value_name = "DIR")]
    pub subdir: Option<String>,
    /// The new catalog's name [default: from DIR]
    #[arg(long)]
    pub name: Option<String>,
    /// Read the base from the cache, never the network
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct GiveBackArgs {
    /// The kit folder
    #[arg(long, default_value = ".", value_name = "KIT")]
    pub kit: PathBuf,
    /// Kit files to give back [default: every file whose last commit differs from its stored base]
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// The catalog (layer) the edits go to [default: the one whose template made each file]; a higher layer gets them as amendments
    #[arg(long, value_name = "LAYER")]
    pub to: Option<String>,
    /// A clean git checkout of that catalog: the edits go on a new branch, one commit per file
    #[arg(long, value_name = "DIR")]
    pub catalog_checkout: Option<PathBuf>,
    /// Write the template edits as a patch (for `git apply` in the catalog)
    #[arg(long, value_name = "FILE")]
    pub patch: Option<PathBuf>,
    /// After committing, push the branch to this remote of the checkout (never done otherwise)
    #[arg(long, value_name = "REMOTE", requires = "catalog_checkout")]
    pub push: Option<String>,
    /// Company data that may go into the contribution after all (a value, a domain); repeatable
    #[arg(long, value_name = "TEXT")]
    pub allow: Vec<String>,
    /// Read the kit's catalogs from the cache, never the network
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct ModuleNewArgs {
    /// The new module's id (lowercase letters, digits, `-` and `_`)
    #[arg(value_name = "ID")]
    pub id: String,
    /// The catalog folder (the one holding catalog.toml)
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub catalog: PathBuf,
    /// For a catalog that extends others: read them from the cache, never the network
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CatalogArgs {
    /// Catalog git URL (https, ssh, git://, file://) or local path [default: $ISPO_CATALOG, else the config file's, else the built-in catalog]
    #[arg(long, value_name = "URL|PATH")]
    pub catalog: Option<String>,
    /// Branch, tag or commit of the catalog [default: its default branch]
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,
    /// Folder inside the catalog repository that holds catalog.toml
    #[arg(long, value_name = "DIR")]
    pub subdir: Option<String>,
    /// Use the cached copy of a remote catalog; never touch the network
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args, Clone)]
pub struct AnswerArgs {
    /// Read answers from a TOML file (question ids as keys, [fill], [modules]); `-` reads them from stdin
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Answer a question (KEY=VALUE; multiple choices comma-separated; fill.ID=VALUE for a fill-in)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Take each question's default when no answer is given
    #[arg(long)]
    pub defaults: bool,
    /// Force a module into the kit, whatever the answers say (repeatable)
    #[arg(long = "with", value_name = "MODULE", value_delimiter = ',')]
    pub with: Vec<String>,
    /// Keep a module out of the kit, whatever the answers say (repeatable)
    #[arg(long = "without", value_name = "MODULE", value_delimiter = ',')]
    pub without: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the kit in
    #[arg(default_value = "innersource-kit", value_name = "DEST")]
    pub dest: PathBuf,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Never prompt; fail with exit code 5 listing missing answers
    #[arg(long)]
    pub non_interactive: bool,
    /// Bring ispo into a folder that already holds files: none is overwritten; where a kit file would land on one of yours, the kit's version goes beside it as <file>.ispo-new (exit code 3)
    #[arg(long, alias = "force")]
    pub adopt: bool,
    /// Show the pick, with the reason for each module, and the files the kit would have; write nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The kit folder
    #[arg(default_value = ".", value_name = "KIT")]
    pub kit: PathBuf,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Never prompt: new questions take their defaults; fail with exit code 5 for those without
    #[arg(long)]
    pub non_interactive: bool,
    /// Show what would happen to each file, write nothing
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Update even if the kit's files have uncommitted changes in git
    #[arg(long)]
    pub allow_dirty: bool,
    /// Also write what the update did as Markdown for a pull request's body: catalog versions, files by action, conflicts and what to do, defaulted questions, release notes
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Bring back a file you deleted from the kit (kit-relative path; repeatable)
    #[arg(long, value_name = "PATH")]
    pub restore: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The kit folder
    #[arg(default_value = ".", value_name = "KIT")]
    pub kit: PathBuf,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub answers: AnswerArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The kit folder
    #[arg(default_value = ".", value_name = "KIT")]
    pub kit: PathBuf,
    /// Use the cached copy of a remote catalog; never touch the network
    #[arg(long)]
    pub offline: bool,
    /// Exit with code 10 when an update is available (also a newer release tag, for a kit on a tag)
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Explain one module in detail
    #[arg(value_name = "MODULE")]
    pub module: Option<String>,
    /// Explain the pick of an existing kit [default: the current folder, if it is a kit]
    #[arg(long, value_name = "DIR", conflicts_with_all = ["catalog", "reference", "subdir", "answers", "set", "defaults"])]
    pub kit: Option<PathBuf>,
    /// Print the stack of catalogs (each layer's name, version, source and commit), lowest first
    #[arg(long, conflicts_with_all = ["module", "file"])]
    pub layers: bool,
    /// Say which catalog's template made a kit file, which catalogs amended it, and where its fill-in values come from
    #[arg(long, value_name = "PATH", conflicts_with = "module")]
    pub file: Option<String>,
    /// Say why in the catalog's condition form (for catalog authors), not in plain words
    #[arg(long)]
    pub why_raw: bool,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub answers: AnswerArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The kit folder
    #[arg(default_value = ".", value_name = "KIT")]
    pub kit: PathBuf,
    /// Exit with code 6 while any fill-in value is still open
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Catalog folder (the one holding catalog.toml)
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// For a catalog that extends others: read them from the cache, never the network
    #[arg(long)]
    pub offline: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use crate::error::Code;

    #[test]
    fn cli_definition_is_consistent() {
        super::Arguments::command().debug_assert();
    }

    /// README's "Exit codes" table, `--help` and `error::Code` say the same thing.
    #[test]
    fn exit_codes_in_readme_and_help_match_the_table() {
        let readme = include_str!("../README.md");
        let section = readme
            .split("\n### Exit codes\n")
            .nth(1)
            .expect("README has a \"### Exit codes\" section");
        let rows: Vec<(String, String)> = section
            .lines()
            .skip_while(|l| !l.starts_with("| Code |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let (code, meaning) = l.trim_matches('|').split_once('|').expect("two cells");
                (code.trim().to_string(), meaning.trim().to_string())
            })
            .collect();
        let table: Vec<(String, String)> = Code::ALL
            .iter()
            .map(|c| ((*c as u8).to_string(), c.meaning().to_string()))
            .collect();
        assert_eq!(
            rows, table,
            "README's exit code table differs from error::Code"
        );

        let help = super::Arguments::command()
            .term_width(0)
            .render_long_help()
            .to_string();
        let listed: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Exit codes"))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        let expected: Vec<String> = Code::ALL
            .iter()
            .map(|c| format!("  {:<4} {}", *c as u8, c.meaning()))
            .collect();
        assert_eq!(listed, expected, "--help lists other exit codes");
    }

    #[test]
    fn json_is_looked_for_before_double_dash_only() {
        let args = |a: &[&str]| a.iter().map(Into::into).collect::<Vec<_>>();
        assert!(super::wants_json(&args(&[
            "ispo", "status", "--json", "--x"
        ])));
        assert!(!super::wants_json(&args(&[
            "ispo", "status", "--", "--json"
        ])));
        assert!(!super::wants_json(&args(&["--json", "status"])));
        assert!(!super::wants_json(&args(&["ispo", "--jsonx"])));
    }
}
