//! Kairos hypercall dispatch: decodes the function, checks every argument, acts through a
//! `GuestContext` so the logic is host-tested without hardware.

use hypercall_abi::rt_page::{
    RtHeader, RtTask, RT_HEADER_SIZE, RT_MAX_TASKS, RT_PAGE_ALIGN, RT_PAGE_SIZE, RT_PAGE_VERSION,
    RT_TASKS_OFFSET, RT_TASK_SIZE,
};
use hypercall_abi::{
    Error, Function, HypercallResult, ABI_VERSION_MAJOR, ABI_VERSION_MINOR, CONSOLE_WRITE_MAX,
};

use super::paravirt::{RealTime, RtEvent, SlackReport};

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
    /// The VM's real-time record (see `paravirt`).
    fn realtime(&self) -> &RealTime;
    /// Shows a real-time event in the trace.
    fn trace_realtime(&mut self, event: RtEvent);
}

/// Runs the hypercall named by `x0` with arguments `x1..x6`.
pub fn dispatch(
    function_id: u64,
    args: [u64; 6],
    context: &mut impl GuestContext,
) -> HypercallResult {
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
        Function::RtRegister => register_rt_page(args[0], context),
        Function::RtReport => {
            let report = SlackReport {
                affordable_ns: args[0],
                time_ns: args[1],
                sequence: args[2],
                generation: args[3],
            };
            let (frequency, count) = context.clock();
            let now_ns = (u128::from(count) * 1_000_000_000 / u128::from(frequency.max(1))) as u64;
            if context.realtime().report(report, now_ns)? {
                let reports = context.realtime().reports();
                context.trace_realtime(RtEvent::SlackReport { report, reports });
            }
            Ok([0; 3])
        }
        Function::RtCheckpoint => {
            let (entry, argument, generation) = (args[0], args[1], args[2]);
            if !entry.is_multiple_of(4) {
                return Err(Error::Misaligned);
            }
            context.read_guest(entry, &mut [0u8; 4])?;
            context
                .realtime()
                .set_checkpoint(entry, argument, generation)?;
            Ok([0; 3])
        }
        Function::RtDeadlineMiss => {
            let (task, release_ns, job) = (args[0], args[1], args[2]);
            let total = context.realtime().record_miss(task)?;
            context.trace_realtime(RtEvent::DeadlineMiss {
                task,
                release_ns,
                job,
                total,
            });
            Ok([total, 0, 0])
        }
    }
}

