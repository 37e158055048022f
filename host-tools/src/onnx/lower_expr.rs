//! Element-wise functions of one activation, as exporters write them: a single op (`Sigmoid`,
//! `Tanh`, `Elu`, `HardSwish`, `Gelu`, ...) or a chain of ops on the same tensor (GELU as
//! `Div`/`Erf`/`Add`/`Mul`, its tanh form as `Mul`/`Add`/`Tanh`, SiLU as `Sigmoid` then `Mul`).
//! The chain is kept as an expression of `x` until a node that is not element-wise reads it;
//! then it is identified by evaluating it against the functions the engine has (to 1e-5
//! relative on `[-12, 12]`) and becomes one activation layer. Also `Softmax`, `LogSoftmax`
//! and `LayerNormalization` over the channels.

use std::rc::Rc;

use super::attrs::{norm_axis, NodeRef};
use super::layout::{dims_str, Act, Affine, Ax};
use super::{Importer, OnnxError, Sym};
use crate::ir::{Activation, ElementFn, Op};

/// An expression of the activation `x`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// `x` itself.
    X,
    /// A scalar constant.
    C(f64),
    /// A one-input function.
    Un(Un, Rc<Expr>),
    /// A two-input arithmetic op.
    Bin(char, Rc<Expr>, Rc<Expr>),
}

/// One-input functions of an expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Un {
    /// `erf`.
    Erf,
    /// `tanh`.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// `e^x`.
    Exp,
    /// Softplus.
    Softplus,
    /// A function the engine has, with its parameters.
    Element(ElementFn),
    /// `clamp(x, lo, hi)`.
    Clip(f64, f64),
}

/// An expression of one activation, and the nodes that built it (for messages).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExprAct {
    /// The activation `x`.
    pub base: Act,
    /// The expression.
    pub e: Rc<Expr>,
    /// `op` of each node in the chain.
    pub ops: Vec<String>,
    /// The first node's name.
    pub node: String,
}

