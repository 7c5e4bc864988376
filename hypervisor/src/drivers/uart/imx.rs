//! NXP i.MX UART (i.MX6/7/8M family), polled.

use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};
use tock_registers::register_bitfields;
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, ReadWrite, WriteOnly};

register_bitfields! [u32,
    UCR1 [ UARTEN OFFSET(0) NUMBITS(1) [] ],
    UCR2 [
        IRTS OFFSET(14) NUMBITS(1) [],
        WS OFFSET(5) NUMBITS(1) [],
        TXEN OFFSET(2) NUMBITS(1) [],
        RXEN OFFSET(1) NUMBITS(1) [],
        SRST OFFSET(0) NUMBITS(1) []
    ],
    UTS [
        RXEMPTY OFFSET(5) NUMBITS(1) [],
        TXFULL OFFSET(4) NUMBITS(1) []
    ]
];

register_structs! {
    Registers {
        (0x00 => urxd: ReadOnly<u32>),
        (0x04 => _reserved0),
        (0x40 => utxd: WriteOnly<u32>),
        (0x44 => _reserved1),
        (0x80 => ucr1: ReadWrite<u32, UCR1::Register>),
        (0x84 => ucr2: ReadWrite<u32, UCR2::Register>),
        (0x88 => _reserved2),
        (0xb4 => uts: ReadOnly<u32, UTS::Register>),
        (0xb8 => @END),
    }
}

/// An i.MX UART at a fixed MMIO base.
pub struct ImxUart {
    registers: &'static Registers,
}

impl ImxUart {
    /// Enables the UART and its transmitter and receiver, keeping the firmware's baud rate.
    ///
    /// # Safety
    /// `base` must be an i.MX UART's MMIO base, mapped as device memory and owned by the caller.
    pub unsafe fn new(base: usize) -> ImxUart {
        // SAFETY: the caller guarantees `base` points at an i.MX UART register block.
        let registers = unsafe { &*(base as *const Registers) };
        registers.ucr1.modify(UCR1::UARTEN::SET);
        registers.ucr2.modify(
            UCR2::SRST::SET + UCR2::TXEN::SET + UCR2::RXEN::SET + UCR2::WS::SET + UCR2::IRTS::SET,
        );
        ImxUart { registers }
    }

    /// Sends a byte once the transmit FIFO has room.
    pub fn put_byte(&self, byte: u8) {
        while self.registers.uts.is_set(UTS::TXFULL) {
            core::hint::spin_loop();
        }
        self.registers.utxd.set(u32::from(byte));
    }

    /// A received byte, if any.
    pub fn get_byte(&self) -> Option<u8> {
        if self.registers.uts.is_set(UTS::RXEMPTY) {
            None
        } else {
            Some(self.registers.urxd.get() as u8)
        }
    }
}

// SAFETY: the registers are MMIO; the console serialises access with its lock.
unsafe impl Send for ImxUart {}
// SAFETY: as above.
unsafe impl Sync for ImxUart {}
