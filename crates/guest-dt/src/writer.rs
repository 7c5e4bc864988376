//! A flattened-devicetree (DTB, format version 17) writer with checks for malformed trees.

use crate::names::{check_node_name, check_property_name};
use crate::DtError;
use alloc::string::ToString;
use alloc::vec::Vec;
use core::ops::Range;

const FDT_MAGIC: u32 = 0xd00d_feed;
const FDT_BEGIN_NODE: u32 = 0x1;
const FDT_END_NODE: u32 = 0x2;
const FDT_PROP: u32 = 0x3;
const FDT_END: u32 = 0x9;
const VERSION: u32 = 17;
const LAST_COMPATIBLE_VERSION: u32 = 16;
/// Ten big-endian 32-bit header fields.
const HEADER_SIZE: usize = 40;

/// What the writer remembers about a node that has begun and not yet ended.
struct OpenNode {
    has_children: bool,
    /// Where its children's names start in [`FdtWriter::child_names`].
    children_from: usize,
}

/// A set of phandles: a guest's tree has a handful, so a list searched in order is enough
/// (and one small piece of code, where a `BTreeSet<u32>` brought its whole tree machinery).
#[derive(Default)]
struct PhandleSet(Vec<u32>);

impl PhandleSet {
    fn contains(&self, phandle: &u32) -> bool {
        self.0.contains(phandle)
    }

    /// Adds `phandle`; false if it was there already.
    fn insert(&mut self, phandle: u32) -> bool {
        if self.contains(&phandle) {
            return false;
        }
        self.0.push(phandle);
        true
    }
}

/// Builds a DTB node by node: begin a node, write its properties, its children, end it.
///
/// Every method checks what it is given and returns a [`DtError`] instead of writing a tree
/// that parsers would reject; after an error, drop the writer. Property names are stored once
/// in the strings block however often they are used.
pub struct FdtWriter {
    structure: Vec<u8>,
    strings: Vec<u8>,
    /// Each name in `strings`: its range there (a tree uses a few dozen names).
    string_names: Vec<Range<usize>>,
    reservations: Vec<(u64, u64)>,
    open_nodes: Vec<OpenNode>,
    /// Where the names of the open nodes' children so far lie in `structure`, the children of
    /// each open node from its `children_from` on.
    child_names: Vec<Range<usize>>,
    /// String-table offsets of the property names of the node opened last, while it can still
    /// take properties (until its first child: a property after a child is refused anyway).
    property_names: Vec<u32>,
    root_started: bool,
    /// Phandles allocated or reserved: [`alloc_phandle`](Self::alloc_phandle) skips them.
    phandles_taken: PhandleSet,
    /// Phandles written in a `phandle` property: each may appear once.
    phandles_written: PhandleSet,
    next_phandle: u32,
    boot_cpuid_phys: u32,
}

impl FdtWriter {
    /// An empty writer: no reservation, no node, boot CPU 0.
    pub fn new() -> Self {
        Self {
            structure: Vec::with_capacity(2048),
            strings: Vec::with_capacity(256),
            string_names: Vec::new(),
            reservations: Vec::new(),
            open_nodes: Vec::new(),
            child_names: Vec::new(),
            property_names: Vec::new(),
            root_started: false,
            phandles_taken: PhandleSet::default(),
            phandles_written: PhandleSet::default(),
            next_phandle: 1,
            boot_cpuid_phys: 0,
        }
    }

    /// Sets the header's `boot_cpuid_phys` (the `reg` of the boot CPU's node).
    pub fn set_boot_cpuid_phys(&mut self, cpu: u32) {
        self.boot_cpuid_phys = cpu;
    }

    /// Adds an entry to the memory reservation block.
    pub fn add_reservation(&mut self, address: u64, size: u64) -> Result<(), DtError> {
        if size == 0 {
            return Err(DtError::EmptyRegion);
        }
        address.checked_add(size).ok_or(DtError::RegionOverflow)?;
        self.reservations.push((address, size));
        Ok(())
    }

    /// Returns a phandle no other node uses yet; write it with [`property_u32`](Self::property_u32)
    /// as `phandle` on the node it names.
    pub fn alloc_phandle(&mut self) -> Result<u32, DtError> {
        while self.phandles_taken.contains(&self.next_phandle) {
            self.next_phandle += 1;
        }
        let phandle = self.next_phandle;
        if phandle == 0 || phandle == u32::MAX {
            return Err(DtError::PhandlesExhausted);
        }
        self.phandles_taken.insert(phandle);
        self.next_phandle += 1;
        Ok(phandle)
    }

