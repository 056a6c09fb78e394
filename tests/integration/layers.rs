//! Layered catalogs: a company catalog on top of a shared one, as real git
//! repositories (local, and served by a real `git daemon`), through init,
//! update, check, explain and lint.

use crate::json_contract::validate;
use crate::support::*;

/// The company layer over the fixture catalog at `base`: one module of
/// its own, the charter amended (title, a file replaced, one added), a
/// module hidden, the forge answered for every kit, a new question, and
/// the ISPO's e-mail given once.
fn acme(base: &str, extends_extra: &str) -> Vec<(String, String)> {
    vec![
        (
            "catalog.toml".into(),
            format!(
                r#"[catalog]
name = "acme"
title = "Acme catalog"
version = "1.0.0"
format = 1
hide = ["gitlab-ci"]

[[extends]]
name = "fixture"
source = "{base}"
{extends_extra}
"#
            ),
        ),
        (
            "questions.toml".into(),
            r#"[[question]]
id = "region"
type = "choice"
prompt = "Which region?"
default = "eu"
choices = [ { value = "eu" }, { value = "us" } ]

[[amend]]
question = "forge"
preset = "azure"
prompt = "Where is Acme's code?"
"#
            .into(),
        ),
        (
            "fills.toml".into(),
            "[values]\nispo_email = \"ispo@acme.example\"\n".into(),
        ),
        (
            "modules/escalation/module.toml".into(),
            r#"id = "escalation"
title = "Escalation"
summary = "Where a stuck contribution goes."
kind = "doc"
challenges = ["C2"]
requires = ["charter"]
when = "region == eu"
fills = ["ispo_email"]
"#
            .into(),
        ),
        (
            "modules/escalation/files/ESCALATION.md".into(),
            "Escalate at {{company}} to {{fill.ispo_email}}.\n".into(),
        ),
        (
            "amend/charter/amend.toml".into(),
            "title = \"Acme charter\"\nadd.audiences = [\"devs\"]\n".into(),
        ),
        (
            "amend/charter/files/program/CHARTER.md".into(),
            "# {{company}} charter, Acme edition\n\nForge: {{label \"forge\"}}\n{{> footer}}"
                .into(),
        ),
        (
            "amend/charter/files/program/ACME.md".into(),
            "Acme only.\n".into(),
        ),
    ]
}

fn refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect()
}

fn company(env: &Env, base: &str, extra: &str) -> CatalogRepo {
    CatalogRepo::new(env.path("acme"), &refs(&acme(base, extra)))
}

#[test]
fn a_company_layer_adds_amends_hides_presets_and_fills_in() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let top = company(&env, base.path(), "");
    env.init_kit(top.path(), &["--json"]).ok();

    // Its own module, the replaced and the added file, the hidden one gone.
    assert_eq!(
        env.read("kit/ESCALATION.md"),
        "Escalate at Acme to ispo@acme.example.\n"
    );
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        "# Acme charter, Acme edition\n\nForge: Azure DevOps\nQuestions? Write to ispo@acme.example.\n"
    );
    assert_eq!(env.read("kit/program/ACME.md"), "Acme only.\n");
    assert!(!env.exists("kit/.gitlab-ci.yml"));
    assert!(
        !env.exists("kit/.github/workflows/check.yml"),
        "forge is preset to azure"
    );

    // The company's answer and value are listed, not written as the kit's.
    let answers = env.read("kit/ispo-answers.toml");
    assert!(
        answers.contains(
            "# forge = \"azure\"  (the acme catalog's answer; set it here to answer for this kit)"
        ),
        "{answers}"
    );
    assert!(
        answers.contains("# ispo_email = \"ispo@acme.example\"  (the acme catalog's value"),
        "{answers}"
    );
    assert!(answers.contains("region = \"eu\""), "{answers}");

    // The state records every layer, and per file who made it.
    let state: toml::Table = toml::from_str(&env.read("kit/.ispo/state.toml")).unwrap();
    assert_eq!(state["catalog"]["name"].as_str(), Some("acme"));
    assert_eq!(
        state["catalog"]["commit"].as_str(),
        Some(top.head().as_str())
    );
    let layers = state["layer"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["name"].as_str(), Some("fixture"));
    assert_eq!(layers[0]["commit"].as_str(), Some(base.head().as_str()));
    let file = |path: &str| {
        state["file"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str() == Some(path))
            .unwrap_or_else(|| panic!("no record of {path}"))
            .clone()
    };
    assert_eq!(file("program/CHARTER.md")["layer"].as_str(), Some("acme"));
    assert_eq!(
        file("program/CHARTER.md")["amended_by"].as_array().unwrap()[0].as_str(),
        Some("acme")
    );
    assert_eq!(
        file("program/PRINCIPLES.md")["layer"].as_str(),
        Some("fixture")
    );
    assert_eq!(file("ESCALATION.md")["layer"].as_str(), Some("acme"));

    // The kit's README and SOURCES name the layers.
    let readme = env.read("kit/README.md");
    assert!(readme.contains("**Acme catalog** 1.0.0"), "{readme}");
    assert!(
        readme.contains("That catalog builds on **fixture** 1.0.0"),
        "{readme}"
    );
    assert!(env
        .read("kit/SOURCES.md")
        .contains("It builds on the catalog fixture 1.0.0"));
}

