//! Three-way merge of one kit file: base (the stored pristine render), ours
//! (the file in the kit), theirs (the new render).
//!
//! Wraps libgit2's xdiff merge with the guards that keep it from losing data:
//! binary content is never text-merged (libgit2 would return empty content),
//! conflicts are never silently resolved (no `favor`, no `accept_conflicts`),
//! and line endings are normalised so a CRLF file merges against LF templates
//! and keeps its CRLF.

/// The labels on conflict markers; the first one also marks a file that still
/// holds an unresolved conflict from an earlier update.
pub const OURS_LABEL: &str = "your kit";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Merged without conflict.
    Clean(Vec<u8>),
    /// Merged with diff3-style conflict markers.
    Conflict(Vec<u8>),
    /// Not mergeable as text: keep ours as it is, write theirs beside it.
    Binary,
}

pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|b| *b == 0) || std::str::from_utf8(bytes).is_err()
}

fn uses_crlf(bytes: &[u8]) -> bool {
    let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count();
    let lf = bytes.iter().filter(|b| **b == b'\n').count();
    crlf > 0 && crlf * 2 >= lf
}

fn to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// Whether two versions of a file say the same thing, line endings aside: a
/// file git checked out with CRLF (`core.autocrlf`, a `.gitattributes`)
/// is not a local edit.
pub fn same_text(a: &[u8], b: &[u8]) -> bool {
    a == b || (!is_binary(a) && !is_binary(b) && to_lf(a) == to_lf(b))
}

/// `bytes` in the line endings `like` uses: a kit file checked out with CRLF
/// gets the catalog's new version with CRLF too.
pub fn in_line_endings_of(like: &[u8], bytes: &[u8]) -> Vec<u8> {
    if is_binary(like) || is_binary(bytes) {
        return bytes.to_vec();
    }
    if uses_crlf(like) && !uses_crlf(bytes) {
        to_crlf(&to_lf(bytes))
    } else if !uses_crlf(like) && uses_crlf(bytes) {
        to_lf(bytes)
    } else {
        bytes.to_vec()
    }
}

/// Whether a file still holds unresolved conflict markers (from an earlier
/// update, or from git): such a file is left alone until the user resolves it.
pub fn has_conflict_markers(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut open = false;
    for line in text.lines() {
        if line.starts_with("<<<<<<<") {
            open = true;
        } else if open && line.starts_with(">>>>>>>") {
            return true;
        }
    }
    false
}

/// Merges the three versions. `base_label`/`theirs_label` name the catalog versions.
pub fn merge(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    base_label: &str,
    theirs_label: &str,
) -> Merged {
    if is_binary(base) || is_binary(ours) || is_binary(theirs) {
        return Merged::Binary;
    }
    let crlf = uses_crlf(ours);
    let (base, ours_n, theirs) = (to_lf(base), to_lf(ours), to_lf(theirs));
    // Shortcuts that xdiff would also take, made explicit so they never depend on it.
    let result = if ours_n == base || ours_n == theirs {
        Merged::Clean(theirs)
    } else if theirs == base {
        Merged::Clean(ours_n)
    } else {
        xdiff(&base, &ours_n, &theirs, base_label, theirs_label)
    };
    match result {
        Merged::Clean(b) if crlf => Merged::Clean(to_crlf(&b)),
        Merged::Conflict(b) if crlf => Merged::Conflict(to_crlf(&b)),
        other => other,
    }
}

