//! Property tests: every int8 kernel equals a straightforward TFLite-Micro-form integer
//! reference (i64 accumulation of `(x - zp_in) * w` over the valid taps plus the unfolded bias,
//! then the same requantization) on random shapes and values; fused pooling equals the
//! unfused pipeline; pooled outputs are bit-identical under permutation of the points.

use equiframe::kernels::*;
use equiframe::quant::{fold_zero_point, multiply_by_quantized_multiplier, quantize_multiplier};
use proptest::prelude::*;

/// A random quantized layer: weights, unfolded bias, per-channel multipliers, zero points.
#[derive(Debug, Clone)]
struct Layer {
    cin: usize,
    cout: usize,
    k: usize,
    w: Vec<i8>,
    bias: Vec<i32>,
    mult: Vec<i32>,
    shift: Vec<i32>,
    zp_in: i32,
    zp_out: i32,
    act: (i32, i32),
}

impl Layer {
    fn folded_bias(&self) -> Vec<i32> {
        let span = self.k * self.cin;
        (0..self.cout)
            .map(|c| fold_zero_point(self.bias[c], self.zp_in, &self.w[c * span..(c + 1) * span]))
            .collect()
    }
}

fn requant_ref(acc: i64, l: &Layer, c: usize) -> i8 {
    let acc = i32::try_from(acc).expect("test ranges keep the accumulator in i32");
    let v = multiply_by_quantized_multiplier(acc, l.mult[c], l.shift[c]) + l.zp_out;
    v.clamp(l.act.0, l.act.1) as i8
}

fn layer(max_cin: usize, max_cout: usize, max_k: usize) -> impl Strategy<Value = Layer> {
    (
        1..=max_cin,
        1..=max_cout,
        1..=max_k,
        -128i32..=127,
        -128i32..=127,
        any::<bool>(),
    )
        .prop_flat_map(move |(cin, cout, k, zp_in, zp_out, relu)| {
            let span = k * cin;
            (
                prop::collection::vec(-127i8..=127, cout * span),
                prop::collection::vec(-100_000i32..=100_000, cout),
                // real multipliers 1e-5 .. 2 -> shifts about -16 ..= 2
                prop::collection::vec(1e-5f64..2.0, cout),
            )
                .prop_map(move |(w, bias, reals)| {
                    let (mult, shift) = reals.iter().map(|&r| quantize_multiplier(r)).unzip();
                    Layer {
                        cin,
                        cout,
                        k,
                        w,
                        bias,
                        mult,
                        shift,
                        zp_in,
                        zp_out,
                        act: if relu {
                            (zp_out.max(-128), 127)
                        } else {
                            (-128, 127)
                        },
                    }
                })
        })
}

fn qparams<'a>(l: &Layer, bias: &'a [i32], mult: &'a [i32], shift: &'a [i32]) -> QParams<'a> {
    QParams {
        bias,
        multiplier: mult,
        shift,
        out_zero_point: l.zp_out,
        act_min: l.act.0,
        act_max: l.act.1,
    }
}

/// TFLite Micro form of a (padded, strided) conv over `n x cin`; pointwise / dense are k = 1.
fn conv_ref(x: &[i8], n: usize, l: &Layer, d: &Conv1dDims) -> Vec<i8> {
    let mut out = Vec::new();
    for t in 0..d.n_out() {
        let start = (t * d.stride) as isize - d.pad_left as isize;
        for c in 0..l.cout {
            let mut acc = i64::from(l.bias[c]);
            for j in 0..l.k {
                let p = start + j as isize;
                if p < 0 || p as usize >= n {
                    continue; // TFLite Micro skips padded taps
                }
                for i in 0..l.cin {
                    let xv = i64::from(x[p as usize * l.cin + i]) - i64::from(l.zp_in);
                    acc += xv * i64::from(l.w[(c * l.k + j) * l.cin + i]);
                }
            }
            out.push(requant_ref(acc, l, c));
        }
    }
    out
}