#[test]
fn kits_still_choose_for_themselves_and_hidden_modules_stay_out() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let top = company(&env, base.path(), "");
    // An answer of the kit's own wins over the company's preset.
    env.init_kit(top.path(), &["--set", "forge=github"]).ok();
    assert!(env.exists("kit/.github/workflows/check.yml"));
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("\nforge = \"github\"\n"));

    // A hidden module cannot be forced in; the message names the layer.
    env.ispo(&[
        "init",
        "kit2",
        "--catalog",
        top.path(),
        "--defaults",
        "--set",
        "company=Acme",
        "--with",
        "gitlab-ci",
    ])
    .code(2)
    .stderr_has("`gitlab-ci` cannot be added: the catalog `acme` hides it");
    assert!(!env.exists("kit2"));
}

#[test]
fn an_update_follows_each_layer_and_keeps_local_edits() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let top = company(&env, base.path(), "");
    env.init_kit(top.path(), &[]).ok();
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("up to date: the catalog is still at acme 1.0.0 (");

    // A local edit, then the shared layer moves: both end up in the kit.
    let principles = env.read("kit/program/PRINCIPLES.md");
    env.write(
        "kit/program/PRINCIPLES.md",
        &format!("{principles}\nOur own note.\n"),
    );
    base.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Shared principles\n\nOpenness first at {{company}}.\n",
        )],
        "v2",
    );
    env.ispo(&["check", "kit"])
        .ok()
        .stdout_has("update available: catalog 1.0.0 at ")
        .stdout_has(", and below it: fixture 1.0.0 (");
    env.ispo(&["update", "kit"]).ok();
    let now = env.read("kit/program/PRINCIPLES.md");
    assert!(now.starts_with("# Shared principles\n"), "{now}");
    assert!(now.contains("Our own note."), "{now}");
    let state: toml::Table = toml::from_str(&env.read("kit/.ispo/state.toml")).unwrap();
    assert_eq!(
        state["layer"].as_array().unwrap()[0]["commit"].as_str(),
        Some(base.head().as_str())
    );

    // The company layer moves alone.
    top.commit(
        &[(
            "modules/escalation/files/ESCALATION.md",
            "Escalate at {{company}} to {{fill.ispo_email}}, within a week.\n",
        )],
        "acme v2",
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(
        env.read("kit/ESCALATION.md"),
        "Escalate at Acme to ispo@acme.example, within a week.\n"
    );
    env.ispo(&["update", "kit"]).ok().stderr_has("up to date");

    // A conflict names the layers in its labels.
    env.write("kit/ESCALATION.md", "Ours.\n");
    top.commit(
        &[("modules/escalation/files/ESCALATION.md", "Theirs.\n")],
        "acme v3",
    );
    env.ispo(&["update", "kit"]).code(3);
    let merged = env.read("kit/ESCALATION.md");
    assert!(
        merged.contains(">>>>>>> catalog acme 1.0.0 (") && merged.contains(" on fixture 1.0.0 ("),
        "{merged}"
    );
}

