//! The C API of `libkairos_analysis`, called as C calls it (raw pointers, status codes) and
//! checked against `rt-analysis` itself: the slack and the predicted misses of random
//! schedulable sets in random states, the task checks, the priorities, a slot read as the
//! hypervisor reads it, and a task set from a device tree.

use std::ptr;

use hypercall_abi::rt_page::{RtSlot, RtTask, RtTaskState, RT_TASK_SPORADIC, RT_UNBOUNDED};
use kairos_analysis::*;
use rt_analysis::online::SlackAnalyzer;
use rt_analysis::predict::predict_misses;
use rt_analysis::simulate::simulate;
use rt_analysis::uunifast::{generate_mixed, XorShift64Star};
use rt_analysis::{Scheduler, SimState, Slack, TaskSet};

fn entry(wcet: u64, period: u64, deadline: u64) -> RtTask {
    RtTask {
        wcet_ns: wcet,
        period_ns: period,
        deadline_ns: deadline,
        ..RtTask::default()
    }
}

/// A new analysis through the C entry point.
fn new_analysis(tasks: &[RtTask], scheduler: u32) -> Result<*mut Analysis, TaskError> {
    let mut analysis = ptr::null_mut();
    let mut error = TaskError::default();
    // SAFETY: a valid table, out-pointers to locals.
    let status = unsafe {
        kairos_analysis_new(
            tasks.as_ptr(),
            tasks.len() as u32,
            scheduler,
            &mut analysis,
            &mut error,
        )
    };
    assert_eq!(status, error.code);
    if status == OK {
        Ok(analysis)
    } else {
        Err(error)
    }
}

fn entries(set: &TaskSet) -> Vec<RtTask> {
    set.tasks()
        .iter()
        .map(|t| RtTask {
            wcet_ns: t.wcet,
            period_ns: t.period,
            deadline_ns: t.deadline,
            offset_ns: t.offset,
            priority: t.priority,
            flags: if t.sporadic { RT_TASK_SPORADIC } else { 0 },
            job_limit: 0,
        })
        .collect()
}

fn jobs_of(state: &SimState) -> Vec<Job> {
    state
        .active
        .iter()
        .map(|j| Job {
            task: j.task as u32,
            reserved: 0,
            release_ns: j.release,
            deadline_ns: j.abs_deadline,
            remaining_ns: j.remaining,
        })
        .collect()
}

#[test]
fn the_c_slack_and_prediction_are_rt_analysis_on_random_sets_and_states() {
    let mut rng = XorShift64Star::new(0x6b61_6972_6f73);
    let (mut checked, mut with_misses) = (0, 0);
    for round in 0..120 {
        let scheduler = if round % 2 == 0 {
            Scheduler::Edf
        } else {
            Scheduler::FixedPriority
        };
        let tasks = rng.between(2, 8) as usize;
        let utilization = 0.2 + 0.7 * rng.next_f64();
        let Ok(set) = generate_mixed(&mut rng, scheduler, tasks, utilization) else {
            continue;
        };
        if !rt_analysis::demand::schedulable(&set) {
            continue;
        }
        let code = if scheduler == Scheduler::Edf { 0 } else { 1 };
        let analysis = new_analysis(&entries(&set), code).expect("a valid set");
        let span =
            2 * set.hyperperiod().unwrap() + set.tasks().iter().map(|t| t.offset).max().unwrap();
        let state = simulate(&set, &SimState::initial(&set), rng.below(span), None)
            .unwrap()
            .end;
        let jobs = jobs_of(&state);
        let mut result = SlackResult::default();
        // SAFETY: a live analysis; arrays of the sizes given; a local result.
        let status = unsafe {
            kairos_analysis_slack(
                analysis,
                state.now,
                jobs.as_ptr(),
                jobs.len() as u32,
                state.next_release.as_ptr(),
                0,
                &mut result,
            )
        };
        assert_eq!(status, OK);
        let expected = SlackAnalyzer::new(set.clone()).affordable_downtime(
            state.now,
            &state.active,
            &state.next_release,
            u64::MAX,
        );
        let expected_ns = match expected {
            Slack::Finite(value) => value,
            Slack::Unbounded => RT_UNBOUNDED,
        };
        assert_eq!(
            (result.affordable_ns, result.exact),
            (expected_ns, 1),
            "round {round}"
        );
        // A blackout of A misses nothing, one of A + 1 ms what rt-analysis says.
        for blackout in [expected_ns, expected_ns.saturating_add(1_000_000)] {
            let mut misses = vec![u32::MAX; set.len()];
            // SAFETY: as above; one miss counter per task.
            let total = unsafe {
                kairos_analysis_predict_misses(
                    analysis,
                    state.now,
                    jobs.as_ptr(),
                    jobs.len() as u32,
                    state.next_release.as_ptr(),
                    blackout,
                    misses.as_mut_ptr(),
                )
            };
            let reference = predict_misses(&set, &state, blackout).unwrap();
            assert_eq!(misses, reference, "round {round}, blackout {blackout}");
            assert_eq!(total as u32, reference.iter().sum::<u32>());
            with_misses += usize::from(total > 0);
        }
        // SAFETY: made above, freed once.
        unsafe { kairos_analysis_free(analysis) };
        checked += 1;
    }
    assert!(
        checked >= 60 && with_misses >= 20,
        "{checked} sets, {with_misses} with misses"
    );
}

