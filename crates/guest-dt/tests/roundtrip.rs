//! Every generated DTB read back by the `fdt` crate and by dtc, which must not warn.

mod common;

use common::{compile, decompile, recompile};
use fdt::Fdt;
use guest_dt::{Gic, GuestMemory, PassthroughDevice, PsciMethod, RawNode, Uart, VirtualPlatform};

const GIC_V3: Gic = Gic::V3 {
    distributor: (0x0800_0000, 0x1_0000),
    redistributors: (0x080a_0000, 0xf6_0000),
};
const GIC_V2: Gic = Gic::V2 {
    distributor: (0x0800_0000, 0x1_0000),
    cpu_interface: (0x0801_0000, 0x1_0000),
};
const UART: Uart = Uart {
    base: 0x0900_0000,
    size: 0x1000,
    irq_spi: 1,
};

fn platform(vcpus: u32, gic: Gic, console: Option<Uart>) -> VirtualPlatform {
    let memory = GuestMemory {
        ipa_base: 0x4000_0000,
        size: 0x400_0000,
    };
    let mut platform = VirtualPlatform::new("rtos0", 1, memory, vcpus, gic);
    platform.console = console;
    platform
}

/// Builds, parses with `fdt`, decompiles with dtc, and checks dtc's DTB of that source decompiles
/// to the same text. Returns the DTB and its source.
fn round_trip(platform: &VirtualPlatform) -> (Vec<u8>, String) {
    let dtb = platform.build().unwrap();
    let fdt = Fdt::new(&dtb).unwrap();
    assert_eq!(fdt.total_size(), dtb.len());
    assert_eq!(fdt.cpus().count(), platform.vcpus as usize);
    assert!(fdt.all_nodes().count() >= 8);
    let source = decompile(&dtb);
    assert_eq!(
        decompile(&recompile(&source)),
        source,
        "dtc round trip changes the tree"
    );
    (dtb, source)
}

#[test]
fn one_vcpu_gic_v3_with_uart() {
    let mut vm = platform(1, GIC_V3, Some(UART));
    vm.psci = PsciMethod::Smc;
    vm.bootargs = Some("console=ttyAMA0 earlycon".into());
    let (dtb, source) = round_trip(&vm);
    let fdt = Fdt::new(&dtb).unwrap();
    assert_eq!(fdt.chosen().stdout().unwrap().name, "serial@9000000");
    assert!(source.contains("compatible = \"arm,gic-v3\";"), "{source}");
    assert!(source.contains("#redistributor-regions = <0x01>;"));
    assert!(source
        .contains("interrupts = <0x01 0x0d 0x04 0x01 0x0e 0x04 0x01 0x0b 0x04 0x01 0x0a 0x04>;"));
    assert!(source.contains("method = \"smc\";"));
    assert!(source.contains("clock-names = \"uartclk\\0apb_pclk\";"));
}

#[test]
fn one_vcpu_gic_v3_without_uart() {
    let (dtb, source) = round_trip(&platform(1, GIC_V3, None));
    assert!(Fdt::new(&dtb).unwrap().chosen().stdout().is_none());
    assert!(
        !source.contains("pl011") && !source.contains("aliases"),
        "{source}"
    );
}

#[test]
fn four_vcpus_gic_v2_with_and_without_uart() {
    for console in [Some(UART), None] {
        let (_, source) = round_trip(&platform(4, GIC_V2, console));
        assert!(
            source.contains("compatible = \"arm,cortex-a15-gic\";"),
            "{source}"
        );
        assert!(source.contains("cpu@3 {"));
        assert!(
            source.contains("0x01 0x0d 0xf04 0x01 0x0e 0xf04 0x01 0x0b 0xf04 0x01 0x0a 0xf04>;")
        );
        assert_eq!(source.contains("serial@9000000 {"), console.is_some());
    }
}

