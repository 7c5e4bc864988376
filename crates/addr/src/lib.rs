//! The half-open physical or guest-physical address range (`[base, base + size)`) that the
//! platform description, the partition configuration and the hypervisor's mappers share.
//!
//! Also [`order`]: the small sort those crates share.
//!
//! Pure arithmetic: no dependencies, `no_std`, host-testable.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use core::fmt;

pub mod order;

/// A half-open address range `[base, base + size)`; `size` may be zero.
///
/// Membership and overlap are computed without overflow, so a range that ends exactly at
/// `2^64` still contains `u64::MAX`; [`AddressRange::end`] saturates at `u64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressRange {
    /// First address of the range.
    pub base: u64,
    /// Length in bytes.
    pub size: u64,
}

impl AddressRange {
    /// Builds a range of `size` bytes starting at `base`.
    pub const fn new(base: u64, size: u64) -> Self {
        AddressRange { base, size }
    }

    /// One past the last address, saturating at `u64::MAX` for a range that reaches or wraps
    /// past the top of the address space.
    pub const fn end(&self) -> u64 {
        self.base.saturating_add(self.size)
    }

    /// One past the last address, or `None` when `base + size` does not fit in 64 bits.
    pub const fn checked_end(&self) -> Option<u64> {
        self.base.checked_add(self.size)
    }

    /// Whether `address` lies inside the range.
    pub const fn contains(&self, address: u64) -> bool {
        address >= self.base && address - self.base < self.size
    }

    /// Whether `[address, address + length)` lies wholly inside the range (and does not wrap).
    pub const fn contains_span(&self, address: u64, length: u64) -> bool {
        match address.checked_add(length) {
            Some(end) => address >= self.base && end <= self.end(),
            None => false,
        }
    }

    /// Whether `other` lies entirely inside this range.
    pub const fn contains_range(&self, other: &AddressRange) -> bool {
        other.base >= self.base
            && other.base - self.base <= self.size
            && other.size <= self.size - (other.base - self.base)
    }

    /// Whether the two ranges share at least one address (empty ranges overlap nothing).
    pub const fn overlaps(&self, other: &AddressRange) -> bool {
        if self.size == 0 || other.size == 0 {
            false
        } else if self.base <= other.base {
            other.base - self.base < self.size
        } else {
            self.base - other.base < other.size
        }
    }

    /// Whether both base and size are multiples of `align` (a power of two).
    pub const fn is_aligned(&self, align: u64) -> bool {
        self.base.is_multiple_of(align) && self.size.is_multiple_of(align)
    }

    /// The smallest range with `align`-aligned base and end (`align` a power of two) that
    /// covers this one; its end saturates at `u64::MAX`.
    pub const fn round_out(&self, align: u64) -> AddressRange {
        let base = self.base - self.base % align;
        let end = match align_up(self.end(), align) {
            Some(end) => end,
            None => u64::MAX,
        };
        AddressRange {
            base,
            size: end - base,
        }
    }
}

impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:#x}, {:#x})", self.base, self.end())
    }
}

/// Rounds `value` up to a multiple of `align` (a power of two), or `None` on overflow.
pub const fn align_up(value: u64, align: u64) -> Option<u64> {
    match value.checked_add(align - 1) {
        Some(sum) => Some(sum & !(align - 1)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_and_contains() {
        let r = AddressRange::new(0x1000, 0x100);
        assert_eq!(r.end(), 0x1100);
        assert!(r.contains(0x1000) && r.contains(0x10ff));
        assert!(!r.contains(0x0fff) && !r.contains(0x1100));
        assert!(!AddressRange::new(5, 0).contains(5));
        assert_eq!(AddressRange::new(u64::MAX - 1, 10).end(), u64::MAX);
        assert_eq!(AddressRange::new(u64::MAX - 1, 10).checked_end(), None);
        assert!(AddressRange::new(u64::MAX - 0xf, 0x10).contains(u64::MAX));
    }

    #[test]
    fn contains_span() {
        let r = AddressRange::new(0x1000, 0x1000);
        assert!(r.contains_span(0x1800, 0x800));
        assert!(!r.contains_span(0x1800, 0x801));
        assert!(!r.contains_span(u64::MAX, 2));
    }

    #[test]
    fn overlaps_is_symmetric_half_open_and_ignores_empty() {
        let a = AddressRange::new(0x1000, 0x1000);
        let b = AddressRange::new(0x1fff, 0x10);
        let c = AddressRange::new(0x2000, 0x10);
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c) && !c.overlaps(&a));
        assert!(!a.overlaps(&AddressRange::new(0x1800, 0)));
        assert!(!AddressRange::new(0x1800, 0).overlaps(&a));
        assert!(AddressRange::new(0, u64::MAX).overlaps(&AddressRange::new(u64::MAX - 1, 1)));
    }

    #[test]
    fn contains_range() {
        let a = AddressRange::new(0x1000, 0x1000);
        assert!(a.contains_range(&AddressRange::new(0x1000, 0x1000)));
        assert!(a.contains_range(&AddressRange::new(0x1800, 0x800)));
        assert!(!a.contains_range(&AddressRange::new(0x1800, 0x801)));
        assert!(!a.contains_range(&AddressRange::new(0x0fff, 0x10)));
        let ram = AddressRange::new(0x4000_0000, 0x4000_0000);
        assert!(!ram.contains_range(&AddressRange::new(0x7fff_f000, 0x2000)));
    }

    #[test]
    fn alignment_and_rounding() {
        assert!(AddressRange::new(0x2000, 0x1000).is_aligned(0x1000));
        assert!(!AddressRange::new(0x2000, 0x800).is_aligned(0x1000));
        assert_eq!(
            AddressRange::new(0x0a00_0200, 0x200).round_out(0x1000),
            AddressRange::new(0x0a00_0000, 0x1000)
        );
        assert_eq!(
            AddressRange::new(u64::MAX - 1, 1).round_out(0x1000).end(),
            u64::MAX
        );
        assert_eq!(align_up(0x20_0001, 0x20_0000), Some(0x40_0000));
        assert_eq!(align_up(u64::MAX, 0x20_0000), None);
    }

    #[test]
    fn display() {
        let r = AddressRange::new(0x1000, 0x200);
        assert_eq!(format!("{r}"), "[0x1000, 0x1200)");
    }
}
