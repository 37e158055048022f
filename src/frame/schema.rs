//! Input schema: which channels of a sample are positions, vectors, axial vectors, scalars;
//! computing a sample's frames and applying a frame to it.
//!
//! A sample is a row-major `(N, channels)` f32 slice (points or time steps, channels last).
//! Geometric fields span `dim` consecutive channels from their offset; channels not covered by
//! any field (and `Scalar` fields) are copied unchanged by [`InputSchema::canonicalize`].
//!
//! Frame source: the first `Position` field, centred (origin = mean). Without one, the first
//! `Vector` field, uncentred (origin = 0): for an IMU the accelerometer, whose mean (gravity)
//! is the signal. Without either, the first `Axial` field, uncentred.

use super::error::FrameError;
use super::moments::Moments;
use super::set::{FrameOptions, FrameSet};
use super::sign;
use super::transform::Frame;

/// Most fields a schema can list.
pub const MAX_FIELDS: usize = 8;
/// Most channels a row can have (offsets are `u8`).
pub const MAX_CHANNELS: usize = 255;

/// How a field transforms under a frame (`repr(u8)` as recorded in the model blob).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FieldKind {
    /// Position: `F^T (x - c)`.
    Position = 0,
    /// Vector (velocity, acceleration, force): `F^T v`.
    Vector = 1,
    /// Axial vector (angular rate, magnetic field): `det(F) F^T w`.
    Axial = 2,
    /// One scalar channel: unchanged.
    Scalar = 3,
}

impl TryFrom<u8> for FieldKind {
    type Error = u8;
    /// Decodes the blob byte; gives the byte back when it is not a known kind.
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            0 => Ok(Self::Position),
            1 => Ok(Self::Vector),
            2 => Ok(Self::Axial),
            3 => Ok(Self::Scalar),
            other => Err(other),
        }
    }
}

/// One field of a row: its kind and first channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Field {
    /// How the field transforms.
    pub kind: FieldKind,
    /// First channel; geometric fields span `dim` channels, scalars one.
    pub offset: u8,
}

impl Field {
    /// Channels this field spans in a `dim`-dimensional schema.
    pub fn span(&self, dim: usize) -> usize {
        match self.kind {
            FieldKind::Scalar => 1,
            _ => dim,
        }
    }
}

/// A validated description of a sample's channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InputSchema {
    dim: u8,
    channels: u8,
    len: u8,
    fields: [Field; MAX_FIELDS],
}

const NO_FIELD: Field = Field {
    kind: FieldKind::Scalar,
    offset: 0,
};

