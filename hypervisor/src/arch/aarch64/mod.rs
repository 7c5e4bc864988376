//! AArch64 EL2: entry, exception vectors, translation, per-core data, PSCI, semihosting and CPU
//! primitives.
pub mod cpu;
pub mod el1_context;
mod entry;
pub mod exception;
pub mod mmu;
pub mod percpu;
pub mod psci;
pub mod regs;
pub mod semihosting;
pub mod timer;
