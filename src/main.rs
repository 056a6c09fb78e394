//! The `ispo` binary: parse, run, print the error once, exit with its code.

use std::process::ExitCode;

use clap::Parser;

use ispo::arguments::Arguments;
use ispo::config::Config;
use ispo::error::{code_for, Code};
use ispo::output::{print_error, Reporter};

fn main() -> ExitCode {
    // A prompt interrupted with Ctrl-C leaves the cursor hidden unless we restore it.
    let _ = ctrlc::set_handler(|| {
        if ispo::interrupt::defer() {
            eprintln!("interrupted: finishing the writes under way so the kit stays consistent");
            return;
        }
        let _ = console::Term::stderr().show_cursor();
        eprintln!("interrupted; nothing was written");
        std::process::exit(Code::Interrupted as i32);
    });
    let config = Config::from_args(Arguments::parse());
    let reporter = Reporter::new(config.quiet, config.verbose, config.json, config.color);
    match ispo::run(&config, &reporter) {
        Ok(_) if ispo::interrupt::was_interrupted() => {
            eprintln!("interrupted after the writes completed; the kit is consistent");
            Code::Interrupted.into()
        }
        Ok(code) => code.into(),
        Err(err) => {
            let code = code_for(&err);
            if code == Code::Interrupted {
                let _ = console::Term::stderr().show_cursor();
                eprintln!("interrupted; nothing was written");
                return code.into();
            }
            print_error(&err);
            if config.json {
                println!("{}", ispo::error::json_document(&err));
            }
            code.into()
        }
    }
}
