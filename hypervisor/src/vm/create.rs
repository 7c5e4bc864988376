//! Builds VMs from validated partition config: places the image in the VM's RAM, builds its
//! stage-2 map, and records which cores run it.

use super::console_line::ConsoleLine;
use crate::mm::{Access, AddressRange, MemoryKind, PageTable, Regime};
use alloc::{string::String, vec::Vec};
use core::sync::atomic::{AtomicU8, Ordering};
use partition_config::VmConfig;

/// Life cycle of a VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum VmState {
    /// Built, not yet running.
    Created = 0,
    /// At least one vCPU is running.
    Running = 1,
    /// Powered off by itself or stopped by the hypervisor.
    Stopped = 2,
}

/// One virtual machine.
pub struct Vm {
    /// Index in the VM table (also its VMID).
    pub id: usize,
    /// Name from the config node.
    pub name: String,
    /// The validated config it was built from.
    pub config: VmConfig,
    /// Physical base of its RAM (changes when a migration copies the RAM to another region).
    ram_base: core::sync::atomic::AtomicU64,
    /// Size of its RAM.
    ram_size: u64,
    /// Where its RAM appears to the guest.
    pub ipa_base: u64,
    /// Guest-physical entry point of vCPU 0.
    pub entry: u64,
    /// Its stage-2 translation (its root never changes; a relocation rewrites entries).
    pub stage2: spin::Mutex<PageTable>,
    /// The stage-2 root, for VTTBR_EL2 (read without the lock).
    pub stage2_root: u64,
    /// Which pages of its RAM are zeroed (or written) and mapped; the others are zeroed on first
    /// touch (`fresh_ram.rs`). Taken before `stage2` when both are.
    pub(super) ready: spin::Mutex<super::ready_pages::ReadyPages>,
    state: AtomicU8,
    /// Its device tree, written into its RAM at `dtb_ipa` at every (re)start.
    pub dtb: Vec<u8>,
    /// Where the device tree sits in guest-physical memory (x0 of vCPU 0 at entry).
    pub dtb_ipa: u64,
    /// Its vCPUs' power states and start requests, one per configured core.
    pub vcpus: Vec<super::vcpu::VcpuSlot>,
    /// How many times its fault policy restarted it.
    pub restarts: core::sync::atomic::AtomicU32,
    /// Its `vm_stopped` event is out: only then does the machine count it as stopped for
    /// powering off (so that no core powers off before the event is written).
    pub stop_traced: core::sync::atomic::AtomicBool,
    /// What its paravirtual RTOS reported (task set, slack, checkpoint, misses), readable from
    /// any core.
    pub realtime: alloc::boxed::Box<super::paravirt::RealTime>,
    /// Its console line.
    pub(super) console: alloc::sync::Arc<ConsoleLine>,
    /// Devices emulated for it (console UART, interrupt controller), found by IPA on a fault.
    pub devices: super::mmio::Devices,
    /// Its emulated console UART (also among `devices`), which console input is typed into.
    pub uart: Option<alloc::sync::Arc<super::uart::Pl011<super::console_line::VmConsole>>>,
}

impl super::psci::VcpuTable for Vm {
    fn count(&self) -> usize {
        self.vcpus.len()
    }
    fn power(&self, index: usize) -> super::psci::VcpuPower {
        self.vcpus[index].power()
    }
    fn valid_entry(&self, ipa: u64) -> bool {
        ipa.is_multiple_of(4) && self.ram_span(ipa, 4).is_some()
    }
}

impl Vm {
    /// The VM's state.
    pub fn state(&self) -> VmState {
        match self.state.load(Ordering::Acquire) {
            0 => VmState::Created,
            1 => VmState::Running,
            _ => VmState::Stopped,
        }
    }

    /// Moves the VM to `state`; false if it was already there.
    pub fn set_state(&self, state: VmState) -> bool {
        self.state.swap(state as u8, Ordering::AcqRel) != state as u8
    }

    /// The VMID tagging its TLB entries.
    pub fn vmid(&self) -> u64 {
        self.id as u64 + 1
    }

    /// Its RAM in physical memory.
    pub fn ram(&self) -> AddressRange {
        AddressRange::new(
            self.ram_base.load(core::sync::atomic::Ordering::Acquire),
            self.ram_size,
        )
    }

