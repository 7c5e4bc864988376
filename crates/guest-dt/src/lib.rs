//! The device tree a Kairos VM boots with: a DTB v17 writer and a virtual-platform description.
//!
//! At VM creation the hypervisor fills in a [`VirtualPlatform`] (RAM, vCPUs, GIC, timer, console,
//! PSCI, pass-through devices and the `/kairos` subtree) and calls [`VirtualPlatform::build`] to
//! get the DTB it places in the VM's RAM, so one guest image runs in any partition. The DTB is
//! what an unmodified boot loader (U-Boot `qemu_arm64`) or Linux expects on QEMU `virt`.
//! [`FdtWriter`] is the general writer underneath, usable on its own.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod error;
mod names;
mod nodes;
mod platform;
mod raw_node;
mod writer;

pub use error::DtError;
pub use platform::{Gic, GuestMemory, PassthroughDevice, PsciMethod, Uart, VirtualPlatform};
pub use raw_node::RawNode;
pub use writer::FdtWriter;
