//! Each core's time partitions at run time: which vCPUs it hosts, their saved states, and the
//! switches between them at the frame's slot boundaries.
//!
//! Only the core itself touches its table (from its interrupt path and its switch loop, with
//! interrupts masked at EL2), so the lock is never contended except by the snapshot readers of
//! the migration policy, which only try it. A switch never returns into the interrupted
//! exception: the outgoing vCPU's frame is saved, and the incoming one is entered from the top
//! of this core's stack (`run`).

use super::context::{self, VcpuContext};
use super::schedule::{Now, Schedule, Slot};
use crate::arch::aarch64::{cpu, percpu, timer};
use crate::migration::arrival::{Arrival, FramePlan};
use crate::vm::exit::TrapFrame;
use crate::vm::{vms, VmState};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use hypercall_abi::rt_page::RtSpan;

/// Where a hosted vCPU is.
enum Hosted {
    /// On the core now.
    Running,
    /// Switched out.
    Parked(Box<VcpuContext>),
    /// A migrant that has not run here yet.
    Arriving(Box<Arrival>),
    /// To boot from its image (its fault policy restarted it).
    Boot,
}

/// One vCPU the core hosts.
struct Guest {
    vm: usize,
    vcpu: usize,
    state: Hosted,
}

/// A core in time partitions.
struct Partitions {
    schedule: Schedule,
    guests: Vec<Guest>,
}

impl Partitions {
    fn guest(&mut self, vm: usize, vcpu: usize) -> Option<&mut Guest> {
        self.guests
            .iter_mut()
            .find(|guest| guest.vm == vm && guest.vcpu == vcpu)
    }

    fn forget(&mut self, vm: usize, vcpu: usize) {
        self.schedule.remove(vm, vcpu);
        self.guests
            .retain(|guest| guest.vm != vm || guest.vcpu != vcpu);
    }
}

static TABLES: [spin::Mutex<Option<Partitions>>; percpu::MAX_CPUS] =
    [const { spin::Mutex::new(None) }; percpu::MAX_CPUS];
/// The core is in time partitions (read on the interrupt path without the lock).
static ACTIVE: [AtomicBool; percpu::MAX_CPUS] =
    [const { AtomicBool::new(false) }; percpu::MAX_CPUS];
/// The running slot's end passed: switch at the next chance.
static DUE: [AtomicBool; percpu::MAX_CPUS] = [const { AtomicBool::new(false) }; percpu::MAX_CPUS];
/// The planned end of the slot running on each core (ticks; 0: none).
static SLOT_END: [AtomicU64; percpu::MAX_CPUS] = [const { AtomicU64::new(0) }; percpu::MAX_CPUS];

/// True when `core` runs time partitions.
pub fn active(core: usize) -> bool {
    ACTIVE[core].load(Ordering::Acquire)
}

/// The frame `core` runs, in ns, as the migration policy sees it: `(start, period, slots as
/// (vm, offset, length))`; `None` if it runs none (or its table is busy: the core is dead
/// holding it, and then it is no candidate anyway).
pub fn frame_of(core: usize) -> Option<FramePlan> {
    if !active(core) {
        return None;
    }
    let table = TABLES.get(core)?.try_lock()?;
    let schedule = &table.as_ref()?.schedule;
    Some(FramePlan {
        start_ns: cpu::ticks_to_ns(schedule.start()),
        period_ns: cpu::ticks_to_ns(schedule.period()),
        slots: schedule
            .slots()
            .iter()
            .map(|slot| {
                (
                    slot.vm,
                    cpu::ticks_to_ns(slot.offset),
                    cpu::ticks_to_ns(slot.length),
                )
            })
            .collect(),
    })
}

/// The partition timer's handler: the running slot is over.
fn slot_over() {
    DUE[percpu::current_id()].store(true, Ordering::Release);
    percpu::current().attention.store(true, Ordering::Release);
}

/// On the interrupt path of a running guest (after `vgic::handle_irq`): takes an arrival that
/// shares this core, and switches vCPUs when the slot is over. `frame` is the interrupted
/// guest's saved registers; returns if nothing is to be switched.
pub fn poll(frame: &TrapFrame) {
    let here = percpu::current();
    if !here.attention.load(Ordering::Acquire) {
        return; // the common case: one load on the interrupt path
    }
    here.attention.store(false, Ordering::Release);
    let me = here.id.load(Ordering::Relaxed);
    if crate::migration::arrival::waiting(me) {
        if let Some(arrival) = crate::migration::arrival::take_arrival(me) {
            accept(arrival);
        }
        if crate::migration::arrival::waiting(me) {
            // Another one, or the mailbox was busy: look again at the next interrupt.
            here.attention.store(true, Ordering::Release);
        }
    }
    if active(me) && DUE[me].swap(false, Ordering::AcqRel) {
        preempt(frame);
    }
}

