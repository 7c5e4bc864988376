//! Checks of one VM against the platform: cores, memory, image, entry, devices, interrupts.

use alloc::vec::Vec;

use crate::binding::*;
use crate::error::{ConfigError, ErrorKind, NodeErrors};
use crate::image_header::Arm64Header;
use crate::model::{ImageSource, VmConfig};
use crate::platform::{PlatformView, FIRST_SPI_INTID};
use crate::range::{covered_by, first_overlap, Range, PAGE_SIZE};

/// Every problem of `vm` that the platform alone shows; empty when the VM may run.
/// Settles the image's load offset and footprint (from its arm64 header, when it has one).
pub(crate) fn check_vm(vm: &mut VmConfig, platform: &PlatformView<'_>) -> Vec<ConfigError> {
    let node_path = vm.node_path.clone();
    let mut errors = NodeErrors::new(&node_path);
    check_cpus(vm, platform, &mut errors);
    check_memory(vm, platform, &mut errors);
    check_image(vm, platform, &mut errors);
    check_ramdisk(vm, platform, &mut errors);
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

fn check_image(vm: &mut VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
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
    let in_ram = errors.list.iter().all(|error| error.property != IMAGE_REG);
    let header = platform
        .images
        .head(&vm.image)
        .filter(|_| in_ram)
        .and_then(|head| Arm64Header::parse(&head));
    let mut size = size;
    if let Some(header) = header {
        size = size.max(header.image_size);
        match header.load_offset(vm.ipa_base) {
            Some(offset) if !vm.load_offset_fixed && offset.is_multiple_of(PAGE_SIZE) => {
                vm.load_offset = offset
            }
            Some(_) | None if !vm.load_offset_fixed => {
                let text_offset = header.text_offset;
                errors.push(property, ErrorKind::BadImageHeader { text_offset });
            }
            _ => {}
        }
    }
    vm.image_footprint = size;
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

fn check_ramdisk(vm: &VmConfig, platform: &PlatformView<'_>, errors: &mut NodeErrors<'_>) {
    let Some(ramdisk) = vm.ramdisk else { return };
    if ramdisk.size == 0 {
        errors.push(RAMDISK_REG, ErrorKind::ZeroSize);
        return;
    }
    check_in_ram(errors, RAMDISK_REG, ramdisk, platform);
    if let Some(memory) = vm.memory().filter(|m| m.overlaps(&ramdisk)) {
        let owner = vm.name.clone();
        errors.push(
            RAMDISK_REG,
            ErrorKind::RamdiskOverlapsMemory { owner, memory },
        );
    }
    let offset = vm.ramdisk_offset().unwrap_or(u64::MAX);
    if vm.memory_size != 0 && vm.loaded_end().is_none_or(|end| end > vm.memory_size) {
        let (ramdisk_size, memory_size) = (ramdisk.size, vm.memory_size);
        errors.push(
            RAMDISK_REG,
            ErrorKind::RamdiskTooLarge {
                ramdisk_size,
                offset,
                memory_size,
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
        let reserved = platform
            .reserved_interrupts
            .iter()
            .find(|(kept, _)| *kept == intid);
        let kind = if let Some(&(_, what)) = reserved {
            ErrorKind::InterruptReserved { intid, what }
        } else if intid < FIRST_SPI_INTID {
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
