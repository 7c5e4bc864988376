//! Conflicts between VMs: the first in device-tree order keeps the resource, the later is
//! rejected naming it, and every other VM still comes out.

mod common;

use common::*;
use partition_config::{ErrorKind, Range};

fn with(core: u32, extra: &str) -> String {
    format!("{} {extra}", good(core))
}

#[test]
fn a_core_given_to_two_vms() {
    let config = load_body(&[vm("a", &good(1)), vm("b", &good(1)), vm("c", &good(2))].concat());
    assert_eq!(names(&config), ["a", "c"]);
    let owner = "a".to_string();
    assert_eq!(
        errors_at(&config, "/hypervisor/b"),
        [("kairos,cpus", &ErrorKind::CoreTaken { core: 1, owner })]
    );
    assert_eq!(
        config.errors[0].to_string(),
        "b (/hypervisor/b): property 'kairos,cpus': core 1 is already owned by VM a"
    );
}

#[test]
fn overlapping_fixed_memory() {
    let config = load_body(
        &[
            vm("a", &with(1, "kairos,memory-base = <0x0 0x48000000>;")),
            vm("b", &with(2, "kairos,memory-base = <0x0 0x48800000>;")),
            vm("c", &with(3, "kairos,memory-base = <0x0 0x49000000>;")),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["a", "c"]);
    let kind = ErrorKind::MemoryTaken {
        owner: "a".into(),
        owner_range: Range::new(0x4800_0000, 16 * MIB),
    };
    assert_eq!(
        errors_at(&config, "/hypervisor/b"),
        [("kairos,memory-base", &kind)]
    );
}

#[test]
fn memory_and_images_of_other_vms() {
    let image_a = "kairos,cpus = <1>; kairos,memory-size = <0x0 0x01000000>; \
                   kairos,image-reg = <0x0 0x50000000 0x0 0x20000>;";
    let config = load_body(
        &[
            vm("a", image_a),
            vm("b", &with(2, "kairos,memory-base = <0x0 0x4f800000>;")),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["a"]);
    let kind = ErrorKind::MemoryOverlapsImage {
        owner: "a".into(),
        image: Range::new(0x5000_0000, 0x2_0000),
    };
    assert_eq!(
        errors_at(&config, "/hypervisor/b"),
        [("kairos,memory-base", &kind)]
    );

    let image_b = image_a
        .replace("<1>", "<2>")
        .replace("0x50000000", "0x48100000");
    let config = load_body(
        &[
            vm("a", &with(1, "kairos,memory-base = <0x0 0x48000000>;")),
            vm("b", &image_b),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["a"]);
    assert!(matches!(
        errors_at(&config, "/hypervisor/b")[..],
        [("kairos,image-reg", ErrorKind::ImageOverlapsMemory { .. })]
    ));
}

#[test]
fn a_device_passed_through_twice() {
    let uart = "kairos,devices = <0x0 0x09040000 0x0 0x1000>;";
    let config = load_body(
        &[
            vm("a", &with(1, uart)),
            vm("b", &with(2, uart)),
            vm("c", &good(3)),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["a", "c"]);
    let kind = ErrorKind::DeviceTaken {
        range: Range::new(0x0904_0000, 0x1000),
        owner: "a".into(),
    };
    assert_eq!(
        errors_at(&config, "/hypervisor/b"),
        [("kairos,devices", &kind)]
    );
}

#[test]
fn an_interrupt_owned_twice() {
    let config = load_body(
        &[
            vm("a", &with(1, "kairos,interrupts = <40 41>;")),
            vm("b", &with(2, "kairos,interrupts = <42 41>;")),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["a"]);
    let kind = ErrorKind::InterruptTaken {
        intid: 41,
        owner: "a".into(),
    };
    assert_eq!(
        errors_at(&config, "/hypervisor/b"),
        [("kairos,interrupts", &kind)]
    );
}

#[test]
fn duplicate_vm_names() {
    let config = load_body(&[vm("vm@0", &good(1)), vm("vm@1", &good(2))].concat());
    assert_eq!(config.vms.len(), 1);
    assert_eq!(config.vms[0].node_path, "/hypervisor/vm@0");
    let kind = ErrorKind::DuplicateName {
        name: "vm".into(),
        owner_path: "/hypervisor/vm@0".into(),
    };
    assert_eq!(errors_at(&config, "/hypervisor/vm@1"), [("", &kind)]);
    assert_eq!(
        config.errors[0].to_string(),
        "vm@1 (/hypervisor/vm@1): VM name \"vm\" is already used by /hypervisor/vm@0"
    );
}

#[test]
fn a_rejected_vm_claims_nothing() {
    let broken =
        "kairos,cpus = <1>; kairos,memory-size = <0x0 0x01000000>; kairos,image = \"nope\";";
    let config = load_body(&[vm("a", broken), vm("b", &good(1))].concat());
    assert_eq!(names(&config), ["b"]);
    assert_eq!(config.errors.len(), 1);
}

#[test]
fn valid_vms_survive_a_mix_of_bad_ones() {
    let config = load_body(
        &[
            vm("ok0", &good(0)),
            vm("bad_type", "kairos,cpus = \"1\"; kairos,memory-size = <0x0 0x1000000>; kairos,image = \"hello\";"),
            vm("ok1", &with(1, "kairos,interrupts = <50>;")),
            vm("bad_core", &good(9)),
            vm("bad_conflict", &with(2, "kairos,interrupts = <50>;")),
            vm("ok2", &good(2)),
            vm("bad_prop", &with(3, "kairos,speed = <9>;")),
            vm("ok3", &good(3)),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["ok0", "ok1", "ok2", "ok3"]);
    let rejected: Vec<&str> = config.errors.iter().map(|e| e.node_name()).collect();
    assert_eq!(rejected.len(), 4, "{:#?}", config.errors);
    for name in ["bad_type", "bad_core", "bad_conflict", "bad_prop"] {
        assert!(rejected.contains(&name), "{name}");
    }
    let bases: Vec<u64> = config
        .vms
        .iter()
        .map(|vm| vm.memory_base.unwrap())
        .collect();
    assert_eq!(bases, [0x4120_0000, 0x4220_0000, 0x4320_0000, 0x4420_0000]);
}
