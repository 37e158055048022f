//! The static arena planner: liveness-based placement of tensors at 4-aligned offsets.
//!
//! Tensor `t` is live over the closed step interval `[first, last]` (see docs/FORMAT.md,
//! "Arena"); tensors whose intervals intersect get disjoint byte ranges. Placement is greedy:
//! largest tensor first, each at the lowest 4-aligned offset that does not collide with an
//! already placed, simultaneously live tensor. `lower_bound` is the largest sum of (aligned)
//! sizes live at one step: no placement can use less; the greedy result equals it for chains
//! (each layer reading only its predecessor's output), which is every model the host tool
//! converts today.

use equiframe::model::format::{align_up, ARENA_ALIGN};

/// One tensor to place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanItem {
    /// Bytes at the maximum shape.
    pub bytes: usize,
    /// First step the tensor is live (producing layer index; 0 for the input).
    pub first: usize,
    /// Last step the tensor is live (last consuming layer; `layer_count` for the output).
    pub last: usize,
}

/// The placement of every tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Arena offset of each tensor, in input order.
    pub offsets: Vec<usize>,
    /// Bytes of the tensor region (max end over all tensors).
    pub tensor_bytes: usize,
    /// Largest total of aligned live bytes at one step (what an ideal placement needs).
    pub lower_bound: usize,
}

fn aligned(bytes: usize) -> usize {
    align_up(bytes, ARENA_ALIGN).unwrap_or(usize::MAX)
}

fn overlaps_in_time(a: &PlanItem, b: &PlanItem) -> bool {
    a.first <= b.last && b.first <= a.last
}

/// Places `items` (see the module doc).
pub fn plan(items: &[PlanItem]) -> Plan {
    let mut order: Vec<usize> = (0..items.len()).collect();
    // Largest first; ties by earlier first use, then index (deterministic).
    order.sort_by(|&a, &b| {
        items[b]
            .bytes
            .cmp(&items[a].bytes)
            .then(items[a].first.cmp(&items[b].first))
            .then(a.cmp(&b))
    });
    let mut offsets = vec![0usize; items.len()];
    let mut placed: Vec<usize> = Vec::with_capacity(items.len());
    for &i in &order {
        let item = &items[i];
        let size = aligned(item.bytes);
        // Busy ranges of placed, simultaneously live tensors, sorted by start.
        let mut busy: Vec<(usize, usize)> = placed
            .iter()
            .filter(|&&j| overlaps_in_time(item, &items[j]) && items[j].bytes > 0)
            .map(|&j| (offsets[j], offsets[j] + aligned(items[j].bytes)))
            .collect();
        busy.sort_unstable();
        let mut offset = 0usize;
        for (start, end) in busy {
            if offset + size <= start {
                break;
            }
            offset = offset.max(end);
        }
        offsets[i] = offset;
        placed.push(i);
    }
    let tensor_bytes = items
        .iter()
        .zip(&offsets)
        .map(|(it, &o)| if it.bytes == 0 { 0 } else { o + it.bytes })
        .max()
        .unwrap_or(0);
    let steps = items.iter().map(|it| it.last).max().unwrap_or(0);
    let lower_bound = (0..=steps)
        .map(|s| {
            items
                .iter()
                .filter(|it| it.first <= s && s <= it.last)
                .map(|it| aligned(it.bytes))
                .sum()
        })
        .max()
        .unwrap_or(0);
    Plan {
        offsets,
        tensor_bytes,
        lower_bound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_reuses_buffers_and_meets_the_bound() {
        // in(100) -> a(400) -> b(400) -> c(40) -> out(8)
        let items = [
            PlanItem {
                bytes: 100,
                first: 0,
                last: 0,
            },
            PlanItem {
                bytes: 400,
                first: 0,
                last: 1,
            },
            PlanItem {
                bytes: 400,
                first: 1,
                last: 2,
            },
            PlanItem {
                bytes: 40,
                first: 2,
                last: 3,
            },
            PlanItem {
                bytes: 8,
                first: 3,
                last: 4,
            },
        ];
        let p = plan(&items);
        assert_eq!(p.lower_bound, 800);
        assert_eq!(p.tensor_bytes, 800);
        for i in 0..items.len() {
            for j in i + 1..items.len() {
                if overlaps_in_time(&items[i], &items[j]) {
                    let (a0, a1) = (p.offsets[i], p.offsets[i] + items[i].bytes);
                    let (b0, b1) = (p.offsets[j], p.offsets[j] + items[j].bytes);
                    assert!(a1 <= b0 || b1 <= a0, "tensors {i} and {j} overlap");
                }
            }
        }
        assert!(p.offsets.iter().all(|o| o % ARENA_ALIGN == 0));
    }

    #[test]
    fn unaligned_sizes_are_padded() {
        let items = [
            PlanItem {
                bytes: 3,
                first: 0,
                last: 1,
            },
            PlanItem {
                bytes: 5,
                first: 0,
                last: 1,
            },
        ];
        let p = plan(&items);
        assert_eq!(p.lower_bound, 12);
        assert!(p.tensor_bytes <= 12);
        assert!(p.offsets.iter().all(|o| o % 4 == 0));
    }
}
