//! Parsing a catalog's TOML files with every problem located by file, line
//! and column, and the id rules every loader shares.

use toml::Spanned;

use super::refuse::hex_char;
use crate::condition::{Condition, QuestionShape};

use super::model::Files;
use crate::error::Diagnostic;

/// Parses a TOML file, turning a syntax or schema error into a located diagnostic.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, Diagnostic> {
    toml::from_str::<T>(text).map_err(|e| toml_diag(path, text, &e))
}

pub fn toml_diag(path: &str, text: &str, e: &toml::de::Error) -> Diagnostic {
    let offset = e.span().map_or(0, |s| s.start);
    let message = e.message().trim().replace('\n', " ");
    if e.span().is_some() {
        Diagnostic::at(path, text, offset, message)
    } else {
        Diagnostic::new(path, 0, 0, message)
    }
}

pub(super) struct Src<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

impl Src<'_> {
    pub fn at<T>(&self, s: &Spanned<T>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.path, self.text, s.span().start, message)
    }

    /// The offset in the file of byte `offset` of a string value: past its
    /// opening quote(s), and counting each escape (`\"`, `\u00e9`) as
    /// written, so columns point at what the author sees.
    fn inner(&self, s: &Spanned<String>, offset: usize) -> usize {
        let start = s.span().start;
        let raw = &self.text[start..];
        let (quote, basic) = if raw.starts_with("\"\"\"") {
            (3, true)
        } else if raw.starts_with("'''") {
            (3, false)
        } else {
            (1, raw.starts_with('"'))
        };
        let mut pos = start + quote;
        if quote == 3 {
            // A newline right after the opening quotes is not part of the value.
            if self.text[pos..].starts_with("\r\n") {
                pos += 2;
            } else if self.text[pos..].starts_with('\n') {
                pos += 1;
            }
        }
        if !basic {
            return pos + offset;
        }
        let mut parsed = 0;
        while parsed < offset && pos < self.text.len() {
            let rest = &self.text[pos..];
            let Some(c) = rest.chars().next() else { break };
            if c != '\\' {
                pos += c.len_utf8();
                parsed += c.len_utf8();
                continue;
            }
            let (raw_len, value_len) = match rest.as_bytes().get(1) {
                Some(b'u') => (6, hex_char(rest.get(2..6)).map_or(1, char::len_utf8)),
                Some(b'U') => (10, hex_char(rest.get(2..10)).map_or(1, char::len_utf8)),
                Some(b'x') => (4, hex_char(rest.get(2..4)).map_or(1, char::len_utf8)),
                _ => (2, 1),
            };
            pos += raw_len;
            parsed += value_len;
        }
        pos.min(self.text.len())
    }

    pub fn condition(
        &self,
        s: &Spanned<String>,
        catalog_shapes: &dyn Fn(&str) -> Option<QuestionShape>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Condition> {
        match Condition::parse(s.get_ref()) {
            Err(e) => {
                diags.push(Diagnostic::at(
                    self.path,
                    self.text,
                    self.inner(s, e.offset),
                    format!("in condition: {}", e.message),
                ));
                None
            }
            Ok(c) => {
                for e in c.check(catalog_shapes) {
                    diags.push(Diagnostic::at(
                        self.path,
                        self.text,
                        self.inner(s, e.offset),
                        format!("in condition: {}", e.message),
                    ));
                }
                Some(c)
            }
        }
    }
}

pub fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn is_module_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s.len() <= 64
}

pub(super) fn is_choice_value(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

pub(super) fn read_text<'a>(
    files: &'a Files,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a str> {
    let bytes = files.get(path)?;
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(_) => {
            diags.push(Diagnostic::new(path, 0, 0, "not UTF-8 text"));
            None
        }
    }
}

/// Reads and parses an optional catalog file; `None` when it is absent or broken (reported).
pub(super) fn read_optional<'a, T: serde::de::DeserializeOwned>(
    files: &'a Files,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(T, &'a str)> {
    let text = read_text(files, path, diags)?;
    match parse_toml(path, text) {
        Ok(raw) => Some((raw, text)),
        Err(d) => {
            diags.push(d);
            None
        }
    }
}
