//! Typed answer values and the kinds of question they answer: the words
//! conditions, questions and templates share, below all of them.

use std::fmt;

use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    Text,
    Bool,
    Integer,
    Choice,
    Multi,
}

impl QuestionKind {
    pub fn parse(s: &str) -> Option<QuestionKind> {
        Some(match s {
            "text" => QuestionKind::Text,
            "bool" => QuestionKind::Bool,
            "integer" => QuestionKind::Integer,
            "choice" => QuestionKind::Choice,
            "multi" => QuestionKind::Multi,
            _ => return None,
        })
    }

    /// "a text", "an integer": for messages.
    pub fn with_article(self) -> String {
        let name = self.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
    }

    pub fn name(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::Bool => "bool",
            QuestionKind::Integer => "integer",
            QuestionKind::Choice => "choice",
            QuestionKind::Multi => "multi",
        }
    }
}

/// One answer, typed by its question.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Text(String),
    Bool(bool),
    Int(i64),
    Choice(String),
    Multi(Vec<String>),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Text(s) => write!(f, "{s:?}"),
            Answer::Bool(b) => write!(f, "{b}"),
            Answer::Int(i) => write!(f, "{i}"),
            Answer::Choice(c) => write!(f, "{c}"),
            Answer::Multi(items) => write!(f, "[{}]", items.join(", ")),
        }
    }
}

impl Answer {
    pub fn to_json(&self) -> Json {
        match self {
            Answer::Text(s) | Answer::Choice(s) => Json::String(s.clone()),
            Answer::Bool(b) => Json::Bool(*b),
            Answer::Int(i) => Json::from(*i),
            Answer::Multi(items) => {
                Json::Array(items.iter().map(|s| Json::String(s.clone())).collect())
            }
        }
    }

    pub fn to_toml(&self) -> toml::Value {
        match self {
            Answer::Text(s) | Answer::Choice(s) => toml::Value::String(s.clone()),
            Answer::Bool(b) => toml::Value::Boolean(*b),
            Answer::Int(i) => toml::Value::Integer(*i),
            Answer::Multi(items) => toml::Value::Array(
                items
                    .iter()
                    .map(|s| toml::Value::String(s.clone()))
                    .collect(),
            ),
        }
    }
}
