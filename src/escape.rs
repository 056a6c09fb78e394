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

thread_local! {
    static CAPTURED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
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
        Some(values) => {
            values.push(value.replace([OPEN, CLOSE], ""));
            format!("{OPEN}{}{CLOSE}", values.len() - 1)
        }
        None => value.to_string(),
    })
}

/// Runs `f` (one template render) with value capture on; returns its result
/// and the values it placed, in sentinel order.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    CAPTURED.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let out = f();
    let values = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (out, values)
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
        Syntax::Text => Ok(substitute(rendered, values, |v, _| Ok(v.to_string()))),
        Syntax::Html => Ok(substitute(rendered, values, |v, _| Ok(html(v)))),
        Syntax::Json => json::place(rendered, values),
        Syntax::Yaml { github_workflow } => yaml::place(rendered, values, github_workflow),
    }
}

/// Plain substitution, for syntaxes where the spot does not matter.
fn substitute(
    text: &str,
    values: &[String],
    mut f: impl FnMut(&str, usize) -> Result<String, Unplaceable>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, index, after)) = next_sentinel(rest) {
        out.push_str(before);
        match values.get(index) {
            Some(v) => out.push_str(&f(v, index).unwrap_or_default()),
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
            if in_string {
                out.push_str(&json_body(v));
            } else if is_json_literal(v) {
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

    pub fn place(text: &str, values: &[String], workflow: bool) -> Result<String, Unplaceable> {
        let mut out = String::with_capacity(text.len());
        let mut quote = Quote::None;
        // Indentation of the line that opened a block scalar still running.
        let mut block: Option<usize> = None;
        let mut line_no = 0;
        for line in text.split_inclusive('\n') {
            line_no += 1;
            let indent = line.len() - line.trim_start_matches(' ').len();
            let blank = line.trim().is_empty();
            if let Some(opened) = block {
                if blank || indent > opened {
                    out.push_str(&substitute(line, values, |v, _| {
                        Ok(
                            prepare(v, workflow)
                                .replace('\n', &format!("\n{}", " ".repeat(indent))),
                        )
                    }));
                    continue;
                }
                block = None;
            }
            let (placed, next_quote, opens_block) =
                place_line(line, values, quote, workflow, line_no)?;
            out.push_str(&placed);
            quote = next_quote;
            if opens_block && quote == Quote::None {
                block = Some(indent);
            }
        }
        Ok(out)
    }

    /// A value as GitHub must see it: `${{` would start an expression, so it
    /// becomes an expression that yields the literal text.
    fn prepare(v: &str, workflow: bool) -> String {
        if workflow {
            v.replace("${{", "${{ '${{' }}")
        } else {
            v.to_string()
        }
    }

    /// One line: returns it with values placed, the quote state at its end,
    /// and whether it opens a block scalar.
    fn place_line(
        line: &str,
        values: &[String],
        mut quote: Quote,
        workflow: bool,
        line_no: usize,
    ) -> Result<(String, Quote, bool), Unplaceable> {
        let mut out = String::with_capacity(line.len());
        let mut comment = false;
        // The last significant character outside quotes, to tell where a
        // scalar starts ('\0' at the start of the line).
        let mut last = '\0';
        let mut rest = line;
        let mut prev_char = '\0';
        loop {
            let next = next_sentinel(rest);
            let plain = next.map_or(rest, |(before, _, _)| before);
            let mut chars = plain.chars().peekable();
            while let Some(c) = chars.next() {
                if comment {
                    prev_char = c;
                    continue;
                }
                match quote {
                    Quote::Double => {
                        if c == '\\' {
                            chars.next();
                        } else if c == '"' {
                            quote = Quote::None;
                            last = '"';
                        }
                    }
                    Quote::Single => {
                        if c == '\'' {
                            if chars.peek() == Some(&'\'') {
                                chars.next();
                            } else {
                                quote = Quote::None;
                                last = '\'';
                            }
                        }
                    }
                    Quote::None => {
                        if c == '#' && (prev_char == '\0' || prev_char.is_whitespace()) {
                            comment = true;
                        } else if (c == '"' || c == '\'') && starts_scalar(last) {
                            quote = if c == '"' {
                                Quote::Double
                            } else {
                                Quote::Single
                            };
                        } else if !c.is_whitespace() {
                            last = c;
                        }
                    }
                }
                prev_char = c;
            }
            out.push_str(plain);
            let Some((_, index, after)) = next else { break };
            let value = values.get(index).ok_or_else(|| Unplaceable {
                line: line_no,
                value: String::new(),
                why: "a placeholder in the catalog text names no value".into(),
            })?;
            let v = prepare(value, workflow);
            let unplaceable = |why: &str| Unplaceable {
                line: line_no,
                value: value.clone(),
                why: why.to_string(),
            };
            if comment {
                out.push_str(&v.replace(['\n', '\r'], " "));
            } else {
                match quote {
                    Quote::Double => out.push_str(&json_body(&v)),
                    Quote::Single => {
                        if v.contains(['\n', '\r']) {
                            return Err(unplaceable(
                                "a value with line breaks cannot go into a single-quoted YAML string; the catalog should use double quotes there",
                            ));
                        }
                        out.push_str(&v.replace('\'', "''"));
                    }
                    Quote::None => {
                        let whole = starts_scalar(last) && ends_scalar(after);
                        if whole && !plain_safe(&v) {
                            out.push('"');
                            out.push_str(&json_body(&v));
                            out.push('"');
                            last = '"';
                        } else if whole || fragment_safe(&v, starts_scalar(last)) {
                            out.push_str(&v);
                            if let Some(c) = v.chars().next_back() {
                                last = c;
                            }
                        } else {
                            return Err(unplaceable(
                                "the value would change the YAML around it (it sits inside unquoted text); the catalog should put that text in double quotes",
                            ));
                        }
                    }
                }
            }
            prev_char = 'x';
            rest = after;
        }
        let opens_block = !comment
            && quote == Quote::None
            && block_indicator(line.split(" #").next().unwrap_or(line).trim_end());
        Ok((out, quote, opens_block))
    }

    /// Whether a scalar starts after this character.
    fn starts_scalar(last: char) -> bool {
        matches!(last, '\0' | ':' | '-' | '[' | '{' | ',' | '?')
    }

    /// Whether nothing but the end of the scalar follows.
    fn ends_scalar(after: &str) -> bool {
        let t = after.trim_start_matches([' ', '\t']);
        t.is_empty()
            || t.starts_with(['\n', '\r', ',', ']', '}'])
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

    /// Words YAML 1.1 reads as something other than a string.
    fn special_word(v: &str) -> bool {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | ".inf" | ".nan" | "-.inf"
        ) || (v.chars().any(|c| c.is_ascii_digit())
            && v.chars()
                .all(|c| c.is_ascii_digit() || "-:._+eExX".contains(c))
            && !is_number_or_bool(v))
    }

    /// Numbers and booleans stay bare: they come from integer and yes/no
    /// answers, and must keep their type.
    fn is_number_or_bool(v: &str) -> bool {
        v == "true" || v == "false" || v.parse::<i64>().is_ok()
    }

    /// A value that, standing alone as a plain scalar, reads back as itself.
    fn plain_safe(v: &str) -> bool {
        if is_number_or_bool(v) {
            return true;
        }
        fragment_safe(v, true) && !special_word(v) && !v.ends_with(':')
    }

    /// A value that may sit inside (or, `at_start`, begin) unquoted text
    /// without changing the structure around it.
    fn fragment_safe(v: &str, at_start: bool) -> bool {
        let Some(first) = v.chars().next() else {
            return !at_start;
        };
        let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
        let breaks_structure = (at_start && indicator)
            || v.trim() != v
            || v.contains(": ")
            || v.contains(" #")
            || v.contains([',', '[', ']', '{', '}', '\t', '\n', '\r'])
            || v.chars().any(|c| {
                c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{feff}')
            });
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
}