#[test]
fn a_base_pinned_to_a_tag_moves_only_when_the_company_moves_the_ref() {
    let env = Env::new();
    let base = fixture_repo(&env);
    base.tag("v1");
    let top = company(&env, base.path(), "ref = \"v1\"");
    env.init_kit(top.path(), &[]).ok();
    base.commit(
        &[(
            "modules/principles/files/program/PRINCIPLES.md",
            "# Principles v2\n",
        )],
        "v2",
    );
    base.tag("v2");
    env.ispo(&["check", "kit"]).ok().stdout_has("up to date");
    env.ispo(&["update", "kit"]).ok().stderr_has("up to date");
    assert!(!env.read("kit/program/PRINCIPLES.md").contains("v2"));

    let mut files = acme(base.path(), "ref = \"v2\"");
    files.retain(|(p, _)| p == "catalog.toml");
    top.commit(&refs(&files), "take fixture v2");
    env.ispo(&["check", "kit"])
        .ok()
        .stdout_has("update available");
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), "# Principles v2\n");
}

/// A company layer at `dir` over the fixture at `base`, with `files`
/// replacing or adding to the usual ones (an empty content removes one).
fn variant(env: &Env, dir: &str, base: &str, files: &[(&str, &str)]) -> CatalogRepo {
    let mut all = acme(base, "");
    for (p, c) in files {
        all.retain(|(q, _)| q != p);
        if !c.is_empty() {
            all.push((p.to_string(), c.to_string()));
        }
    }
    CatalogRepo::new(env.path(dir), &refs(&all))
}

/// A folder name, the files that make the mistake, the message expected.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

#[test]
fn layer_mistakes_are_errors_naming_the_layer_and_the_target() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let cases: &[Case] = &[
        (
            "collision",
            &[(
                "modules/charter/module.toml",
                "id = \"charter\"\ntitle = \"C\"\nsummary = \"S\"\nkind = \"doc\"\n",
            ), ("modules/charter/files/X.md", "x\n")],
            "modules/charter/module.toml: module `charter` already exists in the catalog `fixture`: amend it in amend/charter/ (amend.toml, files/), or pick a new id",
        ),
        (
            "missing-target",
            &[("amend/nope/amend.toml", "title = \"x\"\n")],
            "the catalog `acme` amends module `nope`, which no catalog below it has",
        ),
        (
            "hidden-required",
            &[(
                "catalog.toml",
                &*Box::leak(
                    acme(base.path(), "")[0]
                        .1
                        .replace("hide = [\"gitlab-ci\"]", "hide = [\"principles\"]")
                        .into_boxed_str(),
                ),
            )],
            "`principles` cannot be hidden: `charter` (fixture) requires it; hide it too, or amend it with remove.requires = [\"principles\"]",
        ),
        (
            "type-change",
            &[(
                "questions.toml",
                "[[amend]]\nquestion = \"forge\"\ntype = \"text\"\n",
            )],
            "questions.toml:3:8: a layer cannot change the type of `forge`: it is a choice question",
        ),
        (
            "missing-file",
            &[(
                "amend/charter/amend.toml",
                "remove_files = [\"program/GONE.md\"]\n",
            )],
            "remove_files: `charter` has no file `program/GONE.md` (deleted or renamed upstream?)",
        ),
        (
            "question-collision",
            &[(
                "questions.toml",
                "[[question]]\nid = \"forge\"\ntype = \"text\"\nprompt = \"?\"\n",
            )],
            "question `forge` already exists in the catalog `fixture`: change it with [[amend]] question = \"forge\"",
        ),
        (
            "bad-value",
            &[("fills.toml", "[values]\nispo_mail = \"x@acme.example\"\n")],
            "`[values]` sets `ispo_mail`, which is not a fill-in of this catalog or the ones it extends (did you mean `ispo_email`?)",
        ),
    ];
    for (dir, files, message) in cases {
        let top = variant(&env, dir, base.path(), files);
        let kit = format!("kit-{dir}");
        env.ispo(&[
            "init",
            &kit,
            "--catalog",
            top.path(),
            "--defaults",
            "--set",
            "company=Acme",
        ])
        .code(1)
        .stderr_has(message);
        assert!(!env.exists(&kit), "{dir}: nothing is written");
        env.ispo(&["catalog", "lint", top.path()])
            .code(1)
            .stderr_has(message);
    }
}

