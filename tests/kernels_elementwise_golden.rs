//! TFLite Micro golden outputs (tests/golden/tflm_elementwise.txt, made by
//! host-tools/python/golden_elementwise.py from TensorFlow-converted one-op int8 models): MUL,
//! ADD and SUB with row / column / scalar broadcasting and constant operands,
//! DEPTHWISE_CONV_2D (depth multiplier, dilation, SAME / VALID, stride) and AVERAGE_POOL_2D,
//! bit for bit on every input.

use equiframe::kernels::*;
use equiframe::quant::*;
use std::collections::HashMap;

const GOLDEN: &str = include_str!("golden/tflm_elementwise.txt");

struct Case<'a> {
    op: &'a str,
    kv: HashMap<&'a str, Vec<&'a str>>,
}

impl Case<'_> {
    fn ints<T: std::str::FromStr>(&self, k: &str) -> Vec<T>
    where
        T::Err: std::fmt::Debug,
    {
        self.kv[k].iter().map(|t| t.parse().unwrap()).collect()
    }
    fn int(&self, k: &str) -> i32 {
        self.ints::<i32>(k)[0]
    }
    fn us(&self, k: &str) -> usize {
        self.ints::<usize>(k)[0]
    }
    fn f32s(&self, k: &str) -> Vec<f32> {
        self.kv[k]
            .iter()
            .map(|t| f32::from_bits(u32::from_str_radix(t.trim_start_matches("0x"), 16).unwrap()))
            .collect()
    }
    fn f(&self, k: &str) -> f32 {
        self.f32s(k)[0]
    }
    fn word(&self, k: &str) -> &str {
        self.kv[k][0]
    }
    fn act(&self) -> Activation {
        if self.word("act") == "relu" {
            Activation::Relu
        } else {
            Activation::None
        }
    }
    fn shape(&self, k: &str) -> Option<(usize, usize)> {
        let v = &self.kv[k];
        (v.len() == 2).then(|| (v[0].parse().unwrap(), v[1].parse().unwrap()))
    }
}

fn cases() -> Vec<Case<'static>> {
    let mut out = Vec::new();
    let mut cur: Option<Case> = None;
    for line in GOLDEN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f[0] {
            "case" => {
                cur = Some(Case {
                    op: f[1],
                    kv: HashMap::new(),
                })
            }
            "end" => out.push(cur.take().unwrap()),
            k => {
                cur.as_mut().unwrap().kv.insert(k, f[1..].to_vec());
            }
        }
    }
    out
}

/// The element-wise op of a case, from the scales as the converter wrote them.
fn elementwise(c: &Case) -> Elementwise {
    let (s_out, zp_out) = (c.f("s_out"), c.int("zp_out"));
    let act = activation_range(c.act(), s_out, zp_out).unwrap();
    let (a, b, o) = (
        (c.f("s1"), c.int("zp1")),
        (c.f("s2"), c.int("zp2")),
        (s_out, zp_out),
    );
    match c.op {
        "mul" => Elementwise::Mul(MulParams::from_scales(a, b, o, act).unwrap()),
        "add" => Elementwise::Add(AddParams::from_scales(a, b, o, act).unwrap()),
        _ => Elementwise::Sub(AddParams::from_scales(a, b, o, act).unwrap()),
    }
}

fn run_elementwise(c: &Case) -> (Vec<i8>, Vec<i8>) {
    let y: Vec<i8> = c.ints("y");
    let sa = c.shape("a_shape").unwrap();
    let x1: Vec<i8> = c.ints("x1");
    let la = sa.0 * sa.1;
    let p = elementwise(c);
    let mut got = Vec::new();
    match c.word("b_shape") {
        "const" => {
            // The constant operand: one value or one row.
            let b: Vec<i8> = c.ints("b");
            let s = Broadcast::of(sa, (1, b.len())).unwrap();
            for a in x1.chunks(la) {
                let mut o = vec![0i8; s.rows * s.cols];
                elementwise_i8(a, &b, &s, &p, &mut o);
                got.extend(o);
            }
        }
        "same" => {
            let s = Broadcast::same(sa.0, sa.1);
            for a in x1.chunks(la) {
                let mut o = vec![0i8; la];
                elementwise_i8(a, a, &s, &p, &mut o);
                got.extend(o);
            }
        }
        _ => {
            let sb = c.shape("b_shape").unwrap();
            let x2: Vec<i8> = c.ints("x2");
            let s = Broadcast::of(sa, sb).unwrap();
            for (a, b) in x1.chunks(la).zip(x2.chunks(sb.0 * sb.1)) {
                let mut o = vec![0i8; s.rows * s.cols];
                elementwise_i8(a, b, &s, &p, &mut o);
                got.extend(o);
            }
        }
    }
    (got, y)
}

