//! The 2D lidar pipeline on ranges the optimiser cannot see: scan fill (points, normals),
//! canonical frames, odometry steps (registration from every start, filter), descriptor,
//! keyframe store and relocalisation. Links only if all of it keeps no panic path.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;
use equiframe::estimate::scan2d::reloc::register_unprimed;
use equiframe::estimate::scan2d::{
    Descriptor, KeyframeStore, MatchOptions, Odometry, OdometryOptions, RangeScan, Scan,
    MAX_BEAMS,
};
use equiframe::lie::Se2;
use equiframe_nopanic::{exit, noise};

static mut ODO: Odometry = Odometry::new(OdometryOptions::DEFAULT);
static mut KF: Scan = Scan::new();
static mut STORE: KeyframeStore = KeyframeStore::new();

#[entry]
fn main() -> ! {
    // SAFETY: single-threaded firmware; each static is borrowed once, here.
    let (odo, kf, store) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(ODO),
            &mut *core::ptr::addr_of_mut!(KF),
            &mut *core::ptr::addr_of_mut!(STORE),
        )
    };
    let mut seed = black_box(0x2468_ace0u32);
    let mut r = [0f32; MAX_BEAMS];
    let beams = black_box(360usize);
    let mut ok = true;
    for s in 0..black_box(4u32) {
        r.iter_mut()
            .for_each(|v| *v = 3.0 + noise(&mut seed) + 0.01 * s as f32);
        let rs = RangeScan {
            ranges: r.get(..beams).unwrap_or(&[]),
            angle_min: black_box(-3.14159),
            angle_increment: black_box(0.017453),
            range_min: black_box(0.05),
            range_max: black_box(50.0),
        };
        ok &= odo.step(&rs, black_box(None::<Se2>)).is_ok();
        if kf.fill(&rs).is_ok() {
            if let Some(d) = Descriptor::of(kf.points()) {
                let _ = store.insert(d, odo.pose(), s);
                ok &= store.nearest(&d, |_| true).is_some();
            }
            let m = register_unprimed(kf, odo.keyframe().0, &MatchOptions::DEFAULT);
            ok &= m.score.is_finite();
        }
    }
    exit(black_box(ok))
}