fn points(max_n: usize, cin: usize) -> impl Strategy<Value = (usize, Vec<i8>)> {
    (1..=max_n).prop_flat_map(move |n| (Just(n), prop::collection::vec(any::<i8>(), n * cin)))
}

fn layer_and_points(max_n: usize) -> impl Strategy<Value = (Layer, usize, Vec<i8>)> {
    layer(40, 19, 1).prop_flat_map(move |l| {
        let cin = l.cin;
        (Just(l), points(max_n, cin)).prop_map(|(l, (n, x))| (l, n, x))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn dense_matches_reference(l in layer(70, 21, 1), seed in any::<u64>()) {
        let x: Vec<i8> = (0..l.cin).map(|i| seed.rotate_left(i as u32 * 7) as i8).collect();
        let b = l.folded_bias();
        let q = qparams(&l, &b, &l.mult, &l.shift);
        let mut out = vec![0i8; l.cout];
        dense_i8(&x, &l.w, l.cin, l.cout, &q, &mut out);
        let d = Conv1dDims::valid(1, l.cin, l.cout, 1, 1);
        prop_assert_eq!(out, conv_ref(&x, 1, &l, &d));
    }

    #[test]
    fn pointwise_matches_reference((l, n, x) in layer_and_points(24)) {
        let b = l.folded_bias();
        let q = qparams(&l, &b, &l.mult, &l.shift);
        let mut out = vec![0i8; n * l.cout];
        pointwise_i8(&x, n, &l.w, l.cin, l.cout, &q, &mut out);
        let d = Conv1dDims::valid(n, l.cin, l.cout, 1, 1);
        prop_assert_eq!(out, conv_ref(&x, n, &l, &d));
    }

    #[test]
    fn pointwise_max_equals_pointwise_then_max(
        (mut l, n, x) in layer_and_points(24),
        left in prop::collection::vec(0i32..=3, 19),
        neg in prop::collection::vec(any::<bool>(), 19),
    ) {
        // exercise the non-monotone (left shift) and negative-multiplier paths too
        for c in 0..l.cout {
            if left[c] > 0 { l.shift[c] = left[c]; }
            if neg[c] { l.mult[c] = -l.mult[c]; }
        }
        let b = l.folded_bias();
        let q = qparams(&l, &b, &l.mult, &l.shift);
        let mut full = vec![0i8; n * l.cout];
        pointwise_i8(&x, n, &l.w, l.cin, l.cout, &q, &mut full);
        let mut pooled = vec![0i8; l.cout];
        max_pool_i8(&full, n, l.cout, &mut pooled);
        let mut fused = vec![0i8; l.cout];
        pointwise_max_i8(&x, n, &l.w, l.cin, l.cout, &q, &mut fused);
        prop_assert_eq!(fused, pooled);
    }

    #[test]
    fn conv1d_matches_reference(
        l in layer(9, 9, 5),
        n in 1usize..20,
        stride in 1usize..4,
        pads in (0usize..4, 0usize..4),
        same in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let x: Vec<i8> = (0..n * l.cin).map(|i| (seed.wrapping_mul(i as u64 + 1) >> 17) as i8).collect();
        let d = if same {
            Conv1dDims::same(n, l.cin, l.cout, l.k, stride)
        } else {
            Conv1dDims { n, cin: l.cin, cout: l.cout, k: l.k, stride, pad_left: pads.0, pad_right: pads.1 }
        };
        let b = l.folded_bias();
        let q = qparams(&l, &b, &l.mult, &l.shift);
        let mut out = vec![0i8; d.n_out() * l.cout];
        conv1d_i8(&x, &l.w, &d, l.zp_in, &q, &mut out);
        prop_assert_eq!(out, conv_ref(&x, n, &l, &d));
    }

    #[test]
    fn pooled_outputs_are_permutation_invariant(
        (l, n, x) in layer_and_points(24),
        perm_seed in any::<u64>(),
    ) {
        // Fisher-Yates with a fixed LCG so the case is reproducible
        let mut order: Vec<usize> = (0..n).collect();
        let mut s = perm_seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            order.swap(i, (s >> 33) as usize % (i + 1));
        }
        let xs: Vec<i8> = order.iter().flat_map(|&p| x[p * l.cin..(p + 1) * l.cin].to_vec()).collect();
        let b = l.folded_bias();
        let q = qparams(&l, &b, &l.mult, &l.shift);
        let (mut a, mut bb) = (vec![0i8; l.cout], vec![0i8; l.cout]);
        pointwise_max_i8(&x, n, &l.w, l.cin, l.cout, &q, &mut a);
        pointwise_max_i8(&xs, n, &l.w, l.cin, l.cout, &q, &mut bb);
        prop_assert_eq!(&a, &bb);
        let r = Requant::from_scales(0.05, l.zp_in, 0.04, l.zp_out).unwrap();
        for pool in [mean_pool_i8, sum_pool_i8] {
            let (mut a, mut bb) = (vec![0i8; l.cin], vec![0i8; l.cin]);
            pool(&x, n, l.cin, &r, &mut a);
            pool(&xs, n, l.cin, &r, &mut bb);
            prop_assert_eq!(&a, &bb);
        }
        let (mut a, mut bb) = (vec![0i8; l.cin], vec![0i8; l.cin]);
        max_pool_i8(&x, n, l.cin, &mut a);
        max_pool_i8(&xs, n, l.cin, &mut bb);
        prop_assert_eq!(a, bb);
        // f32: max is order-free bit for bit (sum / mean are not and are not claimed)
        let xf: Vec<f32> = x.iter().map(|&v| f32::from(v) * 0.37).collect();
        let xsf: Vec<f32> = xs.iter().map(|&v| f32::from(v) * 0.37).collect();
        let wf: Vec<f32> = l.w.iter().map(|&v| f32::from(v) * 0.01).collect();
        let bias = vec![0.25f32; l.cout];
        let fp = FParams { bias: &bias, act_min: f32::NEG_INFINITY, act_max: f32::INFINITY };
        let (mut a, mut bb) = (vec![0f32; l.cout], vec![0f32; l.cout]);
        pointwise_max_f32(&xf, n, &wf, l.cin, l.cout, &fp, &mut a);
        pointwise_max_f32(&xsf, n, &wf, l.cin, l.cout, &fp, &mut bb);
        prop_assert_eq!(a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), bb.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        let (mut a, mut bb) = (vec![0f32; l.cin], vec![0f32; l.cin]);
        max_pool_f32(&xf, n, l.cin, &mut a);
        max_pool_f32(&xsf, n, l.cin, &mut bb);
        prop_assert_eq!(a, bb);
    }
}

#[test]
fn short_slices_write_nothing_and_do_not_panic() {
    let q = QParams {
        bias: &[0; 2],
        multiplier: &[1 << 30; 2],
        shift: &[0; 2],
        out_zero_point: 0,
        act_min: -128,
        act_max: 127,
    };
    let mut out = [7i8; 4];
    dense_i8(&[1, 2], &[1, 2, 3], 2, 2, &q, &mut out);
    pointwise_i8(&[1, 2, 3], 2, &[1, 2, 3, 4], 2, 2, &q, &mut out);
    pointwise_max_i8(&[1, 2], 1, &[1, 2, 3, 4], 2, 3, &q, &mut out);
    conv1d_i8(
        &[1, 2],
        &[1; 8],
        &Conv1dDims::valid(2, 1, 2, 4, 0),
        0,
        &q,
        &mut out,
    );
    dense_i8(&[1, 2], &[1; 4], usize::MAX, 2, &q, &mut out);
    max_pool_i8(&[1, 2], 0, 2, &mut out);
    assert_eq!(out, [7; 4]);
}
