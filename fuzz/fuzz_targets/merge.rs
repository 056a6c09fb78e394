//! The merge wrapper: no panic, the identities hold, and binary input is never text-merged.
#![no_main]

use ispo::merge::{merge, Merged};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u8>, Vec<u8>)| {
    let (base, ours, theirs) = input;
    let result = merge(&base, &ours, &theirs, "base", "catalog");
    let binary = ispo::merge::is_binary(&base) || ispo::merge::is_binary(&ours) || ispo::merge::is_binary(&theirs);
    if binary {
        assert_eq!(result, Merged::Binary);
        return;
    }
    if let Merged::Clean(out) | Merged::Conflict(out) = &result {
        // Never a silently empty result when there was something to keep.
        assert!(!out.is_empty() || (ours.is_empty() || theirs.is_empty() || base == ours || base == theirs));
    }
    let crlf_free = !ours.contains(&b'\r') && !base.contains(&b'\r') && !theirs.contains(&b'\r');
    if crlf_free {
        assert_eq!(merge(&base, &ours, &base, "b", "t"), Merged::Clean(ours.clone()));
        assert_eq!(merge(&base, &base, &theirs, "b", "t"), Merged::Clean(theirs.clone()));
    }
});