#[test]
fn cycles_and_a_base_at_two_commits_are_refused() {
    let env = Env::new();
    let base = fixture_repo(&env);
    base.tag("v1");
    base.commit(
        &[("modules/principles/files/program/PRINCIPLES.md", "v2\n")],
        "v2",
    );

    // a extends b, b extends a.
    let manifest = |name: &str, extends: &[(&str, String, &str)]| {
        let mut t = format!("[catalog]\nname = \"{name}\"\nversion = \"1.0.0\"\nformat = 1\n");
        for (n, src, r) in extends {
            t.push_str(&format!(
                "\n[[extends]]\nname = \"{n}\"\nsource = \"{src}\"\n{r}\n"
            ));
        }
        t
    };
    let a_dir = env.path("a");
    let b_dir = env.path("b");
    CatalogRepo::new(
        a_dir.clone(),
        &[(
            "catalog.toml",
            &manifest("a", &[("b", b_dir.display().to_string(), "")]),
        )],
    );
    CatalogRepo::new(
        b_dir.clone(),
        &[(
            "catalog.toml",
            &manifest("b", &[("a", a_dir.display().to_string(), "")]),
        )],
    );
    env.init_kit(a_dir.to_str().unwrap(), &[])
        .code(1)
        .stderr_has("b:catalog.toml:8:10: catalogs extend each other in a cycle: a -> b -> a");

    // top extends m1 (fixture at v1) and m2 (fixture at main).
    let m = |name: &str, r: &str| {
        let dir = env.path(name);
        CatalogRepo::new(
            dir.clone(),
            &[(
                "catalog.toml",
                &manifest(name, &[("fixture", base.path().to_string(), r)]),
            )],
        );
        dir.display().to_string()
    };
    let m1 = m("m1", "ref = \"v1\"");
    let m2 = m("m2", "");
    let top = env.path("top");
    CatalogRepo::new(
        top.clone(),
        &[(
            "catalog.toml",
            &manifest("top", &[("m1", m1, ""), ("m2", m2, "")]),
        )],
    );
    env.init_kit(top.to_str().unwrap(), &[])
        .code(1)
        .stderr_has("the catalog `fixture` is reached twice at different commits:")
        .stderr_has("via m2 -> fixture (ref default branch)");
}

#[test]
fn upstream_deleting_a_file_the_company_replaces_stops_the_update_naming_both() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let original =
        std::fs::read(base.dir.join("modules/charter/files/program/CHARTER.md")).unwrap();
    let sha = ispo::kit::sha256(&original);
    let top = variant(
        &env,
        "acme",
        base.path(),
        &[(
            "amend/charter/amend.toml",
            &format!("[[file]]\npath = \"program/CHARTER.md\"\nreplaces_sha256 = \"{sha}\"\n"),
        )],
    );
    env.init_kit(top.path(), &[]).ok();
    env.ispo(&["catalog", "lint", top.path()]).ok();

    // Upstream changes the charter: lint warns, the kit still updates.
    base.commit(
        &[(
            "modules/charter/files/program/CHARTER.md",
            "# {{company}} charter, rewritten\n",
        )],
        "charter v2",
    );
    env.ispo(&["catalog", "lint", top.path()])
        .ok()
        .stderr_has("warning: amend/charter/files/program/CHARTER.md: `fixture` changed this file since the replacement was made");
    env.ispo(&["update", "kit"]).ok();

    // Upstream renames it: lint and update stop, naming both.
    base.commit(
        &[
            ("modules/charter/files/program/CHARTER.md", ""),
            ("modules/charter/files/program/CHARTER-2.md", "# new\n"),
        ],
        "rename the charter",
    );
    let message = "amend/charter/amend.toml:3:19: `program/CHARTER.md` replaces a file of `charter` that the catalog below no longer has (deleted or renamed upstream?)";
    env.ispo(&["catalog", "lint", top.path()])
        .code(1)
        .stderr_has(message);
    let before = env.tree("kit");
    env.ispo(&["update", "kit"]).code(1).stderr_has(message);
    assert_eq!(env.tree("kit"), before, "nothing is written");
}

#[test]
fn a_replacement_equal_to_upstream_is_reported_as_redundant() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let same =
        std::fs::read_to_string(base.dir.join("modules/charter/files/program/CHARTER.md")).unwrap();
    let top = variant(
        &env,
        "acme",
        base.path(),
        &[("amend/charter/files/program/CHARTER.md", &same)],
    );
    env.ispo(&["catalog", "lint", top.path()])
        .ok()
        .stderr_has("warning: amend/charter/files/program/CHARTER.md: this replacement is now the same as `fixture`'s file: delete it");
}

