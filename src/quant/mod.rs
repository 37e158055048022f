//! Floor 1: integer requantization with TFLite Micro's double rounding.
