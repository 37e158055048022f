//! The host side of the QEMU attitude check (`firmware/qemu/src/bin/attitude.rs`): runs the
//! estimator and the learned gravity model on the generated recording and compares every
//! quaternion and network output with `firmware/qemu/data/golden_attitude.bin`, which the
//! firmware compares bit for bit too. `EQUIFRAME_WRITE_GOLDEN=1` rewrites the file.

#[path = "../firmware/qemu/src/imu_traj.rs"]
mod imu_traj;

use equiframe::estimate::attitude::learned::LearnedGravity;
use equiframe::estimate::attitude::{Attitude, AttitudeConfig};
use equiframe::model::{AlignedBlob, Model};
use imu_traj::{ImuTrajectory, RATE, SAMPLES};

static MODEL: AlignedBlob<
    [u8; include_bytes!("../host-tools/models/inclination/model.eqf").len()],
> = AlignedBlob(*include_bytes!(
    "../host-tools/models/inclination/model.eqf"
));

#[test]
fn host_matches_the_firmware_golden() {
    let model = Model::from_bytes(MODEL.as_bytes()).unwrap();
    let mut learned = LearnedGravity::new(model, 8, 0.02).unwrap();
    let mut arena = vec![0u32; 2048];
    // SAFETY: u32 storage viewed as bytes (4-byte aligned, no padding), same lifetime.
    let arena: &mut [u8] = unsafe {
        core::slice::from_raw_parts_mut(arena.as_mut_ptr().cast::<u8>(), arena.len() * 4)
    };
    let mut att = Attitude::new(AttitudeConfig::default());
    let mut traj = ImuTrajectory::new();
    let mut words: Vec<u32> = Vec::new();
    let mut runs = 0;
    for _ in 0..SAMPLES {
        let (g, a) = traj.next_sample();
        att.update(g, a, 1.0 / RATE).unwrap();
        if learned.step(&mut att, g, a, arena).unwrap().is_some() {
            runs += 1;
            words.extend(learned.last.iter().map(|v| v.to_bits()));
        }
        words.extend(att.quaternion().iter().map(|v| v.to_bits()));
    }
    assert!(runs >= 3, "{runs} network runs");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/firmware/qemu/data/golden_attitude.bin"
    );
    if std::env::var_os("EQUIFRAME_WRITE_GOLDEN").is_some() {
        std::fs::write(path, &bytes).unwrap();
    }
    let golden = std::fs::read(path).expect("golden file (EQUIFRAME_WRITE_GOLDEN=1 writes it)");
    assert_eq!(golden.len(), bytes.len());
    let first = golden.iter().zip(&bytes).position(|(a, b)| a != b);
    assert_eq!(first, None, "first differing byte");
}
