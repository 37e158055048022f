//! Floor 3: runs a model in a caller-provided arena; the frame-averaging operator.
