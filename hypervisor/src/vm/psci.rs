//! PSCI as a guest sees it: answered by the hypervisor, acting on the calling VM only.
//!
//! A VM may start, stop and query its own vCPUs; SYSTEM_OFF and SYSTEM_RESET act on the VM
//! alone. Nothing a guest passes here reaches the firmware.

/// PSCI return codes.
pub mod status {
    /// Success.
    pub const SUCCESS: i64 = 0;
    /// Function not implemented.
    pub const NOT_SUPPORTED: i64 = -1;
    /// Bad argument (for CPU_ON: a core that is not one of the VM's vCPUs).
    pub const INVALID_PARAMETERS: i64 = -2;
    /// Not allowed for this caller.
    pub const DENIED: i64 = -3;
    /// CPU_ON of a vCPU that is already on.
    pub const ALREADY_ON: i64 = -4;
    /// CPU_ON of a vCPU whose start is already pending.
    pub const ON_PENDING: i64 = -5;
    /// CPU_ON with an entry point outside the VM's memory.
    pub const INVALID_ADDRESS: i64 = -9;
}

/// PSCI function IDs answered for guests.
pub mod function {
    /// PSCI_VERSION.
    pub const VERSION: u32 = 0x8400_0000;
    /// CPU_OFF.
    pub const CPU_OFF: u32 = 0x8400_0002;
    /// CPU_ON, 32- and 64-bit.
    pub const CPU_ON_32: u32 = 0x8400_0003;
    /// CPU_ON (SMC64).
    pub const CPU_ON_64: u32 = 0xC400_0003;
    /// AFFINITY_INFO, 32- and 64-bit.
    pub const AFFINITY_INFO_32: u32 = 0x8400_0004;
    /// AFFINITY_INFO (SMC64).
    pub const AFFINITY_INFO_64: u32 = 0xC400_0004;
    /// SYSTEM_OFF.
    pub const SYSTEM_OFF: u32 = 0x8400_0008;
    /// SYSTEM_RESET.
    pub const SYSTEM_RESET: u32 = 0x8400_0009;
    /// PSCI_FEATURES.
    pub const FEATURES: u32 = 0x8400_000A;
}

/// State of a vCPU as PSCI reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VcpuPower {
    /// Running.
    On,
    /// Off (never started, or CPU_OFF).
    Off,
    /// CPU_ON accepted, not yet running.
    OnPending,
}

/// The calling VM's vCPUs, as PSCI needs them.
pub trait VcpuTable {
    /// Number of vCPUs.
    fn count(&self) -> usize;
    /// Power state of vCPU `index`.
    fn power(&self, index: usize) -> VcpuPower;
    /// True when `ipa` is an executable address in the VM's RAM.
    fn valid_entry(&self, ipa: u64) -> bool;
}

/// What the hypervisor must do after a guest PSCI call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsciAction {
    /// Return this value in x0 and resume the guest.
    Return(i64),
    /// Start vCPU `vcpu` at `entry` with x0 = `context`; return SUCCESS to the caller.
    StartVcpu {
        vcpu: usize,
        entry: u64,
        context: u64,
    },
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

/// The vCPU index named by an MPIDR argument (Aff0 only; the VM's vCPUs are 0..n on Aff0).
fn target_index(mpidr: u64) -> Option<usize> {
    (mpidr & 0xff_00ff_ff00 == 0).then_some((mpidr & 0xff) as usize)
}

