//! `init`'s pick in a terminal: the modules by phase of their first
//! challenge, each a title and a one-line summary (the id secondary), with
//! why it is in or out; ticks that cannot hold as made (a module unticked
//! that a ticked one needs, two that do not go together) are settled by
//! asking in plain words, keeping every other change made in the list.

use std::collections::BTreeSet;

use anyhow::Result;

use crate::answers::Answers;
use crate::catalog::{Catalog, Module};
use crate::pick_list::{Item, PickList, Row};
use crate::prompt::Prompter;
use crate::selection::{self, Reason, Selection};

/// The phases the list is grouped by, in order, with their headings.
const PHASES: &[(&str, &str)] = &[
    ("begin", "Begin: starting out"),
    ("adopt", "Adopt: more teams join"),
    ("grow", "Grow: spreading the practice"),
    ("scale", "Scale: company-wide"),
];

/// What the overrides given before this run were (`--with`, `--without`,
/// `[modules]`), to tell a pick made in the list from one made by flag.
pub struct Given<'a> {
    pub with: &'a [String],
    pub without: &'a [String],
}

/// Shows the pick and lets the lead change it; returns the pick to use.
pub fn review(
    p: &mut dyn Prompter,
    catalog: &Catalog,
    answers: &Answers,
    mut selection: Selection,
    given: &Given<'_>,
) -> Result<Selection> {
    let included = selection.ids().len();
    p.note("");
    p.note(&format!(
        "Modules picked for your answers: {included} of {}. Tick or untick any; the line under the list says why each is in or out.",
        catalog.modules.len()
    ));
    loop {
        let modules = ordered(catalog);
        let list = list(catalog, answers, &selection, &modules, given);
        let before: Vec<bool> = list.items().map(|i| i.checked).collect();
        let ticks = p.pick(&list)?;
        if ticks == before {
            return Ok(selection);
        }
        let (mut with, mut without) = (selection.with.clone(), selection.without.clone());
        let mut unticked = BTreeSet::new();
        for ((m, now), was) in modules.iter().zip(&ticks).zip(&before) {
            if now != was {
                set(&mut with, &mut without, &m.id, *now);
                if !now {
                    unticked.insert(m.id.clone());
                }
            }
        }
        let (settled, asked) = settle(p, catalog, answers, (with, without), &unticked)?;
        crate::resume::picked(&settled.with, &settled.without);
        selection = settled;
        if !asked {
            return Ok(selection);
        }
        // The pick as settled, every other change kept, to look at again.
        p.note("Here is the pick with that settled and your other changes kept; Enter keeps it.");
    }
}

/// Modules by the phase of their first challenge, then in the catalog's
/// challenge order; modules without a challenge last.
fn ordered(catalog: &Catalog) -> Vec<&Module> {
    let rank = |m: &Module| {
        let c = m.challenges.first().and_then(|c| catalog.challenge(c));
        let phase = c
            .and_then(|c| PHASES.iter().position(|(p, _)| *p == c.phase))
            .unwrap_or(PHASES.len());
        let at = c
            .and_then(|c| catalog.challenges.iter().position(|x| x.id == c.id))
            .unwrap_or(usize::MAX);
        (phase, at)
    };
    let mut modules: Vec<&Module> = catalog.modules.iter().collect();
    modules.sort_by_key(|m| rank(m));
    modules
}

fn heading(catalog: &Catalog, m: &Module) -> &'static str {
    let phase = m
        .challenges
        .first()
        .and_then(|c| catalog.challenge(c))
        .map(|c| c.phase.as_str());
    PHASES
        .iter()
        .find(|(p, _)| Some(*p) == phase)
        .map_or("Other modules", |(_, h)| h)
}

fn list(
    catalog: &Catalog,
    answers: &Answers,
    selection: &Selection,
    modules: &[&Module],
    given: &Given<'_>,
) -> PickList {
    let mut rows = Vec::new();
    let mut last = "";
    for m in modules {
        let h = heading(catalog, m);
        if h != last {
            rows.push(Row::Heading(h.to_string()));
            last = h;
        }
        let d = selection.decision(&m.id).expect("decided");
        rows.push(Row::Item(Item {
            label: format!("{} — {}", m.title, first_sentence(&m.summary)),
            detail: format!(
                "{} ({}). {}",
                m.title,
                m.id,
                why(catalog, answers, d, given)
            ),
            checked: d.included,
        }));
    }
    PickList {
        prompt: "Modules in the kit".into(),
        noun: "modules".into(),
        rows,
    }
}

