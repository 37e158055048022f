//! The whole pipeline on embedded recordings (BasicMotions IMU windows, CGAL point sets with a
//! real lidar scan) and embedded model blobs (written by the host tool's blob writer): the
//! engine's averaged outputs, every backbone layer of frame 0 and the fixed-point frame path,
//! each bit-for-bit equal to the desktop's golden outputs (`data/golden_pipeline.bin`,
//! `data/golden_fixed.bin`, written by `firmware/host-gen`), with instructions per stage.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use equiframe::engine::Arena;
use equiframe::frame::fixed::I16F16;
use equiframe::frame::FrameSet;
use equiframe::geom::sym_eigen3;
use equiframe::model::Model;
use equiframe_qemu::cases::{cases, golden_record, Kind};
use equiframe_qemu::golden::Compare;
use equiframe_qemu::{meter, pipeline, println, Checks};

#[repr(C, align(4))]
struct Aligned<T: ?Sized>(T);

static INPUTS: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/inputs.bin"));
static GOLDEN: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_pipeline.bin"));
static GOLDEN_FIXED: &Aligned<[u8]> = &Aligned(*include_bytes!("../../data/golden_fixed.bin"));
const POINTNET: &[u8] = equiframe::include_model!("../../data/fa_pointnet.eqf");
const IMU: &[u8] = equiframe::include_model!("../../data/imu.eqf");

const MAX_VALUES: usize = 4096;
const ARENA: usize = 1 << 17;
static mut SAMPLE: [f32; MAX_VALUES] = [0.0; MAX_VALUES];
static mut FIXED: [I16F16; MAX_VALUES] = [I16F16::ZERO; MAX_VALUES];
static mut ARENA_MEM: Arena<ARENA> = Arena::new();

fn report(c: &mut Checks, name: &str, cmp: &Compare<'_>, extra_ok: bool) {
    let (w, got, want) = cmp.first().unwrap_or((cmp.words(), 0, 0));
    c.check(
        name,
        cmp.ok() && extra_ok,
        format_args!(
            "{} of {} words differ (first: word {} = {:#010x}, golden {:#010x})",
            cmp.mismatches(),
            cmp.words(),
            w,
            got,
            want
        ),
    );
}

