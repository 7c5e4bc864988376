//! A VM's vCPU slots: power state and pending start request, shared between the cores of the VM
//! (CPU_ON on one core starts a vCPU waiting on another).

use super::psci::VcpuPower;
use core::sync::atomic::{AtomicU8, Ordering};

/// One vCPU's power state and start request.
pub struct VcpuSlot {
    /// The physical core it runs on (changes when it migrates).
    core: core::sync::atomic::AtomicUsize,
    power: AtomicU8,
    start: spin::Mutex<Option<(u64, u64)>>,
}

impl VcpuSlot {
    /// An off vCPU placed on `core`.
    pub const fn new(core: usize) -> Self {
        VcpuSlot {
            core: core::sync::atomic::AtomicUsize::new(core),
            power: AtomicU8::new(1),
            start: spin::Mutex::new(None),
        }
    }

    /// The core it runs on.
    pub fn core(&self) -> usize {
        self.core.load(Ordering::Acquire)
    }

    /// Moves it to `core`.
    pub fn set_core(&self, core: usize) {
        self.core.store(core, Ordering::Release);
    }

    /// Its power state.
    pub fn power(&self) -> VcpuPower {
        match self.power.load(Ordering::Acquire) {
            0 => VcpuPower::On,
            2 => VcpuPower::OnPending,
            _ => VcpuPower::Off,
        }
    }

    /// Records a new power state.
    pub fn set_power(&self, power: VcpuPower) {
        let value = match power {
            VcpuPower::On => 0,
            VcpuPower::Off => 1,
            VcpuPower::OnPending => 2,
        };
        self.power.store(value, Ordering::Release);
    }

    /// Asks the vCPU's core to start it at `entry` with x0 = `context`.
    pub fn request_start(&self, entry: u64, context: u64) {
        *self.start.lock() = Some((entry, context));
        self.set_power(VcpuPower::OnPending);
    }

    /// Takes a pending start request, if any.
    pub fn take_start(&self) -> Option<(u64, u64)> {
        self.start.lock().take()
    }
}
