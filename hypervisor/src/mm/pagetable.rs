//! A 4 KiB-granule translation table builder for EL2 stage 1 and for guest stage 2.
//!
//! Tables cover a 39-bit input space starting at level 1 (T0SZ = 25), so each level-1 entry maps
//! 1 GiB, each level-2 entry 2 MiB and each level-3 entry 4 KiB. The builder uses the largest block
//! that fits the alignment of both addresses and splits blocks into tables when a later mapping
//! needs finer grain. Table memory comes from the global allocator and is addressed by its own
//! pointer, which is its physical address because the hypervisor maps itself one to one.

use super::descriptor::{self as d, ADDRESS_MASK, TABLE_OR_PAGE, VALID};
use alloc::{boxed::Box, vec::Vec};

/// Bits of input address the tables translate.
pub const INPUT_BITS: u32 = 39;
const ENTRIES: usize = 512;
const PAGE: u64 = 4096;

/// Which translation regime a table serves; it decides the attribute encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regime {
    /// EL2 stage 1 (attributes index MAIR_EL2: 0 device, 1 normal write-back, 2 non-cacheable).
    El2,
    /// Guest stage 2 (attributes are encoded directly in MemAttr).
    Stage2,
}

/// Memory type of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryKind {
    /// Device-nGnRE: MMIO.
    Device,
    /// Normal, inner and outer write-back cacheable, inner shareable: RAM.
    Normal,
    /// Normal non-cacheable: memory shared with non-coherent observers.
    NonCacheable,
}

/// What the mapped memory allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read, write and execute.
    ReadWriteExecute,
    /// Read and write, never execute.
    ReadWrite,
    /// Read only, never execute.
    ReadOnly,
}

/// Why a mapping was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Address or size not 4 KiB aligned.
    Misaligned,
    /// The input range runs past the 39-bit input space.
    OutOfRange,
}

#[repr(C, align(4096))]
struct Table([u64; ENTRIES]);

impl Table {
    /// A table of invalid entries, allocated zeroed (not built on the stack and copied).
    fn empty() -> Box<Table> {
        // SAFETY: a table is 512 integers, for which all-zero bytes are a valid value.
        unsafe { Box::<Table>::new_zeroed().assume_init() }
    }
}

/// A translation table tree with its level-1 root.
pub struct PageTable {
    regime: Regime,
    root: Box<Table>,
    tables: Vec<Box<Table>>,
}

fn level_shift(level: usize) -> u32 {
    39 - 9 * level as u32
}

impl PageTable {
    /// An empty tree: every input address faults.
    pub fn new(regime: Regime) -> Self {
        PageTable {
            regime,
            root: Table::empty(),
            tables: Vec::new(),
        }
    }

    /// Physical address of the root table, for TTBR0_EL2 or VTTBR_EL2.
    pub fn root_address(&self) -> u64 {
        &*self.root as *const Table as u64
    }

    /// Number of 4 KiB tables in the tree, root included (its memory footprint in pages).
    pub fn table_count(&self) -> usize {
        1 + self.tables.len()
    }

