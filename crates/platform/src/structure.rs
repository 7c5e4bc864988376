//! Checks the structure block's token stream and indexes it in the same pass.
//!
//! Every token is verified with checked arithmetic before anything reads it: token tags, node
//! names, property lengths, property-name offsets into the strings block, nesting. NOP tokens
//! (left by boot loaders that delete properties) are skipped. What comes out is the [`Tree`]
//! every lookup uses, so the blob is walked exactly once.

use crate::error::{PlatformError, Problem};
use crate::tree::{classify, NodeId, Tree};
use crate::validate::be32;
use alloc::vec::Vec;

const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
/// Deepest node nesting accepted.
const MAX_DEPTH: usize = 32;

/// One token of the structure block: its tag, the offset just past it, the node or property
/// name, and a property's value and [`classify`] of its name.
struct Token<'a> {
    tag: u32,
    end: usize,
    /// A node's name (bytes, checked to be UTF-8) or a property's.
    name: &'a [u8],
    property: &'a str,
    value: &'a [u8],
    class: u8,
}

/// The NUL-terminated UTF-8 string at the start of `bytes`.
fn c_str<'a>(
    bytes: &'a [u8],
    unterminated: &'static str,
    not_utf8: &'static str,
) -> Result<&'a str, &'static str> {
    let len = bytes.iter().position(|&b| b == 0).ok_or(unterminated)?;
    core::str::from_utf8(&bytes[..len]).map_err(|_| not_utf8)
}

/// The NUL-terminated node name at the start of `bytes`, checked in one pass: terminated, no
/// '/', and UTF-8 (only a name with a non-ASCII byte needs the full check).
fn node_name(bytes: &[u8]) -> Result<&[u8], &'static str> {
    let (len, non_ascii, slash) = scan_name(bytes).ok_or("unterminated node name")?;
    let name = &bytes[..len];
    if non_ascii && core::str::from_utf8(name).is_err() {
        return Err("node name is not UTF-8");
    }
    if slash {
        return Err("node name contains '/'");
    }
    Ok(name)
}

/// The length of the NUL-terminated string at the start of `bytes`, whether it holds a byte
/// above 0x7f and whether it holds a '/'; `None` without a NUL. Eight bytes at a time (every
/// node name of a blob goes through here): a byte is zero where `(w - 0x01..) & !w & 0x80..`
/// has its top bit, exactly for the lowest such byte (borrows only reach the bytes above it).
fn scan_name(bytes: &[u8]) -> Option<(usize, bool, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const SLASHES: u64 = ONES * b'/' as u64;
    let zero_bytes = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let (mut at, mut high, mut slash) = (0, 0, 0);
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).ok()?);
        let zeros = zero_bytes(word);
        // The bytes before the first zero (all eight without one).
        let before = match zeros {
            0 => u64::MAX,
            _ => (1u64 << (zeros.trailing_zeros() & !7)).wrapping_sub(1),
        };
        high |= word & HIGHS & before;
        // A false '/' appears only above a true one, so none below the NUL is invented.
        slash |= zero_bytes(word ^ SLASHES) & before;
        if zeros != 0 {
            let len = at + (zeros.trailing_zeros() / 8) as usize;
            return Some((len, high != 0, slash != 0));
        }
        at += 8;
    }
    let (mut non_ascii, mut has_slash) = (high != 0, slash != 0);
    loop {
        match *bytes.get(at)? {
            0 => return Some((at, non_ascii, has_slash)),
            byte => {
                non_ascii |= byte >= 0x80;
                has_slash |= byte == b'/';
                at += 1;
            }
        }
    }
}

/// Slots of the cache of property names already read.
const NAME_SLOTS: usize = 64;

