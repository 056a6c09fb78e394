//! `ispo catalog lint`: a catalog checked without rendering a kit.

use crate::support::*;

#[test]
fn the_fixture_and_the_default_catalog_are_clean() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.ispo(&["catalog", "lint", "cat"])
        .ok()
        .stderr_has("Checked fixture 1.0.0: 4 modules, 7 questions, 2 challenges, no errors");
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/catalog");
    let run = env.ispo(&["catalog", "lint", default]);
    run.ok().stderr_has("no errors");
    assert!(
        !run.stderr.contains("warning"),
        "the default catalog lints without warnings:\n{}",
        run.stderr
    );
}

#[test]
fn a_big_file_beside_a_modules_files_is_a_warning() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.write("cat/modules/charter/download.whl", &"x".repeat(300 * 1024));
    env.write("cat/modules/charter/NOTES.md", "Small notes stay quiet.\n");
    let run = env.ispo(&["catalog", "lint", "cat"]);
    run.ok().stderr_has("warning: modules/charter/download.whl: 300 KiB outside the module's files/: no kit gets it, but every copy of the catalog carries it");
    assert!(!run.stderr.contains("NOTES.md"), "{}", run.stderr);
}

#[test]
fn reports_every_problem_with_file_and_line() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.write(
        "cat/modules/bad/module.toml",
        r#"id = "bad"
title = "Bad"
summary = "s"
kind = "essay"
audiences = ["aliens"]
challenges = ["C9"]
when = "forge == svn and size > 3"
requires = ["ghost"]
fills = ["nope"]
colour = "red"
"#,
    );
    env.write("cat/modules/bad/files/a.md", "x");
    let run = env.ispo(&["catalog", "lint", "cat"]);
    run.code(1).stderr_is(
        "error: modules/bad/module.toml:10:1: unknown field `colour`, expected one of `id`, `title`, `summary`, `kind`, `audiences`, `challenges`, `when`, `requires`, `conflicts`, `fills`, `raw`, `fill`, `output`, `upstream`, `moved`, `replaces`
",
    );
    env.write(
        "cat/modules/bad/module.toml",
        r#"id = "bad"
title = "Bad"
summary = "s"
kind = "essay"
audiences = ["aliens"]
challenges = ["C9"]
when = "forge == svn and size > 3"
requires = ["ghost"]
fills = ["nope"]
"#,
    );
    env.write("cat/modules/bad/files/a.md", "{{fill.undeclared}} {{stage}}\n{{#each audiences}}{{this}}{{/each}}\n{{nohelper forge}} {{> nopartial}}\n");
    env.ispo(&["catalog", "lint", "cat"]).code(1).stderr_is(
        "error: modules/bad/module.toml:4:8: unknown kind `essay`; use doc, training, tooling or template
modules/bad/module.toml:5:14: unknown audience `aliens` (declare it in catalog.toml)
modules/bad/module.toml:6:15: unknown challenge `C9` (declare it in challenges.toml)
modules/bad/module.toml:7:9: in condition: `svn` is not a choice of question `forge` (choices: github, gitlab, azure)
modules/bad/module.toml:7:26: in condition: unknown question `size`
modules/bad/module.toml:9:10: unknown fill-in `nope` (declare it in fills.toml or as a [[fill]] of this module)
modules/bad/module.toml:8:13: requires unknown module `ghost`
",
    );
    env.write(
        "cat/modules/bad/module.toml",
        "id = \"bad\"\ntitle = \"Bad\"\nsummary = \"s\"\nkind = \"doc\"\nchallenges = [\"C1\"]\n",
    );
    env.ispo(&["catalog", "lint", "cat"]).code(1).stderr_is(
        "warning: questions.toml: question `company` has a `pattern` but no `pattern_message`: a refused answer is shown the regular expression
error: modules/bad/files/a.md:3:20: unknown partial `nopartial` (put it in partials/nopartial.hbs)
modules/bad/files/a.md:3:1: unknown helper `nohelper` (helpers: if, unless, each, with, lookup, log, eq, ne, gt, gte, lt, lte, and, or, not, len, contains, join, label, raw)
modules/bad/files/a.md:1:1: fill-in `undeclared` is not declared by module bad (add it to `fills` or a [[fill]] in its module.toml)
modules/bad/files/a.md:1:21: `stage` is not a question, a fill-in or an ispo value
",
    );
}

#[test]
fn partial_cycles_and_broken_templates_are_caught() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.write("cat/partials/a.hbs", "{{> b}}");
    env.write("cat/partials/b.hbs", "{{> a}}");
    env.write(
        "cat/modules/principles/files/program/PRINCIPLES.md",
        "ok\n\n  {{#if company}\nmore\n",
    );
    let run = env.ispo(&["catalog", "lint", "cat"]);
    run.code(1)
        .stderr_has("partials: partials include each other in a cycle: a -> b -> a")
        .stderr_has("modules/principles/files/program/PRINCIPLES.md:3:");
}

#[test]
fn bad_toml_names_line_and_column() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    env.write(
        "cat/questions.toml",
        "[[question]]\nid = \"x\"\ntype = \"text\"\nprompt = \"p\"\ndefault = [1, \n",
    );
    env.ispo(&["catalog", "lint", "cat"])
        .code(1)
        .stderr_has("questions.toml:5:14: unclosed array");
    env.ispo(&["catalog", "lint", "nowhere"])
        .code(1)
        .stderr_has("catalog folder `nowhere` does not exist");
    let empty = env.path("empty");
    std::fs::create_dir_all(&empty).unwrap();
    env.ispo(&["catalog", "lint", "empty"])
        .code(1)
        .stderr_has("the catalog is empty");
}

#[test]
fn a_pattern_message_explains_a_pattern() {
    let env = Env::new();
    for (p, c) in fixture() {
        env.write(&format!("cat/{p}"), c);
    }
    let questions = fixture()[1].1;
    env.write(
        "cat/questions.toml",
        &questions.replace(
            "pattern = \"[A-Z][A-Za-z0-9 ]*\"",
            "pattern = \"[A-Z][A-Za-z0-9 ]*\"\npattern_message = \"start with a capital letter\"",
        ),
    );
    let run = env.ispo(&["catalog", "lint", "cat"]);
    run.ok();
    assert!(!run.stderr.contains("pattern_message"), "{}", run.stderr);
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        "cat",
        "--defaults",
        "--set",
        "company=acme",
    ])
    .code(2)
    .stderr_has("--set company: answer for `company`: `acme`: start with a capital letter");
    env.ispo(&[
        "init",
        "kit",
        "--catalog",
        "cat",
        "--defaults",
        "--set",
        "company=",
    ])
    .code(2)
    .stderr_has("Please enter the company name (an answer is needed)");
    // Words without a pattern to explain are a catalog error, at their line.
    env.write(
        "cat/questions.toml",
        &questions.replace(
            "prompt = \"Issue tracker?\"",
            "prompt = \"Issue tracker?\"\npattern_message = \"pick one\"",
        ),
    );
    env.ispo(&["catalog", "lint", "cat"])
        .code(1)
        .stderr_has("questions.toml:48:19: `pattern_message` needs a `pattern` to explain");
}
