//! The properties a Linux guest needs: command line, initramfs, arm64 Image placement, the
//! guest-dt node, and the interrupts the hypervisor keeps.

mod common;

use common::*;
use partition_config::{load, ErrorKind, ImageCatalog, ImageSource, Range, IMAGE_HEADER_SIZE};

/// Built-in images with arm64 headers: "linux" (text_offset 0, 33 MiB footprint) and "old"
/// (text_offset 0x80000, image_size 0: pre-3.17).
struct Headers;

impl ImageCatalog for Headers {
    fn size_of(&self, name: &str) -> Option<u64> {
        IMAGES.size_of(name).or(match name {
            "linux" | "old" => Some(0x20_0000),
            _ => None,
        })
    }

    fn head(&self, source: &ImageSource) -> Option<[u8; IMAGE_HEADER_SIZE]> {
        let (text_offset, image_size) = match source {
            ImageSource::Builtin(name) if name == "linux" => (0u64, 0x210_0000u64),
            ImageSource::Builtin(name) if name == "old" => (0x8_0000, 0),
            _ => return None,
        };
        let mut head = [0u8; IMAGE_HEADER_SIZE];
        head[8..16].copy_from_slice(&text_offset.to_le_bytes());
        head[16..24].copy_from_slice(&image_size.to_le_bytes());
        head[56..60].copy_from_slice(b"ARM\x64");
        Some(head)
    }
}

fn load_linux(body: &str) -> partition_config::Config {
    let mut platform = virt();
    platform.images = &Headers;
    load(&dtb(&tree(body)), &platform).expect("loads")
}

const LINUX: &str =
    "kairos,cpus = <1>; kairos,memory-size = <0x0 0x08000000>; kairos,image = \"linux\";";
const RAMDISK: &str = "kairos,ramdisk-reg = <0x0 0x70000000 0x0 0x00200000>;";

#[test]
fn a_linux_vm_gets_its_command_line_initramfs_and_header_placement() {
    let config = load_linux(&vm(
        "linux",
        &format!("{LINUX} {RAMDISK} kairos,bootargs = \"console=ttyAMA0 quiet\"; kairos,image-file = \"build/linux/Image\";"),
    ));
    assert!(config.errors.is_empty(), "{:?}", config.errors);
    let vm = &config.vms[0];
    assert_eq!(vm.bootargs.as_deref(), Some("console=ttyAMA0 quiet"));
    assert_eq!(vm.ramdisk, Some(Range::new(0x7000_0000, 0x20_0000)));
    assert_eq!(
        vm.load_offset, 0,
        "text_offset 0 above the 2 MiB-aligned RAM base"
    );
    assert_eq!(
        vm.image_footprint, 0x210_0000,
        "the header's image_size, BSS included"
    );
    assert_eq!(
        vm.ramdisk_offset(),
        Some(0x210_0000),
        "just after the footprint"
    );
    assert_eq!(vm.loaded_end(), Some(0x230_0000));
    // Placement keeps VM RAM off the initramfs the boot loader placed.
    assert!(!vm.memory().unwrap().overlaps(&vm.ramdisk.unwrap()));
}

#[test]
fn the_header_placement_follows_the_ipa_base_unless_the_offset_is_given() {
    let config = load_linux(&vm(
        "linux",
        &format!("{LINUX} kairos,ipa-base = <0x0 0x40100000>;"),
    ));
    assert_eq!(config.vms[0].load_offset, 0x10_0000, "next 2 MiB boundary");
    let config = load_linux(&vm(
        "linux",
        &format!("{LINUX} kairos,load-offset = <0x1000>;"),
    ));
    assert_eq!(config.vms[0].load_offset, 0x1000, "kairos,load-offset wins");
    let config = load_linux(&vm(
        "old",
        "kairos,cpus = <1>; kairos,memory-size = <0x0 0x01000000>; kairos,image = \"old\";",
    ));
    assert_eq!(config.vms[0].load_offset, 0x8_0000);
    assert_eq!(
        config.vms[0].image_footprint, 0x20_0000,
        "no image_size: the file size"
    );
}

