//! Floor 2: int8 and f32 layer kernels (dense, pointwise, conv1d, pooling, activations).
