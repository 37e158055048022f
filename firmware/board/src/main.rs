//! equiframe on an STM32F411 "black pill" (WeAct v3, 25 MHz crystal) with an MPU-6050 on I2C1
//! (PB8 = SCL, PB9 = SDA, 400 kHz, AD0 low: address 0x68).
//!
//! Samples accelerometer and gyroscope at 100 Hz into the attitude estimator
//! (`equiframe::estimate::attitude`; quaternion, rotation variances and update cycles logged at
//! 10 Hz), and every tenth sample (10 Hz, the rate of the BasicMotions recordings the
//! embedded IMU model was calibrated on) into a 100-row [`SlidingWindow`], and once per second
//! runs the frame-averaged IMU model (SO(3) frame of the accelerometer, 4 frames, int8 backbone
//! on the SMLAD kernels) on the window. Logs the outputs, the predicted class, the eigengap and
//! the DWT cycle counts of the model run and of the sensor read over defmt (RTT).
//!
//! ```sh
//! cd firmware/board && cargo run --release     # flash and log through probe-rs
//! ```
#![no_std]
#![no_main]

use cortex_m::peripheral::DWT;
use cortex_m_rt::entry;
use defmt_rtt as _;
use equiframe::engine::Arena;
use equiframe::estimate::attitude::{Attitude, AttitudeConfig};
use equiframe::frame::SlidingWindow;
use equiframe::model::Model;
use equiframe_imu::{Config, Mpu6050, ADDRESS};
use panic_probe as _;
use stm32f4xx_hal::{i2c::I2c, pac, prelude::*, rcc};

/// Window length (rows) and channels (accel xyz in m/s^2, gyro xyz in rad/s).
const WINDOW: usize = 100;
const CHANNELS: usize = 6;
/// Samples between two model runs (1 s at 10 Hz).
const HOP: u32 = 10;
/// IMU rate of the attitude estimator, Hz; every `DECIMATE`-th sample feeds the 10 Hz window.
const IMU_HZ: u32 = 100;
const DECIMATE: u32 = IMU_HZ / 10;
/// Arena bytes; `Model::arena_bytes` of the embedded IMU model must fit (checked at start).
const ARENA: usize = 8 * 1024;

static MODEL: &[u8] = equiframe::include_model!("../../qemu/data/imu.eqf");

#[entry]
fn main() -> ! {
    let (Some(dp), Some(mut cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else {
        defmt::panic!("peripherals taken twice");
    };
    let mut rcc = dp.RCC.freeze(rcc::Config::hse(25.MHz()).sysclk(100.MHz()));
    let sysclk = rcc.clocks.sysclk().raw();
    cp.DCB.enable_trace();
    cp.DWT.enable_cycle_counter();
    let mut delay = cp.SYST.delay(&rcc.clocks);

    let gpiob = dp.GPIOB.split(&mut rcc);
    let i2c = I2c::new(
        dp.I2C1,
        (gpiob.pb8, gpiob.pb9),
        stm32f4xx_hal::i2c::Mode::fast(400.kHz(), stm32f4xx_hal::i2c::DutyCycle::Ratio2to1),
        &mut rcc,
    );
    let mut imu = match Mpu6050::new(i2c, ADDRESS, Config::default()) {
        Ok(imu) => imu,
        Err(e) => defmt::panic!("MPU-6050 not found: {}", defmt::Debug2Format(&e)),
    };

    let model = match Model::from_bytes(MODEL) {
        Ok(m) => m,
        Err(e) => defmt::panic!("model blob rejected: {}", e),
    };
    if model.arena_bytes() > ARENA || model.output_len() > 8 {
        defmt::panic!(
            "arena {} B / outputs {} exceed the firmware's {} B / 8",
            model.arena_bytes(),
            model.output_len(),
            ARENA
        );
    }
    defmt::info!(
        "equiframe IMU model: {} B blob, {} B arena, {} MACs per frame; sysclk {} Hz",
        model.blob_bytes(),
        model.arena_bytes(),
        model.macs_per_frame(),
        sysclk
    );

    let mut arena = Arena::<ARENA>::new();
    let mut window = SlidingWindow::<WINDOW, CHANNELS>::new();
    let mut out = [0f32; 8];
    let out = &mut out[..model.output_len()];
    let mut since_run = 0u32;
    let mut att = Attitude::new(AttitudeConfig::default());
    let mut tick = 0u32;
    loop {
        let t0 = DWT::cycle_count();
        let sample = imu.read();
        let read_cycles = DWT::cycle_count().wrapping_sub(t0);
        tick = tick.wrapping_add(1);
        let decimated = tick % DECIMATE == 0;
        match sample {
            Ok(s) => {
                let c = s.channels();
                let t0 = DWT::cycle_count();
                let r = att.update([c[3], c[4], c[5]], [c[0], c[1], c[2]], 1.0 / IMU_HZ as f32);
                let att_cycles = DWT::cycle_count().wrapping_sub(t0);
                match r {
                    Ok(step) if decimated => {
                        let p = att.rotation_covariance();
                        defmt::info!(
                            "attitude q {} | variance rad^2 {} {} {} | rest {} | update {} cycles",
                            att.quaternion(),
                            p[0][0],
                            p[1][1],
                            p[2][2],
                            step.at_rest,
                            att_cycles
                        );
                    }
                    Ok(_) => {}
                    Err(e) => defmt::warn!("attitude update refused: {}", e),
                }
                if decimated {
                    if let Err(e) = window.push(&c) {
                        defmt::warn!("sample rejected: {}", e);
                    }
                }
            }
            Err(e) => defmt::warn!("IMU read failed: {}", defmt::Debug2Format(&e)),
        }
        if decimated {
            since_run += 1;
        }
        if decimated && window.is_full() && since_run >= HOP {
            since_run = 0;
            let t0 = DWT::cycle_count();
            let result = model.run(window.samples(), arena.as_mut_slice(), out);
            let cycles = DWT::cycle_count().wrapping_sub(t0);
            match result {
                Ok(report) => {
                    let class =
                        out.iter()
                            .enumerate()
                            .fold(0, |best, (i, &v)| if v > out[best] { i } else { best });
                    defmt::info!(
                        "class {} outputs {} | frames {} gap {} degenerate {} | run {} cycles ({} us), read {} cycles",
                        class,
                        out,
                        report.frames_evaluated,
                        report.rel_gap,
                        report.degenerate,
                        cycles,
                        (cycles as u64 * 1_000_000 / sysclk.max(1) as u64) as u32,
                        read_cycles
                    );
                }
                Err(e) => defmt::warn!("model run failed: {}", e),
            }
        }
        delay.delay_ms(1000 / IMU_HZ);
    }
}
