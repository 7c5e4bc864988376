//! Guest images built into the hypervisor image (named in the partition config by `kairos,image`).

/// Keeps a built-in image 16-byte aligned: copied to a page of a VM, it then moves a word at a
/// time (an unaligned source is read byte by byte, the target being built with strict alignment).
#[repr(C, align(16))]
#[allow(dead_code)] // unused when no image is built in (host builds)
struct Aligned<T: ?Sized>(T);

include!(concat!(env!("OUT_DIR"), "/builtin_images.rs"));

/// The built-in image called `name`.
pub fn builtin(name: &str) -> Option<&'static [u8]> {
    BUILTIN
        .iter()
        .find(|(image, _)| *image == name)
        .map(|(_, bytes)| *bytes)
}

/// The catalog the config validator asks for image sizes.
pub struct Catalog;

impl partition_config::ImageCatalog for Catalog {
    fn size_of(&self, name: &str) -> Option<u64> {
        builtin(name).map(|bytes| bytes.len() as u64)
    }
}

/// The default partition config compiled into the image (empty if none was given).
pub static BUILTIN_CONFIG: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/config.dtb"));

/// Reads the `text_offset` of an arm64 Image header, if `image` starts with one.
pub fn arm64_text_offset(image: &[u8]) -> Option<u64> {
    let magic = image.get(56..60)?;
    if magic != b"ARM\x64" {
        return None;
    }
    let bytes: [u8; 8] = image.get(8..16)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_image_header() {
        let mut image = std::vec![0u8; 64];
        image[8..16].copy_from_slice(&0x80000u64.to_le_bytes());
        image[56..60].copy_from_slice(b"ARM\x64");
        assert_eq!(arm64_text_offset(&image), Some(0x80000));
        image[56] = 0;
        assert_eq!(arm64_text_offset(&image), None);
        assert_eq!(arm64_text_offset(&[0u8; 10]), None);
    }
}
