//! The per-interrupt registers (enable, pending, active, group bits; priorities; trigger
//! modes), shared by the emulated distributor and the GICv3 redistributors' SGI_base frames.
//!
//! Ownership rule: bits of interrupts the VM does not own read as zero and ignore writes (the
//! architecture's behaviour for unimplemented interrupts), except that a write that would
//! *set* the enable, pending or active state of such an interrupt is refused as a whole
//! (`MmioError::Denied`, reported through `Backend::denied`), so the VM's fault policy applies.

use super::delivery::{self, Backend};
use super::registers::BitRegister;
use super::state::{Version, Vgic};
use crate::vm::mmio::MmioError;
use core::sync::atomic::Ordering::Relaxed;

/// Who is accessing which bank: the vCPU whose SGIs/PPIs a word-0 register means (the
/// accessor on GICv2, the redistributor's own vCPU on GICv3) and the vCPU making the access.
pub struct Access<'a, B: Backend> {
    /// The VM's virtual GIC.
    pub vgic: &'a Vgic,
    /// The hardware.
    pub backend: &'a B,
    /// Owner of the banked SGIs/PPIs.
    pub vcpu: usize,
    /// The vCPU making the access.
    pub accessor: usize,
}

fn bits(mut value: u32) -> impl Iterator<Item = u32> {
    core::iter::from_fn(move || {
        (value != 0).then(|| {
            let bit = value.trailing_zeros();
            value &= value - 1;
            bit
        })
    })
}