#[test]
fn a_step_budget_gives_a_safe_bound_and_says_so() {
    let tasks = [
        entry(1, 7, 7),
        entry(2, 11, 11),
        entry(3, 13, 13),
        entry(1, 17, 17),
    ];
    let analysis = new_analysis(&tasks, 0).unwrap();
    let next = [0u64; 4];
    let (mut exact, mut cut) = (SlackResult::default(), SlackResult::default());
    // SAFETY: a live analysis, no jobs, one next release per task, local results.
    unsafe {
        assert_eq!(
            kairos_analysis_slack(analysis, 0, ptr::null(), 0, next.as_ptr(), 0, &mut exact),
            OK
        );
        assert_eq!(
            kairos_analysis_slack(analysis, 0, ptr::null(), 0, next.as_ptr(), 1, &mut cut),
            OK
        );
        kairos_analysis_free(analysis);
    }
    assert_eq!((exact.exact, cut.exact, cut.steps), (1, 0, 1));
    assert!(cut.affordable_ns <= exact.affordable_ns);
}

#[test]
fn bad_task_sets_are_refused_naming_task_and_reason() {
    let check = |tasks: &[RtTask], scheduler: u32| {
        let mut error = TaskError::default();
        // SAFETY: a valid table and a local error.
        let status = unsafe {
            kairos_analysis_check_tasks(tasks.as_ptr(), tasks.len() as u32, scheduler, &mut error)
        };
        assert_eq!(status, error.code);
        (error.code, error.task, error.other)
    };
    let good = entry(2, 10, 10);
    assert_eq!(check(&[good], 0), (OK, u32::MAX, u32::MAX));
    assert_eq!(check(&[good, entry(2, 0, 0)], 0).0, E_ZERO_PERIOD);
    assert_eq!(
        check(&[good, entry(0, 10, 10)], 0),
        (E_ZERO_WCET, 1, u32::MAX)
    );
    assert_eq!(
        check(&[entry(2, 10, 11)], 0),
        (E_DEADLINE_EXCEEDS_PERIOD, 0, u32::MAX)
    );
    assert_eq!(
        check(&[entry(6, 10, 5)], 0),
        (E_WCET_EXCEEDS_DEADLINE, 0, u32::MAX)
    );
    assert_eq!(check(&[good, good], 1), (E_DUPLICATE_PRIORITY, 1, 0));
    assert_eq!(
        check(&[entry(6, 10, 10), entry(6, 10, 10)], 0).0,
        E_OVERLOADED
    );
    assert_eq!(check(&[good], 7).0, E_SCHEDULER);
    let mut flagged = good;
    flagged.flags = 4;
    assert_eq!(check(&[good, flagged], 0), (E_TASK_FLAGS, 1, u32::MAX));
    assert_eq!(check(&[good; 33], 0).0, E_TASK_COUNT);
    // SAFETY: null pointers are refused before any access.
    let null = unsafe { kairos_analysis_check_tasks(ptr::null(), 1, 0, ptr::null_mut()) };
    assert_eq!(null, E_NULL_POINTER);
    let overloaded = new_analysis(&[entry(6, 10, 10), entry(6, 10, 10)], 0).unwrap_err();
    assert_eq!(
        (overloaded.code, overloaded.utilization_ppm),
        (E_OVERLOADED, 1_200_000)
    );
    // Every status has its name.
    let name = |code| {
        // SAFETY: the names are static NUL-terminated strings.
        unsafe { std::ffi::CStr::from_ptr(kairos_analysis_error_name(code)) }
            .to_str()
            .unwrap()
    };
    assert_eq!(
        (
            name(OK),
            name(E_OVERLOADED),
            name(E_ORDER),
            name(-99),
            name(3)
        ),
        ("ok", "overloaded", "order", "unknown", "unknown")
    );
}

