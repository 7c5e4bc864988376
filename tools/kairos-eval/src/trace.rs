//! Reading the `EVT {json}` trace (docs/trace.md) and the per-fault table.

use crate::plot::{self, Bar};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ReportArgs {
    /// Captured console output of one run (lines starting with `EVT `).
    #[arg(long)]
    pub trace: PathBuf,
    /// Write the Gantt-style timeline here (default: next to the trace, .svg).
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// The timeline's title (default: what happened, from the trace).
    #[arg(long)]
    pub title: Option<String>,
}

/// One parsed event with its line number.
#[derive(Debug, Clone)]
pub struct Event {
    pub line: usize,
    pub ev: String,
    pub t_ns: u64,
    pub core: u64,
    pub json: Value,
}

impl Event {
    pub fn u(&self, field: &str) -> Result<u64, String> {
        self.opt_u(field).ok_or_else(|| {
            format!(
                "line {}: event '{}' has no integer field '{field}'",
                self.line, self.ev
            )
        })
    }
    pub fn opt_u(&self, field: &str) -> Option<u64> {
        self.json.get(field).and_then(Value::as_u64)
    }
    pub fn s(&self, field: &str) -> &str {
        self.json.get(field).and_then(Value::as_str).unwrap_or("")
    }
}

/// True when the log ends in the middle of an EVT line: the machine powered off while a core
/// was still writing it (no newline at the end, and the JSON cut short).
pub fn ends_mid_event(text: &str) -> bool {
    let Some(last) = text.lines().last() else {
        return false;
    };
    !text.ends_with('\n')
        && last
            .trim_end_matches('\r')
            .strip_prefix("EVT ")
            .is_some_and(|json| serde_json::from_str::<Value>(json).is_err_and(|e| e.is_eof()))
}

/// Parses the EVT lines of a console log; other lines are ignored. A malformed EVT line is an
/// error naming its line number and the problem, except a last line cut short by the power-off
/// ([`ends_mid_event`]), which is left out.
pub fn parse(text: &str) -> crate::Result<Vec<Event>> {
    let mut out = Vec::new();
    let lines = text.lines().count();
    let cut = ends_mid_event(text);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim_end_matches('\r');
        let Some(json) = l.strip_prefix("EVT ") else {
            continue;
        };
        if cut && line == lines {
            break;
        }
        let v: Value = serde_json::from_str(json)
            .map_err(|e| format!("line {line}: malformed EVT JSON: {e}"))?;
        if !v.is_object() {
            return Err(format!("line {line}: EVT payload is not a JSON object"));
        }
        let ev = v
            .get("ev")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("line {line}: EVT object has no string field 'ev'"))?
            .to_string();
        let t_ns = v
            .get("t_ns")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("line {line}: event '{ev}' has no integer field 't_ns'"))?;
        let core = v
            .get("core")
            .and_then(Value::as_u64)
            .ok_or_else(|| format!("line {line}: event '{ev}' has no integer field 'core'"))?;
        out.push(Event {
            line,
            ev,
            t_ns,
            core,
            json: v,
        });
    }
    Ok(out)
}

/// One VM of a failed core: the decision, and what happened.
#[allow(dead_code)] // fault_at_ns, detected, target: for other readers of the record
#[derive(Debug, Clone)]
pub struct FaultRecord {
    pub failed_core: u64,
    pub fault_at_ns: Option<u64>,
    pub detected: bool,
    pub vm: u64,
    pub name: String,
    /// Affordable downtime at the blackout start (None: unbounded).
    pub a_ns: Option<u64>,
    pub d_pred_ns: u64,
    pub d_meas_ns: Option<u64>,
    pub misses_pred: Option<u64>,
    pub misses_obs: u64,
    pub target: String,
    pub blackout_start_ns: u64,
    pub resume_at_ns: u64,
    /// Predicted blackout: work lost since the checkpoint plus D (what A must cover).
    pub blackout_ns: u64,
    /// The policy's verdict (`no_miss`, `misses_accepted`, ...).
    pub reason_code: String,
    /// `asap` or `planned` (the `migration_done`'s `resume_mode`; empty without one).
    pub mode: String,
    /// Predicted and observed misses per task.
    pub pred_tasks: Vec<u64>,
    pub obs_tasks: Vec<u64>,
    /// When the VM was ready on its target, ns after the true fault instant.
    pub ready_ns: Option<u64>,
    /// The failed core's last heartbeat, and the true fault instant (absolute ns).
    pub last_beat_ns: Option<u64>,
}

