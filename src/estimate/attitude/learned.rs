//! The learned gravity measurement: a frame-averaged, SO(3)-equivariant network that maps a
//! short IMU window to the up direction in the sensor frame at the window's last sample,
//! fused into [`Attitude`] at the network's own rate.
//!
//! Window layout (the shipped `inclination` model's input, see its README): `BLOCKS = 128`
//! rows, each the mean of `PER_BLOCK = 16` raw samples; every raw sample is first rotated into
//! the world frame with the filter's current orientation (`R_i a_i`, `R_i w_i`), and at run
//! time the block means are rotated into the sensor frame of the last sample (`R_k^T`).
//! Because only the relative rotations `R_k^T R_i` enter, the input does not depend on the
//! filter's heading, and the model's frame averaging keeps the output equivariant to the
//! mounting rotation. Memory: 128 x 6 world-frame block sums (3 KB), 18 multiply-adds per
//! raw sample; the network runs every `every_blocks` blocks.
//!
//! When it helps, and when it is off: the network sees 7.2 s at once, so it can tell a
//! sustained linear acceleration from gravity where one accelerometer sample cannot; but it is
//! a regressor with about one degree of error of its own (0.55-2.53 deg per BROAD trial for
//! the shipped model), so with a well-tuned filter it can only help where the filter's tilt
//! error exceeds that (long fast translation); it is gated at 99 % and starts only once the
//! window is full. `sigma` states its trust.

use super::Attitude;
use crate::estimate::eskf::Gated;
use crate::estimate::EstimateError;
use crate::lie::So3;
use crate::model::Model;

/// Rows of the window.
pub const BLOCKS: usize = 128;
/// Raw samples per row.
pub const PER_BLOCK: usize = 16;
/// Input length, `BLOCKS x 6` floats.
pub const INPUT_LEN: usize = BLOCKS * 6;

/// A ring of world-frame block sums of accelerometer and gyroscope samples.
#[derive(Clone, Copy, Debug)]
pub struct GravityWindow {
    sums: [[f32; 6]; BLOCKS],
    head: usize,
    cur: [f32; 6],
    count: usize,
    filled: usize,
}

impl Default for GravityWindow {
    fn default() -> Self {
        Self {
            sums: [[0.0; 6]; BLOCKS],
            head: 0,
            cur: [0.0; 6],
            count: 0,
            filled: 0,
        }
    }
}

impl GravityWindow {
    /// Adds one raw sample seen at orientation `rot` (sensor to world); true when it completed
    /// a block.
    pub fn push(&mut self, rot: &So3, gyro: [f32; 3], accel: [f32; 3]) -> bool {
        let a = rot.act(accel);
        let w = rot.act(gyro);
        for k in 0..3 {
            self.cur[k] += a[k];
            self.cur[3 + k] += w[k];
        }
        self.count += 1;
        if self.count < PER_BLOCK {
            return false;
        }
        self.sums[self.head] = self.cur;
        self.head = (self.head + 1) % BLOCKS;
        self.filled = (self.filled + 1).min(BLOCKS);
        self.cur = [0.0; 6];
        self.count = 0;
        true
    }

    /// All `BLOCKS` rows hold data.
    pub fn is_full(&self) -> bool {
        self.filled == BLOCKS
    }

    /// The model input: block means in the sensor frame of `rot` (the last sample's
    /// orientation), oldest row first.
    pub fn input(&self, rot: &So3, out: &mut [f32; INPUT_LEN]) {
        let rt = rot.inverse();
        let s = 1.0 / PER_BLOCK as f32;
        for (n, row) in out.chunks_exact_mut(6).enumerate() {
            let b = &self.sums[(self.head + n) % BLOCKS];
            let a = rt.act([b[0] * s, b[1] * s, b[2] * s]);
            let w = rt.act([b[3] * s, b[4] * s, b[5] * s]);
            row[..3].copy_from_slice(&a);
            row[3..].copy_from_slice(&w);
        }
    }
}

/// Why a learned update failed.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LearnedError {
    /// The model does not take `(128, 6)` and give 3 outputs (`channels`, `outputs` found).
    WrongModelShape {
        /// Input channels of the model.
        channels: usize,
        /// Output length of the model.
        outputs: usize,
    },
    /// The engine refused the run.
    Run(crate::engine::RunError),
    /// The filter refused the update.
    Filter(EstimateError),
}

impl core::fmt::Display for LearnedError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::WrongModelShape { channels, outputs } => write!(
                f,
                "gravity model must take 6 channels and give 3 outputs (has {channels} and {outputs})"
            ),
            Self::Run(e) => write!(f, "gravity model: {e}"),
            Self::Filter(e) => write!(f, "gravity update: {e}"),
        }
    }
}

impl core::error::Error for LearnedError {}

/// The network, its window and its schedule.
#[derive(Clone, Copy, Debug)]
pub struct LearnedGravity<'m> {
    model: Model<'m>,
    window: GravityWindow,
    /// Run the network every this many completed blocks.
    pub every_blocks: usize,
    /// Noise of the network's direction, rad.
    pub sigma: f32,
    blocks_since: usize,
    /// The last network output (sensor-frame up, not normalized).
    pub last: [f32; 3],
}

impl<'m> LearnedGravity<'m> {
    /// Wraps `model` (6 input channels, 3 outputs).
    pub fn new(model: Model<'m>, every_blocks: usize, sigma: f32) -> Result<Self, LearnedError> {
        if model.input_channels() != 6 || model.output_len() != 3 {
            return Err(LearnedError::WrongModelShape {
                channels: model.input_channels(),
                outputs: model.output_len(),
            });
        }
        Ok(Self {
            model,
            window: GravityWindow::default(),
            every_blocks: every_blocks.max(1),
            sigma,
            blocks_since: 0,
            last: [0.0; 3],
        })
    }

    /// The model.
    pub fn model(&self) -> &Model<'m> {
        &self.model
    }

    /// Feeds the sample the filter just processed; when a run is due, runs the network in
    /// `arena` and fuses its output. `Ok(None)`: no run this sample.
    pub fn step(
        &mut self,
        att: &mut Attitude,
        gyro: [f32; 3],
        accel: [f32; 3],
        arena: &mut [u8],
    ) -> Result<Option<Gated>, LearnedError> {
        if !att.is_initialized() || !self.window.push(&att.rotation(), gyro, accel) {
            return Ok(None);
        }
        self.blocks_since += 1;
        if !self.window.is_full() || self.blocks_since < self.every_blocks {
            return Ok(None);
        }
        self.blocks_since = 0;
        let mut x = [0.0f32; INPUT_LEN];
        self.window.input(&att.rotation(), &mut x);
        let mut y = [0.0f32; 3];
        self.model
            .run(&x, arena, &mut y)
            .map_err(LearnedError::Run)?;
        self.last = y;
        att.update_gravity(y, self.sigma)
            .map(Some)
            .map_err(LearnedError::Filter)
    }
}
