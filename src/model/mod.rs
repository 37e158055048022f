//! Floor 2: the validated, zero-copy view of a model blob.
