//! RAM (`/memory*`), reserved ranges (`/memreserve/`, `/reserved-memory`) and the initrd.

use crate::error::{PlatformError, Problem};
use crate::reg::reg;
use crate::tree::Tree;
use crate::Region;
use alloc::vec::Vec;

/// Every enabled root-level node with `device_type = "memory"`, translated, sorted by base.
/// Zero-sized entries (placeholders a firmware fills in) are dropped.
pub(crate) fn memory(tree: &Tree) -> Result<Vec<Region>, PlatformError> {
    let mut out = Vec::new();
    for id in tree.children(0) {
        if tree.string(id, "device_type")? == Some("memory") && tree.enabled(id) {
            out.extend(reg(tree, id)?.into_iter().filter(|r| r.size != 0));
        }
    }
    if out.is_empty() {
        return Err(tree.err(
            0,
            "device_type",
            Problem::NotFound("memory node with a non-empty reg"),
        ));
    }
    addr::order::sort(&mut out);
    Ok(out)
}

/// The `/memreserve/` entries plus every enabled `/reserved-memory` child that has a `reg`,
/// sorted by base. Children that only ask for a dynamic allocation (`size`) are skipped.
pub(crate) fn reserved(tree: &Tree, memreserve: &[Region]) -> Result<Vec<Region>, PlatformError> {
    let mut out = Vec::from(memreserve);
    if let Some(parent) = tree.find_path("/reserved-memory") {
        for id in tree.children(parent) {
            if tree.enabled(id) && tree.known(id, crate::tree::REG).is_some() {
                out.extend(reg(tree, id)?.into_iter().filter(|r| r.size != 0));
            }
        }
    }
    addr::order::sort(&mut out);
    Ok(out)
}

/// The initrd from `/chosen` `linux,initrd-start` / `linux,initrd-end` (one or two cells each).
pub(crate) fn initrd(tree: &Tree) -> Result<Option<Region>, PlatformError> {
    let Some(chosen) = tree.find_path("/chosen") else {
        return Ok(None);
    };
    let start = tree.u64(chosen, "linux,initrd-start")?;
    let end = tree.u64(chosen, "linux,initrd-end")?;
    match (start, end) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(tree.err(chosen, "linux,initrd-end", Problem::Missing)),
        (None, Some(_)) => Err(tree.err(chosen, "linux,initrd-start", Problem::Missing)),
        (Some(s), Some(e)) if e < s => Err(tree.err(
            chosen,
            "linux,initrd-end",
            Problem::BadValue("end lies before start"),
        )),
        (Some(s), Some(e)) => Ok(Some(Region {
            base: s,
            size: e - s,
        })),
    }
}