#[test]
fn every_malformed_value_names_node_and_property_and_spares_the_other_vms() {
    let cases: &[(&str, &str, fn(&ErrorKind) -> bool)] = &[
        ("kairos,bootargs = <1>;", "kairos,bootargs", |k| {
            matches!(k, ErrorKind::WrongType { .. })
        }),
        (
            "kairos,ramdisk-reg = <0x0 0x70000000>;",
            "kairos,ramdisk-reg",
            |k| matches!(k, ErrorKind::WrongType { .. }),
        ),
        (
            "kairos,ramdisk-reg = <0x0 0x70000000 0x0 0x0>;",
            "kairos,ramdisk-reg",
            |k| *k == ErrorKind::ZeroSize,
        ),
        (
            "kairos,ramdisk-reg = <0x1 0x0 0x0 0x1000>;",
            "kairos,ramdisk-reg",
            |k| matches!(k, ErrorKind::OutsideRam { .. }),
        ),
        (
            "kairos,ramdisk-reg = <0x0 0x70000000 0x0 0x07000000>;",
            "kairos,ramdisk-reg",
            |k| matches!(k, ErrorKind::RamdiskTooLarge { .. }),
        ),
        ("kairos,ramdisk-file = <7>;", "kairos,ramdisk-file", |k| {
            matches!(k, ErrorKind::WrongType { .. })
        }),
        ("kairos,interrupts = <33>;", "kairos,interrupts", |k| {
            matches!(k, ErrorKind::InterruptReserved { intid: 33, .. })
        }),
        ("kairos,interrupts = <25>;", "kairos,interrupts", |k| {
            matches!(
                k,
                ErrorKind::InterruptReserved {
                    intid: 25,
                    what: "the GIC maintenance interrupt"
                }
            )
        }),
    ];
    for (property_text, property, expected) in cases {
        let config = load_linux(&format!(
            "{}{}",
            vm("linux", &format!("{LINUX} {property_text}")),
            vm("rtos", &good(2))
        ));
        assert_eq!(
            names(&config),
            ["rtos"],
            "{property_text}: {:?}",
            config.errors
        );
        let errors = errors_at(&config, "/hypervisor/linux");
        assert_eq!(errors.len(), 1, "{property_text}: {errors:?}");
        assert_eq!(errors[0].0, *property, "{property_text}");
        assert!(expected(errors[0].1), "{property_text}: {:?}", errors[0].1);
    }
    let long = "x".repeat(2048);
    let config = load_linux(&vm(
        "linux",
        &format!("{LINUX} kairos,bootargs = \"{long}\";"),
    ));
    assert_eq!(
        errors_at(&config, "/hypervisor/linux"),
        [(
            "kairos,bootargs",
            &ErrorKind::TooLong {
                length: 2048,
                max: 2047
            }
        )]
    );
    let message = config.errors[0].to_string();
    assert!(
        message.contains("linux (/hypervisor/linux): property 'kairos,bootargs'"),
        "{message}"
    );
}

#[test]
fn a_ramdisk_may_not_lie_in_vm_memory() {
    let config = load_linux(&format!(
        "{}{}",
        vm(
            "rtos",
            &format!("{} kairos,memory-base = <0x0 0x70000000>;", good(2))
        ),
        vm("linux", &format!("{LINUX} {RAMDISK}")),
    ));
    assert_eq!(names(&config), ["rtos"]);
    let errors = errors_at(&config, "/hypervisor/linux");
    assert!(
        matches!(
            errors[..],
            [(
                "kairos,ramdisk-reg",
                ErrorKind::RamdiskOverlapsMemory { .. }
            )]
        ),
        "{errors:?}"
    );
}

const RTC: &str = "kairos,devices = <0x0 0x09010000 0x0 0x1000>; kairos,interrupts = <34>;";

fn guest_dt_errors(nodes: &str) -> Vec<(String, String, ErrorKind)> {
    let config = load_linux(&vm(
        "linux",
        &format!("{LINUX} {RTC} guest-dt {{ {nodes} }};"),
    ));
    config
        .errors
        .iter()
        .map(|e| (e.node.clone(), e.property.clone(), e.kind.clone()))
        .collect()
}

#[test]
fn guest_dt_nodes_are_checked_before_they_reach_the_guest() {
    let rtc = "rtc@9010000 { compatible = \"arm,pl031\"; reg = <0x0 0x09010000 0x0 0x1000>; \
               interrupt-parent = <65000>; interrupts = <0 2 4>; clocks = <0x100>; }; \
               clock { compatible = \"fixed-clock\"; #clock-cells = <0>; phandle = <0x100>; };";
    assert!(
        guest_dt_errors(rtc).is_empty(),
        "{:?}",
        guest_dt_errors(rtc)
    );
    let path = "/hypervisor/linux/guest-dt";
    let cases: &[(&str, &str, &str, ErrorKind)] = &[
        (
            "chosen { bootargs = \"x\"; };",
            "/chosen",
            "",
            ErrorKind::GuestDtNodeTaken {
                name: "chosen".into(),
            },
        ),
        (
            "serial@9000000 { };",
            "/serial@9000000",
            "",
            ErrorKind::GuestDtNodeTaken {
                name: "serial@9000000".into(),
            },
        ),
        (
            "a { phandle = <65000>; };",
            "/a",
            "phandle",
            ErrorKind::PhandleTaken { phandle: 65000 },
        ),
        (
            "a { interrupt-parent = <7>; };",
            "/a",
            "interrupt-parent",
            ErrorKind::UnknownPhandle { phandle: 7 },
        ),
        (
            "a { interrupts = <0 3 4>; };",
            "/a",
            "interrupts",
            ErrorKind::InterruptNotOwned { kind: 0, number: 3 },
        ),
        (
            "a { interrupts = <1 9 4>; };",
            "/a",
            "interrupts",
            ErrorKind::InterruptNotOwned { kind: 1, number: 9 },
        ),
        (
            "#address-cells = <1>;",
            "",
            "#address-cells",
            ErrorKind::GuestDtProperty,
        ),
    ];
    for (nodes, node, property, kind) in cases {
        let errors = guest_dt_errors(nodes);
        assert_eq!(
            errors,
            [(format!("{path}{node}"), property.to_string(), kind.clone())],
            "{nodes}"
        );
    }
    // Interrupts of a node whose parent is another guest-dt node are that controller's.
    let nested = "gpio { interrupt-controller; phandle = <9>; }; \
                  key { interrupt-parent = <9>; interrupts = <3 1>; };";
    assert!(guest_dt_errors(nested).is_empty());
}
