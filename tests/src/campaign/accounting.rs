//! Where every VM is, event by event: each VM of a failed core must end exactly once, either
//! resumed on a healthy core (and then run until it stops) or stopped with a traced reason, and
//! no two VMs may be resumed on one core unless time partitions hold both. The result is the
//! VM's stays on cores, from which `misses` cuts its miss windows.

use super::rooms;
use super::trace::{instant, number, Trace};
use super::verdict::{Category, Findings};
use serde_json::Value;
use std::collections::BTreeMap;

/// One VM's time on one core.
#[derive(Clone, Debug)]
pub struct Stay {
    pub vm: u64,
    pub name: String,
    pub core: u64,
    pub from_ns: u64,
    /// The `migration_decision` and `migration_done` that brought it here (none: first core).
    pub arrival: Option<(Value, Value)>,
    /// Set when a fault (or a fence, or a new decision) ended the stay.
    pub hit_ns: Option<u64>,
    /// When the stay ended (hit, stop, or the end of the trace).
    pub until_ns: u64,
    /// The VM stopped (`vm_stopped`) at the end of the stay.
    pub stopped: bool,
}

#[derive(Clone, Debug)]
enum State {
    NotStarted,
    Running(usize),
    Hit { core: u64, at: u64 },
    Moving { decision: Value, target: u64 },
    Stopping { at: u64 },
    Stopped { reason: String },
}

/// Follows every VM through `trace`; returns its stays.
pub fn check(trace: &Trace, findings: &mut Findings) -> Vec<Stay> {
    let mut states: BTreeMap<u64, State> = trace
        .named("vm_created")
        .map(|e| (number(e, "vm"), State::NotStarted))
        .collect();
    let mut stays: Vec<Stay> = Vec::new();
    let mut hit: Vec<u64> = Vec::new();
    for event in &trace.events {
        let (vm, at) = (number(event, "vm"), instant(event));
        let name = event["ev"].as_str().unwrap_or("");
        if matches!(name, "fault_injected" | "fenced") {
            let core = number(event, "core");
            if name == "fault_injected" {
                rooms::count_fault_context(&running_on(&stays, &states, core), findings);
            }
            for (&id, state) in states.iter_mut() {
                let struck = match state {
                    State::Running(index) => stays[*index].core == core,
                    State::Moving { target, .. } => *target == core,
                    _ => false,
                };
                if struck {
                    if let State::Running(index) = state {
                        end_stay(&mut stays[*index], at, true);
                    }
                    *state = State::Hit { core, at };
                    hit.push(id);
                }
            }
            continue;
        }
        let Some(state) = states.get(&vm).cloned() else {
            continue;
        };
        let vm_name = event["name"].as_str().unwrap_or("?").to_string();
        let next = match (name, state) {
            ("vm_started", State::NotStarted) => {
                stays.push(stay(vm, &vm_name, number(event, "core"), at, None));
                Some(State::Running(stays.len() - 1))
            }
            ("migration_decision", state) => {
                hit.push(vm);
                Some(decided(event, state, &mut stays, findings))
            }
            ("migration_done", State::Moving { decision, target })
                if number(event, "to") == target =>
            {
                let residents = running_on(&stays, &states, target);
                rooms::check(trace, &residents, event, &decision, findings);
                findings.count("migrations", 1);
                if event["supply"] == "time_partition" {
                    findings.count("migrations into time partitions", 1);
                }
                stays.push(stay(
                    vm,
                    &vm_name,
                    target,
                    at,
                    Some((decision, event.clone())),
                ));
                Some(State::Running(stays.len() - 1))
            }
            ("migration_done", state) => {
                let reason = format!("{vm_name} resumed on core {} at {at} ns, which no pending decision named (state {state:?})", event["to"]);
                findings.fail(Category::LostVm, reason);
                None
            }
            ("vm_stopped", State::Stopped { reason }) => {
                findings.fail(
                    Category::LostVm,
                    format!(
                        "{vm_name} stopped twice: {reason}, then {} at {at} ns",
                        event["reason"]
                    ),
                );
                None
            }
            ("vm_stopped", state) => {
                if let State::Running(index) = state {
                    end_stay(&mut stays[index], at, false);
                    stays[index].stopped = true;
                }
                let reason = event["reason"].as_str().unwrap_or("").to_string();
                Some(State::Stopped { reason })
            }
            _ => None,
        };
        if let Some(next) = next {
            states.insert(vm, next);
        }
    }
    for stay in stays.iter_mut().filter(|s| s.until_ns == u64::MAX) {
        stay.until_ns = trace.end();
    }
    account(trace, &states, &hit, &stays, findings);
    stays
}

