//! `equiframe demo`: see [`crate::demo`].

use std::path::PathBuf;

use crate::cli::DemoArgs;

/// The shipped models' root: `host-tools/models` of this source tree, or `--models`.
pub fn models_root(args: &DemoArgs) -> PathBuf {
    args.models
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"))
}

/// Runs the demo.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    crate::demo::run(args.plot.as_deref(), &models_root(args), args.quick)
}