/// TensorFlow's SAME padding of a dilated window: `(pad_left, pad_right)`.
fn same_pads(n: usize, span: usize, stride: usize) -> (usize, usize) {
    let n_out = n.div_ceil(stride);
    let total = ((n_out - 1) * stride + span).saturating_sub(n);
    (total / 2, total - total / 2)
}

fn run_depthwise(c: &Case) -> (Vec<i8>, Vec<i8>) {
    let (n, ch, mult, k) = (c.us("n"), c.us("c"), c.us("mult"), c.us("k"));
    let (stride, dilation) = (c.us("stride"), c.us("dilation"));
    let cout = ch * mult;
    let (s_in, zp_in, s_out, zp_out) = (c.f("s_in"), c.int("zp_in"), c.f("s_out"), c.int("zp_out"));
    let w: Vec<i8> = c.ints("w");
    let bias: Vec<i32> = c.ints("bias");
    let span = dilation * (k - 1) + 1;
    let (pad_left, pad_right) = if c.word("padding") == "same" {
        same_pads(n, span, stride)
    } else {
        (0, 0)
    };
    let d = GroupedConv1dDims {
        n,
        cin: ch,
        cout,
        k,
        stride,
        pad_left,
        pad_right,
        dilation,
        groups: ch,
    };
    assert_eq!(d.n_out(), c.us("n_out"));
    let folded: Vec<i32> = (0..cout)
        .map(|o| fold_zero_point(bias[o], zp_in, &w[o * k..(o + 1) * k]))
        .collect();
    let (mult_q, shift): (Vec<i32>, Vec<i32>) = c
        .f32s("s_w")
        .iter()
        .map(|&sw| quantize_multiplier(f64::from(s_in) * f64::from(sw) / f64::from(s_out)))
        .unzip();
    let (act_min, act_max) = activation_range(c.act(), s_out, zp_out).unwrap();
    let q = QParams {
        bias: &folded,
        multiplier: &mult_q,
        shift: &shift,
        out_zero_point: zp_out,
        act_min,
        act_max,
    };
    let mut got = Vec::new();
    for x in c.ints::<i8>("x1").chunks(n * ch) {
        let mut o = vec![0i8; d.n_out() * cout];
        conv1d_grouped_i8(x, &w, &d, zp_in, &q, &mut o);
        got.extend(o);
    }
    (got, c.ints("y"))
}

fn run_avg_pool(c: &Case) -> (Vec<i8>, Vec<i8>) {
    let (n, ch, k, stride) = (c.us("n"), c.us("c"), c.us("k"), c.us("stride"));
    let d = if c.word("padding") == "same" {
        Pool1dDims::same(n, ch, k, stride)
    } else {
        Pool1dDims::valid(n, ch, k, stride)
    };
    assert_eq!(d.n_out(), c.us("n_out"));
    let mut got = Vec::new();
    for x in c.ints::<i8>("x1").chunks(n * ch) {
        let mut o = vec![0i8; d.n_out() * ch];
        avg_pool1d_i8(x, &d, -128, 127, &mut o);
        got.extend(o);
    }
    (got, c.ints("y"))
}

#[test]
fn elementwise_depthwise_and_avg_pool_match_tflm_bit_for_bit() {
    let mut per_op: HashMap<&str, usize> = HashMap::new();
    let mut broadcast_cases = 0;
    for (i, c) in cases().iter().enumerate() {
        let (got, want) = match c.op {
            "mul" | "add" | "sub" => {
                if c.kv["a_shape"] != c.kv["b_shape"] {
                    broadcast_cases += 1;
                }
                run_elementwise(c)
            }
            "depthwise" => run_depthwise(c),
            "avg_pool1d" => run_avg_pool(c),
            op => panic!("unknown op {op}"),
        };
        assert_eq!(got.len(), want.len(), "case {i} ({})", c.op);
        let bad = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert_eq!(
            bad,
            0,
            "case {i} ({}): {bad} of {} outputs differ",
            c.op,
            want.len()
        );
        *per_op.entry(c.op).or_default() += want.len();
    }
    for op in ["mul", "add", "sub", "depthwise", "avg_pool1d"] {
        assert!(
            per_op.get(op).copied().unwrap_or(0) > 500,
            "{op}: {per_op:?}"
        );
    }
    assert!(broadcast_cases >= 8);
}