/// Decides a guest PSCI call with arguments `x1..x3`.
pub fn handle(function: u64, args: [u64; 3], vcpus: &dyn VcpuTable) -> PsciAction {
    use function::*;
    match function as u32 {
        VERSION => PsciAction::Return(self::VERSION),
        CPU_OFF => PsciAction::StopVcpu,
        SYSTEM_OFF => PsciAction::StopVm,
        SYSTEM_RESET => PsciAction::ResetVm,
        CPU_ON_32 | CPU_ON_64 => {
            let Some(vcpu) = target_index(args[0]).filter(|&v| v < vcpus.count()) else {
                return PsciAction::Return(status::INVALID_PARAMETERS);
            };
            match vcpus.power(vcpu) {
                VcpuPower::On => PsciAction::Return(status::ALREADY_ON),
                VcpuPower::OnPending => PsciAction::Return(status::ON_PENDING),
                VcpuPower::Off if !vcpus.valid_entry(args[1]) => {
                    PsciAction::Return(status::INVALID_ADDRESS)
                }
                VcpuPower::Off => PsciAction::StartVcpu {
                    vcpu,
                    entry: args[1],
                    context: args[2],
                },
            }
        }
        AFFINITY_INFO_32 | AFFINITY_INFO_64 => {
            if args[1] != 0 {
                return PsciAction::Return(status::INVALID_PARAMETERS);
            }
            match target_index(args[0]).filter(|&v| v < vcpus.count()) {
                None => PsciAction::Return(status::INVALID_PARAMETERS),
                Some(vcpu) => PsciAction::Return(match vcpus.power(vcpu) {
                    VcpuPower::On => 0,
                    VcpuPower::Off => 1,
                    VcpuPower::OnPending => 2,
                }),
            }
        }
        FEATURES => PsciAction::Return(match args[0] as u32 {
            VERSION | CPU_OFF | CPU_ON_32 | CPU_ON_64 | AFFINITY_INFO_32 | AFFINITY_INFO_64
            | SYSTEM_OFF | SYSTEM_RESET | FEATURES => status::SUCCESS,
            _ => status::NOT_SUPPORTED,
        }),
        _ => PsciAction::Return(status::NOT_SUPPORTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two([VcpuPower; 2]);
    impl VcpuTable for Two {
        fn count(&self) -> usize {
            2
        }
        fn power(&self, index: usize) -> VcpuPower {
            self.0[index]
        }
        fn valid_entry(&self, ipa: u64) -> bool {
            (0x4000_0000..0x4100_0000).contains(&ipa)
        }
    }

    const VM: Two = Two([VcpuPower::On, VcpuPower::Off]);

    #[test]
    fn answers_for_the_vm_only() {
        assert!(is_psci(0x8400_0008) && is_psci(0xC400_0003) && !is_psci(0xC600_0000));
        assert_eq!(
            handle(0x8400_0000, [0; 3], &VM),
            PsciAction::Return(VERSION)
        );
        assert_eq!(handle(0x8400_0008, [0; 3], &VM), PsciAction::StopVm);
        assert_eq!(handle(0x8400_0009, [0; 3], &VM), PsciAction::ResetVm);
        assert_eq!(
            handle(0x8400_000A, [0x8400_0008, 0, 0], &VM),
            PsciAction::Return(0)
        );
        assert_eq!(
            handle(0x8400_000A, [0xC400_0012, 0, 0], &VM),
            PsciAction::Return(-1)
        );
        assert_eq!(
            handle(0xC400_0012, [0; 3], &VM),
            PsciAction::Return(status::NOT_SUPPORTED)
        );
    }

    #[test]
    fn cpu_on_starts_only_own_offline_vcpus_at_valid_entries() {
        let start = handle(0xC400_0003, [1, 0x4008_0000, 7], &VM);
        assert_eq!(
            start,
            PsciAction::StartVcpu {
                vcpu: 1,
                entry: 0x4008_0000,
                context: 7
            }
        );
        assert_eq!(
            handle(0xC400_0003, [0, 0x4008_0000, 0], &VM),
            PsciAction::Return(status::ALREADY_ON)
        );
        assert_eq!(
            handle(0xC400_0003, [2, 0x4008_0000, 0], &VM),
            PsciAction::Return(status::INVALID_PARAMETERS)
        );
        assert_eq!(
            handle(0xC400_0003, [0x100, 0x4008_0000, 0], &VM),
            PsciAction::Return(status::INVALID_PARAMETERS)
        );
        assert_eq!(
            handle(0xC400_0003, [1, 0x1000, 0], &VM),
            PsciAction::Return(status::INVALID_ADDRESS)
        );
    }

    #[test]
    fn affinity_info_reports_power_states() {
        assert_eq!(handle(0xC400_0004, [0, 0, 0], &VM), PsciAction::Return(0));
        assert_eq!(handle(0xC400_0004, [1, 0, 0], &VM), PsciAction::Return(1));
        assert_eq!(
            handle(0xC400_0004, [5, 0, 0], &VM),
            PsciAction::Return(status::INVALID_PARAMETERS)
        );
        assert_eq!(
            handle(0xC400_0004, [0, 1, 0], &VM),
            PsciAction::Return(status::INVALID_PARAMETERS)
        );
    }
}
