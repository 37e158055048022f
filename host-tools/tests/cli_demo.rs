//! `equiframe demo --quick`: runs end to end, reports exact permutation invariance and int8
//! rotation invariance within 1 LSB, prints the attitude rows with a sane inclination error,
//! and writes the three SVG pictures.

mod cli_common;

use cli_common::{assert_one_line_error, equiframe};

#[test]
fn demo_runs_and_reports_invariance() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("pics");
    let (rc, out, err) = equiframe(&["demo", "--quick", "--plot", plot.to_str().unwrap()]);
    assert_eq!(rc, 0, "stderr: {err}");
    assert!(out.contains("bit-identical (int8 and f32): yes"), "{out}");
    let int8 = out
        .lines()
        .find(|l| l.contains("int8 O(3) x8"))
        .expect("int8 PointNet row");
    let lsb: f32 = int8
        .split_whitespace()
        .zip(int8.split_whitespace().skip(1))
        .find(|(_, unit)| *unit == "LSB")
        .map(|(v, _)| v.parse().unwrap())
        .expect("invariance in LSB");
    assert!(lsb <= 1.0, "int8 invariance {lsb} LSB > 1 LSB: {int8}");
    // The attitude rows: inclination RMSE (after the rest phase, then over the translation
    // segment) of the estimator with and without the learned update, both well under the
    // 2 deg a working filter keeps on the generated recording.
    for label in ["filter + learned gravity", "filter alone"] {
        let row = out
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("attitude row {label:?} in {out}"));
        let nums: Vec<f32> = row[row.find(label).unwrap() + label.len()..]
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        assert!(nums.len() >= 2, "{row}");
        for v in &nums[..2] {
            assert!(*v > 0.0 && *v < 2.0, "inclination RMSE {v} deg: {row}");
        }
    }
    assert!(out.contains("us per filter update"), "{out}");
    // 2D lidar row: odometry on the simulated drive within 2 cm of the truth, every match fused.
    let lidar = out
        .lines()
        .find(|l| l.contains("odometry (simulated room)"))
        .expect("2D lidar row");
    let metres: f32 = lidar
        .split_whitespace()
        .zip(lidar.split_whitespace().skip(1))
        .find(|(_, unit)| *unit == "m")
        .map(|(v, _)| v.parse().unwrap())
        .expect("relation error in m");
    assert!(metres < 0.02, "2D lidar relation error {metres} m: {lidar}");
    assert!(lidar.contains("63/63"), "{lidar}");
    let svg = std::fs::read_to_string(plot.join("scan2d.svg")).unwrap();
    assert!(svg.contains("estimated trajectory") && svg.len() > 20_000);
    for name in [
        "frames.svg",
        "invariance_vs_gap.svg",
        "quantization_error.svg",
    ] {
        let svg = std::fs::read_to_string(plot.join(name)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{name}");
        assert!(svg.len() > 2000, "{name} is nearly empty");
    }
}

#[test]
fn demo_plot_into_a_file_path_is_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    assert_one_line_error(
        &["demo", "--quick", "--plot", file.to_str().unwrap()],
        1,
        &["creating", "f"],
    );
}
