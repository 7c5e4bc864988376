//! The library's memory on the bare-metal target: a buddy allocator over an arena the C side
//! hands over (`kairos_analysis_heap_init`), used by one caller at a time and without locks
//! (a guest with its MMU off has no reliable atomics). Built for the host, the library uses the
//! system allocator and these calls only report.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};

use buddy_system_allocator::Heap;

/// A lock-free allocator over a caller-given arena, for a single caller at a time.
pub struct ArenaHeap {
    heap: UnsafeCell<Heap<32>>,
}

// SAFETY: the library's contract (crate doc) is that its calls never overlap, so no two
// accesses to the heap cell do either.
unsafe impl Sync for ArenaHeap {}

impl ArenaHeap {
    /// A heap with no memory yet: every allocation fails until [`ArenaHeap::add`].
    pub const fn new() -> ArenaHeap {
        ArenaHeap {
            heap: UnsafeCell::new(Heap::new()),
        }
    }

    /// Hands `size` bytes at `arena` to the heap.
    ///
    /// # Safety
    /// The memory is valid, used by nothing else from now on, and no other call of the heap
    /// runs meanwhile.
    pub unsafe fn add(&self, arena: *mut u8, size: usize) {
        let start = arena as usize;
        // SAFETY: the caller's promises; `add_to_heap` only keeps the aligned part of the range.
        unsafe { (*self.heap.get()).add_to_heap(start, start + size) };
    }

    /// Bytes handed out now.
    pub fn used(&self) -> usize {
        // SAFETY: single caller (crate doc).
        unsafe { (*self.heap.get()).stats_alloc_actual() }
    }

    /// Bytes the heap manages.
    pub fn total(&self) -> usize {
        // SAFETY: single caller (crate doc).
        unsafe { (*self.heap.get()).stats_total_bytes() }
    }
}

impl Default for ArenaHeap {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: blocks come from the buddy allocator, which aligns them to their size (at least the
// layout's size and alignment) and never hands one out twice before it is freed; a failure
// returns null, as `GlobalAlloc` requires.
unsafe impl GlobalAlloc for ArenaHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single caller (crate doc).
        unsafe { (*self.heap.get()).alloc(layout) }.map_or(ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        if let Some(pointer) = NonNull::new(pointer) {
            // SAFETY: single caller; `pointer` came from `alloc` with `layout` (GlobalAlloc).
            unsafe { (*self.heap.get()).dealloc(pointer, layout) };
        }
    }
}

/// The library's allocator on the target.
#[cfg(all(target_os = "none", not(test)))]
#[global_allocator]
static HEAP: ArenaHeap = ArenaHeap::new();

/// Gives the library `size` bytes at `arena` (16-byte aligned is best) to allocate from; may be
/// called again to add more. Call it once before any other function on the bare-metal target;
/// on the host it does nothing (the system allocator serves).
///
/// # Safety
/// `arena` points to `size` writable bytes that nothing else uses from now on.
#[no_mangle]
pub unsafe extern "C" fn kairos_analysis_heap_init(arena: *mut u8, size: usize) {
    if arena.is_null() {
        return;
    }
    #[cfg(all(target_os = "none", not(test)))]
    // SAFETY: the caller's promise, forwarded.
    unsafe {
        HEAP.add(arena, size)
    };
    #[cfg(not(all(target_os = "none", not(test))))]
    let _ = size;
}

/// Bytes of the arena in use now (0 on the host).
#[no_mangle]
pub extern "C" fn kairos_analysis_heap_used() -> usize {
    #[cfg(all(target_os = "none", not(test)))]
    return HEAP.used();
    #[cfg(not(all(target_os = "none", not(test))))]
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arena_serves_and_takes_back() {
        #[repr(C, align(16))]
        struct Arena([u8; 4096]);
        let mut arena = Arena([0; 4096]);
        let heap = ArenaHeap::new();
        let layout = Layout::from_size_align(100, 8).unwrap();
        // SAFETY: no memory yet: the allocation must fail cleanly.
        assert!(unsafe { heap.alloc(layout) }.is_null());
        // SAFETY: a local arena used by this heap only.
        unsafe { heap.add(arena.0.as_mut_ptr(), arena.0.len()) };
        assert_eq!(heap.total(), 4096);
        // SAFETY: a valid layout; the block is freed with the same layout below.
        let block = unsafe { heap.alloc(layout) };
        assert!(!block.is_null() && (block as usize).is_multiple_of(8));
        assert_eq!(heap.used(), 128, "a buddy block of the next power of two");
        // SAFETY: `block` came from this heap with `layout`.
        unsafe { heap.dealloc(block, layout) };
        assert_eq!(heap.used(), 0);
    }
}
