//! Frame sets: all sign patterns of the principal axes (plus robust extras).
//!
//! # Construction
//! From [`Moments`]: eigendecomposition of the scatter matrix ([`sym_eigen3`] /
//! [`sym_eigen2`]) in the requested [`AxisOrder`] gives base axes `e_j`; the set holds
//! - O(3): `(s0 e0, s1 e1, s2 e2)` for all 8 sign patterns, `det = s0 s1 s2 det E`;
//! - SO(3): `(s0 e0, s1 e1, (s0 e0) x (s1 e1))`, 4 frames, det +1 by construction;
//! - O(2): `(s0 e0, s1 e1)`, 4 frames; SO(2): `(s e0, s perp(e0))`, 2 frames, det +1.
//!
//! Every frame shares the origin of the moments and has weight `1 / len`.
//!
//! # Relative eigengap
//! With eigenvalues `l_0 >= l_1 (>= l_2)` of the scatter matrix and `l_max = max(l_0, 0)`, an
//! adjacent pair `(l_i, l_{i+1})` is *non-zero* when `l_i > ZERO_REL * l_max`
//! ([`ZERO_REL`] = 1e-5): pairs of (numerically) zero eigenvalues are harmless under sign
//! averaging -- the canonical coordinates along them are zero -- and are skipped. Then
//!
//! `rel_gap = min over non-zero adjacent pairs of (l_i - l_{i+1}) / l_max`,
//!
//! and 1.0 when there is no such pair (single point, all points equal, collinear 2D data).
//! The set is *degenerate* when `rel_gap < degenerate_gap` (default 0.01). Plain PCA frames
//! lose invariance like `1 / rel_gap` there (measured: gap 21% -> 1e-6, 2% -> 2e-5,
//! 0.2% -> 3e-4); see [the robust mode](super::robust) for the fallback.

use super::error::FrameError;
use super::group::{Group, Robust};
use super::moments::Moments;
use super::robust;
use super::transform::Frame;
use crate::geom::{cross, det3, normalize, sym_eigen2, sym_eigen3, AxisOrder, Vec3};

/// Most frames any set can hold (robust O(3) with three close eigenvalues: 120).
pub const MAX_FRAMES: usize = 120;

/// Eigenvalues at or below `ZERO_REL * l_max` count as zero for the eigengap.
pub const ZERO_REL: f32 = 1.0e-5;

/// How to build a frame set.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrameOptions {
    /// Symmetry group.
    pub group: Group,
    /// Eigenvalue (axis) order.
    pub order: AxisOrder,
    /// Robust mode for (near-)repeated eigenvalues.
    pub robust: Robust,
    /// A set is degenerate when its relative eigengap is below this (default 0.01).
    pub degenerate_gap: f32,
}

impl Default for FrameOptions {
    fn default() -> Self {
        Self {
            group: Group::O3,
            order: AxisOrder::Descending,
            robust: Robust::Off,
            degenerate_gap: 0.01,
        }
    }
}

impl FrameOptions {
    /// Defaults with the given group.
    pub fn with_group(group: Group) -> Self {
        Self {
            group,
            ..Self::default()
        }
    }
}

/// The spectrum of a scatter matrix: sorted eigenvalues, base axes and quality.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spectrum {
    /// Eigenvalues in the requested order (2D: third is 0).
    pub values: Vec3,
    /// Base axes (eigenvectors) in the same order; 2D: `[x, y, 0]` and `axes[2] = e_z`.
    pub axes: [Vec3; 3],
    /// Relative gap of each adjacent pair in the requested order, `|l_i - l_{i+1}| / l_max`,
    /// or `None` when both are (numerically) zero or the pair does not exist (2D).
    pub pair_gaps: [Option<f32>; 2],
    /// Minimum of the pair gaps (1.0 when none).
    pub rel_gap: f32,
}

