//! Floor 1: small fixed-size vectors and matrices and the symmetric eigensolvers.
