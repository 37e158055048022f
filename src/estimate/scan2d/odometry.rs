//! Scan-to-keyframe odometry: every scan is registered against the current keyframe from the
//! predicted motion, the canonical-frame hypotheses of both scans and zero motion; the best
//! match by score is fused in the [`Se2Filter`] with the prediction (wheel odometry when given,
//! else the previous motion with a wide process noise); the scan becomes the keyframe when it
//! has moved far enough or overlaps too little.
//!
//! Memory: two [`Scan`]s (keyframe and current, about 20 bytes per [`MAX_BEAMS`](super::MAX_BEAMS) beam each) and
//! a few poses -- `core::mem::size_of::<Odometry>()` bytes, fixed.

use super::canonical::{self, CanonicalFrame};
use super::error::Scan2dError;
use super::filter::{self, match_cov_to_tangent, Mat3, Se2Filter, ZERO3};
use super::icp::{register, Match, MatchOptions, MAX_STARTS};
use super::pose::xyt;
use super::scan::{RangeScan, Scan};
use crate::estimate::eskf::Gated;
use crate::lie::{LieGroup, Se2};

/// Odometry settings.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct OdometryOptions {
    /// Registration settings.
    pub matching: MatchOptions,
    /// A scan farther than this from its keyframe becomes the keyframe (m).
    pub keyframe_distance: f32,
    /// A scan turned more than this from its keyframe becomes the keyframe (rad).
    pub keyframe_angle: f32,
    /// A scan whose match overlaps less than this fraction becomes the keyframe.
    pub keyframe_overlap: f32,
    /// Matches overlapping less than this fraction are not fused (the prediction is kept).
    pub min_overlap: f32,
    /// Standard deviations `(x, y, theta)` of the constant-motion prediction (m, rad).
    pub motion_sigma: [f32; 3],
    /// Standard deviations `(x, y, theta)` of a wheel-odometry increment (m, rad).
    pub odom_sigma: [f32; 3],
    /// Use the canonical-frame rotation hypotheses as starts.
    pub canonical_starts: bool,
    /// Also start from the prediction turned by each of
    /// [`TURN_STARTS`](super::canonical::TURN_STARTS).
    pub turn_starts: bool,
    /// Bound on a match's normalized innovation squared in the filter (chi-square, 3 degrees
    /// of freedom; `f32::INFINITY`: every match with enough overlap is fused).
    pub gate: f32,
}

impl OdometryOptions {
    /// The default settings (a constant, for `static` state).
    pub const DEFAULT: Self = Self {
        matching: MatchOptions::DEFAULT,
        keyframe_distance: 0.5,
        keyframe_angle: 0.35,
        keyframe_overlap: 0.9,
        min_overlap: 0.2,
        motion_sigma: [1.0, 1.0, 0.5],
        odom_sigma: [0.1, 0.1, 0.05],
        canonical_starts: true,
        turn_starts: true,
        gate: f32::INFINITY,
    };
}

impl Default for OdometryOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepReport {
    /// Filtered pose of the scan (world frame).
    pub pose: Se2,
    /// The match against the keyframe (`None` for the first scan).
    pub matched: Option<Match>,
    /// Whether the match was fused.
    pub fused: bool,
    /// Starts tried.
    pub starts: u8,
    /// Relative eigengaps of the keyframe's and the scan's canonical frames.
    pub rel_gaps: [f32; 2],
    /// Whether this scan became the keyframe.
    pub new_keyframe: bool,
}

/// Lidar odometry state (see the module documentation).
#[derive(Clone, Debug)]
pub struct Odometry {
    opts: OdometryOptions,
    keyframe: Scan,
    current: Scan,
    keyframe_pose: Se2,
    keyframe_frame: Option<CanonicalFrame>,
    filter: Se2Filter,
    motion: Se2,
    started: bool,
}

fn diag(s: [f32; 3]) -> Mat3 {
    let mut m = ZERO3;
    for (a, v) in s.iter().enumerate() {
        m[a][a] = v * v;
    }
    m
}

