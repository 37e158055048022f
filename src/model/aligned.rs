//! Keeping blobs 4-byte aligned in flash: [`AlignedBlob`] and [`include_model!`](crate::include_model).

/// A byte array aligned to 16 bytes, so a model blob embedded in flash can be read in place
/// (the reader needs 4-byte alignment for its `i32` / `f32` arrays).
///
/// ```
/// use equiframe::model::AlignedBlob;
/// static BLOB: AlignedBlob<[u8; 4]> = AlignedBlob(*b"EQF\0");
/// assert_eq!(BLOB.as_bytes().as_ptr() as usize % 16, 0);
/// ```
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug)]
pub struct AlignedBlob<T: ?Sized>(pub T);

impl<const N: usize> AlignedBlob<[u8; N]> {
    /// The aligned bytes.
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Embeds a model blob file 16-byte aligned and evaluates to `&'static [u8]`:
/// `let model = Model::from_bytes(equiframe::include_model!("../model.eqf"))?;`
/// (the path is relative to the calling file, as for `include_bytes!`).
#[macro_export]
macro_rules! include_model {
    ($path:expr) => {{
        static BLOB: &$crate::model::AlignedBlob<[u8]> =
            &$crate::model::AlignedBlob(*include_bytes!($path));
        &BLOB.0
    }};
}
