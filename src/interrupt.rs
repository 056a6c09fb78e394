//! Ctrl-C while ispo writes: finish the writes, then stop.
//!
//! Outside a write phase an interrupt ends the run at once (exit 130), and
//! nothing has been written. Inside one (`init` moving files into place,
//! `update` applying its plan) the interrupt is only recorded: stopping half
//! way would leave a kit that the next run must repair, so the phase finishes
//! and the command then exits 130.

use std::sync::atomic::{AtomicBool, Ordering};

static WRITING: AtomicBool = AtomicBool::new(false);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Marks a write phase for as long as the guard lives.
pub struct Writing;

impl Writing {
    pub fn begin() -> Writing {
        WRITING.store(true, Ordering::SeqCst);
        Writing
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.store(false, Ordering::SeqCst);
    }
}

/// Called from the signal handler: true if the interrupt was deferred.
pub fn defer() -> bool {
    if WRITING.load(Ordering::SeqCst) {
        INTERRUPTED.store(true, Ordering::SeqCst);
        true
    } else {
        false
    }
}

/// Whether an interrupt arrived during a write phase.
pub fn was_interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
