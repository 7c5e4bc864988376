//! Kairos hypercall dispatch: decodes the function, checks every argument, acts through a
//! `GuestContext` so the logic is host-tested without hardware.

use hypercall_abi::{Error, Function, HypercallResult, ABI_VERSION_MAJOR, ABI_VERSION_MINOR, CONSOLE_WRITE_MAX};

/// What a hypercall may do to its caller's world; implemented by the vCPU and by tests.
pub trait GuestContext {
    /// Copies guest memory at `ipa` into `buffer`, or `BadAddress` if any byte is outside the
    /// caller's RAM.
    fn read_guest(&self, ipa: u64, buffer: &mut [u8]) -> Result<(), Error>;
    /// Appends bytes to the VM's console line.
    fn console_write(&mut self, bytes: &[u8]);
    /// `[vm id, vcpu id, physical core]`.
    fn identity(&self) -> [u64; 3];
    /// `(counter frequency in Hz, counter now)`.
    fn clock(&self) -> (u64, u64);
}

/// Runs the hypercall named by `x0` with arguments `x1..x6`.
pub fn dispatch(function_id: u64, args: [u64; 6], context: &mut impl GuestContext) -> HypercallResult {
    let function = Function::from_id(function_id).ok_or(Error::NotSupported)?;
    match function {
        Function::Version => Ok([ABI_VERSION_MAJOR, ABI_VERSION_MINOR, 0]),
        Function::ConsoleWrite => {
            let (address, length) = (args[0], args[1]);
            if length > CONSOLE_WRITE_MAX {
                return Err(Error::TooLarge);
            }
            let mut buffer = [0u8; CONSOLE_WRITE_MAX as usize];
            let bytes = &mut buffer[..length as usize];
            context.read_guest(address, bytes)?;
            context.console_write(bytes);
            Ok([length, 0, 0])
        }
        Function::ConsolePutChar => {
            let byte = u8::try_from(args[0]).map_err(|_| Error::InvalidParameter)?;
            context.console_write(&[byte]);
            Ok([0; 3])
        }
        Function::WhoAmI => Ok(context.identity()),
        Function::Clock => {
            let (frequency, now) = context.clock();
            Ok([frequency, now, 0])
        }
        // The real-time functions are being added (issue 4); until then they are refused.
        #[allow(unreachable_patterns)]
        _ => Err(Error::NotSupported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    struct Fake {
        ram_base: u64,
        ram: Vec<u8>,
        console: Vec<u8>,
    }

    impl GuestContext for Fake {
        fn read_guest(&self, ipa: u64, buffer: &mut [u8]) -> Result<(), Error> {
            let start = ipa.checked_sub(self.ram_base).ok_or(Error::BadAddress)? as usize;
            let end = start.checked_add(buffer.len()).ok_or(Error::BadAddress)?;
            buffer.copy_from_slice(self.ram.get(start..end).ok_or(Error::BadAddress)?);
            Ok(())
        }
        fn console_write(&mut self, bytes: &[u8]) {
            self.console.extend_from_slice(bytes);
        }
        fn identity(&self) -> [u64; 3] {
            [1, 0, 2]
        }
        fn clock(&self) -> (u64, u64) {
            (1_000_000_000, 42)
        }
    }

    fn fake() -> Fake {
        let mut ram = std::vec![0u8; 4096];
        ram[16..21].copy_from_slice(b"hello");
        Fake { ram_base: 0x4000_0000, ram, console: Vec::new() }
    }

    fn call(function: Function, args: [u64; 6], context: &mut Fake) -> HypercallResult {
        dispatch(u64::from(function.id()), args, context)
    }

    #[test]
    fn version_and_identity() {
        let mut context = fake();
        assert_eq!(call(Function::Version, [0; 6], &mut context), Ok([ABI_VERSION_MAJOR, ABI_VERSION_MINOR, 0]));
        assert_eq!(call(Function::WhoAmI, [0; 6], &mut context), Ok([1, 0, 2]));
        assert_eq!(call(Function::Clock, [0; 6], &mut context), Ok([1_000_000_000, 42, 0]));
    }

    #[test]
    fn console_write_copies_checked_guest_memory() {
        let mut context = fake();
        assert_eq!(call(Function::ConsoleWrite, [0x4000_0010, 5, 0, 0, 0, 0], &mut context), Ok([5, 0, 0]));
        assert_eq!(context.console, b"hello");
    }

    #[test]
    fn bad_arguments_return_error_codes() {
        let mut context = fake();
        let outside = [0x3fff_fffe, 5, 0, 0, 0, 0];
        assert_eq!(call(Function::ConsoleWrite, outside, &mut context), Err(Error::BadAddress));
        let past_end = [0x4000_0ffe, 5, 0, 0, 0, 0];
        assert_eq!(call(Function::ConsoleWrite, past_end, &mut context), Err(Error::BadAddress));
        let wraps = [u64::MAX - 1, 5, 0, 0, 0, 0];
        assert_eq!(call(Function::ConsoleWrite, wraps, &mut context), Err(Error::BadAddress));
        let huge = [0x4000_0000, CONSOLE_WRITE_MAX + 1, 0, 0, 0, 0];
        assert_eq!(call(Function::ConsoleWrite, huge, &mut context), Err(Error::TooLarge));
        assert_eq!(call(Function::ConsolePutChar, [300, 0, 0, 0, 0, 0], &mut context), Err(Error::InvalidParameter));
        assert_eq!(dispatch(0xC600_00ff, [0; 6], &mut context), Err(Error::NotSupported));
        assert!(context.console.is_empty(), "nothing written on error");
    }
}
