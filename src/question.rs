//! Questions and answers: types, choices, validation, and conversion from every input form.
//!
//! The same `Question::accept_*` functions serve prompts, `--set`, answers
//! files and defaults, so an answer is judged by one set of rules wherever it
//! comes from.

use regex::Regex;

use crate::condition::Condition;
use crate::value::{Answer, QuestionKind};

#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub help: Option<String>,
    /// Values this choice had in earlier catalog versions: a recorded answer
    /// naming one is migrated, as the catalog declares.
    pub renamed_from: Vec<String>,
}

/// A declared default: a typed literal, or for strings a Handlebars template
/// over earlier answers, rendered when the question is reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Default {
    Literal(Answer),
    Template(String),
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    pub help: Option<String>,
    pub default: Option<Default>,
    pub when: Option<Condition>,
    pub choices: Vec<Choice>,
    pub pattern: Option<Regex>,
    /// The catalog's words for an answer the pattern refuses.
    pub pattern_message: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// A text answer that may hold line breaks.
    pub multiline: bool,
    /// A company layer's answer: the question is not asked, and an answers
    /// file or `--set` still overrides it.
    pub preset: Option<Preset>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub value: Answer,
    /// The catalog (layer) that sets it.
    pub layer: String,
}

impl Question {
    pub fn shape(&self) -> crate::condition::QuestionShape {
        crate::condition::QuestionShape {
            kind: self.kind,
            choices: self.choices.iter().map(|c| c.value.clone()).collect(),
        }
    }

    pub fn choice_values(&self) -> Vec<&str> {
        self.choices.iter().map(|c| c.value.as_str()).collect()
    }

    pub fn label_of(&self, value: &str) -> Option<&str> {
        self.choices
            .iter()
            .find(|c| c.value == value)
            .map(|c| c.label.as_str())
    }

    /// An answer in the words the user chose it by: choice labels, yes or no.
    pub fn in_words(&self, a: &Answer) -> String {
        match a {
            Answer::Choice(v) => self.label_of(v).unwrap_or(v).to_string(),
            Answer::Multi(vs) if vs.is_empty() => "(none)".to_string(),
            Answer::Multi(vs) => vs
                .iter()
                .map(|v| self.label_of(v).unwrap_or(v))
                .collect::<Vec<_>>()
                .join(", "),
            Answer::Bool(true) => "yes".to_string(),
            Answer::Bool(false) => "no".to_string(),
            Answer::Text(t) if t.is_empty() => "(empty)".to_string(),
            Answer::Text(t) => t.clone(),
            Answer::Int(i) => i.to_string(),
        }
    }

    /// The current value for `v`: itself, or the choice that declares it as
    /// a value it was renamed from.
    pub fn current_value(&self, v: &str) -> String {
        if self.choices.iter().any(|c| c.value == v) {
            return v.to_string();
        }
        self.choices
            .iter()
            .find(|c| c.renamed_from.iter().any(|r| r == v))
            .map_or_else(|| v.to_string(), |c| c.value.clone())
    }

    fn migrate(&self, answer: Answer) -> Answer {
        match answer {
            Answer::Choice(c) => Answer::Choice(self.current_value(&c)),
            Answer::Multi(items) => {
                Answer::Multi(items.iter().map(|i| self.current_value(i)).collect())
            }
            other => other,
        }
    }

    /// Parses a string as typed on the command line or at a prompt.
    /// Multiple choices are comma-separated.
    pub fn accept_str(&self, raw: &str) -> Result<Answer, String> {
        let raw_trimmed = raw.trim();
        let answer = match self.kind {
            QuestionKind::Text => Answer::Text(raw.to_string()),
            QuestionKind::Bool => match raw_trimmed.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" | "on" => Answer::Bool(true),
                "false" | "no" | "n" | "0" | "off" => Answer::Bool(false),
                _ => return Err(format!("`{raw}` is not a yes/no value (use true or false)")),
            },
            QuestionKind::Integer => match whole_number(raw_trimmed) {
                Some(i) => Answer::Int(i),
                None => {
                    return Err(format!(
                        "`{raw}` is not a whole number (digits, as in 2000, 2,000 or 2 000)"
                    ))
                }
            },
            QuestionKind::Choice => Answer::Choice(raw_trimmed.to_string()),
            QuestionKind::Multi => Answer::Multi(
                raw_trimmed
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        };
        let answer = self.migrate(answer);
        self.validate(&answer)?;
        Ok(answer)
    }

