//! The guest's checkpoint in the real-time page: commit the schedule's state at an event, and
//! restore it after a blackout (the protocol is in `hypercall_abi::rt_page`).
//!
//! A commit writes the slot not holding the newest committed state, so the newest committed
//! slot is intact whenever the writer stops, even half-way. [`restore`] and the hypervisor read
//! the same slot and therefore agree on the state a recovery starts from.

use hypercall_abi::rt_page::{
    slot_of, RtHeader, RtPage, RtScheduler, RtSlot, RT_MAX_TASKS, RT_NO_TASK, RT_PAGE_MAGIC,
    RT_PAGE_SIZE, RT_PAGE_VERSION,
};

use super::engine::Schedule;
use super::ready::Policy;
use super::task::TaskState;

/// Orders the page's stores as the protocol needs (`dmb ish` on the guest; a fence on the host).
fn barrier() {
    #[cfg(all(target_arch = "aarch64", not(test)))]
    // SAFETY: a data memory barrier only orders memory accesses. Not `nomem`, so it is also a
    // compiler barrier: no store to the page moves across it.
    unsafe {
        core::arch::asm!("dmb ish", options(nostack, preserves_flags))
    };
    #[cfg(not(all(target_arch = "aarch64", not(test))))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}

/// Reads a word the other side may have written, as one access.
fn load(word: &u64) -> u64 {
    // SAFETY: a reference is valid and aligned for the read.
    unsafe { core::ptr::read_volatile(word) }
}

/// Writes a word the other side reads, as one access, in program order.
fn store(word: &mut u64, value: u64) {
    // SAFETY: a mutable reference is valid and aligned for the write.
    unsafe { core::ptr::write_volatile(word, value) }
}

/// Fills the page's header and task table for `schedule` (before registering it).
pub fn describe(page: &mut RtPage, schedule: &Schedule, counter_frequency_hz: u64) {
    let scheduler = match schedule.policy() {
        Policy::Edf => RtScheduler::Edf,
        Policy::FixedPriority => RtScheduler::FixedPriority,
    };
    // Cleared in place: an 8 KiB temporary would take half a vCPU stack.
    // SAFETY: `page` is a valid, exclusive reference, and an all-zero `RtPage` is valid (it is
    // made of integers only).
    unsafe { core::ptr::write_bytes(page as *mut RtPage, 0, 1) };
    page.header = RtHeader {
        magic: RT_PAGE_MAGIC,
        version: RT_PAGE_VERSION,
        size: RT_PAGE_SIZE as u32,
        scheduler: scheduler as u32,
        task_count: schedule.params().len() as u32,
        counter_frequency_hz,
        committed: 0,
        flags: 0,
        origin_ns: schedule.origin(),
        reserved: 0,
    };
    for slot in &mut page.slots {
        slot.running = RT_NO_TASK;
    }
    for (entry, params) in page.tasks.iter_mut().zip(schedule.params()) {
        *entry = params.to_page();
    }
}

/// Commits `schedule`'s state with its slack and report number; returns the new generation.
pub fn commit(
    page: &mut RtPage,
    schedule: &Schedule,
    affordable_ns: u64,
    report_sequence: u64,
) -> u64 {
    let generation = load(&page.header.committed) + 1;
    let slot = &mut page.slots[slot_of(generation)];
    store(&mut slot.generation, 0);
    barrier();
    slot.time_ns = schedule.now();
    slot.affordable_ns = affordable_ns;
    slot.report_sequence = report_sequence;
    slot.running = schedule.running().map_or(RT_NO_TASK, |task| task as u32);
    slot.task_count = schedule.params().len() as u32;
    let origin = schedule.origin();
    let mut started = 0u64;
    for (index, (params, state)) in schedule.params().iter().zip(schedule.states()).enumerate() {
        slot.tasks[index] = state.to_page(params, origin);
        if state.started {
            started |= 1 << index;
        }
    }
    slot.flags = started;
    barrier();
    store(&mut slot.generation, generation);
    barrier();
    store(&mut page.header.committed, generation);
    barrier();
    generation
}

/// The newest committed slot, if one is intact.
pub fn latest(page: &RtPage) -> Option<&RtSlot> {
    let generation = load(&page.header.committed);
    let slot = &page.slots[slot_of(generation)];
    let intact = generation != 0 && load(&slot.generation) == generation;
    intact.then_some(slot)
}

/// Puts `schedule` back in the state of `slot` (the parameters and origin are the schedule's own).
pub fn restore(schedule: &mut Schedule, slot: &RtSlot) {
    let count = (slot.task_count as usize).min(RT_MAX_TASKS);
    let states = slot.tasks[..count]
        .iter()
        .enumerate()
        .map(|(index, state)| TaskState::from_page(state, slot.flags & (1 << index) != 0));
    let running = (slot.running != RT_NO_TASK).then_some(slot.running as usize);
    schedule.restore(slot.time_ns, states, running);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtos::{Cpu, Silent, TaskParams};
    use rt_analysis::Task;
    use std::boxed::Box;

    fn schedule() -> Schedule {
        let params = [
            TaskParams::from(Task::periodic(3, 10)),
            TaskParams::from(Task::periodic(2, 5).with_deadline(4).with_offset(1)),
        ];
        Schedule::new(Policy::Edf, &params, 1000).unwrap()
    }

    fn page() -> Box<RtPage> {
        Box::new(RtPage::new(RtScheduler::Edf, 1))
    }

    #[test]
    fn describe_fills_header_and_table() {
        let mut page = page();
        describe(&mut page, &schedule(), 62_500_000);
        assert_eq!(page.header.check(), Ok(RtScheduler::Edf));
        assert_eq!((page.header.task_count, page.header.origin_ns), (2, 1000));
        assert_eq!(page.tasks[1].deadline_ns, 4);
        assert!(page
            .tasks
            .iter()
            .take(2)
            .enumerate()
            .all(|(i, task)| task.check(i).is_ok()));
    }

    #[test]
    fn commits_alternate_slots_and_restore_round_trips() {
        let mut page = page();
        let mut schedule = schedule();
        describe(&mut page, &schedule, 1);
        assert!(latest(&page).is_none(), "nothing committed yet");
        schedule.advance_to(1001, Cpu::Available, &mut Silent);
        assert_eq!(commit(&mut page, &schedule, 7, 1), 1);
        let saved = schedule.clone();
        schedule.advance_to(1003, Cpu::Available, &mut Silent);
        assert_eq!(commit(&mut page, &schedule, 5, 2), 2);
        assert_eq!(latest(&page).unwrap().report_sequence, 2);
        let mut restored = saved.clone();
        restore(&mut restored, latest(&page).unwrap());
        assert_eq!(restored.states(), schedule.states());
        assert_eq!(
            (restored.now(), restored.running()),
            (schedule.now(), schedule.running())
        );
    }

    #[test]
    fn a_commit_cut_short_leaves_the_previous_state() {
        let mut page = page();
        let mut schedule = schedule();
        describe(&mut page, &schedule, 1);
        schedule.advance_to(1001, Cpu::Available, &mut Silent);
        commit(&mut page, &schedule, 7, 1);
        // The writer of generation 2 died after zeroing its slot's generation.
        page.slots[slot_of(2)].generation = 0;
        page.slots[slot_of(2)].time_ns = 99;
        let slot = latest(&page).unwrap();
        assert_eq!((slot.generation, slot.time_ns), (1, 1001));
        // ... or after its slot, before publishing: still generation 1.
        page.slots[slot_of(2)].generation = 2;
        assert_eq!(latest(&page).unwrap().generation, 1);
    }
}
