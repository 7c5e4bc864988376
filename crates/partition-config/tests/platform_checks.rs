//! Checks of one VM against the platform: cores, memory, devices, interrupts, image, entry.

mod common;

use common::*;
use partition_config::{ErrorKind, Range};

const SIZE: &str = "kairos,memory-size = <0x0 0x01000000>;";
const IMAGE: &str = "kairos,image = \"hello\";";

fn error_of(properties: &str) -> (String, ErrorKind) {
    single_error(properties)
}

fn one(property: &str, kind: ErrorKind) -> (String, ErrorKind) {
    (property.to_string(), kind)
}

#[test]
fn cores() {
    let error = error_of(&format!("kairos,cpus = <1 4>; {SIZE} {IMAGE}"));
    assert_eq!(
        error,
        one(
            "kairos,cpus",
            ErrorKind::CoreDoesNotExist {
                core: 4,
                cpu_count: 4
            }
        )
    );
    let error = error_of(&format!("kairos,cpus = <>; {SIZE} {IMAGE}"));
    assert_eq!(error, one("kairos,cpus", ErrorKind::NoCores));
    let error = error_of(&format!("kairos,cpus = <2 2>; {SIZE} {IMAGE}"));
    assert_eq!(
        error,
        one("kairos,cpus", ErrorKind::CoreListedTwice { core: 2 })
    );
}

#[test]
fn memory_size() {
    let error = error_of(&format!(
        "kairos,cpus = <1>; kairos,memory-size = <0x0 0x0>; {IMAGE}"
    ));
    assert_eq!(error.1, ErrorKind::ZeroSize);
    let error = error_of(&format!(
        "kairos,cpus = <1>; kairos,memory-size = <0x0 0x01000800>; {IMAGE}"
    ));
    assert_eq!(
        error,
        one(
            "kairos,memory-size",
            ErrorKind::Misaligned {
                value: 0x0100_0800,
                align: 0x1000
            }
        )
    );
}

#[test]
fn fixed_memory_base() {
    let with_base = |base: &str| format!("{} kairos,memory-base = <{base}>;", good(1));
    let error = error_of(&with_base("0x0 0x48000800"));
    assert_eq!(
        error,
        one(
            "kairos,memory-base",
            ErrorKind::Misaligned {
                value: 0x4800_0800,
                align: 0x1000
            }
        )
    );
    let error = error_of(&with_base("0x0 0x20000000"));
    assert_eq!(
        error.1,
        ErrorKind::OutsideRam {
            range: Range::new(0x2000_0000, 16 * MIB)
        }
    );
    let error = error_of(&with_base("0x0 0x7f800000"));
    assert_eq!(
        error.1,
        ErrorKind::OutsideRam {
            range: Range::new(0x7f80_0000, 16 * MIB)
        }
    );
    let error = error_of(&with_base("0x0 0x40800000"));
    let range = Range::new(0x4080_0000, 16 * MIB);
    assert_eq!(
        error,
        one(
            "kairos,memory-base",
            ErrorKind::OverlapsReserved {
                range,
                reserved: RESERVED[0]
            }
        )
    );
    let error = error_of(&with_base("0xffffffff 0xfff00000"));
    assert!(matches!(error.1, ErrorKind::AddressOverflow { .. }));
}

#[test]
fn ipa_base_and_load_offset_alignment() {
    let error = error_of(&format!("{} kairos,ipa-base = <0x0 0x40000010>;", good(1)));
    assert_eq!(
        error,
        one(
            "kairos,ipa-base",
            ErrorKind::Misaligned {
                value: 0x4000_0010,
                align: 0x1000
            }
        )
    );
    let error = error_of(&format!("{} kairos,load-offset = <0x80010>;", good(1)));
    assert_eq!(
        error,
        one(
            "kairos,load-offset",
            ErrorKind::Misaligned {
                value: 0x8_0010,
                align: 0x1000
            }
        )
    );
}

#[test]
fn passthrough_devices() {
    let devices = |list: &str| format!("{} kairos,devices = <{list}>;", good(1));
    let range = Range::new(0x0905_0000, 0x1000);
    let error = error_of(&devices("0x0 0x09050000 0x0 0x1000"));
    assert_eq!(
        error,
        one("kairos,devices", ErrorKind::DeviceNotOnPlatform { range })
    );
    let range = UART0;
    let error = error_of(&devices("0x0 0x09000000 0x0 0x1000"));
    assert_eq!(
        error,
        one(
            "kairos,devices",
            ErrorKind::DeviceReserved {
                range,
                reserved: UART0
            }
        )
    );
    let error = error_of(&devices("0x0 0x09040800 0x0 0x800"));
    assert_eq!(
        error.1,
        ErrorKind::Misaligned {
            value: 0x0904_0800,
            align: 0x1000
        }
    );
    let error = error_of(&devices("0x0 0x09040000 0x0 0x0"));
    assert_eq!(error.1, ErrorKind::ZeroSize);
    let error = error_of(&devices(
        "0x0 0x09040000 0x0 0x1000 0x0 0x09040000 0x0 0x1000",
    ));
    assert_eq!(
        error.1,
        ErrorKind::DeviceListedTwice {
            range: Range::new(0x0904_0000, 0x1000)
        }
    );
    let error = error_of(&devices("0x0 0x09030000 0x0 0x2000"));
    assert!(
        matches!(error.1, ErrorKind::DeviceNotOnPlatform { .. }),
        "gap at 0x09031000"
    );
    // A page holding two sub-page devices is a device of the platform.
    assert!(single_vm_errors(&devices("0x0 0x0a000000 0x0 0x1000")).is_empty());
}

