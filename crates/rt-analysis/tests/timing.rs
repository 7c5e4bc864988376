//! Host timing of the online slack (ignored by default): run with
//! `cargo test --release -p rt-analysis --test timing -- --ignored --nocapture`.

use rt_analysis::online::{analyse_in, OnlineLimits, Scratch, SlackAnalyzer, SlackReport};
use rt_analysis::simulate::simulate;
use rt_analysis::uunifast::{generate, Deadlines, Generate, Periods, XorShift64Star, PERIOD_MENU};
use rt_analysis::{Scheduler, SimState, TaskSet, Time};
use std::time::Instant;

#[test]
#[ignore]
fn online_slack_cost() {
    println!("scheduler      tasks   U    ns/call mean-steps max-steps mean-deadlines (plain | analyzer)");
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        for tasks in [2usize, 8, 32] {
            for utilization in [0.5, 0.9] {
                measure(scheduler, tasks, utilization);
            }
        }
    }
}

fn measure(scheduler: Scheduler, tasks: usize, utilization: f64) {
    let mut rng = XorShift64Star::new(tasks as u64 * 1000 + (utilization * 100.0) as u64);
    let spec = Generate {
        tasks,
        utilization,
        periods: Periods::Menu(&PERIOD_MENU),
        deadlines: Deadlines::Implicit,
        offsets: false,
        scheduler,
    };
    let mut states = Vec::new();
    while states.len() < 200 {
        let Ok(set) = generate(&mut rng, &spec) else {
            continue;
        };
        let t = rng.below(set.hyperperiod().unwrap());
        let state = simulate(&set, &SimState::initial(&set), t, None)
            .unwrap()
            .end;
        states.push((set, state));
    }
    let plain = time_calls(&states, |set, s, scratch, _| {
        analyse_in(
            scratch,
            set,
            s.now,
            &s.active,
            &s.next_release,
            OnlineLimits::horizon(Time::MAX),
        )
        .unwrap()
    });
    let mut analyzers: Vec<SlackAnalyzer> = states
        .iter()
        .map(|(set, _)| SlackAnalyzer::new(set.clone()))
        .collect();
    let fast = time_calls(&states, |_, s, _, k| {
        analyzers[k]
            .analyse(
                s.now,
                &s.active,
                &s.next_release,
                OnlineLimits::horizon(Time::MAX),
            )
            .unwrap()
    });
    println!(
        "{:<14} {tasks:>5} {utilization:>4} {plain} | {fast}",
        format!("{scheduler:?}")
    );
}

fn time_calls(
    states: &[(TaskSet, SimState)],
    mut call: impl FnMut(&TaskSet, &SimState, &mut Scratch, usize) -> SlackReport,
) -> String {
    let mut scratch = Scratch::with_capacity(32, 32);
    let (mut steps, mut max_steps, mut deadlines, mut calls) = (0u64, 0u32, 0u64, 0u64);
    let rounds = 20;
    let begin = Instant::now();
    for _ in 0..rounds {
        for (k, (set, s)) in states.iter().enumerate() {
            let report = call(set, s, &mut scratch, k);
            steps += u64::from(report.steps);
            max_steps = max_steps.max(report.steps);
            deadlines += u64::from(report.deadlines_scanned);
            calls += 1;
            std::hint::black_box(report);
        }
    }
    let ns = begin.elapsed().as_nanos() as u64 / calls;
    format!(
        "{ns:>8} {:>6} {max_steps:>6} {:>6}",
        steps / calls,
        deadlines / calls
    )
}
