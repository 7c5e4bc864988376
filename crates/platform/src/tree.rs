//! An indexed copy of the node hierarchy (parents, paths) with typed property accessors.

use crate::error::{PlatformError, Problem};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use fdt::node::FdtNode;
use fdt::Fdt;

/// Index of a node in [`Tree`]; the root is 0.
pub(crate) type NodeId = usize;

struct Entry<'b, 'a> {
    node: FdtNode<'b, 'a>,
    parent: Option<NodeId>,
}

/// Every node of a checked blob in document order (pre-order), with its parent and full path.
pub(crate) struct Tree<'b, 'a> {
    nodes: Vec<Entry<'b, 'a>>,
}

/// Splits a property value into its NUL-separated strings, skipping non-UTF-8 pieces.
pub(crate) fn string_list(value: &[u8]) -> impl Iterator<Item = &str> {
    value
        .split(|&b| b == 0)
        .filter_map(|s| core::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty())
}

impl<'b, 'a> Tree<'b, 'a> {
    /// Indexes every node of `fdt`, which must have passed [`crate::validate::check`].
    pub fn build(fdt: &'b Fdt<'a>) -> Result<Self, PlatformError> {
        let root = fdt.all_nodes().next().ok_or_else(|| {
            PlatformError::new("/", "<structure>", Problem::Malformed("no root node"))
        })?;
        let mut nodes: Vec<Entry<'b, 'a>> = Vec::new();
        let mut stack: Vec<(FdtNode<'b, 'a>, Option<NodeId>)> = vec![(root, None)];
        while let Some((node, parent)) = stack.pop() {
            let id = nodes.len();
            nodes.push(Entry { node, parent });
            let first = stack.len();
            stack.extend(node.children().map(|c| (c, Some(id))));
            stack[first..].reverse();
        }
        Ok(Tree { nodes })
    }

    /// All node ids in document order.
    pub fn ids(&self) -> core::ops::Range<NodeId> {
        0..self.nodes.len()
    }

    /// Full path of a node, e.g. `/soc/serial@7e201000` (built on demand: paths are only
    /// needed for errors and results, and storing them all could be quadratic in size).
    pub fn path(&self, id: NodeId) -> String {
        let mut names = Vec::new();
        let mut at = id;
        while let Some(parent) = self.nodes[at].parent {
            names.push(self.nodes[at].node.name);
            at = parent;
        }
        if names.is_empty() {
            return String::from("/");
        }
        names.iter().rev().fold(String::new(), |mut path, name| {
            path.push('/');
            path.push_str(name);
            path
        })
    }

    /// The node's parent (`None` for the root).
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes[id].parent
    }

    /// The node name without its unit address (`serial` for `serial@7e201000`).
    pub fn base_name(&self, id: NodeId) -> &'a str {
        let name = self.nodes[id].node.name;
        name.split('@').next().unwrap_or(name)
    }

    /// Direct children of a node, in document order.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.ids()
            .filter(move |&c| self.nodes[c].parent == Some(id))
    }

    /// An error about `property` of node `id`.
    pub fn err(&self, id: NodeId, property: &'static str, problem: Problem) -> PlatformError {
        PlatformError {
            node: self.path(id),
            property,
            problem,
        }
    }

    /// The raw value of a property, if present.
    pub fn raw(&self, id: NodeId, prop: &str) -> Option<&'a [u8]> {
        self.nodes[id].node.property(prop).map(|p| p.value)
    }

    /// A property that must be exactly one cell.
    pub fn u32(&self, id: NodeId, prop: &'static str) -> Result<Option<u32>, PlatformError> {
        match self.raw(id, prop) {
            None => Ok(None),
            Some(&[a, b, c, d]) => Ok(Some(u32::from_be_bytes([a, b, c, d]))),
            Some(v) => Err(self.err(
                id,
                prop,
                Problem::BadLength {
                    len: v.len(),
                    expected: "1 cell",
                },
            )),
        }
    }

    /// A property of one or two cells (a 32- or 64-bit number).
    pub fn u64(&self, id: NodeId, prop: &'static str) -> Result<Option<u64>, PlatformError> {
        match self.raw(id, prop) {
            None => Ok(None),
            Some(v) if v.len() == 4 || v.len() == 8 => Ok(crate::reg::read_cells(v, v.len() / 4)),
            Some(v) => Err(self.err(
                id,
                prop,
                Problem::BadLength {
                    len: v.len(),
                    expected: "1 or 2 cells",
                },
            )),
        }
    }

    /// A string property (first string of the value).
    pub fn string(&self, id: NodeId, prop: &'static str) -> Result<Option<&'a str>, PlatformError> {
        let Some(v) = self.raw(id, prop) else {
            return Ok(None);
        };
        let s = v.split(|&b| b == 0).next().unwrap_or(v);
        core::str::from_utf8(s)
            .map(Some)
            .map_err(|_| self.err(id, prop, Problem::BadValue("not a UTF-8 string")))
    }

    /// The node's `compatible` strings.
    pub fn compatibles(&self, id: NodeId) -> impl Iterator<Item = &'a str> {
        string_list(self.raw(id, "compatible").unwrap_or(&[]))
    }

    /// Whether any of the node's `compatible` strings is in `list`.
    pub fn is_compatible(&self, id: NodeId, list: &[&str]) -> bool {
        self.compatibles(id).any(|c| list.contains(&c))
    }

    /// Whether the node is usable: `status` absent, `"okay"` or `"ok"`.
    pub fn enabled(&self, id: NodeId) -> bool {
        matches!(
            self.raw(id, "status").map(|v| string_list(v).next()),
            None | Some(Some("okay" | "ok"))
        )
    }

    /// The `#address-cells` this node gives its children (default 2).
    pub fn address_cells(&self, id: NodeId) -> Result<usize, PlatformError> {
        self.cells(id, "#address-cells", 2)
    }

    /// The `#size-cells` this node gives its children (default 1).
    pub fn size_cells(&self, id: NodeId) -> Result<usize, PlatformError> {
        self.cells(id, "#size-cells", 1)
    }

    fn cells(&self, id: NodeId, prop: &'static str, default: u32) -> Result<usize, PlatformError> {
        match self.u32(id, prop)?.unwrap_or(default) {
            n @ 0..=4 => Ok(n as usize),
            _ => Err(self.err(id, prop, Problem::BadValue("more than 4 cells"))),
        }
    }

    /// Finds a node by full path; components without `@unit` match the first node of that name.
    pub fn find_path(&self, path: &str) -> Option<NodeId> {
        let mut id = 0;
        for part in path.strip_prefix('/')?.split('/').filter(|p| !p.is_empty()) {
            id = self.children(id).find(|&c| {
                let name = self.nodes[c].node.name;
                name == part || (!part.contains('@') && self.base_name(c) == part)
            })?;
        }
        Some(id)
    }

    /// Finds the node whose `phandle` (or legacy `linux,phandle`) is `handle`.
    pub fn by_phandle(&self, handle: u32) -> Option<NodeId> {
        self.ids().find(|&id| {
            ["phandle", "linux,phandle"].iter().any(|p| {
                self.raw(id, p).is_some_and(|v| {
                    v.len() == 4 && crate::reg::read_cells(v, 1) == Some(u64::from(handle))
                })
            })
        })
    }
}
