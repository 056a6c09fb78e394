//! The default catalog's content: every answer of the questions added for
//! the operating numbers and the organisation's set-up changes the kit, and
//! no kit states two different values for the same operating number.

use std::collections::BTreeMap;
use std::path::PathBuf;

use regex::Regex;

use crate::support::*;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The kit's module files: the generated README (it lists the answers),
/// the answers file and the state are left out, so only content counts.
fn content(files: BTreeMap<String, String>) -> BTreeMap<String, String> {
    files
        .into_iter()
        .filter(|(p, _)| !p.starts_with(".ispo/") && p != "README.md" && p != "ispo-answers.toml")
        .collect()
}

fn render(env: &Env, name: &str, example: &str, sets: &[String]) -> BTreeMap<String, String> {
    let answers = repo_root().join("examples").join(example);
    let mut args = vec![
        "init".to_string(),
        name.to_string(),
        "--answers".to_string(),
        answers.to_str().unwrap().to_string(),
        "--non-interactive".to_string(),
        "-q".to_string(),
    ];
    for s in sets {
        args.push("--set".to_string());
        args.push(s.clone());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.ispo(&refs).ok();
    content(env.tree(name))
}

/// Each value of each question, rendered on top of an example the question
/// applies to, gives a kit different from every other value's kit.
#[test]
fn every_answer_of_the_new_questions_changes_the_kit() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("startup-github.toml", "response_days", &["1", "2", "4"]),
        ("startup-github.toml", "review_days", &["3", "5", "10"]),
        ("startup-github.toml", "warranty_days", &["1", "30", "90"]),
        ("startup-github.toml", "tc_review_hours", &["1", "2", "8"]),
        ("startup-github.toml", "nomination_days", &["1", "5", "10"]),
        (
            "startup-github.toml",
            "report_cadence",
            &["monthly", "quarterly"],
        ),
        (
            "startup-github.toml",
            "forge_plan",
            &["free", "team", "enterprise"],
        ),
        // GitLab has no team plan: "team" reads as Free there, so two values.
        (
            "public-sector-gitlab.toml",
            "forge_plan",
            &["free", "enterprise"],
        ),
        ("startup-github.toml", "works_council", &["true", "false"]),
    ];
    let env = Env::new();
    let mut n = 0;
    for (example, question, values) in cases {
        let mut kits: Vec<(String, BTreeMap<String, String>)> = Vec::new();
        for value in values.iter() {
            n += 1;
            let kit = render(
                &env,
                &format!("k{n}"),
                example,
                &[format!("{question}={value}")],
            );
            for (other, other_kit) in &kits {
                assert!(
                    &kit != other_kit,
                    "{example}: {question} = {value} renders the same kit as {question} = {other}"
                );
            }
            kits.push((value.to_string(), kit));
        }
    }
}

