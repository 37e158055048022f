//! Lowering of pooling, reductions and the layout ops (Transpose, Reshape, Flatten, Squeeze,
//! Unsqueeze, Concat). Layout ops on activations only relabel axes; they add no layer.

use super::attrs::{norm_axis, NodeRef};
use super::layout::{dims_str, reshape_dims, Act, Ax, Flat};
use super::{Importer, OnnxError, Sym};
use crate::ir::{Op, PoolKind, Shape};

/// Axes of a node given as attribute (older opsets) or as a constant second input.
fn axes_of(im: &Importer, n: NodeRef<'_>, rank: usize) -> Result<Option<Vec<usize>>, OnnxError> {
    let raw = match im.opt_konst(n, 1)? {
        Some(t) => Some(t.as_i64()),
        None => n.ints("axes"),
    };
    raw.map(|v| v.into_iter().map(|a| norm_axis(&n, a, rank)).collect())
        .transpose()
}

/// Adds a global pool over the points axis at `pos`; the axis becomes size 1 or goes away.
fn pool_points(im: &mut Importer, n: NodeRef<'_>, x: &Act, kind: PoolKind, dims: Vec<Ax>) -> Sym {
    let c = im.shape(x.id).channels();
    let id = im.push(n, Op::GlobalPool(kind), vec![x.id], Shape::Vector { c });
    Sym::Act(Act::new(id, dims))
}

/// `ReduceMax` / `ReduceMean` / `ReduceSum` over the points axis (and size-1 axes).
pub(crate) fn reduce(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&["axes", "keepdims", "noop_with_empty_axes"])?;
    let x = im.act(n, 0)?;
    if matches!(n.op(), "ReduceL2" | "ReduceSumSquare") {
        return row_norm(im, n, x, n.op() == "ReduceSumSquare");
    }
    let axes = axes_of(im, n, x.dims.len())?.filter(|a| !a.is_empty());
    let Some(axes) = axes else {
        return Err(n.bad_attr(
            "axes",
            "(all)",
            "the points axis (reducing over every axis is not supported)",
        ));
    };
    if let Some(&a) = axes
        .iter()
        .find(|&&a| matches!(x.dims[a], Ax::Batch | Ax::Channels))
    {
        return Err(n.bad_attr(
            "axes",
            &axes,
            &format!("the points axis of {}, not axis {a}", dims_str(&x.dims)),
        ));
    }
    let keep = n.int("keepdims", 1) != 0;
    let dims: Vec<Ax> = x
        .dims
        .iter()
        .enumerate()
        .filter_map(|(i, &a)| match (axes.contains(&i), keep) {
            (false, _) => Some(a),
            (true, true) => Some(Ax::One),
            (true, false) => None,
        })
        .collect();
    if !axes.iter().any(|&a| x.dims[a] == Ax::Points) {
        return Ok(Sym::Act(x.with(dims)));
    }
    let kind = match n.op() {
        "ReduceMax" => PoolKind::Max,
        "ReduceMean" => PoolKind::Mean,
        _ => PoolKind::Sum,
    };
    Ok(pool_points(im, n, &x, kind, dims))
}

/// `GlobalMaxPool` / `GlobalAveragePool` on (B, C, N).
pub(crate) fn global_pool(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    if x.dims.len() < 3 || x.dims[..2] != [Ax::Batch, Ax::Channels] {
        return Err(n.err(format!(
            "input layout {} should be (B,C,N)",
            dims_str(&x.dims)
        )));
    }
    let dims: Vec<Ax> = x
        .dims
        .iter()
        .enumerate()
        .map(|(i, &a)| if i < 2 { a } else { Ax::One })
        .collect();
    if x.pos(Ax::Points).is_none() {
        return Ok(Sym::Act(x.with(dims)));
    }
    let kind = if n.op() == "GlobalMaxPool" {
        PoolKind::Max
    } else {
        PoolKind::Mean
    };
    Ok(pool_points(im, n, &x, kind, dims))
}

