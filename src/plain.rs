//! Why a module is in or out, in plain words: built from the questions'
//! prompts and the labels of the choices, not from condition syntax, with
//! how to add a module that was left out.
//!
//! `Decision::why` keeps the condition form (`explain --why-raw`, `--json`
//! field `why`), for catalog authors.

use crate::catalog::Catalog;
use crate::condition::{Lit, Node, Op, Trace};
use crate::question::Question;
use crate::selection::{Decision, Reason};
use crate::value::{Answer, QuestionKind};

/// One or two sentences: why the module is in or out, and for a module
/// left out by its condition, how to add it anyway.
pub fn why(catalog: &Catalog, d: &Decision, answers: &dyn Fn(&str) -> Option<Answer>) -> String {
    let title = |id: &str| {
        catalog
            .module(id)
            .map_or_else(|| id.to_string(), |m| format!("{} ({id})", m.title))
    };
    match &d.reason {
        Reason::Always => "In every kit.".to_string(),
        Reason::With => "In because you added it to the pick.".to_string(),
        Reason::Without => format!(
            "Left out because you took it out of the pick. To have it back: drop `--without {0}`, or `{0}` from `without` under `[modules]` in ispo-answers.toml.",
            d.id
        ),
        Reason::RequiredBy(m) => format!("In because {} needs it.", title(m)),
        Reason::Condition(t) => {
            // The decisive clauses, grouped by the question they read, in order.
            let mut groups: Vec<(&Question, Vec<String>)> = Vec::new();
            for (leaf, negated) in t.decisive_negated(false) {
                let Some((q, phrase)) = clause(catalog, leaf, negated) else {
                    continue;
                };
                match groups.iter_mut().find(|(g, _)| g.id == q.id) {
                    Some((_, phrases)) if !phrases.contains(&phrase) => phrases.push(phrase),
                    Some(_) => {}
                    None => groups.push((q, vec![phrase])),
                }
            }
            let said = |q: &Question| match answers(&q.id) {
                Some(a) => format!("you said {}", q.in_words(&a)),
                None if q.when.is_some() => "it is not asked with your answers".to_string(),
                None => "it is not answered".to_string(),
            };
            if d.included {
                let parts: Vec<String> = groups
                    .iter()
                    .map(|(q, _)| match answers(&q.id) {
                        Some(a) => format!("you answered “{}” with {}", q.prompt, q.in_words(&a)),
                        None => format!("“{}” is not answered", q.prompt),
                    })
                    .collect();
                if parts.is_empty() {
                    return "In: its condition holds.".to_string();
                }
                format!("In because {}.", parts.join(" and "))
            } else {
                let parts: Vec<String> = groups
                    .iter()
                    .map(|(q, phrases)| format!("“{}” {}; {}", q.prompt, phrases.join(" or "), said(q)))
                    .collect();
                let why = if parts.is_empty() {
                    "Left out: its condition does not hold.".to_string()
                } else {
                    format!("Left out: meant for when {}.", parts.join(", or when "))
                };
                format!(
                    "{why} To add it anyway: `--with {0}`, or `with = [\"{0}\"]` under `[modules]` in ispo-answers.toml.",
                    d.id
                )
            }
        }
    }
}

/// One decisive clause: the question it reads and what it asks of the
/// answer ("is Adopting").
fn clause<'c>(catalog: &'c Catalog, leaf: &Trace, negated: bool) -> Option<(&'c Question, String)> {
    let node = leaf.clause.as_ref()?;
    let id = match node {
        Node::Truthy(q) | Node::Cmp(q, ..) | Node::In(q, ..) | Node::Contains(q, _) => q,
        _ => return None,
    };
    let q = catalog.question(id)?;
    Some((q, meant(q, node, negated)))
}

/// What the clause asks of the answer, as the rest of "… is Adopting".
fn meant(q: &Question, node: &Node, negated: bool) -> String {
    let label = |lit: &Lit| match (lit, q.kind) {
        (Lit::Str(v), QuestionKind::Choice | QuestionKind::Multi) => {
            q.label_of(v).unwrap_or(v).to_string()
        }
        (Lit::Bool(true), _) => "yes".to_string(),
        (Lit::Bool(false), _) => "no".to_string(),
        (other, _) => other.to_string(),
    };
    let list = |lits: &[Lit]| {
        let words: Vec<String> = lits.iter().map(label).collect();
        match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => last.clone(),
            None => String::new(),
        }
    };
    match node {
        Node::Truthy(_) => if negated { "is no" } else { "is yes" }.to_string(),
        Node::Cmp(_, op, lit) => {
            let op = if negated { opposite(*op) } else { *op };
            let l = label(lit);
            match op {
                Op::Eq => format!("is {l}"),
                Op::Ne => format!("is anything but {l}"),
                Op::Lt => format!("is below {l}"),
                Op::Le => format!("is {l} or less"),
                Op::Gt => format!("is above {l}"),
                Op::Ge => format!("is {l} or more"),
            }
        }
        Node::In(_, not_in, lits) => {
            if *not_in != negated {
                if lits.len() > 1 {
                    format!("is none of {}", list(lits))
                } else {
                    format!("is anything but {}", list(lits))
                }
            } else if lits.len() > 1 {
                format!("is one of {}", list(lits))
            } else {
                format!("is {}", list(lits))
            }
        }
        Node::Contains(_, lit) if negated => format!("does not include {}", label(lit)),
        Node::Contains(_, lit) => format!("includes {}", label(lit)),
        _ => String::new(),
    }
}

fn opposite(op: Op) -> Op {
    match op {
        Op::Eq => Op::Ne,
        Op::Ne => Op::Eq,
        Op::Lt => Op::Ge,
        Op::Le => Op::Gt,
        Op::Gt => Op::Le,
        Op::Ge => Op::Lt,
    }
}