#[test]
fn jobs_of_unknown_tasks_and_unschedulable_sets_are_errors() {
    let analysis = new_analysis(&[entry(2, 10, 10)], 0).unwrap();
    let job = Job {
        task: 1,
        reserved: 0,
        release_ns: 0,
        deadline_ns: 10,
        remaining_ns: 2,
    };
    let (next, mut result, mut slack) = ([10u64], SlackResult::default(), 0u64);
    // SAFETY: a live analysis, arrays of the sizes given, local outputs.
    unsafe {
        assert_eq!(
            kairos_analysis_slack(analysis, 0, &job, 1, next.as_ptr(), 0, &mut result),
            E_UNKNOWN_TASK
        );
        assert_eq!(kairos_analysis_static_slack(analysis, &mut slack), OK);
        assert_eq!(kairos_analysis_task_count(analysis), 1);
        kairos_analysis_free(analysis);
    }
    assert_eq!(slack, 8);
    // Valid (U = 1), yet two jobs of 5 cannot both meet deadlines 5 and 6.
    let analysis = new_analysis(&[entry(5, 10, 5), entry(5, 10, 6)], 0).unwrap();
    // SAFETY: a live analysis and a local output; freed once.
    unsafe {
        assert_eq!(
            kairos_analysis_static_slack(analysis, &mut slack),
            E_UNSCHEDULABLE
        );
        kairos_analysis_free(analysis);
    }
}

#[test]
fn priorities_follow_rate_and_deadline_order() {
    let mut tasks = [entry(1, 20, 5), entry(1, 10, 10), entry(1, 30, 30)];
    // SAFETY: a writable table of three.
    unsafe {
        assert_eq!(
            kairos_analysis_assign_priorities(tasks.as_mut_ptr(), 3, 0),
            OK
        );
        assert_eq!(tasks.map(|t| t.priority), [1, 0, 2]);
        assert_eq!(
            kairos_analysis_assign_priorities(tasks.as_mut_ptr(), 3, 1),
            OK
        );
        assert_eq!(tasks.map(|t| t.priority), [0, 1, 2]);
        assert_eq!(
            kairos_analysis_assign_priorities(tasks.as_mut_ptr(), 3, 9),
            E_ORDER
        );
    }
}

#[test]
fn a_slot_reads_as_the_hypervisor_reads_it() {
    let mut tasks = [entry(2, 10, 8), entry(3, 20, 20)];
    tasks[1].flags = RT_TASK_SPORADIC;
    let analysis = new_analysis(&tasks, 0).unwrap();
    let mut slot = RtSlot {
        time_ns: 45,
        task_count: 2,
        ..RtSlot::default()
    };
    slot.tasks[0] = RtTaskState {
        next_release_ns: 50,
        head_release_ns: 20,
        head_remaining_ns: 1,
        pending: 3,
        ..RtTaskState::default()
    };
    slot.tasks[1] = RtTaskState {
        next_release_ns: 62,
        head_release_ns: 5,
        head_remaining_ns: 3,
        latest_release_ns: 42,
        pending: 2,
        ..RtTaskState::default()
    };
    let (mut jobs, mut next, mut now) = ([Job::default(); 8], [0u64; 2], 0u64);
    // SAFETY: a live analysis, a local slot, arrays of the sizes given.
    let count = unsafe {
        kairos_analysis_state_of_slot(
            analysis,
            &slot,
            jobs.as_mut_ptr(),
            8,
            next.as_mut_ptr(),
            &mut now,
        )
    };
    let read: Vec<_> = jobs[..count as usize]
        .iter()
        .map(|j| (j.task, j.release_ns, j.deadline_ns, j.remaining_ns))
        .collect();
    assert_eq!(
        read,
        [
            (0, 20, 28, 1),
            (0, 30, 38, 2),
            (0, 40, 48, 2),
            (1, 5, 25, 3),
            (1, 42, 62, 3)
        ]
    );
    assert_eq!((next, now), ([50, 62], 45));
    // SAFETY: as above, with room for only 4 jobs.
    let short = unsafe {
        kairos_analysis_state_of_slot(
            analysis,
            &slot,
            jobs.as_mut_ptr(),
            4,
            next.as_mut_ptr(),
            &mut now,
        )
    };
    assert_eq!(short, E_CAPACITY);
    // SAFETY: made above, freed once.
    unsafe { kairos_analysis_free(analysis) };
    assert_eq!(kairos_analysis_age(500, 100, 350), 250);
    assert_eq!(kairos_analysis_age(500, 100, 900), 0);
    assert_eq!(kairos_analysis_age(RT_UNBOUNDED, 100, 900), RT_UNBOUNDED);
}