/// `MaxPool` over one spatial axis (B, C, N).
pub(crate) fn max_pool(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&[
        "auto_pad",
        "ceil_mode",
        "dilations",
        "kernel_shape",
        "pads",
        "storage_order",
        "strides",
    ])?;
    let x = im.act(n, 0)?;
    if x.dims[..] != [Ax::Batch, Ax::Channels, Ax::Points] {
        return Err(n.err(format!(
            "input layout {} should be (B,C,N): 1D pooling, channels first",
            dims_str(&x.dims)
        )));
    }
    if n.node.output.get(1).is_some_and(|o| !o.is_empty()) {
        return Err(n.err("the Indices output is not supported"));
    }
    let k = match n.ints("kernel_shape").as_deref() {
        Some(&[k]) if k >= 1 => k as usize,
        k => {
            return Err(n.bad_attr(
                "kernel_shape",
                k.map_or("(missing)".to_string(), |k| format!("{k:?}")),
                "one kernel size >= 1",
            ))
        }
    };
    let stride = match n.ints("strides").as_deref() {
        None => 1,
        Some(&[s]) if s >= 1 => s as usize,
        Some(s) => return Err(n.bad_attr("strides", s, "one stride >= 1")),
    };
    let (pb, pe) = match n.ints("pads").as_deref() {
        None => (0, 0),
        Some(&[b, e]) if b >= 0 && e >= 0 && (b as usize) < k && (e as usize) < k => {
            (b as usize, e as usize)
        }
        Some(p) => return Err(n.bad_attr("pads", p, "[begin, end], each below the kernel")),
    };
    if n.int("ceil_mode", 0) != 0 {
        return Err(n.bad_attr("ceil_mode", n.int("ceil_mode", 0), "0"));
    }
    if let Some(d) = n.ints("dilations").filter(|d| d.iter().any(|&v| v != 1)) {
        return Err(n.bad_attr("dilations", d, "[1]"));
    }
    if let Some(a) = n
        .string("auto_pad")
        .filter(|a| a != "NOTSET" && a != "VALID")
    {
        return Err(n.bad_attr("auto_pad", a, "NOTSET, VALID"));
    }
    let Shape::Points { n: pts, c } = im.shape(x.id) else {
        return Err(n.err("input has no points axis"));
    };
    let n_out = match pts {
        Some(p) => Some(
            crate::ir::window_out(p, k, stride, pb, pe)
                .ok_or_else(|| n.err(format!("{p} steps are fewer than the window {k}")))?,
        ),
        None => None,
    };
    if pts == Some(k) && pb == 0 && pe == 0 {
        // One window over the whole input: a max over the points.
        let id = im.push(
            n,
            Op::GlobalPool(PoolKind::Max),
            vec![x.id],
            Shape::Vector { c },
        );
        return Ok(Sym::Act(Act::new(
            id,
            vec![Ax::Batch, Ax::Channels, Ax::One],
        )));
    }
    let op = Op::MaxPool1d {
        k,
        stride,
        pad_begin: pb,
        pad_end: pe,
    };
    let id = im.push(n, op, vec![x.id], Shape::Points { n: n_out, c });
    Ok(Sym::Act(Act::new(id, x.dims)))
}

/// `Transpose`: relabels the axes.
pub(crate) fn transpose(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let r = x.dims.len();
    let perm = n
        .ints("perm")
        .unwrap_or_else(|| (0..r as i64).rev().collect());
    let mut seen = vec![false; r];
    let mut dims = Vec::with_capacity(r);
    for &p in &perm {
        let p = norm_axis(&n, p, r)?;
        if std::mem::replace(&mut seen[p], true) {
            return Err(n.bad_attr("perm", &perm, "a permutation of the axes"));
        }
        dims.push(x.dims[p]);
    }
    if dims.len() != r {
        return Err(n.bad_attr("perm", &perm, &format!("a permutation of {r} axes")));
    }
    Ok(Sym::Act(x.with(dims)))
}

