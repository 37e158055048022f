//! Robust mode for (near-)repeated eigenvalues.
//!
//! When two non-zero eigenvalues coincide, their eigenvectors are any orthonormal basis of a
//! 2D eigenspace: a rotation of the input by a tiny amount can turn the PCA axes by a large
//! angle, and the plain 8/4/4/2-frame average is no longer invariant (its error grows like
//! `1 / rel_gap`). Robust mode ([`Robust::Average`](super::Robust::Average)) triggers when an
//! adjacent pair's relative gap (see [`set`](super::set)) is below `degenerate_gap` and
//! replaces the plain set by:
//!
//! - **one degenerate pair** `(a, b)`: the base axes rotated in the `(e_a, e_b)` plane by
//!   `pi k / M` for `k = 0..M` ([`ROBUST_ROTATIONS`] = `M` = 6), each with all the group's sign
//!   patterns. In that plane this is the dihedral group of order `4M` (O groups) or the
//!   cyclic group of order `2M` (SO groups) applied to the arbitrary basis, so the average
//!   equals the average over all in-plane rotations for every function whose angular Fourier
//!   series in that plane has no terms of order `2M` = 12 or above (O(3): 48 frames, SO(3):
//!   24, O(2): 24, SO(2): 12); for smooth functions the remaining error is the size of those
//!   high-order terms instead of `O(1)`.
//! - **all three eigenvalues close** (cube, regular tetrahedron, sphere): all 6 axis
//!   permutations times the sign patterns, i.e. the full octahedral group O_h (48 frames) for
//!   O(3) or its rotation subgroup (24) for SO(3). O_h is a spherical 3-design: the average of
//!   every polynomial of degree <= 3 in the canonical coordinates is exactly rotation-invariant
//!   whatever basis the solver returned; higher degrees keep a bounded error.
//!
//! Weights are uniform. The switch is a hard threshold (the set jumps from 8 to 48 frames when
//! the gap crosses `degenerate_gap`); at that point the plain set's error is already about
//! `1e-6 / degenerate_gap` of the output scale. Smooth gap-dependent weights (Dym, Lawrence and
//! Siegel 2024) would remove the jump and are not implemented. Measured invariance errors of
//! plain vs robust frames are in `tests/frames_robust.rs`.

use super::group::Group;
use super::set::{push_signs, FrameSet};
use crate::geom::{cross, normalize, Vec3};

/// In-plane rotations `M` of robust mode (angles `pi k / M`, `k = 0..M`).
pub const ROBUST_ROTATIONS: usize = 6;

/// The 6 permutations of three axes.
const PERMS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [1, 0, 2],
    [0, 2, 1],
    [2, 1, 0],
];

fn lin(a: Vec3, ca: f32, b: Vec3, cb: f32) -> Vec3 {
    [
        ca * a[0] + cb * b[0],
        ca * a[1] + cb * b[1],
        ca * a[2] + cb * b[2],
    ]
}

/// Pushes the robust set: `degenerate[i]` flags the adjacent pair `(i, i + 1)` of `base`.
pub(crate) fn push_robust(
    set: &mut FrameSet,
    base: [Vec3; 3],
    origin: Vec3,
    group: Group,
    degenerate: [bool; 2],
) {
    let three_d = group.dim() == 3;
    if three_d && degenerate[0] && degenerate[1] {
        for p in PERMS {
            let mut a = [base[p[0]], base[p[1]], base[p[2]]];
            if group == Group::SO3 {
                a[2] = normalize(cross(a[0], a[1]));
            }
            push_signs(set, a, origin, group);
        }
        return;
    }
    let plane = if degenerate[0] {
        (0, 1)
    } else if degenerate[1] && three_d {
        (1, 2)
    } else {
        push_signs(set, base, origin, group);
        return;
    };
    for k in 0..ROBUST_ROTATIONS {
        let phi = core::f32::consts::PI * k as f32 / ROBUST_ROTATIONS as f32;
        let (s, c) = (libm::sinf(phi), libm::cosf(phi));
        let mut a = base;
        let (ea, eb) = (base[plane.0], base[plane.1]);
        if let Some(x) = a.get_mut(plane.0) {
            *x = lin(ea, c, eb, s);
        }
        if let Some(x) = a.get_mut(plane.1) {
            *x = lin(ea, -s, eb, c);
        }
        push_signs(set, a, origin, group);
    }
}
