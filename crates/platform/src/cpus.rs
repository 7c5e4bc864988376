//! Processors from `/cpus/cpu@*`: MPIDR affinity and how each one is started.

use crate::error::{PlatformError, Problem};
use crate::reg::raw_reg;
use crate::tree::Tree;
use alloc::string::String;
use alloc::vec::Vec;

/// The affinity fields of MPIDR_EL1 (Aff3 in bits 32..40, Aff2..Aff0 in bits 0..24).
pub const MPIDR_AFFINITY_MASK: u64 = 0xff_00ff_ffff;

/// How a secondary CPU is brought online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnableMethod {
    /// `enable-method = "psci"`: start it with PSCI CPU_ON.
    Psci,
    /// `enable-method = "spin-table"`: write the entry point to `release_addr`, then `sev`.
    SpinTable {
        /// Physical address of the 64-bit release word (`cpu-release-addr`).
        release_addr: u64,
    },
    /// No `enable-method` (typically the boot CPU, or a uniprocessor system).
    None,
}

/// One enabled processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cpu {
    /// MPIDR affinity value from the node's `reg` (affinity fields only).
    pub mpidr: u64,
    /// How to start it.
    pub enable: EnableMethod,
}

/// All enabled `cpu` nodes of `/cpus` with `device_type = "cpu"`, sorted by MPIDR.
pub(crate) fn cpus(tree: &Tree) -> Result<Vec<Cpu>, PlatformError> {
    let Some(parent) = tree.find_path("/cpus") else {
        return Err(PlatformError::new(
            "/cpus",
            "device_type",
            Problem::NotFound("/cpus node"),
        ));
    };
    let mut found = Vec::new();
    for id in tree.children(parent) {
        if tree.base_name(id) != "cpu" || tree.string(id, "device_type")? != Some("cpu") {
            continue;
        }
        if !tree.enabled(id) {
            continue;
        }
        let mpidr = raw_reg(tree, id)?[0].0;
        if mpidr & !MPIDR_AFFINITY_MASK != 0 {
            return Err(tree.err(
                id,
                "reg",
                Problem::BadValue("bits outside the MPIDR affinity fields"),
            ));
        }
        let enable = match tree.string(id, "enable-method")? {
            None => EnableMethod::None,
            Some("psci") => EnableMethod::Psci,
            Some("spin-table") => match tree.u64(id, "cpu-release-addr")? {
                Some(release_addr) => EnableMethod::SpinTable { release_addr },
                None => return Err(tree.err(id, "cpu-release-addr", Problem::Missing)),
            },
            Some(other) => {
                return Err(tree.err(id, "enable-method", Problem::Unknown(String::from(other))))
            }
        };
        found.push((Cpu { mpidr, enable }, id));
    }
    if found.is_empty() {
        return Err(tree.err(parent, "device_type", Problem::NotFound("enabled cpu node")));
    }
    addr::order::sort_by_key(&mut found, |(cpu, _)| cpu.mpidr);
    if let Some(pair) = found.windows(2).find(|w| w[0].0.mpidr == w[1].0.mpidr) {
        return Err(tree.err(pair[1].1, "reg", Problem::BadValue("duplicate MPIDR")));
    }
    Ok(found.into_iter().map(|(cpu, _)| cpu).collect())
}
