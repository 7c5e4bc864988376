//! Tests against the hand-written board fixtures: raspi4b-like, imx8mp-like and misc shapes.

mod common;

use common::{fixture, parse};
use platform::{Conduit, EnableMethod, Gic, Platform, Region, UartKind};

#[test]
fn raspi4b_memory_and_reservations() {
    let p = parse("raspi4b.dtb");
    assert_eq!(p.model, "Raspberry Pi 4 Model B (Kairos fixture)");
    assert_eq!(p.compatible, vec!["raspberrypi,4-model-b", "brcm,bcm2711"]);
    assert_eq!(
        p.memory,
        vec![
            Region::new(0, 0x3b40_0000),
            Region::new(0x4000_0000, 0x4000_0000)
        ]
    );
    // /memreserve/ entry plus the reserved-memory child with a reg (linux,cma has only a size).
    assert_eq!(
        p.reserved,
        vec![Region::new(0, 0x1000), Region::new(0x3b30_0000, 0x1_0000)]
    );
    assert_eq!(p.psci, None);
    assert_eq!(p.initrd, None);
}

#[test]
fn raspi4b_spin_table_cpus() {
    let p = parse("raspi4b.dtb");
    let release: Vec<_> = p.cpus.iter().map(|c| (c.mpidr, c.enable)).collect();
    let spin = |a| EnableMethod::SpinTable { release_addr: a };
    assert_eq!(
        release,
        vec![
            (0, spin(0xd8)),
            (1, spin(0xe0)),
            (2, spin(0xe8)),
            (3, spin(0xf0))
        ]
    );
}

#[test]
fn raspi4b_gic_translated_through_soc_ranges() {
    let p = parse("raspi4b.dtb");
    assert_eq!(
        p.gic,
        Gic::V2 {
            dist: Region::new(0xff84_1000, 0x1000),
            cpu: Region::new(0xff84_2000, 0x2000),
            hyp: Some(Region::new(0xff84_4000, 0x2000)),
            vcpu: Some(Region::new(0xff84_6000, 0x2000)),
            maintenance_irq: Some(25),
        }
    );
}

#[test]
fn raspi4b_console_and_timer() {
    let p = parse("raspi4b.dtb");
    let c = p.console.expect("console");
    assert_eq!(
        (c.kind, c.base, c.size),
        (UartKind::Pl011, 0xfe20_1000, 0x200)
    );
    assert_eq!(c.irq, Some(32 + 121));
    assert_eq!(c.baud, Some(115_200));
    assert_eq!(c.path, "/soc/serial@7e201000");
    let t = p.timer.expect("timer");
    assert_eq!(
        (t.secure_phys_irq, t.phys_irq, t.virt_irq, t.hyp_phys_irq),
        (29, 30, 27, 26)
    );
    assert_eq!(t.frequency, Some(54_000_000));
}

#[test]
fn raspi4b_other_buses_translate() {
    let dtb = fixture("raspi4b.dtb");
    // /scb: 2-cell child addresses, 4 windows.
    let eth = Platform::device(&dtb, "/scb/ethernet@7d580000").unwrap();
    assert_eq!(eth.regions, vec![Region::new(0xfd58_0000, 0x1_0000)]);
    assert_eq!(eth.irqs, vec![32 + 157, 32 + 158]);
    // /emmc2bus: 2-cell child addresses, one window.
    let mmc = Platform::device(&dtb, "/emmc2bus/mmc@7e340000").unwrap();
    assert_eq!(mmc.regions, vec![Region::new(0xfe34_0000, 0x100)]);
    // The ARM-local block sits in /soc's third window (bus 0x40000000 -> 0xff800000).
    let local = Platform::device(&dtb, "/soc/local-intc@40000000").unwrap();
    assert_eq!(local.regions, vec![Region::new(0xff80_0000, 0x100)]);
    // A disabled node is still describable (for passthrough decisions).
    let aux = Platform::device(&dtb, "serial1").unwrap();
    assert!(!aux.enabled);
    assert_eq!(aux.regions, vec![Region::new(0xfe21_5040, 0x40)]);
}

#[test]
fn imx8mp_everything() {
    let p = parse("imx8mp.dtb");
    assert_eq!(
        p.memory,
        vec![
            Region::new(0x4000_0000, 0xc000_0000),
            Region::new(0x1_0000_0000, 0xc000_0000)
        ]
    );
    assert_eq!(p.reserved, vec![Region::new(0x9240_0000, 0x200_0000)]);
    assert_eq!(p.cpus.len(), 4);
    assert!(p
        .cpus
        .iter()
        .enumerate()
        .all(|(i, c)| c.mpidr == i as u64 && c.enable == EnableMethod::Psci));
    assert_eq!(
        p.gic,
        Gic::V3 {
            dist: Region::new(0x3880_0000, 0x1_0000),
            redist: vec![Region::new(0x3888_0000, 0xc_0000)],
            redist_stride: None,
            cpu: None,
            hyp: None,
            vcpu: None,
            maintenance_irq: Some(25),
        }
    );
    let psci = p.psci.expect("psci");
    assert_eq!(
        (psci.conduit, psci.version2, psci.cpu_on),
        (Conduit::Smc, true, 0xC400_0003)
    );
    assert_eq!(p.timer.and_then(|t| t.frequency), Some(8_000_000));
}

