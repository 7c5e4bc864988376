//! A virtual interrupt as a list register holds it, and the two encodings: GICv2's 32-bit
//! GICH_LR<n> and GICv3's 64-bit ICH_LR<n>_EL2.

/// An interrupt to deliver to a vCPU (also what the pending queue holds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VirtualIrq {
    /// The INTID the guest acknowledges.
    pub intid: u32,
    /// GICv2 SGIs: the sending vCPU (the guest reads it in GICC_IAR); 0 otherwise.
    pub source: u8,
    /// Priority, 0 (highest) to 255; the list registers keep the top 5 bits.
    pub priority: u8,
    /// Group 1 (else group 0).
    pub group1: bool,
    /// The physical INTID deactivated together with the virtual one (HW bit), if any.
    pub hardware: Option<u32>,
}

impl VirtualIrq {
    /// True when `other` names the same interrupt instance (INTID and SGI source).
    pub fn same(&self, other: &VirtualIrq) -> bool {
        self.intid == other.intid && self.source == other.source
    }
}

/// The state field of a list register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Empty.
    Invalid,
    /// Pending, not yet acknowledged by the guest.
    Pending,
    /// Acknowledged, not yet deactivated.
    Active,
    /// Active and pending again.
    PendingActive,
}

impl State {
    fn from_bits(bits: u64) -> State {
        match bits & 3 {
            0 => State::Invalid,
            1 => State::Pending,
            2 => State::Active,
            _ => State::PendingActive,
        }
    }

    fn bits(self) -> u64 {
        match self {
            State::Invalid => 0,
            State::Pending => 1,
            State::Active => 2,
            State::PendingActive => 3,
        }
    }

    /// Pending (alone or with active).
    pub fn pending(self) -> bool {
        matches!(self, State::Pending | State::PendingActive)
    }

    /// Active (alone or with pending).
    pub fn active(self) -> bool {
        matches!(self, State::Active | State::PendingActive)
    }
}

/// One list register's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The interrupt.
    pub irq: VirtualIrq,
    /// Its state.
    pub state: State,
}

/// Which list register layout the hardware has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// GICH_LR<n>: VirtualID [9:0], PhysicalID [19:10] or EOI [19] + CPUID [12:10],
    /// Priority [27:23], State [29:28], Grp1 [30], HW [31].
    V2,
    /// ICH_LR<n>_EL2: vINTID [31:0], pINTID [44:32], Priority [55:48], Group [60], HW [61],
    /// State [63:62].
    V3,
}

impl Format {
    /// The register value for `entry`.
    #[inline]
    pub fn encode(self, entry: &Entry) -> u64 {
        let irq = &entry.irq;
        match self {
            Format::V2 => {
                let middle = match irq.hardware {
                    Some(physical) => u64::from(physical & 0x3ff) << 10 | 1 << 31,
                    None => u64::from(irq.source & 7) << 10,
                };
                u64::from(irq.intid & 0x3ff)
                    | middle
                    | u64::from(irq.priority >> 3) << 23
                    | entry.state.bits() << 28
                    | u64::from(irq.group1) << 30
            }
            Format::V3 => {
                let hardware = irq
                    .hardware
                    .map_or(0, |physical| u64::from(physical & 0x1fff) << 32 | 1 << 61);
                u64::from(irq.intid)
                    | hardware
                    | u64::from(irq.priority) << 48
                    | u64::from(irq.group1) << 60
                    | entry.state.bits() << 62
            }
        }
    }

    /// The entry a register value holds.
    pub fn decode(self, raw: u64) -> Entry {
        match self {
            Format::V2 => {
                let hw = raw & (1 << 31) != 0;
                let middle = (raw >> 10) as u32;
                Entry {
                    irq: VirtualIrq {
                        intid: (raw & 0x3ff) as u32,
                        source: if hw { 0 } else { (middle & 7) as u8 },
                        priority: (((raw >> 23) & 0x1f) << 3) as u8,
                        group1: raw & (1 << 30) != 0,
                        hardware: hw.then_some(middle & 0x3ff),
                    },
                    state: State::from_bits(raw >> 28),
                }
            }
            Format::V3 => {
                let hw = raw & (1 << 61) != 0;
                Entry {
                    irq: VirtualIrq {
                        intid: raw as u32,
                        source: 0,
                        priority: (raw >> 48) as u8,
                        group1: raw & (1 << 60) != 0,
                        hardware: hw.then_some(((raw >> 32) & 0x1fff) as u32),
                    },
                    state: State::from_bits(raw >> 62),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(state: State) -> Entry {
        let irq = VirtualIrq {
            intid: 27,
            source: 0,
            priority: 0xa0,
            group1: true,
            hardware: Some(27),
        };
        Entry { irq, state }
    }

    #[test]
    fn gicv3_hardware_entry_matches_the_architecture() {
        let raw = Format::V3.encode(&timer(State::Pending));
        assert_eq!(
            raw,
            27 | 27 << 32 | 0xa0 << 48 | 1 << 60 | 1 << 61 | 1 << 62
        );
        assert_eq!(Format::V3.decode(raw), timer(State::Pending));
    }

    #[test]
    fn gicv2_hardware_entry_matches_the_architecture() {
        let raw = Format::V2.encode(&timer(State::Pending));
        assert_eq!(
            raw,
            27 | 27 << 10 | (0xa0 >> 3) << 23 | 1 << 28 | 1 << 30 | 1 << 31
        );
        assert_eq!(Format::V2.decode(raw), timer(State::Pending));
    }

    #[test]
    fn gicv2_sgis_carry_their_source_and_priorities_keep_five_bits() {
        let sgi = VirtualIrq {
            intid: 3,
            source: 5,
            priority: 0x47,
            group1: false,
            hardware: None,
        };
        let raw = Format::V2.encode(&Entry {
            irq: sgi,
            state: State::PendingActive,
        });
        assert_eq!(raw, 3 | 5 << 10 | (0x47 >> 3) << 23 | 3 << 28);
        let back = Format::V2.decode(raw);
        assert_eq!(back.irq.source, 5);
        assert_eq!(back.irq.priority, 0x40);
        assert_eq!(back.state, State::PendingActive);
        assert_eq!(back.irq.hardware, None);
    }

    #[test]
    fn empty_registers_decode_as_invalid() {
        for format in [Format::V2, Format::V3] {
            assert_eq!(format.decode(0).state, State::Invalid);
            assert!(!State::Invalid.pending() && !State::Invalid.active());
            assert!(State::PendingActive.pending() && State::PendingActive.active());
        }
    }
}
