//! Orientation of an IMU on SO(3): an error-state Kalman filter ([`super::Eskf`]) with six
//! error states, rotation `dtheta` (right perturbation, `R = R_hat Exp(dtheta)`) and gyroscope
//! bias `db`.
//!
//! Per sample ([`Attitude::update`]):
//! 1. **predict**: `R <- R Exp((w - b) dt)`, `F = [[Exp(-(w - b) dt), -Jr((w - b) dt) dt],
//!    [0, I]]`, `Q = diag(sigma_g^2 dt, sigma_b^2 dt)`;
//! 2. **gravity**: the accelerometer direction `u = a / |a|` against `h = R^T e_z`
//!    (`z = u - h`, `H = [[h]x, 0]`). The noise grows with the evidence of linear
//!    acceleration, `sigma^2 = sigma_a^2 + (k_norm (|a| - g) / g)^2 + (k_dev |a - a_lp| / g)^2`,
//!    so that translation, vibration and taps are down-weighted rather than fused as tilt; a
//!    chi-square gate (99.9 %) drops what is left of the outliers;
//! 3. **rest**: when the gyroscope and accelerometer stay within thresholds of their low-pass
//!    values for `rest_time` seconds, the gyroscope reading is fused as a direct measurement of
//!    the bias (`z = w - b`, `H = [0, I]`), which re-estimates all three bias axes, including
//!    the one about gravity that tilt cannot observe.
//!
//! Optional updates: [`Attitude::update_mag`] (heading from the horizontal magnetic field, one
//! scalar residual, gated, so magnetic disturbances are dropped) and [`Attitude::update_gravity`]
//! (a gravity direction with its own uncertainty, e.g. from the learned model in [`learned`]).
//!
//! Output: [`Attitude::quaternion`] (`w, x, y, z`, rotating sensor coordinates into a world
//! frame with `z` up; heading arbitrary without the magnetometer) and
//! [`Attitude::rotation_covariance`] (3x3, in the sensor frame, radians^2).

pub mod cov;
mod increment;
pub mod learned;

use super::eskf::{chi2_gate, ErrorState, Eskf, GateLevel, Gated};
use super::EstimateError;
use crate::lie::mat::Mat;
use crate::lie::So3;

/// Standard gravity, m/s^2.
pub const GRAVITY: f32 = 9.81;

/// Tuning of [`Attitude`] (defaults fit a consumer MEMS IMU at 100-1000 Hz).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AttitudeConfig {
    /// Gyroscope noise density, rad/s/sqrt(Hz) (with model error).
    pub gyro_noise: f32,
    /// Gyroscope bias random walk, rad/s^2/sqrt(Hz).
    pub bias_walk: f32,
    /// Accelerometer direction noise, rad per sample.
    pub accel_noise: f32,
    /// Down-weighting by the norm deviation `||a| - g| / g`.
    pub k_norm: f32,
    /// Down-weighting by the deviation from the low-pass accelerometer `|a - a_lp| / g`.
    pub k_dev: f32,
    /// Low-pass time constant for the rest detector and `a_lp`, seconds.
    pub lowpass_tau: f32,
    /// Rest: largest gyroscope deviation from its low-pass value, rad/s.
    pub rest_gyro: f32,
    /// Rest: largest accelerometer deviation from its low-pass value, m/s^2.
    pub rest_accel: f32,
    /// Rest: how long both must hold, seconds.
    pub rest_time: f32,
    /// Rest: noise of the gyroscope as a bias measurement, rad/s.
    pub rest_noise: f32,
    /// Initial bias standard deviation, rad/s.
    pub bias_init: f32,
    /// Magnetometer heading noise, rad.
    pub mag_noise: f32,
    /// Time constant of the accelerometer low-pass in the gyroscope-strapdown frame, seconds
    /// (0: fuse each raw sample).
    pub accel_tau: f32,
}

impl Default for AttitudeConfig {
    fn default() -> Self {
        Self {
            gyro_noise: 2e-3,
            bias_walk: 1e-4,
            accel_noise: 0.05,
            k_norm: 1.0,
            k_dev: 0.0,
            lowpass_tau: 0.5,
            rest_gyro: 0.03,
            rest_accel: 0.4,
            rest_time: 1.0,
            rest_noise: 0.01,
            bias_init: 0.02,
            mag_noise: 0.1,
            accel_tau: 3.0,
        }
    }
}

/// The nominal state: orientation (sensor to world) and gyroscope bias (rad/s).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct AttitudeState {
    /// Sensor-to-world rotation.
    pub rot: So3,
    /// Gyroscope bias, rad/s.
    pub bias: [f32; 3],
}

