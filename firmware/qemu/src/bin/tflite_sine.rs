//! The sine MLP imported from TFLite (`host-tools/tests/data/tflite/sine.tflite`, converted by
//! `equiframe convert sine.tflite -o tflite_sine.eqf --frames none` into `data/tflite_sine.eqf`)
//! on the 256 golden inputs of the TFLite Micro interpreter: every output equal to TFLite
//! Micro's int8 output, bit for bit, and instructions per inference (`Model::run`: quantize the
//! f32 input, three int8 layers, dequantize -- the same work as MicroFlow's `predict`).
//!
//! Inputs are the int8 golden inputs dequantized with the model's input quantization (the
//! engine quantizes them back to the same integers exactly); an output matches when its f32
//! bits equal the dequantized TFLite Micro output, which holds only for the same int8 value.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::engine::Arena;
use equiframe::model::Model;
use equiframe::quant::dequantize;
use equiframe_qemu::pipeline::{output_i8, run_layer, tensor_range};
use equiframe_qemu::{meter, println, Checks};

const BLOB: &[u8] = equiframe::include_model!("../../data/tflite_sine.eqf");
static GOLDEN_IN: &[u8] = include_bytes!("../../../../host-tools/tests/data/tflite/sine_in.npy");
static GOLDEN_OUT: &[u8] = include_bytes!("../../../../host-tools/tests/data/tflite/sine_out.npy");
static mut ARENA: Arena<256> = Arena::new();

/// The data bytes of a version-1 `.npy` file (after its header).
fn npy_data(f: &[u8]) -> &[u8] {
    let hlen = match f.get(8..10) {
        Some(&[a, b]) => usize::from(u16::from_le_bytes([a, b])),
        _ => return &[],
    };
    f.get(10 + hlen..).unwrap_or(&[])
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; the arena is borrowed once, here.
    let arena = unsafe { (*core::ptr::addr_of_mut!(ARENA)).as_mut_slice() };
    let Ok(model) = Model::from_bytes(BLOB) else {
        c.check("tflite-sine/blob-valid", false, "Model::from_bytes failed");
        c.finish()
    };
    let (xs, ys) = (npy_data(GOLDEN_IN), npy_data(GOLDEN_OUT));
    c.check(
        "tflite-sine/goldens-present",
        xs.len() == 256 && ys.len() == 256 && model.output_len() == 1,
        "expected 256 int8 inputs and outputs",
    );
    let ((si, zi), (so, zo)) = (model.input_quant(), model.output_quant());
    let (mut wrong, mut total, mut first) = (0u32, 0u64, None);
    for (i, (&q, &g)) in xs.iter().zip(ys).enumerate() {
        let x = [dequantize(q as i8, si, zi)];
        let mut y = [0.0f32];
        let (r, cost) = meter::measure(|| model.run(&x, arena, &mut y));
        total += cost;
        let want = dequantize(g as i8, so, zo);
        if r.is_err() || y[0].to_bits() != want.to_bits() {
            wrong += 1;
            first.get_or_insert((i, y[0], want));
        }
    }
    let (i, got, want) = first.unwrap_or((0, 0.0, 0.0));
    c.check(
        "tflite-sine/tflm-goldens",
        wrong == 0,
        format_args!("{wrong} of 256 differ from TFLite Micro (first: input {i}: {got} vs {want})"),
    );
    // The backbone alone: the int8 golden input written into tensor 0, the three layers run one
    // by one (`pipeline::run_layer`, the engine's kernels), the int8 output compared directly.
    let (mut wrong_bb, mut bb, mut per_layer) = (0u32, 0u64, [0u64; 3]);
    let t0 = tensor_range(&model, 0, 1);
    for (&q, &g) in xs.iter().zip(ys) {
        if let Some(b) = t0.clone().and_then(|r| arena.get_mut(r)) {
            b.fill(q);
        }
        for (li, acc) in per_layer.iter_mut().enumerate().take(model.layer_count()) {
            let (_, cost) = meter::measure(|| run_layer(&model, li, 1, arena));
            *acc += cost;
            bb += cost;
        }
        if output_i8(&model, 1, arena).and_then(|o| o.first().copied()) != Some(g as i8) {
            wrong_bb += 1;
        }
    }
    c.check(
        "tflite-sine/tflm-goldens-backbone",
        wrong_bb == 0,
        format_args!("{wrong_bb} of 256 int8 backbone outputs differ from TFLite Micro"),
    );
    println!(
        "tflite sine backbone: {} instructions per inference (layers {} / {} / {})",
        bb / 256,
        per_layer[0] / 256,
        per_layer[1] / 256,
        per_layer[2] / 256
    );
    println!(
        "tflite sine: {} instructions per inference (Model::run, mean of 256), blob {} B, arena {} B, {} MACs",
        total / 256,
        model.blob_bytes(),
        model.arena_bytes(),
        model.macs_per_frame()
    );
    c.finish()
}
