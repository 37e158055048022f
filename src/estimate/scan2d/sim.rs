//! A simulated 2D lidar in a synthetic floor plan: the generated scans the tests, the demo and
//! the firmware check use (no recorded data is shipped).
//!
//! [`ROOM`] is a 12 m x 8 m room with a 2 m wide corridor leaving it, an inner wall and two
//! boxes, laid out without a symmetry (so that a registration has one right answer). A ray
//! from the sensor returns the distance to the nearest wall segment it hits, or `max_range`
//! (a max-range reading) when it hits none. Optional uniform range noise comes from a fixed
//! 32-bit LCG, so every platform draws the same scans.

use crate::lie::Se2;

/// A wall from `a` to `b` (m).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    /// One end.
    pub a: [f32; 2],
    /// The other end.
    pub b: [f32; 2],
}

const fn seg(ax: f32, ay: f32, bx: f32, by: f32) -> Segment {
    Segment {
        a: [ax, ay],
        b: [bx, by],
    }
}

/// The synthetic floor plan (see the module documentation).
pub const ROOM: [Segment; 16] = [
    // Outer walls with the corridor opening at x = 12, y in [3, 5].
    seg(0.0, 0.0, 12.0, 0.0),
    seg(12.0, 0.0, 12.0, 3.0),
    seg(12.0, 5.0, 12.0, 8.0),
    seg(12.0, 8.0, 0.0, 8.0),
    seg(0.0, 8.0, 0.0, 0.0),
    // The corridor: 10 m long, ending in a wall.
    seg(12.0, 3.0, 22.0, 3.0),
    seg(12.0, 5.0, 22.0, 5.0),
    seg(22.0, 3.0, 22.0, 5.0),
    // An inner wall.
    seg(4.0, 0.0, 4.0, 3.0),
    // Box one (1 x 1.5 m).
    seg(7.0, 5.0, 8.0, 5.0),
    seg(8.0, 5.0, 8.0, 6.5),
    seg(8.0, 6.5, 7.0, 6.5),
    seg(7.0, 6.5, 7.0, 5.0),
    // Box two (a triangle).
    seg(2.0, 5.5, 3.0, 6.8),
    seg(3.0, 6.8, 1.6, 6.6),
    seg(1.6, 6.6, 2.0, 5.5),
];

/// A deterministic uniform noise source (32-bit LCG, Numerical Recipes constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lcg(pub u32);

impl Lcg {
    /// Uniform in `[-1, 1)`.
    pub fn next_unit(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) as f32 / (1u32 << 23) as f32 - 1.0
    }
}

/// Distance along the ray from `o` in direction `d` (unit) to `s`, when it hits it.
fn hit(o: [f32; 2], d: [f32; 2], s: &Segment) -> Option<f32> {
    let e = [s.b[0] - s.a[0], s.b[1] - s.a[1]];
    let den = d[0] * e[1] - d[1] * e[0];
    if den.abs() < 1e-9 {
        return None;
    }
    let w = [s.a[0] - o[0], s.a[1] - o[1]];
    let t = (w[0] * e[1] - w[1] * e[0]) / den;
    let u = (w[0] * d[1] - w[1] * d[0]) / den;
    (t > 1e-6 && (0.0..=1.0).contains(&u)).then_some(t)
}

/// Ranges of a lidar at `pose` in `world`: beam `i` at `angle_min + i * angle_increment` in the
/// sensor frame, `max_range` where nothing is hit; with `noise = Some((rng, amplitude))` every
/// hit gets uniform noise in `[-amplitude, amplitude)` m.
pub fn cast(
    world: &[Segment],
    pose: &Se2,
    angle_min: f32,
    angle_increment: f32,
    max_range: f32,
    ranges: &mut [f32],
    mut noise: Option<(&mut Lcg, f32)>,
) {
    for (i, r) in ranges.iter_mut().enumerate() {
        let a = angle_min + i as f32 * angle_increment;
        let d = pose.rot.act([libm::cosf(a), libm::sinf(a)]);
        let mut best = max_range;
        for s in world {
            if let Some(t) = hit(pose.t, d, s) {
                best = best.min(t);
            }
        }
        if best < max_range {
            if let Some((rng, amp)) = noise.as_mut() {
                best += *amp * rng.next_unit();
            }
        }
        *r = best;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::scan2d::pose::pose;

    #[test]
    fn ranges_hit_the_walls() {
        let mut r = [0.0f32; 4];
        // From the room's centre-left, looking along +x, +y, -x, -y.
        cast(
            &ROOM,
            &pose(1.0, 4.0, 0.0),
            0.0,
            core::f32::consts::FRAC_PI_2,
            80.0,
            &mut r,
            None,
        );
        assert!((r[0] - 21.0).abs() < 1e-4, "{r:?}"); // through the corridor to its end wall
        assert!(
            (r[1] - 4.0).abs() < 1e-4 && (r[2] - 1.0).abs() < 1e-4 && (r[3] - 4.0).abs() < 1e-4,
            "{r:?}"
        );
        let mut rng = Lcg(1);
        let u: f32 = (0..1000).map(|_| rng.next_unit()).sum::<f32>() / 1000.0;
        assert!(u.abs() < 0.1);
    }
}
