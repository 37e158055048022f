//! Full-scale ranges, low-pass filter and sample rate, and the count-to-SI conversion.

use crate::{Raw, Sample, STANDARD_GRAVITY};

/// Accelerometer full-scale range (`ACCEL_CONFIG.AFS_SEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum AccelRange {
    /// +-2 g, 16384 LSB/g.
    G2 = 0,
    /// +-4 g, 8192 LSB/g.
    G4 = 1,
    /// +-8 g, 4096 LSB/g.
    G8 = 2,
    /// +-16 g, 2048 LSB/g.
    G16 = 3,
}

impl AccelRange {
    /// Counts per g.
    pub fn lsb_per_g(self) -> f32 {
        16384.0 / (1u32 << self as u32) as f32
    }
}

/// Gyroscope full-scale range (`GYRO_CONFIG.FS_SEL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum GyroRange {
    /// +-250 deg/s, 131 LSB per deg/s.
    Dps250 = 0,
    /// +-500 deg/s, 65.5 LSB per deg/s.
    Dps500 = 1,
    /// +-1000 deg/s, 32.8 LSB per deg/s.
    Dps1000 = 2,
    /// +-2000 deg/s, 16.4 LSB per deg/s.
    Dps2000 = 3,
}

impl GyroRange {
    /// Counts per deg/s.
    pub fn lsb_per_dps(self) -> f32 {
        131.0 / (1u32 << self as u32) as f32
    }
}

/// Digital low-pass filter setting (`CONFIG.DLPF_CFG`); accelerometer bandwidth given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum Dlpf {
    /// 260 Hz (filter off; gyro output rate 8 kHz).
    Hz260 = 0,
    /// 184 Hz.
    Hz184 = 1,
    /// 94 Hz.
    Hz94 = 2,
    /// 44 Hz.
    Hz44 = 3,
    /// 21 Hz.
    Hz21 = 4,
    /// 10 Hz.
    Hz10 = 5,
    /// 5 Hz.
    Hz5 = 6,
}

/// Sensor configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Config {
    /// Accelerometer range.
    pub accel: AccelRange,
    /// Gyroscope range.
    pub gyro: GyroRange,
    /// Low-pass filter.
    pub dlpf: Dlpf,
    /// Sample rate = gyro output rate / (1 + divider); 1 kHz gyro output rate with the filter on.
    pub rate_divider: u8,
}

impl Default for Config {
    /// +-4 g, +-500 deg/s, 44 Hz low-pass, 100 Hz sample rate.
    fn default() -> Self {
        Self {
            accel: AccelRange::G4,
            gyro: GyroRange::Dps500,
            dlpf: Dlpf::Hz44,
            rate_divider: 9,
        }
    }
}

impl Config {
    /// Converts raw counts to SI units (m/s^2, rad/s).
    pub fn to_si(&self, raw: &Raw) -> Sample {
        let a = STANDARD_GRAVITY / self.accel.lsb_per_g();
        let g = core::f32::consts::PI / 180.0 / self.gyro.lsb_per_dps();
        Sample {
            accel: raw.accel.map(|c| f32::from(c) * a),
            gyro: raw.gyro.map(|c| f32::from(c) * g),
        }
    }
}
