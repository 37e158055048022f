//! `equiframe run --backend simd` (and `--threads`) writes the same bytes as the scalar
//! engine for an int8 blob. (`--backend cuda` without the feature: see cli_errors.)

mod cli_common;

use cli_common::{equiframe, write_f32};
use equiframe_cli::blob::synth::{quantize, random_pointnet, SynthRng};
use equiframe_cli::blob::{write, OutputKind, OutputSpec};

fn clouds(rng: &mut SynthRng, b: usize, n: usize) -> Vec<f32> {
    let s = [3.0f32, 1.7, 0.6];
    (0..b * n * 3).map(|i| s[i % 3] * rng.uniform()).collect()
}

#[test]
fn simd_and_threads_match_the_scalar_engine_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let spec = vec![
        OutputSpec::new(OutputKind::Invariant, 4),
        OutputSpec::new(OutputKind::Vector, 3),
    ];
    let m = random_pointnet(&[3, 32, 64], &[32, 7], 64, spec, 5);
    let mut rng = SynthRng(11);
    let cal: Vec<Vec<f32>> = (0..6).map(|_| clouds(&mut rng, 1, 64)).collect();
    let blob = dir.path().join("m.eqf");
    std::fs::write(&blob, write(&quantize(&m, &cal)).unwrap()).unwrap();
    let x = write_f32(
        dir.path(),
        "x.npy",
        &[300, 64, 3],
        clouds(&mut rng, 300, 64),
    );
    let blob = blob.to_str().unwrap();
    let mut outputs = vec![];
    for (name, extra) in [
        ("scalar", vec!["--threads", "1"]),
        ("simd", vec!["--backend", "simd", "--threads", "1"]),
        ("simd-threads", vec!["--backend", "simd", "--threads", "2"]),
    ] {
        let y = dir.path().join(format!("{name}.npy"));
        let mut args = vec!["run", blob, "--input", &x, "-o", y.to_str().unwrap(), "-q"];
        args.extend(extra);
        let (rc, _, err) = equiframe(&args);
        assert_eq!(rc, 0, "{name}: {err}");
        outputs.push((name, std::fs::read(&y).unwrap()));
    }
    for (name, bytes) in &outputs[1..] {
        assert!(
            bytes == &outputs[0].1,
            "{name} differs from the scalar engine"
        );
    }
}
