//! `equiframe odometry2d`: planar poses of a robot from the 2D lidar scans of a CARMEN log.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use equiframe::estimate::scan2d::descriptor::Descriptor;
use equiframe::estimate::scan2d::pose::{pose, xyt};
use equiframe::estimate::scan2d::{Odometry, OdometryOptions, RangeScan, Scan2dError, MAX_BEAMS};
use equiframe::lie::LieGroup;
use equiframe::lie::Se2;

use crate::carmen;

#[path = "odometry2d_reloc.rs"]
mod reloc;

/// Arguments of `odometry2d`.
#[derive(Debug, Args)]
#[command(
    after_help = "Every FLASER scan is registered against the current keyframe (point-to-line \
ICP on SE(2), started from the previous motion, zero motion and the canonical-frame rotation \
hypotheses of both scans, best start by residual), and the match is fused with the prediction in \
an SE(2) error-state filter. The first scan defines the world frame (pose 0 0 0). A scan with too \
few valid returns keeps the previous pose.

Output: one line `x y theta` (m, m, rad) per FLASER scan, in scan order.

Examples:
  equiframe odometry2d intel.log.gz -o poses.txt
  equiframe odometry2d run.log -o poses.txt --odom --max-range 30
  equiframe odometry2d run.log -o poses.txt --descriptors desc.txt --stats"
)]
pub struct Odometry2dArgs {
    /// CARMEN log (plain or gzip).
    pub log: PathBuf,
    /// Where to write the poses.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Use the ODOM messages (interpolated at each scan's time) as the motion prediction.
    #[arg(long)]
    pub odom: bool,
    /// Field of view spread over the beams of a FLASER line (degrees).
    #[arg(long, default_value_t = 180.0)]
    pub fov: f32,
    /// Returns shorter than this are invalid (m).
    #[arg(long, default_value_t = 0.05)]
    pub min_range: f32,
    /// Returns at or beyond this are invalid: max-range readings (m). Default: 50 m, or just
    /// below the log's largest reading when that lies below 50 m and at least 0.5 % of all
    /// readings sit within 5 cm of it (a sensor whose max-range value is, e.g., 32.767).
    #[arg(long)]
    pub max_range: Option<f32>,
    /// Do not start registrations from the canonical-frame rotation hypotheses.
    #[arg(long)]
    pub no_canonical: bool,
    /// Also write each scan's O(2)-invariant relocalisation descriptor (one line of bytes per scan).
    #[arg(long)]
    pub descriptors: Option<PathBuf>,
    /// Relocalise every scan against the older scans and write, per scan,
    /// `top1 best dx dy dtheta score`: the descriptor's nearest older scan, the candidate that
    /// registered best (no motion prior) and the motion from it (-1 where none).
    #[arg(long)]
    pub relocalise: Option<PathBuf>,
    /// Candidates (nearest by descriptor) registered per scan with --relocalise.
    #[arg(long, default_value_t = 5)]
    pub reloc_candidates: usize,
    /// Candidates are scans at least this many seconds older (--relocalise).
    #[arg(long, default_value_t = 30.0)]
    pub reloc_gap: f64,
    /// Print a summary (scans, fused matches, keyframes, time per scan) to stdout.
    #[arg(long)]
    pub stats: bool,
}