/// The summary's first sentence: the row has one line.
fn first_sentence(summary: &str) -> &str {
    let s = summary.trim();
    match s.find(". ") {
        Some(at) => &s[..=at],
        None => s,
    }
}

/// Why, in plain words; a pick made in this list says so, without the
/// flags the lead never typed.
fn why(catalog: &Catalog, answers: &Answers, d: &selection::Decision, given: &Given<'_>) -> String {
    match &d.reason {
        Reason::With if !given.with.contains(&d.id) => {
            "In because you ticked it in this list.".to_string()
        }
        Reason::Without if !given.without.contains(&d.id) => {
            "Left out because you took it out in this list; tick it to have it back.".to_string()
        }
        _ => crate::plain::why(catalog, d, &answers.lookup()),
    }
}

/// Records a tick: `now` in (with) or out (without).
fn set(with: &mut Vec<String>, without: &mut Vec<String>, id: &str, now: bool) {
    with.retain(|x| x != id);
    without.retain(|x| x != id);
    if now {
        with.push(id.to_string());
    } else {
        without.push(id.to_string());
    }
}

/// What the ticks need before they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needs {
    /// `module` is out, but these modules in the kit need it (directly or
    /// through one another).
    Required { module: String, by: Vec<String> },
    /// Both are in, but the catalog says they do not go together.
    Conflict(String, String),
}

/// The pick the overrides make, or the first thing to settle.
pub fn next(
    catalog: &Catalog,
    answers: &Answers,
    with: &[String],
    without: &[String],
) -> Result<Result<Selection, Needs>> {
    let d = selection::draft(catalog, &answers.lookup(), with, without)?;
    if let Some((_, module)) = d.unmet.first() {
        // Everyone in the kit that needs it, directly or through another.
        let mut needing: BTreeSet<&str> = BTreeSet::from([module.as_str()]);
        loop {
            let more: Vec<&str> = d
                .selection
                .included(catalog)
                .into_iter()
                .filter(|m| !needing.contains(m.id.as_str()))
                .filter(|m| m.requires.iter().any(|r| needing.contains(r.as_str())))
                .map(|m| m.id.as_str())
                .collect();
            if more.is_empty() {
                break;
            }
            needing.extend(more);
        }
        let by = catalog
            .modules
            .iter()
            .filter(|m| &m.id != module && needing.contains(m.id.as_str()))
            .map(|m| m.id.clone())
            .collect();
        return Ok(Err(Needs::Required {
            module: module.clone(),
            by,
        }));
    }
    if let Some((a, b)) = d.conflicts.first() {
        return Ok(Err(Needs::Conflict(a.clone(), b.clone())));
    }
    Ok(Ok(d.selection))
}

