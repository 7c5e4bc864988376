//! Checks of a VM's `guest-dt` node, whose child nodes are copied into the root of the VM's
//! device tree: no clash with the nodes the hypervisor writes, phandles unique, every
//! `interrupt-parent` known, and GIC interrupts only the VM's own.

use alloc::string::String;
use alloc::vec::Vec;

use fdt::node::FdtNode;

use crate::binding::GUEST_GIC_PHANDLE;
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::locate::child_path;
use crate::platform::FIRST_SPI_INTID;

/// Root nodes of the VM's device tree the hypervisor writes itself (names before any `@`).
pub const GENERATED_NODES: &[&str] = &[
    "chosen",
    "aliases",
    "memory",
    "cpus",
    "psci",
    "interrupt-controller",
    "timer",
    "apb-pclk",
    "kairos",
];
/// The root's cell sizes in the VM's device tree, which `guest-dt` children are read with.
const ROOT_CELLS: u32 = 2;
/// `interrupts` cells of a GIC: type (0 SPI, 1 PPI), number, flags.
const GIC_SPI_TYPE: u32 = 0;

/// Every problem of the `guest-dt` node `node` at `path` of a VM owning SPIs `owned`.
pub(crate) fn check(node: FdtNode<'_, '_>, path: &str, owned: &[u32]) -> Vec<ConfigError> {
    let mut errors = NodeErrors::new(path);
    for property in node.properties() {
        let cells = u32_value(property.value);
        let fine =
            matches!(property.name, "#address-cells" | "#size-cells") && cells == Some(ROOT_CELLS);
        if !fine {
            errors.push(property.name, ErrorKind::GuestDtProperty);
        }
    }
    let mut phandles = Vec::new();
    let mut list = errors.list;
    for child in node.children() {
        let base = child.name.split('@').next().unwrap_or(child.name);
        let child_path = child_path(path, child.name);
        if GENERATED_NODES.contains(&base) || child.name == "serial@9000000" {
            let name = String::from(child.name);
            list.push(ConfigError::new(
                &child_path,
                "",
                ErrorKind::GuestDtNodeTaken { name },
            ));
        }
        collect_phandles(child, &child_path, &mut phandles, &mut list);
    }
    for child in node.children() {
        let child_path = child_path(path, child.name);
        check_interrupts(
            child,
            &child_path,
            GUEST_GIC_PHANDLE,
            &phandles,
            owned,
            &mut list,
        );
    }
    list
}

fn u32_value(value: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(value.try_into().ok()?))
}

/// Records the `phandle` of `node` and its descendants; a repeated or reserved one is an error.
fn collect_phandles(
    node: FdtNode<'_, '_>,
    path: &str,
    seen: &mut Vec<u32>,
    list: &mut Vec<ConfigError>,
) {
    if let Some(property) = node.property("phandle") {
        match u32_value(property.value) {
            Some(phandle)
                if phandle == GUEST_GIC_PHANDLE || seen.contains(&phandle) || phandle == 0 =>
            {
                list.push(ConfigError::new(
                    path,
                    "phandle",
                    ErrorKind::PhandleTaken { phandle },
                ));
            }
            Some(phandle) => seen.push(phandle),
            None => list.push(ConfigError::new(
                path,
                "phandle",
                ErrorKind::WrongType {
                    expected: crate::cells::ValueType::Cells(1),
                    found_bytes: property.value.len(),
                },
            )),
        }
    }
    for child in node.children() {
        collect_phandles(child, &child_path(path, child.name), seen, list);
    }
}

/// Checks `interrupt-parent` (the GIC or a node of the subtree) and, where the parent is the
/// GIC, that each SPI in `interrupts` is one the VM owns. `parent` is the inherited parent.
fn check_interrupts(
    node: FdtNode<'_, '_>,
    path: &str,
    inherited: u32,
    phandles: &[u32],
    owned: &[u32],
    list: &mut Vec<ConfigError>,
) {
    let mut parent = inherited;
    if let Some(property) = node.property("interrupt-parent") {
        match u32_value(property.value) {
            Some(phandle) if phandle == GUEST_GIC_PHANDLE || phandles.contains(&phandle) => {
                parent = phandle
            }
            Some(phandle) => list.push(ConfigError::new(
                path,
                "interrupt-parent",
                ErrorKind::UnknownPhandle { phandle },
            )),
            None => list.push(ConfigError::new(
                path,
                "interrupt-parent",
                ErrorKind::WrongType {
                    expected: crate::cells::ValueType::Cells(1),
                    found_bytes: property.value.len(),
                },
            )),
        }
    }
    if let (Some(property), GUEST_GIC_PHANDLE) = (node.property("interrupts"), parent) {
        if property.value.len() % 12 != 0 {
            list.push(ConfigError::new(
                path,
                "interrupts",
                ErrorKind::WrongType {
                    expected: crate::cells::ValueType::CellList(3),
                    found_bytes: property.value.len(),
                },
            ));
        }
        for triplet in property.value.chunks_exact(12) {
            let kind = u32::from_be_bytes(triplet[0..4].try_into().unwrap_or_default());
            let number = u32::from_be_bytes(triplet[4..8].try_into().unwrap_or_default());
            let intid = number.saturating_add(FIRST_SPI_INTID);
            if kind != GIC_SPI_TYPE || !owned.contains(&intid) {
                list.push(ConfigError::new(
                    path,
                    "interrupts",
                    ErrorKind::InterruptNotOwned { kind, number },
                ));
            }
        }
    }
    for child in node.children() {
        check_interrupts(
            child,
            &child_path(path, child.name),
            parent,
            phandles,
            owned,
            list,
        );
    }
}
