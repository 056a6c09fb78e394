//! Keeping the user's edits to `ispo-answers.toml` when `ispo update`
//! rewrites it: comments, order and layout stay; only values change.
//!
//! The file is the user's as much as ispo's: editing it is how an answer is
//! changed, and people note why they answered as they did. So once it has
//! been edited, update does not regenerate it: it changes the values that
//! differ, adds new questions with their prompts, drops answers the new
//! render no longer holds (questions that left the catalog or no longer
//! apply, as a fresh file would), and adds hints for new fill-in values.

use toml_edit::{DocumentMut, Item, Table};

/// The user's file with the values of `generated`. Falls back to
/// `generated` when either text is not TOML (update has read the user's
/// file already, so that does not happen in practice).
pub fn keep_edits(user: &str, generated: &str) -> String {
    // The user's line endings stay: a file saved with CRLF keeps CRLF.
    let crlf = user.matches("\r\n").count() * 2 > user.matches('\n').count();
    let user = user.replace("\r\n", "\n");
    let user = comment_out_skipped(&user, generated);
    let out = keep_edits_lf(&user, generated);
    if crlf {
        out.replace('\n', "\r\n")
    } else {
        out
    }
}

/// A question that no longer applies is listed as `# id = (does not apply)`,
/// as in a fresh file, in place of the user's answer line (its prompt
/// comment above stays).
fn comment_out_skipped(user: &str, generated: &str) -> String {
    let skipped: Vec<&str> = generated
        .lines()
        .filter_map(|l| l.strip_prefix("# ")?.strip_suffix(" = (does not apply)"))
        .collect();
    if skipped.is_empty() {
        return user.to_string();
    }
    let mut out = String::with_capacity(user.len());
    let mut top_level = true;
    for line in user.split_inclusive('\n') {
        let t = line.trim_start();
        let t = t.trim_end_matches('\n');
        if t.starts_with('[') {
            top_level = false;
        }
        let key = t
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"'))
            .filter(|_| top_level && !t.starts_with('#'));
        let one_line = |t: &str| {
            let value = t.split_once('=').map_or("", |(_, v)| v.trim());
            !(value.starts_with("\"\"\"") || value.starts_with("\'\'\'"))
                && (!value.starts_with('[') || value.trim_end().ends_with(']'))
        };
        match key {
            // Only a value on one line; anything longer is left to the TOML edit.
            Some(k) if skipped.contains(&k) && one_line(t) => {
                out.push_str(&format!("# {k} = (does not apply)\n"));
            }
            _ => out.push_str(line),
        }
    }
    out
}

