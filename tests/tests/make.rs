//! What a user types: `make check` on every shipped and every bad config, `make run` refusing a
//! config with errors unless FORCE=1, `make debug` stopping in the hypervisor and in a guest,
//! and `make help` naming every target and variable. Each runs the real Makefile in the build
//! directory `make test` made (one make at a time: they share files).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use system_tests::{built, root, tool, virt_dtb, Scratch};

/// One make at a time: two would rebuild the same files under each other.
static MAKE: Mutex<()> = Mutex::new(());

/// What one make printed (stdout and stderr together) and whether it succeeded.
struct Made {
    output: String,
    success: bool,
}

/// The build directory and cargo root `make test` used.
fn dirs() -> (PathBuf, PathBuf) {
    let out = built("qemu-virt/Image")
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf();
    let target = std::env::var_os("KAIROS_TARGET_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    (out, target)
}

/// Runs `make args...` at the workspace root with OUT and TARGET_ROOT set to `make test`'s.
fn make(args: &[&str]) -> Made {
    let (out, target) = dirs();
    make_in(&out, &target, args)
}

fn make_in(out: &Path, target: &Path, args: &[&str]) -> Made {
    let _one = MAKE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let output = Command::new("make")
        .current_dir(root())
        .arg("--no-print-directory")
        .arg(format!("OUT={}", out.display()))
        .arg(format!("TARGET_ROOT={}", target.display()))
        .arg("IMAGE_SET=test") // the Image make test built: nothing rebuilt under other tests
        .args(args)
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
        .output()
        .expect("make is installed");
    Made {
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        success: output.status.success(),
    }
}

/// The checker's lines about `config`: its verdict line.
fn verdict<'a>(made: &'a Made, config: &str) -> &'a str {
    made.output
        .lines()
        .find(|line| line.starts_with(&format!("{config}: ")))
        .unwrap_or_else(|| panic!("no verdict for {config}:\n{}", made.output))
}

#[test]
fn make_check_passes_the_shipped_config_of_every_board() {
    for board in ["qemu-virt", "rpi4", "imx8mp"] {
        let config = format!("boards/{board}/partitions.dts");
        let made = make(&["check", &format!("BOARD={board}")]);
        assert!(made.success, "make check BOARD={board}:\n{}", made.output);
        assert_eq!(
            verdict(&made, &config),
            format!("{config}: no errors; 3 VM(s) would start")
        );
    }
    // The Pi's firmware overlay merged into the board's DTB, as the firmware passes it: the
    // config and the platform are then one file.
    let merged = Scratch::new("rpi4-overlay-merged.dtb");
    let merged_path = merged.path().to_str().unwrap();
    tool(
        "fdtoverlay",
        &[
            "-i",
            built("rpi4/platform.dtb").to_str().unwrap(),
            "-o",
            merged_path,
            built("rpi4/boot/overlays/kairos-partitions.dtbo")
                .to_str()
                .unwrap(),
        ],
    );
    let made = make(&[
        "check",
        "BOARD=rpi4",
        &format!("CONFIG={merged_path}"),
        &format!("PLATFORM_DTB={merged_path}"),
    ]);
    assert!(made.success, "{}", made.output);
    assert!(verdict(&made, merged_path).ends_with("no errors; 3 VM(s) would start"));
}

