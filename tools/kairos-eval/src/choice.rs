//! `choice`: the misses of Kairos's target choice (fewest predicted misses, VMs in order of
//! their latest safe resume instant) against a policy that ignores A (VMs in id order, each
//! to the first spare), both run by the policy crate on the host over the sweep's task sets
//! and fault instants. The misses compared are the policy's predictions, which the QEMU sweep
//! shows equal to what the guests observe when held to the planned instant.

use crate::config;
use migration_policy::{
    candidate_periods, plan_with, CoreInput, FaultInput, FaultKind, MigratePolicy, Plan, Platform,
    RealTimeInput, Target, TargetChoice, VmInput,
};
use rt_analysis::downtime::DowntimeModel;
use rt_analysis::online::affordable_downtime;
use rt_analysis::simulate::simulate;
use rt_analysis::task::Task;
use rt_analysis::uunifast::XorShift64Star;
use rt_analysis::{SimState, TaskSet, Time};
use std::fmt::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Task-set seeds (as in scripts/eval.sh).
    #[arg(long, value_delimiter = ' ', default_value = "1 2 3 4 5 6")]
    pub seeds: Vec<u64>,
    /// Fault instants per seed and scenario (spread over the 40 ms hyperperiod as in the sweep).
    #[arg(long, default_value_t = 12)]
    pub faults: u64,
    /// Highest utilization of a task set (the sweep's families that share cores use 0.4).
    #[arg(long, default_value_t = 0.4)]
    pub max_u: f64,
    /// Copy bandwidth the policy plans with, bytes/s (QEMU's spare cores measure 250-300 MB/s).
    #[arg(long, default_value_t = 250_000_000)]
    pub copy_bytes_per_s: u64,
    /// Detection latency assumed (ns): the sweep's 200 us heartbeat and threshold 2.
    #[arg(long, default_value_t = 480_000)]
    pub detect_ns: Time,
}

/// The hypervisor's bounds (hypervisor/src/migration/inputs.rs).
fn platform(sets: &[&TaskSet], copy_bytes_per_s: u64) -> Platform {
    Platform {
        model: DowntimeModel {
            detect: 0,
            decide: 150_000,
            state: 10_000,
            copy_bytes_per_sec: copy_bytes_per_s,
            remap: 10_000,
            restore: 60_000,
        },
        server_periods: candidate_periods(sets, 250_000),
        switch: 20_000,
        decide_shared: 400_000,
        progress: None,
        clock: None,
        reserve: 0,
        known_budgets: None,
    }
}

/// The task sets of VMs 0-2 (cores 1-3) of `kairos-eval gen-config --seed seed --max-u max_u`.
fn sets(seed: u64, max_u: f64) -> Vec<TaskSet> {
    let mut rng = XorShift64Star::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1));
    (0..3)
        .map(|v| {
            let rm = v % 2 == 1;
            let (tasks, _) = crate::gen::draw_up_to(&mut rng, rm, max_u);
            let list = tasks
                .iter()
                .map(|&(c, t)| Task::periodic(c * 1000, t * 1000))
                .collect();
            config::task_set(list, if rm { "rm" } else { "edf" }, false).expect("drawn schedulable")
        })
        .collect()
}

/// VM `id` with `set`, checkpointed and reporting at `at` (its schedule from 0 without fault).
fn vm_at(id: usize, set: &TaskSet, at: Time, copy: bool) -> VmInput {
    let state = simulate(set, &SimState::initial(set), at, None)
        .expect("a valid start")
        .end;
    let slack = affordable_downtime(set, at, &state.active, &state.next_release, Time::MAX);
    VmInput {
        vm: id,
        name: format!("rtos{id}"),
        memory_bytes: 8 << 20,
        copy_memory: copy,
        policy: MigratePolicy::Always,
        checkpoint_only: false,
        reload_ns: 0,
        realtime: Some(RealTimeInput {
            tasks: set.clone(),
            checkpoint: state,
            reported_slack: slack,
            reported_at: at,
            ran_in: None,
        }),
    }
}

fn resident(core: usize, vm: usize, set: &TaskSet) -> CoreInput {
    CoreInput {
        core,
        healthy: true,
        residents: vec![vm],
        resident_sets: vec![Some(set.clone())],
        frame: None,
    }
}

fn failed(core: usize, vms: &[usize]) -> CoreInput {
    CoreInput {
        healthy: false,
        residents: vms.to_vec(),
        resident_sets: vms.iter().map(|_| None).collect(),
        ..CoreInput::idle(core)
    }
}

/// Total predicted misses and VMs stopped.
fn outcome(plan: &Plan) -> (u64, u64) {
    let misses = plan
        .decisions
        .iter()
        .filter(|d| d.target != Target::Stop)
        .flat_map(|d| d.predicted_misses.iter().flatten())
        .map(|&m| u64::from(m))
        .sum();
    let stopped = plan
        .decisions
        .iter()
        .filter(|d| d.target == Target::Stop)
        .count() as u64;
    (misses, stopped)
}

/// Per scenario: faults, misses and stops with each choice, faults where fewest-misses won.
#[derive(Default)]
struct Row {
    faults: u64,
    fewest: (u64, u64),
    first: (u64, u64),
    better: u64,
    worse: u64,
}

