//! Hypercall error codes: fixed negative numbers, stable across releases.

/// Why a hypercall was refused. The numeric codes are part of the ABI and never change;
/// `NotSupported` is SMCCC's own "unknown function" value (-1).
#[repr(i64)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The function ID is not implemented (SMCCC NOT_SUPPORTED).
    NotSupported = -1,
    /// An argument is out of range or malformed.
    InvalidParameter = -2,
    /// The caller may not do this (for example, touch a core that is not its own).
    Denied = -3,
    /// A guest address or length is not mapped in the caller's memory.
    BadAddress = -4,
    /// A guest address is not aligned as the function requires.
    Misaligned = -5,
    /// A buffer is larger than the function accepts.
    TooLarge = -6,
    /// The operation is valid but cannot be done now (for example, called before registration).
    WrongState = -7,
    /// Caller exceeded its rate limit; try again later.
    Busy = -8,
}

impl Error {
    /// All codes, in numeric order from -1 down.
    pub const ALL: [Error; 8] = [
        Error::NotSupported,
        Error::InvalidParameter,
        Error::Denied,
        Error::BadAddress,
        Error::Misaligned,
        Error::TooLarge,
        Error::WrongState,
        Error::Busy,
    ];

    /// The signed code returned in `x0`.
    pub const fn code(self) -> i64 {
        self as i64
    }

    /// Maps a negative status back to its error; unknown codes read as `NotSupported`.
    pub fn from_code(code: i64) -> Error {
        Error::ALL
            .iter()
            .copied()
            .find(|error| error.code() == code)
            .unwrap_or(Error::NotSupported)
    }

    /// A short name for logs and traces.
    pub const fn name(self) -> &'static str {
        match self {
            Error::NotSupported => "not_supported",
            Error::InvalidParameter => "invalid_parameter",
            Error::Denied => "denied",
            Error::BadAddress => "bad_address",
            Error::Misaligned => "misaligned",
            Error::TooLarge => "too_large",
            Error::WrongState => "wrong_state",
            Error::Busy => "busy",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_back_to_itself() {
        for error in Error::ALL {
            assert_eq!(Error::from_code(error.code()), error);
            assert!(error.code() < 0);
        }
        assert_eq!(Error::from_code(-999), Error::NotSupported);
    }
}
