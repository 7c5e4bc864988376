//! Reading `reg` with the parent's cell sizes and translating bus addresses through `ranges`.

use crate::error::{PlatformError, Problem};
use crate::tree::{NodeId, Tree, RANGES, REG};
use crate::Region;
use alloc::vec::Vec;

/// Reads a big-endian number of `cells` 32-bit cells from the front of `data`.
///
/// Returns `None` if `data` is too short or the value does not fit in 64 bits
/// (more than two cells are accepted when the leading cells are zero).
pub(crate) fn read_cells(data: &[u8], cells: usize) -> Option<u64> {
    // One and two cells (nearly every `reg`) without the general loop.
    let word = |at: usize| {
        let w: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(u64::from(u32::from_be_bytes(w)))
    };
    match cells {
        1 => return word(0),
        2 => return Some(word(0)? << 32 | word(4)?),
        _ => {}
    }
    let bytes = data.get(..cells.checked_mul(4)?)?;
    let mut value: u64 = 0;
    for w in bytes.chunks_exact(4) {
        if value >> 32 != 0 {
            return None;
        }
        value = (value << 32) | u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    Some(value)
}

/// A node's checked `reg`: its value, with every entry `ac` address and `sc` size cells that
/// fit in 64 bits.
fn checked_reg<'a>(tree: &Tree<'a>, id: NodeId) -> Result<(&'a [u8], usize, usize), PlatformError> {
    let Some(parent) = tree.parent(id) else {
        return Err(tree.err(id, "reg", Problem::BadValue("the root node has no address")));
    };
    checked_reg_in(tree, id, bus_cells(tree, parent)?)
}

/// The `#address-cells` and `#size-cells` that `bus` gives its children.
pub(crate) fn bus_cells(tree: &Tree, bus: NodeId) -> Result<(usize, usize), PlatformError> {
    Ok((tree.address_cells(bus)?, tree.size_cells(bus)?))
}

/// [`checked_reg`] with the parent's cells `(ac, sc)` already read ([`bus_cells`]).
fn checked_reg_in<'a>(
    tree: &Tree<'a>,
    id: NodeId,
    (ac, sc): (usize, usize),
) -> Result<(&'a [u8], usize, usize), PlatformError> {
    let value = tree
        .known(id, REG)
        .ok_or_else(|| tree.err(id, "reg", Problem::Missing))?;
    let entry = (ac + sc) * 4;
    if ac == 0 || value.is_empty() || !value.len().is_multiple_of(entry) {
        let expected = "a non-empty multiple of #address-cells + #size-cells";
        return Err(tree.err(
            id,
            "reg",
            Problem::BadLength {
                len: value.len(),
                expected,
            },
        ));
    }
    let fits = |e: &[u8]| read_cells(e, ac).is_some() && read_cells(&e[ac * 4..], sc).is_some();
    if !value.chunks_exact(entry).all(fits) {
        return Err(tree.err(id, "reg", Problem::BadValue("value wider than 64 bits")));
    }
    Ok((value, ac, sc))
}

/// The `(address, size)` entries of a checked `reg` (see [`checked_reg`]).
fn entries(value: &[u8], ac: usize, sc: usize) -> impl Iterator<Item = (u64, u64)> + '_ {
    value.chunks_exact((ac + sc) * 4).map(move |e| {
        let address = read_cells(e, ac).unwrap_or(0);
        (address, read_cells(&e[ac * 4..], sc).unwrap_or(0))
    })
}

/// The untranslated `(address, size)` pairs of a node's `reg`, in its parent's bus space.
pub(crate) fn raw_reg(tree: &Tree, id: NodeId) -> Result<Vec<(u64, u64)>, PlatformError> {
    let (value, ac, sc) = checked_reg(tree, id)?;
    Ok(entries(value, ac, sc).collect())
}

/// A node's `reg` entries translated to CPU physical addresses.
pub(crate) fn reg(tree: &Tree, id: NodeId) -> Result<Vec<Region>, PlatformError> {
    let mut out = Vec::new();
    reg_into(tree, id, &mut out)?;
    Ok(out)
}

