//! Reflecting a fault back into the guest: a synchronous external abort delivered to the
//! guest's own EL1 vector table, as real hardware would deliver a bus error.

use super::exit::TrapFrame;

/// The kind of access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortKind {
    /// A load or store (`write` for stores).
    Data { write: bool },
    /// An instruction fetch.
    Instruction,
}

/// Where the guest was, from its saved SPSR.
fn from_el0(spsr: u64) -> bool {
    spsr & 0b1111 == 0
}

/// The ESR_EL1 value the guest reads for the injected abort.
pub fn abort_syndrome(kind: AbortKind, spsr: u64) -> u64 {
    const IL: u64 = 1 << 25;
    const SYNCHRONOUS_EXTERNAL_ABORT: u64 = 0x10;
    let lower = from_el0(spsr);
    let (class, write) = match kind {
        AbortKind::Data { write } => (if lower { 0x24 } else { 0x25 }, write),
        AbortKind::Instruction => (if lower { 0x20 } else { 0x21 }, false),
    };
    (class << 26) | IL | if write { 1 << 6 } else { 0 } | SYNCHRONOUS_EXTERNAL_ABORT
}

/// Offset of the synchronous vector in the guest's table for an exception taken from `spsr`.
pub fn vector_offset(spsr: u64) -> u64 {
    match spsr & 0b1111 {
        0b0101 => 0x200, // EL1 using SP_EL1
        0b0100 => 0x000, // EL1 using SP_EL0
        _ => 0x400,      // EL0 (AArch64)
    }
}

/// The EL1 register values of an injected abort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Injection {
    /// ESR_EL1.
    pub esr: u64,
    /// FAR_EL1 (the faulting virtual address as the guest saw it).
    pub far: u64,
    /// ELR_EL1: the faulting instruction.
    pub elr: u64,
    /// SPSR_EL1: the interrupted PSTATE.
    pub spsr: u64,
}

/// Rewrites `frame` so the guest resumes in its abort handler; returns what EL1 registers to set.
pub fn inject_abort(frame: &mut TrapFrame, kind: AbortKind, far: u64, vbar: u64) -> Injection {
    let injection = Injection {
        esr: abort_syndrome(kind, frame.spsr),
        far,
        elr: frame.elr,
        spsr: frame.spsr,
    };
    frame.elr = vbar + vector_offset(frame.spsr);
    frame.spsr = super::exit::SPSR_EL1H_MASKED;
    injection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_abort_from_el1h_goes_to_the_current_el_vector() {
        let mut frame = TrapFrame::boot(0x4008_1234, 0);
        frame.spsr = 0x3c5;
        let injection = inject_abort(
            &mut frame,
            AbortKind::Data { write: true },
            0x4100_0000,
            0x4008_0800,
        );
        assert_eq!(injection.esr >> 26, 0x25);
        assert_eq!(injection.esr & 0x3f, 0x10);
        assert_ne!(injection.esr & (1 << 6), 0);
        assert_eq!(injection.elr, 0x4008_1234);
        assert_eq!(injection.far, 0x4100_0000);
        assert_eq!(frame.elr, 0x4008_0a00);
        assert_eq!(frame.spsr, 0x3c5);
    }

    #[test]
    fn aborts_from_el0_use_the_lower_el_vector() {
        let mut frame = TrapFrame::boot(0x1000, 0);
        frame.spsr = 0;
        let injection = inject_abort(&mut frame, AbortKind::Instruction, 0x1000, 0x8000);
        assert_eq!(injection.esr >> 26, 0x20);
        assert_eq!(frame.elr, 0x8400);
    }
}
