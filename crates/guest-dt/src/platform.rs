//! The description of one VM's virtual platform, checked and turned into its DTB.

use crate::nodes::{self, Phandles};
use crate::{DtError, FdtWriter, RawNode};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Highest SPI number: SPI n is INTID 32 + n, and INTIDs end at 1019.
const MAX_SPI: u32 = 987;
/// A GICv3 redistributor takes two 64 KiB frames (RD_base and SGI_base) per CPU.
const REDISTRIBUTOR_STRIDE: u64 = 0x2_0000;

/// Where the VM's RAM lies in its intermediate physical address space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestMemory {
    /// First IPA of the RAM.
    pub ipa_base: u64,
    /// Size of the RAM in bytes.
    pub size: u64,
}

/// The VM's interrupt controller; every `(u64, u64)` is an IPA region `(base, size)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gic {
    /// GICv2 (`arm,cortex-a15-gic`): distributor and CPU interface; at most 8 vCPUs.
    V2 {
        /// Distributor (GICD) region.
        distributor: (u64, u64),
        /// CPU interface (GICC) region, usually 8 KiB.
        cpu_interface: (u64, u64),
    },
    /// GICv3 (`arm,gic-v3`): distributor and one redistributor region; at most 16 vCPUs.
    V3 {
        /// Distributor (GICD) region.
        distributor: (u64, u64),
        /// Redistributor (GICR) region: at least 128 KiB per vCPU.
        redistributors: (u64, u64),
    },
}

/// A PL011 UART given to the VM as its console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uart {
    /// IPA of the register block.
    pub base: u64,
    /// Size of the register block (4 KiB for a PL011).
    pub size: u64,
    /// Its interrupt as an SPI number (INTID minus 32).
    pub irq_spi: u32,
}

/// The instruction a guest uses to call PSCI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsciMethod {
    /// `smc #0`.
    Smc,
    /// `hvc #0`.
    Hvc,
}

/// A physical device handed to the VM, described again in its device tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PassthroughDevice {
    /// Node name without unit address; `@<first region base>` is added.
    pub name: String,
    /// The `compatible` strings, most specific first.
    pub compatible: Vec<String>,
    /// Register regions `(IPA base, size)`, written as `reg`.
    pub regions: Vec<(u64, u64)>,
    /// Interrupts as SPI numbers, written as level-high `interrupts`.
    pub spis: Vec<u32>,
    /// Further properties copied verbatim (such as `clock-frequency` or `reg-io-width`).
    pub properties: Vec<(String, Vec<u8>)>,
}

/// Everything a VM's device tree tells its guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualPlatform {
    /// Root `model` (such as `"kairos,vm"`).
    pub model: String,
    /// The VM's name, in `/kairos/vm-name`.
    pub vm_name: String,
    /// The VM's number, in `/kairos/vm-id`.
    pub vm_id: u32,
    /// The VM's RAM.
    pub memory: GuestMemory,
    /// Number of vCPUs; vCPU n has MPIDR affinity 0.0.0.n.
    pub vcpus: u32,
    /// The interrupt controller, the root's `interrupt-parent`.
    pub gic: Gic,
    /// The console UART, if the VM has one.
    pub console: Option<Uart>,
    /// How the guest calls PSCI.
    pub psci: PsciMethod,
    /// Kernel command line for `/chosen/bootargs`.
    pub bootargs: Option<String>,
    /// An initramfs in the VM's RAM, `(IPA start, IPA end)`, for `/chosen/linux,initrd-start`
    /// and `linux,initrd-end`.
    pub initrd: Option<(u64, u64)>,
    /// The interrupt controller's phandle, when it must have a known one (for nodes copied
    /// from the configuration that name it as `interrupt-parent`); else one is allocated.
    pub gic_phandle: Option<u32>,
    /// Physical devices the VM owns.
    pub passthrough: Vec<PassthroughDevice>,
    /// Subtrees copied under `/kairos` (such as the `tasks` node of the VM's configuration).
    pub extra_nodes: Vec<RawNode>,
    /// Subtrees copied under the root (descriptions of passthrough devices).
    pub root_nodes: Vec<RawNode>,
}

