//! The attitude estimator on a generated IMU recording (`imu_traj`): every quaternion and
//! every network output bit-for-bit equal to the desktop's (`data/golden_attitude.bin`, written
//! by `tests/attitude_firmware.rs` in the core crate), with instructions per filter update
//! (predict + gravity update, rest and network excluded) and per network run (window
//! preparation + the frame-averaged int8 inclination model + its fusion).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::estimate::attitude::learned::LearnedGravity;
use equiframe::estimate::attitude::{Attitude, AttitudeConfig};
use equiframe::model::Model;
use equiframe_qemu::imu_traj::{ImuTrajectory, RATE, SAMPLES};
use equiframe_qemu::{meter, println, Checks};

#[repr(C, align(16))]
struct Aligned<T: ?Sized>(T);

static MODEL: &Aligned<[u8]> = &Aligned(*include_bytes!(
    "../../../../host-tools/models/inclination/model.eqf"
));
static GOLDEN: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_attitude.bin"));

static mut ARENA: Aligned<[u8; 8192]> = Aligned([0; 8192]);

fn golden_word(i: usize) -> Option<u32> {
    let b = GOLDEN.0.get(4 * i..4 * i + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; the arena is borrowed once, here.
    let arena = unsafe { &mut (*core::ptr::addr_of_mut!(ARENA)).0 };
    let Ok(model) = Model::from_bytes(&MODEL.0) else {
        c.check("attitude/model", false, "blob rejected");
        c.finish()
    };
    let Ok(mut learned) = LearnedGravity::new(model, 8, 0.02) else {
        c.check("attitude/model", false, "not a gravity model");
        c.finish()
    };
    let mut att = Attitude::new(AttitudeConfig::default());
    let mut traj = ImuTrajectory::new();
    let dt = 1.0 / RATE;
    let (mut word, mut mismatches, mut first_bad) = (0usize, 0u32, None);
    let mut cmp = |v: f32, word: &mut usize| {
        if golden_word(*word) != Some(v.to_bits()) {
            mismatches += 1;
            first_bad.get_or_insert(*word);
        }
        *word += 1;
    };
    let (mut upd_total, mut upd_max, mut upd_n) = (0u64, 0u64, 0u64);
    let (mut net_total, mut net_n, mut ok) = (0u64, 0u64, true);
    for _ in 0..SAMPLES {
        let (g, a) = traj.next_sample();
        let (r, i) = meter::measure(|| att.update(g, a, dt));
        match r {
            Ok(rep) if !rep.at_rest && att.is_initialized() => {
                upd_total += i;
                upd_max = upd_max.max(i);
                upd_n += 1;
            }
            Ok(_) => {}
            Err(_) => ok = false,
        }
        let (r, i) = meter::measure(|| learned.step(&mut att, g, a, arena));
        match r {
            Ok(Some(_)) => {
                net_total += i;
                net_n += 1;
                for v in learned.last {
                    cmp(v, &mut word);
                }
            }
            Ok(None) => {}
            Err(_) => ok = false,
        }
        for v in att.quaternion() {
            cmp(v, &mut word);
        }
    }
    let golden_words = GOLDEN.0.len() / 4;
    c.check("attitude/steps", ok, "an update returned an error");
    c.check(
        "attitude/bit-exact",
        mismatches == 0 && word == golden_words,
        format_args!(
            "{} of {} words differ from the host (first: word {:?}; golden has {})",
            mismatches, word, first_bad, golden_words
        ),
    );
    println!(
        "filter update (predict + gravity): {} instructions mean over {} updates, {} max",
        upd_total / upd_n.max(1),
        upd_n,
        upd_max
    );
    println!(
        "network run (window + 4-frame int8 model + fusion): {} instructions mean over {} runs",
        net_total / net_n.max(1),
        net_n
    );
    c.check("attitude/network-ran", net_n > 0, "no network run");
    c.finish()
}
