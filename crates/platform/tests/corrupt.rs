//! Byte-level damage: truncation, bad header fields, malformed token streams, NOP tokens,
//! and a brute-force check that no single-byte corruption makes the parser panic.

mod common;

use common::fixture;
use platform::{Platform, PlatformError, Problem};

fn be(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn set(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn err(dtb: &[u8]) -> PlatformError {
    Platform::from_dtb(dtb).expect_err("should be rejected")
}

/// A minimal FDT writer for shapes dtc refuses to produce.
#[derive(Default)]
struct Builder {
    structs: Vec<u8>,
    strings: Vec<u8>,
}

impl Builder {
    fn word(&mut self, w: u32) -> &mut Self {
        self.structs.extend_from_slice(&w.to_be_bytes());
        self
    }
    fn begin(&mut self, name: &str) -> &mut Self {
        self.word(1);
        self.structs.extend_from_slice(name.as_bytes());
        self.structs.push(0);
        while !self.structs.len().is_multiple_of(4) {
            self.structs.push(0);
        }
        self
    }
    fn end(&mut self) -> &mut Self {
        self.word(2)
    }
    fn prop_at(&mut self, name_off: u32, value: &[u8]) -> &mut Self {
        self.word(3).word(value.len() as u32).word(name_off);
        self.structs.extend_from_slice(value);
        while !self.structs.len().is_multiple_of(4) {
            self.structs.push(0);
        }
        self
    }
    fn prop(&mut self, name: &str, value: &[u8]) -> &mut Self {
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(name.as_bytes());
        self.strings.push(0);
        self.prop_at(off, value)
    }
    /// Header, empty reservation block, structure block (plus FDT_END), strings block.
    fn finish(&mut self) -> Vec<u8> {
        self.word(9);
        let off_struct = 40 + 16;
        let off_strings = off_struct + self.structs.len();
        let total = off_strings + self.strings.len();
        let mut out = vec![0u8; off_struct];
        for (i, v) in [
            0xd00d_feed,
            total,
            off_struct,
            off_strings,
            40,
            17,
            16,
            0,
            self.strings.len(),
            self.structs.len(),
        ]
        .into_iter()
        .enumerate()
        {
            set(&mut out, i * 4, v as u32);
        }
        out.extend_from_slice(&self.structs);
        out.extend_from_slice(&self.strings);
        out
    }
}

fn structure_error(dtb: &[u8]) -> (String, String) {
    let e = err(dtb);
    assert_eq!(e.property, "<structure>", "{e}");
    let Problem::Malformed(why) = e.problem else {
        panic!("{e}")
    };
    (e.node, why.to_string())
}

#[test]
fn empty_and_short_input() {
    for len in [0, 4, 39] {
        let e = err(&fixture("virt-gicv3.dtb")[..len]);
        assert_eq!((e.node.as_str(), e.property), ("<header>", "header"));
        assert_eq!(
            e.problem,
            Problem::Truncated {
                needed: 40,
                available: len as u64
            }
        );
    }
}

#[test]
fn bad_magic() {
    let mut dtb = fixture("virt-gicv3.dtb");
    dtb[0] = 0;
    let e = err(&dtb);
    assert_eq!(
        (e.node.as_str(), e.property, e.problem),
        ("<header>", "magic", Problem::BadMagic(0x000d_feed))
    );
}

#[test]
fn truncated_blob() {
    let dtb = fixture("virt-gicv3.dtb");
    let e = err(&dtb[..dtb.len() / 2]);
    assert_eq!(e.property, "totalsize");
    let expected = Problem::Truncated {
        needed: dtb.len() as u64,
        available: dtb.len() as u64 / 2,
    };
    assert_eq!(e.problem, expected);
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn trailing_bytes_beyond_totalsize_are_ignored() {
    let dtb = fixture("raspi4b.dtb");
    let mut padded = dtb.clone();
    padded.extend_from_slice(&[0xff; 100]);
    assert_eq!(
        Platform::from_dtb(&padded).unwrap(),
        Platform::from_dtb(&dtb).unwrap()
    );
}

#[test]
fn bad_header_fields() {
    let dtb = fixture("errors/base.dtb");
    let total = dtb.len() as u32;
    for (field, value, property) in [
        (20, 16, "version"),
        (24, 18, "last_comp_version"),
        (4, 20, "totalsize"),
        (8, total, "off_dt_struct"),
        (12, total - 2, "off_dt_strings"),
        (16, total - 8, "off_mem_rsvmap"),
    ] {
        let mut bad = dtb.clone();
        set(&mut bad, field, value);
        let e = err(&bad);
        assert_eq!(e.property, property, "{e}");
    }
}

#[test]
fn malformed_token_streams() {
    let mut b = Builder::default();
    assert_eq!(
        structure_error(&b.begin("").end().word(1).finish()).1,
        "tokens after the root node"
    );
    let mut b = Builder::default();
    assert_eq!(
        structure_error(&b.begin("").word(3).finish()).1,
        "structure block ends inside a property"
    );
    let mut b = Builder::default();
    let (node, why) = structure_error(&b.begin("").begin("a").end().prop("x", &[]).end().finish());
    assert_eq!(
        (node.as_str(), why.as_str()),
        ("/", "property after a child node")
    );
    let mut b = Builder::default();
    let (node, why) = structure_error(&b.begin("").begin("soc").word(7).finish());
    assert_eq!((node.as_str(), why.as_str()), ("/soc", "unknown token"));
    let mut b = Builder::default();
    let (node, why) = structure_error(
        &b.begin("")
            .begin("soc")
            .prop_at(9999, &[])
            .end()
            .end()
            .finish(),
    );
    assert_eq!(
        (node.as_str(), why.as_str()),
        ("/soc", "property name offset outside strings block")
    );
    let mut b = Builder::default();
    let why = structure_error(
        &b.begin("")
            .prop("x", &[1, 2, 3, 4])
            .word(3)
            .word(0xffff)
            .word(0)
            .finish(),
    )
    .1;
    assert_eq!(why, "token runs past the end of the structure block");
    let mut b = Builder::default();
    assert_eq!(
        structure_error(&b.begin("x").end().finish()).1,
        "root node has a name"
    );
    let mut b = Builder::default();
    assert_eq!(
        structure_error(&b.begin("").begin("").end().end().finish()).1,
        "child node has an empty name"
    );
    let mut b = Builder::default();
    assert_eq!(
        structure_error(&b.begin("").end().end().finish()).1,
        "tokens after the root node"
    );
    let mut b = Builder::default();
    let mut blob = b.begin("").begin("a").end().end().finish();
    let size = be(&blob, 36) as u32;
    set(&mut blob, 36, size - 4); // the block now stops right after the root's END_NODE
    assert_eq!(
        structure_error(&blob).1,
        "structure block ends inside a token"
    );
}

#[test]
fn nesting_limit() {
    let mut b = Builder::default();
    b.begin("");
    for i in 0..40 {
        b.begin(&format!("n{i}"));
    }
    let (node, why) = structure_error(&b.finish());
    assert_eq!(why, "nodes nested too deep");
    assert!(node.starts_with("/n0/n1/n2/"), "{node}");
}

#[test]
fn bad_strings_block() {
    let mut b = Builder::default();
    let mut blob = b.begin("").prop("model", b"x\0").end().finish();
    let n = blob.len();
    blob[n - 1] = b'!'; // the only property name loses its terminating NUL
    assert_eq!(structure_error(&blob).1, "unterminated property name");
    blob[n - 1] = 0;
    blob[n - 2] = 0xff; // not UTF-8
    assert_eq!(structure_error(&blob).1, "property name is not UTF-8");
}

/// Re-emits a dtc-produced blob with a NOP token before every token of its structure block,
/// as boot loaders leave behind after deleting properties or nodes.
fn with_nops(dtb: &[u8]) -> Vec<u8> {
    let (off_struct, off_strings, size_strings, size_struct) =
        (be(dtb, 8), be(dtb, 12), be(dtb, 32), be(dtb, 36));
    let s = &dtb[off_struct..off_struct + size_struct];
    let mut packed = Vec::new();
    let mut at = 0;
    loop {
        let tag = be(s, at);
        let len = match tag {
            1 => (4 + s[at + 4..].iter().position(|&b| b == 0).unwrap() + 1 + 3) & !3,
            3 => (12 + be(s, at + 4) + 3) & !3,
            _ => 4,
        };
        packed.extend_from_slice(&4u32.to_be_bytes());
        packed.extend_from_slice(&s[at..at + len]);
        at += len;
        if tag == 9 {
            break;
        }
    }
    let mut out = dtb[..off_struct].to_vec(); // header + reservation block
    out.extend_from_slice(&packed);
    out.extend_from_slice(&dtb[off_strings..off_strings + size_strings]);
    let total = out.len() as u32;
    set(&mut out, 4, total);
    set(&mut out, 12, (off_struct + packed.len()) as u32);
    set(&mut out, 36, packed.len() as u32);
    out
}

#[test]
fn nop_tokens_are_tolerated() {
    for name in ["virt-gicv3.dtb", "raspi4b.dtb", "imx8mp.dtb", "misc.dtb"] {
        let dtb = fixture(name);
        let noisy = with_nops(&dtb);
        assert!(noisy.len() > dtb.len());
        assert_eq!(
            Platform::from_dtb(&noisy),
            Platform::from_dtb(&dtb),
            "{name}"
        );
        let dev = Platform::device(&noisy, "serial0").map(|d| d.regions);
        assert_eq!(
            dev,
            Platform::device(&dtb, "serial0").map(|d| d.regions),
            "{name}"
        );
    }
}

/// Flips bits in every byte and cuts the blob at every length: always an error or a
/// platform, never a panic (the `fdt` crate underneath panics on malformed input).
#[test]
fn no_panic_on_any_single_byte_corruption() {
    for name in ["errors/base.dtb", "raspi4b.dtb", "misc.dtb"] {
        let dtb = fixture(name);
        let mut accepted = 0;
        for i in 0..dtb.len() {
            for mask in [0xff, 0x01] {
                let mut bad = dtb.clone();
                bad[i] ^= mask;
                accepted += usize::from(Platform::from_dtb(&bad).is_ok());
                if mask == 0xff {
                    let _ = Platform::device(&bad, "serial0");
                }
            }
        }
        for len in 0..dtb.len() {
            let mut cut = dtb[..len].to_vec();
            if len >= 8 {
                set(&mut cut, 4, len as u32); // claim the cut length, so deeper checks run
            }
            let _ = Platform::from_dtb(&cut);
        }
        assert!(
            accepted > 0,
            "{name}: some corruptions (e.g. in string values) are harmless"
        );
    }
}