/// Takes `arrival` on this core: in its slot if it comes with a frame, else (a spare core's
/// move reaching a core that is running) as the spare path would.
pub fn accept(arrival: Arrival) {
    if arrival.frame.is_none() {
        crate::migration::arrive(arrival);
    }
    if !crate::migration::arrival::prepare(&arrival) {
        return;
    }
    admit(arrival);
}

/// Installs the frame the policy planned for `arrival` (which shares this core) and hosts its
/// vCPU; the vCPU running now keeps the core until the frame's first slot boundary.
fn admit(arrival: Arrival) {
    let me = percpu::current_id();
    let Some(plan) = arrival.frame.as_ref() else {
        return;
    };
    let here = percpu::current();
    let running = (
        here.vm.load(Ordering::Relaxed),
        here.vcpu.load(Ordering::Relaxed),
    );
    let slots: Vec<Slot> = plan
        .slots
        .iter()
        .filter_map(|&(vm, offset, length)| {
            let vcpu = if vm == arrival.vm {
                arrival.vcpu
            } else {
                vms().get(vm)?.vcpu_on(me)?
            };
            // Converting the ends (not the lengths) keeps rounded slots from overlapping.
            let start = cpu::ns_to_ticks(offset);
            let end = cpu::ns_to_ticks(offset.saturating_add(length));
            Some(Slot {
                vm,
                vcpu,
                offset: start,
                length: end.saturating_sub(start),
            })
        })
        .collect();
    let start = cpu::ns_to_ticks(plan.start_ns);
    let schedule = match Schedule::new(start, cpu::ns_to_ticks(plan.period_ns), slots) {
        Ok(schedule) => schedule,
        Err(error) => {
            log::error!("core {me}: planned frame refused ({error:?}); stopping the migrant");
            crate::vm::run::stop_vm(&vms()[arrival.vm], "bad_frame");
            return;
        }
    };
    let mut table = TABLES[me].lock();
    let first = table.is_none();
    let partitions = table.get_or_insert_with(|| Partitions {
        schedule: schedule.clone(),
        guests: Vec::new(),
    });
    partitions.schedule = schedule;
    for slot in partitions.schedule.slots().to_vec() {
        if partitions.guest(slot.vm, slot.vcpu).is_some() || slot.vm == arrival.vm {
            continue;
        }
        if (slot.vm, slot.vcpu) == running {
            partitions.guests.push(Guest {
                vm: slot.vm,
                vcpu: slot.vcpu,
                state: Hosted::Running,
            });
        } else {
            log::warn!(
                "core {me}: vm {} vcpu {} is not running here; its slot stays idle",
                slot.vm,
                slot.vcpu
            );
            partitions.schedule.remove(slot.vm, slot.vcpu);
        }
    }
    let (vm, vcpu) = (arrival.vm, arrival.vcpu);
    trace_frame(me, &partitions.schedule, vm);
    partitions.guests.push(Guest {
        vm,
        vcpu,
        state: Hosted::Arriving(Box::new(arrival)),
    });
    drop(table);
    if first {
        // The vCPU running now keeps the core until the frame starts (the slot boundaries of a
        // frame already running stay armed as they are).
        timer::set_channel_handler(timer::Channel::Partition, slot_over);
        ACTIVE[me].store(true, Ordering::Release);
        DUE[me].store(false, Ordering::Release);
        // The vCPU running now owns the core until the frame starts: that is its slot's end.
        let first_end = start.max(cpu::counter());
        SLOT_END[me].store(first_end, Ordering::Relaxed);
        timer::arm_channel(timer::Channel::Partition, first_end);
    }
}

/// Traces the frame this core now runs.
fn trace_frame(core: usize, schedule: &Schedule, migrant: usize) {
    // The event names the core by its `core` field, as every event does.
    let mut slots = alloc::string::String::from("[");
    for (index, slot) in schedule.slots().iter().enumerate() {
        if index > 0 {
            slots.push(',');
        }
        slots.push_str(&alloc::format!(
            "[{},{},{}]",
            slot.vm,
            cpu::ticks_to_ns(slot.offset),
            cpu::ticks_to_ns(slot.length)
        ));
    }
    slots.push(']');
    log::info!(
        "core {core}: time partitions, period {} us, slots (vm, offset ns, length ns) {slots}",
        cpu::ticks_to_ns(schedule.period()) / 1000
    );
    crate::console::emit(
        crate::console::event("time_partitions")
            .u64("migrant", migrant as u64)
            .u64("start_ns", cpu::ticks_to_ns(schedule.start()))
            .u64("period_ns", cpu::ticks_to_ns(schedule.period()))
            .raw("slots", &slots),
    );
}

