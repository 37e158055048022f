//! `BatchNormalization` at inference: a per-channel affine map folded into the MatMul / Gemm /
//! Conv before it (when that layer's result has no other reader and no activation), or carried
//! as the activation's pending map into the next linear layer, which absorbs it.

use super::attrs::NodeRef;
use super::layout::{dims_str, Act, Affine, Ax};
use super::{Importer, OnnxError, Sym};
use crate::ir::{Activation, BinaryKind, Linear, Op, Shape};

/// `W' = W diag(scale)` over the input channels and `b' = b + W shift`, for weights
/// `cout x k x cin` (k = 1 for dense and pointwise layers).
pub(crate) fn absorb_before(lin: &mut Linear, k: usize, pre: &Affine) {
    let cin = lin.cin;
    for o in 0..lin.cout {
        let mut extra = 0.0f32;
        for j in 0..k {
            for i in 0..cin {
                let w = &mut lin.weights[(o * k + j) * cin + i];
                extra += *w * pre.shift[i];
                *w *= pre.scale[i];
            }
        }
        lin.bias[o] += extra;
    }
}

/// `W' = diag(scale) W` and `b' = scale * b + shift` over the output channels.
fn absorb_after(lin: &mut Linear, post: &Affine) {
    let per = lin.weights.len() / lin.cout.max(1);
    for o in 0..lin.cout {
        lin.weights[o * per..(o + 1) * per]
            .iter_mut()
            .for_each(|w| *w *= post.scale[o]);
        lin.bias[o] = lin.bias[o] * post.scale[o] + post.shift[o];
    }
}

/// `BatchNormalization(X, scale, B, mean, var)` in inference mode.
pub(crate) fn batch_norm(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&["epsilon", "momentum", "training_mode", "spatial"])?;
    if n.int("training_mode", 0) != 0 {
        return Err(n.bad_attr("training_mode", 1, "0 (export the model in eval mode)"));
    }
    if n.node.output.iter().skip(1).any(|o| !o.is_empty()) {
        return Err(n.err("running mean/variance outputs (training mode) are not supported"));
    }
    let x = im.act(n, 0)?;
    if x.dims.get(1) != Some(&Ax::Channels) {
        return Err(n.err(format!(
            "normalizes axis 1 of {}, which is not the channel axis",
            dims_str(&x.dims)
        )));
    }
    let c = im.shape(x.id).channels();
    let mut p = Vec::with_capacity(4);
    for (i, what) in [(1, "scale"), (2, "B"), (3, "mean"), (4, "var")] {
        let t = im.konst(n, i)?;
        if t.len() != c {
            return Err(n.err(format!("{what} has {} values for {c} channels", t.len())));
        }
        p.push(t.as_f32());
    }
    let eps = n.float("epsilon", 1e-5);
    let scale: Vec<f32> = (0..c).map(|i| p[0][i] / (p[3][i] + eps).sqrt()).collect();
    let shift: Vec<f32> = (0..c).map(|i| p[1][i] - p[2][i] * scale[i]).collect();
    Ok(affine(im, x, Affine { scale, shift }))
}

/// `x * scale + shift` per channel: folded into the linear layer producing `x` when it has no
/// other reader and no activation, else carried as `x`'s pending map (composed with any map
/// already pending) into the next linear layer.
pub(crate) fn affine(im: &mut Importer, x: Act, bn: Affine) -> Sym {
    if x.pre.is_none() {
        if let Some(lin) = im
            .sole_producer(x.id)
            .and_then(|l| l.op.linear_mut())
            .filter(|l| l.act == Activation::None)
        {
            absorb_after(lin, &bn);
            return Sym::Act(x);
        }
    }
    let pre = match &x.pre {
        Some(first) => bn.after(first),
        None => bn,
    };
    let mut out = x;
    out.pre = Some(pre);
    Sym::Act(out)
}

/// `Mul`, `Div`, `Add` and `Sub` of an activation and a constant that varies along the
/// channels only (or not at all): a per-channel affine map (input scaling `x * 0.1`, a bias,
/// an offset), folded like a BatchNormalization.
pub(crate) fn const_arith(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let (a, b) = (im.sym(n, 0)?.clone(), im.sym(n, 1)?.clone());
    let (x, t, act_first) = match (a, b) {
        (Sym::Act(x), Sym::Const(t)) => (x, t, true),
        (Sym::Const(t), Sym::Act(x)) => (x, t, false),
        (Sym::Act(x), Sym::Act(y)) => return binary_acts(im, n, x, y),
        _ => return Err(n.err("reads an element-wise expression that was not turned into a layer")),
    };
    let v = super::lower_linear::channel_values(n, im, &x, &t)?;
    let c = v.len();
    let (scale, shift): (Vec<f32>, Vec<f32>) = match (n.op(), act_first) {
        ("Mul", _) => (v, vec![0.0; c]),
        ("Div", true) => {
            if v.contains(&0.0) {
                return Err(n.err("divides by zero"));
            }
            (v.iter().map(|d| 1.0 / d).collect(), vec![0.0; c])
        }
        ("Add", _) => (vec![1.0; c], v),
        ("Sub", true) => (vec![1.0; c], v.iter().map(|d| -d).collect()),
        ("Sub", false) => (vec![-1.0; c], v),
        _ => return Err(n.err("a constant divided by an activation is not supported")),
    };
    Ok(affine(im, x, Affine { scale, shift }))
}