#[test]
fn three_layers_over_git_daemon_update_as_a_no_op_and_lint_offline() {
    let env = Env::new();
    let srv = env.path("srv");
    std::fs::create_dir_all(&srv).unwrap();
    let base = fixture_repo(&env);
    git(&srv, &["clone", "-q", "--bare", base.path(), "fixture.git"]);
    let daemon = GitDaemon::start(&srv);
    // An industry layer, served too, on the shared one.
    let industry = CatalogRepo::new(
        env.path("industry"),
        &[
            (
                "catalog.toml",
                &format!(
                    "[catalog]\nname = \"banking\"\nversion = \"2.0.0\"\nformat = 1\n\n[[extends]]\nname = \"fixture\"\nsource = \"{}\"\n",
                    daemon.url("fixture.git")
                ),
            ),
            (
                "modules/regulator/module.toml",
                "id = \"regulator\"\ntitle = \"Regulator\"\nsummary = \"Talking to the regulator.\"\nkind = \"doc\"\nchallenges = [\"C1\"]\n",
            ),
            ("modules/regulator/files/REGULATOR.md", "Regulated at {{company}}.\n"),
        ],
    );
    git(
        &srv,
        &["clone", "-q", "--bare", industry.path(), "banking.git"],
    );
    // The company layer, a local folder, on the industry one.
    let mut files = acme(&daemon.url("banking.git"), "");
    files[0].1 = files[0]
        .1
        .replace("name = \"fixture\"", "name = \"banking\"");
    let top = CatalogRepo::new(env.path("acme"), &refs(&files));
    env.init_kit(top.path(), &[]).ok();
    assert_eq!(env.read("kit/REGULATOR.md"), "Regulated at Acme.\n");
    let state: toml::Table = toml::from_str(&env.read("kit/.ispo/state.toml")).unwrap();
    let names: Vec<&str> = state["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fixture", "banking"]);
    env.ispo(&["update", "kit"])
        .ok()
        .stderr_has("up to date: the catalog is still at acme 1.0.0 (")
        .stderr_has(" on banking 2.0.0 (")
        .stderr_has(" on fixture 1.0.0 (");
    env.ispo(&["explain", "--kit", "kit", "--layers"])
        .ok()
        .stdout_has("1. fixture 1.0.0  git://127.0.0.1:")
        .stdout_has("2. banking 2.0.0")
        .stdout_has("3. acme 1.0.0");

    // With the server gone, lint reads the bases from the cache.
    drop(daemon);
    env.ispo(&["catalog", "lint", top.path(), "--offline"])
        .ok()
        .stderr_has("Checked acme 1.0.0 on banking 2.0.0, fixture 1.0.0");
}

#[test]
fn a_remote_layer_may_not_name_a_folder_of_this_machine() {
    let env = Env::new();
    let srv = env.path("srv");
    std::fs::create_dir_all(&srv).unwrap();
    let base = fixture_repo(&env);
    let top = company(&env, base.path(), "");
    git(&srv, &["clone", "-q", "--bare", top.path(), "acme.git"]);
    let daemon = GitDaemon::start(&srv);
    env.init_kit(&daemon.url("acme.git"), &[])
        .code(1)
        .stderr_has("names the local folder")
        .stderr_has("may only extend `builtin` or a git URL");
    assert!(!env.exists("kit"));
}

