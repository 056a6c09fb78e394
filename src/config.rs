//! The plain configuration every command runs from: clap's view of the
//! command line turned into decisions (may we prompt? which catalog?).

use std::path::PathBuf;

use crate::arguments::{
    AnswerArgs, Arguments, CatalogArgs, CatalogCommand, ColorArg, CommandArgs, ModuleCommand,
};
use crate::output::ColorChoice;
use crate::source::CatalogRequest;

#[derive(Debug, Clone)]
pub struct Config {
    pub color: ColorChoice,
    pub quiet: bool,
    pub verbose: u8,
    pub json: bool,
    pub command: Command,
}

#[derive(Debug, Clone)]
pub enum Command {
    Init(InitConfig),
    Explain(ExplainConfig),
    Status {
        kit: PathBuf,
        check: bool,
    },
    Update(UpdateConfig),
    Check {
        kit: PathBuf,
        offline: bool,
        exit_code: bool,
    },
    Lint {
        path: PathBuf,
        offline: bool,
    },
    CatalogNew(CatalogNewConfig),
    GiveBack(GiveBackConfig),
    CatalogGiveBack(CatalogGiveBackConfig),
    Refresh {
        path: PathBuf,
        offline: bool,
    },
    ModuleNew {
        id: String,
        catalog: PathBuf,
        offline: bool,
    },
    Completions(clap_complete::Shell),
    Manpages(PathBuf),
}

/// `ispo catalog give-back`.
#[derive(Debug, Clone)]
pub struct CatalogGiveBackConfig {
    pub item: String,
    pub overlay: PathBuf,
    pub to: Option<String>,
    pub checkout: Option<PathBuf>,
    pub patch: Option<PathBuf>,
    pub allow: Vec<String>,
    pub offline: bool,
}

/// `ispo give-back`.
#[derive(Debug, Clone)]
pub struct GiveBackConfig {
    pub kit: PathBuf,
    pub paths: Vec<String>,
    pub to: Option<String>,
    pub checkout: Option<PathBuf>,
    pub patch: Option<PathBuf>,
    pub push: Option<String>,
    pub allow: Vec<String>,
    pub offline: bool,
}

/// `ispo catalog new`.
#[derive(Debug, Clone)]
pub struct CatalogNewConfig {
    pub dir: PathBuf,
    /// The base, as `--catalog` would take it (`None`: the built-in catalog).
    pub base: CatalogRequest,
    pub name: Option<String>,
}

