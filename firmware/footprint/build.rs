//! Puts `memory.x` on the linker search path (cortex-m-rt's `link.x` includes it), and
//! validates every blob the firmwares embed with the full validator (`Model::from_bytes` on the
//! host), so that a firmware built with `build-checked` can take its blob with
//! `Model::from_build_checked` and link no validation code: a bad blob fails the build.
use equiframe::model::Model;
use std::{env, fs, path::PathBuf};

const BLOBS: [&str; 2] = ["../qemu/data/sine.eqf", "../qemu/data/fa_pointnet.eqf"];

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    fs::copy("memory.x", out.join("memory.x")).expect("memory.x is readable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    for path in BLOBS {
        println!("cargo:rerun-if-changed={path}");
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // The validator wants a 4-byte aligned blob.
        let mut words = vec![0u32; bytes.len().div_ceil(4)];
        let aligned: &mut [u8] = bytemuck_cast(&mut words);
        aligned[..bytes.len()].copy_from_slice(&bytes);
        if let Err(e) = Model::from_bytes(&aligned[..bytes.len()]) {
            panic!("{path} is not a valid model blob: {e}");
        }
    }
}

/// The bytes of a word buffer (4-byte aligned).
fn bytemuck_cast(words: &mut [u32]) -> &mut [u8] {
    let len = words.len() * 4;
    // SAFETY: u32 has no padding and any byte pattern is a valid u8; the length is the
    // buffer's size in bytes and the borrow of `words` is moved into the result.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), len) }
}
