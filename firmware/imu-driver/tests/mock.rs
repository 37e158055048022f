//! The driver against a mocked I2C bus: the exact transactions, the decoding, the errors.

use embedded_hal::i2c::ErrorKind;
use embedded_hal_mock::eh1::i2c::{Mock, Transaction as T};
use equiframe_imu::{AccelRange, Config, Dlpf, Error, GyroRange, Mpu6050, ADDRESS};

fn init_transactions(who: u8) -> Vec<T> {
    vec![
        T::write_read(ADDRESS, vec![0x75], vec![who]),
        T::write(ADDRESS, vec![0x6B, 0x01]),
        T::write(ADDRESS, vec![0x19, 9]),
        T::write(ADDRESS, vec![0x1A, 3]),
        T::write(ADDRESS, vec![0x1B, 1 << 3]),
        T::write(ADDRESS, vec![0x1C, 1 << 3]),
    ]
}

#[test]
fn init_writes_the_configuration() {
    let mut bus = Mock::new(&init_transactions(0x68));
    let dev = Mpu6050::new(bus.clone(), ADDRESS, Config::default()).expect("init");
    assert_eq!(dev.config(), Config::default());
    bus.done();
}

#[test]
fn rejects_an_unknown_chip() {
    let mut bus = Mock::new(&[T::write_read(ADDRESS, vec![0x75], vec![0x12])]);
    let err = Mpu6050::new(bus.clone(), ADDRESS, Config::default()).expect_err("wrong chip");
    assert_eq!(err, Error::WrongChip { who_am_i: 0x12 });
    assert!(err.to_string().contains("0x12"));
    bus.done();
}

#[test]
fn accepts_mpu6500() {
    let mut bus = Mock::new(&init_transactions(0x70));
    assert!(Mpu6050::new(bus.clone(), ADDRESS, Config::default()).is_ok());
    bus.done();
}

#[test]
fn bus_error_is_returned() {
    let mut bus =
        Mock::new(&[T::write_read(ADDRESS, vec![0x75], vec![0x68]).with_error(ErrorKind::Other)]);
    let err = Mpu6050::new(bus.clone(), ADDRESS, Config::default()).expect_err("bus error");
    assert_eq!(err, Error::Bus(ErrorKind::Other));
    bus.done();
}

#[test]
fn burst_read_decodes_big_endian_counts_and_scales() {
    let cfg = Config {
        accel: AccelRange::G2,
        gyro: GyroRange::Dps250,
        dlpf: Dlpf::Hz260,
        rate_divider: 0,
    };
    let mut t = vec![
        T::write_read(ADDRESS, vec![0x75], vec![0x68]),
        T::write(ADDRESS, vec![0x6B, 0x01]),
        T::write(ADDRESS, vec![0x19, 0]),
        T::write(ADDRESS, vec![0x1A, 0]),
        T::write(ADDRESS, vec![0x1B, 0]),
        T::write(ADDRESS, vec![0x1C, 0]),
    ];
    // ax = +1 g (16384), ay = -1 g, az = 0x0102, temp = -1, gx = 131 (1 deg/s), gy = -262, gz = 0
    let bytes = vec![
        0x40, 0x00, 0xC0, 0x00, 0x01, 0x02, 0xFF, 0xFF, 0x00, 0x83, 0xFE, 0xFA, 0x00, 0x00,
    ];
    t.push(T::write_read(ADDRESS, vec![0x3B], bytes.clone()));
    t.push(T::write_read(ADDRESS, vec![0x3B], bytes));
    let bus = Mock::new(&t);
    let mut dev = Mpu6050::new(bus.clone(), ADDRESS, cfg).expect("init");
    let raw = dev.read_raw().expect("raw");
    assert_eq!(raw.accel, [16384, -16384, 0x0102]);
    assert_eq!(raw.temp, -1);
    assert_eq!(raw.gyro, [131, -262, 0]);
    let s = dev.read().expect("sample");
    assert!((s.accel[0] - 9.80665).abs() < 1e-5, "{:?}", s);
    assert!((s.accel[1] + 9.80665).abs() < 1e-5, "{:?}", s);
    let one_dps = core::f32::consts::PI / 180.0;
    assert!((s.gyro[0] - one_dps).abs() < 1e-7, "{:?}", s);
    assert!((s.gyro[1] + 2.0 * one_dps).abs() < 1e-7, "{:?}", s);
    assert_eq!(s.channels()[0], s.accel[0]);
    assert_eq!(s.channels()[4], s.gyro[1]);
    let mut bus = dev.release();
    bus.done();
}

#[test]
fn ranges_scale_by_powers_of_two() {
    assert_eq!(AccelRange::G16.lsb_per_g(), 2048.0);
    assert_eq!(GyroRange::Dps2000.lsb_per_dps(), 16.375);
}