impl FaultRecord {
    /// The policy's D <= A test: the whole blackout (lost work since the checkpoint plus the
    /// predicted downtime) fits in the affordable downtime at the blackout start.
    pub fn d_le_a(&self) -> bool {
        if !self.reason_code.is_empty() {
            return self.reason_code == "no_miss";
        }
        self.a_ns.is_none_or(|a| self.blackout_ns <= a)
    }
    /// The same test with the measured downtime.
    pub fn measured_d_le_a(&self) -> Option<bool> {
        let (m, at) = (self.d_meas_ns?, self.fault_at_ns?);
        let blackout = m + at.saturating_sub(self.blackout_start_ns);
        Some(self.a_ns.is_none_or(|a| blackout <= a))
    }
    /// Observed misses as the mode promises: equal to the predicted ones (`planned`), at most
    /// them task by task (`asap`).
    pub fn agrees(&self) -> bool {
        if self.mode == "asap" {
            return self.misses_pred.is_some() && !self.over_prediction();
        }
        self.misses_pred == Some(self.misses_obs)
    }
    /// Some task missed more than predicted.
    pub fn over_prediction(&self) -> bool {
        self.obs_tasks
            .iter()
            .enumerate()
            .any(|(task, &o)| o > self.pred_tasks.get(task).copied().unwrap_or(0))
    }
    /// Observed exactly the predicted misses of every task.
    pub fn exact(&self) -> bool {
        self.misses_pred.is_some()
            && (0..self.pred_tasks.len().max(self.obs_tasks.len())).all(|task| {
                self.pred_tasks.get(task).copied().unwrap_or(0)
                    == self.obs_tasks.get(task).copied().unwrap_or(0)
            })
    }
    /// Back on the target (resumed) over the predicted downtime, both counted from the failed
    /// core's last heartbeat (the prediction's own origin: the fault instant in the period
    /// after it is unknown to the detector). With `asap` the VM resumes when it is ready, or
    /// at its first slot on a shared core.
    pub fn resumed_over_predicted(&self) -> Option<f64> {
        let beat = self.last_beat_ns?;
        let resumed = self.fault_at_ns? + self.d_meas_ns?;
        Some(resumed.saturating_sub(beat) as f64 / self.d_pred_ns as f64)
    }
    /// Prepared on the target (memory and vCPU in place, maybe before its slot) over the
    /// predicted downtime, both from the last heartbeat.
    pub fn ready_over_predicted(&self) -> Option<f64> {
        let beat = self.last_beat_ns?;
        let ready = self.fault_at_ns? + self.ready_ns?;
        Some(ready.saturating_sub(beat) as f64 / self.d_pred_ns as f64)
    }
    pub fn outcome(&self) -> &'static str {
        match (self.misses_pred, self.d_meas_ns) {
            (None, _) => "not migrated",
            (_, None) => "no resume",
            (Some(_), _) if !self.agrees() => "MISMATCH",
            (Some(p), _) if p != self.misses_obs => "fewer than predicted (asap)",
            (Some(0), _) => "no miss (D<=A)",
            _ => "misses as predicted",
        }
    }
}

