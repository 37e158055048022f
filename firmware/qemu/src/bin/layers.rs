//! The format-3 element-wise, norm and window layers on the microcontroller: two int8 blobs
//! written by the host tool (`data/layers_imu.eqf`: input scaling by a constant, depthwise
//! dilated SAME conv, centring, AvgPool1d, grouped conv, last-step Gather as a row broadcast,
//! a row norm as a column broadcast, Flatten -> Dense, Div / Sub by constants;
//! `data/layers_points.eqf`: O(3)-averaged point model with centring, squared norm and norm
//! features) run on the inputs of `data/golden_layers.bin` and must give the desktop engine's
//! outputs bit for bit (the golden file is checked against the host by
//! `host-tools/tests/layers_v3.rs`). Prints the instructions of each `Model::run`.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::engine::Arena;
use equiframe::model::Model;
use equiframe_qemu::{meter, println, Checks};

#[repr(C, align(4))]
struct Aligned<T: ?Sized>(T);

static GOLDEN: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_layers.bin"));
const IMU: &[u8] = equiframe::include_model!("../../data/layers_imu.eqf");
const POINTS: &[u8] = equiframe::include_model!("../../data/layers_points.eqf");

const MAX_VALUES: usize = 1024;
const ARENA: usize = 1 << 14;
static mut SAMPLE: [f32; MAX_VALUES] = [0.0; MAX_VALUES];
static mut ARENA_MEM: Arena<ARENA> = Arena::new();

fn word(b: &[u8], i: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(4 * i..4 * i + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; each static is borrowed once, here.
    let (sample, arena) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(SAMPLE),
            &mut *core::ptr::addr_of_mut!(ARENA_MEM),
        )
    };
    let models = [Model::from_bytes(IMU), Model::from_bytes(POINTS)];
    for (i, m) in models.iter().enumerate() {
        c.check(
            if i == 0 { "layers/imu/validate" } else { "layers/points/validate" },
            m.is_ok(),
            format_args!("{:?}", m.as_ref().err()),
        );
    }
    let g = &GOLDEN.0;
    let mut at = 0usize;
    let mut case = 0;
    while 4 * at < g.len() {
        let (id, rows, ch, k) = (
            word(g, at) as usize,
            word(g, at + 1) as usize,
            word(g, at + 2) as usize,
            word(g, at + 3) as usize,
        );
        at += 4;
        let len = rows * ch;
        let (Some(Ok(model)), true) = (models.get(id), len <= MAX_VALUES && k <= 64) else {
            c.check("layers/golden", false, format_args!("bad record {}", case));
            break;
        };
        for (j, s) in sample.iter_mut().take(len).enumerate() {
            *s = f32::from_bits(word(g, at + j));
        }
        at += len;
        let mut y = [0.0f32; 64];
        let (res, instr) =
            meter::measure(|| model.run(&sample[..len], arena.as_mut_slice(), &mut y[..k]));
        let same = (0..k).all(|j| y[j].to_bits() == word(g, at + j));
        at += k;
        let name = if id == 0 { "imu" } else { "points" };
        println!(
            "layers/{} case {}: {} rows x {} channels, Model::run {} instructions",
            name, case, rows, ch, instr
        );
        c.check(
            if id == 0 { "layers/imu/bit-exact" } else { "layers/points/bit-exact" },
            res.is_ok() && same,
            format_args!("case {}: run {:?}, outputs equal {}", case, res.err(), same),
        );
        case += 1;
    }
    c.check("layers/cases", case == 8, format_args!("{} cases", case));
    c.finish()
}
