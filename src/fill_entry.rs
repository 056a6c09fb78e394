//! Fill-in values typed at `init`'s prompts: each judged by its kind as it
//! is typed, with the catalog's example for the answers given; a blank one
//! is left for later, and so, in one go, can be all the rest.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::catalog::FillDecl;
use crate::prompt::Prompter;

/// Offers to collect fill-in values now (`offer`: asks first whether to).
/// A value left blank stays an `ISPO-FILL(<id>)` marker; after a blank the
/// lead may leave all the remaining ones for later too.
pub fn ask(
    p: &mut dyn Prompter,
    used: &[FillDecl],
    fills: &mut BTreeMap<String, String>,
    offer: bool,
) -> Result<()> {
    let open: Vec<&FillDecl> = used.iter().filter(|f| !fills.contains_key(&f.id)).collect();
    if open.is_empty() {
        return Ok(());
    }
    if offer {
        p.note(&format!(
            "The kit uses {} company-specific value(s) (contacts, links...); any you leave out stay ISPO-FILL markers to fill in later.",
            open.len()
        ));
        if !p.confirm("Enter them now?", false)? {
            return Ok(());
        }
    }
    p.note("Leave a value blank to fill it in later; after a blank you may leave all the rest for later too.");
    let total = open.len();
    for (at, f) in open.iter().enumerate() {
        let value = p.text(&label(f, at + 1, total), None, &|s| judge(f, s))?;
        let value = value.trim();
        if !value.is_empty() {
            crate::resume::filled(&f.id, value);
            fills.insert(f.id.clone(), value.to_string());
            continue;
        }
        let rest = total - at - 1;
        if rest > 0
            && p.confirm(
                &format!("Leave the remaining {rest} value(s) for later too?"),
                false,
            )?
        {
            p.note(&format!(
                "Left for later: {} value(s) stay ISPO-FILL markers in the kit; `ispo status` lists them, and `[fill]` in ispo-answers.toml sets them.",
                rest + 1
            ));
            break;
        }
    }
    Ok(())
}

/// `[3/26] Email address of the ISPO (an e-mail address, e.g. ispo@acme.example)`
fn label(f: &FillDecl, at: usize, total: usize) -> String {
    let kind = match f.kind {
        crate::fill_kind::FillKind::Text => None,
        k => Some(k.in_words()),
    };
    let hint = match (kind, &f.example) {
        (Some(k), Some(e)) => format!(" ({k}, e.g. {e})"),
        (Some(k), None) => format!(" ({k})"),
        (None, Some(e)) => format!(" (e.g. {e})"),
        (None, None) => String::new(),
    };
    format!("[{at}/{total}] {}{hint}", f.description)
}

/// A typed value: blank (left for later), or one of the fill-in's kind on
/// the lines it allows.
fn judge(f: &FillDecl, typed: &str) -> Result<(), String> {
    let value = typed.trim();
    if value.is_empty() {
        return Ok(());
    }
    crate::question::check_value(value, f.multiline)?;
    f.kind
        .check(value)
        .map_err(|why| format!("{why}; or leave it blank to fill it in later"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fill_kind::FillKind;
    use crate::prompt::scripted::{Reply, Script};

    fn decl(id: &str, kind: FillKind, example: Option<&str>) -> FillDecl {
        FillDecl {
            id: id.into(),
            description: format!("The {id}"),
            example: example.map(str::to_string),
            multiline: false,
            kind,
            declared_in: ("fills.toml".into(), 1),
        }
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_asked_again() {
        let used = [decl("mail", FillKind::Email, Some("a@example.com"))];
        let mut p = Script::default();
        p.replies.extend([
            Reply::Text("innersource at northbridge".into()),
            Reply::Text("innersource@northbridge.example".into()),
        ]);
        let mut fills = BTreeMap::new();
        ask(&mut p, &used, &mut fills, false).unwrap();
        assert_eq!(fills["mail"], "innersource@northbridge.example");
        assert_eq!(
            p.asked,
            ["[1/1] The mail (an e-mail address, e.g. a@example.com)"]
        );
        assert_eq!(p.rejected.len(), 1);
        assert!(
            p.rejected[0].starts_with(
                "`innersource at northbridge` is not an e-mail address: it has no `@`"
            ),
            "{}",
            p.rejected[0]
        );
        assert!(p.rejected[0].ends_with("; or leave it blank to fill it in later"));
    }

    #[test]
    fn the_rest_can_be_left_for_later() {
        let used = [
            decl("a", FillKind::Text, None),
            decl("b", FillKind::Url, None),
            decl("c", FillKind::Date, None),
            decl("d", FillKind::Text, None),
        ];
        let mut p = Script::default();
        p.replies.extend([
            Reply::Text("first".into()),
            Reply::Text(String::new()),
            Reply::Confirm(false),
            Reply::Text("2027-02-15".into()),
            Reply::Text(String::new()),
        ]);
        let mut fills = BTreeMap::new();
        ask(&mut p, &used, &mut fills, false).unwrap();
        // After the last one there is nothing left to offer.
        assert_eq!(p.asked.len(), 5, "{:?}", p.asked);
        assert_eq!(p.asked[2], "Leave the remaining 2 value(s) for later too?");
        assert_eq!(fills.len(), 2);

        let mut p = Script::default();
        p.replies
            .extend([Reply::Text(String::new()), Reply::Confirm(true)]);
        let mut fills = BTreeMap::new();
        ask(&mut p, &used, &mut fills, false).unwrap();
        assert!(fills.is_empty());
        assert_eq!(p.asked.len(), 2);
        assert!(p.replies.is_empty());
    }
}
