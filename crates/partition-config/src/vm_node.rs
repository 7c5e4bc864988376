//! Reading one `kairos,vm` node into a [`VmConfig`]: property types, defaults, allowed values.

use alloc::string::String;
use alloc::vec::Vec;

use fdt::node::FdtNode;

use crate::binding::*;
use crate::cells::{self, CellSizes};
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::model::{ImageSource, MigratePolicy, OnFault, VmConfig};
use crate::parse::one_of;

/// The raw values of the binding's properties on one VM node.
#[derive(Default)]
struct RawVm<'a> {
    cpus: Option<&'a [u8]>,
    memory_size: Option<&'a [u8]>,
    memory_base: Option<&'a [u8]>,
    ipa_base: Option<&'a [u8]>,
    image: Option<&'a [u8]>,
    image_reg: Option<&'a [u8]>,
    entry: Option<&'a [u8]>,
    load_offset: Option<&'a [u8]>,
    devices: Option<&'a [u8]>,
    interrupts: Option<&'a [u8]>,
    on_fault: Option<&'a [u8]>,
    migrate: Option<&'a [u8]>,
    bootargs: Option<&'a [u8]>,
    ramdisk_reg: Option<&'a [u8]>,
    image_file: Option<&'a [u8]>,
    ramdisk_file: Option<&'a [u8]>,
}

impl<'a> RawVm<'a> {
    /// The slot for the property `name`, or `None` if the binding does not define it.
    fn slot(&mut self, name: &str) -> Option<&mut Option<&'a [u8]>> {
        Some(match name {
            CPUS => &mut self.cpus,
            MEMORY_SIZE => &mut self.memory_size,
            MEMORY_BASE => &mut self.memory_base,
            IPA_BASE => &mut self.ipa_base,
            IMAGE => &mut self.image,
            IMAGE_REG => &mut self.image_reg,
            ENTRY => &mut self.entry,
            LOAD_OFFSET => &mut self.load_offset,
            DEVICES => &mut self.devices,
            INTERRUPTS => &mut self.interrupts,
            ON_FAULT => &mut self.on_fault,
            MIGRATE => &mut self.migrate,
            BOOTARGS => &mut self.bootargs,
            RAMDISK_REG => &mut self.ramdisk_reg,
            IMAGE_FILE => &mut self.image_file,
            RAMDISK_FILE => &mut self.ramdisk_file,
            _ => return None,
        })
    }
}

/// Decodes `value` if present; records a decoding error, or `MissingProperty` when `required`.
fn decode<'v, T>(
    errors: &mut NodeErrors<'_>,
    name: &str,
    value: Option<&'v [u8]>,
    required: bool,
    read: impl FnOnce(&'v [u8]) -> Result<T, ErrorKind>,
) -> Option<T> {
    match value {
        Some(value) => errors.take(name, read(value)),
        None if required => {
            errors.push(name, ErrorKind::MissingProperty);
            None
        }
        None => None,
    }
}

