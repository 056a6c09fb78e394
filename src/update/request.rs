//! Which catalog an update or a check reads: the one the kit records,
//! moved by `--catalog`, `--ref` and `--subdir`.

use crate::config::UpdateConfig;
use crate::kit::State;
use crate::source::{CatalogRequest, BUILTIN};

pub fn request(cfg: &UpdateConfig, state: &State) -> CatalogRequest {
    let rec = &state.catalog.source;
    let moved = cfg.catalog.is_some();
    let location = cfg
        .catalog
        .clone()
        .or_else(|| (rec.source != BUILTIN).then(|| rec.source.clone()));
    CatalogRequest {
        location: location.filter(|l| l != BUILTIN),
        reference: cfg
            .reference
            .clone()
            .or_else(|| if moved { None } else { rec.reference.clone() }),
        subdir: cfg
            .subdir
            .clone()
            .or_else(|| if moved { None } else { rec.subdir.clone() }),
        offline: cfg.offline,
        interactive: cfg.interactive,
    }
}

pub use crate::source::short;
