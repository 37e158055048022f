//! The frame computation on rows the optimiser cannot see: moments, eigendecomposition, frame
//! set (every group, both axis orders, robust mode), the canonical (sign-rule) frame,
//! canonicalization, the sliding window and the fixed-point frame path. Links only if all of it
//! keeps no panic path.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::frame::fixed::{FixedFrameSet, I16F16, I2F30};
use equiframe::frame::{AxisOrder, FrameOptions, Group, InputSchema, Robust, SlidingWindow};
use equiframe_nopanic::{exit, noise};

const N: usize = 256;

#[entry]
fn main() -> ! {
    let mut seed = black_box(0x1234_5678u32);
    let mut x = [0f32; N * 4];
    x.iter_mut().for_each(|v| *v = noise(&mut seed));
    let rows = black_box(N);
    let mut ok = true;
    let mut out = [0f32; N * 4];
    for (group, dim) in [
        (Group::O3, 3),
        (Group::SO3, 3),
        (Group::O2, 2),
        (Group::SO2, 2),
    ] {
        let channels = black_box(dim + 1);
        let Ok(schema) = InputSchema::points(black_box(dim), channels) else {
            exit(false)
        };
        let sample = x.get(..rows * channels).unwrap_or(&[]);
        for order in [AxisOrder::Descending, AxisOrder::Ascending] {
            for robust in [Robust::Off, Robust::Average] {
                let mut opts = FrameOptions::with_group(group);
                opts.order = order;
                opts.robust = robust;
                let opts = black_box(opts);
                let set = schema.frame_set(sample, &opts);
                ok &= set.is_ok();
                if let Ok(set) = set {
                    for f in set.frames() {
                        let dst = out.get_mut(..sample.len()).unwrap_or(&mut []);
                        ok &= schema.canonicalize(f, sample, dst).is_ok();
                    }
                }
                ok &= schema.canonical_frame(sample, &opts).is_ok();
            }
        }
    }
    // IMU window: accelerometer as the frame vector, gyroscope axial.
    let imu = black_box(InputSchema::imu());
    let mut w: SlidingWindow<64, 6> = SlidingWindow::new();
    for r in x.chunks_exact(6).take(black_box(80)) {
        let mut row = [0f32; 6];
        row.copy_from_slice(r);
        ok &= w.push(&row).is_ok();
    }
    ok &= w
        .frame_set(&imu, &FrameOptions::with_group(Group::SO3))
        .is_ok();
    // Fixed-point frame path.
    let mut q = [I16F16::ZERO; N * 3];
    for (d, s) in q.iter_mut().zip(x.iter()) {
        *d = I16F16::checked_from_num(*s).unwrap_or(I16F16::ZERO);
    }
    let fixed = FixedFrameSet::of_points(
        &q,
        black_box(3),
        black_box(0),
        black_box(Group::O3),
        AxisOrder::Descending,
        I2F30::from_bits(black_box(1 << 20)),
    );
    ok &= fixed.is_ok();
    black_box(&out);
    exit(ok)
}
