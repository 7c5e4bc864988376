//! A device-tree subtree held by value, to copy nodes (such as a VM's `tasks`) between trees.

use crate::{DtError, FdtWriter};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use fdt::node::FdtNode;

/// A node with its properties (raw values, in order) and children, written verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawNode {
    /// Node name, with unit address if any.
    pub name: String,
    /// Properties as `(name, raw big-endian value)`.
    pub properties: Vec<(String, Vec<u8>)>,
    /// Child nodes, in order.
    pub children: Vec<RawNode>,
}

impl RawNode {
    /// A node with no property and no child.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }

    /// Copies `node`, its properties and all its descendants out of a parsed DTB.
    pub fn from_fdt_node(node: FdtNode<'_, '_>) -> Self {
        Self {
            name: node.name.to_string(),
            properties: node
                .properties()
                .map(|property| (property.name.to_string(), property.value.to_vec()))
                .collect(),
            children: node.children().map(Self::from_fdt_node).collect(),
        }
    }

    /// Adds a property with a raw value.
    pub fn with_property(mut self, name: &str, value: &[u8]) -> Self {
        self.properties.push((name.to_string(), value.to_vec()));
        self
    }

    /// Adds a one-cell property.
    pub fn with_u32(self, name: &str, value: u32) -> Self {
        self.with_property(name, &value.to_be_bytes())
    }

    /// Adds a string property.
    pub fn with_string(mut self, name: &str, value: &str) -> Self {
        let mut bytes = value.as_bytes().to_vec();
        bytes.push(0);
        self.properties.push((name.to_string(), bytes));
        self
    }

    /// Adds a child node.
    pub fn with_child(mut self, child: RawNode) -> Self {
        self.children.push(child);
        self
    }

    /// Writes this node and its descendants into the node open in `writer`.
    pub fn write(&self, writer: &mut FdtWriter) -> Result<(), DtError> {
        writer.begin_node(&self.name)?;
        for (name, value) in &self.properties {
            writer.property(name, value)?;
        }
        for child in &self.children {
            child.write(writer)?;
        }
        writer.end_node()
    }

    /// Appends the values of `phandle` properties in this subtree to `out`.
    pub(crate) fn collect_phandles(&self, out: &mut Vec<u32>) {
        collect_phandles(&self.properties, out);
        self.children
            .iter()
            .for_each(|child| child.collect_phandles(out));
    }
}

/// Appends the value of a well-formed `phandle` property among `properties` to `out`.
pub(crate) fn collect_phandles(properties: &[(String, Vec<u8>)], out: &mut Vec<u32>) {
    let phandles = properties.iter().filter(|(name, _)| name == "phandle");
    out.extend(
        phandles.filter_map(|(_, value)| Some(u32::from_be_bytes(value[..].try_into().ok()?))),
    );
}
