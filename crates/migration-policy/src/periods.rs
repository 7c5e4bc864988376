//! Candidate frame periods for a shared core.

use alloc::vec::Vec;
use rt_analysis::{TaskSet, Time};

/// Frame periods to try, largest first: the shortest task period among `sets` divided by 2, 4,
/// 8, ... while the result is at least `floor` (and not 0). Empty when no set has a task.
///
/// Why: a slot may come as late as `pi - theta` into its period, so a budget only serves
/// deadlines much longer than `pi` cheaply; periods well below the shortest task period keep
/// `min_budget` close to the utilization. Each slot costs one context switch per period, so
/// shorter is not always better: trying the longest first picks the one with the least switch
/// overhead that admits. Powers of two keep the list short (logarithmic in `T_min / floor`)
/// and, for round task periods, made of divisors of `T_min`.
pub fn candidate_periods(sets: &[&TaskSet], floor: Time) -> Vec<Time> {
    let shortest = sets
        .iter()
        .flat_map(|set| set.tasks().iter().map(|t| t.period))
        .min();
    let mut periods = Vec::new();
    let Some(shortest) = shortest else {
        return periods;
    };
    let mut divisor: Time = 2;
    while let Some(pi) = shortest.checked_div(divisor) {
        if pi == 0 || pi < floor {
            break;
        }
        periods.push(pi);
        divisor = match divisor.checked_mul(2) {
            Some(next) => next,
            None => break,
        };
    }
    periods
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use rt_analysis::{Scheduler, Task};

    fn set(periods: &[Time]) -> TaskSet {
        let tasks = periods.iter().map(|&t| Task::periodic(1, t)).collect();
        TaskSet::new(tasks, Scheduler::Edf).unwrap()
    }

    #[test]
    fn halves_the_shortest_period_down_to_the_floor() {
        let (a, b) = (set(&[10_000, 5_000]), set(&[2_000]));
        assert_eq!(
            candidate_periods(&[&a, &b], 100),
            vec![1_000, 500, 250, 125]
        );
        assert_eq!(candidate_periods(&[&a], 1_250), vec![2_500, 1_250]);
        assert_eq!(candidate_periods(&[&a], 2_501), vec![]);
        assert_eq!(candidate_periods(&[&b], 0).last(), Some(&1));
        assert_eq!(candidate_periods(&[], 0), vec![]);
    }
}
