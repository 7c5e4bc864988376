//! Optional checks against the real Debian kernel DTBs, which may not be committed: set
//! `KAIROS_REAL_DTB_DIR` to a folder holding `bcm2711-rpi-4-b.dtb` and `imx8mp-evk.dtb`
//! (from a linux-image-*-arm64 package). Without the variable these tests pass vacuously.

use platform::{EnableMethod, Gic, Platform, Problem, Region, UartKind};
use std::path::PathBuf;
use std::process::Command;

fn real(name: &str) -> Option<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(std::env::var_os("KAIROS_REAL_DTB_DIR")?);
    let path = dir.join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some((path, bytes))
}

#[test]
fn real_rpi4() {
    let Some((path, dtb)) = real("bcm2711-rpi-4-b.dtb") else {
        eprintln!("KAIROS_REAL_DTB_DIR not set: skipped");
        return;
    };
    // The stock file leaves /memory@0 empty for the firmware (or QEMU) to fill in.
    let e = Platform::from_dtb(&dtb).unwrap_err();
    assert_eq!((e.node.as_str(), e.property), ("/", "device_type"));
    assert!(matches!(e.problem, Problem::NotFound(_)));
    // Fill it in as the firmware would (needs fdtput from the device-tree-compiler package).
    let filled = std::env::temp_dir().join(format!("kairos-rpi4-{}.dtb", std::process::id()));
    std::fs::copy(&path, &filled).unwrap();
    let status = Command::new("fdtput")
        .arg("-tx")
        .arg(&filled)
        .args([
            "/memory@0",
            "reg",
            "0",
            "0",
            "3b400000",
            "0",
            "40000000",
            "40000000",
        ])
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("fdtput unavailable: rest skipped");
        return;
    }
    let p = Platform::from_dtb(&std::fs::read(&filled).unwrap());
    let _ = std::fs::remove_file(&filled);
    let p = p.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.memory,
        vec![
            Region::new(0, 0x3b40_0000),
            Region::new(0x4000_0000, 0x4000_0000)
        ]
    );
    assert_eq!(p.gic.dist(), Region::new(0xff84_1000, 0x1000));
    let Gic::V2 { cpu, hyp, vcpu, .. } = p.gic else {
        panic!("expected GIC-400")
    };
    assert_eq!(
        (cpu.base, hyp.map(|r| r.base), vcpu.map(|r| r.base)),
        (0xff84_2000, Some(0xff84_4000), Some(0xff84_6000))
    );
    let release: Vec<_> = p.cpus.iter().map(|c| c.enable).collect();
    let spin = |a| EnableMethod::SpinTable { release_addr: a };
    assert_eq!(
        release,
        vec![spin(0xd8), spin(0xe0), spin(0xe8), spin(0xf0)]
    );
    // stdout-path is "serial1": the mini UART.
    let c = p.console.expect("console");
    assert_eq!(
        (c.kind, c.base, c.reg_shift),
        (UartKind::Ns16550, 0xfe21_5040, 2)
    );
    let uart0 = Platform::device(&dtb, "serial0").unwrap();
    assert_eq!(uart0.regions[0].base, 0xfe20_1000);
    let t = p.timer.expect("timer");
    assert_eq!((t.phys_irq, t.virt_irq, t.hyp_phys_irq), (30, 27, 26));
}

#[test]
fn real_imx8mp_evk() {
    let Some((_, dtb)) = real("imx8mp-evk.dtb") else {
        eprintln!("KAIROS_REAL_DTB_DIR not set: skipped");
        return;
    };
    let p = Platform::from_dtb(&dtb).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.cpus.len(), 4);
    assert!(p.cpus.iter().all(|c| c.enable == EnableMethod::Psci));
    let Gic::V3 { dist, redist, .. } = &p.gic else {
        panic!("expected GICv3")
    };
    assert_eq!((dist.base, redist[0].base), (0x3880_0000, 0x3888_0000));
    let c = p.console.expect("console");
    assert_eq!((c.kind, c.base), (UartKind::Imx, 0x3089_0000));
    assert_eq!(p.psci.map(|p| p.cpu_on), Some(0xC400_0003));
    assert_eq!(p.memory[0].base, 0x4000_0000);
}