#[test]
fn interrupts() {
    let interrupts = |list: &str| format!("{} kairos,interrupts = <{list}>;", good(1));
    assert_eq!(
        error_of(&interrupts("27")),
        one(
            "kairos,interrupts",
            ErrorKind::InterruptNotSpi { intid: 27 }
        )
    );
    assert_eq!(
        error_of(&interrupts("288")).1,
        ErrorKind::InterruptOutOfRange {
            intid: 288,
            max: 287
        }
    );
    assert_eq!(
        error_of(&interrupts("1020")).1,
        ErrorKind::InterruptOutOfRange {
            intid: 1020,
            max: 287
        }
    );
    assert_eq!(
        error_of(&interrupts("40 41 40")).1,
        ErrorKind::InterruptListedTwice { intid: 40 }
    );
    assert!(single_vm_errors(&interrupts("32 287")).is_empty());
}

#[test]
fn builtin_images() {
    let error = error_of(&format!(
        "kairos,cpus = <1>; {SIZE} kairos,image = \"nope\";"
    ));
    assert_eq!(
        error,
        one(
            "kairos,image",
            ErrorKind::UnknownImage {
                name: "nope".into()
            }
        )
    );
    let error = error_of(&format!(
        "kairos,cpus = <1>; {SIZE} kairos,image = \"huge\";"
    ));
    let (image_size, load_offset, memory_size) = (20 * MIB, 0x8_0000, 16 * MIB);
    assert_eq!(
        error,
        one(
            "kairos,image",
            ErrorKind::ImageTooLarge {
                image_size,
                load_offset,
                memory_size
            }
        )
    );
    // 1 MiB fits in 1 MiB only without the default load offset.
    let small =
        "kairos,cpus = <1>; kairos,memory-size = <0x0 0x100000>; kairos,image = \"rtos-demo\";";
    assert!(matches!(error_of(small).1, ErrorKind::ImageTooLarge { .. }));
    assert!(single_vm_errors(&format!("{small} kairos,load-offset = <0>;")).is_empty());
}

#[test]
fn images_in_memory() {
    let reg = |reg: &str, extra: &str| {
        format!("kairos,cpus = <1>; {SIZE} kairos,image-reg = <{reg}>; {extra}")
    };
    let error = error_of(&reg("0x0 0x90000000 0x0 0x20000", ""));
    assert_eq!(
        error,
        one(
            "kairos,image-reg",
            ErrorKind::OutsideRam {
                range: Range::new(0x9000_0000, 0x2_0000)
            }
        )
    );
    let error = error_of(&reg("0x0 0x40100000 0x0 0x20000", ""));
    assert!(matches!(error.1, ErrorKind::OverlapsReserved { .. }));
    let error = error_of(&reg("0x0 0x50000000 0x0 0x01000000", ""));
    assert!(matches!(error.1, ErrorKind::ImageTooLarge { .. }));
    let error = error_of(&reg("0x0 0x50000000 0x0 0x0", ""));
    assert_eq!(error, one("kairos,image-reg", ErrorKind::ZeroSize));
    assert!(single_vm_errors(&reg("0x0 0x50000000 0x0 0x20000", "")).is_empty());
    // Already at its load address inside the VM's own RAM: allowed, nothing to copy.
    let in_place = reg(
        "0x0 0x48080000 0x0 0x20000",
        "kairos,memory-base = <0x0 0x48000000>;",
    );
    let config = load_body(&vm("test", &in_place));
    assert!(
        config.errors.is_empty() && config.vms[0].image_in_place(),
        "{config:#?}"
    );
    // Inside its own RAM elsewhere: the copy would overwrite itself.
    let error = error_of(&reg(
        "0x0 0x48100000 0x0 0x20000",
        "kairos,memory-base = <0x0 0x48000000>;",
    ));
    assert!(matches!(error.1, ErrorKind::ImageOverlapsMemory { ref owner, .. } if owner == "test"));
}

#[test]
fn entry_point() {
    let error = error_of(&format!("{} kairos,entry = <0x0 0x41000000>;", good(1)));
    let ipa = Range::new(0x4000_0000, 16 * MIB);
    assert_eq!(
        error,
        one(
            "kairos,entry",
            ErrorKind::EntryOutsideRam {
                entry: 0x4100_0000,
                ipa
            }
        )
    );
    let error = error_of(&format!("{} kairos,entry = <0x0 0x3ffff000>;", good(1)));
    assert!(matches!(error.1, ErrorKind::EntryOutsideRam { .. }));
    assert!(single_vm_errors(&format!("{} kairos,entry = <0x0 0x40ffeffc>;", good(1))).is_empty());
}
