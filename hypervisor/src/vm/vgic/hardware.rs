//! The virtual GIC's `Backend` on the machine: the physical GIC (through `drivers::gic`) and
//! the calling core's list registers.

use super::delivery::Backend;
use super::injection::ListRegisters;
use super::list_register::{Entry, Format};
use crate::arch::aarch64::percpu::{self, MAX_CPUS};
use crate::drivers::gic::{self, VirtualInterface, KICK_SGI};
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// GICv2: a core whose forwarded PPIs another core could not reach (banked registers) must
/// bring them in line with its vCPU's configuration at its next kick.
pub static PPI_RESYNC: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// The physical GIC as the virtual one's backend.
#[derive(Clone, Copy)]
pub struct Hardware;

/// This core's list registers.
pub struct HardwareLrs {
    interface: &'static VirtualInterface,
    format: Format,
}

impl ListRegisters for HardwareLrs {
    fn count(&self) -> usize {
        self.interface.count()
    }
    fn empty(&self) -> u64 {
        self.interface.empty()
    }
    fn read(&self, index: usize) -> Entry {
        self.format.decode(self.interface.read_lr(index))
    }
    #[inline]
    fn write(&mut self, index: usize, entry: Entry) {
        self.interface.write_lr(index, self.format.encode(&entry));
    }
    fn set_underflow_interrupt(&mut self, on: bool) {
        if self.interface.underflow_interrupt() != on {
            self.interface.set_underflow_interrupt(on);
        }
    }
}

/// The physical GIC (a virtual GIC exists only once it is initialised).
pub fn machine() -> &'static gic::Gic {
    gic::get().expect("a virtual GIC exists only once the physical one is initialised")
}

impl Backend for Hardware {
    type Lrs = HardwareLrs;

    fn current_core(&self) -> usize {
        percpu::current_id()
    }
    fn list_registers(&self) -> HardwareLrs {
        let interface = gic::virtual_interface().expect("checked when the VM's vGIC was built");
        let format = if matches!(interface, VirtualInterface::V2 { .. }) {
            Format::V2
        } else {
            Format::V3
        };
        HardwareLrs { interface, format }
    }
    fn kick(&self, core: usize) {
        machine().send_sgi(KICK_SGI, core);
    }
    fn sync_spi(&self, intid: u32, enabled: bool, core: usize) {
        if enabled {
            machine().route_spi(intid, core);
            machine().enable(intid, core);
        } else {
            machine().disable(intid, core);
        }
    }
    fn sync_ppi(&self, intid: u32, enabled: bool, core: usize) {
        if machine().version() == 2 && core != percpu::current_id() {
            PPI_RESYNC[core].store(true, Relaxed);
            return self.kick(core);
        }
        if enabled {
            machine().enable(intid, core);
        } else {
            machine().disable(intid, core);
        }
    }
    fn set_spi_edge(&self, intid: u32, edge: bool) {
        machine().set_edge(intid, edge);
    }
    fn set_spi_pending(&self, intid: u32, pending: bool) {
        machine().set_pending(intid, pending);
    }
    fn spi_state(&self, intid: u32) -> (bool, bool) {
        machine().state(intid, percpu::current_id())
    }
    fn denied(&self, vm: usize, vcpu: usize, register: &str, intid: u32) {
        log::warn!("vm {vm} vcpu {vcpu}: {register} write for INTID {intid}, not its own: refused");
        let name = crate::vm::table::vms()
            .get(vm)
            .map_or("", |v| v.name.as_str());
        crate::console::emit(
            crate::console::event("vgic_denied")
                .u64("vm", vm as u64)
                .str("name", name)
                .u64("vcpu", vcpu as u64)
                .str("register", register)
                .u64("intid", u64::from(intid)),
        );
    }
}
