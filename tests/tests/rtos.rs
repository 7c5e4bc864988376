//! The paravirtual RTOS guest (`rtos`): VMs meet every deadline and report their slack; the
//! slack a guest reports is the simulator's answer for the same state; after a blackout the
//! guest observes exactly the misses the simulator predicts from its checkpoint. All runs are
//! under `-icount` with a 1 GHz counter, so every time below is exact and repeatable.

use rt_analysis::predict::predict_misses;
use rt_analysis::simulate::simulate;
use rt_analysis::{JobState, Scheduler, SimState, Task, TaskSet};
use system_tests::{config, field, vm_lines, Qemu, Run};

/// Boots `config` on 4 cores, deterministic time, a counter that ticks once per nanosecond.
fn boot(config_name: &str) -> Run {
    let run = Qemu::virt(3, 4)
        .cntfrq_1ghz()
        .icount()
        .initrd(&config(config_name))
        .run();
    run.assert_clean_exit();
    run
}

/// The task set a guest printed (`TASKSET`, `TASK` lines) and its time origin.
fn task_set(lines: &[&str]) -> (TaskSet, u64) {
    let header = lines
        .iter()
        .find(|line| line.starts_with("TASKSET "))
        .expect("TASKSET line");
    let scheduler = if header.split_whitespace().nth(1) == Some("edf") {
        Scheduler::Edf
    } else {
        Scheduler::FixedPriority
    };
    let tasks = lines
        .iter()
        .filter(|line| line.starts_with("TASK "))
        .map(|line| Task {
            wcet: field(line, "C"),
            period: field(line, "T"),
            deadline: field(line, "D"),
            offset: field(line, "O"),
            priority: field(line, "P") as u32,
            sporadic: field(line, "S") == 1,
        })
        .collect();
    (
        TaskSet::new(tasks, scheduler).expect("a valid task set"),
        field(header, "origin"),
    )
}

/// One `SAMPLE` of a guest in debug mode: its state and A at one scheduling event.
#[derive(Debug)]
struct Sample {
    sequence: u64,
    affordable: Option<u64>,
    exact: bool,
    state: SimState,
}

fn samples(lines: &[&str]) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    for line in lines.iter().filter_map(|line| line.strip_prefix("SAMPLE ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let sequence: u64 = words[0].parse().unwrap();
        match words[1] {
            "job" => {
                let n: Vec<u64> = words[2..].iter().map(|w| w.parse().unwrap()).collect();
                let sample = out.last_mut().unwrap();
                sample.state.active.push(JobState {
                    task: n[0] as usize,
                    release: n[2],
                    abs_deadline: n[3],
                    remaining: n[4],
                });
            }
            "next" => {
                let sample = out.last_mut().unwrap();
                sample
                    .state
                    .next_release
                    .extend(words[3..].iter().map(|w| w.parse::<u64>().unwrap()));
            }
            _ => {
                let affordable = words.iter().find_map(|w| w.strip_prefix("a=")).unwrap();
                out.push(Sample {
                    sequence,
                    affordable: affordable.parse().ok(),
                    exact: field(line, "exact") == 1,
                    state: SimState {
                        now: field(line, "t"),
                        active: Vec::new(),
                        next_release: Vec::new(),
                    },
                });
            }
        }
    }
    out
}

/// `(released, completed, missed)` per task, from the `RESULT` lines.
fn results(lines: &[&str]) -> Vec<(u64, u64, u64)> {
    lines
        .iter()
        .filter(|line| line.starts_with("RESULT "))
        .map(|line| {
            (
                field(line, "released"),
                field(line, "completed"),
                field(line, "missed"),
            )
        })
        .collect()
}

fn sorted(jobs: &[JobState]) -> Vec<(usize, u64, u64, u64)> {
    let mut out: Vec<_> = jobs
        .iter()
        .map(|j| (j.task, j.release, j.abs_deadline, j.remaining))
        .collect();
    out.sort();
    out
}

fn total_misses(set: &TaskSet, state: &SimState, blackout: u64) -> u32 {
    predict_misses(set, state, blackout).unwrap().iter().sum()
}

#[test]
fn rtos_vms_meet_every_deadline_and_report_slack() {
    let run = boot("rtos-demo");
    let jobs = [
        ("rtos0", [20, 40, 8]),
        ("rtos1", [50, 20, 8]),
        ("rtos2", [20, 40, 8]),
    ];
    for (vm, expected_jobs) in jobs {
        let lines = vm_lines(&run, vm);
        let results = results(&lines);
        assert_eq!(
            results.len(),
            3,
            "{vm}: one RESULT per task\n{}",
            run.output
        );
        for ((released, completed, missed), expected) in results.iter().zip(expected_jobs) {
            assert_eq!(
                (*released, *completed, *missed),
                (expected, expected, 0),
                "{vm}"
            );
        }
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with("DONE ") && line.contains("misses=0")),
            "{vm}"
        );
        let reports: Vec<_> = run
            .events_named("slack_report")
            .into_iter()
            .filter(|e| e["name"] == vm)
            .collect();
        assert!(
            reports.len() >= 15,
            "{vm}: a sampled report every 10 ms of a 200 ms run: {}",
            reports.len()
        );
        assert!(
            reports
                .iter()
                .all(|e| e["a_ns"].as_u64().is_some_and(|a| a > 0)),
            "{vm}: slack left at every report"
        );
        let sequences: Vec<u64> = reports.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
        assert!(
            sequences.windows(2).all(|pair| pair[0] < pair[1]),
            "{vm}: reports in order"
        );
    }
    assert_eq!(run.events_named("rt_register").len(), 3);
    assert!(run.events_named("deadline_miss").is_empty());
    run.assert_line(
        "[rtos2] rtos: no /kairos/tasks in the device tree: running the built-in demo task set",
    );
    run.assert_line("[rtos2] TASKSET edf n=3");
    run.assert_line("[rtos0] TASKSET edf n=3");
    run.assert_line("[rtos1] TASKSET rm n=3");
}

