//! Inputs far from the origin (georeferenced clouds, UTM coordinates): float64 positions are
//! centred in float64 before they are narrowed to f32, and f32 positions whose spacing is
//! coarse against the cloud's extent are flagged.
//!
//! Centring is a translation of every position field of a sample by the same vector (the f64
//! centroid of the frame's source field), so it changes nothing for a model whose frames are
//! centred (translation invariant); the frames command adds the centroid back to each frame's
//! origin.

use crate::npy::{NpyArray, NpyData};

/// A float32 spacing above this fraction of the cloud's extent is flagged as coarse: the
/// rounding of the raw coordinates then moves points by more than 1/20,000 of the cloud's size
/// (an int8 step of a canonicalized coordinate is about 1/256 of it).
pub const COARSE_SPACING: f64 = 1e-4;

/// Where the position channels of a row are: the offsets of the position fields (each `dim`
/// wide) and the offset of the field whose centroid is subtracted.
#[derive(Debug, Clone)]
pub struct Positions {
    /// Channels per row.
    pub channels: usize,
    /// Coordinates per position.
    pub dim: usize,
    /// First channel of each position field.
    pub fields: Vec<usize>,
    /// First channel of the field the centroid is taken over.
    pub source: usize,
}

/// The array's values as f32, row-major `(sets, rows, channels)`; float64 data has every
/// position field of each set translated by minus that set's f64 centroid (of the source
/// field) before narrowing. Returns the values and the centroid of every set (empty for any
/// dtype but float64, whose values are converted as [`NpyArray::to_f32`] does).
pub fn to_f32_centred(a: &NpyArray, rows: usize, p: &Positions) -> (Vec<f32>, Vec<Vec<f64>>) {
    let NpyData::F64(v) = &a.data else {
        return (a.to_f32(), Vec::new());
    };
    let per = rows * p.channels;
    if per == 0 || p.fields.is_empty() {
        return (a.to_f32(), Vec::new());
    }
    let mut out = Vec::with_capacity(v.len());
    let mut centres = Vec::with_capacity(v.len() / per);
    for set in v.chunks(per) {
        let mut c = vec![0.0f64; p.dim];
        let n = set.len() / p.channels;
        for row in set.chunks_exact(p.channels) {
            for (k, ck) in c.iter_mut().enumerate() {
                *ck += row.get(p.source + k).copied().unwrap_or(0.0);
            }
        }
        c.iter_mut().for_each(|ck| *ck /= n.max(1) as f64);
        // A coordinate that is not a finite f32 leaves the set as given (the caller names it).
        if set
            .iter()
            .any(|x| !x.is_finite() || x.abs() > f64::from(f32::MAX))
        {
            c.iter_mut().for_each(|x| *x = 0.0);
        }
        for (i, &x) in set.iter().enumerate() {
            let ch = i % p.channels;
            let shift = p
                .fields
                .iter()
                .find(|&&f| (f..f + p.dim).contains(&ch))
                .map_or(0.0, |&f| c[ch - f]);
            out.push((x - shift) as f32);
        }
        centres.push(c);
    }
    (out, centres)
}

/// The coarsest f32 spacing against a set's extent over all sets of f32 `data`: `(set,
/// spacing / extent)` for the worst set, if above [`COARSE_SPACING`]. The spacing is that of
/// the largest position coordinate's magnitude; the extent is the largest of the per-axis
/// ranges of the source field (sets of zero extent are not flagged).
pub fn coarse_spacing(data: &[f32], rows: usize, p: &Positions) -> Option<(usize, f64)> {
    let per = rows * p.channels;
    if per == 0 || p.fields.is_empty() {
        return None;
    }
    let mut worst: Option<(usize, f64)> = None;
    for (b, set) in data.chunks(per).enumerate() {
        let mut big = 0.0f32;
        let mut lo = vec![f32::INFINITY; p.dim];
        let mut hi = vec![f32::NEG_INFINITY; p.dim];
        for row in set.chunks_exact(p.channels) {
            for &f in &p.fields {
                for x in row.iter().skip(f).take(p.dim) {
                    big = big.max(x.abs());
                }
            }
            for (k, x) in row.iter().skip(p.source).take(p.dim).enumerate() {
                lo[k] = lo[k].min(*x);
                hi[k] = hi[k].max(*x);
            }
        }
        let extent = lo
            .iter()
            .zip(&hi)
            .map(|(l, h)| f64::from(*h) - f64::from(*l))
            .fold(0.0f64, f64::max);
        if !(extent.is_finite() && extent > 0.0 && big.is_finite()) {
            continue;
        }
        let spacing = f64::from(f32::from_bits(big.to_bits() + 1) - big);
        let ratio = spacing / extent;
        if ratio > COARSE_SPACING && worst.is_none_or(|(_, r)| ratio > r) {
            worst = Some((b, ratio));
        }
    }
    worst
}

/// The one-line warning for a coarse set.
pub fn coarse_warning(what: &str, set: usize, ratio: f64) -> String {
    format!(
        "warning: {what}: float32 coordinates are coarse against the cloud's extent (set {set}: spacing {ratio:.1e} of the extent, flagged above {COARSE_SPACING:.0e}); give float64 input to centre it before narrowing"
    )
}
