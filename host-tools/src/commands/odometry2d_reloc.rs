//! `odometry2d --relocalise`: for every scan, the older scans (at least `--reloc-gap` seconds
//! before it) are its candidate keyframes; the `--reloc-candidates` nearest by descriptor are
//! registered against it with no motion prior (`scan2d::reloc`), and the one with the best
//! registration score is the relocalisation.

use equiframe::estimate::scan2d::descriptor::Descriptor;
use equiframe::estimate::scan2d::pose::xyt;
use equiframe::estimate::scan2d::reloc::best_candidate;
use equiframe::estimate::scan2d::{MatchOptions, RangeScan, Scan};
use rayon::prelude::*;
use std::fmt::Write as _;

use crate::carmen::Laser;

/// Least overlap of a relocalisation match.
const MIN_OVERLAP: f32 = 0.3;

/// One output line per scan: `top1 best dx dy dtheta score` -- the descriptor's nearest older
/// scan, the candidate that registered best and the motion from it to this scan (its frame),
/// `-1 -1 0 0 0 nan` when the scan has no candidate (or no descriptor). `geometry` is the
/// field of view (rad) and the valid range limits (m) of the scans.
pub fn lines(
    scans: &[Laser],
    geometry: [f32; 3],
    descriptors: &[Option<Descriptor>],
    k: usize,
    gap: f64,
) -> String {
    let fill = |r: &[f32]| {
        let mut s = Box::new(Scan::new());
        let [fov, rmin, rmax] = geometry;
        s.fill(&RangeScan::centred(r, fov, rmin, rmax))
            .ok()
            .map(|()| s)
    };
    let rows: Vec<String> = (0..scans.len())
        .into_par_iter()
        .map(|j| {
            let none = "-1 -1 0 0 0 nan".to_string();
            let (Some(tj), Some(Some(dj))) = (scans.get(j).map(|l| l.time), descriptors.get(j))
            else {
                return none;
            };
            let mut cand: Vec<(u32, usize)> = scans
                .iter()
                .zip(descriptors)
                .enumerate()
                .filter(|(_, (l, _))| l.time <= tj - gap)
                .filter_map(|(i, (_, d))| d.as_ref().map(|d| (d.distance(dj), i)))
                .collect();
            if cand.is_empty() {
                return none;
            }
            cand.sort_unstable();
            cand.truncate(k.max(1));
            let Some(query) = scans.get(j).and_then(|l| fill(&l.ranges)) else {
                return none;
            };
            let kfs: Vec<(usize, Box<Scan>)> = cand
                .iter()
                .filter_map(|&(_, i)| scans.get(i).and_then(|l| fill(&l.ranges)).map(|s| (i, s)))
                .collect();
            let top1 = cand.first().map_or(-1, |c| c.1 as i64);
            match best_candidate(
                kfs.iter().map(|(_, s)| &**s),
                &query,
                &MatchOptions::default(),
                MIN_OVERLAP,
            ) {
                Some((b, m)) => {
                    let idx = kfs.get(b).map_or(-1, |(i, _)| *i as i64);
                    let x = xyt(&m.motion);
                    format!(
                        "{top1} {idx} {:.6} {:.6} {:.6} {:.6}",
                        x[0], x[1], x[2], m.score
                    )
                }
                None => format!("{top1} -1 0 0 0 nan"),
            }
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let _ = writeln!(out, "{r}");
    }
    out
}
