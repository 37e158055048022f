//! Authenticated blobs: an optional Ed25519 signature trailer after the blob
//! (docs/FORMAT.md, "Signature trailer").
//!
//! A signed blob is the plain blob followed, at offset `total_len`, by an 80-byte trailer:
//! magic `EQS\0`, trailer version, algorithm, the first 8 bytes of the signer's public key, and
//! the Ed25519 signature of every byte before the signature (blob and trailer head). A reader
//! without a key ignores the trailer (bytes past `total_len` are ignored by
//! [`Model::from_bytes`]); [`Model::from_bytes_signed`] refuses a blob that is unsigned, signed
//! by another key or wrongly signed, and verifies the signature *before* the validator reads
//! any field behind the preamble.

use core::fmt;

use super::{Model, ModelError};

/// Bytes of the signature trailer.
pub const TRAILER_LEN: usize = 80;
/// Bytes of the trailer before the signature (covered by the signature).
pub const TRAILER_HEAD_LEN: usize = 16;
/// Magic of the signature trailer: `EQS\0`.
pub const TRAILER_MAGIC: [u8; 4] = *b"EQS\0";
/// Trailer version this reader understands.
pub const TRAILER_VERSION: u16 = 1;
/// Algorithm code of Ed25519 (RFC 8032, pure, no context).
pub const ALG_ED25519: u16 = 1;
/// Bytes of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Bytes of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Why [`Model::from_bytes_signed`] refused a blob.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SignatureError {
    /// Fewer bytes than the preamble, or than `total_len` plus the trailer.
    TooShort {
        /// Bytes required.
        needed: usize,
        /// Bytes given.
        given: usize,
    },
    /// No trailer at `total_len` (the four bytes there are not `EQS\0`): the blob is unsigned.
    Unsigned {
        /// The bytes found where the trailer magic belongs.
        found: [u8; 4],
    },
    /// A trailer field holds a value this reader does not accept.
    BadTrailer {
        /// Name of the field (as in docs/FORMAT.md).
        field: &'static str,
        /// The value found.
        value: u32,
    },
    /// The trailer names another signer (first 8 bytes of its public key).
    WrongKey {
        /// Key id in the trailer.
        found: [u8; 8],
        /// Key id of the configured public key.
        expected: [u8; 8],
    },
    /// The configured public key is not a valid Ed25519 point.
    BadPublicKey,
    /// The signature does not verify against the configured key: the blob or the trailer was
    /// altered, or it was signed by another key with the same id.
    BadSignature,
    /// The signature holds, but the signed bytes are not a valid blob.
    Model(ModelError),
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { needed, given } => write!(
                f,
                "signed blob too short: {given} bytes, the blob and its signature trailer need {needed}"
            ),
            Self::Unsigned { found } => write!(
                f,
                "blob is not signed (found {found:02x?} where the signature trailer magic EQS\\0 belongs) and a public key is configured"
            ),
            Self::BadTrailer { field, value } => {
                write!(f, "signature trailer field {field} holds {value}")
            }
            Self::WrongKey { found, expected } => write!(
                f,
                "blob is signed by key {} but the configured key is {}",
                KeyId(*found),
                KeyId(*expected)
            ),
            Self::BadPublicKey => write!(f, "the configured public key is not a valid Ed25519 key"),
            Self::BadSignature => write!(
                f,
                "signature does not verify: the blob or its trailer was altered, or another key signed it"
            ),
            Self::Model(e) => write!(f, "signed blob is not a valid model: {e}"),
        }
    }
}

