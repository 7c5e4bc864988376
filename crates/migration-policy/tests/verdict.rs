//! One VM to a spare core: the verdict against A, the predicted misses against the simulator,
//! and where the blackout starts for each kind of fault and report.

mod common;

use common::*;
use migration_policy::{plan, CoreInput, FaultKind, MigratePolicy, Reason, SlackSource, Target};
use rt_analysis::predict::predict_misses;
use rt_analysis::simulate::simulate;
use rt_analysis::{age, Scheduler, SimState, Slack, Task, TaskSet};

fn cores() -> Vec<CoreInput> {
    vec![CoreInput::idle(0), failed_core(1, &[0])]
}

fn mixed(scheduler: Scheduler) -> TaskSet {
    let mut tasks = vec![
        Task::periodic(MS, 4 * MS).with_priority(0),
        Task::periodic(2 * MS, 10 * MS)
            .with_deadline(8 * MS)
            .with_priority(1),
        Task::periodic(3 * MS, 20 * MS).with_priority(2),
    ];
    tasks[2].offset = MS;
    TaskSet::new(tasks, scheduler).unwrap()
}

/// The schedule's state at `t` from time 0.
fn state_at(set: &TaskSet, t: u64) -> SimState {
    simulate(set, &SimState::initial(set), t, None).unwrap().end
}

#[test]
fn blackout_equal_to_a_misses_nothing_one_ns_more_misses_as_simulated() {
    for scheduler in [Scheduler::Edf, Scheduler::FixedPriority] {
        let set = mixed(scheduler);
        let checkpoint = state_at(&set, 6 * MS + 300 * US);
        let rt = reporting(set.clone(), checkpoint.clone());
        let a = rt.reported_slack.finite().unwrap();
        assert!(a >= 200 * US, "A = {a}");
        let vms = [vm(0, MigratePolicy::Always, Some(rt))];
        let at_a = plan(
            &stop_for_blackout(checkpoint.now, a),
            &vms,
            &cores(),
            &platform(0),
        );
        let d = &at_a.decisions[0];
        assert_eq!((d.blackout, d.affordable), (a, Some(a)));
        assert_eq!((d.target, d.reason), (Target::Spare(0), Reason::NoMiss));
        assert_eq!(d.predicted_misses, Some(vec![0, 0, 0]));
        assert_eq!(
            predict_misses(&set, &checkpoint, d.blackout).unwrap(),
            [0, 0, 0]
        );
        assert!(d.misses_complete);

        let beyond = plan(
            &stop_for_blackout(checkpoint.now, a + 1),
            &vms,
            &cores(),
            &platform(0),
        );
        let d = &beyond.decisions[0];
        assert_eq!((d.blackout, d.reason), (a + 1, Reason::MissesAccepted));
        assert_eq!(d.target, Target::Spare(0), "policy always migrates anyway");
        let simulated = predict_misses(&set, &checkpoint, a + 1).unwrap();
        assert_eq!(d.predicted_misses.as_deref(), Some(&simulated[..]));
        assert!(simulated.iter().sum::<u32>() >= 1);
    }
}

#[test]
fn long_blackout_predicts_the_simulators_count() {
    let set = mixed(Scheduler::Edf);
    let checkpoint = state_at(&set, 21 * MS);
    let vms = [vm(
        0,
        MigratePolicy::Always,
        Some(reporting(set.clone(), checkpoint.clone())),
    )];
    let d = &plan(
        &stop_for_blackout(21 * MS, 35 * MS),
        &vms,
        &cores(),
        &platform(0),
    )
    .decisions[0];
    let simulated = predict_misses(&set, &checkpoint, 35 * MS).unwrap();
    assert_eq!(d.predicted_misses.as_deref(), Some(&simulated[..]));
    assert!(simulated.iter().all(|&m| m >= 2), "{simulated:?}");
    assert_eq!(d.reason, Reason::MissesAccepted);
}

