//! Looking up one device node by path or alias, e.g. to pass it through to a partition.

use crate::error::{PlatformError, Problem};
use crate::irq::interrupts;
use crate::reg::{bus_cells, reg, reg_into_with};
use crate::tree::{string_list, Tree, DEVICE_TYPE, REG};
use crate::Region;
use alloc::string::String;
use alloc::vec::Vec;

/// A device node's resources, with addresses translated to CPU physical addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Full path of the node.
    pub path: String,
    /// Its `compatible` strings.
    pub compatible: Vec<String>,
    /// Whether `status` is absent, `"okay"` or `"ok"`.
    pub enabled: bool,
    /// Every `reg` entry, translated through the ancestors' `ranges` (empty without `reg`).
    pub regions: Vec<Region>,
    /// GIC INTIDs of its interrupts (empty if none or not routed straight to the GIC).
    pub irqs: Vec<u32>,
}

/// Finds the node at `path` (absolute, or an alias from `/aliases`) and reads its resources.
pub(crate) fn device(tree: &Tree, path: &str) -> Result<Device, PlatformError> {
    let resolved = if path.starts_with('/') {
        Some(path)
    } else {
        tree.find_path("/aliases")
            .and_then(|a| string_list(tree.raw(a, path)?).next())
    };
    let Some(id) = resolved.and_then(|p| tree.find_path(p)) else {
        return Err(PlatformError::new(
            path,
            "<path>",
            Problem::Unresolved(String::from(path)),
        ));
    };
    let regions = if tree.known(id, REG).is_some() {
        reg(tree, id)?
    } else {
        Vec::new()
    };
    Ok(Device {
        path: tree.path(id),
        compatible: tree.compatibles(id).map(String::from).collect(),
        enabled: tree.enabled(id),
        regions,
        irqs: interrupts(tree, id)?.unwrap_or_default(),
    })
}

/// Every MMIO region of the enabled device nodes (nodes with a translatable `reg` that are not
/// memory, CPUs or under `/cpus` or `/reserved-memory`), sorted by base; a node whose `reg`
/// cannot be translated to a CPU address (e.g. on a non-memory-mapped bus) is skipped.
pub(crate) fn mmio_regions(tree: &Tree) -> Vec<Region> {
    let mut regions = Vec::new();
    // The cells of the last parent seen (none if they are unusable): siblings follow one
    // another.
    let mut cells_of: Option<(usize, Option<(usize, usize)>)> = None;
    for id in tree.ids().skip(1) {
        if tree.known(id, REG).is_none() || !tree.enabled(id) {
            continue;
        }
        // The path starts with one of these exactly when its first component does (names hold
        // no '/'), so no path needs to be built.
        let top = tree.top_level_name(id).unwrap_or(b"");
        let skipped = ["cpus", "reserved-memory", "memory"]
            .iter()
            .any(|p| top.starts_with(p.as_bytes()));
        let memory = tree
            .known(id, DEVICE_TYPE)
            .is_some_and(|v| v.starts_with(b"memory"));
        if skipped || memory {
            continue;
        }
        let parent = tree.parent(id).unwrap_or(0);
        let cells = match cells_of {
            Some((bus, cells)) if bus == parent => cells,
            _ => {
                let cells = bus_cells(tree, parent).ok();
                cells_of = Some((parent, cells));
                cells
            }
        };
        let Some(cells) = cells else { continue };
        let before = regions.len();
        if reg_into_with(tree, id, cells, &mut regions).is_err() {
            regions.truncate(before);
        }
    }
    regions.retain(|r| r.size > 0);
    addr::order::sort_by_key(&mut regions, |r| r.base);
    regions
}
