//! The node hierarchy of a checked blob, indexed once: names, parents, subtrees, properties.

use crate::error::{PlatformError, Problem};
use alloc::string::String;
use alloc::vec::Vec;
use core::ops::Range;

/// Index of a node in [`Tree`]; the root is 0.
pub(crate) type NodeId = usize;

struct Node<'a> {
    /// Its name, checked to be UTF-8 when indexed (bytes: most names are ASCII and need no
    /// conversion until a path is built).
    name: &'a [u8],
    parent: Option<NodeId>,
    /// Its properties in [`Tree::props`] (a node's properties precede its children).
    props: Range<usize>,
    /// One past the last node of its subtree: its next sibling, if it has one.
    end: NodeId,
    /// Its first property of each name in [`KNOWN`] (read for nearly every node): its index in
    /// [`Tree::props`] plus one, 0 when it has none.
    known: [u32; KNOWN.len()],
}

/// Property names looked up for nearly every node, kept aside at indexing so that reading them
/// needs no search: `#address-cells`, `#size-cells` (for every `reg`), `compatible`, `status`,
/// `reg` and `ranges` (every device's address), `device_type`, `interrupts` and
/// `interrupt-parent` (every device's interrupts).
const KNOWN: [&str; 9] = [
    "#address-cells",
    "#size-cells",
    "compatible",
    "status",
    "reg",
    "ranges",
    "device_type",
    "interrupts",
    "interrupt-parent",
];
const ADDRESS_CELLS: usize = 0;
const SIZE_CELLS: usize = 1;
const COMPATIBLE: usize = 2;
const STATUS: usize = 3;

/// Slots of [`KNOWN`] read through [`Tree::known`] by the other modules.
pub(crate) const REG: usize = 4;
pub(crate) const RANGES: usize = 5;
pub(crate) const DEVICE_TYPE: usize = 6;
pub(crate) const INTERRUPTS: usize = 7;
pub(crate) const INTERRUPT_PARENT: usize = 8;
/// [`classify`] of a `phandle` or `linux,phandle`.
const PHANDLE: u8 = KNOWN.len() as u8;
/// [`classify`] of any other name.
const OTHER: u8 = PHANDLE + 1;

/// The class of a property name for [`Tree::add_property`]: its index in [`KNOWN`], [`PHANDLE`]
/// or [`OTHER`] (worked out once per distinct name).
pub(crate) fn classify(name: &str) -> u8 {
    match KNOWN.iter().position(|known| *known == name) {
        Some(index) => index as u8,
        None if matches!(name, "phandle" | "linux,phandle") => PHANDLE,
        None => OTHER,
    }
}

/// Every node of a checked blob in document order (pre-order), with its parent, subtree and
/// properties, built by [`crate::structure::walk`] in the pass that checks the blob.
pub(crate) struct Tree<'a> {
    nodes: Vec<Node<'a>>,
    props: Vec<(&'a str, &'a [u8])>,
    /// `(value, node)` of every 4-byte `phandle` or `linux,phandle`, in document order.
    phandles: Vec<(u32, NodeId)>,
}

/// A node name as text (names are checked to be UTF-8 when the blob is indexed).
fn text(name: &[u8]) -> &str {
    core::str::from_utf8(name).unwrap_or("")
}

/// Splits a property value into its NUL-separated strings, skipping non-UTF-8 pieces.
pub(crate) fn string_list(value: &[u8]) -> impl Iterator<Item = &str> {
    value
        .split(|&b| b == 0)
        .filter_map(|s| core::str::from_utf8(s).ok())
        .filter(|s| !s.is_empty())
}

impl<'a> Tree<'a> {
    /// An empty index sized for a structure block of `bytes` bytes (a guess that holds for
    /// usual blobs, capped: a blob may be mostly one large value).
    pub fn with_capacity(bytes: usize) -> Self {
        Tree {
            nodes: Vec::with_capacity((bytes / 64).min(1024)),
            props: Vec::with_capacity((bytes / 24).min(4096)),
            phandles: Vec::new(),
        }
    }

