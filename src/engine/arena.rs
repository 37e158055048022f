//! The caller's arena: an aligned byte array and how the engine splits it (docs/FORMAT.md,
//! "Arena").

use crate::model::format::{align_up, ARENA_ALIGN};
use crate::model::Model;
use core::ops::Range;

/// A 16-byte aligned arena of `N` bytes, e.g. `static mut ARENA: Arena<4096>` or a stack
/// local; `N` is what `equiframe inspect` prints as the arena size (`Model::arena_bytes`).
#[repr(C, align(16))]
#[derive(Clone, Debug)]
pub struct Arena<const N: usize>(pub [u8; N]);

impl<const N: usize> Arena<N> {
    /// A zeroed arena.
    pub const fn new() -> Self {
        Self([0; N])
    }
    /// The bytes, to pass to [`run`](super::run).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The arena split into the planned tensor region and the two f32 scratch arrays.
pub(crate) struct Parts<'a> {
    pub tensors: &'a mut [u8],
    pub acc: &'a mut [f32],
    pub row: &'a mut [f32],
}

/// Splits `arena` (already checked to be aligned and at least `arena_bytes` long).
pub(crate) fn split<'a>(model: &Model<'_>, arena: &'a mut [u8]) -> Option<Parts<'a>> {
    let arena = arena.get_mut(..model.arena_bytes())?;
    let scratch_start = align_up(model.tensor_region_bytes(), ARENA_ALIGN)?;
    let (tensors, scratch) = arena.split_at_mut_checked(scratch_start)?;
    let tensors = tensors.get_mut(..model.tensor_region_bytes())?;
    let scratch: &mut [f32] = bytemuck::try_cast_slice_mut(scratch).ok()?;
    let (acc, row) = scratch.split_at_mut_checked(model.accumulator_len())?;
    Some(Parts { tensors, acc, row })
}

/// Disjoint views of an input range (shared) and an output range (exclusive) of `region`.
pub(crate) fn split_io(
    region: &mut [u8],
    a: Range<usize>,
    b: Range<usize>,
) -> Option<(&[u8], &mut [u8])> {
    if a.end <= b.start {
        let (lo, hi) = region.split_at_mut_checked(b.start)?;
        Some((lo.get(a)?, hi.get_mut(..b.end - b.start)?))
    } else if b.end <= a.start {
        let (lo, hi) = region.split_at_mut_checked(a.start)?;
        Some((hi.get(..a.end - a.start)?, lo.get_mut(b)?))
    } else {
        None
    }
}

/// Two shared input ranges and one exclusive output range of `region`; the inputs may
/// overlap each other, never the output.
pub(crate) fn split_io2(
    region: &mut [u8],
    a: Range<usize>,
    b: Range<usize>,
    out: Range<usize>,
) -> Option<(&[u8], &[u8], &mut [u8])> {
    let len = out.end.checked_sub(out.start)?;
    let (lo, hi) = region.split_at_mut_checked(out.start)?;
    let (y, rest) = hi.split_at_mut_checked(len)?;
    let (lo, rest): (&[u8], &[u8]) = (lo, rest);
    let pick = |r: Range<usize>| -> Option<&[u8]> {
        if r.end <= out.start {
            lo.get(r)
        } else if r.start >= out.end {
            rest.get(r.start - out.end..r.end - out.end)
        } else {
            None
        }
    };
    Some((pick(a)?, pick(b)?, y))
}
