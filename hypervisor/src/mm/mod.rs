//! Memory management: translation tables (EL2 stage 1 and guest stage 2) and address ranges.
pub mod descriptor;
pub mod pagetable;

pub use addr::AddressRange;
pub use pagetable::{Access, MapError, MemoryKind, PageTable, Regime};
