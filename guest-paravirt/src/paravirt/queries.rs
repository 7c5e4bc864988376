//! The hypercalls that only ask: ABI version, who the caller is, the hypervisor's clock.

use hypercall_abi::{Error, Function, ABI_VERSION_MAJOR, ABI_VERSION_MINOR};

use super::hypercall;

/// A version of the Kairos hypercall ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbiVersion {
    /// Changes when the ABI breaks.
    pub major: u64,
    /// Grows when functions are added.
    pub minor: u64,
}

impl AbiVersion {
    /// The version this guest was built against.
    pub const GUEST: AbiVersion = AbiVersion {
        major: ABI_VERSION_MAJOR,
        minor: ABI_VERSION_MINOR,
    };

    /// Whether a hypervisor speaking this version serves this guest: same major, and at least
    /// the minor the guest was built with (it may call any function that minor has).
    pub fn serves_guest(self) -> bool {
        self.major == Self::GUEST.major && self.minor >= Self::GUEST.minor
    }
}

/// Who is calling: the VM, its vCPU, and the physical core that vCPU runs on right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The VM's ID in the partition configuration.
    pub vm: u64,
    /// The calling vCPU's index within its VM.
    pub vcpu: u64,
    /// The physical core running the vCPU (changes if the VM migrates).
    pub core: u64,
}

/// The hypervisor's view of the system counter at the moment of the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Counter frequency in Hz.
    pub frequency_hz: u64,
    /// Counter value.
    pub count: u64,
}

/// Asks which ABI version the hypervisor speaks.
pub fn version() -> Result<AbiVersion, Error> {
    let [major, minor, _] = hypercall(Function::Version, [0; 6])?;
    Ok(AbiVersion { major, minor })
}

/// Asks who the caller is.
pub fn who_am_i() -> Result<Identity, Error> {
    let [vm, vcpu, core] = hypercall(Function::WhoAmI, [0; 6])?;
    Ok(Identity { vm, vcpu, core })
}

/// Reads the hypervisor's system counter and its frequency.
pub fn clock() -> Result<Clock, Error> {
    let [frequency_hz, count, _] = hypercall(Function::Clock, [0; 6])?;
    Ok(Clock {
        frequency_hz,
        count,
    })
}

#[cfg(test)]
mod tests {
    use super::super::host_hypervisor::{answer_with, take_calls};
    use super::*;

    #[test]
    fn results_land_in_named_fields() {
        answer_with([0, ABI_VERSION_MAJOR, ABI_VERSION_MINOR, 0]);
        answer_with([0, 2, 1, 3]);
        answer_with([0, 62_500_000, 12_345, 0]);
        assert_eq!(version(), Ok(AbiVersion::GUEST));
        assert_eq!(
            who_am_i(),
            Ok(Identity {
                vm: 2,
                vcpu: 1,
                core: 3
            })
        );
        assert_eq!(
            clock(),
            Ok(Clock {
                frequency_hz: 62_500_000,
                count: 12_345
            })
        );
        let ids: Vec<u64> = take_calls().iter().map(|call| call.function_id).collect();
        let expected = [Function::Version, Function::WhoAmI, Function::Clock];
        assert_eq!(ids, expected.map(|function| u64::from(function.id())));
    }

    #[test]
    fn errors_pass_through() {
        answer_with([Error::Denied.code() as u64, 0, 0, 0]);
        assert_eq!(who_am_i(), Err(Error::Denied));
    }

    #[test]
    fn a_hypervisor_serves_this_guest_with_the_same_major_and_a_newer_minor() {
        let guest = AbiVersion::GUEST;
        assert!(guest.serves_guest());
        assert!(AbiVersion {
            minor: guest.minor + 1,
            ..guest
        }
        .serves_guest());
        assert!(!AbiVersion {
            major: guest.major + 1,
            ..guest
        }
        .serves_guest());
        if guest.minor > 0 {
            assert!(!AbiVersion {
                minor: guest.minor - 1,
                ..guest
            }
            .serves_guest());
        }
    }
}
