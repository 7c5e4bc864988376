//! Conflicts between VMs: names, cores, fixed memory, images, devices and interrupts.
//!
//! The rule is first come, first served: VMs are taken in device-tree order, and a VM that
//! claims something an earlier (kept) VM holds is rejected with an error naming that VM.

use alloc::string::String;
use alloc::vec::Vec;

use crate::binding::*;
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::model::VmConfig;

/// Keeps the VMs that conflict with no earlier kept VM; returns them and the errors of the rest.
pub(crate) fn resolve(candidates: Vec<VmConfig>) -> (Vec<VmConfig>, Vec<ConfigError>) {
    let mut kept: Vec<VmConfig> = Vec::new();
    let mut errors = Vec::new();
    for vm in candidates {
        let mut found = NodeErrors::new(&vm.node_path);
        for owner in &kept {
            conflicts(&vm, owner, &mut found);
        }
        if found.list.is_empty() {
            kept.push(vm);
        } else {
            errors.append(&mut found.list);
        }
    }
    (kept, errors)
}

/// Records every resource `vm` claims that `owner` already holds.
fn conflicts(vm: &VmConfig, owner: &VmConfig, errors: &mut NodeErrors<'_>) {
    let owner_name = || String::from(owner.name.as_str());
    if vm.name == owner.name {
        let (name, owner_path) = (vm.name.clone(), owner.node_path.clone());
        errors.push("", ErrorKind::DuplicateName { name, owner_path });
    }
    for &core in vm.cpus.iter().filter(|core| owner.cpus.contains(core)) {
        errors.push(
            CPUS,
            ErrorKind::CoreTaken {
                core,
                owner: owner_name(),
            },
        );
    }
    if let Some(memory) = vm.memory() {
        if let Some(owner_range) = owner.memory().filter(|o| o.overlaps(&memory)) {
            errors.push(
                MEMORY_BASE,
                ErrorKind::MemoryTaken {
                    owner: owner_name(),
                    owner_range,
                },
            );
        }
        if let Some(image) = owner.image_region().filter(|i| i.overlaps(&memory)) {
            errors.push(
                MEMORY_BASE,
                ErrorKind::MemoryOverlapsImage {
                    owner: owner_name(),
                    image,
                },
            );
        }
        if let Some(ramdisk) = owner.ramdisk.filter(|r| r.overlaps(&memory)) {
            errors.push(
                MEMORY_BASE,
                ErrorKind::MemoryOverlapsRamdisk {
                    owner: owner_name(),
                    ramdisk,
                },
            );
        }
    }
    if let Some(ramdisk) = vm.ramdisk {
        if let Some(memory) = owner.memory().filter(|m| m.overlaps(&ramdisk)) {
            errors.push(
                RAMDISK_REG,
                ErrorKind::RamdiskOverlapsMemory {
                    owner: owner_name(),
                    memory,
                },
            );
        }
    }
    if let Some(image) = vm.image_region() {
        if let Some(memory) = owner.memory().filter(|m| m.overlaps(&image)) {
            errors.push(
                IMAGE_REG,
                ErrorKind::ImageOverlapsMemory {
                    owner: owner_name(),
                    memory,
                },
            );
        }
    }
    for &range in vm
        .devices
        .iter()
        .filter(|d| owner.devices.iter().any(|o| o.overlaps(d)))
    {
        errors.push(
            DEVICES,
            ErrorKind::DeviceTaken {
                range,
                owner: owner_name(),
            },
        );
    }
    for &intid in vm
        .interrupts
        .iter()
        .filter(|i| owner.interrupts.contains(i))
    {
        errors.push(
            INTERRUPTS,
            ErrorKind::InterruptTaken {
                intid,
                owner: owner_name(),
            },
        );
    }
}
