//! Emulated MMIO: devices a VM sees but does not own (its console UART, the GIC distributor),
//! reached through stage-2 faults on addresses left unmapped for them.

use crate::mm::AddressRange;

/// Why an emulated access failed; the guest then gets the VM's on-fault treatment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmioError {
    /// No register at this offset, or not with this width.
    Unsupported,
    /// The guest may not touch this register (for example, an interrupt it does not own).
    Denied,
}

/// The vCPU making an access, as a device sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accessor {
    /// Index of the VM.
    pub vm: usize,
    /// Index of the vCPU in its VM.
    pub vcpu: usize,
    /// Physical core it runs on.
    pub core: usize,
}

/// A device emulated by the hypervisor at a guest-physical range.
pub trait EmulatedDevice: Send + Sync {
    /// Short name for traces.
    fn name(&self) -> &str;
    /// Guest-physical range it occupies.
    fn range(&self) -> AddressRange;
    /// A load of `size` bytes at `offset` into the range.
    fn read(&self, accessor: Accessor, offset: u64, size: u8) -> Result<u64, MmioError>;
    /// A store of `size` bytes at `offset` into the range.
    fn write(&self, accessor: Accessor, offset: u64, size: u8, value: u64)
        -> Result<(), MmioError>;
}

/// A device shared with another part of the hypervisor (the console UART, which console input
/// reaches too; the vGIC's distributor, which the hot trap path reaches directly) is emulated
/// through its `Arc`.
impl<T: EmulatedDevice> EmulatedDevice for alloc::sync::Arc<T> {
    fn name(&self) -> &str {
        T::name(self)
    }
    fn range(&self) -> AddressRange {
        T::range(self)
    }
    fn read(&self, accessor: Accessor, offset: u64, size: u8) -> Result<u64, MmioError> {
        T::read(self, accessor, offset, size)
    }
    fn write(
        &self,
        accessor: Accessor,
        offset: u64,
        size: u8,
        value: u64,
    ) -> Result<(), MmioError> {
        T::write(self, accessor, offset, size, value)
    }
}

/// A VM's emulated devices with their ranges beside them, so that finding the one a fault
/// hit compares addresses without calling into each device.
#[derive(Default)]
pub struct Devices {
    ranges: alloc::vec::Vec<AddressRange>,
    devices: alloc::vec::Vec<alloc::boxed::Box<dyn EmulatedDevice>>,
}

impl Devices {
    /// The table of `devices`.
    pub fn new(devices: alloc::vec::Vec<alloc::boxed::Box<dyn EmulatedDevice>>) -> Self {
        let ranges = devices.iter().map(|device| device.range()).collect();
        Devices { ranges, devices }
    }

    /// The device covering `ipa`, and the offset into it.
    pub fn find(&self, ipa: u64) -> Option<(&dyn EmulatedDevice, u64)> {
        let index = self.ranges.iter().position(|range| range.contains(ipa))?;
        Some((self.devices[index].as_ref(), ipa - self.ranges[index].base))
    }
}

/// Narrows a loaded value to what the guest's register receives (sign extension and width).
#[inline(always)]
pub fn load_value(raw: u64, size: u8, sign_extend: bool, sixty_four: bool) -> u64 {
    let bits = u32::from(size) * 8;
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut value = raw & mask;
    if sign_extend && bits < 64 && value & (1 << (bits - 1)) != 0 {
        value |= !mask;
    }
    if !sixty_four {
        value &= 0xffff_ffff;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;

    struct Register(AddressRange);
    impl EmulatedDevice for Register {
        fn name(&self) -> &str {
            "register"
        }
        fn range(&self) -> AddressRange {
            self.0
        }
        fn read(&self, _: Accessor, offset: u64, _: u8) -> Result<u64, MmioError> {
            Ok(offset)
        }
        fn write(&self, _: Accessor, _: u64, _: u8, _: u64) -> Result<(), MmioError> {
            Err(MmioError::Denied)
        }
    }

    #[test]
    fn finds_the_device_and_offset() {
        let devices = Devices::new(alloc::vec![Box::new(Register(AddressRange::new(
            0x0900_0000,
            0x1000
        )))]);
        let (device, offset) = devices.find(0x0900_0018).unwrap();
        assert_eq!(device.name(), "register");
        assert_eq!(offset, 0x18);
        assert!(devices.find(0x0900_1000).is_none());
        assert!(devices.find(0x08ff_ffff).is_none());
    }

    #[test]
    fn narrows_loads() {
        assert_eq!(load_value(0x1_80, 1, false, true), 0x80);
        assert_eq!(load_value(0x80, 1, true, true), 0xffff_ffff_ffff_ff80);
        assert_eq!(load_value(0x80, 1, true, false), 0xffff_ff80);
        assert_eq!(load_value(u64::MAX, 8, false, true), u64::MAX);
    }
}
