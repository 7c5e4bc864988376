//! Configuration errors: which node, which property, and what is wrong with it.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::cells::ValueType;
use crate::dtb_check::DtbDefect;
use crate::range::Range;

/// One problem found in the configuration, naming the node and property it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Full path of the node (`/hypervisor/rtos1`), or `/` for problems with the blob itself.
    pub node: String,
    /// Name of the property, or empty when the problem concerns the node as a whole.
    pub property: String,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// What is wrong; one variant per problem, with the values that show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The blob cannot be read as a flattened device tree.
    CorruptDtb(DtbDefect),
    /// No node has `compatible = "kairos,hypervisor"`.
    NoHypervisorNode,
    /// The hypervisor node has no enabled `kairos,vm` child.
    NoVmNodes,
    /// `#address-cells` or `#size-cells` of the hypervisor node is not 1 or 2.
    UnsupportedCells { cells: u32 },
    /// A child of the hypervisor node has no `compatible` property.
    MissingCompatible,
    /// A required property is absent.
    MissingProperty,
    /// The property's value does not have the expected type or length.
    WrongType {
        expected: ValueType,
        found_bytes: usize,
    },
    /// A string where cells are expected.
    NotCells { expected: ValueType, text: String },
    /// A string property holds a value outside its allowed set.
    UnknownValue {
        value: String,
        allowed: &'static [&'static str],
    },
    /// A `kairos,*` property that the binding does not define.
    UnknownProperty,
    /// A number outside its allowed range.
    OutOfRange { value: u64, min: u64, max: u64 },
    /// `kairos,heartbeat-us` below what the platform sustains with this many cores.
    HeartbeatTooShort { us: u64, min_us: u64, cores: usize },
    /// `kairos,miss-threshold` of 1: a single late beat would declare a healthy core failed.
    ThresholdTooLow { threshold: u64 },
    /// `kairos,fault-plan` is not a list of `<core at-us kind>` triplets.
    BadFaultPlan { cells: usize },
    /// `kairos,cpus` is empty.
    NoCores,
    /// A logical CPU index at or above the platform's core count.
    CoreDoesNotExist { core: u32, cpu_count: usize },
    /// The same core appears twice in one VM's `kairos,cpus`.
    CoreListedTwice { core: u32 },
    /// A size that must not be zero is zero.
    ZeroSize,
    /// An address, size or offset that is not a multiple of `align`.
    Misaligned { value: u64, align: u64 },
    /// `base + size` does not fit in 64 bits.
    AddressOverflow { base: u64, size: u64 },
    /// A physical range that must lie in RAM does not.
    OutsideRam { range: Range },
    /// A physical range overlaps memory reserved by the hypervisor or firmware.
    OverlapsReserved { range: Range, reserved: Range },
    /// Both `kairos,image` and `kairos,image-reg` are present.
    BothImages,
    /// Neither `kairos,image` nor `kairos,image-reg` is present.
    MissingImage,
    /// `kairos,image` names an image the hypervisor does not have.
    UnknownImage { name: String },
    /// The image does not fit in the VM's RAM at its load offset.
    ImageTooLarge {
        image_size: u64,
        load_offset: u64,
        memory_size: u64,
    },
    /// `kairos,entry` lies outside the VM's guest-physical RAM.
    EntryOutsideRam { entry: u64, ipa: Range },
    /// A passthrough region that no platform device covers.
    DeviceNotOnPlatform { range: Range },
    /// A passthrough region that overlaps a device the hypervisor keeps.
    DeviceReserved { range: Range, reserved: Range },
    /// Two passthrough regions of the same VM overlap.
    DeviceListedTwice { range: Range },
    /// An INTID below 32 (an SGI or PPI).
    InterruptNotSpi { intid: u32 },
    /// An INTID above the platform's highest SPI.
    InterruptOutOfRange { intid: u32, max: u32 },
    /// The same INTID appears twice in one VM's `kairos,interrupts`.
    InterruptListedTwice { intid: u32 },
    /// An earlier VM node already has this VM name.
    DuplicateName { name: String, owner_path: String },
    /// An earlier VM already owns this core.
    CoreTaken { core: u32, owner: String },
    /// The VM's fixed memory overlaps an earlier VM's memory.
    MemoryTaken { owner: String, owner_range: Range },
    /// The VM's fixed memory overlaps an earlier VM's in-memory image.
    MemoryOverlapsImage { owner: String, image: Range },
    /// The VM's in-memory image overlaps the (fixed) memory of a VM (possibly its own).
    ImageOverlapsMemory { owner: String, memory: Range },
    /// An earlier VM already has a passthrough region overlapping this one.
    DeviceTaken { range: Range, owner: String },
    /// An earlier VM already owns this INTID.
    InterruptTaken { intid: u32, owner: String },
    /// Placement found no free, 2 MiB-aligned RAM of this size.
    NoRoomForMemory { size: u64 },
    /// A time that must not be zero (a period, a WCET, a deadline, a blackout) is zero.
    ZeroDuration,
    /// A count that must be at least 1 (`kairos,jobs`) is zero.
    ZeroCount,
    /// A task's WCET exceeds its relative deadline (C > D).
    WcetAboveDeadline { wcet_us: u64, deadline_us: u64 },
    /// A task's relative deadline exceeds its period (D > T).
    DeadlineAbovePeriod { deadline_us: u64, period_us: u64 },
    /// `kairos,priority` on a task whose scheduler derives or ignores priorities.
    PriorityNotUsed { scheduler: String },
    /// A tasks node without any task.
    NoTasks,
    /// More tasks than the real-time page holds.
    TooManyTasks { count: usize, max: usize },
    /// U = sum C/T exceeds 1: no scheduler meets every deadline on one core.
    Overloaded { utilization_ppm: u64 },
    /// A node that must not have children (a task node) has one.
    UnexpectedChildNode,
    /// A string longer than its property allows.
    TooLong { length: usize, max: usize },
    /// An INTID the hypervisor keeps for itself (`what` says for what).
    InterruptReserved { intid: u32, what: &'static str },
    /// The initramfs does not fit in the VM's RAM after the image.
    RamdiskTooLarge {
        ramdisk_size: u64,
        offset: u64,
        memory_size: u64,
    },
    /// The in-memory initramfs overlaps the (fixed) memory of a VM (possibly its own).
    RamdiskOverlapsMemory { owner: String, memory: Range },
    /// The VM's fixed memory overlaps an earlier VM's in-memory initramfs.
    MemoryOverlapsRamdisk { owner: String, ramdisk: Range },
    /// The image's arm64 header asks for a placement that is not page aligned.
    BadImageHeader { text_offset: u64 },
    /// A property of the `guest-dt` node itself (it stands for the guest's root).
    GuestDtProperty,
    /// A `guest-dt` child named like a node the hypervisor writes into the guest's tree.
    GuestDtNodeTaken { name: String },
    /// A phandle used twice, or one the hypervisor keeps (0, the GIC's).
    PhandleTaken { phandle: u32 },
    /// A phandle that no node of the guest's tree carries.
    UnknownPhandle { phandle: u32 },
    /// A GIC interrupt in a `guest-dt` node that is not one of the VM's SPIs.
    InterruptNotOwned { kind: u32, number: u32 },
}

