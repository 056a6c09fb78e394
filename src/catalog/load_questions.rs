//! Loading `questions.toml`: each question's kind, prompt, choices,
//! bounds, pattern, `when` and default checked, with every problem located
//! by file, line and column (see `load` for the rest of the catalog).

use std::collections::BTreeSet;

use toml::Spanned;

use super::model::*;
use super::parse::{is_choice_value, is_id, read_optional, Src};
use super::raw::*;
use crate::condition::QuestionShape;
use crate::error::Diagnostic;
use crate::question::{compile_pattern, Choice, Default, Question};
use crate::value::QuestionKind;

pub(super) fn load_questions(files: &Files, diags: &mut Vec<Diagnostic>) -> Vec<Question> {
    let path = "questions.toml";
    let Some((raw, text)) = read_optional::<RawQuestions>(files, path, diags) else {
        return Vec::new();
    };
    let src = Src { path, text };
    let mut out: Vec<Question> = Vec::new();
    for rq in raw.question {
        if out.iter().any(|q| q.id == *rq.id.get_ref()) {
            diags.push(src.at(
                &rq.id,
                format!("question `{}` is declared twice", rq.id.get_ref()),
            ));
        }
        if let Some(q) = build_question(&src, rq, &out, diags) {
            out.push(q);
        }
    }
    out
}

/// One question from its TOML form; conditions and defaults may only look
/// at the questions asked before it (`earlier`).
pub(super) fn build_question(
    src: &Src<'_>,
    rq: RawQuestion,
    earlier: &[Question],
    diags: &mut Vec<Diagnostic>,
) -> Option<Question> {
    {
        let id = rq.id.get_ref().clone();
        if !is_id(&id) {
            diags.push(src.at(&rq.id, format!("question id `{id}` must start with a lowercase letter and use only a-z, 0-9 and `_`")));
        }
        if matches!(
            id.as_str(),
            "fill" | "module" | "modules" | "catalog" | "kit" | "this"
        ) {
            diags.push(src.at(
                &rq.id,
                format!("question id `{id}` is reserved for ispo's own template values"),
            ));
        }
        let Some(kind) = QuestionKind::parse(rq.kind.get_ref()) else {
            diags.push(src.at(
                &rq.kind,
                format!(
                    "unknown question type `{}`; use text, bool, integer, choice or multi",
                    rq.kind.get_ref()
                ),
            ));
            return None;
        };
        let mut choices = Vec::new();
        let raw_choice_values: BTreeSet<&str> = rq
            .choices
            .iter()
            .map(|c| c.get_ref().value.as_str())
            .collect();
        for c in &rq.choices {
            let rc = c.get_ref();
            if !is_choice_value(&rc.value) {
                diags.push(src.at(
                    c,
                    format!(
                        "choice value `{}` must use only a-z, 0-9, `_` and `-`",
                        rc.value
                    ),
                ));
            }
            if choices.iter().any(|x: &Choice| x.value == rc.value) {
                diags.push(src.at(c, format!("choice `{}` is listed twice", rc.value)));
            }
            for old in &rc.renamed_from {
                if raw_choice_values.contains(old.as_str()) {
                    diags.push(src.at(
                        c,
                        format!(
                            "`renamed_from = [\"{old}\"]` names a value that is still a choice"
                        ),
                    ));
                }
            }
            choices.push(Choice {
                value: rc.value.clone(),
                label: rc.label.clone().unwrap_or_else(|| rc.value.clone()),
                help: rc.help.clone(),
                renamed_from: rc.renamed_from.clone(),
            });
        }
        match kind {
            QuestionKind::Choice | QuestionKind::Multi if choices.is_empty() => {
                diags.push(src.at(
                    &rq.kind,
                    format!("a {} question needs `choices`", kind.name()),
                ));
            }
            QuestionKind::Text | QuestionKind::Bool | QuestionKind::Integer
                if !choices.is_empty() =>
            {
                diags.push(src.at(
                    &rq.kind,
                    format!("a {} question takes no `choices`", kind.name()),
                ));
            }
            _ => {}
        }
        let pattern = match &rq.pattern {
            Some(p) if kind != QuestionKind::Text => {
                diags.push(src.at(p, "`pattern` applies to text questions only"));
                None
            }
            Some(p) => match compile_pattern(p.get_ref()) {
                Ok(re) => Some(re),
                Err(e) => {
                    diags.push(src.at(p, e));
                    None
                }
            },
            None => None,
        };
        if (rq.min.is_some() || rq.max.is_some())
            && !matches!(kind, QuestionKind::Integer | QuestionKind::Multi)
        {
            diags.push(src.at(
                &rq.kind,
                "`min`/`max` apply to integer and multi questions only",
            ));
        }
        if let (Some(min), Some(max)) = (rq.min, rq.max) {
            if min > max {
                diags.push(src.at(
                    &rq.id,
                    format!("`min` ({min}) is greater than `max` ({max})"),
                ));
            }
        }
        if kind == QuestionKind::Multi && rq.min.is_some_and(|m| m > choices.len() as i64) {
            diags.push(src.at(&rq.id, "`min` asks for more picks than there are choices"));
        }
        // Conditions and defaults may only look at questions asked earlier.
        let earlier_shapes: Vec<(String, QuestionShape)> =
            earlier.iter().map(|x| (x.id.clone(), x.shape())).collect();
        let earlier = |q: &str| -> Option<QuestionShape> {
            earlier_shapes
                .iter()
                .find(|(id, _)| id == q)
                .map(|(_, s)| s.clone())
        };
        let when = rq
            .when
            .as_ref()
            .and_then(|w| src.condition(w, &|q| earlier(q), diags));
        let mut question = Question {
            id: id.clone(),
            kind,
            prompt: rq.prompt,
            help: rq.help,
            default: None,
            when,
            choices,
            pattern_message: rq.pattern_message.as_ref().map(|m| m.get_ref().clone()),
            pattern,
            min: rq.min,
            max: rq.max,
            multiline: rq.multiline.as_ref().is_some_and(|m| *m.get_ref()),
            preset: None,
        };
        if let Some(m) = &rq.pattern_message {
            if rq.pattern.is_none() {
                diags.push(src.at(m, "`pattern_message` needs a `pattern` to explain"));
            }
        }
        if let Some(m) = &rq.multiline {
            if kind != QuestionKind::Text {
                diags.push(src.at(m, "`multiline` applies to text questions only"));
            }
        }
        if let Some(d) = &rq.default {
            question.default = default_of(src, &question, d, diags);
        }
        Some(question)
    }
}

/// A question's declared default: a template over earlier answers when it
/// holds `{{`, else a literal judged like any answer.
pub(super) fn default_of(
    src: &Src<'_>,
    question: &Question,
    d: &Spanned<toml::Value>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Default> {
    match d.get_ref() {
        toml::Value::String(s) if s.contains("{{") => match handlebars::Template::compile(s) {
            Ok(_) => Some(Default::Template(s.clone())),
            Err(e) => {
                diags.push(src.at(
                    d,
                    format!("default is not a valid template: {}", e.reason()),
                ));
                None
            }
        },
        v => match question.accept_toml(v) {
            Ok(a) => Some(Default::Literal(a)),
            Err(e) => {
                diags.push(src.at(d, format!("default of `{}` is invalid: {e}", question.id)));
                None
            }
        },
    }
}
