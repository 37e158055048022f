//! The Cortex-M DSP int8 kernels against the portable ones: bit-identical on random layers and
//! on extreme values, and instructions per multiply-accumulate on the 64x64 pointwise layer.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::kernels::{self, dsp, QParams};
use equiframe_qemu::{meter, println, rng::Rng, Checks};

const MAXN: usize = 32;
const MAXC: usize = 96;

struct Layer {
    w: [i8; MAXC * MAXC],
    bias: [i32; MAXC],
    mult: [i32; MAXC],
    shift: [i32; MAXC],
}

static mut LAYER: Layer = Layer {
    w: [0; MAXC * MAXC],
    bias: [0; MAXC],
    mult: [0; MAXC],
    shift: [0; MAXC],
};
static mut INPUT: [i8; MAXN * MAXC] = [0; MAXN * MAXC];
static mut OUT_REF: [i8; MAXN * MAXC] = [0; MAXN * MAXC];
static mut OUT_DSP: [i8; MAXN * MAXC] = [0; MAXN * MAXC];
static mut PACKED: [u32; 8192] = [0; 8192];

fn randomize(rng: &mut Rng, l: &mut Layer, x: &mut [i8], extreme: bool) {
    if extreme {
        l.w.fill(-127);
        x.fill(-128);
    } else {
        rng.fill_i8(&mut l.w, -127, 127);
        rng.fill_i8(x, -128, 127);
    }
    for c in 0..MAXC {
        l.bias[c] = rng.range(-40_000, 40_000);
        l.mult[c] = rng.range(1 << 30, i32::MAX);
        // Mostly right shifts (scales below one); a few zero / left shifts.
        l.shift[c] = rng.range(-14, 1);
        // Edge cases of the requantization: huge biases, extreme shifts, negative and
        // i32::MIN multipliers.
        match rng.range(0, 18) {
            0 => l.bias[c] = rng.range(i32::MIN, i32::MAX),
            1 => l.shift[c] = rng.range(-40, -20),
            2 => l.mult[c] = rng.range(i32::MIN, -1),
            3 => l.mult[c] = i32::MIN,
            4 => l.shift[c] = rng.range(2, 40),
            // The largest biases of the one-instruction (SMMLAR) requantization, which keeps
            // every accumulator below 2^30 in magnitude, and just past them.
            5 => l.bias[c] = (1 << 30) - 1 - (MAXC as i32) * (1 << 14),
            6 => l.bias[c] = -((1 << 30) - 1 - (MAXC as i32) * (1 << 14)),
            7 => l.bias[c] = (1 << 30) - rng.range(0, 1 << 20),
            8 => l.shift[c] = -31,
            _ => {}
        }
    }
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; these statics are only used from `main`, one borrow each.
    let (l, x, o_ref, o_dsp, packed) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(LAYER),
            &mut *core::ptr::addr_of_mut!(INPUT),
            &mut *core::ptr::addr_of_mut!(OUT_REF),
            &mut *core::ptr::addr_of_mut!(OUT_DSP),
            &mut *core::ptr::addr_of_mut!(PACKED),
        )
    };
    let mut rng = Rng::new(0x5EED_1234);

    // ---- bit-identity on random shapes
    let shapes: [(usize, usize, usize); 14] = [
        (1, 1, 1),
        (3, 3, 64),
        (2, 4, 4),
        (3, 5, 7),
        (1, 7, 9),
        (4, 8, 16),
        (2, 9, 5),
        (5, 16, 31),
        (3, 31, 17),
        (8, 64, 64),
        (2, 65, 3),
        (1, 96, 96),
        (6, 6, 64),
        (32, 64, 64),
    ];
    let mut mismatches = 0u32;
    let mut cases = 0u32;
    for (trial, &(n, cin, cout)) in shapes.iter().cycle().take(shapes.len() * 3).enumerate() {
        let extreme = trial % 7 == 6;
        randomize(&mut rng, l, &mut x[..], extreme);
        let (act_min, act_max) = match trial % 3 {
            0 => (-128, 127),
            1 => (rng.range(-128, 0), 127),
            _ => (rng.range(-128, -20), rng.range(0, 127)),
        };
        let q = QParams {
            bias: &l.bias[..cout],
            multiplier: &l.mult[..cout],
            shift: &l.shift[..cout],
            out_zero_point: rng.range(-128, 127),
            act_min,
            act_max,
        };
        let (xi, w) = (&x[..n * cin], &l.w[..cin * cout]);
        o_ref.fill(0);
        kernels::pointwise_i8_portable(xi, n, w, cin, cout, &q, &mut o_ref[..n * cout]);
        o_dsp.fill(1);
        dsp::pointwise_i8_sxtb16(xi, n, w, cin, cout, &q, &mut o_dsp[..n * cout]);
        if o_ref[..n * cout] != o_dsp[..n * cout] {
            mismatches += 1;
            println!(
                "mismatch: sxtb16 pointwise n={} cin={} cout={}",
                n, cin, cout
            );
        }
        o_dsp.fill(1);
        // What the engine calls (`kernels::pointwise_i8` dispatches to `dsp::pointwise_i8`).
        kernels::pointwise_i8(xi, n, w, cin, cout, &q, &mut o_dsp[..n * cout]);
        if o_ref[..n * cout] != o_dsp[..n * cout] {
            mismatches += 1;
            println!(
                "mismatch: grouped pointwise n={} cin={} cout={}",
                n, cin, cout
            );
        }
        if dsp::pack_weights(w, cin, cout, &mut packed[..]).is_ok() {
            o_dsp.fill(1);
            dsp::pointwise_i8_packed(xi, n, &packed[..], cin, cout, &q, &mut o_dsp[..n * cout]);
            if o_ref[..n * cout] != o_dsp[..n * cout] {
                mismatches += 1;
                println!(
                    "mismatch: packed pointwise n={} cin={} cout={}",
                    n, cin, cout
                );
            }
        } else {
            mismatches += 1;
            println!("pack_weights failed for cin={} cout={}", cin, cout);
        }
        // fused with max pooling over the points
        let (mut m_ref, mut m_dsp) = ([0i8; MAXC], [1i8; MAXC]);
        kernels::pointwise_max_i8_portable(xi, n, w, cin, cout, &q, &mut m_ref[..cout]);
        kernels::pointwise_max_i8(xi, n, w, cin, cout, &q, &mut m_dsp[..cout]);
        if m_ref[..cout] != m_dsp[..cout] {
            mismatches += 1;
            println!("mismatch: pointwise max n={} cin={} cout={}", n, cin, cout);
        }
        // dense = one point
        kernels::dense_i8_portable(&xi[..cin], w, cin, cout, &q, &mut o_ref[..cout]);
        dsp::dense_i8_sxtb16(&xi[..cin], w, cin, cout, &q, &mut o_dsp[..cout]);
        let mut ok = o_ref[..cout] == o_dsp[..cout];
        kernels::dense_i8(&xi[..cin], w, cin, cout, &q, &mut o_dsp[..cout]);
        ok &= o_ref[..cout] == o_dsp[..cout];
        dsp::dense_i8_packed(&xi[..cin], &packed[..], cin, cout, &q, &mut o_dsp[..cout]);
        ok &= o_ref[..cout] == o_dsp[..cout];
        if !ok {
            mismatches += 1;
            println!("mismatch: dense cin={} cout={}", cin, cout);
        }
        cases += 1;
    }
    c.check(
        "dsp/bit-identical",
        mismatches == 0,
        format_args!("{} mismatching layers of {}", mismatches, cases),
    );

    // ---- cost on the 64x64 pointwise layer, 32 points
    let (n, cin, cout) = (32usize, 64usize, 64usize);
    randomize(&mut rng, l, &mut x[..], false);
    // Parameters as a converted model has them: real scale s_in * s_w / s_out below one (for
    // every channel: the small layers below go up to MAXC).
    for ch in 0..MAXC {
        l.bias[ch] = rng.range(-20_000, 20_000);
        l.mult[ch] = rng.range(1 << 30, i32::MAX);
        l.shift[ch] = rng.range(-10, -1);
    }
    let q = QParams {
        bias: &l.bias,
        multiplier: &l.mult,
        shift: &l.shift,
        out_zero_point: -5,
        act_min: -128,
        act_max: 127,
    };
    let macs = (n * cin * cout) as u64;
    let (xi, w) = (&x[..n * cin], &l.w[..cin * cout]);
    let (_, portable) = meter::measure(|| {
        kernels::pointwise_i8_portable(xi, n, w, cin, cout, &q, &mut o_ref[..n * cout])
    });
    let (_, dropin) = meter::measure(|| {
        dsp::pointwise_i8_sxtb16(xi, n, w, cin, cout, &q, &mut o_dsp[..n * cout])
    });
    let mut same_dropin = o_ref[..n * cout] == o_dsp[..n * cout];
    o_dsp.fill(0);
    let (_, grouped) =
        meter::measure(|| kernels::pointwise_i8(xi, n, w, cin, cout, &q, &mut o_dsp[..n * cout]));
    same_dropin &= o_ref[..n * cout] == o_dsp[..n * cout];
    let (_, pack) = meter::measure(|| dsp::pack_weights(w, cin, cout, &mut packed[..]));
    let (_, packed_cost) = meter::measure(|| {
        dsp::pointwise_i8_packed(xi, n, &packed[..], cin, cout, &q, &mut o_dsp[..n * cout])
    });
    let same_packed = o_ref[..n * cout] == o_dsp[..n * cout];
    let per = |i: u64| (i * 1000 / macs) as u32;
    println!("pointwise 64x64, {} points, {} MACs:", n, macs);
    println!(
        "  portable      {:>8} instructions  {}.{:03} per MAC",
        portable,
        per(portable) / 1000,
        per(portable) % 1000
    );
    println!(
        "  dsp sxtb16    {:>8} instructions  {}.{:03} per MAC",
        dropin,
        per(dropin) / 1000,
        per(dropin) % 1000
    );
    println!(
        "  dsp (engine)  {:>8} instructions  {}.{:03} per MAC (raw blob weights, packed per group on the stack)",
        grouped,
        per(grouped) / 1000,
        per(grouped) % 1000
    );
    println!(
        "  dsp packed    {:>8} instructions  {}.{:03} per MAC (packing once: {} instructions)",
        packed_cost,
        per(packed_cost) / 1000,
        per(packed_cost) % 1000,
        pack
    );
    c.check(
        "dsp/64x64-same-output",
        same_dropin && same_packed,
        "outputs differ",
    );
    c.check(
        "dsp/64x64-packed-faster",
        packed_cost < portable,
        format_args!("{} >= {}", packed_cost, portable),
    );

    // ---- small layers: the engine kernel must never cost more than the portable one
    // Both sides of the grouped kernel's threshold (`grouped_pays`); the first three are the
    // TFLite sine model's dense layers. Where the engine falls back to the portable kernel it
    // runs the same code plus its dispatch (about 25 instructions): hence the allowance of
    // 32 instructions and 2 %.
    let small: [(usize, usize, usize); 12] = [
        (1, 1, 16),
        (1, 16, 16),
        (1, 16, 1),
        (1, 96, 96),
        (2, 8, 16),
        (2, 32, 32),
        (2, 64, 64),
        (3, 16, 16),
        (4, 4, 16),
        (4, 16, 16),
        (8, 1, 16),
        (16, 3, 16),
    ];
    let mut slower = 0u32;
    println!("small layers (n x cin -> cout): portable / dsp engine instructions");
    for &(n, cin, cout) in &small {
        let (xi, w) = (&x[..n * cin], &l.w[..cin * cout]);
        let (_, portable) = meter::measure(|| {
            kernels::pointwise_i8_portable(xi, n, w, cin, cout, &q, &mut o_ref[..n * cout])
        });
        let (_, engine) = meter::measure(|| {
            kernels::pointwise_i8(xi, n, w, cin, cout, &q, &mut o_dsp[..n * cout])
        });
        let same = o_ref[..n * cout] == o_dsp[..n * cout];
        if engine > portable + portable / 50 + 32 || !same {
            slower += 1;
        }
        println!(
            "  {:>2} x {:>2} -> {:>2}  {:>6} / {:>6}{}",
            n,
            cin,
            cout,
            portable,
            engine,
            if same { "" } else { "  (outputs differ)" }
        );
    }
    c.check(
        "dsp/small-not-slower",
        slower == 0,
        format_args!(
            "{} small layers slower (beyond 32 instructions + 2 %) or different",
            slower
        ),
    );
    c.finish()
}
