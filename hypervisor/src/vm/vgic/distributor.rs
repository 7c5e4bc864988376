//! The emulated distributor a VM sees at its GICD address: only its own SPIs (plus its SGIs and
//! PPIs) exist; GICD_TYPER says as many lines as its highest SPI needs and as many CPUs as it
//! has vCPUs. GICv2 guests also raise SGIs here (GICD_SGIR).

use super::delivery::{self, Backend};
use super::interrupt_registers::Access;
use super::registers::{decode, Register};
use super::sgi;
use super::state::{Version, Vgic};
use super::{GUEST_GICD, GUEST_GICD_SIZE, IIDR};
use crate::mm::AddressRange;
use crate::vm::mmio::{Accessor, EmulatedDevice, MmioError};
use alloc::sync::Arc;

/// GICD_CTLR bits that read as one on GICv3: ARE (affinity routing) and DS (one security state).
const CTLR_V3_FIXED: u32 = (1 << 4) | (1 << 6);
/// IROUTER bits kept: Aff3, Aff2, Aff1, Aff0 (no 1-of-N routing: GICD_TYPER.No1N is set).
const ROUTE_MASK: u64 = 0xff_00ff_ffff;

/// A VM's GICD.
pub struct Distributor<B: Backend> {
    vgic: Arc<Vgic>,
    backend: B,
    type_register: u32,
}

impl<B: Backend> Distributor<B> {
    /// The distributor of `vgic`, acting on the machine through `backend`.
    pub fn new(vgic: Arc<Vgic>, backend: B) -> Self {
        let type_register = type_register(&vgic);
        Distributor {
            vgic,
            backend,
            type_register,
        }
    }

    fn access(&self, accessor: Accessor) -> Access<'_, B> {
        Access {
            vgic: &self.vgic,
            backend: &self.backend,
            vcpu: accessor.vcpu,
            accessor: accessor.vcpu,
        }
    }

    /// True for the registers of INTIDs 0-31, which GICv3 moves to the redistributors.
    fn redistributor_owned(&self, first: u32) -> bool {
        self.vgic.version == Version::V3 && first < 32
    }

    fn all_vcpus(&self) -> u64 {
        (1u64 << self.vgic.vcpu_count().min(8)) - 1
    }
}

/// GICD_TYPER: ITLinesNumber for the VM's highest SPI, CPUNumber for its vCPUs; on GICv3
/// also 10 INTID bits and No1N.
fn type_register(vgic: &Vgic) -> u32 {
    let lines = vgic.lines() / 32 - 1;
    let cpus = (vgic.vcpu_count() as u32 - 1).min(7) << 5;
    match vgic.version {
        Version::V2 => lines | cpus,
        Version::V3 => lines | cpus | (9 << 19) | (1 << 25),
    }
}

impl<B: Backend> EmulatedDevice for Distributor<B> {
    fn name(&self) -> &str {
        "gicd"
    }

    fn range(&self) -> AddressRange {
        AddressRange::new(GUEST_GICD, GUEST_GICD_SIZE)
    }

    #[inline]
    fn read(&self, accessor: Accessor, offset: u64, size: u8) -> Result<u64, MmioError> {
        if (offset, size) == (0x004, 4) {
            return Ok(u64::from(self.type_register)); // read by every driver: the short way
        }
        self.read_register(accessor, offset, size)
    }

    fn write(
        &self,
        accessor: Accessor,
        offset: u64,
        size: u8,
        value: u64,
    ) -> Result<(), MmioError> {
        self.write_register(accessor, offset, size, value)
    }
}

