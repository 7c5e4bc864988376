//! Translation table descriptors (VMSAv8-64, 4 KiB granule), named once for every table the
//! hypervisor builds: the early EL2 map (`arch/aarch64/mmu.rs`), the final EL2 map and each
//! guest's stage 2 (`mm/pagetable.rs`).

/// The descriptor is valid (bit 0).
pub const VALID: u64 = 1 << 0;
/// At levels 1-2: a table, not a block; at level 3: a page (bit 1).
pub const TABLE_OR_PAGE: u64 = 1 << 1;
/// Access flag (AF, bit 10): set, so that the first access does not fault.
pub const ACCESS_FLAG: u64 = 1 << 10;
/// Shareability (SH, bits 8-9): inner shareable.
pub const INNER_SHAREABLE: u64 = 0b11 << 8;
/// Execute never (bit 54: XN at EL2 stage 1, XN[1] at stage 2, which with XN[0] clear forbids
/// execution at EL1 and EL0).
pub const EXECUTE_NEVER: u64 = 1 << 54;
/// The output address bits of a descriptor (48-bit physical addresses).
pub const ADDRESS_MASK: u64 = 0x0000_ffff_ffff_f000;
/// The attribute bits a block or page carries (all but the address, valid and type bits).
pub const ATTRIBUTE_MASK: u64 = !ADDRESS_MASK & !(VALID | TABLE_OR_PAGE);

/// The memory type bits: AttrIndx (and NS) at EL2 stage 1, MemAttr at stage 2 (bits 2-5).
pub const MEMORY_TYPE_MASK: u64 = 0b1111 << 2;

/// EL2 stage 1: AttrIndx (bits 2-4) selecting attribute `index` of MAIR_EL2 ([`MAIR_DEVICE`],
/// [`MAIR_NORMAL`], [`MAIR_NON_CACHEABLE`]).
pub const fn attribute_index(index: u64) -> u64 {
    index << 2
}
/// MAIR_EL2 index of Device-nGnRE memory (`mmu.rs` programs MAIR_EL2 to match).
pub const MAIR_DEVICE: u64 = 0;
/// MAIR_EL2 index of Normal write-back memory.
pub const MAIR_NORMAL: u64 = 1;
/// MAIR_EL2 index of Normal non-cacheable memory.
pub const MAIR_NON_CACHEABLE: u64 = 2;
/// EL2 stage 1: AP[2:1] = 0b10, read-only (0b00, the default, is read/write).
pub const EL2_READ_ONLY: u64 = 0b10 << 6;

/// Stage 2: MemAttr (bits 2-5), the memory type written into the descriptor itself.
pub const fn stage2_memory(attribute: u64) -> u64 {
    attribute << 2
}
/// Stage-2 MemAttr of Device-nGnRE memory.
pub const STAGE2_DEVICE: u64 = 0b0001;
/// Stage-2 MemAttr of Normal memory, inner and outer write-back.
pub const STAGE2_NORMAL: u64 = 0b1111;
/// Stage-2 MemAttr of Normal memory, inner and outer non-cacheable.
pub const STAGE2_NON_CACHEABLE: u64 = 0b0101;
/// Stage 2: S2AP (bits 6-7) = 0b01, read-only.
pub const STAGE2_READ_ONLY: u64 = 0b01 << 6;
/// Stage 2: S2AP (bits 6-7) = 0b11, read/write.
pub const STAGE2_READ_WRITE: u64 = 0b11 << 6;

/// A block (levels 1-2) or, with [`TABLE_OR_PAGE`] in `attributes`, a page (level 3) mapping
/// `output` with `attributes`, accessed and valid.
pub const fn leaf(output: u64, attributes: u64) -> u64 {
    (output & ADDRESS_MASK) | attributes | ACCESS_FLAG | VALID
}

/// A table descriptor pointing at the next-level table at `address`.
pub const fn table(address: u64) -> u64 {
    (address & ADDRESS_MASK) | TABLE_OR_PAGE | VALID
}

/// Whether `entry`, found at `level`, points at a next-level table.
pub const fn is_table(entry: u64, level: usize) -> bool {
    level < 3 && entry & (VALID | TABLE_OR_PAGE) == VALID | TABLE_OR_PAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_blocks_pages_and_tables() {
        let block = leaf(0x4000_0000, attribute_index(MAIR_NORMAL) | INNER_SHAREABLE);
        assert_eq!(block, 0x4000_0000 | 1 << 2 | 3 << 8 | 1 << 10 | 1);
        assert!(!is_table(block, 1));
        let table = table(0x4010_3000);
        assert_eq!(table, 0x4010_3003);
        assert!(
            is_table(table, 2) && !is_table(table, 3),
            "a level-3 entry is a page"
        );
        assert_eq!(leaf(0x1234_5fff, TABLE_OR_PAGE), 0x1234_5000 | 1 << 10 | 3);
        assert_eq!(block & ATTRIBUTE_MASK, 1 << 2 | 3 << 8 | 1 << 10);
    }
}
