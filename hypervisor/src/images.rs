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

use partition_config::{ImageSource, IMAGE_HEADER_SIZE};

/// The catalog the config validator asks for image sizes and arm64 headers.
pub struct Catalog;

impl partition_config::ImageCatalog for Catalog {
    fn size_of(&self, name: &str) -> Option<u64> {
        builtin(name).map(|bytes| bytes.len() as u64)
    }

    fn head(&self, source: &ImageSource) -> Option<[u8; IMAGE_HEADER_SIZE]> {
        let mut head = [0u8; IMAGE_HEADER_SIZE];
        match source {
            ImageSource::Builtin(name) => {
                let bytes = builtin(name)?;
                head.copy_from_slice(bytes.get(..IMAGE_HEADER_SIZE)?);
            }
            ImageSource::Memory(range) if range.size >= IMAGE_HEADER_SIZE as u64 => {
                // SAFETY: validation asks only once the range lies in RAM (mapped one to one at
                // EL2), clear of the hypervisor; the boot loader placed the image there.
                let bytes = unsafe {
                    core::slice::from_raw_parts(range.base as *const u8, IMAGE_HEADER_SIZE)
                };
                head.copy_from_slice(bytes);
            }
            ImageSource::Memory(_) => return None,
        }
        Some(head)
    }
}

/// The default partition config compiled into the image (empty if none was given).
pub static BUILTIN_CONFIG: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/config.dtb"));
