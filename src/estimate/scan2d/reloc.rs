//! Relocalisation ("where am I" after a kidnap or a restart): a scan is registered against a
//! retrieved keyframe with no motion prior -- the starts are zero motion and the
//! canonical-frame rotation hypotheses of both scans -- and the candidate keyframes are ranked
//! by the registration's score. A descriptor retrieval ([`KeyframeStore::nearest`] or a top-k
//! list of it) proposes the candidates; the registration checks them geometrically and gives
//! the pose within the keyframe.
//!
//! [`KeyframeStore::nearest`]: super::KeyframeStore::nearest

use super::canonical::{self, CanonicalFrame};
use super::icp::{register, Match, MatchOptions, MAX_STARTS};
use super::scan::Scan;
use crate::lie::Se2;

/// Registers `query` against `keyframe` from zero motion and the canonical-frame hypotheses
/// (no motion prior: `prior_weight` is ignored). The match's `score` ranks candidates (lower
/// is better) and its `overlap` says how much of the query the keyframe explains.
pub fn register_unprimed(keyframe: &Scan, query: &Scan, opts: &MatchOptions) -> Match {
    let mut starts = [Se2::IDENTITY; MAX_STARTS];
    let frames = (
        CanonicalFrame::of(keyframe.points()),
        CanonicalFrame::of(query.points()),
    );
    let n = match frames {
        (Some(a), Some(b)) => {
            let mut hyp = [Se2::IDENTITY; 4];
            let k = canonical::hypotheses(&a, &b, &mut hyp);
            for (slot, h) in starts.iter_mut().skip(1).zip(hyp.iter().take(k)) {
                *slot = *h;
            }
            1 + k
        }
        _ => 1,
    };
    let opts = MatchOptions {
        prior_weight: 0.0,
        ..*opts
    };
    register(keyframe, query, starts.get(..n).unwrap_or(&[]), &opts)
}

/// Index and match of the best of `candidates` (keyframe scans) for `query` by
/// [`register_unprimed`]'s score, among matches overlapping at least `min_overlap`; `None`
/// when there is none.
pub fn best_candidate<'a>(
    candidates: impl IntoIterator<Item = &'a Scan>,
    query: &Scan,
    opts: &MatchOptions,
    min_overlap: f32,
) -> Option<(usize, Match)> {
    let mut best: Option<(usize, Match)> = None;
    for (i, kf) in candidates.into_iter().enumerate() {
        let m = register_unprimed(kf, query, opts);
        if m.overlap() >= min_overlap && best.is_none_or(|(_, b)| m.score < b.score) {
            best = Some((i, m));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::scan2d::pose::{pose, xyt};
    use crate::estimate::scan2d::scan::RangeScan;
    use crate::estimate::scan2d::sim::{cast, ROOM};
    use crate::lie::LieGroup;

    fn scan_at(p: &Se2) -> Scan {
        let mut r = [0.0f32; 360];
        let inc = core::f32::consts::TAU / 360.0;
        cast(&ROOM, p, -core::f32::consts::PI, inc, 80.0, &mut r, None);
        let mut s = Scan::new();
        s.fill(&RangeScan {
            ranges: &r,
            angle_min: -core::f32::consts::PI,
            angle_increment: inc,
            range_min: 0.05,
            range_max: 50.0,
        })
        .unwrap();
        s
    }

    #[test]
    fn the_right_keyframe_wins_and_gives_the_pose() {
        // Keyframes in the room, in the corridor and near the inner wall; the query is near
        // the first, turned by 2.5 rad.
        let kfs = [
            scan_at(&pose(9.0, 2.0, 0.3)),
            scan_at(&pose(16.0, 4.0, 0.0)),
            scan_at(&pose(5.0, 1.5, -1.0)),
        ];
        let truth = pose(9.2, 2.3, 2.8);
        let q = scan_at(&truth);
        let (i, m) = best_candidate(kfs.iter(), &q, &MatchOptions::default(), 0.3).unwrap();
        assert_eq!(i, 0);
        let e = xyt(&pose(9.0, 2.0, 0.3).between(&truth).between(&m.motion));
        assert!(e[0].hypot(e[1]) < 0.05 && e[2].abs() < 0.02, "{e:?}");
    }
}
