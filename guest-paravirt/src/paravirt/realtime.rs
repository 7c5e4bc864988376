//! The real-time hypercalls: register the real-time page, report slack, set the recovery point,
//! report deadline misses. Each is one `hvc` with register arguments only.

use hypercall_abi::{Error, Function};

use super::hypercall;

/// Registers the real-time page at guest-physical `page` (4 KiB aligned); the hypervisor copies
/// the task set from it. Returns the task count the hypervisor accepted.
pub fn rt_register(page: u64) -> Result<u64, Error> {
    let [tasks, _version, _] = hypercall(Function::RtRegister, [page, 0, 0, 0, 0, 0])?;
    Ok(tasks)
}

/// Reports A(t_u) = `affordable_ns` at event time `time_ns`, report number `sequence`, with the
/// checkpoint of generation `generation` committed at that time.
pub fn rt_report(
    affordable_ns: u64,
    time_ns: u64,
    sequence: u64,
    generation: u64,
) -> Result<(), Error> {
    hypercall(
        Function::RtReport,
        [affordable_ns, time_ns, sequence, generation, 0, 0],
    )
    .map(|_| ())
}

/// Sets the recovery point: after a blackout the hypervisor restarts the vCPU at `entry` with
/// `x0 = argument`. `generation` is the checkpoint committed now (0 if none yet).
pub fn rt_checkpoint(entry: u64, argument: u64, generation: u64) -> Result<(), Error> {
    hypercall(
        Function::RtCheckpoint,
        [entry, argument, generation, 0, 0, 0],
    )
    .map(|_| ())
}

/// Reports that job number `job` of task `task`, released at `release_ns`, missed its deadline.
/// Returns how many misses this VM has reported in all.
pub fn rt_deadline_miss(task: u64, release_ns: u64, job: u64) -> Result<u64, Error> {
    let [total, _, _] = hypercall(Function::RtDeadlineMiss, [task, release_ns, job, 0, 0, 0])?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::super::host_hypervisor::{answer_with, take_calls};
    use super::*;

    #[test]
    fn arguments_go_in_order() {
        answer_with([0, 3, 1, 0]);
        assert_eq!(rt_register(0x4010_0000), Ok(3));
        answer_with([0; 4]);
        assert_eq!(rt_report(500, 1_000, 7, 4), Ok(()));
        answer_with([0; 4]);
        assert_eq!(rt_checkpoint(0x4008_0100, 0x4010_0000, 4), Ok(()));
        answer_with([0, 9, 0, 0]);
        assert_eq!(rt_deadline_miss(2, 30_000, 3), Ok(9));
        let calls = take_calls();
        let expect = |function: Function, args: [u64; 6]| (u64::from(function.id()), args);
        let seen: Vec<_> = calls
            .iter()
            .map(|call| (call.function_id, call.args))
            .collect();
        assert_eq!(
            seen,
            [
                expect(Function::RtRegister, [0x4010_0000, 0, 0, 0, 0, 0]),
                expect(Function::RtReport, [500, 1_000, 7, 4, 0, 0]),
                expect(
                    Function::RtCheckpoint,
                    [0x4008_0100, 0x4010_0000, 4, 0, 0, 0]
                ),
                expect(Function::RtDeadlineMiss, [2, 30_000, 3, 0, 0, 0]),
            ]
        );
    }

    #[test]
    fn a_refusal_is_an_error() {
        answer_with([Error::InvalidParameter.code() as u64, 0, 0, 0]);
        assert_eq!(rt_register(0x4010_0001), Err(Error::InvalidParameter));
    }
}
