//! Faster template compilation: plain text is taken out before Handlebars
//! parses a template and put back after it renders.
//!
//! Compiling costs time in proportion to a template's size, and in
//! handlebars 6.4 more than that (every token's line and column is counted
//! from the start of the file), while ispo's templates are mostly prose. So
//! each run of plain text between tags keeps its first and last line, the
//! lines a tag can share, and its inner lines become one placeholder line.
//! Handlebars' standalone-line rules therefore see the same text around every
//! tag. Templates using whitespace control (`~`), raw blocks, escapes or
//! comments are compiled as they are. Errors are always reported against the
//! original template (see `render`).

/// Brackets a chunk number; private-use characters that values cannot carry
/// (they are removed from every value before rendering).
pub const OPEN: char = '\u{E000}';
pub const CLOSE: char = '\u{E001}';

/// Below this size a chunk is not worth a placeholder.
const MIN_CHUNK: usize = 8;

/// The text chunks taken out of all templates of one render.
/// Borrowed from the templates: holding a copy of every template's prose
/// doubled the catalog's share of peak memory.
#[derive(Debug, Default)]
pub struct Chunks<'a> {
    chunks: Vec<&'a str>,
}

impl<'a> Chunks<'a> {
    /// The skeleton of `src`, or `None` when it must be compiled as it is.
    pub fn skeleton(&mut self, src: &'a str) -> Option<String> {
        let unsupported = [
            "{{{{",
            "\\{{",
            "{{!",
            "{{~",
            "~}}",
            "{{#*",
            "{{#>",
            "@partial-block",
        ];
        if src.contains(OPEN) || src.contains(CLOSE) || unsupported.iter().any(|p| src.contains(p))
        {
            return None;
        }
        let mut out = String::with_capacity(src.len() / 4);
        let mut rest = src;
        loop {
            let Some(open) = rest.find("{{") else {
                self.text(rest, &mut out);
                break;
            };
            self.text(&rest[..open], &mut out);
            let after = &rest[open..];
            let Some(close) = tag_end(after) else {
                // Unclosed tag: let Handlebars report it on the original.
                return None;
            };
            out.push_str(&after[..close]);
            rest = &after[close..];
        }
        Some(out)
    }

    /// Replaces a run of plain text. What a tag's line looks like is all that
    /// Handlebars' standalone rules look at: whether the text between the tag
    /// and the nearest newline is blank. A blank piece is kept; a non-blank one
    /// becomes a (non-blank) placeholder; lines not touching a tag go whole.
    fn text(&mut self, t: &'a str, out: &mut String) {
        // Handlebars counts a lone `\r` as a line end too.
        let nl = ['\n', '\r'];
        match (t.find(nl), t.rfind(nl)) {
            (Some(first), Some(last)) => {
                // The first line end, `\r\n` taken whole.
                let end = first + if t[first..].starts_with("\r\n") { 2 } else { 1 };
                self.piece(&t[..first], out);
                out.push_str(&t[first..end]);
                if last >= end {
                    self.piece(&t[end..last], out);
                    out.push_str(&t[last..last + 1]);
                }
                self.piece(&t[last + 1..], out);
            }
            _ => self.piece(t, out),
        }
    }

    /// Whether no placeholder was set aside (then `restore` has nothing to do).
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    fn piece(&mut self, t: &'a str, out: &mut String) {
        if t.len() < MIN_CHUNK || t.trim().is_empty() {
            out.push_str(t);
            return;
        }
        // Trailing spaces and tabs stay: Handlebars indents a partial's lines
        // by the whitespace just before `{{>`, standalone or not.
        let body = t.trim_end_matches([' ', '\t']);
        out.push(OPEN);
        out.push_str(&self.chunks.len().to_string());
        out.push(CLOSE);
        self.chunks.push(body);
        out.push_str(&t[body.len()..]);
    }

    /// The length `text` will have once its placeholders are restored.
    pub fn restored_len(&self, text: &str) -> usize {
        if !text.contains(OPEN) {
            return text.len();
        }
        let mut len = 0;
        let mut rest = text;
        while let Some(i) = rest.find(OPEN) {
            len += i;
            let after = &rest[i + OPEN.len_utf8()..];
            let end = after.find(CLOSE).unwrap_or(after.len());
            len += after[..end]
                .parse::<usize>()
                .ok()
                .and_then(|n| self.chunks.get(n))
                .map_or(end, |c| c.len());
            rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
        }
        len + rest.len()
    }

    /// Puts the chunks back into a rendered text.
    pub fn restore(&self, rendered: String) -> String {
        if !rendered.contains(OPEN) {
            return rendered;
        }
        let mut out = String::with_capacity(rendered.len() * 4);
        let mut rest = rendered.as_str();
        while let Some(i) = rest.find(OPEN) {
            out.push_str(&rest[..i]);
            let after = &rest[i + OPEN.len_utf8()..];
            let end = after.find(CLOSE).unwrap_or(after.len());
            match after[..end]
                .parse::<usize>()
                .ok()
                .and_then(|n| self.chunks.get(n))
            {
                Some(chunk) => out.push_str(chunk),
                None => out.push_str(&after[..end]),
            }
            rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
        }
        out.push_str(rest);
        out
    }
}

