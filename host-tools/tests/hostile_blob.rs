//! Every byte of valid UNSIGNED blobs flipped and every truncation, with the CRC as is and
//! re-stamped (magic, `total_len` and CRC-32 made consistent again), through
//! `Model::from_bytes` and `Model::run`. Never a panic. Defined results:
//! - CRC as is: every flip and every truncation is refused with a typed error (CRC-32 detects
//!   every error burst of 32 bits or less, and the length checks come first);
//! - CRC re-stamped: a typed error, or a model that runs to a typed error or to finite outputs;
//!   where the flipped byte is one the engine never reads (padding, names) the outputs are
//!   bit-identical to the original's. The counts are printed (`--nocapture`).
//!
//! Also hostile engine inputs: NaN/Inf in any channel, 1e30, subnormals, wrong lengths (the
//! defined results are stated in `engine_inputs_that_no_sensor_should_send`).

use equiframe::engine::RunError;
use equiframe::frame::FrameError;
use equiframe::model::Model;
use equiframe_cli::blob::fuzz::fix_crc;
use equiframe_cli::blob::AlignedBuf;

const SINE: &[u8] = include_bytes!("../../firmware/qemu/data/sine.eqf");
const IMU: &[u8] = include_bytes!("../models/basicmotions/model.eqf");
const LAYERS: &[u8] = include_bytes!("../../firmware/qemu/data/layers_imu.eqf");

/// A deterministic input for `m` (row count: the fixed count, or 16 for variable models).
fn input_for(m: &Model<'_>) -> Vec<f32> {
    let n = match m.points_mode() {
        equiframe::model::PointsMode::Fixed => m.max_points(),
        equiframe::model::PointsMode::Variable => m.max_points().min(16),
    };
    (0..n * m.input_channels())
        .map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 2.0)
        .collect()
}

/// Outcome of loading and running bytes: `None` when refused, else the run's outputs (or
/// `Err` with the run error's text).
fn outcome(bytes: &[u8], input: &[f32]) -> Option<Result<Vec<u32>, String>> {
    let buf = AlignedBuf::from_slice(bytes);
    let m = Model::from_bytes(buf.as_bytes()).ok()?;
    if m.arena_bytes() > 1 << 22 || !input.len().is_multiple_of(m.input_channels().max(1)) {
        return Some(Err("arena or input shape changed".into()));
    }
    let mut arena = AlignedBuf::from_slice(&vec![0u8; m.arena_bytes()]);
    let mut out = vec![0.0f32; m.output_len()];
    Some(
        m.run(input, arena.as_bytes_mut(), &mut out)
            .map(|_| out.iter().map(|v| v.to_bits()).collect())
            .map_err(|e| e.to_string()),
    )
}

#[derive(Default, Debug)]
struct Tally {
    refused: usize,
    identical: usize,
    differing_finite: usize,
    run_error: usize,
}

fn tally(name: &str, blob: &[u8], restamp: bool, variants: impl Iterator<Item = Vec<u8>>) -> Tally {
    let buf = AlignedBuf::from_slice(blob);
    let m = Model::from_bytes(buf.as_bytes()).unwrap();
    let input = input_for(&m);
    let original = outcome(blob, &input).unwrap().unwrap();
    let mut t = Tally::default();
    for mut v in variants {
        if restamp {
            fix_crc(&mut v);
        }
        match outcome(&v, &input) {
            None => t.refused += 1,
            Some(Ok(out)) if out == original => t.identical += 1,
            Some(Ok(out)) => {
                assert!(
                    out.iter().all(|b| f32::from_bits(*b).is_finite()),
                    "{name}: accepted mutant gave non-finite outputs"
                );
                t.differing_finite += 1;
            }
            Some(Err(_)) => t.run_error += 1,
        }
    }
    eprintln!("{name} (restamped: {restamp}): {t:?}");
    t
}

fn flips(blob: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..blob.len()).flat_map(move |i| {
        [0xFFu8, 0x01, 0x80].into_iter().map(move |x| {
            let mut v = blob.to_vec();
            v[i] ^= x;
            v
        })
    })
}

fn truncations(blob: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..blob.len()).map(|n| blob[..n].to_vec())
}

