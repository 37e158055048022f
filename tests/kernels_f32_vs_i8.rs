//! int8 kernels against the f32 reference kernels run on the dequantized int8 inputs and
//! weights: the only differences left are the output rounding and the Q31 multiplier, so every
//! output must agree within 1 LSB of the output scale (plus 1e-4 relative slack for f32
//! summation), after clamping the f32 result to the representable int8 range.

use equiframe::kernels::*;
use equiframe::quant::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Quant {
    s_in: f32,
    zp_in: i32,
    s_out: f32,
    zp_out: i32,
}

fn within_one_lsb(
    got: &[i8],
    want: &[f32],
    q: &Quant,
    act: (f32, f32),
) -> Result<(), TestCaseError> {
    let lo = (q.s_out * (-128 - q.zp_out) as f32).max(act.0);
    let hi = (q.s_out * (127 - q.zp_out) as f32).min(act.1);
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let g = dequantize(g, q.s_out, q.zp_out);
        let w = w.clamp(lo, hi);
        let tol = q.s_out * 1.0 + 1e-4 * w.abs();
        prop_assert!(
            (g - w).abs() <= tol,
            "output {i}: int8 {g} vs f32 {w} (tol {tol})"
        );
    }
    Ok(())
}

fn setup() -> impl Strategy<Value = (Quant, u64, bool)> {
    (
        0.005f32..0.1,
        -100i32..100,
        0.02f32..0.5,
        -100i32..100,
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(s_in, zp_in, s_out, zp_out, seed, relu)| {
            (
                Quant {
                    s_in,
                    zp_in,
                    s_out,
                    zp_out,
                },
                seed,
                relu,
            )
        })
}