/// Fail-signal keeps the live state: the blackout starts at the last sign of life, the state
/// there is the checkpoint advanced, and D (from the last heartbeat) equals the blackout.
#[test]
fn fail_signal_blackout_starts_at_the_last_sign_of_life() {
    let set = mixed(Scheduler::FixedPriority);
    let checkpoint = state_at(&set, 3 * MS);
    let at_report = state_at(&set, 4 * MS);
    let reported = slack_of(&set, &at_report);
    let rt = migration_policy::RealTimeInput {
        tasks: set.clone(),
        checkpoint: checkpoint.clone(),
        reported_slack: reported,
        reported_at: 4 * MS,
        ran_in: None,
    };
    let vms = [vm(0, MigratePolicy::Always, Some(rt))];
    let fault = fault(FaultKind::FailSignal, 1, 5 * MS, 6 * MS);
    let d = &plan(&fault, &vms, &cores(), &platform(0)).decisions[0];
    assert_eq!(d.blackout_start, 5 * MS);
    assert_eq!(d.affordable, age(reported, 4 * MS, 5 * MS).finite());
    assert_eq!(d.report.unwrap().source, SlackSource::Aged);
    assert_eq!(d.downtime.lost, 0);
    assert_eq!(d.downtime.total, MS + 200 * US);
    assert_eq!(d.blackout, d.downtime.total);
    let at_start = simulate(&set, &checkpoint, 5 * MS, None).unwrap().end;
    let simulated = predict_misses(&set, &at_start, d.blackout).unwrap();
    assert_eq!(d.predicted_misses.as_deref(), Some(&simulated[..]));
}

/// Fail-stop: the guest loses what it did since t_c, so the blackout runs from t_c and the
/// detection latency is inside the lost time.
#[test]
fn fail_stop_terms() {
    let set = mixed(Scheduler::Edf);
    let checkpoint = state_at(&set, 2 * MS);
    let vms = [vm(
        0,
        MigratePolicy::Always,
        Some(reporting(set, checkpoint)),
    )];
    let fault = fault(FaultKind::FailStop, 1, 2_500 * US, 3_500 * US);
    let d = &plan(&fault, &vms, &cores(), &platform(0)).decisions[0];
    assert_eq!(d.blackout_start, 2 * MS);
    assert_eq!((d.downtime.detect, d.downtime.lost), (MS, 1_500 * US));
    assert_eq!(d.downtime.total, MS + 200 * US);
    assert_eq!(d.downtime.after_detection(), 200 * US);
    assert_eq!(d.blackout, 1_500 * US + 200 * US);
    assert_eq!((d.restore_at, d.resume_at), (3_700 * US, 3_700 * US));
}

/// A report newer than the checkpoint describes progress the rollback discards: A is
/// recomputed from the checkpoint. An older one is aged to the checkpoint.
#[test]
fn report_newer_than_checkpoint_is_recomputed_older_is_aged() {
    let set = mixed(Scheduler::Edf);
    let checkpoint = state_at(&set, 2 * MS);
    let exact = slack_of(&set, &checkpoint);
    let fault = fault(FaultKind::FailStop, 1, 3 * MS, 3_200 * US);
    for (t_u, reported, expected, source) in [
        (
            2_500 * US,
            Slack::Finite(9 * MS),
            exact,
            SlackSource::Recomputed,
        ),
        (
            MS,
            Slack::Finite(2 * MS),
            Slack::Finite(MS),
            SlackSource::Aged,
        ),
    ] {
        let rt = migration_policy::RealTimeInput {
            tasks: set.clone(),
            checkpoint: checkpoint.clone(),
            reported_slack: reported,
            reported_at: t_u,
            ran_in: None,
        };
        let d = &plan(
            &fault,
            &[vm(0, MigratePolicy::Always, Some(rt))],
            &cores(),
            &platform(0),
        )
        .decisions[0];
        assert_eq!(d.affordable, expected.finite());
        let report = d.report.unwrap();
        assert_eq!(
            (report.source, report.reported_at, report.slack),
            (source, t_u, reported)
        );
        assert_eq!(report.checkpoint_at, 2 * MS);
    }
}

/// A checkpoint that does not fit its task set: no prediction; on a spare core the verdict
/// rests on the report alone.
#[test]
fn an_inconsistent_checkpoint_predicts_nothing() {
    let set = mixed(Scheduler::Edf);
    let broken = SimState {
        now: MS,
        active: vec![],
        next_release: vec![0],
    };
    let rt = migration_policy::RealTimeInput {
        tasks: set,
        checkpoint: broken,
        reported_slack: Slack::Finite(5 * MS),
        reported_at: MS,
        ran_in: None,
    };
    let vms = [vm(0, MigratePolicy::IfNoMiss, Some(rt))];
    let d = &plan(&stop_for_blackout(MS, 2 * MS), &vms, &cores(), &platform(0)).decisions[0];
    assert_eq!((d.target, d.reason), (Target::Spare(0), Reason::NoMiss));
    assert_eq!(
        (d.predicted_misses.as_ref(), d.misses_complete),
        (None, false)
    );
}
