//! Signed blobs (docs/FORMAT.md, "Signature trailer") against tampering: every byte flip and
//! every truncation of a signed blob is refused by `Model::from_bytes_signed`; unsigned blobs,
//! another signer's blobs and a damaged trailer are refused with their own typed error; the
//! unsigned reader ignores the trailer. Also the `keygen` / `sign` / `convert --sign` commands.

mod cli_common;

use cli_common::*;
use ed25519_compact::{KeyPair, Seed};
use equiframe::model::sign::{self, SignatureError, TRAILER_LEN};
use equiframe::model::{Model, ModelError};
use equiframe_cli::blob::AlignedBuf;
use equiframe_cli::commands::sign::sign_blob;

const SINE: &[u8] = include_bytes!("../../firmware/qemu/data/sine.eqf");
const IMU: &[u8] = include_bytes!("../models/basicmotions/model.eqf");

fn key(seed: u8) -> KeyPair {
    KeyPair::from_seed(Seed::new([seed; 32]))
}

fn check(bytes: &[u8], pk: &[u8; 32]) -> Result<usize, SignatureError> {
    let buf = AlignedBuf::from_slice(bytes);
    Model::from_bytes_signed(buf.as_bytes(), pk).map(|m| m.blob_bytes())
}

#[test]
fn signed_blob_loads_with_its_key_and_without_any() {
    let k = key(1);
    let signed = sign_blob(IMU, &k).unwrap();
    assert_eq!(signed.len(), IMU.len() + TRAILER_LEN);
    assert_eq!(&signed[..IMU.len()], IMU, "the blob bytes are unchanged");
    assert_eq!(check(&signed, &k.pk), Ok(IMU.len()));
    // The plain reader ignores bytes past total_len, so a signed blob still loads unsigned.
    let buf = AlignedBuf::from_slice(&signed);
    assert!(Model::from_bytes(buf.as_bytes()).is_ok());
    // Signing twice replaces the trailer rather than stacking one more.
    let again = sign_blob(&signed, &key(2)).unwrap();
    assert_eq!(again.len(), signed.len());
    assert_eq!(check(&again, &key(2).pk), Ok(IMU.len()));
}

#[test]
fn unsigned_and_foreign_blobs_are_refused() {
    let k = key(1);
    assert!(matches!(
        check(IMU, &k.pk),
        Err(SignatureError::TooShort { .. })
    ));
    let mut padded = IMU.to_vec();
    padded.extend_from_slice(&[0xFF; TRAILER_LEN]);
    assert_eq!(
        check(&padded, &k.pk),
        Err(SignatureError::Unsigned { found: [0xFF; 4] })
    );
    let other = sign_blob(IMU, &key(2)).unwrap();
    assert!(matches!(
        check(&other, &k.pk),
        Err(SignatureError::WrongKey { .. })
    ));
    // Same key id (first 8 bytes), different key: the signature itself fails.
    let mut twin: [u8; 32] = *key(2).pk;
    twin[31] ^= 1;
    let r = check(&other, &twin);
    assert!(
        matches!(
            r,
            Err(SignatureError::BadSignature) | Err(SignatureError::BadPublicKey)
        ),
        "{r:?}"
    );
}

#[test]
fn every_byte_flip_of_a_signed_blob_is_refused() {
    let k = key(7);
    let signed = sign_blob(SINE, &k).unwrap();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..signed.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut b = signed.clone();
            b[i] ^= mask;
            let r = check(&b, &k.pk);
            let e = r.expect_err(&format!("flip {mask:#04x} at byte {i} was accepted"));
            let name = format!("{e:?}");
            *kinds
                .entry(name.split([' ', '(']).next().unwrap().to_string())
                .or_default() += 1;
        }
    }
    // Flips in the blob and in the signature are signature failures; flips in total_len move
    // the trailer; flips in the trailer head are typed trailer errors.
    assert!(kinds.get("BadSignature").copied().unwrap_or(0) > signed.len());
    eprintln!("{} flips refused: {kinds:?}", signed.len() * 3);
}

#[test]
fn every_truncation_of_a_signed_blob_is_refused() {
    let k = key(3);
    let signed = sign_blob(SINE, &k).unwrap();
    for len in 0..signed.len() {
        let r = check(&signed[..len], &k.pk);
        assert!(r.is_err(), "truncation to {len} bytes accepted");
    }
    assert!(matches!(
        check(&signed[..5], &k.pk),
        Err(SignatureError::TooShort { needed: 16, .. })
    ));
}

