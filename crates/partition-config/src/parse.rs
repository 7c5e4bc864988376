//! Reading the hypervisor node: its cell sizes and own properties, and which children are VMs.

use alloc::string::String;
use alloc::vec::Vec;

use fdt::node::FdtNode;

use crate::binding::*;
use crate::cells::{self, CellSizes};
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::locate::{child_path, is_compatible};
use crate::model::VmConfig;
use crate::vm_node::parse_vm;

/// What the hypervisor node says, before any check against the platform.
pub(crate) struct Parsed {
    /// `kairos,log-level`, if present and valid.
    pub log_level: Option<String>,
    /// Heartbeat, migration mode and fault plan (defaults where absent or invalid).
    pub health: crate::health::HealthConfig,
    /// VMs whose properties all decoded, in device-tree order.
    pub vms: Vec<VmConfig>,
    /// Problems found so far (VMs named here are not in `vms`).
    pub errors: Vec<ConfigError>,
}

/// Reads the hypervisor node at `path`. Errors that leave nothing to configure (bad cell sizes,
/// no VM node) are returned as `Err`.
pub(crate) fn parse_hypervisor(
    path: &str,
    node: FdtNode<'_, '_>,
    cpu_count: usize,
) -> Result<Parsed, ConfigError> {
    let cells = CellSizes {
        address: cell_count(path, node, ADDRESS_CELLS, DEFAULT_ADDRESS_CELLS)?,
        size: cell_count(path, node, SIZE_CELLS, DEFAULT_SIZE_CELLS)?,
    };
    let mut errors = NodeErrors::new(path);
    let mut log_level = None;
    let mut health = crate::health::HealthConfig::default();
    for property in node.properties() {
        if property.name == LOG_LEVEL {
            let value = cells::string(property.value).and_then(|v| one_of(v, LOG_LEVELS));
            log_level = errors.take(LOG_LEVEL, value).map(String::from);
        } else if crate::health::is_health_property(property.name) {
            let result = crate::health::read(&mut health, property.name, property.value, cpu_count);
            errors.take(property.name, result);
        } else if property.name.starts_with(VENDOR_PREFIX) {
            errors.push(property.name, ErrorKind::UnknownProperty);
        }
    }
    let mut errors = errors.list;
    let (mut vms, mut vm_nodes) = (Vec::new(), 0usize);
    for child in node.children() {
        let child_path = child_path(path, child.name);
        let mut child_errors = NodeErrors::new(&child_path);
        if !is_vm_node(child, &mut child_errors) {
            errors.append(&mut child_errors.list);
            continue;
        }
        vm_nodes += 1;
        match parse_vm(child, &child_path, cells) {
            Ok(vm) => vms.push(vm),
            Err(mut vm_errors) => errors.append(&mut vm_errors),
        }
    }
    if vm_nodes == 0 {
        return Err(ConfigError::new(path, "", ErrorKind::NoVmNodes));
    }
    Ok(Parsed {
        log_level,
        health,
        vms,
        errors,
    })
}

/// Whether `child` is an enabled VM node. A child without `compatible` is an error (most likely
/// a VM whose compatible was forgotten); one with another compatible is left alone; a VM node
/// whose `status` is not "okay" is skipped.
fn is_vm_node(child: FdtNode<'_, '_>, errors: &mut NodeErrors<'_>) -> bool {
    let Some(compatible) = child.property(COMPATIBLE) else {
        errors.push(COMPATIBLE, ErrorKind::MissingCompatible);
        return false;
    };
    if errors
        .take(COMPATIBLE, cells::string_list(compatible.value))
        .is_none()
        || !is_compatible(child, VM_COMPATIBLE)
    {
        return false;
    }
    match child.property(STATUS).map(|p| cells::string(p.value)) {
        None => true,
        Some(Ok(status)) => status == "okay" || status == "ok",
        Some(Err(kind)) => {
            errors.push(STATUS, kind);
            false
        }
    }
}

/// Checks a string against the allowed values of its property.
pub(crate) fn one_of<'v>(
    value: &'v str,
    allowed: &'static [&'static str],
) -> Result<&'v str, ErrorKind> {
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(ErrorKind::UnknownValue {
            value: String::from(value),
            allowed,
        })
    }
}

/// Reads `#address-cells` or `#size-cells` of the hypervisor node: absent gives `default`,
/// anything but 1 or 2 is an error for the whole configuration.
fn cell_count(
    path: &str,
    node: FdtNode<'_, '_>,
    name: &str,
    default: u32,
) -> Result<usize, ConfigError> {
    let count = match node.property(name) {
        None => u64::from(default),
        Some(p) => cells::number(p.value, 1).map_err(|kind| ConfigError::new(path, name, kind))?,
    };
    match count {
        1 | 2 => Ok(count as usize),
        _ => Err(ConfigError::new(
            path,
            name,
            ErrorKind::UnsupportedCells {
                cells: count as u32,
            },
        )),
    }
}
