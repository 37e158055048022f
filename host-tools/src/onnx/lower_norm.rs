//! `BatchNormalization` at inference: a per-channel affine map folded into the MatMul / Gemm /
//! Conv before it (when that layer's result has no other reader and no activation), or carried
//! as the activation's pending map into the next linear layer, which absorbs it.

use super::attrs::NodeRef;
use super::layout::{dims_str, Affine, Ax};
use super::{Importer, OnnxError, Sym};
use crate::ir::{Activation, Linear};

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
    let bn = Affine { scale, shift };
    if x.pre.is_none() {
        if let Some(lin) = im
            .sole_producer(x.id)
            .and_then(|l| l.op.linear_mut())
            .filter(|l| l.act == Activation::None)
        {
            absorb_after(lin, &bn);
            return Ok(Sym::Act(x));
        }
    }
    let pre = match &x.pre {
        Some(first) => bn.after(first),
        None => bn,
    };
    let mut out = x;
    out.pre = Some(pre);
    Ok(Sym::Act(out))
}