/// What an example answers (its own value, else the question's default).
fn answer(example: &toml::Table, defaults: &toml::Table, id: &str) -> String {
    let v = example.get(id).unwrap_or_else(|| &defaults[id]);
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn question_defaults() -> toml::Table {
    let text = std::fs::read_to_string(repo_root().join("catalog/questions.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut out = toml::Table::new();
    for q in doc["question"].as_array().unwrap() {
        if let Some(d) = q.get("default") {
            out.insert(q["id"].as_str().unwrap().to_string(), d.clone());
        }
    }
    out
}

/// Phrases that state an operating number, each with the question whose
/// answer the number must equal. The phrases are the ones the catalog
/// uses; a number written in any of them that differs from the answer (a
/// hard-coded "30 days" next to a 60-day warranty) fails.
fn phrases() -> Vec<(&'static str, Regex)> {
    let r = |s: &str| Regex::new(s).unwrap();
    vec![
        (
            "warranty_days",
            r(r"(?i)for \**(\d+) days?\**(?: after merge| \(the project)"),
        ),
        (
            "warranty_days",
            r(r"(?i)responsible for it for \**(\d+) days?"),
        ),
        ("warranty_days", r(r"(?i)after (\d+) days?, the change")),
        // "30 Day Warranty" is the pattern's name, so "N-day warranty" is not checked.
        (
            "response_days",
            r(r"(?i)(?:reply|respon\w*|answer\w*)[^.|\n]*?within (\d+) working days?"),
        ),
        (
            "response_days",
            r(r"(?i)(?:first (?:reply|response)[^|\n]*\| (?:within )?)(\d+) working days?"),
        ),
        (
            "response_days",
            r(r"(?i)waiting more than (\d+) working days?"),
        ),
        (
            "response_days",
            r(r"(?i)first response at most (\d+) working days?"),
        ),
        (
            "response_days",
            r(r"(?i)target (?:at most|of) (\d+)(?: working days?)?"),
        ),
        (
            "review_days",
            r(r"(?i)review decision[^|\n]*\| (?:within )?(\d+) working days?"),
        ),
        (
            "tc_review_hours",
            r(
                r"(?i)(\d+) hours? (?:a|per) week (?:of review time )?per (?:trusted committer|person)",
            ),
        ),
        (
            "tc_review_hours",
            r(r"(?i)(\d+) hours? per trusted committer per week"),
        ),
        (
            "tc_review_hours",
            r(r"(?i)weekly routine \(about (\d+) hours?\)"),
        ),
        (
            "nomination_days",
            r(r"(?i)trusted committers have (\d+) working days? to (?:comment|object)"),
        ),
        (
            "nomination_days",
            r(r"(?i)after the (\d+) working days?, the proposer"),
        ),
        (
            "nomination_days",
            r(r"(?i)who have (\d+) working days? to object"),
        ),
        (
            "report_cadence",
            r(r"(?i)receives the (monthly|quarterly) report"),
        ),
        (
            "report_cadence",
            r(
                r"(?i)(?:a|first) (monthly|quarterly) (?:review|report) (?:with our sponsor|on the agreed)",
            ),
        ),
        (
            "report_cadence",
            r(r"(?m)^\| Cadence \| (Monthly|Quarterly) \|"),
        ),
    ]
}

#[test]
fn no_kit_states_two_values_for_one_operating_number() {
    let defaults = question_defaults();
    let phrases = phrases();
    // Written-out numbers were the old hard-coded style; they must not return.
    let spelled = Regex::new(
        r"(?i)\b(?:one|two|three|four|five|ten)\b (?:hours? a week per trusted committer|hours? per trusted committer|working days? (?:for|to) (?:a first|comment|object))|after the (?:one|two|three|four|five|ten) (?:working )?days|about 30 days after merge|for about a month",
    )
    .unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_root().join("examples"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue; // a company catalog's folder (examples/overlay-acme/)
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let example: toml::Table =
            toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let kit = content(tree(&repo_root().join("kits").join(&name)));
        assert!(!kit.is_empty(), "kits/{name} is missing");
        for (file, text) in &kit {
            for (id, re) in &phrases {
                let expected = answer(&example, &defaults, id);
                for cap in re.captures_iter(text) {
                    checked += 1;
                    assert!(
                        cap[1].eq_ignore_ascii_case(&expected),
                        "kits/{name}/{file}: `{}` states {id} = {}, but the example answers {expected}",
                        &cap[0],
                        &cap[1]
                    );
                }
            }
            if let Some(m) = spelled.find(text) {
                panic!(
                    "kits/{name}/{file}: `{}` is a hard-coded operating number; use the question's answer",
                    m.as_str()
                );
            }
        }
    }
    // Guard against phrases that silently stopped matching anything.
    assert!(
        checked > 100,
        "only {checked} operating numbers found in the kits"
    );
    for (id, re) in &phrases {
        let found = std::fs::read_dir(repo_root().join("kits"))
            .unwrap()
            .flatten()
            .any(|k| content(tree(&k.path())).values().any(|t| re.is_match(t)));
        assert!(found, "no kit states {id} in the form `{}`", re.as_str());
    }
}

/// Draft patterns (`patterns/1-initial/`) are renamed or promoted often, so
/// the catalog links them at a fixed commit of InnerSourcePatterns, never at
/// `main`; the same for chapters of Managing InnerSource Projects.
#[test]
fn links_to_moving_innersource_commons_files_are_pinned_to_a_commit() {
    let unpinned = Regex::new(
        r"https://github\.com/InnerSourceCommons/(?:InnerSourcePatterns|managing-innersource-projects)/blob/(?:main|master)/",
    )
    .unwrap();
    let root = repo_root().join("catalog");
    let mut found = Vec::new();
    for (path, text) in tree(&root) {
        if path == "REVIEW-NOTES.md" || path == "CHANGELOG.md" {
            continue;
        }
        for m in unpinned.find_iter(&text) {
            found.push(format!("catalog/{path}: {}", m.as_str()));
        }
    }
    assert!(
        found.is_empty(),
        "links to a moving branch:\n{}",
        found.join("\n")
    );
}