/// Runs `odometry2d`.
pub fn run(args: &Odometry2dArgs, quiet: bool) -> anyhow::Result<()> {
    if !(args.fov.is_finite() && args.fov > 0.0 && args.fov <= 360.0) {
        anyhow::bail!("--fov {} is not in (0, 360] degrees", args.fov);
    }
    let log = carmen::read(&args.log)?;
    let odom_poses: Option<Vec<Se2>> = if args.odom && !log.odom.is_empty() {
        Some(
            log.lasers
                .iter()
                .filter_map(|l| carmen::odom_at(&log.odom, l.time))
                .map(|p| pose(p[0] as f32, p[1] as f32, p[2] as f32))
                .collect(),
        )
    } else {
        None
    };
    let opts = OdometryOptions {
        canonical_starts: !args.no_canonical,
        ..OdometryOptions::default()
    };
    let mut odo = Box::new(Odometry::new(opts));
    let mut out = String::with_capacity(log.lasers.len() * 32);
    let mut desc_out = String::new();
    let bar = crate::progress::bar(log.lasers.len() as u64, "odometry", quiet);
    let (mut fused, mut keyframes, mut skipped) = (0usize, 0usize, 0usize);
    let start = std::time::Instant::now();
    let fov = args.fov.to_radians();
    let max_range = args
        .max_range
        .unwrap_or_else(|| default_max_range(&log.lasers));
    let want_descriptors = args.descriptors.is_some() || args.relocalise.is_some();
    let mut descriptors: Vec<Option<Descriptor>> = Vec::new();
    for (i, l) in log.lasers.iter().enumerate() {
        if l.ranges.len() > MAX_BEAMS {
            anyhow::bail!(
                "{}:{}: {}",
                args.log.display(),
                l.line,
                Scan2dError::TooManyBeams {
                    given: l.ranges.len(),
                    max: MAX_BEAMS
                }
            );
        }
        let rs = RangeScan::centred(&l.ranges, fov, args.min_range, max_range);
        let u = match (&odom_poses, i) {
            (Some(p), i) if i > 0 => Some(p[i - 1].between(&p[i])),
            _ => None,
        };
        match odo.step(&rs, u) {
            Ok(r) => {
                fused += r.fused as usize;
                keyframes += r.new_keyframe as usize;
            }
            Err(Scan2dError::TooFewPoints { .. }) => skipped += 1,
            Err(e) => return Err(anyhow::anyhow!("{}:{}: {e}", args.log.display(), l.line)),
        }
        let p = xyt(&odo.pose());
        let _ = writeln!(out, "{:.6} {:.6} {:.6}", p[0], p[1], p[2]);
        if want_descriptors {
            let mut scan = equiframe::estimate::scan2d::Scan::new();
            let d = scan
                .fill(&rs)
                .ok()
                .and_then(|()| Descriptor::of(scan.points()));
            if args.descriptors.is_some() {
                let bytes = d.map_or(
                    [0u8; equiframe::estimate::scan2d::descriptor::DESCRIPTOR_LEN],
                    |d| d.0,
                );
                let line: Vec<String> = bytes.iter().map(|b| b.to_string()).collect();
                let _ = writeln!(desc_out, "{}", line.join(" "));
            }
            descriptors.push(d);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    std::fs::write(&args.output, out)
        .with_context(|| format!("writing {}", args.output.display()))?;
    if let Some(path) = &args.descriptors {
        std::fs::write(path, desc_out).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.relocalise {
        let text = reloc::lines(
            &log.lasers,
            [fov, args.min_range, max_range],
            &descriptors,
            args.reloc_candidates,
            args.reloc_gap,
        );
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.stats {
        let n = log.lasers.len();
        let secs = start.elapsed().as_secs_f64();
        super::print_stdout(&format!(
            "{n} scans, {fused} matches fused, {keyframes} keyframes, {skipped} scans without enough returns, {:.2} ms per scan, odometry {}",
            1e3 * secs / n.max(1) as f64,
            if odom_poses.is_some() { "used" } else { "not used" }
        ))?;
    }
    Ok(())
}

/// Readings at or beyond this are max-range readings unless the log says otherwise (m).
const MAX_RANGE: f32 = 50.0;

/// [`MAX_RANGE`], or 5 cm below the log's largest reading when that lies below it and at
/// least 0.5 % of the readings sit within 5 cm of it (the sensor's max-range value).
fn default_max_range(lasers: &[carmen::Laser]) -> f32 {
    let all = || lasers.iter().flat_map(|l| l.ranges.iter().copied());
    let top = all().filter(|r| r.is_finite()).fold(0.0f32, f32::max);
    let total = all().count();
    let at_top = all().filter(|&r| r >= top - 0.05).count();
    if top > 0.05 && top < MAX_RANGE && total > 0 && at_top * 200 >= total {
        top - 0.05
    } else {
        MAX_RANGE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laser(ranges: Vec<f32>) -> carmen::Laser {
        carmen::Laser {
            line: 1,
            ranges,
            pose: [0.0; 3],
            odom_pose: [0.0; 3],
            time: 0.0,
        }
    }

    #[test]
    fn max_range_value_of_the_sensor_is_found() {
        // 32.767 on 2 of 100 beams: the sensor's max-range value.
        let mut r: Vec<f32> = (0..100).map(|i| 1.0 + i as f32 * 0.1).collect();
        r[3] = 32.767;
        r[50] = 32.767;
        assert!((default_max_range(&[laser(r.clone())]) - 32.717).abs() < 1e-4);
        // Once only in 1000 readings: a real return, the default stays.
        let many: Vec<_> = (0..10)
            .map(|_| laser((0..100).map(|i| 1.0 + i as f32 * 0.1).collect()))
            .collect();
        let mut with_one = many.clone();
        with_one[0].ranges[0] = 32.767;
        assert_eq!(default_max_range(&with_one), MAX_RANGE);
        // A largest reading beyond 50 m keeps the default.
        r[3] = 81.91;
        r[50] = 81.91;
        assert_eq!(default_max_range(&[laser(r)]), MAX_RANGE);
    }
}
