//! Architecture layer, below everything else: it defines the trap frame and the per-core data
//! the vectors need, and calls up only through the [`aarch64::exception::Traps`] interface the
//! layer above implements. Only AArch64 is supported.
pub mod frame;
pub mod register_values;

#[cfg(target_arch = "aarch64")]
pub mod aarch64;

pub use frame::TrapFrame;
