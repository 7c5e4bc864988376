//! EL2 stage-1 translation: an early one-to-one map with 1 GiB blocks to leave the MMU-off state
//! quickly, then the precise map built from the platform's memory description.

use crate::mm::{Access, AddressRange, MemoryKind, PageTable, Regime};
use core::sync::atomic::{AtomicU64, Ordering};

/// MAIR_EL2: attr0 Device-nGnRE, attr1 Normal write-back read/write-allocate, attr2 Normal
/// non-cacheable. The indices match `PageTable`'s EL2 encoding.
const MAIR: u64 = crate::arch::register_values::MAIR_EL2_VALUE;
/// SCTLR_EL2 with the MMU, both caches and the stack alignment check on (RES1 bits set).
const SCTLR_MMU_ON: u64 = crate::arch::register_values::SCTLR_EL2_MMU_ON;

#[repr(C, align(4096))]
struct EarlyTable([u64; 512]);

/// The early level-1 table (512 x 1 GiB), built with the MMU off.
static mut EARLY_TABLE: EarlyTable = EarlyTable([0; 512]);

/// The root of the final EL2 map, read by secondaries (with their MMU off) before they enable it.
#[no_mangle]
pub static EL2_ROOT: AtomicU64 = AtomicU64::new(0);

/// The PARange field of ID_AA64MMFR0_EL1 (physical address size code).
pub fn physical_address_range_code() -> u64 {
    let value: u64;
    // SAFETY: reading an ID register has no side effects.
    unsafe { core::arch::asm!("mrs {}, id_aa64mmfr0_el1", out(reg) value) };
    (value & 0xf).min(5)
}

/// Physical address bits for a PARange code.
pub fn physical_address_bits(code: u64) -> u32 {
    [32, 36, 40, 42, 44, 48, 52][code.min(6) as usize]
}

fn tcr() -> u64 {
    let input_bits = crate::mm::pagetable::INPUT_BITS;
    crate::arch::register_values::tcr_el2(input_bits, physical_address_range_code())
}

/// Builds the early map: the 1 GiB blocks holding the image and the DTB as normal memory,
/// everything else as device memory. Runs with the MMU off on the boot core.
pub fn build_early_table(image: u64, dtb: u64) {
    // SAFETY: only the boot core runs this, before any other core starts or reads the table.
    let table = unsafe { &mut *core::ptr::addr_of_mut!(EARLY_TABLE) };
    use crate::mm::descriptor as d;
    let normal = d::attribute_index(d::MAIR_NORMAL) | d::INNER_SHAREABLE;
    let device = d::attribute_index(d::MAIR_DEVICE) | d::EXECUTE_NEVER;
    for (index, entry) in table.0.iter_mut().enumerate() {
        let base = (index as u64) << 30;
        let is_normal = base == image & !((1 << 30) - 1) || base == dtb & !((1 << 30) - 1);
        *entry = d::leaf(base, if is_normal { normal } else { device });
    }
    crate::arch::aarch64::cpu::clean_dcache_range(table.0.as_ptr() as u64, 4096);
}

/// Enables EL2 translation with the early table on this core.
pub fn enable_early() {
    let root = core::ptr::addr_of!(EARLY_TABLE) as u64;
    enable(root);
}

/// Loads MAIR/TCR/TTBR0_EL2 and turns on the MMU and caches of this core.
pub fn enable(root: u64) {
    // SAFETY: `root` is a complete one-to-one map of the hypervisor's memory, so the instruction
    // stream and the stack stay valid across the switch; TLBs are invalidated before use.
    unsafe {
        core::arch::asm!(
            "msr mair_el2, {mair}",
            "msr tcr_el2, {tcr}",
            "msr ttbr0_el2, {root}",
            "dsb ish",
            "tlbi alle2",
            "dsb ish",
            "isb",
            "msr sctlr_el2, {sctlr}",
            "isb",
            mair = in(reg) MAIR,
            tcr = in(reg) tcr(),
            root = in(reg) root,
            sctlr = in(reg) SCTLR_MMU_ON,
            options(nostack),
        );
    }
}

/// Switches this core (MMU already on) to another one-to-one root.
pub fn switch(root: u64) {
    // SAFETY: both maps are one-to-one over the hypervisor's memory; TLBs are flushed after.
    unsafe {
        core::arch::asm!(
            "dsb ish",
            "msr ttbr0_el2, {root}",
            "isb",
            "tlbi alle2",
            "dsb ish",
            "isb",
            root = in(reg) root,
            options(nostack),
        );
    }
}

/// Builds the final map: RAM normal and executable, everything else in the input space device.
pub fn build_final_table(ram: &[AddressRange]) -> PageTable {
    let mut table = PageTable::new(Regime::El2);
    let space = 1u64 << crate::mm::pagetable::INPUT_BITS;
    let limit = space.min(1u64 << physical_address_bits(physical_address_range_code()));
    if let Err(error) = table.map(0, 0, limit, MemoryKind::Device, Access::ReadWrite) {
        log::error!("EL2 map: device space [0, {limit:#x}) not mapped: {error:?}");
    }
    for region in ram {
        let base = (region.base + 0x1f_ffff) & !0x1f_ffff;
        let end = region.end().min(limit) & !0x1f_ffff;
        if end > base {
            let (kind, access) = (MemoryKind::Normal, Access::ReadWriteExecute);
            if let Err(error) = table.map(base, base, end - base, kind, access) {
                log::error!("EL2 map: RAM [{base:#x}, {end:#x}) not mapped normal: {error:?}");
            }
        }
    }
    table
}

/// Publishes the final root for the secondaries, cleaned to memory they read with the MMU off.
pub fn publish_root(root: u64) {
    EL2_ROOT.store(root, Ordering::Release);
    crate::arch::aarch64::cpu::clean_dcache_range(core::ptr::addr_of!(EL2_ROOT) as u64, 8);
}
