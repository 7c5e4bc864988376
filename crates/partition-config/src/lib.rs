//! Kairos partition configuration: the `kairos,hypervisor` device-tree binding, read and checked.
//!
//! The configuration lives in a device tree node with `compatible = "kairos,hypervisor"`
//! (normally `/hypervisor`), one `kairos,vm` child per VM; the binding is documented in
//! `docs/bindings/kairos-partitions.md`. [`load`] reads it from a blob and checks it against a
//! [`PlatformView`]: each VM is checked on its own, an invalid VM is dropped with its errors
//! listed, and when two VMs claim the same core, memory, device or interrupt the first in
//! device-tree order keeps it. VMs without a fixed memory base are then placed in free RAM.
//!
//! Pure logic: no unsafe, no hardware access, no panics on any input; tested on the host.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod binding;
mod cells;
mod conflicts;
mod dtb_check;
mod error;
mod guest_dt_node;
pub mod health;
mod image_header;
mod locate;
mod model;
mod parse;
mod place;
mod platform;
mod range;
mod tasks;
mod validate;
mod vm_node;

use alloc::string::String;

pub use cells::ValueType;
pub use dtb_check::{check as check_dtb, DtbDefect, MAX_DEPTH};
pub use error::{ConfigError, ErrorKind};
pub use guest_dt_node::GENERATED_NODES;
pub use health::{FaultKind, HealthConfig, MigrationMode, PlannedFault, ResumeMode};
pub use image_header::{Arm64Header, HEADER_SIZE as IMAGE_HEADER_SIZE};
pub use model::{Config, ImageSource, MigratePolicy, OnFault, VmConfig};
pub use place::place;
pub use platform::{
    ImageCatalog, NoImages, PlatformView, StaticImages, FIRST_SPI_INTID, MAX_SPI_INTID,
};
pub use range::{Range, PAGE_SIZE, PLACEMENT_ALIGN};
pub use tasks::{
    parse_tasks, tasks_from_dtb, BlackoutInjection, SchedulerPolicy, TaskConfig, TaskSetConfig,
};

/// An error about the blob as a whole, reported against the root node.
fn blob_error(kind: ErrorKind) -> ConfigError {
    ConfigError::new("/", "", kind)
}

/// Checks the structure of `dtb` (see [`dtb_check::check`]) and finds its hypervisor node.
fn checked(
    dtb: &[u8],
) -> Result<(alloc::borrow::Cow<'_, [u8]>, Option<locate::Found>), ConfigError> {
    dtb_check::check_finding(dtb, true).map_err(|defect| blob_error(ErrorKind::CorruptDtb(defect)))
}

/// Opens `dtb` after checking its structure, and runs `read` on it.
pub(crate) fn with_fdt<T>(
    dtb: &[u8],
    read: impl FnOnce(&fdt::Fdt<'_>) -> Result<T, ConfigError>,
) -> Result<T, ConfigError> {
    let blob = dtb_check::check(dtb).map_err(|defect| blob_error(ErrorKind::CorruptDtb(defect)))?;
    read(&open(&blob)?)
}

/// Hands a checked blob to `fdt` (the check accepts only blobs that `fdt` can open).
fn open(blob: &[u8]) -> Result<fdt::Fdt<'_>, ConfigError> {
    fdt::Fdt::new(blob).map_err(|_| {
        blob_error(ErrorKind::CorruptDtb(DtbDefect::TooShort {
            len: blob.len(),
        }))
    })
}

/// The path of the node that holds the configuration, or `None` when the blob has none (the
/// hypervisor then falls back to its built-in configuration). Searched in this order: the root
/// (a configuration-only blob), `/hypervisor`, then any node, depth-first; only nodes with
/// `compatible = "kairos,hypervisor"` count. `Err` when the blob is corrupt.
pub fn find_hypervisor_node(dtb: &[u8]) -> Result<Option<String>, ConfigError> {
    Ok(checked(dtb)?.1.map(|found| found.path))
}

/// Parses and validates the configuration in `dtb`, then places VMs without a fixed memory base
/// (see [`place`]). Never panics.
///
/// `Err` (against node `/` or the hypervisor node) when there is nothing to configure: a blob
/// that cannot be parsed, no hypervisor node, unusable `#address-cells`/`#size-cells`, no VM node.
/// Otherwise each VM node is checked on its own: invalid VMs are dropped and their errors listed
/// in [`Config::errors`]; valid VMs are kept in device-tree order, each with a memory base.
pub fn load(dtb: &[u8], platform: &PlatformView<'_>) -> Result<Config, ConfigError> {
    let parsed = parse_blob(dtb, platform.cpu_count)?;
    let mut errors = parsed.errors;
    let mut valid = alloc::vec::Vec::with_capacity(parsed.vms.len());
    for mut vm in parsed.vms {
        let mut problems = validate::check_vm(&mut vm, platform);
        if problems.is_empty() {
            valid.push(vm);
        } else {
            errors.append(&mut problems);
        }
    }
    let (vms, mut conflict_errors) = conflicts::resolve(valid);
    errors.append(&mut conflict_errors);
    let mut config = Config {
        vms,
        log_level: parsed.log_level,
        health: parsed.health,
        errors,
    };
    place(&mut config, platform);
    Ok(config)
}

/// Reads the hypervisor node of `dtb` and its VM nodes, as far as the nodes alone go.
fn parse_blob(dtb: &[u8], cpu_count: usize) -> Result<parse::Parsed, ConfigError> {
    let (blob, found) = checked(dtb)?;
    let fdt = open(&blob)?;
    let missing = || blob_error(ErrorKind::NoHypervisorNode);
    let found = found.ok_or_else(missing)?;
    let node = locate::node(&fdt, found.index).ok_or_else(missing)?;
    parse::parse_hypervisor(&found.path, node, cpu_count)
}

/// The configuration in `dtb` as its nodes describe it, checked against no platform: property
/// types and values, the tasks nodes, but no cores, memory, images or conflicts between VMs,
/// and nothing placed. For host tools that need what a VM node says (its task set, its memory
/// size); [`load`] is what decides which VMs start. VM nodes with errors are left out of
/// [`Config::vms`] and their errors listed; `Err` as for [`load`].
pub fn read_nodes(dtb: &[u8]) -> Result<Config, ConfigError> {
    let parsed = parse_blob(dtb, usize::MAX)?;
    Ok(Config {
        vms: parsed.vms,
        log_level: parsed.log_level,
        health: parsed.health,
        errors: parsed.errors,
    })
}
