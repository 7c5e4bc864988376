//! The ARM generic timer node (`arm,armv8-timer` / `arm,armv7-timer`): PPI INTIDs and frequency.

use crate::error::{PlatformError, Problem};
use crate::irq::interrupts;
use crate::tree::Tree;

/// Generic timer interrupts as GIC INTIDs (PPI n is INTID 16 + n).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// Secure physical timer (first `interrupts` entry).
    pub secure_phys_irq: u32,
    /// Non-secure EL1 physical timer (CNTP).
    pub phys_irq: u32,
    /// EL1 virtual timer (CNTV), the one guests use.
    pub virt_irq: u32,
    /// EL2 physical timer (CNTHP), the hypervisor's own.
    pub hyp_phys_irq: u32,
    /// EL2 virtual timer (CNTHV), if a fifth entry is given.
    pub hyp_virt_irq: Option<u32>,
    /// `clock-frequency` (only present when firmware does not program CNTFRQ_EL0).
    pub frequency: Option<u32>,
}

/// The first enabled generic timer node, or `None` if there is none.
pub(crate) fn timer(tree: &Tree) -> Result<Option<Timer>, PlatformError> {
    let compatible = ["arm,armv8-timer", "arm,armv7-timer"];
    let Some(id) = tree
        .ids()
        .find(|&id| tree.is_compatible(id, &compatible) && tree.enabled(id))
    else {
        return Ok(None);
    };
    let Some(irqs) = interrupts(tree, id)? else {
        let problem = Problem::NotFound("interrupts routed to the GIC");
        return Err(tree.err(id, "interrupts", problem));
    };
    if irqs.len() < 4 {
        let len = tree.raw(id, "interrupts").map_or(0, <[u8]>::len);
        let expected = "at least 4 interrupt specifiers";
        return Err(tree.err(id, "interrupts", Problem::BadLength { len, expected }));
    }
    Ok(Some(Timer {
        secure_phys_irq: irqs[0],
        phys_irq: irqs[1],
        virt_irq: irqs[2],
        hyp_phys_irq: irqs[3],
        hyp_virt_irq: irqs.get(4).copied(),
        frequency: tree.u32(id, "clock-frequency")?,
    }))
}
