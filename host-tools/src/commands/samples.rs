//! Raw input batches read from `.npy` files and checked against a model: `(B,N,C)` or
//! `(N,C)` float, the model's channels and row count, every value finite.

use std::path::Path;

use anyhow::bail;

use crate::npy::{Dtype, NpyArray};

/// A batch of raw samples, row-major `(B, N, C)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Samples (B).
    pub batch: usize,
    /// Rows per sample (N).
    pub points: usize,
    /// Channels per row (C).
    pub channels: usize,
    /// The values.
    pub data: Vec<f32>,
}

impl Samples {
    /// Sample `b` (`N x C`).
    pub fn sample(&self, b: usize) -> &[f32] {
        let len = self.points * self.channels;
        &self.data[b * len..(b + 1) * len]
    }
}

/// What the model accepts: channels and either exactly `fixed` rows or up to `max` rows.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    /// Channels (C).
    pub channels: usize,
    /// Exactly this many rows, if fixed.
    pub fixed: Option<usize>,
    /// At most this many rows.
    pub max: usize,
}

fn shape_str(shape: &[usize]) -> String {
    let s: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("({})", s.join(","))
}

/// Reads `path` (what = "--input", "--calibration") and checks it against `e`.
pub fn read(path: &Path, what: &str, e: Expect) -> anyhow::Result<Samples> {
    let arr = NpyArray::read(path).map_err(|e| match e {
        crate::npy::NpyError::Io { .. } => anyhow::anyhow!("{what} {e}"),
        e => anyhow::anyhow!("{what} {}: {e}", path.display()),
    })?;
    if arr.dtype() == Dtype::I8 {
        bail!(
            "{what} {}: dtype int8 is not supported, expected float32 raw inputs",
            path.display()
        );
    }
    let want = match e.fixed {
        Some(n) => format!("(B,{n},{})", e.channels),
        None => format!("(B,N,{}) with 1 <= N <= {}", e.channels, e.max),
    };
    let (batch, points, channels) = match arr.shape[..] {
        [n, c] => (1, n, c),
        [b, n, c] => (b, n, c),
        _ => bail!(
            "{what} {}: shape {} given, expected {want}",
            path.display(),
            shape_str(&arr.shape)
        ),
    };
    let bad_n = match e.fixed {
        Some(f) => points != f,
        None => points == 0 || points > e.max,
    };
    if channels == e.channels && e.fixed.is_none() && points > e.max && batch > 0 {
        bail!(
            "{what} {}: {points} rows per sample, the model is planned for at most {} (convert with --max-points {points} or more to accept them)",
            path.display(),
            e.max
        );
    }
    if channels != e.channels || bad_n || batch == 0 {
        bail!(
            "{what} {}: shape {} given, expected {want}",
            path.display(),
            shape_str(&arr.shape)
        );
    }
    let data = arr.to_f32();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        let per = points * channels;
        bail!(
            "{what} {}: value {} at sample {}, row {}, channel {} is not finite",
            path.display(),
            data[i],
            i / per,
            (i % per) / channels,
            i % channels
        );
    }
    Ok(Samples {
        batch,
        points,
        channels,
        data,
    })
}
