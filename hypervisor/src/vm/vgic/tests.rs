//! Host tests of the emulated distributor and redistributors against a recording fake of the
//! machine: what the guest sees, what reaches the physical GIC, what is refused.

use super::delivery::{self, Backend};
use super::distributor::Distributor;
use super::injection::tests::FakeLrs;
use super::injection::ListRegisters;
use super::list_register::{Entry, State};
use super::redistributor::Redistributors;
use super::{Version, Vgic, GUEST_GICR_STRIDE};
use crate::vm::mmio::{Accessor, EmulatedDevice, MmioError};
use std::sync::{Arc, Mutex};
use std::vec::Vec;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Call {
    Kick(usize),
    Spi {
        intid: u32,
        enabled: bool,
        core: usize,
    },
    Ppi {
        intid: u32,
        enabled: bool,
        core: usize,
    },
    Edge(u32, bool),
    Pending(u32, bool),
    Denied(&'static str, u32),
}

#[derive(Clone, Default)]
struct Fake {
    lrs: Arc<Mutex<FakeLrs>>,
    calls: Arc<Mutex<Vec<Call>>>,
}

struct SharedLrs(Arc<Mutex<FakeLrs>>);

impl ListRegisters for SharedLrs {
    fn count(&self) -> usize {
        4
    }
    fn empty(&self) -> u64 {
        self.0.lock().unwrap().empty()
    }
    fn read(&self, index: usize) -> Entry {
        self.0.lock().unwrap().read(index)
    }
    fn write(&mut self, index: usize, entry: Entry) {
        self.0.lock().unwrap().write(index, entry)
    }
    fn set_underflow_interrupt(&mut self, on: bool) {
        self.0.lock().unwrap().set_underflow_interrupt(on)
    }
}

impl Backend for Fake {
    type Lrs = SharedLrs;
    fn current_core(&self) -> usize {
        1 // vCPU 0 runs here
    }
    fn list_registers(&self) -> SharedLrs {
        SharedLrs(self.lrs.clone())
    }
    fn kick(&self, core: usize) {
        self.calls.lock().unwrap().push(Call::Kick(core));
    }
    fn sync_spi(&self, intid: u32, enabled: bool, core: usize) {
        self.calls.lock().unwrap().push(Call::Spi {
            intid,
            enabled,
            core,
        });
    }
    fn sync_ppi(&self, intid: u32, enabled: bool, core: usize) {
        self.calls.lock().unwrap().push(Call::Ppi {
            intid,
            enabled,
            core,
        });
    }
    fn set_spi_edge(&self, intid: u32, edge: bool) {
        self.calls.lock().unwrap().push(Call::Edge(intid, edge));
    }
    fn set_spi_pending(&self, intid: u32, pending: bool) {
        self.calls
            .lock()
            .unwrap()
            .push(Call::Pending(intid, pending));
    }
    fn spi_state(&self, intid: u32) -> (bool, bool) {
        (intid == 40, false)
    }
    fn denied(&self, _vm: usize, _vcpu: usize, register: &str, intid: u32) {
        let name = if register == "ISENABLER" {
            "ISENABLER"
        } else {
            "other"
        };
        self.calls.lock().unwrap().push(Call::Denied(name, intid));
    }
}

impl Fake {
    fn take(&self) -> Vec<Call> {
        core::mem::take(&mut self.calls.lock().unwrap())
    }
    fn listed(&self) -> Vec<(u32, u8)> {
        self.lrs
            .lock()
            .unwrap()
            .entries
            .iter()
            .flatten()
            .map(|e| (e.irq.intid, e.irq.source))
            .collect()
    }
}

/// A VM with vCPUs on cores 1 and 2 owning physical SPIs 40 and 66, timers at PPIs 27 and 30.
fn vm(version: Version) -> (Arc<Vgic>, Fake, Distributor<Fake>) {
    let vgic = Arc::new(Vgic::new(0, version, &[1, 2], &[40, 66], &[27, 30]));
    let fake = Fake::default();
    (vgic.clone(), fake.clone(), Distributor::new(vgic, fake))
}

const VCPU0: Accessor = Accessor {
    vm: 0,
    vcpu: 0,
    core: 1,
};
const VCPU1: Accessor = Accessor {
    vm: 0,
    vcpu: 1,
    core: 2,
};

#[test]
fn typer_shows_the_vms_lines_and_vcpus() {
    let (_, _, gicd) = vm(Version::V2);
    assert_eq!(
        gicd.read(VCPU0, 0x004, 4),
        Ok(2 | 1 << 5),
        "INTIDs up to 95: ITLinesNumber 2; 2 CPUs"
    );
    let (_, _, gicd) = vm(Version::V3);
    assert_eq!(
        gicd.read(VCPU0, 0x004, 4),
        Ok(2 | 1 << 5 | 9 << 19 | 1 << 25)
    );
    assert_eq!(
        gicd.read(VCPU0, 0x000, 4),
        Ok(0x50),
        "ARE and DS read as one"
    );
    assert_eq!(gicd.read(VCPU0, 0xffe8, 4), Ok(0x3b));
}

#[test]
fn enabling_an_owned_spi_enables_and_routes_the_physical_one_when_deliverable() {
    let (_, fake, gicd) = vm(Version::V3);
    gicd.write(VCPU0, 0x104, 4, 1 << 8).unwrap(); // ISENABLER1: INTID 40
    assert_eq!(
        fake.take(),
        [Call::Spi {
            intid: 40,
            enabled: false,
            core: 1
        }],
        "distributor still off"
    );
    assert_eq!(gicd.read(VCPU0, 0x104, 4), Ok(1 << 8));
    gicd.write(VCPU0, 0x6000 + 8 * 40, 8, 1).unwrap(); // IROUTER40: vCPU 1
    gicd.write(VCPU0, 0x000, 4, 0b10).unwrap(); // EnableGrp1
    let calls = fake.take();
    assert!(
        calls.contains(&Call::Spi {
            intid: 40,
            enabled: true,
            core: 2
        }),
        "{calls:?}"
    );
    assert!(
        calls.contains(&Call::Spi {
            intid: 66,
            enabled: false,
            core: 1
        }),
        "{calls:?}"
    );
    gicd.write(VCPU0, 0x184, 4, u32::MAX.into()).unwrap(); // ICENABLER1, unowned bits ignored
    assert_eq!(
        fake.take(),
        [Call::Spi {
            intid: 40,
            enabled: false,
            core: 2
        }]
    );
}

#[test]
fn setting_bits_of_interrupts_it_does_not_own_is_refused_and_nothing_changes() {
    let (vgic, fake, gicd) = vm(Version::V2);
    let both = (1u64 << 8) | (1 << 1); // 40 (own) and 33 (not)
    assert_eq!(gicd.write(VCPU0, 0x104, 4, both), Err(MmioError::Denied));
    assert_eq!(fake.take(), [Call::Denied("ISENABLER", 33)]);
    assert_eq!(gicd.read(VCPU0, 0x104, 4), Ok(0));
    assert_eq!(
        gicd.write(VCPU0, 0x208, 4, 1),
        Err(MmioError::Denied),
        "ISPENDR2: INTID 64"
    );
    assert_eq!(
        gicd.write(VCPU0, 0x380, 4, u32::MAX.into()),
        Ok(()),
        "ICACTIVER: RAZ/WI"
    );
    assert_eq!(
        gicd.write(VCPU0, 0x108, 4, 1 << 1),
        Err(MmioError::Denied),
        "65 is not 66"
    );
    assert_eq!(
        gicd.write(VCPU0, 0x10c, 4, 1),
        Err(MmioError::Denied),
        "beyond ITLinesNumber"
    );
    // Priorities, targets and trigger modes of other interrupts: read as zero, writes ignored.
    gicd.write(VCPU0, 0x420, 4, 0xa0a0_a0a0).unwrap(); // INTIDs 32-35
    assert_eq!(gicd.read(VCPU0, 0x420, 4), Ok(0));
    gicd.write(VCPU0, 0x428, 1, 0x47).unwrap();
    assert_eq!(gicd.read(VCPU0, 0x428, 1), Ok(0x40), "five priority bits");
    assert_eq!(vgic.virtual_irq(40, 0, 0, None).priority, 0x40);
    assert_eq!(
        gicd.read(VCPU0, 0x104, 1),
        Err(MmioError::Unsupported),
        "byte access to ISENABLER"
    );
}

#[test]
fn gicv2_targets_route_the_physical_spi_to_the_target_vcpus_core() {
    let (_, fake, gicd) = vm(Version::V2);
    gicd.write(VCPU0, 0x000, 4, 1).unwrap();
    gicd.write(VCPU0, 0x104, 4, 1 << 8).unwrap();
    fake.take();
    assert_eq!(gicd.read(VCPU0, 0x828, 1), Ok(1), "vCPU 0 by default");
    gicd.write(VCPU0, 0x828, 4, 0xff02).unwrap(); // 40 -> vCPU 1; 41 is not owned
    assert_eq!(
        fake.take(),
        [Call::Spi {
            intid: 40,
            enabled: true,
            core: 2
        }]
    );
    assert_eq!(gicd.read(VCPU0, 0x828, 4), Ok(0x02));
    assert_eq!(
        gicd.read(VCPU1, 0x800, 4),
        Ok(0x0202_0202),
        "banked: each vCPU reads itself"
    );
    gicd.write(VCPU0, 0xc08, 4, 2 << 16).unwrap(); // ICFGR2: INTID 40 edge
    assert_eq!(fake.take(), [Call::Edge(40, true)]);
    assert_eq!(gicd.read(VCPU0, 0xc08, 4), Ok(2 << 16));
    assert_eq!(
        gicd.read(VCPU0, 0x204, 4),
        Ok(1 << 8),
        "pending state of a physical SPI"
    );
}

#[test]
fn gicv2_sgis_reach_their_targets_with_their_source() {
    let (_, fake, gicd) = vm(Version::V2);
    gicd.write(VCPU0, 0x000, 4, 1).unwrap();
    gicd.write(VCPU0, 0x100, 4, 0xffff).unwrap();
    gicd.write(VCPU1, 0x100, 4, 0xffff).unwrap();
    fake.take();
    gicd.write(VCPU0, 0xf00, 4, 0x0200_0003).unwrap(); // to itself
    assert_eq!(fake.listed(), [(3, 0)]);
    gicd.write(VCPU0, 0xf00, 4, 0x0002_0005).unwrap(); // to vCPU 1, on core 2
    assert_eq!(fake.take(), [Call::Kick(2)]);
    assert_eq!(
        gicd.read(VCPU1, 0x200, 4),
        Ok(1 << 5),
        "pending, queued for vCPU 1"
    );
}

#[test]
fn a_software_interrupt_waits_while_disabled_and_comes_when_enabled() {
    let mut vgic = Vgic::new(0, Version::V3, &[1], &[], &[27]);
    vgic.claim_virtual_spi(33);
    let fake = Fake::default();
    let gicd = Distributor::new(Arc::new(vgic), fake.clone());
    gicd.write(VCPU0, 0x000, 4, 0b10).unwrap();
    gicd.write(VCPU0, 0x204, 4, 1 << 1).unwrap(); // ISPENDR1: 33
    assert!(fake.listed().is_empty());
    assert_eq!(gicd.read(VCPU0, 0x204, 4), Ok(1 << 1));
    gicd.write(VCPU0, 0x104, 4, 1 << 1).unwrap();
    assert_eq!(fake.listed(), [(33, 0)]);
}

#[test]
fn redistributors_identify_their_vcpus_and_forward_the_timer_ppi() {
    let (vgic, fake, _) = vm(Version::V3);
    let gicr = Redistributors::new(vgic.clone(), fake.clone());
    assert_eq!(gicr.read(VCPU0, 0x8, 8), Ok(0), "vCPU 0, not last");
    assert_eq!(
        gicr.read(VCPU0, GUEST_GICR_STRIDE + 0x8, 8),
        Ok(1 << 32 | 1 << 8 | 1 << 4)
    );
    assert_eq!(gicr.read(VCPU0, 0x14, 4), Ok(6), "asleep until woken");
    gicr.write(VCPU0, 0x14, 4, 0).unwrap();
    assert_eq!(gicr.read(VCPU0, 0x14, 4), Ok(0));
    let sgi_base = 0x10000;
    gicr.write(VCPU0, sgi_base + 0x100, 4, 1 << 27).unwrap();
    assert_eq!(
        fake.take(),
        [Call::Ppi {
            intid: 27,
            enabled: false,
            core: 1
        }],
        "GICD_CTLR still off"
    );
    Distributor::new(vgic.clone(), fake.clone())
        .write(VCPU0, 0x000, 4, 0b10)
        .unwrap();
    assert!(fake.take().contains(&Call::Ppi {
        intid: 27,
        enabled: true,
        core: 1
    }));
    let listed = vgic.format().decode(delivery::forward(&vgic, 0, 27));
    assert_eq!(
        (listed.irq.intid, listed.irq.hardware, listed.state),
        (27, Some(27), State::Pending)
    );
    assert_eq!(
        delivery::forward(&vgic, 1, 27),
        0,
        "vCPU 1 did not enable its timer"
    );
    gicr.write(VCPU1, sgi_base + 0x41b, 1, 0x80).unwrap(); // vCPU 1 sets vCPU 0's priority of 27
    assert_eq!(gicr.read(VCPU0, sgi_base + 0x418, 4), Ok(0x80 << 24));
}

#[test]
fn a_hardware_interrupt_listed_with_the_hw_bit_completes_through_the_guest() {
    let (vgic, fake, gicd) = vm(Version::V3);
    gicd.write(VCPU0, 0x000, 4, 0b10).unwrap();
    gicd.write(VCPU0, 0x104, 4, 1 << 8).unwrap();
    gicd.write(VCPU0, 0x428, 1, 0x30).unwrap(); // the value follows priority changes too
    let irq = vgic.format().decode(delivery::forward(&vgic, 0, 40)).irq;
    delivery::deliver(&vgic, &fake, 0, irq);
    let entry = fake.lrs.lock().unwrap().entries[0].unwrap();
    assert_eq!(
        (entry.irq.hardware, entry.state, entry.irq.group1),
        (Some(40), State::Pending, true)
    );
    assert_eq!(entry.irq.priority, 0x30);
    gicd.write(VCPU0, 0x184, 4, 1 << 8).unwrap();
    assert_eq!(
        delivery::forward(&vgic, 0, 40),
        0,
        "disabled: not forwarded"
    );
}

#[test]
fn a_reset_forgets_what_the_guest_configured_and_disables_the_physical_side() {
    let (vgic, fake, gicd) = vm(Version::V3);
    gicd.write(VCPU0, 0x000, 4, 0b10).unwrap();
    gicd.write(VCPU0, 0x104, 4, 1 << 8).unwrap();
    gicd.write(VCPU0, 0x428, 1, 0x40).unwrap();
    assert_ne!(delivery::forward(&vgic, 0, 40), 0);
    fake.take();
    vgic.reset();
    delivery::sync_all(&vgic, &fake);
    assert_eq!(delivery::forward(&vgic, 0, 40), 0);
    assert!(fake.take().contains(&Call::Spi {
        intid: 40,
        enabled: false,
        core: 1
    }));
    assert_eq!(
        (gicd.read(VCPU0, 0x104, 4), gicd.read(VCPU0, 0x428, 1)),
        (Ok(0), Ok(0))
    );
    assert_eq!(gicd.read(VCPU0, 0x000, 4), Ok(0x50));
}
