//! The nodes of a VM's device tree, laid out as QEMU `virt` does so unmodified guests accept them.

use crate::{DtError, FdtWriter, Gic, PassthroughDevice, PsciMethod, VirtualPlatform};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// `interrupts` first cell: shared peripheral or private peripheral interrupt.
const GIC_SPI: u32 = 0;
const GIC_PPI: u32 = 1;
/// `interrupts` third cell: level-sensitive, active high (what QEMU `virt` uses throughout).
const IRQ_LEVEL_HIGH: u32 = 4;
/// Timer PPIs in binding order: secure physical, non-secure physical, virtual, hypervisor.
const TIMER_PPIS: [u32; 4] = [13, 14, 11, 10];
/// Rate of the fixed APB clock the PL011 drivers of U-Boot and Linux look up.
const APB_CLOCK_HZ: u32 = 24_000_000;

/// Phandles allocated before writing, so any node can refer to any other.
pub(crate) struct Phandles {
    pub gic: u32,
    pub uart_clock: Option<u32>,
}

/// `reg` cells for `(base, size)` regions with two address and two size cells.
fn reg_cells(regions: &[(u64, u64)]) -> Vec<u32> {
    let split = |value: u64| [(value >> 32) as u32, value as u32];
    regions
        .iter()
        .flat_map(|&(base, size)| split(base).into_iter().chain(split(size)))
        .collect()
}

fn spi_cells(spis: &[u32]) -> Vec<u32> {
    spis.iter()
        .flat_map(|&spi| [GIC_SPI, spi, IRQ_LEVEL_HIGH])
        .collect()
}

fn uart_path(base: u64) -> String {
    format!("/serial@{base:x}")
}

pub(crate) fn write_root_properties(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
    phandles: &Phandles,
) -> Result<(), DtError> {
    writer.property_u32("#address-cells", 2)?;
    writer.property_u32("#size-cells", 2)?;
    writer.property_string_list("compatible", &["kairos,vm", "linux,dummy-virt"])?;
    writer.property_string("model", &platform.model)?;
    writer.property_u32("interrupt-parent", phandles.gic)
}

/// `/chosen` always exists (parsers such as the `fdt` crate insist); `/aliases` if it has one.
pub(crate) fn write_chosen_and_aliases(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    writer.begin_node("chosen")?;
    if let Some(bootargs) = &platform.bootargs {
        writer.property_string("bootargs", bootargs)?;
    }
    if let Some((start, end)) = platform.initrd {
        writer.property_u64("linux,initrd-start", start)?;
        writer.property_u64("linux,initrd-end", end)?;
    }
    if let Some(uart) = &platform.console {
        writer.property_string("stdout-path", &uart_path(uart.base))?;
    }
    writer.end_node()?;
    if let Some(uart) = &platform.console {
        writer.begin_node("aliases")?;
        writer.property_string("serial0", &uart_path(uart.base))?;
        writer.end_node()?;
    }
    Ok(())
}

pub(crate) fn write_memory(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    let memory = platform.memory;
    writer.begin_node(&format!("memory@{:x}", memory.ipa_base))?;
    writer.property_string("device_type", "memory")?;
    writer.property_cells("reg", &reg_cells(&[(memory.ipa_base, memory.size)]))?;
    writer.end_node()
}

/// One `cpu@N` per vCPU, `reg` = MPIDR affinity (Aff0 = N), started through PSCI.
pub(crate) fn write_cpus(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    writer.begin_node("cpus")?;
    writer.property_u32("#address-cells", 1)?;
    writer.property_u32("#size-cells", 0)?;
    for cpu in 0..platform.vcpus {
        writer.begin_node(&format!("cpu@{cpu:x}"))?;
        writer.property_string("device_type", "cpu")?;
        writer.property_string("compatible", "arm,armv8")?;
        writer.property_u32("reg", cpu)?;
        writer.property_string("enable-method", "psci")?;
        writer.end_node()?;
    }
    writer.end_node()
}

pub(crate) fn write_psci(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    writer.begin_node("psci")?;
    writer.property_string_list("compatible", &["arm,psci-1.0", "arm,psci-0.2"])?;
    let method = match platform.psci {
        PsciMethod::Smc => "smc",
        PsciMethod::Hvc => "hvc",
    };
    writer.property_string("method", method)?;
    writer.end_node()
}

