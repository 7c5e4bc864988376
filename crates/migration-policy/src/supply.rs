//! The processor a migrant gets once restored, and the deadline misses its blackout causes.
//!
//! On a spare core the VM owns the processor from the restore instant `r`: the misses are
//! `rt_analysis::predict` with a blackout `[s, r)`, exact under the simulator's rules.
//!
//! On a shared core it runs in its slot of the core's cyclic [`crate::Frame`]: `theta` of
//! processor every `pi`, first at `r + wait` (the first supply instant of the slot at or after
//! `r`, [`crate::Frame::first_supply`]). The pattern is dark until `r + wait`, then `theta` on,
//! `pi - theta` off, and so on, and it IS the frame's schedule (the core idles outside slots,
//! so no VM gets more or less), so the simulation of it (chained `rt_analysis::simulate` runs,
//! one per period) is **exact** under the simulator's rules, as on a spare core. The guest sees
//! its dark spans through the hypervisor's supply log and applies the same rules. It remains an
//! upper bound when a context switch finishes before its bound `switch`, or the hypervisor runs
//! the VM in the rest of a slot it was restored in: supply only grows, and under a
//! work-conserving scheduler with fixed job priorities, more supply never completes a job later.
//!
//! The simulation stops at the first idle instant after the dark span: from there, the set
//! fitting its slot (`admission::fits`, which [`crate::server_budget`] ensures: every window
//! gets at least `sbf`) excludes further misses.
//!
//! With `wait = pi - theta` (a frame started at `r` with the slot at its end, as a new frame
//! places the migrant) the pattern is also the worst legal placement of a periodic server
//! `(theta, pi)` released at `r`, and its misses bound per task those of any placement.

use alloc::vec;
use alloc::vec::Vec;
use rt_analysis::math::{ceil_div_u128, lcm, saturate};
use rt_analysis::predict::{recovery_bound, PREDICT_MAX_EVENTS};
use rt_analysis::simulate::{simulate_until_idle, Blackout};
use rt_analysis::{SimState, StateError, TaskSet, Time};

/// How the migrant is supplied after its restore instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supply {
    /// A whole core.
    Dedicated,
    /// A slot of a cyclic frame: `theta` every `pi`, the first from `wait` after the restore
    /// instant.
    Server {
        /// Processor time per period.
        theta: Time,
        /// Period.
        pi: Time,
        /// From the restore instant to the first supply.
        wait: Time,
        /// Processor time in the first slot: the VM enters the core in it (the restore work
        /// happens at the slot's start), so it gets at most `theta` there.
        first: Time,
    },
}

impl Supply {
    /// Wait from the restore instant to the first processor time: `wait` for a slot, 0 for a
    /// whole core.
    pub fn first_slot_wait(self) -> Time {
        match self {
            Self::Dedicated => 0,
            Self::Server { wait, .. } => wait,
        }
    }
}

/// Event budget of one VM's prediction (releases plus scheduling instants, over all periods
/// of a slot simulation): `rt_analysis`'s default, which bounds the decision's run time.
pub const PREDICTION_EVENTS: u64 = PREDICT_MAX_EVENTS;

/// Predicted misses of one VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prediction {
    /// Misses per task.
    pub misses: Vec<u32>,
    /// True when the simulation reached an idle instant after the blackout, so the counts are
    /// the whole prediction; false when the event budget or the safety cap cut it short (the
    /// counts so far, a lower bound).
    pub complete: bool,
    /// When complete: the idle instant the simulation reached, from which the schedule is the
    /// one without blackout (the guest has recovered; its supply no longer matters to the
    /// prediction).
    pub horizon: Option<Time>,
}

