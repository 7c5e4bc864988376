//! Interrupt routing: a node's interrupt parent and GIC interrupt specifiers decoded to INTIDs.

use crate::error::{PlatformError, Problem};
use crate::reg::read_cells;
use crate::tree::{NodeId, Tree, INTERRUPTS, INTERRUPT_PARENT};
use alloc::vec::Vec;

/// `compatible` strings of GICv2-class interrupt controllers.
pub(crate) const GICV2: &[&str] = &[
    "arm,gic-400",
    "arm,cortex-a15-gic",
    "arm,cortex-a9-gic",
    "arm,cortex-a7-gic",
    "arm,arm11mp-gic",
    "arm,pl390",
];
/// `compatible` strings of GICv3/v4 interrupt controllers.
pub(crate) const GICV3: &[&str] = &["arm,gic-v3"];

/// Whether the node is a GIC this crate understands.
pub(crate) fn is_gic(tree: &Tree, id: NodeId) -> bool {
    tree.is_compatible(id, GICV2) || tree.is_compatible(id, GICV3)
}

/// The interrupt parent of `id`: the phandle in its own or its nearest ancestor's
/// `interrupt-parent`, or `None` if no ancestor names one.
pub(crate) fn interrupt_parent(tree: &Tree, id: NodeId) -> Result<Option<NodeId>, PlatformError> {
    let mut at = Some(id);
    while let Some(n) = at {
        if let Some(handle) = tree.known_u32(n, INTERRUPT_PARENT)? {
            return match tree.by_phandle(handle) {
                Some(p) => Ok(Some(p)),
                None => Err(tree.err(
                    n,
                    "interrupt-parent",
                    Problem::Unresolved(alloc::format!("<{handle:#x}>")),
                )),
            };
        }
        at = tree.parent(n);
    }
    Ok(None)
}

/// Decodes one GIC specifier (`type number flags [...]`) from `id`'s `prop` to an INTID.
fn decode(tree: &Tree, id: NodeId, prop: &'static str, spec: &[u8]) -> Result<u32, PlatformError> {
    let kind = read_cells(spec, 1).unwrap_or(u64::MAX);
    let num = read_cells(&spec[4..], 1).unwrap_or(u64::MAX);
    let (base, limit) = match kind {
        0 => (32, 988),    // SPI
        1 => (16, 16),     // PPI
        2 => (4096, 1024), // extended SPI
        3 => (1056, 64),   // extended PPI
        _ => return Err(tree.err(id, prop, Problem::BadValue("unknown GIC interrupt type"))),
    };
    if num >= limit {
        return Err(tree.err(id, prop, Problem::BadValue("interrupt number out of range")));
    }
    Ok((base + num) as u32)
}

/// The GIC specifier width of controller `ctrl` (`#interrupt-cells`, at least 3).
fn gic_cells(tree: &Tree, ctrl: NodeId) -> Result<usize, PlatformError> {
    match tree.u32(ctrl, "#interrupt-cells")? {
        None => Err(tree.err(ctrl, "#interrupt-cells", Problem::Missing)),
        Some(n @ 3..=4) => Ok(n as usize),
        Some(_) => Err(tree.err(
            ctrl,
            "#interrupt-cells",
            Problem::BadValue("a GIC needs 3 or 4 cells"),
        )),
    }
}

/// The node's interrupts as GIC INTIDs, from `interrupts` or `interrupts-extended`.
///
/// `Ok(None)` if the node has no interrupts or they are not routed straight to a GIC.
pub(crate) fn interrupts(tree: &Tree, id: NodeId) -> Result<Option<Vec<u32>>, PlatformError> {
    if let Some(value) = tree.known(id, INTERRUPTS) {
        let Some(ctrl) = interrupt_parent(tree, id)? else {
            return Err(tree.err(id, "interrupt-parent", Problem::Missing));
        };
        if !is_gic(tree, ctrl) {
            return Ok(None);
        }
        let width = gic_cells(tree, ctrl)? * 4;
        if value.is_empty() || !value.len().is_multiple_of(width) {
            let expected = "a non-empty multiple of #interrupt-cells";
            return Err(tree.err(
                id,
                "interrupts",
                Problem::BadLength {
                    len: value.len(),
                    expected,
                },
            ));
        }
        return value
            .chunks_exact(width)
            .map(|s| decode(tree, id, "interrupts", s))
            .collect::<Result<_, _>>()
            .map(Some);
    }
    let Some(mut value) = tree.raw(id, "interrupts-extended") else {
        return Ok(None);
    };
    let mut out = Vec::new();
    while !value.is_empty() {
        let bad = |why| tree.err(id, "interrupts-extended", Problem::BadValue(why));
        let handle = read_cells(value, 1).ok_or_else(|| bad("truncated specifier"))? as u32;
        let ctrl = tree
            .by_phandle(handle)
            .ok_or_else(|| bad("unknown phandle"))?;
        if !is_gic(tree, ctrl) {
            return Ok(None);
        }
        let width = gic_cells(tree, ctrl)? * 4;
        let spec = value
            .get(4..4 + width)
            .ok_or_else(|| bad("truncated specifier"))?;
        out.push(decode(tree, id, "interrupts-extended", spec)?);
        value = &value[4 + width..];
    }
    Ok(Some(out))
}