/// `RtRegister`: checks the real-time page at `page` (in the caller's RAM, header and every
/// task valid) and records its task set.
fn register_rt_page(page: u64, context: &mut impl GuestContext) -> HypercallResult {
    if !page.is_multiple_of(RT_PAGE_ALIGN) {
        return Err(Error::Misaligned);
    }
    let last_byte = page
        .checked_add(RT_PAGE_SIZE as u64 - 1)
        .ok_or(Error::BadAddress)?;
    context.read_guest(last_byte, &mut [0u8; 1])?;
    let mut bytes = [0u8; RT_HEADER_SIZE];
    context.read_guest(page, &mut bytes)?;
    let header = RtHeader::from_bytes(&bytes);
    let scheduler = header.check()?;
    let count = header.task_count as usize;
    let mut tasks = [RtTask::default(); RT_MAX_TASKS];
    for (index, task) in tasks.iter_mut().enumerate().take(count) {
        let mut bytes = [0u8; RT_TASK_SIZE];
        let at = RT_TASKS_OFFSET + index * RT_TASK_SIZE;
        context.read_guest(page + at as u64, &mut bytes)?;
        *task = RtTask::from_bytes(&bytes);
        task.check(index)?;
    }
    context
        .realtime()
        .register(page, &header, scheduler, &tasks[..count]);
    context.trace_realtime(RtEvent::Registered {
        tasks: count as u64,
        scheduler,
        page_ipa: page,
    });
    Ok([count as u64, u64::from(RT_PAGE_VERSION), 0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    struct Fake {
        ram_base: u64,
        ram: Vec<u8>,
        console: Vec<u8>,
        realtime: RealTime,
        events: Vec<RtEvent>,
        now: u64,
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
            (1_000_000_000, self.now)
        }
        fn realtime(&self) -> &RealTime {
            &self.realtime
        }
        fn trace_realtime(&mut self, event: RtEvent) {
            self.events.push(event);
        }
    }

    fn fake() -> Fake {
        let mut ram = std::vec![0u8; 4096];
        ram[16..21].copy_from_slice(b"hello");
        Fake {
            ram_base: 0x4000_0000,
            ram,
            console: Vec::new(),
            realtime: RealTime::new(),
            events: Vec::new(),
            now: 42,
        }
    }

    fn call(function: Function, args: [u64; 6], context: &mut Fake) -> HypercallResult {
        dispatch(u64::from(function.id()), args, context)
    }

    #[test]
    fn version_and_identity() {
        let mut context = fake();
        assert_eq!(
            call(Function::Version, [0; 6], &mut context),
            Ok([ABI_VERSION_MAJOR, ABI_VERSION_MINOR, 0])
        );
        assert_eq!(call(Function::WhoAmI, [0; 6], &mut context), Ok([1, 0, 2]));
        assert_eq!(
            call(Function::Clock, [0; 6], &mut context),
            Ok([1_000_000_000, 42, 0])
        );
    }

    #[test]
    fn console_write_copies_checked_guest_memory() {
        let mut context = fake();
        assert_eq!(
            call(
                Function::ConsoleWrite,
                [0x4000_0010, 5, 0, 0, 0, 0],
                &mut context
            ),
            Ok([5, 0, 0])
        );
        assert_eq!(context.console, b"hello");
    }

    #[test]
    fn bad_arguments_return_error_codes() {
        let mut context = fake();
        let outside = [0x3fff_fffe, 5, 0, 0, 0, 0];
        assert_eq!(
            call(Function::ConsoleWrite, outside, &mut context),
            Err(Error::BadAddress)
        );
        let past_end = [0x4000_0ffe, 5, 0, 0, 0, 0];
        assert_eq!(
            call(Function::ConsoleWrite, past_end, &mut context),
            Err(Error::BadAddress)
        );
        let wraps = [u64::MAX - 1, 5, 0, 0, 0, 0];
        assert_eq!(
            call(Function::ConsoleWrite, wraps, &mut context),
            Err(Error::BadAddress)
        );
        let huge = [0x4000_0000, CONSOLE_WRITE_MAX + 1, 0, 0, 0, 0];
        assert_eq!(
            call(Function::ConsoleWrite, huge, &mut context),
            Err(Error::TooLarge)
        );
        assert_eq!(
            call(Function::ConsolePutChar, [300, 0, 0, 0, 0, 0], &mut context),
            Err(Error::InvalidParameter)
        );
        assert_eq!(
            dispatch(0xC600_00FF, [0; 6], &mut context),
            Err(Error::NotSupported)
        );
        assert!(context.console.is_empty(), "nothing written on error");
    }

    /// A fake with 16 KiB of RAM holding a real-time page of `tasks` at IPA 0x4000_2000.
    fn with_page(tasks: &[RtTask]) -> Fake {
        use hypercall_abi::rt_page::{RtPage, RtScheduler};
        let mut page = std::boxed::Box::new(RtPage::new(RtScheduler::FixedPriority, 1_000_000_000));
        page.header.task_count = tasks.len() as u32;
        page.tasks[..tasks.len()].copy_from_slice(tasks);
        // SAFETY: `RtPage` is plain integers without padding (its layout is asserted in
        // hypercall-abi), so all of its bytes are initialized; the slice lives while `page` does.
        let bytes = unsafe {
            core::slice::from_raw_parts(&*page as *const RtPage as *const u8, RT_PAGE_SIZE)
        };
        let mut context = fake();
        context.ram = std::vec![0u8; 16 * 1024];
        context.ram[0x2000..0x4000].copy_from_slice(bytes);
        context
    }

    fn rt_task(c: u64, t: u64, d: u64) -> RtTask {
        RtTask {
            wcet_ns: c,
            period_ns: t,
            deadline_ns: d,
            ..RtTask::default()
        }
    }

    const PAGE: u64 = 0x4000_2000;

    #[test]
    fn register_checks_the_page_and_keeps_the_task_set() {
        let mut context = with_page(&[rt_task(2, 10, 10), rt_task(1, 5, 4)]);
        assert_eq!(
            call(
                Function::RtRegister,
                [PAGE + 8, 0, 0, 0, 0, 0],
                &mut context
            ),
            Err(Error::Misaligned)
        );
        assert_eq!(
            call(
                Function::RtRegister,
                [PAGE + 0x1000, 0, 0, 0, 0, 0],
                &mut context
            ),
            Err(Error::BadAddress),
            "runs past RAM"
        );
        assert_eq!(
            call(
                Function::RtRegister,
                [0x4000_0000, 0, 0, 0, 0, 0],
                &mut context
            ),
            Err(Error::WrongState),
            "no magic"
        );
        assert!(context.events.is_empty());
        assert_eq!(
            call(Function::RtRegister, [PAGE, 0, 0, 0, 0, 0], &mut context),
            Ok([2, u64::from(RT_PAGE_VERSION), 0])
        );
        let registration = context.realtime.registration().unwrap();
        assert_eq!(
            (registration.task_count, registration.tasks[1]),
            (2, rt_task(1, 5, 4))
        );
        assert!(matches!(
            context.events[..],
            [RtEvent::Registered {
                tasks: 2,
                page_ipa: PAGE,
                ..
            }]
        ));
    }

    #[test]
    fn register_refuses_an_invalid_task() {
        let mut context = with_page(&[rt_task(2, 10, 10), rt_task(5, 5, 4)]);
        assert_eq!(
            call(Function::RtRegister, [PAGE, 0, 0, 0, 0, 0], &mut context),
            Err(Error::InvalidParameter)
        );
        assert!(!context.realtime.registered());
        let mut context = with_page(&[]);
        assert_eq!(
            call(Function::RtRegister, [PAGE, 0, 0, 0, 0, 0], &mut context),
            Err(Error::InvalidParameter),
            "no task"
        );
    }

    #[test]
    fn reports_checkpoints_and_misses_reach_the_record_and_the_trace() {
        let mut context = with_page(&[rt_task(2, 10, 10)]);
        assert_eq!(
            call(Function::RtReport, [500, 40, 1, 1, 0, 0], &mut context),
            Err(Error::WrongState)
        );
        assert_eq!(
            call(Function::RtDeadlineMiss, [0, 10, 1, 0, 0, 0], &mut context),
            Err(Error::WrongState)
        );
        call(Function::RtRegister, [PAGE, 0, 0, 0, 0, 0], &mut context).unwrap();
        context.events.clear();
        assert_eq!(
            call(Function::RtReport, [500, 40, 1, 1, 0, 0], &mut context),
            Ok([0; 3])
        );
        assert_eq!(
            call(Function::RtReport, [480, 41, 2, 2, 0, 0], &mut context),
            Ok([0; 3])
        );
        assert_eq!(
            call(Function::RtReport, [480, 43, 3, 3, 0, 0], &mut context),
            Err(Error::InvalidParameter),
            "t_u after now"
        );
        let last = context.realtime.last_report().unwrap();
        assert_eq!(
            (
                last.affordable_ns,
                last.time_ns,
                last.sequence,
                last.generation
            ),
            (480, 41, 2, 2)
        );
        assert_eq!(
            context.events.len(),
            1,
            "the second report is not traced (sampling)"
        );
        assert_eq!(
            call(
                Function::RtCheckpoint,
                [0x4000_0102, PAGE, 2, 0, 0, 0],
                &mut context
            ),
            Err(Error::Misaligned)
        );
        assert_eq!(
            call(
                Function::RtCheckpoint,
                [0x5000_0000, PAGE, 2, 0, 0, 0],
                &mut context
            ),
            Err(Error::BadAddress)
        );
        assert_eq!(
            call(
                Function::RtCheckpoint,
                [0x4000_0100, PAGE, 2, 0, 0, 0],
                &mut context
            ),
            Ok([0; 3])
        );
        let checkpoint = context.realtime.checkpoint().unwrap();
        assert_eq!(
            (checkpoint.entry, checkpoint.argument, checkpoint.generation),
            (0x4000_0100, PAGE, 2)
        );
        assert_eq!(
            call(Function::RtDeadlineMiss, [1, 10, 1, 0, 0, 0], &mut context),
            Err(Error::InvalidParameter)
        );
        assert_eq!(
            call(Function::RtDeadlineMiss, [0, 10, 1, 0, 0, 0], &mut context),
            Ok([1, 0, 0])
        );
        assert_eq!(
            context.events.last(),
            Some(&RtEvent::DeadlineMiss {
                task: 0,
                release_ns: 10,
                job: 1,
                total: 1
            })
        );
    }
}
