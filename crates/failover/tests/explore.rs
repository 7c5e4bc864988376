//! Every interleaving of the protocol's steps on a few cores and guests, with up to a given
//! number of core failures at any point (a decider in the middle of its decision, a target
//! before or after it took its guest) and a VM powering off meanwhile, explored exhaustively.
//!
//! Each core is a sequential program: claim a silent peer; start a decision (snapshot of the
//! ledger, then the migration policy, the real one, on it); commit it (only if the ledger did
//! not change; else start again); take a guest placed on it. A failure stops a core between any
//! two of its steps: in the middle of a decision, it never commits. Invariants:
//!
//! * no healthy core is ever declared failed, and every declared-failed core is stopped
//!   (fenced);
//! * no two guests occupy one room: a core without a frame holds at most one guest, a core with
//!   a frame holds exactly the guests of its slots, a failed core holds none;
//! * a guest that a migration gave a whole core never shares it in time partitions (its
//!   prediction counted on the whole core);
//! * an orphan's decider is healthy (a dead decider's orphans were inherited);
//! * once nothing can happen any more, while any core survives, every guest is either running
//!   on a surviving core or stopped with a reason: none is lost.

use failover::decide::{decide, Facts};
use failover::*;
use migration_policy::{MigratePolicy, Platform, RealTimeInput, VmInput};
use rt_analysis::downtime::DowntimeModel;
use rt_analysis::{Scheduler, SimState, Slack, Task, TaskSet};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// What a core is doing.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Phase {
    Idle,
    /// Deciding from the snapshot at this version.
    Deciding(u64),
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct World {
    ledger: Ledger,
    /// Cores really working (the truth the detector must find by itself).
    alive: u32,
    phase: Vec<Phase>,
    failures_left: u32,
    power_offs_left: u32,
}

/// A scenario: cores, where each VM's single vCPU starts, which VMs report a task set.
struct Scenario {
    cores: usize,
    guests: &'static [usize],
    realtime: &'static [bool],
    failures: u32,
    power_offs: u32,
    /// The decider sees a silent core as not beating before anyone claims it.
    knows_silence: bool,
}

struct ModelFacts<'a> {
    world: &'a World,
    scenario: &'a Scenario,
}

fn task_set() -> TaskSet {
    TaskSet::new(vec![Task::periodic(1_000_000, 10_000_000)], Scheduler::Edf).unwrap()
}

impl Facts for ModelFacts<'_> {
    fn vm_input(&self, guest: &Guest, resume: ResumeKind) -> VmInput {
        let realtime = self.scenario.realtime[guest.vm].then(|| {
            let tasks = task_set();
            RealTimeInput {
                checkpoint: SimState::initial(&tasks),
                tasks,
                reported_slack: Slack::Finite(9_000_000),
                reported_at: 0,
                ran_in: None,
            }
        });
        VmInput {
            vm: guest.vm,
            name: format!("vm{}", guest.vm),
            memory_bytes: 4 << 20,
            copy_memory: false,
            policy: MigratePolicy::Always,
            checkpoint_only: resume != ResumeKind::Live,
            reload_ns: 0,
            realtime,
        }
    }
    fn resume(&self, _: &Guest, _: usize, _: usize, _: FaultKind) -> ResumeKind {
        ResumeKind::Checkpoint
    }
    fn task_set(&self, vm: usize) -> Option<TaskSet> {
        self.scenario.realtime[vm].then(task_set)
    }
    fn beating(&self, core: usize) -> bool {
        !self.scenario.knows_silence || self.world.alive & (1 << core) != 0
    }
    fn signalled_at(&self, _: usize) -> Option<u64> {
        None
    }
    fn now(&self) -> u64 {
        1_000_000
    }
    fn platform(&self) -> Platform {
        Platform {
            model: DowntimeModel {
                detect: 0,
                decide: 100_000,
                state: 20_000,
                copy_bytes_per_sec: u64::MAX,
                remap: 20_000,
                restore: 60_000,
            },
            server_periods: vec![5_000_000, 2_500_000],
            switch: 20_000,
            decide_shared: 400_000,
            progress: None,
            clock: None,
            reserve: 0,
            known_budgets: None,
        }
    }
}

