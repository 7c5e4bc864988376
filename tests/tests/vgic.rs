//! Virtual GIC: a guest (irqtest) takes its virtual timer, its own SGIs and its own physical
//! SPI through the vGIC, sees six SGIs in priority order through four list registers, pings
//! its second vCPU, and is refused when it touches another interrupt; on GICv3 and GICv2.
//! Under deterministic time the costs must beat Bao's on the same QEMU.

use system_tests::{config, Qemu, Run};

fn irq_lines(run: &Run) {
    run.assert_line("[irq] timer: 16 interrupts");
    run.assert_line("[irq] self SGI: 8 taken");
    run.assert_line("[irq] SPI 40: delivered [true, true], active while handled true");
    run.assert_line("[irq] priority order: 6 SGIs taken, order [11, 9, 13, 10, 12, 8]");
    run.assert_line("[irq] foreign interrupt 34: refused true, ISENABLER1 reads 0x100");
    run.assert_line("[irq] irqtest done");
}

fn refusal_traced(run: &Run) {
    let denied = run.events_named("vgic_denied");
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(
        (denied[0]["register"].as_str(), denied[0]["intid"].as_u64()),
        (Some("ISENABLER"), Some(34))
    );
    assert_eq!(
        denied[0]["name"], "irq",
        "the refused VM by name, as docs/trace.md lists"
    );
    let faults = run.events_named("vm_fault");
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["kind"], "mmio_denied");
    assert_eq!(faults[0]["address"], "0x8000104");
    assert_eq!(faults[0]["action"], "inject");
}

fn two_vcpus_beside_a_bystander(gic: u8) {
    let run = Qemu::virt(gic, 4).initrd(&config("vgic")).run();
    run.assert_clean_exit();
    run.assert_line(&format!("[irq] irqtest: GICv{gic}, GICD_TYPER"));
    run.assert_line("64 INTIDs, 2 vCPUs");
    irq_lines(&run);
    run.assert_line("[irq] cross-vCPU: 8 pings answered");
    refusal_traced(&run);
    run.assert_line("[bystander] tick 5");
    run.assert_line("[bystander] hello done");
    assert!(run.events_named("panic").is_empty());
}

#[test]
fn gicv3_guest_takes_timer_sgis_and_its_spi_and_is_refused_others() {
    two_vcpus_beside_a_bystander(3);
}

#[test]
fn gicv2_guest_takes_timer_sgis_and_its_spi_and_is_refused_others() {
    two_vcpus_beside_a_bystander(2);
}

/// `BENCH <name> <ticks>` printed by irqtest.
fn bench(run: &Run, name: &str) -> u64 {
    let prefix = format!("[irq] BENCH {name} ");
    let line = run
        .lines()
        .into_iter()
        .find(|line| line.starts_with(&prefix));
    line.and_then(|line| line[prefix.len()..].trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name}:\n{}", run.output))
}

fn costs(gic: u8) {
    let run = Qemu::virt(gic, 1)
        .initrd(&config("vgic-bench"))
        .arg("-cpu")
        .arg("cortex-a53,cntfrq=1000000000")
        .icount()
        .run();
    run.assert_clean_exit();
    irq_lines(&run);
    // Bao on this QEMU, same settings, in instructions: timer 201, self-IPI 797, IPRIORITYR 692.
    for (name, bao) in [
        ("vtimer_to_vector_busy", 201),
        ("vtimer_to_vector_wfi", 201),
        ("self_ipi_to_vector", 797),
        ("gicd_ipriorityr_write", 692),
    ] {
        let ours = bench(&run, name);
        assert!(
            ours < bao,
            "GICv{gic} {name}: {ours} instructions, Bao {bao}"
        );
    }
    assert!(bench(&run, "gicd_typer_read") > 0);
}

#[test]
fn gicv3_costs_beat_bao() {
    costs(3);
}

#[test]
fn gicv2_costs_beat_bao() {
    costs(2);
}
