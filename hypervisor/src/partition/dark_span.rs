//! Telling a guest about time it did not get: a dark span appended to the supply log of its
//! real-time page (before it runs again), which its RTOS replays as a blackout.

use core::mem::offset_of;
use hypercall_abi::rt_page::{RtSpan, RtSupply, RT_SUPPLY_OFFSET};

/// Appends `[start_ns, end_ns)` to the VM's supply log, if its RTOS registered a real-time page.
/// A page the guest made unwritable or garbled is its own problem: the span is then lost, and
/// logged.
pub fn log(vm: &crate::vm::Vm, start_ns: u64, end_ns: u64) {
    let Some(page) = vm.realtime.page_ipa() else {
        return;
    };
    // `sequence` and `stolen_ns`, the words before the ring.
    let mut header = [0u8; offset_of!(RtSupply, spans)];
    let at = page + RT_SUPPLY_OFFSET as u64;
    if vm.read_guest(at, &mut header).is_err() {
        log::warn!("vm '{}': its supply log is unreadable; span lost", vm.name);
        return;
    }
    let word = |i: usize| u64::from_le_bytes(header[i..i + 8].try_into().unwrap_or([0; 8]));
    let (sequence, stolen_ns) = (
        word(offset_of!(RtSupply, sequence)),
        word(offset_of!(RtSupply, stolen_ns)),
    );
    let write = super::supply_log::append(sequence, stolen_ns, RtSpan { start_ns, end_ns });
    let mut written = true;
    for (offset, value) in write.span.into_iter().chain([write.stolen]) {
        written &= vm
            .write_guest(page + offset as u64, &value.to_le_bytes())
            .is_ok();
    }
    // SAFETY: a barrier only orders the stores above before the sequence below.
    unsafe { core::arch::asm!("dmb ishst", options(nostack)) };
    let (offset, value) = write.sequence;
    written &= vm
        .write_guest(page + offset as u64, &value.to_le_bytes())
        .is_ok();
    if !written {
        log::warn!("vm '{}': its supply log is unwritable; span lost", vm.name);
    }
}
