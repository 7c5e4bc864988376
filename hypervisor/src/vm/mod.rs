//! Virtual machines: the decoded exits and hypercalls (pure), and on the target the VM table,
//! creation from the partition config and the per-core run loop.
pub mod action;
pub mod exit;
pub mod guest_dt;
pub mod hypercall;
pub mod inject;
pub mod mmio;
pub mod paravirt;
pub mod psci;
pub mod ready_pages;
pub mod uart;
pub mod vcpu;
pub mod vgic;

#[cfg(target_arch = "aarch64")]
mod console_line;
#[cfg(target_arch = "aarch64")]
mod create;
#[cfg(target_arch = "aarch64")]
mod fresh_ram;
#[cfg(target_arch = "aarch64")]
pub mod table;
#[cfg(target_arch = "aarch64")]
pub mod trap;

#[cfg(target_arch = "aarch64")]
pub use create::{create_all, Vm, VmState};
#[cfg(target_arch = "aarch64")]
pub use table::{all_stopped, vms};
