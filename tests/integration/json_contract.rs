//! `--json` is a contract: every command's document, success or failure,
//! validates against its JSON Schema under `docs/schemas/`.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::*;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/schemas")
}

/// Serves `https://ispo.invalid/schemas/<name>` from `docs/schemas/`, never the network.
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .as_str()
            .strip_prefix("https://ispo.invalid/schemas/")
            .ok_or_else(|| format!("not one of ispo's schemas: {uri}"))?;
        let text = std::fs::read_to_string(schemas_dir().join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

#[track_caller]
pub fn validate(schema: &str, run: &Run) -> Value {
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout));
    let text = std::fs::read_to_string(schemas_dir().join(schema)).unwrap();
    let schema_json: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&schema_json)
        .unwrap_or_else(|e| panic!("{schema} is not a valid schema: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{schema}: the document does not fit:\n  {}\n{}",
        errors.join("\n  "),
        serde_json::to_string_pretty(&doc).unwrap()
    );
    doc
}

#[test]
fn every_success_document_fits_its_schema() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    validate(
        "init.schema.json",
        env.init_kit(repo.path(), &["--json"]).ok(),
    );
    validate(
        "check.schema.json",
        env.ispo(&["check", "kit", "--json"]).ok(),
    );
    validate(
        "status.schema.json",
        env.ispo(&["status", "kit", "--json"]).ok(),
    );
    validate(
        "explain.schema.json",
        env.ispo(&["explain", "--kit", "kit", "--json"]).ok(),
    );
    let one = validate(
        "explain.schema.json",
        env.ispo(&["explain", "--kit", "kit", "charter", "--json"])
            .ok(),
    );
    assert_eq!(one["module"], "charter");
    validate(
        "update.schema.json",
        env.ispo(&["update", "kit", "--json"]).ok(),
    );
    // A catalog change, and a local edit the change conflicts with.
    let mut files = fixture();
    for f in files.iter_mut() {
        if f.0 == "modules/principles/files/program/PRINCIPLES.md" {
            f.1 = "# Principles\n\nOpenness first at {{company}}, everywhere.\n";
        }
    }
    repo.commit(&files, "v2");
    env.write(
        "kit/program/PRINCIPLES.md",
        "# Principles\n\nOpenness first at Acme, mostly.\n",
    );
    let diff = validate(
        "diff.schema.json",
        env.ispo(&["diff", "kit", "--json"]).code(3),
    );
    assert_eq!(diff["conflicts"], 1);
    let file = diff["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "program/PRINCIPLES.md")
        .expect("the principles change is listed");
    assert_eq!(file["action"], "conflict");
    // The conflict as the file would hold it: markers around both versions.
    let lines = file["hunks"][0]["lines"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.as_str().unwrap().starts_with("+<<<<<<< ")),
        "{file}"
    );
    validate(
        "update.schema.json",
        env.ispo(&["update", "kit", "--dry-run", "--json"]).code(3),
    );
    validate(
        "update.schema.json",
        env.ispo(&["update", "kit", "--json", "--allow-dirty"])
            .code(3),
    );
    validate(
        "catalog-lint.schema.json",
        env.ispo(&["catalog", "lint", repo.path(), "--json"]).ok(),
    );
}

#[test]
fn versions_tags_and_release_notes_fit_their_schemas() {
    let env = Env::new();
    let repo = crate::release_notes::tagged_catalog(&env);
    env.init_kit(repo.path(), &["--ref", "v1", "-q"]).ok();
    let check = validate(
        "check.schema.json",
        env.ispo(&["check", "kit", "--json"]).ok(),
    );
    assert_eq!(check["release_notes"].as_array().unwrap().len(), 2);
    let update = validate(
        "update.schema.json",
        env.ispo(&["update", "kit", "--ref", "v3", "--json"]).ok(),
    );
    assert_eq!(update["release_notes"][0]["version"], "3.0.0");
    let check = validate(
        "check.schema.json",
        env.ispo(&["check", "kit", "--json"]).ok(),
    );
    assert_eq!(check["latest_ref"], serde_json::Value::Null);
    assert_eq!(check["release_notes"], serde_json::json!([]));
}

#[test]
fn every_failure_document_fits_the_error_schema() {
    let env = Env::new();
    let repo = fixture_repo(&env);
    // Missing answers, as data.
    let doc = validate(
        "error.schema.json",
        env.ispo(&["init", "kit", "--catalog", repo.path(), "--json"])
            .code(5),
    );
    assert_eq!(doc["error"]["missing"][0]["id"], "company");
    // Refused answers, as data.
    env.write(
        "a.toml",
        "company = \"Acme\"\nforge = \"gitlab\"\nstag = 1\n",
    );
    let doc = validate(
        "error.schema.json",
        env.ispo(&[
            "init",
            "kit",
            "--catalog",
            repo.path(),
            "--answers",
            "a.toml",
            "--defaults",
            "--json",
        ])
        .code(5),
    );
    assert_eq!(doc["error"]["answers"][0]["at"]["line"], 3);
    // A usage error clap catches, and one ispo catches.
    validate(
        "error.schema.json",
        env.ispo(&["init", "--no-such-flag", "--json"]).code(2),
    );
    validate(
        "error.schema.json",
        env.init_kit(repo.path(), &["--with", "nope", "--json"])
            .code(2),
    );
    // A malformed file: located problems.
    env.write("b.toml", "company = \n");
    let doc = validate(
        "error.schema.json",
        env.ispo(&[
            "init",
            "kit",
            "--catalog",
            repo.path(),
            "--answers",
            "b.toml",
            "--json",
        ])
        .code(1),
    );
    assert_eq!(doc["error"]["problems"][0]["line"], 1);
    // Refused for safety.
    env.write("full/notes.txt", "mine");
    validate(
        "error.schema.json",
        env.ispo(&[
            "init",
            "full",
            "--catalog",
            repo.path(),
            "--defaults",
            "--set",
            "company=Acme",
            "--json",
        ])
        .code(4),
    );
    // Not a kit.
    validate(
        "error.schema.json",
        env.ispo(&["status", "nowhere", "--json"]).code(1),
    );
}

#[test]
fn every_schema_is_a_valid_schema_and_names_its_version() {
    for entry in std::fs::read_dir(schemas_dir()).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        jsonschema::options()
            .with_retriever(LocalSchemas)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    // And they do refuse: a field no schema names, a wrong version.
    let status: Value = serde_json::from_str(
        &std::fs::read_to_string(schemas_dir().join("status.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&status)
        .unwrap();
    assert!(v.is_valid(&serde_json::json!({"schema_version": 1, "command": "status", "open": [], "mine": {"globs": [], "files": []}})));
    assert!(!v.is_valid(&serde_json::json!({"schema_version": 2, "command": "status", "open": [], "mine": {"globs": [], "files": []}})));
    assert!(!v.is_valid(
        &serde_json::json!({"schema_version": 1, "command": "status", "open": [], "mine": {"globs": [], "files": []}, "extra": 1})
    ));
}
