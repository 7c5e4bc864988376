//! Errors from writing a device tree or from an inconsistent virtual-platform description.

use alloc::string::String;
use core::fmt;

/// Why a device tree could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DtError {
    /// A node name is empty, has a character the devicetree spec does not allow, has more than
    /// one `@`, or is not empty for the root node.
    InvalidNodeName(String),
    /// A property name is empty or has a character the devicetree spec does not allow.
    InvalidPropertyName(String),
    /// A string property value contains a NUL byte.
    StringContainsNul(String),
    /// A property was written, or a node ended, while no node was open.
    NoOpenNode,
    /// A property was written after a child node of the same node (the format puts them first).
    PropertyAfterChild(String),
    /// A node already has a property of this name.
    DuplicateProperty(String),
    /// A node already has a child of this name.
    DuplicateNode(String),
    /// A second root node was started after the first one ended.
    SecondRoot,
    /// [`finish`](crate::FdtWriter::finish) found this many nodes still open.
    UnclosedNodes(usize),
    /// [`finish`](crate::FdtWriter::finish) found no root node.
    MissingRoot,
    /// A `phandle` property is not 4 bytes, or is 0 or 0xffff_ffff.
    InvalidPhandle,
    /// Two nodes carry the same phandle.
    DuplicatePhandle(u32),
    /// Every phandle value is taken.
    PhandlesExhausted,
    /// A memory reservation, memory or device region has size 0.
    EmptyRegion,
    /// A region's base plus size does not fit in 64 bits.
    RegionOverflow,
    /// The blob (or one property value) would not fit in the 32-bit sizes of the format.
    TooLarge,
    /// The VM has no vCPU.
    NoVcpus,
    /// The VM has more vCPUs than its interrupt controller can target.
    TooManyVcpus {
        /// Largest vCPU count the chosen GIC supports.
        max: u32,
    },
    /// A GICv3 redistributor region is smaller than 128 KiB per vCPU.
    RedistributorsTooSmall,
    /// An SPI number is outside 0..=987 (INTIDs 32..=1019).
    InvalidSpi(u32),
}

impl fmt::Display for DtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidNodeName(name) => write!(f, "invalid node name {name:?}"),
            Self::InvalidPropertyName(name) => write!(f, "invalid property name {name:?}"),
            Self::StringContainsNul(name) => write!(f, "string value of {name:?} contains NUL"),
            Self::NoOpenNode => write!(f, "no node is open"),
            Self::PropertyAfterChild(name) => write!(f, "property {name:?} after a child node"),
            Self::DuplicateProperty(name) => write!(f, "duplicate property {name:?}"),
            Self::DuplicateNode(name) => write!(f, "duplicate node {name:?}"),
            Self::SecondRoot => write!(f, "a second root node"),
            Self::UnclosedNodes(count) => write!(f, "{count} node(s) not ended"),
            Self::MissingRoot => write!(f, "no root node"),
            Self::InvalidPhandle => write!(f, "invalid phandle value"),
            Self::DuplicatePhandle(value) => write!(f, "phandle {value:#x} used twice"),
            Self::PhandlesExhausted => write!(f, "no phandle value left"),
            Self::EmptyRegion => write!(f, "region of size 0"),
            Self::RegionOverflow => write!(f, "region end beyond 2^64"),
            Self::TooLarge => write!(f, "device tree larger than 4 GiB"),
            Self::NoVcpus => write!(f, "VM without vCPU"),
            Self::TooManyVcpus { max } => write!(f, "more than {max} vCPUs for this GIC"),
            Self::RedistributorsTooSmall => write!(f, "GICv3 redistributor region too small"),
            Self::InvalidSpi(spi) => write!(f, "SPI {spi} out of range 0..=987"),
        }
    }
}