#[test]
fn explain_tells_where_modules_and_files_come_from() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let top = company(&env, base.path(), "");
    env.init_kit(top.path(), &[]).ok();
    env.ispo(&["explain", "--kit", "kit"])
        .ok()
        .stdout_has(
            "[fixture; amended by acme: title, +audiences devs, 1 file replaced, 1 file added]",
        )
        .stdout_has("[acme]");
    env.ispo(&["explain", "--kit", "kit", "charter"])
        .ok()
        .stdout_has("Acme charter (charter): IN")
        .stdout_has("  from: fixture; amended by acme: title, +audiences devs, 1 file replaced, 1 file added");
    env.ispo(&["explain", "--kit", "kit", "--file", "program/CHARTER.md"])
        .ok()
        .stdout_is(
            "program/CHARTER.md\n  module: charter (Acme charter)\n  module from: fixture; amended by acme: title, +audiences devs, 1 file replaced, 1 file added\n  template: amend/charter/files/program/CHARTER.md (catalog acme)\n  fill-ins:\n    ispo_email = \"ispo@acme.example\"  (the acme catalog)\n    sponsor: open: ISPO-FILL(sponsor) in the file\n",
        );
    env.ispo(&["explain", "--kit", "kit", "--file", "program/CHARTR.md"])
        .code(2)
        .stderr_has("--file program/CHARTR.md: the kit tracks no such file (did you mean `program/CHARTER.md`?)");
    for args in [
        &["explain", "--kit", "kit", "--json"][..],
        &["explain", "--kit", "kit", "charter", "--json"],
        &["explain", "--kit", "kit", "--layers", "--json"],
        &[
            "explain",
            "--kit",
            "kit",
            "--file",
            "program/CHARTER.md",
            "--json",
        ],
    ] {
        validate("explain.schema.json", env.ispo(args).ok());
    }
    let doc = validate(
        "init.schema.json",
        env.ispo(&[
            "init",
            "kit2",
            "--catalog",
            top.path(),
            "--defaults",
            "--set",
            "company=Acme",
            "--json",
        ])
        .ok(),
    );
    assert_eq!(doc["catalog"]["layers"][0]["name"], "fixture");
}

#[test]
fn new_catalogs_and_modules_are_lint_clean_from_the_start() {
    let env = Env::new();
    // On the built-in catalog: five commands from nothing to a kit.
    env.ispo(&["catalog", "new", "acme-catalog"])
        .ok()
        .stderr_has("Created catalog `acme` in acme-catalog on ispo-default");
    env.ispo(&[
        "module",
        "new",
        "acme-escalation",
        "--catalog",
        "acme-catalog",
    ])
    .ok();
    let lint = env.ispo(&["catalog", "lint", "acme-catalog"]);
    lint.ok().stderr_has("Checked acme 0.1.0 on ispo-default ");
    assert!(!lint.stderr.contains("warning"), "{}", lint.stderr);
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        "acme-catalog",
        "--defaults",
        "--set",
        "company_name=Acme",
        "-q",
    ])
    .ok();
    assert!(env
        .read("kit/docs/acme-escalation.md")
        .contains("Owner: ISPO-FILL(acme_escalation_owner)"));

    // On a git catalog at a tag, named explicitly.
    let base = fixture_repo(&env);
    base.tag("v1");
    env.ispo(&[
        "catalog",
        "new",
        "unit",
        "--extends",
        &format!("{}@v1", base.path()),
        "--name",
        "payments",
    ])
    .ok();
    let manifest = env.read("unit/catalog.toml");
    assert!(
        manifest.contains("name = \"fixture\"\nsource = "),
        "{manifest}"
    );
    assert!(manifest.contains("ref = \"v1\"\n"), "{manifest}");
    env.ispo(&["module", "new", "runbook", "--catalog", "unit"])
        .ok();
    env.ispo(&["catalog", "lint", "unit"]).ok();
    std::fs::remove_dir_all(env.path("kit")).unwrap();
    env.init_kit(env.path("unit").to_str().unwrap(), &[]).ok();
    assert!(env.exists("kit/docs/runbook.md"));

    // What is refused, with nothing written.
    env.ispo(&["module", "new", "charter", "--catalog", "unit"])
        .code(4)
        .stderr_has("module `charter` already exists: it comes from the catalog `fixture`: amend it in amend/charter/ instead");
    env.ispo(&["module", "new", "Bad Id", "--catalog", "unit"])
        .code(2)
        .stderr_has("`Bad Id` is not a module id");
    env.ispo(&["catalog", "new", "unit"])
        .code(4)
        .stderr_has("exists and is not empty");
    env.ispo(&[
        "catalog",
        "new",
        "other",
        "--extends",
        base.path(),
        "--name",
        "fixture",
    ])
    .code(2)
    .stderr_has("a name other than the base's (`fixture`)");
    assert!(!env.exists("other"));
}

