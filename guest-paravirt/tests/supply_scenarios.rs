//! The guest's schedule under a time partition's supply against `rt-analysis`'s simulator: the
//! hypervisor logs the spans the vCPU is switched out for, the guest reads the log as its
//! run-time loop does (`runtime.rs`: `Kernel::run`, `Kernel::apply_supply`) and applies each
//! span as a blackout; the misses per task, the completions and the end state must be the
//! simulator's with the same blackouts. Also with several spans read at one wake, and with the
//! ring overflowing (the lost time darkens the time before the first span kept).

mod common;

use common::Count;
use guest_paravirt::rtos::slack::task_set;
use guest_paravirt::rtos::supply::{clip, SupplyCursor};
use guest_paravirt::rtos::{Cpu, Policy, Schedule, TaskParams, Time};
use hypercall_abi::rt_page::{RtSpan, RtSupply, RT_SUPPLY_SPANS};
use rt_analysis::simulate::{simulate, Blackout};
use rt_analysis::{JobState, SimState, Task};

const US: Time = 1000;
const MS: Time = 1_000_000;

/// Appends `[start, end)` to the log as the hypervisor does.
fn append(log: &mut RtSupply, start: Time, end: Time) {
    log.spans[(log.sequence % RT_SUPPLY_SPANS as u64) as usize] = RtSpan {
        start_ns: start,
        end_ns: end,
    };
    log.stolen_ns += end - start;
    log.sequence += 1;
}

/// The guest's loop up to `horizon` while the hypervisor switches it out for `spans` (sorted,
/// disjoint, ending before `horizon`): the guest is switched out before it gets to its next
/// event, and reads the log when it wakes, `batch` spans later (1: at every span's end, as the
/// hypervisor resumes it). Returns the blackouts the guest applied.
fn run_guest(
    schedule: &mut Schedule,
    spans: &[(Time, Time)],
    batch: usize,
    horizon: Time,
    observer: &mut Count,
) -> Vec<(Time, Time)> {
    let (mut log, mut cursor) = (RtSupply::default(), SupplyCursor::default());
    let (mut logged, mut applied) = (0, Vec::new());
    loop {
        let next = schedule.next_event(Cpu::Available);
        if spans
            .get(logged)
            .is_some_and(|span| span.0 < next.min(horizon))
        {
            let until = (logged + batch).min(spans.len());
            for &(start, end) in &spans[logged..until] {
                append(&mut log, start, end);
            }
            logged = until;
            // `Kernel::apply_supply`, without the per-event work of a real kernel.
            for (start, end) in cursor.take(&log).blackouts() {
                let Some((start, end)) = clip(start, end, schedule.now()) else {
                    continue;
                };
                applied.push((start, end));
                while schedule.step_toward(start, observer) {}
                schedule.resume(end, observer);
            }
            continue;
        }
        if next > horizon {
            schedule.advance_to(horizon, Cpu::Available, observer);
            return applied;
        }
        schedule.advance_to(next, Cpu::Available, observer);
    }
}

/// The simulator from the start with `blackouts` (one run per blackout, chained), to `horizon`.
fn simulate_all(
    schedule: &Schedule,
    blackouts: &[(Time, Time)],
    horizon: Time,
) -> (Vec<u32>, u64, SimState) {
    let set = task_set(schedule).unwrap();
    let mut state = SimState::initial(&set);
    let (mut misses, mut completions) = (vec![0; set.tasks().len()], 0);
    let runs = blackouts
        .iter()
        .map(|&(start, end)| {
            (
                end,
                Some(Blackout {
                    start,
                    length: end - start,
                }),
            )
        })
        .chain([(horizon, None)]);
    for (until, blackout) in runs {
        let result = simulate(&set, &state, until, blackout).unwrap();
        for (sum, add) in misses.iter_mut().zip(&result.misses_per_task) {
            *sum += add;
        }
        completions += result.completions;
        state = result.end;
    }
    (misses, completions, state)
}

fn sorted(jobs: impl Iterator<Item = JobState>) -> Vec<(usize, Time, Time, Time)> {
    let mut jobs: Vec<_> = jobs
        .map(|j| (j.task, j.release, j.abs_deadline, j.remaining))
        .collect();
    jobs.sort();
    jobs
}

/// Runs `params` under `spans` read `batch` at a time; checks against the simulator and
/// returns the misses in all.
fn check(policy: Policy, params: &[TaskParams], spans: &[(Time, Time)], batch: usize) -> u32 {
    let horizon = spans.last().map_or(0, |span| span.1) + 20 * MS;
    let mut schedule = Schedule::new(policy, params, 0).unwrap();
    let mut count = Count {
        misses: vec![0; params.len()],
        completions: 0,
    };
    let applied = run_guest(&mut schedule, spans, batch, horizon, &mut count);
    if batch <= RT_SUPPLY_SPANS {
        assert_eq!(applied, spans, "no span lost, none changed");
    }
    let (misses, completions, end) = simulate_all(&schedule, &applied, horizon);
    let what = format!("{policy:?} batch {batch} {params:?}");
    assert_eq!(count.misses, misses, "{what}");
    assert_eq!(count.completions, completions, "{what}");
    assert_eq!(schedule.now(), end.now, "{what}");
    let mine = schedule
        .active_jobs()
        .map(|(task, _, release, abs_deadline, remaining)| JobState {
            task,
            release,
            abs_deadline,
            remaining,
        });
    assert_eq!(sorted(mine), sorted(end.active.into_iter()), "{what}");
    misses.iter().sum()
}

