//! What an unexpected exception looks like in a report: which vector, and ESR/ELR/FAR decoded.

use core::fmt;

/// The exception vector that was taken, by its index (0-15) in the EL1 vector table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vector(pub u64);

impl Vector {
    /// The exception type: synchronous, IRQ, FIQ or SError.
    pub fn kind(self) -> &'static str {
        match self.0 % 4 {
            0 => "synchronous",
            1 => "IRQ",
            2 => "FIQ",
            _ => "SError",
        }
    }

    /// Where the exception came from, as the vector table groups it.
    pub fn origin(self) -> &'static str {
        match self.0 / 4 {
            0 => "current EL with SP_EL0",
            1 => "current EL with SP_ELx",
            2 => "lower EL in AArch64",
            3 => "lower EL in AArch32",
            _ => "an unknown vector",
        }
    }
}

/// The exception class (ESR bits 31:26) with a name for the ones a guest meets most.
pub fn exception_class_name(esr: u64) -> &'static str {
    match (esr >> 26) & 0x3f {
        0x00 => "unknown reason (undefined instruction?)",
        0x01 => "trapped WFI/WFE",
        0x07 => "FP/SIMD access trapped",
        0x0e => "illegal execution state",
        0x15 => "SVC from AArch64",
        0x16 => "HVC from AArch64",
        0x17 => "SMC from AArch64",
        0x18 => "trapped system register access",
        0x20 => "instruction abort from a lower EL",
        0x21 => "instruction abort",
        0x22 => "PC alignment fault",
        0x24 => "data abort from a lower EL",
        0x25 => "data abort",
        0x26 => "SP alignment fault",
        0x2f => "SError",
        0x3c => "BRK instruction",
        _ => "other",
    }
}

/// Everything the vector table reports about an exception it did not expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExceptionReport {
    /// The vector taken.
    pub vector: Vector,
    /// ESR_EL1: why.
    pub esr: u64,
    /// ELR_EL1: where (the faulting or next instruction).
    pub elr: u64,
    /// FAR_EL1: the faulting address (meaningful for aborts only).
    pub far: u64,
}

impl fmt::Display for ExceptionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected {} exception from {}: ESR_EL1 {:#x} (EC {:#04x}: {}), ELR_EL1 {:#x}, FAR_EL1 {:#x}",
            self.vector.kind(),
            self.vector.origin(),
            self.esr,
            (self.esr >> 26) & 0x3f,
            exception_class_name(self.esr),
            self.elr,
            self.far,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_name_their_kind_and_origin() {
        assert_eq!(
            (Vector(4).kind(), Vector(4).origin()),
            ("synchronous", "current EL with SP_ELx")
        );
        assert_eq!(
            (Vector(9).kind(), Vector(9).origin()),
            ("IRQ", "lower EL in AArch64")
        );
        assert_eq!(
            (Vector(15).kind(), Vector(15).origin()),
            ("SError", "lower EL in AArch32")
        );
    }

    #[test]
    fn a_report_reads_as_one_line() {
        let report = ExceptionReport {
            vector: Vector(4),
            esr: 0x0200_0000,
            elr: 0x4008_1234,
            far: 0,
        };
        assert_eq!(
            report.to_string(),
            "unexpected synchronous exception from current EL with SP_ELx: ESR_EL1 0x2000000 \
             (EC 0x00: unknown reason (undefined instruction?)), ELR_EL1 0x40081234, FAR_EL1 0x0"
        );
    }

    #[test]
    fn data_aborts_are_named() {
        assert_eq!(exception_class_name(0x9600_0045), "data abort");
    }
}
