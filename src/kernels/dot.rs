//! Scalar int8 dot products, written so the compiler vectorises them (i32 accumulation,
//! zipped iterators, no bounds checks) and so one input load feeds four output channels.

/// `sum(x[i] * w[i])` over the common length, wrapping like the int32 accumulator of
/// TFLite Micro.
#[inline(always)]
pub(crate) fn dot(x: &[i8], w: &[i8]) -> i32 {
    x.iter().zip(w).fold(0i32, |a, (&x, &w)| {
        a.wrapping_add(i32::from(x) * i32::from(w))
    })
}

/// Four dot products of `x` with the rows `w0..w3` (each at least `x.len()` long).
#[inline(always)]
pub(crate) fn dot4(x: &[i8], w0: &[i8], w1: &[i8], w2: &[i8], w3: &[i8]) -> [i32; 4] {
    let (mut a0, mut a1, mut a2, mut a3) = (0i32, 0i32, 0i32, 0i32);
    for ((((&x, &p), &q), &r), &s) in x.iter().zip(w0).zip(w1).zip(w2).zip(w3) {
        let x = i32::from(x);
        a0 = a0.wrapping_add(x * i32::from(p));
        a1 = a1.wrapping_add(x * i32::from(q));
        a2 = a2.wrapping_add(x * i32::from(r));
        a3 = a3.wrapping_add(x * i32::from(s));
    }
    [a0, a1, a2, a3]
}

/// f32 dot product in index order (the fixed summation order of the f32 reference).
#[inline(always)]
pub(crate) fn dot_f32(x: &[f32], w: &[f32]) -> f32 {
    x.iter().zip(w).fold(0.0f32, |a, (&x, &w)| a + x * w)
}
