//! The end-of-run table: per fault and VM, the affordable downtime, predicted and measured
//! downtime, and predicted and observed deadline misses.

use alloc::{format, string::String, vec::Vec};

/// One row: a VM affected by a fault.
pub struct Row {
    /// The failed core.
    pub core: usize,
    /// The VM.
    pub vm: usize,
    /// Its name.
    pub name: String,
    /// Aged affordable downtime (None: unbounded or unknown).
    pub affordable: Option<u64>,
    /// Predicted downtime.
    pub predicted: u64,
    /// Measured downtime, once it resumed.
    pub measured: Option<u64>,
    /// Predicted misses (all tasks), if known.
    pub predicted_misses: Option<u32>,
    /// Misses the VM had reported before the fault.
    pub misses_before: u64,
    /// What happened: "spare N", "stopped", ...
    pub outcome: String,
}

static ROWS: spin::Mutex<Vec<Row>> = spin::Mutex::new(Vec::new());

/// Adds a row.
pub fn record(row: Row) {
    ROWS.lock().push(row);
}

/// Fills in the measured downtime of `vm`'s latest row.
pub fn measured(vm: usize, downtime: u64) {
    if let Some(row) = ROWS.lock().iter_mut().rev().find(|row| row.vm == vm) {
        row.measured = Some(downtime);
    }
}

/// Sets the predicted misses of VM `vm`'s latest row (a prediction completed after its
/// decision).
pub fn predicted(vm: usize, misses: u32) {
    if let Some(row) = ROWS.lock().iter_mut().rev().find(|row| row.vm == vm) {
        row.predicted_misses = Some(misses);
    }
}

fn us(value: Option<u64>) -> String {
    value.map_or(String::from("-"), |ns| {
        format!("{}.{:03}", ns / 1000, ns % 1000)
    })
}

/// Prints the table (nothing if no fault happened), and `switches`: per core that ran time
/// partitions, `(core, switches, worst switch in ns)`.
pub fn print(switches: &[(usize, u64, u64)]) {
    let rows = ROWS.lock();
    if rows.is_empty() {
        return;
    }
    let line = |text: &str| crate::console::write_line(text);
    line("Faults and migrations (times in us):");
    line("| core | vm       | A          | D predicted | D measured | misses predicted | misses observed | outcome");
    for row in rows.iter() {
        let observed = crate::vm::vms()
            .get(row.vm)
            .map(|vm| vm.realtime.misses().saturating_sub(row.misses_before));
        line(&format!(
            "| {:>4} | {:<8} | {:>10} | {:>11} | {:>10} | {:>16} | {:>15} | {}",
            row.core,
            row.name,
            us(row.affordable),
            us(Some(row.predicted)),
            us(row.measured),
            row.predicted_misses
                .map_or(String::from("-"), |m| format!("{m}")),
            observed.map_or(String::from("-"), |m| format!("{m}")),
            row.outcome
        ));
    }
    for &(core, switches, worst_ns) in switches {
        line(&format!(
            "Time partitions on core {core}: {switches} switches, the longest {}.{:03} us (bound {} us)",
            worst_ns / 1000,
            worst_ns % 1000,
            super::inputs::SWITCH_BOUND_NS / 1000
        ));
        crate::console::emit(
            crate::console::event("partition_switches")
                .u64("target", core as u64)
                .u64("switches", switches)
                .u64("worst_ns", worst_ns)
                .u64("bound_ns", super::inputs::SWITCH_BOUND_NS),
        );
    }
}
