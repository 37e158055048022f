//! The activation-type kernels against float references (proptest):
//! - f32 LOGISTIC, TANH, every lookup-table function, SOFTMAX, LOG_SOFTMAX and layer
//!   normalization against an f64 evaluation of the same formula, within 2e-6 relative
//!   (+1e-6 absolute; libm's f32 functions are within an ulp or two);
//! - int8 tables within half an output step of the f32 function on every input;
//! - int8 layer normalization within `0.5 + 2/256` output steps of f32 on the same dequantized
//!   input (the bound stated in `kernels::layer_norm_i8`, with `eps` as the kernel rounds it).

use equiframe::kernels::*;
use proptest::prelude::*;

fn close(got: f32, want: f64) -> bool {
    (f64::from(got) - want).abs() <= 1e-6 + 2e-6 * want.abs()
}

/// f64 reference of an element-wise function.
fn reference(f: ElementFn, x: f64) -> f64 {
    let elu = |x: f64, a: f64| if x > 0.0 { x } else { a * x.exp_m1() };
    let softplus = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
    match f {
        ElementFn::Gelu => 0.5 * x * (1.0 + libm::erf(x / 2f64.sqrt())),
        ElementFn::GeluTanh => {
            let k = (2.0 / std::f64::consts::PI).sqrt();
            0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh())
        }
        ElementFn::Silu => x / (1.0 + (-x).exp()),
        ElementFn::Elu { alpha } => elu(x, f64::from(alpha)),
        ElementFn::Selu { alpha, scale } => f64::from(scale) * elu(x, f64::from(alpha)),
        ElementFn::HardSwish => x * (x + 3.0).clamp(0.0, 6.0) / 6.0,
        ElementFn::HardSigmoid { alpha, beta } => {
            (f64::from(alpha) * x + f64::from(beta)).clamp(0.0, 1.0)
        }
        ElementFn::LeakyRelu { alpha } => {
            if x >= 0.0 {
                x
            } else {
                f64::from(alpha) * x
            }
        }
        ElementFn::Softplus => softplus(x),
        ElementFn::Mish => x * softplus(x).tanh(),
        _ => f64::NAN,
    }
}

fn functions() -> Vec<ElementFn> {
    vec![
        ElementFn::Gelu,
        ElementFn::GeluTanh,
        ElementFn::Silu,
        ElementFn::Elu { alpha: 1.0 },
        ElementFn::Elu { alpha: 0.3 },
        ElementFn::Selu {
            alpha: 1.673_263_2,
            scale: 1.050_701,
        },
        ElementFn::HardSwish,
        ElementFn::HardSigmoid {
            alpha: 0.2,
            beta: 0.5,
        },
        ElementFn::HardSigmoid {
            alpha: 1.0 / 6.0,
            beta: 0.5,
        },
        ElementFn::LeakyRelu { alpha: 0.01 },
        ElementFn::LeakyRelu { alpha: -0.25 },
        ElementFn::Softplus,
        ElementFn::Mish,
    ]
}

#[test]
fn f32_element_functions_match_f64() {
    for i in -2000..=2000 {
        let x = i as f32 / 200.0;
        let xd = f64::from(x);
        assert!(
            close(logistic(x), 1.0 / (1.0 + (-xd).exp())),
            "logistic {x}"
        );
        assert!(close(tanh(x), xd.tanh()), "tanh {x}");
        for f in functions() {
            assert!(
                close(f.apply(x), reference(f, xd)),
                "{f:?} at {x}: {}",
                f.apply(x)
            );
        }
    }
}

