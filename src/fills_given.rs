//! Fill-in values given before the prompts (answers files, `--set
//! fill.<id>=…`), judged by the fill-in's rules: a string, on one line
//! unless the catalog declares it multi-line, without control characters,
//! and of the fill-in's kind (an e-mail address, a web address…).

use std::collections::BTreeMap;

use crate::catalog::FillDecl;
use crate::error::{Diagnostic, UnfitAnswer};

/// One value as given: its text, or the TOML value that is not a string.
pub struct Given<'a> {
    pub id: &'a str,
    pub value: Result<&'a str, &'a toml::Value>,
    /// `answers.toml:3:1` or `--set fill.<id>`.
    pub origin: &'a Diagnostic,
    pub from_flag: bool,
}

/// The values that fit, by id, and a refusal for each one that does not,
/// at the place it was given. An id the catalog does not declare is judged
/// as text (unknown ids are reported apart, with a did-you-mean).
pub fn judge<'a>(
    decls: &BTreeMap<String, FillDecl>,
    given: impl IntoIterator<Item = Given<'a>>,
) -> (BTreeMap<String, String>, Vec<UnfitAnswer>) {
    let mut out = BTreeMap::new();
    let mut unfit = Vec::new();
    for g in given {
        let id = g.id;
        let at = |message: String| Diagnostic {
            message,
            ..g.origin.clone()
        };
        let text = match g.value {
            Ok(s) => s,
            Err(other) => {
                unfit.push(UnfitAnswer {
                    at: at(format!(
                        "fill-in `{id}` ({other}) must be a string, found {}",
                        other.type_str()
                    )),
                    key: format!("fill.{id}"),
                    value: Some(other.to_string()),
                    allowed: Some("a string".into()),
                    suggestion: Some(format!("{id} = {:?}", other.to_string())),
                    from_flag: g.from_flag,
                });
                continue;
            }
        };
        let decl = decls.get(id);
        let multiline = decl.is_some_and(|d| d.multiline);
        let kind = decl.map(|d| d.kind).unwrap_or_default();
        let judged = crate::question::check_value(text, multiline)
            .map_err(|why| {
                (
                    why,
                    if multiline {
                        "text"
                    } else {
                        "one line of text"
                    },
                )
            })
            .and_then(|()| kind.check(text).map_err(|why| (why, kind.in_words())));
        if let Err((why, allowed)) = judged {
            unfit.push(UnfitAnswer {
                at: at(format!("fill-in `{id}`: {why}")),
                key: format!("fill.{id}"),
                value: Some(text.to_string()),
                allowed: Some(allowed.into()),
                suggestion: None,
                from_flag: g.from_flag,
            });
            continue;
        }
        out.insert(id.to_string(), text.to_string());
    }
    (out, unfit)
}
