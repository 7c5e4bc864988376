//! The VM's migration policy, VMs without reports, and the decision's summary and trace.

mod common;

use common::*;
use migration_policy::{
    plan, trace_fields, CoreInput, FaultKind, MigratePolicy, Reason, Target, TraceValue, VmInput,
};
use rt_analysis::downtime::DowntimeModel;
use rt_analysis::predict::predict_misses;

/// One 4 ms job every 10 ms released at the checkpoint 0: A = 6 ms.
fn guest(id: usize, policy: MigratePolicy) -> VmInput {
    let set = edf(&[(4 * MS, 10 * MS)]);
    vm(
        id,
        policy,
        Some(reporting(set.clone(), released_at(&set, 0))),
    )
}

fn cores() -> Vec<CoreInput> {
    vec![CoreInput::idle(0), failed_core(1, &[0, 1])]
}

#[test]
fn if_no_miss_migrates_within_a_and_stops_beyond_it_leaving_the_spare() {
    let within = plan(
        &stop_for_blackout(0, 6 * MS),
        &[guest(0, MigratePolicy::IfNoMiss)],
        &cores(),
        &platform(0),
    );
    assert_eq!(
        (within.decisions[0].target, within.decisions[0].reason),
        (Target::Spare(0), Reason::NoMiss)
    );

    // Two VMs: the if-no-miss one (A = 6 ms) is first and refused; the spare stays free.
    let beyond = stop_for_blackout(0, 7 * MS);
    let mut second = guest(1, MigratePolicy::Always);
    let set = edf(&[(MS, 10 * MS)]);
    second.realtime = Some(reporting(set.clone(), released_at(&set, 0))); // A = 9 ms
    let plan = plan(
        &beyond,
        &[second, guest(0, MigratePolicy::IfNoMiss)],
        &cores(),
        &platform(0),
    );
    let (refused, next) = (&plan.decisions[0], &plan.decisions[1]);
    assert_eq!(refused.vm, 0);
    assert_eq!(
        (refused.target, refused.reason),
        (Target::Stop, Reason::MissesForbidden)
    );
    let rt = guest(0, MigratePolicy::IfNoMiss).realtime.unwrap();
    let simulated = predict_misses(&rt.tasks, &rt.checkpoint, refused.blackout).unwrap();
    assert_eq!(refused.predicted_misses.as_deref(), Some(&simulated[..]));
    assert_eq!((next.target, next.downtime.queue), (Target::Spare(0), 0));
}

#[test]
fn never_stops_even_with_unbounded_slack() {
    let set = edf(&[(MS, 10 * MS)]);
    let mut rt = reporting(set.clone(), released_at(&set, 0));
    rt.reported_slack = rt_analysis::Slack::Unbounded;
    let mut never = guest(0, MigratePolicy::Never);
    never.realtime = Some(rt);
    let d = &plan(&stop_for_blackout(0, MS), &[never], &cores(), &platform(0)).decisions[0];
    assert_eq!(
        (d.target, d.reason, d.affordable),
        (Target::Stop, Reason::PolicyNever, None)
    );
    assert_eq!(d.predicted_misses, None);
}

#[test]
fn a_vm_without_reports() {
    let fault = fault(FaultKind::FailStop, 1, 2 * MS, 3 * MS);
    let silent = |policy| vm(0, policy, None);
    let d = &plan(
        &fault,
        &[silent(MigratePolicy::Always)],
        &cores(),
        &platform(0),
    )
    .decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Spare(0), Reason::UnreportedAccepted)
    );
    assert_eq!(
        (d.affordable, d.report, d.predicted_misses.as_ref()),
        (Some(0), None, None)
    );
    assert_eq!((d.blackout_start, d.blackout), (2 * MS, MS + 200 * US));
    let d = &plan(
        &fault,
        &[silent(MigratePolicy::IfNoMiss)],
        &cores(),
        &platform(0),
    )
    .decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Stop, Reason::UnknownForbidden)
    );
}

#[test]
fn copying_without_bandwidth_is_refused() {
    let mut big = guest(0, MigratePolicy::Always);
    big.copy_memory = true;
    let platform = migration_policy::Platform {
        model: DowntimeModel {
            copy_bytes_per_sec: 0,
            ..model()
        },
        server_periods: vec![],
        switch: 0,
        decide_shared: 0,
        progress: None,
        clock: None,
        reserve: 0,
        known_budgets: None,
    };
    let d = &plan(&stop_for_blackout(0, MS), &[big], &cores(), &platform).decisions[0];
    assert_eq!(
        (d.target, d.reason),
        (Target::Stop, Reason::NoCopyBandwidth)
    );
}

#[test]
fn summary_line_and_trace_fields() {
    let d = &plan(
        &stop_for_blackout(0, 7 * MS),
        &[guest(0, MigratePolicy::Always)],
        &cores(),
        &platform(0),
    )
    .decisions[0];
    assert_eq!(
        d.to_string(),
        "vm 0 vm0 -> spare core 0: D > A: migrating anyway (policy always) \
         (A 6000 us, D 1200 us, blackout 7000 us, misses [1])"
    );
    let fields = trace_fields(d);
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("a_ns"), Some(TraceValue::U64(6 * MS)));
    assert_eq!(get("a_kind"), Some(TraceValue::Str("finite".into())));
    assert_eq!(get("blackout_ns"), Some(TraceValue::U64(7 * MS)));
    assert_eq!(get("lost_ns"), Some(TraceValue::U64(6_800 * US)));
    assert_eq!(get("d_ns"), Some(TraceValue::U64(d.downtime.total)));
    assert_eq!(get("misses"), Some(TraceValue::List(vec![1])));
    assert_eq!(get("target"), Some(TraceValue::Str("spare".into())));
    assert_eq!(get("target_core"), Some(TraceValue::U64(0)));
    assert_eq!(
        get("reason_code"),
        Some(TraceValue::Str("misses_accepted".into()))
    );
    for key in ["ev", "t_ns", "core", "failed_core", "decide_ns"] {
        assert!(
            get(key).is_none(),
            "{key} belongs to the hypervisor's event"
        );
    }
    let mut keys: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), fields.len(), "no duplicate key");
    assert_eq!(
        TraceValue::Str("a\"b\\\n".into()).to_string(),
        r#""a\"b\\\u000a""#
    );
    assert_eq!(TraceValue::List(vec![0, 3]).to_string(), "[0,3]");
}

