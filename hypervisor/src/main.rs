//! The Kairos EL2 image: everything lives in the library; this binary only links it.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
use hypervisor as _;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("kairos is an EL2 image for aarch64-unknown-none; build it with `make image`");
}
