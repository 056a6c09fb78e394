//! One integration test binary; one file per feature (see CONTRIBUTING.md).

mod git_http;
mod git_ssh;
mod support;

mod adopt;
mod answers;
mod catalog_source;
mod combinations;
mod content;
mod conveniences;
mod escaping;
mod exit_codes;
mod explain;
mod fill_kinds;
mod give_back;
mod hostile;
mod incremental;
mod init;
mod json_contract;
mod kit_storage;
mod kits;
mod layers;
mod limits;
mod lint;
mod manpages;
mod network;
mod pipes;
mod prompts;
mod release_notes;
mod resume;
mod status;
mod structure;
mod update;
mod update_crash;
mod update_report;
mod usage;
