//! Helpers shared by the `frames_*` tests: random rigid motions, set matching, an invariant
//! test function, and small readers for the shared data files (`.npy`, `.off`, `.xyz`).
#![allow(dead_code, clippy::needless_range_loop)]

use equiframe::frame::{Frame, FrameSet};
use std::path::PathBuf;

/// A 3x3 matrix in f64, row-major.
pub type M3 = [[f64; 3]; 3];

/// Rotation from a quaternion (normalised here). A quaternion with i.i.d. Gaussian components
/// gives a Haar-distributed rotation.
pub fn quat_rot(q: [f64; 4]) -> M3 {
    let n = (q.iter().map(|v| v * v).sum::<f64>()).sqrt().max(1e-300);
    let [w, x, y, z] = q.map(|v| v / n);
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

/// Gaussian from two uniforms in (0, 1] (Box-Muller).
pub fn gauss(u1: f64, u2: f64) -> f64 {
    (-2.0 * u1.max(1e-300).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Haar rotation from 8 uniforms.
pub fn haar(u: [f64; 8]) -> M3 {
    quat_rot([
        gauss(u[0], u[1]),
        gauss(u[2], u[3]),
        gauss(u[4], u[5]),
        gauss(u[6], u[7]),
    ])
}

/// 2D rotation by `theta`, embedded in 3x3.
pub fn rot2(theta: f64) -> M3 {
    let (s, c) = theta.sin_cos();
    [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]
}

/// `diag(-1, 1, 1) r` (a reflection when `reflect`).
pub fn maybe_reflect(r: M3, reflect: bool) -> M3 {
    let mut r = r;
    if reflect {
        r[0] = r[0].map(|v| -v);
    }
    r
}

pub fn det(m: &M3) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

pub fn apply(m: &M3, v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

/// `x -> R x + t` on the first `dim` channels of each row (positions), computed in f64.
pub fn transform(data: &[f32], channels: usize, dim: usize, r: &M3, t: [f64; 3]) -> Vec<f32> {
    let mut out = data.to_vec();
    for row in out.chunks_exact_mut(channels) {
        let mut x = [0.0f64; 3];
        for k in 0..dim {
            x[k] = row[k] as f64;
        }
        let y = apply(r, x);
        for k in 0..dim {
            row[k] = (y[k] + t[k]) as f32;
        }
    }
    out
}

/// Rows permuted by a seeded shuffle.
pub fn permute(data: &[f32], channels: usize, seed: u64) -> Vec<f32> {
    let mut rows: Vec<&[f32]> = data.chunks_exact(channels).collect();
    let mut s = seed | 1;
    for i in (1..rows.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        rows.swap(i, (s % (i as u64 + 1)) as usize);
    }
    rows.concat()
}

/// Anisotropic Gaussian cloud (scales per axis) from a seed, `(n, 3)`.
pub fn gaussian_cloud(n: usize, scales: [f64; 3], seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uni = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    };
    let mut out = Vec::with_capacity(3 * n);
    for _ in 0..n {
        for k in 0..3 {
            let g = gauss(uni(), uni());
            // Skew the first two axes so the third-moment sign rule has something to see.
            let g = if k < 2 {
                g + 0.3 * g * g
            } else {
                g + 0.2 * g * g
            };
            out.push((g * scales[k]) as f32);
        }
    }
    out
}

/// Largest entry-wise difference between two frames' axes (first `dim` axes and components).
pub fn axes_diff(a: &Frame, b: &Frame, dim: usize) -> f32 {
    let mut d = 0.0f32;
    for j in 0..dim {
        for i in 0..dim {
            d = d.max((a.axes[j][i] - b.axes[j][i]).abs());
        }
    }
    d
}

/// Frame `f` moved by `x -> R x + t`: axes `R e`, origin `R c + t`, det `det R det F`.
pub fn moved(f: &Frame, r: &M3, t: [f64; 3]) -> Frame {
    let mv = |v: [f32; 3]| apply(r, v.map(|x| x as f64)).map(|x| x as f32);
    let o = apply(r, f.origin.map(|x| x as f64));
    Frame {
        axes: [mv(f.axes[0]), mv(f.axes[1]), mv(f.axes[2])],
        origin: [0, 1, 2].map(|k| (o[k] + t[k]) as f32),
        det: f.det * det(r).signum() as f32,
        weight: f.weight,
    }
}

/// Matches the sets member by member (a bijection, greedy): every frame of `a` has a distinct
/// partner in `b` whose axes differ by at most `tol`. Returns the worst matched difference, or
/// `None` when the sizes differ or some frame finds no partner.
pub fn match_sets(a: &[Frame], b: &[Frame], dim: usize, tol: f32) -> Option<f32> {
    if a.len() != b.len() {
        return None;
    }
    let mut used = vec![false; b.len()];
    let mut worst = 0.0f32;
    for fa in a {
        let best = b
            .iter()
            .enumerate()
            .filter(|(k, _)| !used[*k])
            .map(|(k, fb)| (k, axes_diff(fa, fb, dim)))
            .min_by(|x, y| x.1.total_cmp(&y.1))?;
        if best.1 > tol {
            return None;
        }
        used[best.0] = true;
        worst = worst.max(best.1);
    }
    Some(worst)
}

/// A nonlinear, non-symmetric function of canonical coordinates (rows of `dim`): the thing a
/// network computes. Its frame average is the invariant output.
pub fn probe(canon: &[f32], channels: usize, dim: usize) -> f64 {
    let mut acc = 0.0f64;
    for row in canon.chunks_exact(channels) {
        let y: Vec<f64> = row[..dim].iter().map(|&v| v as f64).collect();
        let z = if dim == 3 { y[2] } else { 0.0 };
        acc += (0.7 * y[0] - 0.4 * y[1] + 0.9 * z).tanh()
            + 0.3 * (y[0] * y[1] - 0.5 * z * y[0]).sin()
            + 0.2 * (y[1] + 0.3 * z).max(0.0);
    }
    acc / (canon.len() / channels) as f64
}

/// Frame-averaged probe over a set, with the set's weights.
pub fn averaged_probe(
    set: &FrameSet,
    schema: &equiframe::frame::InputSchema,
    sample: &[f32],
) -> f64 {
    let mut out = vec![0.0f32; sample.len()];
    let mut acc = 0.0f64;
    for f in set.frames() {
        schema.canonicalize(f, sample, &mut out).unwrap();
        acc += f.weight as f64 * probe(&out, schema.channels(), schema.dim());
    }
    acc
}

/// The recordings folder, if present: `$EQUIFRAME_DATA`, else `../shared/data` beside the
/// repository.
pub fn data_dir() -> Option<PathBuf> {
    let p = std::env::var_os("EQUIFRAME_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    p.is_dir().then_some(p)
}

/// A data file by relative path, or prints the skip line and returns `None`.
pub fn data_file(rel: &str) -> Option<PathBuf> {
    match data_dir().map(|d| d.join(rel)).filter(|p| p.is_file()) {
        Some(p) => Some(p),
        None => {
            println!("skipped: {rel}: ../shared/data absent");
            None
        }
    }
}

/// Minimal `.npy` reader: little-endian float32/float64, C order. Returns (shape, values).
pub fn read_npy(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f32>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an npy file".into());
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + hlen]).map_err(|e| e.to_string())?;
    let field = |key: &str| -> Result<&str, String> {
        let i = header.find(key).ok_or(format!("no {key} in header"))?;
        Ok(&header[i + key.len()..])
    };
    let descr = field("'descr':")?.trim_start();
    let size = if descr.starts_with("'<f4'") {
        4
    } else if descr.starts_with("'<f8'") {
        8
    } else {
        return Err(format!("unsupported dtype {descr}"));
    };
    if field("'fortran_order':")?.trim_start().starts_with("True") {
        return Err("fortran order".into());
    }
    let shape_s = field("'shape':")?;
    let open = shape_s.find('(').ok_or("bad shape")?;
    let close = shape_s.find(')').ok_or("bad shape")?;
    let shape: Vec<usize> = shape_s[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let count: usize = shape.iter().product();
    let body = &bytes[start + hlen..];
    if body.len() < count * size {
        return Err("truncated".into());
    }
    let vals = if size == 4 {
        body.chunks_exact(4)
            .take(count)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        body.chunks_exact(8)
            .take(count)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()) as f32)
            .collect()
    };
    Ok((shape, vals))
}

/// Vertices of an OFF mesh as `(n, 3)`.
pub fn read_off(text: &str) -> Vec<f32> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let _ = lines.next(); // "OFF"
    let n: usize = lines
        .next()
        .and_then(|l| l.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    lines
        .take(n)
        .flat_map(|l| {
            l.split_whitespace()
                .take(3)
                .map(|s| s.parse::<f32>().unwrap_or(f32::NAN))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `x y z` lines (extra columns ignored) as `(n, 3)`.
pub fn read_xyz(text: &str) -> Vec<f32> {
    text.lines()
        .map(|l| {
            l.split_whitespace()
                .take(3)
                .filter_map(|s| s.parse::<f32>().ok())
                .collect::<Vec<_>>()
        })
        .filter(|v| v.len() == 3)
        .flatten()
        .collect()
}

/// Every `step`-th row of a `(n, c)` slice.
pub fn subsample(data: &[f32], channels: usize, step: usize) -> Vec<f32> {
    data.chunks_exact(channels)
        .step_by(step.max(1))
        .flatten()
        .copied()
        .collect()
}

/// Frame-averaged per-point probe for the first `rows` rows: an invariant per-point feature,
/// which (unlike a mean over many points) is sensitive to the frame's orientation.
pub fn averaged_point_probe(
    set: &FrameSet,
    schema: &equiframe::frame::InputSchema,
    sample: &[f32],
    rows: usize,
) -> Vec<f64> {
    let c = schema.channels();
    let mut out = vec![0.0f32; sample.len()];
    let mut acc = vec![0.0f64; rows];
    for f in set.frames() {
        schema.canonicalize(f, sample, &mut out).unwrap();
        for (a, row) in acc.iter_mut().zip(out.chunks_exact(c)) {
            *a += f.weight as f64 * probe(row, c, schema.dim());
        }
    }
    acc
}
