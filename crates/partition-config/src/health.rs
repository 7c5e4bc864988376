//! The hypervisor node's fault-tolerance properties: heartbeat period and miss threshold, how a
//! migrating VM's memory moves, when a migrant resumes, and a fault plan for reproducible fault-injection runs.

use alloc::vec::Vec;

use crate::cells;
use crate::error::ErrorKind;

/// `kairos,heartbeat-us`: heartbeat period in microseconds (u32).
pub const HEARTBEAT_US: &str = "kairos,heartbeat-us";
/// `kairos,miss-threshold`: missed heartbeats before a core is declared failed (u32).
pub const MISS_THRESHOLD: &str = "kairos,miss-threshold";
/// `kairos,migration`: `"in-place"` (remap the VM's memory) or `"copy"` (move it).
pub const MIGRATION: &str = "kairos,migration";
/// `kairos,resume`: `"asap"` (a migrant resumes as soon as it is ready) or `"planned"` (it is
/// held to the instant its miss prediction planned with).
pub const RESUME: &str = "kairos,resume";
/// `kairos,fault-plan`: triplets `<core at-us kind>`, `at-us` from the moment the VMs start,
/// kind 0 = fail-stop, 1 = fail-signal.
pub const FAULT_PLAN: &str = "kairos,fault-plan";

/// Default heartbeat period: 1 ms.
pub const DEFAULT_HEARTBEAT_NS: u64 = 1_000_000;
/// Shortest heartbeat period on any platform, and the part of it each core adds (ns). A beat
/// comes late by the longest stretch a core cannot take its timer interrupt: under QEMU's
/// `-icount` every core shares one instruction clock, so that stretch grows with the number of
/// cores. Measured with `make bench` (the worst beat lateness of the fault campaign); the
/// minimum keeps it below one period, so that two missed beats never happen to a healthy core.
pub const MIN_HEARTBEAT_NS: u64 = 50_000;
/// See [`MIN_HEARTBEAT_NS`].
pub const MIN_HEARTBEAT_NS_PER_CORE: u64 = 12_500;

/// The shortest heartbeat period (us) a platform of `cores` cores sustains (the hypervisor
/// drives at most 8 cores; a reader that does not know the platform passes `usize::MAX`).
pub fn min_heartbeat_us(cores: usize) -> u64 {
    MIN_HEARTBEAT_NS
        .max(MIN_HEARTBEAT_NS_PER_CORE * cores.min(8) as u64)
        .div_ceil(1000)
}

/// Default miss threshold.
pub const DEFAULT_MISS_THRESHOLD: u32 = 2;

/// How a fault shows itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The core stops and says nothing; its VMs resume from their last checkpoint.
    Stop,
    /// The core detects its own error and hands its VMs over with their live state.
    Signal,
}

/// One planned fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedFault {
    /// Logical core that fails.
    pub core: u32,
    /// When, in nanoseconds from the moment the VMs start (the hypervisor adds that instant
    /// when it installs the plan); the core fails at its first heartbeat at or after it.
    pub at_ns: u64,
    /// How.
    pub kind: FaultKind,
}

/// How a migrating VM's memory reaches its new core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationMode {
    /// The memory stays where it is; only the core changes (shared memory).
    InPlace,
    /// The memory is copied to a region of the target core (downtime grows with VM size).
    Copy,
}

/// When a migrated VM resumes on its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeMode {
    /// As soon as it is ready: its blackout ends then, so the predicted misses are an upper
    /// bound (observed <= predicted, per task).
    Asap,
    /// At the instant the prediction planned with, even when ready earlier: the observed misses
    /// are exactly the predicted ones.
    Planned,
}

/// The fault-tolerance settings of the hypervisor node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthConfig {
    /// Heartbeat period in nanoseconds.
    pub heartbeat_ns: u64,
    /// Missed heartbeats before a peer is declared failed.
    pub miss_threshold: u32,
    /// How memory moves.
    pub migration: MigrationMode,
    /// When a migrant resumes.
    pub resume: ResumeMode,
    /// Faults to inject, in time order.
    pub fault_plan: Vec<PlannedFault>,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            heartbeat_ns: DEFAULT_HEARTBEAT_NS,
            miss_threshold: DEFAULT_MISS_THRESHOLD,
            migration: MigrationMode::InPlace,
            resume: ResumeMode::Asap,
            fault_plan: Vec::new(),
        }
    }
}

/// True for the property names this module reads.
pub fn is_health_property(name: &str) -> bool {
    [HEARTBEAT_US, MISS_THRESHOLD, MIGRATION, RESUME, FAULT_PLAN].contains(&name)
}

/// Reads one health property into `config`.
pub fn read(
    config: &mut HealthConfig,
    name: &str,
    value: &[u8],
    cpu_count: usize,
) -> Result<(), ErrorKind> {
    match name {
        HEARTBEAT_US => {
            let us = cells::number(value, 1)?;
            let min_us = min_heartbeat_us(cpu_count);
            if us < min_us {
                return Err(ErrorKind::HeartbeatTooShort {
                    us,
                    min_us,
                    cores: cpu_count,
                });
            }
            if us > 1_000_000 {
                return Err(ErrorKind::OutOfRange {
                    value: us,
                    min: min_us,
                    max: 1_000_000,
                });
            }
            config.heartbeat_ns = us * 1000;
        }
        MISS_THRESHOLD => {
            let count = cells::number(value, 1)?;
            if count == 1 {
                return Err(ErrorKind::ThresholdTooLow { threshold: count });
            }
            if !(2..=100).contains(&count) {
                return Err(ErrorKind::OutOfRange {
                    value: count,
                    min: 2,
                    max: 100,
                });
            }
            config.miss_threshold = count as u32;
        }
        MIGRATION => {
            config.migration = one_of(
                value,
                &["in-place", "copy"],
                [MigrationMode::InPlace, MigrationMode::Copy],
            )?;
        }
        RESUME => {
            config.resume = one_of(
                value,
                &["asap", "planned"],
                [ResumeMode::Asap, ResumeMode::Planned],
            )?;
        }
        FAULT_PLAN => {
            let cells = cells::u32_list(value)?;
            if cells.is_empty() || cells.len() % 3 != 0 {
                return Err(ErrorKind::BadFaultPlan { cells: cells.len() });
            }
            let mut plan = Vec::new();
            for triplet in cells.chunks(3) {
                if triplet[0] as usize >= cpu_count {
                    return Err(ErrorKind::CoreDoesNotExist {
                        core: triplet[0],
                        cpu_count,
                    });
                }
                let kind = match triplet[2] {
                    0 => FaultKind::Stop,
                    1 => FaultKind::Signal,
                    other => {
                        return Err(ErrorKind::OutOfRange {
                            value: u64::from(other),
                            min: 0,
                            max: 1,
                        })
                    }
                };
                plan.push(PlannedFault {
                    core: triplet[0],
                    at_ns: u64::from(triplet[1]) * 1000,
                    kind,
                });
            }
            addr::order::sort_by_key(&mut plan, |fault| fault.at_ns);
            config.fault_plan = plan;
        }
        _ => {}
    }
    Ok(())
}

/// The mode a string property names: `modes[i]` for `names[i]`, else an error listing them.
fn one_of<T: Copy, const N: usize>(
    value: &[u8],
    names: &'static [&'static str; N],
    modes: [T; N],
) -> Result<T, ErrorKind> {
    let text = cells::string(value)?;
    match names.iter().position(|name| *name == text) {
        Some(index) => Ok(modes[index]),
        None => Err(ErrorKind::UnknownValue {
            value: text.into(),
            allowed: names,
        }),
    }
}
