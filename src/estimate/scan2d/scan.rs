//! Range scans to points: invalid returns dropped, a line normal fitted at every point.
//!
//! Beam `i` points at `angle_min + i * angle_increment` (rad, counter-clockwise from the
//! sensor's x axis); a return is valid when it is finite and inside `[range_min, range_max)`.
//! Each valid return becomes a point in the sensor frame; its normal is the minor axis of the
//! scatter of the valid points among beams `i - 2 ..= i + 2` lying within [`NORMAL_RADIUS`] of
//! it (none when fewer than three, or when they do not lie on a line: minor/major eigenvalue
//! ratio above [`MAX_FLATNESS`]).

use super::error::Scan2dError;
use super::MAX_BEAMS;

/// Neighbours farther than this from a point (m) are not used for its normal.
pub const NORMAL_RADIUS: f32 = 0.3;
/// Largest minor/major eigenvalue ratio of a normal's neighbourhood.
pub const MAX_FLATNESS: f32 = 0.1;
/// Fewest valid returns a scan must have for registration.
pub const MIN_POINTS: usize = 20;
/// Beams between exact `cosf` / `sinf` restarts of the direction recurrence.
const RESEED: usize = 32;
/// `Scan::by_beam` entry of a beam without a valid return.
const NO_POINT: u16 = u16::MAX;

/// One 2D lidar scan as measured: ranges and beam geometry (borrowed).
#[derive(Clone, Copy, Debug)]
pub struct RangeScan<'a> {
    /// Ranges in metres, one per beam.
    pub ranges: &'a [f32],
    /// Angle of the first beam (rad).
    pub angle_min: f32,
    /// Angle between beams (rad, positive).
    pub angle_increment: f32,
    /// Smallest valid range (m).
    pub range_min: f32,
    /// Returns at or above this range are invalid (m; max-range readings).
    pub range_max: f32,
}

impl<'a> RangeScan<'a> {
    /// `ranges` spread over the field of view `fov` (rad) centred on the x axis, as CARMEN's
    /// `FLASER` lines are (180 degrees: first beam at -90 degrees, last at +90).
    pub fn centred(ranges: &'a [f32], fov: f32, range_min: f32, range_max: f32) -> Self {
        let n = ranges.len().max(2);
        Self {
            ranges,
            angle_min: -0.5 * fov,
            angle_increment: fov / (n - 1) as f32,
            range_min,
            range_max,
        }
    }
}

/// The points of one scan, with normals and the beam each came from. About 20 bytes per
/// [`MAX_BEAMS`] beam; build one in place with [`Scan::new`] + [`Scan::fill`].
#[derive(Clone, Debug)]
pub struct Scan {
    pts: [[f32; 2]; MAX_BEAMS],
    normals: [[f32; 2]; MAX_BEAMS],
    has_normal: [bool; MAX_BEAMS],
    by_beam: [u16; MAX_BEAMS],
    len: usize,
    beams: usize,
    angle_min: f32,
    angle_increment: f32,
}

impl Default for Scan {
    fn default() -> Self {
        Self::new()
    }
}

impl Scan {
    /// An empty scan.
    pub const fn new() -> Self {
        Self {
            pts: [[0.0; 2]; MAX_BEAMS],
            normals: [[0.0; 2]; MAX_BEAMS],
            has_normal: [false; MAX_BEAMS],
            by_beam: [NO_POINT; MAX_BEAMS],
            len: 0,
            beams: 0,
            angle_min: 0.0,
            angle_increment: 1.0,
        }
    }

