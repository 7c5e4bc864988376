//! Property tests of the online slack off the happy path: scans cut short by a horizon or a
//! step budget stay safe, buffers can be reused, and states after misses are handled.

mod common;

use common::{random_set, random_state};
use rt_analysis::online::{analyse, analyse_in, work_bound, OnlineLimits, Scratch, SlackAnalyzer};
use rt_analysis::predict::predict;
use rt_analysis::simulate::{simulate, Blackout};
use rt_analysis::uunifast::XorShift64Star;
use rt_analysis::{Scheduler, Slack, Time};

const SCHEDULERS: [Scheduler; 2] = [Scheduler::Edf, Scheduler::FixedPriority];

#[test]
fn cut_scans_are_safe_lower_bounds() {
    let mut rng = XorShift64Star::new(0xC07);
    let (mut checked, mut inexact) = (0, 0);
    for scheduler in SCHEDULERS {
        for _ in 0..120 {
            let Some(set) = random_set(&mut rng, scheduler) else {
                continue;
            };
            let state = random_state(&mut rng, &set);
            let full = analyse(
                &set,
                state.now,
                &state.active,
                &state.next_release,
                OnlineLimits::horizon(Time::MAX),
            )
            .unwrap();
            let exact = full.slack.finite().unwrap();
            let limits = OnlineLimits {
                horizon: rng.below(set.max_deadline() * 2 + 1),
                max_steps: rng.below(u64::from(full.steps) + 2) as u32,
            };
            let cut = analyse(&set, state.now, &state.active, &state.next_release, limits).unwrap();
            let bound = cut.slack.finite().unwrap();
            let sharp = SlackAnalyzer::new(set.clone())
                .analyse(state.now, &state.active, &state.next_release, limits)
                .unwrap();
            let sharp_bound = sharp.slack.finite().unwrap();
            assert!(
                sharp_bound <= exact,
                "analyzer cut {sharp_bound} > exact {exact}"
            );
            assert_eq!(
                predict(&set, &state, sharp_bound).unwrap().total_misses(),
                0
            );
            assert!(bound <= exact, "cut {bound} > exact {exact}");
            assert!(cut.steps <= limits.max_steps.max(1));
            if cut.exact {
                assert_eq!(bound, exact);
            } else {
                inexact += 1;
            }
            assert_eq!(predict(&set, &state, bound).unwrap().total_misses(), 0);
            assert!(u64::from(cut.steps) <= work_bound(&set, state.active.len(), limits.horizon));
            checked += 1;
        }
    }
    println!("cut scans: {checked} checked, {inexact} inexact");
    assert!(inexact > 20, "the limits should bite sometimes");
}

#[test]
fn reused_scratch_gives_the_same_answer() {
    let mut rng = XorShift64Star::new(0x5C2A);
    let mut scratch = Scratch::with_capacity(32, 32);
    for scheduler in SCHEDULERS {
        for _ in 0..60 {
            let Some(set) = random_set(&mut rng, scheduler) else {
                continue;
            };
            let state = random_state(&mut rng, &set);
            let limits = OnlineLimits::horizon(Time::MAX);
            let fresh =
                analyse(&set, state.now, &state.active, &state.next_release, limits).unwrap();
            let reused = analyse_in(
                &mut scratch,
                &set,
                state.now,
                &state.active,
                &state.next_release,
                limits,
            )
            .unwrap();
            assert_eq!(fresh, reused);
        }
    }
}

/// States reached during the recovery from a long blackout contain late jobs. If no further
/// miss is due without a new blackout, the slack is still exact (late jobs' work counts, their
/// deadlines do not); if one is, the slack is 0.
#[test]
fn states_after_misses() {
    let mut rng = XorShift64Star::new(0x1A7E);
    let (mut late_states, mut doomed) = (0, 0);
    for scheduler in SCHEDULERS {
        for _ in 0..200 {
            let Some(set) = random_set(&mut rng, scheduler) else {
                continue;
            };
            let before = random_state(&mut rng, &set);
            let length = set.max_deadline() / 2 + rng.below(set.max_deadline());
            let outage = Blackout {
                start: before.now,
                length,
            };
            let until = before.now + length + rng.below(4 * set.max_deadline());
            let state = simulate(&set, &before, until, Some(outage)).unwrap().end;
            if !state.active.iter().any(|j| j.is_late(state.now)) {
                continue;
            }
            late_states += 1;
            let limits = OnlineLimits::horizon(Time::MAX);
            let slack = analyse(&set, state.now, &state.active, &state.next_release, limits)
                .unwrap()
                .slack;
            let mut analyzer = SlackAnalyzer::new(set.clone());
            assert_eq!(
                analyzer
                    .analyse(state.now, &state.active, &state.next_release, limits)
                    .unwrap()
                    .slack,
                slack
            );
            let Slack::Finite(slack) = slack else {
                panic!("finite expected")
            };
            if predict(&set, &state, 0).unwrap().total_misses() > 0 {
                doomed += 1;
                assert_eq!(slack, 0, "a miss is already certain");
                continue;
            }
            assert_eq!(predict(&set, &state, slack).unwrap().total_misses(), 0);
            assert!(predict(&set, &state, slack + 1).unwrap().total_misses() > 0);
        }
    }
    println!("late states: {late_states}, of which doomed: {doomed}");
    assert!(late_states > 50 && doomed > 5 && late_states - doomed > 5);
}
