//! The GIC: which node is the root interrupt controller and where its register frames are.

use crate::error::{PlatformError, Problem};
use crate::irq::{interrupts, is_gic, GICV3};
use crate::reg::reg;
use crate::tree::{NodeId, Tree};
use crate::Region;
use alloc::vec::Vec;

/// The interrupt controller, by architecture version, with CPU physical frame addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gic {
    /// GICv2 (GIC-400 and friends): memory-mapped CPU interface.
    V2 {
        /// Distributor (GICD).
        dist: Region,
        /// CPU interface (GICC).
        cpu: Region,
        /// Virtual interface control (GICH), if the virtualization extensions are described.
        hyp: Option<Region>,
        /// Virtual CPU interface (GICV) the hypervisor maps to guests as their GICC.
        vcpu: Option<Region>,
        /// Maintenance interrupt INTID (from the node's `interrupts`).
        maintenance_irq: Option<u32>,
    },
    /// GICv3/v4: system-register CPU interface and per-CPU redistributors.
    V3 {
        /// Distributor (GICD).
        dist: Region,
        /// Redistributor regions (GICR), `#redistributor-regions` of them.
        redist: Vec<Region>,
        /// `redistributor-stride`, if the redistributors are not packed at the default stride.
        redist_stride: Option<u64>,
        /// Legacy memory-mapped CPU interface (GICC), if present.
        cpu: Option<Region>,
        /// Legacy virtual interface control (GICH), if present.
        hyp: Option<Region>,
        /// Legacy virtual CPU interface (GICV), if present.
        vcpu: Option<Region>,
        /// Maintenance interrupt INTID (from the node's `interrupts`).
        maintenance_irq: Option<u32>,
    },
}

impl Gic {
    /// The architecture version: 2 or 3.
    pub fn version(&self) -> u8 {
        match self {
            Gic::V2 { .. } => 2,
            Gic::V3 { .. } => 3,
        }
    }

    /// The distributor frame.
    pub fn dist(&self) -> Region {
        match self {
            Gic::V2 { dist, .. } | Gic::V3 { dist, .. } => *dist,
        }
    }

    /// Every register frame described: distributor, redistributors, and the memory-mapped CPU,
    /// virtual-interface-control and virtual CPU interfaces where present.
    pub fn frames(&self) -> Vec<Region> {
        match self {
            Gic::V2 {
                dist,
                cpu,
                hyp,
                vcpu,
                ..
            } => [Some(*dist), Some(*cpu), *hyp, *vcpu]
                .into_iter()
                .flatten()
                .collect(),
            Gic::V3 {
                dist,
                redist,
                cpu,
                hyp,
                vcpu,
                ..
            } => core::iter::once(*dist)
                .chain(redist.iter().copied())
                .chain([*cpu, *hyp, *vcpu].into_iter().flatten())
                .collect(),
        }
    }

    /// The maintenance interrupt INTID, if described.
    pub fn maintenance_irq(&self) -> Option<u32> {
        match self {
            Gic::V2 {
                maintenance_irq, ..
            }
            | Gic::V3 {
                maintenance_irq, ..
            } => *maintenance_irq,
        }
    }
}

/// The root interrupt controller: reached from `/`'s `interrupt-parent` (following a chain
/// of wake-up controllers up to a GIC), else the first enabled GIC-compatible node.
fn find(tree: &Tree) -> Result<NodeId, PlatformError> {
    let mut at = 0;
    for _ in 0..8 {
        let Some(handle) = tree.u32(at, "interrupt-parent")? else {
            break;
        };
        let Some(next) = tree.by_phandle(handle) else {
            let what = alloc::format!("<{handle:#x}>");
            return Err(tree.err(at, "interrupt-parent", Problem::Unresolved(what)));
        };
        if is_gic(tree, next) && tree.enabled(next) {
            return Ok(next);
        }
        if next == at {
            break;
        }
        at = next;
    }
    tree.ids()
        .find(|&id| is_gic(tree, id) && tree.enabled(id))
        .ok_or_else(|| {
            tree.err(
                0,
                "interrupt-parent",
                Problem::NotFound("GICv2/GICv3 interrupt controller"),
            )
        })
}

/// Parses the root GIC.
pub(crate) fn gic(tree: &Tree) -> Result<Gic, PlatformError> {
    let id = find(tree)?;
    let regions = reg(tree, id)?;
    let maintenance_irq = interrupts(tree, id)?.and_then(|v| v.first().copied());
    let too_few = |expected| {
        let len = tree.raw(id, "reg").map_or(0, <[u8]>::len);
        Err(tree.err(id, "reg", Problem::BadLength { len, expected }))
    };
    if tree.is_compatible(id, GICV3) {
        let n = tree.u32(id, "#redistributor-regions")?.unwrap_or(1) as usize;
        if n == 0 {
            return Err(tree.err(
                id,
                "#redistributor-regions",
                Problem::BadValue("zero regions"),
            ));
        }
        if regions.len() < 1 + n {
            return too_few("GICD plus #redistributor-regions GICR entries");
        }
        Ok(Gic::V3 {
            dist: regions[0],
            redist: regions[1..=n].to_vec(),
            redist_stride: tree.u64(id, "redistributor-stride")?,
            cpu: regions.get(n + 1).copied(),
            hyp: regions.get(n + 2).copied(),
            vcpu: regions.get(n + 3).copied(),
            maintenance_irq,
        })
    } else {
        if regions.len() < 2 {
            return too_few("GICD and GICC entries");
        }
        Ok(Gic::V2 {
            dist: regions[0],
            cpu: regions[1],
            hyp: regions.get(2).copied(),
            vcpu: regions.get(3).copied(),
            maintenance_irq,
        })
    }
}