/// Builds the per-fault records of one run. Also returns the number of injected faults and
/// how many of them were detected.
pub fn faults(events: &[Event]) -> crate::Result<(Vec<FaultRecord>, usize, usize)> {
    // In time order, not line order: a target that resumes its VM at once may print its
    // migration_done before the decider has printed the decision.
    let mut sorted: Vec<&Event> = events.iter().collect();
    sorted.sort_by_key(|e| e.t_ns);
    let events: Vec<Event> = sorted.into_iter().cloned().collect();
    let events = &events[..];
    let mut injected: BTreeMap<u64, u64> = BTreeMap::new();
    let mut last_beat: BTreeMap<u64, u64> = BTreeMap::new();
    let mut detected = 0;
    let mut recs = Vec::new();
    for e in events {
        match e.ev.as_str() {
            "fault_injected" => {
                injected.insert(e.core, e.u("at_ns")?);
            }
            "fault_detected" => {
                detected += 1;
                if let (Some(core), Some(beat)) = (e.opt_u("failed_core"), e.opt_u("last_beat_ns"))
                {
                    last_beat.insert(core, beat);
                }
            }
            "migration_decision" => {
                let failed = e.u("failed_core")?;
                recs.push(FaultRecord {
                    failed_core: failed,
                    fault_at_ns: injected.get(&failed).copied(),
                    detected: true,
                    vm: e.u("vm")?,
                    name: e.s("name").to_string(),
                    a_ns: if e.s("a_kind") == "unbounded" {
                        None
                    } else {
                        Some(e.u("a_ns")?)
                    },
                    d_pred_ns: e.u("d_ns")?,
                    d_meas_ns: None,
                    misses_pred: if e.s("target") == "stop" {
                        None
                    } else {
                        e.opt_u("misses_total").or(Some(0))
                    },
                    misses_obs: 0,
                    target: e.s("target").to_string(),
                    blackout_start_ns: e.u("blackout_start_ns")?,
                    resume_at_ns: e.u("resume_at_ns")?,
                    blackout_ns: e.opt_u("blackout_ns").unwrap_or(0),
                    reason_code: e.s("reason_code").to_string(),
                    mode: String::new(),
                    pred_tasks: e
                        .json
                        .get("misses")
                        .and_then(Value::as_array)
                        .map(|list| list.iter().filter_map(Value::as_u64).collect())
                        .unwrap_or_default(),
                    obs_tasks: Vec::new(),
                    ready_ns: None,
                    last_beat_ns: last_beat.get(&failed).copied(),
                });
            }
            "migration_prediction" => {
                // The completed prediction of a decision whose time allowance cut it (a VM
                // leaves a failed core once: VM and failed core name the decision).
                let (vm, failed) = (e.u("vm")?, e.u("failed_core")?);
                if let Some(r) = recs
                    .iter_mut()
                    .rev()
                    .find(|r| r.vm == vm && r.failed_core == failed)
                {
                    r.misses_pred = e.opt_u("misses_total").or(r.misses_pred);
                    if let Some(list) = e.json.get("misses").and_then(Value::as_array) {
                        r.pred_tasks = list.iter().filter_map(Value::as_u64).collect();
                    }
                }
            }
            "migration_done" => {
                let vm = e.u("vm")?;
                if let Some(r) = recs.iter_mut().rev().find(|r| r.vm == vm) {
                    r.d_meas_ns = Some(e.u("measured_ns")?);
                    r.ready_ns = e.opt_u("ready_ns");
                    r.mode = e.s("resume_mode").to_string();
                }
            }
            _ => {}
        }
    }
    // Observed misses: deadlines (the miss event's time) within the VM's window, from its
    // blackout start to its next blackout start.
    for i in 0..recs.len() {
        let next = recs[i + 1..]
            .iter()
            .find(|r| r.vm == recs[i].vm)
            .map_or(u64::MAX, |r| r.blackout_start_ns);
        let (vm, start) = (recs[i].vm, recs[i].blackout_start_ns);
        let window: Vec<&Event> = events
            .iter()
            .filter(|e| {
                e.ev == "deadline_miss"
                    && e.opt_u("vm") == Some(vm)
                    && e.t_ns >= start
                    && e.t_ns < next
            })
            .collect();
        recs[i].misses_obs = window.len() as u64;
        let mut per_task = vec![0u64; recs[i].pred_tasks.len()];
        for miss in window {
            let task = miss.opt_u("task").unwrap_or(0) as usize;
            if task >= per_task.len() {
                per_task.resize(task + 1, 0);
            }
            per_task[task] += 1;
        }
        recs[i].obs_tasks = per_task;
    }
    Ok((recs, injected.len(), detected))
}

pub fn fmt_ns(x: Option<u64>) -> String {
    x.map_or("-".into(), |v| format!("{:.3}", v as f64 / 1e6))
}

pub fn table(recs: &[FaultRecord]) -> String {
    let mut s = String::from("| core | VM | A (ms) | blackout (ms) | predicted D (ms) | measured D (ms) | predicted misses | observed misses | outcome |\n|---|---|---|---|---|---|---|---|---|\n");
    for r in recs {
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.failed_core,
            r.name,
            r.a_ns.map_or("unbounded".into(), |a| fmt_ns(Some(a))),
            fmt_ns(Some(r.blackout_ns)),
            fmt_ns(Some(r.d_pred_ns)),
            fmt_ns(r.d_meas_ns),
            r.misses_pred.map_or("-".into(), |m| m.to_string()),
            r.misses_obs,
            r.outcome()
        );
    }
    s
}

