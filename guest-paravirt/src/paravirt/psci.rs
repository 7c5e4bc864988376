//! PSCI (Arm DEN 0022) calls to the hypervisor's virtual firmware through `smc #0`.

/// PSCI_VERSION: returns the implemented PSCI version.
pub const PSCI_VERSION: u32 = 0x8400_0000;
/// CPU_OFF: powers the calling vCPU down; returns only on failure.
pub const CPU_OFF: u32 = 0x8400_0002;
/// SYSTEM_OFF: powers the whole VM down; never returns.
pub const SYSTEM_OFF: u32 = 0x8400_0008;

/// A PSCI version, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PsciVersion {
    /// Bits 31:16 of the result.
    pub major: u16,
    /// Bits 15:0 of the result.
    pub minor: u16,
}

impl PsciVersion {
    /// Decodes what PSCI_VERSION returned in `w0`.
    pub fn from_result(result: i32) -> Result<PsciVersion, PsciError> {
        if result < 0 {
            return Err(PsciError::from_code(result));
        }
        Ok(PsciVersion {
            major: (result >> 16) as u16,
            minor: result as u16,
        })
    }
}

/// Why a PSCI call was refused (PSCI return codes, negative in `w0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsciError {
    /// NOT_SUPPORTED (-1), also used for codes this guest does not know.
    NotSupported,
    /// INVALID_PARAMETERS (-2).
    InvalidParameters,
    /// DENIED (-3).
    Denied,
    /// ALREADY_ON (-4).
    AlreadyOn,
    /// ON_PENDING (-5).
    OnPending,
    /// INTERNAL_FAILURE (-6).
    InternalFailure,
    /// NOT_PRESENT (-7).
    NotPresent,
    /// DISABLED (-8).
    Disabled,
    /// INVALID_ADDRESS (-9).
    InvalidAddress,
}

impl PsciError {
    /// The error a negative PSCI return code names.
    pub fn from_code(code: i32) -> PsciError {
        match code {
            -2 => PsciError::InvalidParameters,
            -3 => PsciError::Denied,
            -4 => PsciError::AlreadyOn,
            -5 => PsciError::OnPending,
            -6 => PsciError::InternalFailure,
            -7 => PsciError::NotPresent,
            -8 => PsciError::Disabled,
            -9 => PsciError::InvalidAddress,
            _ => PsciError::NotSupported,
        }
    }
}

/// Asks for the PSCI version the hypervisor implements.
pub fn version() -> Result<PsciVersion, PsciError> {
    PsciVersion::from_result(call(PSCI_VERSION, [0; 3]))
}

/// Powers the calling vCPU off. Returns only if the hypervisor refused.
pub fn cpu_off() -> PsciError {
    PsciError::from_code(call(CPU_OFF, [0; 3]))
}

/// Powers the VM off. Should SYSTEM_OFF come back (it must not), parks the vCPU instead.
pub fn system_off() -> ! {
    call(SYSTEM_OFF, [0; 3]);
    park()
}

/// Stops this vCPU for good: waits for interrupts forever, with interrupts masked.
pub fn park() -> ! {
    loop {
        aarch64_cpu::asm::wfi();
    }
}

/// Makes a 32-bit PSCI call with up to three arguments and returns the signed result in `w0`.
#[cfg(all(target_arch = "aarch64", not(test)))]
fn call(function: u32, args: [u64; 3]) -> i32 {
    let result: u64;
    // SAFETY: `smc #0` goes to the hypervisor's PSCI emulation, which follows SMCCC: it may change
    // x0-x17 (outputs or clobbers below) and preserves x18-x30, SP and the stack. The functions
    // used here touch no guest memory; SYSTEM_OFF and a successful CPU_OFF never return. Memory
    // is not declared untouched, so every store is done before a vCPU stops.
    unsafe {
        core::arch::asm!(
            "smc #0",
            inlateout("x0") u64::from(function) => result,
            inlateout("x1") args[0] => _,
            inlateout("x2") args[1] => _,
            inlateout("x3") args[2] => _,
            lateout("x4") _,
            lateout("x5") _,
            lateout("x6") _,
            lateout("x7") _,
            lateout("x8") _,
            lateout("x9") _,
            lateout("x10") _,
            lateout("x11") _,
            lateout("x12") _,
            lateout("x13") _,
            lateout("x14") _,
            lateout("x15") _,
            lateout("x16") _,
            lateout("x17") _,
            options(nostack),
        );
    }
    // A 32-bit call returns its result in w0; the upper half of x0 means nothing.
    result as u32 as i32
}

/// On the host (and in unit tests) there is no PSCI firmware: every call is unsupported.
#[cfg(not(all(target_arch = "aarch64", not(test))))]
fn call(_function: u32, _args: [u64; 3]) -> i32 {
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_ids_are_the_standard_smc32_ones() {
        assert_eq!(PSCI_VERSION, 0x8400_0000);
        assert_eq!(CPU_OFF, 0x8400_0002);
        assert_eq!(SYSTEM_OFF, 0x8400_0008);
    }

    #[test]
    fn codes_map_to_errors() {
        assert_eq!(PsciError::from_code(-3), PsciError::Denied);
        assert_eq!(PsciError::from_code(-9), PsciError::InvalidAddress);
        assert_eq!(PsciError::from_code(-1), PsciError::NotSupported);
        assert_eq!(PsciError::from_code(-42), PsciError::NotSupported);
    }

    #[test]
    fn versions_decode_from_w0() {
        assert_eq!(
            PsciVersion::from_result(0x0001_0002),
            Ok(PsciVersion { major: 1, minor: 2 })
        );
        assert_eq!(PsciVersion::from_result(-1), Err(PsciError::NotSupported));
    }

    #[test]
    fn the_host_has_no_psci() {
        assert_eq!(version(), Err(PsciError::NotSupported));
        assert_eq!(cpu_off(), PsciError::NotSupported);
    }
}
