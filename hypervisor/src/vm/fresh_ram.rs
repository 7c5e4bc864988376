//! A VM's RAM handed over page by page. At creation only what the hypervisor writes is made
//! ready: the image with its declared footprint (BSS, stacks), the initramfs and the device tree;
//! every other page stays out of the stage-2 map until its first touch, a stage-2 translation
//! fault ([`touch`]) or the hypervisor reading or writing guest memory ([`prepare`]), which
//! zeroes it and maps it. A guest never reads what its RAM held before, and the boot path no
//! longer clears all of it (docs/architecture.md gives the figures and the worst case).

use super::create::{CreateError, Vm};
use super::ready_pages::{pages_of, ReadyPages, PAGE};
use crate::arch::aarch64::cpu;
use crate::mm::{Access, AddressRange, MapError, MemoryKind, PageTable};
use partition_config::{ImageSource, VmConfig};

/// Writes `bytes` at `offset` of `ram` and marks the pages they cover ready: the parts of a
/// not-ready page that `bytes` leave uncovered are zeroed first. `bytes` may already lie at
/// their place (an image the boot loader put there): they are not copied then.
pub fn place(ram: AddressRange, ready: &mut ReadyPages, offset: u64, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let end = offset + bytes.len() as u64;
    let (first, last) = pages_of(offset, bytes.len() as u64);
    let first_start = first as u64 * PAGE;
    let last_end = (last as u64 + 1) * PAGE;
    if !ready.is_ready(first) && first_start < offset {
        zero_bytes(ram.base + first_start, offset - first_start);
    }
    if !ready.is_ready(last) && end < last_end {
        zero_bytes(ram.base + end, last_end - end);
    }
    let target = ram.base + offset;
    if bytes.as_ptr() as u64 != target {
        copy_in(target, bytes);
    }
    cpu::clean_dcache_range(target, bytes.len() as u64);
    (first..=last).for_each(|page| ready.set(page));
}

/// Zeroes the not-ready pages among `[first, last]` of `ram` and marks them ready.
fn zero_pages(ram: AddressRange, ready: &mut ReadyPages, first: usize, last: usize) {
    let mut page = first;
    while page <= last.min(ready.pages().saturating_sub(1)) {
        if ready.is_ready(page) {
            page += 1;
            continue;
        }
        let run = (page..=last)
            .take_while(|&next| next < ready.pages() && !ready.is_ready(next))
            .count();
        cpu::zero_and_clean(ram.base + page as u64 * PAGE, run as u64 * PAGE);
        (page..page + run).for_each(|done| ready.set(done));
        cpu::pause();
        page += run;
    }
}

/// Fills a new VM's RAM as far as the guest needs it at once: its image, the rest of the
/// image's declared footprint zeroed, its initramfs. Returns the bytes written or zeroed.
pub fn fill(
    config: &VmConfig,
    ram: AddressRange,
    ready: &mut ReadyPages,
) -> Result<u64, CreateError> {
    let image = image_of(config)?;
    let offset = config.load_offset;
    let image_end = offset
        .checked_add(image.len() as u64)
        .filter(|&end| end <= ram.size)
        .ok_or(CreateError::ImageTooLarge)?;
    place(ram, ready, offset, image);
    let footprint_end = offset
        .saturating_add(config.image_footprint)
        .clamp(image_end, ram.size);
    if footprint_end > image_end {
        let (first, last) = pages_of(image_end, footprint_end - image_end);
        zero_pages(ram, ready, first, last);
    }
    let mut written = footprint_end - offset;
    if let Some((ramdisk, ramdisk_offset)) = config.ramdisk.zip(config.ramdisk_offset()) {
        ramdisk_offset
            .checked_add(ramdisk.size)
            .filter(|&end| end <= ram.size)
            .ok_or(CreateError::ImageTooLarge)?;
        // SAFETY: validation checked the initramfs lies in RAM outside the hypervisor and every
        // VM, where the boot loader placed it, and that it fits in this VM's RAM after the image.
        let source = unsafe {
            core::slice::from_raw_parts(ramdisk.base as *const u8, ramdisk.size as usize)
        };
        place(ram, ready, ramdisk_offset, source);
        written += ramdisk.size;
    }
    cpu::invalidate_icache();
    Ok(written)
}