impl World {
    fn start(scenario: &Scenario) -> World {
        let mut ledger = Ledger::new(scenario.cores);
        for (vm, &core) in scenario.guests.iter().enumerate() {
            ledger.add_guest(vm, 0, core).unwrap();
        }
        World {
            ledger,
            alive: (1 << scenario.cores) - 1,
            phase: vec![Phase::Idle; scenario.cores],
            failures_left: scenario.failures,
            power_offs_left: scenario.power_offs,
        }
    }

    fn alive(&self, core: usize) -> bool {
        self.alive & (1 << core) != 0
    }

    /// Every world one step away.
    fn successors(&self, scenario: &Scenario) -> Vec<World> {
        let mut next = Vec::new();
        for core in 0..scenario.cores {
            if !self.alive(core) || !self.ledger.is_healthy(core) {
                continue;
            }
            if self.failures_left > 0 {
                let mut world = self.clone();
                world.alive &= !(1 << core);
                world.phase[core] = Phase::Idle;
                world.failures_left -= 1;
                next.push(world);
            }
            for suspect in 0..scenario.cores {
                if !self.alive(suspect) && self.ledger.is_healthy(suspect) {
                    let mut world = self.clone();
                    let failure = Failure {
                        by: core,
                        kind: FaultKind::Stop,
                        last_beat_ns: 900_000,
                        detected_ns: 950_000 + suspect as u64,
                    };
                    world.ledger.claim(core, suspect, failure).unwrap();
                    next.push(world);
                }
            }
            match self.phase[core] {
                Phase::Idle => {
                    if self.ledger.orphans_of(core).next().is_some() {
                        let mut world = self.clone();
                        world.phase[core] = Phase::Deciding(self.ledger.version);
                        next.push(world);
                    }
                    for guest in self.ledger.arrivals_for(core) {
                        let mut world = self.clone();
                        world.ledger.take(core, guest).unwrap();
                        next.push(world);
                    }
                    if self.power_offs_left > 0 {
                        for guest in self.ledger.occupants(core) {
                            let running = self.ledger.guest(guest).unwrap();
                            if running.status == (GuestStatus::Running { core }) {
                                let mut world = self.clone();
                                world.ledger.stop_vm(running.vm, StopReason::Guest);
                                world.power_offs_left -= 1;
                                next.push(world);
                            }
                        }
                    }
                }
                Phase::Deciding(based_on) => {
                    let mut world = self.clone();
                    world.phase[core] = Phase::Idle;
                    if self.ledger.version == based_on {
                        // The ledger is the snapshot: the decision computed from it is the one
                        // the core would commit now.
                        let facts = ModelFacts {
                            world: self,
                            scenario,
                        };
                        let outcome =
                            decide(&self.ledger, core, &facts).unwrap_or_else(|refusal| {
                                panic!("decision refused: {refusal:?} by core {core} in {self:?}")
                            });
                        world.ledger.publish(&outcome).unwrap();
                    }
                    next.push(world);
                }
            }
        }
        next
    }

    /// Invariants of every reachable world.
    fn check(&self, scenario: &Scenario) {
        for core in 0..scenario.cores {
            match self.ledger.core(core) {
                CoreStatus::Failed(_) => {
                    assert!(!self.alive(core), "healthy core {core} declared failed");
                    assert_eq!(
                        self.ledger.occupants(core).count(),
                        0,
                        "a failed core holds guests"
                    );
                }
                CoreStatus::Healthy => {
                    let occupants: HashSet<GuestId> = self.ledger.occupants(core).collect();
                    match self.ledger.frame(core) {
                        None => assert!(occupants.len() <= 1, "two guests in one room: {self:?}"),
                        Some(frame) => {
                            let listed: HashSet<GuestId> =
                                frame.slots().iter().map(|slot| slot.guest).collect();
                            assert_eq!(listed, occupants, "frame and occupants differ");
                            assert!(
                                occupants.iter().all(|&g| {
                                    !self.ledger.guest(g).unwrap().needs_whole_core(1_000_000)
                                }),
                                "a migrant given a core whole shares it: {self:?}"
                            );
                        }
                    }
                }
                CoreStatus::Absent => unreachable!(),
            }
        }
        for (_, guest) in self.ledger.guests() {
            if let GuestStatus::Orphaned { decider, .. } = guest.status {
                assert!(
                    self.ledger.is_healthy(decider),
                    "orphan of a failed decider"
                );
            }
        }
    }

