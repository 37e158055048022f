//! Golden records of the whole pipeline (`golden_pipeline.bin`) and of the fixed-point frame
//! path (`golden_fixed.bin`): one record per embedded input, in input order, computed by the
//! same code the firmware runs (`firmware/qemu/src/pipeline.rs`).

use crate::cases::{cases, Kind};
use crate::pipeline;
use crate::Words;
use equiframe::engine::Arena;
use equiframe::frame::fixed::I16F16;
use equiframe::model::Model;

/// A blob file read into 4-byte aligned memory (the blob's alignment).
struct Blob(Vec<u32>, usize);

impl Blob {
    fn read(path: &str) -> Result<Self, String> {
        let b = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let mut v = vec![0u32; b.len().div_ceil(4)];
        for (d, s) in v.iter_mut().zip(b.chunks(4)) {
            let mut w = [0u8; 4];
            w[..s.len()].copy_from_slice(s);
            *d = u32::from_le_bytes(w);
        }
        Ok(Self(v, b.len()))
    }
    fn bytes(&self) -> &[u8] {
        // SAFETY: the vector's words are plain memory of at least `self.1` bytes; reading them
        // as bytes gives the file back on the little-endian hosts this tool runs on.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast::<u8>(), self.1) }
    }
}

/// Golden records, one word list per input.
pub type Records = Vec<Vec<u32>>;

/// `(pipeline records, fixed-point records)`; the fixed path runs on point sets only.
pub fn records(inputs: &[u8], dir: &str) -> Result<(Records, Records), String> {
    let pn = Blob::read(&format!("{dir}/fa_pointnet.eqf"))?;
    let imu = Blob::read(&format!("{dir}/imu.eqf"))?;
    let pn = Model::from_bytes(pn.bytes()).map_err(|e| format!("fa_pointnet.eqf: {e}"))?;
    let imu = Model::from_bytes(imu.bytes()).map_err(|e| format!("imu.eqf: {e}"))?;
    let mut arena = Box::new(Arena::<{ 1 << 17 }>::new());
    let (mut recs, mut fixed) = (Vec::new(), Vec::new());
    for case in cases(inputs) {
        let model = match case.kind {
            Kind::Imu => &imu,
            Kind::Points => &pn,
        };
        let mut x = vec![0f32; case.rows * case.channels];
        case.values(&mut x);
        let n = case.rows;
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", case.name);
        let mut y = vec![0f32; model.output_len()];
        let r = model
            .run(&x, arena.as_mut_slice(), &mut y)
            .map_err(|e| err(&e))?;
        let mut w = Words(Vec::new());
        pipeline::put_run(&y, &r, &mut w);
        let set = model
            .schema()
            .frame_set(&x, &model.frame_options())
            .map_err(|e| err(&e))?;
        let region = &mut arena.as_mut_slice()[..model.tensor_region_bytes()];
        let f0 = set.frames().first().ok_or("empty frame set")?;
        pipeline::write_input(model, f0, &x, region).ok_or_else(|| err(&"input"))?;
        for li in 0..model.layer_count() {
            pipeline::run_layer(model, li, n, region).ok_or_else(|| err(&"layer"))?;
            w.0.push(pipeline::layer_hash(model, li, n, region).ok_or_else(|| err(&"hash"))?);
        }
        println!(
            "{:14} outputs {:?} frames {} gap {:.4}",
            case.name, y, r.frames_evaluated, r.rel_gap
        );
        recs.push(w.0);
        if case.kind == Kind::Points {
            let mut xq = vec![I16F16::ZERO; x.len()];
            pipeline::to_fixed(&x, &mut xq);
            let set = pipeline::fixed_set(model, &xq).map_err(|e| err(&e))?;
            let mut w = Words(Vec::new());
            pipeline::put_fixed_set(&set, &mut w);
            let mut sums = vec![0i32; model.output_len()];
            for f in set.frames() {
                pipeline::write_input_fixed(model, f, &xq, region).ok_or_else(|| err(&"input"))?;
                for li in 0..model.layer_count() {
                    pipeline::run_layer(model, li, n, region).ok_or_else(|| err(&"layer"))?;
                }
                let o = pipeline::output_i8(model, n, region).ok_or_else(|| err(&"output"))?;
                sums.iter_mut()
                    .zip(o)
                    .for_each(|(s, &v)| *s += i32::from(v));
            }
            w.0.extend(sums.iter().map(|&s| s as u32));
            fixed.push(w.0);
        }
    }
    Ok((recs, fixed))
}
