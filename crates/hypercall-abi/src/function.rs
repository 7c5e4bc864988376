//! Hypercall function IDs (SMCCC fast SMC64 calls, vendor-specific hypervisor service range).

/// Major version of this ABI; a guest refuses to run on a different major.
pub const ABI_VERSION_MAJOR: u64 = 0;
/// Minor version of this ABI; grows when functions are added.
pub const ABI_VERSION_MINOR: u64 = 3;

/// SMCCC bits: fast call (bit 31), SMC64 (bit 30), owning entity 6 (bits 29:24).
const BASE: u32 = 0xC600_0000;

/// The hypercalls Kairos implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// Returns `[major, minor, 0]`; never fails. Also the null hypercall for benchmarks.
    Version,
    /// Writes `x2` bytes at guest address `x1` to the VM's console line.
    ConsoleWrite,
    /// Writes the single byte in `x1` to the VM's console line.
    ConsolePutChar,
    /// Returns `[vm_id, vcpu_id, physical_core]` of the caller.
    WhoAmI,
    /// Returns the hypervisor's system counter frequency in `x1` (Hz) and the current count in `x2`.
    Clock,
    /// Registers the caller's real-time page (see [`crate::rt_page`]): `x1` = its guest-physical
    /// address (4 KiB aligned, [`crate::rt_page::RT_PAGE_SIZE`] bytes in guest RAM). The
    /// hypervisor copies the task set and scheduler from it; returns `[task count, page version,
    /// 0]`. Registering again replaces the task set and forgets earlier reports.
    RtRegister,
    /// Reports the affordable downtime at a scheduling event: `x1` = A in ns
    /// ([`crate::rt_page::RT_UNBOUNDED`] when unbounded), `x2` = the event time t_u in ns of the
    /// virtual counter, `x3` = the report's sequence number (strictly increasing), `x4` = the
    /// generation of the checkpoint committed at t_u (0 = none). Returns `[0; 3]`.
    RtReport,
    /// Sets the recovery point: `x1` = the guest-physical entry address a vCPU is restarted at
    /// after a blackout, `x2` = the value it receives in `x0`, `x3` = the generation of the
    /// checkpoint committed now (0 = none yet). Returns `[0; 3]`.
    RtCheckpoint,
    /// Reports one deadline miss: `x1` = task index, `x2` = the missed job's release time in ns,
    /// `x3` = the job's number (0 for the task's first job). Returns `[total misses reported by
    /// this VM, 0, 0]`.
    RtDeadlineMiss,
}

impl Function {
    /// Every function, for tables and tests.
    pub const ALL: [Function; 9] = [
        Function::Version,
        Function::ConsoleWrite,
        Function::ConsolePutChar,
        Function::WhoAmI,
        Function::Clock,
        Function::RtRegister,
        Function::RtReport,
        Function::RtCheckpoint,
        Function::RtDeadlineMiss,
    ];

    /// The 32-bit function ID the guest puts in `x0`.
    pub const fn id(self) -> u32 {
        BASE | match self {
            Function::Version => 0x00,
            Function::ConsoleWrite => 0x01,
            Function::ConsolePutChar => 0x02,
            Function::WhoAmI => 0x03,
            Function::Clock => 0x04,
            Function::RtRegister => 0x10,
            Function::RtReport => 0x11,
            Function::RtCheckpoint => 0x12,
            Function::RtDeadlineMiss => 0x13,
        }
    }

    /// Decodes `x0`; `None` for IDs outside this ABI (answered with `Error::NotSupported`).
    pub fn from_id(id: u64) -> Option<Function> {
        // A match, not a search: this is on every hypercall's path.
        if id >> 8 != u64::from(BASE >> 8) {
            return None;
        }
        Some(match id & 0xff {
            0x00 => Function::Version,
            0x01 => Function::ConsoleWrite,
            0x02 => Function::ConsolePutChar,
            0x03 => Function::WhoAmI,
            0x04 => Function::Clock,
            0x10 => Function::RtRegister,
            0x11 => Function::RtReport,
            0x12 => Function::RtCheckpoint,
            0x13 => Function::RtDeadlineMiss,
            _ => return None,
        })
    }

    /// A short name for logs and traces.
    pub const fn name(self) -> &'static str {
        match self {
            Function::Version => "version",
            Function::ConsoleWrite => "console_write",
            Function::ConsolePutChar => "console_putc",
            Function::WhoAmI => "who_am_i",
            Function::Clock => "clock",
            Function::RtRegister => "rt_register",
            Function::RtReport => "rt_report",
            Function::RtCheckpoint => "rt_checkpoint",
            Function::RtDeadlineMiss => "rt_deadline_miss",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_vendor_hypervisor_fast_smc64_and_unique() {
        for function in Function::ALL {
            let id = function.id();
            assert_eq!(id >> 31, 1, "fast call");
            assert_eq!((id >> 30) & 1, 1, "SMC64");
            assert_eq!((id >> 24) & 0x3f, 6, "vendor-specific hypervisor service");
            assert_eq!(Function::from_id(u64::from(id)), Some(function));
        }
        assert_eq!(Function::from_id(0x8400_0000), None, "PSCI is not ours");
        assert_eq!(Function::from_id(0xC600_00FF), None);
        assert_eq!(Function::from_id(u64::MAX), None);
    }

    #[test]
    fn real_time_functions_have_their_fixed_ids() {
        assert_eq!(Function::RtRegister.id(), 0xC600_0010);
        assert_eq!(Function::RtReport.id(), 0xC600_0011);
        assert_eq!(Function::RtCheckpoint.id(), 0xC600_0012);
        assert_eq!(Function::RtDeadlineMiss.id(), 0xC600_0013);
        let mut ids: std::vec::Vec<u32> = Function::ALL.iter().map(|f| f.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Function::ALL.len());
    }
}
