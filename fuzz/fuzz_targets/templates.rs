//! Any template text, in a module or as a partial, compiles and renders to a
//! kit or fails with an error: never a panic, never a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MANIFEST: &str = "[catalog]\nname = \"f\"\nversion = \"1\"\nformat = 1\n";
const QUESTIONS: &str = "[[question]]\nid = \"q\"\ntype = \"multi\"\nprompt = \"q\"\nchoices = [{ value = \"a\" }, { value = \"b\" }]\ndefault = [\"a\"]\n\n[[question]]\nid = \"name\"\ntype = \"text\"\nprompt = \"n\"\ndefault = \"Acme {{q}}\"\n";

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut files = ispo::catalog::Files::new();
    files.insert("catalog.toml".into(), MANIFEST.into());
    files.insert("questions.toml".into(), QUESTIONS.into());
    files.insert(
        "modules/m/module.toml".into(),
        b"id = \"m\"\ntitle = \"M\"\nsummary = \"s\"\nkind = \"doc\"\n".to_vec(),
    );
    if which % 2 == 0 {
        files.insert("modules/m/files/x.md".into(), text.into_bytes());
    } else {
        files.insert("partials/p.hbs".into(), text.into_bytes());
        files.insert("modules/m/files/x.md".into(), b"start {{> p}} end\n".to_vec());
    }
    let Ok(catalog) = ispo::catalog::Catalog::load(files) else { return };
    let _ = ispo::lint::lint(&catalog);
    let asking = ispo::answers::Asking { prompter: None, use_defaults: true, allow_unanswered: false };
    let Ok(answers) = ispo::answers::resolve(&catalog, &Default::default(), asking) else { return };
    let selected: Vec<_> = catalog.modules.iter().collect();
    let _ = ispo::render::render(&catalog, &selected, &answers, &Default::default(), None);
});
