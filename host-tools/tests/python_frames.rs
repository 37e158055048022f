//! The training helper `host-tools/python/equiframe_frames` computes the engine's frames: for
//! random clouds in every group and both axis orders, the frame sets it returns equal the ones
//! `equiframe frames` writes, member for member (matched as sets: the order and the sign of
//! each eigenvector are free), within 1e-4. Runs with the repository's `.venv` Python (numpy);
//! skipped, saying so, where it is absent.

mod cli_common;

use std::path::PathBuf;
use std::process::Command;

use cli_common::{equiframe, write_f32, Rng};
use equiframe_cli::npy::NpyArray;

fn python() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let p = std::env::var_os("EQUIFRAME_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    p.exists().then_some(p)
}

const SCRIPT: &str = r#"
import sys, numpy as np
import equiframe_frames as ef
x = np.load(sys.argv[1]); group = sys.argv[3]; order = sys.argv[4]
F, c, det = ef.frames(x, group, axis_order=order)
B, K, d, _ = F.shape
out = np.concatenate([F, np.broadcast_to(c[:, None, None, :], (B, K, 1, d))], axis=2)
np.save(sys.argv[2], out.astype(np.float32))
"#;

#[test]
fn python_frames_equal_the_engine_frames() {
    let Some(py) = python() else {
        println!("skipped python_frames_equal_the_engine_frames: no .venv/bin/python");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let pypath = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python");
    let mut rng = Rng(11);
    let mut checked = 0;
    for (group, d) in [("o3", 3), ("so3", 3), ("o2", 2), ("so2", 2)] {
        for order in ["descending", "ascending"] {
            let (b, n) = (6, 40);
            // Anisotropic clouds (distinct eigenvalues), shifted away from the origin.
            let mut data = Vec::with_capacity(b * n * d);
            for s in 0..b {
                for _ in 0..n {
                    for k in 0..d {
                        let scale = [3.0, 1.5, 0.5][k];
                        data.push(rng.next_f32() * scale + s as f32);
                    }
                }
            }
            let x = write_f32(tmp.path(), "x.npy", &[b, n, d], data);
            let engine = tmp.path().join("engine.npy");
            let (rc, _, err) = equiframe(&[
                "frames",
                &x,
                "-o",
                engine.to_str().unwrap(),
                "--group",
                group,
                "--axis-order",
                order,
            ]);
            assert_eq!(rc, 0, "{err}");
            let ours = tmp.path().join("py.npy");
            let out = Command::new(&py)
                .env("PYTHONPATH", &pypath)
                .args(["-c", SCRIPT, &x, ours.to_str().unwrap(), group, order])
                .output()
                .expect("python runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let e = NpyArray::read(&engine).unwrap();
            let p = NpyArray::read(&ours).unwrap();
            assert_eq!(e.shape, p.shape, "{group} {order}");
            let (k, per) = (e.shape[1], (d + 1) * d);
            let (ev, pv) = (e.to_f32(), p.to_f32());
            for s in 0..b {
                let mut used = vec![false; k];
                for i in 0..k {
                    let a = &ev[(s * k + i) * per..(s * k + i + 1) * per];
                    let hit = (0..k).find(|&j| {
                        let q = &pv[(s * k + j) * per..(s * k + j + 1) * per];
                        !used[j] && a.iter().zip(q).all(|(u, v)| (u - v).abs() <= 1e-4)
                    });
                    let j = hit.unwrap_or_else(|| {
                        panic!("{group} {order} sample {s}: engine frame {i} {a:?} not in the Python set")
                    });
                    used[j] = true;
                    checked += 1;
                }
            }
        }
    }
    println!("{checked} engine frames matched by equiframe_frames");
}