impl VirtualPlatform {
    /// A VM with model `kairos,vm`, no console, PSCI over HVC, and nothing else.
    pub fn new(vm_name: &str, vm_id: u32, memory: GuestMemory, vcpus: u32, gic: Gic) -> Self {
        Self {
            model: "kairos,vm".to_string(),
            vm_name: vm_name.to_string(),
            vm_id,
            memory,
            vcpus,
            gic,
            console: None,
            psci: PsciMethod::Hvc,
            bootargs: None,
            initrd: None,
            gic_phandle: None,
            passthrough: Vec::new(),
            extra_nodes: Vec::new(),
            root_nodes: Vec::new(),
        }
    }

    /// Checks the description and writes the DTB the VM boots with.
    pub fn build(&self) -> Result<Vec<u8>, DtError> {
        self.validate()?;
        let mut writer = FdtWriter::new();
        for phandle in self.copied_phandles() {
            writer.reserve_phandle(phandle)?;
        }
        let gic = match self.gic_phandle {
            Some(phandle) => {
                writer.reserve_phandle(phandle)?;
                phandle
            }
            None => writer.alloc_phandle()?,
        };
        let phandles = Phandles {
            gic,
            uart_clock: match self.console {
                Some(_) => Some(writer.alloc_phandle()?),
                None => None,
            },
        };
        writer.begin_node("")?;
        nodes::write_root_properties(self, &mut writer, &phandles)?;
        nodes::write_chosen_and_aliases(self, &mut writer)?;
        nodes::write_memory(self, &mut writer)?;
        nodes::write_cpus(self, &mut writer)?;
        nodes::write_psci(self, &mut writer)?;
        nodes::write_gic(self, &mut writer, &phandles)?;
        nodes::write_timer(self, &mut writer)?;
        nodes::write_console(self, &mut writer, &phandles)?;
        for device in &self.passthrough {
            nodes::write_passthrough(device, &mut writer)?;
        }
        for node in &self.root_nodes {
            node.write(&mut writer)?;
        }
        nodes::write_kairos(self, &mut writer)?;
        writer.end_node()?;
        writer.finish()
    }

    fn validate(&self) -> Result<(), DtError> {
        let max_vcpus = match self.gic {
            Gic::V2 { .. } => 8,
            Gic::V3 { .. } => 16,
        };
        match self.vcpus {
            0 => return Err(DtError::NoVcpus),
            n if n > max_vcpus => return Err(DtError::TooManyVcpus { max: max_vcpus }),
            _ => {}
        }
        check_region((self.memory.ipa_base, self.memory.size))?;
        match self.gic {
            Gic::V2 {
                distributor,
                cpu_interface,
            } => {
                check_region(distributor)?;
                check_region(cpu_interface)?;
            }
            Gic::V3 {
                distributor,
                redistributors,
            } => {
                check_region(distributor)?;
                check_region(redistributors)?;
                if redistributors.1 < u64::from(self.vcpus) * REDISTRIBUTOR_STRIDE {
                    return Err(DtError::RedistributorsTooSmall);
                }
            }
        }
        if let Some((start, end)) = self.initrd {
            check_region((start, end.saturating_sub(start)))?;
        }
        if let Some(uart) = &self.console {
            check_region((uart.base, uart.size))?;
            check_spi(uart.irq_spi)?;
        }
        for device in &self.passthrough {
            if device.name.contains('@') {
                return Err(DtError::InvalidNodeName(device.name.clone()));
            }
            device
                .regions
                .iter()
                .try_for_each(|&region| check_region(region))?;
            device.spis.iter().try_for_each(|&spi| check_spi(spi))?;
        }
        Ok(())
    }

    /// Phandles carried by properties copied verbatim, which allocation must avoid.
    fn copied_phandles(&self) -> Vec<u32> {
        let mut phandles = Vec::new();
        for node in self.extra_nodes.iter().chain(&self.root_nodes) {
            node.collect_phandles(&mut phandles);
        }
        for device in &self.passthrough {
            crate::raw_node::collect_phandles(&device.properties, &mut phandles);
        }
        phandles
    }
}

fn check_region((base, size): (u64, u64)) -> Result<(), DtError> {
    if size == 0 {
        return Err(DtError::EmptyRegion);
    }
    base.checked_add(size)
        .map(|_| ())
        .ok_or(DtError::RegionOverflow)
}

fn check_spi(spi: u32) -> Result<(), DtError> {
    if spi > MAX_SPI {
        return Err(DtError::InvalidSpi(spi));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
