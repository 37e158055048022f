//! A generic error-state Kalman filter on a Lie group (Sola et al., "A micro Lie theory",
//! section V; Sola, "Quaternion kinematics for the error-state Kalman filter").
//!
//! The nominal state `S` lives on a manifold (a Lie group, or a product of one with vectors);
//! the filter keeps the covariance `P` (`N x N`) of the error `dx` in the tangent space, with
//! `S_true = S (+) dx`. The caller owns the models:
//!
//! - **predict**: propagate the nominal state itself, then hand the filter the process
//!   Jacobian `F = d(dx_next)/d(dx)` and the process noise `Q` (already mapped through the
//!   noise Jacobian): `P <- F P F^T + Q`.
//! - **update**: evaluate the measurement model, and hand the filter the residual
//!   `z = y (-) h(S)` (`M` entries), its Jacobian `H = dz/d(dx)` (`M x N`, with the sign that
//!   makes `z ~ H dx`) and the noise `R`. The filter gates on the normalized innovation squared
//!   `d^2 = z^T S^-1 z` (`S = H P H^T + R`) against a chi-square bound, then
//!   `K = P H^T S^-1`, `dx = K z`, Joseph form `P <- (I - K H) P (I - K H)^T + K R K^T`
//!   (kept symmetric by averaging with its transpose), and `S <- S (+) dx` through
//!   [`ErrorState::retract`].
//!
//! The covariance reset after injecting `dx` (`P <- G P G^T`, `G = I - [dx/2]x` for rotation
//! blocks) is second order in `dx` and not applied.
//!
//! No heap, no panic: `S^-1` comes from a Cholesky factorization that reports a non-positive
//! pivot as [`EstimateError::InnovationNotPositive`]; non-finite inputs are refused before they
//! touch the state.

use super::EstimateError;
use crate::lie::mat::{self, Mat};

/// A nominal state the filter can correct: `self <- self (+) dx`.
pub trait ErrorState<const N: usize>: Copy {
    /// Injects the error estimate `dx` into the nominal state.
    fn retract(&mut self, dx: &[f32; N]);
}

/// Chi-square tail probability of a gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GateLevel {
    /// Rejects 5 % of consistent measurements.
    P95,
    /// Rejects 1 %.
    P99,
    /// Rejects 0.1 %.
    P999,
}

/// Chi-square quantile for `dof` degrees of freedom (1..=6; larger `dof` use the normal
/// approximation `dof + z sqrt(2 dof)`).
pub fn chi2_gate(dof: usize, level: GateLevel) -> f32 {
    const T95: [f32; 6] = [3.841, 5.991, 7.815, 9.488, 11.070, 12.592];
    const T99: [f32; 6] = [6.635, 9.210, 11.345, 13.277, 15.086, 16.812];
    const T999: [f32; 6] = [10.828, 13.816, 16.266, 18.467, 20.515, 22.458];
    let (table, z) = match level {
        GateLevel::P95 => (&T95, 1.645f32),
        GateLevel::P99 => (&T99, 2.326),
        GateLevel::P999 => (&T999, 3.090),
    };
    match dof {
        0 => 0.0,
        1..=6 => table[dof - 1],
        d => d as f32 + z * libm::sqrtf(2.0 * d as f32),
    }
}

/// What an update did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Gated {
    /// Fused; `nis` is the normalized innovation squared `z^T S^-1 z`.
    Accepted {
        /// Normalized innovation squared.
        nis: f32,
    },
    /// Above the gate: state and covariance unchanged.
    Rejected {
        /// Normalized innovation squared.
        nis: f32,
    },
}

/// The filter: nominal state and error covariance.
#[derive(Clone, Copy, Debug)]
pub struct Eskf<S: ErrorState<N>, const N: usize> {
    /// Nominal state.
    pub state: S,
    /// Error-state covariance (symmetric positive semi-definite).
    pub cov: Mat<N, N>,
}

fn first_non_finite(v: impl IntoIterator<Item = f32>) -> Option<usize> {
    v.into_iter().position(|x| !x.is_finite())
}