/// How much simulation one prediction may do: at most `events` events and, with a `clock`, only
/// until `deadline` on it (checked every `chunk` events), so that a decision's predictions end
/// within the decision's time bound whatever the task set and blackout. A prediction cut by
/// either is a lower bound ([`Prediction::complete`] false).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Event budget.
    pub events: u64,
    /// The clock the deadline is on (the hypervisor's, in ns); `None`: no time limit.
    pub clock: Option<fn() -> Time>,
    /// The instant on `clock` from which no further chunk starts.
    pub deadline: Time,
    /// Events per chunk between two readings of the clock.
    pub chunk: u64,
}

/// Events simulated between two readings of the decision's clock: a few microseconds of work
/// on the hypervisor's cores, unless the backlog of pending jobs is large.
pub const CHUNK_EVENTS: u64 = 8;

impl Budget {
    /// `events` events, no time limit.
    pub fn events(events: u64) -> Self {
        Self {
            events,
            clock: None,
            deadline: Time::MAX,
            chunk: events,
        }
    }

    /// True while a further chunk may start.
    pub(crate) fn in_time(&self) -> bool {
        self.clock.is_none_or(|now| now() < self.deadline)
    }
}

/// Misses per task of `set` when its schedule, in `state` at `state.now` (the blackout start),
/// loses the processor until `restore_at` and then gets `supply` (see the module doc), within
/// `max_events` simulation events.
pub fn misses_with_supply(
    set: &TaskSet,
    state: &SimState,
    restore_at: Time,
    supply: Supply,
    max_events: u64,
) -> Result<Prediction, StateError> {
    misses_within(set, state, restore_at, supply, Budget::events(max_events))
}

/// [`misses_with_supply`] within `budget`. The simulation runs in chunks of `budget.chunk`
/// events, each continuing from the state the previous one ended in: chaining runs is exact
/// under the simulator's rules (a job late at a chunk's end is counted there, once), so the
/// counts do not depend on the chunking.
pub fn misses_within(
    set: &TaskSet,
    state: &SimState,
    restore_at: Time,
    supply: Supply,
    budget: Budget,
) -> Result<Prediction, StateError> {
    let mut simulation = Simulation::new(set, state, restore_at, supply, budget.events)?;
    match simulation.run(set, budget.chunk, &mut || budget.in_time())? {
        Some(prediction) => Ok(prediction),
        None => Ok(simulation.so_far()),
    }
}

/// A miss prediction that can stop and go on later (from an idle core's spare moments): the
/// chained simulation runs of [`misses_within`], with where they got to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Simulation {
    prediction: Prediction,
    /// Events left in the budget.
    left: u64,
    current: SimState,
    /// The dark span before the current span of supply.
    dark: Blackout,
    idle_after: Time,
    /// Supply in the next span of a slot (the first: `first`, then `theta`).
    on: Time,
    cap: Time,
    /// `(theta, pi)` on a shared core; `None` on a whole one.
    server: Option<(Time, Time)>,
    /// End of the current span of supply, once begun.
    end: Option<Time>,
}

impl Simulation {
    /// The prediction of [`misses_with_supply`] for `set` from `state`, not begun, within
    /// `events` simulation events.
    pub fn new(
        set: &TaskSet,
        state: &SimState,
        restore_at: Time,
        supply: Supply,
        events: u64,
    ) -> Result<Self, StateError> {
        state.validate(set)?;
        let dark_until = restore_at.saturating_add(supply.first_slot_wait());
        let server = match supply {
            Supply::Server {
                theta, pi, first, ..
            } if theta < pi && !set.is_empty() => Some((theta, pi, first.min(theta))),
            _ => None,
        };
        let dark_length = dark_until.saturating_sub(state.now);
        let cap = match server {
            Some((theta, pi, _)) => cap(set, state, dark_until, theta, pi),
            None => dark_until.saturating_add(recovery_bound(set, state, dark_length)),
        };
        Ok(Self {
            prediction: Prediction {
                misses: vec![0u32; set.len()],
                complete: false,
                horizon: None,
            },
            left: events,
            current: state.clone(),
            dark: Blackout {
                start: state.now,
                length: dark_length,
            },
            idle_after: dark_until,
            on: server.map_or(0, |(_, _, first)| first),
            cap,
            server: server.map(|(theta, pi, _)| (theta, pi)),
            end: None,
        })
    }

