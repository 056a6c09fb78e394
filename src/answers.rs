//! Answers: reading them from answers files and `--set`, and asking for the
//! rest (`answers_file` writes the kit's human-editable answers file).
//!
//! Precedence, highest first: `--set`, `--answers FILE`, the kit's own answers
//! file (on update), a prompt, the question's default (`--defaults`, or as the
//! prompt's pre-filled value). Every value is judged by `Question::accept_*`,
//! the same rules a prompt uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use handlebars::Handlebars;
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use toml::Spanned;

use crate::catalog::{parse_toml, toml_diag, Catalog};
use crate::config::AnswerSources;
use crate::error::{Diagnostic, Failure, MissingAnswer, UnfitAnswer};
use crate::prompt::Prompter;
use crate::question::{Default, Question};
use crate::value::{Answer, QuestionKind};

/// A value supplied without a prompt, with where it came from.
#[derive(Debug, Clone)]
pub struct Provided {
    pub value: ProvidedValue,
    /// `answers.toml:3:1` or `--set forge`.
    pub origin: Diagnostic,
    /// Recorded earlier, in the kit's own answers file (on update).
    pub recorded: bool,
}

impl Provided {
    /// Given on the command line rather than in a file.
    pub fn from_flag(&self) -> bool {
        self.origin.file.starts_with("--")
    }

    pub fn as_toml(&self) -> toml::Value {
        match &self.value {
            ProvidedValue::Toml(v) => v.clone(),
            ProvidedValue::Str(s) => toml::Value::String(s.clone()),
        }
    }

    /// The value as the user wrote it.
    pub fn shown(&self) -> String {
        match &self.value {
            ProvidedValue::Toml(v) => v.to_string(),
            ProvidedValue::Str(s) => s.clone(),
        }
    }

    /// The value's text, when it is a string (from a flag, or a TOML string).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            ProvidedValue::Str(s) | ProvidedValue::Toml(toml::Value::String(s)) => Some(s),
            ProvidedValue::Toml(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum ProvidedValue {
    Toml(toml::Value),
    Str(String),
}

/// Everything the user supplied up front.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub answers: BTreeMap<String, Provided>,
    pub fills: BTreeMap<String, Provided>,
    pub with: Vec<String>,
    pub without: Vec<String>,
    /// Whether the source had a `[modules]` table (an empty one clears overrides).
    pub has_modules: bool,
    /// The kit's answers file is byte for byte what ispo last wrote, so a key
    /// in it that the catalog no longer has was ispo's own, not a typo.
    pub untouched: bool,
    /// Where each module id of a `[modules]` table was written (flags have none).
    pub module_origins: BTreeMap<String, Diagnostic>,
    /// `[files] mine`: kit paths (globs) that are the user's alone; ispo
    /// never writes, merges or deletes them again.
    pub mine: Vec<String>,
}

#[derive(Deserialize)]
struct KeySpans {
    #[serde(default)]
    fill: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    modules: Option<RawModules>,
    #[serde(default)]
    files: Option<RawFiles>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    #[serde(default)]
    mine: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModules {
    #[serde(default)]
    with: Vec<Spanned<String>>,
    #[serde(default)]
    without: Vec<Spanned<String>>,
}

impl Inputs {
    /// Reads an answers file: question ids at the top level, `[fill]`, `[modules]`.
    pub fn read_file(path: &Path) -> Result<Inputs> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read answers file `{}`", path.display()))?;
        Inputs::parse(&path.display().to_string(), &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Inputs> {
        let top: BTreeMap<Spanned<String>, Spanned<toml::Value>> =
            toml::from_str(text).map_err(|e| Failure::Invalid(vec![toml_diag(name, text, &e)]))?;
        let nested: KeySpans = parse_toml(name, text).map_err(|d| Failure::Invalid(vec![d]))?;
        let mut inputs = Inputs::default();
        for (key, value) in top {
            let origin = Diagnostic::at(name, text, key.span().start, "");
            match key.get_ref().as_str() {
                "fill" | "modules" | "files" => {
                    if !value.get_ref().is_table() {
                        return Err(Failure::Invalid(vec![Diagnostic::at(
                            name,
                            text,
                            key.span().start,
                            format!("`{}` must be a table", key.get_ref()),
                        )])
                        .into());
                    }
                }
                _ => {
                    inputs.answers.insert(
                        key.into_inner(),
                        Provided {
                            value: ProvidedValue::Toml(value.into_inner()),
                            origin,
                            recorded: false,
                        },
                    );
                }
            }
        }
        for (key, value) in nested.fill {
            let origin = Diagnostic::at(name, text, key.span().start, "");
            inputs.fills.insert(
                key.into_inner(),
                Provided {
                    value: ProvidedValue::Toml(value.into_inner()),
                    origin,
                    recorded: false,
                },
            );
        }
        if let Some(f) = nested.files {
            for glob in f.mine {
                if let Err(e) = globset::Glob::new(glob.get_ref()) {
                    return Err(Failure::Invalid(vec![Diagnostic::at(
                        name,
                        text,
                        glob.span().start,
                        format!("`{}` under [files] mine is not a glob: {e}", glob.get_ref()),
                    )])
                    .into());
                }
                inputs.mine.push(glob.into_inner());
            }
        }
        if let Some(m) = nested.modules {
            inputs.has_modules = true;
            for (list, items) in [(&mut inputs.with, m.with), (&mut inputs.without, m.without)] {
                for item in items {
                    let origin = Diagnostic::at(name, text, item.span().start, "");
                    inputs.module_origins.insert(item.get_ref().clone(), origin);
                    list.push(item.into_inner());
                }
            }
        }
        Ok(inputs)
    }

    /// Adds one `--set key=value`; `fill.<id>=value` sets a fill-in.
    pub fn add_set(&mut self, arg: &str) -> Result<()> {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(Failure::Usage(format!("--set `{arg}` must look like KEY=VALUE")).into());
        };
        let key = key.trim();
        let provided = Provided {
            value: ProvidedValue::Str(value.to_string()),
            origin: Diagnostic::new(&format!("--set {key}"), 0, 0, ""),
            recorded: false,
        };
        if let Some(fill) = key.strip_prefix("fill.") {
            self.fills.insert(fill.to_string(), provided);
        } else {
            self.answers.insert(key.to_string(), provided);
        }
        Ok(())
    }

