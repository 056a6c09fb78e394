//! Values never break the files they land in: every fill-in and text
//! question of the built-in catalog, set to hostile values, renders every
//! example to JSON and YAML that parse and hold the value as given.

use std::path::{Path, PathBuf};

use crate::support::*;

/// Values a person or a script might give that carry a file's syntax.
const HOSTILE: &[&str] = &[
    r#"acme"    evil: "x"#,
    "a: b # not a comment",
    "${{ secrets.GITHUB_TOKEN }}",
    "{{ company_name }} and {{{raw}}}",
    "</script><script>alert(1)</script>",
    r#"back\slash \"quoted\" \n"#,
    "- [x, y]: {z}",
    "'single' & \"double\"",
    "yes",
    "#hash, *star, &anchor, !tag, %percent, @at, `tick`",
];

/// E-mail addresses and web addresses that are valid for their kind and
/// still carry a file's syntax (typed fill-ins refuse the values above).
const HOSTILE_EMAILS: &[&str] = &[
    "${{secrets.GITHUB_TOKEN}}@acme.example",
    "{{company_name}}@acme.example",
    "o'neil&co@acme.example",
    "#hash*star!bang%pct@acme.example",
    "yes@acme.example",
    "a|b~c^d`e=f?g@acme.example",
];
const HOSTILE_URLS: &[&str] = &[
    "https://acme.example/a'b?c=d&e=f#g",
    "https://acme.example/$x/!y/*z/(p)",
    "https://acme.example/p?q=a:b,c;d=@e",
    "https://user@acme.example:8443/%22quoted%22",
    "https://acme.example/yes",
];

