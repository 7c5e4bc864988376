//! Turns the device tree blob the boot loader passes in x0 into a typed platform description.
//!
//! [`Platform::from_dtb`] validates the blob (so malformed input yields a [`PlatformError`]
//! naming the node and property, never a panic), then reads memory, reserved ranges, CPUs,
//! the GIC, the console UART, PSCI, the generic timer and the initrd. Every device address is
//! translated through the `ranges` of all its ancestor buses to a CPU physical address.
//!
//! Pure logic: no hardware access, host-testable, `no_std` + `alloc`.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod console;
mod cpus;
mod device;
mod error;
mod gic;
mod irq;
mod memory;
mod psci;
mod reg;
mod structure;
mod timer;
mod tree;
mod validate;

pub use console::{Console, UartKind};
pub use cpus::{Cpu, EnableMethod, MPIDR_AFFINITY_MASK};
pub use device::Device;
pub use error::{PlatformError, Problem};
pub use gic::Gic;
pub use psci::{Conduit, Psci, PSCI_CPU_OFF, PSCI_CPU_ON_64, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET};
pub use timer::Timer;

/// A range of CPU physical addresses, `[base, base + size)`: the workspace-wide
/// [`addr::AddressRange`].
pub type Region = addr::AddressRange;

use alloc::string::String;
use alloc::vec::Vec;

/// Everything the hypervisor needs to know about the board, read from its device tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// Root `model` string, or `""` when absent.
    pub model: String,
    /// Root `compatible` strings (most specific first).
    pub compatible: Vec<String>,
    /// RAM: `reg` of every enabled `device_type = "memory"` node, sorted by base.
    pub memory: Vec<Region>,
    /// `/memreserve/` entries plus `/reserved-memory` children with a `reg`, sorted by base.
    pub reserved: Vec<Region>,
    /// Enabled CPUs sorted by MPIDR; the index in this vector is the logical CPU id.
    pub cpus: Vec<Cpu>,
    /// The root interrupt controller.
    pub gic: Gic,
    /// Console UART (`stdout-path`, else first enabled known UART).
    pub console: Option<Console>,
    /// PSCI firmware interface, if described.
    pub psci: Option<Psci>,
    /// Generic timer interrupts, if described.
    pub timer: Option<Timer>,
    /// Initial ramdisk placed by the boot loader (`/chosen` `linux,initrd-*`).
    pub initrd: Option<Region>,
    /// MMIO regions of every enabled device node, translated to CPU addresses, sorted by base.
    pub devices: Vec<Region>,
    /// Some node is compatible with `kairos,hypervisor`: the blob may carry a partition config
    /// (read from the index built here, so that a boot without one walks the blob no more).
    pub names_hypervisor: bool,
}

impl Platform {
    /// Parses a flattened device tree blob.
    ///
    /// `dtb` may be longer than the blob (its header's `totalsize` is used); it need not be
    /// aligned. Any malformed, truncated or inconsistent input returns an error.
    pub fn from_dtb(dtb: &[u8]) -> Result<Platform, PlatformError> {
        let blob = validate::check(dtb)?;
        let tree = &blob.tree;
        let model = tree.string(0, "model")?.unwrap_or("");
        Ok(Platform {
            model: String::from(model),
            compatible: tree.compatibles(0).map(String::from).collect(),
            memory: memory::memory(tree)?,
            reserved: memory::reserved(tree, &blob.reservations)?,
            cpus: cpus::cpus(tree)?,
            gic: gic::gic(tree)?,
            console: console::console(tree)?,
            psci: psci::psci(tree)?,
            timer: timer::timer(tree)?,
            initrd: memory::initrd(tree)?,
            devices: device::mmio_regions(tree),
            names_hypervisor: tree
                .ids()
                .any(|id| tree.is_compatible(id, &["kairos,hypervisor"])),
        })
    }

    /// Only the console UART of `dtb` (as [`Platform::console`] would give it), so that a
    /// boot loader's DTB that [`Platform::from_dtb`] rejects can still be reported on it.
    pub fn console_of(dtb: &[u8]) -> Result<Option<Console>, PlatformError> {
        console::console(&validate::check(dtb)?.tree)
    }

    /// Reads one device's translated `reg` and GIC interrupts from `dtb`; `path` is an
    /// absolute node path (`/soc/serial@7e201000`) or an alias (`serial0`).
    pub fn device(dtb: &[u8], path: &str) -> Result<Device, PlatformError> {
        device::device(&validate::check(dtb)?.tree, path)
    }

    /// MMIO the hypervisor keeps for itself, which no VM may be given: every frame of the GIC
    /// ([`Gic::frames`]) and the console UART.
    pub fn hypervisor_devices(&self) -> Vec<Region> {
        let mut kept = self.gic.frames();
        kept.extend(
            self.console
                .iter()
                .map(|console| Region::new(console.base, console.size)),
        );
        kept
    }

    /// Interrupts the hypervisor keeps for itself, each with what it is for: its SGIs, the GIC
    /// maintenance interrupt (PPI 9, INTID 25, when the DTB names none), its EL2 timers and its
    /// console UART's interrupt. No VM may own one.
    pub fn hypervisor_interrupts(&self) -> Vec<(u32, &'static str)> {
        /// The GIC maintenance interrupt when the DTB names none (PPI 9).
        const DEFAULT_MAINTENANCE_INTID: u32 = 25;
        let mut kept: Vec<(u32, &'static str)> = (0..16).map(|sgi| (sgi, "its SGIs")).collect();
        kept.push((
            self.gic
                .maintenance_irq()
                .unwrap_or(DEFAULT_MAINTENANCE_INTID),
            "the GIC maintenance interrupt",
        ));
        if let Some(timer) = &self.timer {
            kept.push((timer.hyp_phys_irq, "its EL2 physical timer"));
            kept.extend(
                timer
                    .hyp_virt_irq
                    .map(|intid| (intid, "its EL2 virtual timer")),
            );
        }
        if let Some(intid) = self.console.as_ref().and_then(|console| console.irq) {
            kept.push((intid, "its console UART's interrupt"));
        }
        kept
    }

    /// The logical CPU id (index into [`Platform::cpus`]) of the CPU with this MPIDR.
    ///
    /// Only the affinity fields are compared, so a raw `MPIDR_EL1` value (with its RES1
    /// bit 31, U and MT bits) can be passed directly.
    pub fn cpu_index(&self, mpidr: u64) -> Option<usize> {
        let want = mpidr & MPIDR_AFFINITY_MASK;
        self.cpus.iter().position(|c| c.mpidr == want)
    }
}
