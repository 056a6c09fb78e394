//! Render and compile errors located where the template's author can find
//! them: unbalanced blocks named in plain words, include chains shown.

use handlebars::{RenderError, RenderErrorReason, TemplateError};

use crate::error::Diagnostic;

/// A compile error, located in `source`. Handlebars' parser reports an
/// unbalanced block as a list of expected tokens at the end of the file, so
/// blocks are matched here first and named in plain words.
pub fn template_diag(path: &str, source: &str, e: &TemplateError) -> Diagnostic {
    if let Some((line, column, message)) = unbalanced_block(source) {
        return Diagnostic::new(path, line, column, format!("template error: {message}"));
    }
    let (line, column) = e.pos().unwrap_or((0, 0));
    Diagnostic::new(
        path,
        line,
        column,
        format!("template error: {}", e.reason()),
    )
}

/// Every tag of a template but comments, in order, as (byte offset, what
/// is inside the braces with whitespace control and extra braces trimmed);
/// `None` at a tag that never closes, after which nothing is read.
fn tags(src: &str) -> impl Iterator<Item = Option<(usize, &str)>> {
    let mut at = 0;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let start = at + src[at..].find("{{")?;
        let Some(len) = crate::skeleton::tag_end(&src[start..]) else {
            done = true;
            return Some(None);
        };
        at = start + len;
        let inner = src[start + 2..start + len - 2]
            .trim_matches(['~', '{', '}'])
            .trim_start();
        if !inner.starts_with('!') {
            return Some(Some((start, inner)));
        }
    })
}

/// The first block that is closed by the wrong tag, closed without being
/// opened, or never closed, as (line, column, message). Templates with raw
/// blocks or escaped tags are left to Handlebars.
fn unbalanced_block(src: &str) -> Option<(usize, usize, String)> {
    if src.contains("{{{{") || src.contains("\\{{") {
        return None;
    }
    let position = |offset: usize| crate::error::line_col(src, offset);
    let mut open: Vec<(String, usize)> = Vec::new();
    for tag in tags(src) {
        let (start, inner) = tag?;
        let name_of = |s: &str| {
            s.trim_start_matches(['>', '*'])
                .trim_start()
                .split(|c: char| c.is_whitespace() || c == '~' || c == ')')
                .next()
                .unwrap_or("")
                .to_string()
        };
        if let Some(rest) = inner.strip_prefix('#').or_else(|| inner.strip_prefix('^')) {
            open.push((name_of(rest), start));
        } else if let Some(rest) = inner.strip_prefix('/') {
            let name = name_of(rest);
            let (line, column) = position(start);
            match open.pop() {
                Some((opened, _)) if opened == name => {}
                Some((opened, from)) => {
                    let (l, c) = position(from);
                    return Some((line, column, format!("`{{{{/{name}}}}}` closes the `{{{{#{opened}}}}}` block opened at {l}:{c}; close that with `{{{{/{opened}}}}}` first")));
                }
                None => {
                    return Some((
                        line,
                        column,
                        format!("`{{{{/{name}}}}}` closes a block that was never opened"),
                    ));
                }
            }
        }
    }
    open.pop().map(|(name, from)| {
        let (line, column) = position(from);
        (
            line,
            column,
            format!(
                "the `{{{{#{name}}}}}` block opened here is never closed; add `{{{{/{name}}}}}`"
            ),
        )
    })
}

/// How deep blocks (and sub-expressions inside one tag) may nest. Handlebars
/// compiles, walks and renders templates by recursion, a few stack frames
/// per level: thousands of levels overflow the stack and abort the process.
pub const MAX_NESTING: usize = 100;

/// Refuses a template whose blocks or sub-expressions nest deeper than
/// `MAX_NESTING`, at the tag that goes one level too deep, before
/// Handlebars sees it.
pub fn too_deep(path: &str, src: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    for (start, inner) in tags(src).map_while(|t| t) {
        let mut parens = 0usize;
        let mut deepest = 0usize;
        for c in inner.chars() {
            match c {
                '(' => {
                    parens += 1;
                    deepest = deepest.max(parens);
                }
                ')' => parens = parens.saturating_sub(1),
                _ => {}
            }
        }
        if inner.starts_with('#') || inner.starts_with('^') {
            depth += 1;
        } else if inner.starts_with('/') {
            depth = depth.saturating_sub(1);
        }
        if depth > MAX_NESTING || deepest > MAX_NESTING {
            let (line, column) = crate::error::line_col(src, start);
            return Some(Diagnostic::new(
                path,
                line,
                column,
                format!("blocks or sub-expressions are nested more than {MAX_NESTING} deep here; flatten the template (no real document needs this)"),
            ));
        }
    }
    None
}

pub fn render_diag(path: &str, e: &RenderError) -> Diagnostic {
    let reason = match e.reason() {
        RenderErrorReason::MissingVariable(Some(v)) => format!("`{v}` is not defined (not a question, a declared fill-in of this module, or an ispo value)"),
        other => other.to_string(),
    };
    // An error inside a partial carries the partial's name: point there.
    match e.template_name.as_deref() {
        Some(name) if name != path && !name.starts_with("modules/") => Diagnostic::new(
            &format!("partials/{name}.hbs"),
            e.line_no.unwrap_or(0),
            e.column_no.unwrap_or(0),
            format!("render error (included from {path}): {reason}"),
        ),
        _ => Diagnostic::new(
            path,
            e.line_no.unwrap_or(0),
            e.column_no.unwrap_or(0),
            format!("render error: {reason}"),
        ),
    }
}

#[cfg(test)]
mod block_tests {
    use super::unbalanced_block;

    #[test]
    fn names_the_unclosed_the_crossed_and_the_stray_block() {
        assert_eq!(
            unbalanced_block("# T\n\n{{#if a}}\ntext\n"),
            Some((
                3,
                1,
                "the `{{#if}}` block opened here is never closed; add `{{/if}}`".into()
            ))
        );
        assert_eq!(
            unbalanced_block("{{#each xs}}\n  {{#if a}}x{{/each}}"),
            Some((
                2,
                13,
                "`{{/each}}` closes the `{{#if}}` block opened at 2:3; close that with `{{/if}}` first"
                    .into()
            ))
        );
        assert_eq!(
            unbalanced_block("x {{/unless}}"),
            Some((
                1,
                3,
                "`{{/unless}}` closes a block that was never opened".into()
            ))
        );
    }

    #[test]
    fn nesting_past_the_limit_is_refused_where_it_happens() {
        let deep = "{{#if a}}\n".repeat(super::MAX_NESTING + 1);
        let d = super::too_deep("t.md", &deep).expect("too deep");
        assert_eq!((d.line, d.column), (super::MAX_NESTING + 1, 1));
        let ok = "{{#if a}}x{{/if}}".repeat(1000);
        assert!(super::too_deep("t.md", &ok).is_none());
        let parens = format!("{{{{eq {}a{}}}}}", "(eq ".repeat(101), ")".repeat(101));
        assert!(super::too_deep("t.md", &parens).is_some());
    }

    #[test]
    fn balanced_templates_pass() {
        for ok in [
            "{{#if a}}x{{else}}y{{/if}}",
            "{{~#each xs as |x|~}}{{x}}{{~/each~}}",
            "{{^if a}}none{{/if}} {{! {{#if}} in a comment }}",
            "{{#if (eq a \"}}\")}}q{{/if}}",
            "{{#> layout}}body{{/layout}}",
        ] {
            assert_eq!(unbalanced_block(ok), None, "{ok}");
        }
    }
}
