//! A VM's console line buffer: output appears on the physical console one whole line at a time,
//! prefixed with the VM's name, so VMs never interleave mid-line.

use alloc::string::String;
use alloc::vec::Vec;

/// Longest line kept before it is flushed anyway.
const LINE_MAX: usize = 200;

/// Bytes of a VM's current, unfinished console line.
pub struct ConsoleLine {
    bytes: spin::Mutex<Vec<u8>>,
}

impl ConsoleLine {
    /// An empty line.
    pub fn new() -> Self {
        ConsoleLine {
            bytes: spin::Mutex::new(Vec::new()),
        }
    }

    /// Appends guest bytes, printing every completed line with `name` in front.
    pub fn push(&self, name: &str, input: &[u8]) {
        let mut line = self.bytes.lock();
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
}
