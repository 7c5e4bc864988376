//! Console UARTs: one enum over the supported models, picked from the platform description.
mod imx;
mod pl011;

pub use imx::ImxUart;
pub use pl011::Pl011;

/// The hypervisor's console UART.
pub enum Uart {
    /// Arm PrimeCell PL011 (QEMU virt, Raspberry Pi 4).
    Pl011(Pl011),
    /// NXP i.MX UART (i.MX8M family).
    Imx(ImxUart),
}

impl Uart {
    /// Initialises the UART described by the platform's console, if its model is supported.
    ///
    /// # Safety
    /// `console.base` must be the MMIO base of that UART, mapped as device memory, and no other
    /// code may drive it.
    pub unsafe fn from_console(console: &platform::Console) -> Option<Uart> {
        match console.kind {
            // SAFETY: forwarded from the caller's contract.
            platform::UartKind::Pl011 => Some(Uart::Pl011(unsafe { Pl011::new(console.base as usize) })),
            // SAFETY: forwarded from the caller's contract.
            platform::UartKind::Imx => Some(Uart::Imx(unsafe { ImxUart::new(console.base as usize) })),
            _ => None,
        }
    }

    /// Sends one byte, waiting while the transmit FIFO is full.
    pub fn put_byte(&self, byte: u8) {
        match self {
            Uart::Pl011(uart) => uart.put_byte(byte),
            Uart::Imx(uart) => uart.put_byte(byte),
        }
    }

    /// A received byte, if one is waiting.
    pub fn get_byte(&self) -> Option<u8> {
        match self {
            Uart::Pl011(uart) => uart.get_byte(),
            Uart::Imx(uart) => uart.get_byte(),
        }
    }

    /// Writes a string, turning `\n` into `\r\n`.
    pub fn write_str(&self, text: &str) {
        for byte in text.bytes() {
            if byte == b'\n' {
                self.put_byte(b'\r');
            }
            self.put_byte(byte);
        }
    }
}
