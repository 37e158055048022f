//! `equiframe sign`: appends (or replaces) the Ed25519 signature trailer of a model blob
//! (docs/FORMAT.md, "Signature trailer"); also used by `convert --sign`.

use std::path::Path;

use anyhow::{bail, Context};
use ed25519_compact::{KeyPair, Seed};
use equiframe::model::sign::{self, PUBLIC_KEY_LEN, TRAILER_HEAD_LEN};
use equiframe::model::Model;

use super::print_stdout;
use crate::blob::AlignedBuf;
use crate::cli::SignArgs;

/// Reads a secret key file written by `equiframe keygen` (the 32-byte Ed25519 seed).
pub fn read_secret_key(path: &Path) -> anyhow::Result<KeyPair> {
    let bytes = std::fs::read(path).with_context(|| format!("reading key {}", path.display()))?;
    let Ok(seed) = <[u8; 32]>::try_from(bytes.as_slice()) else {
        bail!(
            "{}: a secret key file holds 32 bytes (written by `equiframe keygen`), this one holds {}",
            path.display(),
            bytes.len()
        );
    };
    Ok(KeyPair::from_seed(Seed::new(seed)))
}

/// Reads a public key file written by `equiframe keygen` (32 bytes).
pub fn read_public_key(path: &Path) -> anyhow::Result<[u8; PUBLIC_KEY_LEN]> {
    let bytes = std::fs::read(path).with_context(|| format!("reading key {}", path.display()))?;
    <[u8; PUBLIC_KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
        anyhow::anyhow!(
            "{}: a public key file holds 32 bytes (written by `equiframe keygen`), this one holds {}",
            path.display(),
            bytes.len()
        )
    })
}

/// The blob in `bytes` (which must validate) followed by a fresh signature trailer for `key`;
/// anything after the blob's `total_len` (an old trailer) is dropped. The result is checked
/// with [`Model::from_bytes_signed`] before it is returned.
pub fn sign_blob(bytes: &[u8], key: &KeyPair) -> anyhow::Result<Vec<u8>> {
    let buf = AlignedBuf::from_slice(bytes);
    Model::from_bytes(buf.as_bytes()).map_err(|e| anyhow::anyhow!("not a valid blob: {e}"))?;
    let total = sign::stated_len(bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let pk: [u8; PUBLIC_KEY_LEN] = *key.pk;
    let mut out = bytes[..total].to_vec();
    out.extend_from_slice(&sign::trailer_head(&pk));
    let sig = key.sk.sign(&out[..total + TRAILER_HEAD_LEN], None);
    out.extend_from_slice(&*sig);
    let check = AlignedBuf::from_slice(&out);
    Model::from_bytes_signed(check.as_bytes(), &pk)
        .map_err(|e| anyhow::anyhow!("the signed blob does not verify: {e}"))?;
    Ok(out)
}

/// Key id (first 8 bytes of the public key) as hex.
pub fn key_id_hex(pk: &[u8; PUBLIC_KEY_LEN]) -> String {
    sign::key_id(pk)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `equiframe sign`.
pub fn run(args: &SignArgs) -> anyhow::Result<()> {
    let key = read_secret_key(&args.key)?;
    let bytes =
        std::fs::read(&args.model).with_context(|| format!("reading {}", args.model.display()))?;
    let signed = sign_blob(&bytes, &key).with_context(|| format!("{}", args.model.display()))?;
    let out = args.output.as_ref().unwrap_or(&args.model);
    std::fs::write(out, &signed).with_context(|| format!("writing {}", out.display()))?;
    print_stdout(&format!(
        "wrote {}: {} bytes of blob + {} bytes of Ed25519 signature trailer, key id {}",
        out.display(),
        signed.len() - sign::TRAILER_LEN,
        sign::TRAILER_LEN,
        key_id_hex(&key.pk),
    ))
}
