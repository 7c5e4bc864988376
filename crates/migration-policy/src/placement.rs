//! Target cores: the lowest-id spare core (each used once), and the lowest-id healthy core
//! whose cyclic [`Frame`] can take the migrant's slot; the plan predicts the misses of each
//! option it considers and takes the fewest ([`crate::plan`]).
//!
//! A slot supplies `theta` of processor every `pi`, which a periodic resource of the Shin and
//! Lee (2003) model guarantees at least as well as any phase of it: the VM needs
//! `theta = min_budget(set, pi)` ([`server_budget`]) and a slot of `theta + switch`.
//!
//! * A core whose residents own it whole gets a new frame at the first candidate period
//!   (`Platform::server_periods`) where every resident's and the migrant's slots fit:
//!   `sum (theta_i + switch) <= pi`. Residents are packed from offset 0 in resident order, the
//!   migrant right-aligned at the end; the plan starts the frame at the migrant's restore
//!   instant. A resident without a task set, or without a budget at any period, closes it.
//!   The residents keep meeting their deadlines across the change: from the frame start their
//!   slots supply at least `sbf` in every window, and a window reaching back before it had the
//!   whole core until it, which `sbf` (growing by at most 1 per ns) cannot exceed.
//! * A core that runs a frame (given, or made by this plan) keeps its period, start and slots;
//!   the migrant's slot goes into its free space ([`Frame::place`]) or the next core is tried.
//!
//! A core given whole to a migrant of this plan is not shared later: that migrant's prediction
//! assumed the whole core.

use crate::frame::{Frame, Slot};
use crate::input::{CoreInput, FaultInput, KnownBudgets, Platform};
use crate::supply::{Budget, Supply};
use alloc::vec::Vec;
use rt_analysis::admission::{min_budget, min_budget_while};
use rt_analysis::{TaskSet, Time};

/// The server `(theta, pi)` a VM with `set` needs at period `pi`: the smallest budget with
/// which every deadline is met (`admission::min_budget`); `None` if even the whole processor
/// does not suffice or `pi` is 0.
pub fn server_budget(set: &TaskSet, pi: Time) -> Option<(Time, Time)> {
    if pi == 0 {
        return None;
    }
    min_budget(set, pi).map(|theta| (theta, pi))
}

/// Where one search's server budgets come from: known ahead, or computed while its time lasts.
#[derive(Clone, Copy)]
struct Budgets<'a> {
    known: Option<KnownBudgets>,
    time: &'a Budget,
}

impl Budgets<'_> {
    /// [`server_budget`]'s budget of `set` at `pi`; `None` when the time ran out first.
    fn of(&self, set: &TaskSet, pi: Time) -> Option<Option<Time>> {
        if pi == 0 {
            return Some(None);
        }
        if let Some(budget) = self.known.and_then(|known| known(set, pi)) {
            return Some(budget);
        }
        min_budget_while(set, pi, &mut || self.time.in_time())
    }
}

/// Where a migrant can go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A spare core.
    Spare(usize),
    /// A shared core: its frame after admission, and the migrant's budget per period.
    Shared {
        core: usize,
        frame: Frame,
        theta: Time,
        /// The frame is new: it starts at the migrant's restore instant ([`Self::start`]).
        fresh: bool,
    },
}

impl Placement {
    /// Starts a new frame at `restore_at`; an existing frame keeps its start.
    pub fn start(&mut self, restore_at: Time) {
        if let Self::Shared {
            frame, fresh: true, ..
        } = self
        {
            frame.start = restore_at;
        }
    }

    /// The supply of VM `vm` restored at `restore_at` here.
    /// The migrant's supply there, restored at `restore_at`: each slot gives `theta` after a
    /// context switch of `switch`; the first one (where the VM enters the core) only after
    /// `entry` (the restore bound, at least `switch`).
    pub fn supply(&self, vm: usize, switch: Time, entry: Time, restore_at: Time) -> Supply {
        match self {
            Self::Spare(_) => Supply::Dedicated,
            Self::Shared { frame, theta, .. } => {
                let entry = entry.max(switch);
                let first = frame.first_supply(vm, entry, restore_at);
                Supply::Server {
                    theta: *theta,
                    pi: frame.period,
                    wait: first.map_or(Time::MAX, |f| f - restore_at),
                    first: theta.saturating_sub(entry - switch),
                }
            }
        }
    }
}

