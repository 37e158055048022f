//! Constant folding: nodes whose inputs are all constants are evaluated at import time
//! (shape arithmetic, weight transposes, reshapes of initializers).

use super::attrs::{norm_axis, NodeRef};
use super::layout::{Ax, BATCH_MARK, POINTS_MARK};
use super::{Data, Importer, OnnxError, Sym, Tensor};

/// A `Constant` node's value.
pub(crate) fn constant(n: NodeRef<'_>) -> Result<Tensor, OnnxError> {
    if let Some(t) = n.attr("value").and_then(|a| a.t.as_ref()) {
        return Tensor::from_proto(t);
    }
    if let Some(a) = n.attr("value_float").and_then(|a| a.f) {
        return Ok(Tensor::f32(vec![], vec![a]));
    }
    if let Some(a) = n.attr("value_floats") {
        return Ok(Tensor::f32(vec![a.floats.len()], a.floats.clone()));
    }
    if let Some(a) = n.attr("value_int").and_then(|a| a.i) {
        return Ok(Tensor::i64(vec![], vec![a]));
    }
    if let Some(a) = n.ints("value_ints") {
        return Ok(Tensor::i64(vec![a.len()], a));
    }
    Err(n.bad_attr(
        "value",
        "(missing or sparse)",
        "value, value_float(s), value_int(s)",
    ))
}

/// `Shape` of an activation: known sizes, with markers for the batch and dynamic points.
pub(crate) fn shape(im: &Importer, n: NodeRef<'_>) -> Result<Tensor, OnnxError> {
    n.only_attrs(&[])?;
    let base;
    let sym = match im.sym(n, 0)? {
        Sym::Expr(e) => {
            base = Sym::Act(e.base.clone());
            &base
        }
        s => s,
    };
    let dims: Vec<i64> = match sym {
        Sym::Expr(_) => Vec::new(),
        Sym::Const(t) => t.dims.iter().map(|&d| d as i64).collect(),
        Sym::Act(a) => a
            .dims
            .iter()
            .zip(a.sizes(&im.g))
            .map(|(ax, s)| match (ax, s) {
                (Ax::Batch, _) => BATCH_MARK,
                (_, Some(s)) => s as i64,
                (_, None) => POINTS_MARK,
            })
            .collect(),
    };
    Ok(Tensor::i64(vec![dims.len()], dims))
}

fn strides(dims: &[usize]) -> Vec<usize> {
    let mut s = vec![1; dims.len()];
    for i in (0..dims.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * dims[i + 1];
    }
    s
}

fn map_data(t: &Tensor, idx: &[usize]) -> Data {
    match &t.data {
        Data::F32(v) => Data::F32(idx.iter().map(|&i| v[i]).collect()),
        Data::I64(v) => Data::I64(idx.iter().map(|&i| v[i]).collect()),
    }
}

fn transpose(t: &Tensor, perm: &[usize]) -> Tensor {
    let st = strides(&t.dims);
    let dims: Vec<usize> = perm.iter().map(|&p| t.dims[p]).collect();
    let count: usize = dims.iter().product();
    let ost = strides(&dims);
    let idx: Vec<usize> = (0..count)
        .map(|o| {
            perm.iter()
                .enumerate()
                .map(|(k, &p)| (o / ost[k]) % dims[k] * st[p])
                .sum()
        })
        .collect();
    Tensor {
        data: map_data(t, &idx),
        dims,
    }
}

fn binary(n: NodeRef<'_>, a: &Tensor, b: &Tensor) -> Result<Tensor, OnnxError> {
    binary_named(n, a, b, n.op())
}