impl Spectrum {
    /// Eigendecomposition and gaps of the moments' scatter matrix.
    pub fn of(m: &Moments, order: AxisOrder) -> Self {
        let (values, axes) = if m.dim == 2 {
            let a = [
                [m.scatter[0][0], m.scatter[0][1]],
                [m.scatter[1][0], m.scatter[1][1]],
            ];
            let e = sym_eigen2(&a, order);
            let [v0, v1] = e.vectors;
            (
                [e.values[0], e.values[1], 0.0],
                [[v0[0], v0[1], 0.0], [v1[0], v1[1], 0.0], [0.0, 0.0, 1.0]],
            )
        } else {
            let e = sym_eigen3(&m.scatter, order);
            (e.values, e.vectors)
        };
        let lmax = values.iter().fold(0.0f32, |a, &b| a.max(b));
        let pairs = if m.dim == 2 { 1 } else { 2 };
        let mut pair_gaps = [None; 2];
        let mut rel_gap = 1.0f32;
        for (i, g) in pair_gaps.iter_mut().enumerate().take(pairs) {
            let (a, b) = (values[i], values[i + 1]);
            if lmax > 0.0 && a.max(b) > ZERO_REL * lmax {
                let gap = (a - b).abs() / lmax;
                *g = Some(gap);
                rel_gap = rel_gap.min(gap);
            }
        }
        Self {
            values,
            axes,
            pair_gaps,
            rel_gap,
        }
    }

    /// Indices `i` of the adjacent pairs `(i, i + 1)` whose gap is below `threshold`.
    pub fn degenerate_pairs(&self, threshold: f32) -> [bool; 2] {
        self.pair_gaps.map(|g| g.is_some_and(|g| g < threshold))
    }
}

/// A fixed-capacity set of frames with equal weights summing to 1, plus the spectrum
/// quality measures.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameSet {
    frames: [Frame; MAX_FRAMES],
    len: usize,
    eigenvalues: Vec3,
    rel_gap: f32,
    degenerate: bool,
    robust: bool,
    group: Group,
}

impl FrameSet {
    /// Adds a frame (ignored when full; weights are fixed by `finish`).
    pub(crate) fn push(&mut self, f: Frame) {
        if let Some(slot) = self.frames.get_mut(self.len) {
            *slot = f;
            self.len += 1;
        }
    }

    /// Sets equal weights.
    pub(crate) fn finish(&mut self, robust: bool) {
        self.robust = robust;
        let w = 1.0 / self.len.max(1) as f32;
        for f in self.frames.iter_mut().take(self.len) {
            f.weight = w;
        }
    }

    /// Builds the set for `opts` from centred or uncentred moments.
    pub fn from_moments(m: &Moments, opts: &FrameOptions) -> Result<Self, FrameError> {
        let mut set = Self::placeholder(opts.group);
        set.rebuild(m, opts)?;
        Ok(set)
    }

    /// An empty set of `group` with a zero spectrum, to be filled by
    /// [`rebuild`](Self::rebuild) (one set in place instead of one per call: the set is
    /// several kilobytes, which matters on a microcontroller's stack).
    pub fn placeholder(group: Group) -> Self {
        Self {
            frames: [Frame::IDENTITY; MAX_FRAMES],
            len: 0,
            eigenvalues: [0.0; 3],
            rel_gap: 0.0,
            degenerate: false,
            robust: false,
            group,
        }
    }

    /// [`from_moments`](Self::from_moments) in place: replaces this set's frames and spectrum.
    /// On an error the set is left empty.
    pub fn rebuild(&mut self, m: &Moments, opts: &FrameOptions) -> Result<(), FrameError> {
        self.len = 0;
        if m.dim != opts.group.dim() {
            return Err(FrameError::GroupDim {
                group_dim: opts.group.dim(),
                data_dim: m.dim,
            });
        }
        let spectrum = Spectrum::of(m, opts.order);
        let degenerate = spectrum.rel_gap < opts.degenerate_gap;
        self.eigenvalues = spectrum.values;
        self.rel_gap = spectrum.rel_gap;
        self.degenerate = degenerate;
        self.robust = false;
        self.group = opts.group;
        let base = base_axes(&spectrum.axes, opts.group);
        let robust = degenerate && opts.robust == Robust::Average;
        if robust {
            robust::push_robust(
                self,
                base,
                m.origin,
                opts.group,
                spectrum.degenerate_pairs(opts.degenerate_gap),
            );
        } else {
            push_signs(self, base, m.origin, opts.group);
        }
        self.finish(robust);
        Ok(())
    }

