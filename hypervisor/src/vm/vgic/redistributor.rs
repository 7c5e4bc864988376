//! The emulated GICv3 redistributors: one 128 KiB pair of frames per vCPU (RD_base for
//! identification and power, SGI_base for that vCPU's SGIs and PPIs), packed from GICR's base.

use super::delivery::Backend;
use super::interrupt_registers::Access;
use super::registers::{decode, Register};
use super::state::{Version, Vgic};
use super::{GUEST_GICR, GUEST_GICR_STRIDE, IIDR};
use crate::mm::AddressRange;
use crate::vm::mmio::{Accessor, EmulatedDevice, MmioError};
use alloc::sync::Arc;
use core::sync::atomic::Ordering::Relaxed;

const FRAME: u64 = 0x10000;
const WAKER_ASLEEP: u64 = (1 << 1) | (1 << 2); // ProcessorSleep, ChildrenAsleep

/// The redistributors of a VM's vCPUs.
pub struct Redistributors<B: Backend> {
    vgic: Arc<Vgic>,
    backend: B,
}

impl<B: Backend> Redistributors<B> {
    /// The redistributors of `vgic`.
    pub fn new(vgic: Arc<Vgic>, backend: B) -> Self {
        Redistributors { vgic, backend }
    }

    /// GICR_TYPER of vCPU `vcpu`: its affinity (Aff0 = index), processor number, Last.
    fn type_register(&self, vcpu: usize) -> u64 {
        let last = if vcpu + 1 == self.vgic.vcpu_count() {
            1 << 4
        } else {
            0
        };
        (vcpu as u64) << 32 | (vcpu as u64) << 8 | last
    }

    fn read_control(&self, vcpu: usize, offset: u64, size: u8) -> Result<u64, MmioError> {
        Ok(match (offset, size) {
            (0x4, 4) => u64::from(IIDR),
            (0x8, 8) => self.type_register(vcpu),
            (0x8, 4) => self.type_register(vcpu) & 0xffff_ffff,
            (0xc, 4) => self.type_register(vcpu) >> 32,
            (0x14, 4) if self.vgic.vcpu(vcpu).asleep.load(Relaxed) => WAKER_ASLEEP,
            (0xffe8, 4) => 0x3b,
            (_, 4 | 8) if offset.is_multiple_of(u64::from(size)) => 0,
            _ => return Err(MmioError::Unsupported),
        })
    }
}

impl<B: Backend> EmulatedDevice for Redistributors<B> {
    fn name(&self) -> &str {
        "gicr"
    }

    fn range(&self) -> AddressRange {
        AddressRange::new(
            GUEST_GICR,
            GUEST_GICR_STRIDE * self.vgic.vcpu_count() as u64,
        )
    }

    fn read(&self, accessor: Accessor, offset: u64, size: u8) -> Result<u64, MmioError> {
        let (vcpu, offset) = (
            (offset / GUEST_GICR_STRIDE) as usize,
            offset % GUEST_GICR_STRIDE,
        );
        if offset < FRAME {
            return self.read_control(vcpu, offset, size);
        }
        let access = Access {
            vgic: &self.vgic,
            backend: &self.backend,
            vcpu,
            accessor: accessor.vcpu,
        };
        Ok(
            match decode(Version::V3, offset - FRAME, size).map_err(|_| MmioError::Unsupported)? {
                Register::Bits { register, first: 0 } => u64::from(access.read_bits(register, 0)),
                Register::Priority { first } if first < 32 => access.read_priority(first, size),
                Register::Config { first } if first < 32 => u64::from(access.read_config(first)),
                _ => 0,
            },
        )
    }

    fn write(
        &self,
        accessor: Accessor,
        offset: u64,
        size: u8,
        value: u64,
    ) -> Result<(), MmioError> {
        let (vcpu, offset) = (
            (offset / GUEST_GICR_STRIDE) as usize,
            offset % GUEST_GICR_STRIDE,
        );
        if offset < FRAME {
            if (offset, size) == (0x14, 4) {
                self.vgic
                    .vcpu(vcpu)
                    .asleep
                    .store(value & (1 << 1) != 0, Relaxed);
            }
            return self.read_control(vcpu, offset, size).map(|_| ());
        }
        let access = Access {
            vgic: &self.vgic,
            backend: &self.backend,
            vcpu,
            accessor: accessor.vcpu,
        };
        match decode(Version::V3, offset - FRAME, size).map_err(|_| MmioError::Unsupported)? {
            Register::Bits { register, first: 0 } => {
                access.write_bits(register, 0, value as u32)?
            }
            Register::Priority { first } if first < 32 => access.write_priority(first, size, value),
            _ => {}
        }
        Ok(())
    }
}
