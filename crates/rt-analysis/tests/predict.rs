//! Property tests of miss prediction: the quick per-task estimate against the exact
//! (simulated) prediction, and monotonicity of misses in the blackout length around A.

mod common;

use common::{random_set, random_state};
use rt_analysis::online::affordable_downtime;
use rt_analysis::predict::{predict_misses, quick_miss_bound};
use rt_analysis::uunifast::XorShift64Star;
use rt_analysis::{Scheduler, Time};

#[test]
fn quick_bound_is_sound_where_it_says_zero() {
    let mut rng = XorShift64Star::new(0x9B1C);
    let (mut blackouts, mut tasks, mut covered, mut missing_tasks) = (0u32, 0u32, 0u32, 0u32);
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        let mut sets = 0;
        while sets < 100 {
            let Some(set) = random_set(&mut rng, scheduler) else {
                continue;
            };
            sets += 1;
            for _ in 0..3 {
                let state = random_state(&mut rng, &set);
                let slack = affordable_downtime(
                    &set,
                    state.now,
                    &state.active,
                    &state.next_release,
                    Time::MAX,
                )
                .finite()
                .unwrap();
                let period_max = set.tasks().iter().map(|t| t.period).max().unwrap();
                let len = rng.below(3 * slack + period_max);
                let misses = predict_misses(&set, &state, len).unwrap();
                let quick = quick_miss_bound(&set, len);
                blackouts += 1;
                assert_eq!(
                    misses.iter().all(|&m| m == 0),
                    len <= slack,
                    "len {len}, A {slack}"
                );
                for (i, (&m, &q)) in misses.iter().zip(&quick).enumerate() {
                    assert!(
                        q > 0 || m == 0,
                        "task {i}: quick bound 0 but {m} misses (len {len})"
                    );
                    if m > 0 {
                        missing_tasks += 1;
                        covered += u32::from(q >= m);
                    }
                    tasks += 1;
                }
            }
        }
    }
    println!(
        "{blackouts} blackouts, {tasks} task predictions; quick >= exact for {covered} of {missing_tasks} tasks that missed"
    );
    assert!(missing_tasks > 100);
}
