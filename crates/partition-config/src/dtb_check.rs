//! Structural check of a flattened device tree before anything reads it, so corrupt input is an
//! error and never a panic.
//!
//! The `fdt` crate (0.1.5) trusts the blob: out-of-range offsets, unterminated names, unbalanced
//! nodes or `FDT_NOP` tokens between properties make it panic. [`check`] walks the whole
//! structure block once with checked arithmetic, and accepts only blobs `fdt` reads safely.
//! Blobs with `FDT_NOP` tokens (left by libfdt's `fdt_nop_property`/`fdt_nop_node`) are valid:
//! they are returned as a copy with the NOPs removed.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use crate::binding::COMPATIBLE;
use crate::locate::{Finder, Found};

const MAGIC: u32 = 0xd00d_feed;
const HEADER_SIZE: usize = 40;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;

/// Deepest node nesting accepted (the root is depth 1).
pub const MAX_DEPTH: usize = 32;

/// Why a blob is not a usable flattened device tree; offsets are from the start of the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtbDefect {
    /// Shorter than the 40-byte header.
    TooShort { len: usize },
    /// The first word is not 0xd00dfeed.
    BadMagic { magic: u32 },
    /// The header's `totalsize` is larger than the buffer (or smaller than a header).
    Truncated { total_size: u32, available: usize },
    /// Not a version 17 blob (or one compatible with it).
    UnsupportedVersion { version: u32, last_compatible: u32 },
    /// The structure or strings block lies outside `totalsize`.
    BlockOutOfBounds { block: &'static str },
    /// A token that is not valid at this place.
    UnexpectedToken { offset: usize, token: u32 },
    /// The structure block ends before its `FDT_END` token.
    UnexpectedEnd { offset: usize },
    /// A node name that is unterminated, not UTF-8, empty, or contains '/'.
    BadNodeName { offset: usize },
    /// A property whose name offset or value lies outside its block.
    BadProperty { offset: usize },
    /// A property after a child node (properties must come first).
    PropertyAfterChild { offset: usize },
    /// Nodes nested deeper than [`MAX_DEPTH`].
    TooDeep { offset: usize },
}

impl fmt::Display for DtbDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DtbDefect::TooShort { len } => write!(f, "{len} bytes, shorter than a header"),
            DtbDefect::BadMagic { magic } => write!(f, "bad magic {magic:#010x}"),
            DtbDefect::Truncated {
                total_size,
                available,
            } => {
                write!(f, "header says {total_size} bytes, {available} available")
            }
            DtbDefect::UnsupportedVersion {
                version,
                last_compatible,
            } => {
                write!(
                    f,
                    "version {version} (last compatible {last_compatible}), need 17"
                )
            }
            DtbDefect::BlockOutOfBounds { block } => write!(f, "{block} block out of bounds"),
            DtbDefect::UnexpectedToken { offset, token } => {
                write!(f, "unexpected token {token:#x} at offset {offset:#x}")
            }
            DtbDefect::UnexpectedEnd { offset } => {
                write!(f, "structure block ends early at offset {offset:#x}")
            }
            DtbDefect::BadNodeName { offset } => write!(f, "bad node name at offset {offset:#x}"),
            DtbDefect::BadProperty { offset } => write!(f, "bad property at offset {offset:#x}"),
            DtbDefect::PropertyAfterChild { offset } => {
                write!(f, "property after a child node at offset {offset:#x}")
            }
            DtbDefect::TooDeep { offset } => {
                write!(
                    f,
                    "nodes nested deeper than {MAX_DEPTH} at offset {offset:#x}"
                )
            }
        }
    }
}

pub(crate) fn word(bytes: &[u8], offset: usize) -> Option<u32> {
    let cell = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes([cell[0], cell[1], cell[2], cell[3]]))
}

fn pad4(len: usize) -> Option<usize> {
    Some(len.checked_add(3)? & !3)
}

/// Checks the structure of `dtb` and returns bytes that `fdt` 0.1.5 reads without panicking:
/// `dtb` itself cut to `totalsize`, or a copy without `FDT_NOP` tokens. Anyone handing an
/// untrusted blob to `fdt` can call this first (re-exported as `partition_config::check_dtb`).
pub fn check(dtb: &[u8]) -> Result<Cow<'_, [u8]>, DtbDefect> {
    check_finding(dtb, false).map(|(blob, _)| blob)
}

/// [`check`], and when `find` is set also the hypervisor node (see [`Finder`]), found in the
/// same pass.
pub(crate) fn check_finding(
    dtb: &[u8],
    find: bool,
) -> Result<(Cow<'_, [u8]>, Option<Found>), DtbDefect> {
    let header = |index: usize| word(dtb, index * 4).unwrap_or(0);
    if dtb.len() < HEADER_SIZE {
        return Err(DtbDefect::TooShort { len: dtb.len() });
    }
    if header(0) != MAGIC {
        return Err(DtbDefect::BadMagic { magic: header(0) });
    }
    let total_size = header(1);
    let total = total_size as usize;
    if total > dtb.len() || total < HEADER_SIZE {
        return Err(DtbDefect::Truncated {
            total_size,
            available: dtb.len(),
        });
    }
    let (version, last_compatible) = (header(5), header(6));
    if version < 17 || last_compatible > 17 {
        return Err(DtbDefect::UnsupportedVersion {
            version,
            last_compatible,
        });
    }
    let blob = &dtb[..total];
    let block = |offset: u32, size: u32, name| {
        let start = offset as usize;
        let end = start.checked_add(size as usize).filter(|end| *end <= total);
        end.filter(|_| start >= HEADER_SIZE)
            .map(|end| start..end)
            .ok_or(DtbDefect::BlockOutOfBounds { block: name })
    };
    let structs = block(header(2), header(9), "structure")?;
    let strings = block(header(3), header(8), "strings")?;
    let mut walker = Walker {
        blob,
        end: structs.end,
        strings: &blob[strings],
        names: [(u64::MAX, false); NAME_SLOTS],
        finder: find.then(Finder::default),
    };
    let nops = walker.walk(structs.start, None)?;
    let found = walker.finder.take().and_then(Finder::result);
    if nops == 0 {
        return Ok((Cow::Borrowed(blob), found));
    }
    let mut compact = Vec::new();
    walker.walk(structs.start, Some(&mut compact))?;
    let mut copy = blob.to_vec();
    copy[structs.start..structs.start + compact.len()].copy_from_slice(&compact);
    copy[36..40].copy_from_slice(&(compact.len() as u32).to_be_bytes());
    Ok((Cow::Owned(copy), found))
}

