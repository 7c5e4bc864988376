//! Target cores: a spare core first (lowest id, each used once); else the lowest-id healthy
//! core whose VMs, the migrant included, all fit in periodic servers (Shin and Lee 2003).
//!
//! Every VM of a shared core gets a server `(theta_i, pi_i)`: a resident that is already
//! partitioned keeps its budget; one that owns the core whole gets `theta = min_budget(set,
//! pi)` at the platform period, and cannot be partitioned without a task set (that core is no
//! candidate); the migrant gets [`server_budget`]. The core admits the migrant when
//! `sum theta_i / pi_i <= 1` (`servers_fit`, EDF among servers). A core given whole to a migrant
//! of this plan is not shared later: that migrant's prediction assumed the whole core.

use crate::decision::Server;
use crate::input::{CoreInput, FaultInput};
use crate::supply::Supply;
use alloc::vec::Vec;
use rt_analysis::admission::{min_budget, servers_fit};
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

/// Where a migrant can go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A spare core.
    Spare(usize),
    /// A shared core and all its servers after admission, the migrant's last.
    Shared { core: usize, servers: Vec<Server> },
}

impl Placement {
    /// The migrant's supply there.
    pub fn supply(&self) -> Supply {
        match self {
            Self::Spare(_) => Supply::Dedicated,
            Self::Shared { servers, .. } => {
                let own = servers.last().copied().unwrap_or(Server {
                    vm: 0,
                    theta: 0,
                    pi: 0,
                });
                Supply::Server {
                    theta: own.theta,
                    pi: own.pi,
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
    /// Has residents; servers not computed yet.
    Residents(&'a CoreInput),
    /// Its current servers.
    Servers(Vec<Server>),
    /// Cannot be time-partitioned.
    Closed,
}

/// The candidate cores of one plan, in ascending core id.
pub(crate) struct Hosts<'a> {
    hosts: Vec<(usize, Host<'a>)>,
    period: Time,
}

impl<'a> Hosts<'a> {
    /// Healthy cores other than the failed one.
    pub fn new(fault: &FaultInput, cores: &'a [CoreInput], period: Time) -> Self {
        let mut hosts: Vec<(usize, Host<'a>)> = cores
            .iter()
            .filter(|c| c.healthy && c.core != fault.failed_core)
            .map(|c| {
                let host = if c.residents.is_empty() {
                    Host::Spare
                } else {
                    Host::Residents(c)
                };
                (c.core, host)
            })
            .collect();
        hosts.sort_by_key(|(core, _)| *core);
        Self { hosts, period }
    }

    /// Where VM `vm` (task set `set`) can go now, without committing.
    pub fn find(&mut self, vm: usize, set: Option<&TaskSet>) -> Option<Placement> {
        if let Some((core, _)) = self.hosts.iter().find(|(_, h)| matches!(h, Host::Spare)) {
            return Some(Placement::Spare(*core));
        }
        let (theta, pi) = server_budget(set?, self.period)?;
        let period = self.period;
        for (core, host) in &mut self.hosts {
            if let Host::Residents(input) = host {
                *host = resident_servers(input, period).map_or(Host::Closed, Host::Servers);
            }
            if let Host::Servers(servers) = host {
                let mut with = servers.clone();
                with.push(Server { vm, theta, pi });
                let budgets: Vec<(Time, Time)> = with.iter().map(|s| (s.theta, s.pi)).collect();
                if servers_fit(&budgets) {
                    return Some(Placement::Shared {
                        core: *core,
                        servers: with,
                    });
                }
            }
        }
        None
    }

    /// Records that the migrant went to `placement`.
    pub fn commit(&mut self, placement: &Placement) {
        let (target, next) = match placement {
            Placement::Spare(core) => (*core, Host::Dedicated),
            Placement::Shared { core, servers } => (*core, Host::Servers(servers.clone())),
        };
        if let Some((_, host)) = self.hosts.iter_mut().find(|(core, _)| *core == target) {
            *host = next;
        }
    }
}

/// The residents' servers, `None` if one of them cannot be partitioned.
fn resident_servers(input: &CoreInput, period: Time) -> Option<Vec<Server>> {
    (0..input.residents.len())
        .map(|i| {
            let (vm, set, budget) = input.resident(i);
            let (theta, pi) = budget.or_else(|| server_budget(set?, period))?;
            Some(Server { vm, theta, pi })
        })
        .collect()
}
