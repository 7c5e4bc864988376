//! The per-core run loop: the one place that decides what runs next on a core. Every pass it
//! carries out a fault due here, reports and decides the failures this core claimed, takes the
//! guests placed on it, follows the ledger's frame for it, drops stopped VMs and starts
//! powered-on vCPUs; then it enters the vCPU whose turn it is, or waits. A guest comes back
//! here only by leaving its exception through `super::traps` (the stack starts afresh).

use super::core::{self as local, Core, Hosted, Partitions, State};
use super::enter;
use crate::arch::aarch64::{cpu, exception, percpu, timer};
use crate::health::ledger;
use crate::partition::schedule::{Now, Schedule, Slot};
use crate::vm::{vms, VmState};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use partition_config::FaultKind;

/// Where a core's run loop begins: boot hands each core over to it once the VMs are published.
pub fn start() -> ! {
    cpu::wait_until(u64::MAX, crate::vm::table::published);
    crate::health::start();
    timer::set_channel_handler(timer::Channel::Partition, slot_over);
    host_boot_vcpus();
    exception::restart_on_stack(run)
}

/// The run loop (entered on a fresh stack: from `start`, or from a guest that left).
pub extern "C" fn run() -> ! {
    let me = percpu::current_id();
    let here = percpu::current();
    loop {
        here.idle_spare.store(false, Ordering::Release);
        here.attention.store(false, Ordering::Release);
        here.set_state(percpu::CoreState::Online);
        carry_out_due_fault();
        // Everything up to the choice may take a while: the heartbeat goes on meanwhile.
        let next = crate::health::with_beats(|| {
            crate::migration::report_claims(me);
            take_arrivals(me);
            let landing = earliest_landing();
            here.hosts_arrival
                .store(landing.is_some(), Ordering::Release);
            let wait_for_landing = landing.is_some_and(|land| landing_due(me, land));
            // Put off: the beats call the loop back from the migrant once it has entered.
            crate::health::recall_each_beat(wait_for_landing);
            if !wait_for_landing {
                crate::migration::decide_pending(me);
                take_arrivals(me);
            }
            follow_frame(me);
            tidy();
            if crate::vm::all_stopped() && !crate::migration::pending() {
                finish();
            }
            if here.attention.load(Ordering::Acquire) {
                return None; // something changed meanwhile: look again before running anything
            }
            Some(pick(&mut local::this(), cpu::counter()))
        });
        match next {
            None => continue,
            Some(Next::Enter { index, slot }) => {
                let end = slot.map_or(u64::MAX, |(_, end)| end);
                timer::arm_channel(timer::Channel::Partition, end);
                enter::enter(index, slot)
            }
            Some(Next::Wait { until }) => wait(me, until),
        }
    }
}

/// The partition timer's handler: the running slot is over, the run loop picks the next.
fn slot_over() {
    percpu::current().attend();
}

/// Hosts the vCPUs the config places on this core; vCPU 0 of each VM starts at its entry.
fn host_boot_vcpus() {
    let me = percpu::current_id();
    let guests: Vec<(usize, usize, usize)> = ledger::read(|ledger| {
        ledger
            .guests()
            .filter(|(_, guest)| guest.occupies() == Some(me))
            .map(|(id, guest)| (id, guest.vm, guest.vcpu))
            .collect()
    });
    let mut core = local::this();
    for (guest, vm, vcpu) in guests {
        let state = if vcpu == 0 {
            State::Start {
                entry: vms()[vm].entry,
                argument: vms()[vm].dtb_ipa,
            }
        } else {
            State::Off
        };
        core.hosted.push(Hosted {
            vm,
            vcpu,
            guest,
            state,
        });
    }
}

/// A fault due on this core (injected) is carried out here, where it holds no lock: fail-stop
/// stops dead; fail-signal first hands over the live state of the vCPU it was running.
fn carry_out_due_fault() {
    match crate::health::take_due_fault() {
        Some(FaultKind::Stop) => crate::health::stop_here(),
        Some(FaultKind::Signal) => {
            if let Some(core) = local::peek(percpu::current_id()) {
                if let Some(index) = core.loaded {
                    if let State::Loaded(frame) = &core.hosted[index].state {
                        crate::migration::live::hand_over(core.hosted[index].vm, frame);
                    }
                }
            }
            crate::health::signal_here("injected")
        }
        None => crate::health::fence_if_declared_failed(),
    }
}

/// The earliest instant (ns) a migrant placed here must land: its restore bound before its
/// planned instant; `None` without migrants to land.
fn earliest_landing() -> Option<u64> {
    local::this()
        .hosted
        .iter()
        .filter_map(|hosted| match &hosted.state {
            State::Arriving(arrival) => Some(
                arrival
                    .moving
                    .resume_at_ns
                    .saturating_sub(crate::migration::RESTORE_BOUND_NS),
            ),
            _ => None,
        })
        .min()
}

