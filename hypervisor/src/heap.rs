//! The hypervisor heap: a buddy allocator over a static region in the image's BSS.

use buddy_system_allocator::LockedHeap;

/// Heap size in bytes.
pub const HEAP_SIZE: usize = 4 << 20;

#[repr(C, align(4096))]
struct HeapMemory([u8; HEAP_SIZE]);

#[link_section = ".noinit.heap"]
static mut HEAP_MEMORY: HeapMemory = HeapMemory([0; HEAP_SIZE]);

#[global_allocator]
static HEAP: LockedHeap<32> = LockedHeap::empty();

/// Hands the heap region to the allocator; call once on the boot core before any allocation.
pub fn init() {
    // SAFETY: HEAP_MEMORY is used by nothing but the allocator, and init runs once.
    unsafe {
        let start = core::ptr::addr_of_mut!(HEAP_MEMORY) as usize;
        HEAP.lock().init(start, HEAP_SIZE);
    }
}

/// Bytes currently allocated.
pub fn used() -> usize {
    HEAP.lock().stats_alloc_actual()
}
