//! Hypercall function IDs (SMCCC fast SMC64 calls, vendor-specific hypervisor service range).

/// Major version of this ABI; a guest refuses to run on a different major.
pub const ABI_VERSION_MAJOR: u64 = 0;
/// Minor version of this ABI; grows when functions are added.
pub const ABI_VERSION_MINOR: u64 = 1;

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
}

impl Function {
    /// Every function, for tables and tests.
    pub const ALL: [Function; 5] = [
        Function::Version,
        Function::ConsoleWrite,
        Function::ConsolePutChar,
        Function::WhoAmI,
        Function::Clock,
    ];

    /// The 32-bit function ID the guest puts in `x0`.
    pub const fn id(self) -> u32 {
        BASE | match self {
            Function::Version => 0x00,
            Function::ConsoleWrite => 0x01,
            Function::ConsolePutChar => 0x02,
            Function::WhoAmI => 0x03,
            Function::Clock => 0x04,
        }
    }

    /// Decodes `x0`; `None` for IDs outside this ABI (answered with `Error::NotSupported`).
    pub fn from_id(id: u64) -> Option<Function> {
        Function::ALL
            .iter()
            .copied()
            .find(|function| u64::from(function.id()) == id)
    }

    /// A short name for logs and traces.
    pub const fn name(self) -> &'static str {
        match self {
            Function::Version => "version",
            Function::ConsoleWrite => "console_write",
            Function::ConsolePutChar => "console_putc",
            Function::WhoAmI => "who_am_i",
            Function::Clock => "clock",
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
        assert_eq!(Function::from_id(0xC600_00ff), None);
        assert_eq!(Function::from_id(u64::MAX), None);
    }
}
