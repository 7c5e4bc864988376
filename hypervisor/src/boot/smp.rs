//! Starting the secondary cores: PSCI CPU_ON or spin-table release, as each cpu node says.

use crate::arch::aarch64::{cpu, percpu, psci};
use core::sync::atomic::Ordering;

extern "C" {
    fn kairos_secondary_entry();
}

/// How long the boot core waits for all secondaries to report online.
const ONLINE_TIMEOUT_NS: u64 = 500_000_000;

/// Starts every core of the platform but `me`, and waits until they are online or time out.
pub fn start_secondaries(platform: &platform::Platform, me: usize) {
    let count = platform.cpus.len().min(percpu::MAX_CPUS);
    if platform.cpus.len() > percpu::MAX_CPUS {
        log::warn!(
            "platform has {} cores; Kairos drives the first {}",
            platform.cpus.len(),
            percpu::MAX_CPUS
        );
    }
    for (id, core) in platform.cpus.iter().take(count).enumerate() {
        percpu::MPIDR_TABLE[id].store(core.mpidr & 0xff_00ff_ffff, Ordering::Relaxed);
    }
    cpu::clean_dcache_range(
        percpu::MPIDR_TABLE.as_ptr() as u64,
        core::mem::size_of_val(&percpu::MPIDR_TABLE) as u64,
    );
    let entry = kairos_secondary_entry as *const () as u64;
    let mut started = 0;
    for (id, core) in platform.cpus.iter().take(count).enumerate() {
        if id == me {
            continue;
        }
        let ok = match core.enable {
            platform::EnableMethod::Psci if psci::present() => {
                let status = psci::cpu_on(core.mpidr, entry, 0);
                if status != 0 {
                    log::error!(
                        "core {id} (mpidr {:#x}): PSCI CPU_ON failed with {status}",
                        core.mpidr
                    );
                }
                status == 0
            }
            platform::EnableMethod::SpinTable { release_addr } => {
                // SAFETY: the DT names this address as the core's release slot; the firmware's
                // spin code reads it, and it lies in RAM mapped one to one.
                unsafe { (release_addr as *mut u64).write_volatile(entry) };
                cpu::clean_dcache_range(release_addr, 8);
                cpu::send_event();
                true
            }
            _ => {
                log::error!("core {id} (mpidr {:#x}): no way to start it", core.mpidr);
                false
            }
        };
        if ok {
            started += 1;
        } else {
            crate::console::emit(
                crate::console::event("cpu_error")
                    .u64("cpu", id as u64)
                    .u64("mpidr", core.mpidr),
            );
        }
    }
    let online = || {
        (0..count)
            .filter(|&id| percpu::of(id).state() != percpu::CoreState::Off)
            .count()
    };
    if !cpu::wait_until(ONLINE_TIMEOUT_NS, || online() > started) {
        log::error!("only {} of {} cores came online", online(), started + 1);
    }
    // Each core says so in its `cpu_online` event: a line for people only when cores are missing.
    let level = if online() == count {
        log::Level::Debug
    } else {
        log::Level::Warn
    };
    log::log!(level, "{} of {} cores online at EL2", online(), count);
}