    /// Maps `[input, input + size)` to `[output, output + size)`.
    pub fn map(
        &mut self,
        input: u64,
        output: u64,
        size: u64,
        kind: MemoryKind,
        access: Access,
    ) -> Result<(), MapError> {
        if !(input | output | size).is_multiple_of(PAGE) {
            return Err(MapError::Misaligned);
        }
        if input
            .checked_add(size)
            .is_none_or(|end| end > 1 << INPUT_BITS)
        {
            return Err(MapError::OutOfRange);
        }
        let attributes = self.attributes(kind, access);
        let mut offset = 0;
        while offset < size {
            let (virt, phys, left) = (input + offset, output + offset, size - offset);
            let fits = |level| {
                let block = 1u64 << level_shift(level);
                (virt | phys) & (block - 1) == 0 && left >= block
            };
            if fits(1) {
                // 1 GiB blocks sit in the root itself (no parent table to find or split): as
                // many as the range holds in one go (a whole device space is 512 of them).
                let blocks = (left >> level_shift(1)) as usize;
                let first = index(virt, 1);
                let count = blocks.min(ENTRIES - first);
                for (at, entry) in self.root.0[first..first + count].iter_mut().enumerate() {
                    *entry = d::leaf(phys + ((at as u64) << level_shift(1)), attributes);
                }
                offset += (count as u64) << level_shift(1);
                continue;
            }
            if fits(2) {
                self.set_entry(virt, phys, 2, attributes);
                offset += 1u64 << level_shift(2);
                continue;
            }
            // Pages: as many as the range holds up to the end of this level-3 table (where a
            // 2 MiB block may fit again), its table found once.
            let in_table = ENTRIES - index(virt, 3);
            let count = ((left / PAGE) as usize).min(in_table);
            let first = index(virt, 3);
            let table = self.table_for(virt, 3);
            let page = attributes | TABLE_OR_PAGE;
            for (at, entry) in table.0[first..first + count].iter_mut().enumerate() {
                *entry = d::leaf(phys + at as u64 * PAGE, page);
            }
            offset += count as u64 * PAGE;
        }
        Ok(())
    }

    /// Removes `[input, input + size)` from the tree (splitting blocks as needed).
    pub fn unmap(&mut self, input: u64, size: u64) -> Result<(), MapError> {
        if !(input | size).is_multiple_of(PAGE) {
            return Err(MapError::Misaligned);
        }
        let mut offset = 0;
        while offset < size {
            let virt = input + offset;
            let left = size - offset;
            let level = (1..=3)
                .find(|&level| {
                    let block = 1u64 << level_shift(level);
                    virt.is_multiple_of(block) && left >= block
                })
                .unwrap_or(3);
            self.clear_entry(virt, level);
            offset += 1u64 << level_shift(level);
        }
        Ok(())
    }

    /// Walks the tree: the output address and descriptor bits for `input`, if mapped.
    pub fn translate(&self, input: u64) -> Option<(u64, u64)> {
        let mut table: &Table = &self.root;
        for level in 1..=3 {
            let entry = table.0[index(input, level)];
            if entry & VALID == 0 {
                return None;
            }
            if !d::is_table(entry, level) {
                let block_mask = (1u64 << level_shift(level)) - 1;
                return Some((
                    (entry & ADDRESS_MASK & !block_mask) | (input & block_mask),
                    entry,
                ));
            }
            table = self.table_at(entry & ADDRESS_MASK)?;
        }
        None
    }

    /// The memory kind of the mapping at `input`, if mapped.
    pub fn kind_at(&self, input: u64) -> Option<MemoryKind> {
        let (_, entry) = self.translate(input)?;
        let kinds = [
            MemoryKind::Device,
            MemoryKind::Normal,
            MemoryKind::NonCacheable,
        ];
        kinds.into_iter().find(|kind| {
            let encoded = self.attributes(*kind, Access::ReadOnly);
            (entry & d::MEMORY_TYPE_MASK) == (encoded & d::MEMORY_TYPE_MASK)
        })
    }

