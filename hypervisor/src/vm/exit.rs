//! Why a vCPU left the guest: the saved register frame and the decoded exit reason.
//!
//! Decoding is pure (it takes the syndrome values as numbers), so every case is host-tested.

pub use crate::arch::frame::{TrapFrame, SPSR_EL1H_MASKED};

/// A data abort's access, when the syndrome describes it (ISV set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmioAccess {
    /// Guest-physical address accessed.
    pub ipa: u64,
    /// Bytes accessed: 1, 2, 4 or 8.
    pub size: u8,
    /// True for a store.
    pub write: bool,
    /// The transfer register (31 = XZR).
    pub register: u8,
    /// Sign-extend a load.
    pub sign_extend: bool,
    /// The register is 64 bits wide (else 32).
    pub sixty_four: bool,
}

/// The decoded reason for leaving the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitReason {
    /// `hvc #imm` (AArch64).
    Hypercall { immediate: u16 },
    /// `smc #imm`, trapped by HCR_EL2.TSC; the guest must resume after it.
    SecureMonitorCall { immediate: u16 },
    /// WFI (`wfe == false`) or WFE trapped.
    WaitForInterrupt { wfe: bool },
    /// A stage-2 data abort the hypervisor can emulate (ISV set).
    Mmio(MmioAccess),
    /// A stage-2 data abort without a usable syndrome, or a permission/alignment fault.
    DataAbort { ipa: u64, write: bool, status: u8 },
    /// A stage-2 instruction abort: the guest jumped outside its memory.
    InstructionAbort { ipa: u64, status: u8 },
    /// A trapped MSR/MRS/system instruction.
    SystemRegister { iss: u32 },
    /// Anything else, by exception class.
    Other { class: u8, iss: u32 },
}

/// Exception class values of ESR_EL2.EC used here.
pub mod class {
    /// Trapped WFI/WFE.
    pub const WFX: u8 = 0x01;
    /// HVC from AArch64.
    pub const HVC64: u8 = 0x16;
    /// SMC from AArch64.
    pub const SMC64: u8 = 0x17;
    /// Trapped MSR, MRS or system instruction.
    pub const SYSREG: u8 = 0x18;
    /// Instruction abort from a lower EL.
    pub const IABT_LOWER: u8 = 0x20;
    /// Data abort from a lower EL.
    pub const DABT_LOWER: u8 = 0x24;
}

/// The exception class (ESR_EL2.EC) of a syndrome.
#[inline(always)]
pub fn class_of(esr: u64) -> u8 {
    ((esr >> 26) & 0x3f) as u8
}

/// The instruction-specific syndrome (ESR_EL2.ISS).
#[inline(always)]
pub fn iss_of(esr: u64) -> u32 {
    (esr & 0x1ff_ffff) as u32
}

/// The guest-physical address of a stage-2 abort, from FAR_EL2 and HPFAR_EL2.
#[inline(always)]
fn fault_ipa(far: u64, hpfar: u64) -> u64 {
    ((hpfar >> 4) & 0xff_ffff_ffff) << 12 | (far & 0xfff)
}

/// The access of a lower-EL data abort the hypervisor can emulate (ISV set, a translation or
/// access fault), straight from the syndrome; None for any other abort.
#[inline(always)]
pub fn mmio_access(esr: u64, far: u64, hpfar: u64) -> Option<MmioAccess> {
    let iss = iss_of(esr);
    let translation_or_access = matches!(iss & 0x3c, 0x04 | 0x08);
    (iss & (1 << 24) != 0 && translation_or_access).then(|| MmioAccess {
        ipa: fault_ipa(far, hpfar),
        size: 1 << ((iss >> 22) & 3),
        write: iss & (1 << 6) != 0,
        register: ((iss >> 16) & 0x1f) as u8,
        sign_extend: iss & (1 << 21) != 0,
        sixty_four: iss & (1 << 15) != 0,
    })
}

/// Decodes ESR_EL2 with FAR_EL2 and HPFAR_EL2 (read by the caller) into an exit reason.
pub fn decode(esr: u64, far: u64, hpfar: u64) -> ExitReason {
    decode_with(esr, || (far, hpfar))
}

