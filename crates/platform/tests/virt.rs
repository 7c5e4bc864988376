//! Tests against DTBs dumped from QEMU's `virt` machine (GICv2, GICv3, 2/4/8 CPUs).

mod common;

use common::parse;
use platform::{Conduit, EnableMethod, Gic, Region, UartKind};

#[test]
fn gicv3_four_cpus() {
    let p = parse("virt-gicv3.dtb");
    assert_eq!(p.model, "linux,dummy-virt");
    assert_eq!(p.memory, vec![Region::new(0x4000_0000, 0x4000_0000)]);
    assert!(p.reserved.is_empty());
    assert_eq!(p.cpus.len(), 4);
    for (i, cpu) in p.cpus.iter().enumerate() {
        assert_eq!(cpu.mpidr, i as u64);
        assert_eq!(cpu.enable, EnableMethod::Psci);
    }
    let Gic::V3 {
        dist,
        redist,
        redist_stride,
        cpu,
        hyp,
        vcpu,
        maintenance_irq,
    } = &p.gic
    else {
        panic!("expected GICv3, got {:?}", p.gic);
    };
    assert_eq!(*dist, Region::new(0x0800_0000, 0x1_0000));
    assert_eq!(redist, &vec![Region::new(0x080a_0000, 0xf6_0000)]);
    assert_eq!(
        (*redist_stride, *cpu, *hyp, *vcpu),
        (None, None, None, None)
    );
    assert_eq!(*maintenance_irq, Some(25));
    assert_eq!(p.gic.version(), 3);
    assert_eq!(p.initrd, None);
}

#[test]
fn gicv3_console_psci_timer() {
    let p = parse("virt-gicv3.dtb");
    let console = p.console.expect("console");
    assert_eq!(console.kind, UartKind::Pl011);
    assert_eq!((console.base, console.size), (0x0900_0000, 0x1000));
    assert_eq!(console.irq, Some(33));
    assert_eq!(console.path, "/pl011@9000000");
    let psci = p.psci.expect("psci");
    assert_eq!(psci.conduit, Conduit::Smc);
    assert!(psci.version2);
    assert_eq!((psci.cpu_on, psci.cpu_off), (0xC400_0003, 0x8400_0002));
    let timer = p.timer.expect("timer");
    let irqs = (
        timer.secure_phys_irq,
        timer.phys_irq,
        timer.virt_irq,
        timer.hyp_phys_irq,
    );
    assert_eq!(irqs, (29, 30, 27, 26));
    assert_eq!(timer.hyp_virt_irq, None);
    assert_eq!(timer.frequency, None);
}

#[test]
fn gicv2_two_cpus_with_virtualization_frames() {
    let p = parse("virt-gicv2.dtb");
    assert_eq!(p.cpus.len(), 2);
    assert_eq!(
        p.cpus.iter().map(|c| c.mpidr).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(
        p.gic,
        Gic::V2 {
            dist: Region::new(0x0800_0000, 0x1_0000),
            cpu: Region::new(0x0801_0000, 0x1_0000),
            hyp: Some(Region::new(0x0803_0000, 0x1_0000)),
            vcpu: Some(Region::new(0x0804_0000, 0x1_0000)),
            maintenance_irq: Some(25),
        }
    );
    let timer = p.timer.expect("timer");
    assert_eq!(
        (timer.phys_irq, timer.virt_irq, timer.hyp_phys_irq),
        (30, 27, 26)
    );
    assert_eq!(p.console.map(|c| c.base), Some(0x0900_0000));
}

#[test]
fn eight_cpus_and_cpu_index() {
    let p = parse("virt-gicv3-smp8.dtb");
    assert_eq!(p.cpus.len(), 8);
    for i in 0..8u64 {
        assert_eq!(p.cpus[i as usize].mpidr, i);
        assert_eq!(p.cpu_index(i), Some(i as usize));
        // A raw MPIDR_EL1 read has RES1 bit 31 set (and maybe U/MT): still found.
        assert_eq!(p.cpu_index(i | 0x8000_0000), Some(i as usize));
    }
    assert_eq!(p.cpu_index(8), None);
    assert_eq!(p.cpu_index(0x100), None);
}

#[test]
fn device_lookup_by_path_and_alias() {
    let dtb = common::fixture("virt-gicv3.dtb");
    let uart = platform::Platform::device(&dtb, "serial0").expect("alias");
    assert_eq!(uart.path, "/pl011@9000000");
    assert_eq!(uart.regions, vec![Region::new(0x0900_0000, 0x1000)]);
    assert_eq!(uart.irqs, vec![33]);
    assert!(uart.enabled);
    let rtc = platform::Platform::device(&dtb, "/pl031@9010000").expect("path");
    assert_eq!(rtc.compatible, vec!["arm,pl031", "arm,primecell"]);
    assert_eq!(rtc.irqs, vec![34]);
}

#[test]
fn device_regions_cover_mmio_but_not_ram_or_cpus() {
    let p = parse("virt-gicv3.dtb");
    let has = |base: u64| p.devices.iter().any(|r| r.base == base);
    assert!(has(0x0900_0000), "PL011");
    assert!(has(0x0800_0000), "GIC distributor");
    assert!(has(0x0a00_0000), "first virtio-mmio transport");
    assert!(
        p.devices.iter().all(|r| !p.memory[0].overlaps(r)),
        "no RAM among devices"
    );
    assert!(
        p.devices.windows(2).all(|w| w[0].base <= w[1].base),
        "sorted"
    );
}

/// Whether a node names `kairos,hypervisor` (a config may be in the blob) comes from the index.
#[test]
fn a_kairos_hypervisor_node_is_noticed() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    assert!(!parse("virt-gicv3.dtb").names_hypervisor);
    let fixture = format!("{}/fixtures/virt-gicv3.dtb", env!("CARGO_MANIFEST_DIR"));
    let source = Command::new("dtc")
        .args(["-q", "-I", "dtb", "-O", "dts", &fixture])
        .output()
        .expect("dtc is installed (make test installs it)");
    let mut source = String::from_utf8(source.stdout).unwrap();
    source.push_str("/ { hypervisor { compatible = \"kairos,hypervisor\"; }; };\n");
    let mut dtc = Command::new("dtc")
        .args(["-q", "-I", "dts", "-O", "dtb"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    dtc.stdin
        .take()
        .unwrap()
        .write_all(source.as_bytes())
        .unwrap();
    let blob = dtc.wait_with_output().unwrap().stdout;
    assert!(
        platform::Platform::from_dtb(&blob)
            .unwrap()
            .names_hypervisor
    );
}
