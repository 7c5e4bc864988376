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
        ConsoleLine { bytes: spin::Mutex::new(Vec::new()) }
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
        text.push(if (0x20..0x7f).contains(&byte) { byte as char } else { '?' });
    }
    crate::console::write_line(&text);
    line.clear();
}
