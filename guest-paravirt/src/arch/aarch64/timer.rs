//! The EL1 virtual timer and counter: read the time, and sleep in WFI until a deadline.
//!
//! Every wait of the guest goes through [`sleep_until`] or [`wait_until_ns`]; should the
//! hypervisor deliver the virtual timer as an interrupt instead of trapping WFI, only this
//! module changes.

use aarch64_cpu::{
    asm::{self, barrier},
    registers::{Readable, Writeable, CNTFRQ_EL0, CNTVCT_EL0, CNTV_CTL_EL0, CNTV_CVAL_EL0},
};

/// The virtual counter now (CNTVCT_EL0), read after earlier instructions have completed.
pub fn now() -> u64 {
    barrier::isb(barrier::SY);
    CNTVCT_EL0.get()
}

/// The counter frequency in Hz (CNTFRQ_EL0, set by firmware or the hypervisor; 0 if unset).
pub fn frequency_hz() -> u64 {
    CNTFRQ_EL0.get()
}

/// Waits until the virtual counter reaches `deadline`, sleeping in WFI instead of spinning.
///
/// Arms the virtual timer at `deadline` with its interrupt masked at the timer (IMASK), so no
/// interrupt controller or handler is needed. This relies on the Kairos hypervisor trapping WFI
/// (HCR_EL2.TWI) and resuming the vCPU once an enabled virtual timer's condition is met, mask or
/// not: the architecture itself wakes WFI on an asserted interrupt only, and a masked timer
/// asserts none (on QEMU without Kairos this waits forever). Any early wake-up goes back to
/// sleep. The timer is disabled again before returning.
pub fn sleep_until(deadline: u64) {
    CNTV_CVAL_EL0.set(deadline);
    CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::SET + CNTV_CTL_EL0::IMASK::SET);
    barrier::isb(barrier::SY);
    while now() < deadline {
        asm::wfi();
    }
    CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::CLEAR + CNTV_CTL_EL0::IMASK::SET);
}

/// The virtual counter now, in nanoseconds (see [`crate::time::ns_from_ticks`]).
pub fn now_ns() -> u64 {
    crate::time::ns_from_ticks(frequency_hz(), now())
}

/// Sleeps until the virtual counter reaches `deadline_ns` nanoseconds (returns at once if it
/// has). Waiting for [`u64::MAX`] is refused: it returns at once.
pub fn sleep_until_ns(deadline_ns: u64) {
    if deadline_ns == u64::MAX || now_ns() >= deadline_ns {
        return;
    }
    sleep_until(crate::time::ticks_from_ns(frequency_hz(), deadline_ns));
}

/// Waits for `deadline_ns` in one WFI at most, like [`sleep_until`] but returning on any wake-up:
/// the deadline, an interrupt, the end of a span during which the hypervisor switched the vCPU
/// out, or a spurious one. Returns whether the counter has reached the deadline (read before
/// returning, so anything the caller reads afterwards is at least as recent). Waiting for
/// [`u64::MAX`] is refused: it returns false at once.
pub fn wait_until_ns(deadline_ns: u64) -> bool {
    if deadline_ns == u64::MAX {
        return false;
    }
    let deadline = crate::time::ticks_from_ns(frequency_hz(), deadline_ns);
    if now() >= deadline {
        return true;
    }
    CNTV_CVAL_EL0.set(deadline);
    CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::SET + CNTV_CTL_EL0::IMASK::SET);
    barrier::isb(barrier::SY);
    if now() < deadline {
        asm::wfi();
    }
    CNTV_CTL_EL0.write(CNTV_CTL_EL0::ENABLE::CLEAR + CNTV_CTL_EL0::IMASK::SET);
    now() >= deadline
}

/// The smallest counter delta around `work` over `rounds` runs, less the cost of reading the
/// counter twice: what a benchmark reports when the question is the cost without interference.
pub fn smallest_delta(rounds: usize, mut work: impl FnMut()) -> u64 {
    let empty = (0..rounds)
        .map(|_| {
            let start = now();
            now() - start
        })
        .min()
        .unwrap_or(0);
    let best = (0..rounds)
        .map(|_| {
            let start = now();
            work();
            now() - start
        })
        .min()
        .unwrap_or(0);
    best.saturating_sub(empty)
}
