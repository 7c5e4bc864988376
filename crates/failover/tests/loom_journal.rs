//! The journal under the C11 memory model, with `loom` exploring every interleaving and every
//! allowed reordering of the cores' memory accesses. A core dies by dropping its transaction
//! at some point without releasing the lock (after saying so through an atomic flag, as its
//! silence would); the survivors must get through, and only ever see whole values.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p failover --release --test loom_journal`
//! (`make test` does).
#![cfg(loom)]

use failover::journal::{Journal, Waiter};
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

/// A value whose two halves must always agree: a torn copy would show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pair {
    a: u64,
    b: u64,
}

struct Peers {
    dead: [AtomicBool; 3],
}

impl Waiter for Peers {
    fn is_dead(&self, core: usize) -> bool {
        self.dead[core].load(Ordering::Acquire)
    }
    fn wait(&self) {
        thread::yield_now();
    }
    fn wake(&self) {}
}

fn peers() -> Arc<Peers> {
    Arc::new(Peers {
        dead: [
            AtomicBool::new(false),
            AtomicBool::new(false),
            AtomicBool::new(false),
        ],
    })
}

/// Adds one to both halves, one half at a time.
fn increment(journal: &Journal<Pair>, me: usize, peers: &Peers) {
    journal
        .update(me, peers, |pair| {
            assert_eq!(pair.a, pair.b, "a torn value");
            pair.a += 1;
            pair.b += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
}

#[test]
fn writers_serialize() {
    loom::model(|| {
        let journal = Arc::new(Journal::new(Pair { a: 0, b: 0 }));
        let peers = peers();
        let handles: Vec<_> = (0..2)
            .map(|me| {
                let (journal, peers) = (journal.clone(), peers.clone());
                thread::spawn(move || increment(&journal, me, &peers))
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(journal.read(2, &*peers, |pair| *pair), Pair { a: 2, b: 2 });
        assert_eq!(journal.generation(), 2, "each commit counted once");
    });
}

/// Where core 0 dies in its change.
#[derive(Clone, Copy)]
enum Death {
    AfterBegin,
    HalfEdited,
    AfterCommit,
}

fn dies_in_its_change(death: Death) {
    loom::model(move || {
        let journal = Arc::new(Journal::new(Pair { a: 0, b: 0 }));
        let peers = peers();
        let dying = {
            let (journal, peers) = (journal.clone(), peers.clone());
            thread::spawn(move || {
                let mut change = journal.begin(0, &*peers);
                match death {
                    Death::AfterBegin => {}
                    Death::HalfEdited => change.edit(|pair| pair.a += 10),
                    Death::AfterCommit => {
                        change.edit(|pair| {
                            pair.a += 10;
                            pair.b += 10;
                        });
                        std::mem::forget(change.commit());
                    }
                }
                // Dead: the lock stays taken; its silence tells the peers.
                peers.dead[0].store(true, Ordering::Release);
            })
        };
        let survivor = {
            let (journal, peers) = (journal.clone(), peers.clone());
            thread::spawn(move || increment(&journal, 1, &peers))
        };
        dying.join().unwrap();
        survivor.join().unwrap();
        let end = journal.read(2, &*peers, |pair| *pair);
        assert_eq!(end.a, end.b, "a torn value survived");
        assert!(end.a == 1 || end.a == 11, "{end:?}");
        if matches!(death, Death::AfterBegin | Death::HalfEdited) {
            assert_eq!(end.a, 1, "an uncommitted change became visible");
        }
        assert_eq!(
            journal.generation() as u64,
            1 + end.a / 10,
            "each commit counted once"
        );
    });
}

#[test]
fn a_core_dying_after_it_began_leaves_nothing() {
    dies_in_its_change(Death::AfterBegin);
}

#[test]
fn a_core_dying_half_way_through_its_edit_leaves_nothing() {
    dies_in_its_change(Death::HalfEdited);
}

#[test]
fn a_core_dying_after_its_commit_leaves_its_whole_change() {
    dies_in_its_change(Death::AfterCommit);
}
