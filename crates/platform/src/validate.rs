//! Checks a raw DTB's header and reservation block, then has [`crate::structure`] check and
//! index its structure block: malformed input is an error naming what is wrong, never a panic.

use crate::error::{PlatformError, Problem};
use crate::structure::walk;
use crate::tree::Tree;
use crate::Region;
use alloc::vec::Vec;

const MAGIC: u32 = 0xd00d_feed;
const HEADER_LEN: usize = 40;

/// A blob that passed every check: its node index, plus its `/memreserve/` entries.
pub(crate) struct Blob<'a> {
    /// Every node and property of the blob.
    pub tree: Tree<'a>,
    /// Non-empty entries of the memory reservation block.
    pub reservations: Vec<Region>,
}

/// The big-endian u32 at byte offset `at`, if `b` is long enough.
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    let w = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// The big-endian u64 at byte offset `at`, if `b` is long enough.
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some((u64::from(be32(b, at)?) << 32) | u64::from(be32(b, at.checked_add(4)?)?))
}

fn header_err(property: &'static str, problem: Problem) -> PlatformError {
    PlatformError::new("<header>", property, problem)
}

/// Validates `dtb` and returns its index for the rest of the crate.
pub(crate) fn check(dtb: &[u8]) -> Result<Blob<'_>, PlatformError> {
    let available = dtb.len() as u64;
    if dtb.len() < HEADER_LEN {
        let problem = Problem::Truncated {
            needed: HEADER_LEN as u64,
            available,
        };
        return Err(header_err("header", problem));
    }
    let field = |i: usize| be32(dtb, i * 4).unwrap_or(0);
    if field(0) != MAGIC {
        return Err(header_err("magic", Problem::BadMagic(field(0))));
    }
    let total = field(1) as usize;
    if total < HEADER_LEN {
        return Err(header_err(
            "totalsize",
            Problem::Malformed("smaller than the header"),
        ));
    }
    if total > dtb.len() {
        let problem = Problem::Truncated {
            needed: total as u64,
            available,
        };
        return Err(header_err("totalsize", problem));
    }
    if field(5) < 17 {
        return Err(header_err("version", Problem::UnsupportedVersion(field(5))));
    }
    if field(6) > 17 {
        return Err(header_err(
            "last_comp_version",
            Problem::UnsupportedVersion(field(6)),
        ));
    }
    let dtb = &dtb[..total];
    let structs = block(dtb, field(2), field(9), "off_dt_struct")?;
    let strings = block(dtb, field(3), field(8), "off_dt_strings")?;
    let reservations = reservations(dtb, field(4) as usize)?;
    let tree = walk(structs, strings)?;
    Ok(Blob { tree, reservations })
}

fn block<'a>(
    dtb: &'a [u8],
    off: u32,
    len: u32,
    name: &'static str,
) -> Result<&'a [u8], PlatformError> {
    let (off, len) = (off as usize, len as usize);
    off.checked_add(len)
        .and_then(|end| dtb.get(off..end))
        .ok_or_else(|| header_err(name, Problem::Malformed("block lies outside the blob")))
}

fn reservations(dtb: &[u8], mut at: usize) -> Result<Vec<Region>, PlatformError> {
    let mut out = Vec::new();
    loop {
        let (Some(base), Some(size)) =
            (be64(dtb, at), at.checked_add(8).and_then(|a| be64(dtb, a)))
        else {
            let problem = Problem::Malformed("reservation block has no terminating entry");
            return Err(PlatformError::new(
                "<memreserve>",
                "off_mem_rsvmap",
                problem,
            ));
        };
        if base == 0 && size == 0 {
            return Ok(out);
        }
        if base.checked_add(size).is_none() {
            let problem = Problem::BadValue("reservation wraps past the end of the address space");
            return Err(PlatformError::new(
                "<memreserve>",
                "off_mem_rsvmap",
                problem,
            ));
        }
        if size != 0 {
            out.push(Region { base, size });
        }
        at += 16;
    }
}
