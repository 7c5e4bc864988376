//! An emulated PL011 for each VM: what the guest writes appears on the physical console, a
//! line at a time, prefixed with the VM's name. Enough of the register set for unmodified PL011
//! drivers (U-Boot's, Linux's) to probe and print: data, flags, control, IDs.

use super::mmio::{Accessor, EmulatedDevice, MmioError};
use crate::mm::AddressRange;
use core::sync::atomic::{AtomicU32, Ordering};

/// Guest-physical base of the emulated console, as on QEMU virt.
pub const GUEST_UART_BASE: u64 = 0x0900_0000;
/// Size of its register window.
pub const GUEST_UART_SIZE: u64 = 0x1000;
/// Its interrupt (SPI 1, INTID 33), as on QEMU virt.
pub const GUEST_UART_SPI: u32 = 1;

const DR: u64 = 0x000;
const RSR: u64 = 0x004;
const FR: u64 = 0x018;
const ILPR: u64 = 0x020;
const IBRD: u64 = 0x024;
const FBRD: u64 = 0x028;
const LCR_H: u64 = 0x02c;
const CR: u64 = 0x030;
const IFLS: u64 = 0x034;
const IMSC: u64 = 0x038;
const RIS: u64 = 0x03c;
const MIS: u64 = 0x040;
const ICR: u64 = 0x044;
const DMACR: u64 = 0x048;
/// Flag register: transmit FIFO empty, receive FIFO empty.
const FR_IDLE: u64 = (1 << 7) | (1 << 4);
/// Raw interrupt status: transmit interrupt (the FIFO is always drained at once).
const RIS_TX: u32 = 1 << 5;
/// Peripheral and PrimeCell ID registers 0xfe0..0xffc (a PL011 r1p5).
const IDS: [u64; 8] = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/// Where a VM's console bytes go.
pub trait ConsoleSink: Send + Sync {
    /// One transmitted byte.
    fn put(&self, byte: u8);
    /// The guest is waiting for input (it polls the receiver): show any unfinished line, such
    /// as a prompt.
    fn flush(&self);
}

/// Register state of one VM's console UART; bytes go to `sink`.
pub struct Pl011<S: ConsoleSink> {
    base: u64,
    control: [AtomicU32; 6], // ILPR, IBRD, FBRD, LCR_H, CR, IFLS
    mask: AtomicU32,
    /// Flag-register reads since the last transmitted byte: a guest that keeps polling without
    /// sending is waiting for input.
    idle_polls: AtomicU32,
    sink: S,
}

/// Flag-register polls without output after which an unfinished line is shown.
const IDLE_POLLS_BEFORE_FLUSH: u32 = 32;

impl<S: ConsoleSink> Pl011<S> {
    /// A UART at guest-physical `base` writing every transmitted byte to `sink`.
    pub fn new(base: u64, sink: S) -> Self {
        let control = [
            AtomicU32::new(0),
            AtomicU32::new(0),
            AtomicU32::new(0),
            AtomicU32::new(0),
            AtomicU32::new(0x300),
            AtomicU32::new(0x12),
        ];
        Pl011 {
            base,
            control,
            mask: AtomicU32::new(0),
            idle_polls: AtomicU32::new(0),
            sink,
        }
    }

    fn control_index(offset: u64) -> Option<usize> {
        [ILPR, IBRD, FBRD, LCR_H, CR, IFLS]
            .iter()
            .position(|&o| o == offset)
    }
}

impl<S: ConsoleSink> EmulatedDevice for Pl011<S> {
    fn name(&self) -> &str {
        "pl011"
    }

    fn range(&self) -> AddressRange {
        AddressRange::new(self.base, GUEST_UART_SIZE)
    }

    fn read(&self, _: Accessor, offset: u64, _size: u8) -> Result<u64, MmioError> {
        Ok(match offset {
            DR | RSR | DMACR | ICR => 0,
            FR => {
                if self.idle_polls.fetch_add(1, Ordering::Relaxed) + 1 == IDLE_POLLS_BEFORE_FLUSH {
                    self.sink.flush();
                }
                FR_IDLE
            }
            IMSC => u64::from(self.mask.load(Ordering::Relaxed)),
            RIS => u64::from(RIS_TX),
            MIS => u64::from(RIS_TX & self.mask.load(Ordering::Relaxed)),
            0xfe0..=0xffc if offset.is_multiple_of(4) => IDS[((offset - 0xfe0) / 4) as usize],
            _ => match Self::control_index(offset) {
                Some(index) => u64::from(self.control[index].load(Ordering::Relaxed)),
                None => return Err(MmioError::Unsupported),
            },
        })
    }

    fn write(&self, _: Accessor, offset: u64, _size: u8, value: u64) -> Result<(), MmioError> {
        match offset {
            DR => {
                self.idle_polls.store(0, Ordering::Relaxed);
                self.sink.put(value as u8);
            }
            RSR | ICR | DMACR => {}
            IMSC => self.mask.store(value as u32 & 0x7ff, Ordering::Relaxed),
            _ => match Self::control_index(offset) {
                Some(index) => self.control[index].store(value as u32, Ordering::Relaxed),
                None => return Err(MmioError::Unsupported),
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    const WHO: Accessor = Accessor {
        vm: 0,
        vcpu: 0,
        core: 1,
    };

    #[derive(Default)]
    struct Capture(std::sync::Arc<Mutex<(std::vec::Vec<u8>, usize)>>);
    impl ConsoleSink for Capture {
        fn put(&self, byte: u8) {
            self.0.lock().unwrap().0.push(byte);
        }
        fn flush(&self) {
            self.0.lock().unwrap().1 += 1;
        }
    }

    #[test]
    fn transmits_and_reports_idle() {
        let sent = std::sync::Arc::new(Mutex::new((std::vec::Vec::new(), 0)));
        let uart = Pl011::new(GUEST_UART_BASE, Capture(sent.clone()));
        for byte in b"ok\n" {
            uart.write(WHO, DR, 4, u64::from(*byte)).unwrap();
        }
        assert_eq!(sent.lock().unwrap().0, b"ok\n");
        assert_eq!(uart.read(WHO, FR, 4).unwrap() & (1 << 5), 0, "never full");
        assert_ne!(
            uart.read(WHO, FR, 4).unwrap() & (1 << 4),
            0,
            "nothing to receive"
        );
        assert_eq!(
            sent.lock().unwrap().1,
            0,
            "polling before each byte is not waiting"
        );
        for _ in 0..IDLE_POLLS_BEFORE_FLUSH {
            uart.read(WHO, FR, 4).unwrap();
        }
        assert_eq!(
            sent.lock().unwrap().1,
            1,
            "a long poll shows the pending prompt once"
        );
    }

    #[test]
    fn keeps_control_registers_and_ids() {
        let uart = Pl011::new(GUEST_UART_BASE, Capture::default());
        uart.write(WHO, CR, 4, 0x301).unwrap();
        assert_eq!(uart.read(WHO, CR, 4).unwrap(), 0x301);
        uart.write(WHO, IBRD, 4, 13).unwrap();
        assert_eq!(uart.read(WHO, IBRD, 4).unwrap(), 13);
        assert_eq!(uart.read(WHO, 0xfe0, 4).unwrap(), 0x11);
        assert_eq!(uart.read(WHO, 0xffc, 4).unwrap(), 0xb1);
        assert_eq!(uart.read(WHO, 0x800, 4), Err(MmioError::Unsupported));
        assert_eq!(uart.range(), AddressRange::new(0x0900_0000, 0x1000));
    }
}