pub fn load(path: &Path) -> crate::Result<Vec<Event>> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&String::from_utf8_lossy(&bytes)).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run_report(a: &ReportArgs) -> crate::Result<()> {
    let events = load(&a.trace)?;
    let (recs, injected, detected) = faults(&events)?;
    outln!(
        "{}: {} events, {injected} faults injected, {detected} detected\n",
        a.trace.display(),
        events.len()
    );
    out!("{}", table(&recs));
    let svg = a
        .svg
        .clone()
        .unwrap_or_else(|| a.trace.with_extension("svg"));
    let title = a.title.clone().unwrap_or_else(|| headline(&recs));
    timeline(&events, &recs, &svg, &title)?;
    outln!("\nwrote {}", svg.display());
    Ok(())
}

/// What happened in a run, in a line: the first fault, where its VM went, and its misses.
pub fn headline(recs: &[FaultRecord]) -> String {
    let Some(first) = recs.first() else {
        return "One run, no fault".into();
    };
    let at = first.fault_at_ns.unwrap_or(first.blackout_start_ns) as f64 / 1e6;
    let misses = match first.misses_pred {
        Some(0) => "no miss".to_string(),
        Some(m) => format!("{m} miss(es) predicted, {} observed", first.misses_obs),
        None => "not migrated".to_string(),
    };
    let more = match recs.len() {
        1 => String::new(),
        n => format!(" (and {} more VM(s) of failed cores)", n - 1),
    };
    let fate = match first.target.as_str() {
        "spare" => format!("{} moves to a spare core", first.name),
        "shared" => format!("{} shares a busy core", first.name),
        "stop" => format!("{} is stopped", first.name),
        _ => first.name.clone(),
    };
    format!(
        "Core {} fails at {at:.1} ms: {fate}, {misses}{more}",
        first.failed_core
    )
}

