//! Driver errors.

use core::fmt;

/// What can go wrong talking to the sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error<E> {
    /// The I2C transaction failed.
    Bus(E),
    /// `WHO_AM_I` returned an identity that is not a supported part.
    WrongChip {
        /// The value read from `WHO_AM_I`.
        who_am_i: u8,
    },
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bus(e) => write!(f, "I2C bus error: {e:?}"),
            Error::WrongChip { who_am_i } => {
                write!(f, "WHO_AM_I = {who_am_i:#04x}: not an MPU-6050/6500/9250")
            }
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}
