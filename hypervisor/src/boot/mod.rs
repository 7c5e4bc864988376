//! Boot on every core: the primary discovers the platform, loads the partition config, starts
//! the secondaries and builds the VMs; every core then runs its vCPU or idles.

mod config;
mod smp;

use crate::arch::aarch64::{cpu, exception, mmu, percpu, psci};
use crate::mm::AddressRange;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

extern "C" {
    static __image_start: u8;
    static __image_end: u8;
}

/// Physical range of the hypervisor image, BSS, stacks and heap included.
pub fn image_range() -> AddressRange {
    // SAFETY: only the addresses of linker symbols are taken.
    let (start, end) = unsafe {
        (
            &__image_start as *const u8 as u64,
            &__image_end as *const u8 as u64,
        )
    };
    AddressRange::new(start, end - start)
}

/// Rust entry of the boot core (from `entry.rs`), MMU off, x0 = DTB.
#[no_mangle]
pub extern "C" fn kairos_primary_main(dtb: u64) -> ! {
    mmu::build_early_table(image_range().base, dtb);
    mmu::enable_early();
    exception::install_vectors();
    crate::heap::init();
    cpu::enable_event_stream(10);

    // SAFETY: the boot loader hands over a DTB at x0; its header gives its size, checked below.
    let blob = unsafe { dtb_slice(dtb) };
    let platform = match blob.map(platform::Platform::from_dtb) {
        Some(Ok(platform)) => platform,
        Some(Err(error)) => unusable_dtb(blob, dtb, &error),
        None => unusable_dtb(
            None,
            dtb,
            &"no flattened device tree there (bad magic or size)",
        ),
    };
    let mpidr = cpu::mpidr();
    let me = platform
        .cpu_index(mpidr)
        .unwrap_or(0)
        .min(percpu::MAX_CPUS - 1);
    crate::machine::set_boot_core(me);
    percpu::install(me, mpidr, true);
    if let Some(console) = &platform.console {
        // SAFETY: the console's registers come from the DTB and are mapped as device memory by
        // the early map (everything outside the image's and DTB's gigabyte); nothing else uses it.
        if let Some(uart) = unsafe { crate::drivers::uart::Uart::from_console(console) } {
            crate::console::init(uart);
        }
    }
    crate::console::init_logger();
    psci::set_conduit(platform.psci.as_ref());
    let platform = crate::machine::set_platform(platform);
    announce(platform, dtb);

    let table = alloc::boxed::Box::leak(alloc::boxed::Box::new(mmu::build_final_table(
        &platform.memory,
    )));
    mmu::switch(table.root_address());
    mmu::publish_root(table.root_address());
    percpu::current().set_state(percpu::CoreState::Online);
    crate::console::emit(
        crate::console::event("cpu_online")
            .u64("mpidr", mpidr)
            .u64("el", 2),
    );

    crate::drivers::gic::init(platform);
    init_interrupts_this_core();
    smp::start_secondaries(platform, me);
    let (configs, health, config_blob) = config::load(platform, blob.unwrap_or(&[]), dtb);
    let gic_version = match platform.gic {
        platform::Gic::V2 { .. } => 2,
        platform::Gic::V3 { .. } => 3,
    };
    let vms = crate::vm::create_all(configs, gic_version, config_blob);
    if vms.is_empty() {
        log::error!("no VM could be started");
    }
    crate::health::configure(&health, platform.cpus.len(), ledger_of(platform, &vms));
    if health.migration == partition_config::MigrationMode::Copy {
        reserve_copy_regions(platform, &vms, dtb, blob.map_or(0, |b| b.len() as u64));
    }
    crate::vm::table::publish(vms);
    crate::run::start()
}

/// The failure protocol's first ledger: every core healthy, every vCPU resident on its core.
fn ledger_of(platform: &platform::Platform, vms: &[crate::vm::Vm]) -> failover::Ledger {
    let mut ledger = failover::Ledger::new(platform.cpus.len().min(percpu::MAX_CPUS));
    for vm in vms {
        for (vcpu, slot) in vm.vcpus.iter().enumerate() {
            if let Err(refusal) = ledger.add_guest(vm.id, vcpu, slot.core()) {
                log::error!(
                    "vm '{}' vcpu {vcpu}: not in the failure ledger ({refusal:?}); it will not be moved if its core fails",
                    vm.name
                );
            }
        }
    }
    ledger
}

/// The boot loader's DTB cannot be used: say why on its console if it names one, and through
/// semihosting (QEMU `-semihosting`, ending the run with status 1), then halt.
fn unusable_dtb(blob: Option<&'static [u8]>, dtb: u64, error: &dyn core::fmt::Display) -> ! {
    let message =
        alloc::format!("Kairos: cannot use the platform DTB at {dtb:#x}: {error}; halted");
    let console = blob.and_then(|blob| platform::Platform::console_of(blob).ok().flatten());
    if let Some(uart) = console.and_then(|console| {
        // SAFETY: as for the console in `primary_main`: its registers come from the DTB and the
        // early map covers them as device memory; nothing else drives it.
        unsafe { crate::drivers::uart::Uart::from_console(&console) }
    }) {
        crate::console::init(uart);
        crate::console::write_line(&message);
    }
    crate::arch::aarch64::semihosting::write(&alloc::format!("{message}\n"));
    crate::arch::aarch64::semihosting::exit(1);
    cpu::park()
}

