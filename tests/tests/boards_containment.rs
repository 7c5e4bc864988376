//! Containment on the real boards (raspi4b, imx8mp-evk): the hostile guest of containment.rs,
//! handed over as the initrd, is refused everything while its victims run to the end. The VMs
//! see the same guest-physical layout on every board, so the attacks are the same.

use system_tests::{built, config, Qemu, Run};

fn assert_contained(run: &Run) {
    run.assert_clean_exit();
    assert!(!run.output.contains("NOT REFUSED"), "{}", run.output);
    run.assert_line("attacker done: 8 aborts taken");
    run.assert_line("attack hypercall-flood: 20000 of 20000 answered");
    let faults = run.events_named("vm_fault");
    assert_eq!(faults.len(), 8);
    assert!(faults
        .iter()
        .all(|e| e["name"] == "attacker" && e["action"] == "inject"));
    for victim in ["victim1", "victim2"] {
        run.assert_line(&format!("[{victim}] hello done"));
    }
    assert!(run.events_named("panic").is_empty());
    assert!(
        run.events_named("fault_detected").is_empty(),
        "no core was taken for dead"
    );
}

#[test]
fn rpi4_contains_the_attacker() {
    assert_contained(
        &Qemu::raspi4b(&built("rpi4/platform.dtb"), 0)
            .initrd(&config("attack-inject"))
            .run(),
    );
}

#[test]
fn imx8mp_contains_the_attacker() {
    assert_contained(
        &Qemu::imx8mp(&built("imx8mp/platform.dtb"))
            .initrd(&config("attack-inject"))
            .run(),
    );
}