    /// Copy migration: copies the VM's RAM to `new_base` (a region of the target core, as large
    /// as the VM) and points its stage-2 map there. The VM must not run meanwhile. Pages not
    /// ready stay unmapped: what the copy brought into them is zeroed before the guest sees it.
    pub fn relocate(&self, new_base: u64) -> Result<(), crate::mm::MapError> {
        let ready = self.ready.lock();
        let old = self.ram();
        crate::arch::aarch64::cpu::copy_and_clean(old.base, new_base, old.size);
        let mut stage2 = self.stage2.lock();
        super::fresh_ram::map_pages(&mut stage2, &ready, true, self.ipa_base, new_base)?;
        self.ram_base
            .store(new_base, core::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// After an eager reload of all its RAM: maps the pages that were not ready, all now are.
    pub(super) fn all_ready(&self) -> Result<(), crate::mm::MapError> {
        let mut ready = self.ready.lock();
        let base = self.ram().base;
        let mut stage2 = self.stage2.lock();
        super::fresh_ram::map_pages(&mut stage2, &ready, false, self.ipa_base, base)?;
        ready.set_all();
        crate::arch::aarch64::cpu::publish_table_entries();
        Ok(())
    }

    /// Copies guest memory at `ipa` into `buffer`, or `BadAddress` if any byte lies outside
    /// the VM's RAM. Works from any core, also after the VM's own core died.
    pub fn read_guest(&self, ipa: u64, buffer: &mut [u8]) -> Result<(), hypercall_abi::Error> {
        let physical = self
            .ram_span(ipa, buffer.len() as u64)
            .filter(|_| self.prepare(ipa, buffer.len() as u64))
            .ok_or(hypercall_abi::Error::BadAddress)?;
        // A guest running with its MMU off wrote around the caches: drop any stale lines first.
        crate::arch::aarch64::cpu::clean_dcache_range(physical, buffer.len() as u64);
        // SAFETY: `ram_span` checked the whole span lies in this VM's RAM, identity-mapped at EL2.
        let source = unsafe { core::slice::from_raw_parts(physical as *const u8, buffer.len()) };
        buffer.copy_from_slice(source);
        Ok(())
    }

    /// Writes `bytes` into the VM's memory at `ipa` (only where its RAM is), then cleans them
    /// to memory so that a guest running with its caches off reads them too.
    pub fn write_guest(&self, ipa: u64, bytes: &[u8]) -> Result<(), hypercall_abi::Error> {
        let physical = self
            .ram_span(ipa, bytes.len() as u64)
            .filter(|_| self.prepare(ipa, bytes.len() as u64))
            .ok_or(hypercall_abi::Error::BadAddress)?;
        // SAFETY: `ram_span` checked the whole span lies in this VM's RAM, identity-mapped at EL2;
        // the guest reads this memory only, so a concurrent reader sees old or new bytes.
        let target = unsafe { core::slice::from_raw_parts_mut(physical as *mut u8, bytes.len()) };
        target.copy_from_slice(bytes);
        crate::arch::aarch64::cpu::clean_dcache_range(physical, bytes.len() as u64);
        Ok(())
    }

    /// True when one of its vCPUs is placed on `core`.
    pub fn runs_on(&self, core: usize) -> bool {
        self.vcpu_on(core).is_some()
    }

    /// The vCPU placed on `core`, if any.
    pub fn vcpu_on(&self, core: usize) -> Option<usize> {
        self.vcpus.iter().position(|slot| slot.core() == core)
    }

    /// Moves vCPU `vcpu` to `core`.
    pub fn set_vcpu_core(&self, vcpu: usize, core: usize) {
        self.vcpus[vcpu].set_core(core);
    }

    /// Translates a guest range to physical memory, if it lies wholly in the VM's RAM.
    pub fn ram_span(&self, ipa: u64, length: u64) -> Option<u64> {
        let guest = AddressRange::new(self.ipa_base, self.ram_size);
        guest
            .contains_span(ipa, length)
            .then(|| self.ram().base + (ipa - self.ipa_base))
    }
}

/// Why a VM could not be built from a config that passed validation.
#[derive(Debug)]
#[allow(dead_code)] // the fields are shown through Debug in the log
pub enum CreateError {
    /// The config has no physical placement for the VM's RAM.
    NotPlaced,
    /// The image bytes are not available.
    MissingImage,
    /// The device tree could not be written.
    DeviceTree(guest_dt::DtError),
    /// Neither below the image nor at the top of RAM is there room for the device tree.
    NoRoomForDeviceTree,
    /// The image does not fit in the VM's RAM at its load offset.
    ImageTooLarge,
    /// The stage-2 map could not be built.
    Map(crate::mm::MapError),
}

/// Builds one VM: copies the image into its zeroed RAM, writes its device tree, and maps RAM
/// and passthrough devices.
pub fn create(
    id: usize,
    config: VmConfig,
    gic_version: u8,
    config_blob: &[u8],
) -> Result<Vm, CreateError> {
    let base = config.memory_base.ok_or(CreateError::NotPlaced)?;
    let ram = AddressRange::new(base, config.memory_size);
    let started = crate::arch::aarch64::cpu::counter();
    let mut ready = super::ready_pages::ReadyPages::none(ram.size);
    let filled = super::fresh_ram::fill(&config, ram, &mut ready)?;
    // What a reload (which clears all of the RAM) may take is planned on this rate per byte.
    super::table::record_load(filled, started);

    let mut stage2 = PageTable::new(Regime::Stage2);
    for device in &config.devices {
        stage2
            .map(
                device.base,
                device.base,
                device.size,
                MemoryKind::Device,
                Access::ReadWrite,
            )
            .map_err(CreateError::Map)?;
    }
    let entry = config.entry.unwrap_or(config.ipa_base + config.load_offset);
    let console = alloc::sync::Arc::new(ConsoleLine::new());
    let dtb = super::guest_dt::build(&config, id, gic_version, true, config_blob)
        .map_err(CreateError::DeviceTree)?;
    let dtb_ipa =
        dtb_placement(&config, dtb.len() as u64).ok_or(CreateError::NoRoomForDeviceTree)?;
    super::fresh_ram::place(ram, &mut ready, dtb_ipa - config.ipa_base, &dtb);
    super::fresh_ram::map_pages(&mut stage2, &ready, true, config.ipa_base, ram.base)
        .map_err(CreateError::Map)?;
    let mut devices: Vec<alloc::boxed::Box<dyn super::mmio::EmulatedDevice>> = Vec::new();
    let uart_window = AddressRange::new(super::uart::GUEST_UART_BASE, super::uart::GUEST_UART_SIZE);
    let uart_free = !config.devices.iter().any(|d| d.overlaps(&uart_window))
        && !AddressRange::new(config.ipa_base, ram.size).overlaps(&uart_window);
    let uart = uart_free.then(|| {
        let sink = super::console_line::VmConsole {
            vm: id,
            name: config.name.clone(),
            line: console.clone(),
        };
        alloc::sync::Arc::new(super::uart::Pl011::new(super::uart::GUEST_UART_BASE, sink))
    });
    if let Some(uart) = &uart {
        devices.push(alloc::boxed::Box::new(uart.clone()));
    }
    // The emulated console's interrupt is the VM's too (an SPI with no physical line behind it).
    let virtual_spis = [super::uart::GUEST_UART_SPI + 32];
    let virtual_spis = if uart.is_some() {
        &virtual_spis[..]
    } else {
        &[]
    };
    devices.extend(
        super::vgic::attach(id, &config, virtual_spis, &mut stage2).map_err(CreateError::Map)?,
    );
    let vcpus = config
        .cpus
        .iter()
        .map(|&core| super::vcpu::VcpuSlot::new(core as usize))
        .collect();
    Ok(Vm {
        dtb,
        dtb_ipa,
        vcpus,
        id,
        name: config.name.clone(),
        ipa_base: config.ipa_base,
        entry,
        ram_base: core::sync::atomic::AtomicU64::new(ram.base),
        ram_size: ram.size,
        stage2_root: stage2.root_address(),
        stage2: spin::Mutex::new(stage2),
        ready: spin::Mutex::new(ready),
        state: AtomicU8::new(VmState::Created as u8),
        restarts: core::sync::atomic::AtomicU32::new(0),
        stop_traced: core::sync::atomic::AtomicBool::new(false),
        realtime: alloc::boxed::Box::new(super::paravirt::RealTime::new()),
        console,
        devices: super::mmio::Devices::new(devices),
        uart,
        config,
    })
}

/// How much memory is cleared between two pauses (`cpu::pause`).
const CHUNK: u64 = 64 << 10;
const PAGE: u64 = 4096;

/// Fills all of the VM's RAM again (a reboot): its image at the load offset, its initramfs
/// after the image's footprint, zeros everywhere else, all of it cleaned to memory (the guest
/// may start with its caches off). [`Vm::all_ready`] then maps what was not mapped.
pub fn load_image(config: &VmConfig, ram: AddressRange) -> Result<(), CreateError> {
    let image = super::fresh_ram::image_of(config)?;
    let offset = config.load_offset;
    let image_end = offset
        .checked_add(image.len() as u64)
        .filter(|&end| end <= ram.size);
    let image_end = image_end.ok_or(CreateError::ImageTooLarge)?;
    // The image may already lie at its place (put there by the boot loader): only the bytes
    // around it are cleared then.
    if image.as_ptr() as u64 != ram.base + offset {
        super::fresh_ram::copy_in(ram.base + offset, image);
    }
    crate::arch::aarch64::cpu::clean_dcache_range(ram.base + offset, image.len() as u64);
    clear(ram.base, 0, offset);
    let Some((ramdisk, ramdisk_offset)) = config.ramdisk.zip(config.ramdisk_offset()) else {
        clear(ram.base, image_end, ram.size);
        crate::arch::aarch64::cpu::invalidate_icache();
        return Ok(());
    };
    let ramdisk_end = ramdisk_offset
        .checked_add(ramdisk.size)
        .filter(|&end| end <= ram.size)
        .ok_or(CreateError::ImageTooLarge)?;
    clear(ram.base, image_end, ramdisk_offset);
    // SAFETY: validation checked the initramfs lies in RAM outside the hypervisor and every VM,
    // where the boot loader placed it, and that it fits in this VM's RAM after the image.
    let source =
        unsafe { core::slice::from_raw_parts(ramdisk.base as *const u8, ramdisk.size as usize) };
    super::fresh_ram::copy_in(ram.base + ramdisk_offset, source);
    crate::arch::aarch64::cpu::clean_dcache_range(ram.base + ramdisk_offset, ramdisk.size);
    clear(ram.base, ramdisk_end, ram.size);
    crate::arch::aarch64::cpu::invalidate_icache();
    Ok(())
}

/// Zeroes bytes `[start, end)` of the RAM at `base` and cleans them to memory: whole pages with
/// DC ZVA, a chunk at a time (this can take milliseconds: see `copy_in` for the heartbeat), the
/// partial pages at the ends with stores.
fn clear(base: u64, start: u64, end: u64) {
    let pages_start = start.next_multiple_of(PAGE).min(end);
    let pages_end = (end & !(PAGE - 1)).max(pages_start);
    for (from, to) in [(start, pages_start), (pages_end, end)] {
        if to > from {
            // SAFETY: the caller hands over this part of the VM's RAM (see `load_image`).
            unsafe { core::ptr::write_bytes((base + from) as *mut u8, 0, (to - from) as usize) };
            crate::arch::aarch64::cpu::clean_dcache_range(base + from, to - from);
        }
    }
    let mut at = pages_start;
    while at < pages_end {
        let chunk = (pages_end - at).min(CHUNK);
        crate::arch::aarch64::cpu::zero_and_clean(base + at, chunk);
        crate::arch::aarch64::cpu::pause();
        at += chunk;
    }
}

/// Where the device tree goes: below the image if it fits there, else at the top of RAM, above
/// the image's footprint and the initramfs.
fn dtb_placement(config: &VmConfig, length: u64) -> Option<u64> {
    if length <= config.load_offset {
        return Some(config.ipa_base);
    }
    let top = config.memory_size.checked_sub(length)? & !0xfff;
    (top >= config.loaded_end()?).then_some(config.ipa_base + top)
}

/// Copies the device tree into the VM's RAM at `ipa`.
pub fn write_dtb(config: &VmConfig, ram: AddressRange, dtb: &[u8], ipa: u64) {
    let offset = ipa - config.ipa_base;
    // SAFETY: `dtb_placement` put [ipa, ipa + len) inside the VM's RAM, clear of its image; the
    // RAM is the VM's alone and identity-mapped at EL2.
    unsafe {
        core::ptr::copy_nonoverlapping(dtb.as_ptr(), (ram.base + offset) as *mut u8, dtb.len())
    };
    crate::arch::aarch64::cpu::clean_dcache_range(ram.base + offset, dtb.len() as u64);
}

/// Builds every VM, reporting those that fail; returns the ones that were built.
pub fn create_all(configs: Vec<VmConfig>, gic_version: u8, config_blob: &[u8]) -> Vec<Vm> {
    let mut vms = Vec::new();
    for config in configs {
        let name = config.name.clone();
        match create(vms.len(), config, gic_version, config_blob) {
            Ok(vm) => {
                log::info!(
                    "vm {} '{}': cores {:?}, {} MiB at {:#x} (guest {:#x}), entry {:#x}",
                    vm.id,
                    vm.name,
                    vm.config.cpus,
                    vm.ram().size >> 20,
                    vm.ram().base,
                    vm.ipa_base,
                    vm.entry
                );
                crate::console::emit(
                    crate::console::event("vm_created")
                        .u64("vm", vm.id as u64)
                        .str("name", &vm.name)
                        .field("ram", crate::trace::Value::Hex(vm.ram().base))
                        .u64("size", vm.ram().size)
                        .field("entry", crate::trace::Value::Hex(vm.entry))
                        .u64("stage2_tables", vm.stage2.lock().table_count() as u64)
                        .field("dtb", crate::trace::Value::Hex(vm.dtb_ipa))
                        .u64("dtb_bytes", vm.dtb.len() as u64),
                );
                vms.push(vm);
            }
            Err(error) => log::error!("vm '{name}' not created: {error:?}"),
        }
    }
    vms
}