impl ErrorState<6> for AttitudeState {
    fn retract(&mut self, dx: &[f32; 6]) {
        self.rot = self.rot.compose(&increment::exp([dx[0], dx[1], dx[2]]));
        for k in 0..3 {
            self.bias[k] += dx[3 + k];
        }
    }
}

/// What one [`Attitude::update`] did.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StepReport {
    /// The accelerometer update was fused (false: gated out or the sample had no usable norm).
    pub accel_fused: bool,
    /// The rest detector is on (bias re-estimation ran).
    pub at_rest: bool,
    /// Accelerometer direction noise used, rad.
    pub accel_sigma: f32,
}

/// The attitude estimator.
#[derive(Clone, Copy, Debug)]
pub struct Attitude {
    /// The filter (state and 6x6 covariance).
    pub filter: Eskf<AttitudeState, 6>,
    cfg: AttitudeConfig,
    initialized: bool,
    gyro_lp: [f32; 3],
    accel_lp: [f32; 3],
    rest_for: f32,
    samples: u32,
    mag_aligned: bool,
    /// Low-passed accelerometer in the gyroscope-strapdown frame, expressed in the current
    /// sensor frame (carried along by each bias-corrected gyroscope increment).
    acc_strap_lp: [f32; 3],
}

fn norm(v: [f32; 3]) -> f32 {
    libm::sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
}

/// A near-orthonormal rotation matrix made orthonormal to first order (Premerlani and
/// Bizard's DCM renormalization, no square root): the first two rows share their dot product
/// `e` (`x' = x - e/2 y`, `y' = y - e/2 x`), the third is `x' x y'`, and each row `v` is scaled
/// by `(3 - |v|^2) / 2`. For the drift of a few hundred products (about 1e-6) the result is
/// orthonormal to f32 rounding.
fn renormalized(r: &So3) -> So3 {
    let [x0, y0, _] = r.m;
    let e = 0.5 * (x0[0] * y0[0] + x0[1] * y0[1] + x0[2] * y0[2]);
    let x = [x0[0] - e * y0[0], x0[1] - e * y0[1], x0[2] - e * y0[2]];
    let y = [y0[0] - e * x0[0], y0[1] - e * x0[1], y0[2] - e * x0[2]];
    let z = [
        x[1] * y[2] - x[2] * y[1],
        x[2] * y[0] - x[0] * y[2],
        x[0] * y[1] - x[1] * y[0],
    ];
    let scaled = |v: [f32; 3]| {
        let s = 0.5 * (3.0 - norm2(v));
        [s * v[0], s * v[1], s * v[2]]
    };
    So3 {
        m: [scaled(x), scaled(y), scaled(z)],
    }
}

/// `m v`.
fn a_mul(m: &[[f32; 3]; 3], v: [f32; 3]) -> [f32; 3] {
    [
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    ]
}

fn norm2(v: [f32; 3]) -> f32 {
    v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
}

fn check3(v: &[f32; 3], offset: usize) -> Result<(), EstimateError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(EstimateError::NonFinite { index: offset + i }),
        None => Ok(()),
    }
}

/// A rotation that takes the sensor-frame up direction `u` (unit) to world `e_z`, without
/// trigonometry or square roots: for `u_z >= 0` the shortest arc
/// `R = I + [v]x + [v]x^2 / (1 + c)` (`v = u x e_z`, `c = u_z`); below the horizon the
/// shortest arc to `-e_z` followed by a half turn about `x` (the heading about `e_z`, free
/// without a magnetometer, then differs from the shortest arc's).
pub fn level_rotation(u: [f32; 3]) -> So3 {
    let (flip, t) = if u[2] >= 0.0 {
        (false, 1.0f32)
    } else {
        (true, -1.0f32)
    };
    // v = u x (t e_z) = t (u_y, -u_x, 0), c = t u_z >= 0.
    let (vx, vy) = (t * u[1], -t * u[0]);
    let k = 1.0 / (1.0 + t * u[2]);
    let (vv, xy) = (vx * vx + vy * vy, vx * vy);
    // [v]x^2 = v v^T - |v|^2 I with v_z = 0.
    let mut m = [
        [1.0 + k * (vx * vx - vv), k * xy, vy],
        [k * xy, 1.0 + k * (vy * vy - vv), -vx],
        [-vy, vx, 1.0 - k * vv],
    ];
    if flip {
        // Half turn about x: rows 1 and 2 change sign.
        for row in m.iter_mut().skip(1) {
            for v in row.iter_mut() {
                *v = -*v;
            }
        }
    }
    So3 { m }
}

