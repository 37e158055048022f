//! `equiframe odometry2d`: the CLI contract on a log generated from the simulated room (plain
//! and gzip), errors naming line numbers, and the real CARMEN logs when ../shared/data is there.

mod cli_common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use cli_common::{assert_one_line_error, equiframe};
use equiframe::estimate::scan2d::pose::{pose, xyt};
use equiframe::estimate::scan2d::sim::{cast, Lcg, ROOM};
use equiframe::lie::LieGroup;
use equiframe::lie::Se2;

const BEAMS: usize = 181;

/// True poses of a drive around the open floor of the room (0.25 m and up to 0.3 rad a scan).
fn trajectory() -> Vec<Se2> {
    let mut out = vec![pose(5.5, 1.5, 0.0)];
    let moves: Vec<(f32, f32)> = (0..60)
        .map(|i| match i {
            0..=17 => (0.25, 0.0),
            18..=22 => (0.1, 0.3),
            23..=30 => (0.25, 0.0),
            31..=35 => (0.1, 0.3),
            _ => (0.25, 0.02),
        })
        .collect();
    for (d, t) in moves {
        let last = *out.last().unwrap();
        out.push(last.compose(&pose(d, 0.0, t)));
    }
    out
}

/// A CARMEN log of the drive: PARAM and ODOM lines around FLASER scans with 1 cm range noise.
fn log_text(truth: &[Se2]) -> String {
    let mut s = String::from("# generated: simulated 2D lidar in the synthetic room\nPARAM robot_frontlaser_offset 0.0 nohost 0\n");
    let mut rng = Lcg(42);
    let pi = std::f32::consts::PI;
    for (i, p) in truth.iter().enumerate() {
        let mut r = [0.0f32; BEAMS];
        cast(
            &ROOM,
            p,
            -0.5 * pi,
            pi / (BEAMS - 1) as f32,
            81.91,
            &mut r,
            Some((&mut rng, 0.01)),
        );
        let x = xyt(p);
        let t = i as f64 * 0.5;
        let _ = writeln!(s, "ODOM {} {} {} 0 0 0 {t} sim {t}", x[0], x[1], x[2]);
        let ranges: Vec<String> = r.iter().map(|v| format!("{v:.3}")).collect();
        let _ = writeln!(
            s,
            "FLASER {BEAMS} {} {} {} {} {} {} {} {t} sim {t}",
            ranges.join(" "),
            x[0],
            x[1],
            x[2],
            x[0],
            x[1],
            x[2]
        );
    }
    s
}

fn read_poses(p: &Path) -> Vec<[f32; 3]> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f32> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
            assert_eq!(v.len(), 3, "{l}");
            [v[0], v[1], v[2]]
        })
        .collect()
}

/// Mean translational error of the relations i -> i + k (frame of scan i).
fn relation_error(est: &[[f32; 3]], truth: &[Se2], k: usize) -> f32 {
    let mut sum = 0.0;
    for i in 0..truth.len() - k {
        let e = pose(est[i][0], est[i][1], est[i][2]).between(&pose(
            est[i + k][0],
            est[i + k][1],
            est[i + k][2],
        ));
        let t = truth[i].between(&truth[i + k]);
        sum += (e.t[0] - t.t[0]).hypot(e.t[1] - t.t[1]);
    }
    sum / (truth.len() - k) as f32
}

