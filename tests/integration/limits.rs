//! Bounded work: a catalog cannot make ispo expand text without end, and
//! render-time limits stop what the worst-case estimate cannot see.

use crate::support::*;

fn doubling_catalog(env: &Env) -> CatalogRepo {
    let mut owned: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("partials/p{i}.hbs"),
                format!("{{{{> p{}}}}}{{{{> p{}}}}}", i + 1, i + 1),
            )
        })
        .collect();
    owned.push(("partials/p40.hbs".into(), "x".into()));
    owned.push((
        "modules/principles/files/program/PRINCIPLES.md".into(),
        "# Principles\n\n{{> p0}}\n".into(),
    ));
    let mut files = fixture();
    files.retain(|(p, _)| !owned.iter().any(|(o, _)| o == p));
    files.extend(owned.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    CatalogRepo::new(env.path("catalog"), &files)
}

#[test]
fn lint_refuses_partials_that_multiply_and_names_the_chain() {
    let env = Env::new();
    let repo = doubling_catalog(&env);
    let chain: Vec<String> = (0..=40).map(|i| format!("`p{i}`")).collect();
    env.ispo(&["catalog", "lint", repo.path()])
        .code(1)
        .stderr_has(&format!(
            "partials/p0.hbs: in the worst case this renders about 1.1e12 bytes through the partials {}, over the limit of 16 MiB for one file",
            chain.join(" -> ")
        ));
    // init stops before rendering anything.
    env.init_kit(repo.path(), &[])
        .code(1)
        .stderr_has("over the limit of 16 MiB for one file");
    assert!(!env.exists("kit"));
}

#[test]
fn a_value_too_large_is_refused_where_it_is_given() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    let big = "x".repeat(65 * 1024);
    env.write(
        "answers.toml",
        &format!("company = \"Acme\"\n[fill]\nispo_email = \"{big}\"\n"),
    );
    env.init_kit(repo.path(), &["--answers", "answers.toml"])
    .code(5)
    .stderr_has("answers.toml:3:1: fill-in `ispo_email`: the value is 66560 bytes long, over the limit of 65536 bytes");
    assert!(!env.exists("kit"));
}

#[test]
fn two_modules_writing_one_path_is_a_catalog_error() {
    let env = Env::new();
    let mut files = fixture();
    files.push((
        "modules/principles/files/program/CHARTER.md",
        "A second charter\n",
    ));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    // As docs/catalog-format.md says: an error in the catalog (exit 1). (Lint
    // reports it only when neither output depends on a condition.)
    env.init_kit(repo.path(), &[])
        .code(1)
        .stderr_has("modules/principles/files/program/CHARTER.md: renders to `program/CHARTER.md`, which module charter also writes");
    assert!(!env.exists("kit"));
}

/// The fixture catalog with one more template for the charter module.
fn with_template(env: &Env, path: &'static str, text: &str) -> CatalogRepo {
    let text: &'static str = Box::leak(text.to_string().into_boxed_str());
    let mut files = fixture();
    files.push((path, text));
    CatalogRepo::new(env.path("catalog"), &files)
}

#[test]
fn prose_set_aside_by_the_skeleton_still_counts_in_the_estimate() {
    let env = Env::new();
    // Long plain text in loops: the fast compile sets the text aside as one
    // placeholder, and the estimate must count it whole.
    let prose = "An InnerSource paragraph that goes on for a while. ".repeat(1200);
    let repo = with_template(
        &env,
        "modules/charter/files/program/LONG.md",
        &format!(
            "# x\n{{{{#each @root.modules}}}}{{{{#each @root.modules}}}}{{{{#each @root.modules}}}}{{{{#each @root.modules}}}}\n{prose}\n{{{{/each}}}}{{{{/each}}}}{{{{/each}}}}{{{{/each}}}}\n"
        ),
    );
    env.init_kit(repo.path(), &[])
        .code(1)
        .stderr_has("modules/charter/files/program/LONG.md: in the worst case this renders about")
        .stderr_has("over the limit of 16 MiB for one file");
    assert!(!env.exists("kit"));
}

#[test]
fn loops_that_print_nothing_are_still_work() {
    let env = Env::new();
    let mut t = String::new();
    for _ in 0..9 {
        t.push_str("{{#each @root.modules}}");
    }
    for _ in 0..9 {
        t.push_str("{{/each}}");
    }
    let repo = with_template(&env, "modules/charter/files/program/EMPTY.md", &t);
    env.ispo(&["catalog", "lint", repo.path()])
        .code(1)
        .stderr_has("EMPTY.md: in the worst case this renders");
    env.init_kit(repo.path(), &[]).code(1);
    assert!(!env.exists("kit"));
}

#[test]
fn long_values_count_against_the_limit_as_they_are_placed() {
    let env = Env::new();
    let mut t =
        String::from("{{#each @root.modules}}{{#each @root.modules}}{{#each @root.modules}}");
    for _ in 0..10 {
        t.push_str("{{@root.fill.ispo_email}}");
    }
    t.push_str("{{/each}}{{/each}}{{/each}}");
    let repo = with_template(&env, "modules/charter/files/program/VALUES.md", &t);
    let value = "x".repeat(65_000);
    env.write(
        "answers.toml",
        &format!("company = \"Acme\"\n[fill]\nispo_email = \"{value}\"\n"),
    );
    env.init_kit(repo.path(), &["--answers", "answers.toml"])
        .code(1)
        .stderr_has("VALUES.md: renders past the limit of 16 MiB for one file; rendering stopped");
    assert!(!env.exists("kit"));
}