/// The length of the tag that starts `s` (at `{{`), up to and including its
/// closing braces; braces inside quoted strings do not close it.
pub fn tag_end(s: &str) -> Option<usize> {
    let triple = s.starts_with("{{{");
    let closing = if triple { "}}}" } else { "}}" };
    let mut quote: Option<char> = None;
    let mut i = if triple { 3 } else { 2 };
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next()?;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if rest.starts_with(closing) => return Some(i + closing.len()),
            None => {}
        }
        i += c.len_utf8();
    }
    None
}

/// Removes the placeholder brackets from a value, so no answer can pull a
/// catalog chunk into the output.
pub fn clean_value(s: &str) -> String {
    s.replace([OPEN, CLOSE], "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use handlebars::Handlebars;
    use proptest::prelude::*;
    use serde_json::json;

    fn both(src: &str) -> (String, String) {
        let data = json!({"a": "A", "flag": true, "off": false, "items": ["x", "y"]});
        let mut hb = Handlebars::new();
        hb.register_escape_fn(handlebars::no_escape);
        let direct = hb.render_template(src, &data).unwrap();
        let mut chunks = Chunks::default();
        let skeleton = chunks.skeleton(src).unwrap_or_else(|| src.to_string());
        let via = chunks.restore(hb.render_template(&skeleton, &data).unwrap());
        (direct, via)
    }

    #[test]
    fn keeps_standalone_lines_and_block_output() {
        let src = "# {{a}} title\n\nA long paragraph of prose that goes on.\nAnd on, for a while.\n  {{#if flag}}\nInside the block, long enough to be a chunk.\nStill inside.\n  {{/if}}\n{{#each items}}\n- item {{this}} with a fairly long trailing text\n  and a second line in the same item\n{{/each}}\nEnd line.\n";
        let (direct, via) = both(src);
        assert_eq!(direct, via);
        let quoted = "# Title line\n{{#if (eq a \"}} is not the end\")}}\nsome text that is long enough\n{{/if}}\n";
        let mut chunks = Chunks::default();
        assert!(chunks
            .skeleton(quoted)
            .unwrap()
            .contains("(eq a \"}} is not the end\")"));
        let (direct, via) = both(quoted);
        assert_eq!(direct, via);
        let mut chunks = Chunks::default();
        let skeleton = chunks.skeleton(src).unwrap();
        assert!(skeleton.len() < src.len() * 3 / 4, "{skeleton}");
    }

    #[test]
    fn partial_indentation_and_lone_carriage_returns_match_handlebars() {
        let data = json!({"flag": true});
        for src in [
            "ab  {{> two}}\nContacts:  {{> two}}\n",
            "long text here \r{{#if flag}}  \r\nyes\n{{/if}}\n",
            "x\r\n  {{> two}}\r\nlong trailing text line\r\n",
        ] {
            let mut hb = Handlebars::new();
            hb.register_escape_fn(handlebars::no_escape);
            hb.register_partial("two", "first\nsecond\n").unwrap();
            let direct = hb.render_template(src, &data).unwrap();
            let mut chunks = Chunks::default();
            let skeleton = chunks.skeleton(src).unwrap_or_else(|| src.to_string());
            let via = chunks.restore(hb.render_template(&skeleton, &data).unwrap());
            assert_eq!(direct, via, "{src:?}");
        }
    }

    #[test]
    fn bails_out_on_constructs_it_cannot_preserve() {
        let mut c = Chunks::default();
        for src in [
            "{{#*inline \"p\"}}x{{/inline}}",
            "{{#> p}}x{{/p}}",
            "a\n\n{{~a}}",
            "{{{{raw}}}}{{x}}{{{{/raw}}}}",
            "\\{{x}}",
            "{{! c }}",
            "{{a",
            "x\u{E000}",
        ] {
            assert!(c.skeleton(src).is_none(), "{src}");
        }
    }

    #[test]
    fn values_cannot_smuggle_placeholders() {
        assert_eq!(clean_value("a\u{E000}0\u{E001}b"), "a0b");
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "\n",
                "  ",
                "word ",
                "a longer run of ordinary prose text here ",
                "\n\n",
                "- list item\n",
                "    indented\n",
                "{{a}}",
                "{{this}}",
                "\t",
                "   \n",
                "x",
                "\r\n",
                "  \r\n",
                "{{#if (eq a \"}} not the end\")}}yes{{/if}}",
            ]),
            0..8,
        )
        .prop_map(|v| v.concat())
    }

    /// Well-formed templates: text, and `if`/`else`/`each` blocks nested a few deep.
    fn template() -> impl Strategy<Value = String> {
        text().prop_recursive(3, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
                (text(), inner.clone(), text())
                    .prop_map(|(a, b, c)| format!("{a}{{{{#if flag}}}}{b}{{{{/if}}}}{c}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!(
                    "\n  {{{{#if off}}}}\n{a}\n  {{{{else}}}}\n{b}\n  {{{{/if}}}}\n"
                )),
                (text(), inner.clone())
                    .prop_map(|(a, b)| format!("{a}\n{{{{#each items}}}}\n{b}\n{{{{/each}}}}\n")),
                (text(), inner, text()).prop_map(|(a, b, c)| format!(
                    "{a}  {{{{#unless off}}}}  {b}  {{{{/unless}}}}{c}"
                )),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]
        #[test]
        fn renders_exactly_like_the_original(src in template()) {
            let (direct, via) = both(&src);
            prop_assert_eq!(direct, via);
        }
    }
}