/// Where answers come from, before any is read.
#[derive(Debug, Clone, Default)]
pub struct AnswerSources {
    pub file: Option<PathBuf>,
    pub sets: Vec<String>,
    pub defaults: bool,
    pub with: Vec<String>,
    pub without: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct InitConfig {
    pub dest: PathBuf,
    pub catalog: CatalogRequest,
    pub answers: AnswerSources,
    /// Decided once, up front: may this run prompt?
    pub interactive: bool,
    /// `--adopt`: write into a folder that holds files, keeping every one.
    pub adopt: bool,
    /// `--dry-run`: show the pick and the files, write nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub struct ExplainConfig {
    pub module: Option<String>,
    /// Print the stack of catalogs instead.
    pub layers: bool,
    /// Explain one kit file's origin instead.
    pub file: Option<String>,
    pub kit: Option<PathBuf>,
    pub catalog: CatalogRequest,
    pub answers: AnswerSources,
    /// True when catalog or answer flags were given, so no kit is implied.
    pub explicit: bool,
    /// `--why-raw`: the condition form instead of plain words.
    pub why_raw: bool,
}

/// `SOURCE@REF`: the part after the last `@` is a ref when it holds no `:`
/// and no `/` (so `git@host:org/c.git` and `https://me@host/c.git` stay
/// whole, `git@host:org/c.git@v2` does not); a ref with `/` takes `--ref`.
fn split_ref(s: &str) -> (String, Option<String>) {
    match s.rsplit_once('@') {
        Some((loc, r)) if !loc.is_empty() && !r.is_empty() && !r.contains([':', '/']) => {
            (loc.to_string(), Some(r.to_string()))
        }
        _ => (s.to_string(), None),
    }
}

fn catalog_request(a: CatalogArgs) -> CatalogRequest {
    CatalogRequest {
        location: a.catalog,
        reference: a.reference,
        subdir: a.subdir,
        offline: a.offline,
        interactive: false,
    }
}

fn answer_sources(a: AnswerArgs) -> AnswerSources {
    AnswerSources {
        file: a.answers,
        sets: a.set,
        defaults: a.defaults,
        with: a.with,
        without: a.without,
    }
}

fn update_config(
    kit: PathBuf,
    catalog: CatalogArgs,
    answers: AnswerArgs,
    mode: Mode,
    interactive: bool,
) -> UpdateConfig {
    UpdateConfig {
        kit,
        catalog: catalog.catalog,
        reference: catalog.reference,
        subdir: catalog.subdir,
        offline: catalog.offline,
        answers: answer_sources(answers),
        interactive,
        mode,
        allow_dirty: false,
        restore: Vec::new(),
        report: None,
    }
}

impl Config {
    pub fn from_args(args: Arguments) -> Config {
        let json = args.global.json;
        let command = match args.command {
            CommandArgs::Init(a) => {
                let interactive = crate::prompt::may_prompt(a.non_interactive || json);
                Command::Init(InitConfig {
                    dest: a.dest,
                    catalog: CatalogRequest {
                        interactive,
                        ..catalog_request(a.catalog)
                    },
                    answers: answer_sources(a.answers),
                    interactive,
                    adopt: a.adopt,
                    dry_run: a.dry_run,
                })
            }
            CommandArgs::Explain(a) => {
                let explicit = a.catalog.catalog.is_some()
                    || a.answers.answers.is_some()
                    || !a.answers.set.is_empty()
                    || a.answers.defaults;
                Command::Explain(ExplainConfig {
                    module: a.module,
                    layers: a.layers,
                    file: a.file,
                    kit: a.kit,
                    catalog: catalog_request(a.catalog),
                    answers: answer_sources(a.answers),
                    explicit,
                    why_raw: a.why_raw,
                })
            }
            CommandArgs::Status(a) => Command::Status {
                kit: a.kit,
                check: a.check,
            },
            CommandArgs::Update(a) => {
                let interactive = crate::prompt::may_prompt(a.non_interactive || json || a.dry_run);
                let mode = if a.dry_run { Mode::DryRun } else { Mode::Apply };
                let mut c = update_config(a.kit, a.catalog, a.answers, mode, interactive);
                c.allow_dirty = a.allow_dirty;
                c.restore = a.restore;
                c.report = a.report;
                Command::Update(c)
            }
            CommandArgs::Diff(a) => {
                let mut c = update_config(a.kit, a.catalog, a.answers, Mode::Diff, false);
                c.allow_dirty = true;
                Command::Update(c)
            }
            CommandArgs::Check(a) => Command::Check {
                kit: a.kit,
                offline: a.offline,
                exit_code: a.exit_code,
            },
            CommandArgs::Catalog(CatalogCommand::Lint(a)) => Command::Lint {
                path: a.path,
                offline: a.offline,
            },
            CommandArgs::Catalog(CatalogCommand::GiveBack(a)) => {
                Command::CatalogGiveBack(CatalogGiveBackConfig {
                    item: a.item,
                    overlay: a.catalog,
                    to: a.to,
                    checkout: a.catalog_checkout,
                    patch: a.patch,
                    allow: a.allow,
                    offline: a.offline,
                })
            }
            CommandArgs::Catalog(CatalogCommand::Refresh(a)) => Command::Refresh {
                path: a.path,
                offline: a.offline,
            },
            CommandArgs::Catalog(CatalogCommand::New(a)) => {
                let (location, at_ref) = split_ref(&a.extends);
                let reference = a.reference.or(at_ref);
                Command::CatalogNew(CatalogNewConfig {
                    dir: a.dir,
                    base: CatalogRequest {
                        location: Some(location).filter(|l| l != crate::source::BUILTIN),
                        reference,
                        subdir: a.subdir,
                        offline: a.offline,
                        interactive: crate::prompt::may_prompt(json),
                    },
                    name: a.name,
                })
            }
            CommandArgs::GiveBack(a) => Command::GiveBack(GiveBackConfig {
                kit: a.kit,
                paths: a.paths,
                to: a.to,
                checkout: a.catalog_checkout,
                patch: a.patch,
                push: a.push,
                allow: a.allow,
                offline: a.offline,
            }),
            CommandArgs::Module(ModuleCommand::New(a)) => Command::ModuleNew {
                id: a.id,
                catalog: a.catalog,
                offline: a.offline,
            },
            CommandArgs::Completions { shell } => Command::Completions(shell),
            CommandArgs::Manpages { dir } => Command::Manpages(dir),
        };
        Config {
            color: match args.global.color {
                ColorArg::Auto => ColorChoice::Auto,
                ColorArg::Always => ColorChoice::Always,
                ColorArg::Never => ColorChoice::Never,
            },
            quiet: args.global.quiet,
            verbose: args.global.verbose,
            json,
            command,
        }
    }
}

/// `ispo update` and `ispo diff`, decided.
#[derive(Debug, Clone)]
pub struct UpdateConfig {
    pub kit: PathBuf,
    pub catalog: Option<String>,
    pub reference: Option<String>,
    pub subdir: Option<String>,
    pub offline: bool,
    pub answers: AnswerSources,
    pub interactive: bool,
    pub mode: Mode,
    pub allow_dirty: bool,
    pub restore: Vec<String>,
    /// `--report FILE`: the update as a pull request's Markdown body.
    pub report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Apply,
    DryRun,
    Diff,
}