#[test]
fn refresh_merges_upstream_changes_into_replaced_files() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let charter = "modules/charter/files/program/CHARTER.md";
    let original = std::fs::read_to_string(base.dir.join(charter)).unwrap();
    let ours = original.replace(
        "Sponsor: {{fill.sponsor}}",
        "Sponsor: {{fill.sponsor}} (Acme board)",
    );
    let amend = format!(
        "# Acme's charter.\ntitle = \"Acme charter\"\n\n[[file]]\npath = \"program/CHARTER.md\"\n# made from fixture 1.0.0\nreplaces_sha256 = \"{}\"\n",
        ispo::kit::sha256(original.as_bytes())
    );
    let top = variant(
        &env,
        "acme",
        base.path(),
        &[
            ("amend/charter/files/program/CHARTER.md", &ours),
            ("amend/charter/amend.toml", &amend),
        ],
    );
    env.ispo(&["catalog", "refresh", top.path()])
        .ok()
        .stderr_has("no replaced file has changed upstream");

    // Upstream changes another line: merged cleanly, the hash moves on.
    let theirs = original.replace("Engineers: {{engineers}}", "Engineers: about {{engineers}}");
    base.commit(&[(charter, &theirs)], "charter v2");
    env.ispo(&["catalog", "lint", top.path()])
        .ok()
        .stderr_has("changed this file since the replacement was made");
    env.ispo(&["catalog", "refresh", top.path()])
        .ok()
        .stderr_has("amend/charter/files/program/CHARTER.md: upstream's change is in");
    let merged =
        std::fs::read_to_string(top.dir.join("amend/charter/files/program/CHARTER.md")).unwrap();
    assert_eq!(
        merged,
        original
            .replace(
                "Sponsor: {{fill.sponsor}}",
                "Sponsor: {{fill.sponsor}} (Acme board)"
            )
            .replace("Engineers: {{engineers}}", "Engineers: about {{engineers}}")
    );
    let amend_now = std::fs::read_to_string(top.dir.join("amend/charter/amend.toml")).unwrap();
    assert!(
        amend_now.contains("# made from fixture 1.0.0\n"),
        "comments stay: {amend_now}"
    );
    assert!(
        amend_now.contains(&format!(
            "replaces_sha256 = \"{}\"",
            ispo::kit::sha256(theirs.as_bytes())
        )),
        "{amend_now}"
    );
    let lint = env.ispo(&["catalog", "lint", top.path()]);
    assert!(
        !lint.ok().stderr.contains("changed this file"),
        "{}",
        lint.stderr
    );

    // Upstream changes the line Acme changed: conflict markers, exit 3.
    top.commit(&[], "refreshed");
    let clash = theirs.replace(
        "Sponsor: {{fill.sponsor}}",
        "Sponsor and deputy: {{fill.sponsor}}",
    );
    base.commit(&[(charter, &clash)], "charter v3");
    env.ispo(&["catalog", "refresh", top.path()])
        .code(3)
        .stderr_has("resolve the conflict markers");
    let marked =
        std::fs::read_to_string(top.dir.join("amend/charter/files/program/CHARTER.md")).unwrap();
    assert!(
        marked.contains("<<<<<<< acme (your replacement)\n"),
        "{marked}"
    );
    assert!(
        marked.contains("||||||| fixture (the version replaced)\n"),
        "{marked}"
    );
    assert!(marked.contains(">>>>>>> fixture now\n"), "{marked}");
}

#[test]
fn every_layer_gets_the_checks_of_a_single_catalog() {
    let env = Env::new();
    let base = fixture_repo(&env);
    // A company layer that asks to run code.
    let mut manifest = acme(base.path(), "")[0].1.clone();
    manifest.push_str("\n[hooks]\npost_gen = \"rm -rf ~\"\n");
    let top = variant(&env, "hooks", base.path(), &[("catalog.toml", &manifest)]);
    env.init_kit(top.path(), &[])
        .code(4)
        .stderr_has("catalog `acme`: this catalog asks to run commands (`hooks` in catalog.toml)");
    // A template over the size limit, in an amendment.
    let big = "x".repeat(4 * 1024 * 1024 + 1);
    let top = variant(
        &env,
        "big",
        base.path(),
        &[("amend/charter/files/program/CHARTER.md", &big)],
    );
    env.init_kit(top.path(), &[]).code(1).stderr_has(
        "amend/charter/files/program/CHARTER.md: template is larger than the 4 MiB limit",
    );
    // A symlink in a company layer.
    let top = variant(&env, "link", base.path(), &[]);
    std::os::unix::fs::symlink(
        "/etc/passwd",
        top.dir.join("modules/escalation/files/PASSWD.md"),
    )
    .unwrap();
    top.commit(&[], "a link");
    env.init_kit(top.path(), &[])
        .code(4)
        .stderr_has("modules/escalation/files/PASSWD.md` is a symlink");
    // Terminal controls in a lower layer's text name that layer.
    base.commit(
        &[(
            "modules/principles/module.toml",
            "id = \"principles\"\ntitle = \"Principles \\u001b[2J\"\nsummary = \"How we work.\"\nkind = \"doc\"\nchallenges = [\"C1\"]\n",
        )],
        "hostile title",
    );
    let top = company(&env, base.path(), "");
    env.init_kit(top.path(), &[])
        .code(4)
        .stderr_has("catalog `fixture`: catalog text holds characters that control a terminal");
    assert!(!env.exists("kit"));
}

