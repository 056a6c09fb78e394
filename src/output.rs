//! Everything ispo prints for people: status lines, warnings, progress bars.
//!
//! All of it goes to stderr; stdout is reserved for the one `--json` result
//! (or a command's plain report). Colour follows `--color`, then `NO_COLOR`.

use std::fmt::Display;
use std::io::IsTerminal;

use console::style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
            eprintln!(
                "{:>12} {}",
                style(label).green().bold(),
                printable(&message.to_string())
            );
        }
    }

    pub fn note(&self, message: impl Display) {
        if !self.quiet {
            eprintln!("{}", printable(&message.to_string()));
        }
    }

    pub fn warn(&self, message: impl Display) {
        eprintln!(
            "{} {}",
            style("warning:").yellow().bold(),
            printable(&message.to_string())
        );
    }

    pub fn debug(&self, message: impl Display) {
        if self.verbose > 0 {
            eprintln!("{} {message}", style("debug:").dim());
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

/// Characters that steer a terminal rather than print: C0/C1 controls other
/// than newline and tab (escape sequences start with them) and the Unicode
/// bidirectional overrides that reorder what is shown.
pub fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text safe to print: terminal controls are shown escaped (`\u{1b}`), so a
/// hostile file name or value in a message cannot drive the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if is_terminal_control(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
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
    eprintln!("{} {}", style("error:").red().bold(), printable(&text));
}