fn lcg(s: &mut u64) -> u64 {
    *s = s
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *s >> 33
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn conv1d_and_dense_close_to_f32(
        (q, seed, relu) in setup(),
        n in 1usize..12, cin in 1usize..24, cout in 1usize..10, k in 1usize..4, stride in 1usize..3,
    ) {
        let mut s = seed;
        let x: Vec<i8> = (0..n * cin).map(|_| lcg(&mut s) as i8).collect();
        let w: Vec<i8> = (0..cout * k * cin).map(|_| (lcg(&mut s) % 255) as i32 as i8).map(|v| v.max(-127)).collect();
        let s_w: Vec<f32> = (0..cout).map(|_| 0.001 + (lcg(&mut s) % 1000) as f32 * 2e-5).collect();
        let bias: Vec<i32> = (0..cout).map(|_| (lcg(&mut s) % 4001) as i32 - 2000).collect();
        let d = Conv1dDims::same(n, cin, cout, k, stride);
        let span = k * cin;
        let folded: Vec<i32> = (0..cout).map(|c| fold_zero_point(bias[c], q.zp_in, &w[c * span..(c + 1) * span])).collect();
        let (mult, shift): (Vec<i32>, Vec<i32>) = s_w.iter().map(|&sw| quantize_multiplier(f64::from(q.s_in) * f64::from(sw) / f64::from(q.s_out))).unzip();
        let act = if relu { Activation::Relu } else { Activation::None };
        let (act_min, act_max) = activation_range(act, q.s_out, q.zp_out).unwrap();
        let qp = QParams { bias: &folded, multiplier: &mult, shift: &shift, out_zero_point: q.zp_out, act_min, act_max };
        let mut y8 = vec![0i8; d.n_out() * cout];
        conv1d_i8(&x, &w, &d, q.zp_in, &qp, &mut y8);

        let xf: Vec<f32> = x.iter().map(|&v| dequantize(v, q.s_in, q.zp_in)).collect();
        let wf: Vec<f32> = w.iter().enumerate().map(|(i, &v)| f32::from(v) * s_w[i / span]).collect();
        let bf: Vec<f32> = (0..cout).map(|c| bias[c] as f32 * q.s_in * s_w[c]).collect();
        let fp = FParams::new(&bf, act);
        let mut yf = vec![0f32; d.n_out() * cout];
        conv1d_f32(&xf, &wf, &d, &fp, &mut yf);
        within_one_lsb(&y8, &yf, &q, clamp_range_f32(act))?;

        // dense on the first point (k = 1 weights are the first tap of each row)
        let w1: Vec<i8> = (0..cout).flat_map(|c| w[c * span..c * span + cin].to_vec()).collect();
        let w1f: Vec<f32> = (0..cout).flat_map(|c| wf[c * span..c * span + cin].to_vec()).collect();
        let folded1: Vec<i32> = (0..cout).map(|c| fold_zero_point(bias[c], q.zp_in, &w1[c * cin..(c + 1) * cin])).collect();
        let qp1 = QParams { bias: &folded1, ..qp };
        let (mut d8, mut df) = (vec![0i8; cout], vec![0f32; cout]);
        dense_i8(&x[..cin], &w1, cin, cout, &qp1, &mut d8);
        dense_f32(&xf[..cin], &w1f, cin, cout, &fp, &mut df);
        within_one_lsb(&d8, &df, &q, clamp_range_f32(act))?;

        // fused pointwise + max against the f32 fused kernel
        let (mut m8, mut mf) = (vec![0i8; cout], vec![0f32; cout]);
        pointwise_max_i8(&x, n, &w1, cin, cout, &qp1, &mut m8);
        pointwise_max_f32(&xf, n, &w1f, cin, cout, &fp, &mut mf);
        within_one_lsb(&m8, &mf, &q, clamp_range_f32(act))?;
    }

    #[test]
    fn pools_add_leaky_close_to_f32((q, seed, _relu) in setup(), n in 1usize..40, c in 1usize..20, alpha in 0.01f32..0.5) {
        let mut s = seed;
        let x: Vec<i8> = (0..n * c).map(|_| lcg(&mut s) as i8).collect();
        let xf: Vec<f32> = x.iter().map(|&v| dequantize(v, q.s_in, q.zp_in)).collect();
        let none = clamp_range_f32(Activation::None);
        let r = Requant::from_scales(q.s_in, q.zp_in, q.s_out, q.zp_out).unwrap();
        let (mut y8, mut yf) = (vec![0i8; c], vec![0f32; c]);
        mean_pool_i8(&x, n, c, &r, &mut y8);
        mean_pool_f32(&xf, n, c, &mut yf);
        within_one_lsb(&y8, &yf, &q, none)?;
        sum_pool_i8(&x, n, c, &r, &mut y8);
        sum_pool_f32(&xf, n, c, &mut yf);
        within_one_lsb(&y8, &yf, &q, none)?;

        // windowed pooling keeps the input quantization
        let same = Quant { s_out: q.s_in, zp_out: q.zp_in, ..q.clone() };
        for d in [Pool1dDims::same(n, c, 3, 2), Pool1dDims::valid(n, c, 1, 1)] {
            let (mut p8, mut pf) = (vec![0i8; d.n_out() * c], vec![0f32; d.n_out() * c]);
            avg_pool1d_i8(&x, &d, -128, 127, &mut p8);
            avg_pool1d_f32(&xf, &d, f32::NEG_INFINITY, f32::INFINITY, &mut pf);
            within_one_lsb(&p8, &pf, &same, none)?;
            max_pool1d_i8(&x, &d, -128, 127, &mut p8);
            max_pool1d_f32(&xf, &d, f32::NEG_INFINITY, f32::INFINITY, &mut pf);
            within_one_lsb(&p8, &pf, &same, none)?;
        }

        let len = n * c;
        let b: Vec<i8> = (0..len).map(|_| lcg(&mut s) as i8).collect();
        let s2 = q.s_in * 1.7;
        let bf: Vec<f32> = b.iter().map(|&v| dequantize(v, s2, -3)).collect();
        let p = AddParams::from_scales((q.s_in, q.zp_in), (s2, -3), (q.s_out, q.zp_out), (-128, 127)).unwrap();
        let (mut a8, mut af) = (vec![0i8; len], vec![0f32; len]);
        add_i8(&x, &b, &p, &mut a8);
        add_f32(&xf, &bf, f32::NEG_INFINITY, f32::INFINITY, &mut af);
        within_one_lsb(&a8, &af, &q, none)?;

        let lp = LeakyReluParams::from_scales(q.s_in, q.zp_in, q.s_out, q.zp_out, alpha).unwrap();
        leaky_relu_i8(&x, &lp, &mut a8);
        leaky_relu_f32(&xf, alpha, &mut af);
        within_one_lsb(&a8, &af, &q, none)?;
    }
}
