//! The output-path validator: whatever it accepts stays inside the kit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    if ispo::paths::check(path).is_ok() {
        assert!(!path.starts_with('/') && !path.contains('\\'), "{path:?}");
        for c in path.split('/') {
            assert!(!c.is_empty() && c != "." && c != "..", "{path:?}");
            assert!(!c.chars().any(char::is_control), "{path:?}");
            assert!(!c.eq_ignore_ascii_case(".git"), "{path:?}");
        }
        assert!(!path.to_ascii_lowercase().starts_with(".ispo/"), "{path:?}");
    }
});
