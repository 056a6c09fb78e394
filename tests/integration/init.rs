//! `ispo init` end to end against real git catalogs.

use pretty_assertions::assert_eq;

use crate::support::*;

#[test]
fn renders_a_kit_from_a_git_catalog() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &["--set", "audiences=devs,execs"])
        .ok()
        .stderr_has("Created kit in kit with 3 modules and 6 files");
    let all: Vec<String> = env.tree("kit").into_keys().collect();
    // The base store: 256 buckets and ispo's own git attributes and ignores.
    assert_eq!(
        all.iter().filter(|p| p.starts_with(".ispo/store/")).count(),
        256
    );
    assert!(all.contains(&".ispo/.gitattributes".to_string()));
    let files: Vec<String> = without_store(env.tree("kit")).into_keys().collect();
    assert_eq!(
        files,
        vec![
            ".github/CODEOWNERS",
            ".github/workflows/check.yml",
            ".ispo/state.toml",
            "README.md",
            "SOURCES.md",
            "ispo-answers.toml",
            "program/CHARTER.md",
            "program/PRINCIPLES.md",
        ]
    );
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        "# Acme InnerSource charter\n\nSponsor: ISPO-FILL(sponsor)\nForge: GitHub\nEngineers: 100\nFor executives too.\nQuestions? Write to ISPO-FILL(ispo_email).\n"
    );
    // Raw files keep their ${{ }} untouched; templated output paths resolve.
    assert!(env
        .read("kit/.github/workflows/check.yml")
        .contains("${{ github.sha }}"));
    assert_eq!(
        env.read("kit/.github/CODEOWNERS"),
        "* @ISPO-FILL(ispo_email)\n"
    );
    // The base is the pristine render, byte for byte.
    for f in [
        "program/CHARTER.md",
        "README.md",
        ".github/workflows/check.yml",
    ] {
        assert_eq!(
            Some(env.read(&format!("kit/{f}"))),
            base_of(&env.path("kit"), f),
            "{f}"
        );
    }
    let state = env.read("kit/.ispo/state.toml");
    assert!(
        state.contains(&format!("commit = \"{}\"", repo.head())),
        "{state}"
    );
    assert!(
        state.contains(&format!(
            "source = \"{}\"",
            std::fs::canonicalize(repo.path()).unwrap().display()
        )),
        "{state}"
    );
    assert!(
        state.contains("modules = [\n    \"charter\",\n    \"principles\",\n    \"workflows\",\n]"),
        "{state}"
    );
    let charter_sha = {
        use std::fmt::Write;
        let digest = sha256(env.read("kit/program/CHARTER.md").as_bytes());
        let mut s = String::new();
        for b in digest {
            write!(s, "{b:02x}").unwrap();
        }
        s
    };
    assert!(
        state.contains(&format!(
            "path = \"program/CHARTER.md\"\nmodule = \"charter\"\nsha256 = \"{charter_sha}\""
        )),
        "{state}"
    );
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bytes)?;
            c.wait_with_output()
        })
        .unwrap();
    let hex = String::from_utf8(out.stdout).unwrap();
    (0..32)
        .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap())
        .collect()
}

#[test]
fn the_answers_file_is_the_record_of_every_answer() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(
        repo.path(),
        &[
            "--set",
            "forge=azure",
            "--set",
            "fill.ispo_email=ispo@acme.test",
            "--without",
            "workflows",
        ],
    )
    .ok();
    let answers = env.read("kit/ispo-answers.toml");
    for line in [
        "company = \"Acme\"",
        "forge = \"azure\"",
        "engineers = 100",
        "regulated = false",
        "audiences = [\"devs\"]",
        "tracker = \"boards\"",
        "# auditor = (does not apply)",
        "ispo_email = \"ispo@acme.test\"",
        "# sponsor = \"\"",
        "without = [\"workflows\"]",
    ] {
        assert!(answers.contains(line), "missing {line:?} in\n{answers}");
    }
    // Feeding the kit's answers file back gives the same kit.
    env.ispo(&[
        "init",
        "again",
        "--catalog",
        repo.path(),
        "--answers",
        "kit/ispo-answers.toml",
        "--non-interactive",
    ])
    .ok();
    // Metadata of the files written, which differs between folders.
    let without_stamps = |mut t: std::collections::BTreeMap<String, String>| {
        t.remove(STAT_CACHE);
        t
    };
    assert_eq!(
        without_stamps(env.tree("kit")),
        without_stamps(env.tree("again"))
    );
}