    /// Converts a TOML value (answers file, catalog default).
    pub fn accept_toml(&self, value: &toml::Value) -> Result<Answer, String> {
        let answer = match (self.kind, value) {
            (QuestionKind::Text, toml::Value::String(s)) => Answer::Text(s.clone()),
            (QuestionKind::Bool, toml::Value::Boolean(b)) => Answer::Bool(*b),
            (QuestionKind::Integer, toml::Value::Integer(i)) => Answer::Int(*i),
            (QuestionKind::Choice, toml::Value::String(s)) => Answer::Choice(s.clone()),
            (QuestionKind::Multi, toml::Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => out.push(s.clone()),
                        other => {
                            return Err(format!(
                                "expected a list of strings, found {} in the list",
                                other.type_str()
                            ))
                        }
                    }
                }
                Answer::Multi(out)
            }
            (kind, other) => {
                let expected = match kind {
                    QuestionKind::Text | QuestionKind::Choice => "a string",
                    QuestionKind::Bool => "true or false",
                    QuestionKind::Integer => "an integer",
                    QuestionKind::Multi => "a list of strings",
                };
                return Err(format!("expected {expected}, found {}", other.type_str()));
            }
        };
        let answer = self.migrate(answer);
        self.validate(&answer)?;
        Ok(answer)
    }

    /// The rules every answer must pass, whatever its source.
    pub fn validate(&self, answer: &Answer) -> Result<(), String> {
        match answer {
            Answer::Text(s) => {
                check_value(s, self.multiline)?;
                if let Some(re) = &self.pattern {
                    if !re.is_match(s) {
                        return Err(self.pattern_refusal(s, re));
                    }
                }
            }
            Answer::Int(i) => {
                if let Some(min) = self.min {
                    if *i < min {
                        return Err(format!("{i} is below the minimum {min}"));
                    }
                }
                if let Some(max) = self.max {
                    if *i > max {
                        return Err(format!("{i} is above the maximum {max}"));
                    }
                }
            }
            Answer::Choice(c) => {
                if !self.choices.iter().any(|x| &x.value == c) {
                    return Err(format!(
                        "`{c}` is not one of the allowed values: {}",
                        self.choice_values().join(", ")
                    ));
                }
            }
            Answer::Multi(items) => {
                for c in items {
                    if !self.choices.iter().any(|x| &x.value == c) {
                        return Err(format!(
                            "`{c}` is not one of the allowed values: {}",
                            self.choice_values().join(", ")
                        ));
                    }
                }
                let mut seen = std::collections::BTreeSet::new();
                if let Some(dup) = items.iter().find(|i| !seen.insert(i.as_str())) {
                    return Err(format!("`{dup}` is listed twice"));
                }
                if let Some(min) = self.min {
                    if (items.len() as i64) < min {
                        return Err(format!("pick at least {min}"));
                    }
                }
                if let Some(max) = self.max {
                    if items.len() as i64 > max {
                        return Err(format!("pick at most {max}"));
                    }
                }
            }
            Answer::Bool(_) => {}
        }
        Ok(())
    }

    /// Why the pattern refuses `s`, in words: an empty answer asks for what
    /// the prompt asks; otherwise the catalog's `pattern_message`, or the
    /// pattern itself when the catalog gives no words.
    fn pattern_refusal(&self, s: &str, re: &Regex) -> String {
        if s.trim().is_empty() {
            return format!("{} (an answer is needed)", needed(&self.prompt));
        }
        match &self.pattern_message {
            Some(m) => format!("`{s}`: {m}"),
            None => format!("`{s}` does not match the pattern `{}`", pattern_source(re)),
        }
    }

    /// The flag that supplies this answer without a prompt, for messages.
    pub fn flag(&self) -> String {
        let example = match self.kind {
            QuestionKind::Text => "<text>".to_string(),
            QuestionKind::Bool => "true|false".to_string(),
            QuestionKind::Integer => match (self.min, self.max) {
                (Some(a), Some(b)) => format!("<{a}..{b}>"),
                _ => "<number>".to_string(),
            },
            QuestionKind::Choice => self.choice_values().join("|"),
            QuestionKind::Multi => format!("<comma-separated: {}>", self.choice_values().join(",")),
        };
        format!("--set {}={example}", self.id)
    }

    /// What an answer may be, in words: the allowed values, or the form.
    pub fn allowed(&self) -> String {
        match self.kind {
            QuestionKind::Choice => format!("one of {}", self.choice_values().join(", ")),
            QuestionKind::Multi => format!("any of {}", self.choice_values().join(", ")),
            QuestionKind::Bool => "true or false".to_string(),
            QuestionKind::Integer => match (self.min, self.max) {
                (Some(a), Some(b)) => format!("a whole number from {a} to {b}"),
                (Some(a), None) => format!("a whole number, at least {a}"),
                (None, Some(b)) => format!("a whole number, at most {b}"),
                (None, None) => "a whole number".to_string(),
            },
            QuestionKind::Text => match &self.pattern {
                Some(re) => format!("text matching `{}`", pattern_source(re)),
                None => "text".to_string(),
            },
        }
    }

    /// The likely intended answer for a refused one: the closest choice (by
    /// value or label) for a mistyped choice, the number for a quoted number,
    /// `true`/`false` for a quoted yes/no, the text for an unquoted text.
    pub fn suggest(&self, given: &toml::Value) -> Option<toml::Value> {
        use toml::Value as T;
        let choices = || {
            self.choices
                .iter()
                .map(|c| (c.value.as_str(), vec![c.label.as_str()]))
        };
        let text = given.as_str();
        let found = match self.kind {
            QuestionKind::Choice => {
                T::String(crate::suggest::closest(text?, choices())?.to_string())
            }
            QuestionKind::Multi => {
                let items: Vec<String> = match given {
                    T::Array(a) => a
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    T::String(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
                    _ => return None,
                };
                let mut fixed = Vec::new();
                for item in &items {
                    if self.choices.iter().any(|c| &c.value == item) {
                        fixed.push(T::String(item.clone()));
                    } else {
                        fixed.push(T::String(
                            crate::suggest::closest(item, choices())?.to_string(),
                        ));
                    }
                }
                T::Array(fixed)
            }
            QuestionKind::Integer => T::Integer(whole_number(text?.trim())?),
            QuestionKind::Bool => match text?.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "on" | "1" => T::Boolean(true),
                "false" | "no" | "n" | "off" | "0" => T::Boolean(false),
                _ => return None,
            },
            QuestionKind::Text => match given {
                T::Integer(_) | T::Float(_) | T::Boolean(_) => T::String(given.to_string()),
                _ => return None,
            },
        };
        // Only a fix that the question accepts is worth offering.
        (&found != given && self.accept_toml(&found).is_ok()).then_some(found)
    }
}