/// Asks, in words, until the overrides hold (`unticked`: the modules just
/// unticked in the list); returns the pick and whether anything was asked.
pub fn settle(
    p: &mut dyn Prompter,
    catalog: &Catalog,
    answers: &Answers,
    (mut with, mut without): (Vec<String>, Vec<String>),
    unticked: &BTreeSet<String>,
) -> Result<(Selection, bool)> {
    let title = |id: &str| {
        catalog
            .module(id)
            .map_or(id.to_string(), |m| m.title.clone())
    };
    let titles = |ids: &[String]| {
        let t: Vec<String> = ids.iter().map(|i| title(i)).collect();
        match t.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    };
    let mut asked = false;
    loop {
        match next(catalog, answers, &with, &without)? {
            Ok(s) => return Ok((s, asked)),
            Err(Needs::Required { module, by }) => {
                asked = true;
                let (m, them) = (title(&module), titles(&by));
                let need = if by.len() == 1 { "needs" } else { "need" };
                let out = if unticked.contains(&module) {
                    "which you unticked"
                } else {
                    "which is left out"
                };
                p.note(&format!(
                    "{them} {need} {m}, {out}. Your other changes stay as you made them."
                ));
                let items = [
                    format!("Keep {m} (for {them})"),
                    format!("Take out {them} too"),
                ];
                let question = "What should the kit have?";
                if p.select(question, &items, 0)? == 0 {
                    // In for what needs it: no tick of its own is recorded.
                    without.retain(|x| x != &module);
                } else {
                    for id in &by {
                        set(&mut with, &mut without, id, false);
                    }
                }
            }
            Err(Needs::Conflict(a, b)) => {
                asked = true;
                let (ta, tb) = (title(&a), title(&b));
                p.note(&format!(
                    "{ta} and {tb} do not go together (the catalog says they conflict). Your other changes stay as you made them."
                ));
                let items = [
                    format!("Keep {ta}, take out {tb}"),
                    format!("Keep {tb}, take out {ta}"),
                ];
                let question = "Which one should the kit have?";
                let keep_a = p.select(question, &items, 0)? == 0;
                let (keep, drop) = if keep_a { (&a, &b) } else { (&b, &a) };
                set(&mut with, &mut without, drop, false);
                // The kept one stays as it was: ticked or in by its condition.
                without.retain(|x| x != keep);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Files;
    use crate::prompt::scripted::{Reply, Script};

    /// a needs b, b needs c; x and y do not go together; all apply.
    fn catalog() -> Catalog {
        let mut files = Files::new();
        files.insert(
            "catalog.toml".into(),
            b"[catalog]\nname = \"t\"\ntitle = \"T\"\nversion = \"1.0.0\"\nformat = 1\n".to_vec(),
        );
        let module = |id: &str, extra: &str| {
            format!("id = \"{id}\"\ntitle = \"Title {id}\"\nsummary = \"What {id} is. More.\"\nkind = \"doc\"\n{extra}")
        };
        for (id, extra) in [
            ("a", "requires = [\"b\"]\n"),
            ("b", "requires = [\"c\"]\n"),
            ("c", ""),
            ("x", "conflicts = [\"y\"]\nwhen = \"false\"\n"),
            ("y", ""),
        ] {
            files.insert(
                format!("modules/{id}/module.toml"),
                module(id, extra).into_bytes(),
            );
            files.insert(format!("modules/{id}/files/{id}.md"), b"x".to_vec());
        }
        Catalog::load(files).expect("test catalog loads")
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn what_a_left_out_module_needs_is_everyone_that_needs_it() {
        let c = catalog();
        let a = Answers::default();
        assert_eq!(
            next(&c, &a, &[], &ids(&["c"])).unwrap().unwrap_err(),
            Needs::Required {
                module: "c".into(),
                by: ids(&["a", "b"])
            }
        );
        // Taking out what needs it too settles it.
        assert!(next(&c, &a, &[], &ids(&["c", "a", "b"])).unwrap().is_ok());
        assert_eq!(
            next(&c, &a, &ids(&["x"]), &[]).unwrap().unwrap_err(),
            Needs::Conflict("x".into(), "y".into())
        );
    }

    #[test]
    fn settling_keeps_the_other_changes() {
        let c = catalog();
        let a = Answers::default();
        // c and y unticked, x ticked: keep c, then keep x (take out y).
        let mut p = Script::default();
        p.replies.extend([Reply::Select(0), Reply::Select(0)]);
        let unticked = BTreeSet::from(["c".to_string()]);
        let (s, asked) = settle(&mut p, &c, &a, (ids(&["x"]), ids(&["c"])), &unticked).unwrap();
        assert!(asked);
        assert_eq!(s.ids(), ids(&["a", "b", "c", "x"]));
        assert_eq!((s.with, s.without), (ids(&["x"]), ids(&["y"])));
        assert_eq!(
            p.asked,
            [
                "What should the kit have?",
                "Which one should the kit have?"
            ]
        );

        // Take out what needs c instead.
        let mut p = Script::default();
        p.replies.extend([Reply::Select(1)]);
        let (s, _) = settle(&mut p, &c, &a, (vec![], ids(&["c"])), &unticked).unwrap();
        assert_eq!(s.ids(), ids(&["y"]));
        assert_eq!(s.without, ids(&["c", "a", "b"]));
    }

    #[test]
    fn the_list_groups_titles_and_first_sentences() {
        let c = catalog();
        let a = Answers::default();
        let s = selection::select(&c, &a.lookup(), &[], &[]).unwrap();
        let modules = ordered(&c);
        let given = Given {
            with: &[],
            without: &[],
        };
        let l = list(&c, &a, &s, &modules, &given);
        let Row::Heading(h) = &l.rows[0] else {
            panic!("a heading first")
        };
        assert_eq!(h, "Other modules");
        let items: Vec<(&str, bool)> = l.items().map(|i| (i.label.as_str(), i.checked)).collect();
        assert_eq!(items[0], ("Title a — What a is.", true));
        assert_eq!(items[3], ("Title x — What x is.", false));
        assert!(l
            .items()
            .nth(3)
            .unwrap()
            .detail
            .starts_with("Title x (x). Left out"));
    }
}
