//! AArch64 EL2: entry, exception vectors, translation, per-core data, PSCI and CPU primitives.
pub mod cpu;
mod entry;
pub mod exception;
pub mod mmu;
pub mod percpu;
pub mod psci;
pub mod regs;
