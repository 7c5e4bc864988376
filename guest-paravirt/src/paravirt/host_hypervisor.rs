//! A stand-in for the hypervisor on the host, where `hvc` does not exist.
//!
//! Outside unit tests it answers every call with `NotSupported`. In unit tests it records each
//! call, keeps what `ConsoleWrite` was asked to print, and answers what the test scripted.

use hypercall_abi::Error;

/// What a trap returns in `x0..x3` when nobody answers.
const NOT_SUPPORTED: [u64; 4] = [Error::NotSupported.code() as u64, 0, 0, 0];

/// Answers a hypercall the way the host can: it cannot.
#[cfg(not(test))]
pub(super) fn trap(_function_id: u64, _args: [u64; 6]) -> [u64; 4] {
    NOT_SUPPORTED
}

#[cfg(test)]
pub(super) use recording::*;

#[cfg(test)]
mod recording {
    use super::NOT_SUPPORTED;
    use hypercall_abi::Function;
    use std::{cell::RefCell, collections::VecDeque, vec::Vec};

    /// One hypercall as the hypervisor would have seen it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Call {
        pub function_id: u64,
        pub args: [u64; 6],
    }

    std::thread_local! {
        static CALLS: RefCell<Vec<Call>> = const { RefCell::new(Vec::new()) };
        static CONSOLE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static ANSWERS: RefCell<VecDeque<[u64; 4]>> = const { RefCell::new(VecDeque::new()) };
    }

    /// Records the call and answers it: a scripted answer first; else a console write succeeds
    /// and keeps its bytes; anything else is not supported.
    pub fn trap(function_id: u64, args: [u64; 6]) -> [u64; 4] {
        CALLS.with(|calls| calls.borrow_mut().push(Call { function_id, args }));
        if let Some(answer) = ANSWERS.with(|answers| answers.borrow_mut().pop_front()) {
            return answer;
        }
        if function_id == u64::from(Function::ConsoleWrite.id()) {
            let (address, length) = (args[0] as *const u8, args[1] as usize);
            // SAFETY: in unit tests the only caller is `console_write_bytes`, which passes the
            // address and length of a slice it borrows for the whole call.
            let bytes = unsafe { std::slice::from_raw_parts(address, length) };
            CONSOLE.with(|console| console.borrow_mut().extend_from_slice(bytes));
            return [0; 4];
        }
        NOT_SUPPORTED
    }

    /// Queues `x0..x3` as the answer to a coming hypercall; queued answers are used in order.
    pub fn answer_with(registers: [u64; 4]) {
        ANSWERS.with(|answers| answers.borrow_mut().push_back(registers));
    }

    /// The calls made on this thread so far, oldest first; forgets them.
    pub fn take_calls() -> Vec<Call> {
        CALLS.with(|calls| calls.take())
    }

    /// Everything console writes printed on this thread so far; forgets it.
    pub fn take_console() -> Vec<u8> {
        CONSOLE.with(|console| console.take())
    }
}
