//! The VM console: text written through the `ConsoleWrite` hypercall, whole or formatted.

use core::fmt;

use hypercall_abi::{Error, Function, CONSOLE_WRITE_MAX};

use super::hypercall;

/// Largest piece one `ConsoleWrite` call takes, as a length.
const CHUNK: usize = CONSOLE_WRITE_MAX as usize;

/// Writes `text` to this VM's console line.
///
/// The text must lie in guest RAM (a string literal in the image, the stack, a static):
/// the hypervisor reads it by guest-physical address.
pub fn console_write(text: &str) -> Result<(), Error> {
    console_write_bytes(text.as_bytes())
}

/// Writes `bytes` to this VM's console line, one hypercall per [`CONSOLE_WRITE_MAX`] bytes.
///
/// Stops at the first refused piece and returns its error; the pieces before it were written.
pub fn console_write_bytes(bytes: &[u8]) -> Result<(), Error> {
    for piece in bytes.chunks(CHUNK) {
        let args = [
            guest_physical_address(piece.as_ptr()),
            piece.len() as u64,
            0,
            0,
            0,
            0,
        ];
        hypercall(Function::ConsoleWrite, args)?;
    }
    Ok(())
}

/// The guest-physical address the hypervisor needs for a pointer into guest RAM.
///
/// The guest runs with its stage-1 MMU off, so a virtual address is the guest-physical one.
/// Once the guest enables its MMU this must translate (for example with `AT S1E1R`).
fn guest_physical_address(pointer: *const u8) -> u64 {
    pointer as u64
}

/// A [`fmt::Write`] sink for the console that gathers text into one buffer of
/// [`CONSOLE_WRITE_MAX`] bytes and hands it over in one hypercall when full or on [`flush`].
///
/// The buffer lives wherever the writer does, which must be guest RAM (the stack is).
///
/// [`flush`]: ConsoleWriter::flush
pub struct ConsoleWriter {
    buffer: [u8; CHUNK],
    length: usize,
    error: Option<Error>,
}

impl ConsoleWriter {
    /// An empty writer.
    pub const fn new() -> Self {
        ConsoleWriter {
            buffer: [0; CHUNK],
            length: 0,
            error: None,
        }
    }

    /// Writes out what is buffered. Reports the first error this writer met, if any.
    pub fn flush(&mut self) -> Result<(), Error> {
        let pending = self.length;
        self.length = 0;
        if let Err(error) = console_write_bytes(&self.buffer[..pending]) {
            self.error.get_or_insert(error);
        }
        self.error.map_or(Ok(()), Err)
    }
}

impl Default for ConsoleWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for ConsoleWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text.as_bytes();
        while !rest.is_empty() {
            if self.length == CHUNK {
                self.flush().map_err(|_| fmt::Error)?;
            }
            let taken = rest.len().min(CHUNK - self.length);
            self.buffer[self.length..self.length + taken].copy_from_slice(&rest[..taken]);
            self.length += taken;
            rest = &rest[taken..];
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::host_hypervisor::{answer_with, take_calls, take_console};
    use super::*;
    use core::fmt::Write;

    #[test]
    fn long_text_goes_out_in_pieces_of_at_most_the_maximum() {
        let text = "0123456789".repeat(60);
        assert_eq!(console_write(&text), Ok(()));
        let lengths: Vec<u64> = take_calls().iter().map(|call| call.args[1]).collect();
        assert_eq!(lengths, [256, 256, 88]);
        assert_eq!(take_console(), text.as_bytes());
    }

    #[test]
    fn pieces_point_into_the_callers_buffer_in_order() {
        let text = "x".repeat(300);
        console_write(&text).unwrap();
        let calls = take_calls();
        assert!(calls
            .iter()
            .all(|call| call.function_id == u64::from(Function::ConsoleWrite.id())));
        assert_eq!(calls[0].args[0], text.as_ptr() as u64);
        assert_eq!(calls[1].args[0], text.as_ptr() as u64 + 256);
        take_console();
    }

    #[test]
    fn empty_text_makes_no_call() {
        assert_eq!(console_write(""), Ok(()));
        assert!(take_calls().is_empty());
    }

    #[test]
    fn the_first_refused_piece_stops_the_write() {
        answer_with([Error::Busy.code() as u64, 0, 0, 0]);
        assert_eq!(console_write(&"y".repeat(600)), Err(Error::Busy));
        assert_eq!(take_calls().len(), 1);
    }

    #[test]
    fn the_writer_makes_one_call_per_full_buffer() {
        let mut writer = ConsoleWriter::new();
        writeln!(writer, "short {} line", 42).unwrap();
        assert!(take_calls().is_empty(), "nothing leaves before a flush");
        writer.flush().unwrap();
        assert_eq!(take_console(), b"short 42 line\n");
        assert_eq!(take_calls().len(), 1);

        let long = "z".repeat(600);
        writer.write_str(&long).unwrap();
        writer.flush().unwrap();
        assert_eq!(take_console(), long.as_bytes());
        assert_eq!(take_calls().len(), 3);
    }

    #[test]
    fn the_writer_keeps_the_first_error() {
        let mut writer = ConsoleWriter::new();
        answer_with([Error::BadAddress.code() as u64, 0, 0, 0]);
        assert!(writer.write_str(&"e".repeat(300)).is_err());
        assert_eq!(writer.flush(), Err(Error::BadAddress));
        take_calls();
        take_console();
    }
}
