//! A small `no_std` driver for the InvenSense MPU-6050 (and register-compatible MPU-6500 /
//! MPU-9250 accel+gyro part) over any [`embedded_hal::i2c::I2c`] bus.
//!
//! It does what a sliding-window classifier needs and nothing more: check the chip identity,
//! wake it, set the full-scale ranges, the digital low-pass filter and the sample rate, and read
//! one 6-axis sample in SI units (accelerometer in m/s^2, gyroscope in rad/s) with a single
//! 14-byte burst read. No allocation, no panics; every bus error is returned.
#![no_std]
#![deny(missing_docs)]

mod config;
mod error;
mod regs;

pub use config::{AccelRange, Config, Dlpf, GyroRange};
pub use error::Error;

use embedded_hal::i2c::I2c;

/// The default 7-bit I2C address (AD0 low); [`ADDRESS_ALT`] with AD0 high.
pub const ADDRESS: u8 = 0x68;
/// The alternative 7-bit I2C address (AD0 high).
pub const ADDRESS_ALT: u8 = 0x69;
/// Standard gravity, m/s^2 per g.
pub const STANDARD_GRAVITY: f32 = 9.806_65;

/// One 6-axis sample in SI units, sensor axes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sample {
    /// Specific force, m/s^2 (x, y, z).
    pub accel: [f32; 3],
    /// Angular rate, rad/s (x, y, z).
    pub gyro: [f32; 3],
}

impl Sample {
    /// The sample as 6 channels `[ax, ay, az, gx, gy, gz]` (equiframe's IMU schema order).
    pub fn channels(&self) -> [f32; 6] {
        let [ax, ay, az] = self.accel;
        let [gx, gy, gz] = self.gyro;
        [ax, ay, az, gx, gy, gz]
    }
}

/// Raw register counts of one sample (big-endian registers decoded), with temperature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Raw {
    /// Accelerometer counts x, y, z.
    pub accel: [i16; 3],
    /// Temperature counts.
    pub temp: i16,
    /// Gyroscope counts x, y, z.
    pub gyro: [i16; 3],
}

/// An MPU-6050 on an I2C bus.
#[derive(Debug)]
pub struct Mpu6050<I2C> {
    i2c: I2C,
    address: u8,
    config: Config,
}

impl<I2C: I2c> Mpu6050<I2C> {
    /// Checks `WHO_AM_I`, wakes the chip (PLL on the gyro X clock) and applies `config`.
    pub fn new(i2c: I2C, address: u8, config: Config) -> Result<Self, Error<I2C::Error>> {
        let mut dev = Self {
            i2c,
            address,
            config,
        };
        let who = dev.read_reg(regs::WHO_AM_I)?;
        if !regs::KNOWN_IDS.contains(&who) {
            return Err(Error::WrongChip { who_am_i: who });
        }
        dev.write_reg(regs::PWR_MGMT_1, regs::PWR_CLKSEL_PLL_GX)?;
        dev.apply(config)?;
        Ok(dev)
    }

    /// Writes the sample rate divider, low-pass filter and full-scale ranges.
    pub fn apply(&mut self, config: Config) -> Result<(), Error<I2C::Error>> {
        self.write_reg(regs::SMPLRT_DIV, config.rate_divider)?;
        self.write_reg(regs::CONFIG, config.dlpf as u8)?;
        self.write_reg(regs::GYRO_CONFIG, (config.gyro as u8) << 3)?;
        self.write_reg(regs::ACCEL_CONFIG, (config.accel as u8) << 3)?;
        self.config = config;
        Ok(())
    }

    /// The configuration in force.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Reads accel, temperature and gyro counts in one 14-byte burst from `ACCEL_XOUT_H`.
    pub fn read_raw(&mut self) -> Result<Raw, Error<I2C::Error>> {
        let mut b = [0u8; 14];
        self.i2c
            .write_read(self.address, &[regs::ACCEL_XOUT_H], &mut b)
            .map_err(Error::Bus)?;
        let word = |i: usize| i16::from_be_bytes([b[2 * i], b[2 * i + 1]]);
        Ok(Raw {
            accel: [word(0), word(1), word(2)],
            temp: word(3),
            gyro: [word(4), word(5), word(6)],
        })
    }

    /// Reads one sample in SI units (m/s^2, rad/s) with the configured ranges.
    pub fn read(&mut self) -> Result<Sample, Error<I2C::Error>> {
        let raw = self.read_raw()?;
        Ok(self.config.to_si(&raw))
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.i2c
    }

    fn read_reg(&mut self, reg: u8) -> Result<u8, Error<I2C::Error>> {
        let mut v = [0u8; 1];
        self.i2c
            .write_read(self.address, &[reg], &mut v)
            .map_err(Error::Bus)?;
        Ok(v[0])
    }

    fn write_reg(&mut self, reg: u8, value: u8) -> Result<(), Error<I2C::Error>> {
        self.i2c
            .write(self.address, &[reg, value])
            .map_err(Error::Bus)
    }
}