impl core::error::Error for SignatureError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Model(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ModelError> for SignatureError {
    fn from(e: ModelError) -> Self {
        Self::Model(e)
    }
}

/// A key id printed as 16 hex digits.
struct KeyId([u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Key id of a public key: its first 8 bytes.
pub fn key_id(public_key: &[u8; PUBLIC_KEY_LEN]) -> [u8; 8] {
    let mut id = [0u8; 8];
    id.copy_from_slice(public_key.get(..8).unwrap_or(&[0; 8]));
    id
}

/// The stated `total_len` of a blob (preamble bytes 8..12), without validating anything else.
pub fn stated_len(bytes: &[u8]) -> Result<usize, SignatureError> {
    match bytes.get(8..12) {
        Some(&[a, b, c, d]) => Ok(u32::from_le_bytes([a, b, c, d]) as usize),
        _ => Err(SignatureError::TooShort {
            needed: 16,
            given: bytes.len(),
        }),
    }
}

/// The 16-byte trailer head a signer writes after the blob for `public_key`.
pub fn trailer_head(public_key: &[u8; PUBLIC_KEY_LEN]) -> [u8; TRAILER_HEAD_LEN] {
    let [m0, m1, m2, m3] = TRAILER_MAGIC;
    let [v0, v1] = TRAILER_VERSION.to_le_bytes();
    let [a0, a1] = ALG_ED25519.to_le_bytes();
    let [k0, k1, k2, k3, k4, k5, k6, k7] = key_id(public_key);
    [
        m0, m1, m2, m3, v0, v1, a0, a1, k0, k1, k2, k3, k4, k5, k6, k7,
    ]
}

/// Splits a signed blob into the signed message (blob and trailer head) and the signature,
/// checking the trailer head against `public_key`.
pub fn split_signed<'a>(
    bytes: &'a [u8],
    public_key: &[u8; PUBLIC_KEY_LEN],
) -> Result<(&'a [u8], &'a [u8; SIGNATURE_LEN]), SignatureError> {
    let total = stated_len(bytes)?;
    let needed = total.saturating_add(TRAILER_LEN);
    let too_short = SignatureError::TooShort {
        needed,
        given: bytes.len(),
    };
    let Some(trailer) = bytes.get(total..needed) else {
        // A blob that is too short for itself is unsigned rather than truncated only when the
        // blob part is whole; report the magic when it can be read.
        return match bytes.get(total..total.saturating_add(4)) {
            Some(&[a, b, c, d]) if [a, b, c, d] != TRAILER_MAGIC => Err(SignatureError::Unsigned {
                found: [a, b, c, d],
            }),
            _ => Err(too_short),
        };
    };
    let (head, sig) = trailer.split_at(TRAILER_HEAD_LEN.min(trailer.len()));
    let &[m0, m1, m2, m3, v0, v1, a0, a1, k0, k1, k2, k3, k4, k5, k6, k7] = head else {
        return Err(too_short);
    };
    if [m0, m1, m2, m3] != TRAILER_MAGIC {
        return Err(SignatureError::Unsigned {
            found: [m0, m1, m2, m3],
        });
    }
    let version = u16::from_le_bytes([v0, v1]);
    if version != TRAILER_VERSION {
        return Err(SignatureError::BadTrailer {
            field: "trailer_version",
            value: u32::from(version),
        });
    }
    let alg = u16::from_le_bytes([a0, a1]);
    if alg != ALG_ED25519 {
        return Err(SignatureError::BadTrailer {
            field: "algorithm",
            value: u32::from(alg),
        });
    }
    let found = [k0, k1, k2, k3, k4, k5, k6, k7];
    let expected = key_id(public_key);
    if found != expected {
        return Err(SignatureError::WrongKey { found, expected });
    }
    let sig: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| too_short)?;
    let message = bytes
        .get(..total.saturating_add(TRAILER_HEAD_LEN))
        .ok_or(too_short)?;
    Ok((message, sig))
}

/// Verifies the signature trailer of `bytes` against `public_key` (no blob validation).
pub fn verify(bytes: &[u8], public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<(), SignatureError> {
    let (message, sig) = split_signed(bytes, public_key)?;
    let pk = ed25519_compact::PublicKey::new(*public_key);
    let sig = ed25519_compact::Signature::new(*sig);
    pk.verify(message, &sig).map_err(|e| match e {
        ed25519_compact::Error::InvalidPublicKey | ed25519_compact::Error::WeakPublicKey => {
            SignatureError::BadPublicKey
        }
        _ => SignatureError::BadSignature,
    })
}

impl<'a> Model<'a> {
    /// Like [`Model::from_bytes`], but only for a blob signed by `public_key`: the signature
    /// trailer (docs/FORMAT.md, "Signature trailer") must follow the blob and verify before
    /// anything behind the preamble is read. Refuses unsigned blobs
    /// ([`SignatureError::Unsigned`]), another signer ([`SignatureError::WrongKey`]) and any
    /// altered byte of blob or trailer ([`SignatureError::BadSignature`]).
    pub fn from_bytes_signed(
        bytes: &'a [u8],
        public_key: &[u8; PUBLIC_KEY_LEN],
    ) -> Result<Self, SignatureError> {
        verify(bytes, public_key)?;
        Ok(Model::from_bytes(bytes)?)
    }
}
