//! Arm PL011 UART (polled transmit and receive).

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_bitfields! [u32,
    FR [
        TXFE OFFSET(7) NUMBITS(1) [],
        TXFF OFFSET(5) NUMBITS(1) [],
        RXFE OFFSET(4) NUMBITS(1) []
    ],
    LCR_H [
        WLEN OFFSET(5) NUMBITS(2) [EightBit = 0b11],
        FEN OFFSET(4) NUMBITS(1) []
    ],
    CR [
        RXE OFFSET(9) NUMBITS(1) [],
        TXE OFFSET(8) NUMBITS(1) [],
        UARTEN OFFSET(0) NUMBITS(1) []
    ]
];

register_structs! {
    Registers {
        (0x000 => dr: ReadWrite<u32>),
        (0x004 => _reserved0),
        (0x018 => fr: ReadOnly<u32, FR::Register>),
        (0x01c => _reserved1),
        (0x02c => lcr_h: ReadWrite<u32, LCR_H::Register>),
        (0x030 => cr: ReadWrite<u32, CR::Register>),
        (0x034 => _reserved2),
        (0x038 => imsc: ReadWrite<u32>),
        (0x03c => _reserved3),
        (0x044 => icr: WriteOnly<u32>),
        (0x048 => @END),
    }
}

/// A PL011 at a fixed MMIO base.
pub struct Pl011 {
    registers: &'static Registers,
}

impl Pl011 {
    /// Takes over the UART, keeping the baud rate the firmware set, 8N1 with FIFOs, no interrupts.
    ///
    /// # Safety
    /// `base` must be a PL011's MMIO base, mapped as device memory and owned by the caller.
    pub unsafe fn new(base: usize) -> Pl011 {
        // SAFETY: the caller guarantees `base` points at a PL011 register block.
        let registers = unsafe { &*(base as *const Registers) };
        registers.imsc.set(0);
        registers.icr.set(0x7ff);
        // Rewriting LCR_H with a changed FEN flushes the receive FIFO: only write it when needed,
        // so characters typed before the hypervisor started are kept.
        if !registers
            .lcr_h
            .matches_all(LCR_H::WLEN::EightBit + LCR_H::FEN::SET)
        {
            registers
                .lcr_h
                .write(LCR_H::WLEN::EightBit + LCR_H::FEN::SET);
        }
        registers
            .cr
            .write(CR::UARTEN::SET + CR::TXE::SET + CR::RXE::SET);
        Pl011 { registers }
    }

    /// Sends a byte once the transmit FIFO has room.
    pub fn put_byte(&self, byte: u8) {
        while self.registers.fr.is_set(FR::TXFF) {
            core::hint::spin_loop();
        }
        self.registers.dr.set(u32::from(byte));
    }

    /// Sends `bytes`, a transmit FIFO's worth at a time: it waits only for the FIFO to be
    /// empty, then fills it without looking again (the PL011's FIFO holds at least 16 bytes).
    pub fn put_bytes(&self, bytes: &[u8]) {
        /// The transmit FIFO depth of the first PL011 revisions (later ones hold 32).
        const FIFO: usize = 16;
        for burst in bytes.chunks(FIFO) {
            while !self.registers.fr.is_set(FR::TXFE) {
                core::hint::spin_loop();
            }
            for &byte in burst {
                self.registers.dr.set(u32::from(byte));
            }
        }
    }

    /// A received byte, if any.
    pub fn get_byte(&self) -> Option<u8> {
        if self.registers.fr.is_set(FR::RXFE) {
            None
        } else {
            Some(self.registers.dr.get() as u8)
        }
    }
}

// SAFETY: the registers are MMIO; the console serialises access with its lock.
unsafe impl Send for Pl011 {}
// SAFETY: as above.
unsafe impl Sync for Pl011 {}
