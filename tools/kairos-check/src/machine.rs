//! What the hypervisor knows about the machine when it checks its config at boot, rebuilt on
//! the host: the board's platform DTB (read by the `platform` crate, as at boot), the memory
//! the hypervisor image occupies, where QEMU puts the DTB it passes, and the built-in images.

use partition_config::{PlatformView, Range, StaticImages, MAX_SPI_INTID};
use platform::Platform;

/// Most cores the hypervisor runs on (`MAX_CPUS` in `hypervisor/src/arch/aarch64/percpu.rs`):
/// a config naming a core beyond it is rejected at boot as a core that does not exist.
pub const HYPERVISOR_MAX_CPUS: usize = 8;

/// Memory QEMU fills before the hypervisor starts, when it boots an Image with `-kernel`: an
/// initrd (if any) at RAM base + min(RAM / 2, 128 MiB), the DTB it passes right after it.
/// Reserved whole: the DTB alone stays far below it.
pub const QEMU_BOOT_DATA: u64 = 4 << 20;

/// The machine a config is checked against.
pub struct Machine {
    /// The platform DTB, parsed.
    pub platform: Platform,
    /// Memory no VM may use: the platform's reservations, the hypervisor image, QEMU's DTB.
    pub reserved: Vec<Range>,
    /// Devices the hypervisor keeps for itself.
    pub kept: Vec<Range>,
    /// Interrupts the hypervisor keeps for itself, with what each is for.
    pub kept_interrupts: Vec<(u32, &'static str)>,
    /// The built-in images and their sizes in bytes.
    pub images: Vec<(String, u64)>,
}

impl Machine {
    /// The machine described by `platform_dtb`, with the hypervisor image at `hypervisor` (if
    /// known) and the built-in `images`; `qemu` reserves where QEMU puts the DTB it passes.
    pub fn new(
        platform_dtb: &[u8],
        hypervisor: Option<Range>,
        images: Vec<(String, u64)>,
        qemu: bool,
    ) -> Result<Machine, String> {
        let platform = Platform::from_dtb(platform_dtb)
            .map_err(|e| format!("the platform DTB cannot be used: {e}"))?;
        let mut reserved = platform.reserved.clone();
        reserved.extend(hypervisor);
        if qemu {
            reserved.extend(qemu_boot_data(&platform.memory));
        }
        let kept = platform.hypervisor_devices();
        let kept_interrupts = platform.hypervisor_interrupts();
        Ok(Machine {
            platform,
            reserved,
            kept,
            kept_interrupts,
            images,
        })
    }

    /// The view `partition_config::load` checks against (the hypervisor builds the same one
    /// at boot, in `hypervisor/src/boot/config.rs`). The GIC's number of interrupt lines is
    /// only known at boot (`GICD_TYPER`): here every SPI up to 1019 counts as present.
    pub fn view<'a>(&'a self, catalog: &'a StaticImages<'a>) -> PlatformView<'a> {
        PlatformView {
            cpu_count: self.platform.cpus.len().min(HYPERVISOR_MAX_CPUS),
            ram: &self.platform.memory,
            reserved: &self.reserved,
            devices: &self.platform.devices,
            max_spi: MAX_SPI_INTID,
            reserved_devices: &self.kept,
            reserved_interrupts: &self.kept_interrupts,
            images: catalog,
        }
    }
}

/// Where QEMU's `-kernel` boot puts the initrd and DTB: the first RAM region's base plus
/// min(size / 2, 128 MiB) (`hw/arm/boot.c`), [`QEMU_BOOT_DATA`] long.
pub fn qemu_boot_data(ram: &[Range]) -> Option<Range> {
    let first = ram.first()?;
    let at = first.base + (first.size / 2).min(128 << 20);
    Some(Range::new(at, QEMU_BOOT_DATA))
}

/// The memory an arm64 Image occupies once loaded at `load_address`: its header's
/// `image_size` (BSS, stacks and heap included).
pub fn image_footprint(image: &[u8], load_address: u64) -> Result<Range, String> {
    let header = image
        .get(..64)
        .filter(|header| &header[56..60] == b"ARM\x64")
        .ok_or("not an arm64 Image (no 'ARM\\x64' header magic)")?;
    let size = u64::from_le_bytes(header[16..24].try_into().unwrap_or_default());
    Ok(Range::new(load_address, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_puts_its_dtb_above_the_first_128_mib() {
        let virt = [Range::new(0x4000_0000, 0x4000_0000)];
        assert_eq!(
            qemu_boot_data(&virt),
            Some(Range::new(0x4800_0000, 4 << 20))
        );
        let small = [Range::new(0, 0x0400_0000)];
        assert_eq!(
            qemu_boot_data(&small),
            Some(Range::new(0x0200_0000, 4 << 20))
        );
        assert_eq!(qemu_boot_data(&[]), None);
    }

    #[test]
    fn reads_the_footprint_from_the_image_header() {
        let mut image = vec![0u8; 64];
        image[16..24].copy_from_slice(&0x58_0000u64.to_le_bytes());
        image[56..60].copy_from_slice(b"ARM\x64");
        assert_eq!(
            image_footprint(&image, 0x4008_0000),
            Ok(Range::new(0x4008_0000, 0x58_0000))
        );
        image[56] = 0;
        assert!(image_footprint(&image, 0).is_err());
        assert!(image_footprint(&[0; 10], 0).is_err());
    }

    #[test]
    fn the_core_limit_is_the_hypervisors() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../hypervisor/src");
        let line = format!("pub const MAX_CPUS: usize = {HYPERVISOR_MAX_CPUS};");
        assert!(
            source_files(&root).iter().any(|text| text.contains(&line)),
            "hypervisor/src no longer says `{line}`: update HYPERVISOR_MAX_CPUS"
        );
    }

    fn source_files(dir: &std::path::Path) -> Vec<String> {
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                texts.extend(source_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                texts.push(std::fs::read_to_string(&path).unwrap());
            }
        }
        texts
    }
}
