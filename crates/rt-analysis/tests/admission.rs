//! Tests of the periodic resource model: sbf against a brute-force worst-case supply pattern,
//! and `fits` / `min_budget` against schedulability and an unbounded-limit checker.

mod common;

use common::random_set;
use rt_analysis::admission::{fits, min_budget, sbf, servers_fit};
use rt_analysis::demand::{dbf, schedulable};
use rt_analysis::uunifast::XorShift64Star;
use rt_analysis::{Scheduler, TaskSet, Time};

/// Supply in `[theta, theta + t)` when period 0 gives its budget first and every later period
/// gives it last: the longest starvation, `2 (pi - theta)`.
fn brute_sbf(theta: Time, pi: Time, t: Time) -> Time {
    let supplied = |x: Time| -> bool {
        let (k, r) = (x / pi, x % pi);
        if k == 0 {
            r < theta
        } else {
            r >= pi - theta
        }
    };
    (theta..theta + t).filter(|&x| supplied(x)).count() as Time
}

#[test]
fn sbf_matches_the_worst_supply_pattern() {
    for pi in 1..=9 {
        for theta in 0..=pi {
            for t in 0..40 {
                assert_eq!(
                    sbf(theta, pi, t),
                    brute_sbf(theta, pi, t),
                    "theta {theta} pi {pi} t {t}"
                );
            }
        }
    }
    assert_eq!(sbf(5, 5, 123), 123);
    assert_eq!(sbf(0, 5, 123), 0);
}

/// EDF fit checked at every deadline up to three periods of `lcm(H, pi)`, without shortcuts.
fn brute_fits_edf(set: &TaskSet, theta: Time, pi: Time) -> bool {
    let limit = 3 * num_lcm(set.hyperperiod().unwrap(), pi) + 2 * pi;
    set.tasks().iter().all(|task| {
        (0..)
            .map(|k| task.deadline + k * task.period)
            .take_while(|&d| d <= limit)
            .all(|d| dbf(set, d) <= sbf(theta, pi, d))
    })
}

fn num_lcm(a: Time, b: Time) -> Time {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
}

#[test]
fn budgets_are_minimal_and_dedicated_servers_match_schedulability() {
    let mut rng = XorShift64Star::new(0xAD);
    let mut sets = 0;
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        for _ in 0..40 {
            let Some(set) = random_set(&mut rng, scheduler) else {
                continue;
            };
            let pi: Time = [250_000, 500_000, 1_000_000][rng.below(3) as usize];
            assert_eq!(fits(&set, pi, pi), schedulable(&set));
            let Some(theta) = min_budget(&set, pi) else {
                continue;
            };
            sets += 1;
            assert!(fits(&set, theta, pi));
            assert!(theta == 0 || !fits(&set, theta - 1, pi));
            assert!(
                u128::from(theta) * 1_000_000
                    >= u128::from(set.utilization_ppm() - 1) * u128::from(pi)
            );
            if scheduler == Scheduler::Edf {
                for candidate in [theta - 1, theta, theta + (pi - theta) / 2] {
                    assert_eq!(
                        fits(&set, candidate, pi),
                        brute_fits_edf(&set, candidate, pi)
                    );
                }
            }
        }
    }
    assert!(sets > 30, "{sets}");
}

#[test]
fn servers_share_a_core_by_bandwidth() {
    assert!(servers_fit(&[(1, 2), (1, 3), (1, 6)]));
    assert!(!servers_fit(&[(1, 2), (1, 3), (1, 5)]));
    assert!(!servers_fit(&[(3, 2)]));
    assert!(servers_fit(&[]));
}

/// A budget search stopped after every demand-check batch and resumed gives `min_budget`.
#[test]
fn a_search_stopped_and_resumed_finds_the_same_budget() {
    use rt_analysis::admission::BudgetSearch;
    let mut rng = XorShift64Star::new(0x7265_7375_6d65);
    let mut stops = 0u64;
    for case in 0..60 {
        let scheduler = if case % 2 == 0 {
            Scheduler::Edf
        } else {
            Scheduler::FixedPriority
        };
        let Ok(set) = rt_analysis::uunifast::generate_mixed(
            &mut rng,
            scheduler,
            2 + case % 5,
            0.2 + 0.01 * case as f64,
        ) else {
            continue;
        };
        let pi = 1_000_000 + rng.below(4_000_000);
        let whole = min_budget(&set, pi);
        let mut search = BudgetSearch::new(pi);
        let mut allowance = 1u32;
        let found = loop {
            // Each run may go on a few times more than the last, then must stop.
            let mut left = allowance;
            allowance *= 2;
            let mut go_on = || {
                left = left.saturating_sub(1);
                left > 0
            };
            match search.run(&set, pi, &mut go_on) {
                Some(found) => break found,
                None => stops += 1,
            }
        };
        assert_eq!(found, whole, "{scheduler:?} pi {pi}");
    }
    assert!(stops > 0);
}