fn keep_edits_lf(user: &str, generated: &str) -> String {
    let (Ok(mut doc), Ok(new)) = (
        user.parse::<DocumentMut>(),
        generated.parse::<DocumentMut>(),
    ) else {
        return generated.to_string();
    };
    sync(doc.as_table_mut(), new.as_table());
    add_fill_hints(&mut doc, user, generated);
    let set: Vec<String> = doc
        .get("fill")
        .and_then(Item::as_table)
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default();
    let mut out = drop_hints_for(&doc.to_string(), &set);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn sync(user: &mut Table, new: &Table) {
    let stale: Vec<String> = user
        .iter()
        .filter(|(k, item)| item.is_value() && !new.contains_key(k))
        .map(|(k, _)| k.to_string())
        .collect();
    for k in stale {
        user.remove(&k);
    }
    for (key, item) in new.iter() {
        match (user.get_mut(key), item) {
            (Some(Item::Table(mine)), Item::Table(theirs)) => sync(mine, theirs),
            (Some(Item::Value(mine)), Item::Value(theirs)) => {
                if !same_value(mine, theirs) {
                    let decor = mine.decor().clone();
                    *mine = theirs.clone();
                    *mine.decor_mut() = decor;
                }
            }
            (Some(mine), _) => *mine = item.clone(),
            (None, _) => {
                if let Some((k, _)) = new.get_key_value(key) {
                    let mut k = k.clone();
                    // Only the comment paragraph right above the key is its
                    // own; earlier lines belong to what came before it.
                    let prefix = k
                        .leaf_decor()
                        .prefix()
                        .and_then(|p| p.as_str())
                        .unwrap_or("");
                    if let Some(i) = prefix.rfind("\n\n") {
                        let own = format!("\n{}", &prefix[i + 2..]);
                        k.leaf_decor_mut().set_prefix(own);
                    }
                    user.insert_formatted(&k, item.clone());
                }
            }
        }
    }
}

/// Equal as TOML values, whatever the layout (`["a","b"]` or one per line).
fn same_value(a: &toml_edit::Value, b: &toml_edit::Value) -> bool {
    let parse = |v: &toml_edit::Value| {
        let mut v = v.clone();
        v.decor_mut().clear();
        format!("v = {v}").parse::<toml::Table>().ok()
    };
    matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
}

/// Removes the `# <description>` / `# <id> = ""` hint of each fill-in that
/// now has a value, which the inserted value carries itself.
fn drop_hints_for(text: &str, set: &[String]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut skip = vec![false; lines.len()];
    for (i, line) in lines.iter().enumerate() {
        let hinted = set.iter().any(|id| *line == format!("# {id} = \"\""));
        if hinted {
            skip[i] = true;
            if i > 0 && lines[i - 1].starts_with("# ") && !lines[i - 1].contains(" = ") {
                skip[i - 1] = true;
            }
        }
    }
    let mut out: String = lines
        .iter()
        .zip(&skip)
        .filter(|(_, s)| !**s)
        .map(|(l, _)| format!("{l}\n"))
        .collect();
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

/// A fresh file shows each fill-in still unset as a commented line under
/// its description; for fill-ins the user's file never mentions (new
/// modules bring them), those two lines go at the end of `[fill]`.
fn add_fill_hints(doc: &mut DocumentMut, user: &str, generated: &str) {
    let lines: Vec<&str> = generated.lines().collect();
    let mut hints = String::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(id) = line
            .strip_prefix("# ")
            .and_then(|l| l.strip_suffix(" = \"\""))
        else {
            continue;
        };
        let mentioned = user.lines().any(|l| {
            l.trim_start_matches(['#', ' '])
                .starts_with(&format!("{id} ="))
        });
        if mentioned {
            continue;
        }
        if let Some(description) = i
            .checked_sub(1)
            .map(|j| lines[j])
            .filter(|l| l.starts_with('#'))
        {
            hints.push_str(description);
            hints.push('\n');
        }
        hints.push_str(line);
        hints.push('\n');
    }
    if hints.is_empty() {
        return;
    }
    // Comments before the next table header, or at the end of the file.
    match doc.get_mut("modules").and_then(Item::as_table_mut) {
        Some(modules) => {
            let prefix = modules
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or("")
                .to_string();
            let sep = if prefix.is_empty() || prefix.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            modules
                .decor_mut()
                .set_prefix(format!("{prefix}{sep}{hints}\n"));
        }
        None => {
            let trailing = doc.trailing().as_str().unwrap_or("").to_string();
            doc.set_trailing(format!("{trailing}{hints}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::keep_edits;
    use pretty_assertions::assert_eq;

    const GENERATED_V1: &str = "# ispo answers\n\n# Where is your code?\n# one of: github, gitlab\nforge = \"github\"\n\n# How many engineers?\nengineers = 100\n\n[fill]\n# Email of the ISPO\n# ispo_email = \"\"\n\n[modules]\nwith = []\nwithout = []\n";

    #[test]
    fn an_edited_file_keeps_comments_and_layout_and_takes_new_values_and_questions() {
        let user = "# ispo answers\n\n# Where is your code?\n# one of: github, gitlab\n# We moved in 2025; see ADR-12.\nforge = \"gitlab\"\n\n# How many engineers?\nengineers = 100   # headcount from HR, May\n\n[fill]\n# Email of the ISPO\nispo_email = \"ispo@acme.example\"\n\n[modules]\nwith = []\nwithout = [\n  \"hackathon\",\n]\n";
        let generated_v2 = "# ispo answers\n\n# Where is your code?\n# one of: github, gitlab\nforge = \"gitlab\"\n\n# How many engineers?\nengineers = 250\n\n# Regulated?\nregulated = false\n\n[fill]\n# Email of the ISPO\nispo_email = \"ispo@acme.example\"\n# Name of the sponsor\n# sponsor = \"\"\n\n[modules]\nwith = []\nwithout = [\"hackathon\"]\n";
        assert_eq!(
            keep_edits(user, generated_v2),
            "# ispo answers\n\n# Where is your code?\n# one of: github, gitlab\n# We moved in 2025; see ADR-12.\nforge = \"gitlab\"\n\n# How many engineers?\nengineers = 250   # headcount from HR, May\n\n# Regulated?\nregulated = false\n\n[fill]\n# Email of the ISPO\nispo_email = \"ispo@acme.example\"\n\n# Name of the sponsor\n# sponsor = \"\"\n\n[modules]\nwith = []\nwithout = [\n  \"hackathon\",\n]\n"
        );
    }

    #[test]
    fn answers_the_new_render_drops_are_dropped() {
        let user = "forge = \"github\"\n# my note on the old question\nold = \"x\"\n\n[modules]\nwith = []\nwithout = []\n";
        let out = keep_edits(user, GENERATED_V1);
        assert!(!out.contains("old = "), "{out}");
        assert!(out.starts_with("forge = \"github\"\n"), "{out}");
        assert!(out.contains("engineers = 100"), "{out}");
    }

    #[test]
    fn a_fill_in_given_a_value_loses_its_commented_hint() {
        let generated = GENERATED_V1.replace("# ispo_email = \"\"", "ispo_email = \"x@y.z\"");
        let out = keep_edits(GENERATED_V1, &generated);
        assert_eq!(out, generated);
    }

    #[test]
    fn an_unchanged_file_stays_byte_for_byte() {
        assert_eq!(keep_edits(GENERATED_V1, GENERATED_V1), GENERATED_V1);
    }

    proptest::proptest! {
        /// Whatever comment lines the user adds, the result holds every one
        /// of them and exactly the generated values.
        #[test]
        fn user_comments_survive_and_values_follow(
            notes in proptest::collection::vec((0usize..20, "[a-zA-Z0-9 ,.()-]{0,30}"), 0..8)
        ) {
            let mut lines: Vec<String> = GENERATED_V1.lines().map(str::to_string).collect();
            for (i, (at, text)) in notes.iter().enumerate() {
                let at = at % (lines.len() + 1);
                lines.insert(at, format!("# note {i}: {text}"));
            }
            let user = lines.join("\n") + "\n";
            let generated = GENERATED_V1
                .replace("engineers = 100", "engineers = 250")
                .replace("\n[fill]", "# Chat?\nchat = \"slack\"\n\n[fill]");
            let out = keep_edits(&user, &generated);
            for i in 0..notes.len() {
                let needle = format!("# note {i}: ");
                proptest::prop_assert!(out.contains(&needle), "{}", out);
            }
            let parsed: toml::Table = out.parse().unwrap();
            let wanted: toml::Table = generated.parse().unwrap();
            proptest::prop_assert_eq!(parsed, wanted);
        }
    }

    #[test]
    fn crlf_files_keep_crlf() {
        let user = "# Chat?\r\nchat = \"slack\"\r\n\r\n[fill]\r\n";
        let generated = "# Chat?\nchat = \"ms_teams\"\n\n[fill]\n";
        let out = keep_edits(user, generated);
        assert_eq!(out, "# Chat?\r\nchat = \"ms_teams\"\r\n\r\n[fill]\r\n");
    }

    #[test]
    fn a_question_that_stops_applying_is_listed_as_in_a_fresh_file() {
        let user = "# Plan?\n# one of: free, team\nplan = \"team\" # we pay\n\n# Chat?\nchat = \"slack\"\n";
        let generated = "# Plan?\n# one of: free, team\n# plan = (does not apply)\n\n# Chat?\nchat = \"slack\"\n";
        let out = keep_edits(user, generated);
        assert_eq!(
            out,
            "# Plan?\n# one of: free, team\n# plan = (does not apply)\n\n# Chat?\nchat = \"slack\"\n"
        );
    }
}