    /// The frames (never empty for a set built by this module).
    pub fn frames(&self) -> &[Frame] {
        self.frames.get(..self.len).unwrap_or(&[])
    }

    /// Eigenvalues of the (unnormalised) scatter matrix in the set's axis order; 2D: third 0.
    pub fn eigenvalues(&self) -> [f32; 3] {
        self.eigenvalues
    }

    /// Relative eigengap (see the module documentation for the exact definition).
    pub fn rel_gap(&self) -> f32 {
        self.rel_gap
    }

    /// True when `rel_gap < degenerate_gap`: plain frames are not reliably invariant.
    pub fn is_degenerate(&self) -> bool {
        self.degenerate
    }

    /// True when robust mode added rotations in a degenerate eigenspace.
    pub fn is_robust(&self) -> bool {
        self.robust
    }

    /// The group the set was built for.
    pub fn group(&self) -> Group {
        self.group
    }

    /// Common origin of the frames.
    pub fn origin(&self) -> Vec3 {
        self.frames.first().map_or([0.0; 3], |f| f.origin)
    }
}

/// Base axes for the group: proper (det +1) by construction for SO groups.
pub(crate) fn base_axes(e: &[Vec3; 3], group: Group) -> [Vec3; 3] {
    match group {
        Group::O3 | Group::O2 => *e,
        Group::SO3 => [e[0], e[1], normalize(cross(e[0], e[1]))],
        Group::SO2 => [e[0], [-e[0][1], e[0][0], 0.0], [0.0, 0.0, 1.0]],
    }
}

/// Exact sign (+1 / -1) of the determinant of orthonormal axes.
pub(crate) fn det_sign(axes: &[Vec3; 3]) -> f32 {
    if det3(axes) < 0.0 {
        -1.0
    } else {
        1.0
    }
}

fn neg(v: Vec3, s: f32) -> Vec3 {
    [s * v[0], s * v[1], s * v[2]]
}

/// Pushes the sign frames of the group for base axes `a` (proper for SO groups).
pub(crate) fn push_signs(set: &mut FrameSet, a: [Vec3; 3], origin: Vec3, group: Group) {
    let det = det_sign(&a);
    let sign = |mask: usize, bit: usize| if mask >> bit & 1 == 1 { -1.0f32 } else { 1.0 };
    for mask in 0..group.frame_count() {
        let (axes, d) = match group {
            Group::O3 => {
                let s = [sign(mask, 0), sign(mask, 1), sign(mask, 2)];
                (
                    [neg(a[0], s[0]), neg(a[1], s[1]), neg(a[2], s[2])],
                    det * s[0] * s[1] * s[2],
                )
            }
            Group::SO3 => {
                let (s0, s1) = (sign(mask, 0), sign(mask, 1));
                ([neg(a[0], s0), neg(a[1], s1), neg(a[2], s0 * s1)], 1.0)
            }
            Group::O2 => {
                let (s0, s1) = (sign(mask, 0), sign(mask, 1));
                ([neg(a[0], s0), neg(a[1], s1), a[2]], det * s0 * s1)
            }
            Group::SO2 => {
                let s = sign(mask, 0);
                ([neg(a[0], s), neg(a[1], s), a[2]], 1.0)
            }
        };
        set.push(Frame {
            axes,
            origin,
            det: d,
            weight: 0.0,
        });
    }
}
