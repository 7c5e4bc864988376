//! The panic handler: report location and core, park that core, let the others go on.

use crate::arch::aarch64::{cpu, percpu};
use core::sync::atomic::{AtomicBool, Ordering};

static IN_PANIC: [AtomicBool; percpu::MAX_CPUS] =
    [const { AtomicBool::new(false) }; percpu::MAX_CPUS];

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // SAFETY: masking exceptions on this core only stops it from being interrupted.
    unsafe { core::arch::asm!("msr daifset, #0xf") };
    let core = percpu::current_id();
    if IN_PANIC[core % percpu::MAX_CPUS].swap(true, Ordering::AcqRel) {
        crate::drivers::gic::park_silently(); // a panic while panicking: just stop
    }
    let (file, line) = info
        .location()
        .map(|l| (l.file(), l.line()))
        .unwrap_or(("?", 0));
    let mut text = heapless_line();
    let _ = core::fmt::write(
        &mut text,
        format_args!("PANIC on core {core} at {file}:{line}: {}", info.message()),
    );
    crate::console::write_line(text.as_str());
    let mut event = heapless_line();
    let _ = core::fmt::write(
        &mut event,
        format_args!("EVT {{\"ev\":\"panic\",\"t_ns\":{},\"core\":{core},\"file\":\"{file}\",\"line\":{line}}}", cpu::now_ns()),
    );
    crate::console::write_line(event.as_str());
    percpu::current().set_state(percpu::CoreState::Parked);
    crate::drivers::gic::park_silently()
}

/// A fixed buffer for panic text, so a panic never needs the heap (whose lock may be held).
struct Line {
    bytes: [u8; 256],
    length: usize,
}

fn heapless_line() -> Line {
    Line {
        bytes: [0; 256],
        length: 0,
    }
}

impl Line {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.length]).unwrap_or("(unprintable panic message)")
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        for &byte in text.as_bytes() {
            if self.length < self.bytes.len() {
                self.bytes[self.length] = byte;
                self.length += 1;
            }
        }
        Ok(())
    }
}
