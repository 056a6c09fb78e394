//! From a rendered file back to its template: the literal text regions of a
//! template (outside every `{{...}}` tag) with the blocks around them, the
//! hunks of an edit, and where a hunk's old text sits in the template's
//! literal text. Pure; `give_back` re-renders to prove each mapping.

use std::ops::Range;

use similar::{DiffTag, TextDiff};

/// A block around a literal region: `{{#if x}}` … `{{else}}` … `{{/if}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The helper: `if`, `unless`, `each`, `with`…
    pub helper: String,
    /// The opening tag as written.
    pub open: String,
    /// 1-based line of the opening tag.
    pub line: usize,
    /// How many branches it has (`{{else}}` adds one).
    pub branches: usize,
}

/// Literal template text: bytes `range` of the source, inside `blocks`
/// (outermost first), each with the branch the region is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub range: Range<usize>,
    pub blocks: Vec<(usize, usize)>,
}

/// The literal regions and blocks of a template.
#[derive(Debug, Default)]
pub struct Map {
    pub literals: Vec<Literal>,
    pub blocks: Vec<Block>,
}

/// Scans `src` for tags; what lies between them is literal.
pub fn map(src: &str) -> Map {
    let mut out = Map::default();
    // Open blocks: (index into out.blocks, current branch).
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    let mut lit_start = 0;
    while let Some(found) = src[pos..].find("{{") {
        let at = pos + found;
        // `\{{` is an escaped tag: neither literal as written nor a tag.
        let escaped = at > 0 && src.as_bytes()[at - 1] == b'\\';
        let start = if escaped { at - 1 } else { at };
        let end = tag_end(src, at);
        if start > lit_start {
            out.literals.push(Literal {
                range: lit_start..start,
                blocks: stack.clone(),
            });
        }
        if !escaped {
            let inner = src[at..end]
                .trim_start_matches('{')
                .trim_end_matches('}')
                .trim_matches('~')
                .trim();
            let line = src[..at].matches('\n').count() + 1;
            if let Some(rest) = inner
                .strip_prefix('#')
                .filter(|_| !inner.starts_with("#>") && !inner.starts_with("#*"))
            {
                let helper = rest.split_whitespace().next().unwrap_or("").to_string();
                out.blocks.push(Block {
                    helper,
                    open: src[at..end].to_string(),
                    line,
                    branches: 1,
                });
                stack.push((out.blocks.len() - 1, 0));
            } else if inner == "else" || inner.starts_with("else ") || inner == "^" {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                    out.blocks[top.0].branches += 1;
                }
            } else if inner.starts_with('/') {
                stack.pop();
            }
        }
        pos = end;
        lit_start = end;
    }
    if lit_start < src.len() {
        out.literals.push(Literal {
            range: lit_start..src.len(),
            blocks: stack,
        });
    }
    out
}

/// Where the tag opening at `at` ends: comments, raw blocks and triple
/// staches included.
fn tag_end(src: &str, at: usize) -> usize {
    let rest = &src[at..];
    let find = |needle: &str, from: usize| {
        rest[from..]
            .find(needle)
            .map(|i| at + from + i + needle.len())
    };
    let end = if rest.starts_with("{{!--") {
        find("--}}", 5)
    } else if rest.starts_with("{{{{") {
        // A raw block: up to its closing `{{{{/name}}}}`.
        rest.find("}}}}")
            .and_then(|open_end| find("{{{{/", open_end))
            .and_then(|close| src[close..].find("}}}}").map(|i| close + i + 4))
    } else if rest.starts_with("{{{") {
        find("}}}", 3)
    } else {
        find("}}", 2)
    };
    end.unwrap_or(src.len())
}

/// One changed region of a file: lines `old` of the base replaced by lines
/// `new` of the edited file, with the texts to look for in the template,
/// widest context last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// 1-based first line in the base.
    pub line: usize,
    /// The base's lines it replaces (0-based, end exclusive).
    pub lines: Range<usize>,
    pub old: String,
    pub new: String,
    /// (old text, new text) to look for: the hunk alone, then with one
    /// line of context before, after, and both.
    pub candidates: Vec<(String, String)>,
}