impl Attitude {
    /// A filter that initializes its tilt from the first accelerometer sample.
    pub fn new(cfg: AttitudeConfig) -> Self {
        let mut p = [[0.0f32; 6]; 6];
        for i in 0..3 {
            p[i][i] = 0.1;
            p[3 + i][3 + i] = cfg.bias_init * cfg.bias_init;
        }
        Self {
            filter: Eskf::new(AttitudeState::default(), p),
            cfg,
            initialized: false,
            gyro_lp: [0.0; 3],
            accel_lp: [0.0; 3],
            rest_for: 0.0,
            samples: 0,
            mag_aligned: false,
            acc_strap_lp: [0.0; 3],
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AttitudeConfig {
        &self.cfg
    }

    /// Sensor-to-world rotation.
    pub fn rotation(&self) -> So3 {
        self.filter.state.rot
    }

    /// Unit quaternion `(w, x, y, z)`, sensor to world (z up).
    pub fn quaternion(&self) -> [f32; 4] {
        self.filter.state.rot.to_quaternion()
    }

    /// Gyroscope bias estimate, rad/s.
    pub fn bias(&self) -> [f32; 3] {
        self.filter.state.bias
    }

    /// Covariance of the rotation error (right perturbation, sensor frame), rad^2.
    pub fn rotation_covariance(&self) -> [[f32; 3]; 3] {
        let p = &self.filter.cov;
        [
            [p[0][0], p[0][1], p[0][2]],
            [p[1][0], p[1][1], p[1][2]],
            [p[2][0], p[2][1], p[2][2]],
        ]
    }

    /// Whether the first accelerometer sample has set the tilt.
    pub fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// One IMU sample: gyroscope `gyro` (rad/s), accelerometer `accel` (m/s^2, specific force:
    /// `+g` up at rest), time since the previous sample `dt` (s). Refuses non-finite inputs and
    /// a non-positive `dt` with the state unchanged.
    pub fn update(
        &mut self,
        gyro: [f32; 3],
        accel: [f32; 3],
        dt: f32,
    ) -> Result<StepReport, EstimateError> {
        check3(&gyro, 0)?;
        check3(&accel, 3)?;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(EstimateError::BadTimeStep { dt });
        }
        if !self.initialized {
            let an = norm(accel);
            if an < 1e-3 {
                return Ok(StepReport::default());
            }
            self.filter.state.rot = level_rotation([accel[0] / an, accel[1] / an, accel[2] / an]);
            self.gyro_lp = gyro;
            self.accel_lp = accel;
            self.acc_strap_lp = accel;
            self.initialized = true;
            return Ok(StepReport::default());
        }
        self.samples = self.samples.wrapping_add(1);
        self.predict(gyro, dt)?;

        // Low-pass references and rest detection.
        let alpha = (dt / self.cfg.lowpass_tau).min(1.0);
        // Squared deviations (compared with squared thresholds: no square root).
        let (mut gdev, mut adev) = (0.0f32, 0.0f32);
        for k in 0..3 {
            self.gyro_lp[k] += alpha * (gyro[k] - self.gyro_lp[k]);
            self.accel_lp[k] += alpha * (accel[k] - self.accel_lp[k]);
            gdev += (gyro[k] - self.gyro_lp[k]) * (gyro[k] - self.gyro_lp[k]);
            adev += (accel[k] - self.accel_lp[k]) * (accel[k] - self.accel_lp[k]);
        }
        let b = self.filter.state.bias;
        let rate = norm2([
            self.gyro_lp[0] - b[0],
            self.gyro_lp[1] - b[1],
            self.gyro_lp[2] - b[2],
        ]);
        let (rg, ra) = (self.cfg.rest_gyro, self.cfg.rest_accel);
        let still = gdev < rg * rg && adev < ra * ra && rate < rg * rg;
        self.rest_for = if still { self.rest_for + dt } else { 0.0 };
        let at_rest = self.rest_for >= self.cfg.rest_time;

        let mut report = StepReport {
            at_rest,
            ..StepReport::default()
        };
        // The gravity measurement: this sample, or the low-passed accelerometer carried into
        // this sample's frame by the gyroscope strapdown (lag-free for rotation, averaging out
        // linear acceleration over `accel_tau`). With `S_k` the strapdown orientation, the
        // low-pass `L_k = L_(k-1) + beta (S_k a_k - L_(k-1))` is kept as `v_k = S_k^T L_k`,
        // which `predict` rotates by each increment: `v_k = v + beta (a_k - v)`,
        // `v = Exp(w_k)^T v_(k-1)`.
        let (accel, an) = if self.cfg.accel_tau > 0.0 {
            let beta = (dt / self.cfg.accel_tau).min(1.0);
            let v = &mut self.acc_strap_lp;
            for k in 0..3 {
                v[k] += beta * (accel[k] - v[k]);
            }
            (*v, norm(*v))
        } else {
            (accel, norm(accel))
        };
        if an > 1e-3 {
            let dn = (an - GRAVITY) / GRAVITY;
            // adev is squared: (k_dev |a - a_lp| / g)^2 = k_dev^2 adev / g^2.
            let kd = self.cfg.k_dev / GRAVITY;
            let s2 = self.cfg.accel_noise * self.cfg.accel_noise
                + (self.cfg.k_norm * dn) * (self.cfg.k_norm * dn)
                + kd * kd * adev;
            report.accel_sigma = libm::sqrtf(s2);
            let inv = 1.0 / an;
            let u = [accel[0] * inv, accel[1] * inv, accel[2] * inv];
            report.accel_fused = matches!(
                self.gravity_update_var(u, s2, GateLevel::P999)?,
                Gated::Accepted { .. }
            );
        }
        if at_rest {
            self.rest_update(gyro)?;
        }
        Ok(report)
    }

    fn predict(&mut self, gyro: [f32; 3], dt: f32) -> Result<(), EstimateError> {
        let b = self.filter.state.bias;
        let w = [
            (gyro[0] - b[0]) * dt,
            (gyro[1] - b[1]) * dt,
            (gyro[2] - b[2]) * dt,
        ];
        let qg = self.cfg.gyro_noise * self.cfg.gyro_noise * dt;
        let qb = self.cfg.bias_walk * self.cfg.bias_walk * dt;
        if !(w.iter().all(|v| v.is_finite()) && qg.is_finite() && qb.is_finite()) {
            return Err(EstimateError::BadTimeStep { dt });
        }
        let (inc, jr) = increment::exp_jr(w);
        // F = [[Exp(w)^T, -Jr(w) dt], [0, I]].
        let a = inc.inverse().m;
        let mut bm = jr;
        for v in bm.iter_mut().flatten() {
            *v *= -dt;
        }
        cov::predict(&mut self.filter.cov, &a, &bm, qg, qb);
        let st = &mut self.filter.state;
        st.rot = st.rot.compose(&inc);
        self.acc_strap_lp = a_mul(&a, self.acc_strap_lp);
        // Keep R orthonormal under long runs (every 256 samples).
        if self.samples & 0xff == 0 {
            st.rot = renormalized(&st.rot);
        }
        Ok(())
    }

    /// Fuses a measured up direction `u` (unit, sensor frame) with isotropic noise `sigma`
    /// (rad) against `R^T e_z`.
    pub fn gravity_update(
        &mut self,
        u: [f32; 3],
        sigma: f32,
        gate: GateLevel,
    ) -> Result<Gated, EstimateError> {
        self.gravity_update_var(u, sigma * sigma, gate)
    }

    /// [`Self::gravity_update`] with the variance `s2` (rad^2): `z = u - h`, `H = [[h]x, 0]`,
    /// `h = R^T e_z`, through the block-structured [`cov::gravity_update`].
    fn gravity_update_var(
        &mut self,
        u: [f32; 3],
        s2: f32,
        gate: GateLevel,
    ) -> Result<Gated, EstimateError> {
        check3(&u, 0)?;
        let m = &self.filter.state.rot.m;
        let h = [m[2][0], m[2][1], m[2][2]]; // R^T e_z
        let z = [u[0] - h[0], u[1] - h[1], u[2] - h[2]];
        let (g, dx) = cov::gravity_update(&mut self.filter.cov, h, z, s2, chi2_gate(3, gate))?;
        if matches!(g, Gated::Accepted { .. }) {
            self.filter.state.retract(&dx);
        }
        Ok(g)
    }

    /// Fuses an up direction `up` in the sensor frame (any length > 0) with noise `sigma`
    /// (rad), gated at 99 %: the entry point of a learned gravity estimate.
    pub fn update_gravity(&mut self, up: [f32; 3], sigma: f32) -> Result<Gated, EstimateError> {
        check3(&up, 0)?;
        let n = norm(up);
        if n.is_nan() || n <= 1e-6 || !self.initialized {
            return Ok(Gated::Rejected { nis: f32::INFINITY });
        }
        self.gravity_update([up[0] / n, up[1] / n, up[2] / n], sigma, GateLevel::P99)
    }

    fn rest_update(&mut self, gyro: [f32; 3]) -> Result<Gated, EstimateError> {
        let b = self.filter.state.bias;
        let z = [gyro[0] - b[0], gyro[1] - b[1], gyro[2] - b[2]];
        let mut hm: Mat<3, 6> = [[0.0; 6]; 3];
        for i in 0..3 {
            hm[i][3 + i] = 1.0;
        }
        let s2 = self.cfg.rest_noise * self.cfg.rest_noise;
        let r = [[s2, 0.0, 0.0], [0.0, s2, 0.0], [0.0, 0.0, s2]];
        self.filter
            .update(&z, &hm, &r, chi2_gate(3, GateLevel::P999))
    }

    /// Magnetometer heading update: the field `mag` (any unit, sensor frame) is rotated into
    /// the world and its horizontal direction is taken as magnetic north along world `x`.
    /// One scalar residual `-atan2(m_y, m_x)` with `H = [e_z^T R, 0]`, gated at 99 %.
    pub fn update_mag(&mut self, mag: [f32; 3]) -> Result<Gated, EstimateError> {
        check3(&mag, 0)?;
        if !self.initialized {
            return Ok(Gated::Rejected { nis: f32::INFINITY });
        }
        let r = &self.filter.state.rot;
        let mw = r.act(mag);
        let hn = libm::sqrtf(mw[0] * mw[0] + mw[1] * mw[1]);
        if hn < 1e-6 * (norm(mag) + 1e-30) || hn == 0.0 {
            return Ok(Gated::Rejected { nis: f32::INFINITY });
        }
        let heading = libm::atan2f(mw[1], mw[0]);
        if !self.mag_aligned {
            // First field seen: turn the world frame so that north is x (heading was free).
            let turn = So3::exp([0.0, 0.0, -heading]);
            self.filter.state.rot = turn.compose(r);
            self.mag_aligned = true;
            return Ok(Gated::Accepted { nis: 0.0 });
        }
        let z = [-heading];
        let m = &r.m;
        let hm: Mat<1, 6> = [[m[2][0], m[2][1], m[2][2], 0.0, 0.0, 0.0]];
        let s2 = self.cfg.mag_noise * self.cfg.mag_noise;
        self.filter
            .update(&z, &hm, &[[s2]], chi2_gate(1, GateLevel::P99))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `level_rotation(u)` is a rotation taking `u` to `e_z`, on both hemispheres and at the
    /// poles.
    #[test]
    fn level_rotation_levels() {
        for u in [
            [0.0, 0.0, 1.0],
            [0.0, 0.0, -1.0],
            [0.6, 0.0, 0.8],
            [0.36, -0.48, -0.8],
            [1.0, 0.0, 0.0],
            [0.0, -0.6, 0.8],
            [1e-4, 0.0, -1.0],
        ] {
            let n = norm(u);
            let u = [u[0] / n, u[1] / n, u[2] / n];
            let r = level_rotation(u);
            let up = r.act(u);
            assert!(
                (up[2] - 1.0).abs() < 1e-6 && up[0].abs() < 1e-6,
                "{u:?} -> {up:?}"
            );
            for i in 0..3 {
                for j in 0..3 {
                    let d: f32 = (0..3).map(|k| r.m[i][k] * r.m[j][k]).sum();
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((d - want).abs() < 1e-6, "{u:?}: {i} {j} {d}");
                }
            }
        }
    }

    /// A rotation perturbed by 1e-5 in every entry comes back orthonormal to 1e-6.
    #[test]
    fn renormalization_restores_orthonormality() {
        let mut r = So3::exp([0.4, -1.1, 2.0]);
        for (k, v) in r.m.iter_mut().flatten().enumerate() {
            *v += if k % 2 == 0 { 1e-5 } else { -1e-5 };
        }
        let n = renormalized(&r);
        for i in 0..3 {
            for j in 0..3 {
                let d: f32 = (0..3).map(|k| n.m[i][k] * n.m[j][k]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((d - want).abs() < 1e-6, "{i} {j}: {d}");
            }
        }
        let det = n.m[0][0] * (n.m[1][1] * n.m[2][2] - n.m[1][2] * n.m[2][1])
            - n.m[0][1] * (n.m[1][0] * n.m[2][2] - n.m[1][2] * n.m[2][0])
            + n.m[0][2] * (n.m[1][0] * n.m[2][1] - n.m[1][1] * n.m[2][0]);
        assert!((det - 1.0).abs() < 1e-5);
    }
}