/// Property names already read and checked, each in slot `offset % NAME_SLOTS` of its offset in
/// the strings block: a blob has hundreds of properties but a few dozen names.
struct Names<'a> {
    strings: &'a [u8],
    slots: [(u64, &'a str, u8); NAME_SLOTS],
}

impl<'a> Names<'a> {
    fn new(strings: &'a [u8]) -> Self {
        Names {
            strings,
            slots: [(u64::MAX, "", 0); NAME_SLOTS],
        }
    }

    /// The property name at `offset` of the strings block, and its [`classify`].
    #[inline(always)] // once per property of the blob
    fn at(&mut self, offset: usize) -> Result<(&'a str, u8), &'static str> {
        let slot = &mut self.slots[offset % NAME_SLOTS];
        if slot.0 == offset as u64 {
            return Ok((slot.1, slot.2));
        }
        let tail = self
            .strings
            .get(offset..)
            .ok_or("property name offset outside strings block")?;
        let name = c_str(
            tail,
            "unterminated property name",
            "property name is not UTF-8",
        )?;
        *slot = (offset as u64, name, classify(name));
        Ok((name, slot.2))
    }
}

#[inline(always)]
fn token<'a>(s: &'a [u8], names: &mut Names<'a>, at: usize) -> Result<Token<'a>, &'static str> {
    let tag = be32(s, at).ok_or("structure block ends inside a token")?;
    let align = |n: usize| (n + 3) & !3;
    let (end, name, property, value_len, class) = match tag {
        BEGIN_NODE => {
            let name = node_name(&s[at + 4..])?;
            (align(at + 4 + name.len() + 1), name, "", 0, 0)
        }
        PROP => {
            let len = be32(s, at + 4).ok_or("structure block ends inside a property")? as usize;
            let off = be32(s, at + 8).ok_or("structure block ends inside a property")? as usize;
            let (property, class) = names.at(off)?;
            let end = (at + 12).checked_add(len).ok_or("property too long")?;
            (align(end), &b""[..], property, len, class)
        }
        END_NODE | NOP | END => (at + 4, &b""[..], "", 0, 0),
        _ => return Err("unknown token"),
    };
    if end > s.len() {
        return Err("token runs past the end of the structure block");
    }
    let value = if tag == PROP {
        &s[at + 12..at + 12 + value_len]
    } else {
        &[]
    };
    Ok(Token {
        tag,
        end,
        name,
        property,
        value,
        class,
    })
}

/// Walks the whole token stream (structure block `s`, strings block `strings`) and returns the
/// index of its nodes and properties.
pub(crate) fn walk<'a>(s: &'a [u8], strings: &'a [u8]) -> Result<Tree<'a>, PlatformError> {
    let mut tree = Tree::with_capacity(s.len());
    let mut open: Vec<NodeId> = Vec::with_capacity(MAX_DEPTH);
    let mut names = Names::new(strings);
    let mut at = 0;
    let mut children_started = false;
    let fail = |tree: &Tree, open: &[NodeId], why| {
        let node = open
            .last()
            .map_or_else(|| alloc::string::String::from("/"), |&id| tree.path(id));
        Err(PlatformError {
            node,
            property: "<structure>",
            problem: Problem::Malformed(why),
        })
    };
    loop {
        let t = match token(s, &mut names, at) {
            Ok(t) => t,
            Err(why) => return fail(&tree, &open, why),
        };
        at = t.end;
        match t.tag {
            NOP => {}
            BEGIN_NODE if open.is_empty() && !t.name.is_empty() => {
                return fail(&tree, &open, "root node has a name")
            }
            BEGIN_NODE if !open.is_empty() && t.name.is_empty() => {
                return fail(&tree, &open, "child node has an empty name")
            }
            BEGIN_NODE if open.len() >= MAX_DEPTH => {
                return fail(&tree, &open, "nodes nested too deep")
            }
            BEGIN_NODE => {
                open.push(tree.open_node(t.name, open.last().copied()));
                children_started = false;
            }
            PROP if open.is_empty() => return fail(&tree, &open, "property outside the root node"),
            PROP if children_started => return fail(&tree, &open, "property after a child node"),
            PROP => tree.add_property(t.property, t.value, t.class),
            END_NODE => match open.pop() {
                None => return fail(&tree, &open, "unbalanced end of node"),
                Some(id) => {
                    tree.close_node(id);
                    children_started = true;
                    if open.is_empty() {
                        break;
                    }
                }
            },
            _ => {
                return fail(
                    &tree,
                    &open,
                    "structure block ends before the root node does",
                )
            }
        }
    }
    loop {
        match token(s, &mut names, at) {
            Ok(t) if t.tag == NOP => at = t.end,
            Ok(t) if t.tag == END => return Ok(tree),
            Ok(_) => return fail(&tree, &[], "tokens after the root node"),
            Err(why) => return fail(&tree, &[], why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scan_name;

    /// The byte-by-byte answer.
    fn simple(bytes: &[u8]) -> Option<(usize, bool, bool)> {
        let len = bytes.iter().position(|&b| b == 0)?;
        let name = &bytes[..len];
        Some((len, name.iter().any(|&b| b >= 0x80), name.contains(&b'/')))
    }

    #[test]
    fn scans_names_a_word_at_a_time_as_byte_by_byte() {
        let pieces: [&[u8]; 8] = [
            b"a",
            b"serial@9000000",
            b"/",
            b"\x01",
            b"\xc3\xa9",
            b"@",
            b"\x2e",
            b"\xff",
        ];
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for first in pieces {
            for second in pieces {
                for pad in 0..10 {
                    let mut name = vec![b'x'; pad];
                    name.extend_from_slice(first);
                    name.extend_from_slice(second);
                    cases.push(name.clone());
                    name.push(0);
                    name.extend_from_slice(b"/\x80\x01rest");
                    cases.push(name);
                }
            }
        }
        cases.push(Vec::new());
        cases.push(vec![0]);
        cases.push(b"\x01\x00/".to_vec());
        cases.push(b"abcdefg\x00/".to_vec());
        cases.push(b"abcdefgh\x00".to_vec());
        for case in &cases {
            assert_eq!(scan_name(case), simple(case), "{case:?}");
        }
    }
}