impl<B: Backend> Distributor<B> {
    /// A read of any register but GICD_TYPER.
    #[inline(never)]
    fn read_register(&self, accessor: Accessor, offset: u64, size: u8) -> Result<u64, MmioError> {
        let vgic = &self.vgic;
        let access = self.access(accessor);
        let value = match decode(vgic.version, offset, size).map_err(|_| MmioError::Unsupported)? {
            Register::Control if vgic.version == Version::V3 => u64::from(vgic.ctlr() | CTLR_V3_FIXED),
            Register::Control => u64::from(vgic.ctlr()),
            Register::Type => u64::from(self.type_register),
            Register::Implementer => u64::from(IIDR),
            Register::Bits { first, .. } | Register::Priority { first } | Register::Config { first }
                if self.redistributor_owned(first) =>
            {
                0
            }
            Register::Bits { register, first } => u64::from(access.read_bits(register, first)),
            Register::Priority { first } => access.read_priority(first, size),
            Register::Config { first } => u64::from(access.read_config(first)),
            Register::Targets { first } => (0..u32::from(size))
                .map(|i| first + i)
                .map(|intid| match intid {
                    0..=31 => 1u64 << accessor.vcpu,
                    _ if vgic.owns(intid) => vgic.route(intid) & self.all_vcpus(),
                    _ => 0,
                } << (8 * (intid - first)))
                .sum(),
            Register::Route { intid, high } if vgic.owns(intid) && intid >= 32 => {
                let route = vgic.route(intid);
                if high {
                    route >> 32
                } else if size == 4 {
                    route & 0xffff_ffff
                } else {
                    route
                }
            }
            Register::PeripheralId2 if vgic.version == Version::V3 => 0x3b,
            Register::PeripheralId2 => 0x2b,
            _ => 0,
        };
        Ok(value)
    }

    /// A write of any register.
    #[inline(never)]
    fn write_register(
        &self,
        accessor: Accessor,
        offset: u64,
        size: u8,
        value: u64,
    ) -> Result<(), MmioError> {
        let vgic = &self.vgic;
        let access = self.access(accessor);
        match decode(vgic.version, offset, size).map_err(|_| MmioError::Unsupported)? {
            Register::Control => {
                let _config = vgic.config_lock.lock();
                vgic.set_ctlr(value as u32);
                delivery::sync_all(vgic, &self.backend);
            }
            Register::Bits { first, .. }
            | Register::Priority { first }
            | Register::Config { first }
                if self.redistributor_owned(first) => {}
            Register::Bits { register, first } => {
                access.write_bits(register, first, value as u32)?
            }
            Register::Priority { first } => access.write_priority(first, size, value),
            Register::Config { first } => access.write_config(first, value as u32),
            Register::Targets { first } => {
                let _config = vgic.config_lock.lock();
                for intid in (first..first + u32::from(size)).filter(|&i| i >= 32 && vgic.owns(i)) {
                    let byte = (value >> (8 * (intid - first))) & self.all_vcpus();
                    vgic.set_route(intid, byte);
                    delivery::sync(vgic, &self.backend, intid, 0);
                }
            }
            Register::Route { intid, high } if vgic.owns(intid) && intid >= 32 => {
                let old = vgic.route(intid);
                let new = match (size, high) {
                    (8, _) => value,
                    (_, true) => (old & 0xffff_ffff) | (value << 32),
                    (_, false) => (old & !0xffff_ffff) | (value & 0xffff_ffff),
                };
                let _config = vgic.config_lock.lock();
                vgic.set_route(intid, new & ROUTE_MASK);
                delivery::sync(vgic, &self.backend, intid, 0);
            }
            Register::SoftwareInterrupt => {
                let Some(request) =
                    sgi::decode_sgir(value as u32, accessor.vcpu, vgic.vcpu_count())
                else {
                    return Ok(());
                };
                raise_sgi(vgic, &self.backend, request, accessor.vcpu);
            }
            _ => {}
        }
        Ok(())
    }
}

/// Raises SGI `request.intid` from vCPU `sender` on every target vCPU.
pub fn raise_sgi<B: Backend>(vgic: &Vgic, backend: &B, request: sgi::SgiRequest, sender: usize) {
    let source = if vgic.version == Version::V2 {
        sender as u8
    } else {
        0
    };
    let mut targets = request.targets;
    while targets != 0 {
        let vcpu = targets.trailing_zeros() as usize;
        targets &= targets - 1;
        delivery::raise(vgic, backend, request.intid, vcpu, source);
    }
}