/// The running slot is over: saves the vCPU interrupted with `frame` and runs the frame on.
fn preempt(frame: &TrapFrame) -> ! {
    let me = percpu::current_id();
    let here = percpu::current();
    let (vm, vcpu) = (
        here.vm.load(Ordering::Relaxed),
        here.vcpu.load(Ordering::Relaxed),
    );
    let mut saved = Box::new(context::save(frame));
    // The vCPU's dark span starts at its slot's planned end, not at the few microseconds later
    // when the timer interrupt got here: its RTOS then counts exactly the supply the policy
    // planned with (the extra moments only ever add supply, which it does not claim).
    let end = SLOT_END[me].load(Ordering::Relaxed);
    if end != 0 && cpu::counter() >= end {
        saved.out_ns = cpu::ticks_to_ns(end);
    }
    if let Some(guest) = TABLES[me]
        .lock()
        .as_mut()
        .and_then(|partitions| partitions.guest(vm, vcpu))
    {
        guest.state = Hosted::Parked(saved);
    }
    run()
}

/// The vCPU running on this core stopped (`restart`: it boots again from its image in its next
/// slot; else it is gone). Returns false if the core is not in time partitions or hosts nobody
/// any more (it then leaves them: the caller idles the core).
pub fn leave(vm: usize, vcpu: usize, restart: bool) -> bool {
    let me = percpu::current_id();
    if !active(me) {
        return false;
    }
    let mut table = TABLES[me].lock();
    let Some(partitions) = table.as_mut() else {
        return false;
    };
    if restart {
        if let Some(guest) = partitions.guest(vm, vcpu) {
            guest.state = Hosted::Boot;
        }
    } else {
        partitions.forget(vm, vcpu);
    }
    if !partitions.guests.is_empty() {
        return true;
    }
    *table = None;
    drop(table);
    dissolve(me);
    false
}

/// This core hosts nobody any more (its table is emptied): it leaves time partitions.
fn dissolve(me: usize) {
    ACTIVE[me].store(false, Ordering::Release);
    SLOT_END[me].store(0, Ordering::Relaxed);
    timer::disarm_channel(timer::Channel::Partition);
    log::info!("core {me}: no VM left in its time partitions");
}

/// Runs this core's frame from now on: waits through idle spans, and enters the vCPU of each
/// slot as it begins.
pub fn run() -> ! {
    let me = percpu::current_id();
    percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
    loop {
        let now = cpu::counter();
        let mut table = TABLES[me].lock();
        let Some(partitions) = table.as_mut() else {
            drop(table);
            crate::vm::run::idle();
        };
        match partitions.schedule.at(now) {
            Now::Idle { until } => {
                drop(table);
                idle_until(me, until);
            }
            Now::Slot { index, until } => {
                let slot = partitions.schedule.slots()[index];
                if vms()[slot.vm].state() == VmState::Stopped {
                    partitions.forget(slot.vm, slot.vcpu);
                    if partitions.guests.is_empty() {
                        *table = None;
                        drop(table);
                        dissolve(me);
                        crate::vm::run::idle();
                    }
                    continue;
                }
                let Some(guest) = partitions.guest(slot.vm, slot.vcpu) else {
                    partitions.schedule.remove(slot.vm, slot.vcpu);
                    continue;
                };
                // A migrant enters in the slot the policy planned (its first supply is at its
                // `resume_at`, the restore bound into that slot), held like a move to a spare
                // core: it lands half the restore bound early, so that entering ends by then.
                if let Hosted::Arriving(arrival) = &guest.state {
                    let resume = cpu::ns_to_ticks(arrival.resume_at_ns);
                    let land = cpu::ns_to_ticks(
                        arrival
                            .resume_at_ns
                            .saturating_sub(crate::migration::RESTORE_BOUND_NS / 2),
                    );
                    if until <= resume || now < land {
                        drop(table);
                        idle_until(me, if until <= resume { until } else { land });
                        continue;
                    }
                }
                let state = core::mem::replace(&mut guest.state, Hosted::Running);
                drop(table);
                timer::arm_channel(timer::Channel::Partition, until);
                DUE[me].store(false, Ordering::Release);
                SLOT_END[me].store(until, Ordering::Relaxed);
                switch_in(slot, until - slot.length, state);
            }
        }
    }
}