/// `x` flattened to `(B, C * N)` when it is `(B,C,N)` or `(B,N,C)` (up to size-1 axes) with a
/// fixed N and `total` (if known) is `C * N`.
fn flatten_points(im: &Importer, n: NodeRef<'_>, x: &Act, total: Option<usize>) -> Option<Act> {
    let core: Vec<Ax> = x.dims.iter().copied().filter(|&a| a != Ax::One).collect();
    let Shape::Points { n: Some(len), c } = im.shape(x.id) else {
        return None;
    };
    let channels_first = match core[..] {
        [Ax::Batch, Ax::Channels, Ax::Points] => true,
        [Ax::Batch, Ax::Points, Ax::Channels] => false,
        _ => return None,
    };
    if x.pre.is_some() || x.flat.is_some() || total.is_some_and(|t| t != c * len) || len < 2 {
        return None;
    }
    let mut out = x.with(vec![Ax::Batch, Ax::Channels]);
    out.flat = Some(Flat {
        len,
        channels_first,
        node: n.name(),
        op: n.op().to_string(),
        from: dims_str(&x.dims),
    });
    Some(out)
}

/// `Reshape`: adds or removes size-1 axes, or flattens a fixed-length window into channels
/// for a following Linear layer.
pub(crate) fn reshape(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let target = im.konst(n, 1)?.as_i64();
    if let [b, k] = target[..] {
        let batch_like = b == 1 || b == -1 || b == 0 || b == super::layout::BATCH_MARK;
        let total = usize::try_from(k).ok();
        if batch_like && (k == -1 || total.is_some()) {
            if let Some(flat) = flatten_points(im, n, &x, total) {
                return Ok(Sym::Act(flat));
            }
        }
    }
    let x = if target.len() < x.dims.len() {
        collapse_single_point(im, n, x)
    } else {
        x
    };
    let dims = reshape_dims(n, &x, &im.g, &target, n.int("allowzero", 0) != 0)?;
    Ok(Sym::Act(x.with(dims)))
}

/// `Flatten`: (B, C, 1, ...) to (B, C).
pub(crate) fn flatten(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let x = collapse_single_point(im, n, x);
    let axis = norm_axis(&n, n.int("axis", 1), x.dims.len() + 1)?;
    let (left, right) = x.dims.split_at(axis);
    let only = |part: &[Ax], keep: Ax| {
        part.iter().all(|&a| a == keep || a == Ax::One) && part.contains(&keep)
    };
    if !only(left, Ax::Batch) || !only(right, Ax::Channels) {
        if only(left, Ax::Batch) {
            if let Some(flat) = flatten_points(im, n, &x, None) {
                return Ok(Sym::Act(flat));
            }
        }
        return Err(n.err(format!(
            "flattening {} at axis {axis} would merge the batch, points or channels axes (only (B,C,1..) -> (B,C) is supported)",
            dims_str(&x.dims)
        )));
    }
    Ok(Sym::Act(x.with(vec![Ax::Batch, Ax::Channels])))
}

/// An activation whose points axis holds exactly one row, as a vector (`(B,C,1)` after a
/// window op whose output has length 1): a max over that one row, which is exact.
pub(crate) fn collapse_single_point(im: &mut Importer, n: NodeRef<'_>, x: Act) -> Act {
    match im.shape(x.id) {
        Shape::Points { n: Some(1), c } if x.pre.is_none() => {
            let id = im.push(
                n,
                Op::GlobalPool(PoolKind::Max),
                vec![x.id],
                Shape::Vector { c },
            );
            let dims = x
                .dims
                .iter()
                .map(|&a| if a == Ax::Points { Ax::One } else { a })
                .collect();
            Act::new(id, dims)
        }
        _ => x,
    }
}

/// `Squeeze`: removes size-1 axes.
pub(crate) fn squeeze(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let x = collapse_single_point(im, n, x);
    let axes = axes_of(im, n, x.dims.len())?;
    let sizes = x.sizes(&im.g);
    let drop = |i: usize| {
        axes.as_ref()
            .map_or(x.dims[i] == Ax::One, |a| a.contains(&i))
    };
    if let Some(i) = (0..x.dims.len()).find(|&i| drop(i) && x.dims[i] != Ax::One) {
        return Err(n.err(format!(
            "axis {i} of {} has size {}, not 1",
            dims_str(&x.dims),
            sizes[i].map_or("N (dynamic)".to_string(), |s| s.to_string())
        )));
    }
    let dims = x
        .dims
        .iter()
        .enumerate()
        .filter(|&(i, _)| !drop(i))
        .map(|(_, &a)| a)
        .collect();
    Ok(Sym::Act(x.with(dims)))
}

