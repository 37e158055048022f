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

/// Most frames any set can hold (robust O(3) with three close eigenvalues: 120); the default
/// capacity of [`FrameSet`].
pub const MAX_FRAMES: usize = 120;

/// Most frames of a plain (non-robust) set of any group (O(3): 8).
pub const PLAIN_FRAMES: usize = 8;

/// Capacity of an O(3) set without robust mode.
pub type O3FrameSet = FrameSet<8>;
/// Capacity of an SO(3) set without robust mode.
pub type So3FrameSet = FrameSet<4>;
/// Capacity of an O(2) set without robust mode.
pub type O2FrameSet = FrameSet<4>;
/// Capacity of an SO(2) set without robust mode.
pub type So2FrameSet = FrameSet<2>;

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
        let adjacent = values.iter().zip(values.iter().skip(1));
        for (g, (&a, &b)) in pair_gaps.iter_mut().zip(adjacent).take(pairs) {
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

/// A set of at most `N` frames with equal weights summing to 1, plus the spectrum quality
/// measures.
///
/// The capacity is chosen by the group ([`Group::max_frames`]): [`O3FrameSet`] (8),
/// [`So3FrameSet`] / [`O2FrameSet`] (4), [`So2FrameSet`] (2) for plain sets, [`MAX_FRAMES`]
/// (the default) for robust O(3). A set is 56 bytes per frame, so the capacity is most of a
/// set's stack: 7.2 kB at 120 frames, 0.5 kB at 8. Building a set whose group and robust mode
/// may need more than `N` frames is an error ([`FrameError::Capacity`]), decided from the
/// options alone, never from the data.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameSet<const N: usize = MAX_FRAMES> {
    frames: [Frame; N],
    meta: Meta,
}

/// Everything of a set but its frames: the part that does not depend on the capacity.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Meta {
    len: usize,
    eigenvalues: Vec3,
    rel_gap: f32,
    degenerate: bool,
    robust: bool,
    group: Group,
}

impl Meta {
    const fn empty(group: Group) -> Self {
        Self {
            len: 0,
            eigenvalues: [0.0; 3],
            rel_gap: 0.0,
            degenerate: false,
            robust: false,
            group,
        }
    }
}

/// The frames being pushed by [`push_signs`] / [`robust::push_robust`]: the storage of a set
/// of any capacity, so that the construction code exists once for every `N`.
pub(crate) struct FrameSink<'a> {
    frames: &'a mut [Frame],
    len: usize,
}

impl FrameSink<'_> {
    /// Adds a frame (ignored when full: the capacity was checked against the options).
    pub(crate) fn push(&mut self, f: Frame) {
        if let Some(slot) = self.frames.get_mut(self.len) {
            *slot = f;
            self.len += 1;
        }
    }
}

/// Builds the frames of `opts` for moments `m` into `frames` (as many as the options may need,
/// or [`FrameError::Capacity`]), with equal weights, and describes them (out of line: one copy
/// for every capacity).
fn fill(frames: &mut [Frame], m: &Moments, opts: &FrameOptions) -> Result<Meta, FrameError> {
    if m.dim != opts.group.dim() {
        return Err(FrameError::GroupDim {
            group_dim: opts.group.dim(),
            data_dim: m.dim,
        });
    }
    let mode = if cfg!(feature = "robust") {
        opts.robust
    } else {
        Robust::Off
    };
    let needed = opts.group.max_frames(mode);
    if frames.len() < needed {
        return Err(FrameError::Capacity {
            needed,
            capacity: frames.len(),
        });
    }
    let spectrum = Spectrum::of(m, opts.order);
    let degenerate = spectrum.rel_gap < opts.degenerate_gap;
    let base = base_axes(&spectrum.axes, opts.group);
    // Robust mode compiled out (feature `robust`): plain sets only.
    let robust = degenerate && opts.robust == Robust::Average && cfg!(feature = "robust");
    let mut sink = FrameSink { frames, len: 0 };
    if robust {
        robust::push_robust(
            &mut sink,
            base,
            m.origin,
            opts.group,
            spectrum.degenerate_pairs(opts.degenerate_gap),
        );
    } else {
        push_signs(&mut sink, base, m.origin, opts.group);
    }
    let len = sink.len;
    let w = 1.0 / len.max(1) as f32;
    for f in sink.frames.iter_mut().take(len) {
        f.weight = w;
    }
    Ok(Meta {
        len,
        eigenvalues: spectrum.values,
        rel_gap: spectrum.rel_gap,
        degenerate,
        robust,
        group: opts.group,
    })
}

/// A set of any capacity seen without its `N` ([`FrameSet::view_mut`]): code that builds and
/// reads sets of several capacities exists once.
pub(crate) struct SetView<'a> {
    frames: &'a mut [Frame],
    meta: &'a mut Meta,
}

