//! kairos-check: a partition config checked on the host the way the hypervisor checks it at
//! boot (`partition_config::load` against the board's platform DTB read by `platform`), so
//! that `make check` and `make run` stop on a config with errors before anything boots.
//!
//! The one thing it cannot know is how many interrupt lines the GIC implements (read from the
//! hardware at boot): SPIs up to 1019 are taken as present.

pub mod gdb;
pub mod machine;
pub mod source;

use machine::Machine;
use partition_config::{Config, ConfigError, StaticImages};
use std::fmt::Write as _;

/// What the check found.
pub struct Outcome {
    /// The configuration as the hypervisor would run it, when there was one to read.
    pub config: Option<Config>,
    /// Every problem, in the order the hypervisor reports them.
    pub errors: Vec<ConfigError>,
}

impl Outcome {
    /// True when the hypervisor would report nothing.
    pub fn clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks the config blob `config` on `machine`.
pub fn check(config: &[u8], machine: &Machine) -> Outcome {
    let images: Vec<(&str, u64)> = machine
        .images
        .iter()
        .map(|(name, size)| (name.as_str(), *size))
        .collect();
    let catalog = StaticImages(&images);
    match partition_config::load(config, &machine.view(&catalog)) {
        Ok(config) => Outcome {
            errors: config.errors.clone(),
            config: Some(config),
        },
        Err(error) => Outcome {
            config: None,
            errors: vec![error],
        },
    }
}

/// The report `make check` prints: every problem with node and property, then each VM that
/// would start with its cores and memory, then a verdict line.
pub fn report(outcome: &Outcome, what: &str) -> String {
    let mut text = String::new();
    for error in &outcome.errors {
        let _ = writeln!(text, "error: {error}");
    }
    let vms = outcome.config.as_ref().map_or(&[][..], |c| &c.vms[..]);
    for vm in vms {
        let memory = vm.memory().map_or(String::from("unplaced"), |m| {
            format!("{:#x}..{:#x}", m.base, m.end())
        });
        let _ = writeln!(
            text,
            "ok: {} on core(s) {:?}, {} KiB at {memory}",
            vm.name,
            vm.cpus,
            vm.memory_size >> 10
        );
    }
    let verdict = match outcome.errors.len() {
        0 => String::from("no errors"),
        1 => String::from("1 error"),
        n => format!("{n} errors"),
    };
    let _ = writeln!(text, "{what}: {verdict}; {} VM(s) would start", vms.len());
    text
}
