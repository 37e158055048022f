//! Fixed-point frames and frame sets.

use super::eigen::{fixed_sym_eigen, FixedEigen};
use super::moments::FixedMoments;
use super::{I16F16, I2F30};
use crate::frame::error::FrameError;
use crate::frame::group::Group;
use crate::geom::AxisOrder;

/// One fixed-point frame: `axes[j]` is column j of `F` (unit, I2F30), `origin` is `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedFrame {
    /// Frame axes in sensor coordinates; 2D: zero third components and `axes[2] = e_z`.
    pub axes: [[I2F30; 3]; 3],
    /// Origin (centroid).
    pub origin: [I16F16; 3],
    /// `det F`: +1 or -1.
    pub det: i8,
}

#[inline]
fn mul30(a: i64, b: i64) -> i64 {
    (a * b + (1 << 29)) >> 30
}

fn sat16(v: i64) -> I16F16 {
    I16F16::from_bits(v.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

fn sat30(v: i64) -> I2F30 {
    I2F30::from_bits(v.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

impl FixedFrame {
    /// Canonical coordinates of a vector: `F^T v` (saturating at the I16F16 range).
    pub fn to_frame_vector(&self, v: [I16F16; 3]) -> [I16F16; 3] {
        self.axes.map(|a| {
            let s: i64 = a
                .iter()
                .zip(&v)
                .map(|(e, x)| e.to_bits() as i64 * x.to_bits() as i64)
                .sum();
            sat16((s + (1 << 29)) >> 30)
        })
    }

    /// Canonical coordinates of a position: `F^T (x - c)`.
    pub fn to_frame_position(&self, x: [I16F16; 3]) -> [I16F16; 3] {
        let mut d = [I16F16::ZERO; 3];
        for (k, v) in d.iter_mut().enumerate() {
            *v = sat16(x[k].to_bits() as i64 - self.origin[k].to_bits() as i64);
        }
        self.to_frame_vector(d)
    }
}

/// Fixed-point frame set (plain sign frames; at most 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedFrameSet {
    frames: [FixedFrame; 8],
    len: usize,
    eigenvalues: [I2F30; 3],
    scale_log2: i32,
    count: usize,
    rel_gap: I2F30,
    degenerate: bool,
    group: Group,
}

/// Relative gaps below this count as zero eigenvalues (`l <= l_max / 100000`, as ZERO_REL).
const ZERO_DIV: i64 = 100_000;

impl FixedFrameSet {
    /// Frame set of I16F16 points (`dim` = the group's, at `offset` of `channels`-wide rows).
    /// `degenerate_gap` as in [`FrameOptions`](crate::frame::FrameOptions), in I2F30.
    pub fn of_points(
        data: &[I16F16],
        channels: usize,
        offset: usize,
        group: Group,
        order: AxisOrder,
        degenerate_gap: I2F30,
    ) -> Result<Self, FrameError> {
        let m = FixedMoments::of_points(data, channels, offset, group.dim())?;
        Self::from_moments(&m, group, order, degenerate_gap)
    }

    /// Builds the set from exact moments.
    pub fn from_moments(
        m: &FixedMoments,
        group: Group,
        order: AxisOrder,
        degenerate_gap: I2F30,
    ) -> Result<Self, FrameError> {
        if m.dim != group.dim() {
            return Err(FrameError::GroupDim {
                group_dim: group.dim(),
                data_dim: m.dim,
            });
        }
        let dim = m.dim;
        // Normalise n * scatter so that its largest entry lies in [0.25, 0.5) (raw 2^28..2^29).
        let big = m
            .n_scatter
            .iter()
            .flatten()
            .map(|v| v.unsigned_abs())
            .max()
            .unwrap_or(0);
        let bits = 128 - big.leading_zeros() as i32;
        let shift = bits - 29;
        let mut a = [[I2F30::ZERO; 3]; 3];
        for (row, src) in a.iter_mut().zip(&m.n_scatter) {
            for (x, &v) in row.iter_mut().zip(src) {
                let r = if shift > 0 {
                    (v + (1i128 << (shift - 1))) >> shift
                } else {
                    v << (-shift)
                };
                *x = I2F30::from_bits(i32::try_from(r).unwrap_or(if r < 0 {
                    i32::MIN
                } else {
                    i32::MAX
                }));
            }
        }
        let e: FixedEigen = fixed_sym_eigen(&a, dim, order == AxisOrder::Ascending);
        let vals = e.values.map(|v| v.to_bits() as i64);
        let lmax = vals.iter().copied().max().unwrap_or(0).max(0);
        let mut rel_gap = 1i64 << 30;
        for i in 0..dim - 1 {
            let (p, q) = (vals[i], vals[i + 1]);
            if lmax > 0 && p.max(q).saturating_mul(ZERO_DIV) > lmax {
                rel_gap = rel_gap.min(((p - q).abs() << 30) / lmax);
            }
        }
        let degenerate = rel_gap < degenerate_gap.to_bits() as i64;
        let base = base_axes(&e.vectors.map(|v| v.map(|x| x.to_bits() as i64)), group);
        let mut set = Self {
            frames: [FixedFrame {
                axes: [[I2F30::ZERO; 3]; 3],
                origin: m.origin,
                det: 1,
            }; 8],
            len: 0,
            eigenvalues: e.values,
            scale_log2: shift - 2,
            count: m.count,
            rel_gap: sat30(rel_gap),
            degenerate,
            group,
        };
        let det = if det3(&base) < 0 { -1i8 } else { 1 };
        for mask in 0..group.frame_count() {
            let sgn = |bit: usize| if mask >> bit & 1 == 1 { -1i64 } else { 1 };
            let (s, d) = match group {
                Group::O3 => (
                    [sgn(0), sgn(1), sgn(2)],
                    det * (sgn(0) * sgn(1) * sgn(2)) as i8,
                ),
                Group::SO3 => ([sgn(0), sgn(1), sgn(0) * sgn(1)], 1),
                Group::O2 => ([sgn(0), sgn(1), 1], det * (sgn(0) * sgn(1)) as i8),
                Group::SO2 => ([sgn(0), sgn(0), 1], 1),
            };
            if let Some(f) = set.frames.get_mut(mask) {
                for (j, axis) in f.axes.iter_mut().enumerate() {
                    *axis = base[j].map(|x| sat30(x * s[j]));
                }
                f.det = d;
                set.len = mask + 1;
            }
        }
        Ok(set)
    }

    /// The frames.
    pub fn frames(&self) -> &[FixedFrame] {
        self.frames.get(..self.len).unwrap_or(&[])
    }

    /// Eigenvalues of the normalised matrix (I2F30, in the set's order). Eigenvalues of the
    /// unnormalised scatter matrix are `value * 2^scale_log2 / count`.
    pub fn eigenvalues(&self) -> [I2F30; 3] {
        self.eigenvalues
    }

    /// Power-of-two scale of [`eigenvalues`](Self::eigenvalues).
    pub fn scale_log2(&self) -> i32 {
        self.scale_log2
    }

    /// Number of points.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Relative eigengap (same definition as the f32 [`FrameSet`](crate::frame::FrameSet)).
    pub fn rel_gap(&self) -> I2F30 {
        self.rel_gap
    }

    /// True when the relative gap is below the requested threshold.
    pub fn is_degenerate(&self) -> bool {
        self.degenerate
    }

    /// The group.
    pub fn group(&self) -> Group {
        self.group
    }
}

fn cross(a: [i64; 3], b: [i64; 3]) -> [i64; 3] {
    [
        mul30(a[1], b[2]) - mul30(a[2], b[1]),
        mul30(a[2], b[0]) - mul30(a[0], b[2]),
        mul30(a[0], b[1]) - mul30(a[1], b[0]),
    ]
}

fn det3(m: &[[i64; 3]; 3]) -> i64 {
    let c = cross(m[1], m[2]);
    mul30(m[0][0], c[0]) + mul30(m[0][1], c[1]) + mul30(m[0][2], c[2])
}

fn base_axes(e: &[[i64; 3]; 3], group: Group) -> [[i64; 3]; 3] {
    match group {
        Group::O3 | Group::O2 => *e,
        Group::SO3 => [e[0], e[1], cross(e[0], e[1])],
        Group::SO2 => [e[0], [-e[0][1], e[0][0], 0], [0, 0, 1 << 30]],
    }
}
