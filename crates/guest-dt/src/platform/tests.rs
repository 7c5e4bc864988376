//! Unit tests of the virtual-platform description: checks, and node contents read back.

use super::*;
use crate::PassthroughDevice;
use alloc::vec;
use fdt::Fdt;

fn gic_v3() -> Gic {
    Gic::V3 {
        distributor: (0x0800_0000, 0x1_0000),
        redistributors: (0x080a_0000, 0xf6_0000),
    }
}

fn gic_v2() -> Gic {
    Gic::V2 {
        distributor: (0x0800_0000, 0x1_0000),
        cpu_interface: (0x0801_0000, 0x1_0000),
    }
}

fn platform(vcpus: u32, gic: Gic) -> VirtualPlatform {
    let memory = GuestMemory {
        ipa_base: 0x4000_0000,
        size: 0x100_0000,
    };
    VirtualPlatform::new("rtos0", 3, memory, vcpus, gic)
}

fn cells(value: &[u8]) -> Vec<u32> {
    value
        .chunks(4)
        .map(|cell| u32::from_be_bytes(cell.try_into().unwrap()))
        .collect()
}

#[test]
fn minimal_vm_reads_back() {
    let dtb = platform(1, gic_v3()).build().unwrap();
    let fdt = Fdt::new(&dtb).unwrap();
    assert_eq!(fdt.root().model(), "kairos,vm");
    let region = fdt.memory().regions().next().unwrap();
    assert_eq!(
        (region.starting_address as usize, region.size),
        (0x4000_0000, Some(0x100_0000))
    );
    assert_eq!(fdt.cpus().count(), 1);
    assert!(fdt.chosen().stdout().is_none());
    assert!(fdt.aliases().is_none());
    let psci = fdt.find_node("/psci").unwrap();
    assert_eq!(psci.property("method").unwrap().as_str(), Some("hvc"));
    let gic = fdt.find_compatible(&["arm,gic-v3"]).unwrap();
    let parent = fdt
        .root()
        .property("interrupt-parent")
        .unwrap()
        .as_usize()
        .unwrap();
    assert_eq!(fdt.find_phandle(parent as u32).unwrap().name, gic.name);
    let kairos = fdt.find_node("/kairos").unwrap();
    assert_eq!(kairos.property("vm-name").unwrap().as_str(), Some("rtos0"));
    assert_eq!(kairos.property("vm-id").unwrap().as_usize(), Some(3));
}

#[test]
fn cpus_have_mpidr_regs() {
    let dtb = platform(4, gic_v3()).build().unwrap();
    let fdt = Fdt::new(&dtb).unwrap();
    let ids: Vec<usize> = fdt.cpus().map(|cpu| cpu.ids().first()).collect();
    assert_eq!(ids, [0, 1, 2, 3]);
    for cpu in fdt.cpus() {
        assert_eq!(
            cpu.property("enable-method").unwrap().as_str(),
            Some("psci")
        );
    }
}

#[test]
fn timer_flags_follow_qemu() {
    let timer_cells = |platform: VirtualPlatform| {
        let dtb = platform.build().unwrap();
        let fdt = Fdt::new(&dtb).unwrap();
        cells(
            fdt.find_node("/timer")
                .unwrap()
                .property("interrupts")
                .unwrap()
                .value,
        )
    };
    assert_eq!(
        timer_cells(platform(2, gic_v3())),
        [1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4]
    );
    let v2 = timer_cells(platform(4, gic_v2()));
    assert_eq!(v2, [1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04]);
    assert_eq!(
        timer_cells(platform(2, gic_v2()))[2],
        0x304,
        "what QEMU writes for -smp 2"
    );
}

#[test]
fn console_with_clock_stdout_and_alias() {
    let mut vm = platform(1, gic_v3());
    vm.console = Some(Uart {
        base: 0x0900_0000,
        size: 0x1000,
        irq_spi: 1,
    });
    vm.bootargs = Some("console=ttyAMA0".into());
    let dtb = vm.build().unwrap();
    let fdt = Fdt::new(&dtb).unwrap();
    let uart = fdt.chosen().stdout().unwrap();
    assert_eq!(uart.name, "serial@9000000");
    assert_eq!(
        fdt.aliases().unwrap().resolve("serial0"),
        Some("/serial@9000000")
    );
    assert_eq!(fdt.chosen().bootargs(), Some("console=ttyAMA0"));
    assert_eq!(cells(uart.property("interrupts").unwrap().value), [0, 1, 4]);
    let clocks = cells(uart.property("clocks").unwrap().value);
    let clock = fdt.find_phandle(clocks[0]).unwrap();
    assert_eq!(
        clock.property("clock-frequency").unwrap().as_usize(),
        Some(24_000_000)
    );
    assert_eq!(clocks, [clocks[0]; 2]);
}

