//! The activation-type layers on the microcontroller: an int8 point-set model using LOGISTIC,
//! TANH, SOFTMAX, LOG_SOFTMAX, lookup-table functions (GELU, SiLU, HardSwish, ELU, Softplus)
//! and layer normalization (`data/activations.eqf`, written by the host tool's quantizer) runs
//! on embedded inputs, and each kernel runs on every int8 input with its prepare-time constants
//! computed here; every output must equal the desktop's bit for bit
//! (`data/golden_activations.bin`, written by `host-tools/tests/activation_layers.rs`), and the
//! instructions of each kernel and of one inference are printed.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::engine::{run, Arena};
use equiframe::kernels::*;
use equiframe::model::Model;
use equiframe_qemu::{meter, println, Checks};

#[repr(C, align(4))]
struct Aligned<T: ?Sized>(T);

const MODEL: &[u8] = equiframe::include_model!("../../data/activations.eqf");
static GOLDEN: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_activations.bin"));
static mut ARENA_MEM: Arena<{ 1 << 14 }> = Arena::new();

fn word(i: usize) -> u32 {
    let b = GOLDEN.0.get(4 * i..4 * i + 4).unwrap_or(&[0; 4]);
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// The kernels' shared test input: every int8 value once, as 32 rows of 8 channels.
fn all256() -> [i8; 256] {
    core::array::from_fn(|i| (i as i32 - 128) as i8)
}

/// One kernel's prepare-time constants (computed on the device, from the same scales as
/// `kernel_outputs` in the host test).
enum Prepared {
    Logistic(SigmoidParams),
    Tanh(SigmoidParams),
    Softmax(SoftmaxParams),
    LogSoftmax(LogSoftmaxParams),
    Lut([i8; 256]),
    LayerNorm([i32; 24], i32),
    Failed,
}

fn prepare(index: usize) -> Prepared {
    let r = match index {
        0 => SigmoidParams::from_scale(0.05, 3).map(Prepared::Logistic),
        1 => SigmoidParams::from_scale(0.05, 3).map(Prepared::Tanh),
        2 => SoftmaxParams::from_scale(1.0, 0.1).map(Prepared::Softmax),
        3 => LogSoftmaxParams::from_scale(0.1).map(Prepared::LogSoftmax),
        4 => Ok(Prepared::Lut(build_table(
            ElementFn::Gelu,
            0.05,
            3,
            0.03,
            -20,
        ))),
        _ => {
            let mut ln = [0i32; 24];
            for c in 0..8 {
                let g = 0.5 + 0.125 * c as f32;
                let b = 0.0625 * c as f32 - 0.25;
                ln[3 * c..3 * c + 3].copy_from_slice(&layer_norm_channel(g, b, 0.02));
            }
            Ok(Prepared::LayerNorm(ln, layer_norm_eps_q8(1e-5, 0.05)))
        }
    };
    r.unwrap_or(Prepared::Failed)
}

/// Runs a prepared kernel on `x` (32 rows of 8 channels where rows matter).
fn apply(p: &Prepared, x: &[i8; 256], y: &mut [i8; 256]) {
    match p {
        Prepared::Logistic(p) => logistic_i8(x, p, y),
        Prepared::Tanh(p) => tanh_i8(x, p, y),
        Prepared::Softmax(p) => softmax_i8(x, 32, 8, p, y),
        Prepared::LogSoftmax(p) => log_softmax_i8(x, 32, 8, p, y),
        Prepared::Lut(t) => lut_i8(x, t, y),
        Prepared::LayerNorm(ch, eps_q8) => {
            let p = LayerNormParams {
                in_zero_point: 3,
                out_zero_point: -5,
                eps_q8: *eps_q8,
                channels: ch,
            };
            layer_norm_i8(x, 32, 8, &p, y);
        }
        Prepared::Failed => {}
    }
}

const KERNELS: [&str; 6] = [
    "activations/logistic",
    "activations/tanh",
    "activations/softmax",
    "activations/log_softmax",
    "activations/lut_gelu",
    "activations/layer_norm",
];

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; the static is borrowed once, here.
    let arena = unsafe { (*core::ptr::addr_of_mut!(ARENA_MEM)).as_mut_slice() };
    let ok_header = word(0) == u32::from_le_bytes(*b"EQFA") && word(1) == 1;
    let (samples, values, k) = (word(2) as usize, word(3) as usize, word(4) as usize);
    c.check(
        "activations/golden-header",
        ok_header,
        "bad golden_activations.bin",
    );
    let Ok(model) = Model::from_bytes(MODEL) else {
        c.check("activations/blob-valid", false, "Model::from_bytes failed");
        c.finish()
    };
    c.check(
        "activations/blob-valid",
        model.format_version() == 3
            && model.output_len() == k
            && model.arena_bytes() <= arena.len(),
        "version, outputs or arena",
    );
    println!(
        "activations model: {} B blob, {} B arena, {} layers, {} MACs/frame",
        model.blob_bytes(),
        model.arena_bytes(),
        model.layer_count(),
        model.macs_per_frame()
    );
    // The whole model on each embedded sample.
    let mut x = [0.0f32; 64];
    let mut y = [0.0f32; 8];
    let mut off = 5;
    let mut bad = 0usize;
    let mut cost = 0u64;
    for s in 0..samples {
        for (i, v) in x.iter_mut().take(values).enumerate() {
            *v = f32::from_bits(word(off + i));
        }
        off += values;
        let (res, n) = meter::measure(|| run(&model, &x[..values], arena, &mut y[..k]));
        if s == 0 {
            cost = n;
        }
        if res.is_err() {
            bad += k;
        }
        for (i, v) in y.iter().take(k).enumerate() {
            if v.to_bits() != word(off + i) {
                bad += 1;
            }
        }
        off += k;
    }
    c.check(
        "activations/model-bit-exact",
        bad == 0 && samples > 0,
        format_args!("{} of {} outputs differ", bad, samples * k),
    );
    println!(
        "activations model: {} instructions per inference ({} frames)",
        cost,
        model.group().frame_count()
    );
    // Each kernel on every int8 input.
    let input = all256();
    for (index, name) in KERNELS.iter().enumerate() {
        let mut out = [0i8; 256];
        let (prep, np) = meter::measure(|| prepare(index));
        let ((), n) = meter::measure(|| apply(&prep, &input, &mut out));
        let mut diff = 0;
        for (i, &v) in out.iter().enumerate() {
            let w = word(off + i / 4).to_le_bytes()[i % 4] as i8;
            diff += usize::from(v != w);
        }
        off += 64;
        println!(
            "kernel {}: {} instructions for 256 values ({} to prepare)",
            name, n, np
        );
        c.check(
            name,
            diff == 0,
            format_args!("{} of 256 outputs differ", diff),
        );
    }
    // Long inputs go through a 256-entry table built with the same integer kernel.
    let long: [i8; 2048] = core::array::from_fn(|i| input[i % 256]);
    let mut long_out = [0i8; 2048];
    if let Ok(p) = SigmoidParams::from_scale(0.05, 3) {
        let ((), n) = meter::measure(|| logistic_i8(&long, &p, &mut long_out));
        let same = long_out
            .iter()
            .enumerate()
            .all(|(i, &v)| v == logistic_one(long[i], &p));
        println!(
            "kernel activations/logistic: {} instructions for 2048 values",
            n
        );
        c.check(
            "activations/logistic-table",
            same,
            "table path differs from the direct path",
        );
    }
    c.finish()
}
