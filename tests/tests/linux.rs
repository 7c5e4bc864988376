//! Mixed criticality for real: Debian's unmodified arm64 Linux kernel (linux-image-arm64) with a
//! busybox initramfs (busybox-static) and a command line, beside two paravirtual RTOS VMs, from
//! `boards/qemu-virt/linux-rtos.dts`. The files are fetched by `make test` (never committed);
//! QEMU's loader device places them where the config's kairos,image-reg and kairos,ramdisk-reg
//! say. The initramfs's init prints what it finds and powers the VM off.

use std::time::{Duration, Instant};
use system_tests::{built, linux_files, tool, Qemu, Run, Scratch};

/// Where linux-rtos.dts has the boot loader put the kernel and the initramfs.
const IMAGE_AT: u64 = 0x7000_0000;
const RAMDISK_AT: u64 = 0x7a00_0000;
/// The initramfs's marker: init ran and is powering the VM off.
const DONE: &str = "[linux] kairos-initramfs: done, powering off";

/// The example config, compiled, with a quiet command line and no interactive shell; edited
/// further with fdtput.
struct Config(Scratch);

impl Config {
    fn new() -> Config {
        let scratch = Scratch::new("linux-rtos.dtb");
        std::fs::copy(
            built("test-configs/qemu-virt-linux-rtos.dtb"),
            scratch.path(),
        )
        .unwrap();
        let config = Config(scratch);
        config.put(
            "s",
            "/hypervisor/linux",
            "kairos,bootargs",
            &["console=ttyAMA0 quiet"],
        )
    }

    fn file(&self) -> &str {
        self.0.path().to_str().unwrap()
    }

    /// Sets `property` of `node` to `values` of fdtput type `kind` (s, u, x).
    fn put(self, kind: &str, node: &str, property: &str, values: &[&str]) -> Config {
        let mut args = vec!["-t", kind, self.file(), node, property];
        args.extend(values);
        tool("fdtput", &args);
        self
    }

    /// Adds the empty node `node`.
    fn create(self, node: &str) -> Config {
        tool("fdtput", &["-c", self.file(), node]);
        self
    }

    /// Removes `node` and what it holds.
    fn remove(self, node: &str) -> Config {
        tool("fdtput", &["-r", self.file(), node]);
        self
    }

    /// Deletes `property` of `node`.
    fn delete(self, node: &str, property: &str) -> Config {
        tool("fdtput", &["-d", self.file(), node, property]);
        self
    }

    fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// Boots `qemu` with the Linux files loaded, to its end, and reports the host time it took.
fn boot(name: &str, qemu: Qemu) -> Run {
    boot_at(name, qemu, IMAGE_AT, RAMDISK_AT)
}

/// `boot` with the kernel at `image_at` and the initramfs at `ramdisk_at`.
fn boot_at(name: &str, qemu: Qemu, image_at: u64, ramdisk_at: u64) -> Run {
    let (image, initramfs) = linux_files();
    let start = Instant::now();
    let run = qemu
        .load(&image, image_at)
        .load(&initramfs, ramdisk_at)
        .timeout(Duration::from_secs(180))
        .run();
    eprintln!(
        "linux test {name}: {:.1} s host time",
        start.elapsed().as_secs_f64()
    );
    run.assert_clean_exit();
    assert!(
        run.events_named("panic").is_empty(),
        "the hypervisor never panics"
    );
    run
}

/// Linux booted through its initramfs with `cpus` CPUs, its console driver bound (its
/// interrupt accepted by the vGIC), and both RTOS VMs kept every deadline.
fn assert_linux_and_rtos(run: &Run, cpus: u32) {
    run.assert_line("[linux] kairos-initramfs: init running on Linux 6.");
    run.assert_line(&format!(", {cpus} CPU(s)"));
    run.assert_line("[linux] kairos-initramfs: command line: console=ttyAMA0 quiet");
    run.assert_line("[linux] kairos-initramfs: device 9000000.serial bound to uart-pl011");
    run.assert_line(DONE);
    for vm in ["rtos0", "rtos1"] {
        run.assert_line(&format!("[{vm}] DONE jobs="));
        assert!(
            !run.output.contains(&format!("[{vm}] MISS")),
            "{vm} keeps its deadlines beside Linux"
        );
    }
    assert!(run.events_named("vgic_denied").is_empty(), "{}", run.output);
    assert!(run.events_named("vm_fault").is_empty(), "{}", run.output);
    assert!(run.events_named("deadline_miss").is_empty());
}

#[test]
fn linux_boots_beside_two_rtos_vms_gicv3() {
    // A fourth VM asks for INTID 33, the hypervisor console's interrupt: refused, alone.
    let config = Config::new()
        .create("/hypervisor/bad")
        .put("s", "/hypervisor/bad", "compatible", &["kairos,vm"])
        .put("u", "/hypervisor/bad", "kairos,cpus", &["0"])
        .put(
            "x",
            "/hypervisor/bad",
            "kairos,memory-size",
            &["0", "400000"],
        )
        .put("s", "/hypervisor/bad", "kairos,image", &["hello"])
        .put("u", "/hypervisor/bad", "kairos,interrupts", &["33"]);
    let run = boot("gicv3-1cpu", Qemu::virt(3, 4).initrd(config.path()));
    assert_linux_and_rtos(&run, 1);
    let errors = run.events_named("config_error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["node"], "/hypervisor/bad");
    assert_eq!(errors[0]["property"], "kairos,interrupts");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("INTID 33 is kept by the hypervisor"),
        "{message}"
    );
    // The PL031 passed through and described in guest-dt: Linux's driver found it.
    run.assert_line("[linux] kairos-initramfs: device 9010000.rtc bound to rtc-pl031");
    // Placed by the Image header: 2 MiB aligned (text_offset 0), so no "[Firmware Bug]".
    let created = run.events_named("vm_created");
    assert_eq!(created[0]["entry"], "0x40000000");
    run.assert_line("[linux] kairos-initramfs: kernel log has no warning about its placement");
}

#[test]
fn linux_with_two_vcpus_boots_beside_two_rtos_vms_gicv3() {
    let run = boot("gicv3-2cpu", Qemu::virt(3, 5).initrd(two_vcpus().path()));
    assert_linux_and_rtos(&run, 2);
}

#[test]
fn linux_boots_beside_two_rtos_vms_gicv2() {
    let run = boot("gicv2-1cpu", Qemu::virt(2, 4).initrd(Config::new().path()));
    assert_linux_and_rtos(&run, 1);
}

#[test]
fn linux_with_two_vcpus_boots_beside_two_rtos_vms_gicv2() {
    let run = boot("gicv2-2cpu", Qemu::virt(2, 5).initrd(two_vcpus().path()));
    assert_linux_and_rtos(&run, 2);
}

/// Linux on cores 1 and 2, the RTOS VMs on 3 and 4, core 0 spare (QEMU with 5 cores).
fn two_vcpus() -> Config {
    Config::new()
        .put("u", "/hypervisor/linux", "kairos,cpus", &["1", "2"])
        .put("u", "/hypervisor/rtos0", "kairos,cpus", &["3"])
        .put("u", "/hypervisor/rtos1", "kairos,cpus", &["4"])
}

/// The one event named `name` about VM `vm`.
fn one_event(run: &Run, name: &str, vm: u64) -> serde_json::Value {
    let found: Vec<_> = run
        .events_named(name)
        .into_iter()
        .filter(|event| event["vm"] == vm)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {name} of vm {vm}: {found:?}\n{}",
        run.output
    );
    found[0].clone()
}

#[test]
fn a_failed_rtos_core_moves_its_vm_with_the_predicted_misses_and_linux_runs_on() {
    // rtos1 (core 3) gets a task set with less slack than the migration downtime, and its
    // core stops 60 ms in; core 0 is the spare. Linux waits in its shell meanwhile; once rtos1
    // is done, core 0 serves the console again: `status` shows rtos1 where it ran last, then
    // Linux gets the input and is told to exit.
    let config = Config::new()
        .put(
            "u",
            "/hypervisor",
            "kairos,fault-plan",
            &["3", "60000", "0"],
        )
        .put(
            "u",
            "/hypervisor/rtos1/tasks/slow",
            "kairos,wcet-us",
            &["8000"],
        )
        .put(
            "s",
            "/hypervisor/linux",
            "kairos,bootargs",
            &["console=ttyAMA0 quiet kairos.shell"],
        );
    let qemu = Qemu::virt(3, 4)
        .initrd(config.path())
        .arg("-echr")
        .arg("20")
        .type_when("[rtos1] DONE", "status\r")
        .type_when("vm 2 'rtos1': Stopped", "\x01\x01\x01")
        .type_when("console input goes to VM 0 'linux'", "exit\r");
    let run = boot("rtos-core-fault", qemu);
    run.assert_line("vm 2 'rtos1': Stopped on cores [0], 4 MiB");
    let detected = run.events_named("fault_detected");
    assert_eq!(detected.len(), 1, "only the core that failed: {detected:?}");
    assert_eq!(detected[0]["failed_core"], 3);
    let decision = one_event(&run, "migration_decision", 2);
    assert_eq!(decision["target_core"], 0);
    let predicted = decision["misses_total"].as_u64().unwrap();
    assert!(predicted >= 1, "less slack than downtime: {decision}");
    let done = one_event(&run, "migration_done", 2);
    system_tests::assert_downtime_within_prediction(&done);
    let resumed = done["t_ns"].as_u64().unwrap();
    let observed = run
        .events_named("deadline_miss")
        .iter()
        .filter(|miss| miss["vm"] == 2 && miss["t_ns"].as_u64().unwrap() >= resumed)
        .count() as u64;
    assert_eq!(observed, predicted, "misses as predicted");
    run.assert_line("[rtos1] DONE jobs=350");
    // Linux, on core 1, never noticed.
    run.assert_line(DONE);
    assert!(run.events_named("vm_restarted").is_empty());
    assert!(run.events_named("vm_fault").is_empty());
    assert_eq!(one_event(&run, "vm_stopped", 0)["reason"], "system_off");
}

