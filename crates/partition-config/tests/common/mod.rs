//! Test helpers: DTS text compiled with dtc, and a platform shaped like QEMU virt.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use partition_config::{load, Config, ConfigError, ErrorKind, PlatformView, Range, StaticImages};

pub const MIB: u64 = 0x10_0000;

/// 1 GiB of RAM at 0x4000_0000.
pub const RAM: &[Range] = &[Range::new(0x4000_0000, 1024 * MIB)];
/// The DTB at the start of RAM and the hypervisor at 0x4008_0000, 16 MiB.
pub const RESERVED: &[Range] = &[Range::new(0x4000_0000, 0x0108_0000)];
pub const GICD: Range = Range::new(0x0800_0000, 0x1_0000);
pub const GICR: Range = Range::new(0x080a_0000, 0xf6_0000);
pub const UART0: Range = Range::new(0x0900_0000, 0x1000);
pub const DEVICES: &[Range] = &[
    GICD,
    GICR,
    UART0,
    Range::new(0x0901_0000, 0x1000), // PL031 RTC
    Range::new(0x0903_0000, 0x1000), // PL061 GPIO
    Range::new(0x0904_0000, 0x1000), // second PL011
    Range::new(0x0a00_0000, 0x200),  // virtio-mmio transports: smaller than a page
    Range::new(0x0a00_0200, 0x200),
];
pub const RESERVED_DEVICES: &[Range] = &[GICD, GICR, UART0];
/// What the hypervisor keeps on QEMU virt: an SGI, maintenance, EL2 timer, console UART.
pub const RESERVED_INTERRUPTS: &[(u32, &str)] = &[
    (0, "its SGIs"),
    (25, "the GIC maintenance interrupt"),
    (26, "its EL2 physical timer"),
    (33, "its console UART's interrupt"),
];
pub const IMAGES: StaticImages<'static> = StaticImages(&[
    ("hello", 0x3000),
    ("rtos", 0x40000),
    ("rtos-demo", MIB),
    ("huge", 20 * MIB),
]);

/// QEMU virt with 4 cores, 1 GiB and a GICv3 with 256 SPIs.
pub fn virt() -> PlatformView<'static> {
    PlatformView {
        cpu_count: 4,
        ram: RAM,
        reserved: RESERVED,
        devices: DEVICES,
        max_spi: 287,
        reserved_devices: RESERVED_DEVICES,
        reserved_interrupts: RESERVED_INTERRUPTS,
        images: &IMAGES,
    }
}

/// Compiles DTS text into a blob with dtc (warnings silenced: some tests are wrong on purpose).
pub fn dtb(source: &str) -> Vec<u8> {
    let mut dtc = Command::new("dtc")
        .args(["-q", "-I", "dts", "-O", "dtb", "-o", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dtc is installed");
    dtc.stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let output = dtc.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dtc failed:\n{}\n{source}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The properties of a VM that is valid on [`virt`], on core `core`.
pub fn good(core: u32) -> String {
    format!(
        "kairos,cpus = <{core}>; kairos,memory-size = <0x0 0x01000000>; kairos,image = \"hello\";"
    )
}

/// A VM node.
pub fn vm(name: &str, properties: &str) -> String {
    format!("{name} {{ compatible = \"kairos,vm\"; {properties} }};\n")
}

/// A whole DTS: root with 2/2 cells and a /hypervisor node holding `body`.
pub fn tree(body: &str) -> String {
    format!(
        "/dts-v1/;\n/ {{ #address-cells = <2>; #size-cells = <2>;\n\
         hypervisor {{ compatible = \"kairos,hypervisor\"; #address-cells = <2>; #size-cells = <2>;\n\
         {body} }};\n}};\n"
    )
}

/// Loads a configuration whose hypervisor node holds `body`, on [`virt`].
pub fn load_body(body: &str) -> Config {
    load(&dtb(&tree(body)), &virt()).expect("loads")
}

/// Loads `body` and returns the load error.
pub fn load_err(body: &str) -> ConfigError {
    load(&dtb(&tree(body)), &virt()).expect_err("fails")
}

/// Names of the VMs kept, in order.
pub fn names(config: &Config) -> Vec<&str> {
    config.vms.iter().map(|vm| vm.name.as_str()).collect()
}

/// `(property, kind)` of every error about the node at `path`.
pub fn errors_at<'c>(config: &'c Config, path: &str) -> Vec<(&'c str, &'c ErrorKind)> {
    config
        .errors
        .iter()
        .filter(|e| e.node == path)
        .map(|e| (e.property.as_str(), &e.kind))
        .collect()
}

/// Loads a single VM named `test` with `properties`; returns its errors (and asserts it was
/// dropped when there are any).
pub fn single_vm_errors(properties: &str) -> Vec<(String, ErrorKind)> {
    let config = load_body(&vm("test", properties));
    let errors: Vec<_> = config
        .errors
        .iter()
        .map(|e| (e.property.clone(), e.kind.clone()))
        .collect();
    assert_eq!(config.vms.is_empty(), !errors.is_empty(), "{config:#?}");
    errors
}

/// The single error of a single VM named `test` with `properties`.
pub fn single_error(properties: &str) -> (String, ErrorKind) {
    let mut errors = single_vm_errors(properties);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}