/// [`reg`], appending to `out` (which keeps what it had and, on an error, part of the entries).
pub(crate) fn reg_into(
    tree: &Tree,
    id: NodeId,
    out: &mut Vec<Region>,
) -> Result<(), PlatformError> {
    let Some(parent) = tree.parent(id) else {
        return Err(tree.err(id, "reg", Problem::BadValue("the root node has no address")));
    };
    reg_into_with(tree, id, bus_cells(tree, parent)?, out)
}

/// [`reg_into`] for a node whose parent gives its children `cells` ([`bus_cells`]): a walk
/// over many siblings reads them once.
pub(crate) fn reg_into_with(
    tree: &Tree,
    id: NodeId,
    cells: (usize, usize),
    out: &mut Vec<Region>,
) -> Result<(), PlatformError> {
    let (value, ac, sc) = checked_reg_in(tree, id, cells)?;
    let parent = tree.parent(id).unwrap_or(0);
    for (addr, size) in entries(value, ac, sc) {
        if addr.checked_add(size).is_none() {
            let why = "region wraps past the end of the address space";
            return Err(tree.err(id, "reg", Problem::BadValue(why)));
        }
        out.push(Region {
            base: translate(tree, parent, addr, size)?,
            size,
        });
    }
    Ok(())
}

/// Translates `addr..addr+size` from the address space of `bus`'s children to CPU space,
/// walking up through every ancestor's `ranges` (empty `ranges` = identity mapping).
pub(crate) fn translate(
    tree: &Tree,
    mut bus: NodeId,
    mut addr: u64,
    size: u64,
) -> Result<u64, PlatformError> {
    while let Some(up) = tree.parent(bus) {
        let Some(ranges) = tree.known(bus, RANGES) else {
            return Err(tree.err(bus, "ranges", Problem::NotTranslatable(addr)));
        };
        if !ranges.is_empty() {
            addr = map_through(tree, bus, up, ranges, addr, size)?;
        }
        bus = up;
    }
    Ok(addr)
}

/// Maps one address through the `ranges` of `bus` (whose parent is `up`).
fn map_through(
    tree: &Tree,
    bus: NodeId,
    up: NodeId,
    ranges: &[u8],
    addr: u64,
    size: u64,
) -> Result<u64, PlatformError> {
    let (ca, pa, cs) = (
        tree.address_cells(bus)?,
        tree.address_cells(up)?,
        tree.size_cells(bus)?,
    );
    let entry = (ca + pa + cs) * 4;
    if entry == 0 || !ranges.len().is_multiple_of(entry) {
        let expected = "a multiple of child + parent #address-cells + #size-cells";
        return Err(tree.err(
            bus,
            "ranges",
            Problem::BadLength {
                len: ranges.len(),
                expected,
            },
        ));
    }
    for e in ranges.chunks_exact(entry) {
        let child = read_cells(e, ca);
        let parent = read_cells(&e[ca * 4..], pa);
        let len = read_cells(&e[(ca + pa) * 4..], cs);
        // Entries that do not fit in 64 bits (e.g. PCI spaces) cannot match a 64-bit address.
        let (Some(child), Some(parent), Some(len)) = (child, parent, len) else {
            continue;
        };
        if addr >= child && addr - child < len.max(1) && size <= len - (addr - child) {
            return parent
                .checked_add(addr - child)
                .ok_or_else(|| tree.err(bus, "ranges", Problem::NotTranslatable(addr)));
        }
    }
    Err(tree.err(bus, "ranges", Problem::NotTranslatable(addr)))
}

#[cfg(test)]
mod tests {
    use super::read_cells;

    #[test]
    fn cells() {
        assert_eq!(read_cells(&[0, 0, 0, 5], 1), Some(5));
        assert_eq!(
            read_cells(&[0, 0, 0, 1, 0, 0, 0, 2], 2),
            Some(0x1_0000_0002)
        );
        assert_eq!(
            read_cells(&[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2], 3),
            Some(0x1_0000_0002)
        );
        assert_eq!(read_cells(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2], 3), None);
        assert_eq!(read_cells(&[0, 0, 0], 1), None);
        assert_eq!(read_cells(&[], 0), Some(0));
    }
}
