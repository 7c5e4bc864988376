//! Finding the node that holds the configuration: the root of an overlay, `/hypervisor`, or any
//! node with `compatible = "kairos,hypervisor"`.

use alloc::string::String;

use fdt::node::FdtNode;
use fdt::Fdt;

use crate::binding::{COMPATIBLE, HYPERVISOR_COMPATIBLE, HYPERVISOR_NODE_NAME};
use crate::cells;

/// The path of a child of the node at `parent`.
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    let mut path = String::from(parent.trim_end_matches('/'));
    path.push('/');
    path.push_str(name);
    path
}

/// Whether a node's `compatible` list holds `wanted` (a malformed list holds nothing).
pub(crate) fn is_compatible(node: FdtNode<'_, '_>, wanted: &str) -> bool {
    node.property(COMPATIBLE)
        .and_then(|p| cells::string_list(p.value).ok())
        .is_some_and(|list| list.contains(&wanted))
}

/// The hypervisor node and its path, searched in this order: the root itself (an overlay that is
/// only the configuration), `/hypervisor`, then every node depth-first in blob order.
/// A node counts only if it is compatible with `kairos,hypervisor`: a `/hypervisor` node of
/// another hypervisor (Xen's, say) is passed over.
pub(crate) fn hypervisor_node<'b, 'a>(fdt: &'b Fdt<'a>) -> Option<(String, FdtNode<'b, 'a>)> {
    let root = fdt.find_node("/")?;
    if is_compatible(root, HYPERVISOR_COMPATIBLE) {
        return Some((String::from("/"), root));
    }
    let by_name = root
        .children()
        .find(|c| c.name == HYPERVISOR_NODE_NAME && is_compatible(*c, HYPERVISOR_COMPATIBLE));
    if let Some(node) = by_name {
        return Some((child_path("/", node.name), node));
    }
    search(root, "/")
}

/// Depth-first search below `node` (whose path is `path`), children before their siblings.
/// Recursion is bounded by the nesting limit the blob check enforces.
fn search<'b, 'a>(node: FdtNode<'b, 'a>, path: &str) -> Option<(String, FdtNode<'b, 'a>)> {
    for child in node.children() {
        let path = child_path(path, child.name);
        if is_compatible(child, HYPERVISOR_COMPATIBLE) {
            return Some((path, child));
        }
        if let Some(found) = search(child, &path) {
            return Some(found);
        }
    }
    None
}
