//! The `ispo` binary: parse, run, print the error once, exit with its code.

// Printing goes through `output` (`out!`, `outln!`, `errln!`), which never
// panics on a closed pipe; `println!` and friends do.
#![warn(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use ispo::config::Config;
use ispo::errln;
use ispo::error::{code_for, Code};
use ispo::output::{exit_code, print_error, Reporter};

fn main() -> ExitCode {
    // A prompt interrupted with Ctrl-C leaves the cursor hidden unless we restore it.
    let _ = ctrlc::set_handler(|| {
        if ispo::interrupt::defer() {
            errln!("interrupted: finishing the writes under way so the kit stays consistent");
            return;
        }
        ispo::output::show_cursor();
        errln!("interrupted; nothing was written");
        ispo::resume::on_interrupt();
        std::process::exit(Code::Interrupted as i32);
    });
    let arguments = match ispo::arguments::parse() {
        Ok(arguments) => arguments,
        Err(code) => return code.into(),
    };
    let config = Config::from_args(arguments);
    let reporter = Reporter::new(config.quiet, config.verbose, config.json, config.color);
    let code = match ispo::run(&config, &reporter) {
        Ok(_) if ispo::interrupt::was_interrupted() => {
            errln!("interrupted after the writes completed; the kit is consistent");
            Code::Interrupted
        }
        Ok(code) => code,
        Err(err) => {
            let code = code_for(&err);
            if code == Code::Interrupted {
                ispo::output::show_cursor();
                errln!("interrupted; nothing was written");
                ispo::resume::on_interrupt();
                return code.into();
            }
            print_error(&err);
            if config.json {
                ispo::outln!("{}", ispo::error::json_document(&err));
            }
            code
        }
    };
    exit_code(code).into()
}