    /// Keeps `phandle` from being allocated, because a node copied verbatim will carry it.
    pub fn reserve_phandle(&mut self, phandle: u32) -> Result<(), DtError> {
        if phandle == 0 || phandle == u32::MAX {
            return Err(DtError::InvalidPhandle);
        }
        if !self.phandles_taken.insert(phandle) {
            return Err(DtError::DuplicatePhandle(phandle));
        }
        Ok(())
    }

    /// Starts a node; the first node is the root and must be named `""`.
    pub fn begin_node(&mut self, name: &str) -> Result<(), DtError> {
        match self.open_nodes.last_mut() {
            None if self.root_started => return Err(DtError::SecondRoot),
            None if !name.is_empty() => return Err(DtError::InvalidNodeName(name.to_string())),
            None => self.root_started = true,
            Some(parent) => {
                check_node_name(name)?;
                let siblings = &self.child_names[parent.children_from..];
                if siblings
                    .iter()
                    .any(|range| &self.structure[range.clone()] == name.as_bytes())
                {
                    return Err(DtError::DuplicateNode(name.to_string()));
                }
                parent.has_children = true;
            }
        }
        self.push_u32(FDT_BEGIN_NODE);
        let start = self.structure.len();
        self.structure.extend_from_slice(name.as_bytes());
        if !self.open_nodes.is_empty() {
            self.child_names.push(start..self.structure.len());
        }
        self.structure.push(0);
        self.align_structure();
        self.property_names.clear();
        self.open_nodes.push(OpenNode {
            has_children: false,
            children_from: self.child_names.len(),
        });
        Ok(())
    }

    /// Ends the node begun last.
    pub fn end_node(&mut self) -> Result<(), DtError> {
        let node = self.open_nodes.pop().ok_or(DtError::NoOpenNode)?;
        self.child_names.truncate(node.children_from);
        self.property_names.clear();
        self.push_u32(FDT_END_NODE);
        Ok(())
    }

    /// Writes a property with a raw value into the open node.
    pub fn property(&mut self, name: &str, value: &[u8]) -> Result<(), DtError> {
        self.begin_property(name, value.len(), value)?;
        self.structure.extend_from_slice(value);
        self.align_structure();
        Ok(())
    }

    /// Checks a property of `length` bytes and writes its token, name and length; the caller
    /// writes the value. `value` is needed only for `phandle`, which no caller writes
    /// piecewise.
    fn begin_property(&mut self, name: &str, length: usize, value: &[u8]) -> Result<(), DtError> {
        // A name already in the strings block was checked when it was added.
        let known = self.find_string(name);
        if known.is_none() {
            check_property_name(name)?;
        }
        let length = u32::try_from(length).map_err(|_| DtError::TooLarge)?;
        let node = self.open_nodes.last().ok_or(DtError::NoOpenNode)?;
        if node.has_children {
            return Err(DtError::PropertyAfterChild(name.to_string()));
        }
        if known.is_some_and(|offset| self.property_names.contains(&offset)) {
            return Err(DtError::DuplicateProperty(name.to_string()));
        }
        if name == "phandle" {
            self.record_phandle(value)?;
        }
        let offset = match known {
            Some(offset) => offset,
            None => self.add_string(name)?,
        };
        self.property_names.push(offset);
        self.push_u32(FDT_PROP);
        self.push_u32(length);
        self.push_u32(offset);
        Ok(())
    }

    /// Writes a property with no value (a flag such as `interrupt-controller`).
    pub fn property_empty(&mut self, name: &str) -> Result<(), DtError> {
        self.property(name, &[])
    }

    /// Writes a one-cell (big-endian 32-bit) property.
    pub fn property_u32(&mut self, name: &str, value: u32) -> Result<(), DtError> {
        self.property(name, &value.to_be_bytes())
    }

    /// Writes a two-cell (big-endian 64-bit) property.
    pub fn property_u64(&mut self, name: &str, value: u64) -> Result<(), DtError> {
        self.property(name, &value.to_be_bytes())
    }

    /// Writes a property made of 32-bit cells, such as `reg` or `interrupts`.
    pub fn property_cells(&mut self, name: &str, cells: &[u32]) -> Result<(), DtError> {
        if name == "phandle" {
            let bytes: Vec<u8> = cells.iter().flat_map(|cell| cell.to_be_bytes()).collect();
            return self.property(name, &bytes);
        }
        self.begin_property(name, cells.len().saturating_mul(4), &[])?;
        cells.iter().for_each(|&cell| self.push_u32(cell));
        Ok(())
    }

