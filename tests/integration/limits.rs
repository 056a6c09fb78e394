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
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--answers",
        "answers.toml",
    ])
    .code(5)
    .stderr_has("answers.toml:3:1: fill-in `ispo_email`: the value is 65 KiB long, over the limit of 64 KiB");
    assert!(!env.exists("kit"));
}

#[test]
fn output_past_the_per_file_limit_stops_the_render_there() {
    let env = Env::new();
    let mut files = fixture();
    // Within the estimate (values assumed 256 bytes), past the limit with
    // real 60 KiB values: caught while rendering.
    files.push((
        "modules/charter/files/program/LOOPS.md",
        "{{#each modules}}{{#each @root.modules}}{{#each @root.modules}}{{#each @root.modules}}{{#each @root.modules}}{{#each @root.modules}}{{@root.fill.ispo_email}}{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}{{/each}}\n",
    ));
    let repo = CatalogRepo::new(env.path("catalog"), &files);
    let value = "x".repeat(60 * 1024);
    env.write(
        "answers.toml",
        &format!("company = \"Acme\"\n[fill]\nispo_email = \"{value}\"\n"),
    );
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        repo.path(),
        "--defaults",
        "--answers",
        "answers.toml",
    ])
    .code(1)
    .stderr_has("modules/charter/files/program/LOOPS.md: renders past the limit of 16 MiB for one file; rendering stopped");
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
