//! The hypercall instruction: SMCCC `hvc #0` with a Kairos function ID and six arguments.

use hypercall_abi::{decode_status, Error, Function};

#[cfg(not(all(target_arch = "aarch64", not(test))))]
use super::host_hypervisor::trap;

/// Calls the hypervisor: `x0` = `function`'s ID, `x1..x6` = `args`.
///
/// Returns `x1..x3` when the status in `x0` is zero or positive, otherwise the [`Error`] it names.
pub fn hypercall(function: Function, args: [u64; 6]) -> Result<[u64; 3], Error> {
    let [status, first, second, third] = trap(u64::from(function.id()), args);
    decode_status(status).map(|()| [first, second, third])
}

/// Executes `hvc #0` and returns `x0..x3` as the hypervisor left them.
#[cfg(all(target_arch = "aarch64", not(test)))]
fn trap(function_id: u64, args: [u64; 6]) -> [u64; 4] {
    let (x0, x1, x2, x3);
    // SAFETY: `hvc #0` traps to the Kairos hypervisor, which follows SMCCC: it may change
    // x0-x17 (all outputs or clobbers below) and preserves x18-x30, SP and the stack. The
    // functions of `hypercall_abi::Function` at most read guest memory that the caller lends
    // for the duration of the call (the console buffer); none writes guest memory, so no Rust
    // object changes behind the compiler's back. The block is not `nomem`/`readonly`, so the
    // compiler completes every store to a lent buffer before the trap.
    unsafe {
        core::arch::asm!(
            "hvc #0",
            inlateout("x0") function_id => x0,
            inlateout("x1") args[0] => x1,
            inlateout("x2") args[1] => x2,
            inlateout("x3") args[2] => x3,
            inlateout("x4") args[3] => _,
            inlateout("x5") args[4] => _,
            inlateout("x6") args[5] => _,
            lateout("x7") _,
            lateout("x8") _,
            lateout("x9") _,
            lateout("x10") _,
            lateout("x11") _,
            lateout("x12") _,
            lateout("x13") _,
            lateout("x14") _,
            lateout("x15") _,
            lateout("x16") _,
            lateout("x17") _,
            options(nostack),
        );
    }
    [x0, x1, x2, x3]
}

#[cfg(test)]
mod tests {
    use super::super::host_hypervisor::{answer_with, take_calls};
    use super::*;

    #[test]
    fn passes_the_function_id_and_arguments_and_returns_three_results() {
        answer_with([0, 7, 8, 9]);
        let results = hypercall(Function::WhoAmI, [1, 2, 3, 4, 5, 6]);
        assert_eq!(results, Ok([7, 8, 9]));
        let calls = take_calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].function_id, u64::from(Function::WhoAmI.id()));
        assert_eq!(calls[0].args, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn a_positive_status_is_success() {
        answer_with([3, 1, 0, 0]);
        assert_eq!(hypercall(Function::Clock, [0; 6]), Ok([1, 0, 0]));
    }

    #[test]
    fn a_negative_status_becomes_the_error_it_names() {
        for error in Error::ALL {
            answer_with([error.code() as u64, 1, 2, 3]);
            assert_eq!(hypercall(Function::Version, [0; 6]), Err(error));
        }
    }

    #[test]
    fn without_a_scripted_answer_the_host_says_not_supported() {
        assert_eq!(hypercall(Function::Clock, [0; 6]), Err(Error::NotSupported));
    }
}
