//! Writes the golden outputs the QEMU firmware compares against, by running the same stage
//! code (`firmware/qemu/src/stages.rs`, included here) on the desktop:
//!
//! ```sh
//! cd firmware/host-gen && cargo run --release            # writes ../qemu/data/golden_*.bin
//! cargo run --release -- --check                         # exits 1 if the committed files differ
//! cargo run --release --features blobs -- --blobs        # rewrites the model blobs first
//! ```
//!
//! The model blobs (`data/*.eqf`) are written by the host tool's blob writer (feature `blobs`,
//! which builds the host tool); the golden outputs need only the core.

#[path = "../../qemu/src/cases.rs"]
#[allow(dead_code)]
mod cases;
#[path = "../../qemu/src/pipeline.rs"]
mod pipeline;
#[path = "../../qemu/src/stages.rs"]
mod stages;

#[cfg(feature = "blobs")]
mod blobs;
mod models;

use std::process::ExitCode;

pub(crate) struct Words(pub(crate) Vec<u32>);

impl stages::Sink for Words {
    fn word(&mut self, w: u32) {
        self.0.push(w);
    }
}

fn golden_file(records: &[Vec<u32>]) -> Vec<u8> {
    let mut out = b"EQFG".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((records.len() as u32).to_le_bytes());
    for r in records {
        out.extend((r.len() as u32).to_le_bytes());
        r.iter().for_each(|w| out.extend(w.to_le_bytes()));
    }
    out
}

/// One record per case: moments, eigen, frame set, canonicalized-sample hash of frame 0.
fn frames_records(inputs: &[u8]) -> Result<Vec<Vec<u32>>, String> {
    let mut records = Vec::new();
    for case in cases::cases(inputs) {
        let mut x = vec![0f32; case.rows * case.channels];
        case.values(&mut x);
        let schema =
            stages::schema(case.kind, case.channels).map_err(|e| format!("{}: {e}", case.name))?;
        let m = stages::moments(&schema, &x).map_err(|e| format!("{}: {e}", case.name))?;
        let e = stages::eigen(&m);
        let set = stages::frame_set(&m).map_err(|e| format!("{}: {e}", case.name))?;
        let mut canon = vec![0f32; x.len()];
        let f0 = set.frames().first().ok_or("empty frame set")?;
        schema
            .canonicalize(f0, &x, &mut canon)
            .map_err(|e| format!("{}: {e}", case.name))?;
        let mut w = Words(Vec::new());
        stages::put_moments(&m, &mut w);
        stages::put_eigen(&e, &mut w);
        stages::put_set(&set, &mut w);
        w.0.push(stages::fnv1a(&canon));
        println!(
            "{:14} frames {} eigenvalues {:?} gap {:.4} degenerate {}",
            case.name,
            set.frames().len(),
            set.eigenvalues(),
            set.rel_gap(),
            set.is_degenerate()
        );
        records.push(w.0);
    }
    if records.is_empty() {
        return Err("no cases in inputs.bin".into());
    }
    Ok(records)
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../qemu/data");
    let inputs = match std::fs::read(format!("{dir}/inputs.bin")) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {dir}/inputs.bin: {e} (run gen/make_inputs.py)");
            return ExitCode::FAILURE;
        }
    };
    if std::env::args().any(|a| a == "--blobs") {
        #[cfg(feature = "blobs")]
        match blobs::all(&inputs) {
            Ok(list) => {
                for (name, bytes) in list {
                    let path = format!("{dir}/{name}");
                    if let Err(e) = std::fs::write(&path, &bytes) {
                        eprintln!("cannot write {path}: {e}");
                        return ExitCode::FAILURE;
                    }
                    println!("wrote {name} ({} bytes)", bytes.len());
                }
            }
            Err(e) => {
                eprintln!("blobs: {e}");
                return ExitCode::FAILURE;
            }
        }
        #[cfg(not(feature = "blobs"))]
        {
            eprintln!("--blobs needs the `blobs` feature (cargo run --features blobs -- --blobs)");
            return ExitCode::FAILURE;
        }
    }
    let mut outputs = Vec::new();
    match frames_records(&inputs) {
        Ok(r) => outputs.push(("golden_frames.bin", golden_file(&r))),
        Err(e) => {
            eprintln!("frames: {e}");
            return ExitCode::FAILURE;
        }
    }
    match models::records(&inputs, dir) {
        Ok((p, f)) => {
            outputs.push(("golden_pipeline.bin", golden_file(&p)));
            outputs.push(("golden_fixed.bin", golden_file(&f)));
        }
        Err(e) => {
            eprintln!("pipeline: {e}");
            return ExitCode::FAILURE;
        }
    }
    let mut ok = true;
    for (name, bytes) in outputs {
        let path = format!("{dir}/{name}");
        if check {
            let same = std::fs::read(&path).map(|b| b == bytes).unwrap_or(false);
            println!("{} {name}", if same { "PASS" } else { "FAIL" });
            ok &= same;
        } else if let Err(e) = std::fs::write(&path, &bytes) {
            eprintln!("cannot write {path}: {e}");
            ok = false;
        } else {
            println!("wrote {name} ({} bytes)", bytes.len());
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
