//! The `tasks` node: the real-time task set of a VM, read and checked (binding in
//! docs/bindings/kairos-partitions.md, code in src/tasks.rs).

mod common;

use common::*;
use partition_config::*;

/// A VM on core 1 with `tasks` as its tasks node body.
fn with_tasks(tasks: &str) -> Config {
    load_body(&vm("rtos0", &format!("{} tasks {{ {tasks} }};", good(1))))
}

/// `(node name, property, kind)` of every error.
fn task_errors(tasks: &str) -> Vec<(String, String, ErrorKind)> {
    let config = with_tasks(tasks);
    assert_eq!(
        config.vms.is_empty(),
        !config.errors.is_empty(),
        "{config:#?}"
    );
    config
        .errors
        .iter()
        .map(|e| {
            (
                e.node_name().to_string(),
                e.property.clone(),
                e.kind.clone(),
            )
        })
        .collect()
}

fn the_error(tasks: &str) -> (String, String, ErrorKind) {
    let mut errors = task_errors(tasks);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

const CONTROL: &str = "control { kairos,wcet-us = <2000>; kairos,period-us = <10000>; kairos,deadline-us = <10000>; };";

#[test]
fn a_full_task_set_is_read() {
    let config = with_tasks(
        "kairos,scheduler = \"fp\"; kairos,debug; kairos,inject-blackout-us = <50000 3000>;
         control { kairos,wcet-us = <2000>; kairos,period-us = <10000>; kairos,deadline-us = <8000>;
                   kairos,priority = <2>; kairos,offset-us = <500>; kairos,jobs = <7>; };
         logger { kairos,wcet-us = <1000>; kairos,period-us = <40000>; kairos,priority = <1>;
                  kairos,sporadic; note = \"not ours, ignored\"; };",
    );
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    let tasks = config.vms[0].tasks.as_ref().unwrap();
    assert_eq!(tasks.scheduler, SchedulerPolicy::FixedPriority);
    assert!(tasks.debug);
    assert_eq!(
        tasks.inject_blackout,
        Some(BlackoutInjection {
            at_ns: 50_000_000,
            duration_ns: 3_000_000
        })
    );
    assert_eq!(
        tasks.tasks[0],
        TaskConfig {
            name: "control".into(),
            wcet_ns: 2_000_000,
            period_ns: 10_000_000,
            deadline_ns: 8_000_000,
            offset_ns: 500_000,
            priority: Some(2),
            sporadic: false,
            jobs: Some(7),
        }
    );
    let logger = &tasks.tasks[1];
    assert_eq!(
        (logger.deadline_ns, logger.sporadic, logger.jobs),
        (40_000_000, true, None),
        "D defaults to T"
    );
    assert_eq!(
        tasks.priorities(),
        [1, 0],
        "fp: lower kairos,priority is more urgent"
    );
    assert_eq!(tasks.utilization_ppm(), 225_000);
}

#[test]
fn rate_and_deadline_monotonic_priorities() {
    let body = |scheduler: &str| {
        format!(
            "kairos,scheduler = \"{scheduler}\";
             a {{ kairos,wcet-us = <1>; kairos,period-us = <30>; kairos,deadline-us = <10>; }};
             b {{ kairos,wcet-us = <1>; kairos,period-us = <20>; }};
             c {{ kairos,wcet-us = <1>; kairos,period-us = <20>; kairos,deadline-us = <15>; }};"
        )
    };
    let priorities = |scheduler| {
        with_tasks(&body(scheduler)).vms[0]
            .tasks
            .as_ref()
            .unwrap()
            .priorities()
    };
    assert_eq!(priorities("rm"), [2, 0, 1], "by period, ties in node order");
    assert_eq!(priorities("dm"), [0, 2, 1], "by deadline");
    assert_eq!(priorities("edf"), [0, 0, 0]);
}

#[test]
fn deadline_above_period_and_wcet_above_deadline() {
    let error = the_error(&format!(
        "kairos,scheduler = \"edf\"; {CONTROL} bad {{ kairos,wcet-us = <1>; kairos,period-us = <10>; kairos,deadline-us = <11>; }};"
    ));
    assert_eq!(
        error,
        (
            "bad".into(),
            "kairos,deadline-us".into(),
            ErrorKind::DeadlineAbovePeriod {
                deadline_us: 11,
                period_us: 10
            }
        )
    );
    let error = the_error("kairos,scheduler = \"edf\"; t { kairos,wcet-us = <6>; kairos,period-us = <10>; kairos,deadline-us = <5>; };");
    assert_eq!(error.1, "kairos,wcet-us");
    assert_eq!(
        error.2,
        ErrorKind::WcetAboveDeadline {
            wcet_us: 6,
            deadline_us: 5
        }
    );
    assert_eq!(
        error.2.to_string(),
        "WCET 6 us exceeds the relative deadline 5 us (need C <= D)"
    );
}

#[test]
fn zero_times_and_missing_properties() {
    let errors = task_errors(
        "kairos,scheduler = \"edf\"; t { kairos,period-us = <0>; kairos,jobs = <0>; };",
    );
    assert_eq!(
        errors,
        [
            ("t".into(), "kairos,jobs".into(), ErrorKind::ZeroCount),
            (
                "t".into(),
                "kairos,wcet-us".into(),
                ErrorKind::MissingProperty
            ),
            (
                "t".into(),
                "kairos,period-us".into(),
                ErrorKind::ZeroDuration
            ),
        ]
    );
    let error = the_error(CONTROL);
    assert_eq!(
        error,
        (
            "tasks".into(),
            "kairos,scheduler".into(),
            ErrorKind::MissingProperty
        )
    );
    let error = the_error("kairos,scheduler = \"edf\";");
    assert_eq!(error, ("tasks".into(), String::new(), ErrorKind::NoTasks));
}

#[test]
fn unknown_properties_and_values_are_rejected() {
    let errors = task_errors(&format!(
        "kairos,scheduler = \"llf\"; kairos,quantum = <1>; {CONTROL} t {{ kairos,wcet-us = <1>; kairos,period-us = <10>; kairos,budget = <3>; }};"
    ));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        matches!(&errors[0], (node, property, ErrorKind::UnknownValue { value, .. })
        if node == "tasks" && property == "kairos,scheduler" && value == "llf")
    );
    assert_eq!(
        errors[1],
        (
            "tasks".into(),
            "kairos,quantum".into(),
            ErrorKind::UnknownProperty
        )
    );
    assert_eq!(
        errors[2],
        (
            "t".into(),
            "kairos,budget".into(),
            ErrorKind::UnknownProperty
        )
    );
}

#[test]
fn priorities_belong_to_fp_only() {
    let error = the_error(
        "kairos,scheduler = \"fp\"; t { kairos,wcet-us = <1>; kairos,period-us = <10>; };",
    );
    assert_eq!(
        error,
        (
            "t".into(),
            "kairos,priority".into(),
            ErrorKind::MissingProperty
        )
    );
    let error = the_error("kairos,scheduler = \"rm\"; t { kairos,wcet-us = <1>; kairos,period-us = <10>; kairos,priority = <1>; };");
    assert_eq!(
        error.2,
        ErrorKind::PriorityNotUsed {
            scheduler: "rm".into()
        }
    );
}

#[test]
fn utilization_above_one_is_rejected_exactly() {
    let full = "kairos,scheduler = \"edf\";
        a { kairos,wcet-us = <1>; kairos,period-us = <3>; };
        b { kairos,wcet-us = <2>; kairos,period-us = <3>; };";
    assert!(
        with_tasks(full).errors.is_empty(),
        "U = 1 exactly is schedulable under EDF"
    );
    let over = "kairos,scheduler = \"edf\";
        a { kairos,wcet-us = <1>; kairos,period-us = <3>; };
        b { kairos,wcet-us = <2>; kairos,period-us = <3>; };
        c { kairos,wcet-us = <1>; kairos,period-us = <1000000>; };";
    let error = the_error(over);
    assert_eq!(error.0, "tasks");
    assert!(
        matches!(error.2, ErrorKind::Overloaded { utilization_ppm } if utilization_ppm > 1_000_000)
    );
    assert!(
        error.2.to_string().starts_with("utilization 1.00000"),
        "{}",
        error.2
    );
}

#[test]
fn too_many_tasks_and_nested_nodes() {
    let many: String = (0..33)
        .map(|i| format!("t{i} {{ kairos,wcet-us = <1>; kairos,period-us = <1000>; }};"))
        .collect();
    let error = the_error(&format!("kairos,scheduler = \"edf\"; {many}"));
    assert_eq!(error.2, ErrorKind::TooManyTasks { count: 33, max: 32 });
    let error = the_error("kairos,scheduler = \"edf\"; t { kairos,wcet-us = <1>; kairos,period-us = <10>; sub { }; };");
    assert_eq!(
        error,
        ("t".into(), String::new(), ErrorKind::UnexpectedChildNode)
    );
}

#[test]
fn an_invalid_task_set_names_its_full_path_and_drops_the_vm() {
    let config = with_tasks(
        "kairos,scheduler = \"edf\"; t { kairos,wcet-us = \"two\"; kairos,period-us = <10>; };",
    );
    assert!(config.vms.is_empty());
    assert_eq!(config.errors[0].node, "/hypervisor/rtos0/tasks/t");
    assert!(config.errors[0]
        .to_string()
        .starts_with("t (/hypervisor/rtos0/tasks/t): property 'kairos,wcet-us'"));
}

#[test]
fn the_guest_reads_the_same_node_from_its_device_tree() {
    let guest = format!(
        "/dts-v1/; / {{ kairos {{ tasks {{ kairos,scheduler = \"dm\"; {CONTROL} }}; }}; }};"
    );
    let tasks = tasks_from_dtb(&dtb(&guest), "/kairos/tasks")
        .unwrap()
        .unwrap();
    assert_eq!(tasks.scheduler, SchedulerPolicy::DeadlineMonotonic);
    assert_eq!(tasks.tasks[0].wcet_ns, 2_000_000);
    let none = dtb("/dts-v1/; / { chosen { }; };");
    assert_eq!(tasks_from_dtb(&none, "/kairos/tasks"), Ok(None));
    assert!(tasks_from_dtb(&[0u8; 16], "/kairos/tasks").is_err());
    let bad = "/dts-v1/; / { kairos { tasks { kairos,scheduler = \"edf\"; }; }; };";
    let errors = tasks_from_dtb(&dtb(bad), "/kairos/tasks").unwrap_err();
    assert_eq!(errors[0].node, "/kairos/tasks");
    assert_eq!(errors[0].kind, ErrorKind::NoTasks);
}

#[test]
fn a_boolean_property_takes_no_value() {
    let (node, property, kind) = the_error(&format!(
        "kairos,scheduler = \"edf\"; {CONTROL} t {{ kairos,wcet-us = <1>; kairos,period-us = <10>; kairos,sporadic = <1>; }};"
    ));
    assert_eq!((node.as_str(), property.as_str()), ("t", "kairos,sporadic"));
    assert_eq!(
        kind,
        ErrorKind::WrongType {
            expected: ValueType::Empty,
            found_bytes: 4
        }
    );
}