/// Reads the VM node at `path`. Checks only what the node alone shows (types, allowed values,
/// exactly one image source); checks against the platform and other VMs come later.
pub(crate) fn parse_vm(
    node: FdtNode<'_, '_>,
    path: &str,
    cells: CellSizes,
) -> Result<VmConfig, Vec<ConfigError>> {
    let mut errors = NodeErrors::new(path);
    let mut raw = RawVm::default();
    for property in node.properties() {
        match raw.slot(property.name) {
            Some(slot) => *slot = Some(property.value),
            None if property.name.starts_with(VENDOR_PREFIX) => {
                errors.push(property.name, ErrorKind::UnknownProperty)
            }
            None => {}
        }
    }
    let e = &mut errors;
    let address = |v: &[u8]| cells::number(v, cells.address);
    let cpus = decode(e, CPUS, raw.cpus, true, cells::u32_list);
    let memory_size = decode(e, MEMORY_SIZE, raw.memory_size, true, |v| {
        cells::number(v, cells.size)
    });
    let memory_base = decode(e, MEMORY_BASE, raw.memory_base, false, address);
    let ipa_base = decode(e, IPA_BASE, raw.ipa_base, false, address);
    let image = match (raw.image, raw.image_reg) {
        (Some(_), Some(_)) => e.take(IMAGE, Err(ErrorKind::BothImages)),
        (None, None) => e.take(IMAGE, Err(ErrorKind::MissingImage)),
        (Some(name), None) => decode(e, IMAGE, Some(name), true, |v| {
            cells::string(v).map(|name| ImageSource::Builtin(String::from(name)))
        }),
        (None, Some(reg)) => decode(e, IMAGE_REG, Some(reg), true, |v| {
            cells::one_range(v, cells).map(ImageSource::Memory)
        }),
    };
    let entry = decode(e, ENTRY, raw.entry, false, address);
    let load_offset = decode(e, LOAD_OFFSET, raw.load_offset, false, |v| {
        cells::number(v, 1)
    });
    let devices = decode(e, DEVICES, raw.devices, false, |v| {
        cells::range_list(v, cells)
    });
    let interrupts = decode(e, INTERRUPTS, raw.interrupts, false, cells::u32_list);
    let on_fault = decode(e, ON_FAULT, raw.on_fault, false, |v| {
        let name = one_of(cells::string(v)?, ON_FAULT_VALUES)?;
        Ok(OnFault::from_name(name).unwrap_or_default())
    });
    let migrate = decode(e, MIGRATE, raw.migrate, false, |v| {
        let name = one_of(cells::string(v)?, MIGRATE_VALUES)?;
        Ok(MigratePolicy::from_name(name).unwrap_or_default())
    });
    let bootargs = decode(e, BOOTARGS, raw.bootargs, false, |v| {
        let text = cells::string(v)?;
        if text.len() > MAX_BOOTARGS {
            let (length, max) = (text.len(), MAX_BOOTARGS);
            return Err(ErrorKind::TooLong { length, max });
        }
        Ok(String::from(text))
    });
    let ramdisk = decode(e, RAMDISK_REG, raw.ramdisk_reg, false, |v| {
        cells::one_range(v, cells)
    });
    // Host file names for `make run`: only their type matters here.
    decode(e, IMAGE_FILE, raw.image_file, false, cells::string);
    decode(e, RAMDISK_FILE, raw.ramdisk_file, false, cells::string);
    if let Some(guest_dt) = node.children().find(|child| child.name == GUEST_DT_NODE) {
        let guest_dt_path = crate::locate::child_path(path, guest_dt.name);
        let owned = interrupts.as_deref().unwrap_or(&[]);
        errors.list.append(&mut crate::guest_dt_node::check(
            guest_dt,
            &guest_dt_path,
            owned,
        ));
    }
    let tasks = match node.children().find(|child| child.name == TASKS_NODE) {
        Some(child) => {
            match crate::tasks::parse_tasks(child, &crate::locate::child_path(path, child.name)) {
                Ok(tasks) => Some(tasks),
                Err(mut problems) => {
                    errors.list.append(&mut problems);
                    None
                }
            }
        }
        None => None,
    };
    let (Some(cpus), Some(memory_size), Some(image), true) =
        (cpus, memory_size, image, errors.list.is_empty())
    else {
        return Err(errors.list);
    };
    Ok(VmConfig {
        name: String::from(node.name.split('@').next().unwrap_or(node.name)),
        node_path: String::from(path),
        cpus,
        memory_size,
        memory_base,
        memory_fixed: memory_base.is_some(),
        ipa_base: ipa_base.unwrap_or(DEFAULT_IPA_BASE),
        image,
        entry,
        load_offset: load_offset.unwrap_or(DEFAULT_LOAD_OFFSET),
        load_offset_fixed: load_offset.is_some(),
        image_footprint: 0,
        bootargs,
        ramdisk,
        devices: devices.unwrap_or_default(),
        interrupts: interrupts.unwrap_or_default(),
        on_fault: on_fault.unwrap_or_default(),
        migrate: migrate.unwrap_or_default(),
        child_nodes: node
            .children()
            .map(|child| String::from(child.name))
            .collect(),
        tasks,
    })
}