/// True when a migrant must land (at `land`, ns) before a decision begun now could end:
/// deciding waits then until the migrant has entered (the loop's next pass after it), so that
/// the landing keeps to its instant. The decision starts later by that much, which its
/// detection term measures.
fn landing_due(me: usize, land: u64) -> bool {
    let orphans = ledger::read(|ledger| ledger.orphans_of(me).count()) as u64;
    let window = crate::migration::DECIDE_BOUND_NS
        .saturating_mul(orphans)
        .saturating_add(crate::migration::DECIDE_SHARED_BOUND_NS);
    orphans > 0 && land < cpu::now_ns().saturating_add(window)
}

/// Takes the guests placed on this core; each waits for its turn as an arrival.
fn take_arrivals(me: usize) {
    for arrival in crate::migration::arrival::take_arrivals(me) {
        local::this().hosted.push(Hosted {
            vm: arrival.vm,
            vcpu: arrival.vcpu,
            guest: arrival.guest,
            state: State::Arriving(Box::new(arrival)),
        });
    }
}

/// Runs the frame the ledger has for this core: installs a new or changed one (a migrant
/// joined, a VM left), or dissolves the time partitions when the ledger has none.
fn follow_frame(me: usize) {
    let (spec, slots) = ledger::read(|ledger| {
        let spec = ledger.frame(me).copied();
        let slots: Vec<(failover::GuestId, Slot)> = spec
            .iter()
            .flat_map(|spec| spec.slots().iter())
            .filter_map(|slot| {
                let guest = ledger.guest(slot.guest)?;
                // Converting the ends (not the lengths) keeps rounded slots from overlapping.
                let start = cpu::ns_to_ticks(slot.offset_ns);
                let end = cpu::ns_to_ticks(slot.offset_ns.saturating_add(slot.length_ns));
                let ticks = Slot {
                    vm: guest.vm,
                    vcpu: guest.vcpu,
                    offset: start,
                    length: end.saturating_sub(start),
                };
                Some((slot.guest, ticks))
            })
            .collect();
        (spec, slots)
    });
    crate::migration::note_frame(me, spec);
    let mut core = local::this();
    let before = core.partitions.as_ref().map(|partitions| partitions.spec);
    let Some(spec) = spec else {
        if core.partitions.take().is_some() {
            log::info!("core {me}: no VM left in its time partitions");
        }
        return;
    };
    if before == Some(spec) {
        return;
    }
    // Migrants joined: the arriving vCPUs with a slot (none when a VM left).
    let migrants: Vec<usize> = slots
        .iter()
        .filter(|(_, slot)| {
            core.find(slot.vm, slot.vcpu)
                .is_some_and(|index| matches!(core.hosted[index].state, State::Arriving(_)))
        })
        .map(|(_, slot)| slot.vm)
        .collect();
    let start = cpu::ns_to_ticks(spec.start_ns);
    let ticks = slots.into_iter().map(|(_, slot)| slot).collect();
    match Schedule::new(start, cpu::ns_to_ticks(spec.period_ns), ticks) {
        Ok(schedule) => {
            for migrant in migrants {
                trace_frame(&schedule, &spec, migrant);
            }
            core.partitions = Some(Partitions { spec, schedule });
        }
        Err(error) => log::error!("core {me}: the ledger's frame is refused: {error:?}"),
    }
}

/// Traces the frame this core now runs, changed for `migrant` (a VM).
fn trace_frame(schedule: &Schedule, spec: &failover::FrameSpec, migrant: usize) {
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
        "time partitions, period {} us, slots (vm, offset ns, length ns) {slots}",
        spec.period_ns / 1000
    );
    crate::console::emit(
        crate::console::event("time_partitions")
            .u64("migrant", migrant as u64)
            .u64("start_ns", spec.start_ns)
            .u64("period_ns", spec.period_ns)
            .raw("slots", &slots),
    );
}

