//! Broadcasting element-wise Add / Sub / Mul of two `(rows, cols)` operands: int8 with TFLite
//! Micro's ADD / SUB / MUL arithmetic (per element exactly as its reference kernels, broadcast
//! by index as `BroadcastAdd4DSlow` / `BroadcastMul4DSlow`), and f32.
//!
//! Broadcasting follows NumPy on two dimensions: each operand's rows are the output's or 1, and
//! its columns are the output's or 1 (a `(1, C)` row against `(N, C)`, an `(N, 1)` column, a
//! `(1, 1)` scalar).

use super::add::AddParams;
use crate::quant::{multiply_by_quantized_multiplier, try_quantize_multiplier, QuantError};

/// Shapes of a broadcasting element-wise op: output `rows x cols`, operands `a` and `b` as
/// `(rows, cols)`, each dimension equal to the output's or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Broadcast {
    /// Output rows.
    pub rows: usize,
    /// Output columns.
    pub cols: usize,
    /// Shape of the first operand.
    pub a: (usize, usize),
    /// Shape of the second operand.
    pub b: (usize, usize),
}

impl Broadcast {
    /// The broadcast of shapes `a` and `b`, or `None` when a dimension differs and neither is
    /// 1.
    pub fn of(a: (usize, usize), b: (usize, usize)) -> Option<Self> {
        let dim = |x: usize, y: usize| match (x, y) {
            _ if x == y => Some(x),
            (1, _) => Some(y),
            (_, 1) => Some(x),
            _ => None,
        };
        Some(Self {
            rows: dim(a.0, b.0)?,
            cols: dim(a.1, b.1)?,
            a,
            b,
        })
    }

    /// Same shape for both operands (no broadcasting).
    pub const fn same(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            a: (rows, cols),
            b: (rows, cols),
        }
    }

    fn fits(&self, s: (usize, usize)) -> bool {
        (s.0 == self.rows || s.0 == 1) && (s.1 == self.cols || s.1 == 1)
    }
}

/// `out[i, j] = f(a[.., ..], b[.., ..])` over the broadcast; writes nothing when a shape does
/// not broadcast to the output or a slice is shorter than its shape.
pub fn broadcast_map<'v, T: Copy, U>(
    a: &'v [T],
    b: &'v [T],
    s: &Broadcast,
    out: &mut [U],
    mut f: impl FnMut(T, T) -> U,
) {
    let len = |p: (usize, usize)| p.0.checked_mul(p.1);
    let (Some(la), Some(lb), Some(lo)) = (len(s.a), len(s.b), len((s.rows, s.cols))) else {
        return;
    };
    if !s.fits(s.a) || !s.fits(s.b) || s.cols == 0 {
        return;
    }
    let (Some(a), Some(b), Some(out)) = (a.get(..la), b.get(..lb), out.get_mut(..lo)) else {
        return;
    };
    if s.a == s.b {
        for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
            *o = f(x, y);
        }
        return;
    }
    // One output row at a time: each operand contributes its row `i` (or its only row) and
    // either a full row or one value repeated.
    let row_of = |v: &'v [T], p: (usize, usize), i: usize| {
        let r = if p.0 == 1 { 0 } else { i };
        v.get(r * p.1..(r + 1) * p.1)
    };
    for (i, orow) in out.chunks_exact_mut(s.cols).enumerate() {
        let (Some(ar), Some(br)) = (row_of(a, s.a, i), row_of(b, s.b, i)) else {
            return;
        };
        match (ar, br) {
            ([x], [y]) => orow.iter_mut().for_each(|o| *o = f(*x, *y)),
            ([x], br) => orow.iter_mut().zip(br).for_each(|(o, &y)| *o = f(*x, y)),
            (ar, [y]) => orow.iter_mut().zip(ar).for_each(|(o, &x)| *o = f(x, *y)),
            (ar, br) => {
                for ((o, &x), &y) in orow.iter_mut().zip(ar).zip(br) {
                    *o = f(x, y);
                }
            }
        }
    }
}

/// Parameters of the int8 MUL (TFLite Micro `OpDataMul`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MulParams {
    /// Zero point of input 1.
    pub zp1: i32,
    /// Zero point of input 2.
    pub zp2: i32,
    /// Output zero point.
    pub out_zero_point: i32,
    /// Q31 multiplier of `s1 * s2 / s_out`.
    pub multiplier: i32,
    /// Shift of `s1 * s2 / s_out`.
    pub shift: i32,
    /// Fused activation clamp, lower bound.
    pub act_min: i32,
    /// Fused activation clamp, upper bound.
    pub act_max: i32,
}

impl MulParams {
    /// Conversion-time constructor (`QuantizeMultiplier(s1 * s2 / s_out)` in double, as
    /// TFLite Micro's `CalculateOpDataMul`).
    pub fn from_scales(
        (s1, zp1): (f32, i32),
        (s2, zp2): (f32, i32),
        (s_out, zp_out): (f32, i32),
        (act_min, act_max): (i32, i32),
    ) -> Result<Self, QuantError> {
        for scale in [s1, s2, s_out] {
            if !(scale.is_finite() && scale > 0.0) {
                return Err(QuantError::BadScale { scale });
            }
        }
        let real = f64::from(s1) * f64::from(s2) / f64::from(s_out);
        let (multiplier, shift) = try_quantize_multiplier(real)?;
        Ok(Self {
            zp1,
            zp2,
            out_zero_point: zp_out,
            multiplier,
            shift,
            act_min,
            act_max,
        })
    }

