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
            Code::Usage => "Usage error: unknown flag, bad `--set` (an answer or a fill-in value that does not fit), unknown module in `--with`/`--without`.",
            Code::Conflicts => "Finished, but conflicts are left to resolve (`ispo update`, also with `--dry-run`, and `ispo diff`), or `ispo init --adopt` kept files of yours and wrote the kit's versions beside them.",
            Code::Refused => "Refused for safety: non-empty destination without `--adopt`, unsafe output path, symlink, dangerous catalog URL or ref, a catalog that asks to run code, uncommitted changes in the kit (`ispo update` without `--allow-dirty`), another `ispo update` of the same kit running.",
            Code::NeedsInput => "Input needed: answers are missing and the session may not prompt, or an answers file holds an answer or fill-in value that does not fit; the message (and `--json`) lists each with how to supply or fix it.",
            Code::FillInsRemain => "`ispo status --check`: fill-in values remain.",
            Code::UpdateAvailable => "`ispo check --exit-code`: an update is available (the kit's ref has moved, or the kit follows a version tag and a newer release tag exists).",
            Code::Interrupted => "Interrupted (Ctrl-C, or Quit at `ispo init`'s summary): nothing was written, or the writes under way were finished first, so the kit is consistent; `ispo init` keeps the answers given so far for the next run.",
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
    /// The flag that would supply it (`--set forge=github_cloud|gitlab`).
    pub flag: String,
    /// The default `--defaults` would take, as text, when it has one.
    pub default: Option<String>,
    /// Questions its default is built from that are missing too: the
    /// default waits for them (given them, `--defaults` may do).
    pub waits_for: Vec<String>,
}

impl MissingAnswer {
    /// How to supply it, in words, for the message.
    pub fn hint(&self) -> String {
        let mut hint = self.flag.clone();
        if let Some(d) = &self.default {
            hint.push_str(&format!(" (or --defaults, which takes {d})"));
        } else if !self.waits_for.is_empty() {
            hint.push_str(&format!(
                " (its default is built from {0}, so --defaults takes it once {0} is answered or defaulted)",
                self.waits_for
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        hint
    }
}

/// A supplied answer (or key) that does not fit the catalog's questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfitAnswer {
    /// Where it was given, with the message: `ispo-answers.toml:7:1: ...`.
    pub at: Diagnostic,
    /// The question or fill-in key as written (`chat`, `fill.ispo_email`).
    pub key: String,
    /// The value as written, when the key itself is known.
    pub value: Option<String>,
    /// The allowed values or form, for messages and `--json`.
    pub allowed: Option<String>,
    /// The closest known value or key.
    pub suggestion: Option<String>,
    /// Given on the command line (`--set`, `--with`): a usage error (exit 2);
    /// otherwise it comes from a file (exit 5).
    pub from_flag: bool,
}

impl fmt::Display for UnfitAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.at)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
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
    /// Supplied answers that do not fit; nothing is changed (exit 5, or 2
    /// when every one came from a flag).
    #[error("{}", unfit_message(.0))]
    Unfit(Vec<UnfitAnswer>),
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
        out.push_str(&format!("\n  - {} ({}): {}", m.id, m.prompt, m.hint()));
    }
    out
}

fn unfit_message(unfit: &[UnfitAnswer]) -> String {
    let fills = unfit.iter().filter(|u| u.key.starts_with("fill.")).count();
    let (one, many, what) = match fills {
        0 => ("answer", "answers", "the catalog's questions"),
        n if n == unfit.len() => ("fill-in value", "fill-in values", "the catalog's fill-ins"),
        _ => ("answer", "answers and fill-in values", "the catalog"),
    };
    let mut out = format!(
        "{} {} not fit {what}; nothing was written and no answer was changed:",
        unfit.len(),
        if unfit.len() == 1 {
            format!("{one} does")
        } else {
            format!("{many} do")
        }
    );
    for u in unfit {
        out.push_str(&format!("\n  {u}"));
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
                Failure::Unfit(u) if u.iter().all(|u| u.from_flag) => Code::Usage,
                Failure::Unfit(_) => Code::NeedsInput,
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

/// The `--json` error document's frame: `{"schema_version", "error": {kind, code, message}}`.
pub fn error_document(kind: &str, code: Code, message: &str) -> serde_json::Value {
    serde_json::json!({
        "schema_version": 1,
        "error": { "kind": kind, "code": code as u8, "message": message },
    })
}

/// The `--json` document for a failed run: the kind, the code, the message,
/// and the data a script needs to act (missing answers, refused answers,
/// located problems).
pub fn json_document(err: &anyhow::Error) -> serde_json::Value {
    use serde_json::json;
    let mut doc = error_document(kind_for(err), code_for(err), &format!("{err}"));
    let error = &mut doc["error"];
    let failure = err.chain().find_map(|c| c.downcast_ref::<Failure>());
    let place = |d: &Diagnostic| json!({"file": d.file, "line": d.line, "column": d.column, "message": d.message});
    match failure {
        Some(Failure::NeedsInput(missing)) => {
            error["missing"] = missing
                .iter()
                .map(|m| {
                    json!({"id": m.id, "prompt": m.prompt, "flag": m.flag, "default": m.default, "waits_for": m.waits_for})
                })
                .collect();
        }
        Some(Failure::Unfit(unfit)) => {
            error["answers"] = unfit
                .iter()
                .map(|u| {
                    json!({"key": u.key, "value": u.value, "allowed": u.allowed, "suggestion": u.suggestion,
                           "from_flag": u.from_flag, "at": place(&u.at)})
                })
                .collect();
        }
        Some(Failure::Invalid(diags)) => {
            error["problems"] = diags.iter().map(place).collect();
        }
        _ => {}
    }
    doc
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
