//! The hypervisor node's fault-tolerance properties: heartbeat, threshold, migration, fault plan.

mod common;

use common::{good, load_body, vm};
use partition_config::{ErrorKind, FaultKind, MigrationMode, ResumeMode};

#[test]
fn defaults_without_properties() {
    let config = load_body(&vm("a", &good(1)));
    assert_eq!(config.health.heartbeat_ns, 1_000_000);
    assert_eq!(config.health.miss_threshold, 2);
    assert_eq!(config.health.migration, MigrationMode::InPlace);
    assert_eq!(config.health.resume, ResumeMode::Asap);
    assert!(config.health.fault_plan.is_empty());
}

#[test]
fn reads_heartbeat_threshold_mode_and_plan_sorted_by_time() {
    let body = format!(
        "kairos,heartbeat-us = <200>; kairos,miss-threshold = <3>; kairos,migration = \"copy\";\n\
         kairos,fault-plan = <2 9000 1>, <1 5000 0>;\n{}",
        vm("a", &good(1))
    );
    let config = load_body(&body);
    assert!(config.errors.is_empty(), "{:?}", config.errors);
    assert_eq!(config.health.heartbeat_ns, 200_000);
    assert_eq!(config.health.miss_threshold, 3);
    assert_eq!(config.health.migration, MigrationMode::Copy);
    let plan = &config.health.fault_plan;
    assert_eq!(
        (plan[0].core, plan[0].at_ns, plan[0].kind),
        (1, 5_000_000, FaultKind::Stop)
    );
    assert_eq!(
        (plan[1].core, plan[1].at_ns, plan[1].kind),
        (2, 9_000_000, FaultKind::Signal)
    );
}

#[test]
fn bad_values_are_named_and_the_vms_still_load() {
    let body = format!(
        "kairos,heartbeat-us = <1>; kairos,migration = \"teleport\"; kairos,fault-plan = <9 10 0>;\n\
         kairos,miss-threshold = <0>;\n{}",
        vm("a", &good(1))
    );
    let config = load_body(&body);
    assert_eq!(config.vms.len(), 1, "a bad hypervisor property drops no VM");
    let kinds: Vec<(&str, &ErrorKind)> = config
        .errors
        .iter()
        .map(|e| (e.property.as_str(), &e.kind))
        .collect();
    assert!(kinds.iter().any(|(p, k)| *p == "kairos,heartbeat-us"
        && matches!(k, ErrorKind::HeartbeatTooShort { us: 1, .. })));
    assert!(kinds
        .iter()
        .any(|(p, k)| *p == "kairos,migration" && matches!(k, ErrorKind::UnknownValue { .. })));
    assert!(kinds.iter().any(|(p, k)| *p == "kairos,fault-plan"
        && matches!(k, ErrorKind::CoreDoesNotExist { core: 9, .. })));
    assert!(kinds
        .iter()
        .any(|(p, k)| *p == "kairos,miss-threshold" && matches!(k, ErrorKind::OutOfRange { .. })));
}

#[test]
fn a_plan_that_is_not_triplets_is_refused() {
    let body = format!("kairos,fault-plan = <1 10>;\n{}", vm("a", &good(1)));
    let config = load_body(&body);
    assert!(config
        .errors
        .iter()
        .any(|e| e.property == "kairos,fault-plan"
            && matches!(e.kind, ErrorKind::BadFaultPlan { cells: 2 })));
}

#[test]
fn heartbeats_the_platform_cannot_sustain_are_refused_with_the_minimum() {
    use partition_config::health::min_heartbeat_us;
    assert_eq!(min_heartbeat_us(4), 50);
    assert_eq!(min_heartbeat_us(8), 100);
    for (us, refused) in [
        (10, true),
        (20, true),
        (49, true),
        (50, false),
        (200, false),
    ] {
        let body = format!("kairos,heartbeat-us = <{us}>;\n{}", vm("a", &good(1)));
        let config = load_body(&body);
        let error = config
            .errors
            .iter()
            .find(|e| e.property == "kairos,heartbeat-us");
        assert_eq!(error.is_some(), refused, "{us} us: {error:?}");
        if let Some(error) = error {
            assert!(
                error.to_string().contains("use at least 50 us"),
                "the message names the minimum: {error}"
            );
        }
    }
    let body = format!("kairos,miss-threshold = <1>;\n{}", vm("a", &good(1)));
    let config = load_body(&body);
    assert!(config
        .errors
        .iter()
        .any(|e| e.property == "kairos,miss-threshold"
            && matches!(e.kind, ErrorKind::ThresholdTooLow { threshold: 1 })));
}

#[test]
fn resume_mode_is_read_and_a_bad_one_is_named() {
    for (value, mode) in [("asap", ResumeMode::Asap), ("planned", ResumeMode::Planned)] {
        let body = format!("kairos,resume = \"{value}\";\n{}", vm("a", &good(1)));
        let config = load_body(&body);
        assert!(config.errors.is_empty(), "{:?}", config.errors);
        assert_eq!(config.health.resume, mode);
    }
    let body = format!("kairos,resume = \"later\";\n{}", vm("a", &good(1)));
    let config = load_body(&body);
    assert_eq!(config.vms.len(), 1, "a bad resume mode drops no VM");
    assert_eq!(config.health.resume, ResumeMode::Asap, "the default stays");
    let error = config
        .errors
        .iter()
        .find(|e| e.property == "kairos,resume")
        .expect("the bad value is reported");
    assert!(matches!(error.kind, ErrorKind::UnknownValue { .. }));
    let text = error.to_string();
    assert!(text.contains("later") && text.contains("planned"), "{text}");
    assert!(text.contains("kairos,resume"), "names the property: {text}");
}