#[test]
fn the_reported_slack_is_the_simulators_answer_for_the_same_state() {
    let run = boot("rtos-demo");
    let mut checked = 0;
    for vm in ["rtos0", "rtos2"] {
        let lines = vm_lines(&run, vm);
        let (set, origin) = task_set(&lines);
        let initial = SimState {
            now: origin,
            active: Vec::new(),
            next_release: set
                .tasks()
                .iter()
                .map(|task| origin + task.offset)
                .collect(),
        };
        let samples = samples(&lines);
        assert!(
            samples.len() > 100,
            "{vm}: a sample at every event: {}",
            samples.len()
        );
        for sample in &samples {
            // The guest's scheduler is where the simulator says it is.
            let reference = simulate(&set, &initial, sample.state.now, None).unwrap();
            assert_eq!(
                sorted(&sample.state.active),
                sorted(&reference.end.active),
                "{vm} sample {}",
                sample.sequence
            );
            let limit_reached = |task: usize, next: u64| {
                next == u64::MAX && reference.end.next_release[task] != u64::MAX
            };
            for (task, &next) in sample.state.next_release.iter().enumerate() {
                assert!(
                    next == reference.end.next_release[task] || limit_reached(task, next),
                    "{vm} sample {}",
                    sample.sequence
                );
            }
            // Its A is the longest blackout the simulator survives from that state.
            let Some(a) = sample.affordable else { continue };
            if sample.state.next_release.contains(&u64::MAX) {
                continue; // a finite run near its end: the simulator knows no job limit
            }
            assert!(
                sample.exact,
                "{vm} sample {}: the scan ended by its own rule",
                sample.sequence
            );
            assert_eq!(
                total_misses(&set, &sample.state, a),
                0,
                "{vm} sample {}: A = {a} is survivable",
                sample.sequence
            );
            assert!(
                total_misses(&set, &sample.state, a + 1) > 0,
                "{vm} sample {}: A = {a} is the longest",
                sample.sequence
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} samples checked");
}

#[test]
fn after_a_blackout_the_guest_misses_what_the_simulator_predicts() {
    let run = boot("rtos-blackout");
    let mut with_misses = 0;
    for vm in ["edf", "dm", "short"] {
        let lines = vm_lines(&run, vm);
        let (set, _) = task_set(&lines);
        let blackout = lines
            .iter()
            .find(|line| line.starts_with("BLACKOUT "))
            .expect("a blackout");
        let recovered = lines
            .iter()
            .find(|line| line.starts_with("RECOVERED "))
            .expect("a recovery");
        let (from, at) = (field(recovered, "from"), field(recovered, "at"));
        assert_eq!(
            from,
            field(blackout, "from"),
            "{vm}: resumed from the checkpoint the blackout began at"
        );
        assert!(at >= from + field(blackout, "for"), "{vm}");
        let samples = samples(&lines);
        let checkpoint = samples
            .iter()
            .rev()
            .find(|s| s.state.now == from)
            .expect("the sample at the checkpoint");
        assert_eq!(
            field(recovered, "generation"),
            checkpoint.sequence,
            "{vm}: one commit per event"
        );
        let predicted = predict_misses(&set, &checkpoint.state, at - from).unwrap();
        let results = results(&lines);
        let observed: Vec<u32> = results.iter().map(|r| r.2 as u32).collect();
        assert_eq!(
            observed,
            predicted,
            "{vm}: blackout of {} ns from {from}",
            at - from
        );
        let a = checkpoint.affordable.unwrap();
        assert_eq!(
            predicted.iter().sum::<u32>() == 0,
            at - from <= a,
            "{vm}: no miss iff the blackout fits in A = {a}"
        );
        // No job lost or counted twice, and the task sequence went on to its end.
        let limits: Vec<u64> = lines
            .iter()
            .filter(|l| l.starts_with("TASK "))
            .map(|l| field(l, "J"))
            .collect();
        for ((released, completed, _), limit) in results.iter().zip(limits) {
            assert_eq!((*released, *completed), (limit, limit), "{vm}");
        }
        let traced = run
            .events_named("deadline_miss")
            .into_iter()
            .filter(|e| e["name"] == vm)
            .count();
        let printed = lines
            .iter()
            .filter(|line| line.starts_with("MISS "))
            .count();
        assert_eq!(
            (traced, printed),
            (observed.iter().sum::<u32>() as usize, traced),
            "{vm}: each miss reported once"
        );
        if traced > 0 {
            with_misses += 1;
        }
    }
    assert_eq!(with_misses, 2, "edf and dm miss, short does not");
}
