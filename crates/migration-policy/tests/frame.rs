//! Consolidation into a cyclic frame: the frame a plan builds (residents packed first, the
//! migrant right-aligned, started at its restore instant), a second migrant placed without
//! moving anyone, a frame given by the hypervisor kept, and predictions equal to a direct
//! simulation of the slot's supply.

mod common;

use common::*;
use migration_policy::{plan, Decision, FaultKind, Frame, MigratePolicy, Slot, Target, VmInput};
use rt_analysis::simulate::{simulate_until_idle, Blackout};
use rt_analysis::{SimState, TaskSet, Time};

const SWITCH: Time = 10 * US;
/// The migrant enters the core at its first slot's start: its supply there begins after the
/// restore bound (60 us in `common::model`), the later slots' after the switch.
const ENTRY: Time = 60 * US;

fn stop_at(t_d: Time) -> migration_policy::FaultInput {
    fault(FaultKind::FailStop, 1, t_d, t_d)
}

/// Migrant with one job of `c` every 20 ms released at 0.
fn migrant(id: usize, c: Time) -> VmInput {
    let set = edf(&[(c, 20 * MS)]);
    let rt = reporting(set.clone(), released_at(&set, 0));
    vm(id, MigratePolicy::Always, Some(rt))
}

/// Misses of `set` from `state` (its blackout start) when it gets exactly the supply of VM
/// `vm`'s slot in `frame`: `[start + k pi + offset + switch, start + k pi + offset + length)`
/// for every `k` from the first whose supply, entered (`+ ENTRY` instead of `+ switch`),
/// starts at or after `restore_at`, and nothing else. Written from
/// the frame's definition, apart from the policy's supply model.
fn simulate_frame(
    set: &TaskSet,
    state: &SimState,
    frame: &Frame,
    vm: usize,
    restore_at: Time,
) -> Vec<u32> {
    let slot = frame.slot_of(vm).unwrap();
    let mut misses = vec![0u32; set.len()];
    let (mut current, mut dark_start) = (state.clone(), state.now);
    let mut first = true;
    for k in 0..100_000 {
        let base = frame.start + k * frame.period + slot.offset;
        let on = base + if first { ENTRY } else { SWITCH };
        let off = base + slot.length;
        if first && on < restore_at {
            continue;
        }
        let dark = Blackout {
            start: dark_start,
            length: on - dark_start,
        };
        let idle_after = if first { on } else { dark_start };
        let run =
            simulate_until_idle(set, &current, idle_after, off, u64::MAX, Some(dark)).unwrap();
        for (total, m) in misses.iter_mut().zip(&run.misses_per_task) {
            *total += m;
        }
        if run.stopped_idle {
            return misses;
        }
        (current, dark_start, first) = (run.end, off, false);
    }
    panic!("never idle");
}

/// `d`'s predicted misses against [`simulate_frame`] on its own frame.
fn check_exact(d: &Decision, m: &VmInput) {
    let rt = m.realtime.as_ref().unwrap();
    let frame = d.frame.as_ref().unwrap();
    let direct = simulate_frame(&rt.tasks, &rt.checkpoint, frame, d.vm, d.restore_at);
    assert_eq!(d.predicted_misses.as_ref(), Some(&direct));
    assert!(d.misses_complete);
}

/// Core 2: two EDF residents (1 ms every 10 ms) owning it whole, 1 ms budget each at 5 ms.
fn pair() -> Vec<migration_policy::CoreInput> {
    let resident = || Some(edf(&[(MS, 10 * MS)]));
    vec![
        failed_core(1, &[0, 1]),
        occupied(2, &[(8, resident()), (9, resident())]),
    ]
}

/// Migrant theta = 666_667 (sbf(20 ms) = 3 theta at 5 ms): slots of theta + 10 us, residents
/// from 0, the migrant ending at 5 ms. Restored at 6 ms, it enters at 10.33 ms and gets
/// [10.39, 11), [15.34, 16), [20.34, 21), ... ms: the 50 us its entry takes push its 2 ms job
/// past 21 ms, into a second miss, as the simulation finds.
#[test]
fn consolidation_builds_a_frame_started_at_the_restore_instant() {
    let m = migrant(0, 2 * MS);
    let platform = platform_with(&[10 * MS, 5 * MS], SWITCH);
    let d = &plan(
        &stop_at(5_800 * US),
        std::slice::from_ref(&m),
        &pair(),
        &platform,
    )
    .decisions[0];
    let theta = 666_667;
    assert_eq!(
        d.target,
        Target::Shared {
            core: 2,
            budget: (theta, 5 * MS)
        }
    );
    assert_eq!(d.restore_at, 6 * MS);
    let slot = |vm, offset, length| Slot { vm, offset, length };
    let expected = Frame {
        start: 6 * MS,
        period: 5 * MS,
        slots: vec![
            slot(8, 0, MS + SWITCH),
            slot(9, MS + SWITCH, MS + SWITCH),
            slot(0, 5 * MS - theta - SWITCH, theta + SWITCH),
        ],
    };
    assert_eq!(d.frame.as_ref(), Some(&expected));
    assert_eq!(
        d.downtime.server_wait,
        5 * MS - theta + (ENTRY - SWITCH),
        "pi - theta, and entering the core takes the restore bound, not a switch"
    );
    assert_eq!(d.resume_at, 11 * MS - theta + (ENTRY - SWITCH));
    assert_eq!(d.predicted_misses, Some(vec![2]));
    check_exact(d, &m);
}

