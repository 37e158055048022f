//! The whole pipeline -- validate, frames, every layer kind the engine dispatches, averaging --
//! through `Model::run` on blobs and inputs the optimiser cannot see. The engine dispatches on
//! the op code read from the blob, so every layer kind's kernel is linked whatever the shipped
//! blobs hold. Links only if none of it keeps a panic path.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::model::Model;
use equiframe_nopanic::{blobs, exit, noise};

#[repr(C, align(16))]
struct Arena([u8; 96 * 1024]);

#[entry]
fn main() -> ! {
    let mut arena = Arena([0; 96 * 1024]);
    let mut seed = black_box(7u32);
    let mut x = [0f32; 512 * 6];
    x.iter_mut().for_each(|v| *v = noise(&mut seed));
    let mut y = [0f32; 64];
    let mut ok = true;
    for b in blobs() {
        let Ok(m) = Model::from_bytes(black_box(b)) else {
            exit(false)
        };
        let n = match m.points_mode() {
            equiframe::model::PointsMode::Fixed => m.max_points(),
            _ => m.max_points().min(black_box(512)),
        };
        let input = x.get(..n * m.input_channels()).unwrap_or(&[]);
        let out = y.get_mut(..m.output_len()).unwrap_or(&mut []);
        let r = m.run(input, &mut arena.0, out);
        ok &= r.is_ok();
        black_box(r.ok());
    }
    black_box(&y);
    exit(ok)
}