/// What a candidate core can still take.
enum Host<'a> {
    /// Healthy and empty.
    Spare,
    /// Given whole to a migrant of this plan.
    Dedicated,
    /// Residents owning it whole, all with task sets; their budgets per period tried so far.
    Whole(Vec<(usize, &'a TaskSet)>, Vec<(Time, Option<Vec<Time>>)>),
    /// Runs a frame.
    Framed(Frame),
    /// Cannot be time-partitioned.
    Closed,
}

/// The candidate cores of one plan, in ascending core id.
pub(crate) struct Hosts<'a> {
    hosts: Vec<(usize, Host<'a>)>,
    periods: &'a [Time],
    switch: Time,
    platform: &'a Platform,
}

impl<'a> Hosts<'a> {
    /// Healthy cores other than the failed one.
    pub fn new(fault: &FaultInput, cores: &'a [CoreInput], platform: &'a Platform) -> Self {
        let mut hosts: Vec<(usize, Host<'a>)> = cores
            .iter()
            .filter(|c| c.healthy && c.core != fault.failed_core)
            .map(|c| (c.core, host(c)))
            .collect();
        hosts.sort_by_key(|(core, _)| *core);
        Self {
            hosts,
            periods: &platform.server_periods,
            switch: platform.switch,
            platform,
        }
    }

    /// Where VM `vm` (task set `set`) can go now, without committing: the lowest spare core
    /// if any; then, when there is no spare or `shared_too`, the lowest core whose frame can
    /// take it (one shared-core search, the cost `Platform::decide_shared` bounds). Empty when
    /// it fits nowhere.
    ///
    /// The search keeps to `time` (the VM's share of the decision bound): no further core is
    /// tried, and no further server budget computed, once it is over; the cores not tried are
    /// not options.
    pub fn options(
        &mut self,
        vm: usize,
        set: Option<&TaskSet>,
        shared_too: bool,
        time: &Budget,
    ) -> Vec<Placement> {
        let mut options = Vec::new();
        if let Some((core, _)) = self.hosts.iter().find(|(_, h)| matches!(h, Host::Spare)) {
            options.push(Placement::Spare(*core));
            if !shared_too {
                return options;
            }
        }
        let Some(set) = set else {
            return options;
        };
        let budgets = Budgets {
            known: self.platform.known_budgets,
            time,
        };
        let mut own: Vec<(Time, Option<Time>)> = Vec::new();
        let mut budget = |pi: Time| match own.iter().find(|(p, _)| *p == pi) {
            Some(&(_, theta)) => theta,
            None => {
                // Out of time: no budget, and none cached (the core is just not an option).
                let theta = budgets.of(set, pi)?;
                own.push((pi, theta));
                theta
            }
        };
        let switch = self.switch;
        let platform = self.platform;
        for (core, host) in &mut self.hosts {
            platform.step();
            if !time.in_time() {
                break;
            }
            let found = match host {
                Host::Whole(residents, cache) => self.periods.iter().find_map(|&pi| {
                    let theta = budget(pi)?;
                    let frame = new_frame(residents, cache, vm, theta, pi, switch, budgets)?;
                    Some((frame, theta, true))
                }),
                Host::Framed(frame) => budget(frame.period).and_then(|theta| {
                    let mut with = frame.clone();
                    with.place(vm, theta.checked_add(switch)?)?;
                    Some((with, theta, false))
                }),
                _ => None,
            };
            if let Some((frame, theta, fresh)) = found {
                options.push(Placement::Shared {
                    core: *core,
                    frame,
                    theta,
                    fresh,
                });
                break;
            }
        }
        options
    }

    /// True when some healthy core has residents that might share it with a migrant.
    pub fn any_shareable(&self) -> bool {
        self.hosts
            .iter()
            .any(|(_, host)| matches!(host, Host::Whole(..) | Host::Framed(_)))
    }

    /// Records that the migrant went to `placement` (a new frame with its start set).
    pub fn commit(&mut self, placement: &Placement) {
        let (target, next) = match placement {
            Placement::Spare(core) => (*core, Host::Dedicated),
            Placement::Shared { core, frame, .. } => (*core, Host::Framed(frame.clone())),
        };
        if let Some((_, host)) = self.hosts.iter_mut().find(|(core, _)| *core == target) {
            *host = next;
        }
    }
}

/// How a healthy core enters the plan.
fn host(core: &CoreInput) -> Host<'_> {
    if core.residents.is_empty() {
        return Host::Spare;
    }
    if let Some(frame) = &core.frame {
        return Host::Framed(frame.clone());
    }
    let residents: Option<Vec<(usize, &TaskSet)>> = (0..core.residents.len())
        .map(|i| match core.resident(i) {
            (vm, Some(set)) => Some((vm, set)),
            (_, None) => None,
        })
        .collect();
    residents.map_or(Host::Closed, |r| Host::Whole(r, Vec::new()))
}

/// The frame of period `pi` holding `residents` (packed from 0) and the migrant `vm` with
/// budget `theta` (right-aligned), if `sum (theta_i + switch) <= pi`. Residents' budgets at
/// `pi` are computed once per plan (`cache`). Its start is 0 until the plan sets it.
fn new_frame(
    residents: &[(usize, &TaskSet)],
    cache: &mut Vec<(Time, Option<Vec<Time>>)>,
    vm: usize,
    theta: Time,
    pi: Time,
    switch: Time,
    budgets: Budgets,
) -> Option<Frame> {
    if !cache.iter().any(|(p, _)| *p == pi) {
        // Every resident's budget, or `None` once one fits at no budget; out of time: nothing
        // cached, the core is not an option.
        let mut all = Vec::with_capacity(residents.len());
        let mut fit = true;
        for (_, set) in residents {
            match budgets.of(set, pi)? {
                Some(theta) => all.push(theta),
                None => {
                    fit = false;
                    break;
                }
            }
        }
        cache.push((pi, fit.then_some(all)));
    }
    let budgets = cache.iter().find(|(p, _)| *p == pi)?.1.as_ref()?;
    let mut slots = Vec::with_capacity(residents.len() + 1);
    let mut offset: Time = 0;
    for (&(resident, _), &budget) in residents.iter().zip(budgets) {
        let length = budget.checked_add(switch)?;
        slots.push(Slot {
            vm: resident,
            offset,
            length,
        });
        offset = offset.checked_add(length)?;
    }
    let length = theta.checked_add(switch)?;
    let last = pi.checked_sub(length)?;
    if offset > last {
        return None;
    }
    slots.push(Slot {
        vm,
        offset: last,
        length,
    });
    Some(Frame {
        start: 0,
        period: pi,
        slots,
    })
}
