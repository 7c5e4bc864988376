//! The device tree each VM boots with: its memory, vCPUs, interrupt controller, timer, console
//! and PSCI, at the guest-physical layout of QEMU virt, its command line and initramfs, plus
//! the VM's real-time task set copied from its config node (`/kairos/tasks`) and the children
//! of its `guest-dt` node (passthrough devices) copied into the root, so one guest image runs in
//! any partition.

use alloc::vec::Vec;
use guest_dt::{Gic, GuestMemory, PsciMethod, RawNode, Uart, VirtualPlatform};
use partition_config::VmConfig;

/// Guest-physical base of the virtual GIC distributor (as on QEMU virt).
pub const GICD_BASE: u64 = 0x0800_0000;
/// Size of the GICv3 distributor frame.
pub const GICD_SIZE_V3: u64 = 0x1_0000;
/// Size of the GICv2 distributor frame.
pub const GICD_SIZE_V2: u64 = 0x1000;
/// Guest-physical base of the GICv2 CPU interface (backed by the physical GICV frame).
pub const GICC_BASE: u64 = 0x0801_0000;
/// Size of the GICv2 CPU interface.
pub const GICC_SIZE: u64 = 0x2000;
/// Guest-physical base of the GICv3 redistributors.
pub const GICR_BASE: u64 = 0x080a_0000;
/// Redistributor frames per vCPU (RD_base + SGI_base).
pub const GICR_STRIDE: u64 = 0x2_0000;

/// What the VM's platform looks like, derived from its config.
pub fn describe(
    config: &VmConfig,
    vm_id: usize,
    gic_version: u8,
    console: bool,
    config_blob: &[u8],
) -> VirtualPlatform {
    let vcpus = config.cpus.len() as u32;
    let gic = if gic_version == 2 {
        Gic::V2 {
            distributor: (GICD_BASE, GICD_SIZE_V2),
            cpu_interface: (GICC_BASE, GICC_SIZE),
        }
    } else {
        Gic::V3 {
            distributor: (GICD_BASE, GICD_SIZE_V3),
            redistributors: (GICR_BASE, GICR_STRIDE * u64::from(vcpus)),
        }
    };
    let memory = GuestMemory {
        ipa_base: config.ipa_base,
        size: config.memory_size,
    };
    let mut platform = VirtualPlatform::new(&config.name, vm_id as u32, memory, vcpus, gic);
    platform.psci = PsciMethod::Smc;
    platform.gic_phandle = Some(partition_config::binding::GUEST_GIC_PHANDLE);
    platform.bootargs = config.bootargs.clone();
    if let (Some(ramdisk), Some(offset)) = (config.ramdisk, config.ramdisk_offset()) {
        let start = config.ipa_base + offset;
        platform.initrd = Some((start, start + ramdisk.size));
    }
    if console {
        platform.console = Some(Uart {
            base: super::uart::GUEST_UART_BASE,
            size: super::uart::GUEST_UART_SIZE,
            irq_spi: super::uart::GUEST_UART_SPI,
        });
    }
    let guest_dt = partition_config::binding::GUEST_DT_NODE;
    let [tasks, guest_dt] = config_subtrees(config_blob, config, ["tasks", guest_dt]);
    platform.extra_nodes.extend(tasks);
    if let Some(nodes) = guest_dt {
        platform.root_nodes = nodes.children;
    }
    platform
}

/// The children `names` of the VM's config node, copied whole (its RTOS task set, its guest
/// device tree nodes). The config blob is opened only when the node has one of them (the
/// parsed config lists its children).
fn config_subtrees<const N: usize>(
    blob: &[u8],
    config: &VmConfig,
    names: [&str; N],
) -> [Option<RawNode>; N] {
    // A child `tasks@1` is found as `tasks`, as a path lookup would.
    let named = |child: &str, name: &str| child.split('@').next() == Some(name);
    let mut found = [const { None }; N];
    if !names
        .iter()
        .any(|name| config.child_nodes.iter().any(|child| named(child, name)))
    {
        return found;
    }
    // The config blob passed validation; the checker still guards the `fdt` crate from panics.
    let Ok(checked) = partition_config::check_dtb(blob) else {
        return found;
    };
    let Ok(tree) = fdt::Fdt::new(&checked) else {
        return found;
    };
    let Some(node) = tree.find_node(&config.node_path) else {
        return found;
    };
    for child in node.children() {
        if let Some(index) = names.iter().position(|name| named(child.name, name)) {
            found[index].get_or_insert_with(|| RawNode::from_fdt_node(child));
        }
    }
    found
}

/// Builds the VM's DTB.
pub fn build(
    config: &VmConfig,
    vm_id: usize,
    gic_version: u8,
    console: bool,
    config_blob: &[u8],
) -> Result<Vec<u8>, guest_dt::DtError> {
    describe(config, vm_id, gic_version, console, config_blob).build()
}

/// Largest DTB that fits below the image at the default load offset.
pub fn max_size(config: &VmConfig) -> u64 {
    config.load_offset
}

/// The DTB's IPA (the base of the VM's RAM, where U-Boot and Linux look for it).
pub fn address(config: &VmConfig) -> u64 {
    config.ipa_base
}
