//! Everything ispo prints for people: status lines, warnings, progress bars.
//!
//! All of it goes to stderr; stdout is reserved for the one `--json` result
//! (or a command's plain report). Colour follows `--color`, then `NO_COLOR`.
//!
//! Every byte goes through [`write_stdout`] or [`write_stderr`] (the
//! [`out!`](crate::out), [`outln!`](crate::outln) and [`errln!`](crate::errln)
//! macros), never `println!`: printing can fail (`ispo status | head -1`
//! closes the pipe early) and must never panic.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use console::style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Reporter {
    pub quiet: bool,
    pub verbose: u8,
    pub json: bool,
    stderr_tty: bool,
}

impl Reporter {
    pub fn new(quiet: bool, verbose: u8, json: bool, color: ColorChoice) -> Reporter {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let enabled = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stderr_tty && !no_color,
        };
        console::set_colors_enabled_stderr(enabled);
        console::set_colors_enabled(enabled && !json);
        Reporter {
            quiet,
            verbose,
            json,
            stderr_tty,
        }
    }

    /// A reporter that prints nothing (for tests and internal use).
    pub fn silent() -> Reporter {
        Reporter {
            quiet: true,
            verbose: 0,
            json: false,
            stderr_tty: false,
        }
    }

    /// `   Created  program/CHARTER.md`, cargo style.
    pub fn status(&self, label: &str, message: impl Display) {
        if !self.quiet {
            crate::errln!(
                "{:>12} {}",
                style(label).green().bold(),
                printable(&message.to_string())
            );
        }
    }

    pub fn note(&self, message: impl Display) {
        if !self.quiet {
            crate::errln!("{}", printable(&message.to_string()));
        }
    }

    pub fn warn(&self, message: impl Display) {
        crate::errln!(
            "{} {}",
            style("warning:").yellow().bold(),
            printable(&message.to_string())
        );
    }

    pub fn debug(&self, message: impl Display) {
        if self.verbose > 0 {
            crate::errln!("{} {message}", style("debug:").dim());
        }
    }

    /// A progress bar on stderr, hidden unless a person is watching.
    pub fn progress(&self, message: &str) -> ProgressBar {
        if self.quiet || self.json || !self.stderr_tty {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {pos}/{len} objects {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(message.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    }
}

pub use crate::text::{is_terminal_control, printable};

/// Set once stdout cannot take more: later stdout output is dropped.
static STDOUT_DONE: AtomicBool = AtomicBool::new(false);
/// The first stdout failure other than a closed pipe, for [`exit_code`].
static STDOUT_FAILURE: OnceLock<String> = OnceLock::new();

/// Writes to stdout, and flushes. When the reader has gone away (a broken
/// pipe: `ispo status | head -1`) the rest of the run's stdout output is
/// dropped quietly and the command carries on to its own exit code. Any
/// other failure (a full disk) also ends stdout output, and is reported
/// once at exit by [`exit_code`]. Never panics.
pub fn write_stdout(text: &str) {
    if STDOUT_DONE.load(Ordering::SeqCst) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        STDOUT_DONE.store(true, Ordering::SeqCst);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = STDOUT_FAILURE.set(e.to_string());
        }
    }
}

/// Writes to stderr. A failure is ignored: there is nowhere left to report it.
pub fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints to stdout through [`write_stdout`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&::std::format!($($arg)*))
    };
}

/// Prints a line to stdout through [`write_stdout`].
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::write_stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&::std::format!("{}\n", ::std::format_args!($($arg)*)))
    };
}

/// Prints a line to stderr through [`write_stderr`].
#[macro_export]
macro_rules! errln {
    () => {
        $crate::output::write_stderr("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_stderr(&::std::format!("{}\n", ::std::format_args!($($arg)*)))
    };
}

/// The code to exit with: the command's own, unless stdout failed for a
/// reason other than a closed pipe while the command succeeded, which makes
/// it an error (the output a script relied on is lost). The failure is
/// printed on stderr.
pub fn exit_code(code: Code) -> Code {
    let Some(failure) = STDOUT_FAILURE.get() else {
        return code;
    };
    print_error(&anyhow::anyhow!("cannot write to stdout: {failure}"));
    if code == Code::Ok {
        Code::Error
    } else {
        code
    }
}

/// Shows the cursor again (a prompt interrupted with Ctrl-C leaves it
/// hidden). Only on a terminal: elsewhere the escape would land in a log.
pub fn show_cursor() {
    let term = console::Term::stderr();
    if term.is_term() {
        let _ = term.show_cursor();
    }
}

/// The `--json` error document: `{"schema_version": 1, "error": {...}}`.
pub fn print_json_error(kind: &str, code: Code, message: &str) {
    crate::outln!("{}", crate::error::error_document(kind, code, message));
}

/// The one place errors are printed.
pub fn print_error(err: &anyhow::Error) {
    let mut text = format!("{err}");
    let causes: Vec<String> = err.chain().skip(1).map(|c| c.to_string()).collect();
    for cause in causes {
        if !text.contains(&cause) {
            text.push_str(&format!("\n  caused by: {cause}"));
        }
    }
    crate::errln!("{} {}", style("error:").red().bold(), printable(&text));
}
