//! `ispo give-back`: a kit's committed edits become template edits in a
//! real git checkout of the catalog (or a patch), exact or refused, and the
//! next update after upstream takes them merges cleanly.

use proptest::prelude::*;

use crate::support::*;

const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "Kit Owner"),
    ("GIT_AUTHOR_EMAIL", "owner@example.com"),
    ("GIT_COMMITTER_NAME", "Kit Owner"),
    ("GIT_COMMITTER_EMAIL", "owner@example.com"),
];

/// The fixture catalog with a file that has two branches, a kit made from
/// it with the ISPO's e-mail set, and the kit committed to git.
fn kit_in_git(env: &Env) -> CatalogRepo {
    let repo = fixture_repo(env);
    repo.commit(
        &[
            (
                "modules/principles/module.toml",
                "id = \"principles\"\ntitle = \"Principles\"\nsummary = \"How we work.\"\nkind = \"doc\"\nchallenges = [\"C1\"]\nwhen = \"engineers > 50000\"\nfills = [\"ispo_email\"]\n",
            ),
            (
            "modules/principles/files/program/STAGES.md",
            "# Stages\n\n{{#if regulated}}\nStrict rules apply.\n{{else}}\nLight rules apply.\n{{/if}}\nAsk {{fill.ispo_email}}.\n",
            ),
        ],
        "stages",
    );
    env.init_kit(repo.path(), &["--set", "fill.ispo_email=ispo@acme.example"])
        .ok();
    let kit = env.path("kit");
    git(&kit, &["init", "-q", "-b", "main"]);
    git(&kit, &["add", "-A"]);
    git(&kit, &["commit", "-q", "-m", "kit"]);
    repo
}

fn edit_and_commit(env: &Env, path: &str, from: &str, to: &str) {
    let rel = format!("kit/{path}");
    let text = env.read(&rel);
    assert!(text.contains(from), "{path} lacks {from:?}:\n{text}");
    env.write(&rel, &text.replacen(from, to, 1));
    git(&env.path("kit"), &["commit", "-q", "-am", "edit"]);
}

#[test]
fn literal_edits_go_to_a_branch_values_and_markers_do_not() {
    let env = Env::new();
    let repo = kit_in_git(&env);
    edit_and_commit(
        &env,
        "program/PRINCIPLES.md",
        "Openness first",
        "Openness always first",
    );
    edit_and_commit(
        &env,
        "program/STAGES.md",
        "Light rules apply.",
        "Light, written rules apply.",
    );
    // Made by a value: the company's name in the heading.
    edit_and_commit(
        &env,
        "program/CHARTER.md",
        "# Acme InnerSource",
        "# Acme Corp InnerSource",
    );
    // A fill-in marker replaced by a value.
    edit_and_commit(
        &env,
        "program/CHARTER.md",
        "Sponsor: ISPO-FILL(sponsor)",
        "Sponsor: Dana Okafor",
    );
    // Only committed edits count.
    env.write("kit/program/PRINCIPLES.md", "uncommitted\n");

    let run = env.ispo_with(
        &[
            "give-back",
            "--kit",
            "kit",
            "--catalog-checkout",
            repo.path(),
        ],
        &IDENTITY,
    );
    run.ok()
        .stderr_has("program/PRINCIPLES.md:3: maps to modules/principles/files/program/PRINCIPLES.md")
        .stderr_has("program/STAGES.md:3: maps to modules/principles/files/program/STAGES.md (branch 2 of 2 of `{{#if regulated}}`, line 3; the other branches are unchanged)")
        .stderr_has("program/CHARTER.md:1: not mappable: the edit touches the text `{{company}}` makes")
        .stderr_has("program/CHARTER.md:3: a fill-in value, not a template edit: set sponsor = \"Dana Okafor\" under [fill] in ispo-answers.toml");

    // One commit per file on a new branch; main untouched.
    assert_eq!(
        git(&repo.dir, &["branch", "--show-current"]),
        "ispo-give-back/kit"
    );
    let log = git(&repo.dir, &["log", "--format=%s", "main..HEAD"]);
    assert_eq!(
        log,
        "modules/principles/files/program/STAGES.md: edits given back from the kit kit\nmodules/principles/files/program/PRINCIPLES.md: edits given back from the kit kit"
    );
    assert_eq!(
        std::fs::read_to_string(
            repo.dir
                .join("modules/principles/files/program/PRINCIPLES.md")
        )
        .unwrap(),
        "# Principles\n\nOpenness always first at {{company}}.\n"
    );
    assert!(std::fs::read_to_string(repo.dir.join("modules/principles/files/program/STAGES.md"))
        .unwrap()
        .contains("{{#if regulated}}\nStrict rules apply.\n{{else}}\nLight, written rules apply.\n{{/if}}"));
    // No company data went in.
    assert!(!git(&repo.dir, &["diff", "main..HEAD"]).contains("acme.example"));

    // Upstream takes the contribution; the kit's next update merges cleanly.
    git(&repo.dir, &["switch", "-q", "main"]);
    git(
        &repo.dir,
        &["merge", "-q", "--ff-only", "ispo-give-back/kit"],
    );
    git(
        &env.path("kit"),
        &["checkout", "--", "program/PRINCIPLES.md"],
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness always first at Acme.\n"
    );
    assert!(!env.read("kit/program/STAGES.md").contains("<<<<<<<"));
}

