//! Lowering of the linear ops (MatMul, Gemm, Conv), biases (Add) and activations, fusing a
//! bias or activation into the linear layer before it when that layer's result has no other
//! reader.

use super::attrs::NodeRef;
use super::layout::{dims_str, Act, Ax, Flat};
use super::lower_norm::absorb_before;
use super::{Importer, OnnxError, Sym, Tensor};
use crate::ir::{Activation, Linear, Op, Shape};

/// Adds a dense (vector input) or pointwise (point input) layer; same axis meanings out. A
/// pending BatchNormalization of `x` goes into the weights.
fn linear_layer(im: &mut Importer, n: NodeRef<'_>, x: &Act, mut lin: Linear) -> Sym {
    if let Some(f) = x.flat.clone() {
        return flat_linear(im, n, x, lin, f);
    }
    if let Some(pre) = &x.pre {
        absorb_before(&mut lin, 1, pre);
    }
    let cout = lin.cout;
    let (op, shape) = match im.shape(x.id) {
        Shape::Points { n: pts, .. } => (Op::Pointwise(lin), Shape::Points { n: pts, c: cout }),
        Shape::Vector { .. } => (Op::Dense(lin), Shape::Vector { c: cout }),
    };
    let id = im.push(n, op, vec![x.id], shape);
    Sym::Act(x.with(x.dims.clone()).with_id(id))
}

/// A Linear layer on a fixed-length window flattened into channels (Conv -> Flatten -> Gemm):
/// a conv whose kernel spans the whole window (the same weights and MACs), then its single
/// row as a vector.
fn flat_linear(im: &mut Importer, n: NodeRef<'_>, x: &Act, lin: Linear, f: Flat) -> Sym {
    let (k, cout) = (f.len, lin.cout);
    let c = lin.cin / k;
    let mut weights = vec![0.0; lin.weights.len()];
    for o in 0..cout {
        for j in 0..k {
            for i in 0..c {
                let src = if f.channels_first {
                    i * k + j
                } else {
                    j * c + i
                };
                weights[(o * k + j) * c + i] = lin.weights[o * lin.cin + src];
            }
        }
    }
    let op = Op::Conv1d {
        linear: Linear {
            cin: c,
            cout,
            weights,
            bias: lin.bias,
            act: lin.act,
        },
        k,
        stride: 1,
        pad_begin: 0,
        pad_end: 0,
    };
    let conv = im.push(
        n,
        op,
        vec![x.id],
        Shape::Points {
            n: Some(1),
            c: cout,
        },
    );
    let id = im.push(
        n,
        Op::GlobalPool(crate::ir::PoolKind::Max),
        vec![conv],
        Shape::Vector { c: cout },
    );
    Sym::Act(Act::new(id, vec![Ax::Batch, Ax::Channels]))
}

impl Act {
    fn with_id(mut self, id: usize) -> Act {
        self.id = id;
        self.pre = None;
        self
    }
}

fn check_cin(n: NodeRef<'_>, im: &Importer, x: &Act, cin: usize) -> Result<(), OnnxError> {
    let c = im.shape(x.id).channels() * x.flat.as_ref().map_or(1, |f| f.len);
    if c != cin {
        return Err(n.err(format!(
            "weights take {cin} input channels, the input has {c}"
        )));
    }
    Ok(())
}

/// `MatMul(X, W)` with W constant (cin, cout) on the channel axis, or `MatMul(W, X)` with W
/// (cout, cin) and X channels first.
pub(crate) fn matmul(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let (a, b) = (im.sym(n, 0)?.clone(), im.sym(n, 1)?.clone());
    match (a, b) {
        (Sym::Act(x), Sym::Const(w)) => {
            let [cin, cout] = w.dims[..] else {
                return Err(n.err(format!(
                    "weights must be 2D (cin, cout), got dims {:?}",
                    w.dims
                )));
            };
            if x.dims.last() != Some(&Ax::Channels) {
                return Err(n.err(format!(
                    "input layout {} does not end in channels",
                    dims_str(&x.dims)
                )));
            }
            check_cin(n, im, &x, cin)?;
            let wv = w.as_f32();
            let weights = (0..cout)
                .flat_map(|o| (0..cin).map(move |i| (o, i)))
                .map(|(o, i)| wv[i * cout + o])
                .collect();
            Ok(linear_layer(
                im,
                n,
                &x,
                Linear {
                    cin,
                    cout,
                    weights,
                    bias: vec![0.0; cout],
                    act: Activation::None,
                },
            ))
        }
        (Sym::Const(w), Sym::Act(x)) => {
            let [cout, cin] = w.dims[..] else {
                return Err(n.err(format!(
                    "weights must be 2D (cout, cin), got dims {:?}",
                    w.dims
                )));
            };
            let r = x.dims.len();
            if r < 2 || x.dims[r - 2] != Ax::Channels {
                return Err(n.err(format!(
                    "input layout {} does not have channels second to last",
                    dims_str(&x.dims)
                )));
            }
            check_cin(n, im, &x, cin)?;
            Ok(linear_layer(
                im,
                n,
                &x,
                Linear {
                    cin,
                    cout,
                    weights: w.as_f32(),
                    bias: vec![0.0; cout],
                    act: Activation::None,
                },
            ))
        }
        _ => Err(n.err(
            "one input must be a constant weight matrix and the other computed from the input",
        )),
    }
}