/// The longest text answer or fill-in value: a contact, a URL, a paragraph.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Refuses values longer than `MAX_VALUE_BYTES`, control characters (they
/// steer terminals and break files) and, unless the catalog declared the
/// value multi-line, line breaks: a value that lands in a YAML key or a
/// workflow must not be able to start a line.
pub fn check_value(s: &str, multiline: bool) -> Result<(), String> {
    if s.len() > MAX_VALUE_BYTES {
        return Err(format!(
            "the value is {} bytes long, over the limit of {} bytes",
            s.len(),
            MAX_VALUE_BYTES
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|&c| crate::text::is_terminal_control(c) && !(multiline && c == '\r'))
    {
        return Err(format!(
            "the value holds the control character {}, which is not allowed",
            c.escape_unicode()
        ));
    }
    // U+2028 and U+2029 are line breaks to YAML 1.1 parsers and to editors.
    if !multiline && s.contains(['\n', '\u{2028}', '\u{2029}']) {
        return Err("the value holds a line break; this value must be a single line".into());
    }
    Ok(())
}

/// The pattern as the catalog author wrote it, without the anchors ispo adds.
/// A whole number as people write it: `2000`, `-3`, or with its thousands
/// grouped by `,` or a space (also a no-break or thin space), one separator
/// kind and groups of three (`2,000`, `2 000 000`); `2,5` and `20,00` are
/// refused, since they may be meant as decimals. `_` may stand between any
/// two digits, as in TOML (`10_000`).
pub fn whole_number(raw: &str) -> Option<i64> {
    let (sign, digits) = match raw.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", raw.strip_prefix('+').unwrap_or(raw)),
    };
    let separators = [',', ' ', '\u{a0}', '\u{202f}', '\u{2009}', '_'];
    let used: Vec<char> = separators
        .into_iter()
        .filter(|c| digits.contains(*c))
        .collect();
    let plain = match used.as_slice() {
        [] => digits.to_string(),
        // `_` as TOML and Rust allow it: anywhere between two digits.
        ['_'] => {
            if digits.split('_').any(str::is_empty) {
                return None;
            }
            digits.replace('_', "")
        }
        [sep] => {
            let groups: Vec<&str> = digits.split(*sep).collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
            if !first_ok || !rest_ok {
                return None;
            }
            groups.concat()
        }
        _ => return None,
    };
    if plain.is_empty() || !plain.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    format!("{sign}{plain}").parse().ok()
}

/// What a prompt asks for, in words: `What is your company called?` gives
/// "Please enter what your company is called", `Company name?` "Please
/// enter the company name".
pub fn needed(prompt: &str) -> String {
    let p = prompt.trim().trim_end_matches(['?', ':', '.']).trim();
    if let Some(rest) = p
        .strip_prefix("What is ")
        .or_else(|| p.strip_prefix("What's "))
    {
        return match rest.strip_suffix(" called") {
            Some(subject) => format!("Please enter what {subject} is called"),
            None => format!("Please enter {rest}"),
        };
    }
    if let Some(rest) = p.strip_prefix("What are ") {
        return format!("Please enter {rest}");
    }
    let mut chars = p.chars();
    let lowered: String = match (chars.next(), p.chars().nth(1)) {
        // An acronym (ISPO, URL) keeps its case.
        (Some(_), Some(second)) if second.is_uppercase() => p.to_string(),
        (Some(first), _) => first.to_lowercase().chain(chars).collect(),
        _ => return "Please enter an answer".to_string(),
    };
    let question_word = ["how ", "which ", "who ", "where ", "when ", "what "]
        .iter()
        .any(|w| lowered.starts_with(w));
    if question_word {
        format!("Please enter {lowered}")
    } else {
        format!("Please enter the {lowered}")
    }
}

fn pattern_source(re: &Regex) -> &str {
    let s = re.as_str();
    s.strip_prefix("^(?:")
        .and_then(|s| s.strip_suffix(")$"))
        .unwrap_or(s)
}

/// Compiles a text pattern so that it must match the whole answer.
pub fn compile_pattern(p: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{p})$")).map_err(|e| format!("invalid pattern: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind) -> Question {
        Question {
            id: "q".into(),
            kind,
            prompt: "Q?".into(),
            help: None,
            default: None,
            when: None,
            choices: ["a", "b"]
                .iter()
                .map(|v| Choice {
                    value: v.to_string(),
                    label: v.to_uppercase(),
                    help: None,
                    renamed_from: Vec::new(),
                })
                .collect(),
            preset: None,
            pattern: None,
            pattern_message: None,
            min: Some(1),
            max: Some(10),
            multiline: false,
        }
    }

    #[test]
    fn strings_and_toml_follow_the_same_rules() {
        let choice = q(QuestionKind::Choice);
        assert_eq!(choice.accept_str("a").unwrap(), Answer::Choice("a".into()));
        let err = choice.accept_str("c").unwrap_err();
        assert_eq!(err, "`c` is not one of the allowed values: a, b");
        assert_eq!(
            choice
                .accept_toml(&toml::Value::String("c".into()))
                .unwrap_err(),
            err
        );

        let int = q(QuestionKind::Integer);
        assert_eq!(int.accept_str("1_0").unwrap(), Answer::Int(10));
        assert!(int
            .accept_str("11")
            .unwrap_err()
            .contains("above the maximum 10"));
        assert!(int
            .accept_toml(&toml::Value::Integer(0))
            .unwrap_err()
            .contains("below the minimum 1"));
        assert!(int
            .accept_toml(&toml::Value::String("3".into()))
            .unwrap_err()
            .contains("expected an integer, found string"));

        let multi = q(QuestionKind::Multi);
        assert_eq!(
            multi.accept_str("a, b").unwrap(),
            Answer::Multi(vec!["a".into(), "b".into()])
        );
        assert!(multi
            .accept_str("a,a")
            .unwrap_err()
            .contains("listed twice"));
        assert!(multi.accept_str("").unwrap_err().contains("at least 1"));

        let b = q(QuestionKind::Bool);
        assert_eq!(b.accept_str("Yes").unwrap(), Answer::Bool(true));
        assert!(b.accept_str("maybe").is_err());
    }

    #[test]
    fn patterns_must_match_the_whole_text() {
        let mut t = q(QuestionKind::Text);
        t.pattern = Some(compile_pattern("[a-z]+").unwrap());
        assert!(t.accept_str("abc").is_ok());
        assert_eq!(
            t.accept_str("abc1").unwrap_err(),
            "`abc1` does not match the pattern `[a-z]+`"
        );
    }

    #[test]
    fn refusals_speak_of_what_is_needed() {
        let mut t = q(QuestionKind::Text);
        t.prompt = "What is your company called?".into();
        t.pattern = Some(compile_pattern(r"\S.*").unwrap());
        assert_eq!(
            t.accept_str("").unwrap_err(),
            "Please enter what your company is called (an answer is needed)"
        );
        assert_eq!(
            t.accept_str(" Acme").unwrap_err(),
            "` Acme` does not match the pattern `\\S.*`"
        );
        t.pattern_message = Some("start with a letter, not a space".into());
        assert_eq!(
            t.accept_str(" Acme").unwrap_err(),
            "` Acme`: start with a letter, not a space"
        );
        assert_eq!(needed("Company name?"), "Please enter the company name");
        assert_eq!(needed("ISPO email:"), "Please enter the ISPO email");
        assert_eq!(
            needed("How many engineers?"),
            "Please enter how many engineers"
        );
        assert_eq!(needed("What is the chat URL?"), "Please enter the chat URL");
    }

    #[test]
    fn whole_numbers_as_people_write_them() {
        for (raw, n) in [
            ("2000", 2000),
            ("2,000", 2000),
            ("2 000", 2000),
            ("2\u{a0}000", 2000),
            ("2_000", 2000),
            ("1_0", 10),
            ("1,234,567", 1_234_567),
            ("-1,000", -1000),
            ("+7", 7),
        ] {
            assert_eq!(whole_number(raw), Some(n), "{raw}");
        }
        for raw in [
            "2,5",
            "20,00",
            "2,000 000",
            "1,0000",
            ",000",
            "lots",
            "",
            "2.000",
            "-",
        ] {
            assert_eq!(whole_number(raw), None, "{raw}");
        }
        let i = Question {
            min: None,
            max: None,
            ..q(QuestionKind::Integer)
        };
        assert_eq!(i.accept_str(" 2,000 ").unwrap(), Answer::Int(2000));
        assert_eq!(
            i.accept_str("2,5").unwrap_err(),
            "`2,5` is not a whole number (digits, as in 2000, 2,000 or 2 000)"
        );
    }
}