#[test]
fn a_relative_checkout_works_and_a_failed_commit_leaves_it_as_it_was() {
    let env = Env::new();
    let repo = kit_in_git(&env);
    edit_and_commit(
        &env,
        "program/PRINCIPLES.md",
        "Openness first",
        "Openness always first",
    );
    let before = |what: &str| git(&repo.dir, &["rev-parse", what]);
    let (head, branch) = (
        before("HEAD"),
        git(&repo.dir, &["branch", "--show-current"]),
    );
    // No git identity: the commit fails after the branch was made.
    let run = env.ispo_with(
        &["give-back", "--kit", "kit", "--catalog-checkout", "catalog"],
        &[("GIT_AUTHOR_NAME", ""), ("GIT_COMMITTER_NAME", "")],
    );
    run.code(1)
        .stderr_has("nothing was committed, the checkout is back on main");
    assert_eq!(before("HEAD"), head);
    assert_eq!(git(&repo.dir, &["branch", "--show-current"]), branch);
    assert_eq!(git(&repo.dir, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&repo.dir, &["branch", "--list", "ispo-give-back/*"]),
        ""
    );
    // A path relative to where ispo runs, as people type it.
    env.ispo_with(
        &[
            "give-back",
            "--kit",
            "./kit",
            "--catalog-checkout",
            "./catalog",
        ],
        &IDENTITY,
    )
    .ok();
    assert_eq!(
        git(&repo.dir, &["log", "--format=%s", "main..HEAD"]),
        "modules/principles/files/program/PRINCIPLES.md: edits given back from the kit kit"
    );
}

#[test]
fn give_back_json_says_what_went_where() {
    let env = Env::new();
    kit_in_git(&env);
    edit_and_commit(
        &env,
        "program/PRINCIPLES.md",
        "Openness first",
        "Openness always first",
    );
    edit_and_commit(
        &env,
        "program/CHARTER.md",
        "# Acme InnerSource",
        "# Acme Corp InnerSource",
    );
    let run = env.ispo(&["give-back", "--kit", "kit", "--patch", "p.diff", "--json"]);
    run.ok();
    let doc = crate::json_contract::validate("give-back.schema.json", &run);
    assert_eq!(doc["patch"], "p.diff");
    assert_eq!(doc["branch"], serde_json::Value::Null);
    let files = doc["files"].as_array().unwrap();
    let file = |p: &str| files.iter().find(|f| f["path"] == p).unwrap();
    assert_eq!(file("program/PRINCIPLES.md")["given_back"], true);
    assert_eq!(
        file("program/PRINCIPLES.md")["target"],
        "modules/principles/files/program/PRINCIPLES.md"
    );
    assert_eq!(file("program/CHARTER.md")["given_back"], false);
    assert!(file("program/CHARTER.md")["notes"][0]
        .as_str()
        .unwrap()
        .contains("not mappable"));
}

#[test]
fn a_patch_applies_to_the_catalog_and_company_data_needs_allow() {
    let env = Env::new();
    let repo = kit_in_git(&env);
    edit_and_commit(
        &env,
        "program/STAGES.md",
        "Light rules apply.",
        "Light rules apply; write to ispo@acme.example.",
    );
    env.ispo(&["give-back", "--kit", "kit", "--patch", "p.diff"])
        .code(4)
        .stderr_has("program/STAGES.md:3: not given back: it would put company data into `fixture` (`acme.example`, `ispo@acme.example`)")
        .stderr_has("nothing could be given back");
    assert!(!env.exists("p.diff"));
    env.ispo(&[
        "give-back",
        "--kit",
        "kit",
        "--patch",
        "p.diff",
        "--allow",
        "ispo@acme.example",
        "--allow",
        "acme.example",
    ])
    .ok();
    let patch = env.read("p.diff");
    assert!(patch.starts_with("--- a/modules/principles/files/program/STAGES.md\n+++ b/modules/principles/files/program/STAGES.md\n"), "{patch}");
    git(
        &repo.dir,
        &["apply", "--check", env.path("p.diff").to_str().unwrap()],
    );
}

