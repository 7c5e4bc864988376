//! Names, values and defaults of the `kairos,hypervisor` device-tree binding.
//!
//! The binding is described in `docs/bindings/kairos-partitions.md`; this module is its
//! machine-readable half. A `kairos,*` property not listed here is an error.

/// `compatible` string of the node that holds the partition configuration.
pub const HYPERVISOR_COMPATIBLE: &str = "kairos,hypervisor";
/// `compatible` string of a VM node (a child of the hypervisor node).
pub const VM_COMPATIBLE: &str = "kairos,vm";
/// Path of the hypervisor node in a full platform device tree.
pub const HYPERVISOR_NODE_NAME: &str = "hypervisor";
/// Prefix of the properties this binding owns.
pub const VENDOR_PREFIX: &str = "kairos,";

/// Standard `compatible` property.
pub const COMPATIBLE: &str = "compatible";
/// Standard `status` property: a VM node whose status is not `okay` is skipped.
pub const STATUS: &str = "status";
/// Standard `#address-cells` property of the hypervisor node.
pub const ADDRESS_CELLS: &str = "#address-cells";
/// Standard `#size-cells` property of the hypervisor node.
pub const SIZE_CELLS: &str = "#size-cells";

/// Hypervisor node: log level (string, one of [`LOG_LEVELS`]).
pub const LOG_LEVEL: &str = "kairos,log-level";

/// VM node: logical CPU indices (u32 list, at least one).
pub const CPUS: &str = "kairos,cpus";
/// VM node: RAM size in bytes (`#size-cells`).
pub const MEMORY_SIZE: &str = "kairos,memory-size";
/// VM node: fixed physical base of its RAM (`#address-cells`).
pub const MEMORY_BASE: &str = "kairos,memory-base";
/// VM node: guest-physical base of its RAM (`#address-cells`).
pub const IPA_BASE: &str = "kairos,ipa-base";
/// VM node: name of a built-in image (string).
pub const IMAGE: &str = "kairos,image";
/// VM node: an image the boot loader placed in memory (`#address-cells` + `#size-cells`).
pub const IMAGE_REG: &str = "kairos,image-reg";
/// VM node: entry point IPA (`#address-cells`).
pub const ENTRY: &str = "kairos,entry";
/// VM node: offset of the image inside the VM's RAM (one u32 cell).
pub const LOAD_OFFSET: &str = "kairos,load-offset";
/// VM node: passthrough MMIO regions (`#address-cells` + `#size-cells` pairs).
pub const DEVICES: &str = "kairos,devices";
/// VM node: physical SPI INTIDs owned by the VM (u32 list).
pub const INTERRUPTS: &str = "kairos,interrupts";
/// VM node: fault policy (string, one of [`ON_FAULT_VALUES`]).
pub const ON_FAULT: &str = "kairos,on-fault";
/// VM node: migration policy (string, one of [`MIGRATE_VALUES`]).
pub const MIGRATE: &str = "kairos,migrate";
/// VM node: the guest's kernel command line, its `/chosen/bootargs` (string).
pub const BOOTARGS: &str = "kairos,bootargs";
/// VM node: an initramfs the boot loader placed in memory (`#address-cells` + `#size-cells`),
/// copied into the VM's RAM and named by `/chosen/linux,initrd-start` and `-end`.
pub const RAMDISK_REG: &str = "kairos,ramdisk-reg";
/// VM node: the host file `make run` places at `kairos,image-reg` (string; not read at boot).
pub const IMAGE_FILE: &str = "kairos,image-file";
/// VM node: the host file `make run` places at `kairos,ramdisk-reg` (string; not read at boot).
pub const RAMDISK_FILE: &str = "kairos,ramdisk-file";

/// Every `kairos,*` property a VM node may carry.
pub const VM_PROPERTIES: &[&str] = &[
    CPUS,
    MEMORY_SIZE,
    MEMORY_BASE,
    IPA_BASE,
    IMAGE,
    IMAGE_REG,
    ENTRY,
    LOAD_OFFSET,
    DEVICES,
    INTERRUPTS,
    ON_FAULT,
    MIGRATE,
    BOOTARGS,
    RAMDISK_REG,
    IMAGE_FILE,
    RAMDISK_FILE,
];

/// Every `kairos,*` property the hypervisor node may carry.
pub const HYPERVISOR_PROPERTIES: &[&str] = &[LOG_LEVEL];

