//! Foundation: EL2 boot on every core of QEMU virt (GICv2 and GICv3, 1 to 8 cores), partition
//! config from the image, the initrd and the platform DTB, VMs started, clean power-off.

use system_tests::{config, Qemu};

fn count(run: &system_tests::Run, event: &str) -> usize {
    run.events_named(event).len()
}

#[test]
fn default_demo_boots_all_cores_and_runs_three_rtos_vms_gicv3() {
    let run = Qemu::virt(3, 4).run();
    run.assert_clean_exit();
    let boot = &run.events_named("boot")[0];
    assert_eq!(boot["el"], 2);
    assert_eq!(boot["gic"], "v3");
    assert_eq!(boot["cpus"], 4);
    let online = run.events_named("cpu_online");
    let mut cores: Vec<u64> = online.iter().map(|e| e["core"].as_u64().unwrap()).collect();
    cores.sort();
    assert_eq!(cores, [0, 1, 2, 3], "every core online once");
    assert!(online.iter().all(|e| e["el"] == 2));
    assert_eq!(run.events_named("config")[0]["source"], "builtin");
    assert_eq!(count(&run, "vm_created"), 3);
    let started = run.events_named("vm_started");
    for (name, core) in [("rtos0", 1), ("rtos1", 2), ("rtos2", 3)] {
        let first = started.iter().find(|e| e["name"] == name).expect(name);
        assert_eq!(first["core"], core, "{name} starts on its configured core");
    }
    // The default demo is the fault and migration demo (tests/tests/migration.rs checks it in
    // depth): rtos0 is never hit and meets every deadline; rtos1 moves to the spare core 0.
    run.assert_line("[rtos0] DONE jobs=60 misses=0");
    assert!(
        started
            .iter()
            .any(|e| e["name"] == "rtos1" && e["core"] == 0),
        "rtos1 resumed on core 0"
    );
    run.assert_line("Faults and migrations");
    assert_eq!(count(&run, "config_error"), 0);
    assert_eq!(count(&run, "system_off"), 1);
}

#[test]
fn gicv2_cortex_a53_two_cores_with_config_from_initrd() {
    let run = Qemu::virt(2, 2).initrd(&config("one-vm")).run();
    run.assert_clean_exit();
    assert_eq!(run.events_named("boot")[0]["gic"], "v2");
    assert_eq!(count(&run, "cpu_online"), 2);
    assert_eq!(run.events_named("config")[0]["source"], "initrd");
    let created = run.events_named("vm_created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["ram"], "0x50000000", "fixed placement honoured");
    run.assert_line("[solo] hello done");
}

#[test]
fn eight_cores_seven_vms() {
    let run = Qemu::virt(3, 8).initrd(&config("eight-vms")).run();
    run.assert_clean_exit();
    assert_eq!(count(&run, "cpu_online"), 8);
    assert_eq!(count(&run, "vm_started"), 7);
    for vm in 1..=7 {
        run.assert_line(&format!("[vm{vm}] hello done"));
    }
}

#[test]
fn single_core_reports_the_missing_cores_and_powers_off() {
    let run = Qemu::virt(3, 1).run();
    run.assert_clean_exit();
    assert_eq!(count(&run, "cpu_online"), 1);
    let errors = run.events_named("config_error");
    let cores: Vec<_> = errors
        .iter()
        .filter(|e| e["property"] == "kairos,cpus")
        .collect();
    assert_eq!(
        cores.len(),
        3,
        "each VM asks for a core a 1-core machine lacks: {errors:?}"
    );
    assert!(
        errors.iter().any(|e| e["property"] == "kairos,fault-plan"),
        "the fault plan names cores it lacks too: {errors:?}"
    );
    assert_eq!(count(&run, "vm_started"), 0);
}

#[test]
fn config_in_the_platform_dtb_wins() {
    let dtb = config("virt-gicv3-with-partitions");
    let run = Qemu::virt(3, 4)
        .arg("-dtb")
        .arg(dtb.to_str().unwrap())
        .initrd(&config("one-vm"))
        .run();
    run.assert_clean_exit();
    assert_eq!(run.events_named("config")[0]["source"], "platform-dtb");
    let started = run.events_named("vm_started");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0]["name"], "fromdtb");
    assert_eq!(started[0]["core"], 2);
}

#[test]
fn a_core_given_twice_is_rejected_and_the_valid_vms_still_start() {
    let run = Qemu::virt(3, 4)
        .initrd(&config("qemu-virt-bad-overlap"))
        .run();
    run.assert_clean_exit();
    let errors = run.events_named("config_error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["node"].as_str().unwrap().contains("rtos1"));
    assert_eq!(errors[0]["property"], "kairos,cpus");
    run.assert_line("rtos1");
    let started: Vec<String> = run
        .events_named("vm_started")
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(started.len(), 2);
    assert!(started.contains(&"rtos0".into()) && started.contains(&"rtos2".into()));
}

#[test]
fn every_bad_vm_is_named_and_the_good_one_runs() {
    let run = Qemu::virt(3, 4).initrd(&config("many-errors")).run();
    run.assert_clean_exit();
    let errors = run.events_named("config_error");
    let failing: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e["node"].as_str().unwrap(), e["property"].as_str().unwrap()))
        .collect();
    for (node, property) in [
        ("nocore", "kairos,cpus"),
        ("overhyp", "kairos,memory-base"),
        ("noimage", "kairos,image"),
        ("badtype", "kairos,cpus"),
    ] {
        assert!(
            failing
                .iter()
                .any(|(n, p)| n.contains(node) && *p == property),
            "no error for {node}/{property} in {failing:?}"
        );
    }
    assert_eq!(count(&run, "vm_started"), 1);
    run.assert_line("[good] hello done");
}

#[test]
fn a_corrupt_config_is_reported_and_nothing_crashes() {
    let path = std::env::temp_dir().join(format!("kairos-corrupt-{}.dtb", std::process::id()));
    let mut bytes = std::fs::read(config("one-vm")).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, &bytes).unwrap();
    let run = Qemu::virt(3, 2).initrd(&path).run();
    let _ = std::fs::remove_file(&path);
    run.assert_clean_exit();
    assert_eq!(count(&run, "config_error"), 1);
    assert_eq!(count(&run, "vm_started"), 0);
}

#[test]
fn a_panic_parks_its_core_and_the_others_go_on() {
    // Typed while the guests run (they tick for 200 ms).
    let run = Qemu::virt(3, 4)
        .initrd(&config("hello-demo"))
        .type_when("hello from vm", "crash\r")
        .run();
    run.assert_clean_exit();
    let panics = run.events_named("panic");
    assert_eq!(panics.len(), 1);
    assert_eq!(panics[0]["core"], 0);
    run.assert_line("PANIC on core 0");
    for name in ["rtos0", "rtos1", "rtos2"] {
        run.assert_line(&format!("[{name}] hello done"));
    }
}

#[test]
fn gicv2_four_cores_three_vms_each_on_its_own_core() {
    let run = Qemu::virt(2, 4).initrd(&config("hello-demo")).run();
    run.assert_clean_exit();
    assert_eq!(run.events_named("boot")[0]["gic"], "v2");
    assert_eq!(count(&run, "cpu_online"), 4);
    let started = run.events_named("vm_started");
    for (name, core) in [("rtos0", 1), ("rtos1", 2), ("rtos2", 3)] {
        let event = started.iter().find(|e| e["name"] == name).expect(name);
        assert_eq!(event["core"], core, "{name} runs on its own core");
        run.assert_line(&format!("[{name}] hello done"));
    }
}