#[test]
fn a_kit_edit_of_a_shared_file_can_become_a_company_amendment() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let acme = CatalogRepo::new(
        env.path("acme"),
        &[(
            "catalog.toml",
            &format!(
                "[catalog]\nname = \"acme\"\nversion = \"1.0.0\"\nformat = 1\n\n[[extends]]\nname = \"fixture\"\nsource = \"{}\"\n",
                base.path()
            ),
        )],
    );
    env.init_kit(acme.path(), &[]).ok();
    let kit = env.path("kit");
    git(&kit, &["init", "-q", "-b", "main"]);
    git(&kit, &["add", "-A"]);
    git(&kit, &["commit", "-q", "-m", "kit"]);
    edit_and_commit(
        &env,
        "program/PRINCIPLES.md",
        "Openness first",
        "Openness first, Acme style",
    );
    // Giving back to the shared catalog would carry the company's word.
    env.ispo_with(
        &[
            "give-back",
            "--kit",
            "kit",
            "--to",
            "acme",
            "--catalog-checkout",
            acme.path(),
        ],
        &IDENTITY,
    )
    .ok()
    .stderr_has("maps to fixture:modules/principles/files/program/PRINCIPLES.md");
    let amended = std::fs::read_to_string(
        acme.dir
            .join("amend/principles/files/program/PRINCIPLES.md"),
    )
    .unwrap();
    assert_eq!(
        amended,
        "# Principles\n\nOpenness first, Acme style at {{company}}.\n"
    );
    let amend = std::fs::read_to_string(acme.dir.join("amend/principles/amend.toml")).unwrap();
    let original = std::fs::read(
        base.dir
            .join("modules/principles/files/program/PRINCIPLES.md"),
    )
    .unwrap();
    assert!(
        amend.contains(&format!(
            "replaces_sha256 = \"{}\"",
            ispo::kit::sha256(&original)
        )),
        "{amend}"
    );
    env.ispo(&["catalog", "lint", acme.path()]).ok();
    // The company takes it; the kit's update is clean and keeps the text.
    git(&acme.dir, &["switch", "-q", "main"]);
    git(
        &acme.dir,
        &["merge", "-q", "--ff-only", "ispo-give-back/kit"],
    );
    env.ispo(&["update", "kit"]).ok();
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness first, Acme style at Acme.\n"
    );
    // A layer below the template's own is refused.
    env.ispo(&[
        "give-back",
        "--kit",
        "kit",
        "--to",
        "nobody",
        "program/PRINCIPLES.md",
    ])
    .code(2)
    .stderr_has("--to nobody: no such catalog in the kit's stack (it has: fixture, acme)");
}

#[test]
fn generated_files_are_not_mappable() {
    let env = Env::new();
    kit_in_git(&env);
    edit_and_commit(
        &env,
        "README.md",
        "# InnerSource kit",
        "# Our InnerSource kit",
    );
    env.ispo(&["give-back", "--kit", "kit", "--patch", "p.diff"])
        .code(4)
        .stderr_has("README.md: not mappable: ispo generates it from the catalog and the answers");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]
    /// A word inserted anywhere in the literal text of a rendered file maps
    /// back, and a fresh kit from the patched catalog holds exactly the
    /// edited file; a word inserted inside a value's text never maps.
    #[test]
    fn literal_edits_round_trip_and_value_edits_never_map(word in "[a-z]{3,8}", at in 0usize..1000, in_value in any::<bool>()) {
        let env = Env::new();
        let repo = kit_in_git(&env);
        let path = "kit/program/PRINCIPLES.md";
        let text = env.read(path);
        // "# Principles\n\nOpenness first at Acme.\n": literal everywhere but "Acme".
        let value = text.find("Acme").unwrap();
        let edited = if in_value {
            format!("{}{}{word}{}", &text[..value], &text[value..value + 2], &text[value + 2..])
        } else {
            // Not next to the value: a word of literal text in between (the
            // full stop after "Acme" is no word: an edit right after it is
            // next to the value, and refused).
            let literal: Vec<usize> = (0..=text.len()).filter(|i| *i + 1 < value || *i > value + 5).filter(|i| text.is_char_boundary(*i)).collect();
            let i = literal[at % literal.len()];
            format!("{}{word} {}", &text[..i], &text[i..])
        };
        env.write(path, &edited);
        git(&env.path("kit"), &["commit", "-q", "-am", "edit"]);
        let run = env.ispo(&["give-back", "--kit", "kit", "program/PRINCIPLES.md", "--patch", "p.diff"]);
        if in_value {
            prop_assert_eq!(run.code, 4, "{}", run.stderr);
            prop_assert!(!env.exists("p.diff"));
        } else {
            prop_assert_eq!(run.code, 0, "{}", run.stderr);
            git(&repo.dir, &["apply", env.path("p.diff").to_str().unwrap()]);
            git(&repo.dir, &["commit", "-q", "-am", "taken"]);
            env.ispo(&["init", "fresh", "--catalog", repo.path(), "--defaults", "--set", "company=Acme", "--set", "fill.ispo_email=ispo@acme.example"]).ok();
            prop_assert_eq!(env.read("fresh/program/PRINCIPLES.md"), edited);
        }
    }
}

