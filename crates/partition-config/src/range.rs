//! Physical or guest-physical address ranges and the interval arithmetic validation needs.

/// Size of a stage-2 page: every VM memory region, passthrough device and image offset is a
/// multiple of it.
pub const PAGE_SIZE: u64 = 0x1000;

/// Alignment of memory the hypervisor allocates for a VM (one stage-2 level-2 block).
pub const PLACEMENT_ALIGN: u64 = 0x20_0000;

/// A half-open address range `[base, base + size)`: the workspace-wide [`addr::AddressRange`].
pub type Range = addr::AddressRange;

pub use addr::align_up;

/// Whether `range` is covered by the union of `set` (ranges in `set` may touch or overlap).
pub fn covered_by(range: &Range, set: &[Range]) -> bool {
    let Some(end) = range.checked_end() else {
        return false;
    };
    let mut cursor = range.base;
    while cursor < end {
        match set.iter().find(|r| r.contains(cursor)) {
            Some(r) => cursor = r.end(),
            None => return false,
        }
    }
    // An empty range counts as covered only when its base lies inside the set.
    range.size != 0 || set.iter().any(|r| r.contains(range.base))
}

/// The first range in `set` that overlaps `range`.
pub fn first_overlap<'s>(range: &Range, set: &'s [Range]) -> Option<&'s Range> {
    set.iter().find(|r| r.overlaps(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_is_half_open() {
        let a = Range::new(0x1000, 0x1000);
        assert!(!a.overlaps(&Range::new(0x2000, 0x1000)));
        assert!(a.overlaps(&Range::new(0x1fff, 1)));
        assert!(!a.overlaps(&Range::new(0x1800, 0)));
    }

    #[test]
    fn rounding_to_pages() {
        assert_eq!(
            Range::new(0x0a00_0200, 0x200).round_out(PAGE_SIZE),
            Range::new(0x0a00_0000, 0x1000)
        );
    }

    #[test]
    fn union_cover() {
        let set = [
            Range::new(0, 0x1000),
            Range::new(0x1000, 0x1000),
            Range::new(0x3000, 0x1000),
        ];
        assert!(covered_by(&Range::new(0x800, 0x1000), &set));
        assert!(!covered_by(&Range::new(0x1800, 0x1000), &set));
        assert!(!covered_by(&Range::new(u64::MAX, 2), &set));
        assert_eq!(align_up(0x20_0001, PLACEMENT_ALIGN), Some(0x40_0000));
        assert_eq!(align_up(u64::MAX, PLACEMENT_ALIGN), None);
    }
}