    /// Marks every value as recorded earlier, in the kit's own answers file;
    /// `untouched` says whether that file is still as ispo wrote it.
    pub fn recorded(mut self, untouched: bool) -> Inputs {
        for p in self.answers.values_mut().chain(self.fills.values_mut()) {
            p.recorded = true;
        }
        self.untouched = untouched;
        self
    }

    /// Layers `over` on top of `self`: its values win.
    pub fn overlay(mut self, over: Inputs) -> Inputs {
        // A flag's value replaces a recorded one, so the recorded one is not
        // judged at all: `--set chat=ms_teams` repairs `chat = "teams"`.
        self.answers.extend(over.answers);
        self.fills.extend(over.fills);
        self.module_origins.extend(over.module_origins);
        for m in over.mine {
            if !self.mine.contains(&m) {
                self.mine.push(m);
            }
        }
        for w in over.with {
            if !self.with.contains(&w) {
                self.with.push(w);
            }
        }
        for w in over.without {
            if !self.without.contains(&w) {
                self.without.push(w);
            }
        }
        self
    }
}

fn located(origin: &Diagnostic, message: String) -> Diagnostic {
    Diagnostic {
        message,
        ..origin.clone()
    }
}

/// The answers of one run, in question order; `None` marks a skipped question.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answers {
    pub values: Vec<(String, Option<Answer>)>,
    /// Things the user should know (a value given for a question that is
    /// not asked), said once.
    pub warnings: Vec<String>,
    /// Questions that took their default without being asked.
    pub defaulted: Vec<String>,
    /// Questions left unanswered because the run allows it (`explain`).
    pub unanswered: Vec<String>,
    /// The fill-in values given (answers files, `--set`), checked.
    pub fills: BTreeMap<String, String>,
    /// Questions a catalog layer answered (`preset`), so not asked; the
    /// answers file lists them commented out, so the company's value
    /// keeps flowing until the kit answers for itself.
    pub preset: Vec<String>,
}

impl Answers {
    pub fn get(&self, id: &str) -> Option<Answer> {
        self.values
            .iter()
            .find(|(q, _)| q == id)
            .and_then(|(_, a)| a.clone())
    }

    pub fn lookup(&self) -> impl Fn(&str) -> Option<Answer> + '_ {
        move |q| self.get(q)
    }