impl SetView<'_> {
    /// [`FrameSet::rebuild`].
    pub(crate) fn rebuild(&mut self, m: &Moments, opts: &FrameOptions) -> Result<(), FrameError> {
        *self.meta = Meta::empty(opts.group);
        *self.meta = fill(self.frames, m, opts)?;
        Ok(())
    }

    /// [`FrameSet::frames`].
    pub(crate) fn frames(&self) -> &[Frame] {
        self.frames.get(..self.meta.len).unwrap_or(&[])
    }

    /// Eigenvalues, relative gap, degenerate and robust flags, as [`FrameSet`]'s accessors.
    pub(crate) fn spectrum(&self) -> (Vec3, f32, bool, bool) {
        let m = &self.meta;
        (m.eigenvalues, m.rel_gap, m.degenerate, m.robust)
    }
}

impl<const N: usize> FrameSet<N> {
    /// The set without its capacity in the type.
    pub(crate) fn view_mut(&mut self) -> SetView<'_> {
        SetView {
            frames: &mut self.frames,
            meta: &mut self.meta,
        }
    }

    /// Builds the set for `opts` from centred or uncentred moments.
    pub fn from_moments(m: &Moments, opts: &FrameOptions) -> Result<Self, FrameError> {
        let mut set = Self::placeholder(opts.group);
        set.rebuild(m, opts)?;
        Ok(set)
    }

    /// An empty set of `group` with a zero spectrum, to be filled by
    /// [`rebuild`](Self::rebuild) (one set in place instead of one per call: a robust set is
    /// several kilobytes, which matters on a microcontroller's stack).
    pub fn placeholder(group: Group) -> Self {
        Self {
            frames: [Frame::IDENTITY; N],
            meta: Meta::empty(group),
        }
    }

    /// [`from_moments`](Self::from_moments) in place: replaces this set's frames and spectrum.
    /// On an error the set is left empty.
    pub fn rebuild(&mut self, m: &Moments, opts: &FrameOptions) -> Result<(), FrameError> {
        self.view_mut().rebuild(m, opts)
    }

    /// Most frames this set can hold (`N`).
    pub const fn capacity(&self) -> usize {
        N
    }

    /// The frames (never empty for a set built by this module).
    pub fn frames(&self) -> &[Frame] {
        self.frames.get(..self.meta.len).unwrap_or(&[])
    }

    /// Eigenvalues of the (unnormalised) scatter matrix in the set's axis order; 2D: third 0.
    pub fn eigenvalues(&self) -> [f32; 3] {
        self.meta.eigenvalues
    }

    /// Relative eigengap (see the module documentation for the exact definition).
    pub fn rel_gap(&self) -> f32 {
        self.meta.rel_gap
    }

    /// True when `rel_gap < degenerate_gap`: plain frames are not reliably invariant.
    pub fn is_degenerate(&self) -> bool {
        self.meta.degenerate
    }

    /// True when robust mode added rotations in a degenerate eigenspace.
    pub fn is_robust(&self) -> bool {
        self.meta.robust
    }

    /// The group the set was built for.
    pub fn group(&self) -> Group {
        self.meta.group
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
pub(crate) fn push_signs(set: &mut FrameSink<'_>, a: [Vec3; 3], origin: Vec3, group: Group) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(dim: usize) -> Moments {
        let pts = [
            [0.0f32, 0.0, 0.0],
            [3.0, 0.5, 0.1],
            [0.2, 2.0, -0.3],
            [-1.0, 0.4, 1.1],
            [0.7, -0.9, 0.2],
        ];
        let flat: [f32; 15] = core::array::from_fn(|i| pts[i / 3][i % 3]);
        let flat2: [f32; 10] = core::array::from_fn(|i| pts[i / 2][i % 2]);
        if dim == 3 {
            Moments::of_points(&flat, 3, 0, 3, None).unwrap()
        } else {
            Moments::of_points(&flat2, 2, 0, 2, None).unwrap()
        }
    }

    #[test]
    fn sized_sets_match_the_full_capacity() {
        for g in [Group::O3, Group::SO3, Group::O2, Group::SO2] {
            let m = moments(g.dim());
            let opts = FrameOptions::with_group(g);
            let full = FrameSet::<MAX_FRAMES>::from_moments(&m, &opts).unwrap();
            let small: Result<FrameSet<PLAIN_FRAMES>, _> = FrameSet::from_moments(&m, &opts);
            assert_eq!(small.unwrap().frames(), full.frames());
            assert_eq!(full.frames().len(), g.frame_count());
        }
        let m = moments(3);
        let so3 = So3FrameSet::from_moments(&m, &FrameOptions::with_group(Group::SO3)).unwrap();
        assert_eq!((so3.capacity(), so3.frames().len()), (4, 4));
    }

    #[test]
    fn too_small_capacity_is_an_error() {
        let m = moments(3);
        let e = So3FrameSet::from_moments(&m, &FrameOptions::default()).unwrap_err();
        assert_eq!(
            e,
            FrameError::Capacity {
                needed: 8,
                capacity: 4
            }
        );
        let robust = FrameOptions {
            robust: Robust::Average,
            ..FrameOptions::default()
        };
        let e = O3FrameSet::from_moments(&m, &robust).unwrap_err();
        assert_eq!(
            e,
            FrameError::Capacity {
                needed: 120,
                capacity: 8
            }
        );
        assert!(FrameSet::<MAX_FRAMES>::from_moments(&m, &robust).is_ok());
    }
}
