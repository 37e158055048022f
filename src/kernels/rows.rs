//! Row selection (Gather / Slice of time steps) for any element type. Flatten of an `(n, c)`
//! tensor into `(1, n * c)` moves no element: the row-major layout is already time-major
//! (`t * c + j`), so the engine copies the bytes.

/// Copies rows `first..first + count` of an `n x c` input into `out`; writes nothing when the
/// range or a slice is too short.
pub fn slice_rows<T: Copy>(input: &[T], c: usize, first: usize, count: usize, out: &mut [T]) {
    let (Some(lo), Some(len)) = (first.checked_mul(c), count.checked_mul(c)) else {
        return;
    };
    let (Some(src), Some(dst)) = (
        lo.checked_add(len).and_then(|hi| input.get(lo..hi)),
        out.get_mut(..len),
    ) else {
        return;
    };
    dst.copy_from_slice(src);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_row_and_out_of_range() {
        let x = [1i8, 2, 3, 4, 5, 6];
        let mut y = [0i8; 2];
        slice_rows(&x, 2, 2, 1, &mut y);
        assert_eq!(y, [5, 6]);
        let mut z = [9i8; 2];
        slice_rows(&x, 2, 3, 1, &mut z);
        assert_eq!(z, [9, 9]);
    }
}
