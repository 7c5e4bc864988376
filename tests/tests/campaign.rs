//! The fault campaign of `make test` (docs/fault-campaign.md): 40 seeded layouts, five of each
//! fault shape, each booted with and without its fault plan; every check must hold, and the
//! layouts must cover every kind of machine, memory move and fault the campaign is about.

use system_tests::campaign::{self, Report};

/// First layout seed and number of layouts (consecutive seeds cycle through the shapes).
const FIRST_SEED: u64 = 1;
const LAYOUTS: u64 = 40;

#[test]
fn a_seeded_campaign_loses_no_vm_detects_no_healthy_core_and_predicts_every_miss() {
    let report = campaign::run_campaign(
        FIRST_SEED,
        LAYOUTS,
        campaign::default_threads(),
        campaign::BOOT_TIMEOUT,
        |_, _| {},
    );
    assert_covers_everything(&report);
    assert!(
        report.failing.is_empty(),
        "{} of {} layouts failed (reproduce one with `make campaign LAYOUT=<seed>`):\n{}\n{}",
        report.failing.len(),
        report.layouts,
        report.markdown(),
        report.failing_details()
    );
}

/// The layouts (and what the hypervisor made of them) cover every category of issue 11.
fn assert_covers_everything(report: &Report) {
    let layouts = [
        "4 cores",
        "8 cores",
        "GICv2",
        "GICv3",
        "migration copy",
        "migration in-place",
        "boot core spare",
        "boot core hosting a VM",
        "shape Single",
        "shape BootCore",
        "shape TwoAtOnce",
        "shape VmAndSpareAtOnce",
        "shape OnTheReceiver",
        "shape ThenBootCore",
        "shape OnThePartitions",
        "shape Staggered",
    ];
    for key in layouts {
        assert!(
            report.coverage.contains_key(key),
            "no layout with {key}: {:?}",
            report.coverage
        );
    }
    let figures = [
        "fail-stop faults",
        "fail-signal faults",
        "faults on the boot core",
        "faults on a core hosting a migrant",
        "faults on a core in time partitions",
        "migrations into time partitions",
        "migrations checked exactly",
    ];
    for name in figures {
        assert!(report.figure(name) > 0, "no {name}:\n{}", report.markdown());
    }
}