/// Slots of the cache of property-name offsets already found good.
const NAME_SLOTS: usize = 64;

struct Walker<'a> {
    blob: &'a [u8],
    end: usize,
    strings: &'a [u8],
    /// Property-name offsets already checked, each in slot `offset % NAME_SLOTS` (a blob has
    /// hundreds of properties but a few dozen names), and whether the name is `compatible`: a
    /// hit skips checking the name again.
    names: [(u64, bool); NAME_SLOTS],
    /// Looks for the hypervisor node on the way, if asked to.
    finder: Option<Finder<'a>>,
}

impl<'a> Walker<'a> {
    /// Walks the structure block from `start`; returns the number of NOPs, and when `out` is
    /// given appends every other token to it.
    fn walk(&mut self, start: usize, mut out: Option<&mut Vec<u8>>) -> Result<usize, DtbDefect> {
        let (mut pos, mut depth, mut nops) = (start, 0usize, 0usize);
        let (mut props_allowed, mut root_done) = (false, false);
        loop {
            let Some(token) = word(&self.blob[..self.end], pos) else {
                return Err(DtbDefect::UnexpectedEnd { offset: pos });
            };
            let next = match token {
                NOP => {
                    nops += 1;
                    pos + 4
                }
                BEGIN_NODE if !root_done => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(DtbDefect::TooDeep { offset: pos });
                    }
                    props_allowed = true;
                    let (next, len) = self.node_name(pos, depth == 1)?;
                    if let Some(finder) = &mut self.finder {
                        finder.begin_node(&self.blob[pos + 4..pos + 4 + len]);
                    }
                    next
                }
                PROP if depth > 0 && props_allowed => {
                    let (next, compatible) = self.property(pos)?;
                    if let (Some(finder), true) = (&mut self.finder, compatible) {
                        let len = word(self.blob, pos + 4).unwrap_or(0) as usize;
                        finder.compatible(&self.blob[pos + 12..pos + 12 + len]);
                    }
                    next
                }
                PROP if depth > 0 => return Err(DtbDefect::PropertyAfterChild { offset: pos }),
                END_NODE if depth > 0 => {
                    if let Some(finder) = &mut self.finder {
                        finder.end_node();
                    }
                    depth -= 1;
                    root_done = depth == 0;
                    props_allowed = false;
                    pos + 4
                }
                END if root_done => pos + 4,
                _ => return Err(DtbDefect::UnexpectedToken { offset: pos, token }),
            };
            if let (Some(out), false) = (out.as_deref_mut(), token == NOP) {
                out.extend_from_slice(&self.blob[pos..next]);
            }
            if token == END {
                return Ok(nops);
            }
            pos = next;
        }
    }

    /// Checks the name after the `FDT_BEGIN_NODE` at `pos`; returns the offset after it and the
    /// name's length.
    fn node_name(&self, pos: usize, root: bool) -> Result<(usize, usize), DtbDefect> {
        let bad = DtbDefect::BadNodeName { offset: pos };
        let rest = self.blob.get(pos + 4..self.end).ok_or(bad)?;
        let len = rest.iter().position(|b| *b == 0).ok_or(bad)?;
        let name = core::str::from_utf8(&rest[..len]).map_err(|_| bad)?;
        if root != name.is_empty() || name.contains('/') {
            return Err(bad);
        }
        let next = pos + 4 + pad4(len + 1).ok_or(bad)?;
        if next > self.end {
            return Err(bad);
        }
        Ok((next, len))
    }

    /// Checks the `FDT_PROP` at `pos`: value inside the block, name inside the strings block;
    /// returns the offset after it and whether it is a `compatible`.
    fn property(&mut self, pos: usize) -> Result<(usize, bool), DtbDefect> {
        let bad = DtbDefect::BadProperty { offset: pos };
        let structs = &self.blob[..self.end];
        let len = word(structs, pos + 4).ok_or(bad)? as usize;
        let name_offset = word(structs, pos + 8).ok_or(bad)? as usize;
        let next = pad4(len)
            .and_then(|padded| (pos + 12).checked_add(padded))
            .ok_or(bad)?;
        if next > self.end {
            return Err(bad);
        }
        let slot = name_offset % NAME_SLOTS;
        if self.names[slot].0 == name_offset as u64 {
            return Ok((next, self.names[slot].1));
        }
        let name = self.strings.get(name_offset..).ok_or(bad)?;
        let name_len = name.iter().position(|b| *b == 0).ok_or(bad)?;
        match core::str::from_utf8(&name[..name_len]) {
            Ok(name) if !name.is_empty() => {
                let compatible = name == COMPATIBLE;
                self.names[slot] = (name_offset as u64, compatible);
                Ok((next, compatible))
            }
            _ => Err(bad),
        }
    }
}
