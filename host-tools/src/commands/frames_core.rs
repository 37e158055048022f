//! The frame computation behind `equiframe frames`, through the core `frame` API.

use anyhow::anyhow;
use equiframe::frame::{AxisOrder, FrameOptions, Group, InputSchema, Robust};

use super::frames::{FramesReport, PointSets, SetReport};
use crate::cli::{AxisOrderArg, FramesArgs, GroupArg};
use crate::npy::NpyArray;

/// The core's group for a command-line group.
pub fn group(g: GroupArg) -> Group {
    match g {
        GroupArg::O3 => Group::O3,
        GroupArg::So3 => Group::SO3,
        GroupArg::O2 => Group::O2,
        GroupArg::So2 => Group::SO2,
    }
}

/// The core's axis order for a command-line order.
pub fn axis_order(o: AxisOrderArg) -> AxisOrder {
    match o {
        AxisOrderArg::Descending => AxisOrder::Descending,
        AxisOrderArg::Ascending => AxisOrder::Ascending,
    }
}

/// Frame sets of every set: the (B,K,d+1,d) array and the per-set report. K is the group's
/// frame count; with `--robust` it is the largest set's count and smaller sets are padded
/// with all-zero frames.
pub fn compute(
    sets: &PointSets,
    args: &FramesArgs,
    quiet: bool,
) -> anyhow::Result<(NpyArray, FramesReport)> {
    let d = sets.dim;
    let opts = FrameOptions {
        group: group(args.group),
        order: axis_order(args.axis_order),
        robust: if args.robust {
            Robust::Average
        } else {
            Robust::Off
        },
        ..FrameOptions::default()
    };
    let schema = InputSchema::points(d, d).map_err(|e| anyhow!("{e}"))?;
    let pb = crate::progress::bar(sets.sets as u64, "frames", quiet);
    let mut all: Vec<Vec<f32>> = Vec::with_capacity(sets.sets);
    let mut reports = Vec::with_capacity(sets.sets);
    for b in 0..sets.sets {
        let set = schema
            .frame_set(sets.set(b), &opts)
            .map_err(|e| anyhow!("set {b}: {e}"))?;
        let mut block = Vec::with_capacity(set.frames().len() * (d + 1) * d);
        for f in set.frames() {
            for i in 0..d {
                block.extend((0..d).map(|j| f.axes[j][i]));
            }
            // float64 input was centred: the origin goes back to the input's coordinates.
            match sets.centres.get(b) {
                Some(c) => block.extend((0..d).map(|k| (f64::from(f.origin[k]) + c[k]) as f32)),
                None => block.extend_from_slice(&f.origin[..d]),
            }
        }
        reports.push(SetReport {
            set: b,
            eigenvalues: set.eigenvalues()[..d].to_vec(),
            rel_gap: set.rel_gap(),
            degenerate: set.is_degenerate(),
            frames: set.frames().len(),
        });
        all.push(block);
        pb.inc(1);
    }
    pb.finish_and_clear();
    let k = reports.iter().map(|r| r.frames).max().unwrap_or(0);
    let per = k * (d + 1) * d;
    let mut data = Vec::with_capacity(sets.sets * per);
    for block in all {
        let len = block.len();
        data.extend(block);
        data.extend(std::iter::repeat_n(0.0, per - len));
    }
    let shape = vec![sets.sets, k, d + 1, d];
    let out = NpyArray::from_f32(shape.clone(), data)?;
    let report = FramesReport {
        group: args.group.name(),
        axis_order: args.axis_order.name(),
        shape,
        sets: reports,
        coarse_float32: sets.coarse.map(|(set, r)| super::frames::CoarseReport {
            set,
            spacing_over_extent: r,
        }),
    };
    Ok((out, report))
}
