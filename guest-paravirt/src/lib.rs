//! Kairos paravirtual guest layer: boot code, hypercall wrappers and console for EL1 guests.
//!
//! A guest binary links this library, defines `#[no_mangle] extern "C" fn guest_main(dtb: u64) -> !`
//! and is built for `aarch64-unknown-none`; the library brings the arm64 Image header, the entry
//! code, the exception vectors and the panic handler. Everything that talks to the hypervisor goes
//! through [`paravirt`]; nothing here touches a device directly.
//!
//! [`rtos`] is a small real-time kernel that reports its slack to the hypervisor (image `rtos`,
//! interface in `PARAVIRT.md`, C binding in `include/kairos.h`); [`recovery`] is its restart
//! entry after a blackout, [`heap`] the allocator of the images.
//!
//! Build the `hello` image with `cargo build -p guest-paravirt --release --target
//! aarch64-unknown-none` (`build.rs` links it with `guest.ld` at 0x4008_0000), then turn it into
//! a raw arm64 Image with `aarch64-linux-gnu-objcopy -O binary <elf> hello.bin`.
//!
//! On the host (`cargo test`, `cargo build --workspace`) the hardware edges are replaced: the
//! hypercall goes to a stand-in that answers `NotSupported` (or what a unit test scripts), and the
//! boot, vector and timer code is not built.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod arch;
pub mod exception;
pub mod fatal;
pub mod heap;
pub mod paravirt;
pub mod print;
pub mod recovery;
pub mod rtos;
pub mod time;

#[cfg(all(target_os = "none", not(test)))]
mod panic;
