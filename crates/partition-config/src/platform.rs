//! What validation needs to know about the machine: cores, RAM, devices, interrupts, images.

use crate::model::ImageSource;
use crate::range::Range;

/// Highest INTID a GIC can give a shared peripheral interrupt (1020..1023 are special).
pub const MAX_SPI_INTID: u32 = 1019;

/// First shared peripheral interrupt INTID (0..15 are SGIs, 16..31 PPIs).
pub const FIRST_SPI_INTID: u32 = 32;

/// Sizes of the guest images built into the hypervisor, looked up by name.
pub trait ImageCatalog {
    /// Size in bytes of the built-in image `name`, or `None` when there is no such image.
    fn size_of(&self, name: &str) -> Option<u64>;

    /// The first bytes (up to 64) of an image, for its arm64 header: a built-in one, or one
    /// the boot loader placed in memory (asked only once its range was found inside RAM).
    /// `None` when unknown; the image then gets the binding's default placement.
    fn head(&self, source: &ImageSource) -> Option<[u8; crate::image_header::HEADER_SIZE]> {
        let _ = source;
        None
    }
}

/// An image catalog with no images, for platforms that only boot images placed by the boot loader.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoImages;

impl ImageCatalog for NoImages {
    fn size_of(&self, _name: &str) -> Option<u64> {
        None
    }
}

/// A fixed table of `(name, size)` pairs, the usual catalog of a hypervisor build.
#[derive(Debug, Clone, Copy)]
pub struct StaticImages<'a>(pub &'a [(&'a str, u64)]);

impl ImageCatalog for StaticImages<'_> {
    fn size_of(&self, name: &str) -> Option<u64> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, size)| *size)
    }
}

/// What the hypervisor knows about the machine, handed to validation and placement.
#[derive(Clone, Copy)]
pub struct PlatformView<'a> {
    /// Number of cores; a VM's logical CPU index must be below it.
    pub cpu_count: usize,
    /// Physical RAM regions.
    pub ram: &'a [Range],
    /// Memory VMs must not use: the hypervisor image, its heap and stacks, the DTB, and
    /// firmware-reserved memory (`/memreserve/`, `/reserved-memory`).
    pub reserved: &'a [Range],
    /// MMIO regions that exist on the platform; a passthrough region must lie inside their union
    /// (each rounded out to 4 KiB pages).
    pub devices: &'a [Range],
    /// Highest valid INTID (from `GICD_TYPER.ITLinesNumber`; [`MAX_SPI_INTID`] if unknown).
    pub max_spi: u32,
    /// Devices the hypervisor keeps for itself (GIC frames, its console); passthrough regions must
    /// not overlap them (each rounded out to 4 KiB pages).
    pub reserved_devices: &'a [Range],
    /// Interrupts the hypervisor keeps for itself (its console UART's, the GIC maintenance
    /// interrupt, its timers, its SGIs), each with what it is for; no VM may own them.
    pub reserved_interrupts: &'a [(u32, &'static str)],
    /// The built-in guest images.
    pub images: &'a dyn ImageCatalog,
}

impl PlatformView<'_> {
    /// Highest INTID a VM may own: `max_spi`, capped at [`MAX_SPI_INTID`].
    pub fn highest_spi(&self) -> u32 {
        self.max_spi.min(MAX_SPI_INTID)
    }
}

impl core::fmt::Debug for PlatformView<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PlatformView")
            .field("cpu_count", &self.cpu_count)
            .field("ram", &self.ram)
            .field("reserved", &self.reserved)
            .field("devices", &self.devices)
            .field("max_spi", &self.max_spi)
            .field("reserved_devices", &self.reserved_devices)
            .field("reserved_interrupts", &self.reserved_interrupts)
            .finish_non_exhaustive()
    }
}
