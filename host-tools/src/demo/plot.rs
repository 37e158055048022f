//! `equiframe demo --plot DIR`: SVG pictures (plotters' SVG backend).
//! - `frames.svg`: the demo cloud seen from above in its centroid's coordinates, with the three
//!   principal axes of its frame drawn from the centroid (length 2 sqrt(eigenvalue));
//! - `invariance_vs_gap.svg`: worst change of canonical coordinates under random rigid motions
//!   versus the relative eigengap (log-log): plain PCA frames lose invariance as the gap closes.
//! - `quantization_error.svg`: int8 versus f32 error of the demo PointNet per layer (mean
//!   absolute error relative to the layer's largest float value).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use plotters::prelude::*;

use super::frames::FramesResult;
use super::pointnet::PointnetResult;

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("plot: {e}")
}

/// Writes every picture into `dir` (created if missing); returns the written paths.
pub fn write_all(
    dir: &Path,
    f: &FramesResult,
    pn: &PointnetResult,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let a = dir.join("frames.svg");
    frames(&a, f)?;
    let b = dir.join("invariance_vs_gap.svg");
    gap(&b, &f.gap_curve)?;
    let c = dir.join("quantization_error.svg");
    quant(&c, &pn.layer_error)?;
    Ok(vec![a, b, c])
}

fn frames(path: &Path, f: &FramesResult) -> anyhow::Result<()> {
    let o = f.set.origin();
    let pts: Vec<(f32, f32)> = f
        .cloud
        .chunks(3)
        .map(|p| (p[0] - o[0], p[1] - o[1]))
        .collect();
    let r = pts
        .iter()
        .fold(1.0f32, |m, p| m.max(p.0.abs()).max(p.1.abs()))
        * 1.1;
    let root = SVGBackend::new(path, (640, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "lidar cloud (top view) and its principal axes",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(-r..r, -r..r)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("x - cx (m)")
        .y_desc("y - cy (m)")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, 1, BLUE.mix(0.4).filled())),
        )
        .map_err(err)?;
    let n = (f.cloud.len() / 3).max(1) as f32;
    let ev = f.set.eigenvalues().map(|e| e.max(0.0) / n);
    let colors = [RED, GREEN, MAGENTA];
    if let Some(fr) = f.set.frames().first() {
        for (k, axis) in fr.axes.iter().enumerate() {
            let len = 2.0 * ev[k].sqrt();
            let end = (axis[0] * len, axis[1] * len);
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, 0.0), end],
                    colors[k].stroke_width(3),
                ))
                .map_err(err)?
                .label(format!("axis {} (variance {:.3} m^2)", k + 1, ev[k]))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colors[k]));
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

fn gap(path: &Path, curve: &[(f32, f32)]) -> anyhow::Result<()> {
    let pts: Vec<(f32, f32)> = curve
        .iter()
        .map(|&(g, e)| (g.max(1e-7).log10(), e.max(1e-9).log10()))
        .collect();
    let root = SVGBackend::new(path, (640, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "plain PCA frames: invariance error vs eigengap",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(-5.0f32..0.5, -9.0f32..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("log10 relative eigengap")
        .y_desc("log10 worst change of canonical coordinates")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(pts.clone(), BLUE.stroke_width(2)))
        .map_err(err)?;
    chart
        .draw_series(pts.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))
        .map_err(err)?;
    root.present().map_err(err)
}

fn quant(path: &Path, errors: &[(String, f32)]) -> anyhow::Result<()> {
    let top = errors.iter().fold(1e-6f32, |m, e| m.max(100.0 * e.1)) * 1.2;
    let root = SVGBackend::new(path, (640, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let labels: Vec<String> = errors.iter().map(|e| e.0.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "FA-PointNet: int8 vs f32 error per layer",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0f32..errors.len() as f32, 0f32..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("layer")
        .y_desc("mean |f32 - int8| / max |f32| (%)")
        .x_labels(errors.len() + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            labels.get(i).cloned().unwrap_or_default()
        })
        .draw()
        .map_err(err)?;
    chart
        .draw_series(errors.iter().enumerate().map(|(i, e)| {
            Rectangle::new(
                [(i as f32 + 0.15, 0.0), (i as f32 + 0.85, 100.0 * e.1)],
                BLUE.filled(),
            )
        }))
        .map_err(err)?;
    root.present().map_err(err)
}