/// libgit2 leaves a marker bare when its side is an empty file; every
/// marker gets its label, so the user always sees which side is which.
fn labelled(content: &[u8], base_label: &str, theirs_label: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(content);
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let label = match body {
            "<<<<<<<" => Some(OURS_LABEL),
            "|||||||" => Some(base_label),
            ">>>>>>>" => Some(theirs_label),
            _ => None,
        };
        match label {
            Some(l) => out.push_str(&format!("{body} {l}{end}")),
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

fn xdiff(base: &[u8], ours: &[u8], theirs: &[u8], base_label: &str, theirs_label: &str) -> Merged {
    // `git2::merge_file` does not initialise libgit2 itself (git2 0.21); `Buf::new` does.
    drop(git2::Buf::new());
    let mut b = git2::MergeFileInput::new();
    b.content(base);
    let mut o = git2::MergeFileInput::new();
    o.content(ours);
    let mut t = git2::MergeFileInput::new();
    t.content(theirs);
    let mut opts = git2::MergeFileOptions::new();
    opts.ancestor_label(base_label)
        .our_label(OURS_LABEL)
        .their_label(theirs_label)
        .style_diff3(true);
    match git2::merge_file(&b, &o, &t, Some(&mut opts)) {
        Ok(r) if r.is_automergeable() => Merged::Clean(r.content().to_vec()),
        // A non-mergeable result must still carry both sides; if libgit2 gave
        // back nothing usable, treat the file like a binary one.
        Ok(r) if !r.content().is_empty() => {
            Merged::Conflict(labelled(r.content(), base_label, theirs_label))
        }
        _ => Merged::Binary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(base: &str, ours: &str, theirs: &str) -> Merged {
        merge(
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            "base",
            "catalog",
        )
    }

    fn text(r: Merged) -> String {
        match r {
            Merged::Clean(b) | Merged::Conflict(b) => String::from_utf8(b).unwrap(),
            Merged::Binary => panic!("binary"),
        }
    }

    #[test]
    fn separate_edits_merge_cleanly() {
        let base = "a\nb\nc\nd\ne\nf\ng\n";
        let ours = "a\nB\nc\nd\ne\nf\ng\n";
        let theirs = "a\nb\nc\nd\ne\nf\nG\n";
        assert_eq!(
            m(base, ours, theirs),
            Merged::Clean(b"a\nB\nc\nd\ne\nf\nG\n".to_vec())
        );
    }

    #[test]
    fn overlapping_edits_conflict_with_diff3_markers() {
        let r = text(m("a\nb\nc\n", "a\nmine\nc\n", "a\ntheirs\nc\n"));
        assert_eq!(
            r,
            "a\n<<<<<<< your kit\nmine\n||||||| base\nb\n=======\ntheirs\n>>>>>>> catalog\nc\n"
        );
        assert!(has_conflict_markers(r.as_bytes()));
        assert!(!has_conflict_markers(b"<<<<<<< not closed\n"));
    }

    #[test]
    fn binary_is_never_text_merged() {
        assert_eq!(merge(b"a\0b", b"a\0c", b"a\0d", "b", "t"), Merged::Binary);
        assert_eq!(merge(b"a", b"\xff\xfe", b"b", "b", "t"), Merged::Binary);
    }

    #[test]
    fn crlf_files_merge_against_lf_and_keep_crlf() {
        let base = "one\ntwo\nthree\nfour\nfive\n";
        let ours = "one\r\nTWO\r\nthree\r\nfour\r\nfive\r\n";
        let theirs = "one\ntwo\nthree\nfour\nFIVE\n";
        assert_eq!(
            m(base, ours, theirs),
            Merged::Clean(b"one\r\nTWO\r\nthree\r\nfour\r\nFIVE\r\n".to_vec())
        );
        // Only line endings changed locally: the new render, in the user's line endings.
        let ours = "one\r\ntwo\r\nthree\r\nfour\r\nfive\r\n";
        assert_eq!(
            m(base, ours, theirs),
            Merged::Clean(b"one\r\ntwo\r\nthree\r\nfour\r\nFIVE\r\n".to_vec())
        );
    }

    fn lines() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop::sample::select(vec!["a", "b", "c", "d", "x", "y", ""]).prop_map(String::from),
            0..24,
        )
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Insert(usize, String),
        Delete(usize),
        Replace(usize, String),
    }

    fn edits() -> impl Strategy<Value = Vec<Edit>> {
        let word = prop::sample::select(vec!["p", "q", "r", "s", "a"]).prop_map(String::from);
        let edit = prop_oneof![
            (0usize..30, word.clone()).prop_map(|(i, w)| Edit::Insert(i, w)),
            (0usize..30).prop_map(Edit::Delete),
            (0usize..30, word).prop_map(|(i, w)| Edit::Replace(i, w)),
        ];
        prop::collection::vec(edit, 0..5)
    }

    fn apply(base: &[String], edits: &[Edit]) -> Vec<String> {
        let mut out = base.to_vec();
        for e in edits {
            match e {
                Edit::Insert(i, w) => {
                    let i = (*i).min(out.len());
                    out.insert(i, format!("{w}-new"));
                }
                Edit::Delete(i) if !out.is_empty() => {
                    let i = i % out.len();
                    out.remove(i);
                }
                Edit::Replace(i, w) if !out.is_empty() => {
                    let i = i % out.len();
                    out[i] = format!("{w}-changed");
                }
                _ => {}
            }
        }
        out
    }

    fn join(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .into_bytes()
    }

    proptest! {
        #[test]
        fn identities_hold(base in lines(), e1 in edits(), e2 in edits()) {
            let b = join(&base);
            let o = join(&apply(&base, &e1));
            let t = join(&apply(&base, &e2));
            prop_assert_eq!(merge(&b, &o, &b, "b", "t"), Merged::Clean(o.clone()));
            prop_assert_eq!(merge(&b, &b, &t, "b", "t"), Merged::Clean(t.clone()));
            prop_assert_eq!(merge(&b, &t, &t, "b", "t"), Merged::Clean(t.clone()));
        }

        #[test]
        fn local_changes_are_never_lost(base in lines(), e1 in edits(), e2 in edits()) {
            let b = join(&base);
            let ours_lines = apply(&base, &e1);
            let o = join(&ours_lines);
            let t = join(&apply(&base, &e2));
            let (out, conflict) = match merge(&b, &o, &t, "b", "t") {
                Merged::Clean(out) => (String::from_utf8(out).unwrap(), false),
                Merged::Conflict(out) => (String::from_utf8(out).unwrap(), true),
                Merged::Binary => return Err(TestCaseError::fail("text reported as binary")),
            };
            if conflict {
                prop_assert!(has_conflict_markers(out.as_bytes()));
                prop_assert!(out.lines().any(|l| l == "======="));
            }
            // Clean or not, every line the user added or changed is in the result, in order:
            // in a conflict it sits verbatim on the local side of the markers.
            let added: Vec<&String> = ours_lines.iter().filter(|l| l.ends_with("-new") || l.ends_with("-changed")).collect();
            let mut rest = out.as_str();
            for a in added {
                let needle = format!("{a}\n");
                let at = rest.find(&needle);
                prop_assert!(at.is_some(), "lost local line {:?} in {:?}", a, out);
                rest = &rest[at.unwrap() + needle.len()..];
            }
        }
    }

    #[test]
    fn conflict_markers_carry_three_labels_even_when_a_side_is_empty() {
        for (base, ours, theirs) in [
            ("", "ours\n", "theirs\n"),
            ("base\n", "", "theirs\n"),
            ("base\n", "ours\n", ""),
        ] {
            let out = match merge(
                base.as_bytes(),
                ours.as_bytes(),
                theirs.as_bytes(),
                "base (catalog 1)",
                "catalog 2",
            ) {
                Merged::Conflict(b) => String::from_utf8(b).unwrap(),
                other => panic!("{base:?} {ours:?} {theirs:?}: {other:?}"),
            };
            assert!(out.contains("<<<<<<< your kit"), "{out}");
            assert!(out.contains("||||||| base (catalog 1)"), "{out}");
            assert!(out.contains(">>>>>>> catalog 2"), "{out}");
        }
    }
}
