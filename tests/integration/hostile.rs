//! Hostile and broken catalogs: each is refused with a plain message and an
//! exit code, and nothing outside (or inside) the destination changes.

use crate::support::*;

/// Runs `init` against the fixture plus `extra` files, with a canary beside
/// the destination, and checks that nothing was written anywhere.
fn refused(extra: &[(&'static str, &'static str)], code: i32, message: &str) {
    let env = Env::new();
    let mut files = fixture();
    files.extend_from_slice(extra);
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    env.write("canary.txt", "untouched");
    let before = env.tree("");
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--set",
        "company=Acme",
    ])
    .code(code)
    .stderr_has(message);
    assert!(!env.exists("kit"), "kit was created");
    let mut after = env.tree("");
    after.retain(|p, _| !p.starts_with("cache/"));
    let mut before = before;
    before.retain(|p, _| !p.starts_with("cache/"));
    assert_eq!(before, after, "files changed outside the destination");
}

#[test]
fn code_execution_is_refused() {
    refused(
        &[("modules/charter/hooks/post.sh", "rm -rf ~\n")],
        4,
        "ispo never runs code from a catalog",
    );
    refused(
        &[(
            "catalog.toml",
            "tasks = [\"make\"]\n[catalog]\nname = \"x\"\nversion = \"1\"\nformat = 1\n",
        )],
        4,
        "`tasks` in catalog.toml",
    );
}

#[test]
fn output_paths_into_git_or_state_or_outside_are_refused() {
    for (target, why) in [
        (".git/hooks/pre-commit", "goes into `.git`"),
        (".ispo/state.toml", "state folder `.ispo`"),
        ("../escape.md", "relative step"),
        ("/etc/motd", "absolute"),
        ("README.md", "written by ispo itself"),
        ("docs/CON.md", "reserved device name"),
    ] {
        let module: &'static str = Box::leak(
            format!("id = \"evil\"\ntitle = \"E\"\nsummary = \"s\"\nkind = \"doc\"\n\n[[output]]\nsource = \"x.md\"\ntarget = \"{target}\"\n").into_boxed_str(),
        );
        refused(
            &[
                ("modules/evil/module.toml", module),
                ("modules/evil/files/x.md", "x\n"),
            ],
            4,
            why,
        );
    }
}

#[test]
fn case_and_unicode_collisions_are_refused_naming_both_modules() {
    refused(
        &[
            ("modules/a-mod/module.toml", "id = \"a-mod\"\ntitle = \"A\"\nsummary = \"s\"\nkind = \"doc\"\n"),
            ("modules/a-mod/files/Guide.md", "a\n"),
            ("modules/b-mod/module.toml", "id = \"b-mod\"\ntitle = \"B\"\nsummary = \"s\"\nkind = \"doc\"\n"),
            ("modules/b-mod/files/GUIDE.md", "b\n"),
        ],
        4,
        "`Guide.md` (module a-mod) and `GUIDE.md` (module b-mod) are the same file on case-insensitive or Unicode-normalising file systems",
    );
}

#[test]
fn partials_including_each_other_are_caught_before_rendering() {
    refused(
        &[
            ("partials/a.hbs", "{{> b}}"),
            ("partials/b.hbs", "{{> a}}"),
            (
                "modules/principles/files/program/PRINCIPLES.md",
                "{{> a}}\n",
            ),
        ],
        1,
        "partials include each other in a cycle: a -> b -> a",
    );
    refused(
        &[("partials/dyn.hbs", "{{> (lookup this \"x\")}}")],
        1,
        "partials with a computed name",
    );
}

#[test]
fn an_empty_catalog_says_so() {
    let env = Env::new();
    let repo = CatalogRepo::new(env.path("catalog"), &[("README.md", "not a catalog\n")]);
    env.ispo(&["init", "kit", "--catalog", repo.path(), "--defaults"])
        .code(1)
        .stderr_has("catalog.toml: missing: a catalog needs a catalog.toml manifest at its root");
}