#[test]
fn contract_on_a_generated_log_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let truth = trajectory();
    let text = log_text(&truth);
    let plain = dir.path().join("room.log");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("room.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    let mut results = Vec::new();
    for log in [&plain, &gz] {
        let out: PathBuf = dir.path().join(format!(
            "{}.txt",
            log.file_name().unwrap().to_string_lossy()
        ));
        let (rc, _, err) = equiframe(&[
            "odometry2d",
            log.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(rc, 0, "{err}");
        let est = read_poses(&out);
        assert_eq!(est.len(), truth.len(), "one pose per FLASER scan");
        assert_eq!(
            est[0],
            [0.0, 0.0, 0.0],
            "the first scan defines the world frame"
        );
        results.push(std::fs::read(&out).unwrap());
        for k in [1, 5, 10] {
            let e = relation_error(&est, &truth, k);
            assert!(e < 0.03, "k = {k}: mean relation error {e} m");
        }
    }
    assert_eq!(results[0], results[1], "plain and gzip give the same poses");
    // --odom with ODOM lines: still one pose per scan.
    let out = dir.path().join("odom.txt");
    let (rc, _, err) = equiframe(&[
        "odometry2d",
        plain.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--odom",
    ]);
    assert_eq!(rc, 0, "{err}");
    let est = read_poses(&out);
    assert_eq!(est.len(), truth.len());
    assert!(relation_error(&est, &truth, 10) < 0.03);
}

#[test]
fn relocalise_finds_the_scan_and_registers_older_ones() {
    let dir = tempfile::tempdir().unwrap();
    let truth = trajectory();
    let plain = dir.path().join("room.log");
    std::fs::write(&plain, log_text(&truth)).unwrap();
    let out = dir.path().join("p.txt");
    let rel = dir.path().join("r.txt");
    let run = |gap: &str| {
        let (rc, _, err) = equiframe(&[
            "odometry2d",
            plain.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--relocalise",
            rel.to_str().unwrap(),
            "--reloc-gap",
            gap,
        ]);
        assert_eq!(rc, 0, "{err}");
        let rows: Vec<Vec<f64>> = std::fs::read_to_string(&rel)
            .unwrap()
            .lines()
            .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), truth.len(), "one line per scan");
        assert!(rows.iter().all(|r| r.len() == 6));
        rows
    };
    // Every scan is its own candidate with no gap: the descriptor finds it, and whichever
    // candidate registers best gives the scan's pose.
    let check = |j: usize, r: &[f64]| {
        let kf = truth[r[1] as usize];
        let p = kf.compose(&pose(r[2] as f32, r[3] as f32, r[4] as f32));
        (p.t[0] - truth[j].t[0]).hypot(p.t[1] - truth[j].t[1])
    };
    for (j, r) in run("0").iter().enumerate() {
        assert_eq!(r[0] as usize, j, "scan {j}: {r:?}");
        assert!(r[1] >= 0.0 && check(j, r) < 0.05, "scan {j}: {r:?}");
    }
    // With a 10 s gap (20 scans) the first 20 scans have no candidate, and every candidate
    // named is at least 20 scans older.
    let rows = run("10");
    for (j, r) in rows.iter().enumerate() {
        if j < 20 {
            assert_eq!((r[0], r[1]), (-1.0, -1.0), "scan {j}: {r:?}");
        } else {
            assert!(r[0] >= 0.0 && r[0] as usize + 20 <= j, "scan {j}: {r:?}");
            assert!(r[1] < 0.0 || r[1] as usize + 20 <= j, "scan {j}: {r:?}");
        }
    }
}

#[test]
fn malformed_lines_name_their_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let truth = trajectory();
    let text = log_text(&truth[..4]);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 6 (the second FLASER): a range that is not a number.
    let bad: Vec<String> = lines[5]
        .split(' ')
        .enumerate()
        .map(|(i, f)| {
            if i == 10 {
                "1.2.3".to_string()
            } else {
                f.to_string()
            }
        })
        .collect();
    lines[5] = bad.join(" ");
    let p = dir.path().join("bad.log");
    std::fs::write(&p, lines.join("\n")).unwrap();
    let out = dir.path().join("o.txt");
    assert_one_line_error(
        &[
            "odometry2d",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        1,
        &["bad.log:6:", "1.2.3"],
    );
    // A truncated FLASER line.
    std::fs::write(&p, "PARAM a b\nFLASER 181 1 2 3\n").unwrap();
    assert_one_line_error(
        &[
            "odometry2d",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        1,
        &["bad.log:2:", "FLASER"],
    );
    // A missing file.
    assert_one_line_error(
        &[
            "odometry2d",
            "/nonexistent/x.log",
            "-o",
            out.to_str().unwrap(),
        ],
        1,
        &["/nonexistent/x.log"],
    );
    // A scan wider than the core's bound.
    let many = format!(
        "FLASER 1000 {} 0 0 0 0 0 0 1 h 1\n",
        vec!["1.0"; 1000].join(" ")
    );
    std::fs::write(&p, many).unwrap();
    assert_one_line_error(
        &[
            "odometry2d",
            p.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        1,
        &["bad.log:1:", "1000 beams"],
    );
}

fn data_dir() -> Option<PathBuf> {
    let p = std::env::var_os("EQUIFRAME_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    p.is_dir().then_some(p)
}

#[test]
fn real_carmen_log_intel() {
    let Some(path) = data_dir()
        .map(|d| d.join("lidar2d/carmen/intel-corrected.log.gz"))
        .filter(|p| p.is_file())
    else {
        println!("skipped: lidar2d/carmen/intel-corrected.log.gz: ../shared/data absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("intel.txt");
    let (rc, _, err) = equiframe(&[
        "odometry2d",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    let est = read_poses(&out);
    let log = equiframe_cli::carmen::read(&path).unwrap();
    assert_eq!(est.len(), log.lasers.len());
    let truth: Vec<Se2> = log
        .lasers
        .iter()
        .map(|l| pose(l.pose[0] as f32, l.pose[1] as f32, l.pose[2] as f32))
        .collect();
    // Scans about 1 m apart; the README has the full table of every log.
    let e = relation_error(&est, &truth, 1);
    assert!(e < 0.15, "intel k = 1 mean relation error {e} m");
}