    /// The attribute bits of a block or page of `kind` with `access` (access flag and
    /// validity are added by [`d::leaf`]).
    fn attributes(&self, kind: MemoryKind, access: Access) -> u64 {
        let memory = match (self.regime, kind) {
            (Regime::El2, MemoryKind::Device) => d::attribute_index(d::MAIR_DEVICE),
            (Regime::El2, MemoryKind::Normal) => d::attribute_index(d::MAIR_NORMAL),
            (Regime::El2, MemoryKind::NonCacheable) => d::attribute_index(d::MAIR_NON_CACHEABLE),
            (Regime::Stage2, MemoryKind::Device) => d::stage2_memory(d::STAGE2_DEVICE),
            (Regime::Stage2, MemoryKind::Normal) => d::stage2_memory(d::STAGE2_NORMAL),
            (Regime::Stage2, MemoryKind::NonCacheable) => d::stage2_memory(d::STAGE2_NON_CACHEABLE),
        };
        let shareable = if kind == MemoryKind::Device {
            0
        } else {
            d::INNER_SHAREABLE
        };
        let permission = match (self.regime, access) {
            (Regime::El2, Access::ReadOnly) => d::EL2_READ_ONLY,
            (Regime::El2, _) => 0,
            (Regime::Stage2, Access::ReadOnly) => d::STAGE2_READ_ONLY,
            (Regime::Stage2, _) => d::STAGE2_READ_WRITE,
        };
        let execute = if access != Access::ReadWriteExecute || kind == MemoryKind::Device {
            d::EXECUTE_NEVER
        } else {
            0
        };
        memory | shareable | permission | execute
    }

    fn table_at(&self, address: u64) -> Option<&Table> {
        if address == self.root_address() {
            return Some(&self.root);
        }
        self.tables
            .iter()
            .map(|t| &**t)
            .find(|t| *t as *const Table as u64 == address)
    }

    fn table_index(&self, address: u64) -> usize {
        self.tables
            .iter()
            .position(|t| &**t as *const Table as u64 == address)
            .unwrap()
    }

    /// The table at `level` holding `input`'s entry, creating or splitting parents on the way.
    fn table_for(&mut self, input: u64, level: usize) -> &mut Table {
        let mut current: Option<usize> = None; // None = root
        for parent_level in 1..level {
            let slot = index(input, parent_level);
            let entry = self.table_mut(current).0[slot];
            let child = if d::is_table(entry, parent_level) {
                self.table_index(entry & ADDRESS_MASK)
            } else {
                let mut fresh = Table::empty();
                split_block(entry, parent_level, &mut fresh);
                self.tables.push(fresh);
                let position = self.tables.len() - 1;
                let address = &*self.tables[position] as *const Table as u64;
                // The new table's entries before the entry pointing at it, for a walk on another
                // core (a running guest's stage 2 grows when it touches a fresh page).
                core::sync::atomic::fence(core::sync::atomic::Ordering::Release);
                self.table_mut(current).0[slot] = d::table(address);
                position
            };
            current = Some(child);
        }
        self.table_mut(current)
    }

    fn table_mut(&mut self, which: Option<usize>) -> &mut Table {
        match which {
            None => &mut self.root,
            Some(position) => &mut self.tables[position],
        }
    }

    fn set_entry(&mut self, input: u64, output: u64, level: usize, attributes: u64) {
        let page = if level == 3 { TABLE_OR_PAGE } else { 0 };
        let slot = index(input, level);
        self.table_for(input, level).0[slot] = d::leaf(output, attributes | page);
    }

    fn clear_entry(&mut self, input: u64, level: usize) {
        let slot = index(input, level);
        self.table_for(input, level).0[slot] = 0;
    }
}

fn index(input: u64, level: usize) -> usize {
    ((input >> level_shift(level)) & (ENTRIES as u64 - 1)) as usize
}

