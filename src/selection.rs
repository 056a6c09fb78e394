//! Which modules go into a kit, and why.
//!
//! A module is in when its condition holds (or it has none), when `--with`
//! forces it, or when a selected module requires it; `--without` forces it
//! out. Every decision keeps its reason so `ispo explain` can show the clause
//! that decided it.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::catalog::{Catalog, Module};
use crate::condition::Trace;
use crate::error::{Diagnostic, Failure, UnfitAnswer};
use crate::value::Answer;

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// No condition: the module applies to every company.
    Always,
    /// Its condition, evaluated against the answers.
    Condition(Trace),
    With,
    Without,
    RequiredBy(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: String,
    pub included: bool,
    pub reason: Reason,
}

impl Decision {
    /// One line saying why, e.g. "stage in [piloting] (stage = piloting)".
    pub fn why(&self) -> String {
        match &self.reason {
            Reason::Always => "applies to every kit (no condition)".to_string(),
            Reason::With => "forced in with --with".to_string(),
            Reason::Without => "left out with --without".to_string(),
            Reason::RequiredBy(m) => format!("required by {m}"),
            Reason::Condition(t) => {
                let parts: Vec<String> = t
                    .decisive()
                    .iter()
                    .map(|d| match &d.actual {
                        Some(a) => format!("`{}` is {} ({a})", d.text, d.result),
                        None => format!("`{}` is {}", d.text, d.result),
                    })
                    .collect();
                format!(
                    "{}: {}",
                    if self.included {
                        "condition holds"
                    } else {
                        "condition fails"
                    },
                    parts.join(", ")
                )
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Selection {
    pub decisions: Vec<Decision>,
    pub with: Vec<String>,
    pub without: Vec<String>,
}

impl Selection {
    pub fn included<'c>(&self, catalog: &'c Catalog) -> Vec<&'c Module> {
        catalog
            .modules
            .iter()
            .filter(|m| self.decisions.iter().any(|d| d.id == m.id && d.included))
            .collect()
    }

    pub fn ids(&self) -> Vec<String> {
        self.decisions
            .iter()
            .filter(|d| d.included)
            .map(|d| d.id.clone())
            .collect()
    }

    pub fn decision(&self, id: &str) -> Option<&Decision> {
        self.decisions.iter().find(|d| d.id == id)
    }
}

/// Renames override ids the catalog declares replaced (`replaces` in the
/// module), so a recorded `--with old-id` follows the module; returns what
/// was renamed, to be said.
pub fn follow_renames(
    catalog: &Catalog,
    with: &mut [String],
    without: &mut [String],
) -> Vec<String> {
    let mut said = Vec::new();
    for list in [with, without] {
        for id in list.iter_mut() {
            if catalog.module(id).is_some() {
                continue;
            }
            if let Some(m) = catalog
                .modules
                .iter()
                .find(|m| m.replaces.iter().any(|r| r == id))
            {
                said.push(format!(
                    "module `{id}` is now `{}` in the catalog; its override follows it",
                    m.id
                ));
                *id = m.id.clone();
            }
        }
    }
    said
}

/// Checks that override ids name real modules. An unknown id from a flag is
/// a usage error; one written in an answers file (`origins`) is reported at
/// its line, like any answer that does not fit (exit 5).
pub fn check_overrides(
    catalog: &Catalog,
    with: &[String],
    without: &[String],
    origins: &BTreeMap<String, Diagnostic>,
) -> Result<()> {
    let known: Vec<&str> = catalog.modules.iter().map(|m| m.id.as_str()).collect();
    let mut unfit = Vec::new();
    for (flag, list) in [("--with", with), ("--without", without)] {
        for id in list {
            if known.contains(&id.as_str()) {
                continue;
            }
            if let Some(layer) = catalog.hidden.get(id) {
                // Leaving out a hidden module asks for nothing.
                if flag == "--without" {
                    continue;
                }
                let at = origins
                    .get(id)
                    .map_or_else(|| flag.to_string(), |o| format!("{}:{}", o.file, o.line));
                return Err(Failure::Usage(format!(
                    "{at}: `{id}` cannot be added: the catalog `{layer}` hides it from its kits (`hide` in its catalog.toml)"
                ))
                .into());
            }
            let suggestion = crate::suggest::closest_name(id, known.iter().copied());
            let Some(origin) = origins.get(id) else {
                let hint = crate::suggest::hint(suggestion);
                return Err(Failure::Usage(format!(
                    "{flag} {id}: no such module in this catalog{hint} (modules: {})",
                    known.join(", ")
                ))
                .into());
            };
            let table = flag.trim_start_matches('-');
            unfit.push(UnfitAnswer {
                at: Diagnostic {
                    message: format!(
                        "`{id}` in `{table}` under [modules] is not a module of this catalog"
                    ),
                    ..origin.clone()
                },
                key: format!("modules.{table}"),
                value: Some(id.clone()),
                allowed: Some(format!("modules: {}", known.join(", "))),
                suggestion: suggestion.map(str::to_string),
                from_flag: false,
            });
        }
    }
    if !unfit.is_empty() {
        return Err(Failure::Unfit(unfit).into());
    }
    if let Some(both) = with.iter().find(|w| without.contains(w)) {
        return Err(
            Failure::Usage(format!("module `{both}` is both in --with and --without")).into(),
        );
    }
    Ok(())
}

pub fn select(
    catalog: &Catalog,
    answers: &dyn Fn(&str) -> Option<Answer>,
    with: &[String],
    without: &[String],
) -> Result<Selection> {
    let d = draft(catalog, answers, with, without)?;
    if let Some((m, r)) = d.unmet.first() {
        return Err(Failure::Usage(format!("module `{m}` requires `{r}`, which --without leaves out; drop --without {r} or leave out `{m}` too")).into());
    }
    if let Some((a, b)) = d.conflicts.first() {
        let why = |id: &str| d.selection.decision(id).expect("decided").why();
        anyhow::bail!(
            "modules `{a}` and `{b}` conflict and both apply:\n  - {a}: {}\n  - {b}: {}\nleave one out with --without {a} or --without {b}",
            why(a),
            why(b)
        );
    }
    Ok(d.selection)
}

/// A pick that may not hold yet: what is in, the requirements `--without`
/// refuses (requirer, required), and the conflicting pairs that both apply.
#[derive(Debug, Clone)]
pub struct Draft {
    pub selection: Selection,
    pub unmet: Vec<(String, String)>,
    pub conflicts: Vec<(String, String)>,
}

/// The pick for these answers and overrides, with what keeps it from
/// holding, so the interactive pick can ask about it in words.
pub fn draft(
    catalog: &Catalog,
    answers: &dyn Fn(&str) -> Option<Answer>,
    with: &[String],
    without: &[String],
) -> Result<Draft> {
    check_overrides(catalog, with, without, &BTreeMap::new())?;
    let mut decisions: Vec<Decision> = catalog
        .modules
        .iter()
        .map(|m| {
            let (included, reason) = if without.contains(&m.id) {
                (false, Reason::Without)
            } else if with.contains(&m.id) {
                (true, Reason::With)
            } else {
                match &m.when {
                    None => (true, Reason::Always),
                    Some(c) => {
                        let t = c.trace(answers);
                        (t.result, Reason::Condition(t))
                    }
                }
            };
            Decision {
                id: m.id.clone(),
                included,
                reason,
            }
        })
        .collect();
    // Pull in requirements until nothing changes.
    let mut unmet: Vec<(String, String)> = Vec::new();
    loop {
        let included: BTreeSet<String> = decisions
            .iter()
            .filter(|d| d.included)
            .map(|d| d.id.clone())
            .collect();
        let mut changed = false;
        for m in catalog.modules.iter().filter(|m| included.contains(&m.id)) {
            for r in &m.requires {
                let d = decisions
                    .iter_mut()
                    .find(|d| &d.id == r)
                    .expect("requires checked at load");
                if d.included {
                    continue;
                }
                if d.reason == Reason::Without {
                    let pair = (m.id.clone(), r.clone());
                    if !unmet.contains(&pair) {
                        unmet.push(pair);
                    }
                    continue;
                }
                d.included = true;
                d.reason = Reason::RequiredBy(m.id.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let selection = Selection {
        decisions,
        with: with.to_vec(),
        without: without.to_vec(),
    };
    let mut conflicts: Vec<(String, String)> = Vec::new();
    for m in selection.included(catalog) {
        for c in &m.conflicts {
            let both = selection.decision(c).is_some_and(|d| d.included);
            if both && !conflicts.iter().any(|(a, b)| a == c && b == &m.id) {
                conflicts.push((m.id.clone(), c.clone()));
            }
        }
    }
    Ok(Draft {
        selection,
        unmet,
        conflicts,
    })
}