    /// Writes a NUL-terminated string property.
    pub fn property_string(&mut self, name: &str, value: &str) -> Result<(), DtError> {
        self.property_string_list(name, &[value])
    }

    /// Writes a string-list property such as `compatible`: each string NUL-terminated, in order.
    pub fn property_string_list(&mut self, name: &str, values: &[&str]) -> Result<(), DtError> {
        if values.iter().any(|value| value.contains('\0')) {
            return Err(DtError::StringContainsNul(name.to_string()));
        }
        if name == "phandle" {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.bytes().chain([0])).collect();
            return self.property(name, &bytes);
        }
        let length = values.iter().map(|value| value.len() + 1).sum();
        self.begin_property(name, length, &[])?;
        for value in values {
            self.structure.extend_from_slice(value.as_bytes());
            self.structure.push(0);
        }
        self.align_structure();
        Ok(())
    }

    /// Checks every node ended and lays out header, reservations, structure and strings.
    pub fn finish(mut self) -> Result<Vec<u8>, DtError> {
        if !self.open_nodes.is_empty() {
            return Err(DtError::UnclosedNodes(self.open_nodes.len()));
        }
        if !self.root_started {
            return Err(DtError::MissingRoot);
        }
        self.push_u32(FDT_END);
        // Each reservation is two u64s; an all-zero entry ends the block.
        let reservations_size = (self.reservations.len() + 1) * 16;
        let struct_offset = HEADER_SIZE + reservations_size;
        let strings_offset = struct_offset + self.structure.len();
        let total_size = strings_offset + self.strings.len();
        let fits = |size: usize| u32::try_from(size).map_err(|_| DtError::TooLarge);
        let header = [
            FDT_MAGIC,
            fits(total_size)?,
            fits(struct_offset)?,
            fits(strings_offset)?,
            fits(HEADER_SIZE)?,
            VERSION,
            LAST_COMPATIBLE_VERSION,
            self.boot_cpuid_phys,
            fits(self.strings.len())?,
            fits(self.structure.len())?,
        ];
        let mut blob = Vec::with_capacity(total_size);
        header
            .iter()
            .for_each(|field| blob.extend_from_slice(&field.to_be_bytes()));
        for (address, size) in self.reservations.iter().chain([&(0, 0)]) {
            blob.extend_from_slice(&address.to_be_bytes());
            blob.extend_from_slice(&size.to_be_bytes());
        }
        blob.extend_from_slice(&self.structure);
        blob.extend_from_slice(&self.strings);
        Ok(blob)
    }

    fn record_phandle(&mut self, value: &[u8]) -> Result<(), DtError> {
        let bytes: [u8; 4] = value.try_into().map_err(|_| DtError::InvalidPhandle)?;
        let phandle = u32::from_be_bytes(bytes);
        if phandle == 0 || phandle == u32::MAX {
            return Err(DtError::InvalidPhandle);
        }
        if !self.phandles_written.insert(phandle) {
            return Err(DtError::DuplicatePhandle(phandle));
        }
        self.phandles_taken.insert(phandle);
        Ok(())
    }

    /// The strings-block offset of `name`, if it is there already.
    fn find_string(&self, name: &str) -> Option<u32> {
        self.string_names
            .iter()
            .find(|range| &self.strings[(*range).clone()] == name.as_bytes())
            .map(|range| range.start as u32)
    }

    /// Adds `name` to the strings block; returns its offset.
    fn add_string(&mut self, name: &str) -> Result<u32, DtError> {
        let offset = u32::try_from(self.strings.len()).map_err(|_| DtError::TooLarge)?;
        self.strings.extend_from_slice(name.as_bytes());
        self.string_names
            .push(offset as usize..offset as usize + name.len());
        self.strings.push(0);
        Ok(offset)
    }

    #[inline(always)] // three times per property: a call costs as much as the pushes
    fn push_u32(&mut self, value: u32) {
        // Byte by byte: four stores rather than a call to copy four bytes.
        let [a, b, c, d] = value.to_be_bytes();
        self.structure.reserve(4);
        self.structure.push(a);
        self.structure.push(b);
        self.structure.push(c);
        self.structure.push(d);
    }

    fn align_structure(&mut self) {
        let padded = self.structure.len().next_multiple_of(4);
        self.structure.resize(padded, 0);
    }
}

impl Default for FdtWriter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests;