#[test]
fn passthrough_devices() {
    let mut vm = platform(2, GIC_V3, Some(UART));
    vm.passthrough.push(PassthroughDevice {
        name: "ethernet".into(),
        compatible: vec!["vendor,eth-v2".into(), "vendor,eth".into()],
        regions: vec![(0x0a00_0000, 0x1_0000), (0x0a01_0000, 0x1000)],
        spis: vec![16, 17],
        properties: vec![("dma-coherent".into(), Vec::new())],
    });
    vm.passthrough.push(PassthroughDevice {
        name: "rtc".into(),
        compatible: vec!["arm,pl031".into(), "arm,primecell".into()],
        regions: vec![(0x0901_0000, 0x1000)],
        ..Default::default()
    });
    let (dtb, source) = round_trip(&vm);
    let fdt = Fdt::new(&dtb).unwrap();
    let ethernet = fdt.find_node("/ethernet@a000000").unwrap();
    assert_eq!(
        ethernet.compatible().unwrap().all().collect::<Vec<_>>(),
        ["vendor,eth-v2", "vendor,eth"]
    );
    assert_eq!(ethernet.reg().unwrap().count(), 2);
    assert!(
        source.contains("interrupts = <0x00 0x10 0x04 0x00 0x11 0x04>;"),
        "{source}"
    );
    assert!(fdt
        .find_node("/rtc@9010000")
        .unwrap()
        .property("interrupts")
        .is_none());
}

/// A partition configuration like the hypervisor's, with a `tasks` subtree (the binding of
/// `partition-config`) in which one task refers to another by phandle, as `&label` compiles to.
const CONFIG_DTS: &str = r#"/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	hypervisor {
		compatible = "kairos,hypervisor";
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		rtos0 {
			compatible = "kairos,vm";
			kairos,cpus = <1>;
			kairos,memory-size = <0x0 0x01000000>;
			tasks {
				kairos,scheduler = "fp";
				kairos,debug;
				control: control {
					kairos,wcet-us = <2000>;
					kairos,period-us = <10000>;
					kairos,deadline-us = <8000>;
					kairos,priority = <1>;
				};
				logger {
					kairos,wcet-us = <1500>;
					kairos,period-us = <100000>;
					kairos,sporadic;
					after = <&control>;
				};
			};
		};
	};
};
"#;

/// The lines of the `tasks { ... }` block in `source`, without their indentation.
fn tasks_block(source: &str) -> Vec<&str> {
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    let start = lines
        .iter()
        .position(|line| *line == "tasks {")
        .expect("a tasks node");
    let mut depth = 0;
    for (index, line) in lines.iter().enumerate().skip(start) {
        depth += i32::from(line.ends_with('{')) - i32::from(*line == "};");
        if depth == 0 {
            return lines[start..=index].to_vec();
        }
    }
    panic!("tasks node not closed");
}

#[test]
fn tasks_copied_from_a_config_dtb() {
    let config_dtb = compile(CONFIG_DTS);
    let config = Fdt::new(&config_dtb).unwrap();
    let tasks = config.find_node("/hypervisor/rtos0/tasks").unwrap();
    let mut vm = platform(1, GIC_V3, Some(UART));
    vm.extra_nodes.push(RawNode::from_fdt_node(tasks));
    let (dtb, source) = round_trip(&vm);
    assert_eq!(tasks_block(&source), tasks_block(&decompile(&config_dtb)));
    let fdt = Fdt::new(&dtb).unwrap();
    let tasks = fdt.find_node("/kairos/tasks").unwrap();
    assert_eq!(
        tasks.property("kairos,scheduler").unwrap().as_str(),
        Some("fp")
    );
    let logger = fdt.find_node("/kairos/tasks/logger").unwrap();
    assert_eq!(
        logger.property("kairos,period-us").unwrap().as_usize(),
        Some(100_000)
    );
    let after = logger.property("after").unwrap().as_usize().unwrap();
    let control = fdt.find_phandle(u32::try_from(after).unwrap()).unwrap();
    assert_eq!(control.name, "control", "the copied phandle still resolves");
    let gic = fdt
        .root()
        .property("interrupt-parent")
        .unwrap()
        .as_usize()
        .unwrap();
    assert_ne!(gic, after, "the GIC's phandle avoids the copied one");
    assert_eq!(
        fdt.find_node("/kairos")
            .unwrap()
            .property("vm-name")
            .unwrap()
            .as_str(),
        Some("rtos0")
    );
}
