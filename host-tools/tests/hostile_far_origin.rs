//! Clouds far from the origin (a lidar cloud at +1e7 m, as UTM coordinates are): as float64
//! they are centred in float64 before narrowing, so `run` and `frames` give the outputs of
//! the same cloud at the origin; as float32 the spacing (1 m at 1e7) is coarse against a
//! cloud a few metres wide and both commands print a one-line warning and flag it (`frames
//! --json`: `coarse_float32`; `run`: its summary line).
//!
//! Tolerances: `run` outputs equal to 1e-5 of their largest magnitude (measured: bit-identical
//! for the FA-PointNet blob; one input coordinate rounding the other way in f32 could move an
//! int8 step);
//! `frames` axes to 1e-6, origins to one f32 spacing at 1e7 (1.0).

mod cli_common;

use cli_common::*;
use equiframe_cli::npy::{NpyArray, NpyData};

const FAR: f64 = 1e7;

fn cloud64(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n)
        .flat_map(|_| {
            let p = [r.next_f32(), r.next_f32(), r.next_f32()];
            [
                f64::from(p[0]) * 4.0,
                f64::from(p[1]) * 2.0,
                f64::from(p[2]) * 1.0,
            ]
        })
        .collect()
}

fn write64(dir: &std::path::Path, name: &str, shape: &[usize], data: Vec<f64>) -> String {
    let p = dir.join(name);
    NpyArray {
        shape: shape.to_vec(),
        data: NpyData::F64(data),
    }
    .write(&p)
    .unwrap();
    p.to_string_lossy().into_owned()
}

fn read(p: &str) -> Vec<f32> {
    NpyArray::read(std::path::Path::new(p)).unwrap().to_f32()
}

fn shifted(x: &[f64], t: [f64; 3]) -> Vec<f64> {
    x.chunks_exact(3)
        .flat_map(|p| [p[0] + t[0], p[1] + t[1], p[2] + t[2]])
        .collect()
}

fn run_model(dir: &std::path::Path, input: &str, out: &str) -> (Vec<f32>, String, String) {
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../firmware/qemu/data/fa_pointnet.eqf"
    );
    let o = dir.join(out).to_string_lossy().into_owned();
    let (rc, stdout, stderr) = equiframe(&["run", model, "--input", input, "-o", &o]);
    assert_eq!(rc, 0, "{stderr}");
    (read(&o), stdout, stderr)
}

#[test]
fn float64_cloud_far_from_the_origin_runs_as_at_the_origin() {
    let dir = tempfile::tempdir().unwrap();
    let (b, n) = (4, 512);
    let x: Vec<f64> = (0..b).flat_map(|s| cloud64(n, 11 + s as u64)).collect();
    let at0 = write64(dir.path(), "at0.npy", &[b, n, 3], x.clone());
    let far = write64(
        dir.path(),
        "far.npy",
        &[b, n, 3],
        shifted(&x, [FAR, -FAR, 0.5 * FAR]),
    );
    let (y0, _, e0) = run_model(dir.path(), &at0, "y0.npy");
    let (y1, out1, e1) = run_model(dir.path(), &far, "y1.npy");
    assert!(!e0.contains("warning") && !e1.contains("warning"), "{e1}");
    assert!(!out1.contains("coarse"), "{out1}");
    let scale = y0.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let worst = y0
        .iter()
        .zip(&y1)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    eprintln!("run, float64 at +1e7 vs origin: max |diff| {worst:e} of max |y| {scale}");
    assert!(worst <= 1e-5 * scale, "{worst} vs {scale}");

    // The same cloud as float32: outputs differ and the CLI says why.
    let far32: Vec<f32> = shifted(&x, [FAR, -FAR, 0.5 * FAR])
        .into_iter()
        .map(|v| v as f32)
        .collect();
    let f32_path = write_f32(dir.path(), "far32.npy", &[b, n, 3], far32);
    let (y2, out2, e2) = run_model(dir.path(), &f32_path, "y2.npy");
    let lines: Vec<&str> = e2.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(lines.len(), 1, "one warning line: {e2}");
    assert!(
        lines[0].contains("coarse") && lines[0].contains("float64"),
        "{e2}"
    );
    assert!(
        out2.contains("coarse float32 coordinates flagged"),
        "{out2}"
    );
    let worst32 = y0
        .iter()
        .zip(&y2)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    eprintln!("run, float32 at +1e7 vs origin: max |diff| {worst32:e}");
    assert!(
        worst32 > worst,
        "float32 at 1e7 should lose the cloud's detail"
    );
}

#[test]
fn float64_frames_far_from_the_origin_match_the_origin() {
    let dir = tempfile::tempdir().unwrap();
    let x = cloud64(200, 5);
    let t = [FAR, 3.0 * FAR, -FAR];
    let at0 = write64(dir.path(), "at0.npy", &[200, 3], x.clone());
    let far = write64(dir.path(), "far.npy", &[200, 3], shifted(&x, t));
    let (o0, o1) = (
        dir.path().join("f0.npy").to_string_lossy().into_owned(),
        dir.path().join("f1.npy").to_string_lossy().into_owned(),
    );
    let (rc, _, err) = equiframe(&["frames", &at0, "-o", &o0, "--group", "o3"]);
    assert_eq!(rc, 0, "{err}");
    let (rc, json, err) = equiframe(&["frames", &far, "-o", &o1, "--group", "o3", "--json"]);
    assert_eq!(rc, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
    assert!(json.contains("\"coarse_float32\": null"), "{json}");
    let (f0, f1) = (read(&o0), read(&o1));
    assert_eq!(f0.len(), f1.len());
    // (K, 4, 3): three axis rows, then the origin.
    for (k, (a, b)) in f0.chunks_exact(12).zip(f1.chunks_exact(12)).enumerate() {
        for i in 0..9 {
            assert!((a[i] - b[i]).abs() <= 1e-6, "frame {k} axis value {i}");
        }
        for j in 0..3 {
            let want = f64::from(a[9 + j]) + t[j];
            assert!(
                (f64::from(b[9 + j]) - want).abs() <= 1.0,
                "frame {k} origin {j}"
            );
        }
    }
    // As float32: a warning line and the flag in --json.
    let far32: Vec<f32> = shifted(&x, t).into_iter().map(|v| v as f32).collect();
    let p32 = write_f32(dir.path(), "far32.npy", &[200, 3], far32);
    let (rc, json, err) = equiframe(&["frames", &p32, "-o", &o1, "--group", "o3", "--json"]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("warning: ")).count(),
        1,
        "{err}"
    );
    assert!(json.contains("\"spacing_over_extent\""), "{json}");
    // A float32 cloud near the origin is not flagged.
    let near: Vec<f32> = shifted(&x, [100.0, 0.0, 0.0])
        .into_iter()
        .map(|v| v as f32)
        .collect();
    let pn = write_f32(dir.path(), "near.npy", &[200, 3], near);
    let (rc, json, err) = equiframe(&["frames", &pn, "-o", &o1, "--group", "o3", "--json"]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        !err.contains("warning") && json.contains("\"coarse_float32\": null"),
        "{err}"
    );
}