#[test]
fn every_flip_and_truncation_with_the_crc_as_is_is_refused() {
    for (name, blob) in [("sine", SINE), ("imu", IMU), ("layers_imu", LAYERS)] {
        let t = tally(name, blob, false, flips(blob));
        assert_eq!(t.refused, 3 * blob.len(), "{name}: {t:?}");
        let t = tally(name, blob, false, truncations(blob));
        assert_eq!(t.refused, blob.len(), "{name}: {t:?}");
    }
}

#[test]
fn every_flip_and_truncation_re_stamped_is_refused_or_defined() {
    for (name, blob) in [("sine", SINE), ("imu", IMU), ("layers_imu", LAYERS)] {
        let t = tally(name, blob, true, flips(blob));
        // The preamble (magic, version, header length) is not re-stamped here: flips there
        // must be refused, so some are always refused; weight flips legitimately differ.
        assert!(t.refused >= 3 * 8, "{name}: {t:?}");
        assert!(t.identical + t.differing_finite + t.run_error + t.refused == 3 * blob.len());
        let t = tally(name, blob, true, truncations(blob));
        // Cutting the blob cuts its tables or weights: every truncation is refused.
        assert_eq!(t.refused, blob.len(), "{name}: {t:?}");
    }
}

#[test]
fn engine_inputs_that_no_sensor_should_send() {
    for blob in [SINE, IMU, LAYERS] {
        let buf = AlignedBuf::from_slice(blob);
        let m = Model::from_bytes(buf.as_bytes()).unwrap();
        let good = input_for(&m);
        let mut arena = AlignedBuf::from_slice(&vec![0u8; m.arena_bytes()]);
        let mut out = vec![0.0f32; m.output_len()];
        m.run(&good, arena.as_bytes_mut(), &mut out).unwrap();
        // A non-finite value in a frame's geometric field is `Frame(NonFinite)`; in a scalar
        // channel it quantizes after canonicalization: finite outputs (+-Inf saturates); in a
        // model without frames a NaN is the zero point, the result for 0.0 there, bit for bit.
        let geometric = m.group().dim();
        let frames = m.frame_mode() != equiframe::model::FrameMode::None;
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            for i in [0, good.len() / 2, good.len() - 1] {
                let mut x = good.clone();
                x[i] = bad;
                let r = m.run(&x, arena.as_bytes_mut(), &mut out);
                if frames && i % m.input_channels() < geometric {
                    assert!(
                        matches!(r, Err(RunError::Frame(FrameError::NonFinite { .. }))),
                        "{bad} at {i}: {r:?}"
                    );
                    continue;
                }
                r.unwrap();
                assert!(out.iter().all(|o| o.is_finite()), "{bad} at {i}: {out:?}");
                if bad.is_nan() && !frames {
                    let mut zero = good.clone();
                    zero[i] = 0.0;
                    let mut want = vec![0.0f32; m.output_len()];
                    m.run(&zero, arena.as_bytes_mut(), &mut want).unwrap();
                    assert_eq!(out, want, "NaN at {i} is not the zero point");
                }
            }
        }
        for v in [1e30f32, -1e30, f32::MAX, f32::MIN_POSITIVE / 4.0] {
            let mut x = good.clone();
            x[good.len() / 3] = v;
            if m.run(&x, arena.as_bytes_mut(), &mut out).is_ok() {
                assert!(out.iter().all(|o| o.is_finite()), "{v}: {out:?}");
            }
            let x = vec![v; good.len()];
            if m.run(&x, arena.as_bytes_mut(), &mut out).is_ok() {
                assert!(out.iter().all(|o| o.is_finite()), "all {v}: {out:?}");
            }
        }
        // Zero-length, ragged and over-capacity inputs.
        assert!(m.run(&[], arena.as_bytes_mut(), &mut out).is_err());
        if m.input_channels() > 1 {
            assert!(m.run(&good[1..], arena.as_bytes_mut(), &mut out).is_err());
        }
        let over = vec![0.5f32; (m.max_points() + 1) * m.input_channels()];
        assert!(m.run(&over, arena.as_bytes_mut(), &mut out).is_err());
        let mut short = vec![0.0f32; m.output_len().saturating_sub(1)];
        assert!(m.run(&good, arena.as_bytes_mut(), &mut short).is_err());
    }
}
