//! The frame computation behind `equiframe frames`, through the core `frame` API.

use anyhow::bail;

use super::frames::{FramesReport, PointSets};
use crate::cli::FramesArgs;
use crate::npy::NpyArray;

/// Frame sets of every set: the (B,K,d+1,d) array and the per-set report.
pub fn compute(
    _sets: &PointSets,
    _args: &FramesArgs,
    _quiet: bool,
) -> anyhow::Result<(NpyArray, FramesReport)> {
    bail!("the core frame module is not in this build yet")
}