#[test]
fn push_goes_only_where_asked_and_never_to_an_option() {
    let env = Env::new();
    let repo = kit_in_git(&env);
    git(
        &env.path(""),
        &["clone", "-q", "--bare", repo.path(), "upstream.git"],
    );
    git(
        &repo.dir,
        &[
            "remote",
            "add",
            "origin",
            env.path("upstream.git").to_str().unwrap(),
        ],
    );
    edit_and_commit(
        &env,
        "program/PRINCIPLES.md",
        "Openness first",
        "Openness always first",
    );
    env.ispo_with(
        &[
            "give-back",
            "--kit",
            "kit",
            "--catalog-checkout",
            repo.path(),
            "--push",
            "--receive-pack=touch /tmp/x",
        ],
        &IDENTITY,
    )
    .code(2);
    assert_eq!(git(&repo.dir, &["branch", "--show-current"]), "main");
    env.ispo_with(
        &[
            "give-back",
            "--kit",
            "kit",
            "--catalog-checkout",
            repo.path(),
            "--push",
            "orig\u{1b}in",
        ],
        &IDENTITY,
    )
    .code(4)
    .stderr_has("is not a remote name or URL");
    assert_eq!(git(&repo.dir, &["branch", "--show-current"]), "main");
    env.ispo_with(
        &[
            "give-back",
            "--kit",
            "kit",
            "--catalog-checkout",
            repo.path(),
            "--push",
            "origin",
        ],
        &IDENTITY,
    )
    .ok()
    .stderr_has("Pushed");
    let pushed = git(
        &env.path("upstream.git"),
        &["branch", "--list", "ispo-give-back/*"],
    );
    assert!(pushed.contains("ispo-give-back/kit"), "{pushed}");
}

/// A company catalog over the fixture with a module of its own (using its
/// own question, challenge and fill-in) and an amendment of the charter.
fn overlay(env: &Env, base: &CatalogRepo, escalation: &str) -> CatalogRepo {
    let original =
        std::fs::read(base.dir.join("modules/charter/files/program/CHARTER.md")).unwrap();
    let charter = String::from_utf8_lossy(&original).replace(
        "Sponsor: {{fill.sponsor}}",
        "Sponsor: {{fill.sponsor}}, who signs this charter",
    );
    CatalogRepo::new(
        env.path("acme"),
        &[
            (
                "catalog.toml",
                &format!("[catalog]\nname = \"acme\"\nversion = \"1.0.0\"\nformat = 1\n\n[[extends]]\nname = \"fixture\"\nsource = \"{}\"\n", base.path()),
            ),
            ("questions.toml", "# Where teams sit.\n[[question]]\nid = \"region\"\ntype = \"choice\"\nprompt = \"Which region?\"\ndefault = \"eu\"\nchoices = [ { value = \"eu\" }, { value = \"us\" } ]\n"),
            ("challenges.toml", "[[challenge]]\nid = \"X1\"\ntitle = \"Stuck contributions\"\nphase = \"adopt\"\n"),
            ("fills.toml", "[[fill]]\nid = \"escalation_contact\"\ndescription = \"Who gets stuck contributions\"\n\n[values]\nispo_email = \"ispo@acme.example\"\n"),
            ("modules/escalation/module.toml", "id = \"escalation\"\ntitle = \"Escalation\"\nsummary = \"Where a stuck contribution goes.\"\nkind = \"doc\"\nchallenges = [\"X1\"]\nwhen = \"region == eu\"\nfills = [\"escalation_contact\"]\n"),
            ("modules/escalation/files/ESCALATION.md", escalation),
            ("amend/charter/amend.toml", &format!("title = \"Charter, signed\"\nadd.challenges = [\"C2\"]\n\n[[file]]\npath = \"program/CHARTER.md\"\nreplaces_sha256 = \"{}\"\n", ispo::kit::sha256(&original))),
            ("amend/charter/files/program/CHARTER.md", &charter),
        ],
    )
}