/// `Gemm(A, B, C)`: `alpha * A' B' + beta * C` with A the activation, B and C constants.
pub(crate) fn gemm(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&["alpha", "beta", "transA", "transB"])?;
    let x = im.act(n, 0)?;
    let want = if n.int("transA", 0) != 0 {
        [Ax::Channels, Ax::Batch]
    } else {
        [Ax::Batch, Ax::Channels]
    };
    if x.dims[..] != want {
        return Err(n.err(format!(
            "input layout {} should be {}",
            dims_str(&x.dims),
            dims_str(&want)
        )));
    }
    let w = im.konst(n, 1)?;
    let [r, c] = w.dims[..] else {
        return Err(n.err(format!("B must be 2D, got dims {:?}", w.dims)));
    };
    let (alpha, beta) = (n.float("alpha", 1.0), n.float("beta", 1.0));
    let wv = w.as_f32();
    let (cin, cout, weights): (usize, usize, Vec<f32>) = if n.int("transB", 0) != 0 {
        (c, r, wv.iter().map(|v| alpha * v).collect())
    } else {
        (
            r,
            c,
            (0..c)
                .flat_map(|o| (0..r).map(move |i| (o, i)))
                .map(|(o, i)| alpha * wv[i * c + o])
                .collect(),
        )
    };
    check_cin(n, im, &x, cin)?;
    let bias = match im.opt_konst(n, 2)? {
        None => vec![0.0; cout],
        Some(t) if t.len() == cout && t.dims.iter().filter(|&&d| d != 1).count() <= 1 => {
            t.as_f32().iter().map(|v| beta * v).collect()
        }
        Some(t) if t.len() == 1 => vec![beta * t.as_f32()[0]; cout],
        Some(t) => {
            return Err(n.err(format!(
                "C of dims {:?} is not a bias of {cout} channels",
                t.dims
            )))
        }
    };
    let out = linear_layer(
        im,
        n,
        &x,
        Linear {
            cin,
            cout,
            weights,
            bias,
            act: Activation::None,
        },
    );
    Ok(match out {
        Sym::Act(a) => Sym::Act(a.with(vec![Ax::Batch, Ax::Channels])),
        s => s,
    })
}

