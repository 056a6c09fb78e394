//! Beyond the five examples: kits rendered from seeded random answers, drawn
//! from the built-in catalog's own questions, each checked by the fast
//! checks (JSON and YAML parse, no template left unrendered, every relative
//! link resolves inside the kit). `ISPO_RANDOM_KITS=N` sets how many (CI
//! runs a few hundred), `ISPO_RANDOM_SEED` replays a run, and
//! `ISPO_RANDOM_KITS_DIR` keeps the kits for the linters `.ci/run` batches
//! over them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use regex::Regex;

use crate::support::*;

fn questions() -> Vec<toml::Table> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog/questions.toml");
    let doc: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["question"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_table().unwrap().clone())
        .collect()
}

/// xorshift64: small, seeded, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random answers file: every question answered from its own choices
/// and bounds (conditions decide which are asked; the others are ignored).
fn random_answers(questions: &[toml::Table], rng: &mut Rng) -> String {
    let mut out = String::new();
    for q in questions {
        let id = q["id"].as_str().unwrap();
        let values: Vec<&str> = q
            .get("choices")
            .and_then(|c| c.as_array())
            .map(|cs| cs.iter().filter_map(|c| c.get("value")?.as_str()).collect())
            .unwrap_or_default();
        let line = match q["type"].as_str().unwrap() {
            "text" => format!("{id} = \"Acme {}\"", rng.below(1000)),
            "bool" => format!("{id} = {}", rng.below(2) == 1),
            "integer" => {
                let min = q.get("min").and_then(|v| v.as_integer()).unwrap_or(1);
                let max = q
                    .get("max")
                    .and_then(|v| v.as_integer())
                    .unwrap_or(100_000)
                    .min(50_000);
                // Sizes around the catalog's thresholds are the interesting ones.
                let picks = [min, 50, 200, 500, 1_000, 2_000, 5_000, 20_000, max];
                let v = picks[rng.below(picks.len())].clamp(min, max);
                format!("{id} = {v}")
            }
            "choice" => format!("{id} = \"{}\"", values[rng.below(values.len())]),
            "multi" => {
                let min = q.get("min").and_then(|v| v.as_integer()).unwrap_or(0) as usize;
                let mut picked: Vec<&str> = values
                    .iter()
                    .copied()
                    .filter(|_| rng.below(2) == 1)
                    .collect();
                for v in &values {
                    if picked.len() >= min.max(1) {
                        break;
                    }
                    if !picked.contains(v) {
                        picked.push(v);
                    }
                }
                let list: Vec<String> = picked.iter().map(|v| format!("\"{v}\"")).collect();
                format!("{id} = [{}]", list.join(", "))
            }
            other => panic!("question type {other}"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Problems of one rendered kit: files that do not parse, templates left
/// unrendered, relative links that go nowhere.
fn problems(kit: &std::path::Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let mut out = Vec::new();
    for (path, text) in files {
        if path.starts_with(".ispo/") {
            continue;
        }
        if let Some(Err(e)) = structured_strings(path, text) {
            out.push(format!("{path}: {e}"));
        }
        // GitHub expressions are `${{ … }}`; anything else left in `{{` is a template.
        let stripped = text.replace("${{", "");
        if stripped.contains("{{") && !path.ends_with(".yml") && !path.ends_with(".yaml") {
            out.push(format!("{path}: holds an unrendered `{{{{`"));
        }
        if !path.ends_with(".md") {
            continue;
        }
        for c in link.captures_iter(text) {
            let target = &c[1];
            if target.contains("://")
                || target.starts_with("mailto:")
                || target.starts_with('#')
                || target.contains("FILL(")
            {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let dir = std::path::Path::new(path).parent().unwrap();
            let resolved = kit.join(dir).join(file);
            if !resolved.exists() {
                out.push(format!(
                    "{path}: the link `{target}` goes nowhere in the kit"
                ));
            }
        }
    }
    out
}

#[test]
fn random_answer_combinations_render_kits_that_pass_the_fast_checks() {
    let count: usize = std::env::var("ISPO_RANDOM_KITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    let seed: u64 = std::env::var("ISPO_RANDOM_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        });
    eprintln!("random kits: {count}, ISPO_RANDOM_SEED={seed}");
    let keep = std::env::var_os("ISPO_RANDOM_KITS_DIR").map(PathBuf::from);
    let questions = questions();
    let env = Env::new();
    let mut rng = Rng(seed | 1);
    let mut failures = Vec::new();
    for n in 0..count {
        let answers = random_answers(&questions, &mut rng);
        env.write("answers.toml", &answers);
        let kit = format!("kit-{n}");
        let run = env.ispo(&[
            "init",
            &kit,
            "--answers",
            "answers.toml",
            "--defaults",
            "-q",
        ]);
        if run.code != 0 {
            failures.push(format!(
                "kit {n} did not render ({}):\n{answers}{}",
                run.code, run.stderr
            ));
            continue;
        }
        let files = tree(&env.path(&kit));
        for p in problems(&env.path(&kit), &files) {
            failures.push(format!("kit {n}: {p}\n{answers}"));
        }
        if let Some(dir) = &keep {
            for (path, text) in &files {
                if path.starts_with(".ispo/") {
                    continue;
                }
                let to = dir.join(&kit).join(path);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::write(to, text).unwrap();
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) with ISPO_RANDOM_SEED={seed}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_example_kits_pass_the_same_checks() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kits");
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let kit = entry.path();
        for p in problems(&kit, &tree(&kit)) {
            failures.push(format!("{}: {p}", kit.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