/// Drops the vCPUs of stopped VMs, and turns powered-on requests (CPU_ON) into starts.
fn tidy() {
    let mut core = local::this();
    let loaded = core
        .loaded
        .map(|index| (core.hosted[index].vm, core.hosted[index].vcpu));
    if loaded.is_some_and(|(vm, _)| vms()[vm].state() == VmState::Stopped) {
        crate::vm::vgic::release_this_core();
        core.loaded = None;
        percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
    }
    core.hosted
        .retain(|hosted| vms()[hosted.vm].state() != VmState::Stopped);
    let loaded = loaded.and_then(|(vm, vcpu)| core.find(vm, vcpu));
    core.loaded = core.loaded.and(loaded);
    // A vCPU its VM turned off from another core (a reboot) stops here too.
    let off: Vec<usize> = (0..core.hosted.len())
        .filter(|&index| {
            let hosted = &core.hosted[index];
            hosted.vcpu != 0
                && matches!(hosted.state, State::Loaded(_) | State::Saved(_))
                && vms()[hosted.vm].vcpus[hosted.vcpu].power() == crate::vm::psci::VcpuPower::Off
        })
        .collect();
    for index in off {
        if core.loaded == Some(index) {
            crate::vm::vgic::release_this_core();
            core.loaded = None;
            percpu::current().vm.store(usize::MAX, Ordering::Relaxed);
        }
        core.hosted[index].state = State::Off;
    }
    for hosted in core.hosted.iter_mut() {
        if matches!(hosted.state, State::Off) {
            if let Some((entry, argument)) = vms()[hosted.vm].vcpus[hosted.vcpu].take_start() {
                hosted.state = State::Start { entry, argument };
            }
        }
    }
    let reboot = core
        .hosted
        .iter()
        .position(|hosted| matches!(hosted.state, State::Reboot));
    drop(core);
    if let Some(index) = reboot {
        reboot_hosted(index);
    }
}

/// Reloads the memory of a VM that boots again (long: the heartbeat goes on), then starts it.
fn reboot_hosted(index: usize) {
    let vm_id = local::this().hosted[index].vm;
    let vm = &vms()[vm_id];
    if crate::health::with_beats(|| crate::vm::table::reload(vm)) {
        local::this().hosted[index].state = State::Start {
            entry: vm.entry,
            argument: vm.dtb_ipa,
        };
    } else {
        crate::migration::stop_vm(vm, "reload_failed", log::Level::Error);
    }
}

/// What the core does next.
enum Next {
    /// Enter hosted vCPU `index`, in the slot `(start, end)` (ticks) in time partitions.
    Enter {
        index: usize,
        slot: Option<(u64, u64)>,
    },
    /// Wait (serving interrupts) until `until` (ticks), or the next interrupt.
    Wait { until: Option<u64> },
}

/// Whose turn it is at `now` (ticks).
fn pick(core: &mut Core, now: u64) -> Next {
    let Some(partitions) = core.partitions.as_ref() else {
        return pick_whole_core(core, now);
    };
    let start = partitions.schedule.start();
    let turn = partitions.schedule.at(now);
    let slots = partitions.schedule.slots();
    let slot = match turn {
        Now::Slot { index, .. } => Some(slots[index]),
        Now::Idle { .. } => None,
    };
    if now < start {
        // The vCPU running before the frame starts keeps the core until then.
        return match core.loaded {
            Some(index) if runnable(&core.hosted[index].state) => Next::Enter {
                index,
                slot: Some((now, start)),
            },
            _ => Next::Wait { until: Some(start) },
        };
    }
    let (until, slot) = match (turn, slot) {
        (Now::Slot { until, .. }, Some(slot)) => (until, slot),
        (Now::Idle { until } | Now::Slot { until, .. }, _) => {
            enter::save_loaded(core);
            return Next::Wait { until: Some(until) };
        }
    };
    let hosted = core
        .find(slot.vm, slot.vcpu)
        .filter(|&index| runnable(&core.hosted[index].state));
    let Some(hosted) = hosted else {
        enter::save_loaded(core);
        return Next::Wait { until: Some(until) };
    };
    if let Some(wait) = held(&core.hosted[hosted].state, now, until) {
        enter::save_loaded(core);
        return Next::Wait { until: Some(wait) };
    }
    Next::Enter {
        index: hosted,
        slot: Some((until - slot.length, until)),
    }
}

/// On a core without time partitions: its (normally only) runnable vCPU, a migrant held to its
/// planned instant, or nothing.
fn pick_whole_core(core: &mut Core, now: u64) -> Next {
    let Some(index) = core
        .hosted
        .iter()
        .position(|hosted| runnable(&hosted.state))
    else {
        return Next::Wait { until: None };
    };
    match held(&core.hosted[index].state, now, u64::MAX) {
        Some(until) => Next::Wait { until: Some(until) },
        None => Next::Enter { index, slot: None },
    }
}

/// True for a vCPU that can be entered.
fn runnable(state: &State) -> bool {
    !matches!(state, State::Off | State::Reboot)
}

