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
//! - **all three eigenvalues close** (cube, regular tetrahedron, sphere): the proper base
//!   `E` (third axis `e0 x e1`) times each of the 60 rotations `G` of the icosahedral group
//!   ([`icosahedral`]), `F = E G`; for O(3) also `-E G` (the group I_h, 120 frames). The
//!   icosahedral group has no invariant spherical harmonic of degree 1 to 5, so the average of
//!   every polynomial of degree <= 5 in the canonical coordinates is exactly invariant whatever
//!   basis the solver returned (the octahedral group only reaches degree 3: it was measured
//!   4x worse on the cube); higher degrees keep a bounded error.
//!
//! Weights are uniform. The switch is a hard threshold (the set jumps from 8 to 48 or 120
//! frames when the gap crosses `degenerate_gap`); at that point the plain set's error is
//! already small (about `1e-7 / degenerate_gap` relative, see below). Smooth gap-dependent
//! weights (Dym, Lawrence and Siegel 2024) would remove the jump and are not implemented.
//!
//! # Measured invariance error (`tests/frames_robust.rs`)
//! Max over 12 random rotations/reflections and 32 points of a frame-averaged per-point
//! nonlinear feature (values O(0.5)); default `degenerate_gap` 0.01:
//!
//! | input | group | plain | robust (frames) |
//! |---|---|---|---|
//! | cube (8 vertices) | O(3) | 5.7e-2 | 3.7e-3 (120) |
//! | cube | SO(3) | 1.9e-1 | 3.7e-3 (60) |
//! | regular tetrahedron | O(3) | 9.8e-2 | 5.7e-3 (120) |
//! | regular tetrahedron | SO(3) | 3.0e-1 | 5.7e-3 (60) |
//! | square, 2D | O(2) | 9.5e-2 | 3.1e-3 (24) |
//! | square, 2D | SO(2) | 5.0e-1 | 3.1e-3 (12) |
//! | square in a 3D plane | O(3) | 8.8e-2 | 1.8e-3 (48) |
//! | `sphere_20k.xyz` (rel gap 4.5e-3) | O(3) | 9.9e-6 | 1.2e-6 (120) |
//!
//! Plain frames on a cloud with spectrum `(1 + 2g, 1 + g, 1)`, 64 points: rel gap 2e-4 ->
//! 8.7e-4, 2e-3 -> 1.2e-4, 2e-2 -> 7.5e-6, 0.14 -> 2.8e-6.

use super::group::Group;
use super::set::{push_signs, FrameSink};
use super::transform::Frame;
use crate::geom::{cross, normalize, Vec3};

/// In-plane rotations `M` of robust mode (angles `pi k / M`, `k = 0..M`).
pub const ROBUST_ROTATIONS: usize = 6;

/// Even permutations of 4 slots (quaternion components).
const EVEN4: [[usize; 4]; 12] = [
    [0, 1, 2, 3],
    [0, 2, 3, 1],
    [0, 3, 1, 2],
    [1, 0, 3, 2],
    [1, 2, 0, 3],
    [1, 3, 2, 0],
    [2, 0, 1, 3],
    [2, 1, 3, 0],
    [2, 3, 0, 1],
    [3, 0, 2, 1],
    [3, 1, 0, 2],
    [3, 2, 1, 0],
];

/// Number of rotations in the icosahedral group.
pub const ICOSAHEDRAL_ROTATIONS: usize = 60;

/// The `k`-th rotation (`k < 60`) of the icosahedral group as a unit quaternion `(w, x, y, z)`
/// with its first non-zero component positive: the 4 units, the 8 `(1, +-1, +-1, +-1)/2`,
/// and the 48 even permutations of `(0, 1, +-phi, +-1/phi)/2` (the icosians modulo sign).
pub fn icosahedral(k: usize) -> Option<[f32; 4]> {
    const PHI: f32 = 1.618_034;
    const IPHI: f32 = 0.618_034;
    match k {
        0..=3 => {
            let mut q = [0.0; 4];
            if let Some(v) = q.get_mut(k) {
                *v = 1.0;
            }
            Some(q)
        }
        4..=11 => {
            let m = k - 4;
            let s = |b: usize| if m >> b & 1 == 1 { -0.5 } else { 0.5 };
            Some([0.5, s(0), s(1), s(2)])
        }
        12..=59 => {
            let m = k - 12;
            let (perm, signs) = (EVEN4.get(m / 4)?, m % 4);
            let sp = if signs & 1 == 1 { -PHI } else { PHI };
            let si = if signs & 2 == 2 { -IPHI } else { IPHI };
            let vals = [0.0, 1.0, sp, si];
            let mut q = [0.0f32; 4];
            for (slot, v) in perm.iter().zip(vals) {
                if let Some(x) = q.get_mut(*slot) {
                    *x = 0.5 * v;
                }
            }
            let first = q.iter().copied().find(|v| *v != 0.0).unwrap_or(1.0);
            if first < 0.0 {
                q = q.map(|v| -v);
            }
            Some(q)
        }
        _ => None,
    }
}

