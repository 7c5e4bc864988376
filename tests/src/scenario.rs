//! A test config booted with changes of the test's choice (a fault plan, a heartbeat period, a
//! VM's cores or memory, patched into a copy of its DTB with fdtput) and judged by the fault
//! campaign's checks: the regression scenarios of issue 11 (tests/tests/fault_regressions.rs).

use crate::campaign::check;
use crate::campaign::layout::detection_bound_ns;
use crate::campaign::runner::Boot;
use crate::{config, tool, Qemu, Scratch};
use std::process::Command;

/// A config and the changes to make to it before booting.
#[derive(Clone)]
pub struct Scenario {
    name: String,
    cores: usize,
    gic: u8,
    changes: Vec<(String, String, Change)>,
}

/// What to do with one property.
#[derive(Clone, Debug)]
enum Change {
    Cells(Vec<u32>),
    Text(String),
    Delete,
}

impl Scenario {
    /// `tests/configs/<name>.dts` on QEMU virt, GICv3, 4 cores.
    pub fn new(name: &str) -> Scenario {
        Scenario {
            name: name.into(),
            cores: 4,
            gic: 3,
            changes: Vec::new(),
        }
    }

    /// Sets `property` of `node` (a path such as `/hypervisor/x`) to `cells`.
    pub fn set(self, node: &str, property: &str, cells: &[u32]) -> Scenario {
        self.change(node, property, Change::Cells(cells.to_vec()))
    }

    /// Sets `property` of `node` to the string `text`.
    pub fn set_text(self, node: &str, property: &str, text: &str) -> Scenario {
        self.change(node, property, Change::Text(text.into()))
    }

    /// Deletes `property` of `node`.
    pub fn without(self, node: &str, property: &str) -> Scenario {
        self.change(node, property, Change::Delete)
    }

    fn change(mut self, node: &str, property: &str, change: Change) -> Scenario {
        self.changes.push((node.into(), property.into(), change));
        self
    }

    /// Sets the fault plan to `faults`, `(core, at_us, kind)` each (kind 0 stop, 1 signal).
    pub fn faults(self, faults: &[(u32, u32, u32)]) -> Scenario {
        let cells: Vec<u32> = faults
            .iter()
            .flat_map(|&(c, at, kind)| [c, at, kind])
            .collect();
        self.set("/hypervisor", "kairos,fault-plan", &cells)
    }

    /// The same config without its fault plan.
    pub fn fault_free(&self) -> Scenario {
        self.clone().without("/hypervisor", "kairos,fault-plan")
    }

    /// A copy of the config's DTB with the changes made.
    fn patched(&self) -> Scratch {
        let blob = Scratch::new(&format!("{}.dtb", self.name));
        std::fs::copy(config(&self.name), blob.path()).expect("copying the config");
        let path = blob.path().to_str().unwrap();
        for (node, property, change) in &self.changes {
            let (kind, values): (&str, Vec<String>) = match change {
                Change::Cells(cells) => ("u", cells.iter().map(u32::to_string).collect()),
                Change::Text(text) => ("s", vec![text.clone()]),
                Change::Delete => {
                    // Deleting a property that is not there fails; that is fine.
                    let _ = Command::new("fdtput")
                        .args(["-d", path, node, property])
                        .output();
                    continue;
                }
            };
            let mut args = vec!["-t", kind, path, node, property];
            args.extend(values.iter().map(String::as_str));
            tool("fdtput", &args);
        }
        blob
    }

    /// Boots it (with a 1 GHz counter, so trace times are instruction counts).
    pub fn run(&self) -> Boot {
        let blob = self.patched();
        let qemu = Qemu::virt(self.gic, self.cores)
            .cntfrq_1ghz()
            .timeout(crate::campaign::BOOT_TIMEOUT);
        Boot::from(qemu.initrd(blob.path()).run())
    }

    /// (miss threshold + 2) heartbeats of the config as changed.
    fn detection_bound_ns(&self) -> u64 {
        let blob = self.patched();
        let read = |property: &str| {
            let output = Command::new("fdtget")
                .args(["-t", "u"])
                .arg(blob.path())
                .args(["/hypervisor", property])
                .output()
                .ok()?;
            String::from_utf8_lossy(&output.stdout).trim().parse().ok()
        };
        detection_bound_ns(read("kairos,heartbeat-us"), read("kairos,miss-threshold"))
    }

    /// Boots it and its fault-free twin and asserts every campaign check on both: no hang, no
    /// panic, no false detection, every VM accounted for, no shared room, misses as predicted.
    /// Returns the faulty run.
    pub fn run_and_check(&self) -> Boot {
        let faulty = self.run();
        self.check(&faulty);
        faulty
    }

    /// Asserts every campaign check on `faulty` (a run of this scenario) and on a fault-free
    /// run of it.
    pub fn check(&self, faulty: &Boot) {
        let fault_free = self.fault_free().run();
        let failures = check::failures(faulty, &fault_free, self.detection_bound_ns());
        let list: Vec<String> = failures.iter().map(|f| format!("- {f}")).collect();
        assert!(
            failures.is_empty(),
            "{} with changes {:?}:\n{}\nfaulty run:\n{}",
            self.name,
            self.changes,
            list.join("\n"),
            faulty.outline()
        );
    }
}