    /// Answers as template values: skipped questions are `null`.
    pub fn to_json(&self) -> Map<String, Json> {
        self.values
            .iter()
            .map(|(q, a)| (q.clone(), a.as_ref().map_or(Json::Null, Answer::to_json)))
            .collect()
    }
}

/// How to fill a question that was not supplied.
pub struct Asking<'a> {
    pub prompter: Option<&'a mut dyn Prompter>,
    pub use_defaults: bool,
    /// Leave a question with no usable answer unanswered instead of failing
    /// (explain: the pick can be shown without the company's name).
    pub allow_unanswered: bool,
}

/// Works through the questions in order, taking supplied answers, prompting or
/// defaulting for the rest. A supplied value that does not fit is re-asked in
/// a terminal and otherwise refused, never replaced: all refusals are reported
/// together, and so are all missing answers (exit 5).
pub fn resolve(catalog: &Catalog, inputs: &Inputs, mut asking: Asking<'_>) -> Result<Answers> {
    let mut answers = Answers::default();
    let mut unfit = unknown_keys(catalog, inputs, &mut answers.warnings);
    let mut missing = Vec::new();
    // Questions without an answer yet: a default built from one of them waits.
    let mut pending: BTreeSet<String> = BTreeSet::new();
    let total = catalog.questions.len();
    for (at, q) in catalog.questions.iter().enumerate() {
        let step = (at + 1, total);
        let applies = q.when.as_ref().is_none_or(|w| w.eval(&answers.lookup()));
        if !applies {
            if let Some(p) = inputs.answers.get(&q.id).filter(|p| !p.recorded) {
                answers.warnings.push(format!(
                    "{}: `{}` is not asked with these answers (it applies only when {}); the value is ignored",
                    p.origin.file,
                    q.id,
                    q.when.as_ref().map_or("", |w| w.source.as_str())
                ));
            }
            answers.values.push((q.id.clone(), None));
            continue;
        }
        let mut refused = None;
        if let Some(provided) = inputs.answers.get(&q.id) {
            let accepted = match &provided.value {
                ProvidedValue::Toml(v) => q.accept_toml(v),
                ProvidedValue::Str(s) => q.accept_str(s),
            };
            match accepted {
                Ok(a) => {
                    // A value the catalog renamed is migrated, and said so.
                    if let Some(renamed) = renamed_values(provided, &a) {
                        answers.warnings.push(format!(
                            "{}: the catalog renamed {renamed} for `{}`; the answer follows it",
                            provided.origin.file, q.id
                        ));
                    }
                    answers.values.push((q.id.clone(), Some(a)));
                    continue;
                }
                Err(reason) => refused = Some(refusal(q, provided, reason)),
            }
        }
        if let (None, Some(p)) = (&refused, &q.preset) {
            answers.preset.push(q.id.clone());
            answers.values.push((q.id.clone(), Some(p.value.clone())));
            continue;
        }
        let default = match &q.default {
            None => DefaultOf::None,
            Some(d) => default_value(q, d, &answers, &pending)?,
        };
        if let Some(r) = refused {
            match asking.prompter.as_deref_mut() {
                Some(p) => {
                    // The user's own value (or the likely fix) is what they see again.
                    p.note(&format!("{r}; please answer again"));
                    let prefill = r
                        .suggestion_value
                        .as_ref()
                        .and_then(|v| q.accept_toml(v).ok())
                        .or_else(|| match (&q.kind, provided_text(inputs, q)) {
                            (QuestionKind::Text, Some(t)) => Some(Answer::Text(t.to_string())),
                            _ => None,
                        });
                    let a = ask(p, q, prefill.as_ref().or(default.value()), step)?;
                    answers.values.push((q.id.clone(), Some(a)));
                }
                None => {
                    unfit.push(r.unfit);
                    pending.insert(q.id.clone());
                    answers.values.push((q.id.clone(), None));
                }
            }
            continue;
        }
        match (asking.use_defaults, default.value()) {
            (true, Some(d)) => {
                answers.defaulted.push(q.id.clone());
                answers.values.push((q.id.clone(), Some(d.clone())));
            }
            _ => {
                if let Some(prompter) = asking.prompter.as_deref_mut() {
                    let a = ask(prompter, q, default.value(), step)?;
                    answers.values.push((q.id.clone(), Some(a)));
                } else if asking.allow_unanswered {
                    answers.unanswered.push(q.id.clone());
                    pending.insert(q.id.clone());
                    answers.values.push((q.id.clone(), None));
                } else {
                    missing.push(MissingAnswer {
                        id: q.id.clone(),
                        prompt: q.prompt.clone(),
                        flag: q.flag(),
                        default: default.value().map(shown_answer),
                        waits_for: match &default {
                            DefaultOf::Waits(w) => w.clone(),
                            _ => Vec::new(),
                        },
                    });
                    pending.insert(q.id.clone());
                    answers.values.push((q.id.clone(), None));
                }
            }
        }
    }
    // Fill-in values are judged in the same pass, and kept for the render.
    let (fills, fill_unfit) = supplied_fills(catalog, inputs);
    unfit.extend(fill_unfit);
    answers.fills = fills;
    if !unfit.is_empty() {
        // In the order the user reads their file: by file, then line (flags,
        // which have no line, stay in question order).
        let key = |u: &UnfitAnswer| {
            if u.from_flag {
                (String::new(), 0)
            } else {
                (u.at.file.clone(), u.at.line)
            }
        };
        unfit.sort_by_key(key);
        return Err(Failure::Unfit(unfit).into());
    }
    if !missing.is_empty() {
        return Err(Failure::NeedsInput(missing).into());
    }
    Ok(answers)
}