/// `Unsqueeze`: inserts size-1 axes.
pub(crate) fn unsqueeze(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let count = match im.opt_konst(n, 1)? {
        Some(t) => t.len(),
        None => n.ints("axes").map_or(0, |a| a.len()),
    };
    let mut axes = axes_of(im, n, x.dims.len() + count)?.unwrap_or_default();
    axes.sort_unstable();
    let mut dims = x.dims.clone();
    for a in axes {
        if a > dims.len() {
            return Err(n.err(format!("axis {a} is out of range")));
        }
        dims.insert(a, Ax::One);
    }
    Ok(Sym::Act(x.with(dims)))
}

/// `Concat` of activations along the channel axis.
pub(crate) fn concat(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let xs: Vec<Act> = (0..n.node.input.len())
        .map(|i| im.act(n, i))
        .collect::<Result<_, _>>()?;
    let Some(first) = xs.first().cloned() else {
        return Err(n.err("no inputs"));
    };
    let axis = norm_axis(&n, n.int("axis", 0), first.dims.len())?;
    if first.dims[axis] != Ax::Channels {
        return Err(n.bad_attr(
            "axis",
            axis,
            &format!("the channel axis of {}", dims_str(&first.dims)),
        ));
    }
    let rows = |s: Shape| match s {
        Shape::Points { n, .. } => Some(n),
        Shape::Vector { .. } => None,
    };
    let r0 = rows(im.shape(first.id));
    for x in &xs {
        if x.dims != first.dims || rows(im.shape(x.id)) != r0 {
            return Err(n.err(format!(
                "inputs {} and {} do not agree outside the channel axis",
                dims_str(&first.dims),
                dims_str(&x.dims)
            )));
        }
    }
    let c: usize = xs.iter().map(|x| im.shape(x.id).channels()).sum();
    let shape = match im.shape(first.id) {
        Shape::Points { n, .. } => Shape::Points { n, c },
        Shape::Vector { .. } => Shape::Vector { c },
    };
    let id = im.push(n, Op::Concat, xs.iter().map(|x| x.id).collect(), shape);
    Ok(Sym::Act(Act::new(id, first.dims)))
}

