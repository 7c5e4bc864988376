//! The validated configuration: VMs with their cores, memory, image, devices and policies.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::ConfigError;
use crate::range::Range;
use crate::tasks::TaskSetConfig;

/// The partition configuration as the hypervisor uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The VMs that passed every check, in device-tree order.
    pub vms: Vec<VmConfig>,
    /// `kairos,log-level` of the hypervisor node, if given and valid.
    pub log_level: Option<String>,
    /// Heartbeat, migration mode and fault plan of the hypervisor node.
    pub health: crate::health::HealthConfig,
    /// Every problem found; a VM named here by its node was dropped (except for problems with
    /// the hypervisor node itself, which drop nothing).
    pub errors: Vec<ConfigError>,
}

/// One VM, from one `kairos,vm` node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    /// The node name up to '@': unique among the VMs.
    pub name: String,
    /// Full path of the VM's node, for messages.
    pub node_path: String,
    /// Logical CPU indices (positions in the platform's `/cpus`, sorted by MPIDR), one vCPU each.
    pub cpus: Vec<u32>,
    /// RAM size in bytes, a multiple of 4 KiB.
    pub memory_size: u64,
    /// Physical base of the VM's RAM: given by `kairos,memory-base`, or filled in by placement.
    pub memory_base: Option<u64>,
    /// Whether `memory_base` came from the device tree (as opposed to placement).
    pub memory_fixed: bool,
    /// Guest-physical base of the VM's RAM.
    pub ipa_base: u64,
    /// Where the guest image comes from.
    pub image: ImageSource,
    /// Entry point IPA if given; otherwise the hypervisor decides from the image.
    pub entry: Option<u64>,
    /// Offset of the image inside the VM's RAM: `kairos,load-offset`, else (once validated) what
    /// the image's arm64 header asks for, else the binding's default.
    pub load_offset: u64,
    /// Whether `load_offset` came from the device tree.
    pub load_offset_fixed: bool,
    /// Bytes the image occupies from its load offset once running: its size, or the memory
    /// footprint of its arm64 header (BSS included) when larger. Filled in by validation.
    pub image_footprint: u64,
    /// The guest's kernel command line (`kairos,bootargs`).
    pub bootargs: Option<String>,
    /// An initramfs the boot loader placed in memory (`kairos,ramdisk-reg`).
    pub ramdisk: Option<Range>,
    /// Passthrough MMIO regions, identity-mapped.
    pub devices: Vec<Range>,
    /// Physical SPI INTIDs routed to the VM.
    pub interrupts: Vec<u32>,
    /// What to do when the guest misbehaves.
    pub on_fault: OnFault,
    /// Migration policy (`kairos,migrate`).
    pub migrate: MigratePolicy,
    /// Names of the node's child nodes (such as `tasks`), left for later stages to read.
    pub child_nodes: Vec<String>,
    /// The real-time task set of the `tasks` child, if the VM has one.
    pub tasks: Option<TaskSetConfig>,
}

impl VmConfig {
    /// The VM's RAM in physical memory, once it has a base.
    pub fn memory(&self) -> Option<Range> {
        self.memory_base
            .map(|base| Range::new(base, self.memory_size))
    }

    /// The VM's RAM in guest-physical memory.
    pub fn ipa_range(&self) -> Range {
        Range::new(self.ipa_base, self.memory_size)
    }

    /// The in-memory image, if the boot loader placed it.
    pub fn image_region(&self) -> Option<Range> {
        match &self.image {
            ImageSource::Memory(range) => Some(*range),
            ImageSource::Builtin(_) => None,
        }
    }

    /// The regions the boot loader filled for this VM (image, initramfs), copied at every boot.
    pub fn loaded_regions(&self) -> impl Iterator<Item = Range> + '_ {
        self.image_region().into_iter().chain(self.ramdisk)
    }

    /// Offset of the initramfs inside the VM's RAM: the first page after the image's footprint.
    pub fn ramdisk_offset(&self) -> Option<u64> {
        self.ramdisk?;
        let end = self.load_offset.checked_add(self.image_footprint)?;
        crate::range::align_up(end, crate::range::PAGE_SIZE)
    }

    /// Offset of the first byte after everything loaded into the VM's RAM (image footprint and
    /// initramfs): the device tree goes below the image or above this.
    pub fn loaded_end(&self) -> Option<u64> {
        match (self.ramdisk, self.ramdisk_offset()) {
            (Some(ramdisk), Some(offset)) => offset.checked_add(ramdisk.size),
            _ => self.load_offset.checked_add(self.image_footprint),
        }
    }

    /// Whether the in-memory image already sits at its load address (nothing to copy).
    pub fn image_in_place(&self) -> bool {
        match (self.image_region(), self.memory_base) {
            (Some(image), Some(base)) => base.checked_add(self.load_offset) == Some(image.base),
            _ => false,
        }
    }
}

/// Where a VM's image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// An image built into the hypervisor, by name (`kairos,image`).
    Builtin(String),
    /// An image the boot loader placed in physical memory (`kairos,image-reg`).
    Memory(Range),
}

/// What to do when the guest misbehaves (an abort the hypervisor cannot handle, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFault {
    /// Inject the fault into the guest as an exception (the default).
    #[default]
    Inject,
    /// Stop the VM; its cores idle.
    Stop,
    /// Reload the image and restart the VM.
    Restart,
}

/// When the hypervisor may migrate the VM off a failed core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MigratePolicy {
    /// Always migrate (the default).
    #[default]
    Always,
    /// Migrate only if no deadline miss is predicted.
    IfNoMiss,
    /// Never migrate.
    Never,
}

impl OnFault {
    /// Decodes a `kairos,on-fault` value.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "inject" => Some(OnFault::Inject),
            "stop" => Some(OnFault::Stop),
            "restart" => Some(OnFault::Restart),
            _ => None,
        }
    }
}

impl MigratePolicy {
    /// Decodes a `kairos,migrate` value.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "always" => Some(MigratePolicy::Always),
            "if-no-miss" => Some(MigratePolicy::IfNoMiss),
            "never" => Some(MigratePolicy::Never),
            _ => None,
        }
    }
}