impl Odometry {
    /// Fresh odometry; the first scan defines the world frame (identity pose).
    pub const fn new(opts: OdometryOptions) -> Self {
        Self {
            opts,
            keyframe: Scan::new(),
            current: Scan::new(),
            keyframe_pose: Se2::IDENTITY,
            keyframe_frame: None,
            filter: Se2Filter {
                state: Se2::IDENTITY,
                cov: ZERO3,
            },
            motion: Se2::IDENTITY,
            started: false,
        }
    }

    /// The current pose estimate.
    pub fn pose(&self) -> Se2 {
        self.filter.state
    }

    /// The current keyframe's points and pose.
    pub fn keyframe(&self) -> (&Scan, Se2) {
        (&self.keyframe, self.keyframe_pose)
    }

    /// Processes one scan; `odom` is the wheel-odometry motion since the previous scan (in the
    /// previous scan's frame) when there is one. A scan that cannot be used (too few valid
    /// returns) is an error and leaves the state unchanged.
    pub fn step(
        &mut self,
        rs: &RangeScan<'_>,
        odom: Option<Se2>,
    ) -> Result<StepReport, Scan2dError> {
        self.current.fill(rs)?;
        let frame = CanonicalFrame::of(self.current.points());
        if !self.started {
            self.started = true;
            core::mem::swap(&mut self.keyframe, &mut self.current);
            self.keyframe_frame = frame;
            self.keyframe_pose = Se2::IDENTITY;
            self.filter = Se2Filter::new(Se2::IDENTITY, ZERO3);
            self.motion = Se2::IDENTITY;
            let g = frame.map_or(0.0, |f| f.rel_gap);
            return Ok(StepReport {
                pose: Se2::IDENTITY,
                matched: None,
                fused: false,
                starts: 0,
                rel_gaps: [g, g],
                new_keyframe: true,
            });
        }
        let last = self.filter.state;
        let (u, q) = match odom {
            Some(u) => (u, diag(self.opts.odom_sigma)),
            None => (self.motion, diag(self.opts.motion_sigma)),
        };
        let kf_inv = self.keyframe_pose.inverse();
        let mut starts = [Se2::IDENTITY; MAX_STARTS];
        let frames = match (&self.keyframe_frame, &frame) {
            (Some(a), Some(b)) if self.opts.canonical_starts => Some((a, b)),
            _ => None,
        };
        let n = canonical::starts(
            &kf_inv.compose(&last.compose(&u)),
            &kf_inv.compose(&last),
            frames,
            self.opts.turn_starts,
            &mut starts,
        );
        let starts = starts.get(..n).unwrap_or(&[]);
        let m = register(&self.keyframe, &self.current, starts, &self.opts.matching);
        // A non-finite motion or noise is refused and the pose kept; the match below still
        // applies.
        let _ = filter::predict(&mut self.filter, &u, &q);
        let fused = m.overlap() >= self.opts.min_overlap && {
            let z = self.keyframe_pose.compose(&m.motion);
            let r = match_cov_to_tangent(&m.motion, &m.cov);
            matches!(
                filter::update_pose(&mut self.filter, &z, &r, self.opts.gate),
                Ok(Gated::Accepted { .. })
            )
        };
        let pose = self.filter.state;
        self.motion = last.between(&pose);
        let rel = xyt(&self.keyframe_pose.between(&pose));
        let new_keyframe = libm::sqrtf(rel[0] * rel[0] + rel[1] * rel[1])
            >= self.opts.keyframe_distance
            || rel[2].abs() >= self.opts.keyframe_angle
            || m.overlap() < self.opts.keyframe_overlap;
        let gaps = [
            self.keyframe_frame.map_or(0.0, |f| f.rel_gap),
            frame.map_or(0.0, |f| f.rel_gap),
        ];
        if new_keyframe {
            core::mem::swap(&mut self.keyframe, &mut self.current);
            self.keyframe_pose = pose;
            self.keyframe_frame = frame;
        }
        Ok(StepReport {
            pose,
            matched: Some(m),
            fused,
            starts: n as u8,
            rel_gaps: gaps,
            new_keyframe,
        })
    }
}