#[test]
fn int8_tables_are_within_half_a_step() {
    for f in functions() {
        for (s_in, zp_in, s_out, zp_out) in [(0.05f32, 0, 0.03f32, -20), (0.1, -100, 0.05, 10)] {
            let t = build_table(f, s_in, zp_in, s_out, zp_out);
            for q in -128i32..=127 {
                let y = reference(f, f64::from(s_in) * f64::from(q - zp_in));
                let want = (y / f64::from(s_out) + f64::from(zp_out)).clamp(-128.0, 127.0);
                let got = f64::from(t[usize::from(q as i8 as u8)]);
                assert!(
                    (got - want).abs() <= 0.5 + 1e-4,
                    "{f:?} q {q}: {got} vs {want}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f32_softmax_log_softmax_and_layer_norm_match_f64(
        rows in 1usize..5,
        c in 1usize..40,
        seed in any::<u64>(),
        beta in 0.1f32..3.0,
    ) {
        let mut s = seed | 1;
        let mut r = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; ((s >> 40) as f32 / (1u64 << 24) as f32) * 8.0 - 4.0 };
        let x: Vec<f32> = (0..rows * c).map(|_| r()).collect();
        let gamma: Vec<f32> = (0..c).map(|_| r()).collect();
        let beta_ln: Vec<f32> = (0..c).map(|_| r()).collect();
        let (mut a, mut b, mut l) = (vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; x.len()]);
        softmax_f32(&x, rows, c, beta, &mut a);
        log_softmax_f32(&x, rows, c, &mut b);
        layer_norm_f32(&x, rows, c, 1e-5, &gamma, &beta_ln, &mut l);
        for row in 0..rows {
            let xr: Vec<f64> = x[row * c..(row + 1) * c].iter().map(|&v| f64::from(v)).collect();
            let max = xr.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum_b: f64 = xr.iter().map(|v| (f64::from(beta) * (v - max)).exp()).sum();
            let sum_1: f64 = xr.iter().map(|v| (v - max).exp()).sum();
            let mean = xr.iter().sum::<f64>() / c as f64;
            let var = xr.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / c as f64;
            for j in 0..c {
                let i = row * c + j;
                let sm = (f64::from(beta) * (xr[j] - max)).exp() / sum_b;
                prop_assert!(close(a[i], sm), "softmax {}: {} vs {sm}", i, a[i]);
                let ls = xr[j] - max - sum_1.ln();
                prop_assert!((f64::from(b[i]) - ls).abs() <= 4e-6 * (1.0 + ls.abs()), "log_softmax {}: {} vs {ls}", i, b[i]);
                let ln = (xr[j] - mean) / (var + 1e-5).sqrt() * f64::from(gamma[j]) + f64::from(beta_ln[j]);
                prop_assert!((f64::from(l[i]) - ln).abs() <= 2e-5 * (1.0 + ln.abs()), "layer_norm {}: {} vs {ln}", i, l[i]);
            }
        }
    }

    #[test]
    fn int8_layer_norm_is_within_the_stated_bound_of_f32(
        rows in 1usize..4,
        c in 1usize..80,
        seed in any::<u64>(),
        s_in in 0.005f32..0.5,
        zp_in in -128i32..128,
        s_out in 0.005f32..0.2,
        zp_out in -128i32..128,
        spread in 1i32..128,
    ) {
        let mut s = seed | 1;
        let mut r = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; s };
        let x: Vec<i8> = (0..rows * c)
            .map(|_| (zp_in + (r() % (2 * spread as u64 + 1)) as i32 - spread).clamp(-128, 127) as i8)
            .collect();
        let gamma: Vec<f32> = (0..c).map(|_| (r() % 2000) as f32 / 1000.0 - 1.0).collect();
        let beta: Vec<f32> = (0..c).map(|_| (r() % 2000) as f32 / 2000.0 - 0.5).collect();
        let eps = 1e-5f32;
        let eps_q8 = layer_norm_eps_q8(eps, s_in);
        let ch: Vec<i32> = gamma.iter().zip(&beta).flat_map(|(&g, &b)| layer_norm_channel(g, b, s_out)).collect();
        let p = LayerNormParams { in_zero_point: zp_in, out_zero_point: zp_out, eps_q8, channels: &ch };
        let mut y = vec![0i8; x.len()];
        layer_norm_i8(&x, rows, c, &p, &mut y);
        // The f64 reference with eps as the kernel rounds it (eps_q8 s_in^2 / 256).
        let eps_used = f64::from(eps_q8) * f64::from(s_in) * f64::from(s_in) / 256.0;
        for row in 0..rows {
            let xr: Vec<f64> = x[row * c..(row + 1) * c].iter().map(|&v| f64::from(s_in) * f64::from(i32::from(v) - zp_in)).collect();
            let mean = xr.iter().sum::<f64>() / c as f64;
            let var = xr.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / c as f64;
            let den = (var + eps_used).sqrt();
            for j in 0..c {
                let n = if den > 0.0 { (xr[j] - mean) / den } else { 0.0 };
                let real = n * f64::from(gamma[j]) + f64::from(beta[j]);
                let want = (real / f64::from(s_out) + f64::from(zp_out)).clamp(-128.0, 127.0);
                let got = f64::from(y[row * c + j]);
                prop_assert!((got - want).abs() <= 0.5 + 2.0 / 256.0, "row {} ch {}: {} vs {}", row, j, got, want);
            }
        }
    }
}
