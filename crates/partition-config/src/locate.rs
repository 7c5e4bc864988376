//! Finding the node that holds the configuration: the root of an overlay, `/hypervisor`, or any
//! node with `compatible = "kairos,hypervisor"`.
//!
//! The search rides on the structure check's walk over the blob ([`Finder`]): a platform DTB can
//! hold hundreds of nodes, and walking it again through `fdt`'s node iterators would parse every
//! subtree once more at each level.

use alloc::string::String;
use alloc::vec::Vec;

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

/// Whether a `compatible` value holds `wanted` (a malformed list holds nothing), as
/// [`cells::string_list`] would read it, without collecting the list: its strings are valid
/// UTF-8 exactly when the whole value is (NUL never sits inside a multi-byte character).
fn holds(value: &[u8], wanted: &str) -> bool {
    let Some((0, text)) = value.split_last() else {
        return false;
    };
    text.split(|&b| b == 0).any(|s| s == wanted.as_bytes()) && core::str::from_utf8(text).is_ok()
}

/// Whether a node's `compatible` list holds `wanted`.
pub(crate) fn is_compatible(node: FdtNode<'_, '_>, wanted: &str) -> bool {
    node.property(COMPATIBLE)
        .and_then(|p| cells::string_list(p.value).ok())
        .is_some_and(|list| list.contains(&wanted))
}

/// The hypervisor node found in a blob: its path and its index in document order (root 0).
pub(crate) struct Found {
    pub path: String,
    pub index: usize,
}

/// Finds the hypervisor node while [`crate::dtb_check`] walks a blob, from the nodes and
/// `compatible` properties it reports in document order. The order of preference: the root
/// itself (an overlay that is only the configuration), `/hypervisor`, then the first node in
/// blob order (depth-first). A node counts only if its first `compatible` holds
/// `kairos,hypervisor`: a `/hypervisor` node of another hypervisor (Xen's, say) is passed over.
#[derive(Default)]
pub(crate) struct Finder<'a> {
    /// Names of the open nodes, root first.
    names: Vec<&'a [u8]>,
    /// Nodes begun so far.
    count: usize,
    /// Whether the open node's first `compatible` has been seen.
    seen_compatible: bool,
    /// The first match in blob order, and the match that wins outright (root or `/hypervisor`).
    first: Option<Found>,
    best: Option<Found>,
}

impl<'a> Finder<'a> {
    pub fn begin_node(&mut self, name: &'a [u8]) {
        self.names.push(name);
        self.count += 1;
        self.seen_compatible = false;
    }

    /// A `compatible` property of the node begun last (properties precede children).
    pub fn compatible(&mut self, value: &[u8]) {
        if core::mem::replace(&mut self.seen_compatible, true) || self.best.is_some() {
            return;
        }
        if !holds(value, HYPERVISOR_COMPATIBLE) {
            return;
        }
        let by_name = self.names.len() == 2 && self.names[1] == HYPERVISOR_NODE_NAME.as_bytes();
        if self.names.len() == 1 || by_name {
            self.best = Some(self.found());
        } else if self.first.is_none() {
            self.first = Some(self.found());
        }
    }

    pub fn end_node(&mut self) {
        self.names.pop();
    }

    pub fn result(self) -> Option<Found> {
        self.best.or(self.first)
    }

    fn found(&self) -> Found {
        let path = self.names[1..].iter().fold(String::new(), |path, name| {
            child_path(&path, core::str::from_utf8(name).unwrap_or(""))
        });
        Found {
            path: if path.is_empty() {
                String::from("/")
            } else {
                path
            },
            index: self.count - 1,
        }
    }
}

/// The node at document-order `index` of `fdt` (see [`Found`]).
pub(crate) fn node<'b, 'a>(fdt: &'b Fdt<'a>, index: usize) -> Option<FdtNode<'b, 'a>> {
    if index == 0 {
        return fdt.find_node("/");
    }
    fdt.all_nodes().nth(index)
}