fn binary_named(n: NodeRef<'_>, a: &Tensor, b: &Tensor, op: &str) -> Result<Tensor, OnnxError> {
    let r = a.dims.len().max(b.dims.len());
    let pad = |d: &[usize]| [vec![1; r - d.len()], d.to_vec()].concat();
    let (da, db) = (pad(&a.dims), pad(&b.dims));
    let mut dims = Vec::with_capacity(r);
    for (&x, &y) in da.iter().zip(&db) {
        if x != y && x != 1 && y != 1 {
            return Err(n.err(format!(
                "cannot broadcast dims {:?} and {:?}",
                a.dims, b.dims
            )));
        }
        dims.push(x.max(y));
    }
    let (sa, sb, so) = (strides(&da), strides(&db), strides(&dims));
    let count: usize = dims.iter().product();
    let index = |o: usize, d: &[usize], s: &[usize]| -> usize {
        (0..r)
            .map(|k| {
                if d[k] == 1 {
                    0
                } else {
                    (o / so[k]) % dims[k] * s[k]
                }
            })
            .sum()
    };
    let pairs: Vec<(usize, usize)> = (0..count)
        .map(|o| (index(o, &da, &sa), index(o, &db, &sb)))
        .collect();
    let data = match (&a.data, &b.data) {
        (Data::I64(x), Data::I64(y)) => {
            if pairs
                .iter()
                .any(|&(i, j)| x[i] <= POINTS_MARK || y[j] <= POINTS_MARK)
            {
                return Err(
                    n.err("arithmetic on the dynamic batch or point count is not supported")
                );
            }
            let f = |p: i64, q: i64| match op {
                "Add" => p.wrapping_add(q),
                "Sub" => p.wrapping_sub(q),
                "Mul" => p.wrapping_mul(q),
                "Pow" => p.wrapping_pow(q.clamp(0, 63) as u32),
                _ => p.checked_div(q).unwrap_or(0),
            };
            Data::I64(pairs.iter().map(|&(i, j)| f(x[i], y[j])).collect())
        }
        _ => {
            let (x, y) = (a.as_f32(), b.as_f32());
            let f = |p: f32, q: f32| match op {
                "Add" => p + q,
                "Sub" => p - q,
                "Mul" => p * q,
                "Pow" => p.powf(q),
                _ => p / q,
            };
            Data::F32(pairs.iter().map(|&(i, j)| f(x[i], y[j])).collect())
        }
    };
    Ok(Tensor { dims, data })
}

/// Evaluates a node whose inputs are all constants.
pub(crate) fn fold(
    _im: &Importer,
    n: NodeRef<'_>,
    inputs: &[Option<Tensor>],
) -> Result<Tensor, OnnxError> {
    let input = |i: usize| {
        inputs
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| n.err(format!("input {i} is missing")))
    };
    let x = input(0)?;
    let r = x.dims.len();
    match n.op() {
        "Identity" => Ok(x.clone()),
        "Transpose" => {
            let perm: Vec<usize> = match n.ints("perm") {
                Some(p) => p
                    .iter()
                    .map(|&a| norm_axis(&n, a, r))
                    .collect::<Result<_, _>>()?,
                None => (0..r).rev().collect(),
            };
            Ok(transpose(x, &perm))
        }
        "Reshape" | "Squeeze" | "Unsqueeze" | "Flatten" => {
            let dims = reshaped(n, x, inputs.get(1).and_then(Option::as_ref))?;
            if dims.iter().product::<usize>() != x.len() {
                return Err(n.err(format!(
                    "cannot reshape {} elements of dims {:?} to {dims:?}",
                    x.len(),
                    x.dims
                )));
            }
            Ok(Tensor {
                dims,
                data: x.data.clone(),
            })
        }
        "Concat" => {
            let parts: Vec<&Tensor> = (0..inputs.len()).map(input).collect::<Result<_, _>>()?;
            let axis = norm_axis(&n, n.int("axis", 0), r)?;
            let outer: usize = x.dims[..axis].iter().product();
            let mut dims = x.dims.clone();
            dims[axis] = parts
                .iter()
                .map(|p| p.dims.get(axis).copied().unwrap_or(0))
                .sum();
            let floats = parts.iter().any(|p| matches!(p.data, Data::F32(_)));
            let (mut f, mut i) = (Vec::new(), Vec::new());
            for o in 0..outer {
                for p in &parts {
                    let inner: usize = p.dims[axis..].iter().product();
                    if floats {
                        f.extend_from_slice(&p.as_f32()[o * inner..(o + 1) * inner]);
                    } else {
                        i.extend_from_slice(&p.as_i64()[o * inner..(o + 1) * inner]);
                    }
                }
            }
            Ok(Tensor {
                dims,
                data: if floats { Data::F32(f) } else { Data::I64(i) },
            })
        }
        "Gather" => {
            let idx = input(1)?;
            let axis = norm_axis(&n, n.int("axis", 0), r)?;
            let (outer, len): (usize, usize) = (x.dims[..axis].iter().product(), x.dims[axis]);
            let inner: usize = x.dims[axis + 1..].iter().product();
            let mut pos = Vec::new();
            for o in 0..outer {
                for &k in &idx.as_i64() {
                    let k = if k < 0 { k + len as i64 } else { k };
                    if k < 0 || k as usize >= len {
                        return Err(n.err(format!("index {k} out of range for axis of size {len}")));
                    }
                    pos.extend((0..inner).map(|j| (o * len + k as usize) * inner + j));
                }
            }
            let dims = [&x.dims[..axis], &idx.dims[..], &x.dims[axis + 1..]].concat();
            Ok(Tensor {
                dims,
                data: map_data(x, &pos),
            })
        }
        "Cast" => match n.int("to", 1) {
            1 | 11 | 10 => Ok(Tensor::f32(x.dims.clone(), x.as_f32())),
            6 | 7 | 3 | 2 => Ok(Tensor::i64(x.dims.clone(), x.as_i64())),
            to => Err(n.bad_attr(
                "to",
                to,
                "float, double, float16, int64, int32, int8, uint8",
            )),
        },
        "Add" | "Sub" | "Mul" | "Div" | "Pow" => binary(n, x, input(1)?),
        "Sqrt" | "Reciprocal" | "Neg" => {
            let f = |v: f32| match n.op() {
                "Sqrt" => v.sqrt(),
                "Reciprocal" => 1.0 / v,
                _ => -v,
            };
            match &x.data {
                Data::I64(v) if n.op() == "Neg" => {
                    Ok(Tensor::i64(x.dims.clone(), v.iter().map(|&e| -e).collect()))
                }
                _ => Ok(Tensor::f32(
                    x.dims.clone(),
                    x.as_f32().into_iter().map(f).collect(),
                )),
            }
        }
        "ConstantOfShape" => {
            let dims: Vec<usize> = x.as_i64().iter().map(|&d| d.max(0) as usize).collect();
            let count = dims.iter().product();
            let value = match n.attr("value").and_then(|a| a.t.as_ref()) {
                Some(t) => Tensor::from_proto(t)?,
                None => Tensor::f32(vec![1], vec![0.0]),
            };
            Ok(match value.data {
                Data::F32(v) => Tensor::f32(dims, vec![v.first().copied().unwrap_or(0.0); count]),
                Data::I64(v) => Tensor::i64(dims, vec![v.first().copied().unwrap_or(0); count]),
            })
        }
        "Expand" => {
            let shape: Vec<usize> = input(1)?
                .as_i64()
                .iter()
                .map(|&d| d.max(1) as usize)
                .collect();
            let ones = match &x.data {
                Data::F32(_) => Tensor::f32(shape.clone(), vec![0.0; shape.iter().product()]),
                Data::I64(_) => Tensor::i64(shape.clone(), vec![0; shape.iter().product()]),
            };
            let mut out = binary_named(n, x, &ones, "Add")?;
            if out.dims.len() < x.dims.len() {
                out.dims = x.dims.clone();
            }
            Ok(out)
        }
        "Relu" => Ok(Tensor::f32(
            x.dims.clone(),
            x.as_f32().iter().map(|v| v.max(0.0)).collect(),
        )),
        other => Err(OnnxError::UnsupportedOp {
            node: n.name(),
            op_type: format!("{other} (on constants)"),
        }),
    }
}