    /// Replaces this scan's points with those of `rs`. On an error the scan is left empty.
    pub fn fill(&mut self, rs: &RangeScan<'_>) -> Result<(), Scan2dError> {
        self.len = 0;
        self.beams = 0;
        let n = rs.ranges.len();
        if n > MAX_BEAMS {
            return Err(Scan2dError::TooManyBeams {
                given: n,
                max: MAX_BEAMS,
            });
        }
        if !(rs.angle_increment.is_finite() && rs.angle_increment > 0.0) {
            return Err(Scan2dError::BadAngleIncrement {
                increment: rs.angle_increment,
            });
        }
        if !rs.angle_min.is_finite() {
            return Err(Scan2dError::BadAngleMin {
                angle_min: rs.angle_min,
            });
        }
        if !(rs.range_min.is_finite() && rs.range_max.is_finite() && rs.range_min < rs.range_max) {
            return Err(Scan2dError::BadRangeLimits {
                min: rs.range_min,
                max: rs.range_max,
            });
        }
        self.angle_min = rs.angle_min;
        self.angle_increment = rs.angle_increment;
        self.beams = n;
        // Beam directions by the rotation recurrence `d_{i+1} = R(increment) d_i`, started
        // again from `cosf` / `sinf` every RESEED beams (a relative error of a few 1e-7).
        let (ci, si) = (
            libm::cosf(rs.angle_increment),
            libm::sinf(rs.angle_increment),
        );
        let (mut c, mut s) = (1.0f32, 0.0f32);
        for (i, &r) in rs.ranges.iter().enumerate() {
            if i % RESEED == 0 {
                let a = rs.angle_min + i as f32 * rs.angle_increment;
                (c, s) = (libm::cosf(a), libm::sinf(a));
            } else {
                (c, s) = (c * ci - s * si, s * ci + c * si);
            }
            let slot = self.by_beam.get_mut(i);
            let valid = r.is_finite() && r >= rs.range_min && r < rs.range_max;
            match (slot, self.pts.get_mut(self.len)) {
                (Some(slot), Some(p)) if valid => {
                    *p = [r * c, r * s];
                    *slot = self.len as u16;
                    self.len += 1;
                }
                (Some(slot), _) => *slot = NO_POINT,
                _ => {}
            }
        }
        self.fit_normals();
        if self.len < MIN_POINTS {
            let valid = self.len;
            self.len = 0;
            return Err(Scan2dError::TooFewPoints {
                valid,
                min: MIN_POINTS,
            });
        }
        Ok(())
    }

    fn fit_normals(&mut self) {
        let len = self.len.min(MAX_BEAMS);
        let pts = self.pts.get(..len).unwrap_or(&[]);
        for (k, (&p, (normal, has))) in pts
            .iter()
            .zip(self.normals.iter_mut().zip(self.has_normal.iter_mut()))
            .enumerate()
        {
            let (mut n, mut sx, mut sy) = (0usize, 0.0f32, 0.0f32);
            let mut nb = [[0.0f32; 2]; 5];
            let near = pts
                .get(k.saturating_sub(2)..(k + 3).min(len))
                .unwrap_or(&[]);
            for q in near {
                let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
                if dx * dx + dy * dy <= NORMAL_RADIUS * NORMAL_RADIUS {
                    if let Some(slot) = nb.get_mut(n) {
                        *slot = [dx, dy];
                    }
                    sx += dx;
                    sy += dy;
                    n += 1;
                }
            }
            *has = false;
            if n < 3 {
                continue;
            }
            let (mx, my) = (sx / n as f32, sy / n as f32);
            let (mut xx, mut xy, mut yy) = (0.0f32, 0.0f32, 0.0f32);
            for d in nb.iter().take(n) {
                let (dx, dy) = (d[0] - mx, d[1] - my);
                xx += dx * dx;
                xy += dx * dy;
                yy += dy * dy;
            }
            let tr = xx + yy;
            let disc = libm::sqrtf((xx - yy) * (xx - yy) + 4.0 * xy * xy);
            let (major, minor) = (0.5 * (tr + disc), 0.5 * (tr - disc));
            if major.is_nan() || major <= 0.0 || minor > MAX_FLATNESS * major {
                continue;
            }
            // Major eigenvector from the better-conditioned row of `(A - major I) v = 0`; the
            // normal is perpendicular to it, oriented with a non-negative y (as
            // `(-sin phi, cos phi)` for the major-axis angle `phi` in `(-pi/2, pi/2]`).
            let v = if xx >= yy {
                [major - yy, xy]
            } else {
                [xy, major - xx]
            };
            let len_v = libm::sqrtf(v[0] * v[0] + v[1] * v[1]);
            if !(len_v.is_finite() && len_v > 0.0) {
                continue;
            }
            let mut nv = [-v[1] / len_v, v[0] / len_v];
            if nv[1] < 0.0 || (nv[1] == 0.0 && nv[0] < 0.0) {
                nv = [-nv[0], -nv[1]];
            }
            *normal = nv;
            *has = true;
        }
    }

