//! Bringing ispo into a folder that already holds an ISPO's documents:
//! nothing of the user's is overwritten, the kit's versions go beside.

use crate::support::*;

#[test]
fn adopting_keeps_an_approved_charter_and_puts_the_template_beside_it() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write(
        "kit/program/CHARTER.md",
        "# Our approved charter\n\nSigned by the board.\n",
    );
    env.write("kit/notes.txt", "mine");
    let run = env.init_kit(repo.path(), &["--adopt"]);
    run.code(3)
        .stderr_has("Kept program/CHARTER.md (yours, unchanged; the kit's version is in program/CHARTER.md.ispo-new)")
        .stderr_has("1 file(s) of yours were kept");
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        "# Our approved charter\n\nSigned by the board.\n"
    );
    assert_eq!(env.read("kit/notes.txt"), "mine");
    assert!(env
        .read("kit/program/CHARTER.md.ispo-new")
        .starts_with("# Acme InnerSource charter"));
    // The other kit files arrived, and the base records the render.
    assert!(env.exists("kit/program/PRINCIPLES.md"));
    assert_eq!(
        base_of(&env.path("kit"), "program/CHARTER.md"),
        Some(env.read("kit/program/CHARTER.md.ispo-new"))
    );
    // The next update merges normally: nothing upstream, so the charter stays.
    std::fs::remove_file(env.path("kit/program/CHARTER.md.ispo-new")).unwrap();
    env.ispo(&["update", "kit", "--allow-dirty"]).ok();
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        "# Our approved charter\n\nSigned by the board.\n"
    );
    // An upstream change to the principles arrives; the charter is still the user's.
    let mut files = fixture();
    for f in files.iter_mut() {
        if f.0 == "modules/principles/files/program/PRINCIPLES.md" {
            f.1 = "# Principles\n\nOpenness first at {{company}}, always.\n";
        }
    }
    repo.commit(&files, "v2");
    env.ispo(&["update", "kit", "--allow-dirty"]).ok();
    assert_eq!(
        env.read("kit/program/PRINCIPLES.md"),
        "# Principles\n\nOpenness first at Acme, always.\n"
    );
    assert_eq!(
        env.read("kit/program/CHARTER.md"),
        "# Our approved charter\n\nSigned by the board.\n"
    );
}

#[test]
fn force_is_the_same_safe_adoption_and_json_lists_what_was_kept() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("kit/README.md", "our own readme\n");
    let run = env.init_kit(repo.path(), &["--force", "--json"]);
    run.code(3);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["kept"][0]["path"], "README.md");
    assert_eq!(doc["kept"][0]["sidecar"], "README.md.ispo-new");
    assert_eq!(env.read("kit/README.md"), "our own readme\n");
}

#[test]
fn re_creating_a_kit_replaces_only_what_ispo_wrote_and_nobody_changed() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.init_kit(repo.path(), &[]).ok();
    env.write("kit/program/PRINCIPLES.md", "edited by hand\n");
    env.init_kit(repo.path(), &["--adopt", "--set", "engineers=300"])
        .code(3);
    // The untouched charter was ispo's own: it is re-rendered in place.
    assert!(env
        .read("kit/program/CHARTER.md")
        .contains("Engineers: 300"));
    // The edited file stays; the new render is beside it.
    assert_eq!(env.read("kit/program/PRINCIPLES.md"), "edited by hand\n");
    assert!(env.exists("kit/program/PRINCIPLES.md.ispo-new"));
    // The answers file ispo wrote and nobody edited is replaced too.
    assert!(env
        .read("kit/ispo-answers.toml")
        .contains("engineers = 300"));
}

#[test]
fn a_file_where_the_kit_needs_a_folder_is_refused_before_anything_is_written() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    env.write("kit/README.md", "mine\n");
    env.write("kit/program", "a file, not a folder\n");
    let before = env.tree("kit");
    env.init_kit(repo.path(), &["--adopt"])
        .code(4)
        .stderr_has("is a file where the kit needs a folder (for `program/CHARTER.md`)");
    assert_eq!(env.tree("kit"), before);
}
