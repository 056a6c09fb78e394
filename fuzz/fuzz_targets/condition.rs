//! The condition parser: any text parses or fails with an offset inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match ispo::condition::Condition::parse(text) {
        Ok(c) => {
            let _ = c.eval(&|_| None);
            let _ = c.trace(&|_| None);
        }
        Err(e) => assert!(e.offset <= text.len()),
    }
});
