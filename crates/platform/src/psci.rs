//! PSCI firmware interface from the `arm,psci*` node: conduit and function IDs.

use crate::error::{PlatformError, Problem};
use crate::tree::Tree;
use alloc::string::String;

/// The instruction that calls into PSCI firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conduit {
    /// `method = "smc"`: secure monitor call to EL3.
    Smc,
    /// `method = "hvc"`: hypervisor call (firmware runs at EL2 below us).
    Hvc,
}

/// PSCI function IDs and conduit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Psci {
    /// How to call the firmware.
    pub conduit: Conduit,
    /// CPU_ON function ID (0xC400_0003 for PSCI 0.2+).
    pub cpu_on: u32,
    /// CPU_OFF function ID (0x8400_0002 for PSCI 0.2+).
    pub cpu_off: u32,
    /// Whether the node is `arm,psci-0.2`/`arm,psci-1.0` (standard function IDs).
    pub version2: bool,
    /// SYSTEM_OFF function ID (PSCI 0.2+ only).
    pub system_off: Option<u32>,
    /// SYSTEM_RESET function ID (PSCI 0.2+ only).
    pub system_reset: Option<u32>,
}

/// Standard PSCI 0.2+ CPU_ON (SMC64).
pub const PSCI_CPU_ON_64: u32 = 0xC400_0003;
/// Standard PSCI 0.2+ CPU_OFF.
pub const PSCI_CPU_OFF: u32 = 0x8400_0002;
/// Standard PSCI 0.2+ SYSTEM_OFF.
pub const PSCI_SYSTEM_OFF: u32 = 0x8400_0008;
/// Standard PSCI 0.2+ SYSTEM_RESET.
pub const PSCI_SYSTEM_RESET: u32 = 0x8400_0009;

const V2: &[&str] = &["arm,psci-1.0", "arm,psci-0.2"];

/// The first enabled PSCI node, or `None` if the platform has no PSCI firmware.
pub(crate) fn psci(tree: &Tree) -> Result<Option<Psci>, PlatformError> {
    let node = tree.ids().find(|&id| {
        tree.is_compatible(id, &["arm,psci-1.0", "arm,psci-0.2", "arm,psci"]) && tree.enabled(id)
    });
    let Some(id) = node else { return Ok(None) };
    let conduit = match tree.string(id, "method")? {
        Some("smc") => Conduit::Smc,
        Some("hvc") => Conduit::Hvc,
        Some(other) => return Err(tree.err(id, "method", Problem::Unknown(String::from(other)))),
        None => return Err(tree.err(id, "method", Problem::Missing)),
    };
    if tree.is_compatible(id, V2) {
        return Ok(Some(Psci {
            conduit,
            cpu_on: PSCI_CPU_ON_64,
            cpu_off: PSCI_CPU_OFF,
            version2: true,
            system_off: Some(PSCI_SYSTEM_OFF),
            system_reset: Some(PSCI_SYSTEM_RESET),
        }));
    }
    let required = |prop| {
        tree.u32(id, prop)?
            .ok_or_else(|| tree.err(id, prop, Problem::Missing))
    };
    Ok(Some(Psci {
        conduit,
        cpu_on: required("cpu_on")?,
        cpu_off: required("cpu_off")?,
        version2: false,
        system_off: None,
        system_reset: None,
    }))
}