/// A pending per-channel map that no linear layer can absorb, as layers of its own: a
/// per-channel `Mul` then `Add` (each left out when it is the identity). Returns the value.
pub(crate) fn materialize_affine(
    im: &mut Importer,
    n: NodeRef<'_>,
    id: crate::ir::ValueId,
    pre: &Affine,
) -> crate::ir::ValueId {
    let shape = im.shape(id);
    let mut v = id;
    let uniform = |x: &[f32], e: f32| x.iter().all(|&s| s == e);
    let name = format!("{} (folded scale)", n.name());
    if !uniform(&pre.scale, 1.0) {
        let op = Op::BinaryConst {
            kind: BinaryKind::Mul,
            constant: pre.scale.clone(),
            act: Activation::None,
        };
        v = im.push_named(name.clone(), op, vec![v], shape);
    }
    if !uniform(&pre.shift, 0.0) {
        let op = Op::BinaryConst {
            kind: BinaryKind::Add,
            constant: pre.shift.clone(),
            act: Activation::None,
        };
        v = im.push_named(name, op, vec![v], shape);
    }
    v
}

/// `Add`, `Sub`, `Mul` of two different activations that broadcast over rows or channels
/// (`x - x.mean(1, keepdim=True)`, a gate `h * g`).
pub(crate) fn binary_acts(
    im: &mut Importer,
    n: NodeRef<'_>,
    x: Act,
    y: Act,
) -> Result<Sym, OnnxError> {
    let kind = match n.op() {
        "Add" => BinaryKind::Add,
        "Sub" => BinaryKind::Sub,
        "Mul" => BinaryKind::Mul,
        op => return Err(n.err(format!("{op} between two activations is not supported"))),
    };
    if x.pre.is_some() || y.pre.is_some() || x.flat.is_some() || y.flat.is_some() {
        return Err(n.err("reads an activation with a pending scale that was not folded"));
    }
    let (sx, sy) = (im.shape(x.id), im.shape(y.id));
    let rows = |s: Shape| match s {
        Shape::Points { n, .. } => n,
        Shape::Vector { .. } => Some(1),
    };
    let (cx, cy) = (sx.channels(), sy.channels());
    let ok_c = cx == cy || cx == 1 || cy == 1;
    let (rx, ry) = (rows(sx), rows(sy));
    let ok_r = rx == ry
        || rx == Some(1)
        || ry == Some(1)
        || matches!(sx, Shape::Vector { .. })
        || matches!(sy, Shape::Vector { .. });
    let core = |a: &Act| -> Vec<Ax> { a.dims.iter().copied().filter(|&d| d != Ax::One).collect() };
    let layout_ok = {
        let (a, b) = (core(&x), core(&y));
        let sub = |small: &[Ax], big: &[Ax]| small.iter().all(|d| big.contains(d));
        sub(&a, &b) || sub(&b, &a)
    };
    if !ok_c || !ok_r || !layout_ok {
        return Err(n.err(format!(
            "{} {:?} and {} {:?} do not broadcast over rows or channels",
            dims_str(&x.dims),
            sx,
            dims_str(&y.dims),
            sy
        )));
    }
    let big_x =
        matches!(sx, Shape::Points { .. }) || matches!(sy, Shape::Vector { .. }) && cx >= cy;
    let shape = match (sx, sy) {
        (Shape::Points { n: a, .. }, Shape::Points { n: b, .. }) => Shape::Points {
            n: if a == Some(1) { b } else { a },
            c: cx.max(cy),
        },
        (Shape::Points { n, .. }, Shape::Vector { .. })
        | (Shape::Vector { .. }, Shape::Points { n, .. }) => Shape::Points { n, c: cx.max(cy) },
        _ => Shape::Vector { c: cx.max(cy) },
    };
    let dims = if big_x {
        x.dims.clone()
    } else {
        y.dims.clone()
    };
    let op = Op::Binary {
        kind,
        act: Activation::None,
    };
    let id = im.push(n, op, vec![x.id, y.id], shape);
    Ok(Sym::Act(Act::new(id, dims)))
}