#[test]
fn a_layer_may_build_on_several_catalogs_in_order() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let extra = CatalogRepo::new(
        env.path("extra"),
        &[
            (
                "catalog.toml",
                "[catalog]\nname = \"legal\"\nversion = \"0.1.0\"\nformat = 1\n",
            ),
            (
                "challenges.toml",
                "[[challenge]]\nid = \"L1\"\ntitle = \"Sharing across entities\"\nphase = \"scale\"\n",
            ),
            (
                "modules/entities/module.toml",
                "id = \"entities\"\ntitle = \"Entities\"\nsummary = \"Sharing code between legal entities.\"\nkind = \"doc\"\nchallenges = [\"L1\"]\n",
            ),
            ("modules/entities/files/legal/ENTITIES.md", "Entities of {{company}}.\n"),
        ],
    );
    let extends = format!(
        "\n[[extends]]\nname = \"legal\"\nsource = \"{}\"\n",
        extra.path()
    );
    let top = company(&env, base.path(), &extends);
    env.init_kit(top.path(), &[]).ok();
    assert_eq!(env.read("kit/legal/ENTITIES.md"), "Entities of Acme.\n");
    env.ispo(&["explain", "--kit", "kit", "--layers"])
        .ok()
        .stdout_has("1. fixture 1.0.0")
        .stdout_has("2. legal 0.1.0")
        .stdout_has("3. acme 1.0.0");
}

#[test]
fn a_company_kit_hears_what_changed_in_the_catalog_below() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let top = company(&env, base.path(), "");
    env.init_kit(top.path(), &[]).ok();
    git(&env.path("kit"), &["init", "-q"]);
    git(&env.path("kit"), &["add", "-A"]);
    git(&env.path("kit"), &["commit", "-qm", "kit"]);
    // The shared catalog moves to 1.1.0 with its notes; the company's does not.
    let manifest = std::fs::read_to_string(base.dir.join("catalog.toml"))
        .unwrap()
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"");
    base.commit(
        &[
            ("catalog.toml", manifest.as_str()),
            (
                "CHANGELOG.md",
                "# Changelog\n\n## [1.1.0]\n\n- The principles say openness comes first.\n\n## [1.0.0]\n\n- First release.\n",
            ),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "# Principles\n\nOpenness comes first at {{company}}.\n",
            ),
        ],
        "1.1.0",
    );
    env.ispo(&["check", "kit"])
        .ok()
        .stdout_has("What changed in the catalog, fixture 1.0.0 -> fixture 1.1.0")
        .stdout_has("The principles say openness comes first.");
    let doc = validate("check.schema.json", &env.ispo(&["check", "kit", "--json"]));
    assert_eq!(doc["layer_release_notes"][0]["catalog"], "fixture");
    assert_eq!(
        doc["layer_release_notes"][0]["release_notes"][0]["version"],
        "1.1.0"
    );

    let run = env.ispo(&["update", "kit", "--report", "report.md", "--json"]);
    run.ok()
        .stderr_has("What changed in the catalog, fixture 1.0.0 -> fixture 1.1.0");
    let doc = validate("update.schema.json", &run);
    assert_eq!(doc["layer_release_notes"][0]["to_version"], "1.1.0");
    let report = env.read("report.md");
    assert!(
        report.contains("### Below it: fixture 1.0.0 → fixture 1.1.0")
            && report.contains("The principles say openness comes first.")
            && !report.contains("has no release notes for these versions"),
        "{report}"
    );
}