#[test]
fn a_company_module_and_amendment_go_to_the_base() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let acme = overlay(
        &env,
        &base,
        "Escalate to {{fill.escalation_contact}} in {{region}}.\n",
    );
    env.ispo(&["catalog", "lint", acme.path()]).ok();

    // The new module, with the declarations it uses.
    env.ispo_with(&["catalog", "give-back", "escalation", "--catalog", acme.path(), "--catalog-checkout", base.path()], &IDENTITY)
        .ok()
        .stderr_has("the module `escalation` (with question `region`, fill `escalation_contact`, challenge `X1`) on ispo-give-back/acme-escalation");
    assert_eq!(
        std::fs::read_to_string(base.dir.join("modules/escalation/files/ESCALATION.md")).unwrap(),
        "Escalate to {{fill.escalation_contact}} in {{region}}.\n"
    );
    let questions = std::fs::read_to_string(base.dir.join("questions.toml")).unwrap();
    assert!(questions.contains("id = \"region\""), "{questions}");
    let fills = std::fs::read_to_string(base.dir.join("fills.toml")).unwrap();
    assert!(
        !fills.contains("acme.example"),
        "company values stay home: {fills}"
    );
    env.ispo(&["catalog", "lint", base.path()]).ok();

    // The amendment, as the base's own edit.
    git(&base.dir, &["switch", "-q", "main"]);
    env.ispo_with(
        &[
            "catalog",
            "give-back",
            "amend/charter",
            "--catalog",
            acme.path(),
            "--catalog-checkout",
            base.path(),
        ],
        &IDENTITY,
    )
    .ok()
    .stderr_has("the company's change to `charter` (title, challenges, 1 file(s))");
    let module = std::fs::read_to_string(base.dir.join("modules/charter/module.toml")).unwrap();
    assert!(module.contains("title = \"Charter, signed\""), "{module}");
    assert!(module.contains("challenges = [\"C1\", \"C2\"]"), "{module}");
    assert!(module.contains("[[upstream]]"), "the rest stays: {module}");
    assert!(
        std::fs::read_to_string(base.dir.join("modules/charter/files/program/CHARTER.md"))
            .unwrap()
            .contains("who signs this charter")
    );
    env.ispo(&["catalog", "lint", base.path()]).ok();

    // Upstream takes it: the company's replacement is now redundant.
    git(&base.dir, &["switch", "-q", "main"]);
    git(&base.dir, &["merge", "-q", "ispo-give-back/acme-charter"]);
    env.ispo(&["catalog", "lint", acme.path()])
        .ok()
        .stderr_has("warning: amend/charter/files/program/CHARTER.md: this replacement is now the same as `fixture`'s file: delete it")
        .stderr_has("warning: amend/charter/amend.toml:2:19: add.challenges: `charter` already lists `C2` below this catalog: the line is redundant, delete it");
}

#[test]
fn a_company_value_in_a_contribution_is_refused_unless_allowed() {
    let env = Env::new();
    let base = fixture_repo(&env);
    let acme = overlay(
        &env,
        &base,
        "Escalate to ispo@acme.example in {{region}}.\n",
    );
    env.ispo(&["catalog", "give-back", "escalation", "--catalog", acme.path(), "--patch", "p.diff"])
        .code(4)
        .stderr_has("the contribution would carry the company's own data: `acme.example` in modules/escalation/files/ESCALATION.md, `ispo@acme.example` in modules/escalation/files/ESCALATION.md");
    assert!(!env.exists("p.diff"));
    env.ispo(&[
        "catalog",
        "give-back",
        "escalation",
        "--catalog",
        acme.path(),
        "--patch",
        "p.diff",
        "--allow",
        "ispo@acme.example",
        "--allow",
        "acme.example",
    ])
    .ok();
    git(
        &base.dir,
        &["apply", "--check", env.path("p.diff").to_str().unwrap()],
    );
}
