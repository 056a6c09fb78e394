//! Typed failures that change the exit code, and the one table mapping them to codes.
//!
//! Everything else travels as `anyhow::Error` with context; only the kinds a
//! script must tell apart get a variant here. See README "Exit codes".

use std::fmt;
use std::process::ExitCode;

/// Stable exit codes, documented in README.md. Never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Ok = 0,
    Error = 1,
    Usage = 2,
    Conflicts = 3,
    Refused = 4,
    NeedsInput = 5,
    FillInsRemain = 6,
    UpdateAvailable = 10,
    Interrupted = 130,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(code as u8)
    }
}

impl Code {
    /// Every code, in order: README's "Exit codes" table and `--help` list
    /// exactly these, with [`Code::meaning`] (a test in `arguments.rs`
    /// fails when either drifts).
    pub const ALL: [Code; 9] = [
        Code::Ok,
        Code::Error,
        Code::Usage,
        Code::Conflicts,
        Code::Refused,
        Code::NeedsInput,
        Code::FillInsRemain,
        Code::UpdateAvailable,
        Code::Interrupted,
    ];

    /// What the code means, as README and `--help` say it.
    pub const fn meaning(self) -> &'static str {
        match self {
            Code::Ok => "Success.",
            Code::Error => "Error: bad catalog, answers or state file, network failure, `--offline` with nothing cached, render error, stdout that cannot be written.",
            Code::Usage => "Usage error: unknown flag, bad `--set`, unknown module in `--with`/`--without`.",
            Code::Conflicts => "Finished, but conflicts are left to resolve (`ispo update`, also with `--dry-run`, and `ispo diff`).",
            Code::Refused => "Refused for safety: non-empty destination without `--force`, unsafe output path, symlink, dangerous catalog URL or ref, a catalog that asks to run code, uncommitted changes in the kit (`ispo update` without `--allow-dirty`), another `ispo update` of the same kit running.",
            Code::NeedsInput => "Input needed but the session may not prompt; the message lists the missing answers.",
            Code::FillInsRemain => "`ispo status --check`: fill-in values remain.",
            Code::UpdateAvailable => "`ispo check --exit-code`: an update is available.",
            Code::Interrupted => "Interrupted (Ctrl-C): nothing was written, or the writes under way were finished first, so the kit is consistent.",
        }
    }
}

/// A place in a file, for messages of the form `file:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// Builds a diagnostic from a byte offset into `source`.
    pub fn at(file: &str, source: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_col(source, offset);
        Diagnostic::new(file, line, column, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A required answer that was not supplied in a non-interactive run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingAnswer {
    pub id: String,
    pub prompt: String,
    /// The flag (or flags) that would supply it.
    pub hint: String,
}

/// Failures whose kind decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Wrong use of the command line that clap could not catch (unknown module, bad --set).
    #[error("{0}")]
    Usage(String),
    /// Refused to protect the user's files or machine.
    #[error("{0}")]
    Refused(String),
    /// Answers are missing and ispo may not prompt.
    #[error("{}", missing_message(.0))]
    NeedsInput(Vec<MissingAnswer>),
    /// Problems found in a file, each with its location.
    #[error("{}", diagnostics_message(.0))]
    Invalid(Vec<Diagnostic>),
}

fn missing_message(missing: &[MissingAnswer]) -> String {
    let mut out = format!(
        "{} answer{} needed, and this session cannot prompt (not a terminal, --non-interactive, --json or CI is set):",
        missing.len(),
        if missing.len() == 1 { " is" } else { "s are" }
    );
    for m in missing {
        out.push_str(&format!("\n  - {} ({}): {}", m.id, m.prompt, m.hint));
    }
    out
}

fn diagnostics_message(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.to_string());
    }
    out
}

/// The exit code for an error: the first typed failure in its chain decides.
pub fn code_for(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        // Ctrl-C at a prompt arrives as an interrupted read, not as a signal.
        let interrupted = |e: &std::io::Error| e.kind() == std::io::ErrorKind::Interrupted;
        let dialoguer_io = match cause.downcast_ref::<dialoguer::Error>() {
            Some(dialoguer::Error::IO(e)) => interrupted(e),
            _ => false,
        };
        if dialoguer_io
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(interrupted)
        {
            return Code::Interrupted;
        }
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return match f {
                Failure::Usage(_) => Code::Usage,
                Failure::Refused(_) => Code::Refused,
                Failure::NeedsInput(_) => Code::NeedsInput,
                Failure::Invalid(_) => Code::Error,
            };
        }
    }
    Code::Error
}

/// A short machine-readable kind for `--json` error output.
pub fn kind_for(err: &anyhow::Error) -> &'static str {
    match code_for(err) {
        Code::Usage => "usage",
        Code::Refused => "refused",
        Code::NeedsInput => "needs_input",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let s = "ab\ncdé\nf";
        assert_eq!(line_col(s, 0), (1, 1));
        assert_eq!(line_col(s, 3), (2, 1));
        assert_eq!(line_col(s, 7), (2, 4));
        assert_eq!(line_col(s, 100), (3, 2));
    }

    #[test]
    fn typed_failure_deep_in_chain_decides_code() {
        let err = anyhow::Error::new(Failure::Refused("no".into())).context("outer");
        assert_eq!(code_for(&err), Code::Refused);
        assert_eq!(code_for(&anyhow::anyhow!("plain")), Code::Error);
    }
}
