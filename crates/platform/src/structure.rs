//! Checks the structure block's token stream and strips NOP tokens from it.
//!
//! Everything the `fdt` crate will later parse without bounds checks is verified here: token
//! tags, node names, property lengths, property-name offsets into the strings block, nesting.
//! NOP tokens (left by boot loaders that delete properties) confuse the `fdt` crate, so a blob
//! containing any is copied with them removed.

use crate::error::{PlatformError, Problem};
use crate::validate::be32;
use alloc::string::String;
use alloc::vec::Vec;

const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
/// Deepest node nesting accepted (the `fdt` crate has a fixed 64-entry parent stack).
const MAX_DEPTH: usize = 32;

/// One token of the structure block: its tag and the offset just past it.
struct Token<'a> {
    tag: u32,
    end: usize,
    name: &'a str,
}

fn token<'a>(s: &'a [u8], strings: &[u8], at: usize) -> Result<Token<'a>, &'static str> {
    let tag = be32(s, at).ok_or("structure block ends inside a token")?;
    let align = |n: usize| (n + 3) & !3;
    let (end, name) = match tag {
        BEGIN_NODE => {
            let rest = &s[at + 4..];
            let len = rest
                .iter()
                .position(|&b| b == 0)
                .ok_or("unterminated node name")?;
            let name = core::str::from_utf8(&rest[..len]).map_err(|_| "node name is not UTF-8")?;
            if name.contains('/') {
                return Err("node name contains '/'");
            }
            (align(at + 4 + len + 1), name)
        }
        PROP => {
            let len = be32(s, at + 4).ok_or("structure block ends inside a property")? as usize;
            let off = be32(s, at + 8).ok_or("structure block ends inside a property")? as usize;
            let tail = strings
                .get(off..)
                .ok_or("property name offset outside strings block")?;
            let nlen = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or("unterminated property name")?;
            core::str::from_utf8(&tail[..nlen]).map_err(|_| "property name is not UTF-8")?;
            (
                align((at + 12).checked_add(len).ok_or("property too long")?),
                "",
            )
        }
        END_NODE | NOP | END => (at + 4, ""),
        _ => return Err("unknown token"),
    };
    if end > s.len() {
        return Err("token runs past the end of the structure block");
    }
    Ok(Token { tag, end, name })
}

fn path_of(stack: &[&str]) -> String {
    if stack.len() <= 1 {
        return String::from("/");
    }
    stack[1..].iter().fold(String::new(), |mut p, n| {
        p.push('/');
        p.push_str(n);
        p
    })
}

/// Walks the whole token stream; returns whether NOP tokens were seen.
pub(crate) fn walk(s: &[u8], strings: &[u8]) -> Result<bool, PlatformError> {
    let mut stack: Vec<&str> = Vec::new();
    let mut at = 0;
    let mut nops = false;
    let mut children_started = false;
    let fail = |stack: &[&str], why| {
        let node = if stack.is_empty() {
            String::from("/")
        } else {
            path_of(stack)
        };
        Err(PlatformError {
            node,
            property: "<structure>",
            problem: Problem::Malformed(why),
        })
    };
    loop {
        let t = match token(s, strings, at) {
            Ok(t) => t,
            Err(why) => return fail(&stack, why),
        };
        at = t.end;
        match t.tag {
            NOP => nops = true,
            BEGIN_NODE if stack.is_empty() && !t.name.is_empty() => {
                return fail(&stack, "root node has a name")
            }
            BEGIN_NODE if !stack.is_empty() && t.name.is_empty() => {
                return fail(&stack, "child node has an empty name")
            }
            BEGIN_NODE if stack.len() >= MAX_DEPTH => return fail(&stack, "nodes nested too deep"),
            BEGIN_NODE => {
                stack.push(t.name);
                children_started = false;
            }
            PROP if stack.is_empty() => return fail(&stack, "property outside the root node"),
            PROP if children_started => return fail(&stack, "property after a child node"),
            PROP => {}
            END_NODE if stack.is_empty() => return fail(&stack, "unbalanced end of node"),
            END_NODE => {
                stack.pop();
                children_started = true;
                if stack.is_empty() {
                    break;
                }
            }
            _ => return fail(&stack, "structure block ends before the root node does"),
        }
    }
    loop {
        match token(s, strings, at) {
            Ok(t) if t.tag == NOP => at = t.end,
            Ok(t) if t.tag == END => return Ok(nops),
            Ok(_) => return fail(&[], "tokens after the root node"),
            Err(why) => return fail(&[], why),
        }
    }
}

/// Copies `dtb` with the structure block's NOP tokens removed (only called on a checked blob).
pub(crate) fn strip_nops(dtb: &[u8], struct_off: usize, s: &[u8], strings: &[u8]) -> Vec<u8> {
    let mut packed = Vec::with_capacity(s.len());
    let mut at = 0;
    while let Ok(t) = token(s, strings, at) {
        if t.tag != NOP {
            packed.extend_from_slice(&s[at..t.end]);
        }
        at = t.end;
        if t.tag == END {
            break;
        }
    }
    let mut out = dtb.to_vec();
    out[struct_off..struct_off + packed.len()].copy_from_slice(&packed);
    out[36..40].copy_from_slice(&(packed.len() as u32).to_be_bytes());
    out
}
