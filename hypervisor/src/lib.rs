//! Kairos: a static-partitioning real-time hypervisor for ARMv8-A (EL2) that migrates VMs off
//! failed cores when their slack allows it.
//!
//! Pure logic (translation tables, trap decoding, hypercall dispatch, trace format) builds and is
//! unit-tested on the host; the hardware layer (`arch`, `drivers`, `console`, `boot`) only exists
//! for the aarch64 target.
#![cfg_attr(not(test), no_std)]
#![deny(clippy::undocumented_unsafe_blocks)]

extern crate alloc;

pub mod arch;
pub mod command;
pub mod console_input;
pub mod health;
pub mod images;
#[cfg(target_arch = "aarch64")]
pub mod machine;
#[cfg(target_arch = "aarch64")]
pub mod migration;
pub mod mm;
pub mod partition;
#[cfg(target_arch = "aarch64")]
pub mod run;
pub mod trace;
pub mod vm;

#[cfg(target_arch = "aarch64")]
pub mod boot;
#[cfg(target_arch = "aarch64")]
pub mod console;
#[cfg(target_arch = "aarch64")]
pub mod drivers;
#[cfg(target_arch = "aarch64")]
pub mod heap;
#[cfg(target_arch = "aarch64")]
pub mod panic;
#[cfg(target_arch = "aarch64")]
pub mod shell;