/// Idles this core until `until` (ticks) or the next interrupt, serving what comes meanwhile
/// (its heartbeat, arrivals).
fn idle_until(me: usize, until: u64) {
    percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
    timer::arm_channel(timer::Channel::Partition, until);
    timer::wait_for_interrupt(Some(until));
    crate::vm::vgic::handle_irq();
    if let Some(arrival) = crate::migration::arrival::take_arrival(me) {
        accept(arrival);
    }
}

/// Switches done on each core, and the longest (ticks from the slot's start to entering its
/// vCPU): the figure `inputs::SWITCH_BOUND_NS` must cover.
static SWITCHES: [AtomicU64; percpu::MAX_CPUS] = [const { AtomicU64::new(0) }; percpu::MAX_CPUS];
static WORST_SWITCH: [AtomicU64; percpu::MAX_CPUS] =
    [const { AtomicU64::new(0) }; percpu::MAX_CPUS];

/// Per core that ran time partitions: `(core, switches, worst switch in ns)`.
pub fn switch_stats() -> Vec<(usize, u64, u64)> {
    (0..percpu::MAX_CPUS)
        .filter(|&core| SWITCHES[core].load(Ordering::Relaxed) != 0)
        .map(|core| {
            (
                core,
                SWITCHES[core].load(Ordering::Relaxed),
                cpu::ticks_to_ns(WORST_SWITCH[core].load(Ordering::Relaxed)),
            )
        })
        .collect()
}

/// Counts a switch into a slot that began at `slot_start` (ticks).
fn count_switch(core: usize, slot_start: u64) {
    SWITCHES[core].fetch_add(1, Ordering::Relaxed);
    let took = cpu::counter().saturating_sub(slot_start);
    WORST_SWITCH[core].fetch_max(took, Ordering::Relaxed);
}

/// Enters the slot's vCPU from `state` (its slot began at `slot_start`, in ticks).
fn switch_in(slot: Slot, slot_start: u64, state: Hosted) -> ! {
    let me = percpu::current_id();
    let vm = &vms()[slot.vm];
    let here = percpu::current();
    here.vm.store(slot.vm, Ordering::Relaxed);
    here.vcpu.store(slot.vcpu, Ordering::Relaxed);
    match state {
        Hosted::Parked(saved) => {
            context::load(&saved);
            crate::vm::vgic::move_vcpu(vm, slot.vcpu, me);
            crate::vm::vgic::refill_here();
            count_switch(me, slot_start);
            // The slot's supply starts at the switch bound, however fast this switch was: the
            // vCPU gets exactly what the policy planned with, every period.
            let supply = slot_start + cpu::ns_to_ticks(crate::migration::SWITCH_BOUND_NS);
            crate::vm::run::serve_until(supply);
            log_dark_span(vm, saved.out_ns, cpu::ticks_to_ns(supply));
            crate::vm::run::resume_frame(vm, slot.vcpu, &saved.frame, false)
        }
        Hosted::Arriving(arrival) => {
            context::load_fresh();
            crate::migration::arrival::land(*arrival, cpu::now_ns())
        }
        Hosted::Boot | Hosted::Running => {
            context::load_fresh();
            crate::vm::vgic::move_vcpu(vm, slot.vcpu, me);
            crate::vm::run::enter_vcpu(vm, slot.vcpu, vm.entry, vm.dtb_ipa)
        }
    }
}

/// Appends `[start_ns, end_ns)` to the VM's supply log, if its RTOS registered a real-time page.
pub fn log_dark_span(vm: &crate::vm::Vm, start_ns: u64, end_ns: u64) {
    let Some(page) = vm.realtime.page_ipa() else {
        return;
    };
    let mut header = [0u8; 16];
    let at = page + hypercall_abi::rt_page::RT_SUPPLY_OFFSET as u64;
    if vm.read_guest(at, &mut header).is_err() {
        return;
    }
    let word = |i: usize| u64::from_le_bytes(header[i..i + 8].try_into().unwrap_or([0; 8]));
    let write = super::supply_log::append(word(0), word(8), RtSpan { start_ns, end_ns });
    for (offset, value) in write.span.into_iter().chain([write.stolen]) {
        let _ = vm.write_guest(page + offset as u64, &value.to_le_bytes());
    }
    // SAFETY: a barrier only orders the stores above before the sequence below.
    unsafe { core::arch::asm!("dmb ishst", options(nostack)) };
    let (offset, value) = write.sequence;
    let _ = vm.write_guest(page + offset as u64, &value.to_le_bytes());
}
