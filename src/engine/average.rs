//! The frame-averaging operator's output side: map one frame's output back to the sensor frame
//! per output kind and accumulate it with the frame weight; finish (project rotations).

use crate::frame::Frame;
use crate::geom::mat_mul;
use crate::lie::{so2_project, so3_project, So3};
use crate::model::{format::accumulator_len, linked, Model, OutputKind};

/// Accumulates `weight * map(frame, y)` into `acc`; `y(i)` reads output channel `i`.
pub(crate) fn accumulate(
    model: &Model<'_>,
    frame: &Frame,
    y: impl Fn(usize) -> f32,
    acc: &mut [f32],
) {
    let (w, dim) = (frame.weight, model.dim());
    let mut a = 0usize;
    for r in model.output_ranges() {
        let alen = accumulator_len(r.kind, r.len);
        let Some(slot) = acc.get_mut(a..a + alen) else {
            return;
        };
        a += alen;
        if r.kind == OutputKind::Invariant {
            for (i, s) in slot.iter_mut().enumerate() {
                *s += w * y(r.start + i);
            }
            continue;
        }
        // Geometric ranges have at most 9 channels.
        let mut v = [0.0f32; 9];
        for (i, vi) in v.iter_mut().enumerate().take(r.len) {
            *vi = y(r.start + i);
        }
        let mapped = map_back(frame, r.kind, dim, &v);
        for (s, m) in slot.iter_mut().zip(mapped.iter()) {
            *s += w * m;
        }
    }
}

/// One frame's output range expressed in sensor coordinates (first `accumulator_len` entries).
fn map_back(frame: &Frame, kind: OutputKind, dim: usize, v: &[f32; 9]) -> [f32; 9] {
    let mut out = [0.0f32; 9];
    let y3 = [v[0], v[1], if dim == 3 { v[2] } else { 0.0 }];
    let put = |out: &mut [f32; 9], r: [f32; 3]| {
        out[..3].copy_from_slice(&r);
    };
    match kind {
        OutputKind::Invariant => out = *v,
        // Kinds this build leaves out (the validator rejects them).
        k if !linked::output(k) => {}
        OutputKind::Vector => put(&mut out, frame.from_frame_vector(y3)),
        OutputKind::Point => put(&mut out, frame.from_frame_position(y3)),
        OutputKind::Axial if dim == 3 => put(&mut out, frame.from_frame_axial(y3)),
        // 2D axial = pseudo-scalar (rotation rate about the normal): det(F) y.
        OutputKind::Axial => out[0] = frame.det * v[0],
        OutputKind::Rotation if dim == 2 => {
            let f = frame.matrix();
            // out[2i + j] = f[i][0] v[j] + f[i][1] v[2 + j], written out (constant indices).
            out[0] = f[0][0] * v[0] + f[0][1] * v[2];
            out[1] = f[0][0] * v[1] + f[0][1] * v[3];
            out[2] = f[1][0] * v[0] + f[1][1] * v[2];
            out[3] = f[1][0] * v[1] + f[1][1] * v[3];
        }
        OutputKind::Rotation | OutputKind::Quaternion => {
            let r = if kind == OutputKind::Rotation {
                [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]]
            } else {
                So3::from_quaternion([v[0], v[1], v[2], v[3]]).m
            };
            let fr = mat_mul(&frame.matrix(), &r);
            for (o, x) in out.iter_mut().zip(fr.iter().flatten()) {
                *o = *x;
            }
        }
    }
    out
}

/// Writes the averaged outputs: accumulators as they are, rotations projected onto SO(dim),
/// quaternions as the unit quaternion with `w >= 0`.
pub(crate) fn finish(model: &Model<'_>, acc: &[f32], output: &mut [f32]) {
    let mut a = 0usize;
    for r in model.output_ranges() {
        let alen = accumulator_len(r.kind, r.len);
        let (Some(src), Some(dst)) = (
            acc.get(a..a + alen),
            output.get_mut(r.start..r.start + r.len),
        ) else {
            return;
        };
        a += alen;
        match (r.kind, model.dim()) {
            (k, _) if !linked::output(k) => {}
            (OutputKind::Rotation, 2) => {
                let g = |i: usize| src.get(i).copied().unwrap_or(0.0);
                let p = so2_project(&[[g(0), g(1)], [g(2), g(3)]]).matrix();
                copy(dst, p.iter().flatten());
            }
            (OutputKind::Rotation, _) | (OutputKind::Quaternion, _) => {
                let mut m = [[0.0f32; 3]; 3];
                for (x, s) in m.iter_mut().flatten().zip(src) {
                    *x = *s;
                }
                let p = so3_project(&m);
                if r.kind == OutputKind::Rotation {
                    copy(dst, p.m.iter().flatten());
                } else {
                    copy(dst, p.to_quaternion().iter());
                }
            }
            _ => copy(dst, src.iter()),
        }
    }
}

fn copy<'a>(dst: &mut [f32], src: impl Iterator<Item = &'a f32>) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}