/// The bytes of the VM's image.
pub fn image_of(config: &VmConfig) -> Result<&'static [u8], CreateError> {
    match &config.image {
        ImageSource::Builtin(name) => crate::images::builtin(name).ok_or(CreateError::MissingImage),
        // SAFETY: validation checked the range lies in RAM outside the hypervisor and every VM;
        // the boot loader placed the image there and nothing else uses it.
        ImageSource::Memory(range) => {
            Ok(
                unsafe {
                    core::slice::from_raw_parts(range.base as *const u8, range.size as usize)
                },
            )
        }
    }
}

/// Maps the ready pages of a VM's RAM (`ready` true; else those not ready) at guest `ipa_base`
/// to physical `ram_base`, in the largest blocks the runs allow; the other pages stay as they are.
pub fn map_pages(
    stage2: &mut PageTable,
    pages: &ReadyPages,
    ready: bool,
    ipa_base: u64,
    ram_base: u64,
) -> Result<(), MapError> {
    for (first, count) in pages.runs(ready) {
        let offset = first as u64 * PAGE;
        let (kind, access) = (MemoryKind::Normal, Access::ReadWriteExecute);
        stage2.map(
            ipa_base + offset,
            ram_base + offset,
            count as u64 * PAGE,
            kind,
            access,
        )?;
    }
    Ok(())
}

impl Vm {
    /// A stage-2 translation fault of this VM's guest at `ipa`: when it falls in a RAM page
    /// not yet handed over, zeroes the page, maps it and returns true (the guest retries the
    /// access). Costs at most one page zeroed and, first in its 2 MiB, one table allocated.
    pub fn touch(&self, ipa: u64) -> bool {
        let Some(offset) = ipa
            .checked_sub(self.ipa_base)
            .filter(|&offset| offset < self.ram().size)
        else {
            return false;
        };
        self.prepare_pages(offset, 1).is_ok()
    }

    /// Makes the guest range `[ipa, ipa + length)` of its RAM ready before the hypervisor
    /// reads or writes it for the guest (false past its RAM).
    pub(super) fn prepare(&self, ipa: u64, length: u64) -> bool {
        match ipa.checked_sub(self.ipa_base) {
            Some(offset) if length > 0 => self.prepare_pages(offset, length).is_ok(),
            _ => length == 0,
        }
    }

    fn prepare_pages(&self, offset: u64, length: u64) -> Result<(), MapError> {
        let (first, last) = pages_of(offset, length);
        let mut ready = self.ready.lock();
        let ram = self.ram();
        let mut mapped = false;
        for page in first..=last {
            if ready.is_ready(page) {
                continue; // another vCPU (or an earlier call) got there first
            }
            let at = page as u64 * PAGE;
            cpu::zero_and_clean(ram.base + at, PAGE);
            let (kind, access) = (MemoryKind::Normal, Access::ReadWriteExecute);
            self.stage2
                .lock()
                .map(self.ipa_base + at, ram.base + at, PAGE, kind, access)?;
            ready.set(page);
            mapped = true;
        }
        if mapped {
            cpu::publish_table_entries();
        }
        Ok(())
    }
}

/// Zeroes `length` bytes at `address` (part of a page) and cleans them to memory.
fn zero_bytes(address: u64, length: u64) {
    // SAFETY: the callers hand over part of a VM's RAM page, identity-mapped at EL2, that no
    // guest sees yet (not ready, so not mapped in its stage 2).
    unsafe { core::ptr::write_bytes(address as *mut u8, 0, length as usize) };
    cpu::clean_dcache_range(address, length);
}

/// Copies `source` (an image, outside the VM's RAM) to `target` in the VM's RAM, with a pause
/// between chunks: a core that reboots a VM does it with its heartbeat going on.
pub fn copy_in(target: u64, source: &[u8]) {
    for (index, chunk) in source.chunks(COPY_CHUNK).enumerate() {
        let at = target + (index * COPY_CHUNK) as u64;
        // The caller hands over `target .. + source.len()` of the VM's RAM, which does not
        // overlap `source` (validated: outside every VM's RAM).
        cpu::copy_bulk(chunk.as_ptr() as u64, at, chunk.len());
        cpu::pause();
    }
}

/// Bytes copied between two pauses (`cpu::pause`) when an image is loaded.
const COPY_CHUNK: usize = 16 << 10;
