//! Point-to-line ICP on SE(2): projective association, Gauss-Newton with a Cauchy kernel,
//! several starts kept by a truncated residual score, and the covariance of the match.
//!
//! The motion `T = (R, t)` maps query points into the reference scan's frame. A query point
//! `p` is moved to `q = R p + t`, its bearing in the reference gives a beam (a bounded-error
//! `atan2`), and the nearest reference point with a normal among the `window` beams either side
//! is its partner `r` with normal `n` when closer than the gate. Residual `e = n . (q - r)`;
//! Jacobian in `(tx, ty, theta)`: `[n_x, n_y, n . perp(R p)]`, `perp(v) = (-v_y, v_x)`. Each
//! step solves `(H + lambda diag(H)) d = -g` with Cauchy weights `1 / (1 + (e / c)^2)` and a
//! gate shrinking linearly from `gate_start` to `gate_end`.
//!
//! The score of a motion is the mean over query points of `min(e^2, tau^2)` (unmatched points
//! count `tau^2`): it compares starts fairly, including their overlap. The covariance is
//! `s^2 H^-1` with `s^2` the weighted residual variance, in `(tx, ty, theta)` of the reference
//! frame; along a corridor `H` is near singular and the variance grows large there (capped at
//! [`MAX_VARIANCE`]).

use super::filter::{Mat3, ZERO3};
use super::pose::{fast_atan2, wrap};
use super::scan::Scan;
use crate::lie::{mat, Se2, So2};

/// Variances of a match are capped here (m^2, rad^2).
pub const MAX_VARIANCE: f32 = 1.0e4;
/// Floor of the residual variance in a covariance (m^2): 1 cm, a lidar's range noise.
pub const MIN_RESIDUAL_VARIANCE: f32 = 1.0e-4;
/// Most starts one call takes.
pub const MAX_STARTS: usize = 8;

/// Registration settings (the defaults were chosen on the CARMEN logs; see the README).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MatchOptions {
    /// Gauss-Newton steps from every start (on every `coarse_stride`-th point).
    pub coarse_iterations: u8,
    /// Use every n-th query point in the coarse steps.
    pub coarse_stride: u8,
    /// Gauss-Newton steps from the best start on all points.
    pub fine_iterations: u8,
    /// Reference beams searched either side of a point's bearing.
    pub window: u8,
    /// Association gate at the first step (m).
    pub gate_start: f32,
    /// Association gate at the last step (m).
    pub gate_end: f32,
    /// Cauchy kernel width (m).
    pub kernel: f32,
    /// Truncation of the start score (m).
    pub tau: f32,
    /// Levenberg damping relative to the diagonal of `H`.
    pub damping: f32,
    /// Weight of the motion prior in the start selection (0: score alone; see [`register`]).
    pub prior_weight: f32,
    /// Standard deviations `(x, y, theta)` of the motion prior (m, rad).
    pub prior_sigma: [f32; 3],
}

