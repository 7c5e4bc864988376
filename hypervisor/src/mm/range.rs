//! A half-open physical or guest-physical address range with the checks the mappers need.

/// `[base, base + size)`; `size` may be zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressRange {
    /// First address in the range.
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
}

impl AddressRange {
    /// A range from base and size.
    pub const fn new(base: u64, size: u64) -> Self {
        AddressRange { base, size }
    }

    /// One past the last address (saturating at `u64::MAX`).
    pub const fn end(&self) -> u64 {
        self.base.saturating_add(self.size)
    }

    /// True when `address` lies inside.
    pub const fn contains(&self, address: u64) -> bool {
        address >= self.base && address < self.end()
    }

    /// True when `[address, address + length)` lies wholly inside (and does not wrap).
    pub fn contains_span(&self, address: u64, length: u64) -> bool {
        match address.checked_add(length) {
            Some(end) => address >= self.base && end <= self.end(),
            None => false,
        }
    }

    /// True when the two ranges share at least one byte.
    pub const fn overlaps(&self, other: &AddressRange) -> bool {
        self.size != 0 && other.size != 0 && self.base < other.end() && other.base < self.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_and_overlap() {
        let r = AddressRange::new(0x1000, 0x1000);
        assert!(r.contains(0x1000) && r.contains(0x1fff) && !r.contains(0x2000));
        assert!(r.contains_span(0x1800, 0x800));
        assert!(!r.contains_span(0x1800, 0x801));
        assert!(!r.contains_span(u64::MAX, 2));
        assert!(r.overlaps(&AddressRange::new(0x1fff, 1)));
        assert!(!r.overlaps(&AddressRange::new(0x2000, 1)));
        assert!(!r.overlaps(&AddressRange::new(0x1000, 0)));
    }
}
