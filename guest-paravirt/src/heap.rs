//! The guest's memory allocator: a buddy allocator over a static arena, for one vCPU.
//!
//! The guest runs with its MMU off, where all memory is Device memory and atomic
//! read-modify-write is not guaranteed to work, so the allocator takes no lock: it serves a
//! single vCPU with interrupts masked (the Kairos RTOS). The RTOS allocates while it starts (the
//! task set, the analysis buffers); its scheduling events allocate nothing in steady state.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};

use buddy_system_allocator::Heap;

/// Bytes of the arena.
pub const ARENA_SIZE: usize = 96 * 1024;

/// The arena, 16-byte aligned.
#[repr(C, align(16))]
struct Arena([u8; ARENA_SIZE]);

/// A lock-free (single-vCPU) global allocator over a static arena of [`ARENA_SIZE`] bytes.
pub struct GuestHeap {
    heap: UnsafeCell<Heap<24>>,
    arena: UnsafeCell<Arena>,
    ready: UnsafeCell<bool>,
}

// SAFETY: the heap is used by one vCPU at a time with interrupts masked (see the module doc), so
// no two accesses to its cells overlap.
unsafe impl Sync for GuestHeap {}

impl GuestHeap {
    /// An allocator whose arena is handed over at the first allocation.
    pub const fn new() -> GuestHeap {
        GuestHeap {
            heap: UnsafeCell::new(Heap::new()),
            arena: UnsafeCell::new(Arena([0; ARENA_SIZE])),
            ready: UnsafeCell::new(false),
        }
    }

    /// The heap, with the arena added on first use.
    ///
    /// # Safety
    /// The caller must be the only user of the heap until the reference is dropped.
    #[allow(clippy::mut_from_ref)]
    unsafe fn heap(&self) -> &mut Heap<24> {
        // SAFETY: exclusive use is the caller's promise; the arena is a static buffer that only
        // this heap hands out.
        unsafe {
            let heap = &mut *self.heap.get();
            if !*self.ready.get() {
                let start = self.arena.get() as usize;
                heap.init(start, ARENA_SIZE);
                *self.ready.get() = true;
            }
            heap
        }
    }

    /// Bytes handed out now.
    pub fn used(&self) -> usize {
        // SAFETY: single vCPU (module doc): nobody else uses the heap during this call.
        unsafe { self.heap() }.stats_alloc_actual()
    }
}

impl Default for GuestHeap {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: `alloc` returns blocks of the arena that satisfy `layout` (the buddy allocator aligns
// to the block size, at least the layout's size and alignment) and are not handed out twice
// until `dealloc` returns them; a failure returns null, as `GlobalAlloc` requires.
unsafe impl GlobalAlloc for GuestHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single vCPU (module doc).
        unsafe { self.heap() }
            .alloc(layout)
            .map_or(ptr::null_mut(), NonNull::as_ptr)
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        if let Some(pointer) = NonNull::new(pointer) {
            // SAFETY: single vCPU; `pointer` came from `alloc` with this `layout` (the caller's
            // promise under `GlobalAlloc`).
            unsafe { self.heap().dealloc(pointer, layout) };
        }
    }
}

/// The guest image's allocator.
#[cfg(all(target_os = "none", not(test)))]
#[global_allocator]
pub static HEAP: GuestHeap = GuestHeap::new();
