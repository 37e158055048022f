//! Every SIMD backend available on this CPU against the scalar kernels, bit for bit, on random
//! shapes (odd channel counts exercise the padding), random per-channel parameters including
//! negative multipliers and left shifts, and extreme accumulators for the requantization.
#![cfg(feature = "std")]

use equiframe::batch::simd::{self, Backend};
use equiframe::kernels::{self, QParams};
use equiframe::quant::quantize_multiplier;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    n: usize,
    cin: usize,
    cout: usize,
    x: Vec<i8>,
    w: Vec<i8>,
    bias: Vec<i32>,
    mult: Vec<i32>,
    shift: Vec<i32>,
    zp: i32,
    act: (i32, i32),
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..70,
        1usize..80,
        1usize..70,
        -128i32..=127,
        any::<bool>(),
    )
        .prop_flat_map(|(n, cin, cout, zp, relu)| {
            (
                prop::collection::vec(any::<i8>(), n * cin),
                prop::collection::vec(-127i8..=127, cout * cin),
                prop::collection::vec(-50_000i32..50_000, cout),
                prop::collection::vec((1e-6f64..4.0, any::<bool>()), cout),
            )
                .prop_map(move |(x, w, bias, reals)| {
                    let (mult, shift) = reals
                        .iter()
                        .map(|&(r, neg)| {
                            let (m, s) = quantize_multiplier(r);
                            (if neg { -m } else { m }, s)
                        })
                        .unzip();
                    Case {
                        n,
                        cin,
                        cout,
                        x,
                        w,
                        bias,
                        mult,
                        shift,
                        zp,
                        act: if relu { (zp, 127) } else { (-128, 127) },
                    }
                })
        })
}

fn q(c: &Case) -> QParams<'_> {
    QParams {
        bias: &c.bias,
        multiplier: &c.mult,
        shift: &c.shift,
        out_zero_point: c.zp,
        act_min: c.act.0,
        act_max: c.act.1,
    }
}

#[test]
fn reports_backends() {
    let all = Backend::available();
    println!(
        "available backends: {all:?}, detected: {:?}",
        Backend::detect()
    );
    assert_eq!(all.first(), Some(&Backend::Scalar));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn pointwise_bit_identical(c in case()) {
        let mut want = vec![0i8; c.n * c.cout];
        kernels::pointwise_i8(&c.x, c.n, &c.w, c.cin, c.cout, &q(&c), &mut want);
        let mut want_max = vec![0i8; c.cout];
        kernels::pointwise_max_i8(&c.x, c.n, &c.w, c.cin, c.cout, &q(&c), &mut want_max);
        for b in Backend::available() {
            let mut got = vec![0i8; c.n * c.cout];
            simd::pointwise_i8(b, &c.x, c.n, &c.w, c.cin, c.cout, &q(&c), &mut got);
            prop_assert_eq!(&got, &want, "pointwise on {:?}", b);
            let mut got_max = vec![0i8; c.cout];
            simd::pointwise_max_i8(b, &c.x, c.n, &c.w, c.cin, c.cout, &q(&c), &mut got_max);
            prop_assert_eq!(&got_max, &want_max, "pointwise_max on {:?}", b);
        }
    }

    #[test]
    fn requantization_bit_identical_on_extremes(
        c in case(),
        acc_bits in prop::collection::vec(any::<u32>(), 1..300),
        left in prop::collection::vec(0i32..=31, 70),
    ) {
        // full-range accumulators, biases and shifts (left shifts wrap, right shifts up to 31)
        let mut c = c;
        for (i, s) in c.shift.iter_mut().enumerate() {
            if i % 3 == 0 { *s = left[i % 70]; }
            if i % 5 == 1 { *s = -31; }
        }
        for (i, b) in c.bias.iter_mut().enumerate() {
            if i % 4 == 0 { *b = i32::MIN + (i as i32); }
        }
        // exact rounding ties in SRDHM and RDBPOT: m = +-2^30, no bias, small odd accumulators
        for i in 0..c.cout {
            if i % 6 == 2 || i % 6 == 5 {
                c.mult[i] = if i % 2 == 0 { 1 << 30 } else { -(1 << 30) };
                c.bias[i] = 0;
                c.shift[i] = -((i % 3) as i32);
            }
        }
        let specials = [i32::MIN, i32::MAX, -1, 0, 1, 1 << 30, -(1 << 30)];
        let acc: Vec<i32> = acc_bits.iter().enumerate().map(|(i, &b)| if i % 7 == 0 { specials[i % specials.len()] } else if i % 2 == 0 { (b % 601) as i32 - 300 } else { b as i32 }).collect();
        let rows = acc.len() / c.cout;
        let acc = &acc[..rows * c.cout];
        let mut want = vec![0i8; acc.len()];
        simd::requantize_rows(Backend::Scalar, acc, c.cout, &q(&c), &mut want);
        for (i, (&a, &w)) in acc.iter().zip(&want).enumerate() {
            prop_assert_eq!(w, q(&c).requantize(a, i % c.cout));
        }
        for b in Backend::available() {
            let mut got = vec![0i8; acc.len()];
            simd::requantize_rows(b, acc, c.cout, &q(&c), &mut got);
            prop_assert_eq!(&got, &want, "requantize on {:?}", b);
        }
    }
}

#[test]
fn min_times_min_saturates_in_every_backend() {
    // acc + bias = i32::MIN with multiplier i32::MIN: SRDHM saturates to i32::MAX
    let (bias, mult, shift) = ([0i32; 9], [i32::MIN; 9], [0i32; 9]);
    let q = QParams {
        bias: &bias,
        multiplier: &mult,
        shift: &shift,
        out_zero_point: 0,
        act_min: -128,
        act_max: 127,
    };
    let acc = [i32::MIN; 9];
    for b in Backend::available() {
        let mut out = [0i8; 9];
        simd::requantize_rows(b, &acc, 9, &q, &mut out);
        assert_eq!(out, [127; 9], "{b:?}");
    }
}
