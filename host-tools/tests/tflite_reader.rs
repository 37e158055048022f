//! The `.tflite` reader on corrupted files: every truncation and thousands of seeded byte
//! mutations of each committed fixture give a value or a typed error, never a panic
//! (`TFLITE_MUTATIONS=N` for more rounds per file).

use equiframe_cli::tflite::{import_bytes, TfliteError};

const FILES: &[&str] = &[
    "sine", "imu_conv", "pointnet", "act_mix", "bad_op", "hybrid",
];

fn read(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tflite")
        .join(format!("{name}.tflite"));
    std::fs::read(p).unwrap()
}

#[test]
fn truncations_are_typed_errors() {
    for name in FILES {
        let b = read(name);
        for cut in (0..b.len()).step_by(7) {
            let r = import_bytes(&b[..cut]);
            assert!(
                r.is_err(),
                "{name}: truncated at {cut} of {} accepted",
                b.len()
            );
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut errors = 0usize;
    let mut total = 0usize;
    for name in FILES {
        let b = read(name);
        let rounds: usize = std::env::var("TFLITE_MUTATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500);
        for _ in 0..rounds {
            let mut c = b.clone();
            for _ in 0..1 + next() % 4 {
                let i = (next() % c.len() as u64) as usize;
                c[i] = match next() % 3 {
                    0 => c[i] ^ (1 << (next() % 8)),
                    1 => 0xff,
                    _ => next() as u8,
                };
            }
            total += 1;
            if import_bytes(&c).is_err() {
                errors += 1;
            }
        }
    }
    // Many mutations hit weights or names and still import; the rest must be typed errors.
    assert!(errors > 0 && errors < total, "{errors} of {total}");
}

#[test]
fn out_of_range_indices_are_named() {
    let b = read("sine");
    // Point the root offset past the end.
    let mut c = b.clone();
    c[0..4].copy_from_slice(&(b.len() as u32 + 8).to_le_bytes());
    assert!(matches!(
        import_bytes(&c),
        Err(TfliteError::OutOfBounds { .. })
    ));
}
