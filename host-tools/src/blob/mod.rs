//! The only writer of the `.eqf` model blob format (specified in docs/FORMAT.md).