fn task(wcet: Time, period: Time, deadline: Time, priority: u32) -> Task {
    Task::periodic(wcet, period)
        .with_deadline(deadline)
        .with_priority(priority)
}

/// Task sets (priorities deadline-monotonic, for the fixed-priority runs).
fn task_sets() -> Vec<Vec<TaskParams>> {
    vec![
        // U = 0.35.
        vec![
            task(300 * US, 2 * MS, 2 * MS, 0),
            task(500 * US, 5 * MS, 4 * MS, 1),
            task(MS, 10 * MS, 10 * MS, 2),
        ],
        // U = 0.6, with offsets.
        vec![
            task(150 * US, MS, MS, 0).with_offset(300 * US),
            task(MS, 4 * MS, 4 * MS, 1),
            task(2 * MS, 10 * MS, 8 * MS, 2).with_offset(2 * MS),
        ],
    ]
    .into_iter()
    .map(|set| set.into_iter().map(TaskParams::from).collect())
    .collect()
}

/// A static cyclic frame: the vCPU is out for `[k * frame + slot, (k + 1) * frame)` shifted by
/// `phase`, for `frames` frames.
fn frame(phase: Time, slot: Time, frame: Time, frames: u64) -> Vec<(Time, Time)> {
    (0..frames)
        .map(|k| (phase + k * frame + slot, phase + (k + 1) * frame))
        .collect()
}

/// Dark for 800 us, then 200 us on / 800 us off, `frames` times: a 20 % supply.
fn dark_then_fifth(frames: u64) -> Vec<(Time, Time)> {
    let mut spans = vec![(0, 800 * US)];
    spans.extend(frame(800 * US, 200 * US, MS, frames));
    spans
}

/// Supply patterns: [`dark_then_fifth`]; 800 us on / 200 us off; a 5 ms frame with a 2 ms
/// slot; irregular spans.
fn patterns() -> Vec<Vec<(Time, Time)>> {
    let mut irregular = Vec::new();
    let (mut t, mut x) = (150 * US, 0x2545_f491_u64);
    for _ in 0..60 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let (gap, length) = ((x >> 33) % (1500 * US), (x >> 13) % (2 * MS) + 1);
        irregular.push((t + gap, t + gap + length));
        t += gap + length;
    }
    vec![
        dark_then_fifth(60),
        frame(0, 800 * US, MS, 60),
        frame(1300 * US, 2 * MS, 5 * MS, 15),
        irregular,
    ]
}

#[test]
fn misses_under_a_partitions_supply_are_the_simulators() {
    let mut with_misses = 0;
    let mut without = 0;
    for params in task_sets() {
        for policy in [Policy::Edf, Policy::FixedPriority] {
            for spans in patterns() {
                let misses = check(policy, &params, &spans, 1);
                for batch in [3, RT_SUPPLY_SPANS] {
                    assert_eq!(check(policy, &params, &spans, batch), misses, "{batch}");
                }
                if misses > 0 {
                    with_misses += 1;
                } else {
                    without += 1;
                }
            }
        }
    }
    assert!(with_misses >= 4 && without >= 2, "{with_misses} {without}");
}

#[test]
fn a_fifth_of_the_processor_starves_a_set_that_needs_more() {
    let spans = dark_then_fifth(40);
    assert_eq!(
        spans[..3],
        [(0, 800 * US), (MS, 1800 * US), (2 * MS, 2800 * US)]
    );
    // U = 0.35 on a 20 % supply: misses, the simulator's.
    for policy in [Policy::Edf, Policy::FixedPriority] {
        let misses = check(policy, &task_sets()[0], &spans, 1);
        assert!(misses > 10, "{policy:?} {misses}");
    }
}

#[test]
fn an_overflowing_log_darkens_the_lost_time_and_still_agrees() {
    let spans = frame(0, 200 * US, MS, 60);
    for params in task_sets() {
        for policy in [Policy::Edf, Policy::FixedPriority] {
            // Read 20 spans at a time: 4 lost each time, merged before the 5th.
            check(policy, &params, &spans, RT_SUPPLY_SPANS + 4);
        }
    }
    let mut schedule = Schedule::new(Policy::Edf, &task_sets()[0], 0).unwrap();
    let mut count = Count {
        misses: vec![0; 3],
        completions: 0,
    };
    let applied = run_guest(&mut schedule, &spans, 20, 80 * MS, &mut count);
    // The first read: spans 0-3 lost (3.2 ms), applied as dark right before span 4 (4.2 ms).
    assert_eq!(applied[0], (4200 * US - 3200 * US, 5 * MS));
    assert_eq!(applied[1], spans[5]);
    assert_eq!(applied.len(), 3 * 16);
}
