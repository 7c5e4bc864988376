//! PSCI as a guest sees it: answered by the hypervisor, acting on the calling VM only.

/// PSCI return codes.
pub mod status {
    /// Success.
    pub const SUCCESS: i64 = 0;
    /// Function not implemented.
    pub const NOT_SUPPORTED: i64 = -1;
    /// Bad argument.
    pub const INVALID_PARAMETERS: i64 = -2;
    /// Not allowed for this caller.
    pub const DENIED: i64 = -3;
}

/// What the hypervisor must do after a guest PSCI call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsciAction {
    /// Return this value in x0 and resume the guest.
    Return(i64),
    /// Stop the calling VM (SYSTEM_OFF).
    StopVm,
    /// Restart the calling VM from its image (SYSTEM_RESET).
    ResetVm,
    /// Power off the calling vCPU (CPU_OFF).
    StopVcpu,
}

/// True when `function` is a PSCI function ID (standard secure service range 0x84/0xC4, 0-0x1f).
pub fn is_psci(function: u64) -> bool {
    matches!(function & 0xffff_ffe0, 0x8400_0000 | 0xC400_0000)
}

/// PSCI version the hypervisor reports: 1.1.
pub const VERSION: i64 = 0x0001_0001;

/// Decides a guest PSCI call. Calls that start or query other vCPUs are not offered yet.
pub fn handle(function: u64, query: u64) -> PsciAction {
    match function as u32 {
        0x8400_0000 => PsciAction::Return(VERSION),
        0x8400_0002 => PsciAction::StopVcpu,
        0x8400_0008 => PsciAction::StopVm,
        0x8400_0009 => PsciAction::ResetVm,
        0x8400_000A => PsciAction::Return(match query as u32 {
            0x8400_0000 | 0x8400_0002 | 0x8400_0008 | 0x8400_0009 | 0x8400_000A => status::SUCCESS,
            _ => status::NOT_SUPPORTED,
        }),
        _ => PsciAction::Return(status::NOT_SUPPORTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_for_the_vm_only() {
        assert!(is_psci(0x8400_0008) && is_psci(0xC400_0003) && !is_psci(0xC600_0000));
        assert_eq!(handle(0x8400_0000, 0), PsciAction::Return(VERSION));
        assert_eq!(handle(0x8400_0008, 0), PsciAction::StopVm);
        assert_eq!(handle(0x8400_0009, 0), PsciAction::ResetVm);
        assert_eq!(handle(0x8400_000A, 0x8400_0008), PsciAction::Return(0));
        assert_eq!(handle(0x8400_000A, 0xC400_0003), PsciAction::Return(-1));
        assert_eq!(handle(0xC400_0003, 0), PsciAction::Return(status::NOT_SUPPORTED));
    }
}