fn stay(vm: u64, name: &str, core: u64, from_ns: u64, arrival: Option<(Value, Value)>) -> Stay {
    Stay {
        vm,
        name: name.into(),
        core,
        from_ns,
        arrival,
        hit_ns: None,
        until_ns: u64::MAX,
        stopped: false,
    }
}

fn end_stay(stay: &mut Stay, at: u64, struck: bool) {
    stay.until_ns = at;
    stay.hit_ns = struck.then_some(at);
}

/// The state after `decision`, checking it is about the core the VM was on.
fn decided(decision: &Value, state: State, stays: &mut [Stay], findings: &mut Findings) -> State {
    let (failed, at) = (number(decision, "failed_core"), instant(decision));
    let was_on = match state {
        State::Running(index) => {
            end_stay(&mut stays[index], at, true);
            Some(stays[index].core)
        }
        State::Hit { core, .. } => Some(core),
        State::Moving { target, .. } => Some(target),
        _ => None,
    };
    if was_on != Some(failed) {
        findings.fail(
            Category::LostVm,
            format!(
                "{} decided off core {failed} at {at} ns, but it was {state:?}",
                decision["name"]
            ),
        );
    }
    findings.count("decisions", 1);
    count_decision_time(decision, findings);
    match decision["target"].as_str() {
        Some("stop") => State::Stopping { at },
        _ => State::Moving {
            decision: decision.clone(),
            target: number(decision, "target_core"),
        },
    }
}

/// How much of its bound the decision took (`decide_ns` against `d_decide_ns`, the trace that
/// follows not included): how tight the bound is, and whether it holds.
fn count_decision_time(decision: &Value, findings: &mut Findings) {
    let (Some(took), Some(bound)) = (
        decision["decide_ns"].as_u64(),
        decision["d_decide_ns"].as_u64(),
    ) else {
        return;
    };
    let name = match took.saturating_mul(4) {
        x if x <= bound => "decisions within 25 % of their time bound",
        x if x <= 2 * bound => "decisions within 25-50 % of their time bound",
        x if x <= 3 * bound => "decisions within 50-75 % of their time bound",
        x if x <= 4 * bound => "decisions within 75-100 % of their time bound",
        _ => "decisions over their time bound",
    };
    findings.count(name, 1);
}

/// The stays of the VMs running on `core` now.
fn running_on<'a>(stays: &'a [Stay], states: &BTreeMap<u64, State>, core: u64) -> Vec<&'a Stay> {
    states
        .values()
        .filter_map(|s| match s {
            State::Running(index) if stays[*index].core == core => Some(&stays[*index]),
            _ => None,
        })
        .collect()
}

/// The end of every VM: a VM hit by a fault must have stopped exactly once.
fn account(
    trace: &Trace,
    states: &BTreeMap<u64, State>,
    hit: &[u64],
    stays: &[Stay],
    findings: &mut Findings,
) {
    for (&vm, state) in states {
        let name = trace
            .named("vm_created")
            .find(|e| number(e, "vm") == vm)
            .map_or("?".into(), |e| e["name"].to_string());
        let done = if trace.done_line(name.trim_matches('"')).is_some() {
            " (its guest printed DONE: the event was lost)"
        } else {
            ""
        };
        if !hit.contains(&vm) {
            if !matches!(state, State::Stopped { .. }) && trace.system_off().is_some() {
                findings.fail(
                    Category::LostVm,
                    format!("vm {vm} {name}: no vm_stopped, yet system_off came{done}"),
                );
            }
            continue;
        }
        findings.count("VMs of failed cores", 1);
        let lost = match state {
            State::Stopped { reason } if reason == "system_off" => {
                findings.count("VMs resumed and run to the end", 1);
                None
            }
            State::Stopped { .. } => {
                findings.count("VMs stopped with a reason", 1);
                None
            }
            State::Running(index) => Some(format!(
                "resumed on core {} at {} ns but no vm_stopped followed{done}",
                stays[*index].core, stays[*index].from_ns
            )),
            State::Hit { core, at } => Some(format!(
                "its core {core} failed at {at} ns and no decision followed"
            )),
            State::Moving { decision, target } => Some(format!(
                "decided at {} ns to move to core {target}, never resumed",
                instant(decision)
            )),
            State::Stopping { at } => Some(format!(
                "decided at {at} ns to stop, but no vm_stopped followed"
            )),
            State::NotStarted => Some("never started".into()),
        };
        if let Some(lost) = lost {
            findings.fail(Category::LostVm, format!("vm {vm} {name}: {lost}"));
        }
    }
}