/// The value a fill-in of `kind` gets in round `n` (0: plain, to learn
/// which files each kind of value lands in; then hostile ones).
fn value_of(kind: &str, n: usize) -> String {
    let pick = |list: &[&str]| list[(n - 1) % list.len()].to_string();
    match (kind, n) {
        ("email", 0) => "zq7x.mail@acme.example".into(),
        ("email", _) => pick(HOSTILE_EMAILS),
        ("url", 0) => "https://zq7x.example/url".into(),
        ("url", _) => pick(HOSTILE_URLS),
        // Digits and dashes carry no syntax.
        ("date", _) => "2031-07-19".into(),
        ("integer", _) => "2,031".into(),
        (_, 0) => "Zq7xValue".into(),
        (_, _) => HOSTILE[n - 1].into(),
    }
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every fill-in of the built-in catalog (catalog-wide and per module),
/// with its kind.
fn fill_ids() -> Vec<(String, String)> {
    let root = repo_root().join("catalog");
    let mut files = vec![root.join("fills.toml")];
    for m in std::fs::read_dir(root.join("modules")).unwrap().flatten() {
        files.push(m.path().join("module.toml"));
    }
    let mut ids = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let doc: toml::Table = toml::from_str(&text).unwrap();
        for fill in doc
            .get("fill")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let kind = fill.get("kind").and_then(|k| k.as_str()).unwrap_or("text");
            ids.push((fill["id"].as_str().unwrap().to_string(), kind.to_string()));
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

fn text_questions() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("catalog/questions.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    doc["question"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["type"].as_str() == Some("text"))
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect()
}

fn examples() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    out
}

/// Checks every JSON and YAML file of a kit parses, and that each one that
/// values go into (`holders`: a path and the kinds of value it got) holds
/// this round's value of each of those kinds verbatim in one of its
/// strings. Returns how many structured files held a value.
fn check_kit(kit: &Path, n: usize, label: &str, holders: &[(String, Vec<String>)]) -> usize {
    let mut holding = 0;
    for (path, text) in tree(kit) {
        if path.starts_with(".ispo/") {
            continue;
        }
        let strings = match structured_strings(&path, &text) {
            None => continue,
            Some(Ok(strings)) => strings,
            Some(Err(e)) => panic!("{label}: {path} is {e}:\n{text}"),
        };
        if let Some((_, kinds)) = holders.iter().find(|(p, _)| *p == path) {
            for kind in kinds {
                let value = value_of(kind, n);
                assert!(
                    strings.iter().any(|s| s.contains(&value)),
                    "{label}: {path} does not hold the {kind} value {value:?} verbatim:\n{text}"
                );
            }
            holding += 1;
        }
    }
    holding
}

#[test]
fn hostile_values_render_every_example_to_files_that_parse_and_hold_them() {
    let fills = fill_ids();
    let texts = text_questions();
    assert!(fills.len() > 10 && texts.len() >= 2, "{fills:?} {texts:?}");
    let keep = std::env::var_os("ISPO_HOSTILE_KITS_DIR").map(PathBuf::from);
    let env = Env::new();
    let mut structured = 0;
    for example in examples() {
        let name = example.file_stem().unwrap().to_string_lossy().into_owned();
        // A plain value first, to learn which files the values land in.
        let mut holders = Vec::new();
        for n in 0..=HOSTILE.len() {
            let kit = format!("{name}-{n}");
            let value = value_of("text", n);
            let value = value.as_str();
            let mut args: Vec<String> = vec![
                "init".into(),
                kit.clone(),
                "--answers".into(),
                example.display().to_string(),
                "-q".into(),
            ];
            if let Some(copy) = company_catalog(&env, &example) {
                args.extend(["--catalog".into(), copy]);
            }
            for (f, kind) in &fills {
                args.push("--set".into());
                args.push(format!("fill.{f}={}", value_of(kind, n)));
            }
            for q in &texts {
                args.push("--set".into());
                args.push(format!("{q}={value}"));
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            env.ispo(&args).ok();
            let label = format!("{name} with {value:?}");
            if n == 0 {
                holders = tree(&env.path(&kit))
                    .into_iter()
                    .filter(|(p, _)| !p.starts_with(".ispo/"))
                    .filter_map(|(p, t)| {
                        let kinds: Vec<String> = ["text", "email", "url"]
                            .into_iter()
                            .filter(|k| t.contains(&value_of(k, 0)))
                            .map(str::to_string)
                            .collect();
                        (!kinds.is_empty()).then_some((p, kinds))
                    })
                    .collect();
            }
            structured += check_kit(&env.path(&kit), n, &label, &holders);
            // Markdown keeps values as written.
            let charter = env.read(&format!("{kit}/program/CHARTER.md"));
            assert!(
                charter.contains(value),
                "{label}: the charter lacks the value"
            );
            if let Some(dir) = &keep {
                let to = dir.join(&kit);
                std::fs::create_dir_all(&to).unwrap();
                for (path, text) in tree(&env.path(&kit)) {
                    let p = to.join(&path);
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(p, text).unwrap();
                }
            }
        }
    }
    // The values did reach structured files, so the check above means something.
    assert!(
        structured >= 2 * HOSTILE.len(),
        "only {structured} structured files held a value"
    );
}

#[test]
fn values_that_cannot_be_one_line_of_text_are_refused_where_given() {
    let env = Env::new();
    for (value, said) in [
        ("acme\n    evil: x", "the value holds a line break"),
        ("a\u{202e}b", "the control character \\u{202e}"),
        ("a\u{1b}[31mb", "the control character \\u{1b}"),
        ("a\rb", "the control character \\u{d}"),
        ("a\u{2028}evil: x", "the value holds a line break"),
    ] {
        env.ispo(&[
            "init",
            "kit",
            "--defaults",
            "--set",
            "company_name=Acme",
            "--set",
            &format!("fill.forge_org={value}"),
        ])
        .code(2)
        .stderr_has("--set fill.forge_org: fill-in `forge_org`: ")
        .stderr_has(said);
        assert!(!env.exists("kit"));
    }
}

#[test]
fn a_template_that_puts_a_value_in_unquoted_yaml_text_is_refused_for_an_unsafe_value() {
    let env = Env::new();
    let mut files = fixture();
    files.push((
        "modules/charter/files/program/info.yaml",
        "url: mailto:{{fill.ispo_email}}?subject=x\nname: {{fill.ispo_email}}\n",
    ));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    // A safe value is placed as written; a plain scalar on its own is quoted as needed.
    env.init_kit(repo.path(), &["--set", "fill.ispo_email=ispo@acme.example"])
        .ok();
    assert_eq!(
        env.read("kit/program/info.yaml"),
        "url: mailto:ispo@acme.example?subject=x\nname: ispo@acme.example\n"
    );
    let run = env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--set",
        "fill.ispo_email=ispo: #1",
    ]);
    run.code(1)
        .stderr_has("modules/charter/files/program/info.yaml: renders `program/info.yaml`, whose line 1 cannot hold the value \"ispo: #1\"")
        .stderr_has("put that text in double quotes");
    assert!(!env.exists("kit2"));
}
