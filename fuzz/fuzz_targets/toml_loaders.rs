//! The catalog, answers and state loaders: any text gives a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const MANIFEST: &str = "[catalog]\nname = \"f\"\nversion = \"1\"\nformat = 1\n[[audience]]\nid = \"a\"\ntitle = \"A\"\n";
const QUESTIONS: &str = "[[question]]\nid = \"q\"\ntype = \"choice\"\nprompt = \"q\"\nchoices = [{ value = \"a\" }, { value = \"b\" }]\ndefault = \"a\"\n";

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    match which % 5 {
        0 => {
            let _ = ispo::answers::Inputs::parse("answers.toml", &text);
        }
        1 => {
            let _ = ispo::kit::State::parse("state.toml", &text);
        }
        n => {
            let mut files = ispo::catalog::Files::new();
            files.insert("catalog.toml".into(), if n == 2 { text.clone().into_bytes() } else { MANIFEST.into() });
            files.insert("questions.toml".into(), if n == 3 { text.clone().into_bytes() } else { QUESTIONS.into() });
            files.insert("modules/m/files/x.md".into(), b"x {{q}}\n".to_vec());
            files.insert("modules/m/module.toml".into(), if n == 4 { text.into_bytes() } else { b"id = \"m\"\ntitle = \"M\"\nsummary = \"s\"\nkind = \"doc\"\nwhen = \"q == a\"\n".to_vec() });
            if let Ok(catalog) = ispo::catalog::Catalog::load(files) {
                let _ = ispo::lint::lint(&catalog);
            }
        }
    }
});
