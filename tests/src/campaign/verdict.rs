//! What checking one layout gives: the failures found (category, which run, why) and the
//! figures counted along the way.

use std::collections::BTreeMap;
use std::fmt;

/// A kind of failure, one row of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// `system_off` not reached before the host timeout (or QEMU ended without it).
    Hang,
    /// A `panic` event.
    Panic,
    /// A `config_error` on a generated config (every generated config is valid).
    ConfigRejected,
    /// A core declared failed or fenced although no fault was injected on it.
    FalseDetection,
    /// An injected fault not detected within (threshold + 2) heartbeats.
    UndetectedFault,
    /// The same failed core claimed twice.
    DuplicateDetection,
    /// A VM of a failed core neither resumed on a healthy core nor stopped with a reason.
    LostVm,
    /// Two VMs resumed on one core at once without time partitions holding both.
    SharedRoom,
    /// A migration's observed misses per task differ from its decision's `misses`.
    MissPrediction,
    /// A deadline miss outside every migration window, absent from the fault-free run.
    UnpredictedMiss,
    /// A VM resumed after its planned instant (`late_ns > 0`).
    LateResume,
    /// A measured downtime above its prediction.
    DowntimeOverPrediction,
    /// An `EVT` line that is not one JSON object (cut short or interleaved with another).
    MalformedTrace,
    /// The harness could not run the layout (dtc failed).
    Harness,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Which of a layout's runs a failure comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The run with the fault plan.
    Faulty,
    /// The same config without its fault plan.
    FaultFree,
}

/// One failed check.
#[derive(Clone, Debug)]
pub struct Failure {
    pub category: Category,
    pub run: Which,
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = match self.run {
            Which::Faulty => "",
            Which::FaultFree => "fault-free run: ",
        };
        write!(f, "{}: {run}{}", self.category, self.reason)
    }
}

/// Figures of one layout (or, summed, of a campaign), keyed by a readable name.
pub type Figures = BTreeMap<&'static str, u64>;

/// Everything checking one layout found.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub seed: u64,
    /// The partition config of the faulty run (DTS).
    pub config: String,
    pub failures: Vec<Failure>,
    pub figures: Figures,
}

/// Collects failures and figures while one run is checked.
pub struct Findings<'a> {
    pub run: Which,
    pub failures: &'a mut Vec<Failure>,
    pub figures: &'a mut Figures,
}

impl Findings<'_> {
    /// Records a failure.
    pub fn fail(&mut self, category: Category, reason: String) {
        self.failures.push(Failure {
            category,
            run: self.run,
            reason,
        });
    }

    /// Adds `n` to figure `name` (figures are counted on the faulty run only).
    pub fn count(&mut self, name: &'static str, n: u64) {
        if self.run == Which::Faulty {
            *self.figures.entry(name).or_default() += n;
        }
    }
}
