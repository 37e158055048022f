//! Random rigid motions (Haar rotations, reflections, translations, permutations) and their
//! action on a sample through its input schema.

use equiframe::frame::{FieldKind, InputSchema};
use equiframe::lie::So3;

use crate::blob::synth::SynthRng;

/// A rigid motion of the sensor data: `x -> s R x + t` for positions, `s R v` for vectors,
/// `R w` for axial vectors (`det(sR) sR w` with `s = +-1`), scalars unchanged.
#[derive(Clone, Copy, Debug)]
pub struct Motion {
    /// The proper rotation.
    pub rotation: So3,
    /// `-1.0` for a reflection (point inversion composed with the rotation), else `1.0`.
    pub sign: f32,
    /// Translation of positions.
    pub translation: [f32; 3],
}

/// A standard normal sample (Box-Muller).
pub fn normal(rng: &mut SynthRng) -> f32 {
    let u1 = (rng.uniform() * 0.5 + 0.5).max(1e-7);
    let u2 = rng.uniform() * 0.5 + 0.5;
    (-2.0 * u1.ln()).sqrt() * (core::f32::consts::TAU * u2).cos()
}

impl Motion {
    /// A Haar-random rotation, a reflection with probability 1/2 when `reflect`, and a
    /// translation with entries uniform in `+-shift`.
    pub fn random(rng: &mut SynthRng, reflect: bool, shift: f32) -> Self {
        let q = [normal(rng), normal(rng), normal(rng), normal(rng)];
        let n = q.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        let rotation = So3::from_quaternion([q[0] / n, q[1] / n, q[2] / n, q[3] / n]);
        let sign = if reflect && rng.next_u64() & 1 == 1 {
            -1.0
        } else {
            1.0
        };
        let translation = [
            shift * rng.uniform(),
            shift * rng.uniform(),
            shift * rng.uniform(),
        ];
        Self {
            rotation,
            sign,
            translation,
        }
    }

    /// Maps one 3-vector of `kind`.
    pub fn map(&self, kind: FieldKind, v: [f32; 3]) -> [f32; 3] {
        let s = self.sign;
        match kind {
            FieldKind::Position => {
                let y = self.rotation.act([s * v[0], s * v[1], s * v[2]]);
                [
                    y[0] + self.translation[0],
                    y[1] + self.translation[1],
                    y[2] + self.translation[2],
                ]
            }
            FieldKind::Vector => self.rotation.act([s * v[0], s * v[1], s * v[2]]),
            // det(sR) (sR) w = s * s R w = R w for s = +-1.
            FieldKind::Axial => self.rotation.act(v),
            FieldKind::Scalar => v,
        }
    }

    /// Applies the motion to a 3D sample of rows with `schema`'s channels.
    pub fn apply(&self, schema: &InputSchema, sample: &[f32]) -> Vec<f32> {
        let c = schema.channels();
        let mut out = sample.to_vec();
        for row in out.chunks_mut(c) {
            for f in schema.fields() {
                if f.kind == FieldKind::Scalar {
                    continue;
                }
                let o = usize::from(f.offset);
                let y = self.map(f.kind, [row[o], row[o + 1], row[o + 2]]);
                row[o..o + 3].copy_from_slice(&y);
            }
        }
        out
    }
}

/// A Fisher-Yates permutation of the rows of a sample with `c` channels.
pub fn permute_rows(rng: &mut SynthRng, sample: &[f32], c: usize) -> Vec<f32> {
    let n = sample.len() / c;
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        idx.swap(i, j);
    }
    idx.iter()
        .flat_map(|&i| sample[i * c..(i + 1) * c].iter().copied())
        .collect()
}