    /// Nothing can happen any more: no guest may be lost.
    fn check_final(&self) {
        if self.alive == 0 {
            return; // nobody left to run anything
        }
        for (id, guest) in self.ledger.guests() {
            match guest.status {
                GuestStatus::Stopped(_) => {}
                GuestStatus::Running { core } => {
                    assert!(
                        self.alive(core),
                        "guest {id} left on dead core {core}: {self:?}"
                    )
                }
                other => panic!("guest {id} lost in {other:?}: {self:?}"),
            }
        }
    }
}

fn fingerprint(world: &World) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    world.hash(&mut hasher);
    hasher.finish()
}

/// Explores every reachable world of `scenario`; returns (worlds, final worlds).
fn explore(scenario: &Scenario) -> (usize, usize) {
    let mut seen = HashSet::new();
    let mut stack = vec![World::start(scenario)];
    let mut finals = 0;
    while let Some(world) = stack.pop() {
        if !seen.insert(fingerprint(&world)) {
            continue;
        }
        world.check(scenario);
        let next = world.successors(scenario);
        if next.is_empty() {
            world.check_final();
            finals += 1;
        }
        stack.extend(next);
    }
    (seen.len(), finals)
}

fn run(scenario: Scenario) {
    for knows_silence in [false, true] {
        let scenario = Scenario {
            knows_silence,
            ..scenario
        };
        let (worlds, finals) = explore(&scenario);
        println!(
            "{} cores, guests on {:?}, {} failures, {} power-offs, silence known {}: {worlds} worlds, {finals} final",
            scenario.cores, scenario.guests, scenario.failures, scenario.power_offs, knows_silence
        );
        assert!(finals > 0);
    }
}

#[test]
fn two_spares_two_failures_at_once() {
    run(Scenario {
        cores: 4,
        guests: &[1, 3],
        realtime: &[true, true],
        failures: 2,
        power_offs: 0,
        knows_silence: false,
    });
}

#[test]
fn one_spare_and_a_cascade_onto_it_with_a_power_off() {
    run(Scenario {
        cores: 4,
        guests: &[1, 2, 3],
        realtime: &[true, true, false],
        failures: 2,
        power_offs: 1,
        knows_silence: false,
    });
}

#[test]
fn no_spare_consolidation_and_three_failures() {
    run(Scenario {
        cores: 3,
        guests: &[0, 1, 2],
        realtime: &[true, true, true],
        failures: 3,
        power_offs: 0,
        knows_silence: false,
    });
}

#[test]
fn every_core_but_one_fails_with_the_boot_core_a_spare() {
    run(Scenario {
        cores: 4,
        guests: &[2, 3],
        realtime: &[true, false],
        failures: 3,
        power_offs: 1,
        knows_silence: false,
    });
}

#[test]
fn five_cores_one_spare_three_failures_and_a_power_off() {
    run(Scenario {
        cores: 5,
        guests: &[1, 2, 3, 4],
        realtime: &[true, false, true, true],
        failures: 3,
        power_offs: 1,
        knows_silence: false,
    });
}

#[test]
#[should_panic(expected = "declared failed")]
fn the_checker_catches_a_healthy_core_declared_failed() {
    let scenario = Scenario {
        cores: 3,
        guests: &[1],
        realtime: &[true],
        failures: 0,
        power_offs: 0,
        knows_silence: false,
    };
    let mut world = World::start(&scenario);
    let failure = Failure {
        by: 0,
        kind: FaultKind::Stop,
        last_beat_ns: 0,
        detected_ns: 1,
    };
    world.ledger.claim(0, 2, failure).unwrap(); // core 2 is alive: a false detection
    world.check(&scenario);
}