/// Rotation matrix (row-major) of a unit quaternion.
fn quat_matrix(q: [f32; 4]) -> [[f32; 3]; 3] {
    let [w, x, y, z] = q;
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

fn push_frame(set: &mut FrameSink<'_>, axes: [Vec3; 3], origin: Vec3, det: f32) {
    set.push(Frame {
        axes,
        origin,
        det,
        weight: 0.0,
    });
}

fn lin(a: Vec3, ca: f32, b: Vec3, cb: f32) -> Vec3 {
    [
        ca * a[0] + cb * b[0],
        ca * a[1] + cb * b[1],
        ca * a[2] + cb * b[2],
    ]
}

/// Pushes the robust set: `degenerate[i]` flags the adjacent pair `(i, i + 1)` of `base`.
pub(crate) fn push_robust(
    set: &mut FrameSink<'_>,
    base: [Vec3; 3],
    origin: Vec3,
    group: Group,
    degenerate: [bool; 2],
) {
    let three_d = group.dim() == 3;
    if three_d && degenerate[0] && degenerate[1] {
        // Proper base so that F = E G has det +1 for every G in I.
        let e = [base[0], base[1], normalize(cross(base[0], base[1]))];
        let mut k = 0;
        while let Some(q) = icosahedral(k) {
            k += 1;
            let g = quat_matrix(q);
            let mut a = [[0.0f32; 3]; 3];
            for (j, axis) in a.iter_mut().enumerate() {
                for (ei, gi) in e.iter().zip(&g) {
                    let w = gi.get(j).copied().unwrap_or(0.0);
                    for (v, &x) in axis.iter_mut().zip(ei) {
                        *v += w * x;
                    }
                }
            }
            push_frame(set, a, origin, 1.0);
            if group == Group::O3 {
                push_frame(set, a.map(|v| v.map(|x| -x)), origin, -1.0);
            }
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
        let (Some(&ea), Some(&eb)) = (base.get(plane.0), base.get(plane.1)) else {
            return;
        };
        if let Some(x) = a.get_mut(plane.0) {
            *x = lin(ea, c, eb, s);
        }
        if let Some(x) = a.get_mut(plane.1) {
            *x = lin(ea, -s, eb, c);
        }
        push_signs(set, a, origin, group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mul(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
        [
            a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
            a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
            a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
            a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
        ]
    }

    fn find(all: &[[f32; 4]], q: [f32; 4]) -> Option<usize> {
        all.iter().position(|p| {
            let d: f32 = p.iter().zip(&q).map(|(a, b)| a * b).sum();
            (d.abs() - 1.0).abs() < 1e-5
        })
    }

    #[test]
    fn icosahedral_group_is_a_closed_set_of_60_rotations() {
        let mut all = [[0.0f32; 4]; ICOSAHEDRAL_ROTATIONS];
        for (k, q) in all.iter_mut().enumerate() {
            *q = icosahedral(k).unwrap();
            let n: f32 = q.iter().map(|v| v * v).sum();
            assert!((n - 1.0).abs() < 1e-6);
        }
        assert_eq!(icosahedral(ICOSAHEDRAL_ROTATIONS), None);
        for (k, q) in all.iter().enumerate() {
            assert_eq!(find(&all, *q), Some(k), "duplicate rotation {k}");
            for p in &all {
                assert!(find(&all, mul(*q, *p)).is_some(), "not closed");
            }
        }
    }
}