impl ConfigError {
    /// Builds an error for `property` (empty for the whole node) of the node at `node`.
    pub fn new(node: &str, property: &str, kind: ErrorKind) -> Self {
        ConfigError {
            node: String::from(node),
            property: String::from(property),
            kind,
        }
    }

    /// The last component of the node path (`rtos1@1`), or `/` for the root.
    pub fn node_name(&self) -> &str {
        match self.node.rsplit_once('/') {
            Some((_, name)) if !name.is_empty() => name,
            _ => "/",
        }
    }
}

/// Collects the errors of one node.
pub(crate) struct NodeErrors<'p> {
    pub node: &'p str,
    pub list: Vec<ConfigError>,
}

impl<'p> NodeErrors<'p> {
    pub fn new(node: &'p str) -> Self {
        NodeErrors {
            node,
            list: Vec::new(),
        }
    }

    pub fn push(&mut self, property: &str, kind: ErrorKind) {
        self.list.push(ConfigError::new(self.node, property, kind));
    }

    /// Keeps the value of `result`, or records its error against `property`.
    pub fn take<T>(&mut self, property: &str, result: Result<T, ErrorKind>) -> Option<T> {
        result.map_err(|kind| self.push(property, kind)).ok()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.node_name() == "/" {
            write!(f, "/")?;
        } else {
            write!(f, "{} ({})", self.node_name(), self.node)?;
        }
        if !self.property.is_empty() {
            write!(f, ": property '{}'", self.property)?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl core::error::Error for ConfigError {}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            CorruptDtb(defect) => write!(f, "the device tree blob is corrupt: {defect}"),
            NoHypervisorNode => write!(f, "no node with compatible \"kairos,hypervisor\""),
            NoVmNodes => write!(f, "no enabled VM node (compatible \"kairos,vm\")"),
            UnsupportedCells { cells } => write!(f, "{cells} cells are not supported (1 or 2)"),
            MissingCompatible => {
                write!(f, "child node without compatible (expected \"kairos,vm\")")
            }
            MissingProperty => write!(f, "required property is missing"),
            WrongType {
                expected,
                found_bytes,
            } => {
                write!(f, "expected {expected}, found {found_bytes} bytes")
            }
            NotCells { expected, text } => {
                write!(f, "expected {expected}, found the string \"{text}\"")
            }
            UnknownValue { value, allowed } => {
                write!(
                    f,
                    "unknown value \"{value}\" (expected one of: {})",
                    allowed.join(", ")
                )
            }
            UnknownProperty => write!(f, "unknown property (not part of the kairos binding)"),
            OutOfRange { value, min, max } => write!(f, "{value} is outside {min}..={max}"),
            HeartbeatTooShort { us, min_us, cores } => write!(
                f,
                "a {us} us heartbeat cannot be sustained on {cores} cores (a beat can come up to \
                 a period late, and faults would be declared on healthy cores): use at least {min_us} us"
            ),
            ThresholdTooLow { threshold } => write!(
                f,
                "{threshold} missed beat is too few: a beat can come late by up to one period; use at least 2"
            ),
            BadFaultPlan { cells } => {
                write!(f, "{cells} cells: expected <core at-us kind> triplets (kind 0 stop, 1 signal)")
            }
            NoCores => write!(f, "no cores given"),
            CoreDoesNotExist { core, cpu_count } => {
                write!(f, "core {core} does not exist (platform has {cpu_count})")
            }
            CoreListedTwice { core } => write!(f, "core {core} is listed twice"),
            ZeroSize => write!(f, "size is zero"),
            Misaligned { value, align } => write!(f, "{value:#x} is not a multiple of {align:#x}"),
            AddressOverflow { base, size } => {
                write!(f, "base {base:#x} + size {size:#x} overflows 64 bits")
            }
            OutsideRam { range } => write!(f, "{range} is not inside RAM"),
            OverlapsReserved { range, reserved } => {
                write!(
                    f,
                    "{range} overlaps memory reserved for the hypervisor or firmware {reserved}"
                )
            }
            BothImages => write!(
                f,
                "both kairos,image and kairos,image-reg given (need exactly one)"
            ),
            MissingImage => write!(
                f,
                "neither kairos,image nor kairos,image-reg given (need one)"
            ),
            UnknownImage { name } => write!(f, "no built-in image named \"{name}\""),
            ImageTooLarge {
                image_size,
                load_offset,
                memory_size,
            } => write!(
                f,
                "image of {image_size:#x} bytes at offset {load_offset:#x} does not fit in \
                 {memory_size:#x} bytes of RAM"
            ),
            EntryOutsideRam { entry, ipa } => {
                write!(
                    f,
                    "entry {entry:#x} is outside the VM's RAM {ipa} (guest-physical)"
                )
            }
            DeviceNotOnPlatform { range } => write!(f, "{range} is not a device of this platform"),
            DeviceReserved { range, reserved } => {
                write!(
                    f,
                    "{range} overlaps {reserved}, a device the hypervisor keeps"
                )
            }
            DeviceListedTwice { range } => write!(f, "{range} overlaps another entry of the list"),
            InterruptNotSpi { intid } => write!(f, "INTID {intid} is not an SPI (32..=1019)"),
            InterruptOutOfRange { intid, max } => {
                write!(f, "INTID {intid} is above the platform's highest SPI {max}")
            }
            InterruptListedTwice { intid } => write!(f, "INTID {intid} is listed twice"),
            DuplicateName { name, owner_path } => {
                write!(f, "VM name \"{name}\" is already used by {owner_path}")
            }
            CoreTaken { core, owner } => write!(f, "core {core} is already owned by VM {owner}"),
            MemoryTaken { owner, owner_range } => {
                write!(f, "overlaps the memory of VM {owner} {owner_range}")
            }
            MemoryOverlapsImage { owner, image } => {
                write!(f, "overlaps the in-memory image of VM {owner} {image}")
            }
            ImageOverlapsMemory { owner, memory } => {
                write!(f, "image overlaps the memory of VM {owner} {memory}")
            }
            DeviceTaken { range, owner } => {
                write!(f, "{range} is already passed through to VM {owner}")
            }
            InterruptTaken { intid, owner } => {
                write!(f, "INTID {intid} is already owned by VM {owner}")
            }
            NoRoomForMemory { size } => {
                write!(f, "no free 2 MiB-aligned RAM left for {size:#x} bytes")
            }
            ZeroDuration => write!(f, "time is zero"),
            ZeroCount => write!(f, "count is zero (at least 1)"),
            WcetAboveDeadline { wcet_us, deadline_us } => write!(
                f,
                "WCET {wcet_us} us exceeds the relative deadline {deadline_us} us (need C <= D)"
            ),
            DeadlineAbovePeriod { deadline_us, period_us } => write!(
                f,
                "relative deadline {deadline_us} us exceeds the period {period_us} us (need D <= T)"
            ),
            PriorityNotUsed { scheduler } => write!(
                f,
                "priorities are given only with kairos,scheduler = \"fp\" (this set uses \"{scheduler}\")"
            ),
            NoTasks => write!(f, "no task (one child node per task)"),
            TooManyTasks { count, max } => write!(f, "{count} tasks, at most {max}"),
            Overloaded { utilization_ppm } => write!(
                f,
                "utilization {}.{:06} exceeds 1: no schedule meets every deadline",
                utilization_ppm / 1_000_000,
                utilization_ppm % 1_000_000
            ),
            UnexpectedChildNode => write!(f, "unexpected child node"),
            TooLong { length, max } => write!(f, "{length} bytes long, at most {max}"),
            InterruptReserved { intid, what } => {
                write!(f, "INTID {intid} is kept by the hypervisor ({what})")
            }
            RamdiskTooLarge {
                ramdisk_size,
                offset,
                memory_size,
            } => write!(
                f,
                "initramfs of {ramdisk_size:#x} bytes at offset {offset:#x} (after the image) \
                 does not fit in {memory_size:#x} bytes of RAM"
            ),
            RamdiskOverlapsMemory { owner, memory } => {
                write!(f, "initramfs overlaps the memory of VM {owner} {memory}")
            }
            MemoryOverlapsRamdisk { owner, ramdisk } => {
                write!(f, "overlaps the in-memory initramfs of VM {owner} {ramdisk}")
            }
            BadImageHeader { text_offset } => write!(
                f,
                "the arm64 Image header's text_offset {text_offset:#x} is not a multiple of 4 KiB"
            ),
            GuestDtProperty => write!(
                f,
                "guest-dt stands for the guest's root: only #address-cells = <2> and \
                 #size-cells = <2> may be given"
            ),
            GuestDtNodeTaken { name } => write!(
                f,
                "node {name} clashes with a node the hypervisor writes into the guest's tree"
            ),
            PhandleTaken { phandle } => write!(
                f,
                "phandle {phandle:#x} is used twice or kept (0, and {:#x} for the guest's GIC)",
                crate::binding::GUEST_GIC_PHANDLE
            ),
            UnknownPhandle { phandle } => write!(
                f,
                "phandle {phandle:#x} is neither the GIC's ({:#x}) nor one of a guest-dt node",
                crate::binding::GUEST_GIC_PHANDLE
            ),
            InterruptNotOwned { kind: 0, number } => write!(
                f,
                "SPI {number} (INTID {}) is not in the VM's kairos,interrupts",
                number.saturating_add(32)
            ),
            InterruptNotOwned { kind, number } => write!(
                f,
                "interrupt type {kind} number {number}: only SPIs (type 0) of the VM's \
                 kairos,interrupts can be passed through"
            ),
        }
    }
}
