//! Fuzz bodies shared by the cargo-fuzz targets in `fuzz/` and the plain mutation tests in
//! `host-tools/tests/blob_fuzz.rs` (which run in normal CI without nightly).

use super::AlignedBuf;
use equiframe::model::Model;

/// Reads arbitrary bytes as a blob; on success touches every accessor. Must never panic.
/// Returns whether the bytes were accepted.
pub fn model_from_bytes(data: &[u8]) -> bool {
    let buf = AlignedBuf::from_slice(data);
    let Ok(m) = Model::from_bytes(buf.as_bytes()) else {
        return false;
    };
    let mut sink = m.arena_bytes() + m.macs_per_frame() as usize + m.accumulator_len();
    for l in m.layers() {
        sink = sink.wrapping_add(l.weights_i8.len() + l.bias_i32.len() + l.weights_f32.len());
        sink = sink.wrapping_add(m.tensor_max_bytes(l.output) as usize);
    }
    for r in m.output_ranges() {
        sink = sink.wrapping_add(r.start + r.len);
    }
    for i in 0..m.schema_field_count() {
        sink = sink.wrapping_add(m.schema_field(i).map_or(0, |f| usize::from(f.offset)));
    }
    core::hint::black_box(sink);
    true
}

/// Re-stamps the CRC (and keeps `total_len` honest) so structural mutations reach the checks
/// behind the checksum.
pub fn fix_crc(bytes: &mut [u8]) {
    if bytes.len() >= 16 {
        let len = (bytes.len() as u32).to_le_bytes();
        bytes[8..12].copy_from_slice(&len);
        let crc = equiframe::model::crc32(&bytes[16..]);
        bytes[12..16].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Largest arena the engine fuzz body allocates (bigger claims are skipped).
pub const FUZZ_ARENA_LIMIT: usize = 1 << 20;

/// Reads arbitrary bytes as a blob and, if valid, runs the engine on a deterministic input
/// derived from the bytes (at most 64 rows) in an arena of exactly `arena_bytes`, then one
/// byte less (which must be refused). Must never panic. Returns whether the engine ran.
pub fn engine_run(data: &[u8]) -> bool {
    let buf = AlignedBuf::from_slice(data);
    let Ok(m) = Model::from_bytes(buf.as_bytes()) else {
        return false;
    };
    if m.arena_bytes() > FUZZ_ARENA_LIMIT {
        return false;
    }
    let n = match m.points_mode() {
        equiframe::model::PointsMode::Fixed => m.max_points(),
        equiframe::model::PointsMode::Variable => m.max_points().min(64),
    };
    if n * m.input_channels() > 1 << 16 {
        return false;
    }
    let mut seed = u64::from(equiframe::model::crc32(data)) | 1;
    let input: Vec<f32> = (0..n * m.input_channels())
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 20) as f32 - 8.0
        })
        .collect();
    let mut arena = AlignedBuf::from_slice(&vec![0u8; m.arena_bytes()]);
    let mut out = vec![0.0f32; m.output_len()];
    let ok = m.run(&input, arena.as_bytes_mut(), &mut out).is_ok();
    let short = m.arena_bytes().saturating_sub(1);
    let refused = m
        .run(&input, &mut arena.as_bytes_mut()[..short], &mut out)
        .is_err();
    assert!(refused, "an arena one byte short was accepted");
    ok
}
