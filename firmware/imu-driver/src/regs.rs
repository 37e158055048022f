//! MPU-6050 register map (the subset the driver uses).

pub(crate) const SMPLRT_DIV: u8 = 0x19;
pub(crate) const CONFIG: u8 = 0x1A;
pub(crate) const GYRO_CONFIG: u8 = 0x1B;
pub(crate) const ACCEL_CONFIG: u8 = 0x1C;
pub(crate) const ACCEL_XOUT_H: u8 = 0x3B;
pub(crate) const PWR_MGMT_1: u8 = 0x6B;
pub(crate) const WHO_AM_I: u8 = 0x75;

/// `PWR_MGMT_1`: sleep off, clock = PLL with the X gyro reference (recommended by the datasheet).
pub(crate) const PWR_CLKSEL_PLL_GX: u8 = 0x01;

/// `WHO_AM_I` values of register-compatible parts: MPU-6050 (0x68), MPU-6500 (0x70),
/// MPU-9250 (0x71), MPU-9255 (0x73).
pub(crate) const KNOWN_IDS: [u8; 4] = [0x68, 0x70, 0x71, 0x73];
