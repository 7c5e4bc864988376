//! The hypervisor's console: whole lines under a lock a dead core cannot hold forever, the `log`
//! backend (lines tagged with time and core) and the `EVT` trace output.

use crate::arch::aarch64::{cpu, percpu};
use crate::drivers::uart::Uart;
use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};

static UART: spin::Once<Uart> = spin::Once::new();
/// Owner of the console line lock: core id + 1, or 0 when free.
static OWNER: AtomicUsize = AtomicUsize::new(0);
/// How long a core waits for the line lock before it writes anyway (the owner may be dead).
const LOCK_TIMEOUT_NS: u64 = 500_000_000;

/// Installs the console UART; output before this is dropped.
pub fn init(uart: Uart) {
    UART.call_once(|| uart);
}

/// True once a console UART is installed.
pub fn ready() -> bool {
    UART.is_completed()
}

/// Writes `text` and a newline as one unbroken line.
#[inline(never)]
pub fn write_line(text: &str) {
    locked(|uart| {
        uart.write_str(text);
        uart.write_str("\n");
    });
}

/// Writes `text` as the console's last line: the line is kept afterwards, so that no other
/// core starts a line the power-off would cut (a line another core is writing is finished
/// first).
pub fn write_last_line(text: &str) {
    let Some(uart) = UART.get() else { return };
    crate::drivers::gic::with_timer_only(|| {
        take_line();
        uart.write_str(text);
        uart.write_str("\n");
    });
}

/// Writes `text` as it is (a part of a line: the focused VM's output), under the line lock.
pub fn write_raw(text: &str) {
    locked(|uart| uart.write_str(text));
}

/// Runs `write` on the console UART under the line lock. Waiting for the line and writing it
/// take a while: the heartbeat goes on meanwhile.
fn locked(write: impl FnOnce(&Uart)) {
    let Some(uart) = UART.get() else { return };
    crate::drivers::gic::with_timer_only(|| {
        let owned = take_line();
        write(uart);
        if owned {
            OWNER.store(0, Ordering::Release);
            cpu::send_event();
        }
    });
}

/// Takes the console line for this core; false if it writes without it: it already holds it
/// (a panic while printing), or the holder is dead (declared failed by its peers) or has not
/// let go for `LOCK_TIMEOUT_NS`.
fn take_line() -> bool {
    let me = percpu::current_id() + 1;
    let deadline = cpu::counter().saturating_add(cpu::ns_to_ticks(LOCK_TIMEOUT_NS));
    loop {
        match OWNER.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(owner) if owner == me => return false,
            Err(owner) if percpu::of(owner - 1).state() == percpu::CoreState::Parked => {
                if OWNER
                    .compare_exchange(owner, me, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return true;
                }
            }
            Err(_) if cpu::counter() >= deadline => return false,
            Err(_) => cpu::wait_for_event(),
        }
    }
}

/// A byte typed on the console, if any.
pub fn read_byte() -> Option<u8> {
    UART.get()?.get_byte()
}

/// Emits one trace event line.
#[inline(never)]
pub fn emit(event: crate::trace::Event) {
    write_line(&event.finish());
}

/// Starts an event stamped with the current time and core.
#[inline(never)]
pub fn event(name: &str) -> crate::trace::Event {
    crate::trace::Event::new(name, cpu::now_ns(), percpu::current_id())
}

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let ns = cpu::now_ns();
        // "[   0.000162 c0] INFO  text", the prefix written without `core::fmt` (boot path).
        let mut line = String::with_capacity(128);
        line.push('[');
        crate::trace::push_padded(&mut line, ns / 1_000_000_000, 10, 4, ' ');
        line.push('.');
        crate::trace::push_padded(&mut line, (ns / 1_000) % 1_000_000, 10, 6, '0');
        line.push_str(" c");
        crate::trace::push_padded(&mut line, percpu::current_id() as u64, 10, 0, ' ');
        line.push_str("] ");
        let level = record.level().as_str();
        line.push_str(level);
        (level.len()..6).for_each(|_| line.push(' '));
        match record.args().as_str() {
            Some(text) => line.push_str(text),
            None => {
                let _ = write!(line, "{}", record.args());
            }
        }
        write_line(&line);
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

/// The log level chosen at build time (`KAIROS_LOG=trace|debug|info|warn|error`, default info).
pub fn build_level() -> log::LevelFilter {
    match option_env!("KAIROS_LOG") {
        Some("trace") => log::LevelFilter::Trace,
        Some("debug") => log::LevelFilter::Debug,
        Some("warn") => log::LevelFilter::Warn,
        Some("error") => log::LevelFilter::Error,
        Some("off") => log::LevelFilter::Off,
        _ => log::LevelFilter::Info,
    }
}

/// Makes `log` macros print on this console.
pub fn init_logger() {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(build_level());
}
