//! `print!` and `println!`: formatted text on the VM console, one hypercall per line or so.

use core::fmt::{self, Write};

use crate::paravirt::ConsoleWriter;

/// Formats `args` into a [`ConsoleWriter`] on the stack and writes it out.
///
/// Console errors are dropped: there is nowhere left to report them.
pub fn print_args(args: fmt::Arguments) {
    let mut writer = ConsoleWriter::new();
    let _ = writer.write_fmt(args);
    let _ = writer.flush();
}

/// Prints to the VM console through the `ConsoleWrite` hypercall.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::print::print_args(::core::format_args!($($arg)*))
    };
}

/// Prints a line to the VM console through the `ConsoleWrite` hypercall.
#[macro_export]
macro_rules! println {
    () => {
        $crate::print::print_args(::core::format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::print::print_args(::core::format_args!("{}\n", ::core::format_args!($($arg)*)))
    };
}