pub(crate) fn write_gic(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
    phandles: &Phandles,
) -> Result<(), DtError> {
    let (compatible, regions) = match platform.gic {
        Gic::V2 {
            distributor,
            cpu_interface,
        } => ("arm,cortex-a15-gic", [distributor, cpu_interface]),
        Gic::V3 {
            distributor,
            redistributors,
        } => ("arm,gic-v3", [distributor, redistributors]),
    };
    writer.begin_node(&format!("interrupt-controller@{:x}", regions[0].0))?;
    writer.property_string("compatible", compatible)?;
    writer.property_u32("#interrupt-cells", 3)?;
    // No child nodes; an explicit 0 keeps `interrupt-map` parsers and dtc's checks content.
    writer.property_u32("#address-cells", 0)?;
    writer.property_empty("interrupt-controller")?;
    writer.property_cells("reg", &reg_cells(&regions))?;
    if let Gic::V3 { .. } = platform.gic {
        writer.property_u32("#redistributor-regions", 1)?;
    }
    writer.property_u32("phandle", phandles.gic)?;
    writer.end_node()
}

/// The architected timer's four PPIs. With GICv2 the flags also name the CPUs each PPI reaches
/// (bits 15:8, one per vCPU), as QEMU writes them; GICv3 has no such mask.
pub(crate) fn write_timer(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    let flags = match platform.gic {
        Gic::V2 { .. } => ((1u32 << platform.vcpus) - 1) << 8 | IRQ_LEVEL_HIGH,
        Gic::V3 { .. } => IRQ_LEVEL_HIGH,
    };
    let interrupts: Vec<u32> = TIMER_PPIS
        .iter()
        .flat_map(|&ppi| [GIC_PPI, ppi, flags])
        .collect();
    writer.begin_node("timer")?;
    writer.property_string("compatible", "arm,armv8-timer")?;
    writer.property_cells("interrupts", &interrupts)?;
    writer.property_empty("always-on")?;
    writer.end_node()
}

/// The PL011 console and the fixed 24 MHz clock it names as `uartclk` and `apb_pclk`.
pub(crate) fn write_console(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
    phandles: &Phandles,
) -> Result<(), DtError> {
    let (Some(uart), Some(clock)) = (&platform.console, phandles.uart_clock) else {
        return Ok(());
    };
    writer.begin_node("apb-pclk")?;
    writer.property_string("compatible", "fixed-clock")?;
    writer.property_u32("#clock-cells", 0)?;
    writer.property_u32("clock-frequency", APB_CLOCK_HZ)?;
    writer.property_string("clock-output-names", "clk24mhz")?;
    writer.property_u32("phandle", clock)?;
    writer.end_node()?;
    writer.begin_node(&uart_path(uart.base)[1..])?;
    writer.property_string_list("compatible", &["arm,pl011", "arm,primecell"])?;
    writer.property_cells("reg", &reg_cells(&[(uart.base, uart.size)]))?;
    writer.property_cells("interrupts", &spi_cells(&[uart.irq_spi]))?;
    writer.property_cells("clocks", &[clock, clock])?;
    writer.property_string_list("clock-names", &["uartclk", "apb_pclk"])?;
    writer.end_node()
}

pub(crate) fn write_passthrough(
    device: &PassthroughDevice,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    match device.regions.first() {
        Some((base, _)) => writer.begin_node(&format!("{}@{base:x}", device.name))?,
        None => writer.begin_node(&device.name)?,
    }
    if !device.compatible.is_empty() {
        let compatible: Vec<&str> = device.compatible.iter().map(String::as_str).collect();
        writer.property_string_list("compatible", &compatible)?;
    }
    if !device.regions.is_empty() {
        writer.property_cells("reg", &reg_cells(&device.regions))?;
    }
    if !device.spis.is_empty() {
        writer.property_cells("interrupts", &spi_cells(&device.spis))?;
    }
    for (name, value) in &device.properties {
        writer.property(name, value)?;
    }
    writer.end_node()
}

/// `/kairos`: the VM's name and number, then the copied subtrees (such as `tasks`).
pub(crate) fn write_kairos(
    platform: &VirtualPlatform,
    writer: &mut FdtWriter,
) -> Result<(), DtError> {
    writer.begin_node("kairos")?;
    writer.property_string("vm-name", &platform.vm_name)?;
    writer.property_u32("vm-id", platform.vm_id)?;
    for node in &platform.extra_nodes {
        node.write(writer)?;
    }
    writer.end_node()
}
