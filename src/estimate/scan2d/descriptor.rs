//! An O(2)-invariant scan descriptor for relocalisation, and a bounded keyframe store to
//! match it against.
//!
//! The points are written in the scan's canonical frame (centroid, principal axes, see
//! [`CanonicalFrame`]) as `(u, v)`. Averaging a histogram over the four O(2) sign frames
//! `(+-u, +-v)` is the same as a histogram of `(|u|, |v|)`, which is what is built: a
//! [`GRID`] x [`GRID`] histogram of `(|u|, |v|)` in cells of [`CELL`] metres (the last row and
//! column collect everything farther), and a [`RINGS`]-bin histogram of the distance to the
//! centroid. Both are normalised to sum 255 and stored as `u8`. Rotating, reflecting or
//! translating the points changes neither (up to points on a cell border under rounding);
//! the descriptor distance is the L1 distance.

use super::canonical::CanonicalFrame;
use super::error::Scan2dError;
use super::MAX_KEYFRAMES;
use crate::lie::Se2;

/// Cells per side of the folded canonical-frame grid.
pub const GRID: usize = 8;
/// Distance bins.
pub const RINGS: usize = 16;
/// Cell size (m) of the grid and the rings.
pub const CELL: f32 = 0.75;
/// Bytes in a descriptor.
pub const DESCRIPTOR_LEN: usize = GRID * GRID + RINGS;

/// An O(2)-invariant descriptor of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor(pub [u8; DESCRIPTOR_LEN]);

impl Descriptor {
    /// The descriptor of `points` (sensor frame); `None` when their frame is undefined.
    pub fn of(points: &[[f32; 2]]) -> Option<Self> {
        let f = CanonicalFrame::of(points)?;
        let (c, s) = (libm::cosf(f.axis), libm::sinf(f.axis));
        let mut grid = [0u32; GRID * GRID];
        let mut rings = [0u32; RINGS];
        let cell = |x: f32, n: usize| -> usize {
            let k = x / CELL;
            if k.is_finite() && k >= 0.0 {
                (k as usize).min(n - 1)
            } else {
                n - 1
            }
        };
        for p in points {
            let (dx, dy) = (p[0] - f.centroid[0], p[1] - f.centroid[1]);
            let u = (c * dx + s * dy).abs();
            let v = (-s * dx + c * dy).abs();
            grid[cell(u, GRID) * GRID + cell(v, GRID)] += 1;
            rings[cell(libm::sqrtf(dx * dx + dy * dy), RINGS)] += 1;
        }
        let mut out = [0u8; DESCRIPTOR_LEN];
        let total = points.len().max(1) as u32;
        for (o, &v) in out.iter_mut().zip(grid.iter().chain(rings.iter())) {
            *o = ((v * 255 + total / 2) / total).min(255) as u8;
        }
        Some(Self(out))
    }

    /// L1 distance between two descriptors.
    pub fn distance(&self, other: &Self) -> u32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(&a, &b)| (a as i32 - b as i32).unsigned_abs())
            .sum()
    }
}

/// Up to [`MAX_KEYFRAMES`] keyframe descriptors with their poses and a caller-chosen tag (a
/// scan index, a timestamp).
#[derive(Clone, Debug)]
pub struct KeyframeStore {
    descriptors: [Descriptor; MAX_KEYFRAMES],
    poses: [Se2; MAX_KEYFRAMES],
    tags: [u32; MAX_KEYFRAMES],
    len: usize,
}

impl Default for KeyframeStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyframeStore {
    /// An empty store.
    pub const fn new() -> Self {
        Self {
            descriptors: [Descriptor([0; DESCRIPTOR_LEN]); MAX_KEYFRAMES],
            poses: [Se2::IDENTITY; MAX_KEYFRAMES],
            tags: [0; MAX_KEYFRAMES],
            len: 0,
        }
    }

    /// Keyframes stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores a keyframe.
    pub fn insert(&mut self, d: Descriptor, pose: Se2, tag: u32) -> Result<(), Scan2dError> {
        let (Some(ds), Some(ps), Some(ts)) = (
            self.descriptors.get_mut(self.len),
            self.poses.get_mut(self.len),
            self.tags.get_mut(self.len),
        ) else {
            return Err(Scan2dError::KeyframesFull { max: MAX_KEYFRAMES });
        };
        *ds = d;
        *ps = pose;
        *ts = tag;
        self.len += 1;
        Ok(())
    }

    /// The stored keyframe nearest to `d` among those `accept`ed by tag:
    /// `(slot, distance, pose, tag)`.
    pub fn nearest(
        &self,
        d: &Descriptor,
        accept: impl Fn(u32) -> bool,
    ) -> Option<(usize, u32, Se2, u32)> {
        let mut best: Option<(usize, u32, Se2, u32)> = None;
        for i in 0..self.len {
            let (Some(k), Some(p), Some(&t)) =
                (self.descriptors.get(i), self.poses.get(i), self.tags.get(i))
            else {
                break;
            };
            if !accept(t) {
                continue;
            }
            let dist = k.distance(d);
            if best.is_none_or(|b| dist < b.1) {
                best = Some((i, dist, *p, t));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::scan2d::pose::pose;

    #[test]
    fn descriptor_invariant_under_rigid_motion_and_reflection() {
        let mut pts = [[0.0f32; 2]; 200];
        for (i, p) in pts.iter_mut().enumerate() {
            let a = i as f32 * 0.031;
            let r = 2.0 + 1.3 * libm::sinf(3.0 * a) + 0.37 * (i % 7) as f32;
            *p = [
                r * libm::cosf(a) + 0.013 * i as f32,
                0.6 * r * libm::sinf(a),
            ];
        }
        let d0 = Descriptor::of(&pts).unwrap();
        let g = pose(3.0, -1.0, 1.1);
        let mut moved = pts;
        for p in moved.iter_mut() {
            let q = g.act(*p);
            *p = [q[0], -q[1]];
        }
        let d1 = Descriptor::of(&moved).unwrap();
        // Points on a cell border may move by one cell under rounding: a few counts of 255.
        assert!(d0.distance(&d1) <= 8, "{}", d0.distance(&d1));
        let mut store = KeyframeStore::new();
        store.insert(d0, Se2::IDENTITY, 7).unwrap();
        let other = Descriptor([0; DESCRIPTOR_LEN]);
        store.insert(other, g, 9).unwrap();
        assert_eq!(store.nearest(&d1, |_| true).map(|b| b.3), Some(7));
        assert_eq!(store.nearest(&d1, |t| t != 7).map(|b| b.3), Some(9));
    }
}