impl InputSchema {
    /// Validates `dim` (2 or 3), `channels` (1..=255) and the fields (inside the row, no
    /// shared channel, at most [`MAX_FIELDS`]).
    pub fn new(dim: usize, channels: usize, fields: &[Field]) -> Result<Self, FrameError> {
        if dim != 2 && dim != 3 {
            return Err(FrameError::BadDim { dim });
        }
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(FrameError::BadChannels { channels });
        }
        if fields.len() > MAX_FIELDS {
            return Err(FrameError::TooManyFields {
                given: fields.len(),
                max: MAX_FIELDS,
            });
        }
        let mut used = [false; MAX_CHANNELS];
        let mut out = [NO_FIELD; MAX_FIELDS];
        for (slot, f) in out.iter_mut().zip(fields) {
            let (offset, span) = (f.offset as usize, f.span(dim));
            if offset + span > channels {
                return Err(FrameError::FieldOutOfRange {
                    offset,
                    span,
                    channels,
                });
            }
            for (channel, u) in used.iter_mut().enumerate().skip(offset).take(span) {
                if *u {
                    return Err(FrameError::FieldOverlap { channel });
                }
                *u = true;
            }
            *slot = *f;
        }
        Ok(Self {
            dim: dim as u8,
            channels: channels as u8,
            len: fields.len() as u8,
            fields: out,
        })
    }

    /// Points: positions at channels `0..dim`, every further channel a scalar.
    pub fn points(dim: usize, channels: usize) -> Result<Self, FrameError> {
        Self::new(
            dim,
            channels,
            &[Field {
                kind: FieldKind::Position,
                offset: 0,
            }],
        )
    }

    /// IMU window rows of 6 channels: accelerometer (vector) at 0..3, gyroscope (axial) at
    /// 3..6. Frames come from the accelerometer's uncentred second moment.
    pub fn imu() -> Self {
        let mut fields = [NO_FIELD; MAX_FIELDS];
        fields[0] = Field {
            kind: FieldKind::Vector,
            offset: 0,
        };
        fields[1] = Field {
            kind: FieldKind::Axial,
            offset: 3,
        };
        Self {
            dim: 3,
            channels: 6,
            len: 2,
            fields,
        }
    }

    /// Spatial dimension (2 or 3).
    pub fn dim(&self) -> usize {
        self.dim as usize
    }

    /// Channels per row.
    pub fn channels(&self) -> usize {
        self.channels as usize
    }

    /// The fields, in the order given.
    pub fn fields(&self) -> &[Field] {
        self.fields.get(..self.len as usize).unwrap_or(&[])
    }

    /// The field frames are computed from, and whether it is centred.
    pub fn frame_source(&self) -> Result<(Field, bool), FrameError> {
        for (kind, centred) in [
            (FieldKind::Position, true),
            (FieldKind::Vector, false),
            (FieldKind::Axial, false),
        ] {
            if let Some(f) = self.fields().iter().find(|f| f.kind == kind) {
                return Ok((*f, centred));
            }
        }
        Err(FrameError::NoGeometricField)
    }

    /// Moments of the frame source of one sample (optional per-row weights).
    pub fn moments(&self, sample: &[f32], weights: Option<&[f32]>) -> Result<Moments, FrameError> {
        let (f, centred) = self.frame_source()?;
        let (c, o, d) = (self.channels(), f.offset as usize, self.dim());
        if centred {
            Moments::of_points(sample, c, o, d, weights)
        } else {
            Moments::of_vectors(sample, c, o, d, weights)
        }
    }

    /// Frame set of one sample (N rows of `channels` f32): from the Position field (centred,
    /// origin = mean) if any, else from the first Vector field (uncentred second moment,
    /// origin 0).
    pub fn frame_set(&self, sample: &[f32], opts: &FrameOptions) -> Result<FrameSet, FrameError> {
        self.frame_set_weighted(sample, None, opts)
    }

    /// [`frame_set`](Self::frame_set) with one non-negative weight per row.
    pub fn frame_set_weighted(
        &self,
        sample: &[f32],
        weights: Option<&[f32]>,
        opts: &FrameOptions,
    ) -> Result<FrameSet, FrameError> {
        self.check_group(opts)?;
        FrameSet::from_moments(&self.moments(sample, weights)?, opts)
    }

    /// One canonical frame with the equivariant third-moment sign rule (see
    /// [`sign`](super::sign)): one backbone pass instead of the whole set.
    pub fn canonical_frame(
        &self,
        sample: &[f32],
        opts: &FrameOptions,
    ) -> Result<Frame, FrameError> {
        self.check_group(opts)?;
        let (f, _) = self.frame_source()?;
        let m = self.moments(sample, None)?;
        sign::canonical_frame(&m, sample, self.channels(), f.offset as usize, opts)
    }

    fn check_group(&self, opts: &FrameOptions) -> Result<(), FrameError> {
        if opts.group.dim() != self.dim() {
            return Err(FrameError::GroupDim {
                group_dim: opts.group.dim(),
                data_dim: self.dim(),
            });
        }
        Ok(())
    }

    /// Writes the sample expressed in `frame` (positions `F^T(x-c)`, vectors `F^T v`, axial
    /// `det F F^T w`, everything else copied). `out` must have the sample's length.
    pub fn canonicalize(
        &self,
        frame: &Frame,
        sample: &[f32],
        out: &mut [f32],
    ) -> Result<(), FrameError> {
        let c = self.channels();
        if !sample.len().is_multiple_of(c) {
            return Err(FrameError::BadShape {
                len: sample.len(),
                channels: c,
            });
        }
        if out.len() != sample.len() {
            return Err(FrameError::OutputLength {
                needed: sample.len(),
                given: out.len(),
            });
        }
        if c == 0 {
            return Ok(());
        }
        for (o, s) in out.iter_mut().zip(sample) {
            *o = *s;
        }
        let d = self.dim();
        for row in out.chunks_exact_mut(c) {
            for f in self.fields() {
                let o = f.offset as usize;
                let Some(v) = row.get_mut(o..o + d) else {
                    continue;
                };
                let mut x = [0.0f32; 3];
                for (xi, vi) in x.iter_mut().zip(v.iter()) {
                    *xi = *vi;
                }
                let y = match f.kind {
                    FieldKind::Position => frame.to_frame_position(x),
                    FieldKind::Vector => frame.to_frame_vector(x),
                    FieldKind::Axial => frame.to_frame_axial(x),
                    FieldKind::Scalar => continue,
                };
                for (vi, yi) in v.iter_mut().zip(y) {
                    *vi = yi;
                }
            }
        }
        Ok(())
    }
}
