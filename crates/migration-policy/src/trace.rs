//! The fields of the hypervisor's `EVT {"ev":"migration_decision", ...}` trace event.
//!
//! Keys (all times in ns): `vm`, `name`, `policy`; `a_kind` (`"finite"`, `"unbounded"`,
//! `"unknown"`), `a_ns` (A at the blackout start, when not unbounded; 0 when unknown),
//! `a_source` (`"aged"`, `"recomputed"`, `"none"`), and with a report `t_u`, `t_c`,
//! `a_reported_ns` (when finite); `d_ns` and its terms `d_detect_ns`, `d_decide_ns`,
//! `d_state_ns`, `d_copy_ns`, `d_remap_ns`, `d_restore_ns`, `d_queue_ns`, `d_wait_ns`, plus
//! `lost_ns`; `blackout_start_ns`, `blackout_ns`, `restore_at_ns`, `resume_at_ns`; `misses`
//! (per task), `misses_total` and `misses_complete` (1, or 0 when the simulation's event
//! budget cut it short) when predicted; `target` (`"spare"`, `"shared"`, `"stop"`),
//! `target_core`, `theta_ns`, `pi_ns` where they apply, and on a shared target the frame:
//! `server_period` (its period), `slot_offset`, `slot_length` (the migrant's slot, context
//! switch included) and `frame_start`; `alternatives` (the targets considered,
//! `kind:core:misses:d_ns` each, space-separated); `reason` (text) and `reason_code`.
//! None of them collides with the event's own `ev`, `t_ns`, `core`.

use crate::decision::{Decision, SlackSource, Target};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// A trace field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceValue {
    /// Unsigned integer.
    U64(u64),
    /// Text.
    Str(String),
    /// List of counts.
    List(Vec<u32>),
}

/// The value as JSON (strings quoted and escaped).
impl fmt::Display for TraceValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::U64(v) => write!(f, "{v}"),
            Self::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Self::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// The trace fields of `decision`, in a fixed order (see the module doc).
pub fn trace_fields(decision: &Decision) -> Vec<(&'static str, TraceValue)> {
    use TraceValue::{List, Str, U64};
    let text = |s: &str| Str(s.to_string());
    let d = &decision.downtime;
    let mut fields = Vec::with_capacity(40);
    fields.push(("vm", U64(decision.vm as u64)));
    fields.push(("name", Str(decision.name.clone())));
    fields.push(("policy", text(decision.policy.name())));
    let kind = match (decision.report, decision.affordable) {
        (None, _) => "unknown",
        (Some(_), None) => "unbounded",
        (Some(_), Some(_)) => "finite",
    };
    fields.push(("a_kind", text(kind)));
    if let Some(a) = decision.affordable {
        fields.push(("a_ns", U64(a)));
    }
    let source = match decision.report.map(|r| r.source) {
        Some(SlackSource::Aged) => "aged",
        Some(SlackSource::Recomputed) => "recomputed",
        None => "none",
    };
    fields.push(("a_source", text(source)));
    if let Some(report) = decision.report {
        fields.push(("t_u", U64(report.reported_at)));
        fields.push(("t_c", U64(report.checkpoint_at)));
        if let Some(raw) = report.slack.finite() {
            fields.push(("a_reported_ns", U64(raw)));
        }
    }
    for (key, value) in [
        ("d_ns", d.total),
        ("d_detect_ns", d.detect),
        ("d_decide_ns", d.decide),
        ("d_state_ns", d.state),
        ("d_copy_ns", d.copy),
        ("d_remap_ns", d.remap),
        ("d_restore_ns", d.restore),
        ("d_queue_ns", d.queue),
        ("d_wait_ns", d.server_wait),
        ("lost_ns", d.lost),
        ("blackout_start_ns", decision.blackout_start),
        ("blackout_ns", decision.blackout),
        ("restore_at_ns", decision.restore_at),
        ("resume_at_ns", decision.resume_at),
    ] {
        fields.push((key, U64(value)));
    }
    if let Some(misses) = &decision.predicted_misses {
        let total = misses.iter().map(|&m| u64::from(m)).sum();
        fields.push(("misses", List(misses.clone())));
        fields.push(("misses_total", U64(total)));
        fields.push(("misses_complete", U64(u64::from(decision.misses_complete))));
        if let Some(horizon) = decision.horizon {
            fields.push(("horizon_ns", U64(horizon)));
        }
    }
    match decision.target {
        Target::Spare(core) => {
            fields.push(("target", text("spare")));
            fields.push(("target_core", U64(core as u64)));
        }
        Target::Shared {
            core,
            budget: (theta, pi),
        } => {
            fields.push(("target", text("shared")));
            fields.push(("target_core", U64(core as u64)));
            fields.push(("theta_ns", U64(theta)));
            fields.push(("pi_ns", U64(pi)));
            if let Some(frame) = &decision.frame {
                fields.push(("server_period", U64(frame.period)));
                if let Some(slot) = frame.slot_of(decision.vm) {
                    fields.push(("slot_offset", U64(slot.offset)));
                    fields.push(("slot_length", U64(slot.length)));
                }
                fields.push(("frame_start", U64(frame.start)));
            }
        }
        Target::Stop => fields.push(("target", text("stop"))),
    }
    if !decision.alternatives.is_empty() {
        fields.push(("alternatives", Str(alternatives(&decision.alternatives))));
    }
    fields.push(("reason", Str(decision.reason.to_string())));
    fields.push(("reason_code", text(decision.reason.code())));
    fields
}

/// The targets considered, `kind:core:misses:d_ns` each (`kind` `spare` or `shared`, misses
/// `-` when not predicted), separated by spaces, in the order tried.
fn alternatives(list: &[crate::decision::Alternative]) -> String {
    let mut text = String::new();
    for (index, option) in list.iter().enumerate() {
        if index > 0 {
            text.push(' ');
        }
        let kind = if option.shared { "shared" } else { "spare" };
        let misses = option.misses.map_or("-".to_string(), |m| m.to_string());
        text.push_str(&alloc::format!(
            "{kind}:{}:{misses}:{}",
            option.core,
            option.downtime
        ));
    }
    text
}
