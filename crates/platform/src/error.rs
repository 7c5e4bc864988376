//! The error value returned for any DTB that cannot be turned into a [`crate::Platform`].

use alloc::string::String;
use core::fmt;

/// Why parsing the device tree failed: which node, which property, and what was wrong.
///
/// `node` is the full path of the node (`"/soc/serial@7e201000"`), or `"<header>"` /
/// `"<memreserve>"` for problems in the blob's header or memory reservation block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformError {
    /// Full path of the offending node.
    pub node: String,
    /// Name of the offending property (or header field).
    pub property: &'static str,
    /// What was wrong with it.
    pub problem: Problem,
}

/// The kind of problem found in a node's property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The blob is shorter than the header or a block says it is.
    Truncated {
        /// Bytes the blob needs.
        needed: u64,
        /// Bytes actually available.
        available: u64,
    },
    /// The header magic is not 0xd00dfeed.
    BadMagic(u32),
    /// The blob's format version is not one this parser understands.
    UnsupportedVersion(u32),
    /// The structure or strings block is malformed; the text says how.
    Malformed(&'static str),
    /// A required property is absent.
    Missing,
    /// The property has a length that does not fit its expected layout.
    BadLength {
        /// Length found, in bytes.
        len: usize,
        /// What the length should have been, in words.
        expected: &'static str,
    },
    /// A value is out of the supported range or contradicts another value.
    BadValue(&'static str),
    /// A string property holds a value this parser does not know.
    Unknown(String),
    /// None of the node's `compatible` strings is a device this parser knows.
    UnknownCompatible(String),
    /// A path, alias or phandle does not lead to a node.
    Unresolved(String),
    /// A bus address cannot be translated to a CPU physical address.
    NotTranslatable(u64),
    /// No node provides this piece of the platform.
    NotFound(&'static str),
}

impl PlatformError {
    /// Builds an error for `node`'s `property`.
    pub fn new(node: &str, property: &'static str, problem: Problem) -> Self {
        PlatformError {
            node: String::from(node),
            property,
            problem,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Truncated { needed, available } => {
                write!(
                    f,
                    "blob truncated: needs {needed} bytes, only {available} available"
                )
            }
            Problem::BadMagic(m) => write!(f, "bad magic {m:#010x} (expected 0xd00dfeed)"),
            Problem::UnsupportedVersion(v) => write!(f, "unsupported version {v}"),
            Problem::Malformed(why) => write!(f, "malformed: {why}"),
            Problem::Missing => write!(f, "missing"),
            Problem::BadLength { len, expected } => {
                write!(f, "has {len} bytes, expected {expected}")
            }
            Problem::BadValue(why) => write!(f, "bad value: {why}"),
            Problem::Unknown(v) => write!(f, "unknown value \"{v}\""),
            Problem::UnknownCompatible(c) => write!(f, "unsupported compatible \"{c}\""),
            Problem::Unresolved(what) => write!(f, "\"{what}\" does not name a node"),
            Problem::NotTranslatable(a) => {
                write!(
                    f,
                    "bus address {a:#x} cannot be translated to a CPU address"
                )
            }
            Problem::NotFound(what) => write!(f, "no {what} found"),
        }
    }
}

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "device tree node {} property `{}`: {}",
            self.node, self.property, self.problem
        )
    }
}

impl core::error::Error for PlatformError {}