/// `AveragePool` over one spatial axis (B, C, N): a mean over the points when one window
/// covers the whole input, else the windowed average layer; with padding counted as zeros
/// (`count_include_pad = 1`, PyTorch's default) a conv with the weight `1/k` on each
/// channel's own taps (exact; C times the MACs of a pool).
pub(crate) fn average_pool(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    n.only_attrs(&[
        "auto_pad",
        "ceil_mode",
        "count_include_pad",
        "dilations",
        "kernel_shape",
        "pads",
        "strides",
    ])?;
    let x = im.act(n, 0)?;
    if x.dims[..] != [Ax::Batch, Ax::Channels, Ax::Points] {
        return Err(n.err(format!(
            "input layout {} should be (B,C,N): 1D pooling, channels first",
            dims_str(&x.dims)
        )));
    }
    let k = match n.ints("kernel_shape").as_deref() {
        Some(&[k]) if k >= 1 => k as usize,
        k => {
            return Err(n.bad_attr(
                "kernel_shape",
                k.map_or("(missing)".to_string(), |k| format!("{k:?}")),
                "one kernel size >= 1",
            ))
        }
    };
    let stride = match n.ints("strides").as_deref() {
        None => 1,
        Some(&[s]) if s >= 1 => s as usize,
        Some(s) => return Err(n.bad_attr("strides", s, "one stride >= 1")),
    };
    let (pb, pe) = match n.ints("pads").as_deref() {
        None => (0, 0),
        Some(&[b, e]) if b >= 0 && e >= 0 => (b as usize, e as usize),
        Some(p) => return Err(n.bad_attr("pads", p, "[begin, end] >= 0")),
    };
    if n.int("ceil_mode", 0) != 0 {
        return Err(n.bad_attr("ceil_mode", n.int("ceil_mode", 0), "0"));
    }
    if let Some(d) = n.ints("dilations").filter(|d| d.iter().any(|&v| v != 1)) {
        return Err(n.bad_attr("dilations", d, "[1]"));
    }
    if let Some(a) = n
        .string("auto_pad")
        .filter(|a| a != "NOTSET" && a != "VALID")
    {
        return Err(n.bad_attr("auto_pad", a, "NOTSET, VALID"));
    }
    let Shape::Points { n: pts, c } = im.shape(x.id) else {
        return Err(n.err("input has no points axis"));
    };
    if pts == Some(k) && pb == 0 && pe == 0 {
        let id = im.push(
            n,
            Op::GlobalPool(PoolKind::Mean),
            vec![x.id],
            Shape::Vector { c },
        );
        return Ok(Sym::Act(Act::new(
            id,
            vec![Ax::Batch, Ax::Channels, Ax::One],
        )));
    }
    let Some(len) = pts else {
        return Err(n.err("a windowed average needs a fixed number of time steps"));
    };
    let n_out = crate::ir::window_out(len, k, stride, pb, pe)
        .ok_or_else(|| n.err(format!("{len} steps are fewer than the window {k}")))?;
    if pb + pe == 0 || n.int("count_include_pad", 0) == 0 {
        // The mean over the valid taps (the same as counting padding when there is none).
        let op = Op::AvgPool1d {
            k,
            stride,
            pad_begin: pb,
            pad_end: pe,
        };
        let id = im.push(n, op, vec![x.id], Shape::Points { n: Some(n_out), c });
        return Ok(Sym::Act(Act::new(id, x.dims)));
    }
    // Padding counted as zeros (PyTorch's default): a conv with `1/k` on each channel's taps.
    let mut weights = vec![0.0f32; c * k * c];
    for o in 0..c {
        for j in 0..k {
            weights[(o * k + j) * c + o] = 1.0 / k as f32;
        }
    }
    let op = Op::Conv1d {
        linear: crate::ir::Linear {
            cin: c,
            cout: c,
            weights,
            bias: vec![0.0; c],
            act: crate::ir::Activation::None,
        },
        k,
        stride,
        pad_begin: pb,
        pad_end: pe,
    };
    let id = im.push(n, op, vec![x.id], Shape::Points { n: Some(n_out), c });
    Ok(Sym::Act(Act::new(id, x.dims)))
}