#[test]
fn defaults_can_depend_on_earlier_answers_and_when_skips_questions() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(
        repo.path(),
        &["--set", "regulated=yes", "--without", "gitlab-ci"],
    )
    .ok();
    let answers = env.read("kit/ispo-answers.toml");
    assert!(answers.contains("auditor = \"Acme Audit\""), "{answers}");
    assert!(answers.contains("tracker = \"issues\""), "{answers}");
}

#[test]
fn refuses_a_non_empty_destination_unless_adopted() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("kit/notes.txt", "mine");
    let run = env.init_kit(repo.path(), &[]);
    run.code(4)
        .stderr_has("`kit` is not empty (notes.txt); pass --adopt");
    assert_eq!(env.tree("kit").len(), 1);
    env.init_kit(repo.path(), &["--force"]).ok();
    assert_eq!(env.read("kit/notes.txt"), "mine");
    assert!(env.exists("kit/program/CHARTER.md"));
    // A folder holding only .git counts as empty.
    std::fs::create_dir_all(env.path("gitkit/.git")).unwrap();
    env.ispo(&[
        "init",
        "gitkit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .ok();
    // An existing kit gets pointed at update.
    env.ispo(&[
        "init",
        "gitkit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .code(4)
    .stderr_has("already holds an ispo kit");
}

#[test]
fn never_writes_through_a_symlink_in_the_destination() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    std::fs::create_dir_all(env.path("kit")).unwrap();
    std::fs::create_dir_all(env.path("outside")).unwrap();
    std::os::unix::fs::symlink(env.path("outside"), env.path("kit/program")).unwrap();
    env.init_kit(repo.path(), &["--force"])
        .code(4)
        .stderr_has("is a symlink (to `")
        .stderr_has("ispo does not write through symlinks");
    assert!(env.tree("outside").is_empty());
    assert!(!env.exists("kit/README.md"));
}

#[test]
fn json_puts_one_document_on_stdout() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let run = env.init_kit(repo.path(), &["--json"]);
    run.ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is JSON");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["catalog"]["commit"], repo.head());
    assert_eq!(doc["modules"].as_array().unwrap().len(), 4);
    assert_eq!(
        doc["modules"][3]["why"],
        "condition holds: `forge == github` is true (forge = github)"
    );
    assert!(doc["fill_ins_open"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "sponsor" && f["line"] == 3));
    // Errors are JSON too, with the exit code.
    let run = env.ispo(&["init", "kit2", "--catalog", repo.path(), "--json"]);
    run.code(5);
    let doc: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("error is JSON");
    assert_eq!(doc["error"]["kind"], "needs_input");
    assert_eq!(doc["error"]["code"], 5);
}

#[test]
fn works_with_the_built_in_catalog_and_no_configuration() {
    let env = Env::new();
    env.ispo(&[
        "init",
        "kit",
        "--defaults",
        "--set",
        "company_name=Acme Corp",
    ])
    .ok()
    .stderr_has("Created kit in kit");
    let state = env.read("kit/.ispo/state.toml");
    assert!(state.contains("source = \"builtin\""), "{state}");
    assert!(state.contains("commit = \"sha256:"), "{state}");
    assert!(env.read("kit/README.md").starts_with("# InnerSource kit\n"));
    assert!(!env.cache().exists(), "the built-in catalog needs no cache");
}

#[test]
fn template_errors_name_file_line_and_column() {
    let env = Env::new();
    let mut files = fixture();
    files.push((
        "modules/principles/files/program/PRINCIPLES.md",
        "# P\n\nline {{#if company}\nmore\n",
    ));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.init_kit(repo.path(), &["--with", "principles"])
        .code(1)
        .stderr_has("modules/principles/files/program/PRINCIPLES.md:3:")
        .stderr_has("template error");
    assert!(!env.exists("kit"));

    let mut files = fixture();
    files.push((
        "modules/principles/files/program/PRINCIPLES.md",
        "# P\n\n{{compnay}}\n",
    ));
    let repo = CatalogRepo::new(env.path("catalog2"), &files);
    env.init_kit(repo.path(), &["--with", "principles"])
        .code(1)
        .stderr_has("modules/principles/files/program/PRINCIPLES.md:3:")
        .stderr_has("`compnay` is not defined");
    assert!(!env.exists("kit"));
}

#[test]
fn answers_cannot_steer_output_paths_out_of_the_kit() {
    let env = Env::new();
    let mut files = fixture();
    files.push((
        "modules/principles/module.toml",
        "id = \"principles\"\ntitle = \"P\"\nsummary = \"s\"\nkind = \"doc\"\n\n[[output]]\nsource = \"P.md\"\ntarget = \"docs/{{company}}/P.md\"\n",
    ));
    files.push(("modules/principles/files/P.md", "x\n"));
    files.retain(|(p, _)| *p != "modules/principles/files/program/PRINCIPLES.md");
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.write("canary.txt", "keep");
    // Without a pattern on `company`, any text reaches the output path.
    let mut files2 = files.clone();
    files2[1] = ("questions.toml", "[[question]]\nid = \"company\"\ntype = \"text\"\nprompt = \"c\"\n\n[[question]]\nid = \"forge\"\ntype = \"choice\"\nprompt = \"f\"\nchoices = [{ value = \"github\" }, { value = \"gitlab\" }]\ndefault = \"github\"\n\n[[question]]\nid = \"engineers\"\ntype = \"integer\"\nprompt = \"e\"\ndefault = 1\n\n[[question]]\nid = \"regulated\"\ntype = \"bool\"\nprompt = \"r\"\ndefault = false\n\n[[question]]\nid = \"audiences\"\ntype = \"multi\"\nprompt = \"a\"\nchoices = [{ value = \"devs\" }, { value = \"execs\" }]\ndefault = [\"devs\"]\n");
    let repo2 = CatalogRepo::new(env.path("catalog2"), &files2);
    for (value, why) in [
        ("../../canary", "path separator"),
        ("..", "relative step"),
        ("a/b", "path separator"),
    ] {
        env.ispo(&[
            "init",
            "kit",
            "--catalog",
            repo2.path(),
            "--defaults",
            "--set",
            &format!("company={value}"),
        ])
        .code(4)
        .stderr_has("nothing was written")
        .stderr_has(why);
        assert!(!env.exists("kit"));
    }
    assert_eq!(env.read("canary.txt"), "keep");
    drop(repo);
}

#[test]
fn help_and_completions() {
    let env = Env::new();
    let run = env.ispo(&["--help"]);
    run.ok();
    for cmd in [
        "init",
        "update",
        "diff",
        "check",
        "explain",
        "status",
        "catalog",
        "completions",
    ] {
        assert!(
            run.stdout.contains(&format!("  {cmd} ")),
            "--help lacks {cmd}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains(
            "Exit codes (stable; scripts may rely on them):\n  0    Success.\n  1    Error: "
        ),
        "{}",
        run.stdout
    );
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = env.ispo(&["completions", shell]);
        run.ok();
        assert!(
            run.stdout.contains("update"),
            "{shell} completions lack subcommands"
        );
    }
}

