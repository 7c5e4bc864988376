//! Build script: links the guest binaries with `guest.ld` when building for bare-metal aarch64.

use std::{env, path::PathBuf};

/// The only target the guest image is linked for; host builds keep the default linker setup.
const GUEST_TARGET: &str = "aarch64-unknown-none";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=guest.ld");

    if env::var("TARGET").as_deref() == Ok(GUEST_TARGET) {
        let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        let script = PathBuf::from(manifest_dir).join("guest.ld");
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    }
}