/// `a` -> `b` for each choice value the catalog renamed between what was
/// given and the answer it now means.
fn renamed_values(provided: &Provided, answer: &Answer) -> Option<String> {
    let now: Vec<&str> = match answer {
        Answer::Choice(c) => vec![c.as_str()],
        Answer::Multi(items) => items.iter().map(String::as_str).collect(),
        _ => return None,
    };
    let given: Vec<String> = match provided.as_toml() {
        toml::Value::String(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
        toml::Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => return None,
    };
    let pairs: Vec<String> = given
        .iter()
        .zip(&now)
        .filter(|(g, n)| g.as_str() != **n)
        .map(|(g, n)| format!("`{g}` to `{n}`"))
        .collect();
    (!pairs.is_empty() && given.len() == now.len()).then(|| pairs.join(", "))
}

/// An answer as it would be written in the answers file.
fn shown_answer(a: &Answer) -> String {
    a.to_toml().to_string()
}

/// Keys that name no question or fill-in. One the catalog dropped, in an
/// answers file nobody edited since ispo wrote it, is ispo's own and goes
/// with a warning; any other is a typo until shown otherwise.
fn unknown_keys(
    catalog: &Catalog,
    inputs: &Inputs,
    warnings: &mut Vec<String>,
) -> Vec<UnfitAnswer> {
    let mut unfit = Vec::new();
    let questions: Vec<&str> = catalog.questions.iter().map(|q| q.id.as_str()).collect();
    let all_fills = catalog.all_fills();
    let fills: Vec<&str> = all_fills.keys().map(String::as_str).collect();
    let tables = [
        ("question", "", &inputs.answers, &questions),
        ("fill-in", "fill.", &inputs.fills, &fills),
    ];
    for (what, prefix, provided, known) in tables {
        for (key, p) in provided.iter() {
            if known.contains(&key.as_str()) {
                continue;
            }
            if p.recorded && inputs.untouched {
                warnings.push(format!(
                    "{}: {what} `{key}` is no longer in the catalog; its line is dropped from the answers file",
                    p.origin.file
                ));
                continue;
            }
            let suggestion = crate::suggest::closest_name(key, known.iter().copied());
            let mut message = format!("`{prefix}{key}` is not a {what} of this catalog");
            if p.recorded {
                message.push_str(" (if the catalog dropped it, delete the line)");
            }
            unfit.push(UnfitAnswer {
                at: located(&p.origin, message),
                key: format!("{prefix}{key}"),
                value: None,
                allowed: Some(format!("{what}s: {}", known.join(", "))),
                suggestion: suggestion.map(|s| {
                    if p.from_flag() {
                        format!("--set {prefix}{s}=...")
                    } else {
                        s.to_string()
                    }
                }),
                from_flag: p.from_flag(),
            });
        }
    }
    unfit
}

/// A supplied value a question refused, with what the user needs to fix it.
struct Refusal {
    unfit: UnfitAnswer,
    /// The likely intended value, to pre-fill a prompt with.
    suggestion_value: Option<toml::Value>,
}

/// The text the user gave for `q`, if it was a string.
fn provided_text<'a>(inputs: &'a Inputs, q: &Question) -> Option<&'a str> {
    inputs.answers.get(&q.id).and_then(Provided::text)
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.unfit)
    }
}