/// Fills an empty next-level `table` to map the same memory as `block` (nothing, if it was
/// invalid).
fn split_block(block: u64, level: usize, table: &mut Table) {
    if block & VALID == 0 {
        return;
    }
    let child_size = 1u64 << level_shift(level + 1);
    let base = block & ADDRESS_MASK & !((1u64 << level_shift(level)) - 1);
    let page = if level + 1 == 3 { TABLE_OR_PAGE } else { 0 };
    let attributes = block & d::ATTRIBUTE_MASK | page;
    for (i, entry) in table.0.iter_mut().enumerate() {
        *entry = d::leaf(base + i as u64 * child_size, attributes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    const MIB2: u64 = 2 << 20;

    #[test]
    fn uses_blocks_and_translates() {
        let mut table = PageTable::new(Regime::El2);
        table
            .map(GIB, GIB, GIB, MemoryKind::Normal, Access::ReadWriteExecute)
            .unwrap();
        assert_eq!(table.table_count(), 1, "a 1 GiB block needs no sub-table");
        assert_eq!(table.translate(GIB + 0x1234).unwrap().0, GIB + 0x1234);
        assert_eq!(table.kind_at(GIB), Some(MemoryKind::Normal));
        assert!(table.translate(0).is_none());
    }

    #[test]
    fn splits_blocks_keeping_the_rest_mapped() {
        let mut table = PageTable::new(Regime::El2);
        table
            .map(0, 0, GIB, MemoryKind::Device, Access::ReadWrite)
            .unwrap();
        table
            .map(
                0x0900_0000,
                0x0900_0000,
                0x1000,
                MemoryKind::Normal,
                Access::ReadOnly,
            )
            .unwrap();
        assert_eq!(table.kind_at(0x0900_0000), Some(MemoryKind::Normal));
        assert_eq!(table.kind_at(0x0900_1000), Some(MemoryKind::Device));
        assert_eq!(table.kind_at(0x3fff_f000), Some(MemoryKind::Device));
        assert_eq!(table.translate(0x0800_0123).unwrap().0, 0x0800_0123);
        assert_eq!(table.table_count(), 3);
    }

    #[test]
    fn stage2_maps_guest_ram_elsewhere_and_unmaps() {
        let mut table = PageTable::new(Regime::Stage2);
        table
            .map(
                0x4000_0000,
                0x4820_0000,
                16 << 20,
                MemoryKind::Normal,
                Access::ReadWriteExecute,
            )
            .unwrap();
        assert_eq!(table.translate(0x4008_0000).unwrap().0, 0x4828_0000);
        assert_eq!(table.translate(0x40ff_ffff).unwrap().0, 0x491f_ffff);
        assert!(table.translate(0x4100_0000).is_none());
        table.unmap(0x4000_0000 + MIB2, 0x1000).unwrap();
        assert!(table.translate(0x4000_0000 + MIB2).is_none());
        assert!(table.translate(0x4000_0000 + MIB2 + 0x1000).is_some());
        let (_, bits) = table.translate(0x4000_0000).unwrap();
        assert_eq!((bits >> 6) & 3, 0b11, "stage-2 read/write");
    }

    #[test]
    fn maps_runs_of_pages_across_tables() {
        let mut table = PageTable::new(Regime::Stage2);
        // 3 pages before a 2 MiB boundary, then 2 MiB + 1 page whose output is not 2 MiB
        // aligned (pages all the way), in three level-3 tables.
        let (input, output) = (MIB2 - 0x3000, 0x4820_1000);
        let size = 0x3000 + MIB2 + 0x1000;
        table
            .map(input, output, size, MemoryKind::Normal, Access::ReadWrite)
            .unwrap();
        for at in (0..size).step_by(0x1000) {
            assert_eq!(
                table.translate(input + at).unwrap().0,
                output + at,
                "{at:#x}"
            );
        }
        assert!(table.translate(input - 0x1000).is_none());
        assert!(table.translate(input + size).is_none());
        assert_eq!(table.table_count(), 1 + 1 + 3);
    }

    #[test]
    fn rejects_misaligned_and_out_of_range() {
        let mut table = PageTable::new(Regime::El2);
        assert_eq!(
            table.map(0x10, 0, 0x1000, MemoryKind::Normal, Access::ReadWrite),
            Err(MapError::Misaligned)
        );
        assert_eq!(
            table.map(1 << 39, 0, 0x1000, MemoryKind::Normal, Access::ReadWrite),
            Err(MapError::OutOfRange)
        );
        assert_eq!(
            table.map(!0xfff_u64, 0, 0x2000, MemoryKind::Normal, Access::ReadWrite),
            Err(MapError::OutOfRange)
        );
    }
}