#[test]
fn a_task_set_comes_from_the_device_tree() {
    let source = r#"/dts-v1/; / { kairos { vm-name = "c"; tasks {
        kairos,scheduler = "dm";
        slow { kairos,wcet-us = <2000>; kairos,period-us = <10000>; kairos,jobs = <20>; };
        a-very-long-task-name { kairos,wcet-us = <500>; kairos,period-us = <5000>; kairos,deadline-us = <4000>; kairos,offset-us = <100>; };
    }; }; };"#;
    let dtb = std::env::temp_dir().join(format!("kairos-analysis-{}.dtb", std::process::id()));
    let mut dtc = std::process::Command::new("dtc")
        .args(["-q", "-I", "dts", "-O", "dtb", "-o"])
        .arg(&dtb)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("dtc (installed by scripts/deps.sh)");
    std::io::Write::write_all(dtc.stdin.as_mut().unwrap(), source.as_bytes()).unwrap();
    assert!(dtc.wait().unwrap().success());
    let blob = std::fs::read(&dtb).unwrap();
    let _ = std::fs::remove_file(&dtb);
    let (mut tasks, mut scheduler, mut names) = ([RtTask::default(); 4], 9u32, [0u8; 64]);
    let read = |path: &std::ffi::CStr,
                tasks: &mut [RtTask; 4],
                scheduler: &mut u32,
                names: &mut [u8; 64],
                capacity: u32| {
        // SAFETY: a whole DTB, a NUL-terminated path, outputs of the sizes given.
        unsafe {
            kairos_analysis_tasks_from_dtb(
                blob.as_ptr(),
                path.as_ptr().cast(),
                tasks.as_mut_ptr(),
                capacity,
                scheduler,
                names.as_mut_ptr(),
            )
        }
    };
    assert_eq!(
        read(c"/kairos/tasks", &mut tasks, &mut scheduler, &mut names, 4),
        2
    );
    assert_eq!(scheduler, 1, "deadline monotonic is fixed priority");
    assert_eq!(
        tasks[..2]
            .iter()
            .map(|t| (
                t.wcet_ns,
                t.period_ns,
                t.deadline_ns,
                t.offset_ns,
                t.priority,
                t.job_limit
            ))
            .collect::<Vec<_>>(),
        [
            (2_000_000, 10_000_000, 10_000_000, 0, 1, 20),
            (500_000, 5_000_000, 4_000_000, 100_000, 0, 0)
        ]
    );
    assert_eq!(&names[..5], b"slow\0");
    assert_eq!(
        &names[16..32],
        b"a-very-long-tas\0",
        "cut to 15 bytes and a NUL"
    );
    assert_eq!(
        read(
            c"/kairos/nothing",
            &mut tasks,
            &mut scheduler,
            &mut names,
            4
        ),
        E_NO_TASK_SET
    );
    assert_eq!(
        read(c"/kairos/tasks", &mut tasks, &mut scheduler, &mut names, 1),
        E_CAPACITY
    );
    let garbage = [0u8; 64];
    // SAFETY: 64 readable bytes whose header says nothing sensible.
    let status = unsafe {
        kairos_analysis_tasks_from_dtb(
            garbage.as_ptr(),
            c"/kairos/tasks".as_ptr().cast(),
            tasks.as_mut_ptr(),
            4,
            &mut scheduler,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, E_DEVICE_TREE);
}
