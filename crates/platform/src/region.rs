//! A physical address range (`Region`) and its arithmetic helpers.

/// A range of CPU physical addresses: `base .. base + size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    /// First address of the range.
    pub base: u64,
    /// Length of the range in bytes.
    pub size: u64,
}

impl Region {
    /// Creates a region of `size` bytes starting at `base`.
    pub const fn new(base: u64, size: u64) -> Self {
        Region { base, size }
    }

    /// The exclusive end address, `base + size` (saturates at `u64::MAX`).
    pub const fn end(&self) -> u64 {
        self.base.saturating_add(self.size)
    }

    /// Whether `addr` lies inside the region.
    pub const fn contains(&self, addr: u64) -> bool {
        addr >= self.base && addr - self.base < self.size
    }

    /// Whether `other` lies entirely inside this region.
    pub const fn contains_region(&self, other: &Region) -> bool {
        other.base >= self.base
            && other.base - self.base <= self.size
            && other.size <= self.size - (other.base - self.base)
    }

    /// Whether the two regions share at least one byte (empty regions overlap nothing).
    pub const fn overlaps(&self, other: &Region) -> bool {
        if self.size == 0 || other.size == 0 {
            false
        } else if self.base <= other.base {
            other.base - self.base < self.size
        } else {
            self.base - other.base < other.size
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Region;

    #[test]
    fn end_and_contains() {
        let r = Region::new(0x1000, 0x100);
        assert_eq!(r.end(), 0x1100);
        assert!(r.contains(0x1000) && r.contains(0x10ff));
        assert!(!r.contains(0x0fff) && !r.contains(0x1100));
        assert!(!Region::new(5, 0).contains(5));
        assert_eq!(Region::new(u64::MAX - 1, 10).end(), u64::MAX);
        assert!(Region::new(u64::MAX - 0xf, 0x10).contains(u64::MAX));
    }

    #[test]
    fn overlaps_is_symmetric_and_exclusive() {
        let a = Region::new(0x1000, 0x1000);
        let b = Region::new(0x1fff, 0x10);
        let c = Region::new(0x2000, 0x10);
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c) && !c.overlaps(&a));
        assert!(!a.overlaps(&Region::new(0x1800, 0)));
        assert!(Region::new(0, u64::MAX).overlaps(&Region::new(u64::MAX - 1, 1)));
    }

    #[test]
    fn contains_region() {
        let a = Region::new(0x1000, 0x1000);
        assert!(a.contains_region(&Region::new(0x1000, 0x1000)));
        assert!(a.contains_region(&Region::new(0x1800, 0x800)));
        assert!(!a.contains_region(&Region::new(0x1800, 0x801)));
        assert!(!a.contains_region(&Region::new(0x0fff, 0x10)));
    }
}