/// `Gather` of one time step of a fixed-length window (`h[:, :, -1]`), or `Slice` of one or
/// more steps: rows of the points axis.
pub(crate) fn gather_rows(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    let r = x.dims.len();
    let Shape::Points { n: Some(len), c } = im.shape(x.id) else {
        return Err(n.err("selecting time steps needs a fixed number of them"));
    };
    let (axis, first, count, keep) = if n.op() == "Gather" {
        let axis = norm_axis(&n, n.int("axis", 0), r)?;
        let idx = im.konst(n, 1)?;
        let v = idx.as_i64();
        let [i] = v[..] else {
            return Err(n.err(format!(
                "gathers {} indices; one time step is supported",
                v.len()
            )));
        };
        let i = if i < 0 { i + len as i64 } else { i };
        if i < 0 || i as usize >= len {
            return Err(n.err(format!("index {i} is outside the {len} steps")));
        }
        (axis, i as usize, 1, !idx.dims.is_empty())
    } else {
        let starts = im.konst(n, 1)?.as_i64();
        let ends = im.konst(n, 2)?.as_i64();
        let axes = match im.opt_konst(n, 3)? {
            Some(t) => t.as_i64(),
            None => (0..starts.len() as i64).collect(),
        };
        if let Some(steps) = im.opt_konst(n, 4)? {
            if steps.as_i64().iter().any(|&s| s != 1) {
                return Err(n.bad_attr("steps", steps.as_i64(), "1"));
            }
        }
        let ([s0], [e0], [a0]) = (&starts[..], &ends[..], &axes[..]) else {
            return Err(n.err("slices several axes; one (the time steps) is supported"));
        };
        let clampi = |v: i64| -> usize {
            let v = if v < 0 { v + len as i64 } else { v };
            v.clamp(0, len as i64) as usize
        };
        let (b, e) = (clampi(*s0), clampi(*e0));
        if e <= b {
            return Err(n.err(format!("slice {s0}..{e0} of {len} steps is empty")));
        }
        let axis = norm_axis(&n, *a0, r)?;
        if x.dims[axis] == Ax::Channels {
            // A channel window, taken by the per-row norm that reads it.
            let cs = im.shape(x.id).channels();
            let (e, b) = (
                if *e0 < 0 {
                    (*e0 + cs as i64).max(0) as usize
                } else {
                    (*e0 as usize).min(cs)
                },
                if *s0 < 0 {
                    (*s0 + cs as i64).max(0) as usize
                } else {
                    (*s0 as usize).min(cs)
                },
            );
            if e <= b || x.chans.is_some() || x.pre.is_some() {
                return Err(n.err(format!("channel slice {s0}..{e0} of {cs} is not supported")));
            }
            let mut out = x.clone();
            out.chans = Some((b, e - b));
            return Ok(Sym::Act(out));
        }
        (axis, b, e - b, true)
    };
    if x.dims[axis] != Ax::Points {
        return Err(n.err(format!(
            "selects along axis {axis} of {}; only the time steps can be selected",
            dims_str(&x.dims)
        )));
    }
    let shape = if count == 1 {
        Shape::Vector { c }
    } else {
        Shape::Points { n: Some(count), c }
    };
    let id = im.push(n, Op::SliceRows { first, count }, vec![x.id], shape);
    let dims: Vec<Ax> = x
        .dims
        .iter()
        .enumerate()
        .filter_map(|(i, &a)| match (i == axis, keep, count) {
            (false, _, _) => Some(a),
            (true, true, 1) => Some(Ax::One),
            (true, true, _) => Some(Ax::Points),
            (true, false, _) => None,
        })
        .collect();
    Ok(Sym::Act(Act::new(id, dims)))
}

/// The per-row norm (or squared norm) of `x` over its channels: `ReduceL2`,
/// `ReduceSumSquare`, or `ReduceSum` of `x * x` / `x ** 2`, with `keepdims`.
pub(crate) fn row_norm(
    im: &mut Importer,
    n: NodeRef<'_>,
    x: Act,
    squared: bool,
) -> Result<Sym, OnnxError> {
    let axes = axes_of(im, n, x.dims.len())?.unwrap_or_default();
    let Some(ch) = x.pos(Ax::Channels) else {
        return Err(n.err(format!("input {} has no channel axis", dims_str(&x.dims))));
    };
    if axes != [ch] {
        return Err(n.bad_attr(
            "axes",
            &axes,
            &format!(
                "the channel axis {ch} of {} (a norm per row)",
                dims_str(&x.dims)
            ),
        ));
    }
    if n.int("keepdims", 1) == 0 {
        return Err(n.bad_attr("keepdims", 0, "1 (x.norm(dim=-1, keepdim=True))"));
    }
    if x.pre.is_some() || x.flat.is_some() {
        return Err(n.err("reads an activation with a pending scale that was not folded"));
    }
    let (first, count) = x.chans.unwrap_or((0, im.shape(x.id).channels()));
    let shape = match im.shape(x.id) {
        Shape::Points { n, .. } => Shape::Points { n, c: 1 },
        Shape::Vector { .. } => Shape::Vector { c: 1 },
    };
    let op = Op::RowNorm {
        first,
        count,
        squared,
    };
    let id = im.push(n, op, vec![x.id], shape);
    Ok(Sym::Act(Act::new(id, x.dims)))
}

/// `Sqrt` of a per-row sum of squares: the row norm.
pub(crate) fn sqrt(im: &mut Importer, n: NodeRef<'_>) -> Result<Sym, OnnxError> {
    let x = im.act(n, 0)?;
    if x.pre.is_none() {
        if let Some(l) = im.sole_producer(x.id) {
            if let Op::RowNorm { squared, .. } = &mut l.op {
                if *squared {
                    *squared = false;
                    return Ok(Sym::Act(x));
                }
            }
        }
    }
    Err(n.err("Sqrt is supported only of a per-row sum of squares (a norm)"))
}