/// Accepted values of [`LOG_LEVEL`].
pub const LOG_LEVELS: &[&str] = &["off", "error", "warn", "info", "debug", "trace"];
/// Accepted values of [`ON_FAULT`], in the order of [`crate::OnFault`].
pub const ON_FAULT_VALUES: &[&str] = &["inject", "stop", "restart"];
/// Accepted values of [`MIGRATE`], in the order of [`crate::MigratePolicy`].
pub const MIGRATE_VALUES: &[&str] = &["always", "if-no-miss", "never"];

/// Default guest-physical base of a VM's RAM.
pub const DEFAULT_IPA_BASE: u64 = 0x4000_0000;
/// Default offset of the image inside the VM's RAM (the arm64 Image `text_offset`).
pub const DEFAULT_LOAD_OFFSET: u64 = 0x8_0000;
/// `#address-cells` when the hypervisor node does not say (Devicetree Specification default).
pub const DEFAULT_ADDRESS_CELLS: u32 = 2;
/// `#size-cells` when the hypervisor node does not say (Devicetree Specification default).
pub const DEFAULT_SIZE_CELLS: u32 = 1;

/// Name of the VM node's child whose child nodes are copied into the root of the VM's device
/// tree (descriptions of its passthrough devices, as Xen dom0less's passthrough tree).
pub const GUEST_DT_NODE: &str = "guest-dt";
/// Phandle of the interrupt controller in every VM's device tree, for `interrupt-parent` in
/// `guest-dt` nodes (the value Xen gives its guests' GIC, so passthrough trees written for Xen
/// work unchanged).
pub const GUEST_GIC_PHANDLE: u32 = 65000;
/// Largest kernel command line accepted (Linux's arm64 COMMAND_LINE_SIZE is 2048 with the NUL).
pub const MAX_BOOTARGS: usize = 2047;
/// Alignment of the base an arm64 Image is placed above by its `text_offset` (booting.rst).
pub const ARM64_IMAGE_ALIGN: u64 = 0x20_0000;

/// Name of the VM node's child that describes its real-time task set (also `/kairos/tasks` in
/// the guest's device tree).
pub const TASKS_NODE: &str = "tasks";
/// Tasks node: scheduler (string, one of [`SCHEDULERS`]).
pub const SCHEDULER: &str = "kairos,scheduler";
/// Tasks node: print per-event costs and state samples (empty property).
pub const DEBUG: &str = "kairos,debug";
/// Tasks node: fault injection, `<at-us duration-us>`: the guest blacks itself out at its first
/// scheduling event at or after `at-us` for `duration-us`, then resumes through its recovery entry.
pub const INJECT_BLACKOUT_US: &str = "kairos,inject-blackout-us";
/// Task node: worst-case execution time C in microseconds (one cell).
pub const WCET_US: &str = "kairos,wcet-us";
/// Task node: period T (minimum inter-arrival time if sporadic) in microseconds (one cell).
pub const PERIOD_US: &str = "kairos,period-us";
/// Task node: relative deadline D in microseconds (one cell), `C <= D <= T`.
pub const DEADLINE_US: &str = "kairos,deadline-us";
/// Task node: fixed priority, lower is more urgent (one cell; scheduler "fp" only).
pub const PRIORITY: &str = "kairos,priority";
/// Task node: release of the first job in microseconds (one cell, default 0).
pub const OFFSET_US: &str = "kairos,offset-us";
/// Task node: the task is sporadic (empty property).
pub const SPORADIC: &str = "kairos,sporadic";
/// Task node: the task stops after this many jobs (one cell, at least 1).
pub const JOBS: &str = "kairos,jobs";

/// Every `kairos,*` property a tasks node may carry.
pub const TASK_SET_PROPERTIES: &[&str] = &[SCHEDULER, DEBUG, INJECT_BLACKOUT_US];
/// Every `kairos,*` property a task node may carry.
pub const TASK_PROPERTIES: &[&str] = &[
    WCET_US,
    PERIOD_US,
    DEADLINE_US,
    PRIORITY,
    OFFSET_US,
    SPORADIC,
    JOBS,
];
/// Accepted values of [`SCHEDULER`], in the order of [`crate::SchedulerPolicy`].
pub const SCHEDULERS: &[&str] = &["edf", "rm", "dm", "fp"];
/// Most tasks one VM may have (the size of the real-time page's task table).
pub const MAX_TASKS: usize = 32;
