//! The virtual GIC: each VM sees a GIC of the machine's version (v2 or v3) restricted to its
//! own interrupts. Its distributor (and, on GICv3, its redistributors) are emulated; its CPU
//! interface is the hardware's virtual one (GICv3 ICC system registers redirected to ICV, or
//! the GICv2 GICV frame mapped at the guest's GICC address), fed through the list registers.
//!
//! Guest-physical layout (as on QEMU virt): GICD at 0x0800_0000 (64 KiB); GICv2 GICC at
//! 0x0801_0000 (the GICV frame); GICv3 GICR at 0x080a_0000, 128 KiB per vCPU.
//!
//! Pure logic (register decoding, list-register encoding, pending queues, delivery rules)
//! builds on the host; `hardware` binds it to the physical GIC on the target.

pub mod delivery;
pub mod distributor;
pub mod injection;
pub mod interrupt_registers;
pub mod list_register;
pub mod pending_queue;
pub mod redistributor;
pub mod registers;
pub mod sgi;
pub mod state;

#[cfg(target_arch = "aarch64")]
mod entry;
#[cfg(target_arch = "aarch64")]
mod hardware;
#[cfg(target_arch = "aarch64")]
mod migrate;
#[cfg(target_arch = "aarch64")]
pub use migrate::move_vcpu;
#[cfg(test)]
mod tests;

#[cfg(target_arch = "aarch64")]
pub use entry::{
    attach, devices, distributor, handle_irq, kick_vcpus, of, raise_spi, refill_here,
    release_this_core, reset, stage2_mappings, system_register, wait_for_interrupt, Handled,
};
pub use state::{Version, Vgic};

/// Guest-physical base of the distributor.
pub const GUEST_GICD: u64 = 0x0800_0000;
/// Size of the distributor frame.
pub const GUEST_GICD_SIZE: u64 = 0x1_0000;
/// Guest-physical base of the GICv2 CPU interface (the physical GICV frame is mapped there).
pub const GUEST_GICC: u64 = 0x0801_0000;
/// Guest-physical base of the GICv3 redistributors.
pub const GUEST_GICR: u64 = 0x080a_0000;
/// Size of one vCPU's redistributor (RD_base and SGI_base frames).
pub const GUEST_GICR_STRIDE: u64 = 0x2_0000;
/// GICD_IIDR / GICR_IIDR: implementer 0x43b (JEP106 of Arm, as QEMU and KVM report), product
/// 'K' for Kairos.
pub const IIDR: u32 = 0x4b00_043b;
