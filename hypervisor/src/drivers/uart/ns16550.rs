//! 8250/16550-style UARTs, polled: `ns16550a` and friends, and the BCM2835/BCM2711 mini UART
//! (`brcm,bcm2835-aux-uart`), whose registers follow the 16550 layout 4 bytes apart.
//!
//! Register `n` sits at `base + (n << reg_shift)` and is accessed `reg_io_width` bytes wide, as
//! the device tree says (the platform crate gives the mini UART shift 2 and width 4). The baud
//! rate is left as the firmware set it: the divisor latch is never touched.

/// Receive buffer (read) / transmit holding register (write).
const RBR_THR: usize = 0;
/// Interrupt enable.
const IER: usize = 1;
/// Line control: word length, DLAB.
const LCR: usize = 3;
/// Line status.
const LSR: usize = 5;

/// LCR: divisor latch access; while set, registers 0 and 1 are the divisor.
const LCR_DLAB: u32 = 1 << 7;
/// LCR: 8 data bits, 1 stop bit, no parity.
const LCR_8N1: u32 = 0b11;
/// LSR: a received byte is waiting.
const LSR_DATA_READY: u32 = 1 << 0;
/// LSR: the transmitter can take a byte (mini UART: "transmitter empty", FIFO has room).
const LSR_THR_EMPTY: u32 = 1 << 5;

/// A 16550-compatible UART at a fixed MMIO base.
pub struct Ns16550 {
    base: usize,
    shift: u32,
    width: u32,
}

impl Ns16550 {
    /// Takes over the UART: interrupts off, 8N1, divisor latch closed, baud rate kept.
    ///
    /// `reg_shift` and `reg_io_width` come from the device tree (`reg-shift`, `reg-io-width`);
    /// a width other than 1, 2 or 4 bytes is taken as 4.
    ///
    /// # Safety
    /// `base` must be the MMIO base of a 16550-style UART with that register layout, mapped as
    /// device memory and owned by the caller.
    pub unsafe fn new(base: usize, reg_shift: u32, reg_io_width: u32) -> Ns16550 {
        let uart = Ns16550 {
            base,
            shift: reg_shift.min(4),
            width: if matches!(reg_io_width, 1 | 2) {
                reg_io_width
            } else {
                4
            },
        };
        uart.write(IER, 0);
        let lcr = uart.read(LCR);
        // Only rewrite LCR when needed: the firmware has normally set 8N1 already.
        if lcr & (LCR_DLAB | LCR_8N1) != LCR_8N1 {
            uart.write(LCR, (lcr & !LCR_DLAB) | LCR_8N1);
        }
        uart
    }

    fn address(&self, register: usize) -> usize {
        self.base + (register << self.shift)
    }

    fn read(&self, register: usize) -> u32 {
        let address = self.address(register);
        // SAFETY: `new`'s contract: the register lies in the UART's device-memory window.
        unsafe {
            match self.width {
                1 => u32::from((address as *const u8).read_volatile()),
                2 => u32::from((address as *const u16).read_volatile()),
                _ => (address as *const u32).read_volatile(),
            }
        }
    }

    fn write(&self, register: usize, value: u32) {
        let address = self.address(register);
        // SAFETY: as in `read`.
        unsafe {
            match self.width {
                1 => (address as *mut u8).write_volatile(value as u8),
                2 => (address as *mut u16).write_volatile(value as u16),
                _ => (address as *mut u32).write_volatile(value),
            }
        }
    }

    /// Sends a byte once the transmitter has room.
    pub fn put_byte(&self, byte: u8) {
        while self.read(LSR) & LSR_THR_EMPTY == 0 {
            core::hint::spin_loop();
        }
        self.write(RBR_THR, u32::from(byte));
    }

    /// A received byte, if any.
    pub fn get_byte(&self) -> Option<u8> {
        (self.read(LSR) & LSR_DATA_READY != 0).then(|| self.read(RBR_THR) as u8)
    }
}

// SAFETY: the registers are MMIO; the console serialises access with its lock.
unsafe impl Send for Ns16550 {}
// SAFETY: as above.
unsafe impl Sync for Ns16550 {}
