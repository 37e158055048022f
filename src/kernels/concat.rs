//! Concatenation along channels of `n`-row tensors: `(n x c1), (n x c2), ... -> n x sum(c)`.

use super::Requant;

/// One input of a concatenation: `n x channels` values, with an optional requantization to
/// the output's scale (`None` = same scale and zero point: a plain copy, as TFLite Micro's
/// CONCATENATION, which requires equal quantization).
#[derive(Debug, Clone, Copy)]
pub struct ConcatPart<'a, T> {
    /// The `n x channels` row-major data.
    pub data: &'a [T],
    /// Channels of this part.
    pub channels: usize,
    /// Requantization to the output scale (int8 only; ignored for f32).
    pub requant: Option<Requant>,
}

/// Total channels of `parts`, `None` on overflow.
fn total_channels<T>(parts: &[ConcatPart<'_, T>]) -> Option<usize> {
    parts
        .iter()
        .try_fold(0usize, |a, p| a.checked_add(p.channels))
}

/// Shared driver: validates lengths and calls `copy(part, src_row, dst_row)`.
fn concat<T: Copy>(
    parts: &[ConcatPart<'_, T>],
    n: usize,
    out: &mut [T],
    copy: impl Fn(&ConcatPart<'_, T>, &[T], &mut [T]),
) {
    let Some(ct) = total_channels(parts) else {
        return;
    };
    if ct == 0 {
        return;
    }
    let Some(o) = n.checked_mul(ct).and_then(|l| out.get_mut(..l)) else {
        return;
    };
    for p in parts {
        match n.checked_mul(p.channels) {
            Some(l) if p.data.len() >= l => {}
            _ => return,
        }
    }
    for (r, orow) in o.chunks_exact_mut(ct).enumerate() {
        let mut c0 = 0;
        for p in parts {
            let c = p.channels;
            if let (Some(src), Some(dst)) =
                (p.data.get(r * c..(r + 1) * c), orow.get_mut(c0..c0 + c))
            {
                copy(p, src, dst);
            }
            c0 += c;
        }
    }
}

/// int8 concatenation along channels (each part copied, or requantized when it carries a
/// [`Requant`]). Writes nothing when a slice is shorter than the shapes say.
pub fn concat_i8(parts: &[ConcatPart<'_, i8>], n: usize, out: &mut [i8]) {
    concat(parts, n, out, |p, src, dst| match p.requant {
        None => dst.copy_from_slice(src),
        Some(r) => {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = r.apply(s);
            }
        }
    });
}

/// f32 concatenation along channels. Writes nothing when a slice is too short.
pub fn concat_f32(parts: &[ConcatPart<'_, f32>], n: usize, out: &mut [f32]) {
    concat(parts, n, out, |_, src, dst| dst.copy_from_slice(src));
}
