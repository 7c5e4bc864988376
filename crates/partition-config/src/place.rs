//! Placement: giving every VM without `kairos,memory-base` a physical RAM region, first fit.

use alloc::vec::Vec;
use core::mem;

use crate::binding::MEMORY_SIZE;
use crate::error::{ConfigError, ErrorKind};
use crate::model::Config;
use crate::platform::PlatformView;
use crate::range::{align_up, covered_by, Range, PLACEMENT_ALIGN};

/// Gives each VM of `config` without a memory base the lowest 2 MiB-aligned region of platform
/// RAM that is free: clear of reserved memory, of fixed VM memory, of in-memory images and initramfs
/// (they are copied after placement) and of VMs placed before it, in device-tree order. A VM that does not
/// fit is dropped with a [`ErrorKind::NoRoomForMemory`] error. VMs that already have a base are
/// left alone, so calling this twice changes nothing.
pub fn place(config: &mut Config, platform: &PlatformView<'_>) {
    let mut taken: Vec<Range> = platform.reserved.to_vec();
    taken.extend(config.vms.iter().filter_map(|vm| vm.memory()));
    taken.extend(config.vms.iter().flat_map(|vm| vm.loaded_regions()));
    let mut kept = Vec::with_capacity(config.vms.len());
    for mut vm in mem::take(&mut config.vms) {
        if vm.memory_base.is_none() {
            let Some(base) = first_fit(vm.memory_size, platform.ram, &taken) else {
                let kind = ErrorKind::NoRoomForMemory {
                    size: vm.memory_size,
                };
                config
                    .errors
                    .push(ConfigError::new(&vm.node_path, MEMORY_SIZE, kind));
                continue;
            };
            vm.memory_base = Some(base);
            taken.push(Range::new(base, vm.memory_size));
        }
        kept.push(vm);
    }
    config.vms = kept;
}

/// The lowest 2 MiB-aligned base of a `size`-byte region inside `ram` that overlaps nothing in
/// `taken`. The answer is either the aligned start of a RAM region or the aligned end of a taken
/// range, so only those are tried.
pub(crate) fn first_fit(size: u64, ram: &[Range], taken: &[Range]) -> Option<u64> {
    ram.iter()
        .map(|r| r.base)
        .chain(taken.iter().map(|t| t.end()))
        .filter_map(|address| align_up(address, PLACEMENT_ALIGN))
        .filter(|&base| {
            let candidate = Range::new(base, size);
            covered_by(&candidate, ram) && !taken.iter().any(|t| t.overlaps(&candidate))
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 0x10_0000;

    #[test]
    fn skips_reserved_and_aligns() {
        let ram = [Range::new(0x4000_0000, 1024 * MIB)];
        let taken = [Range::new(0x4000_0000, 16 * MIB + 0x8_0000)];
        assert_eq!(first_fit(16 * MIB, &ram, &taken), Some(0x4120_0000));
    }

    #[test]
    fn uses_a_hole_before_a_later_obstacle() {
        let ram = [Range::new(0, 64 * MIB)];
        let taken = [Range::new(0, MIB), Range::new(8 * MIB, MIB)];
        assert_eq!(first_fit(4 * MIB, &ram, &taken), Some(2 * MIB));
        assert_eq!(first_fit(8 * MIB, &ram, &taken), Some(10 * MIB));
    }

    #[test]
    fn spans_adjacent_regions_and_fails_when_full() {
        let ram = [Range::new(0, 4 * MIB), Range::new(4 * MIB, 4 * MIB)];
        assert_eq!(first_fit(8 * MIB, &ram, &[]), Some(0));
        assert_eq!(first_fit(10 * MIB, &ram, &[]), None);
        assert_eq!(
            first_fit(MIB, &[Range::new(u64::MAX - MIB, MIB)], &[]),
            None
        );
    }
}