/// Output dims of the reshaping ops on a constant.
fn reshaped(n: NodeRef<'_>, x: &Tensor, second: Option<&Tensor>) -> Result<Vec<usize>, OnnxError> {
    let r = x.dims.len();
    let axes = |rank: usize| -> Result<Vec<usize>, OnnxError> {
        let raw = second
            .map(Tensor::as_i64)
            .or_else(|| n.ints("axes"))
            .unwrap_or_default();
        raw.iter().map(|&a| norm_axis(&n, a, rank)).collect()
    };
    match n.op() {
        "Reshape" => {
            let t = second.ok_or_else(|| n.err("shape input missing"))?.as_i64();
            let known: usize = t
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if v == 0 {
                        x.dims.get(i).copied().unwrap_or(0)
                    } else if v < 0 {
                        1
                    } else {
                        v as usize
                    }
                })
                .product();
            Ok(t.iter()
                .enumerate()
                .map(|(i, &v)| match v {
                    0 => x.dims.get(i).copied().unwrap_or(0),
                    -1 => x.len().checked_div(known).unwrap_or(0),
                    v => v.max(0) as usize,
                })
                .collect())
        }
        "Flatten" => {
            let axis = norm_axis(&n, n.int("axis", 1), r + 1)?;
            Ok(vec![
                x.dims[..axis].iter().product(),
                x.dims[axis..].iter().product(),
            ])
        }
        "Squeeze" => {
            let a = axes(r)?;
            Ok(x.dims
                .iter()
                .enumerate()
                .filter(|&(i, &d)| !(if a.is_empty() { d == 1 } else { a.contains(&i) }))
                .map(|(_, &d)| d)
                .collect())
        }
        _ => {
            let count = second.map_or_else(|| n.ints("axes").map_or(0, |a| a.len()), Tensor::len);
            let mut a = axes(r + count)?;
            a.sort_unstable();
            let mut dims = x.dims.clone();
            for i in a {
                dims.insert(i.min(dims.len()), 1);
            }
            Ok(dims)
        }
    }
}
