//! An emulated PL011 for each VM: what the guest writes appears on the physical console, a
//! line at a time, prefixed with the VM's name; what is typed on the console while it has the
//! VM's focus (see `console_input`) arrives in its receive FIFO. Enough of the register set for
//! unmodified PL011 drivers (U-Boot's, Linux's) to probe, print, read and take interrupts: data,
//! flags, control, interrupt mask and status, IDs.
//!
//! The interrupt line is high while `RIS & IMSC` is non-zero: transmit (always: the FIFO drains
//! at once), receive and receive timeout (while the FIFO holds data). Each rise of the line
//! makes the VM's SPI pending once (`ConsoleSink::interrupt`); drivers that drain the FIFO in
//! their handler (Linux's, U-Boot's) see every byte.

use super::mmio::{Accessor, EmulatedDevice, MmioError};
use crate::mm::AddressRange;
use alloc::collections::VecDeque;
use core::sync::atomic::{AtomicU32, Ordering};

/// Guest-physical base of the emulated console, as on QEMU virt.
pub const GUEST_UART_BASE: u64 = 0x0900_0000;
/// Size of its register window.
pub const GUEST_UART_SIZE: u64 = 0x1000;
/// Its interrupt (SPI 1, INTID 33), as on QEMU virt.
pub const GUEST_UART_SPI: u32 = 1;
/// Bytes the receive FIFO holds; more typed before the guest reads them are dropped (overrun).
pub const RECEIVE_FIFO_BYTES: usize = 256;

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
/// Flag register: transmit FIFO empty (always), receive FIFO empty, receive FIFO full.
const FR_TXFE: u64 = 1 << 7;
const FR_RXFE: u64 = 1 << 4;
const FR_RXFF: u64 = 1 << 6;
/// Raw interrupt status: receive, transmit (the FIFO is always drained at once), receive timeout.
const RIS_RX: u32 = 1 << 4;
const RIS_TX: u32 = 1 << 5;
const RIS_RT: u32 = 1 << 6;
/// Receive status: overrun (a byte was lost because the FIFO was full).
const RSR_OVERRUN: u64 = 1 << 3;
/// Peripheral and PrimeCell ID registers 0xfe0..0xffc (a PL011 r1p5).
const IDS: [u64; 8] = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

/// Where a VM's console bytes go, and how its interrupt reaches it.
pub trait ConsoleSink: Send + Sync {
    /// One transmitted byte.
    fn put(&self, byte: u8);
    /// The guest is waiting for input (it polls the receiver): show any unfinished line, such
    /// as a prompt.
    fn flush(&self);
    /// The UART's interrupt line rose: make its interrupt pending at the VM's GIC.
    fn interrupt(&self);
}

/// What the receiver and the interrupt logic hold, under one lock.
struct Receiver {
    fifo: VecDeque<u8>,
    mask: u32,
    overrun: bool,
    /// The interrupt line as last seen: a rise raises the interrupt.
    line: bool,
}

impl Receiver {
    fn raw_status(&self) -> u32 {
        if self.fifo.is_empty() {
            RIS_TX
        } else {
            RIS_TX | RIS_RX | RIS_RT
        }
    }
}

