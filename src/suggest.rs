//! "Did you mean …?": the closest known name to something mistyped.
//!
//! Used for question ids, fill-in ids, module ids and choice values, so a
//! typo is answered with the likely fix instead of a list to read through.

/// The candidate closest to `input`, if one is close enough to be a likely
/// typo. Each candidate is a value with optional other names it is known by
/// (a choice's label): `teams` finds `ms_teams` through "Microsoft Teams".
pub fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
) -> Option<&'a str> {
    let wanted = normal(input);
    if wanted.is_empty() {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    for (value, aliases) in candidates {
        for name in std::iter::once(value).chain(aliases) {
            let score = score(&wanted, &normal(name));
            if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, value));
            }
        }
    }
    best.map(|(_, v)| v)
}

/// Closest among plain names (ids without labels).
pub fn closest_name<'a>(input: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    closest(input, names.into_iter().map(|n| (n, Vec::new())))
}

/// ` (did you mean `x`?)`, or nothing.
pub fn hint(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

/// Lower case, with `-`, spaces and `_` all one separator.
fn normal(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect()
}

/// 1.0 for the same name; high for one containing the other as a whole word
/// (`teams` in `ms_teams`) or a small edit away; low otherwise.
fn score(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() >= 3 && long.split('_').any(|w| w == short) {
        return 0.95;
    }
    let edit = strsim::damerau_levenshtein(a, b);
    let allowed = (long.chars().count() / 4).max(1);
    if edit <= allowed {
        return 0.9 - 0.01 * edit as f64;
    }
    let jw = strsim::jaro_winkler(a, b);
    if jw >= 0.9 && short.len() >= 4 {
        jw - 0.1
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat<'a>() -> Vec<(&'a str, Vec<&'a str>)> {
        vec![
            ("slack", vec!["Slack"]),
            ("ms_teams", vec!["Microsoft Teams"]),
            ("mattermost", vec!["Mattermost"]),
            ("google_chat", vec!["Google Chat"]),
        ]
    }

    #[test]
    fn finds_typos_words_and_labels() {
        assert_eq!(closest("teams", chat()), Some("ms_teams"));
        assert_eq!(closest("Microsoft Teams", chat()), Some("ms_teams"));
        assert_eq!(closest("slak", chat()), Some("slack"));
        assert_eq!(closest("google-chat", chat()), Some("google_chat"));
        assert_eq!(
            closest_name("adoption", ["exploring", "piloting", "adopting", "scaling"]),
            Some("adopting")
        );
        assert_eq!(
            closest_name("stag", ["stage", "forge", "chat"]),
            Some("stage")
        );
    }

    #[test]
    fn says_nothing_when_nothing_is_close() {
        assert_eq!(closest("discord", chat()), None);
        assert_eq!(closest("", chat()), None);
        assert_eq!(closest_name("x", ["stage", "forge"]), None);
    }
}