/// Copy migration: a region as large as the largest VM for every core that runs none.
fn reserve_copy_regions(
    platform: &platform::Platform,
    vms: &[crate::vm::Vm],
    dtb: u64,
    dtb_size: u64,
) {
    let cores = platform.cpus.len().min(percpu::MAX_CPUS);
    let spares: Vec<usize> = (0..cores)
        .filter(|&core| !vms.iter().any(|vm| vm.runs_on(core)))
        .collect();
    let mut taken: Vec<AddressRange> = vms.iter().map(|vm| vm.ram()).collect();
    taken.extend_from_slice(&platform.reserved);
    taken.extend(platform.initrd);
    taken.push(image_range());
    taken.push(AddressRange::new(dtb, dtb_size));
    let size = vms.iter().map(|vm| vm.ram().size).max().unwrap_or(0);
    crate::migration::copy::reserve(&spares, &platform.memory, &taken, size);
}

/// Rust entry of a secondary core, MMU off, on its own stack.
#[no_mangle]
pub extern "C" fn kairos_secondary_main(id: usize) -> ! {
    mmu::enable(mmu::EL2_ROOT.load(Ordering::Acquire));
    exception::install_vectors();
    cpu::enable_event_stream(10);
    let mpidr = cpu::mpidr();
    percpu::install(id, mpidr, false);
    init_interrupts_this_core();
    percpu::current().set_state(percpu::CoreState::Online);
    crate::console::emit(
        crate::console::event("cpu_online")
            .u64("mpidr", mpidr)
            .u64("el", current_el()),
    );
    log::debug!("core {id} online (mpidr {mpidr:#x})");
    crate::run::start()
}

/// This core's GIC CPU interface, virtual interface and hypervisor timer (after `gic::init`).
fn init_interrupts_this_core() {
    use crate::arch::aarch64::timer;
    crate::arch::aarch64::regs::route_interrupts_to_el2();
    crate::drivers::gic::init_this_core();
    let intid = crate::machine::platform()
        .and_then(|platform| platform.timer.as_ref())
        .map_or(timer::intid(), |timer| timer.hyp_phys_irq);
    timer::init_this_core(intid);
    if let Some(gic) = crate::drivers::gic::get() {
        let core = percpu::current_id();
        gic.set_priority(intid, core, crate::drivers::gic::TIMER_PRIORITY);
        gic.enable(intid, core);
    }
}

fn current_el() -> u64 {
    let value: u64;
    // SAFETY: reading CurrentEL has no side effects.
    unsafe { core::arch::asm!("mrs {}, CurrentEL", out(reg) value) };
    (value >> 2) & 3
}

/// The DTB at `address` as a slice bounded by its header's `totalsize` (at most 2 MiB).
///
/// # Safety
/// `address` must be readable memory (the early map covers the DTB's gigabyte as normal memory).
unsafe fn dtb_slice(address: u64) -> Option<&'static [u8]> {
    if address == 0 || !address.is_multiple_of(8) {
        return None;
    }
    // SAFETY: the caller guarantees the header is readable.
    let header = unsafe { core::slice::from_raw_parts(address as *const u8, 8) };
    if header[..4] != [0xd0, 0x0d, 0xfe, 0xed] {
        return None;
    }
    let size = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if !(40..=2 << 20).contains(&size) {
        return None;
    }
    // SAFETY: the header says the blob is `size` bytes long, all within the DTB the loader gave.
    Some(unsafe { core::slice::from_raw_parts(address as *const u8, size) })
}

fn announce(platform: &platform::Platform, dtb: u64) {
    let image = image_range();
    log::info!(
        "Kairos {} (board {}) on '{}': {} cores, EL{}, image {:#x}..{:#x}, DTB at {dtb:#x}",
        env!("CARGO_PKG_VERSION"),
        env!("KAIROS_BOARD"),
        platform.model,
        platform.cpus.len(),
        current_el(),
        image.base,
        image.end(),
    );
    crate::console::emit(
        crate::console::event("boot")
            .str("version", env!("CARGO_PKG_VERSION"))
            .str("board", env!("KAIROS_BOARD"))
            .str("model", &platform.model)
            .u64("cpus", platform.cpus.len() as u64)
            .u64("el", current_el())
            .str(
                "gic",
                match platform.gic {
                    platform::Gic::V2 { .. } => "v2",
                    platform::Gic::V3 { .. } => "v3",
                },
            )
            .u64("counter_hz", cpu::counter_frequency()),
    );
}