/// The hunks turning `base` into `ours`, line by line.
pub fn hunks(base: &str, ours: &str) -> Vec<Hunk> {
    let diff = TextDiff::from_lines(base, ours);
    let old_lines: Vec<&str> = base.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = ours.split_inclusive('\n').collect();
    let mut out = Vec::new();
    for group in diff.grouped_ops(0) {
        let changed: Vec<_> = group
            .iter()
            .filter(|op| op.tag() != DiffTag::Equal)
            .collect();
        let (Some(first), Some(last)) = (changed.first(), changed.last()) else {
            continue;
        };
        let o = first.old_range().start..last.old_range().end;
        let n = first.new_range().start..last.new_range().end;
        let join = |lines: &[&str], r: Range<usize>| lines[r].concat();
        let old = join(&old_lines, o.clone());
        let new = join(&new_lines, n.clone());
        let before = o.start.checked_sub(1).map(|i| old_lines[i]).unwrap_or("");
        let after = old_lines.get(o.end).copied().unwrap_or("");
        let mut candidates = Vec::new();
        if !old.is_empty() {
            candidates.push((old.clone(), new.clone()));
        }
        if !before.is_empty() {
            candidates.push((format!("{before}{old}"), format!("{before}{new}")));
        }
        if !after.is_empty() {
            candidates.push((format!("{old}{after}"), format!("{new}{after}")));
        }
        if !before.is_empty() && !after.is_empty() {
            candidates.push((
                format!("{before}{old}{after}"),
                format!("{before}{new}{after}"),
            ));
        }
        // Within the lines: the changed span with a little context, for a
        // line that also holds text a value made.
        // (Over the hunk and its neighbour lines, so an insertion has text
        // to anchor to.)
        let (wide_old, wide_new) = (
            format!("{before}{old}{after}"),
            format!("{before}{new}{after}"),
        );
        if !wide_old.is_empty() {
            candidates.extend(
                spans(&wide_old, &wide_new)
                    .into_iter()
                    .filter(|c| !candidates.contains(c))
                    .collect::<Vec<_>>(),
            );
        }
        out.push(Hunk {
            line: o.start + 1,
            lines: o.clone(),
            old,
            new,
            candidates,
        });
    }
    out
}