    /// The counts so far (a lower bound unless complete).
    pub fn so_far(&self) -> Prediction {
        self.prediction.clone()
    }

    /// Goes on in chunks of `chunk` events while `go_on` says so (asked before each): the
    /// prediction when done (complete, or cut by the event budget or the cap), `None` when
    /// stopped first. `set` must be the one it was made for.
    pub fn run(
        &mut self,
        set: &TaskSet,
        chunk: u64,
        go_on: &mut dyn FnMut() -> bool,
    ) -> Result<Option<Prediction>, StateError> {
        loop {
            let end = match self.end {
                Some(end) => end,
                None => {
                    // The next span of supply (the whole core: up to the cap), after its dark span.
                    let end = match self.server {
                        Some((theta, _)) => {
                            let end = self.dark.end().saturating_add(self.on).min(self.cap);
                            self.on = theta;
                            end
                        }
                        None => self.cap,
                    };
                    self.end = Some(end);
                    end
                }
            };
            loop {
                if self.left == 0 {
                    return Ok(Some(self.so_far()));
                }
                if !go_on() {
                    return Ok(None);
                }
                let events = self.left.min(chunk.max(1));
                let run = simulate_until_idle(
                    set,
                    &self.current,
                    self.idle_after,
                    end,
                    events,
                    Some(self.dark),
                )?;
                for (total, &m) in self.prediction.misses.iter_mut().zip(&run.misses_per_task) {
                    *total = total.saturating_add(m);
                }
                self.left = self.left.saturating_sub(run.events.max(1));
                if run.stopped_idle {
                    self.prediction.complete = true;
                    self.prediction.horizon = Some(run.end.now);
                    self.left = 0;
                    return Ok(Some(self.so_far()));
                }
                self.current = run.end;
                if self.current.now >= end {
                    break;
                }
            }
            self.end = None;
            let Some((theta, pi)) = self.server else {
                self.left = 0;
                return Ok(Some(self.so_far()));
            };
            if end >= self.cap {
                self.left = 0;
                return Ok(Some(self.so_far()));
            }
            self.dark = Blackout {
                start: end,
                length: pi - theta,
            };
            self.idle_after = end;
        }
    }
}

/// Safety cap of the slot simulation, `dark_until + drain + cycle` (saturating): the backlog
/// (pending work, one job per task, the dark span, two periods of supply granularity) drains
/// at rate `theta / pi - U` at least, and `cycle = lcm(H, pi)` (or `64 n T_max` if it
/// overflows) covers the return to an idle instant. Normally the run stops idle long before.
fn cap(set: &TaskSet, state: &SimState, dark_until: Time, theta: Time, pi: Time) -> Time {
    let pending: u128 = state.active.iter().map(|j| u128::from(j.remaining)).sum();
    let wcets: u128 = set.tasks().iter().map(|t| u128::from(t.wcet)).sum();
    let dark = u128::from(dark_until.saturating_sub(state.now));
    let backlog = pending + wcets + dark + 2 * u128::from(pi);
    let bandwidth_ppm = u128::from(theta) * 1_000_000 / u128::from(pi);
    let utilization_ppm = u128::from(set.utilization_ppm());
    let drain = if bandwidth_ppm > utilization_ppm {
        ceil_div_u128(backlog * 1_000_000, bandwidth_ppm - utilization_ppm)
    } else {
        0
    };
    let period_max = set.tasks().iter().map(|t| t.period).max().unwrap_or(0);
    let cycle = set
        .hyperperiod()
        .and_then(|h| lcm(h, pi))
        .unwrap_or_else(|| {
            period_max
                .saturating_mul(64)
                .saturating_mul(set.len() as u64)
        });
    dark_until.saturating_add(saturate(drain + u128::from(cycle)))
}
