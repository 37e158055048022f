//! Frame averaging around an outside backbone (onnxruntime): each frame's output mapped back to
//! the sensor frame per output kind and accumulated with the frame weight, as the engine does.

use equiframe::frame::Frame;
use equiframe::geom::mat_mul;
use equiframe::lie::{so2_project, so3_project, So3};
use equiframe::model::{Model, OutputKind};

/// The averaged output of one sample from its frames and one backbone output per frame.
pub fn average(m: &Model<'_>, frames: &[Frame], ys: &[&[f32]]) -> Vec<f32> {
    let dim = m.dim();
    let mut out = vec![0.0f32; m.output_len()];
    for r in m.output_ranges() {
        let mut acc = vec![0.0f64; 9.max(r.len)];
        for (f, y) in frames.iter().zip(ys) {
            let v = &y[r.start..r.start + r.len];
            let w = f64::from(f.weight);
            let y3 = |v: &[f32]| [v[0], v[1], if dim == 3 { v[2] } else { 0.0 }];
            let mapped: Vec<f32> = match r.kind {
                OutputKind::Invariant => v.to_vec(),
                OutputKind::Vector => f.from_frame_vector(y3(v)).to_vec(),
                OutputKind::Point => f.from_frame_position(y3(v)).to_vec(),
                OutputKind::Axial if dim == 3 => f.from_frame_axial(y3(v)).to_vec(),
                OutputKind::Axial => vec![f.det * v[0]],
                OutputKind::Rotation if dim == 2 => {
                    let fm = f.matrix();
                    let mut o = vec![0.0; 4];
                    for i in 0..2 {
                        for j in 0..2 {
                            o[2 * i + j] = fm[i][0] * v[j] + fm[i][1] * v[2 + j];
                        }
                    }
                    o
                }
                OutputKind::Rotation | OutputKind::Quaternion => {
                    let rm = if r.kind == OutputKind::Rotation {
                        [[v[0], v[1], v[2]], [v[3], v[4], v[5]], [v[6], v[7], v[8]]]
                    } else {
                        So3::from_quaternion([v[0], v[1], v[2], v[3]]).m
                    };
                    mat_mul(&f.matrix(), &rm)
                        .iter()
                        .flatten()
                        .copied()
                        .collect()
                }
            };
            for (a, x) in acc.iter_mut().zip(mapped) {
                *a += w * f64::from(x);
            }
        }
        let acc: Vec<f32> = acc.iter().map(|&a| a as f32).collect();
        let dst = &mut out[r.start..r.start + r.len];
        match (r.kind, dim) {
            (OutputKind::Rotation, 2) => {
                let p = so2_project(&[[acc[0], acc[1]], [acc[2], acc[3]]]).matrix();
                dst.copy_from_slice(&[p[0][0], p[0][1], p[1][0], p[1][1]]);
            }
            (OutputKind::Rotation | OutputKind::Quaternion, _) => {
                let mut mm = [[0.0f32; 3]; 3];
                for (x, a) in mm.iter_mut().flatten().zip(&acc) {
                    *x = *a;
                }
                let p = so3_project(&mm);
                if r.kind == OutputKind::Rotation {
                    for (d, x) in dst.iter_mut().zip(p.m.iter().flatten()) {
                        *d = *x;
                    }
                } else {
                    dst.copy_from_slice(&p.to_quaternion());
                }
            }
            _ => dst.copy_from_slice(&acc[..r.len]),
        }
    }
    out
}