/// Gantt-style timeline: which VM ran on which core, blackouts, misses, faults.
pub fn timeline(
    events: &[Event],
    recs: &[FaultRecord],
    svg: &Path,
    title: &str,
) -> crate::Result<()> {
    let ms = |t: u64| t as f64 / 1e6;
    let t_end = events.iter().map(|e| e.t_ns).max().unwrap_or(1) as f64 / 1e6 * 1.02;
    let rows = events
        .iter()
        .find(|e| e.ev == "boot")
        .and_then(|e| e.opt_u("cpus"))
        .unwrap_or_else(|| events.iter().map(|e| e.core + 1).max().unwrap_or(1))
        as usize;
    let mut open: BTreeMap<u64, (u64, f64, String)> = BTreeMap::new(); // vm -> (core, start, name)
    let mut where_vm: BTreeMap<u64, u64> = BTreeMap::new();
    let mut bars = Vec::new();
    let mut faults_at = Vec::new();
    let close =
        |open: &mut BTreeMap<u64, (u64, f64, String)>, bars: &mut Vec<Bar>, vm: u64, t: f64| {
            if let Some((core, start, name)) = open.remove(&vm) {
                bars.push(Bar {
                    row: core as usize,
                    start,
                    end: t,
                    color: vm as usize,
                    label: name,
                });
            }
        };
    for e in events {
        match e.ev.as_str() {
            "vm_started" => {
                let vm = e.u("vm")?;
                close(&mut open, &mut bars, vm, ms(e.t_ns));
                open.insert(vm, (e.core, ms(e.t_ns), e.s("name").to_string()));
                where_vm.insert(vm, e.core);
            }
            "vm_stopped" => close(&mut open, &mut bars, e.u("vm")?, ms(e.t_ns)),
            "fault_injected" => {
                let at = ms(e.u("at_ns")?);
                faults_at.push((e.core as usize, at));
                let on: Vec<u64> = open
                    .iter()
                    .filter(|(_, v)| v.0 == e.core)
                    .map(|(k, _)| *k)
                    .collect();
                for vm in on {
                    close(&mut open, &mut bars, vm, at);
                }
            }
            _ => {}
        }
    }
    for vm in open.keys().copied().collect::<Vec<_>>() {
        close(&mut open, &mut bars, vm, t_end / 1.02);
    }
    let blackouts: Vec<Bar> = recs
        .iter()
        .map(|r| Bar {
            row: r.failed_core as usize,
            start: ms(r.blackout_start_ns),
            end: ms(r.resume_at_ns),
            color: 0,
            label: format!("{} D={:.2}ms", r.name, r.d_pred_ns as f64 / 1e6),
        })
        .collect();
    // A miss is drawn on the core the VM ran on at that time.
    let mut misses = Vec::new();
    let mut loc: BTreeMap<u64, u64> = BTreeMap::new();
    for e in events {
        if e.ev == "vm_started" {
            loc.insert(e.u("vm")?, e.core);
        } else if e.ev == "deadline_miss" {
            let vm = e.u("vm")?;
            misses.push((loc.get(&vm).copied().unwrap_or(e.core) as usize, ms(e.t_ns)));
        }
    }
    let marks = plot::Marks {
        misses: &misses,
        faults: &faults_at,
    };
    plot::gantt(svg, title, rows, &bars, &blackouts, marks, t_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"[hv] boot
EVT {"ev":"boot","t_ns":1,"core":0,"cpus":4}
EVT {"ev":"vm_started","t_ns":5,"core":2,"vm":1,"name":"rtos1","vcpu":0}
EVT {"ev":"fault_injected","t_ns":100,"core":2,"kind":"stop","at_ns":100}
EVT {"ev":"fault_detected","t_ns":140,"core":3,"failed_core":2,"kind":"stop","last_beat_ns":100,"latency_ns":40}
EVT {"ev":"migration_decision","t_ns":150,"core":3,"failed_core":2,"vm":1,"name":"rtos1","a_kind":"finite","a_ns":50,"d_ns":60,"blackout_start_ns":90,"resume_at_ns":170,"misses_total":1,"target":"spare","blackout_ns":80}
EVT {"ev":"migration_done","t_ns":160,"core":0,"vm":1,"name":"rtos1","from":2,"to":0,"predicted_ns":60,"measured_ns":55}
EVT {"ev":"deadline_miss","t_ns":200,"core":0,"vm":1,"name":"rtos1","task":0,"job":3,"release_ns":100,"total":1}
"#;

    #[test]
    fn per_fault_record() {
        let ev = parse(SAMPLE).unwrap();
        let (recs, injected, detected) = faults(&ev).unwrap();
        assert_eq!((injected, detected), (1, 1));
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(
            (
                r.a_ns,
                r.d_pred_ns,
                r.d_meas_ns,
                r.misses_pred,
                r.misses_obs
            ),
            (Some(50), 60, Some(55), Some(1), 1)
        );
        assert!(r.agrees() && !r.d_le_a());
        assert!(table(&recs).contains("misses as predicted"));
    }

    #[test]
    fn malformed_lines_name_the_line() {
        let err = parse("hello\nEVT {\"ev\":\"boot\",\"t_ns\":1,\"core\":0}\nEVT {\"ev\":\"x\",\n")
            .unwrap_err();
        assert!(err.starts_with("line 3: malformed EVT JSON"), "{err}");
        let err = parse("EVT {\"ev\":\"boot\",\"core\":0}").unwrap_err();
        assert_eq!(err, "line 1: event 'boot' has no integer field 't_ns'");
        // Cut short by the power-off: no newline, JSON ending early. Left out, and said so.
        let cut = "EVT {\"ev\":\"boot\",\"t_ns\":1,\"core\":0}\nEVT {\"ev\":\"vm_stopped\",\"c";
        assert!(ends_mid_event(cut));
        assert_eq!(parse(cut).unwrap().len(), 1);
        assert!(!ends_mid_event("EVT {\"ev\":\"x\",\n"));
        let err = parse("EVT [1,2]").unwrap_err();
        assert_eq!(err, "line 1: EVT payload is not a JSON object");
        let ev =
            parse("EVT {\"ev\":\"migration_decision\",\"t_ns\":1,\"core\":0,\"vm\":1}").unwrap();
        assert!(faults(&ev)
            .unwrap_err()
            .contains("line 1: event 'migration_decision' has no integer field 'failed_core'"));
    }
}