impl MatchOptions {
    /// The default settings (a constant, for `static` state).
    pub const DEFAULT: Self = Self {
        coarse_iterations: 20,
        coarse_stride: 4,
        fine_iterations: 12,
        window: 16,
        gate_start: 3.0,
        gate_end: 0.2,
        kernel: 0.3,
        tau: 0.3,
        damping: 1.0e-3,
        prior_weight: 0.05,
        prior_sigma: [1.0, 1.0, 0.5],
    };
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The result of one registration.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Match {
    /// Motion taking query points into the reference frame.
    pub motion: Se2,
    /// Covariance of `(tx, ty, theta)` (reference frame, m^2 / rad^2).
    pub cov: Mat3,
    /// Truncated mean squared residual (m^2, see the module doc).
    pub score: f32,
    /// Query points matched within the final gate.
    pub matched: u16,
    /// Query points.
    pub points: u16,
    /// Index of the start the match came from.
    pub start: u8,
}

impl Match {
    /// Fraction of query points matched within the final gate.
    pub fn overlap(&self) -> f32 {
        if self.points == 0 {
            0.0
        } else {
            self.matched as f32 / self.points as f32
        }
    }
}

/// Nearest reference point with a normal to `q` (reference frame): `(index, squared distance)`.
///
/// The beams are searched outward from the one nearest to `q`'s bearing, up to `window` either
/// side, and the search stops at the first offset `j` whose every point must be farther than
/// the best so far: a point on a ray at angle `delta <= pi/2` from `q`'s bearing is at least
/// `|q| sin(delta)` from `q`, and beam `b +- j` is at least `(j - 1/2)` increments away. The
/// bound is taken 1 % low, so the search returns exactly what the exhaustive one over the whole
/// window returns (the lowest beam among equally near points).
fn associate(reference: &Scan, q: [f32; 2], window: u8, gate2: f32) -> Option<(usize, f32)> {
    let w = window as isize;
    let b = reference.beam_of_bearing(fast_atan2(q[1], q[0]), w)?;
    let qn = libm::sqrtf(q[0] * q[0] + q[1] * q[1]);
    let inc = reference.angle_increment();
    // (point, squared distance, beam)
    let mut best: Option<(usize, f32, isize)> = None;
    for j in 0..=w {
        let bound = best.map_or(gate2, |(_, d, _)| d);
        if j > 0 {
            let x = (j as f32 - 0.5) * inc;
            if x < 1.5 {
                let lb = 0.99 * qn * x * (1.0 - x * x * (1.0 / 6.0));
                if lb * lb > bound {
                    break;
                }
            }
        }
        for beam in [b - j, b + j] {
            if j == 0 && beam != b {
                continue;
            }
            if beam < 0 {
                continue;
            }
            let Some(k) = reference.point_of_beam(beam as usize) else {
                continue;
            };
            let (Some(_), Some(r)) = (reference.normal(k), reference.points().get(k)) else {
                continue;
            };
            let (dx, dy) = (q[0] - r[0], q[1] - r[1]);
            let d2 = dx * dx + dy * dy;
            let better = match best {
                None => d2 < gate2,
                Some((_, bd, bb)) => d2 < bd || (d2 == bd && beam < bb),
            };
            if better {
                best = Some((k, d2, beam));
            }
        }
    }
    best.map(|(k, d2, _)| (k, d2))
}

/// Point-to-line residual of query point `p` under `m`, with the rotated point.
fn residual(
    reference: &Scan,
    m: &Se2,
    p: [f32; 2],
    window: u8,
    gate: f32,
) -> Option<(f32, [f32; 2], [f32; 2])> {
    let rp = m.rot.act(p);
    let q = [rp[0] + m.t[0], rp[1] + m.t[1]];
    let (k, _) = associate(reference, q, window, gate * gate)?;
    let n = reference.normal(k)?;
    let r = reference.points().get(k)?;
    Some((n[0] * (q[0] - r[0]) + n[1] * (q[1] - r[1]), n, rp))
}

/// Normal equations at `m`: `(H, g, sum w e^2, matched)`.
fn normal_equations(
    reference: &Scan,
    query: &Scan,
    m: &Se2,
    stride: usize,
    gate: f32,
    opts: &MatchOptions,
) -> (Mat3, [f32; 3], f32, usize) {
    let (mut h, mut g, mut cost, mut n) = (ZERO3, [0.0f32; 3], 0.0f32, 0usize);
    let c2 = opts.kernel * opts.kernel;
    for &p in query.points().iter().step_by(stride.max(1)) {
        let Some((e, nv, rp)) = residual(reference, m, p, opts.window, gate) else {
            continue;
        };
        let j = [nv[0], nv[1], nv[1] * rp[0] - nv[0] * rp[1]];
        let w = 1.0 / (1.0 + e * e / c2);
        for a in 0..3 {
            for b in a..3 {
                h[a][b] += w * j[a] * j[b];
            }
            g[a] += w * j[a] * e;
        }
        cost += w * e * e;
        n += 1;
    }
    for a in 0..3 {
        for b in 0..a {
            h[a][b] = h[b][a];
        }
    }
    (h, g, cost, n)
}

/// Gauss-Newton steps from `m`; returns the final motion.
fn refine(
    reference: &Scan,
    query: &Scan,
    mut m: Se2,
    iters: u8,
    stride: usize,
    opts: &MatchOptions,
) -> Se2 {
    let mut theta = m.rot.log();
    for it in 0..iters {
        let f = if iters > 1 {
            it as f32 / (iters - 1) as f32
        } else {
            1.0
        };
        let gate = opts.gate_start + f * (opts.gate_end - opts.gate_start);
        let (mut h, g, _, n) = normal_equations(reference, query, &m, stride, gate, opts);
        if n < 3 {
            break;
        }
        for a in 0..3 {
            h[a][a] += opts.damping * h[a][a] + 1.0e-9;
        }
        let Some(hi) = mat::inverse(&h) else { break };
        let d = mat::mul_vec(&hi, &g);
        if !(d[0].is_finite() && d[1].is_finite() && d[2].is_finite()) {
            break;
        }
        theta = wrap(theta - d[2]);
        m = Se2 {
            rot: So2::exp(theta),
            t: [m.t[0] - d[0], m.t[1] - d[1]],
        };
        if d[0] * d[0] + d[1] * d[1] < 1.0e-10 && d[2].abs() < 1.0e-6 {
            break;
        }
    }
    m
}

/// Truncated score and matched count of `m` over every `stride`-th query point.
pub fn score(
    reference: &Scan,
    query: &Scan,
    m: &Se2,
    stride: usize,
    opts: &MatchOptions,
) -> (f32, usize, usize) {
    let tau2 = opts.tau * opts.tau;
    let (mut s, mut matched, mut total) = (0.0f32, 0usize, 0usize);
    for &p in query.points().iter().step_by(stride.max(1)) {
        total += 1;
        match residual(reference, m, p, opts.window, opts.tau) {
            Some((e, _, _)) => {
                s += (e * e).min(tau2);
                matched += 1;
            }
            None => s += tau2,
        }
    }
    (
        if total == 0 { tau2 } else { s / total as f32 },
        matched,
        total,
    )
}

/// Squared Mahalanobis distance of `m` from `prior` with independent `sigma` (x, y, theta).
fn prior_distance(m: &Se2, prior: &Se2, sigma: [f32; 3]) -> f32 {
    let (dx, dy) = (m.t[0] - prior.t[0], m.t[1] - prior.t[1]);
    let dth = wrap(m.rot.log() - prior.rot.log());
    let q = |d: f32, s: f32| if s > 0.0 { d * d / (s * s) } else { 0.0 };
    q(dx, sigma[0]) + q(dy, sigma[1]) + q(dth, sigma[2])
}

/// Registers `query` against `reference` from each of `starts` (at most [`MAX_STARTS`]
/// used): coarse steps from every start, the best refined on all points. `starts[0]` is the
/// predicted motion: a start's result is ranked by `score + prior_weight * tau^2 * d^2` with
/// `d^2` its squared Mahalanobis distance from the prediction (`prior_sigma`), so that a
/// symmetric room's mirror match does not beat the true one on a residual tie.
pub fn register(reference: &Scan, query: &Scan, starts: &[Se2], opts: &MatchOptions) -> Match {
    let stride = opts.coarse_stride.max(1) as usize;
    let mut best = (f32::MAX, Se2::IDENTITY, 0u8);
    let prior = starts.first().copied().unwrap_or(Se2::IDENTITY);
    let tau2 = opts.tau * opts.tau;
    for (i, s) in starts.iter().take(MAX_STARTS).enumerate() {
        let m = refine(reference, query, *s, opts.coarse_iterations, stride, opts);
        let (sc, _, _) = score(reference, query, &m, stride, opts);
        let sc = sc + opts.prior_weight * tau2 * prior_distance(&m, &prior, opts.prior_sigma);
        if sc < best.0 {
            best = (sc, m, i as u8);
        }
    }
    let fine_opts = MatchOptions {
        gate_start: opts.gate_end.max(opts.gate_start.min(2.0 * opts.gate_end)),
        ..*opts
    };
    let m = refine(
        reference,
        query,
        best.1,
        opts.fine_iterations,
        1,
        &fine_opts,
    );
    let (sc, matched, total) = score(reference, query, &m, 1, opts);
    Match {
        motion: m,
        cov: covariance(reference, query, &m, opts),
        score: sc,
        matched: matched.min(u16::MAX as usize) as u16,
        points: total.min(u16::MAX as usize) as u16,
        start: best.2,
    }
}

/// `s^2 H^-1` at `m` with the final gate (capped; [`MAX_VARIANCE`] on the diagonal when `H` is
/// singular).
fn covariance(reference: &Scan, query: &Scan, m: &Se2, opts: &MatchOptions) -> Mat3 {
    let (mut h, _, cost, n) = normal_equations(reference, query, m, 1, opts.gate_end, opts);
    let mut out = ZERO3;
    if n <= 3 {
        for (a, row) in out.iter_mut().enumerate() {
            row[a] = MAX_VARIANCE;
        }
        return out;
    }
    let s2 = (cost / (n - 3) as f32).max(MIN_RESIDUAL_VARIANCE);
    for a in 0..3 {
        h[a][a] += s2 / MAX_VARIANCE;
    }
    match mat::inverse(&h) {
        Some(hi) => {
            for a in 0..3 {
                for b in 0..3 {
                    out[a][b] = (s2 * hi[a][b]).clamp(-MAX_VARIANCE, MAX_VARIANCE);
                }
                out[a][a] = out[a][a].clamp(1.0e-8, MAX_VARIANCE);
            }
        }
        None => {
            for (a, row) in out.iter_mut().enumerate() {
                row[a] = MAX_VARIANCE;
            }
        }
    }
    out
}