#[test]
fn imx8mp_console_via_serial1_alias() {
    let c = parse("imx8mp.dtb").console.expect("console");
    assert_eq!(
        (c.kind, c.base, c.size),
        (UartKind::Imx, 0x3089_0000, 0x1_0000)
    );
    assert_eq!(
        c.path,
        "/soc@0/bus@30800000/spba-bus@30800000/serial@30890000"
    );
    assert_eq!(c.irq, Some(32 + 27));
    assert_eq!(c.baud, Some(115_200));
}

#[test]
fn misc_initrd_and_memory_order() {
    let p = parse("misc.dtb");
    assert_eq!(p.model, "");
    assert_eq!(p.initrd, Some(Region::new(0x4800_0000, 0x10_0000)));
    // Sorted, zero-sized placeholder and disabled node dropped.
    assert_eq!(
        p.memory,
        vec![
            Region::new(0x4000_0000, 0x1000_0000),
            Region::new(0x8000_0000, 0x2000_0000)
        ]
    );
    assert_eq!(p.reserved, vec![Region::new(0x4800_0000, 0x10_0000)]);
}

#[test]
fn misc_cpus_sorted_with_two_cell_mpidr() {
    let p = parse("misc.dtb");
    let cpus: Vec<_> = p.cpus.iter().map(|c| (c.mpidr, c.enable)).collect();
    assert_eq!(
        cpus,
        vec![
            (0, EnableMethod::None),
            (0x100, EnableMethod::Psci),
            (0x1_0000_0000, EnableMethod::Psci)
        ]
    );
    assert_eq!(p.cpu_index(0x8000_0100), Some(1));
    assert_eq!(p.cpu_index(0x1_0000_0000), Some(2));
    assert_eq!(p.cpu_index(0x101), None, "disabled CPU is skipped");
}

#[test]
fn misc_gicv3_two_redistributor_regions_four_cells() {
    let p = parse("misc.dtb");
    let Gic::V3 {
        redist,
        redist_stride,
        cpu,
        hyp,
        vcpu,
        maintenance_irq,
        ..
    } = p.gic
    else {
        panic!("expected GICv3");
    };
    assert_eq!(
        redist,
        vec![
            Region::new(0x080a_0000, 0xf6_0000),
            Region::new(0x0900_0000, 0x10_0000)
        ]
    );
    assert_eq!(redist_stride, Some(0x4_0000));
    assert_eq!(cpu, Some(Region::new(0x0801_0000, 0x1_0000)));
    assert_eq!(hyp, Some(Region::new(0x0803_0000, 0x1_0000)));
    assert_eq!(vcpu, Some(Region::new(0x0804_0000, 0x1_0000)));
    assert_eq!(maintenance_irq, Some(25));
}

#[test]
fn misc_psci_0_1_timer_extended_and_fallback_console() {
    let p = parse("misc.dtb");
    let psci = p.psci.expect("psci");
    assert_eq!((psci.conduit, psci.version2), (Conduit::Hvc, false));
    assert_eq!(
        (psci.cpu_on, psci.cpu_off, psci.system_off),
        (0x95c1_ba5f, 0x95c1_ba5e, None)
    );
    let t = p.timer.expect("timer");
    assert_eq!(
        (t.secure_phys_irq, t.phys_irq, t.virt_irq, t.hyp_phys_irq),
        (29, 30, 27, 26)
    );
    assert_eq!(t.hyp_virt_irq, Some(28));
    // No stdout-path: the first enabled known UART (the PL011 before it is disabled).
    let c = p.console.expect("console");
    assert_eq!(
        (c.kind, c.base, c.path.as_str()),
        (UartKind::Ns16550, 0x2000_0000, "/serial@20000000")
    );
    assert_eq!(
        (c.reg_shift, c.reg_io_width, c.clock_frequency),
        (2, 4, Some(24_000_000))
    );
    assert_eq!(
        c.irq, None,
        "routed through the GPC, not straight to the GIC"
    );
    assert_eq!(c.baud, None);
}

#[test]
fn error_base_fixture_is_valid_and_translates() {
    let p = parse("errors/base.dtb");
    assert_eq!(p.console.map(|c| c.base), Some(0x1000_1000));
    assert_eq!(p.gic.dist(), Region::new(0x1000_0000, 0x1000));
}

#[test]
fn raspi4b_mini_uart_console() {
    let c = parse("raspi4b-miniuart.dtb").console.expect("console");
    assert_eq!(
        (c.kind, c.base, c.size),
        (UartKind::Ns16550, 0xfe21_5040, 0x40)
    );
    assert_eq!((c.reg_shift, c.reg_io_width, c.irq), (2, 4, Some(32 + 93)));
    assert_eq!(c.path, "/soc/serial@7e215040");
}

#[test]
fn the_hypervisor_keeps_the_gic_frames_and_its_console() {
    let pi = parse("raspi4b.dtb");
    assert_eq!(
        pi.hypervisor_devices(),
        vec![
            Region::new(0xff84_1000, 0x1000),
            Region::new(0xff84_2000, 0x2000),
            Region::new(0xff84_4000, 0x2000),
            Region::new(0xff84_6000, 0x2000),
            Region::new(0xfe20_1000, 0x200),
        ]
    );
    let imx = parse("imx8mp.dtb");
    let kept = imx.hypervisor_devices();
    assert_eq!(
        kept[..2],
        [
            Region::new(0x3880_0000, 0x1_0000),
            Region::new(0x3888_0000, 0xc_0000)
        ]
    );
    let console = imx.console.expect("console");
    assert_eq!(kept[2..], [Region::new(console.base, console.size)]);
}
