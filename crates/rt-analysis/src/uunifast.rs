//! Random task-set generation for tests and experiments: UUniFast (Bini and Buttazzo 2005)
//! with a small deterministic PRNG, so every run with the same seed gives the same sets.

use crate::task::deadline_monotonic_priorities;
use crate::{Scheduler, Task, TaskSet, TaskSetError, Time};
use alloc::vec::Vec;

/// xorshift64* (Vigna 2016): a tiny, fast, seedable generator; not cryptographic.
#[derive(Clone, Debug)]
pub struct XorShift64Star {
    state: u64,
}

impl XorShift64Star {
    /// A generator from `seed` (a zero seed is replaced by a fixed non-zero one).
    pub fn new(seed: u64) -> Self {
        Self {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..bound` (`bound > 0`), by multiply-high.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// Uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        match (high - low).checked_add(1) {
            Some(span) => low + self.below(span),
            None => self.next_u64(),
        }
    }
}

/// UUniFast: `n` utilizations, uniformly distributed on the simplex, summing to `total`.
pub fn uunifast(rng: &mut XorShift64Star, n: usize, total: f64) -> Vec<f64> {
    let mut utilizations = Vec::with_capacity(n);
    let mut sum = total;
    for i in 1..n {
        let next = sum * libm::pow(rng.next_f64(), 1.0 / (n - i) as f64);
        utilizations.push(sum - next);
        sum = next;
    }
    if n > 0 {
        utilizations.push(sum);
    }
    utilizations
}

/// The period menu {1, 2, 5, 10, 20, 50, 100} ms (hyperperiod 100 ms), in ns.
pub const PERIOD_MENU: [Time; 7] = [
    1_000_000,
    2_000_000,
    5_000_000,
    10_000_000,
    20_000_000,
    50_000_000,
    100_000_000,
];

/// How periods are drawn.
#[derive(Clone, Copy, Debug)]
pub enum Periods<'a> {
    /// Uniformly from a menu (small hyperperiods).
    Menu(&'a [Time]),
    /// Log-uniform in `[min, max]`, rounded down to a multiple of `granularity` (> 0).
    LogUniform {
        /// Smallest period.
        min: Time,
        /// Largest period.
        max: Time,
        /// Periods are multiples of this.
        granularity: Time,
    },
}

/// How relative deadlines are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadlines {
    /// `D = T`.
    Implicit,
    /// `D` uniform in `[C, T]`.
    Constrained,
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Generate<'a> {
    /// Number of tasks.
    pub tasks: usize,
    /// Target total utilization (at most 1); WCETs are rounded down, to at least 1 ns.
    pub utilization: f64,
    /// Period distribution.
    pub periods: Periods<'a>,
    /// Deadline distribution.
    pub deadlines: Deadlines,
    /// Draw each first release uniformly in `[0, T)` (else 0).
    pub offsets: bool,
    /// Scheduler; fixed priorities are deadline monotonic.
    pub scheduler: Scheduler,
}

/// Draws one task set. Fails only if WCET rounding makes it invalid (e.g. a period shorter
/// than its 1 ns minimum WCET allows).
pub fn generate(rng: &mut XorShift64Star, spec: &Generate<'_>) -> Result<TaskSet, TaskSetError> {
    let mut tasks: Vec<Task> = uunifast(rng, spec.tasks, spec.utilization)
        .into_iter()
        .map(|u| {
            let period = draw_period(rng, spec.periods);
            let wcet = ((u * period as f64) as Time).clamp(1, period);
            let deadline = match spec.deadlines {
                Deadlines::Implicit => period,
                Deadlines::Constrained => rng.between(wcet, period),
            };
            let offset = if spec.offsets { rng.below(period) } else { 0 };
            Task {
                wcet,
                period,
                deadline,
                offset,
                priority: 0,
                sporadic: false,
            }
        })
        .collect();
    if spec.scheduler == Scheduler::FixedPriority {
        deadline_monotonic_priorities(&mut tasks);
    }
    TaskSet::new(tasks, spec.scheduler)
}

/// Draws a set of mixed shape, as the property tests want it: periods from [`PERIOD_MENU`],
/// deadlines implicit or constrained by a fair coin, offsets zero or random by a second coin,
/// then [`generate`]. It draws from `rng` in exactly that order (deadline coin, offset coin,
/// the set), so a seed keeps giving the same set. The set is not checked for schedulability
/// (see [`crate::demand::schedulable`]).
pub fn generate_mixed(
    rng: &mut XorShift64Star,
    scheduler: Scheduler,
    tasks: usize,
    utilization: f64,
) -> Result<TaskSet, TaskSetError> {
    let deadlines = if rng.below(2) == 0 {
        Deadlines::Implicit
    } else {
        Deadlines::Constrained
    };
    let offsets = rng.below(2) == 0;
    let spec = Generate {
        tasks,
        utilization,
        periods: Periods::Menu(&PERIOD_MENU),
        deadlines,
        offsets,
        scheduler,
    };
    generate(rng, &spec)
}

fn draw_period(rng: &mut XorShift64Star, periods: Periods<'_>) -> Time {
    match periods {
        Periods::Menu(menu) => menu[rng.below(menu.len() as u64) as usize],
        Periods::LogUniform {
            min,
            max,
            granularity,
        } => {
            let (low, high) = (libm::log(min as f64), libm::log(max as f64));
            let period = libm::exp(low + rng.next_f64() * (high - low)) as Time;
            (period / granularity * granularity).clamp(min.max(granularity), max)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uunifast_sums_to_target() {
        let mut rng = XorShift64Star::new(7);
        let u = uunifast(&mut rng, 16, 0.8);
        assert_eq!(u.len(), 16);
        assert!((u.iter().sum::<f64>() - 0.8).abs() < 1e-12);
        assert!(u.iter().all(|&x| x >= 0.0));
    }

    #[test]
    fn generation_is_deterministic() {
        let spec = Generate {
            tasks: 8,
            utilization: 0.7,
            periods: Periods::Menu(&PERIOD_MENU),
            deadlines: Deadlines::Constrained,
            offsets: true,
            scheduler: Scheduler::FixedPriority,
        };
        let a = generate(&mut XorShift64Star::new(1), &spec).unwrap();
        let b = generate(&mut XorShift64Star::new(1), &spec).unwrap();
        assert_eq!(a, b);
        assert!(a.utilization_ppm() <= 700_001);
        assert_eq!(a.hyperperiod().map(|h| 100_000_000 % h), Some(0));
    }

    #[test]
    fn mixed_flips_the_deadline_coin_then_the_offset_coin() {
        let (mut constrained, mut offset) = (0, 0);
        for seed in 1..40 {
            let mut coins = XorShift64Star::new(seed);
            let (implicit, offsets) = (coins.below(2) == 0, coins.below(2) == 0);
            let draw = || {
                let mut rng = XorShift64Star::new(seed);
                generate_mixed(&mut rng, Scheduler::FixedPriority, 6, 0.6).unwrap()
            };
            let set = draw();
            assert_eq!(set, draw());
            for t in set.tasks() {
                assert!(PERIOD_MENU.contains(&t.period));
                assert!(if implicit {
                    t.deadline == t.period
                } else {
                    t.wcet <= t.deadline && t.deadline <= t.period
                });
                assert!(if offsets {
                    t.offset < t.period
                } else {
                    t.offset == 0
                });
            }
            constrained += usize::from(set.tasks().iter().any(|t| t.deadline < t.period));
            offset += usize::from(set.tasks().iter().any(|t| t.offset > 0));
        }
        assert!(constrained > 5 && offset > 5, "{constrained} {offset}");
    }
}
