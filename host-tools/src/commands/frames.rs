//! `equiframe frames`: the frame sets of point sets read from a `.npy` file.

use anyhow::{bail, Context};
use serde::Serialize;

use crate::cli::{FramesArgs, GroupArg};
use crate::npy::{Dtype, NpyArray};

/// Point sets read from a `.npy` file: `sets` sets of `points` points of `dim` coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct PointSets {
    /// Number of sets (B; 1 for an (N,d) input).
    pub sets: usize,
    /// Points per set (N).
    pub points: usize,
    /// Coordinates per point (d).
    pub dim: usize,
    /// Row-major (B,N,d) coordinates; float64 input is centred per set in float64 first.
    pub data: Vec<f32>,
    /// The float64 centroid subtracted from each set (empty for float32 input).
    pub centres: Vec<Vec<f64>>,
    /// float32 input whose spacing is coarse against a set's extent: the worst set and its
    /// spacing over extent.
    pub coarse: Option<(usize, f64)>,
}

impl PointSets {
    /// The coordinates of set `b` (N x d, row-major).
    pub fn set(&self, b: usize) -> &[f32] {
        let len = self.points * self.dim;
        &self.data[b * len..(b + 1) * len]
    }
}

fn shape_str(shape: &[usize]) -> String {
    match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// Checks dtype, shape and values of point sets for `group`: float32 or float64, (N,d) or
/// (B,N,d) with d = the group's dimension, N >= 1, every coordinate finite. float64 sets are
/// centred in float64 before narrowing (see [`super::origin`]); float32 sets whose
/// spacing is coarse against their extent are flagged.
pub fn point_sets(array: &NpyArray, group: GroupArg) -> anyhow::Result<PointSets> {
    if array.dtype() == Dtype::I8 {
        bail!("dtype int8 (|i1) is not supported for point sets: expected float32 or float64");
    }
    let d = group.dim();
    let (sets, points, dim) = match array.shape[..] {
        [n, dim] => (1, n, dim),
        [b, n, dim] => (b, n, dim),
        _ => bail!(
            "expected shape (N,{d}) or (B,N,{d}), got {}",
            shape_str(&array.shape)
        ),
    };
    if dim != d {
        bail!(
            "group {} needs {d} coordinates per point: expected shape (N,{d}) or (B,N,{d}), got {}",
            group.name(),
            shape_str(&array.shape)
        );
    }
    if sets == 0 {
        bail!("no point sets: shape {}", shape_str(&array.shape));
    }
    if points == 0 {
        bail!(
            "empty point set: shape {} has 0 points per set",
            shape_str(&array.shape)
        );
    }
    let pos = super::origin::Positions {
        channels: d,
        dim: d,
        fields: vec![0],
        source: 0,
    };
    let (data, centres) = super::origin::to_f32_centred(array, points, &pos);
    if let Some(i) = data.iter().position(|x| !x.is_finite()) {
        let (b, p, c) = (i / (points * dim), (i / dim) % points, i % dim);
        let what = if data[i].is_nan() { "NaN" } else { "infinite" };
        // A finite float64 may overflow float32.
        let what = if what == "infinite"
            && matches!(&array.data, crate::npy::NpyData::F64(v) if v[i].is_finite())
        {
            "too large for float32"
        } else {
            what
        };
        bail!("set {b}, point {p}, coordinate {c} is {what} ({})", data[i]);
    }
    let coarse = if centres.is_empty() {
        super::origin::coarse_spacing(&data, points, &pos)
    } else {
        None
    };
    Ok(PointSets {
        sets,
        points,
        dim,
        data,
        centres,
        coarse,
    })
}

/// Quality of one frame set, as printed by `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// Index of the set in the input.
    pub set: usize,
    /// Eigenvalues of the scatter matrix, in axis order.
    pub eigenvalues: Vec<f32>,
    /// Relative eigengap (smallest gap over the largest eigenvalue).
    pub rel_gap: f32,
    /// True when the gap is below the degeneracy threshold.
    pub degenerate: bool,
    /// Frames in the set.
    pub frames: usize,
}

/// The `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct FramesReport {
    /// Group name.
    pub group: &'static str,
    /// Axis order convention.
    pub axis_order: &'static str,
    /// Output shape (B,K,d+1,d).
    pub shape: Vec<usize>,
    /// Per-set quality.
    pub sets: Vec<SetReport>,
    /// float32 input whose spacing is coarse against the cloud's extent (a warning is printed
    /// too); `null` otherwise.
    pub coarse_float32: Option<CoarseReport>,
}

/// The coarse-spacing flag of `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct CoarseReport {
    /// The worst set.
    pub set: usize,
    /// Its float32 spacing over its extent.
    pub spacing_over_extent: f64,
}

/// Runs `equiframe frames`.
pub fn run(args: &FramesArgs, quiet: bool) -> anyhow::Result<()> {
    let array = NpyArray::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let sets = point_sets(&array, args.group)?;
    if let Some((set, ratio)) = sets.coarse {
        eprintln!(
            "{}",
            super::origin::coarse_warning(&args.input.display().to_string(), set, ratio)
        );
    }
    let (out, report) = super::frames_core::compute(&sets, args, quiet)?;
    out.write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if args.json {
        super::print_stdout(&serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}