#[entry]
fn main() -> ! {
    let mut c = Checks::new();
    meter::boot();
    // SAFETY: single-threaded firmware; each static is borrowed once, here.
    let (sample, fixed, arena) = unsafe {
        (
            &mut *core::ptr::addr_of_mut!(SAMPLE),
            &mut *core::ptr::addr_of_mut!(FIXED),
            (*core::ptr::addr_of_mut!(ARENA_MEM)).as_mut_slice(),
        )
    };
    let (Ok(pn), Ok(imu)) = (Model::from_bytes(POINTNET), Model::from_bytes(IMU)) else {
        c.check("pipeline/blobs-valid", false, "Model::from_bytes failed");
        c.finish()
    };
    let (_, load) = meter::measure(|| Model::from_bytes(POINTNET).is_ok());
    c.check(
        "pipeline/blobs-valid",
        pn.arena_bytes() <= ARENA && imu.arena_bytes() <= ARENA,
        "arena too small",
    );
    println!(
        "models: fa_pointnet {} B blob, {} B arena, {} MACs/frame (from_bytes: {} instructions); imu {} B, {} B arena, {} MACs/frame",
        pn.blob_bytes(),
        pn.arena_bytes(),
        pn.macs_per_frame(),
        load,
        imu.blob_bytes(),
        imu.arena_bytes(),
        imu.macs_per_frame()
    );
    println!(
        "instructions per stage (frame 0 for input and layers; run = Model::run, all frames):"
    );
    let (mut fixed_index, mut n_cases) = (0usize, 0usize);
    for (i, case) in cases(&INPUTS.0).enumerate() {
        n_cases += 1;
        let model = match case.kind {
            Kind::Imu => &imu,
            Kind::Points => &pn,
        };
        let len = case.values(sample);
        let x = &sample[..len];
        let n = case.rows;
        let mut y = [0f32; 16];
        let y = &mut y[..model.output_len()];
        let (r, run) = meter::measure(|| model.run(x, arena, y));
        let Ok(r) = r else {
            c.check(case.name, false, "Model::run failed");
            continue;
        };
        let mut cmp = Compare::new(golden_record(&GOLDEN.0, i).unwrap_or(&[]));
        pipeline::put_run(y, &r, &mut cmp);
        // The same frame 0 the desktop used: the f32 frame set of the schema.
        let schema = model.schema();
        let opts = model.frame_options();
        let (m, im) = meter::measure(|| schema.moments(x, None));
        let (set, is) = meter::measure(|| {
            m.map(|m| {
                (
                    sym_eigen3(&m.scatter, opts.order),
                    <FrameSet>::from_moments(&m, &opts),
                )
            })
        });
        let Ok((_, Ok(set))) = set else {
            c.check(case.name, false, "frame set failed");
            continue;
        };
        let Some(f0) = set.frames().first() else {
            c.check(case.name, false, "empty frame set");
            continue;
        };
        let region = &mut arena[..model.tensor_region_bytes()];
        let (ok_in, iin) = meter::measure(|| pipeline::write_input(model, f0, x, region).is_some());
        let mut layers = [0u64; 8];
        let mut ok_layers = ok_in;
        for li in 0..model.layer_count() {
            let (ok, il) = meter::measure(|| pipeline::run_layer(model, li, n, region).is_some());
            ok_layers &= ok;
            if let Some(slot) = layers.get_mut(li) {
                *slot = il;
            }
            let h = pipeline::layer_hash(model, li, n, region).unwrap_or(0);
            equiframe_qemu::stages::Sink::word(&mut cmp, h);
        }
        let backbone: u64 = layers.iter().sum();
        println!(
            "  {:<13} n={:<3} moments {:>7} eigen+frames {:>6} input {:>7} layers {:?} backbone {:>9} run {:>10}",
            case.name, n, im, is, iin, &layers[..model.layer_count().min(8)], backbone, run
        );
        let frames = r.frames_evaluated as u64;
        let rest = run.saturating_sub(frames * (backbone + iin));
        println!(
            "  {:<13} {} frames; frames + averaging + checks outside the backbone: {} instructions",
            "", frames, rest
        );
        report(&mut c, case.name, &cmp, ok_layers);

        if case.kind == Kind::Points {
            let xq = &mut fixed[..len];
            pipeline::to_fixed(x, xq);
            let (set, ifs) = meter::measure(|| pipeline::fixed_set(model, xq));
            let mut cmp = Compare::new(golden_record(&GOLDEN_FIXED.0, fixed_index).unwrap_or(&[]));
            fixed_index += 1;
            let Ok(set) = set else {
                c.check(case.name, false, "fixed frame set failed");
                continue;
            };
            pipeline::put_fixed_set(&set, &mut cmp);
            let mut sums = [0i32; 16];
            let mut ok = true;
            let (_, ib) = meter::measure(|| {
                for f in set.frames() {
                    ok &= pipeline::write_input_fixed(model, f, xq, region).is_some();
                    for li in 0..model.layer_count() {
                        ok &= pipeline::run_layer(model, li, n, region).is_some();
                    }
                    if let Some(o) = pipeline::output_i8(model, n, region) {
                        sums.iter_mut()
                            .zip(o)
                            .for_each(|(s, &v)| *s += i32::from(v));
                    }
                }
            });
            for &s in &sums[..model.output_len()] {
                equiframe_qemu::stages::Sink::word(&mut cmp, s as u32);
            }
            println!(
                "  {:<13} fixed-point frame set {:>8}, {} frames through the backbone {:>10}",
                "",
                ifs,
                set.frames().len(),
                ib
            );
            let mut name = [0u8; 24];
            let label = concat_name(&mut name, case.name, "/fixed");
            report(&mut c, label, &cmp, ok);
        }
    }
    c.check(
        "pipeline/all-cases",
        n_cases == 8 && fixed_index == 4,
        format_args!(
            "{} cases, {} fixed-point cases; expected 8 and 4",
            n_cases, fixed_index
        ),
    );
    c.finish()
}

/// `a` followed by `b` in `buf` (truncated to fit).
fn concat_name<'b>(buf: &'b mut [u8; 24], a: &str, b: &str) -> &'b str {
    let mut n = 0;
    for (d, s) in buf.iter_mut().zip(a.bytes().chain(b.bytes())) {
        *d = s;
        n += 1;
    }
    core::str::from_utf8(&buf[..n]).unwrap_or("fixed")
}
