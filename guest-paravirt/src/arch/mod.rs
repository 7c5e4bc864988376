//! Architecture-specific code: only AArch64 exists, and it is built only for AArch64 targets.

#[cfg(target_arch = "aarch64")]
pub mod aarch64;