/// The differing span of `old` and `new` with 1 to 64 bytes of shared
/// context on each side (on character boundaries), narrowest first.
fn spans(old: &str, new: &str) -> Vec<(String, String)> {
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .scan(0, |sum, n| {
            *sum += n;
            Some(*sum)
        })
        .take_while(|sum| *sum <= max_suffix)
        .last()
        .unwrap_or(0);
    let mut out = Vec::new();
    for ctx in [1, 2, 4, 8, 16, 32, 64] {
        let mut start = prefix.saturating_sub(ctx);
        while !old.is_char_boundary(start) {
            start -= 1;
        }
        let mut after = suffix.saturating_sub(suffix.saturating_sub(ctx));
        while !old.is_char_boundary(old.len() - suffix + after) {
            after -= 1;
        }
        // Both sides, then after only, then before only (text next to a value).
        for (s0, a) in [(start, after), (prefix, after), (start, 0)] {
            let o = &old[s0..old.len() - suffix + a];
            let n = &new[s0..new.len() - suffix + a];
            let pair = (o.to_string(), n.to_string());
            if !o.is_empty() && !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}

/// Where `old` lies in the template's literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Once, inside literal region `literal`, at byte `at` of the source.
    Once { at: usize, literal: usize },
    /// Nowhere in literal text: made by a value, a helper or a partial.
    Nowhere,
    /// More than once: which one is meant cannot be told.
    Many(usize),
}

pub fn locate(src: &str, map: &Map, old: &str) -> Located {
    if old.is_empty() {
        return Located::Nowhere;
    }
    let mut hits = Vec::new();
    for (i, lit) in map.literals.iter().enumerate() {
        let text = &src[lit.range.clone()];
        let mut from = 0;
        while let Some(f) = text[from..].find(old) {
            hits.push((lit.range.start + from + f, i));
            from += f + 1;
        }
    }
    match hits.as_slice() {
        [] => Located::Nowhere,
        [(at, literal)] => Located::Once {
            at: *at,
            literal: *literal,
        },
        more => Located::Many(more.len()),
    }
}

/// `base` with the hunks marked `true` applied (hunks of one `hunks` call, in order).
pub fn apply(base: &str, hunks: &[(&Hunk, bool)]) -> String {
    let lines: Vec<&str> = base.split_inclusive('\n').collect();
    let mut out = String::with_capacity(base.len());
    let mut at = 0;
    for (h, take) in hunks {
        out.push_str(&lines[at..h.lines.start].concat());
        if *take {
            out.push_str(&h.new);
        } else {
            out.push_str(&h.old);
        }
        at = h.lines.end;
    }
    out.push_str(&lines[at..].concat());
    out
}

/// The value or helper tag (`{{company}}`) that an edit of bytes `edit` of
/// literal region `lit` touches: only whitespace lies between them. Block
/// tags and comments do not count (they make no text).
pub fn touched_value(src: &str, lit: &Literal, edit: Range<usize>) -> Option<String> {
    let is_value = |tag: &str| {
        let inner = tag
            .trim_start_matches('{')
            .trim_start_matches('~')
            .trim_start();
        !(inner.starts_with(['#', '/', '^', '!', '>']) || inner.starts_with("else"))
    };
    if src[lit.range.start..edit.start.max(lit.range.start)]
        .trim()
        .is_empty()
        && lit.range.start > 0
    {
        let open = src[..lit.range.start].rfind("{{")?;
        let tag = &src[open..lit.range.start];
        if is_value(tag) {
            return Some(tag.to_string());
        }
    }
    if src[edit.end.min(lit.range.end)..lit.range.end]
        .trim()
        .is_empty()
        && lit.range.end < src.len()
    {
        let rest = &src[lit.range.end..];
        let end = rest.find("}}").map_or(rest.len(), |i| i + 2);
        let tag = rest[..end].trim_end_matches('}').to_string() + "}}";
        if is_value(&rest[..end]) {
            return Some(tag);
        }
    }
    None
}

/// Text to put into a template as literal: `{{` cannot start a tag.
pub fn escape_literal(text: &str) -> String {
    text.replace("{{", "\\{{")
}

/// A hunk that only replaces `ISPO-FILL(id)` markers: the values given, by id.
pub fn fill_values(old: &str, new: &str) -> Option<Vec<(String, String)>> {
    let found = crate::fill::scan(old);
    if found.is_empty() {
        return None;
    }
    let mut pattern = String::from("^");
    let mut ids = Vec::new();
    let mut rest = old;
    while let Some(i) = rest.find("ISPO-FILL(") {
        let close = rest[i..].find(')')? + i;
        pattern.push_str(&regex::escape(&rest[..i]));
        pattern.push_str("(.+?)");
        ids.push(rest[i + 10..close].to_string());
        rest = &rest[close + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    let re = regex::Regex::new(&pattern).ok()?;
    let caps = re.captures(new)?;
    let values: Vec<(String, String)> = ids
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, caps[i + 1].to_string()))
        .filter(|(id, v)| v != &format!("ISPO-FILL({id})"))
        .collect();
    (!values.is_empty() && !values.iter().any(|(_, v)| v.contains('\n'))).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_regions_and_branches() {
        let src = "# Title\n{{#if a}}\nYes text\n{{else}}\nNo text\n{{/if}}\nEnd {{x}} tail\n";
        let m = map(src);
        let texts: Vec<&str> = m.literals.iter().map(|l| &src[l.range.clone()]).collect();
        assert_eq!(
            texts,
            [
                "# Title\n",
                "\nYes text\n",
                "\nNo text\n",
                "\nEnd ",
                " tail\n"
            ]
        );
        assert_eq!(m.blocks[0].helper, "if");
        assert_eq!(m.blocks[0].branches, 2);
        assert_eq!(m.literals[1].blocks, [(0, 0)]);
        assert_eq!(m.literals[2].blocks, [(0, 1)]);
        assert!(m.literals[3].blocks.is_empty());
    }

    #[test]
    fn comments_escapes_and_raw_blocks_are_not_literal() {
        let src = "a {{!-- x }} y --}} b \\{{c}} d {{{{raw}}}}{{e}}{{{{/raw}}}} f {{{g}}} h";
        let m = map(src);
        let texts: Vec<&str> = m.literals.iter().map(|l| &src[l.range.clone()]).collect();
        assert_eq!(texts, ["a ", " b ", " d ", " f ", " h"]);
    }

    #[test]
    fn locating_old_text() {
        let src = "Hello {{name}}, hello world.\nHello again.\n";
        let m = map(src);
        assert_eq!(
            locate(src, &m, "world"),
            Located::Once { at: 22, literal: 1 }
        );
        assert_eq!(locate(src, &m, "Hello"), Located::Many(2));
        assert_eq!(locate(src, &m, "Acme"), Located::Nowhere);
        // Across a tag is not literal.
        assert_eq!(locate(src, &m, "Hello Acme,"), Located::Nowhere);
    }

    #[test]
    fn hunks_carry_context_candidates() {
        let h = hunks("a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(h.len(), 1);
        assert_eq!(
            (h[0].line, h[0].old.as_str(), h[0].new.as_str()),
            (2, "b\n", "B\n")
        );
        assert_eq!(h[0].candidates[1], ("a\nb\n".into(), "a\nB\n".into()));
        let ins = hunks("a\nc\n", "a\nb\nc\n");
        assert_eq!(ins[0].candidates[0], ("a\n".into(), "a\nb\n".into()));
    }

    #[test]
    fn marker_replacements_are_fill_values() {
        assert_eq!(
            fill_values("Mail ISPO-FILL(ispo_email) now\n", "Mail a@b.example now\n"),
            Some(vec![("ispo_email".into(), "a@b.example".into())])
        );
        assert_eq!(
            fill_values("Mail ISPO-FILL(x) now\n", "Write ISPO-FILL(x) now\n"),
            None
        );
        assert_eq!(fill_values("plain\n", "plain text\n"), None);
    }

    #[test]
    fn edits_next_to_a_value_touch_it() {
        let src = "# {{company}} InnerSource charter\n{{#if a}}\nText here.\n{{/if}}\n";
        let m = map(src);
        // " Corp" right after the value, only a space between.
        assert_eq!(
            touched_value(src, &m.literals[1], 13..13),
            Some("{{company}}".into())
        );
        // Further in: fine.
        assert_eq!(touched_value(src, &m.literals[1], 20..25), None);
        // Next to a block tag: fine.
        assert_eq!(touched_value(src, &m.literals[2], 35..36), None);
    }

    #[test]
    fn escaping_keeps_braces_literal() {
        assert_eq!(escape_literal("use {{x}}"), "use \\{{x}}");
    }

    proptest::proptest! {
        /// Every byte of the source is in exactly one literal region or one
        /// tag, and literal regions never hold a tag opener.
        #[test]
        fn literal_regions_never_hold_a_tag(src in "[a-z {}#/\\\\!\n-]{0,80}") {
            let m = map(&src);
            let mut last = 0;
            for l in &m.literals {
                proptest::prop_assert!(l.range.start >= last);
                proptest::prop_assert!(!src[l.range.clone()].contains("{{"));
                last = l.range.end;
            }
        }
    }
}