fn erf(x: f64) -> f64 {
    // Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7).
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    if x >= 0.0 {
        y
    } else {
        -y
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl Expr {
    fn eval(&self, x: f64) -> f64 {
        match self {
            Expr::X => x,
            Expr::C(c) => *c,
            Expr::Un(u, a) => {
                let v = a.eval(x);
                match u {
                    Un::Erf => erf(v),
                    Un::Tanh => v.tanh(),
                    Un::Sigmoid => sigmoid(v),
                    Un::Exp => v.exp(),
                    Un::Softplus => softplus(v),
                    Un::Element(f) => f64::from(f.apply(v as f32)),
                    Un::Clip(lo, hi) => v.max(*lo).min(*hi),
                }
            }
            Expr::Bin(op, a, b) => {
                let (p, q) = (a.eval(x), b.eval(x));
                match op {
                    '+' => p + q,
                    '-' => p - q,
                    '*' => p * q,
                    '/' => p / q,
                    _ => p.powf(q),
                }
            }
        }
    }

    fn params(&self, out: &mut Vec<ElementFn>) {
        match self {
            Expr::Un(Un::Element(f), a) => {
                out.push(*f);
                a.params(out);
            }
            Expr::Un(_, a) => a.params(out),
            Expr::Bin(_, a, b) => {
                a.params(out);
                b.params(out);
            }
            _ => {}
        }
    }
}

/// The activation an expression computes, if the engine has it.
fn identify(e: &Expr) -> Option<Activation> {
    match e {
        Expr::Un(Un::Sigmoid, x) if **x == Expr::X => return Some(Activation::Sigmoid),
        Expr::Un(Un::Tanh, x) if **x == Expr::X => return Some(Activation::Tanh),
        Expr::Un(Un::Element(f), x) if **x == Expr::X => return Some(Activation::Element(*f)),
        _ => {}
    }
    let mut cands = vec![
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Element(ElementFn::Gelu),
        Activation::Element(ElementFn::GeluTanh),
        Activation::Element(ElementFn::Silu),
        Activation::Element(ElementFn::HardSwish),
        Activation::Element(ElementFn::Mish),
        Activation::Element(ElementFn::Softplus),
    ];
    let mut found = Vec::new();
    e.params(&mut found);
    cands.extend(found.into_iter().map(Activation::Element));
    let xs: Vec<f64> = (0..=480).map(|i| -12.0 + 0.05 * f64::from(i)).collect();
    cands.into_iter().find(|a| {
        xs.iter().all(|&x| {
            let want = f64::from(a.apply(x as f32));
            let got = e.eval(x);
            got.is_finite() && (got - want).abs() <= 1e-5 * (1.0 + want.abs())
        })
    })
}

/// The ONNX op as an expression step, for the element-wise ops that have no other lowering.
pub(crate) fn unary_op(n: NodeRef<'_>) -> Option<Un> {
    Some(match n.op() {
        "Erf" => Un::Erf,
        "Tanh" => Un::Tanh,
        "Sigmoid" => Un::Sigmoid,
        "Exp" => Un::Exp,
        "Softplus" => Un::Softplus,
        "Elu" => Un::Element(ElementFn::Elu {
            alpha: n.float("alpha", 1.0),
        }),
        "Selu" => Un::Element(ElementFn::Selu {
            alpha: n.float("alpha", 1.673_263_2),
            scale: n.float("gamma", 1.050_701),
        }),
        "HardSwish" => Un::Element(ElementFn::HardSwish),
        "HardSigmoid" => Un::Element(ElementFn::HardSigmoid {
            alpha: n.float("alpha", 0.2),
            beta: n.float("beta", 0.5),
        }),
        "Mish" => Un::Element(ElementFn::Mish),
        "Gelu" => match n.string("approximate").as_deref() {
            Some("tanh") => Un::Element(ElementFn::GeluTanh),
            _ => Un::Element(ElementFn::Gelu),
        },
        _ => return None,
    })
}

/// An input as an expression: the activation it is built on (none for a constant), and the
/// expression; `None` when the input cannot take part in one.
type View = Option<(Option<ExprAct>, Rc<Expr>)>;

/// The expression view of an input: `x` for a plain activation, `s x + t` for one with a
/// uniform pending scale and offset, the expression itself, a scalar constant.
fn view(im: &Importer, n: NodeRef<'_>, i: usize) -> Result<View, OnnxError> {
    Ok(match im.sym(n, i)? {
        Sym::Expr(e) => Some((Some(e.clone()), e.e.clone())),
        Sym::Act(a) => {
            let mut base = a.clone();
            let e = match a.pre.take_uniform() {
                Some(None) => Rc::new(Expr::X),
                Some(Some((s, t))) => Rc::new(Expr::Bin(
                    '+',
                    Rc::new(Expr::Bin('*', Rc::new(Expr::X), Rc::new(Expr::C(s)))),
                    Rc::new(Expr::C(t)),
                )),
                None => return Ok(None),
            };
            base.pre = None;
            Some((
                Some(ExprAct {
                    base,
                    e: e.clone(),
                    ops: Vec::new(),
                    node: n.name(),
                }),
                e,
            ))
        }
        Sym::Const(t) if t.len() == 1 => Some((None, Rc::new(Expr::C(f64::from(t.as_f32()[0]))))),
        Sym::Const(_) => None,
    })
}

/// Extends `Option<Affine>` with its uniform form.
trait Uniform {
    /// `Some(None)`: no map; `Some(Some((s, t)))`: the same scale and offset on every channel;
    /// `None`: per-channel values.
    fn take_uniform(&self) -> Option<Option<(f64, f64)>>;
}

impl Uniform for Option<Affine> {
    fn take_uniform(&self) -> Option<Option<(f64, f64)>> {
        match self {
            None => Some(None),
            Some(a) => {
                let (s, t) = (a.scale.first()?, a.shift.first()?);
                (a.scale.iter().all(|v| v == s) && a.shift.iter().all(|v| v == t))
                    .then_some(Some((f64::from(*s), f64::from(*t))))
            }
        }
    }
}

/// A unary element-wise op on an activation or expression.
pub(crate) fn unary(im: &mut Importer, n: NodeRef<'_>, u: Un) -> Result<Sym, OnnxError> {
    let Some((Some(mut ea), e)) = view(im, n, 0)? else {
        return Err(n.err(
            "reads an activation scaled per channel (a BatchNormalization or constant that cannot be folded before an element-wise function)",
        ));
    };
    ea.e = Rc::new(Expr::Un(u, e));
    ea.ops.push(n.op().to_string());
    Ok(Sym::Expr(ea))
}

/// Whether `e` is `x * x` (or `x ** 2`).
pub(crate) fn is_square(e: &Expr) -> bool {
    (-6..=6).all(|i| {
        let x = f64::from(i) * 0.7;
        (e.eval(x) - x * x).abs() <= 1e-9 * (1.0 + x * x)
    })
}

/// Whether a binary op continues an expression: one input is an expression, both read the
/// same activation (`x * x`), or it is a power of an activation.
pub(crate) fn continues(im: &Importer, n: NodeRef<'_>) -> bool {
    let s = |i| im.opt(n, i).ok().flatten();
    if n.op() == "Pow" {
        return matches!(s(0), Some(Sym::Act(_) | Sym::Expr(_)));
    }
    match (s(0), s(1)) {
        (Some(Sym::Expr(_)), _) | (_, Some(Sym::Expr(_))) => true,
        (Some(Sym::Act(a)), Some(Sym::Act(b))) => {
            a.id == b.id && a.dims == b.dims && a.chans == b.chans
        }
        _ => false,
    }
}

/// Whether a `Relu` / `Clip` continues an expression: its input is one, or an activation with
/// a uniform pending scale/offset (`clamp(x + 3, 0, 6)` of a HardSwish).
pub(crate) fn clip_continues(im: &Importer, n: NodeRef<'_>) -> bool {
    match im.opt(n, 0).ok().flatten() {
        Some(Sym::Expr(_)) => true,
        Some(Sym::Act(a)) => a.pre.is_some() && matches!(a.pre.take_uniform(), Some(Some(_))),
        _ => false,
    }
}

/// The clamp of a `Relu` / `Clip` node.
pub(crate) fn clip_op(im: &Importer, n: NodeRef<'_>) -> Result<Un, OnnxError> {
    if n.op() == "Relu" {
        return Ok(Un::Clip(0.0, f64::INFINITY));
    }
    let bound = |i: usize, attr: &str, default: f32| -> Result<f64, OnnxError> {
        Ok(f64::from(match im.opt_konst(n, i)? {
            Some(t) if t.len() == 1 => t.as_f32()[0],
            Some(t) => return Err(n.err(format!("{attr} must be a scalar, got dims {:?}", t.dims))),
            None => n.float(attr, default),
        }))
    };
    Ok(Un::Clip(
        bound(1, "min", f32::NEG_INFINITY)?,
        bound(2, "max", f32::INFINITY)?,
    ))
}

/// `Add`, `Sub`, `Mul`, `Div`, `Pow` continuing an expression of one activation.
pub(crate) fn binary(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let (a, b) = (view(im, n, 0)?, view(im, n, 1)?);
    let (Some((ea, x)), Some((eb, y))) = (a, b) else {
        return Err(n.err(
            "combines an element-wise expression with a tensor constant or a per-channel scaled activation (only scalar constants are supported inside element-wise functions)",
        ));
    };
    let mut out = match (ea, eb) {
        (Some(p), Some(q)) => {
            if p.base.id != q.base.id || p.base.dims != q.base.dims || p.base.chans != q.base.chans
            {
                return Err(n.err(
                    "between two different activations this is an element-wise layer not supported yet",
                ));
            }
            let mut p = p;
            p.ops.extend(q.ops);
            p
        }
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => return Err(n.err("both inputs are constants")),
    };
    let op = match n.op() {
        "Add" => '+',
        "Sub" => '-',
        "Mul" => '*',
        "Div" => '/',
        _ => '^',
    };
    out.e = Rc::new(Expr::Bin(op, x, y));
    out.ops.push(n.op().to_string());
    Ok(Sym::Expr(out))
}

/// The expression as one activation layer on its base (or the base with a uniform affine
/// map); `reader` is the op and name of what reads it (for messages).
pub(crate) fn materialize_named(
    im: &mut Importer,
    reader: (&str, &str),
    ea: &ExprAct,
) -> Result<Act, OnnxError> {
    if ea.base.chans.is_some() {
        return Err(OnnxError::Node {
            node: ea.node.clone(),
            op_type: ea.ops.first().cloned().unwrap_or_default(),
            problem: "an element-wise function of a slice of the channels is supported only as the squares of a per-row norm".into(),
        });
    }
    // An affine expression stays a pending map (folded into the next linear layer).
    let (e0, e1) = (ea.e.eval(0.0), ea.e.eval(1.0));
    let affine = (-4..=4).all(|i| {
        let x = f64::from(i) * 0.75;
        (ea.e.eval(x) - (e0 + (e1 - e0) * x)).abs() <= 1e-9 * (1.0 + e0.abs() + e1.abs())
    });
    if affine {
        let c = im.shape(ea.base.id).channels();
        let mut a = ea.base.clone();
        a.pre = Some(Affine {
            scale: vec![(e1 - e0) as f32; c],
            shift: vec![e0 as f32; c],
        });
        return Ok(a);
    }
    let Some(act) = identify(&ea.e) else {
        let ops = ea.ops.join(", ");
        return Err(OnnxError::Node {
            node: ea.node.clone(),
            op_type: ea.ops.first().cloned().unwrap_or_default(),
            problem: format!(
                "the element-wise function built by {ops} (read by {} '{}') is none of Sigmoid, Tanh, GELU (both forms), SiLU, ELU, SELU, HardSwish, HardSigmoid, Softplus, Mish",
                reader.0, reader.1
            ),
        });
    };
    let x = ea.base.clone();
    let shape = im.shape(x.id);
    let id = im.push_named(ea.node.clone(), Op::Activation(act), vec![x.id], shape);
    Ok(Act::new(id, x.dims))
}

/// `Softmax` / `LogSoftmax` over the channel axis.
pub(crate) fn softmax(im: &mut Importer, n: NodeRef<'_>, opset: i64) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let r = x.dims.len();
    let default = if opset >= 13 { -1 } else { 1 };
    let axis = norm_axis(&n, n.int("axis", default), r)?;
    let ok = x.dims[axis] == Ax::Channels
        && (opset >= 13 || x.dims[axis + 1..].iter().all(|&a| a == Ax::One));
    if !ok {
        return Err(n.bad_attr(
            "axis",
            axis,
            &format!("the channel axis of {}", dims_str(&x.dims)),
        ));
    }
    let op = if n.op() == "Softmax" {
        Op::Softmax { beta: 1.0 }
    } else {
        Op::LogSoftmax
    };
    let shape = im.shape(x.id);
    let id = im.push(n, op, vec![x.id], shape);
    Ok(Sym::Act(Act::new(id, x.dims)))
}

/// `LayerNormalization` over the channels (the last axis).
pub(crate) fn layer_norm(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&["axis", "epsilon", "stash_type"])?;
    let x = im.act(n, 0)?;
    let axis = norm_axis(&n, n.int("axis", -1), x.dims.len())?;
    if axis + 1 != x.dims.len() || x.dims[axis] != Ax::Channels {
        return Err(n.bad_attr(
            "axis",
            axis,
            &format!("the last axis of {}, the channels", dims_str(&x.dims)),
        ));
    }
    if n.node.output.iter().skip(1).any(|o| !o.is_empty()) {
        return Err(n.err("the mean / inverse deviation outputs are not supported"));
    }
    let c = im.shape(x.id).channels();
    let gamma = im.konst(n, 1)?.as_f32();
    let beta = im.opt_konst(n, 2)?.map_or(vec![0.0; c], |t| t.as_f32());
    let bc = |v: Vec<f32>| if v.len() == 1 { vec![v[0]; c] } else { v };
    let (gamma, beta) = (bc(gamma), bc(beta));
    if gamma.len() != c || beta.len() != c {
        return Err(n.err(format!(
            "scale / bias of {} / {} values for {c} channels",
            gamma.len(),
            beta.len()
        )));
    }
    let shape = im.shape(x.id);
    let op = Op::LayerNorm {
        eps: n.float("epsilon", 1e-5),
        gamma,
        beta,
    };
    let id = im.push(n, op, vec![x.id], shape);
    Ok(Sym::Act(Act::new(id, x.dims)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Rc<Expr> {
        Rc::new(Expr::X)
    }
    fn c(v: f64) -> Rc<Expr> {
        Rc::new(Expr::C(v))
    }
    fn bin(op: char, a: Rc<Expr>, b: Rc<Expr>) -> Rc<Expr> {
        Rc::new(Expr::Bin(op, a, b))
    }

    #[test]
    fn exported_chains_are_identified() {
        // TorchScript GELU: x * (erf(x / sqrt 2) + 1) * 0.5.
        let erf = Rc::new(Expr::Un(
            Un::Erf,
            bin('/', x(), c(std::f64::consts::SQRT_2)),
        ));
        let gelu = bin('*', bin('*', x(), bin('+', erf, c(1.0))), c(0.5));
        assert_eq!(identify(&gelu), Some(Activation::Element(ElementFn::Gelu)));
        // SiLU: x * sigmoid(x).
        let silu = bin('*', x(), Rc::new(Expr::Un(Un::Sigmoid, x())));
        assert_eq!(identify(&silu), Some(Activation::Element(ElementFn::Silu)));
        // HardSwish: x * clip(x + 3, 0, 6) / 6.
        let clip = Rc::new(Expr::Un(Un::Clip(0.0, 6.0), bin('+', x(), c(3.0))));
        let hs = bin('/', bin('*', x(), clip), c(6.0));
        assert_eq!(
            identify(&hs),
            Some(Activation::Element(ElementFn::HardSwish))
        );
        // x * x is a square (a norm's sum of squares), not an activation.
        let sq = bin('*', x(), x());
        assert!(is_square(&sq) && is_square(&bin('^', x(), c(2.0))));
        assert_eq!(identify(&sq), None);
        // A GELU with a wrong constant is refused, not approximated.
        let erf = Rc::new(Expr::Un(Un::Erf, bin('/', x(), c(1.3))));
        let off = bin('*', bin('*', x(), bin('+', erf, c(1.0))), c(0.5));
        assert_eq!(identify(&off), None);
    }
}