impl Row {
    fn add(&mut self, fewest: (u64, u64), first: (u64, u64)) {
        self.faults += 1;
        self.fewest = (self.fewest.0 + fewest.0, self.fewest.1 + fewest.1);
        self.first = (self.first.0 + first.0, self.first.1 + first.1);
        let key = |o: (u64, u64)| (o.1, o.0);
        self.better += u64::from(key(fewest) < key(first));
        self.worse += u64::from(key(fewest) > key(first));
    }
}

/// The comparison over every seed and instant: the section and its headline row.
pub fn compare(a: &Args) -> (String, String) {
    let scenarios = [
        "copy: one VM, a spare that costs a copy of 8 MiB, two busy cores",
        "two VMs of the failed core, one spare, one busy core",
        "second fault: no spare left, two busy cores",
    ];
    let mut rows: Vec<Row> = scenarios.iter().map(|_| Row::default()).collect();
    for &seed in &a.seeds {
        let sets = sets(seed, a.max_u);
        let refs: Vec<&TaskSet> = sets.iter().collect();
        let platform = platform(&refs, a.copy_bytes_per_s);
        for i in 0..a.faults {
            let at = (40_000 + i * 40_000 / a.faults + (seed * 7919) % (40_000 / a.faults)) * 1000;
            let fault = |core| FaultInput {
                failed_core: core,
                detected_at: at + a.detect_ns,
                last_heartbeat: at,
                kind: FaultKind::FailStop,
                signalled_at: None,
            };
            let k = (i % 3) as usize;
            let (o1, o2) = ((k + 1) % 3, (k + 2) % 3);
            let run = |vms: &[VmInput], cores: &[CoreInput], failed_core| {
                let fault = fault(failed_core);
                (
                    outcome(&plan_with(
                        &fault,
                        vms,
                        cores,
                        &platform,
                        TargetChoice::FewestMisses,
                    )),
                    outcome(&plan_with(
                        &fault,
                        vms,
                        cores,
                        &platform,
                        TargetChoice::FirstSpare,
                    )),
                )
            };
            // Copy: VM k on core 1, spare 0, the others busy on 2 and 3.
            let vms = [vm_at(k, &sets[k], at, true)];
            let cores = [
                CoreInput::idle(0),
                failed(1, &[k]),
                resident(2, o1, &sets[o1]),
                resident(3, o2, &sets[o2]),
            ];
            let (x, y) = run(&vms, &cores, 1);
            rows[0].add(x, y);
            // Two VMs of core 1 (ids in the order that puts A last), spare 0, core 2 busy.
            let vms = [
                vm_at(0, &sets[o1], at, false),
                vm_at(1, &sets[k], at, false),
            ];
            let cores = [
                CoreInput::idle(0),
                failed(1, &[0, 1]),
                resident(2, 2, &sets[o2]),
            ];
            let (x, y) = run(&vms, &cores, 1);
            rows[1].add(x, y);
            // Second fault: VM k on core 2 fails; core 0 holds VM o1 (moved there before),
            // core 3 runs VM o2.
            let vms = [vm_at(k, &sets[k], at, false)];
            let cores = [
                resident(0, o1, &sets[o1]),
                failed(2, &[k]),
                resident(3, o2, &sets[o2]),
            ];
            let (x, y) = run(&vms, &cores, 2);
            rows[2].add(x, y);
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "## Target choice: fewest misses against first spare\n");
    let _ = writeln!(s, "`kairos-eval choice` (host): the policy crate's plan with Kairos's choice (VMs in order of their latest safe resume instant s + A; each to the option with the fewest predicted misses, then the shortest downtime) and with a policy that ignores A (VMs in id order; the first spare, else the first core that can share), over the sweep's task sets (seeds {:?}, U <= {}) and {} fault instants per seed spread over the 40 ms hyperperiod, fail-stop detected {} us after the checkpoint, the hypervisor's bounds and {} MB/s of copy. The predictions are what a guest held to the planned instant observes (the sweep's `planned` runs check it task by task).\n", a.seeds, a.max_u, a.faults, a.detect_ns / 1000, a.copy_bytes_per_s / 1_000_000);
    let _ = writeln!(s, "| scenario | faults | misses, fewest misses | misses, first spare | VMs stopped, fewest / first | faults better / worse |\n|---|---|---|---|---|---|");
    let mut total = Row::default();
    for (name, row) in scenarios.iter().zip(&rows) {
        let _ = writeln!(
            s,
            "| {name} | {} | {} | {} | {} / {} | {} / {} |",
            row.faults, row.fewest.0, row.first.0, row.fewest.1, row.first.1, row.better, row.worse
        );
        total.faults += row.faults;
        total.fewest = (total.fewest.0 + row.fewest.0, total.fewest.1 + row.fewest.1);
        total.first = (total.first.0 + row.first.0, total.first.1 + row.first.1);
        total.better += row.better;
        total.worse += row.worse;
    }
    let _ = writeln!(
        s,
        "| all | {} | {} | {} | {} / {} | {} / {} |\n",
        total.faults,
        total.fewest.0,
        total.first.0,
        total.fewest.1,
        total.first.1,
        total.better,
        total.worse
    );
    let headline = format!(
        "| predicted misses, fewest-misses choice against first spare ({} faults, host) | {} against {} ({} / {} VMs stopped) | fewer |\n",
        total.faults, total.fewest.0, total.first.0, total.fewest.1, total.first.1
    );
    (s, headline)
}

/// Prints the section.
pub fn run(a: &Args) -> crate::Result<()> {
    let (section, headline) = compare(a);
    outln!("{section}");
    outln!("{headline}");
    Ok(())
}
