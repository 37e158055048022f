//! First-layer folding: the canonical coordinates `F_0^T (x - c)` of a sample are computed once
//! (and, for int8 blobs, quantized once for each sign); every other frame of the set that
//! differs from `F_0` only by the signs of its axes (the 8 O(3) frames, the 4 SO(3) / O(2)
//! frames, the 2 SO(2) frames) is then a per-channel sign selection, with no arithmetic.
//!
//! Exactness: the engine computes `dot(s a, v) = s dot(a, v)` for `s = +-1`; negation is
//! exact and IEEE rounding is symmetric, so the two agree except possibly in the sign of an
//! exact zero, which quantizes to the same int8 value (`round(+-0) = 0`) and compares equal in
//! f32. Frames that are not sign flips of `F_0` (robust mode's extra in-plane rotations) are
//! canonicalized explicitly, as the engine does.

use crate::engine::RunError;
use crate::frame::{FieldKind, Frame};
use crate::model::{Model, Precision};
use crate::quant::quantize_f32;

/// The folded canonical coordinates of one sample (scratch reused across samples).
#[derive(Default)]
pub(crate) struct Fold {
    canon: Vec<f32>,
    qpos: Vec<i8>,
    qneg: Vec<i8>,
    neg: Vec<bool>,
    row: Vec<f32>,
}

/// `true` when every component of `a` is the exact negation of `b`'s.
fn negated(a: &[f32; 3], b: &[f32; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.to_bits() == (-y).to_bits())
}

fn same(a: &[f32; 3], b: &[f32; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Fills `neg[ch]` with whether channel `ch` of `frame`'s canonical input is the negation of
/// `base`'s; `false` when `frame` is not a sign flip of `base`.
pub(crate) fn signs(model: &Model<'_>, base: &Frame, frame: &Frame, neg: &mut Vec<bool>) -> bool {
    let schema = model.schema();
    let d = schema.dim();
    let mut axis = [false; 3];
    for (j, s) in axis.iter_mut().enumerate().take(d) {
        let (a, b) = (&frame.axes[j], &base.axes[j]);
        if same(a, b) {
            *s = false;
        } else if negated(a, b) {
            *s = true;
        } else {
            return false;
        }
    }
    let det_flip = frame.det.to_bits() != base.det.to_bits();
    neg.clear();
    neg.resize(schema.channels(), false);
    for f in schema.fields() {
        let flip_all = match f.kind {
            FieldKind::Position => {
                if !same(&frame.origin, &base.origin) {
                    return false;
                }
                false
            }
            FieldKind::Vector => false,
            FieldKind::Axial => det_flip,
            _ => continue,
        };
        let o = usize::from(f.offset);
        for (j, &s) in axis.iter().enumerate().take(d) {
            if let Some(n) = neg.get_mut(o + j) {
                *n = s != flip_all;
            }
        }
    }
    true
}

impl Fold {
    /// Canonical coordinates of `input` in `base` (quantized for both signs in int8 blobs).
    pub(crate) fn prepare(
        &mut self,
        model: &Model<'_>,
        base: &Frame,
        input: &[f32],
    ) -> Result<(), RunError> {
        self.canon.clear();
        self.canon.resize(input.len(), 0.0);
        model.schema().canonicalize(base, input, &mut self.canon)?;
        if model.precision() == Precision::Int8 {
            let (scale, zp) = model.input_quant();
            let inv = 1.0 / scale;
            self.qpos.clear();
            self.qneg.clear();
            self.qpos
                .extend(self.canon.iter().map(|&v| quantize_f32(v, inv, zp)));
            self.qneg
                .extend(self.canon.iter().map(|&v| quantize_f32(-v, inv, zp)));
        }
        Ok(())
    }

    /// Writes `input` expressed in `frame` into tensor 0 (`t0`, the tensor's bytes), folded
    /// from the prepared coordinates when `frame` is a sign flip of `base`.
    pub(crate) fn write(
        &mut self,
        model: &Model<'_>,
        base: &Frame,
        frame: &Frame,
        input: &[f32],
        t0: &mut [u8],
    ) -> Result<(), RunError> {
        let c = model.input_channels();
        let bad = RunError::Layout { layer: 0 };
        let folded = signs(model, base, frame, &mut self.neg);
        match model.precision() {
            Precision::Int8 => {
                let dst: &mut [i8] = bytemuck::cast_slice_mut(t0);
                let dst = dst.get_mut(..input.len()).ok_or(bad)?;
                if folded {
                    let rows = dst
                        .chunks_exact_mut(c)
                        .zip(self.qpos.chunks_exact(c).zip(self.qneg.chunks_exact(c)));
                    for (d, (p, m)) in rows {
                        for (((d, &p), &m), &neg) in d.iter_mut().zip(p).zip(m).zip(&self.neg) {
                            *d = if neg { m } else { p };
                        }
                    }
                } else {
                    let (scale, zp) = model.input_quant();
                    let inv = 1.0 / scale;
                    self.row.resize(c, 0.0);
                    for (x, q) in input.chunks_exact(c).zip(dst.chunks_exact_mut(c)) {
                        model.schema().canonicalize(frame, x, &mut self.row)?;
                        for (qi, &v) in q.iter_mut().zip(&self.row) {
                            *qi = quantize_f32(v, inv, zp);
                        }
                    }
                }
            }
            Precision::F32 => {
                let dst: &mut [f32] = bytemuck::try_cast_slice_mut(t0).map_err(|_| bad)?;
                let dst = dst.get_mut(..input.len()).ok_or(bad)?;
                if folded {
                    for (d, s) in dst.chunks_exact_mut(c).zip(self.canon.chunks_exact(c)) {
                        for ((d, &s), &neg) in d.iter_mut().zip(s).zip(&self.neg) {
                            *d = if neg { -s } else { s };
                        }
                    }
                } else {
                    model.schema().canonicalize(frame, input, dst)?;
                }
            }
        }
        Ok(())
    }
}