#[test]
fn passthrough_device() {
    let mut vm = platform(1, gic_v3());
    vm.passthrough.push(PassthroughDevice {
        name: "can".into(),
        compatible: vec!["vendor,can".into()],
        regions: vec![(0x1_0000_0000, 0x1000), (0x1_0000_2000, 0x100)],
        spis: vec![40, 41],
        properties: vec![(
            "clock-frequency".into(),
            8_000_000u32.to_be_bytes().to_vec(),
        )],
    });
    let dtb = vm.build().unwrap();
    let fdt = Fdt::new(&dtb).unwrap();
    let can = fdt.find_node("/can@100000000").unwrap();
    let regions: Vec<_> = can
        .reg()
        .unwrap()
        .map(|r| (r.starting_address as usize, r.size))
        .collect();
    assert_eq!(
        regions,
        [(0x1_0000_0000, Some(0x1000)), (0x1_0000_2000, Some(0x100))]
    );
    assert_eq!(
        cells(can.property("interrupts").unwrap().value),
        [0, 40, 4, 0, 41, 4]
    );
    assert_eq!(
        can.property("clock-frequency").unwrap().as_usize(),
        Some(8_000_000)
    );
}

#[test]
fn copied_phandles_are_kept_and_avoided() {
    let mut vm = platform(1, gic_v3());
    vm.extra_nodes
        .push(RawNode::new("tasks").with_child(RawNode::new("task@0").with_u32("phandle", 1)));
    let dtb = vm.build().unwrap();
    let fdt = Fdt::new(&dtb).unwrap();
    assert_eq!(fdt.find_phandle(1).unwrap().name, "task@0");
    let parent = fdt
        .root()
        .property("interrupt-parent")
        .unwrap()
        .as_usize()
        .unwrap();
    assert_eq!(parent, 2, "the GIC gets the next free phandle");
}

#[test]
fn invalid_descriptions_are_errors() {
    let check = |change: fn(&mut VirtualPlatform), error: DtError| {
        let mut vm = platform(2, gic_v3());
        change(&mut vm);
        assert_eq!(vm.build(), Err(error));
    };
    check(|vm| vm.vcpus = 0, DtError::NoVcpus);
    check(|vm| vm.vcpus = 17, DtError::TooManyVcpus { max: 16 });
    check(
        |vm| (vm.vcpus, vm.gic) = (9, gic_v2()),
        DtError::TooManyVcpus { max: 8 },
    );
    check(|vm| vm.memory.size = 0, DtError::EmptyRegion);
    check(|vm| vm.memory.ipa_base = u64::MAX, DtError::RegionOverflow);
    check(
        |vm| {
            vm.gic = Gic::V3 {
                distributor: (0x0800_0000, 0x1_0000),
                redistributors: (0x080a_0000, 0x2_0000),
            }
        },
        DtError::RedistributorsTooSmall,
    );
    check(
        |vm| {
            vm.console = Some(Uart {
                base: 0x0900_0000,
                size: 0x1000,
                irq_spi: 988,
            })
        },
        DtError::InvalidSpi(988),
    );
    check(
        |vm| {
            vm.passthrough.push(PassthroughDevice {
                name: "a@1".into(),
                ..Default::default()
            })
        },
        DtError::InvalidNodeName("a@1".into()),
    );
    check(
        |vm| {
            vm.passthrough.push(PassthroughDevice {
                name: "kairos".into(),
                ..Default::default()
            })
        },
        DtError::DuplicateNode("kairos".into()),
    );
    check(
        |vm| {
            vm.extra_nodes.push(
                RawNode::new("x")
                    .with_u32("phandle", 5)
                    .with_child(RawNode::new("y").with_u32("phandle", 5)),
            )
        },
        DtError::DuplicatePhandle(5),
    );
}

#[test]
fn chosen_names_the_initrd_and_a_fixed_gic_phandle_serves_copied_nodes() {
    let mut platform = VirtualPlatform::new(
        "linux",
        0,
        GuestMemory {
            ipa_base: 0x4000_0000,
            size: 0x1000_0000,
        },
        1,
        Gic::V3 {
            distributor: (0x0800_0000, 0x1_0000),
            redistributors: (0x080a_0000, 0x2_0000),
        },
    );
    platform.bootargs = Some("console=ttyAMA0 quiet".into());
    platform.initrd = Some((0x4220_0000, 0x4230_0000));
    platform.gic_phandle = Some(65000);
    platform.root_nodes.push(
        RawNode::new("rtc@9010000")
            .with_string("compatible", "arm,pl031")
            .with_u32("interrupt-parent", 65000),
    );
    let dtb = platform.build().unwrap();
    let tree = fdt::Fdt::new(&dtb).unwrap();
    let chosen = tree.find_node("/chosen").unwrap();
    let cell =
        |name: &str| u64::from_be_bytes(chosen.property(name).unwrap().value.try_into().unwrap());
    assert_eq!(cell("linux,initrd-start"), 0x4220_0000);
    assert_eq!(cell("linux,initrd-end"), 0x4230_0000);
    assert_eq!(tree.chosen().bootargs(), Some("console=ttyAMA0 quiet"));
    let gic = tree.find_node("/interrupt-controller@8000000").unwrap();
    assert_eq!(gic.property("phandle").unwrap().as_usize(), Some(65000));
    assert!(tree.find_node("/rtc@9010000").is_some());
}
