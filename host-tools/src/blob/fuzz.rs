//! Fuzz bodies shared by the cargo-fuzz targets in `fuzz/` and the plain mutation tests in
//! `host-tools/tests/blob_fuzz.rs` (which run in normal CI without nightly).

use super::{AlignedBuf, AxisOrder, Group, Robust, FORMAT_VERSION};
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

/// Shortest byte string [`restamped`] turns into something past the preamble checks.
const PREAMBLE: usize = 16;

/// Copies `data` and makes its preamble self-consistent (magic, a supported version, the
/// header length, `total_len`, CRC-32) so every mutation reaches the checks behind the
/// checksum. The version byte is kept when it is a supported one, so both format versions are
/// explored.
pub fn restamped(data: &[u8]) -> Vec<u8> {
    let mut bytes = data.to_vec();
    if bytes.len() >= PREAMBLE {
        bytes[0..4].copy_from_slice(b"EQF\0");
        let v = u16::from_le_bytes([bytes[4], bytes[5]]);
        let v = if (equiframe::model::MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&v) {
            v
        } else {
            FORMAT_VERSION
        };
        bytes[4..6].copy_from_slice(&v.to_le_bytes());
        bytes[6..8].copy_from_slice(&128u16.to_le_bytes());
        fix_crc(&mut bytes);
    }
    bytes
}

/// [`model_from_bytes`] after [`restamped`]: the validator behind the checksum.
pub fn validate_restamped(data: &[u8]) -> bool {
    model_from_bytes(&restamped(data))
}

/// [`engine_run`] after [`restamped`]: the engine on every blob the validator accepts.
pub fn engine_restamped(data: &[u8]) -> bool {
    engine_run(&restamped(data))
}

/// The frame computation on arbitrary f32 rows. Byte 0 picks the group, byte 1 the axis order
/// and robust mode, byte 2 the channel count (1..=8); the rest is read as little-endian f32
/// rows (any bit pattern: NaN, Inf, subnormals). Computes the frame set, the canonical frame
/// and the canonicalized sample in every frame; every call must return (an error is fine).
/// Returns whether a frame set was computed.
pub fn frames(data: &[u8]) -> bool {
    use equiframe::frame::{FrameOptions, InputSchema};
    let [g, o, c, rest @ ..] = data else {
        return false;
    };
    let group = match g % 4 {
        0 => Group::O3,
        1 => Group::SO3,
        2 => Group::O2,
        _ => Group::SO2,
    };
    let dim = group.dim();
    let channels = dim + usize::from(c % 6);
    let Ok(schema) = InputSchema::points(dim, channels) else {
        return false;
    };
    let floats: Vec<f32> = rest
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let rows = floats.len() / channels;
    let sample = &floats[..rows * channels];
    let mut opts = FrameOptions::with_group(group);
    if o & 1 == 1 {
        opts.order = AxisOrder::Ascending;
    }
    if o & 2 == 2 {
        opts.robust = Robust::Average;
    }
    if o & 4 == 4 {
        opts.degenerate_gap = f32::from(o >> 3) / 8.0;
    }
    let _ = schema.canonical_frame(sample, &opts);
    let Ok(set) = schema.frame_set(sample, &opts) else {
        return false;
    };
    let mut out = vec![0.0f32; sample.len()];
    for f in set.frames() {
        let _ = schema.canonicalize(f, sample, &mut out);
    }
    core::hint::black_box(&out);
    true
}

/// The `.npy` reader on arbitrary bytes; on success converts to f32. Returns whether the bytes
/// parsed.
pub fn npy(data: &[u8]) -> bool {
    let Ok(a) = crate::npy::NpyArray::parse(data) else {
        return false;
    };
    core::hint::black_box(a.to_f32());
    true
}

/// The ONNX importer on arbitrary bytes. Returns whether the bytes imported.
pub fn onnx(data: &[u8]) -> bool {
    crate::onnx::from_bytes(data).is_ok()
}

/// The TFLite importer on arbitrary bytes (flatbuffer parsing, operator mapping, lowering).
/// Returns whether the bytes imported.
pub fn tflite(data: &[u8]) -> bool {
    crate::tflite::import_bytes(data).is_ok()
}