/// A migrant is held until its move is announced (its decider woken us then) and, with
/// `kairos,resume = "planned"`, until its planned instant: it lands the restore bound before
/// the instant, and its entry waits for the instant itself (in a slot: only if the slot,
/// ending at `slot_end`, reaches past the planned instant). `Some(until)` while it must wait.
/// With `"asap"` it enters as soon as it is announced.
fn held(state: &State, now: u64, slot_end: u64) -> Option<u64> {
    let State::Arriving(arrival) = state else {
        return None;
    };
    if crate::migration::announce::withheld(arrival.guest) {
        return Some(slot_end);
    }
    if !crate::migration::arrival::held_to_plan() {
        return None;
    }
    let resume = cpu::ns_to_ticks(arrival.moving.resume_at_ns);
    let land = cpu::ns_to_ticks(
        arrival
            .moving
            .resume_at_ns
            .saturating_sub(crate::migration::RESTORE_BOUND_NS),
    );
    if slot_end <= resume {
        return Some(slot_end);
    }
    (now < land).then_some(land)
}

/// Nothing to run until `until` (ticks) or the next interrupt: serve the console (on the
/// console's core), measure the copy bandwidth (a spare with a copy region), complete cut
/// predictions and work out server budgets ahead (a spare), wait.
fn wait(me: usize, until: Option<u64>) {
    if me == console_core() && crate::shell::poll() {
        finish();
    }
    crate::migration::copy::calibrate_here();
    let spare = local::this().hosted.is_empty();
    if spare && !migration_under_way() {
        work_ahead(until);
    }
    if percpu::current().attention.load(Ordering::Acquire) {
        return;
    }
    // Until the next pass of the loop: background work queued meanwhile wakes this core.
    percpu::current().idle_spare.store(spare, Ordering::Release);
    if crate::drivers::gic::get().is_some() && timer::deadline().is_some() {
        timer::wait_for_interrupt(until);
        crate::vm::vgic::handle_irq();
    } else {
        cpu::wait_for_event();
    }
}

/// True while a failure is being handled: a guest waits for its decision or its target, or a
/// target has not entered its migrant yet. Background work waits meanwhile: under QEMU's
/// `-icount` a computing core takes turns the copying and landing cores would have had.
fn migration_under_way() -> bool {
    crate::migration::pending()
        || (0..percpu::MAX_CPUS).any(|core| {
            let other = percpu::of(core);
            other.hosts_arrival.load(Ordering::Acquire)
                && matches!(
                    other.state(),
                    percpu::CoreState::Online | percpu::CoreState::Running
                )
        })
}

/// Completes the predictions decisions cut (`migration::completion`), then works out server
/// budgets ahead for the decisions (`migration::budgets`), until the core is
/// wanted (a kick or a claim sets its attention; `until`), which it looks at every batch of
/// demand checks (about 10 us); the beat goes on meanwhile.
fn work_ahead(until: Option<u64>) {
    let end = until.map_or(u64::MAX, cpu::ticks_to_ns);
    // Each look also ends the core's turn (YIELD): background work never keeps other cores
    // (a landing, a slot switch) waiting under QEMU's round robin.
    let mut go_on = || {
        cpu::pause();
        !percpu::current().attention.load(Ordering::Acquire) && cpu::now_ns() < end
    };
    crate::health::with_beats(|| {
        crate::migration::completion::work(&mut go_on);
        crate::migration::budgets::work_ahead(&mut go_on);
    });
}

/// The core that serves the console: the boot core, or the lowest core still alive.
fn console_core() -> usize {
    use crate::health::detector::Health;
    let beats = crate::health::heartbeats();
    let boot = crate::machine::boot_core();
    if !matches!(beats.health(boot), Health::Failed | Health::Signalled) {
        return boot;
    }
    (0..percpu::MAX_CPUS)
        .find(|&core| beats.health(core) == Health::Alive)
        .unwrap_or(boot)
}

/// Every VM has stopped: report and power the machine off.
pub fn finish() -> ! {
    static FINISHING: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if FINISHING.swap(true, Ordering::AcqRel) {
        crate::drivers::gic::park_silently(); // another core is already powering off
    }
    let switches: Vec<(usize, u64, u64)> = (0..percpu::MAX_CPUS)
        .filter_map(|id| {
            let core = local::peek(id)?;
            (core.switches != 0).then(|| (id, core.switches, cpu::ticks_to_ns(core.worst_switch)))
        })
        .collect();
    crate::migration::completion::finish_all();
    crate::migration::summary::print(&switches);
    log::info!("all VMs stopped; powering off");
    let off = crate::console::event("system_off")
        .u64("vms", vms().len() as u64)
        .u64("heap_used", crate::heap::used() as u64)
        .u64("worst_beat_late_ns", crate::health::worst_beat_lateness());
    crate::console::write_last_line(&off.finish());
    crate::arch::aarch64::psci::system_off();
    crate::drivers::gic::park_silently()
}