/// A second migrant (1 ms every 20 ms: theta = 333_334) of the same plan, restored 100 us
/// later, goes into the room between the residents and the first migrant, right-aligned; the
/// frame's start and the first three slots stay; its wait comes from the frame.
#[test]
fn a_second_migrant_fills_the_remaining_room() {
    let first = migrant(0, 2 * MS);
    let second = migrant(1, MS);
    let platform = platform_with(&[5 * MS], SWITCH);
    let vms = [first.clone(), second.clone()];
    let decisions = plan(&stop_at(5_800 * US), &vms, &pair(), &platform).decisions;
    let (d0, d1) = (&decisions[0], &decisions[1]);
    assert_eq!((d0.vm, d1.vm), (0, 1), "A = 18 ms before A = 19 ms");
    assert_eq!(d1.restore_at, d0.restore_at + OWN_WORK);
    let (f0, f1) = (d0.frame.as_ref().unwrap(), d1.frame.as_ref().unwrap());
    assert_eq!((f1.start, f1.period), (f0.start, f0.period));
    assert_eq!(f1.slots[..3], f0.slots[..], "nobody moves");
    let gap_end = f0.slot_of(0).unwrap().offset;
    let length = 333_334 + SWITCH;
    assert_eq!(
        f1.slot_of(1),
        Some(&Slot {
            vm: 1,
            offset: gap_end - length,
            length
        })
    );
    let supply = f0.start + gap_end - length + ENTRY;
    assert_eq!(d1.downtime.server_wait, supply - d1.restore_at);
    assert_eq!(d1.resume_at, supply);
    check_exact(d0, &first);
    check_exact(d1, &second);
}

/// A core that already runs a frame keeps its start, period and slots (its resident needs no
/// task set); the migrant (1 ms every 10 ms: 5.5 ms at 10 ms) is right-aligned in the free
/// space, waiting for the slot's next start. A frame without room sends it to the next core.
#[test]
fn a_given_frame_is_kept() {
    let set = edf(&[(MS, 10 * MS)]);
    let m = vm(
        0,
        MigratePolicy::Always,
        Some(reporting(set.clone(), released_at(&set, 0))),
    );
    let cores = vec![
        failed_core(1, &[0]),
        framed(2, 3 * MS, 10 * MS, &[(9, 0, 4 * MS)]),
    ];
    let platform = platform_with(&[5 * MS], SWITCH);
    let d = &plan(&stop_at(MS), std::slice::from_ref(&m), &cores, &platform).decisions[0];
    assert_eq!(
        d.target,
        Target::Shared {
            core: 2,
            budget: (5_500 * US, 10 * MS)
        }
    );
    let frame = d.frame.as_ref().unwrap();
    assert_eq!((frame.start, frame.period), (3 * MS, 10 * MS));
    assert_eq!(frame.slots[0], cores[1].frame.as_ref().unwrap().slots[0]);
    let offset = 10 * MS - 5_500 * US - SWITCH;
    assert_eq!(frame.slot_of(0).map(|s| s.offset), Some(offset));
    assert_eq!(d.restore_at, 1_200 * US);
    assert_eq!(d.resume_at, 3 * MS + offset + ENTRY);
    check_exact(d, &m);

    let full = vec![
        failed_core(1, &[0]),
        framed(2, 0, 10 * MS, &[(9, 0, 5 * MS)]),
        occupied(3, &[(7, Some(edf(&[(MS, 10 * MS)])))]),
    ];
    let d = &plan(&stop_at(MS), &[m], &full, &platform).decisions[0];
    assert!(
        matches!(d.target, Target::Shared { core: 3, .. }),
        "{:?}",
        d.target
    );
}