#[test]
fn make_check_passes_every_test_config_on_the_machine_it_is_written_for() {
    let mut configs: Vec<String> = std::fs::read_dir(root().join("tests/configs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "dts"))
        .map(|path| {
            format!(
                "tests/configs/{}",
                path.file_name().unwrap().to_str().unwrap()
            )
        })
        .filter(|path| !path.ends_with("many-errors.dts") && !path.ends_with("eight-vms.dts"))
        .collect();
    configs.sort();
    assert!(configs.len() > 20, "{configs:?}");
    let made = make(&["check", &format!("CONFIG={}", configs.join(" "))]);
    assert!(made.success, "{}", made.output);
    for config in &configs {
        assert!(
            verdict(&made, config).contains(": no errors;"),
            "{}",
            made.output
        );
    }
    // eight-vms needs eight cores: QEMU virt's DTB with -smp 8.
    let eight = Scratch::new("virt-8.dtb");
    virt_dtb(8, eight.path());
    let config = "tests/configs/eight-vms.dts";
    let made = make(&[
        "check",
        &format!("CONFIG={config}"),
        &format!("PLATFORM_DTB={}", eight.path().display()),
    ]);
    assert!(made.success, "{}", made.output);
    assert!(verdict(&made, config).ends_with("no errors; 7 VM(s) would start"));
    // ... and on the 4-core machine of `make run` it names each VM whose core is missing.
    let made = make(&["check", &format!("CONFIG={config}")]);
    assert!(!made.success);
    for vm in ["vm4", "vm5", "vm6", "vm7"] {
        let line = format!("error: {vm} (/hypervisor/{vm}): property 'kairos,cpus': core");
        assert!(made.output.contains(&line), "{line}\n{}", made.output);
    }
}

#[test]
fn make_check_fails_on_every_bad_config_naming_node_and_property() {
    let made = make(&["check", "CONFIG=boards/qemu-virt/bad-overlap.dts"]);
    assert!(!made.success, "{}", made.output);
    assert!(made.output.contains(
        "error: rtos1 (/hypervisor/rtos1): property 'kairos,cpus': core 1 is already owned by VM rtos0"
    ));
    assert_eq!(
        verdict(&made, "boards/qemu-virt/bad-overlap.dts"),
        "boards/qemu-virt/bad-overlap.dts: 1 error; 2 VM(s) would start"
    );

    let made = make(&["check", "CONFIG=tests/configs/many-errors.dts"]);
    assert!(!made.success);
    for (vm, property) in [
        ("nocore", "kairos,cpus"),
        ("overhyp", "kairos,memory-base"),
        ("noimage", "kairos,image"),
        ("badtype", "kairos,cpus"),
    ] {
        let line = format!("error: {vm} (/hypervisor/{vm}): property '{property}': ");
        assert!(made.output.contains(&line), "{line}\n{}", made.output);
    }
    assert!(
        verdict(&made, "tests/configs/many-errors.dts").ends_with("4 errors; 1 VM(s) would start")
    );

    // Not a partition config at all, and a source dtc cannot compile.
    let made = make(&["check", "BOARD=rpi4", "CONFIG=boards/rpi4/platform.dts"]);
    assert!(!made.success);
    assert!(
        made.output
            .contains("error: /: no node with compatible \"kairos,hypervisor\""),
        "{}",
        made.output
    );
    let broken = Scratch::new("broken.dts");
    std::fs::write(broken.path(), "/dts-v1/;\n/ {\n\thypervisor {\n};\n").unwrap();
    let made = make(&["check", &format!("CONFIG={}", broken.path().display())]);
    assert!(!made.success);
    assert!(
        made.output.contains("dtc cannot compile it"),
        "{}",
        made.output
    );
}

#[test]
fn make_run_stops_on_a_config_with_errors_unless_forced() {
    // Its own build directory and cargo directory: the image has the bad config built in.
    let (out, target) = dirs();
    let out = out.join("make-run-test");
    let cargo = target.join("make-run-test");
    let bad = "CONFIG=boards/qemu-virt/bad-overlap.dts";
    let cargo_dir = format!("CARGO_DIR={}", cargo.display());
    let made = make_in(&out, &target, &["run", bad, &cargo_dir]);
    assert!(!made.success, "{}", made.output);
    assert!(made.output.contains(
        "make run: boards/qemu-virt/bad-overlap.dts has errors (above): fix them, or boot the VMs that are valid with FORCE=1"
    ), "{}", made.output);
    assert!(made
        .output
        .contains("property 'kairos,cpus': core 1 is already owned by VM rtos0"));
    assert!(
        !made.output.contains("make run: booting"),
        "{}",
        made.output
    );

    let made = make_in(&out, &target, &["run", bad, &cargo_dir, "FORCE=1"]);
    assert!(made.success, "{}", made.output);
    assert!(made
        .output
        .contains("make run: FORCE=1: booting the VMs that are valid"));
    assert!(
        made.output.contains("\"ev\":\"config_error\""),
        "{}",
        made.output
    );
    for vm in ["rtos0", "rtos2"] {
        assert!(
            made.output.contains(&format!("[{vm}] hello done")),
            "{}",
            made.output
        );
    }
}

#[test]
fn make_debug_stops_in_the_hypervisor_and_in_a_guest() {
    let commands = Scratch::new("debug.gdb");
    std::fs::write(
        commands.path(),
        "hyp-break kairos_primary_main\ncontinue\nel\ndelete\nguest-break guest_main\ncontinue\nel\ninfo threads\n",
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let made = make(&[
        "debug",
        &format!("DEBUG_PORT={port}"),
        &format!("GDB_FLAGS=-batch -x {}", commands.path().display()),
    ]);
    assert!(made.success, "{}", made.output);
    let stops: Vec<&str> = made
        .output
        .lines()
        .filter(|l| l.starts_with("EL"))
        .collect();
    assert_eq!(stops, ["EL2", "EL1"], "{}", made.output);
    assert!(
        made.output.contains("hit Breakpoint 1, "),
        "{}",
        made.output
    );
    // The guest's own source: its symbols are loaded where its VM runs it.
    assert!(
        made.output.contains("guest-paravirt/src/bin/rtos.rs"),
        "{}",
        made.output
    );
    assert!(
        made.output.contains("(CPU#1 [running]) rtos::guest"),
        "core 1 runs rtos0:\n{}",
        made.output
    );
}

#[test]
fn make_help_names_every_target_and_variable() {
    let made = make(&["help"]);
    assert!(made.success, "{}", made.output);
    let makefile = std::fs::read_to_string(root().join("Makefile")).unwrap();
    let phony: Vec<&str> = makefile
        .lines()
        .filter_map(|line| line.strip_prefix(".PHONY:"))
        .flat_map(str::split_whitespace)
        .collect();
    assert!(phony.len() > 10, "{phony:?}");
    for target in phony {
        assert!(
            made.output.contains(&format!("make {target} "))
                || made.output.contains(&format!("| {target} "))
                || made.output.contains(&format!(" {target}   ")),
            "make help does not name the target {target}:\n{}",
            made.output
        );
    }
    let variables: Vec<&str> = makefile
        .lines()
        .filter_map(|line| line.split_once("?="))
        .map(|(name, _)| name.trim())
        .collect();
    assert!(variables.len() > 8, "{variables:?}");
    for variable in variables
        .iter()
        .chain(&["FORCE", "GDB_FLAGS", "CONSOLE_SERIAL"])
    {
        assert!(
            made.output.contains(variable),
            "make help does not name the variable {variable}:\n{}",
            made.output
        );
    }
}
