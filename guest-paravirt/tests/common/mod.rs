//! What the guest's schedule tests share: an observer counting misses per task and completions.

use guest_paravirt::rtos::{Observer, Time};

/// Counts deadline misses per task (`misses` sized by the caller) and completed jobs.
#[derive(Default)]
pub struct Count {
    pub misses: Vec<u32>,
    pub completions: u64,
}

impl Observer for Count {
    fn completed(&mut self, _task: usize, _job: u64, _release: Time, _time: Time) {
        self.completions += 1;
    }
    fn missed(&mut self, task: usize, _job: u64, _release: Time, _time: Time) {
        self.misses[task] += 1;
    }
}
