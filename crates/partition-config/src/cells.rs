//! Decoding property values: strings, flags, u32 cells, addresses and sizes, (address, size) lists.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorKind;
use crate::range::Range;

/// The shape a property value is expected to have, reported when it has another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// No value at all (a boolean property).
    Empty,
    /// One NUL-terminated UTF-8 string.
    String,
    /// One or more NUL-terminated UTF-8 strings.
    StringList,
    /// Exactly this many 32-bit cells.
    Cells(usize),
    /// Any number of groups of this many 32-bit cells.
    CellList(usize),
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueType::Empty => write!(f, "no value (a boolean property)"),
            ValueType::String => write!(f, "one string"),
            ValueType::StringList => write!(f, "a list of strings"),
            ValueType::Cells(1) => write!(f, "1 cell (4 bytes)"),
            ValueType::Cells(n) => write!(f, "{n} cells ({} bytes)", n * 4),
            ValueType::CellList(1) => write!(f, "a list of cells"),
            ValueType::CellList(n) => write!(f, "a list of groups of {n} cells"),
        }
    }
}

/// Number of cells of addresses and of sizes in the VM properties (from the hypervisor node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellSizes {
    /// `#address-cells`: 1 or 2.
    pub address: usize,
    /// `#size-cells`: 1 or 2.
    pub size: usize,
}

fn wrong(expected: ValueType, value: &[u8]) -> ErrorKind {
    ErrorKind::WrongType {
        expected,
        found_bytes: value.len(),
    }
}

/// Rejects a value that is evidently a string (`"one"`), where cells are expected. Device-tree
/// values carry no type, so this is a judgement: printable ASCII ending in one NUL. It is made
/// only where no sensible number looks like that: in lists of small numbers (cores, INTIDs),
/// and in values of 8 bytes or more (the top byte of an address or size would be printable).
fn not_text(value: &[u8], expected: ValueType) -> Result<(), ErrorKind> {
    match value.split_last() {
        Some((0, text)) if !text.is_empty() && text.iter().all(|b| (0x20..0x7f).contains(b)) => {
            let text = String::from_utf8_lossy(text).into_owned();
            Err(ErrorKind::NotCells { expected, text })
        }
        _ => Ok(()),
    }
}

/// A boolean property: present with no value.
pub fn flag(value: &[u8]) -> Result<(), ErrorKind> {
    if value.is_empty() {
        Ok(())
    } else {
        Err(wrong(ValueType::Empty, value))
    }
}

/// One NUL-terminated UTF-8 string with no NUL inside.
pub fn string(value: &[u8]) -> Result<&str, ErrorKind> {
    match value.split_last() {
        Some((0, text)) if !text.contains(&0) => {
            core::str::from_utf8(text).map_err(|_| wrong(ValueType::String, value))
        }
        _ => Err(wrong(ValueType::String, value)),
    }
}

/// One or more NUL-terminated UTF-8 strings (`compatible`).
pub fn string_list(value: &[u8]) -> Result<Vec<&str>, ErrorKind> {
    match value.split_last() {
        Some((0, text)) => text
            .split(|b| *b == 0)
            .map(|s| core::str::from_utf8(s).map_err(|_| wrong(ValueType::StringList, value)))
            .collect(),
        _ => Err(wrong(ValueType::StringList, value)),
    }
}

/// A number of `cells` big-endian 32-bit cells (1 or 2), the length checked exactly.
pub fn number(value: &[u8], cells: usize) -> Result<u64, ErrorKind> {
    if value.len() >= 8 {
        not_text(value, ValueType::Cells(cells))?;
    }
    if value.len() != cells * 4 {
        return Err(wrong(ValueType::Cells(cells), value));
    }
    Ok(value
        .chunks_exact(4)
        .fold(0u64, |acc, cell| (acc << 32) | u64::from(be32(cell))))
}

/// A list of 32-bit cells, possibly empty.
pub fn u32_list(value: &[u8]) -> Result<Vec<u32>, ErrorKind> {
    not_text(value, ValueType::CellList(1))?;
    if !value.len().is_multiple_of(4) {
        return Err(wrong(ValueType::CellList(1), value));
    }
    Ok(value.chunks_exact(4).map(be32).collect())
}

/// A list of (address, size) pairs with the given cell sizes, possibly empty.
pub fn range_list(value: &[u8], sizes: CellSizes) -> Result<Vec<Range>, ErrorKind> {
    let group = sizes.address + sizes.size;
    if value.len() >= 8 {
        not_text(value, ValueType::CellList(group))?;
    }
    if !value.len().is_multiple_of(group * 4) {
        return Err(wrong(ValueType::CellList(group), value));
    }
    value
        .chunks_exact(group * 4)
        .map(|pair| {
            let (base, size) = pair.split_at(sizes.address * 4);
            Ok(Range::new(
                number(base, sizes.address)?,
                number(size, sizes.size)?,
            ))
        })
        .collect()
}

/// Exactly one (address, size) pair.
pub fn one_range(value: &[u8], sizes: CellSizes) -> Result<Range, ErrorKind> {
    let group = sizes.address + sizes.size;
    match range_list(value, sizes)?.as_slice() {
        [range] => Ok(*range),
        _ => Err(wrong(ValueType::Cells(group), value)),
    }
}

fn be32(cell: &[u8]) -> u32 {
    cell.iter()
        .fold(0u32, |acc, byte| (acc << 8) | u32::from(*byte))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: CellSizes = CellSizes {
        address: 2,
        size: 2,
    };

    #[test]
    fn strings() {
        assert_eq!(string(b"info\0"), Ok("info"));
        assert!(string(b"info").is_err());
        assert!(string(b"a\0b\0").is_err());
        assert!(string(b"").is_err());
        assert_eq!(string_list(b"a\0b\0"), Ok(alloc::vec!["a", "b"]));
        assert!(string_list(b"\xff\0").is_err());
    }

    #[test]
    fn numbers_and_lists() {
        assert_eq!(number(&[0, 0, 0, 1, 0, 0, 0, 2], 2), Ok(0x1_0000_0002));
        assert_eq!(number(&[0, 0, 0, 7], 1), Ok(7));
        assert_eq!(
            number(&[0, 0, 0, 7], 2),
            Err(ErrorKind::WrongType {
                expected: ValueType::Cells(2),
                found_bytes: 4
            })
        );
        assert_eq!(u32_list(&[0, 0, 0, 1, 0, 0, 0, 2]), Ok(alloc::vec![1, 2]));
        assert!(u32_list(&[0, 0, 1]).is_err());
        let pair = [0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0];
        assert_eq!(one_range(&pair, TWO), Ok(Range::new(0x1000_0000, 0x1000)));
        assert!(one_range(&pair[..12], TWO).is_err());
        assert!(one_range(&[], TWO).is_err());
        assert_eq!(range_list(&[], TWO), Ok(alloc::vec![]));
        assert!(flag(&[]).is_ok() && flag(&[0]).is_err());
        let text = ErrorKind::NotCells {
            expected: ValueType::CellList(1),
            text: "one".into(),
        };
        assert_eq!(u32_list(b"one\0"), Err(text));
        assert!(matches!(
            number(b"sixteen\0", 2),
            Err(ErrorKind::NotCells { .. })
        ));
        assert_eq!(
            number(b"JK@\0", 1),
            Ok(0x4a4b_4000),
            "a plausible 1-cell address"
        );
    }
}
