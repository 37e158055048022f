//! Floor 2: small Lie groups (SO(2), SE(2), SO(3), SE(3)) for pose outputs.
