//! Graph rewrites that keep the result and save memory or time.

use super::{Graph, Op, PoolKind};

/// Fuses every pointwise layer whose only reader is a max pool over points (and whose
/// activation commutes with the max) into one [`Op::PointwiseMax`] layer, so the `(N, cout)` intermediate never exists (O(cout) RAM).
/// Returns how many layers were fused. Leaves the graph's results unchanged.
pub fn fuse_pointwise_max(g: &mut Graph) -> usize {
    let mut fused = 0;
    let mut i = 0;
    while i < g.layers.len() {
        let mid = g.layers[i].output;
        let readers: Vec<usize> = g
            .layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.inputs.contains(&mid))
            .map(|(j, _)| j)
            .collect();
        let fusable = matches!(&g.layers[i].op, Op::Pointwise(w) if w.act.commutes_with_max())
            && mid != g.output
            && readers.len() == 1
            && matches!(g.layers[readers[0]].op, Op::GlobalPool(PoolKind::Max));
        if fusable {
            let pool = g.layers.remove(readers[0]);
            let layer = &mut g.layers[i];
            if let Op::Pointwise(w) = std::mem::replace(&mut layer.op, Op::Concat) {
                layer.op = Op::PointwiseMax(w);
            }
            layer.output = pool.output;
            layer.name = format!("{}+{}", layer.name, pool.name);
            fused += 1;
        }
        i += 1;
    }
    fused
}
