//! The campaign's report: figures summed over layouts, failures per category, what the layouts
//! covered, and every failing layout with its seed, config and reasons.

use super::layout::Layout;
use super::verdict::{Category, Figures, Verdict};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A campaign's results.
#[derive(Default)]
pub struct Report {
    pub layouts: u64,
    pub figures: Figures,
    /// Per category: failures, and layouts with at least one.
    pub failures: BTreeMap<Category, (u64, u64)>,
    /// What the layouts were made of (shape, cores, GIC, ...): layouts of each.
    pub coverage: BTreeMap<String, u64>,
    /// The failing layouts, by seed.
    pub failing: Vec<Verdict>,
}

impl Report {
    /// Adds one checked layout.
    pub fn add(&mut self, layout: &Layout, verdict: Verdict) {
        self.layouts += 1;
        for (name, n) in &verdict.figures {
            *self.figures.entry(name).or_default() += n;
        }
        for key in coverage(layout) {
            *self.coverage.entry(key).or_default() += 1;
        }
        let mut seen = Vec::new();
        for failure in &verdict.failures {
            let entry = self.failures.entry(failure.category).or_default();
            entry.0 += 1;
            if !seen.contains(&failure.category) {
                seen.push(failure.category);
                entry.1 += 1;
            }
        }
        if !verdict.failures.is_empty() {
            let at = self.failing.partition_point(|v| v.seed < verdict.seed);
            self.failing.insert(at, verdict);
        }
    }

    /// A figure (0 when never counted).
    pub fn figure(&self, name: &str) -> u64 {
        self.figures.get(name).copied().unwrap_or(0)
    }

    /// The figures, failures and coverage as markdown tables, and the failing seeds.
    pub fn markdown(&self) -> String {
        let mut text = String::from("| figure | value |\n|---|---|\n");
        writeln!(text, "| layouts | {} |", self.layouts).unwrap();
        for (name, value) in &self.figures {
            writeln!(text, "| {name} | {value} |").unwrap();
        }
        text.push_str("\n| failure | failures | layouts |\n|---|---|---|\n");
        for (category, (failures, layouts)) in &self.failures {
            writeln!(text, "| {category} | {failures} | {layouts} |").unwrap();
        }
        if self.failures.is_empty() {
            text.push_str("| (none) | 0 | 0 |\n");
        }
        text.push_str("\n| layouts with | count |\n|---|---|\n");
        for (key, count) in &self.coverage {
            writeln!(text, "| {key} | {count} |").unwrap();
        }
        if !self.failing.is_empty() {
            text.push_str("\n| failing seed | categories | first reason |\n|---|---|---|\n");
            for verdict in &self.failing {
                let first = verdict.failures[0].to_string().replace('|', "/");
                writeln!(
                    text,
                    "| {:#x} | {} | {first} |",
                    verdict.seed,
                    categories(verdict)
                )
                .unwrap();
            }
        }
        text
    }

    /// Every failing layout in full: seed, how to reproduce it, reasons and config.
    pub fn failing_details(&self) -> String {
        let mut text = String::new();
        for verdict in &self.failing {
            writeln!(
                text,
                "## Layout {:#x}: {}\n",
                verdict.seed,
                categories(verdict)
            )
            .unwrap();
            writeln!(
                text,
                "Reproduce: `make campaign LAYOUT={:#x}`\n",
                verdict.seed
            )
            .unwrap();
            for failure in &verdict.failures {
                writeln!(text, "- {failure}").unwrap();
            }
            writeln!(text, "\n```dts\n{}```\n", verdict.config).unwrap();
        }
        text
    }
}

fn categories(verdict: &Verdict) -> String {
    let mut names: Vec<String> = verdict
        .failures
        .iter()
        .map(|f| f.category.to_string())
        .collect();
    names.sort();
    names.dedup();
    names.join(", ")
}

/// The coverage keys of `layout`.
pub fn coverage(layout: &Layout) -> Vec<String> {
    let boot = if layout.vms.iter().any(|vm| vm.core == 0) {
        "hosting a VM"
    } else {
        "spare"
    };
    let kinds: Vec<String> = layout
        .faults
        .iter()
        .map(|f| format!("{:?}", f.kind))
        .collect();
    vec![
        format!("shape {:?}", layout.shape),
        format!("{} cores", layout.cores),
        format!("GICv{}", layout.gic),
        format!(
            "migration {}",
            if layout.copy { "copy" } else { "in-place" }
        ),
        format!(
            "counter {}",
            if layout.counter_1ghz {
                "1 GHz"
            } else {
                "62.5 MHz"
            }
        ),
        format!("boot core {boot}"),
        format!("heartbeat {} us", layout.heartbeat_ns() / 1000),
        format!("faults {}", kinds.join("+")),
    ]
}
