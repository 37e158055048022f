//! Canonical frames of a scan and the rotation hypotheses they give for a registration.
//!
//! The frame is the 2D one of [`frame`](crate::frame): centroid and principal axes of the
//! scatter of the points ([`Moments::of_points`], [`Spectrum::of`]). Its SO(2) set has two
//! frames (major axis `e0` and `-e0`); mapping a frame of scan B onto a frame of scan A gives
//! the rotations `angle(e0_A) - angle(e0_B) + {0, pi}`, which do not depend on where the robot
//! points. The O(2) set (four sign frames) gives the same two rotations (frame pairs of equal
//! determinant) plus reflections, which a rigid motion cannot be, so the SO(2) pair is used.
//!
//! When the relative eigengap `(l0 - l1) / l0` is below [`DEGENERATE_GAP`] (a square room:
//! the axes are ill-defined and turn freely with a few points) the pair is completed with the
//! rotations by `+-pi/2`, as the frame module's robust mode adds rotations inside a degenerate
//! eigenspace. A corridor is the opposite case: a large gap, a well-defined rotation, and a
//! translation along the corridor that the points do not fix (see the match covariance).

use super::pose::wrap;
use crate::frame::{Moments, Spectrum};
use crate::geom::AxisOrder;
use crate::lie::{Se2, So2};
use core::f32::consts::{FRAC_PI_2, PI};

/// Below this relative eigengap the two extra rotations by `+-pi/2` are tried as well.
pub const DEGENERATE_GAP: f32 = 0.2;

/// Centroid and major-axis angle of a scan's points.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CanonicalFrame {
    /// Centroid (m, sensor frame).
    pub centroid: [f32; 2],
    /// Angle of the major principal axis (rad, defined up to pi).
    pub axis: f32,
    /// Relative eigengap `(l0 - l1) / l0` of the scatter (1 for collinear points).
    pub rel_gap: f32,
}

impl CanonicalFrame {
    /// The frame of `points`; `None` for an empty or non-finite set.
    pub fn of(points: &[[f32; 2]]) -> Option<Self> {
        let m = Moments::of_points(points.as_flattened(), 2, 0, 2, None).ok()?;
        let s = Spectrum::of(&m, AxisOrder::Descending);
        let e0 = s.axes[0];
        if !(s.rel_gap.is_finite() && e0[0].is_finite() && e0[1].is_finite()) {
            return None;
        }
        Some(Self {
            centroid: [m.origin[0], m.origin[1]],
            axis: libm::atan2f(e0[1], e0[0]),
            rel_gap: s.rel_gap,
        })
    }

    /// True when the axes are too close to tell apart (see [`DEGENERATE_GAP`]).
    pub fn is_degenerate(&self) -> bool {
        self.rel_gap < DEGENERATE_GAP
    }
}

/// Motions of scan `b` into scan `a`'s frame that map a canonical frame of `b` onto one of `a`
/// (rotation from the axes, translation from the centroids), written to `out`; returns how many
/// (2, or 4 when either frame is degenerate).
pub fn hypotheses(a: &CanonicalFrame, b: &CanonicalFrame, out: &mut [Se2; 4]) -> usize {
    let base = a.axis - b.axis;
    let extra = a.is_degenerate() || b.is_degenerate();
    let turns: [f32; 4] = [0.0, PI, FRAC_PI_2, -FRAC_PI_2];
    let n = if extra { 4 } else { 2 };
    for (slot, turn) in out.iter_mut().zip(turns).take(n) {
        let rot = So2::exp(wrap(base + turn));
        let rc = rot.act(b.centroid);
        *slot = Se2 {
            rot,
            t: [a.centroid[0] - rc[0], a.centroid[1] - rc[1]],
        };
    }
    n
}

/// Rotation offsets (rad) tried around the predicted motion: a turn between two scans that the
/// prediction missed by more than the projective window reaches.
pub const TURN_STARTS: [f32; 2] = [0.4, -0.4];

/// The starts of a registration, written to `out` (returns how many): the `prediction` first
/// (the motion prior of [`register`](super::icp::register)), the prediction turned by each of
/// [`TURN_STARTS`] when `turns`, `zero` (no motion since the previous scan), then the canonical-frame
/// hypotheses of the two frames when both exist.
pub fn starts(
    prediction: &Se2,
    zero: &Se2,
    frames: Option<(&CanonicalFrame, &CanonicalFrame)>,
    turns: bool,
    out: &mut [Se2; super::icp::MAX_STARTS],
) -> usize {
    let mut n = 0;
    let mut push = |s: Se2| {
        if let Some(slot) = out.get_mut(n) {
            *slot = s;
            n += 1;
        }
    };
    push(*prediction);
    for turn in TURN_STARTS.iter().filter(|_| turns) {
        push(Se2 {
            rot: prediction.rot.compose(&So2::exp(*turn)),
            t: prediction.t,
        });
    }
    push(*zero);
    if let Some((a, b)) = frames {
        let mut hyp = [Se2::IDENTITY; 4];
        let k = hypotheses(a, b, &mut hyp);
        for h in hyp.iter().take(k) {
            push(*h);
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::scan2d::pose::{pose, xyt};

    #[test]
    fn hypotheses_contain_the_true_rotation() {
        // An L-shaped room corner: long wall and a short one.
        let mut pts = [[0.0f32; 2]; 60];
        for (i, p) in pts.iter_mut().enumerate() {
            *p = if i < 40 {
                [i as f32 * 0.1, 0.0]
            } else {
                [0.0, (i - 40) as f32 * 0.1]
            };
        }
        let g = pose(0.7, -0.3, 2.0);
        let mut moved = pts;
        for p in moved.iter_mut() {
            *p = g.inverse().act(*p);
        }
        let a = CanonicalFrame::of(&pts).unwrap();
        let b = CanonicalFrame::of(&moved).unwrap();
        let mut out = [Se2::IDENTITY; 4];
        let n = hypotheses(&a, &b, &mut out);
        assert_eq!(n, 2);
        let best = out[..n]
            .iter()
            .map(|h| {
                let d = xyt(&g.inverse().compose(h));
                d[0].abs() + d[1].abs() + d[2].abs()
            })
            .fold(f32::MAX, f32::min);
        assert!(best < 1e-4, "{best}");
    }
}