#[test]
fn a_signature_over_an_invalid_blob_is_a_model_error() {
    // Sign by hand a blob whose CRC is wrong: the signature holds, validation then refuses.
    let k = key(4);
    let mut bad = SINE.to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let mut signed = bad.clone();
    signed.extend_from_slice(&sign::trailer_head(&k.pk));
    let sig = k.sk.sign(&signed, None);
    signed.extend_from_slice(&*sig);
    assert!(matches!(
        check(&signed, &k.pk),
        Err(SignatureError::Model(ModelError::BadCrc { .. }))
    ));
    // And the host signer refuses to sign it.
    assert!(sign_blob(&bad, &k).is_err());
}

#[test]
fn errors_name_the_problem() {
    let e = SignatureError::WrongKey {
        found: [1, 2, 3, 4, 5, 6, 7, 8],
        expected: [0xaa; 8],
    };
    assert_eq!(
        e.to_string(),
        "blob is signed by key 0102030405060708 but the configured key is aaaaaaaaaaaaaaaa"
    );
    let e = SignatureError::Unsigned { found: *b"abcd" };
    assert!(e.to_string().contains("not signed"), "{e}");
}

#[test]
fn cli_keygen_sign_and_convert_sign() {
    let dir = tempfile::tempdir().unwrap();
    let keyp = dir.path().join("fleet.key");
    let keys = keyp.to_str().unwrap();
    let (rc, out, err) = equiframe(&["keygen", keys]);
    assert_eq!(rc, 0, "{err}");
    assert!(out.contains("key id"), "{out}");
    let pk: [u8; 32] = std::fs::read(dir.path().join("fleet.key.pub"))
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(std::fs::read(&keyp).unwrap().len(), 32);
    // keygen does not overwrite silently.
    assert_one_line_error(&["keygen", keys], 1, &["exists", "--force"]);

    let blob = write_bytes(dir.path(), "sine.eqf", SINE);
    let signed = dir.path().join("signed.eqf");
    let (rc, _, err) = equiframe(&["sign", &blob, "--key", keys, "-o", signed.to_str().unwrap()]);
    assert_eq!(rc, 0, "{err}");
    let bytes = std::fs::read(&signed).unwrap();
    assert_eq!(check(&bytes, &pk), Ok(SINE.len()));

    // A public key is not a secret key; a non-blob is not signed.
    let pubs = dir.path().join("fleet.key.pub");
    let mut pub64 = pk.to_vec();
    pub64.extend_from_slice(&pk);
    let bad_key = write_bytes(dir.path(), "bad.key", &pub64);
    assert_one_line_error(&["sign", &blob, "--key", &bad_key], 1, &["32 bytes", "64"]);
    let junk = write_bytes(dir.path(), "junk.eqf", b"not a blob at all, really not");
    assert_one_line_error(&["sign", &junk, "--key", keys], 1, &["not a valid blob"]);
    let _ = pubs;

    // convert --sign on a committed ONNX fixture (f32, no calibration needed).
    let onnx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/branches.onnx");
    let outp = dir.path().join("conv.eqf");
    let (rc, _, err) = equiframe(&[
        "convert",
        onnx,
        "-o",
        outp.to_str().unwrap(),
        "--frames",
        "o3",
        "--precision",
        "f32",
        "--sign",
        keys,
    ]);
    assert_eq!(rc, 0, "{err}");
    let bytes = std::fs::read(&outp).unwrap();
    assert!(check(&bytes, &pk).is_ok());
}

/// The firmware's signed fixtures (`firmware/qemu/data/sine_signed.eqf`, `imu_signed.eqf` and
/// the test public key `sign_test.pub`) are the shipped blobs signed with the test seed
/// `[0x42; 32]` (Ed25519 signatures are deterministic). `EQUIFRAME_BLESS=1` rewrites them.
#[test]
fn firmware_signed_fixtures_are_current() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../firmware/qemu/data");
    let k = key(0x42);
    let imu = include_bytes!("../../firmware/qemu/data/imu.eqf");
    let want = [
        ("sine_signed.eqf", sign_blob(SINE, &k).unwrap()),
        ("imu_signed.eqf", sign_blob(imu, &k).unwrap()),
        ("sign_test.pub", k.pk.to_vec()),
    ];
    for (name, bytes) in want {
        let path = format!("{dir}/{name}");
        if std::env::var_os("EQUIFRAME_BLESS").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        let got = std::fs::read(&path).unwrap_or_default();
        assert!(
            got == bytes,
            "{path} is stale: EQUIFRAME_BLESS=1 cargo test -p equiframe-cli --test hostile_signed"
        );
    }
}
