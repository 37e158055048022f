//! Helpers shared by the CLI tests: run the built binary, write real `.npy` files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use equiframe_cli::npy::NpyArray;

/// Exit code, stdout and stderr of `equiframe ARGS`.
pub fn equiframe(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_equiframe"))
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts a failing run printed exactly one `error: ...` line containing every `needle`.
pub fn assert_one_line_error(args: &[&str], code: i32, needles: &[&str]) {
    let (rc, _, err) = equiframe(args);
    assert_eq!(rc, code, "exit code of {args:?}; stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one stderr line for {args:?}, got: {err}");
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    for n in needles {
        assert!(lines[0].contains(n), "{:?} should name {n:?}", lines[0]);
    }
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

/// Writes a float32 array and returns its path as a string.
pub fn write_f32(dir: &Path, name: &str, shape: &[usize], data: Vec<f32>) -> String {
    let p = dir.join(name);
    NpyArray::from_f32(shape.to_vec(), data)
        .expect("shape fits")
        .write(&p)
        .expect("written");
    p.to_string_lossy().into_owned()
}

/// Writes raw bytes and returns the path as a string.
pub fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p: PathBuf = dir.join(name);
    std::fs::write(&p, bytes).expect("written");
    p.to_string_lossy().into_owned()
}

/// `bytes` with the first occurrence of `from` replaced by `to` (same length).
pub fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = out
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// A seeded xorshift generator of uniform values in [-1, 1).
pub struct Rng(pub u64);

impl Rng {
    /// Next value in [-1, 1).
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// `n` values.
    pub fn vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next_f32()).collect()
    }
}
