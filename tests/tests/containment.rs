//! Containment: a hostile guest tries to reach what is not its own; every attempt is refused
//! or reflected back to it, traced as `vm_fault`, and the victims beside it run to the end.

use system_tests::{config, Qemu, Run, Scratch};

const ABORT_ATTACKS: [&str; 8] = [
    "read-other-vm-ram",
    "write-other-vm-ram",
    "read-below-ram",
    "write-far-memory",
    "write-gic-distributor",
    "read-unassigned-device",
    "read-flash",
    "jump-outside-ram",
];

/// Physical memory filled with a pattern before the boot (above the hypervisor's image, where
/// the VMs are placed).
const STALE_START: u64 = 0x4080_0000;
const STALE_END: u64 = 0x4400_0000;

fn assert_victims_finished(run: &Run) {
    for victim in ["victim1", "victim2"] {
        run.assert_line(&format!("[{victim}] tick 5"));
        run.assert_line(&format!("[{victim}] hello done"));
    }
    assert!(
        run.events_named("panic").is_empty(),
        "the hypervisor never panics"
    );
}

fn attacker_faults(run: &Run) -> Vec<serde_json::Value> {
    run.events_named("vm_fault")
        .into_iter()
        .filter(|e| e["name"] == "attacker")
        .collect()
}

#[test]
fn every_attack_is_refused_and_the_victims_keep_running() {
    // RAM full of a pattern before the boot, as a previous user could leave it: the VMs are
    // placed there, and the attacker checks that what it reads of its RAM comes zeroed.
    let stale = Scratch::new("stale-ram.bin");
    std::fs::write(
        stale.path(),
        vec![0xa5u8; (STALE_END - STALE_START) as usize],
    )
    .unwrap();
    let run = Qemu::virt(3, 4)
        .initrd(&config("attack-inject"))
        .load(stale.path(), STALE_START)
        .run();
    run.assert_clean_exit();
    let attacker = run
        .events_named("vm_created")
        .into_iter()
        .find(|e| e["name"] == "attacker")
        .expect("the attacker VM is created");
    let ram = attacker["ram"].as_str().unwrap().trim_start_matches("0x");
    let ram = u64::from_str_radix(ram, 16).unwrap();
    // The attacker reads guest 0x4010_0000..0x4100_0000: RAM offsets 1 MiB..16 MiB.
    let (scanned_start, scanned_end) = (ram + (1 << 20), ram + (16 << 20));
    assert!(
        scanned_start < STALE_END && STALE_START < scanned_end,
        "the pattern must lie under the RAM the attacker reads: {attacker}"
    );
    run.assert_line("attack read-stale-ram: 0 nonzero words in its fresh RAM");
    for attack in ABORT_ATTACKS {
        run.assert_line(&format!("attack {attack}: refused (abort"));
    }
    for attack in [
        "psci-cpu-on-other-core",
        "psci-cpu-on-own-running-core",
        "smc-to-firmware",
        "hvc-unknown-function",
        "hvc-garbage-id",
        "console-null-pointer",
        "console-pointer-wraps",
        "console-huge-length",
        "console-other-vm-ram",
        "console-bad-byte",
    ] {
        run.assert_line(&format!("attack {attack}: refused (error"));
    }
    assert!(!run.output.contains("NOT REFUSED"), "{}", run.output);
    run.assert_line("attack read-hypervisor-address: sees own image (magic 0x644d5241)");
    run.assert_line("attack hypercall-flood: 20000 of 20000 answered");
    run.assert_line("attacker done: 8 aborts taken");
    let faults = attacker_faults(&run);
    assert_eq!(faults.len(), ABORT_ATTACKS.len());
    assert!(faults.iter().all(|e| e["action"] == "inject"));
    assert!(faults
        .iter()
        .any(|e| e["address"] == "0x41600000" && e["kind"] == "outside_map"));
    assert!(faults.iter().any(|e| e["kind"] == "instruction_abort"));
    assert!(run
        .events_named("vm_fault")
        .iter()
        .all(|e| e["name"] == "attacker"));
    assert_victims_finished(&run);
    let stopped = run.events_named("vm_stopped");
    assert!(stopped
        .iter()
        .any(|e| e["name"] == "attacker" && e["reason"] == "system_off"));
}

#[test]
fn policy_stop_stops_the_attacker_at_its_first_fault() {
    let run = Qemu::virt(3, 4).initrd(&config("attack-stop")).run();
    run.assert_clean_exit();
    let faults = attacker_faults(&run);
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0]["action"], "stop");
    assert!(
        !run.output.contains("attack read-other-vm-ram: refused"),
        "stopped before it could print"
    );
    let stopped = run.events_named("vm_stopped");
    assert!(stopped
        .iter()
        .any(|e| e["name"] == "attacker" && e["reason"] == "outside_map"));
    assert_victims_finished(&run);
}

#[test]
fn policy_restart_restarts_the_attacker_then_gives_up() {
    let run = Qemu::virt(3, 4).initrd(&config("attack-restart")).run();
    run.assert_clean_exit();
    let restarts = run.events_named("vm_restarted");
    assert_eq!(restarts.len(), 3, "three restarts allowed");
    assert_eq!(
        run.lines()
            .iter()
            .filter(|l| l.contains("[attacker] attacker starting"))
            .count(),
        4
    );
    let stopped = run.events_named("vm_stopped");
    assert!(stopped
        .iter()
        .any(|e| e["name"] == "attacker" && e["reason"] == "restart_limit"));
    assert_victims_finished(&run);
}