/// [`decode`], reading FAR_EL2 and HPFAR_EL2 (through `fault_registers`) only for aborts, so
/// the hypercall path does not pay for them.
pub fn decode_with(esr: u64, fault_registers: impl FnOnce() -> (u64, u64)) -> ExitReason {
    let ec = class_of(esr);
    let iss = iss_of(esr);
    match ec {
        class::HVC64 => ExitReason::Hypercall {
            immediate: iss as u16,
        },
        class::SMC64 => ExitReason::SecureMonitorCall {
            immediate: iss as u16,
        },
        class::WFX => ExitReason::WaitForInterrupt { wfe: iss & 1 != 0 },
        class::SYSREG => ExitReason::SystemRegister { iss },
        class::IABT_LOWER => {
            let (far, hpfar) = fault_registers();
            ExitReason::InstructionAbort {
                ipa: fault_ipa(far, hpfar),
                status: (iss & 0x3f) as u8,
            }
        }
        class::DABT_LOWER => {
            let (far, hpfar) = fault_registers();
            match mmio_access(esr, far, hpfar) {
                Some(access) => ExitReason::Mmio(access),
                None => ExitReason::DataAbort {
                    ipa: fault_ipa(far, hpfar),
                    write: iss & (1 << 6) != 0,
                    status: (iss & 0x3f) as u8,
                },
            }
        }
        _ => ExitReason::Other { class: ec, iss },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esr(ec: u64, iss: u64) -> u64 {
        (ec << 26) | (1 << 25) | iss
    }

    #[test]
    fn decodes_calls_and_waits() {
        assert_eq!(
            decode(esr(0x16, 0), 0, 0),
            ExitReason::Hypercall { immediate: 0 }
        );
        assert_eq!(
            decode(esr(0x17, 7), 0, 0),
            ExitReason::SecureMonitorCall { immediate: 7 }
        );
        assert_eq!(
            decode(esr(0x01, 1), 0, 0),
            ExitReason::WaitForInterrupt { wfe: true }
        );
        assert_eq!(
            decode(esr(0x01, 0), 0, 0),
            ExitReason::WaitForInterrupt { wfe: false }
        );
    }

    #[test]
    fn decodes_an_emulatable_store() {
        // ISV, SAS = word (2), SRT = x3, WnR, translation fault level 3.
        let iss = (1 << 24) | (2 << 22) | (3 << 16) | (1 << 6) | 0x07;
        let reason = decode(esr(0x24, iss), 0x0900_0018, 0x0090_0000 << 4 >> 12 << 4);
        let ExitReason::Mmio(access) = reason else {
            panic!("{reason:?}")
        };
        assert_eq!(access.size, 4);
        assert!(access.write);
        assert_eq!(access.register, 3);
        assert_eq!(access.ipa & 0xfff, 0x018);
    }

    #[test]
    fn computes_the_ipa_from_hpfar_and_far() {
        let hpfar = (0x0801_0000u64 >> 12) << 4;
        let reason = decode(esr(0x24, 0x07), 0xdead_0abc, hpfar);
        assert_eq!(
            reason,
            ExitReason::DataAbort {
                ipa: 0x0801_0abc,
                write: false,
                status: 7
            }
        );
    }

    #[test]
    fn permission_faults_are_not_emulated() {
        let iss = (1 << 24) | (2 << 22) | 0x0f; // permission fault, level 3
        assert!(matches!(
            decode(esr(0x24, iss), 0, 0),
            ExitReason::DataAbort { status: 0x0f, .. }
        ));
    }

    #[test]
    fn frame_registers() {
        let mut frame = TrapFrame::boot(0x4008_0000, 0x4000_0000);
        assert_eq!(frame.reg(0), 0x4000_0000);
        frame.set_reg(31, 5);
        assert_eq!(frame.reg(31), 0);
        assert_eq!(frame.spsr, SPSR_EL1H_MASKED);
    }
}
