//! The arm64 Image header (Linux `Documentation/arch/arm64/booting.rst`): where an image wants
//! to be placed and how much memory it occupies once running.

use crate::binding::ARM64_IMAGE_ALIGN;
use crate::range::align_up;

/// Bytes of the header: code0/1, text_offset, image_size, flags, reserved, magic, reserved.
pub const HEADER_SIZE: usize = 64;
/// `magic` at offset 56: "ARM\x64".
const MAGIC: &[u8; 4] = b"ARM\x64";

/// What an arm64 Image header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arm64Header {
    /// Offset of the image above a 2 MiB-aligned base.
    pub text_offset: u64,
    /// Memory the image occupies from its start, BSS included (0 on kernels before 3.17).
    pub image_size: u64,
}

impl Arm64Header {
    /// Reads the header at the start of `head`, if it carries the arm64 magic.
    pub fn parse(head: &[u8]) -> Option<Self> {
        if head.get(56..60)? != MAGIC {
            return None;
        }
        let word = |at: usize| Some(u64::from_le_bytes(head.get(at..at + 8)?.try_into().ok()?));
        Some(Arm64Header {
            text_offset: word(8)?,
            image_size: word(16)?,
        })
    }

    /// The load offset inside RAM seen by the guest at `ipa_base`: `text_offset` above the
    /// first 2 MiB-aligned guest-physical address of the RAM.
    pub fn load_offset(&self, ipa_base: u64) -> Option<u64> {
        let base = align_up(ipa_base, ARM64_IMAGE_ALIGN)?;
        (base - ipa_base).checked_add(self.text_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text_offset: u64, image_size: u64) -> [u8; HEADER_SIZE] {
        let mut head = [0u8; HEADER_SIZE];
        head[8..16].copy_from_slice(&text_offset.to_le_bytes());
        head[16..24].copy_from_slice(&image_size.to_le_bytes());
        head[56..60].copy_from_slice(MAGIC);
        head
    }

    #[test]
    fn reads_placement_and_footprint() {
        let linux = Arm64Header::parse(&header(0, 0x201_0000)).unwrap();
        assert_eq!(linux.image_size, 0x201_0000);
        assert_eq!(
            linux.load_offset(0x4000_0000),
            Some(0),
            "2 MiB-aligned RAM base"
        );
        assert_eq!(
            linux.load_offset(0x4010_0000),
            Some(0x10_0000),
            "next 2 MiB boundary"
        );
        let old = Arm64Header::parse(&header(0x8_0000, 0)).unwrap();
        assert_eq!(old.load_offset(0x4000_0000), Some(0x8_0000));
    }

    #[test]
    fn needs_the_magic() {
        let mut head = header(0, 0);
        head[56] = b'X';
        assert_eq!(Arm64Header::parse(&head), None);
        assert_eq!(Arm64Header::parse(&head[..40]), None);
    }
}
