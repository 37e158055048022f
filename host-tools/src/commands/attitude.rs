//! `equiframe attitude`: orientation from IMU samples with the core's attitude estimator
//! (`equiframe::estimate::attitude`), optionally fused with a learned gravity model.

use anyhow::{anyhow, bail, Context};

use crate::blob::AlignedBuf;
use crate::cli::AttitudeArgs;
use crate::npy::NpyArray;
use equiframe::estimate::attitude::learned::LearnedGravity;
use equiframe::estimate::attitude::{Attitude, AttitudeConfig};
use equiframe::model::Model;

/// The shipped inclination model, the default learned gravity measurement.
pub static SHIPPED_GRAVITY: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/inclination/model.eqf"
));

/// What one run of the estimator produced.
#[derive(Debug, Clone, Default)]
pub struct AttitudeRun {
    /// (N, 4) quaternions w, x, y, z.
    pub quats: Vec<f32>,
    /// (N, 9) rotation covariances.
    pub covs: Vec<f32>,
    /// Network runs, and how many of them were fused.
    pub net_runs: usize,
    /// Network outputs that passed the gate.
    pub net_fused: usize,
}

/// Options of [`estimate`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Sample rate, Hz.
    pub rate: f32,
    /// Use the magnetometer columns.
    pub mag: bool,
    /// Network every this many blocks.
    pub every_blocks: usize,
    /// Network noise, rad.
    pub model_sigma: f32,
    /// Filter tuning.
    pub config: AttitudeConfig,
}

/// Runs the estimator over `imu` (rows of `cols` floats) with an optional model blob.
pub fn estimate(
    imu: &[f32],
    cols: usize,
    opts: Options,
    blob: Option<&[u8]>,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<AttitudeRun> {
    if !(opts.rate.is_finite() && opts.rate > 0.0) {
        bail!("--rate {} is not a positive sample rate", opts.rate);
    }
    if opts.mag && cols < 9 {
        bail!("--mag needs 9 columns (gyro, accel, mag); the input has {cols}");
    }
    let dt = 1.0 / opts.rate;
    let mut att = Attitude::new(opts.config);
    let model = match blob {
        Some(b) => Some(Model::from_bytes(b).map_err(|e| anyhow!("gravity model: {e}"))?),
        None => None,
    };
    let mut learned = match model {
        Some(m) => Some(
            LearnedGravity::new(m, opts.every_blocks, opts.model_sigma)
                .map_err(|e| anyhow!("{e}"))?,
        ),
        None => None,
    };
    let mut arena =
        AlignedBuf::from_slice(&vec![
            0u8;
            learned.as_ref().map_or(0, |l| l.model().arena_bytes())
        ]);
    let n = imu.len() / cols;
    let mut out = AttitudeRun {
        quats: Vec::with_capacity(n * 4),
        covs: Vec::with_capacity(n * 9),
        ..AttitudeRun::default()
    };
    for (i, row) in imu.chunks_exact(cols).enumerate() {
        let gyro = [row[0], row[1], row[2]];
        let accel = [row[3], row[4], row[5]];
        att.update(gyro, accel, dt)
            .map_err(|e| anyhow!("sample {i}: {e}"))?;
        if opts.mag {
            att.update_mag([row[6], row[7], row[8]])
                .map_err(|e| anyhow!("sample {i}: magnetometer: {e}"))?;
        }
        if let Some(l) = learned.as_mut() {
            match l
                .step(&mut att, gyro, accel, arena.as_bytes_mut())
                .map_err(|e| anyhow!("sample {i}: {e}"))?
            {
                Some(equiframe::estimate::Gated::Accepted { .. }) => {
                    out.net_runs += 1;
                    out.net_fused += 1;
                }
                Some(_) => out.net_runs += 1,
                None => {}
            }
        }
        out.quats.extend_from_slice(&att.quaternion());
        out.covs
            .extend(att.rotation_covariance().iter().flatten().copied());
        if let Some(pb) = progress {
            if i % 4096 == 0 {
                pb.set_position(i as u64);
            }
        }
    }
    Ok(out)
}

/// The filter configuration: defaults with the tuning options applied.
pub fn config_from(args: &AttitudeArgs) -> AttitudeConfig {
    let mut c = AttitudeConfig::default();
    let set = |v: &mut f32, o: Option<f32>| {
        if let Some(x) = o {
            *v = x;
        }
    };
    set(&mut c.accel_noise, args.accel_noise);
    set(&mut c.accel_tau, args.accel_tau);
    set(&mut c.gyro_noise, args.gyro_noise);
    set(&mut c.k_norm, args.k_norm);
    set(&mut c.k_dev, args.k_dev);
    set(&mut c.rest_gyro, args.rest_gyro);
    set(&mut c.bias_walk, args.bias_walk);
    c
}

/// Runs `equiframe attitude`.
pub fn run(args: &AttitudeArgs, quiet: bool) -> anyhow::Result<()> {
    let arr = NpyArray::read(&args.imu).with_context(|| format!("{}", args.imu.display()))?;
    let cols = match arr.shape.as_slice() {
        [_, c @ (6 | 9)] => *c,
        s => bail!(
            "{}: expected shape (N, 6) or (N, 9), found {s:?}",
            args.imu.display()
        ),
    };
    let data = arr.to_f32();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        bail!(
            "{}: non-finite value at row {}, column {}",
            args.imu.display(),
            i / cols,
            i % cols
        );
    }
    let file_blob;
    let blob: Option<&[u8]> = if args.no_model {
        None
    } else if let Some(p) = &args.model {
        file_blob = super::run::load_blob(p)?;
        Some(file_blob.as_bytes())
    } else {
        file_blob = AlignedBuf::from_slice(SHIPPED_GRAVITY);
        Some(file_blob.as_bytes())
    };
    let n = data.len() / cols;
    let pb = crate::progress::bar(n as u64, "attitude", quiet || n < 100_000);
    let opts = Options {
        rate: args.rate,
        mag: args.mag,
        every_blocks: args.every_blocks,
        model_sigma: args.model_sigma,
        config: config_from(args),
    };
    let res = estimate(&data, cols, opts, blob, Some(&pb))?;
    pb.finish_and_clear();
    NpyArray::from_f32(vec![n, 4], res.quats)?
        .write(&args.output)
        .with_context(|| format!("{}", args.output.display()))?;
    if let Some(p) = &args.cov {
        NpyArray::from_f32(vec![n, 9], res.covs)?
            .write(p)
            .with_context(|| format!("{}", p.display()))?;
    }
    if !quiet && blob.is_some() {
        eprintln!(
            "{n} samples; learned gravity: {} network runs, {} fused",
            res.net_runs, res.net_fused
        );
    }
    Ok(())
}
