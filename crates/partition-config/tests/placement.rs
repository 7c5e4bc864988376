//! Placement of VMs without a fixed base: first fit, 2 MiB aligned, around everything taken.

mod common;

use common::*;
use partition_config::{load, place, ErrorKind, Range};

fn sized(core: u32, size: &str) -> String {
    format!("kairos,cpus = <{core}>; kairos,memory-size = <{size}>; kairos,image = \"hello\";")
}

#[test]
fn first_fit_above_the_hypervisor() {
    let config = load_body(&[vm("a", &good(1)), vm("b", &good(2)), vm("c", &good(3))].concat());
    let memory: Vec<Range> = config.vms.iter().map(|vm| vm.memory().unwrap()).collect();
    assert_eq!(
        memory,
        [
            Range::new(0x4120_0000, 16 * MIB),
            Range::new(0x4220_0000, 16 * MIB),
            Range::new(0x4320_0000, 16 * MIB),
        ]
    );
}

#[test]
fn placement_goes_around_fixed_memory_and_images() {
    let image = "kairos,cpus = <2>; kairos,memory-size = <0x0 0x01000000>; \
                 kairos,image-reg = <0x0 0x42200000 0x0 0x100000>;";
    let config = load_body(
        &[
            vm("placed", &good(1)),
            vm(
                "fixed",
                &format!("{} kairos,memory-base = <0x0 0x41200000>;", good(3)),
            ),
            vm("loaded", image),
        ]
        .concat(),
    );
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    let base = |name: &str| {
        config
            .vms
            .iter()
            .find(|vm| vm.name == name)
            .unwrap()
            .memory_base
    };
    assert_eq!(base("fixed"), Some(0x4120_0000));
    // 0x4220_0000..0x4230_0000 holds the image, so the first VM goes above it.
    assert_eq!(base("placed"), Some(0x4240_0000));
    assert_eq!(base("loaded"), Some(0x4340_0000));
}

#[test]
fn total_memory_exceeding_ram() {
    let quarter = "0x0 0x18000000"; // 384 MiB: two fit in 1 GiB minus the hypervisor, three do not
    let config = load_body(
        &[
            vm("a", &sized(1, quarter)),
            vm("b", &sized(2, quarter)),
            vm("c", &sized(3, quarter)),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["a", "b"]);
    let kind = ErrorKind::NoRoomForMemory { size: 0x1800_0000 };
    assert_eq!(
        errors_at(&config, "/hypervisor/c"),
        [("kairos,memory-size", &kind)]
    );
    assert_eq!(
        config.errors[0].to_string(),
        "c (/hypervisor/c): property 'kairos,memory-size': no free 2 MiB-aligned RAM left for 0x18000000 bytes"
    );
}

#[test]
fn a_smaller_vm_still_fits_after_a_failed_one() {
    let config = load_body(
        &[
            vm("big", &sized(1, "0x0 0x40000000")),
            vm("small", &good(2)),
        ]
        .concat(),
    );
    assert_eq!(names(&config), ["small"]);
    assert_eq!(config.vms[0].memory_base, Some(0x4120_0000));
}

#[test]
fn placing_again_changes_nothing() {
    let mut config = load_body(&[vm("a", &good(1)), vm("b", &good(2))].concat());
    let before = config.clone();
    place(&mut config, &virt());
    assert_eq!(config, before);
}

#[test]
fn ram_in_several_regions() {
    let ram = [
        Range::new(0x4000_0000, 20 * MIB),
        Range::new(0x8000_0000, 64 * MIB),
    ];
    let platform = partition_config::PlatformView {
        ram: &ram,
        ..virt()
    };
    let config = load(
        &dtb(&tree(&[vm("a", &good(1)), vm("b", &good(2))].concat())),
        &platform,
    )
    .unwrap();
    // 0x4120_0000 + 16 MiB would pass the end of the first region (0x4140_0000).
    let bases: Vec<_> = config
        .vms
        .iter()
        .map(|vm| vm.memory_base.unwrap())
        .collect();
    assert_eq!(bases, [0x8000_0000, 0x8100_0000]);
}
