//! Finding and validating the partition config: from the boot loader's DTB (a `kairos,hypervisor`
//! node), else from a DTB handed over as the initrd, else the one built into the image.

use alloc::vec::Vec;
use partition_config::{PlatformView, Range, VmConfig};

/// Where the config came from, for the log and the trace.
#[derive(Clone, Copy, Debug)]
enum Source {
    PlatformDtb,
    Initrd,
    Builtin,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::PlatformDtb => "platform-dtb",
            Source::Initrd => "initrd",
            Source::Builtin => "builtin",
        }
    }
}

fn has_hypervisor_node(blob: &[u8]) -> bool {
    matches!(partition_config::find_hypervisor_node(blob), Ok(Some(_)))
}

/// The initrd named by /chosen, if the boot loader passed one.
fn initrd_blob(platform: &platform::Platform) -> Option<&'static [u8]> {
    let region = platform.initrd.as_ref()?;
    if region.size == 0 || region.size > 16 << 20 {
        return None;
    }
    // SAFETY: the boot loader placed the initrd in RAM at this range (from /chosen); RAM is
    // mapped one to one and nothing else writes there.
    Some(unsafe { core::slice::from_raw_parts(region.base as *const u8, region.size as usize) })
}

fn choose(platform: &platform::Platform, platform_blob: &'static [u8]) -> (Source, &'static [u8]) {
    // The platform's index says whether a node could hold a config: only then is the blob
    // walked for it (most boots take the config from the initrd or the image).
    if platform.names_hypervisor && has_hypervisor_node(platform_blob) {
        return (Source::PlatformDtb, platform_blob);
    }
    if let Some(blob) = initrd_blob(platform) {
        return (Source::Initrd, blob);
    }
    (Source::Builtin, crate::images::BUILTIN_CONFIG)
}

/// Loads, validates and places the partition config; reports every problem; returns the VMs
/// that passed.
pub fn load(
    platform: &platform::Platform,
    platform_blob: &'static [u8],
    dtb_address: u64,
) -> (Vec<VmConfig>, partition_config::HealthConfig, &'static [u8]) {
    let (source, blob) = choose(platform, platform_blob);
    // The `config` event says the same for tools; the line is for debugging (boot path).
    log::debug!("partition config: {} ({} bytes)", source.name(), blob.len());
    crate::console::emit(
        crate::console::event("config")
            .str("source", source.name())
            .u64("bytes", blob.len() as u64),
    );

    let mut reserved: Vec<Range> = platform.reserved.clone();
    reserved.push(super::image_range());
    reserved.push(Range::new(dtb_address, platform_blob.len() as u64));
    reserved.extend(platform.initrd);
    let kept = platform.hypervisor_devices();
    let kept_interrupts = platform.hypervisor_interrupts();
    let view = PlatformView {
        cpu_count: platform
            .cpus
            .len()
            .min(crate::arch::aarch64::percpu::MAX_CPUS),
        ram: &platform.memory,
        reserved: &reserved,
        devices: &platform.devices,
        max_spi: match crate::drivers::gic::max_intid() {
            0 => partition_config::MAX_SPI_INTID,
            max => max.min(partition_config::MAX_SPI_INTID),
        },
        reserved_devices: &kept,
        reserved_interrupts: &kept_interrupts,
        images: &crate::images::Catalog,
    };
    let config = match partition_config::load(blob, &view) {
        Ok(config) => config,
        Err(error) => {
            report(&error);
            return (Vec::new(), partition_config::HealthConfig::default(), blob);
        }
    };
    for error in &config.errors {
        report(error);
    }
    log::info!(
        "{} VM(s) configured, {} rejected",
        config.vms.len(),
        config.errors.len()
    );
    (config.vms, config.health, blob)
}

fn report(error: &partition_config::ConfigError) {
    log::error!("config: {error}");
    let message = alloc::format!("{error}");
    crate::console::emit(
        crate::console::event("config_error")
            .str("node", &error.node)
            .str("property", &error.property)
            .str("message", &message),
    );
}
