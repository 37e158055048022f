//! `equiframe keygen`: a fresh Ed25519 key pair for signing model blobs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ed25519_compact::{KeyPair, Seed};

use super::print_stdout;
use super::sign::key_id_hex;
use crate::cli::KeygenArgs;

/// Path of the public key written next to the secret key `path`: `path` + `.pub`.
pub fn public_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// Writes `bytes` to a new file (`force`: or over an existing one), owner-only on Unix when
/// `secret`.
fn write_new(path: &Path, bytes: &[u8], force: bool, secret: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!("{} exists (use --force to replace it)", path.display());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// Runs `equiframe keygen`.
pub fn run(args: &KeygenArgs) -> anyhow::Result<()> {
    let key = KeyPair::from_seed(Seed::generate());
    let public = public_path(&args.output);
    write_new(&args.output, &*key.sk.seed(), args.force, true)?;
    write_new(&public, &*key.pk, args.force, false)?;
    let hex: String = key.pk.iter().map(|b| format!("{b:02x}")).collect();
    print_stdout(&format!(
        "wrote {} (secret, keep it off the robot) and {} (public, for Model::from_bytes_signed): key id {}, public key {}",
        args.output.display(),
        public.display(),
        key_id_hex(&key.pk),
        hex
    ))
}