fn refusal(q: &Question, p: &Provided, reason: String) -> Refusal {
    let given = p.as_toml();
    let suggestion_value = q.suggest(&given);
    let allowed = q.allowed();
    let raw = p.text().map_or_else(|| p.shown(), str::to_string);
    let mut message = format!("answer for `{}`: {reason}", q.id);
    if !reason.contains(&raw) {
        message = format!("answer for `{}` ({}): {reason}", q.id, p.shown());
    }
    if reason.starts_with("expected") || q.kind == QuestionKind::Integer {
        message.push_str(&format!("; allowed: {allowed}"));
    }
    let suggestion = suggestion_value.as_ref().map(|v| {
        if p.from_flag() {
            let plain = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            format!("--set {}={plain}", q.id)
        } else {
            format!("{} = {v}", q.id)
        }
    });
    Refusal {
        unfit: UnfitAnswer {
            at: located(&p.origin, message),
            key: q.id.clone(),
            value: Some(p.shown()),
            allowed: Some(allowed),
            suggestion,
            from_flag: p.from_flag(),
        },
        suggestion_value,
    }
}

/// A question's default, as far as it can be known yet.
enum DefaultOf {
    None,
    Value(Answer),
    /// Built from answers still missing; known once they are given.
    Waits(Vec<String>),
}

impl DefaultOf {
    fn value(&self) -> Option<&Answer> {
        match self {
            DefaultOf::Value(a) => Some(a),
            _ => None,
        }
    }
}

/// A default, rendered over earlier answers when it is a template, and
/// validated like any other answer. A template that reads a question still
/// without an answer waits for it rather than rendering from nothing.
fn default_value(
    q: &Question,
    d: &Default,
    answers: &Answers,
    pending: &BTreeSet<String>,
) -> Result<DefaultOf> {
    match d {
        Default::Literal(a) => Ok(DefaultOf::Value(a.clone())),
        Default::Template(t) => {
            let waits: Vec<String> = pending
                .iter()
                .filter(|id| mentions(t, id))
                .cloned()
                .collect();
            if !waits.is_empty() {
                return Ok(DefaultOf::Waits(waits));
            }
            let mut hb = Handlebars::new();
            hb.set_strict_mode(true);
            hb.register_escape_fn(handlebars::no_escape);
            let text = hb
                .render_template(t, &Json::Object(answers.to_json()))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "questions.toml: the default of `{}` cannot be rendered: {}",
                        q.id,
                        e.reason()
                    )
                })?;
            q.accept_str(&text).map(DefaultOf::Value).map_err(|e| {
                anyhow::anyhow!(
                    "questions.toml: the default of `{}` renders to an invalid answer: {e}",
                    q.id
                )
            })
        }
    }
}

