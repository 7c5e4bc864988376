//! The library's panic handler on the target: the C side decides what a fatal error does.

use core::fmt::Write;

extern "C" {
    /// Provided by the C program: reports `length` bytes of `message` and never returns
    /// (FreeRTOS: `configASSERT`; Zephyr: `k_panic`; the C guest prints it and powers off).
    fn kairos_analysis_fatal(message: *const u8, length: usize) -> !;
}

/// A message buffer that keeps what fits.
struct Message {
    bytes: [u8; 160],
    length: usize,
}

impl Write for Message {
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

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut message = Message {
        bytes: [0; 160],
        length: 0,
    };
    let _ = write!(message, "kairos_analysis: {}", info.message());
    if let Some(location) = info.location() {
        let _ = write!(message, " at {}:{}", location.file(), location.line());
    }
    // SAFETY: the C program provides this function (the library's contract, in its header);
    // the buffer outlives the call.
    unsafe { kairos_analysis_fatal(message.bytes.as_ptr(), message.length) }
}