/// Cholesky factor `L` (lower) of a symmetric positive-definite `M x M` matrix.
fn cholesky<const M: usize>(a: &Mat<M, M>) -> Result<Mat<M, M>, EstimateError> {
    let mut l = [[0.0f32; M]; M];
    for i in 0..M {
        for j in 0..=i {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            if i == j {
                if !(s.is_finite() && s > 0.0) {
                    return Err(EstimateError::InnovationNotPositive { row: i, pivot: s });
                }
                l[i][i] = libm::sqrtf(s);
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Ok(l)
}

/// Solves `L L^T x = b` for one right-hand side.
fn chol_solve<const M: usize>(l: &Mat<M, M>, b: &[f32; M]) -> [f32; M] {
    let mut y = *b;
    for i in 0..M {
        for k in 0..i {
            y[i] -= l[i][k] * y[k];
        }
        y[i] /= l[i][i];
    }
    for i in (0..M).rev() {
        for k in i + 1..M {
            y[i] -= l[k][i] * y[k];
        }
        y[i] /= l[i][i];
    }
    y
}

impl<S: ErrorState<N>, const N: usize> Eskf<S, N> {
    /// A filter at `state` with covariance `cov`.
    pub fn new(state: S, cov: Mat<N, N>) -> Self {
        Self { state, cov }
    }

    /// Covariance prediction `P <- F P F^T + Q` after the caller propagated the nominal state
    /// to `next`. Refuses (state unchanged) a non-finite `F` or `Q`.
    pub fn predict(&mut self, next: S, f: &Mat<N, N>, q: &Mat<N, N>) -> Result<(), EstimateError> {
        if let Some(i) = first_non_finite(f.iter().flatten().chain(q.iter().flatten()).copied()) {
            return Err(EstimateError::NonFinite { index: i });
        }
        let fp = mat::mul(f, &self.cov);
        let mut p = mat::mul_bt(&fp, f);
        for i in 0..N {
            for j in 0..N {
                p[i][j] += q[i][j];
            }
        }
        self.cov = symmetrized(&p);
        self.state = next;
        Ok(())
    }

    /// Measurement update with residual `z`, Jacobian `H` and noise `R`; `gate` is the bound
    /// on `z^T S^-1 z` (e.g. [`chi2_gate`]`(M, GateLevel::P999)`; `f32::INFINITY` disables it).
    pub fn update<const M: usize>(
        &mut self,
        z: &[f32; M],
        h: &Mat<M, N>,
        r: &Mat<M, M>,
        gate: f32,
    ) -> Result<Gated, EstimateError> {
        let inputs = z.iter().chain(h.iter().flatten()).chain(r.iter().flatten());
        if let Some(i) = first_non_finite(inputs.copied()) {
            return Err(EstimateError::NonFinite { index: i });
        }
        // PH^T (N x M) and S = H P H^T + R.
        let pht = mat::mul_bt(&self.cov, h);
        let mut s = mat::mul(h, &pht);
        for i in 0..M {
            for j in 0..M {
                s[i][j] += r[i][j];
            }
        }
        let s = symmetrized(&s);
        let l = cholesky(&s)?;
        let sz = chol_solve(&l, z);
        let nis: f32 = z.iter().zip(&sz).map(|(a, b)| a * b).sum();
        if nis.is_nan() || nis > gate {
            return Ok(Gated::Rejected { nis });
        }
        // K = P H^T S^-1, row by row: K_i = S^-1 (P H^T)_i (S symmetric).
        let mut k = [[0.0f32; M]; N];
        for (krow, prow) in k.iter_mut().zip(&pht) {
            *krow = chol_solve(&l, prow);
        }
        let dx = mat::mul_vec(&k, z);
        // Joseph form.
        let mut a = mat::identity::<N>();
        let kh = mat::mul(&k, h);
        for i in 0..N {
            for j in 0..N {
                a[i][j] -= kh[i][j];
            }
        }
        let ap = mat::mul(&a, &self.cov);
        let apat = mat::mul_bt(&ap, &a);
        let kr = mat::mul(&k, r);
        let krk = mat::mul_bt(&kr, &k);
        self.cov = symmetrized(&mat::add(&apat, &krk));
        self.state.retract(&dx);
        Ok(Gated::Accepted { nis })
    }
}

/// `(P + P^T) / 2`.
fn symmetrized<const N: usize>(p: &Mat<N, N>) -> Mat<N, N> {
    let mut out = *p;
    for i in 0..N {
        for j in i + 1..N {
            let v = 0.5 * (p[i][j] + p[j][i]);
            out[i][j] = v;
            out[j][i] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain vector state: the ESKF is then the linear Kalman filter.
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct V2([f32; 2]);
    impl ErrorState<2> for V2 {
        fn retract(&mut self, dx: &[f32; 2]) {
            self.0[0] += dx[0];
            self.0[1] += dx[1];
        }
    }

    #[test]
    fn scalar_update_matches_closed_form() {
        let mut f = Eskf::new(V2([0.0, 0.0]), [[4.0, 0.0], [0.0, 1.0]]);
        // Observe x0 = 2 with variance 1: gain 4/5, posterior variance 4/5.
        let g = f
            .update(&[2.0], &[[1.0, 0.0]], &[[1.0]], f32::INFINITY)
            .unwrap();
        assert!(matches!(g, Gated::Accepted { nis } if (nis - 0.8).abs() < 1e-6));
        assert!((f.state.0[0] - 1.6).abs() < 1e-6 && f.state.0[1] == 0.0);
        assert!((f.cov[0][0] - 0.8).abs() < 1e-6 && (f.cov[1][1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn gate_rejects_outliers_and_leaves_state() {
        let mut f = Eskf::new(V2([0.0, 0.0]), [[1.0, 0.0], [0.0, 1.0]]);
        let before = (f.state, f.cov);
        let g = f
            .update(
                &[10.0],
                &[[1.0, 0.0]],
                &[[1.0]],
                chi2_gate(1, GateLevel::P999),
            )
            .unwrap();
        assert_eq!(g, Gated::Rejected { nis: 50.0 });
        assert_eq!((f.state, f.cov), before);
    }

    #[test]
    fn bad_inputs_are_refused() {
        let mut f = Eskf::new(V2([0.0, 0.0]), mat::identity());
        let e = f.update(&[f32::NAN], &[[1.0, 0.0]], &[[1.0]], 1.0);
        assert_eq!(e, Err(EstimateError::NonFinite { index: 0 }));
        let e = f.update(&[1.0], &[[0.0, 0.0]], &[[-1.0]], 1.0);
        assert!(matches!(
            e,
            Err(EstimateError::InnovationNotPositive { row: 0, .. })
        ));
        let e = f.predict(
            V2([1.0, 1.0]),
            &[[f32::INFINITY, 0.0], [0.0, 1.0]],
            &[[0.0; 2]; 2],
        );
        assert!(e.is_err());
        assert_eq!(f.state, V2([0.0, 0.0]));
    }

    #[test]
    fn covariance_stays_symmetric_and_positive_over_many_steps() {
        // Constant-velocity model, position observed.
        let mut f = Eskf::new(V2([0.0, 0.0]), [[1.0, 0.3], [0.3, 2.0]]);
        let dt = 0.01;
        let fm = [[1.0, dt], [0.0, 1.0]];
        let q = [[1e-6, 0.0], [0.0, 1e-4]];
        for k in 0..5000 {
            let s = f.state.0;
            f.predict(V2([s[0] + dt * s[1], s[1]]), &fm, &q).unwrap();
            let truth = 0.5 * (k as f32) * dt;
            let z = [truth - f.state.0[0]];
            f.update(&z, &[[1.0, 0.0]], &[[1e-2]], f32::INFINITY)
                .unwrap();
            assert_eq!(f.cov[0][1], f.cov[1][0]);
            let det = f.cov[0][0] * f.cov[1][1] - f.cov[0][1] * f.cov[1][0];
            assert!(f.cov[0][0] > 0.0 && det > 0.0);
        }
        // The velocity converges to the true 0.5.
        assert!((f.state.0[1] - 0.5).abs() < 0.01, "{:?}", f.state);
    }

    #[test]
    fn chi2_table() {
        assert_eq!(chi2_gate(3, GateLevel::P99), 11.345);
        assert!((chi2_gate(20, GateLevel::P95) - 30.4).abs() < 1.0); // exact 31.41
    }
}
