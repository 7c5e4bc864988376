//! A value every core shares and changes only whole, even when a core dies in the middle of a
//! change: two buffers, one committed; a writer copies the committed one into the other, edits
//! the copy and commits it with one atomic store. A lock orders the writers and readers; a core
//! that finds the holder dead (its [`Waiter`] says so: declared failed, or silent past the
//! detection threshold) takes the lock over. Whatever the dead holder did, the committed buffer
//! is whole: the one before its change, or the one after.
//!
//! A transaction is a value ([`Transaction`]): begin, edit, commit, release. A core that dies
//! drops it anywhere without releasing; `tests/loom_journal.rs` checks exactly that under the
//! C11 memory model.
#![allow(unsafe_code)]

#[cfg(not(loom))]
use core::sync::atomic::{AtomicUsize, Ordering};
#[cfg(loom)]
use loom::sync::atomic::{AtomicUsize, Ordering};

/// How a core waits for the lock and learns that its holder is dead.
pub trait Waiter {
    /// True when `core` can no longer hold anything: declared failed, or silent past the
    /// detection threshold.
    fn is_dead(&self, core: usize) -> bool;
    /// Waits a moment before looking again (WFE on the target).
    fn wait(&self);
    /// Wakes the waiting cores (SEV on the target).
    fn wake(&self);
}

#[cfg(not(loom))]
struct Cell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> Cell<T> {
    const fn new(value: T) -> Self {
        Cell(core::cell::UnsafeCell::new(value))
    }
    fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }
    fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(loom)]
use loom::cell::UnsafeCell as Cell;

/// The shared value.
pub struct Journal<T> {
    /// Lock holder: core + 1, or 0 when free.
    owner: AtomicUsize,
    /// The committed buffer's index (bit 0) and how many changes were committed (the rest): one
    /// store commits a change and publishes that it happened.
    committed: AtomicUsize,
    buffers: [Cell<T>; 2],
}

// SAFETY: the buffers are only touched by the lock's holder (or, after a takeover, by the core
// that took it over from a dead holder, which touches nothing any more), so sharing the journal
// between cores shares `T` values between them one at a time.
unsafe impl<T: Send> Sync for Journal<T> {}

impl<T: Copy> Journal<T> {
    /// A journal committed at `value`.
    #[cfg(not(loom))]
    pub const fn new(value: T) -> Self {
        Journal {
            owner: AtomicUsize::new(0),
            committed: AtomicUsize::new(0),
            buffers: [Cell::new(value), Cell::new(value)],
        }
    }

    /// A journal committed at `value`.
    #[cfg(loom)]
    pub fn new(value: T) -> Self {
        Journal {
            owner: AtomicUsize::new(0),
            committed: AtomicUsize::new(0),
            buffers: [Cell::new(value), Cell::new(value)],
        }
    }

    /// Takes the lock for core `me`, from a dead holder if need be.
    fn lock(&self, me: usize, waiter: &dyn Waiter) {
        let mine = me + 1;
        loop {
            match self
                .owner
                .compare_exchange(0, mine, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(holder) if holder != mine && waiter.is_dead(holder - 1) => {
                    if self
                        .owner
                        .compare_exchange(holder, mine, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                    {
                        return;
                    }
                }
                Err(_) => {}
            }
            waiter.wait();
        }
    }

    fn unlock(&self, waiter: &dyn Waiter) {
        self.owner.store(0, Ordering::Release);
        waiter.wake();
    }

    /// How many changes were committed so far (a core that sees it change knows to look).
    pub fn generation(&self) -> usize {
        self.committed.load(Ordering::Acquire) >> 1
    }

    /// Core `me` reads the committed value.
    pub fn read<R>(&self, me: usize, waiter: &dyn Waiter, f: impl FnOnce(&T) -> R) -> R {
        self.lock(me, waiter);
        let index = self.committed.load(Ordering::Acquire) & 1;
        // SAFETY: the lock is ours; nobody writes the committed buffer (writers edit the other).
        let result = self.buffers[index].with(|value| f(unsafe { &*value }));
        self.unlock(waiter);
        result
    }

    /// Core `me` begins a change: the lock is its own, and the draft is a copy of the committed
    /// value.
    pub fn begin<'a>(&'a self, me: usize, waiter: &'a dyn Waiter) -> Transaction<'a, T> {
        self.lock(me, waiter);
        let state = self.committed.load(Ordering::Acquire);
        let committed = state & 1;
        let value = self.buffers[committed].with(|value| {
            // SAFETY: the lock is ours; the committed buffer is only read.
            unsafe { *value }
        });
        let draft = 1 - committed;
        self.buffers[draft].with_mut(|slot| {
            // SAFETY: the lock is ours and the draft buffer is not the committed one: nobody
            // else reads or writes it.
            unsafe { *slot = value }
        });
        Transaction {
            journal: self,
            waiter,
            draft,
            generation: state >> 1,
        }
    }

    /// Core `me` applies `change` whole: committed if it returns `Ok`, dropped if `Err`.
    pub fn update<R, E>(
        &self,
        me: usize,
        waiter: &dyn Waiter,
        change: impl FnOnce(&mut T) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut transaction = self.begin(me, waiter);
        let result = transaction.edit(change);
        if result.is_ok() {
            transaction.commit().release();
        } else {
            transaction.release();
        }
        result
    }
}

/// A change in progress. Dropping it without [`Transaction::release`] (a core dying) leaves
/// the lock taken until a peer finds the holder dead.
pub struct Transaction<'a, T> {
    journal: &'a Journal<T>,
    waiter: &'a dyn Waiter,
    draft: usize,
    generation: usize,
}

impl<'a, T: Copy> Transaction<'a, T> {
    /// Edits the draft.
    pub fn edit<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        self.journal.buffers[self.draft].with_mut(|value| {
            // SAFETY: the lock is ours and the draft buffer is not the committed one.
            f(unsafe { &mut *value })
        })
    }

    /// Makes the draft the committed value (one atomic store); the draft can no longer be
    /// edited.
    pub fn commit(self) -> Committed<'a, T> {
        let next = self.generation.wrapping_add(1) << 1 | self.draft;
        self.journal.committed.store(next, Ordering::Release);
        Committed {
            journal: self.journal,
            waiter: self.waiter,
        }
    }

    /// Gives the lock back, the draft dropped.
    pub fn release(self) {
        self.journal.unlock(self.waiter);
    }
}

/// A committed change whose lock is still held.
pub struct Committed<'a, T> {
    journal: &'a Journal<T>,
    waiter: &'a dyn Waiter,
}

impl<T: Copy> Committed<'_, T> {
    /// Gives the lock back.
    pub fn release(self) {
        self.journal.unlock(self.waiter);
    }
}