impl<B: Backend> Access<'_, B> {
    fn state(&self, intid: u32) -> (bool, bool) {
        if self.vgic.is_hardware(intid) {
            self.backend.spi_state(intid)
        } else {
            delivery::software_state(self.vgic, self.backend, intid, self.vcpu)
        }
    }

    /// Reads a one-bit-per-interrupt register covering 32 interrupts from `first`.
    pub fn read_bits(&self, register: BitRegister, first: u32) -> u32 {
        let owned = self.vgic.owned_mask((first / 32) as usize);
        let Some(bank) = self.vgic.bank(first, self.vcpu).filter(|_| owned != 0) else {
            return 0;
        };
        match register {
            BitRegister::Group => bank.group1.load(Relaxed) & owned,
            BitRegister::SetEnable | BitRegister::ClearEnable => bank.enabled.load(Relaxed) & owned,
            BitRegister::SetPending | BitRegister::ClearPending => bits(owned)
                .filter(|&bit| self.state(first + bit).0)
                .map(|bit| 1 << bit)
                .sum(),
            BitRegister::SetActive | BitRegister::ClearActive => bits(owned)
                .filter(|&bit| self.state(first + bit).1)
                .map(|bit| 1 << bit)
                .sum(),
        }
    }

    /// Writes a one-bit-per-interrupt register covering 32 interrupts from `first`.
    pub fn write_bits(
        &self,
        register: BitRegister,
        first: u32,
        value: u32,
    ) -> Result<(), MmioError> {
        let vgic = self.vgic;
        let owned = vgic.owned_mask((first / 32) as usize);
        let foreign = value & !owned;
        if register.sets() && foreign != 0 {
            let intid = first + foreign.trailing_zeros();
            self.backend
                .denied(vgic.vm, self.accessor, register.name(), intid);
            return Err(MmioError::Denied);
        }
        let mut value = value & owned;
        if vgic.version == Version::V2
            && first == 0
            && matches!(
                register,
                BitRegister::SetPending | BitRegister::ClearPending
            )
        {
            value &= 0xffff_0000; // GICv2: SGI pending bits are read-only here (GICD_SPENDSGIR)
        }
        let Some(bank) = vgic.bank(first, self.vcpu).filter(|_| value != 0) else {
            return Ok(());
        };
        let _config = vgic.config_lock.lock();
        let changed = match register {
            BitRegister::Group if vgic.version == Version::V3 => {
                let old = bank.group1.swap(value, Relaxed);
                (old ^ value) & owned
            }
            BitRegister::Group => 0,
            BitRegister::SetEnable => value & !bank.enabled.fetch_or(value, Relaxed),
            BitRegister::ClearEnable => value & bank.enabled.fetch_and(!value, Relaxed),
            BitRegister::SetPending | BitRegister::ClearPending => {
                let set = register == BitRegister::SetPending;
                for intid in bits(value).map(|bit| first + bit) {
                    match (vgic.is_hardware(intid), set) {
                        (true, _) => self.backend.set_spi_pending(intid, set),
                        (false, true) => delivery::raise(vgic, self.backend, intid, self.vcpu, 0),
                        (false, false) => delivery::withdraw(vgic, self.backend, intid, self.vcpu),
                    }
                }
                0
            }
            BitRegister::SetActive | BitRegister::ClearActive => {
                log::debug!(
                    "vm {}: {} write ignored (active state follows the list registers)",
                    vgic.vm,
                    register.name()
                );
                0
            }
        };
        for intid in bits(changed).map(|bit| first + bit) {
            delivery::sync(vgic, self.backend, intid, self.vcpu);
        }
        Ok(())
    }

    /// Reads `size` priority bytes from interrupt `first`.
    pub fn read_priority(&self, first: u32, size: u8) -> u64 {
        (0..u32::from(size))
            .map(|i| first + i)
            .filter(|&intid| self.vgic.owns(intid))
            .filter_map(|intid| {
                let bank = self.vgic.bank(intid, self.vcpu)?;
                Some(
                    u64::from(bank.priority[(intid % 32) as usize].load(Relaxed))
                        << (8 * (intid - first)),
                )
            })
            .sum()
    }

    /// Writes `size` priority bytes from interrupt `first` (5 priority bits are kept).
    pub fn write_priority(&self, first: u32, size: u8, value: u64) {
        // The bytes of one access lie in one bank of 32 (accesses are size-aligned): look it
        // and its owned interrupts up once.
        let Some(bank) = self.vgic.bank(first, self.vcpu) else {
            return;
        };
        let owned = self.vgic.owned_mask((first / 32) as usize) >> (first % 32);
        for byte_index in 0..u32::from(size) {
            if owned & (1 << byte_index) == 0 || first + byte_index > super::state::MAX_INTID {
                continue;
            }
            let intid = first + byte_index;
            let byte = (value >> (8 * byte_index)) as u8 & 0xf8;
            if bank.priority[(intid % 32) as usize].swap(byte, Relaxed) != byte {
                delivery::refresh_list_register(self.vgic, intid, self.vcpu);
            }
        }
    }

    /// Reads an ICFGR word (16 interrupts from `first`): SGIs are edge, PPIs level.
    pub fn read_config(&self, first: u32) -> u32 {
        match first {
            0 => 0xaaaa_aaaa,
            16 => 0,
            _ => {
                let Some(bank) = self.vgic.bank(first, self.vcpu) else {
                    return 0;
                };
                let edge = bank.edge.load(Relaxed) >> (first % 32);
                (0..16)
                    .filter(|&i| self.vgic.owns(first + i) && edge & (1 << i) != 0)
                    .map(|i| 2 << (2 * i))
                    .sum()
            }
        }
    }

    /// Writes an ICFGR word; SGI/PPI trigger modes are fixed, an owned SPI's follows the write
    /// (on the physical SPI too when it has one).
    pub fn write_config(&self, first: u32, value: u32) {
        if first < 32 {
            return;
        }
        let Some(bank) = self.vgic.bank(first, self.vcpu) else {
            return;
        };
        let _config = self.vgic.config_lock.lock();
        for i in (0..16).filter(|&i| self.vgic.owns(first + i)) {
            let (intid, edge) = (first + i, value & (2 << (2 * i)) != 0);
            let bit = 1 << (intid % 32);
            if edge {
                bank.edge.fetch_or(bit, Relaxed);
            } else {
                bank.edge.fetch_and(!bit, Relaxed);
            }
            if self.vgic.is_hardware(intid) {
                self.backend.set_spi_edge(intid, edge);
            }
        }
    }
}
