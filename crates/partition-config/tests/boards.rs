//! The QEMU virt board configurations: compile cleanly and give the VMs they promise.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use partition_config::{load, ErrorKind, ImageSource};

/// Compiles `boards/qemu-virt/<name>.dts` with plain dtc, asserting there is no warning.
fn board(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../boards/qemu-virt/{name}.dts"));
    let output = Command::new("dtc")
        .args(["-I", "dts", "-O", "dtb", "-o", "-"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "dtc warns: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn default_partitions() {
    let config = load(&board("partitions"), &virt()).unwrap();
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    assert_eq!(names(&config), ["rtos0", "rtos1", "rtos2"]);
    assert_eq!(config.log_level.as_deref(), Some("info"));
    for (core, vm) in (1..).zip(&config.vms) {
        assert_eq!(vm.cpus, [core]);
        assert_eq!(vm.memory_size, 4 * MIB);
        assert_eq!(vm.image, ImageSource::Builtin("rtos".into()));
        assert!(!vm.memory_fixed);
        assert!(vm.tasks.is_some(), "every demo VM runs a task set");
    }
    assert_eq!(config.health.heartbeat_ns, 200_000);
    assert_eq!(config.health.fault_plan.len(), 2);
    let bases: Vec<u64> = config
        .vms
        .iter()
        .map(|vm| vm.memory_base.unwrap())
        .collect();
    assert_eq!(bases, [0x4120_0000, 0x4160_0000, 0x41a0_0000]);
}

#[test]
fn bad_overlap_rejects_rtos1_only() {
    let config = load(&board("bad-overlap"), &virt()).unwrap();
    assert_eq!(names(&config), ["rtos0", "rtos2"]);
    let kind = ErrorKind::CoreTaken {
        core: 1,
        owner: "rtos0".into(),
    };
    assert_eq!(
        errors_at(&config, "/hypervisor/rtos1"),
        [("kairos,cpus", &kind)]
    );
    assert_eq!(config.errors.len(), 1);
    assert_eq!(
        config.errors[0].to_string(),
        "rtos1 (/hypervisor/rtos1): property 'kairos,cpus': core 1 is already owned by VM rtos0"
    );
}
