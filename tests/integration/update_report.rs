//! `ispo update --report FILE`: the Markdown body of an update's pull request.

use crate::support::*;

#[test]
fn the_report_names_versions_files_conflicts_defaults_and_notes() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &[]).ok();
    let old = repo.head();
    // A local edit that will clash, and one the catalog leaves alone.
    let principles = env
        .read("kit/program/PRINCIPLES.md")
        .replace("Openness first", "Openness | first");
    env.write("kit/program/PRINCIPLES.md", &principles);
    let catalog = env
        .read("catalog/catalog.toml")
        .replace("version = \"1.0.0\"", "version = \"1.1.0\"");
    let questions = format!(
        "{}\n[[question]]\nid = \"pilots\"\ntype = \"integer\"\nprompt = \"How many pilot teams?\"\ndefault = 3\n",
        env.read("catalog/questions.toml")
    );
    let new = repo.commit(
        &[
            ("catalog.toml", &catalog),
            ("questions.toml", &questions),
            ("modules/principles/files/program/PRINCIPLES.md", "# Principles\n\nOpenness always first at {{company}}.\n"),
            ("modules/charter/files/program/NEW.md", "New for {{company}}.\n"),
            ("CHANGELOG.md", "# Changelog\n\n## [1.1.0] - 2026-11-30\n\n### Added\n\n- A question about pilot teams.\n\n## [1.0.0]\n\n- First release.\n"),
        ],
        "1.1.0",
    );
    env.ispo(&["update", "kit", "--report", "report.md"])
        .code(3);
    let report = env.read("report.md");
    let expect = [
        format!("<!-- ispo-update from={old} to={new} -->\n"),
        format!(
            "# ispo: update the kit to catalog fixture 1.1.0 ({}), 1 conflict(s) to resolve\n",
            &new[..10]
        ),
        format!("- Before: catalog fixture 1.0.0 ({})\n", &old[..10]),
        format!("- After: catalog fixture 1.1.0 ({})\n", &new[..10]),
        "| Added (1) | `program/NEW.md` |\n".into(),
        "| Conflicts (1) | `program/PRINCIPLES.md` |\n".into(),
        "- [ ] `program/PRINCIPLES.md`: edit the conflict markers".into(),
        "- How many pilot teams? `pilots = 3`\n".into(),
        "### [1.1.0] - 2026-11-30\n\n#### Added\n\n- A question about pilot teams.\n".into(),
    ];
    for e in &expect {
        assert!(report.contains(e.as_str()), "report lacks {e:?}:\n{report}");
    }
    assert!(
        !report.contains("First release"),
        "only the notes between: {report}"
    );

    // A no-op update still writes a report, saying nothing changed.
    env.write("kit/program/PRINCIPLES.md", "# Principles\n\nmine\n");
    env.ispo(&["update", "kit", "--report", "again.md"]).ok();
    assert!(
        env.read("again.md")
            .contains("| Nothing | no file changed |"),
        "{}",
        env.read("again.md")
    );
}