    /// Appends a node (after its parent's properties and earlier siblings' subtrees).
    #[inline(always)] // the walk calls it once per token
    pub fn open_node(&mut self, name: &'a [u8], parent: Option<NodeId>) -> NodeId {
        let at = self.props.len();
        self.nodes.push(Node {
            name,
            parent,
            props: at..at,
            end: NodeId::MAX,
            known: [0; KNOWN.len()],
        });
        self.nodes.len() - 1
    }

    /// Appends a property of the node opened last; `class` is [`classify`] of its name.
    #[inline(always)] // the walk calls it once per token
    pub fn add_property(&mut self, name: &'a str, value: &'a [u8], class: u8) {
        let id = self.nodes.len() - 1;
        if let (Ok(&[a, b, c, d]), PHANDLE) = (<&[u8; 4]>::try_from(value), class) {
            self.phandles.push((u32::from_be_bytes([a, b, c, d]), id));
        }
        let node = &mut self.nodes[id];
        self.props.push((name, value));
        let count = self.props.len();
        if let Some(slot) = node.known.get_mut(usize::from(class)) {
            if *slot == 0 {
                *slot = count as u32;
            }
        }
        node.props.end = count;
    }

    /// Ends the subtree of `id`: every node appended since belongs to it.
    #[inline(always)] // the walk calls it once per token
    pub fn close_node(&mut self, id: NodeId) {
        self.nodes[id].end = self.nodes.len();
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
            names.push(self.nodes[at].name);
            at = parent;
        }
        if names.is_empty() {
            return String::from("/");
        }
        names.iter().rev().fold(String::new(), |mut path, name| {
            path.push('/');
            path.push_str(text(name));
            path
        })
    }

    /// The node's parent (`None` for the root).
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes[id].parent
    }

    /// The node name without its unit address (`serial` for `serial@7e201000`).
    pub fn base_name(&self, id: NodeId) -> &'a str {
        let name = text(self.nodes[id].name);
        name.split('@').next().unwrap_or(name)
    }

    /// Direct children of a node, in document order.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let end = self.nodes[id].end;
        let first = Some(id + 1).filter(|&c| c < end);
        core::iter::successors(first, move |&c| {
            Some(self.nodes[c].end).filter(|&n| n < end)
        })
    }

    /// An error about `property` of node `id`.
    pub fn err(&self, id: NodeId, property: &'static str, problem: Problem) -> PlatformError {
        PlatformError {
            node: self.path(id),
            property,
            problem,
        }
    }

    /// The value of the node's first property named `KNOWN[which]` (e.g. [`REG`]), if present:
    /// what [`Tree::raw`] gives for that name, without a search.
    pub(crate) fn known(&self, id: NodeId, which: usize) -> Option<&'a [u8]> {
        match self.nodes[id].known[which] {
            0 => None,
            at => Some(self.props[at as usize - 1].1),
        }
    }

    /// The raw value of a property, if present.
    pub fn raw(&self, id: NodeId, prop: &str) -> Option<&'a [u8]> {
        let node = &self.nodes[id];
        self.props[node.props.clone()]
            .iter()
            .find(|(name, _)| *name == prop)
            .map(|&(_, value)| value)
    }

    /// A property that must be exactly one cell.
    pub fn u32(&self, id: NodeId, prop: &'static str) -> Result<Option<u32>, PlatformError> {
        self.u32_of(id, prop, self.raw(id, prop))
    }

    /// [`Tree::u32`] of the property in slot `which` of [`KNOWN`].
    pub fn known_u32(&self, id: NodeId, which: usize) -> Result<Option<u32>, PlatformError> {
        self.u32_of(id, KNOWN[which], self.known(id, which))
    }

    /// [`Tree::u32`] of `value`, the value of `prop` of node `id`.
    pub(crate) fn u32_of(
        &self,
        id: NodeId,
        prop: &'static str,
        value: Option<&[u8]>,
    ) -> Result<Option<u32>, PlatformError> {
        match value {
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
        string_list(self.known(id, COMPATIBLE).unwrap_or(&[]))
    }

    /// Whether any of the node's `compatible` strings is in `list`.
    pub fn is_compatible(&self, id: NodeId, list: &[&str]) -> bool {
        // As `compatibles` reads them, by bytes: a string equal to one of `list` is UTF-8.
        let value = self.known(id, COMPATIBLE).unwrap_or(&[]);
        value
            .split(|&b| b == 0)
            .filter(|piece| !piece.is_empty())
            .any(|piece| list.iter().any(|wanted| wanted.as_bytes() == piece))
    }

    /// Whether the node is usable: `status` absent, `"okay"` or `"ok"`.
    pub fn enabled(&self, id: NodeId) -> bool {
        matches!(
            self.known(id, STATUS).map(|v| string_list(v).next()),
            None | Some(Some("okay" | "ok"))
        )
    }

    /// The `#address-cells` this node gives its children (default 2).
    pub fn address_cells(&self, id: NodeId) -> Result<usize, PlatformError> {
        self.cells(id, ADDRESS_CELLS, 2)
    }

    /// The `#size-cells` this node gives its children (default 1).
    pub fn size_cells(&self, id: NodeId) -> Result<usize, PlatformError> {
        self.cells(id, SIZE_CELLS, 1)
    }

    fn cells(&self, id: NodeId, which: usize, default: u32) -> Result<usize, PlatformError> {
        let prop = KNOWN[which];
        match self
            .u32_of(id, prop, self.known(id, which))?
            .unwrap_or(default)
        {
            n @ 0..=4 => Ok(n as usize),
            _ => Err(self.err(id, prop, Problem::BadValue("more than 4 cells"))),
        }
    }

    /// Finds a node by full path; components without `@unit` match the first node of that name.
    pub fn find_path(&self, path: &str) -> Option<NodeId> {
        let mut id = 0;
        for part in path.strip_prefix('/')?.split('/').filter(|p| !p.is_empty()) {
            let exact = part.contains('@');
            id = self.children(id).find(|&c| {
                let (name, part) = (self.nodes[c].name, part.as_bytes());
                // Without '@' in `part`, the base name (before the first '@') is `part` exactly
                // when the name is `part` or goes on with an '@' right after it.
                name == part
                    || (!exact && name.starts_with(part) && name.get(part.len()) == Some(&b'@'))
            })?;
        }
        Some(id)
    }

    /// Finds the node whose `phandle` (or legacy `linux,phandle`) is `handle`: the first in
    /// document order.
    pub fn by_phandle(&self, handle: u32) -> Option<NodeId> {
        self.phandles
            .iter()
            .find(|&&(value, _)| value == handle)
            .map(|&(_, id)| id)
    }

    /// The name of the root's child on the way to `id` (`None` for the root), as bytes.
    pub fn top_level_name(&self, id: NodeId) -> Option<&'a [u8]> {
        let mut at = id;
        loop {
            match self.nodes[at].parent? {
                0 => return Some(self.nodes[at].name),
                up => at = up,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_match_their_slots() {
        let named = [
            (REG, "reg"),
            (RANGES, "ranges"),
            (DEVICE_TYPE, "device_type"),
            (INTERRUPTS, "interrupts"),
            (INTERRUPT_PARENT, "interrupt-parent"),
        ];
        for (slot, name) in named {
            assert_eq!(KNOWN[slot], name);
            assert_eq!(classify(name), slot as u8);
        }
        assert_eq!(classify("phandle"), PHANDLE);
        assert_eq!(classify("clocks"), OTHER);
    }
}
