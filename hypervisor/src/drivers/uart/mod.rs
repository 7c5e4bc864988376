//! Console UARTs: one enum over the supported models, picked by the platform description (the
//! console node's `compatible`, see `platform::UartKind`).
mod imx;
mod ns16550;
mod pl011;

pub use imx::ImxUart;
pub use ns16550::Ns16550;
pub use pl011::Pl011;

/// The hypervisor's console UART.
pub enum Uart {
    /// Arm PrimeCell PL011 (QEMU virt, Raspberry Pi 4).
    Pl011(Pl011),
    /// NXP i.MX UART (i.MX8M family).
    Imx(ImxUart),
    /// 8250/16550-style, including the Raspberry Pi mini UART.
    Ns16550(Ns16550),
}

impl Uart {
    /// Initialises the UART described by the platform's console, if its model is supported.
    ///
    /// # Safety
    /// `console.base` must be the MMIO base of that UART, mapped as device memory, and no other
    /// code may drive it.
    pub unsafe fn from_console(console: &platform::Console) -> Option<Uart> {
        match console.kind {
            platform::UartKind::Pl011 => {
                // SAFETY: forwarded from the caller's contract.
                Some(Uart::Pl011(unsafe { Pl011::new(console.base as usize) }))
            }
            platform::UartKind::Imx => {
                // SAFETY: forwarded from the caller's contract.
                Some(Uart::Imx(unsafe { ImxUart::new(console.base as usize) }))
            }
            // SAFETY: forwarded from the caller's contract; the layout comes from the same node.
            platform::UartKind::Ns16550 => Some(Uart::Ns16550(unsafe {
                Ns16550::new(
                    console.base as usize,
                    console.reg_shift,
                    console.reg_io_width,
                )
            })),
            // A model the platform crate may learn later, before a driver exists here.
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// Sends one byte, waiting while the transmit FIFO is full.
    pub fn put_byte(&self, byte: u8) {
        match self {
            Uart::Pl011(uart) => uart.put_byte(byte),
            Uart::Imx(uart) => uart.put_byte(byte),
            Uart::Ns16550(uart) => uart.put_byte(byte),
        }
    }

    /// A received byte, if one is waiting.
    pub fn get_byte(&self) -> Option<u8> {
        match self {
            Uart::Pl011(uart) => uart.get_byte(),
            Uart::Imx(uart) => uart.get_byte(),
            Uart::Ns16550(uart) => uart.get_byte(),
        }
    }

    /// Writes a string, turning `\n` into `\r\n`.
    pub fn write_str(&self, text: &str) {
        // Most writes are one line without its newline: no byte-by-byte split then.
        if !text.as_bytes().contains(&b'\n') {
            self.put_bytes(text.as_bytes());
            return;
        }
        let mut lines = text.as_bytes().split(|&byte| byte == b'\n');
        if let Some(first) = lines.next() {
            self.put_bytes(first);
        }
        for line in lines {
            self.put_bytes(b"\r\n");
            self.put_bytes(line);
        }
    }

    /// Sends `bytes` as they are: the PL011 a FIFO's worth per wait, the others byte by byte.
    fn put_bytes(&self, bytes: &[u8]) {
        match self {
            Uart::Pl011(uart) => uart.put_bytes(bytes),
            Uart::Imx(uart) => bytes.iter().for_each(|&byte| uart.put_byte(byte)),
            Uart::Ns16550(uart) => bytes.iter().for_each(|&byte| uart.put_byte(byte)),
        }
    }
}