#[test]
fn a_failed_linux_core_reboots_linux_on_the_spare_without_a_false_failure() {
    // Linux's core stops 300 ms in, while the kernel boots: Linux has no paravirtual RTOS, so
    // it is rebooted from its image and initramfs on the spare core 0. Reloading 40 MiB must
    // not look like a dead core (the reload beats the heartbeat).
    let config = Config::new().put(
        "u",
        "/hypervisor",
        "kairos,fault-plan",
        &["1", "300000", "0"],
    );
    let run = boot("linux-core-fault", Qemu::virt(3, 4).initrd(config.path()));
    let detected = run.events_named("fault_detected");
    assert_eq!(
        detected.len(),
        1,
        "only core 1 failed: {detected:?}\n{}",
        run.output
    );
    assert_eq!(detected[0]["failed_core"], 1);
    assert!(
        run.events_named("fenced").is_empty(),
        "no healthy core fenced itself"
    );
    let done = one_event(&run, "migration_done", 0);
    assert_eq!(
        (done["to"].as_u64(), done["resume"].as_str()),
        (Some(0), Some("reboot"))
    );
    let started: Vec<_> = run
        .events_named("vm_started")
        .into_iter()
        .filter(|event| event["vm"] == 0)
        .map(|event| event["core"].as_u64().unwrap())
        .collect();
    assert_eq!(started, [1, 0], "booted on core 1, rebooted on the spare");
    run.assert_line(DONE);
    assert_eq!(one_event(&run, "vm_stopped", 0)["reason"], "system_off");
    for vm in ["rtos0", "rtos1"] {
        run.assert_line(&format!("[{vm}] DONE jobs="));
    }
    assert!(run.events_named("deadline_miss").is_empty());
}

#[test]
fn linux_boots_beside_two_rtos_vms_on_raspi4b() {
    // QEMU raspi4b has RAM below 0x3c00_0000: the files go lower; the Pi has no PL031.
    let (image_at, ramdisk_at) = (0x3000_0000u64, 0x3300_0000u64);
    let config = Config::new()
        .remove("/hypervisor/linux/guest-dt")
        .delete("/hypervisor/linux", "kairos,devices")
        .delete("/hypervisor/linux", "kairos,interrupts")
        .put(
            "x",
            "/hypervisor/linux",
            "kairos,image-reg",
            &["0", "30000000", "0", "2800000"],
        )
        .put(
            "x",
            "/hypervisor/linux",
            "kairos,ramdisk-reg",
            &["0", "33000000", "0", "400000"],
        );
    let qemu = Qemu::raspi4b(&built("rpi4/platform.dtb"), 0).initrd(config.path());
    let run = boot_at("raspi4b", qemu, image_at, ramdisk_at);
    assert_linux_and_rtos(&run, 1);
}

#[test]
fn console_input_reaches_linuxs_shell_after_three_ctrl_a() {
    // QEMU's own console escape moves to Ctrl-T (-echr 20), as `make run` does, so that Ctrl-a
    // reaches Kairos.
    let config = Config::new().put(
        "s",
        "/hypervisor/linux",
        "kairos,bootargs",
        &["console=ttyAMA0 quiet kairos.shell"],
    );
    let qemu = Qemu::virt(3, 4)
        .initrd(config.path())
        .arg("-echr")
        .arg("20")
        .type_when("list of built-in commands", "status\r")
        .type_when("'rtos1': ", "\x01\x01\x01")
        .type_when(
            "console input goes to VM 0 'linux'",
            "echo typed-$((6 * 7))\r",
        )
        .type_when("[linux] typed-42", "exit\r");
    let run = boot("console-input", qemu);
    run.assert_line("vm 0 'linux': Running on cores [1], 256 MiB");
    run.assert_line("kairos: console input goes to VM 0 'linux' (Ctrl-a three times switches)");
    run.assert_line("[linux] typed-42");
    run.assert_line(DONE);
}
