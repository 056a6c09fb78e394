//! The applicability-condition language: parse, check against questions, evaluate, explain.
//!
//! Conditions are short strings such as
//! `forge in [github_cloud, github_ghes] and not (stage == exploring)`.
//! They are data, not code: the grammar has comparisons, set membership,
//! multi-select `contains`, `and`/`or`/`not`, `all(..)`/`any(..)` and parentheses,
//! nothing else. Every leaf keeps its source span so that lint errors and
//! `ispo explain` can point at the exact clause.
//!
//! ```text
//! expr    := or
//! or      := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | primary
//! primary := "(" expr ")" | ("all" | "any") "(" expr ("," expr)* ")"
//!          | "true" | "false" | IDENT [cmp]
//! cmp     := ("==" | "!=" | "<" | "<=" | ">" | ">=") value
//!          | ["not"] "in" "[" value ("," value)* "]" | "contains" value
//! value   := "quoted string" | integer | true | false | bare_word
//! ```

use std::fmt;

use crate::value::{Answer, QuestionKind};

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Str(s) => write!(f, "{s}"),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Const(bool),
    /// A bare boolean question id.
    Truthy(String),
    Cmp(String, Op, Lit),
    In(String, bool, Vec<Lit>),
    Contains(String, Lit),
    Not(Box<Expr>),
    All(Vec<Expr>),
    Any(Vec<Expr>),
}

/// A parsed condition node with its byte span in the source string.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub node: Node,
    pub span: (usize, usize),
}

/// A parsed condition together with its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub source: String,
    pub root: Expr,
}

/// A syntax or checking error at a byte offset in the condition string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondError {
    pub offset: usize,
    pub message: String,
}

/// What a question looks like to the checker.
#[derive(Debug, Clone)]
pub struct QuestionShape {
    pub kind: QuestionKind,
    pub choices: Vec<String>,
}

/// The evaluation of one node, for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub text: String,
    pub result: bool,
    /// For leaves: the answer the clause looked at, e.g. `stage = piloting`.
    pub actual: Option<String>,
    pub children: Vec<Trace>,
    /// For leaves: the clause itself, for explanations in words.
    pub clause: Option<Node>,
    kind: TraceKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TraceKind {
    Leaf,
    Not,
    All,
    Any,
}

impl Condition {
    pub fn parse(source: &str) -> Result<Condition, CondError> {
        let tokens = lex(source)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            len: source.len(),
            depth: 0,
        };
        let root = p.expr()?;
        if let Some(t) = p.peek() {
            return Err(CondError {
                offset: t.start,
                message: format!("unexpected `{}` after the end of the condition", t.text),
            });
        }
        Ok(Condition {
            source: source.to_string(),
            root,
        })
    }

    /// Checks every clause against the declared questions; returns all problems.
    pub fn check(&self, lookup: &dyn Fn(&str) -> Option<QuestionShape>) -> Vec<CondError> {
        let mut errors = Vec::new();
        check_expr(&self.root, lookup, &mut errors);
        errors
    }

    /// Question ids this condition reads.
    pub fn questions(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_questions(&self.root, &mut out);
        out
    }

    pub fn eval(&self, answers: &dyn Fn(&str) -> Option<Answer>) -> bool {
        eval(&self.root, answers)
    }

    pub fn trace(&self, answers: &dyn Fn(&str) -> Option<Answer>) -> Trace {
        trace(&self.root, &self.source, answers)
    }
}

