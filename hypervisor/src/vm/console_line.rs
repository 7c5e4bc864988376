//! A VM's console line buffer: output appears on the physical console one whole line at a time,
//! prefixed with the VM's name, so VMs never interleave mid-line. While console input goes to
//! the VM (it has the focus), its output goes out as it comes, so that prompts and echoed
//! keys show at once.

use alloc::string::String;
use alloc::vec::Vec;

/// Longest line kept before it is flushed anyway.
const LINE_MAX: usize = 200;

/// Bytes of a VM's current, unfinished console line.
pub struct ConsoleLine {
    bytes: spin::Mutex<Vec<u8>>,
    /// Console input goes to this VM: output is written through at once.
    focused: core::sync::atomic::AtomicBool,
}

impl ConsoleLine {
    /// An empty line.
    pub fn new() -> Self {
        ConsoleLine {
            bytes: spin::Mutex::new(Vec::new()),
            focused: core::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Gives the VM the console's focus (its output then goes out at once, starting with what
    /// it left unfinished, such as its prompt) or takes it back.
    pub fn set_focus(&self, name: &str, focused: bool) {
        let mut line = self.bytes.lock();
        let was = self
            .focused
            .swap(focused, core::sync::atomic::Ordering::Relaxed);
        match (was, focused) {
            (false, true) if !line.is_empty() => {
                let pending = core::mem::take(&mut *line);
                write_through(name, &mut line, &pending);
            }
            (true, false) if !line.is_empty() => {
                crate::console::write_raw("\n");
                line.clear();
            }
            _ => {}
        }
    }

    /// Appends guest bytes, printing every completed line with `name` in front.
    pub fn push(&self, name: &str, input: &[u8]) {
        let mut line = self.bytes.lock();
        if self.focused.load(core::sync::atomic::Ordering::Relaxed) {
            return write_through(name, &mut line, input);
        }
        for &byte in input {
            match byte {
                b'\n' => flush(name, &mut line),
                b'\r' => {}
                byte => {
                    line.push(byte);
                    if line.len() >= LINE_MAX {
                        flush(name, &mut line);
                    }
                }
            }
        }
    }

    /// Prints an unfinished line now (a prompt the guest waits at); the rest of that line
    /// will follow on a line of its own.
    pub fn flush_partial(&self, name: &str) {
        if let Some(mut line) = self.bytes.try_lock() {
            if !line.is_empty() {
                flush(name, &mut line);
            }
        }
    }

    /// Prints what is left of the line (when the VM stops).
    pub fn finish(&self, name: &str) {
        let mut line = self.bytes.lock();
        if !line.is_empty() {
            flush(name, &mut line);
        }
    }
}

/// Focused output: the name at the start of each line, then every byte as it comes (`line`
/// only remembers whether the current line has begun).
fn write_through(name: &str, line: &mut Vec<u8>, input: &[u8]) {
    let mut text = String::with_capacity(name.len() + 3 + input.len());
    for &byte in input {
        if line.is_empty() && byte != b'\r' {
            text.push('[');
            text.push_str(name);
            text.push_str("] ");
            line.push(b' ');
        }
        match byte {
            b'\n' => {
                text.push('\n');
                line.clear();
            }
            b'\r' => {}
            0x08 | 0x20..0x7f | 0x1b => text.push(byte as char),
            _ => text.push('?'),
        }
    }
    crate::console::write_raw(&text);
}

fn flush(name: &str, line: &mut Vec<u8>) {
    let mut text = String::with_capacity(name.len() + 3 + line.len());
    text.push('[');
    text.push_str(name);
    text.push_str("] ");
    for &byte in line.iter() {
        text.push(if (0x20..0x7f).contains(&byte) {
            byte as char
        } else {
            '?'
        });
    }
    crate::console::write_line(&text);
    line.clear();
}

/// The console of one VM as its emulated UART sees it.
pub struct VmConsole {
    /// The VM's index, whose interrupt controller the UART's interrupt goes to.
    pub vm: usize,
    /// The VM's name, printed before each line.
    pub name: alloc::string::String,
    /// Its line buffer.
    pub line: alloc::sync::Arc<ConsoleLine>,
}

impl super::uart::ConsoleSink for VmConsole {
    fn put(&self, byte: u8) {
        self.line.push(&self.name, &[byte]);
    }

    fn flush(&self) {
        self.line.flush_partial(&self.name);
    }

    fn interrupt(&self) {
        super::vgic::raise_spi(self.vm, super::uart::GUEST_UART_SPI + 32);
    }
}

impl super::create::Vm {
    /// A byte typed on the console while the VM has its focus: into its UART's receive FIFO
    /// (dropped when it has no emulated UART or has stopped).
    pub fn type_input(&self, byte: u8) {
        if let (Some(uart), false) = (&self.uart, self.state() == super::VmState::Stopped) {
            uart.receive(byte);
        }
    }

    /// Gives the VM the console's focus, or takes it back.
    pub fn set_console_focus(&self, focused: bool) {
        self.console.set_focus(&self.name, focused);
    }
}