/// `Conv` over one spatial axis (B, C, N), group 1, dilation 1.
pub(crate) fn conv(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&[
        "auto_pad",
        "dilations",
        "group",
        "kernel_shape",
        "pads",
        "strides",
    ])?;
    let x = im.act(n, 0)?;
    if x.dims[..] != [Ax::Batch, Ax::Channels, Ax::Points] {
        return Err(n.err(format!(
            "input layout {} should be (B,C,N): 1D conv, channels first",
            dims_str(&x.dims)
        )));
    }
    let w = im.konst(n, 1)?;
    let [cout, cin_g, k0] = w.dims[..] else {
        return Err(n.bad_attr(
            "kernel_shape",
            &w.dims[2.min(w.dims.len())..],
            "1D kernels (weights of rank 3)",
        ));
    };
    if let Some(ks) = n.ints("kernel_shape").filter(|ks| ks[..] != [k0 as i64]) {
        return Err(n.bad_attr("kernel_shape", ks, &format!("[{k0}] (the weights' kernel)")));
    }
    let group = n.int("group", 1);
    let c_in = im.shape(x.id).channels();
    let g = usize::try_from(group).unwrap_or(0);
    if g == 0 || cin_g * g != c_in || cout % g != 0 {
        return Err(n.bad_attr(
            "group",
            group,
            &format!("a divisor of the {c_in} input and {cout} output channels"),
        ));
    }
    let dilation = match n.ints("dilations").as_deref() {
        None => 1,
        Some(&[d]) if d >= 1 => d as usize,
        Some(d) => return Err(n.bad_attr("dilations", d, "one dilation >= 1")),
    };
    // Grouped (depthwise) and dilated kernels: the grouped conv layer, `k` its span.
    let grouped = g > 1 || dilation > 1;
    let k = (k0 - 1) * dilation + 1;
    let cin = c_in;
    let stride = match n.ints("strides").as_deref() {
        None => 1,
        Some(&[s]) if s >= 1 => s as usize,
        Some(s) => return Err(n.bad_attr("strides", s, "one stride >= 1")),
    };
    let Shape::Points { n: pts, .. } = im.shape(x.id) else {
        return Err(n.err("input has no points axis"));
    };
    let (pb, pe) = match (n.string("auto_pad").as_deref(), n.ints("pads").as_deref()) {
        (Some("VALID"), _) | (None | Some("NOTSET"), None) => (0, 0),
        (None | Some("NOTSET"), Some(&[b, e])) if b >= 0 && e >= 0 => (b as usize, e as usize),
        (None | Some("NOTSET"), Some(p)) => return Err(n.bad_attr("pads", p, "[begin, end] >= 0")),
        (Some(a @ ("SAME_UPPER" | "SAME_LOWER")), _) => {
            let Some(len) = pts else {
                return Err(n.err(format!("auto_pad {a} needs a fixed number of time steps")));
            };
            let total = (len.div_ceil(stride) - 1) * stride + k;
            let total = total.saturating_sub(len);
            if a == "SAME_UPPER" {
                (total / 2, total - total / 2)
            } else {
                (total - total / 2, total / 2)
            }
        }
        (Some(a), _) => {
            return Err(n.bad_attr("auto_pad", a, "NOTSET, VALID, SAME_UPPER, SAME_LOWER"))
        }
    };
    check_cin(n, im, &x, cin)?;
    let bias = match im.opt_konst(n, 2)? {
        None => vec![0.0; cout],
        Some(t) if t.len() == cout => t.as_f32(),
        Some(t) => {
            return Err(n.err(format!(
                "bias of {} values for {cout} output channels",
                t.len()
            )))
        }
    };
    let wv = w.as_f32();
    let mut x = x;
    if let Some(pre) = x.pre.clone().filter(|_| grouped || pb + pe > 0) {
        // Padded taps are zeros after the normalization: it runs as layers of its own.
        x.id = super::lower_norm::materialize_affine(im, n, x.id, &pre);
        x.pre = None;
    }
    if grouped {
        let n_out = match pts {
            Some(p) => Some(crate::ir::window_out(p, k, stride, pb, pe).ok_or_else(|| {
                n.err(format!(
                    "{p} steps + padding {pb}+{pe} are fewer than the dilated kernel {k}"
                ))
            })?),
            None => None,
        };
        let mut weights = vec![0.0; wv.len()];
        for o in 0..cout {
            for i in 0..cin_g {
                for j in 0..k0 {
                    weights[(o * k0 + j) * cin_g + i] = wv[(o * cin_g + i) * k0 + j];
                }
            }
        }
        let op = Op::Conv1dGrouped {
            linear: Linear {
                cin,
                cout,
                weights,
                bias,
                act: Activation::None,
            },
            k: k0,
            stride,
            pad_begin: pb,
            pad_end: pe,
            dilation,
            groups: g,
        };
        let id = im.push(n, op, vec![x.id], Shape::Points { n: n_out, c: cout });
        return Ok(Sym::Act(x.with_id(id)));
    }
    if k == 1 && stride == 1 && pb == 0 && pe == 0 {
        return Ok(linear_layer(
            im,
            n,
            &x,
            Linear {
                cin,
                cout,
                weights: wv,
                bias,
                act: Activation::None,
            },
        ));
    }
    let mut weights = vec![0.0; wv.len()];
    for o in 0..cout {
        for i in 0..cin {
            for j in 0..k {
                weights[(o * k + j) * cin + i] = wv[(o * cin + i) * k + j];
            }
        }
    }
    let n_out = match pts {
        Some(p) => Some(crate::ir::window_out(p, k, stride, pb, pe).ok_or_else(|| {
            n.err(format!(
                "{p} steps + padding {pb}+{pe} are fewer than the kernel {k}"
            ))
        })?),
        None => None,
    };
    let mut linear = Linear {
        cin,
        cout,
        weights,
        bias,
        act: Activation::None,
    };
    if let Some(pre) = &x.pre {
        absorb_before(&mut linear, k, pre);
    }
    let op = Op::Conv1d {
        linear,
        k,
        stride,
        pad_begin: pb,
        pad_end: pe,
    };
    let id = im.push(n, op, vec![x.id], Shape::Points { n: n_out, c: cout });
    Ok(Sym::Act(x.with_id(id)))
}