/// Register state of one VM's console UART; bytes go to `sink`.
pub struct Pl011<S: ConsoleSink> {
    base: u64,
    control: [AtomicU32; 6], // ILPR, IBRD, FBRD, LCR_H, CR, IFLS
    receiver: spin::Mutex<Receiver>,
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
            receiver: spin::Mutex::new(Receiver {
                fifo: VecDeque::new(),
                mask: 0,
                overrun: false,
                line: false,
            }),
            idle_polls: AtomicU32::new(0),
            sink,
        }
    }

    /// A byte typed for the guest: into the receive FIFO (or lost, flagged as an overrun, when
    /// it is full); raises the interrupt if the guest unmasked receive interrupts.
    pub fn receive(&self, byte: u8) {
        self.update(|receiver| {
            if receiver.fifo.len() < RECEIVE_FIFO_BYTES {
                receiver.fifo.push_back(byte);
            } else {
                receiver.overrun = true;
            }
        });
    }

    /// Runs `change` on the receiver, then raises the interrupt if the line rose.
    fn update<T>(&self, change: impl FnOnce(&mut Receiver) -> T) -> T {
        let mut receiver = self.receiver.lock();
        let result = change(&mut receiver);
        let line = receiver.raw_status() & receiver.mask != 0;
        let rose = line && !receiver.line;
        receiver.line = line;
        drop(receiver);
        if rose {
            self.sink.interrupt();
        }
        result
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
            DR => self.update(|receiver| receiver.fifo.pop_front().map_or(0, u64::from)),
            RSR => u64::from(self.receiver.lock().overrun) * RSR_OVERRUN,
            DMACR | ICR => 0,
            FR => {
                if self.idle_polls.fetch_add(1, Ordering::Relaxed) + 1 == IDLE_POLLS_BEFORE_FLUSH {
                    self.sink.flush();
                }
                let receiver = self.receiver.lock();
                match receiver.fifo.len() {
                    0 => FR_TXFE | FR_RXFE,
                    RECEIVE_FIFO_BYTES => FR_TXFE | FR_RXFF,
                    _ => FR_TXFE,
                }
            }
            IMSC => u64::from(self.receiver.lock().mask),
            RIS => u64::from(self.receiver.lock().raw_status()),
            MIS => {
                let receiver = self.receiver.lock();
                u64::from(receiver.raw_status() & receiver.mask)
            }
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
            RSR => self.receiver.lock().overrun = false,
            ICR | DMACR => {}
            IMSC => self.update(|receiver| receiver.mask = value as u32 & 0x7ff),
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
    struct Capture(
        std::sync::Arc<Mutex<(std::vec::Vec<u8>, usize)>>,
        std::sync::Arc<AtomicU32>,
    );
    impl ConsoleSink for Capture {
        fn put(&self, byte: u8) {
            self.0.lock().unwrap().0.push(byte);
        }
        fn flush(&self) {
            self.0.lock().unwrap().1 += 1;
        }
        fn interrupt(&self) {
            self.1.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn receives_typed_bytes_and_raises_its_interrupt_on_each_rise() {
        let raised = std::sync::Arc::new(AtomicU32::new(0));
        let uart = Pl011::new(GUEST_UART_BASE, Capture(Default::default(), raised.clone()));
        uart.receive(b'a');
        assert_eq!(
            raised.load(Ordering::Relaxed),
            0,
            "receive interrupts still masked"
        );
        assert_eq!(uart.read(WHO, FR, 4).unwrap() & FR_RXFE, 0, "data waiting");
        assert_eq!(uart.read(WHO, RIS, 4).unwrap() as u32 & RIS_RX, RIS_RX);
        uart.write(WHO, IMSC, 4, u64::from(RIS_RX | RIS_RT))
            .unwrap();
        assert_eq!(
            raised.load(Ordering::Relaxed),
            1,
            "unmasking with data waiting raises it"
        );
        uart.receive(b'b');
        assert_eq!(
            raised.load(Ordering::Relaxed),
            1,
            "the line is still high: no new edge"
        );
        assert_eq!(uart.read(WHO, DR, 4), Ok(u64::from(b'a')));
        assert_eq!(uart.read(WHO, DR, 4), Ok(u64::from(b'b')));
        assert_eq!(uart.read(WHO, MIS, 4), Ok(0), "drained: the line falls");
        assert_ne!(uart.read(WHO, FR, 4).unwrap() & FR_RXFE, 0);
        uart.receive(b'c');
        assert_eq!(
            raised.load(Ordering::Relaxed),
            2,
            "a new byte is a new rise"
        );
        for _ in 0..RECEIVE_FIFO_BYTES {
            uart.receive(b'x');
        }
        assert_eq!(
            uart.read(WHO, RSR, 4),
            Ok(RSR_OVERRUN),
            "the byte past a full FIFO is lost"
        );
        assert_ne!(uart.read(WHO, FR, 4).unwrap() & FR_RXFF, 0);
    }

    #[test]
    fn unmasking_the_transmit_interrupt_raises_it_at_once() {
        let raised = std::sync::Arc::new(AtomicU32::new(0));
        let uart = Pl011::new(GUEST_UART_BASE, Capture(Default::default(), raised.clone()));
        uart.write(WHO, IMSC, 4, u64::from(RIS_TX)).unwrap();
        assert_eq!(raised.load(Ordering::Relaxed), 1);
        assert_eq!(uart.read(WHO, MIS, 4), Ok(u64::from(RIS_TX)));
        uart.write(WHO, IMSC, 4, 0).unwrap();
        uart.write(WHO, IMSC, 4, u64::from(RIS_TX)).unwrap();
        assert_eq!(
            raised.load(Ordering::Relaxed),
            2,
            "masked and unmasked: a second rise"
        );
    }

    #[test]
    fn transmits_and_reports_idle() {
        let sent = std::sync::Arc::new(Mutex::new((std::vec::Vec::new(), 0)));
        let uart = Pl011::new(GUEST_UART_BASE, Capture(sent.clone(), Default::default()));
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
