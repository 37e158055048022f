//! `equiframe demo`: the product in one command, on embedded defaults and without network.
//!
//! Sections, in the order they are printed:
//! 1. frames of a generated lidar-like cloud: spectrum, quality, invariance of the canonical
//!    coordinates under random rigid motions ([`frames`]);
//! 2. the frame-averaged PointNet of the engine benchmarks (synthetic weights, int8 and f32):
//!    invariance under random rotations, reflections, translations and permutations, int8 vs
//!    f32 error, footprint and speed ([`pointnet`]);
//! 3. every shipped model found under `host-tools/models/*/` (an `.eqf` blob beside
//!    `test_x.npy` / `test_y.npy`): accuracy or error, invariance, footprint, speed
//!    ([`shipped`]);
//! 4. the attitude estimator on a generated IMU recording, with and without the learned
//!    gravity measurement ([`attitude`]);
//! 5. 2D lidar odometry on a simulated drive ([`scan2d`]).
//!
//! With `--plot DIR` it also writes SVG pictures ([`plot`]).

pub mod attitude;
pub mod frames;
pub mod motion;
pub mod plot;
pub mod pointnet;
pub mod scan2d;
pub mod shipped;
pub mod table;

use std::path::Path;

use crate::commands::print_stdout;

/// One row of the model table.
#[derive(Clone, Debug)]
pub struct ModelRow {
    /// Model name.
    pub name: String,
    /// Precision and frame group, e.g. `int8 O(3) x8`.
    pub kind: String,
    /// What `metric` measures, e.g. `accuracy`.
    pub metric_name: String,
    /// The metric's value, formatted.
    pub metric: String,
    /// Worst change of the outputs under the random transformations, formatted.
    pub invariance: String,
    /// Blob bytes (flash).
    pub flash: usize,
    /// Arena bytes (RAM).
    pub arena: usize,
    /// Multiply-accumulates per inference (all frames).
    pub macs: u64,
    /// Inferences per second on one core.
    pub per_second: f64,
}

/// Runs the demo; `plot` is the folder for pictures, `models_dir` the shipped models' root.
pub fn run(plot_dir: Option<&Path>, models_dir: &Path, quick: bool) -> anyhow::Result<()> {
    print_stdout(
        "equiframe demo: frame-averaged int8 networks, invariant to pose and point order\n",
    )?;
    let f = frames::run(quick)?;
    print_stdout(&f.text)?;
    let mut rows = vec![];
    let pn = pointnet::run(quick)?;
    rows.extend(pn.rows.iter().cloned());
    let shipped = shipped::run(models_dir, quick)?;
    rows.extend(shipped.rows.iter().cloned());
    print_stdout(&table::models(&rows))?;
    for note in pn.notes.iter().chain(shipped.notes.iter()) {
        print_stdout(note)?;
    }
    print_stdout(&attitude::run()?.text)?;
    let lidar = scan2d::run(plot_dir, quick)?;
    print_stdout(&lidar.text)?;
    if let Some(p) = &lidar.picture {
        print_stdout(&format!("wrote {}", p.display()))?;
    }
    if let Some(dir) = plot_dir {
        let written = plot::write_all(dir, &f, &pn)?;
        for p in written {
            print_stdout(&format!("wrote {}", p.display()))?;
        }
    }
    Ok(())
}
