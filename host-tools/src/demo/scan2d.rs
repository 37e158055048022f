//! The demo's 2D lidar row: [`Odometry`] on a simulated drive around the synthetic room
//! (`scan2d::sim`, 360-beam full-circle scans with 1 cm range noise), its relation error
//! against the simulated truth and its cost per scan; with `--plot DIR` the picture
//! `scan2d.svg`: the walls, the true and estimated trajectories and the map (every scan's
//! points drawn at its estimated pose).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context};
use equiframe::estimate::scan2d::sim::{cast, Lcg, ROOM};
use equiframe::estimate::scan2d::{Odometry, OdometryOptions, RangeScan, Scan};
use equiframe::lie::{LieGroup, Se2, So2};
use plotters::prelude::*;

use super::table;

const BEAMS: usize = 360;

/// What the row reports (and the picture draws).
pub struct Scan2dResult {
    /// The printed section.
    pub text: String,
    /// The written picture, when asked for.
    pub picture: Option<PathBuf>,
}

/// True poses: `n` scans around an ellipse in the room's open floor, heading along it.
fn truth(n: usize) -> Vec<Se2> {
    (0..n)
        .map(|i| {
            let a = std::f32::consts::TAU * i as f32 / n as f32;
            let (c, s) = (a.cos(), a.sin());
            Se2 {
                rot: So2::exp((1.2 * c).atan2(-2.5 * s)),
                t: [7.5 + 2.5 * c, 3.0 + 1.2 * s],
            }
        })
        .collect()
}

/// Mean translational (m) and rotational (deg) error of the relations i -> i + k.
fn relation_error(est: &[Se2], truth: &[Se2], ks: &[usize]) -> (f32, f32) {
    let (mut t, mut r, mut n) = (0.0f32, 0.0f32, 0usize);
    for &k in ks {
        for i in 0..truth.len().saturating_sub(k) {
            let d = truth[i]
                .between(&truth[i + k])
                .between(&est[i].between(&est[i + k]));
            t += d.t[0].hypot(d.t[1]);
            r += d.rot.log().abs().to_degrees();
            n += 1;
        }
    }
    (t / n.max(1) as f32, r / n.max(1) as f32)
}

/// Runs the row; `quick` halves the drive.
pub fn run(plot_dir: Option<&Path>, quick: bool) -> anyhow::Result<Scan2dResult> {
    let n = if quick { 64 } else { 128 };
    let truth = truth(n);
    let inc = std::f32::consts::TAU / BEAMS as f32;
    let angle_min = -std::f32::consts::PI;
    let mut rng = Lcg(7);
    let scans: Vec<Vec<f32>> = truth
        .iter()
        .map(|p| {
            let mut r = vec![0.0f32; BEAMS];
            cast(
                &ROOM,
                p,
                angle_min,
                inc,
                80.0,
                &mut r,
                Some((&mut rng, 0.01)),
            );
            r
        })
        .collect();
    let rs = |r| range_scan(r, angle_min, inc);
    let mut odo = Box::new(Odometry::new(OdometryOptions::default()));
    let mut est = Vec::with_capacity(n);
    let (mut fused, mut keyframes) = (0usize, 0usize);
    let t0 = Instant::now();
    for r in &scans {
        let rep = odo
            .step(&rs(r), None)
            .map_err(|e| anyhow!("scan2d demo: {e}"))?;
        fused += rep.fused as usize;
        keyframes += rep.new_keyframe as usize;
        // The odometry's world frame is the first scan's; express it in the room's.
        est.push(truth[0].compose(&rep.pose));
    }
    let ms = 1e3 * t0.elapsed().as_secs_f64() / n as f64;
    let (et, er) = relation_error(&est, &truth, &[1, 5, 10]);
    let (e1, _) = relation_error(&est, &truth, &[1]);
    let rows = vec![vec![
        "odometry (simulated room)".to_string(),
        format!("{n} x {BEAMS} beams"),
        format!("{et:.3} m / {er:.2} deg"),
        format!("{e1:.3} m"),
        format!("{fused}/{}", n - 1),
        format!("{keyframes}"),
        format!("{ms:.2}"),
    ]];
    let mut text = String::from(
        "\n2D lidar: scan-to-keyframe odometry (point-to-line ICP on SE(2) from canonical-frame \
         starts, SE(2) error-state filter), relations k = 1, 5, 10 against the simulated truth\n",
    );
    text.push_str(&table::render(
        &[
            "row",
            "scans",
            "relation error",
            "k = 1",
            "fused",
            "keyframes",
            "ms/scan",
        ],
        &rows,
    ));
    let picture = match plot_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let path = dir.join("scan2d.svg");
            picture(&path, &truth, &est, &scans, [angle_min, inc])?;
            Some(path)
        }
        None => None,
    };
    Ok(Scan2dResult { text, picture })
}

fn range_scan(ranges: &[f32], angle_min: f32, angle_increment: f32) -> RangeScan<'_> {
    RangeScan {
        ranges,
        angle_min,
        angle_increment,
        range_min: 0.05,
        range_max: 50.0,
    }
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("plot: {e}")
}

fn picture(
    path: &Path,
    truth: &[Se2],
    est: &[Se2],
    scans: &[Vec<f32>],
    [angle_min, inc]: [f32; 2],
) -> anyhow::Result<()> {
    let root = SVGBackend::new(path, (900, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "2D lidar odometry: map (scans at the estimated poses) and trajectories",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(-1.0f32..23.0, -1.0f32..9.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("x (m)")
        .y_desc("y (m)")
        .draw()
        .map_err(err)?;
    let mut scan = Box::new(Scan::new());
    let mut map = Vec::new();
    for (p, r) in est.iter().zip(scans).step_by(2) {
        if scan.fill(&range_scan(r, angle_min, inc)).is_ok() {
            map.extend(scan.points().iter().step_by(2).map(|&q| {
                let w = p.act(q);
                (w[0], w[1])
            }));
        }
    }
    chart
        .draw_series(
            map.iter()
                .map(|&q| Circle::new(q, 1, BLUE.mix(0.35).filled())),
        )
        .map_err(err)?
        .label("map: scans at the estimated poses")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, BLUE.filled()));
    for (i, s) in ROOM.iter().enumerate() {
        let series = chart
            .draw_series(LineSeries::new(
                [(s.a[0], s.a[1]), (s.b[0], s.b[1])],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        if i == 0 {
            series
                .label("walls (truth)")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK));
        }
    }
    let line = |p: &[Se2]| -> Vec<(f32, f32)> { p.iter().map(|q| (q.t[0], q.t[1])).collect() };
    chart
        .draw_series(LineSeries::new(line(truth), GREEN.stroke_width(2)))
        .map_err(err)?
        .label("true trajectory")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], GREEN.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(line(est), RED.stroke_width(1)))
        .map_err(err)?
        .label("estimated trajectory")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}
