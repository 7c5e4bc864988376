//! The register frame the EL2 vectors save on an exception from a guest (or from EL2 itself),
//! and from which a guest is entered. Its layout is what the vector assembly uses: the offsets
//! below are `const` operands of that assembly, so the two cannot disagree.

use core::mem::{offset_of, size_of};

/// A guest's general-purpose registers, PC and PSTATE.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrapFrame {
    /// General-purpose registers x0 to x30.
    pub x: [u64; 31],
    /// Where the guest resumes (ELR_EL2).
    pub elr: u64,
    /// The guest's saved PSTATE (SPSR_EL2).
    pub spsr: u64,
}

/// Bytes the vectors reserve on the stack for a frame (a multiple of 16).
pub const FRAME_SIZE: usize = size_of::<TrapFrame>();
/// Offset of general-purpose register `n` (0 to 30): the vectors' `const` operands.
pub const fn register_offset(n: usize) -> usize {
    assert!(n < 31, "x0 to x30");
    offset_of!(TrapFrame, x) + n * size_of::<u64>()
}
/// Offset of x30 (followed by ELR, so that one `stp` saves both).
pub const X30_OFFSET: usize = register_offset(30);
/// Offset of ELR_EL2.
pub const ELR_OFFSET: usize = offset_of!(TrapFrame, elr);
/// Offset of SPSR_EL2.
pub const SPSR_OFFSET: usize = offset_of!(TrapFrame, spsr);

const _: () = assert!(
    offset_of!(TrapFrame, x) == 0,
    "x0 first: pairs from offset 0"
);
const _: () = assert!(ELR_OFFSET == X30_OFFSET + 8, "x30 and ELR share one stp");
const _: () = assert!(
    FRAME_SIZE.is_multiple_of(16),
    "the stack stays 16-byte aligned"
);

pub use super::register_values::SPSR_EL1H_MASKED;

impl TrapFrame {
    /// All registers zero.
    pub const ZERO: TrapFrame = TrapFrame {
        x: [0; 31],
        elr: 0,
        spsr: 0,
    };

    /// A frame that starts a guest at `entry` with `x0 = argument`, EL1h, interrupts masked.
    pub fn boot(entry: u64, argument: u64) -> TrapFrame {
        let mut frame = TrapFrame {
            elr: entry,
            spsr: SPSR_EL1H_MASKED,
            ..TrapFrame::ZERO
        };
        frame.x[0] = argument;
        frame
    }

    /// Register `n` as the guest sees it (31 is XZR, reading zero).
    pub fn reg(&self, n: usize) -> u64 {
        if n < 31 {
            self.x[n]
        } else {
            0
        }
    }

    /// Writes register `n` (writes to XZR are dropped).
    pub fn set_reg(&mut self, n: usize, value: u64) {
        if n < 31 {
            self.x[n] = value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_is_the_registers_pc_and_pstate_in_order() {
        assert_eq!(FRAME_SIZE, 33 * 8 + 8, "33 words and one of padding");
        assert_eq!((X30_OFFSET, ELR_OFFSET, SPSR_OFFSET), (240, 248, 256));
        let frame = TrapFrame::boot(0x4008_0000, 7);
        assert_eq!(
            (frame.elr, frame.reg(0), frame.reg(31)),
            (0x4008_0000, 7, 0)
        );
    }
}
