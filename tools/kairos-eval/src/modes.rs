//! The report's resume-mode section: observed against predicted misses with `kairos,resume =
//! "asap"` and `"planned"` over the same runs, per sweep family, and how tight the prediction
//! is (ready / predicted).

use crate::trace::FaultRecord;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A run's family and mode from its log name, `<family>-<mode>-<n>`.
fn family(run: &str) -> &str {
    run.split('-').next().unwrap_or(run)
}

fn quantiles(mut values: Vec<f64>) -> String {
    if values.is_empty() {
        return "-".into();
    }
    values.sort_by(f64::total_cmp);
    let q = |f: f64| values[((values.len() - 1) as f64 * f).round() as usize];
    format!(
        "min {:.3}, p5 {:.3}, median {:.3}, p95 {:.3}, max {:.3}",
        q(0.0),
        q(0.05),
        q(0.5),
        q(0.95),
        q(1.0)
    )
}

/// The figures of one set of migrated VMs.
#[derive(Default)]
struct Tally {
    faults: usize,
    migrated: usize,
    over: usize,
    exact: usize,
    predicted: u64,
    observed: u64,
    resumed: Vec<f64>,
    ready: Vec<f64>,
    measured: Vec<f64>,
}

impl Tally {
    fn add(&mut self, record: &FaultRecord) {
        self.faults += 1;
        if record.misses_pred.is_none() || record.d_meas_ns.is_none() {
            return;
        }
        self.migrated += 1;
        self.over += usize::from(record.over_prediction());
        self.exact += usize::from(record.exact());
        self.predicted += record.misses_pred.unwrap_or(0);
        self.observed += record.misses_obs;
        self.resumed.extend(record.resumed_over_predicted());
        self.ready.extend(record.ready_over_predicted());
        if let Some(measured) = record.d_meas_ns {
            self.measured
                .push(measured as f64 / record.d_pred_ns as f64);
        }
    }

    fn median_resumed(&self) -> f64 {
        let mut values = self.resumed.clone();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    }

    fn row(&self, label: &str) -> String {
        format!(
            "| {label} | {} | {} | {} | {} ({:.1} %) | {} | {} |",
            self.faults,
            self.migrated,
            self.over,
            self.exact,
            100.0 * self.exact as f64 / self.migrated.max(1) as f64,
            self.predicted,
            self.observed
        )
    }
}

/// The section, and the headline rows it adds (goal checks).
pub fn section(all: &[(String, FaultRecord)]) -> (String, String) {
    let mut by_mode: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_family: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for (run, record) in all {
        let mode = if record.mode.is_empty() {
            "?".to_string()
        } else {
            record.mode.clone()
        };
        by_mode.entry(mode.clone()).or_default().add(record);
        by_family
            .entry((family(run).to_string(), mode))
            .or_default()
            .add(record);
    }
    let mut s = String::new();
    let _ = writeln!(s, "## Resume modes: asap against planned\n");
    let _ = writeln!(s, "Every fault instant of every family runs twice, once per `kairos,resume` mode, the config otherwise the same. Misses are counted per task in the VM's window (its blackout start to its next one); with `asap` the promise is observed <= predicted per task, with `planned` observed = predicted.\n");
    let _ = writeln!(s, "| mode | VMs of failed cores | migrated | observed > predicted (some task) | exact per task | predicted misses | observed misses |\n|---|---|---|---|---|---|---|");
    for (mode, tally) in &by_mode {
        let _ = writeln!(s, "{}", tally.row(mode));
    }
    let _ = writeln!(s, "\n| family, mode | VMs of failed cores | migrated | observed > predicted (some task) | exact per task | predicted misses | observed misses |\n|---|---|---|---|---|---|---|");
    for ((family, mode), tally) in &by_family {
        let _ = writeln!(s, "{}", tally.row(&format!("{family}, {mode}")));
    }
    let _ = writeln!(s, "\nHow tight the prediction is, per mode. Resumed / predicted downtime: the instant the VM ran again on its target (with `asap`, as soon as it was ready there, or at its first slot on a shared core), both from the failed core's last heartbeat, the origin of the prediction's detection term (where the fault fell in the heartbeat period after it is unknown to every core). Ready / predicted: the instant its memory and vCPU were in place on the target (on a shared core, usually well before its slot), from the same origin. Measured / predicted: the trace's `measured_ns`, from the true fault instant.\n");
    let _ = writeln!(s, "| mode | resumed / predicted | ready / predicted | measured / predicted |\n|---|---|---|---|");
    for (mode, tally) in &by_mode {
        let _ = writeln!(
            s,
            "| {mode} | {} | {} | {} |",
            quantiles(tally.resumed.clone()),
            quantiles(tally.ready.clone()),
            quantiles(tally.measured.clone())
        );
    }
    let mut headline = String::new();
    if let Some(asap) = by_mode.get("asap") {
        let _ = writeln!(
            headline,
            "| asap: migrations with observed > predicted misses for some task | {} of {} | 0 |",
            asap.over, asap.migrated
        );
        let _ = writeln!(
            headline,
            "| asap: median resumed / predicted (from the last heartbeat; resumed when ready, or at the first slot on a shared core) | {:.3} | >= 0.9 |",
            asap.median_resumed()
        );
    }
    if let Some(planned) = by_mode.get("planned") {
        let _ = writeln!(
            headline,
            "| planned: exact misses per task | {} of {} ({:.1} %) | 100 % |",
            planned.exact,
            planned.migrated,
            100.0 * planned.exact as f64 / planned.migrated.max(1) as f64
        );
    }
    if let (Some(asap), Some(planned)) = (by_mode.get("asap"), by_mode.get("planned")) {
        let _ = writeln!(headline, "| observed misses, asap against planned (same fault instants) | {} against {} | fewer with asap |", asap.observed, planned.observed);
    }
    (s, headline)
}
