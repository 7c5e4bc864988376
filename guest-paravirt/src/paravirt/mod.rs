//! The paravirtual layer: safe wrappers over the Kairos hypercalls and the PSCI calls.
//!
//! Kairos calls use `hvc #0` (SMCCC, function IDs from [`hypercall_abi`]); PSCI uses `smc #0`,
//! which the hypervisor traps and emulates. Results come back as [`Result`]s with the ABI's
//! [`Error`], never as raw register values.

mod console;
#[cfg(not(all(target_arch = "aarch64", not(test))))]
mod host_hypervisor;
mod hypercall;
pub mod psci;
mod queries;
mod realtime;

pub use console::{console_write, console_write_bytes, ConsoleWriter};
pub use hypercall::hypercall;
pub use hypercall_abi::{Error, Function, CONSOLE_WRITE_MAX};
pub use queries::{clock, version, who_am_i, AbiVersion, Clock, Identity};
pub use realtime::{rt_checkpoint, rt_deadline_miss, rt_register, rt_report};
