//! The fuzz bodies of `fuzz/` over many seeded random mutations of valid blobs, with the CRC
//! re-stamped so that the structural checks behind it are exercised. Never panics; reports how
//! many mutants were accepted (those must still be fully valid: the body touches everything).

mod blob_common;

use blob_common::*;
use equiframe_cli::blob::fuzz::{engine_run, fix_crc, model_from_bytes};
use equiframe_cli::blob::*;

fn mutate(r: &mut Rng, bytes: &mut Vec<u8>) {
    match r.below(6) {
        0 => {
            let p = r.below(bytes.len());
            bytes[p] = r.next_u64() as u8;
        }
        1 => {
            // A header or table field set to an extreme little-endian value.
            let p = r.below(bytes.len().saturating_sub(4).max(1));
            let v: u32 = [0, 1, 0xFFFF, 0xFFFF_FFFF, 0x8000_0000, 3][r.below(6)];
            let end = (p + 4).min(bytes.len());
            bytes[p..end].copy_from_slice(&v.to_le_bytes()[..end - p]);
        }
        2 => {
            let len = r.below(bytes.len() + 1);
            bytes.truncate(len);
        }
        3 => {
            let n = r.below(40);
            for _ in 0..n {
                bytes.push(r.next_u64() as u8);
            }
        }
        4 => {
            let p = r.below(bytes.len());
            bytes[p] ^= 1 << r.below(8);
        }
        _ => {
            // Copy a 48-byte window elsewhere (duplicated records).
            if bytes.len() > 200 {
                let a = 128 + r.below(bytes.len() - 180);
                let b = 128 + r.below(bytes.len() - 180);
                let w: Vec<u8> = bytes[a..a + 48].to_vec();
                bytes[b..b + 48].copy_from_slice(&w);
            }
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let mut seeds = vec![
        write(&small_int8(vec![OutputSpec::new(OutputKind::Invariant, 2)])).unwrap(),
        write(&small_f32(vec![OutputSpec::new(OutputKind::Vector, 3)])).unwrap(),
        write(&small_conv(vec![OutputSpec::new(OutputKind::Axial, 3)])).unwrap(),
    ];
    seeds.extend(version2_seeds());
    let mut r = Rng(0x1234_5678);
    let mut accepted = 0;
    let mut ran = 0;
    let iterations = 20_000;
    for i in 0..iterations {
        let mut b = seeds[i % seeds.len()].clone();
        for _ in 0..1 + r.below(3) {
            if b.is_empty() {
                break;
            }
            mutate(&mut r, &mut b);
        }
        if r.below(4) != 0 {
            fix_crc(&mut b);
        }
        accepted += usize::from(model_from_bytes(&b));
        if i % 4 == 0 {
            ran += usize::from(engine_run(&b));
        }
    }
    println!("engine ran on {ran} mutants");
    assert!(ran > 0);
    println!("{accepted} of {iterations} mutants accepted");
    assert!(accepted < iterations);
}

#[test]
fn valid_seeds_are_accepted() {
    assert!(model_from_bytes(
        &write(&small_int8(vec![OutputSpec::new(OutputKind::Invariant, 1)])).unwrap()
    ));
    assert!(!model_from_bytes(&[]));
    assert!(engine_run(
        &write(&small_conv(vec![OutputSpec::new(OutputKind::Vector, 3)])).unwrap()
    ));
}

/// Version-2 blobs (add, concat, mean / windowed max pool, leaky ReLU, clamp) converted from the
/// ONNX fixtures by the `equiframe` binary, int8 and f32.
fn version2_seeds() -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let fx = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for (name, extra) in [
        ("branches", vec!["--frames", "o3"]),
        ("imu_conv", vec!["--frames", "so3", "--schema", "imu"]),
        ("pointnet_matmul", vec!["--frames", "o3"]),
    ] {
        for precision in ["int8", "f32"] {
            let blob = dir.path().join(format!("{name}.{precision}.eqf"));
            let onnx = fx.join(format!("{name}.onnx"));
            let cal = fx.join(format!("{name}.input.npy"));
            let st = std::process::Command::new(env!("CARGO_BIN_EXE_equiframe"))
                .arg("convert")
                .arg(&onnx)
                .arg("-o")
                .arg(&blob)
                .args(&extra)
                .args(["--precision", precision, "-q", "--calibration"])
                .arg(&cal)
                .output()
                .unwrap();
            assert!(
                st.status.success(),
                "{}",
                String::from_utf8_lossy(&st.stderr)
            );
            let bytes = std::fs::read(&blob).unwrap();
            assert_eq!(bytes[4], 2, "{name}: format version");
            assert!(
                model_from_bytes(&bytes) && engine_run(&bytes),
                "{name} {precision}"
            );
            out.push(bytes);
        }
    }
    out
}