#[test]
fn errors_inside_a_partial_point_at_the_partial() {
    let env = Env::new();
    let mut files = fixture();
    files.push(("partials/footer.hbs", "Questions?\n{{nope}}\n"));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.init_kit(repo.path(), &[])
        .code(1)
        .stderr_has("partials/footer.hbs:2:")
        .stderr_has("included from modules/charter/files/program/CHARTER.md");
}

/// Templates are compiled and rendered a batch of modules at a time; a
/// compile error in a late batch is still the error reported, and no render
/// error from an earlier batch comes before it or instead of it.
#[test]
fn a_compile_error_in_a_late_batch_comes_before_render_errors_of_early_ones() {
    let env = Env::new();
    let mut owned: Vec<(String, String)> = Vec::new();
    for i in 0..80 {
        let id = format!("bulk{i:02}");
        owned.push((
            format!("modules/{id}/module.toml"),
            format!("id = \"{id}\"\ntitle = \"B\"\nsummary = \"s\"\nkind = \"doc\"\n"),
        ));
        let body = match i {
            0 => "# First\n\n{{compnay}}\n".to_string(),
            79 => "# Last\n\nline {{#if company}\nmore\n".to_string(),
            _ => format!("# Bulk {i}\n\n{{{{company}}}}\n"),
        };
        owned.push((format!("modules/{id}/files/bulk/{id}.md"), body));
    }
    let mut files = fixture();
    files.extend(owned.iter().map(|(p, c)| (p.as_str(), c.as_str())));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    let mut args: Vec<String> = Vec::new();
    for i in 0..80 {
        args.extend(["--with".to_string(), format!("bulk{i:02}")]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.init_kit(repo.path(), &args);
    run.code(1)
        .stderr_has("modules/bulk79/files/bulk/bulk79.md:3:")
        .stderr_has("template error");
    assert!(!run.stderr.contains("compnay"), "{}", run.stderr);
    assert!(!env.exists("kit"));
    // With the late template mended, the early render error is reported.
    let mended: Vec<(&str, &str)> = vec![("modules/bulk79/files/bulk/bulk79.md", "# Last\n")];
    repo.commit(&mended, "mend");
    env.init_kit(repo.path(), &args)
        .code(1)
        .stderr_has("modules/bulk00/files/bulk/bulk00.md:3:")
        .stderr_has("`compnay` is not defined");
    assert!(!env.exists("kit"));
}
