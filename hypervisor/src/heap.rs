//! The hypervisor heap: a buddy allocator over a static region in the image's BSS.

use buddy_system_allocator::LockedHeap;

/// Heap size in bytes.
pub const HEAP_SIZE: usize = 4 << 20;

#[repr(C, align(4096))]
struct HeapMemory([u8; HEAP_SIZE]);

#[link_section = ".noinit.heap"]
static mut HEAP_MEMORY: HeapMemory = HeapMemory([0; HEAP_SIZE]);

#[global_allocator]
static HEAP: Heap = Heap(LockedHeap::empty());

/// The buddy allocator, with zeroed allocations of whole pages (translation tables) cleared by
/// `DC ZVA` a cache block per instruction rather than by stores.
struct Heap(LockedHeap<32>);

// SAFETY: every call is the buddy allocator's; `alloc_zeroed` only zeroes what it returned.
unsafe impl core::alloc::GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's contract.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: core::alloc::Layout) {
        // SAFETY: forwarded with the caller's contract.
        unsafe { self.0.dealloc(pointer, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: core::alloc::Layout) -> *mut u8 {
        const PAGE: usize = 4096;
        // SAFETY: forwarded with the caller's contract.
        let pointer = unsafe { self.0.alloc(layout) };
        if pointer.is_null() {
            return pointer;
        }
        if (pointer as usize | layout.size()).is_multiple_of(PAGE) {
            crate::arch::aarch64::cpu::zero_and_clean(pointer as u64, layout.size() as u64);
        } else {
            // SAFETY: the allocator just handed over these `layout.size()` bytes.
            unsafe { core::ptr::write_bytes(pointer, 0, layout.size()) };
        }
        pointer
    }
}

/// Hands the heap region to the allocator; call once on the boot core before any allocation.
pub fn init() {
    // SAFETY: HEAP_MEMORY is used by nothing but the allocator, and init runs once.
    unsafe {
        let start = core::ptr::addr_of_mut!(HEAP_MEMORY) as usize;
        HEAP.0.lock().init(start, HEAP_SIZE);
    }
}

/// Bytes currently allocated.
pub fn used() -> usize {
    HEAP.0.lock().stats_alloc_actual()
}
