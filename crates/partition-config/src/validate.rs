//! Checks of one VM against the platform: cores, memory, image, entry, devices, interrupts.

use alloc::vec::Vec;

use crate::binding::*;
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::model::{ImageSource, VmConfig};
use crate::platform::{PlatformView, FIRST_SPI_INTID};
use crate::range::{covered_by, first_overlap, Range, PAGE_SIZE};

/// Every problem of `vm` that the platform alone shows; empty when the VM may run.
pub(crate) fn check_vm(vm: &VmConfig, platform: &PlatformView<'_>) -> Vec<ConfigError> {
    let mut errors = NodeErrors::new(&vm.node_path);
    check_cpus(vm, platform, &mut errors);
    check_memory(vm, platform, &mut errors);
    check_image(vm, platform, &mut errors);
    check_devices(vm, platform, &mut errors);
    check_interrupts(vm, platform, &mut errors);
    errors.list
}

fn check_cpus(vm: &VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
    if vm.cpus.is_empty() {
        errors.push(CPUS, ErrorKind::NoCores);
    }
    for (index, &core) in vm.cpus.iter().enumerate() {
        if core as usize >= platform.cpu_count {
            errors.push(
                CPUS,
                ErrorKind::CoreDoesNotExist {
                    core,
                    cpu_count: platform.cpu_count,
                },
            );
        } else if vm.cpus[..index].contains(&core) {
            errors.push(CPUS, ErrorKind::CoreListedTwice { core });
        }
    }
}

/// Checks that `value` is a multiple of a 4 KiB page.
fn check_page_multiple(errors: &mut NodeErrors<'_>, property: &str, value: u64) -> bool {
    let aligned = value.is_multiple_of(PAGE_SIZE);
    if !aligned {
        errors.push(
            property,
            ErrorKind::Misaligned {
                value,
                align: PAGE_SIZE,
            },
        );
    }
    aligned
}

/// Checks that a physical range lies in RAM and clear of reserved memory.
fn check_in_ram(
    errors: &mut NodeErrors<'_>,
    property: &str,
    range: Range,
    platform: &PlatformView<'_>,
) {
    if range.checked_end().is_none() {
        errors.push(
            property,
            ErrorKind::AddressOverflow {
                base: range.base,
                size: range.size,
            },
        );
    } else if !covered_by(&range, platform.ram) {
        errors.push(property, ErrorKind::OutsideRam { range });
    } else if let Some(reserved) = first_overlap(&range, platform.reserved) {
        errors.push(
            property,
            ErrorKind::OverlapsReserved {
                range,
                reserved: *reserved,
            },
        );
    }
}

fn check_memory(vm: &VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
    let size_ok = if vm.memory_size == 0 {
        errors.push(MEMORY_SIZE, ErrorKind::ZeroSize);
        false
    } else {
        check_page_multiple(errors, MEMORY_SIZE, vm.memory_size)
    };
    if let (Some(memory), true) = (vm.memory(), size_ok) {
        if check_page_multiple(errors, MEMORY_BASE, memory.base) {
            check_in_ram(errors, MEMORY_BASE, memory, platform);
        }
    }
    if check_page_multiple(errors, IPA_BASE, vm.ipa_base) && vm.ipa_range().checked_end().is_none()
    {
        errors.push(
            IPA_BASE,
            ErrorKind::AddressOverflow {
                base: vm.ipa_base,
                size: vm.memory_size,
            },
        );
    }
    check_page_multiple(errors, LOAD_OFFSET, vm.load_offset);
}

fn check_image(vm: &VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
    let (property, size) = match &vm.image {
        ImageSource::Builtin(name) => match platform.images.size_of(name) {
            Some(size) => (IMAGE, size),
            None => {
                errors.push(IMAGE, ErrorKind::UnknownImage { name: name.clone() });
                return;
            }
        },
        ImageSource::Memory(range) => {
            if range.size == 0 {
                errors.push(IMAGE_REG, ErrorKind::ZeroSize);
            } else {
                check_in_ram(errors, IMAGE_REG, *range, platform);
            }
            if let Some(memory) = vm
                .memory()
                .filter(|m| m.overlaps(range) && !vm.image_in_place())
            {
                let owner = vm.name.clone();
                errors.push(IMAGE_REG, ErrorKind::ImageOverlapsMemory { owner, memory });
            }
            (IMAGE_REG, range.size)
        }
    };
    if vm.memory_size == 0 {
        return; // already reported; fitting anything into nothing says no more
    }
    if vm
        .load_offset
        .checked_add(size)
        .is_none_or(|end| end > vm.memory_size)
    {
        let (image_size, load_offset, memory_size) = (size, vm.load_offset, vm.memory_size);
        errors.push(
            property,
            ErrorKind::ImageTooLarge {
                image_size,
                load_offset,
                memory_size,
            },
        );
    }
    if let Some(entry) = vm.entry.filter(|entry| !vm.ipa_range().contains(*entry)) {
        errors.push(
            ENTRY,
            ErrorKind::EntryOutsideRam {
                entry,
                ipa: vm.ipa_range(),
            },
        );
    }
}

fn check_devices(vm: &VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
    let rounded: Vec<Range> = platform
        .devices
        .iter()
        .map(|d| d.round_out(PAGE_SIZE))
        .collect();
    for (index, &range) in vm.devices.iter().enumerate() {
        let kind = if range.size == 0 {
            ErrorKind::ZeroSize
        } else if !range.is_aligned(PAGE_SIZE) {
            let value = if !range.base.is_multiple_of(PAGE_SIZE) {
                range.base
            } else {
                range.size
            };
            ErrorKind::Misaligned {
                value,
                align: PAGE_SIZE,
            }
        } else if range.checked_end().is_none() {
            ErrorKind::AddressOverflow {
                base: range.base,
                size: range.size,
            }
        } else if !covered_by(&range, &rounded) {
            ErrorKind::DeviceNotOnPlatform { range }
        } else if let Some(kept) = platform
            .reserved_devices
            .iter()
            .find(|r| r.round_out(PAGE_SIZE).overlaps(&range))
        {
            ErrorKind::DeviceReserved {
                range,
                reserved: *kept,
            }
        } else if vm.devices[..index]
            .iter()
            .any(|other| other.overlaps(&range))
        {
            ErrorKind::DeviceListedTwice { range }
        } else {
            continue;
        };
        errors.push(DEVICES, kind);
    }
}

fn check_interrupts(vm: &VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
    let max = platform.highest_spi();
    for (index, &intid) in vm.interrupts.iter().enumerate() {
        let kind = if intid < FIRST_SPI_INTID {
            ErrorKind::InterruptNotSpi { intid }
        } else if intid > max {
            ErrorKind::InterruptOutOfRange { intid, max }
        } else if vm.interrupts[..index].contains(&intid) {
            ErrorKind::InterruptListedTwice { intid }
        } else {
            continue;
        };
        errors.push(INTERRUPTS, kind);
    }
}