impl Trace {
    /// The leaves that decided the result: for a false `and`, the first false
    /// part; for a true `or`, the first true part; otherwise all parts.
    pub fn decisive(&self) -> Vec<&Trace> {
        self.decisive_negated(false)
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    /// The decisive leaves, each with whether it sits under an odd number
    /// of `not`s (so its clause counts the other way round).
    pub fn decisive_negated(&self, negated: bool) -> Vec<(&Trace, bool)> {
        match self.kind {
            TraceKind::Leaf => vec![(self, negated)],
            TraceKind::Not => self
                .children
                .iter()
                .flat_map(|c| c.decisive_negated(!negated))
                .collect(),
            TraceKind::All if !self.result => self
                .children
                .iter()
                .find(|c| !c.result)
                .map(|c| c.decisive_negated(negated))
                .unwrap_or_default(),
            TraceKind::Any if self.result => self
                .children
                .iter()
                .find(|c| c.result)
                .map(|c| c.decisive_negated(negated))
                .unwrap_or_default(),
            _ => self
                .children
                .iter()
                .flat_map(|c| c.decisive_negated(negated))
                .collect(),
        }
    }

    /// One line per node, indented, with a mark for its result.
    pub fn render_tree(&self, indent: usize, out: &mut String) {
        let mark = if self.result { "true " } else { "false" };
        let label = match self.kind {
            TraceKind::Leaf => self.text.clone(),
            TraceKind::Not => "not".to_string(),
            TraceKind::All => "all of".to_string(),
            TraceKind::Any => "any of".to_string(),
        };
        out.push_str(&format!("{}{mark}  {label}", "  ".repeat(indent)));
        if let Some(a) = &self.actual {
            out.push_str(&format!("   ({a})"));
        }
        out.push('\n');
        for c in &self.children {
            c.render_tree(indent + 1, out);
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    text: String,
    start: usize,
    kind: Tok,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word,
    Str(String),
    Sym,
}

fn lex(src: &str) -> Result<Vec<Token>, CondError> {
    let mut tokens = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c == b'"' || c == b'\'' {
            let quote = c;
            i += 1;
            let mut value = String::new();
            loop {
                match src[i..].chars().next() {
                    None => {
                        return Err(CondError {
                            offset: start,
                            message: "unterminated string".into(),
                        })
                    }
                    Some(ch) if ch as u32 == quote as u32 => {
                        i += 1;
                        break;
                    }
                    Some('\\') if i + 1 < bytes.len() => {
                        let next = src[i + 1..].chars().next().unwrap_or('\\');
                        value.push(next);
                        i += 1 + next.len_utf8();
                    }
                    Some(ch) => {
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            tokens.push(Token {
                text: src[start..i].to_string(),
                start,
                kind: Tok::Str(value),
            });
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-' | b'.'))
            {
                i += 1;
            }
            tokens.push(Token {
                text: src[start..i].to_string(),
                start,
                kind: Tok::Word,
            });
            continue;
        }
        let two = src.get(i..i + 2).unwrap_or("");
        let sym = match two {
            "==" | "!=" | "<=" | ">=" | "&&" | "||" => two,
            _ => match c {
                b'<' | b'>' | b'(' | b')' | b'[' | b']' | b',' | b'!' => &src[i..i + 1],
                _ => {
                    let ch = src[i..].chars().next().unwrap_or('?');
                    return Err(CondError {
                        offset: start,
                        message: format!("unexpected character `{ch}`"),
                    });
                }
            },
        };
        i += sym.len();
        tokens.push(Token {
            text: sym.to_string(),
            start,
            kind: Tok::Sym,
        });
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    len: usize,
    /// How deeply `not`, `(` and `all(`/`any(` are nested here.
    depth: usize,
}

/// Deeper nesting is refused: the parser, evaluation and tracing recurse,
/// and a catalog must not be able to overflow ispo's stack.
const MAX_DEPTH: usize = 32;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_is(&self, text: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.text == text && !matches!(t.kind, Tok::Str(_)))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn end_of_last(&self) -> usize {
        self.tokens
            .get(self.pos.saturating_sub(1))
            .map_or(0, |t| t.start + t.text.len())
    }

    fn error_here(&self, expected: &str) -> CondError {
        match self.peek() {
            Some(t) => CondError {
                offset: t.start,
                message: format!("expected {expected}, found `{}`", t.text),
            },
            None => CondError {
                offset: self.len,
                message: format!("expected {expected}, found the end of the condition"),
            },
        }
    }

    fn expect(&mut self, text: &str) -> Result<Token, CondError> {
        if self.peek_is(text) {
            Ok(self.next().expect("peeked"))
        } else {
            Err(self.error_here(&format!("`{text}`")))
        }
    }

    fn expr(&mut self) -> Result<Expr, CondError> {
        let first = self.and()?;
        let start = first.span.0;
        let mut parts = vec![first];
        while self.peek_is("or") || self.peek_is("||") {
            self.next();
            parts.push(self.and()?);
        }
        Ok(self.combine(parts, start, Node::Any))
    }

    fn and(&mut self) -> Result<Expr, CondError> {
        let first = self.unary()?;
        let start = first.span.0;
        let mut parts = vec![first];
        while self.peek_is("and") || self.peek_is("&&") {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(self.combine(parts, start, Node::All))
    }

    fn combine(&self, mut parts: Vec<Expr>, start: usize, make: fn(Vec<Expr>) -> Node) -> Expr {
        if parts.len() == 1 {
            return parts.pop().expect("one part");
        }
        let end = parts.last().map_or(start, |p| p.span.1);
        Expr {
            node: make(parts),
            span: (start, end),
        }
    }

    fn unary(&mut self) -> Result<Expr, CondError> {
        if self.depth >= MAX_DEPTH {
            return Err(CondError {
                offset: self.peek().map_or(self.len, |t| t.start),
                message: format!(
                    "the condition nests `not` and parentheses more than {MAX_DEPTH} levels deep"
                ),
            });
        }
        self.depth += 1;
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }

    fn unary_inner(&mut self) -> Result<Expr, CondError> {
        if self.peek_is("not") || self.peek_is("!") {
            let t = self.next().expect("peeked");
            let inner = self.unary()?;
            let end = inner.span.1;
            return Ok(Expr {
                node: Node::Not(Box::new(inner)),
                span: (t.start, end),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, CondError> {
        let Some(t) = self.next() else {
            return Err(self.error_here("a condition"));
        };
        if t.kind == Tok::Sym && t.text == "(" {
            let inner = self.expr()?;
            self.expect(")")?;
            return Ok(Expr {
                node: inner.node,
                span: (t.start, self.end_of_last()),
            });
        }
        if t.kind != Tok::Word {
            self.pos -= 1;
            return Err(self.error_here("a question id, `not` or `(`"));
        }
        if (t.text == "all" || t.text == "any") && self.peek_is("(") {
            self.next();
            let mut parts = vec![self.expr()?];
            while self.peek_is(",") {
                self.next();
                parts.push(self.expr()?);
            }
            self.expect(")")?;
            let span = (t.start, self.end_of_last());
            let node = if t.text == "all" {
                Node::All(parts)
            } else {
                Node::Any(parts)
            };
            return Ok(Expr { node, span });
        }
        if t.text == "true" || t.text == "false" {
            return Ok(Expr {
                node: Node::Const(t.text == "true"),
                span: (t.start, t.start + t.text.len()),
            });
        }
        if !is_ident(&t.text) {
            return Err(CondError {
                offset: t.start,
                message: format!("`{}` is not a question id", t.text),
            });
        }
        let q = t.text.clone();
        let op = match self.peek().map(|t| t.text.as_str()) {
            Some("==") => Some(Op::Eq),
            Some("!=") => Some(Op::Ne),
            Some("<") => Some(Op::Lt),
            Some("<=") => Some(Op::Le),
            Some(">") => Some(Op::Gt),
            Some(">=") => Some(Op::Ge),
            _ => None,
        };
        let node = if let Some(op) = op {
            self.next();
            Node::Cmp(q, op, self.value()?)
        } else if self.peek_is("in") {
            self.next();
            Node::In(q, false, self.list()?)
        } else if self.peek_is("not")
            && self
                .tokens
                .get(self.pos + 1)
                .is_some_and(|t| t.text == "in")
        {
            self.pos += 2;
            Node::In(q, true, self.list()?)
        } else if self.peek_is("contains") {
            self.next();
            Node::Contains(q, self.value()?)
        } else {
            Node::Truthy(q)
        };
        Ok(Expr {
            node,
            span: (t.start, self.end_of_last()),
        })
    }

    fn list(&mut self) -> Result<Vec<Lit>, CondError> {
        self.expect("[")?;
        let mut values = vec![self.value()?];
        while self.peek_is(",") {
            self.next();
            if self.peek_is("]") {
                break;
            }
            values.push(self.value()?);
        }
        self.expect("]")?;
        Ok(values)
    }

    fn value(&mut self) -> Result<Lit, CondError> {
        match self.peek().cloned() {
            Some(Token {
                kind: Tok::Str(s), ..
            }) => {
                self.next();
                Ok(Lit::Str(s))
            }
            Some(Token {
                kind: Tok::Word,
                text,
                ..
            }) => {
                self.next();
                Ok(match text.as_str() {
                    "true" => Lit::Bool(true),
                    "false" => Lit::Bool(false),
                    _ => match text.parse::<i64>() {
                        Ok(i) => Lit::Int(i),
                        Err(_) => Lit::Str(text),
                    },
                })
            }
            _ => Err(self.error_here("a value")),
        }
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn collect_questions(e: &Expr, out: &mut Vec<String>) {
    match &e.node {
        Node::Const(_) => {}
        Node::Truthy(q) | Node::Cmp(q, ..) | Node::In(q, ..) | Node::Contains(q, _) => {
            if !out.contains(q) {
                out.push(q.clone());
            }
        }
        Node::Not(inner) => collect_questions(inner, out),
        Node::All(parts) | Node::Any(parts) => parts.iter().for_each(|p| collect_questions(p, out)),
    }
}

fn check_expr(
    e: &Expr,
    lookup: &dyn Fn(&str) -> Option<QuestionShape>,
    errors: &mut Vec<CondError>,
) {
    let err = |errors: &mut Vec<CondError>, message: String| {
        errors.push(CondError {
            offset: e.span.0,
            message,
        })
    };
    let shape = |q: &str, errors: &mut Vec<CondError>| {
        let s = lookup(q);
        if s.is_none() {
            errors.push(CondError {
                offset: e.span.0,
                message: format!("unknown question `{q}`"),
            });
        }
        s
    };
    let check_value = |q: &str, s: &QuestionShape, v: &Lit, errors: &mut Vec<CondError>| {
        let ok = match (s.kind, v) {
            (QuestionKind::Bool, Lit::Bool(_))
            | (QuestionKind::Integer, Lit::Int(_))
            | (QuestionKind::Text, Lit::Str(_)) => true,
            (QuestionKind::Choice | QuestionKind::Multi, Lit::Str(c)) => {
                if !s.choices.iter().any(|x| x == c) {
                    errors.push(CondError {
                        offset: e.span.0,
                        message: format!(
                            "`{c}` is not a choice of question `{q}` (choices: {})",
                            s.choices.join(", ")
                        ),
                    });
                }
                true
            }
            (QuestionKind::Text, Lit::Int(_)) => true,
            _ => false,
        };
        if !ok {
            errors.push(CondError {
                offset: e.span.0,
                message: format!(
                    "`{v}` cannot be compared with `{q}`, {} question",
                    s.kind.with_article()
                ),
            });
        }
    };
    match &e.node {
        Node::Const(_) => {}
        Node::Truthy(q) => {
            if let Some(s) = shape(q, errors) {
                if s.kind != QuestionKind::Bool {
                    err(
                        errors,
                        format!("`{q}` is {} question; compare it (`{q} == ...`) instead of using it alone", s.kind.with_article()),
                    );
                }
            }
        }
        Node::Cmp(q, op, v) => {
            if let Some(s) = shape(q, errors) {
                match (op, s.kind) {
                    (_, QuestionKind::Multi) => err(
                        errors,
                        format!("`{q}` is a multiple-choice question; use `{q} contains <choice>`"),
                    ),
                    (Op::Eq | Op::Ne, _) => check_value(q, &s, v, errors),
                    (_, QuestionKind::Integer) => check_value(q, &s, v, errors),
                    _ => err(
                        errors,
                        format!(
                            "`<`, `<=`, `>`, `>=` need an integer question; `{q}` is {} question",
                            s.kind.with_article()
                        ),
                    ),
                }
            }
        }
        Node::In(q, _, values) => {
            if let Some(s) = shape(q, errors) {
                if matches!(s.kind, QuestionKind::Multi | QuestionKind::Bool) {
                    err(
                        errors,
                        format!(
                            "`in` does not apply to `{q}`, {} question",
                            s.kind.with_article()
                        ),
                    );
                } else {
                    values.iter().for_each(|v| check_value(q, &s, v, errors));
                }
            }
        }
        Node::Contains(q, v) => {
            if let Some(s) = shape(q, errors) {
                if s.kind != QuestionKind::Multi {
                    err(
                        errors,
                        format!(
                            "`contains` needs a multiple-choice question; `{q}` is {} question",
                            s.kind.with_article()
                        ),
                    );
                } else {
                    check_value(q, &s, v, errors);
                }
            }
        }
        Node::Not(inner) => check_expr(inner, lookup, errors),
        Node::All(parts) | Node::Any(parts) => {
            parts.iter().for_each(|p| check_expr(p, lookup, errors))
        }
    }
}

fn lit_matches(answer: &Answer, lit: &Lit) -> bool {
    match (answer, lit) {
        (Answer::Bool(a), Lit::Bool(b)) => a == b,
        (Answer::Int(a), Lit::Int(b)) => a == b,
        (Answer::Text(a), Lit::Str(b)) | (Answer::Choice(a), Lit::Str(b)) => a == b,
        (Answer::Text(a), Lit::Int(b)) => a == &b.to_string(),
        _ => false,
    }
}

/// Evaluates a leaf. An unanswered (or skipped) question makes every leaf
/// false, whatever its operator; `not` around such a leaf is therefore true.
fn eval_leaf(node: &Node, answers: &dyn Fn(&str) -> Option<Answer>) -> bool {
    match node {
        Node::Const(b) => *b,
        Node::Truthy(q) => matches!(answers(q), Some(Answer::Bool(true))),
        Node::Cmp(q, op, lit) => match answers(q) {
            None => false,
            Some(a) => match op {
                Op::Eq => lit_matches(&a, lit),
                Op::Ne => !lit_matches(&a, lit),
                _ => match (&a, lit) {
                    (Answer::Int(a), Lit::Int(b)) => match op {
                        Op::Lt => a < b,
                        Op::Le => a <= b,
                        Op::Gt => a > b,
                        Op::Ge => a >= b,
                        Op::Eq | Op::Ne => unreachable!("handled above"),
                    },
                    _ => false,
                },
            },
        },
        Node::In(q, negated, values) => match answers(q) {
            None => false,
            Some(a) => values.iter().any(|v| lit_matches(&a, v)) != *negated,
        },
        Node::Contains(q, lit) => match (answers(q), lit) {
            (Some(Answer::Multi(items)), Lit::Str(s)) => items.iter().any(|i| i == s),
            _ => false,
        },
        Node::Not(_) | Node::All(_) | Node::Any(_) => unreachable!("not a leaf"),
    }
}

fn eval(e: &Expr, answers: &dyn Fn(&str) -> Option<Answer>) -> bool {
    match &e.node {
        Node::Not(inner) => !eval(inner, answers),
        Node::All(parts) => parts.iter().all(|p| eval(p, answers)),
        Node::Any(parts) => parts.iter().any(|p| eval(p, answers)),
        leaf => eval_leaf(leaf, answers),
    }
}

fn trace(e: &Expr, src: &str, answers: &dyn Fn(&str) -> Option<Answer>) -> Trace {
    let text = src[e.span.0..e.span.1].to_string();
    match &e.node {
        Node::Not(inner) => {
            let child = trace(inner, src, answers);
            Trace {
                text,
                result: !child.result,
                actual: None,
                children: vec![child],
                clause: None,
                kind: TraceKind::Not,
            }
        }
        Node::All(parts) | Node::Any(parts) => {
            let children: Vec<Trace> = parts.iter().map(|p| trace(p, src, answers)).collect();
            let all = matches!(e.node, Node::All(_));
            let result = if all {
                children.iter().all(|c| c.result)
            } else {
                children.iter().any(|c| c.result)
            };
            Trace {
                text,
                result,
                actual: None,
                children,
                clause: None,
                kind: if all { TraceKind::All } else { TraceKind::Any },
            }
        }
        leaf => {
            let actual = match leaf {
                Node::Truthy(q) | Node::Cmp(q, ..) | Node::In(q, ..) | Node::Contains(q, _) => {
                    Some(match answers(q) {
                        Some(a) => format!("{q} = {a}"),
                        None => format!("{q} is not answered"),
                    })
                }
                _ => None,
            };
            Trace {
                text,
                result: eval_leaf(leaf, answers),
                actual,
                children: Vec::new(),
                clause: Some(leaf.clone()),
                kind: TraceKind::Leaf,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn answers() -> BTreeMap<&'static str, Answer> {
        BTreeMap::from([
            ("forge", Answer::Choice("github_cloud".into())),
            ("engineers", Answer::Int(2500)),
            ("regulated", Answer::Bool(false)),
            (
                "audiences",
                Answer::Multi(vec!["developers".into(), "executives".into()]),
            ),
            ("company_name", Answer::Text("Acme".into())),
        ])
    }

    fn eval_str(s: &str) -> bool {
        let a = answers();
        Condition::parse(s).unwrap().eval(&|q| a.get(q).cloned())
    }

    #[test]
    fn evaluates_every_operator() {
        assert!(eval_str("forge == github_cloud"));
        assert!(eval_str("forge == \"github_cloud\""));
        assert!(!eval_str("forge != github_cloud"));
        assert!(eval_str("forge in [gitlab_saas, github_cloud]"));
        assert!(eval_str("forge not in [gitlab_saas]"));
        assert!(eval_str(
            "engineers >= 2500 and engineers > 2000 and engineers < 3000 and engineers <= 2500"
        ));
        assert!(!eval_str("regulated"));
        assert!(eval_str("not regulated"));
        assert!(eval_str("audiences contains developers"));
        assert!(!eval_str("audiences contains managers"));
        assert!(eval_str("any(regulated, forge == github_cloud)"));
        assert!(!eval_str("all(regulated, forge == github_cloud)"));
        assert!(eval_str("regulated or (engineers > 10 && !regulated)"));
        assert!(eval_str("company_name == 'Acme'"));
        assert!(eval_str("true") && !eval_str("false"));
    }

    #[test]
    fn unanswered_questions_make_leaves_false() {
        assert!(!eval_str("stage == piloting"));
        assert!(!eval_str("stage != piloting"));
        assert!(!eval_str("stage not in [piloting]"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let ok = format!("{}engineers > 5{}", "(".repeat(30), ")".repeat(30));
        assert!(Condition::parse(&ok).is_ok());
        let deep = format!("{}engineers > 5{}", "(".repeat(40), ")".repeat(40));
        let e = Condition::parse(&deep).unwrap_err();
        assert!(
            e.message.contains("more than 32 levels deep"),
            "{}",
            e.message
        );
        assert!(Condition::parse(&"not ".repeat(100_000)).is_err());
        // The input cargo-fuzz found (an ASan stack overflow), kept as a regression.
        let found = include_bytes!("regressions/condition-stack-overflow");
        let e = Condition::parse(std::str::from_utf8(found).unwrap()).unwrap_err();
        assert!(e.offset <= found.len());
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let c = Condition::parse("regulated and regulated or engineers > 1").unwrap();
        assert!(matches!(c.root.node, Node::Any(_)));
    }

    #[test]
    fn syntax_errors_point_at_the_offending_token() {
        let e = Condition::parse("forge == ").unwrap_err();
        assert_eq!(e.offset, 9);
        assert!(e.message.contains("expected a value"), "{}", e.message);
        let e = Condition::parse("forge in [a, b").unwrap_err();
        assert!(e.message.contains("`]`"), "{}", e.message);
        let e = Condition::parse("forge == a b").unwrap_err();
        assert_eq!(e.offset, 11);
        let e = Condition::parse("forge = a").unwrap_err();
        assert!(
            e.message.contains("unexpected character `=`"),
            "{}",
            e.message
        );
        let e = Condition::parse("Forge == a").unwrap_err();
        assert!(e.message.contains("not a question id"), "{}", e.message);
    }

    #[test]
    fn checks_against_declared_questions() {
        let lookup = |q: &str| -> Option<QuestionShape> {
            match q {
                "forge" => Some(QuestionShape {
                    kind: QuestionKind::Choice,
                    choices: vec!["github_cloud".into(), "gitlab_saas".into()],
                }),
                "engineers" => Some(QuestionShape {
                    kind: QuestionKind::Integer,
                    choices: vec![],
                }),
                "audiences" => Some(QuestionShape {
                    kind: QuestionKind::Multi,
                    choices: vec!["developers".into()],
                }),
                _ => None,
            }
        };
        let errs = |s: &str| Condition::parse(s).unwrap().check(&lookup);
        assert!(
            errs("forge == github_cloud and engineers > 3 and audiences contains developers")
                .is_empty()
        );
        assert!(errs("size == big")[0]
            .message
            .contains("unknown question `size`"));
        assert!(errs("forge == bitbucket")[0]
            .message
            .contains("not a choice of question `forge`"));
        assert!(errs("forge > 3")[0]
            .message
            .contains("need an integer question"));
        assert!(errs("audiences == developers")[0]
            .message
            .contains("contains"));
        assert!(errs("engineers contains 3")[0]
            .message
            .contains("multiple-choice"));
        assert!(errs("forge")[0].message.contains("compare it"));
        let e = &errs("engineers > 3 or forge in [github_cloud, nope]")[0];
        assert_eq!(e.offset, 17);
    }

    #[test]
    fn trace_names_the_deciding_clause() {
        let a = answers();
        let c =
            Condition::parse("forge == github_cloud and engineers < 100 and regulated").unwrap();
        let t = c.trace(&|q| a.get(q).cloned());
        assert!(!t.result);
        let d = t.decisive();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "engineers < 100");
        assert_eq!(d[0].actual.as_deref(), Some("engineers = 2500"));
        let c = Condition::parse("regulated or audiences contains executives").unwrap();
        let t = c.trace(&|q| a.get(q).cloned());
        assert_eq!(t.decisive()[0].text, "audiences contains executives");
    }
}