#[test]
fn the_decision_term_counts_the_shared_search_of_each_vm_beyond_the_spares() {
    let mut platform = platform(0);
    platform.decide_shared = 300 * US;
    let three = [
        guest(0, MigratePolicy::Always),
        guest(1, MigratePolicy::Always),
        guest(2, MigratePolicy::Always),
    ];
    // One spare (core 0) for three VMs: 3 x 100 us, plus 2 x 300 us for the two without one.
    let cores = vec![CoreInput::idle(0), failed_core(1, &[0, 1, 2])];
    let plan = plan(&stop_for_blackout(0, MS), &three, &cores, &platform);
    for decision in &plan.decisions {
        assert_eq!(decision.downtime.decide, 900 * US, "{decision:?}");
    }
    // Enough spares: the search is never needed.
    let spares = vec![
        CoreInput::idle(0),
        failed_core(1, &[0, 1, 2]),
        CoreInput::idle(2),
        CoreInput::idle(3),
    ];
    let plan = migration_policy::plan(&stop_for_blackout(0, MS), &three, &spares, &platform);
    assert!(plan.decisions.iter().all(|d| d.downtime.decide == 300 * US));
}

#[test]
fn the_plan_reports_progress_at_every_step() {
    use core::sync::atomic::{AtomicUsize, Ordering};
    static STEPS: AtomicUsize = AtomicUsize::new(0);
    fn step() {
        STEPS.fetch_add(1, Ordering::Relaxed);
    }
    let mut platform = platform(0);
    platform.progress = Some(step);
    let two = [
        guest(0, MigratePolicy::Always),
        guest(1, MigratePolicy::Always),
    ];
    let _ = plan(&stop_for_blackout(0, MS), &two, &cores(), &platform);
    assert!(
        STEPS.load(Ordering::Relaxed) >= 2,
        "at least once per VM: {}",
        STEPS.load(Ordering::Relaxed)
    );
}

#[test]
fn a_signalled_fault_starts_the_blackout_where_the_core_let_go() {
    let set = edf(&[(4 * MS, 10 * MS)]);
    let rt = reporting(set.clone(), released_at(&set, 0));
    let mut signal = fault(FaultKind::FailSignal, 1, MS, 2 * MS);
    assert_eq!(migration_policy::blackout_start(&signal, Some(&rt)), MS);
    signal.signalled_at = Some(1_500 * US);
    assert_eq!(
        migration_policy::blackout_start(&signal, Some(&rt)),
        1_500 * US,
        "the live state says when the vCPU stopped"
    );
    signal.signalled_at = Some(0);
    assert_eq!(
        migration_policy::blackout_start(&signal, Some(&rt)),
        MS.max(rt.reported_at),
        "never before what proves the core alive"
    );
}

#[test]
fn a_vm_switched_out_when_its_core_signalled_resumes_from_its_checkpoint() {
    let set = edf(&[(4 * MS, 10 * MS)]);
    let rt = reporting(set.clone(), released_at(&set, 0));
    let mut signal = fault(FaultKind::FailSignal, 1, MS, 2 * MS);
    signal.signalled_at = Some(1_500 * US);
    let live = vm(0, MigratePolicy::Always, Some(rt.clone()));
    let mut parked = vm(1, MigratePolicy::Always, Some(rt));
    parked.checkpoint_only = true;
    let cores = vec![
        CoreInput::idle(0),
        failed_core(1, &[0, 1]),
        CoreInput::idle(2),
    ];
    let plan = plan(&signal, &[live, parked], &cores, &platform(0));
    let live = plan.decision(0).unwrap();
    let parked = plan.decision(1).unwrap();
    assert_eq!(
        live.blackout_start,
        1_500 * US,
        "live: from when the core let go"
    );
    assert_eq!(live.downtime.lost, 0);
    assert_eq!(
        parked.blackout_start, 0,
        "switched out: from its checkpoint"
    );
    assert_eq!(
        parked.downtime.lost,
        2 * MS,
        "its work since the checkpoint is lost"
    );
}

#[test]
fn a_vm_that_boots_again_counts_its_reload_in_the_state_term() {
    let platform = platform(10 * MS);
    let fault = fault(FaultKind::FailStop, 1, 2 * MS, 3 * MS);
    let mut vm = vm(0, MigratePolicy::Always, None);
    let cores = [CoreInput::idle(0), failed_core(1, &[0])];
    let without = plan(&fault, &[vm.clone()], &cores, &platform).decisions[0].downtime;
    vm.reload_ns = 3_000_000;
    let with = plan(&fault, &[vm], &cores, &platform).decisions[0].downtime;
    assert_eq!(with.state, without.state + 3_000_000);
    assert_eq!(with.total, without.total + 3_000_000);
}