    /// One element of TFLite Micro's `MulElementwise` for int8.
    #[inline(always)]
    pub fn mul(&self, x: i8, y: i8) -> i8 {
        let a = i32::from(x).wrapping_sub(self.zp1);
        let b = i32::from(y).wrapping_sub(self.zp2);
        let raw = multiply_by_quantized_multiplier(a.wrapping_mul(b), self.multiplier, self.shift)
            .wrapping_add(self.out_zero_point);
        let lo = self.act_min.clamp(-128, 127);
        let hi = self.act_max.clamp(lo, 127);
        raw.clamp(lo, hi) as i8
    }
}

/// Which element-wise operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Elementwise {
    /// `a + b` (TFLite Micro ADD).
    Add(AddParams),
    /// `a - b` (TFLite Micro SUB, the ADD parameters).
    Sub(AddParams),
    /// `a * b` (TFLite Micro MUL).
    Mul(MulParams),
}

/// int8 broadcasting element-wise op (see [`broadcast_map`] for what is written).
pub fn elementwise_i8(a: &[i8], b: &[i8], s: &Broadcast, op: &Elementwise, out: &mut [i8]) {
    match op {
        Elementwise::Add(p) => broadcast_map(a, b, s, out, |x, y| p.add(x, y)),
        Elementwise::Sub(p) => broadcast_map(a, b, s, out, |x, y| p.sub(x, y)),
        Elementwise::Mul(p) => broadcast_map(a, b, s, out, |x, y| p.mul(x, y)),
    }
}

/// Which f32 element-wise operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ElementwiseF32 {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
}

/// f32 broadcasting element-wise op with a fused clamp `lo..=hi`.
pub fn elementwise_f32(
    a: &[f32],
    b: &[f32],
    s: &Broadcast,
    op: ElementwiseF32,
    (lo, hi): (f32, f32),
    out: &mut [f32],
) {
    let c = |v: f32| v.max(lo).min(hi);
    match op {
        ElementwiseF32::Add => broadcast_map(a, b, s, out, |x, y| c(x + y)),
        ElementwiseF32::Sub => broadcast_map(a, b, s, out, |x, y| c(x - y)),
        ElementwiseF32::Mul => broadcast_map(a, b, s, out, |x, y| c(x * y)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_rows_columns_and_scalars() {
        let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // (2, 3)
        let row = [10.0f32, 20.0, 30.0]; // (1, 3)
        let col = [100.0f32, 200.0]; // (2, 1)
        let mut y = [0.0f32; 6];
        let s = Broadcast::of((2, 3), (1, 3)).unwrap();
        let id = (f32::NEG_INFINITY, f32::INFINITY);
        elementwise_f32(&a, &row, &s, ElementwiseF32::Sub, id, &mut y);
        assert_eq!(y, [-9.0, -18.0, -27.0, -6.0, -15.0, -24.0]);
        let s = Broadcast::of((2, 3), (2, 1)).unwrap();
        elementwise_f32(&a, &col, &s, ElementwiseF32::Mul, id, &mut y);
        assert_eq!(y, [100.0, 200.0, 300.0, 800.0, 1000.0, 1200.0]);
        // (1, 3) op (2, 1) -> (2, 3); the first operand may be the broadcast one.
        let s = Broadcast::of((1, 3), (2, 1)).unwrap();
        assert_eq!((s.rows, s.cols), (2, 3));
        elementwise_f32(&row, &col, &s, ElementwiseF32::Add, (0.0, 215.0), &mut y);
        assert_eq!(y, [110.0, 120.0, 130.0, 210.0, 215.0, 215.0]);
        assert!(Broadcast::of((2, 3), (3, 3)).is_none());
        // Too-short operand: nothing written.
        let mut z = [7.0f32; 6];
        let s = Broadcast::of((2, 3), (1, 3)).unwrap();
        elementwise_f32(&a, &row[..2], &s, ElementwiseF32::Add, id, &mut z);
        assert_eq!(z, [7.0; 6]);
    }

    #[test]
    fn int8_mul_by_hand() {
        // s1 = 0.1, s2 = 0.05, s_out = 0.02: y = 0.1 * 0.05 / 0.02 (x - zp1)(y - zp2) = 0.25 p.
        let p = MulParams::from_scales((0.1, 3), (0.05, -2), (0.02, 1), (-128, 127)).unwrap();
        assert_eq!(p.mul(13, 6), 1 + 20); // 10 * 8 * 0.25
        assert_eq!(p.mul(3, 100), 1); // zero times anything
        assert_eq!(p.mul(127, 127), 127); // saturated
        assert_eq!(p.mul(-128, 127), -128);
        let mut y = [0i8; 4];
        let s = Broadcast::of((2, 2), (1, 1)).unwrap();
        elementwise_i8(&[3, 7, 11, -1], &[6], &s, &Elementwise::Mul(p), &mut y);
        assert_eq!(y, [1, 9, 17, 1 - 8]);
    }

    #[test]
    fn int8_sub_is_add_of_the_negation() {
        let p = AddParams::from_scales((0.1, 0), (0.1, 0), (0.1, 0), (-128, 127)).unwrap();
        for (x, y) in [(10i8, 3i8), (-5, 7), (100, -100), (0, 0)] {
            let want = (i32::from(x) - i32::from(y)).clamp(-128, 127) as i8;
            assert_eq!(p.sub(x, y), want);
            assert_eq!(p.add(x, y.saturating_neg()), p.sub(x, y));
        }
    }
}