/// Per-channel values of a constant that broadcasts against `x` along its channel axis only.
pub(crate) fn channel_values(
    n: NodeRef<'_>,
    im: &Importer,
    x: &Act,
    t: &Tensor,
) -> Result<Vec<f32>, OnnxError> {
    let c = im.shape(x.id).channels();
    let r = x.dims.len();
    if t.dims.len() > r {
        return Err(n.err(format!(
            "constant of dims {:?} has more axes than the input {}",
            t.dims,
            dims_str(&x.dims)
        )));
    }
    let v = t.as_f32();
    let mut stride = 0;
    let mut acc = 1;
    for (k, &d) in t.dims.iter().enumerate().rev() {
        let ax = x.dims[r - t.dims.len() + k];
        if d != 1 {
            if ax != Ax::Channels || d != c {
                return Err(n.err(format!(
                    "constant of dims {:?} varies along an axis other than the {c} channels of {}",
                    t.dims,
                    dims_str(&x.dims)
                )));
            }
            stride = acc;
        }
        acc *= d;
    }
    Ok((0..c).map(|ch| v[ch * stride]).collect())
}

/// `Add`: a constant bias folded into the linear layer before it, or the sum of two
/// activations of the same layout.
pub(crate) fn add(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let (a, b) = (im.sym(n, 0)?.clone(), im.sym(n, 1)?.clone());
    match (a, b) {
        (Sym::Act(x), Sym::Act(y)) => {
            if x.pre.is_some() || y.pre.is_some() {
                return Err(n.err(
                    "adds the result of a BatchNormalization or scaling that cannot be folded (no MatMul/Gemm/Conv next to it)",
                ));
            }
            let (sx, sy) = (im.shape(x.id), im.shape(y.id));
            if x.dims != y.dims || sx != sy {
                return super::lower_norm::binary_acts(im, n, x, y);
            }
            let id = im.push(n, Op::Add(Activation::None), vec![x.id, y.id], sx);
            Ok(Sym::Act(x.with_id(id)))
        }
        (Sym::Act(x), Sym::Const(_)) | (Sym::Const(_), Sym::Act(x)) => {
            // A bias of the layer before (its result has no other reader), or an offset
            // carried into the next linear layer.
            if x.pre.is_none() {
                let t = match (im.sym(n, 0)?, im.sym(n, 1)?) {
                    (Sym::Const(t), _) | (_, Sym::Const(t)) => t.clone(),
                    _ => unreachable!("one input is a constant"),
                };
                let bias = channel_values(n, im, &x, &t)?;
                let layer = im.sole_producer(x.id);
                if let Some(lin) = layer
                    .and_then(|l| l.op.linear_mut())
                    .filter(|l| l.act == Activation::None)
                {
                    lin.bias.iter_mut().zip(&bias).for_each(|(b, v)| *b += v);
                    return Ok(Sym::Act(x));
                }
            }
            super::lower_norm::const_arith(im, n)
        }
        _ => Err(n.err("both inputs are constants")),
    }
}

/// `Relu`, `Clip` and `LeakyRelu`, fused into the layer before when possible.
pub(crate) fn activation(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let act = match n.op() {
        "Relu" => Activation::Relu,
        "LeakyRelu" => Activation::LeakyRelu {
            alpha: n.float("alpha", 0.01),
        },
        _ => {
            let bound = |i: usize, attr: &str, default: f32| -> Result<f32, OnnxError> {
                match im.opt_konst(n, i)? {
                    Some(t) if t.len() == 1 => Ok(t.as_f32()[0]),
                    Some(t) => {
                        Err(n.err(format!("{attr} must be a scalar, got dims {:?}", t.dims)))
                    }
                    None => Ok(n.float(attr, default)),
                }
            };
            let (min, max) = (
                bound(1, "min", f32::NEG_INFINITY)?,
                bound(2, "max", f32::INFINITY)?,
            );
            match (min, max) {
                (0.0, 6.0) => Activation::Relu6,
                (0.0, f32::INFINITY) => Activation::Relu,
                (min, max) if min <= max => Activation::Clip { min, max },
                (min, max) => return Err(n.bad_attr("min/max", (min, max), "min <= max")),
            }
        }
    };
    let shape = im.shape(x.id);
    if let Some(slot) = im
        .sole_producer(x.id)
        .and_then(|l| l.op.act_mut())
        .filter(|a| **a == Activation::None)
    {
        *slot = act;
        return Ok(Sym::Act(x));
    }
    let id = im.push(n, Op::Activation(act), vec![x.id], shape);
    Ok(Sym::Act(x.with_id(id)))
}