    /// The valid points, in beam order (sensor frame, m).
    pub fn points(&self) -> &[[f32; 2]] {
        self.pts.get(..self.len).unwrap_or(&[])
    }

    /// Number of valid points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the scan holds no points.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Beams of the scan as measured (valid or not).
    pub fn beams(&self) -> usize {
        self.beams
    }

    /// Angle between beams (rad).
    pub fn angle_increment(&self) -> f32 {
        self.angle_increment
    }

    /// Unit normal of point `k`, when its neighbourhood is a line.
    pub fn normal(&self, k: usize) -> Option<[f32; 2]> {
        match self.has_normal.get(k) {
            Some(true) => self.normals.get(k).copied(),
            _ => None,
        }
    }

    /// Point index of beam `b`, when that beam has a valid return.
    pub fn point_of_beam(&self, b: usize) -> Option<usize> {
        match self.by_beam.get(b) {
            Some(&k) if k != NO_POINT && b < self.beams => Some(k as usize),
            _ => None,
        }
    }

    /// Beam whose direction is nearest to the bearing `phi` (rad), or `None` when `phi` lies
    /// more than `margin` beams outside the field of view. The index may lie in
    /// `-margin..beams + margin`.
    pub fn beam_of_bearing(&self, phi: f32, margin: isize) -> Option<isize> {
        let f = (phi - self.angle_min) / self.angle_increment;
        if !f.is_finite() {
            return None;
        }
        let b = libm::roundf(f);
        let (lo, hi) = (-(margin as f32), (self.beams as isize + margin) as f32);
        if b < lo || b >= hi {
            return None;
        }
        Some(b as isize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_returns_dropped_and_wall_normals() {
        // A wall at x = 2 seen over 90 degrees, two max-range returns and a NaN.
        let mut ranges = [0.0f32; 91];
        for (i, r) in ranges.iter_mut().enumerate() {
            let a = (-45.0 + i as f32).to_radians();
            *r = 2.0 / libm::cosf(a);
        }
        ranges[10] = 81.9;
        ranges[11] = f32::NAN;
        ranges[12] = 0.0;
        let rs = RangeScan {
            ranges: &ranges,
            angle_min: -45f32.to_radians(),
            angle_increment: 1f32.to_radians(),
            range_min: 0.05,
            range_max: 50.0,
        };
        let mut s = Scan::new();
        s.fill(&rs).unwrap();
        assert_eq!(s.len(), 88);
        assert_eq!(s.point_of_beam(10), None);
        assert_eq!(s.point_of_beam(13), Some(10));
        for (k, p) in s.points().iter().enumerate() {
            assert!((p[0] - 2.0).abs() < 1e-4);
            let n = s.normal(k).unwrap();
            assert!(n[0].abs() > 0.9999, "{n:?}");
        }
        let bad = RangeScan {
            angle_increment: 0.0,
            ..rs
        };
        assert_eq!(
            s.fill(&bad),
            Err(Scan2dError::BadAngleIncrement { increment: 0.0 })
        );
        assert!(s.is_empty());
        let few = RangeScan {
            ranges: &ranges[..5],
            ..rs
        };
        assert!(matches!(
            s.fill(&few),
            Err(Scan2dError::TooFewPoints { valid: 5, .. })
        ));
    }
}
