//! Which 4 KiB pages of a VM's RAM are ready for its guest: zeroed, or written whole by the
//! hypervisor, and mapped in its stage 2. The others are unmapped until the guest (or the
//! hypervisor on its behalf) first touches them, and zeroed then (`vm/fresh_ram.rs`), so that a
//! VM never sees what its memory held before, without clearing all of it on the boot path.

use alloc::vec::Vec;

/// The page size of the tracking (the stage-2 granule).
pub const PAGE: u64 = 4096;

/// One bit per page of a VM's RAM, set when the page is ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadyPages {
    words: Vec<u64>,
    pages: usize,
}

impl ReadyPages {
    /// `bytes` of RAM (rounded up to whole pages), no page ready.
    pub fn none(bytes: u64) -> Self {
        let pages = bytes.div_ceil(PAGE) as usize;
        ReadyPages {
            words: alloc::vec![0; pages.div_ceil(64)],
            pages,
        }
    }

    /// Number of pages tracked.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Whether page `page` is ready (false past the end).
    pub fn is_ready(&self, page: usize) -> bool {
        page < self.pages && self.words[page / 64] & (1 << (page % 64)) != 0
    }

    /// Marks `page` ready.
    pub fn set(&mut self, page: usize) {
        if page < self.pages {
            self.words[page / 64] |= 1 << (page % 64);
        }
    }

    /// Marks every page ready.
    pub fn set_all(&mut self) {
        self.words.iter_mut().for_each(|word| *word = !0);
        if !self.pages.is_multiple_of(64) {
            if let Some(last) = self.words.last_mut() {
                *last = (1 << (self.pages % 64)) - 1;
            }
        }
    }

    /// Marks no page ready.
    pub fn clear_all(&mut self) {
        self.words.iter_mut().for_each(|word| *word = 0);
    }

    /// How many pages are ready.
    pub fn count(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The runs of pages that are ready (`wanted` true) or not, each as (first page, number
    /// of pages), in order.
    pub fn runs(&self, wanted: bool) -> impl Iterator<Item = (usize, usize)> + '_ {
        let mut page = 0;
        core::iter::from_fn(move || {
            let first = self.next(page, wanted);
            page = self.next(first, !wanted);
            (page > first).then_some((first, page - first))
        })
    }

    /// The first page from `page` on whose readiness is `ready` (or the page count), a word of
    /// 64 pages at a time.
    fn next(&self, mut page: usize, ready: bool) -> usize {
        while page < self.pages {
            let word = self.words[page / 64];
            let word = if ready { word } else { !word };
            let rest = word >> (page % 64);
            if rest != 0 {
                return (page + rest.trailing_zeros() as usize).min(self.pages);
            }
            page = (page / 64 + 1) * 64;
        }
        self.pages
    }
}

/// The pages `[first, last]` that bytes `[offset, offset + length)` touch (`length` > 0).
pub fn pages_of(offset: u64, length: u64) -> (usize, usize) {
    let first = offset / PAGE;
    let last = (offset + length.max(1) - 1) / PAGE;
    (first as usize, last as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_pages_and_runs() {
        let mut ready = ReadyPages::none(4 << 20);
        assert_eq!(ready.pages(), 1024);
        assert_eq!(ready.runs(true).count(), 0);
        assert_eq!(ready.runs(false).collect::<Vec<_>>(), [(0, 1024)]);
        for page in [0, 1, 2, 63, 64, 1023] {
            ready.set(page);
        }
        ready.set(5000); // past the end: ignored
        assert!(ready.is_ready(64) && !ready.is_ready(3) && !ready.is_ready(5000));
        let runs: Vec<_> = ready.runs(true).collect();
        assert_eq!(runs, [(0, 3), (63, 2), (1023, 1)]);
        let gaps: Vec<_> = ready.runs(false).collect();
        assert_eq!(gaps, [(3, 60), (65, 958)]);
        assert_eq!(ready.count(), 6);
        ready.set_all();
        assert_eq!(ready.runs(true).collect::<Vec<_>>(), [(0, 1024)]);
        ready.clear_all();
        assert_eq!(ready.count(), 0);
    }

    #[test]
    fn finds_the_pages_a_span_touches() {
        assert_eq!(pages_of(0, 1), (0, 0));
        assert_eq!(pages_of(0, 4096), (0, 0));
        assert_eq!(pages_of(4095, 2), (0, 1));
        assert_eq!(pages_of(0x8_0000, 0x2d51), (0x80, 0x82));
    }

    #[test]
    fn odd_sizes_round_up() {
        let mut ready = ReadyPages::none(4097);
        assert_eq!(ready.pages(), 2);
        assert_eq!(ready.runs(false).collect::<Vec<_>>(), [(0, 2)]);
        ready.set_all();
        assert_eq!(
            (ready.count(), ready.runs(true).collect::<Vec<_>>()),
            (2, vec![(0, 2)])
        );
    }
}