/// Whether a template names `id` as a whole word.
fn mentions(template: &str, id: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    template.match_indices(id).any(|(at, _)| {
        let before = template[..at].chars().next_back();
        let after = template[at + id.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Asks one question again, its current answer as the default (init's
/// summary: change an answer). The answers that follow it are resolved
/// again with `given`.
pub fn ask_again(
    p: &mut dyn Prompter,
    catalog: &Catalog,
    id: &str,
    current: Option<&Answer>,
) -> Result<Answer> {
    let at = catalog
        .questions
        .iter()
        .position(|q| q.id == id)
        .with_context(|| format!("no question `{id}` in the catalog"))?;
    ask(
        p,
        &catalog.questions[at],
        current,
        (at + 1, catalog.questions.len()),
    )
}

/// Asks question `step.0` of `step.1`; the answer is also kept for a resume
/// should the run be interrupted (`resume`).
fn ask(
    p: &mut dyn Prompter,
    q: &Question,
    default: Option<&Answer>,
    step: (usize, usize),
) -> Result<Answer> {
    let answer = ask_once(p, q, default, step)?;
    crate::resume::answered(&q.id, answer.to_toml());
    Ok(answer)
}

fn ask_once(
    p: &mut dyn Prompter,
    q: &Question,
    default: Option<&Answer>,
    (at, total): (usize, usize),
) -> Result<Answer> {
    if let Some(help) = &q.help {
        p.note(help);
    }
    let prompt = format!("[{at}/{total}] {}", q.prompt);
    let prompt = prompt.as_str();
    Ok(match q.kind {
        QuestionKind::Text | QuestionKind::Integer => {
            let default_text = default.map(|d| match d {
                Answer::Text(s) => s.clone(),
                other => other.to_string(),
            });
            let text = p.text(prompt, default_text.as_deref(), &|s| {
                q.accept_str(s).map(|_| ())
            })?;
            q.accept_str(&text).map_err(anyhow::Error::msg)?
        }
        QuestionKind::Bool => {
            Answer::Bool(p.confirm(prompt, matches!(default, Some(Answer::Bool(true))))?)
        }
        QuestionKind::Choice => {
            let items: Vec<String> = q.choices.iter().map(|c| c.label.clone()).collect();
            let start = match default {
                Some(Answer::Choice(v)) => {
                    q.choices.iter().position(|c| &c.value == v).unwrap_or(0)
                }
                _ => 0,
            };
            let i = p.select(prompt, &items, start)?;
            Answer::Choice(q.choices[i.min(q.choices.len() - 1)].value.clone())
        }
        QuestionKind::Multi => {
            let items: Vec<String> = q.choices.iter().map(|c| c.label.clone()).collect();
            let mut checked: Vec<bool> = q
                .choices
                .iter()
                .map(|c| matches!(default, Some(Answer::Multi(d)) if d.contains(&c.value)))
                .collect();
            loop {
                let picked = p.multi_select(prompt, &items, &checked)?;
                let answer = Answer::Multi(
                    picked
                        .iter()
                        .filter_map(|i| q.choices.get(*i))
                        .map(|c| c.value.clone())
                        .collect(),
                );
                match q.validate(&answer) {
                    Ok(()) => break answer,
                    Err(e) => {
                        p.note(&format!("{e}; try again"));
                        checked = (0..items.len()).map(|i| picked.contains(&i)).collect();
                    }
                }
            }
        }
    })
}

/// Fill-in values supplied so far (answers files, `--set`), as text, and
/// the refusals of those that do not fit (`fills_given`).
fn supplied_fills(
    catalog: &Catalog,
    inputs: &Inputs,
) -> (BTreeMap<String, String>, Vec<UnfitAnswer>) {
    let given = inputs
        .fills
        .iter()
        .map(|(id, p)| crate::fills_given::Given {
            id,
            value: match &p.value {
                ProvidedValue::Str(s) | ProvidedValue::Toml(toml::Value::String(s)) => Ok(s),
                ProvidedValue::Toml(other) => Err(other),
            },
            origin: &p.origin,
            from_flag: p.from_flag(),
        });
    crate::fills_given::judge(&catalog.all_fills(), given)
}

/// Matches kit paths against `[files] mine`.
pub fn mine_matcher(globs: &[String]) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        if let Ok(g) = globset::GlobBuilder::new(g).literal_separator(true).build() {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// What messages call the answers read with `--answers -`: `<stdin>:3:1`.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads `--answers` (`-` for stdin) and applies `--set` on top.
pub fn gather_inputs(sources: &AnswerSources) -> Result<Inputs> {
    let mut inputs = match &sources.file {
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("cannot read the answers from stdin (--answers -)")?;
            Inputs::parse(STDIN_NAME, &text)?
        }
        Some(path) => Inputs::read_file(path)?,
        None => Inputs::default(),
    };
    for s in &sources.sets {
        inputs.add_set(s)?;
    }
    for w in &sources.with {
        if !inputs.with.contains(w) {
            inputs.with.push(w.clone());
        }
        inputs.without.retain(|x| x != w);
    }
    for w in &sources.without {
        if !inputs.without.contains(w) {
            inputs.without.push(w.clone());
        }
        inputs.with.retain(|x| x != w);
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::scripted::{Reply, Script};

    fn catalog() -> Catalog {
        let mut files = crate::catalog::Files::new();
        files.insert(
            "catalog.toml".into(),
            b"[catalog]\nname = \"t\"\nversion = \"1\"\nformat = 1\n".to_vec(),
        );
        files.insert(
            "questions.toml".into(),
            br#"[[question]]
id = "company"
type = "text"
prompt = "Company?"
pattern = "[A-Z].*"

[[question]]
id = "regulated"
type = "bool"
prompt = "Regulated?"
default = false

[[question]]
id = "auditor"
type = "text"
prompt = "Auditor?"
when = "regulated"
default = "{{company}} Audit"

[[question]]
id = "size"
type = "integer"
prompt = "Engineers?"
default = 10
min = 1
"#
            .to_vec(),
        );
        files.insert(
            "modules/m/module.toml".into(),
            b"id = \"m\"\ntitle = \"M\"\nsummary = \"s\"\nkind = \"doc\"\n".to_vec(),
        );
        Catalog::load(files).expect("test catalog loads")
    }

    #[test]
    fn prompts_reask_until_valid_and_skip_questions_that_do_not_apply() {
        let c = catalog();
        let mut script = Script {
            replies: [
                Reply::Text("acme".into()),
                Reply::Text("Acme".into()),
                Reply::Confirm(false),
                Reply::Text("0".into()),
                Reply::Text(String::new()),
            ]
            .into(),
            ..Script::default()
        };
        let answers = resolve(
            &c,
            &Inputs::default(),
            Asking {
                prompter: Some(&mut script),
                use_defaults: false,
                allow_unanswered: false,
            },
        )
        .unwrap();
        assert_eq!(
            script.asked,
            vec!["[1/4] Company?", "[2/4] Regulated?", "[4/4] Engineers?"]
        );
        assert_eq!(
            script.rejected,
            vec![
                "`acme` does not match the pattern `[A-Z].*`",
                "0 is below the minimum 1"
            ]
        );
        assert_eq!(answers.get("company"), Some(Answer::Text("Acme".into())));
        assert_eq!(answers.get("auditor"), None);
        assert_eq!(answers.get("size"), Some(Answer::Int(10)));
    }

    #[test]
    fn defaults_render_over_earlier_answers_and_supplied_answers_are_not_asked() {
        let c = catalog();
        let mut inputs = Inputs::default();
        inputs.add_set("company=Acme").unwrap();
        let mut script = Script {
            replies: [
                Reply::Confirm(true),
                Reply::Text(String::new()),
                Reply::Text("25".into()),
            ]
            .into(),
            ..Script::default()
        };
        let answers = resolve(
            &c,
            &inputs,
            Asking {
                prompter: Some(&mut script),
                use_defaults: false,
                allow_unanswered: false,
            },
        )
        .unwrap();
        assert_eq!(
            script.asked,
            vec!["[2/4] Regulated?", "[3/4] Auditor?", "[4/4] Engineers?"]
        );
        assert_eq!(
            answers.get("auditor"),
            Some(Answer::Text("Acme Audit".into()))
        );
        assert_eq!(answers.get("size"), Some(Answer::Int(25)));
        // With --defaults, only the question without one is asked.
        let mut script = Script {
            replies: [Reply::Text("Acme".into())].into(),
            ..Script::default()
        };
        resolve(
            &c,
            &Inputs::default(),
            Asking {
                prompter: Some(&mut script),
                use_defaults: true,
                allow_unanswered: false,
            },
        )
        .unwrap();
        assert_eq!(script.asked, vec!["[1/4] Company?"]);
    }

    #[test]
    fn answers_file_keys_carry_their_line() {
        let inputs = Inputs::parse(
            "a.toml",
            "# c\nforge = \"x\"\n\n[fill]\nispo_email = \"e\"\n[modules]\nwith = [\"m\"]\n",
        )
        .unwrap();
        assert_eq!(inputs.answers["forge"].origin.line, 2);
        assert_eq!(inputs.fills["ispo_email"].origin.line, 5);
        assert_eq!(inputs.with, vec!["m".to_string()]);
    }

    #[test]
    fn malformed_answers_file_names_line_and_column() {
        let err = Inputs::parse("a.toml", "forge = \"x\"\nstage = \n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("a.toml:2:"), "{msg}");
        let err = Inputs::parse("a.toml", "[modules]\nwiht = []\n").unwrap_err();
        assert!(err.to_string().contains("a.toml:2:1"), "{err}");
    }

    #[test]
    fn set_splits_fill_and_answers() {
        let mut i = Inputs::default();
        i.add_set("forge=github_cloud").unwrap();
        i.add_set("fill.ispo_email=a=b").unwrap();
        assert!(i.add_set("novalue").is_err());
        assert!(matches!(&i.fills["ispo_email"].value, ProvidedValue::Str(s) if s == "a=b"));
        assert!(i.answers.contains_key("forge"));
    }
}
