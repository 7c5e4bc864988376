//! The Kairos hypercall ABI: function IDs, error codes and shared layouts, used by both sides.
//!
//! Hypercalls follow the SMC Calling Convention (Arm DEN 0028): the guest executes `hvc #0` with
//! the function ID in `x0` and arguments in `x1..x6`; the hypervisor returns a status in `x0`
//! (zero or positive on success, a negative [`Error`] code otherwise) and results in `x1..x3`.
//! Kairos function IDs are fast SMC64 calls in the vendor-specific hypervisor service range
//! (owning entity 6), so they never collide with PSCI or other standard services.
//!
//! The real-time functions (`Rt*`) and the page they share are described in [`rt_page`].
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

mod error;
mod function;
pub mod rt_page;

pub use error::Error;
pub use function::{Function, ABI_VERSION_MAJOR, ABI_VERSION_MINOR};

/// Largest buffer a single console-write hypercall takes, in bytes.
pub const CONSOLE_WRITE_MAX: u64 = 256;

/// Result type of a decoded hypercall on the hypervisor side.
pub type HypercallResult = Result<[u64; 3], Error>;

/// Encodes a hypercall result into the value returned in `x0` and the three result registers.
pub fn encode_result(result: HypercallResult) -> (u64, [u64; 3]) {
    match result {
        Ok(values) => (0, values),
        Err(error) => (error.code() as u64, [0; 3]),
    }
}

/// Decodes the `x0` status a guest sees after `hvc #0` into `Ok(())` or the error it names.
pub fn decode_status(x0: u64) -> Result<(), Error> {
    let status = x0 as i64;
    if status >= 0 {
        Ok(())
    } else {
        Err(Error::from_code(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_round_trip_through_registers() {
        let (x0, values) = encode_result(Ok([1, 2, 3]));
        assert_eq!(x0, 0);
        assert_eq!(values, [1, 2, 3]);
        assert_eq!(decode_status(x0), Ok(()));
        let (x0, values) = encode_result(Err(Error::BadAddress));
        assert_eq!(values, [0; 3]);
        assert_eq!(decode_status(x0), Err(Error::BadAddress));
    }
}
