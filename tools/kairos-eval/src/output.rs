//! Standard output for the subcommands' tables and reports. `println!` panics when the reader
//! has gone (`kairos-eval ... | head`); `out!` and `outln!` end
//! the program quietly there instead, with status 0, as `cat` or `seq` would.

use std::io::Write as _;

/// Writes `text` (and a newline) to stdout; a closed pipe ends the program.
pub fn write(text: std::fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(text).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(error) = written {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("kairos-eval: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}

/// `print!` that ends the program quietly when stdout's reader has gone.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*), false) };
}

/// `println!` that ends the program quietly when stdout's reader has gone.
macro_rules! outln {
    () => { $crate::output::write(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*), true) };
}
