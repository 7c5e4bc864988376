//! Distributor register map: an offset (and access size) into the GICD frame, or into a GICv3
//! redistributor's SGI_base frame (same layout for INTIDs 0-31), decoded to the register.

use super::state::Version;

/// The one-bit-per-interrupt registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitRegister {
    /// IGROUPR.
    Group,
    /// ISENABLER.
    SetEnable,
    /// ICENABLER.
    ClearEnable,
    /// ISPENDR.
    SetPending,
    /// ICPENDR.
    ClearPending,
    /// ISACTIVER.
    SetActive,
    /// ICACTIVER.
    ClearActive,
}

impl BitRegister {
    /// A write of 1 turns something on (and needs the interrupt to be the VM's own).
    pub fn sets(self) -> bool {
        matches!(
            self,
            BitRegister::SetEnable | BitRegister::SetPending | BitRegister::SetActive
        )
    }

    /// The register's name, for traces.
    pub fn name(self) -> &'static str {
        match self {
            BitRegister::Group => "IGROUPR",
            BitRegister::SetEnable => "ISENABLER",
            BitRegister::ClearEnable => "ICENABLER",
            BitRegister::SetPending => "ISPENDR",
            BitRegister::ClearPending => "ICPENDR",
            BitRegister::SetActive => "ISACTIVER",
            BitRegister::ClearActive => "ICACTIVER",
        }
    }
}

/// A distributor register, with the first INTID it covers where it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Register {
    /// GICD_CTLR.
    Control,
    /// GICD_TYPER.
    Type,
    /// GICD_IIDR.
    Implementer,
    /// One bit per interrupt, 32 interrupts from `first`.
    Bits { register: BitRegister, first: u32 },
    /// IPRIORITYR: one byte per interrupt from `first`.
    Priority { first: u32 },
    /// ITARGETSR (GICv2): one byte per interrupt from `first`.
    Targets { first: u32 },
    /// ICFGR: two bits per interrupt, 16 interrupts from `first`.
    Config { first: u32 },
    /// GICD_SGIR (GICv2, write-only).
    SoftwareInterrupt,
    /// IROUTER<intid> (GICv3), `high` for the upper word of a 32-bit access.
    Route { intid: u32, high: bool },
    /// GICD_PIDR2: the architecture revision.
    PeripheralId2,
    /// Reserved, or implemented as read-as-zero / write-ignored.
    Ignored,
}

/// Why an access cannot be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadAccess;

/// Decodes a GICD access of `size` bytes at `offset`.
pub fn decode(version: Version, offset: u64, size: u8) -> Result<Register, BadAccess> {
    let aligned = offset.is_multiple_of(u64::from(size));
    let word = size == 4 && aligned;
    let (bytes_ok, first) = (
        (size == 1 || size == 4) && aligned,
        ((offset & 0x3ff) as u32),
    );
    let pidr2 = if version == Version::V2 {
        0xfe8
    } else {
        0xffe8
    };
    let register = match offset {
        0x000 if word => Register::Control,
        0x004 if word => Register::Type,
        0x008 if word => Register::Implementer,
        0x080..=0x3ff if word => {
            let register = [
                BitRegister::Group,
                BitRegister::SetEnable,
                BitRegister::ClearEnable,
                BitRegister::SetPending,
                BitRegister::ClearPending,
                BitRegister::SetActive,
                BitRegister::ClearActive,
            ][(offset / 0x80 - 1) as usize];
            Register::Bits {
                register,
                first: ((offset % 0x80) * 8) as u32,
            }
        }
        0x400..=0x7fb if bytes_ok => Register::Priority { first },
        0x800..=0xbfb if bytes_ok && version == Version::V2 => Register::Targets { first },
        0x800..=0xbfb if bytes_ok => Register::Ignored, // GICv3: no ITARGETSR with ARE
        0xc00..=0xcff if word => Register::Config {
            first: ((offset - 0xc00) * 4) as u32,
        },
        0xf00 if word && version == Version::V2 => Register::SoftwareInterrupt,
        0x6000..=0x7fdf if version == Version::V3 && (size == 8 || word) => Register::Route {
            intid: ((offset - 0x6000) / 8) as u32,
            high: size == 4 && offset % 8 == 4,
        },
        o if o == pidr2 && word => Register::PeripheralId2,
        _ if word => Register::Ignored,
        _ => return Err(BadAccess),
    };
    Ok(register)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_per_interrupt_registers() {
        let bits = |register, first| Ok(Register::Bits { register, first });
        assert_eq!(
            decode(Version::V2, 0x104, 4),
            bits(BitRegister::SetEnable, 32)
        );
        assert_eq!(
            decode(Version::V3, 0x180, 4),
            bits(BitRegister::ClearEnable, 0)
        );
        assert_eq!(
            decode(Version::V3, 0x208, 4),
            bits(BitRegister::SetPending, 64)
        );
        assert_eq!(
            decode(Version::V2, 0x284, 4),
            bits(BitRegister::ClearPending, 32)
        );
        assert_eq!(
            decode(Version::V2, 0x37c, 4),
            bits(BitRegister::SetActive, 992)
        );
        assert_eq!(
            decode(Version::V3, 0x3a0, 4),
            bits(BitRegister::ClearActive, 256)
        );
        assert_eq!(decode(Version::V3, 0x084, 4), bits(BitRegister::Group, 32));
        assert_eq!(
            decode(Version::V2, 0x428, 1),
            Ok(Register::Priority { first: 40 })
        );
        assert_eq!(
            decode(Version::V2, 0x428, 4),
            Ok(Register::Priority { first: 40 })
        );
        assert_eq!(
            decode(Version::V2, 0x829, 1),
            Ok(Register::Targets { first: 41 })
        );
        assert_eq!(
            decode(Version::V3, 0x829, 1),
            Ok(Register::Ignored),
            "no ITARGETSR with ARE"
        );
        assert_eq!(
            decode(Version::V2, 0xc08, 4),
            Ok(Register::Config { first: 32 })
        );
    }

    #[test]
    fn decodes_control_identification_and_routing() {
        assert_eq!(decode(Version::V2, 0x000, 4), Ok(Register::Control));
        assert_eq!(decode(Version::V3, 0x004, 4), Ok(Register::Type));
        assert_eq!(decode(Version::V3, 0x008, 4), Ok(Register::Implementer));
        assert_eq!(
            decode(Version::V2, 0xf00, 4),
            Ok(Register::SoftwareInterrupt)
        );
        assert_eq!(decode(Version::V3, 0xf00, 4), Ok(Register::Ignored));
        assert_eq!(
            decode(Version::V3, 0x6140, 8),
            Ok(Register::Route {
                intid: 40,
                high: false
            })
        );
        assert_eq!(
            decode(Version::V3, 0x6144, 4),
            Ok(Register::Route {
                intid: 40,
                high: true
            })
        );
        assert_eq!(decode(Version::V3, 0xffe8, 4), Ok(Register::PeripheralId2));
        assert_eq!(decode(Version::V2, 0xfe8, 4), Ok(Register::PeripheralId2));
    }

    #[test]
    fn refuses_widths_the_gic_does_not_allow() {
        assert_eq!(
            decode(Version::V3, 0x104, 1),
            Err(BadAccess),
            "byte access to ISENABLER"
        );
        assert_eq!(decode(Version::V3, 0x102, 4), Err(BadAccess), "unaligned");
        assert_eq!(decode(Version::V2, 0x000, 2), Err(BadAccess));
        assert_eq!(
            decode(Version::V2, 0x104, 8),
            Err(BadAccess),
            "doubleword outside IROUTER"
        );
    }
}
