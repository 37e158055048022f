//! Single-frame canonicalization: an equivariant rule choosing one member of the sign set.
//!
//! # Rule
//! With base axes `e_j` (eigenvectors in the requested order) and canonical coordinates
//! `y_ij = e_j . (x_i - c)`, axis `j` gets the sign of its third moment `m3_j = sum_i y_ij^3`.
//! Rotating or reflecting the input by `R` maps `e_j -> +-R e_j` and `y_ij -> +-y_ij`, so
//! `sign(m3_j) e_j` maps to `R sign(m3_j) e_j`: the rule is equivariant under O(3) (and
//! permutation-invariant up to summation rounding).
//!
//! Fallback when the third moment is ~0 (`|m3_j| <= SIGN_TOL * sum_i |y_ij|^3`, with
//! [`SIGN_TOL`] = 1e-3, i.e. the data are nearly symmetric along that axis): the fifth moment
//! with the same test; if that is ~0 too the axis is *ambiguous*. Axes whose eigenvalue is
//! (numerically) zero carry zero coordinates and take `+`. For SO groups one ambiguous axis
//! is recovered from the others (`f0 = f1 x f2`, `f1 = f2 x f0`; 2D: `f0 = -perp(f1)`). Any
//! remaining ambiguity returns [`FrameError::AmbiguousSign`]: the caller should use the full
//! frame set, which is exactly invariant there. In robust mode a degenerate spectrum returns
//! [`FrameError::Degenerate`] for the same reason.
//!
//! Not used: FAENet's `det`-mode rule "sign of the sum of the eigenvector's components" is not
//! rotation-invariant -- `sum_k (R e)_k` has no fixed relation to `sum_k e_k` -- so the frame it
//! picks changes with the input's orientation.

use super::error::FrameError;
use super::group::{Group, Robust};
use super::moments::Moments;
use super::set::{base_axes, det_sign, FrameOptions, Spectrum, ZERO_REL};
use super::transform::Frame;
use crate::geom::{cross, dot, Vec3};

/// Relative size below which an odd moment counts as zero.
pub const SIGN_TOL: f32 = 1.0e-3;

/// Sign of one axis: `Some(+-1)` or `None` when ambiguous.
fn axis_sign(
    sample: &[f32],
    channels: usize,
    offset: usize,
    dim: usize,
    origin: Vec3,
    e: Vec3,
) -> Option<f32> {
    let (mut m3, mut a3, mut m5, mut a5) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    if channels == 0 {
        return None;
    }
    for row in sample.chunks_exact(channels) {
        let mut x = [0.0f32; 3];
        for ((k, v), o) in x.iter_mut().enumerate().zip(origin).take(dim) {
            *v = row.get(offset + k).copied().unwrap_or(0.0) - o;
        }
        let y = dot(e, x);
        let y3 = y * y * y;
        m3 += y3;
        a3 += y3.abs();
        let y5 = y3 * y * y;
        m5 += y5;
        a5 += y5.abs();
    }
    if m3.abs() > SIGN_TOL * a3 {
        Some(if m3 > 0.0 { 1.0 } else { -1.0 })
    } else if m5.abs() > SIGN_TOL * a5 {
        Some(if m5 > 0.0 { 1.0 } else { -1.0 })
    } else {
        None
    }
}

fn signed(v: Vec3, s: f32) -> Vec3 {
    [s * v[0], s * v[1], s * v[2]]
}

/// The canonical frame of one sample from its moments (see the module documentation).
pub(crate) fn canonical_frame(
    m: &Moments,
    sample: &[f32],
    channels: usize,
    offset: usize,
    opts: &FrameOptions,
) -> Result<Frame, FrameError> {
    let spectrum = Spectrum::of(m, opts.order);
    if opts.robust == Robust::Average && spectrum.rel_gap < opts.degenerate_gap {
        return Err(FrameError::Degenerate {
            rel_gap: spectrum.rel_gap,
        });
    }
    let dim = m.dim;
    let lmax = spectrum.values.iter().fold(0.0f32, |a, &b| a.max(b));
    let mut signs: [Option<f32>; 3] = [Some(1.0); 3];
    let axes = spectrum.values.iter().zip(spectrum.axes);
    for (s, (&value, axis)) in signs.iter_mut().zip(axes).take(dim) {
        let zero = value <= ZERO_REL * lmax;
        *s = if zero {
            Some(1.0)
        } else {
            axis_sign(sample, channels, offset, dim, m.origin, axis)
        };
    }
    let e = &spectrum.axes;
    let amb = |j: usize| FrameError::AmbiguousSign { axis: j };
    let axes = match opts.group {
        Group::O3 | Group::O2 => {
            let mut a = *e;
            for (j, (axis, s)) in a.iter_mut().zip(signs).enumerate().take(dim) {
                *axis = signed(*axis, s.ok_or(amb(j))?);
            }
            a
        }
        Group::SO3 => match signs {
            [Some(s0), Some(s1), _] => {
                base_axes(&[signed(e[0], s0), signed(e[1], s1), e[2]], Group::SO3)
            }
            [None, Some(s1), Some(s2)] => {
                let (f1, f2) = (signed(e[1], s1), signed(e[2], s2));
                [cross(f1, f2), f1, f2]
            }
            [Some(s0), None, Some(s2)] => {
                let (f0, f2) = (signed(e[0], s0), signed(e[2], s2));
                [f0, cross(f2, f0), f2]
            }
            [None, _, _] => return Err(amb(0)),
            [_, None, _] => return Err(amb(1)),
        },
        Group::SO2 => match signs {
            [Some(s0), _, _] => base_axes(&[signed(e[0], s0), e[1], e[2]], Group::SO2),
            [None, Some(s1), _] => {
                let f1 = signed(e[1], s1);
                [[f1[1], -f1[0], 0.0], f1, [0.0, 0.0, 1.0]]
            }
            [None, None, _] => return Err(amb(0)),
        },
    };
    Ok(Frame {
        axes,
        origin: m.origin,
        det: det_sign(&axes),
        weight: 1.0,
    })
}
