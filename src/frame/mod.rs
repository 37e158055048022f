//! Floor 2: moments, input schema, frame sets and their fixed-point twin.
