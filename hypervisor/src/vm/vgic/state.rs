//! A VM's virtual GIC state: the SPIs it owns, the configuration its guest wrote (enables,
//! groups, priorities, trigger modes, targets) and each vCPU's banked SGIs/PPIs and pending
//! queue. Everything is atomic, so the interrupt path reads it without locks; configuration
//! writes are serialised by `config_lock`.

use super::list_register::{Format, VirtualIrq};
use super::pending_queue::PendingQueue;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed};

/// Which GIC architecture the guest sees (the same as the machine's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// GICv2: memory-mapped CPU interface, banked distributor registers for SGIs/PPIs.
    V2,
    /// GICv3: system-register CPU interface, affinity routing, redistributors.
    V3,
}

/// Configuration of 32 consecutive interrupts.
pub struct Bank {
    /// Enable bits.
    pub enabled: AtomicU32,
    /// Group 1 bits.
    pub group1: AtomicU32,
    /// Edge-triggered bits (else level-sensitive).
    pub edge: AtomicU32,
    /// Pending but not deliverable (disabled, or its group disabled): held until it is.
    pub latched: AtomicU32,
    /// Priorities, top 5 bits kept.
    pub priority: [AtomicU8; 32],
    /// For interrupts backed by a physical one: the list-register value that delivers it
    /// (HW bit, pending), kept current by `delivery::sync`; 0 while it is not deliverable.
    pub list_register: [AtomicU64; 32],
}

impl Bank {
    fn reset(&self, group1: bool) {
        self.enabled.store(0, Relaxed);
        self.group1
            .store(if group1 { u32::MAX } else { 0 }, Relaxed);
        self.edge.store(0, Relaxed);
        self.latched.store(0, Relaxed);
        self.priority
            .iter()
            .for_each(|priority| priority.store(0, Relaxed));
        self.list_register
            .iter()
            .for_each(|value| value.store(0, Relaxed));
    }

    fn new(group1: bool) -> Bank {
        Bank {
            enabled: AtomicU32::new(0),
            group1: AtomicU32::new(if group1 { u32::MAX } else { 0 }),
            edge: AtomicU32::new(0),
            latched: AtomicU32::new(0),
            priority: [const { AtomicU8::new(0) }; 32],
            list_register: [const { AtomicU64::new(0) }; 32],
        }
    }
}

/// One vCPU's part of the virtual GIC.
pub struct VcpuState {
    /// Its SGIs and PPIs.
    pub bank: Bank,
    /// Interrupts waiting for one of its list registers.
    pub queue: spin::Mutex<PendingQueue>,
    /// GICR_WAKER.ProcessorSleep (GICv3).
    pub asleep: AtomicBool,
}

/// Most SPIs a VM may own (INTIDs 32-1019).
pub(super) const MAX_INTID: u32 = 1019;
/// Target value meaning "no vCPU".
pub const NO_TARGET: usize = usize::MAX;

/// One VM's virtual GIC.
pub struct Vgic {
    /// Index of the VM.
    pub vm: usize,
    /// The architecture the guest sees.
    pub version: Version,
    cores: Vec<core::sync::atomic::AtomicUsize>,
    owned: [u32; 32],
    hardware: [u32; 32],
    forwarded_ppis: u32,
    words: usize,
    ctlr: AtomicU32,
    spis: Vec<Bank>,
    routes: Vec<AtomicU64>,
    vcpus: Vec<VcpuState>,
    /// Serialises configuration writes and the physical changes they cause.
    pub config_lock: spin::Mutex<()>,
}

fn set(bitmap: &mut [u32; 32], intid: u32) {
    bitmap[(intid / 32) as usize] |= 1 << (intid % 32);
}

impl Vgic {
    /// The virtual GIC of VM `vm` whose vCPU `n` runs on physical core `cores[n]`, owning the
    /// physical SPIs `spis` (each forwarded to it) and the physical PPIs `forwarded_ppis` of
    /// its cores (the guest timers).
    pub fn new(
        vm: usize,
        version: Version,
        cores: &[usize],
        spis: &[u32],
        forwarded_ppis: &[u32],
    ) -> Vgic {
        let (mut owned, mut hardware) = ([0; 32], [0; 32]);
        for &intid in spis.iter().filter(|&&i| (32..=MAX_INTID).contains(&i)) {
            set(&mut owned, intid);
            set(&mut hardware, intid);
        }
        let highest = spis
            .iter()
            .copied()
            .filter(|&i| i <= MAX_INTID)
            .max()
            .unwrap_or(0);
        let words = (highest / 32 + 1) as usize;
        let group1 = version == Version::V3;
        let queue_capacity = 32 + 16 * cores.len() + spis.len();
        Vgic {
            vm,
            version,
            cores: cores
                .iter()
                .map(|&c| core::sync::atomic::AtomicUsize::new(c))
                .collect(),
            owned,
            hardware,
            forwarded_ppis: forwarded_ppis
                .iter()
                .filter(|&&i| (16..32).contains(&i))
                .map(|i| 1 << i)
                .sum(),
            words,
            ctlr: AtomicU32::new(0),
            spis: (1..words).map(|_| Bank::new(group1)).collect(),
            routes: (32..words * 32)
                .map(|_| AtomicU64::new(if version == Version::V2 { 1 } else { 0 }))
                .collect(),
            vcpus: cores
                .iter()
                .map(|_| VcpuState {
                    bank: Bank::new(group1),
                    queue: spin::Mutex::new(PendingQueue::with_capacity(queue_capacity)),
                    asleep: AtomicBool::new(true),
                })
                .collect(),
            config_lock: spin::Mutex::new(()),
        }
    }

    /// The list-register layout of the hardware behind this virtual GIC.
    pub fn format(&self) -> Format {
        match self.version {
            Version::V2 => Format::V2,
            Version::V3 => Format::V3,
        }
    }

    /// Moves vCPU `vcpu` to physical core `core` (migration); the caller re-syncs the physical
    /// interrupt configuration there.
    pub fn move_vcpu(&self, vcpu: usize, core: usize) {
        self.cores[vcpu].store(core, Relaxed);
    }

    /// Puts what the guest configured back to its reset values (a VM restart); the caller
    /// then brings the physical GIC in line (`delivery::sync_all`).
    pub fn reset(&self) {
        let group1 = self.version == Version::V3;
        self.ctlr.store(0, Relaxed);
        self.spis
            .iter()
            .chain(self.vcpus.iter().map(|vcpu| &vcpu.bank))
            .for_each(|bank| bank.reset(group1));
        self.routes
            .iter()
            .for_each(|route| route.store(u64::from(self.version == Version::V2), Relaxed));
        for vcpu in &self.vcpus {
            vcpu.queue.lock().clear();
            vcpu.asleep.store(true, Relaxed);
        }
    }

    /// Number of vCPUs.
    pub fn vcpu_count(&self) -> usize {
        self.cores.len()
    }

    /// The physical core of vCPU `vcpu`.
    pub fn core_of(&self, vcpu: usize) -> usize {
        self.cores[vcpu].load(Relaxed)
    }

    /// The vCPU placed on physical core `core`.
    pub fn vcpu_on(&self, core: usize) -> Option<usize> {
        self.cores.iter().position(|c| c.load(Relaxed) == core)
    }

    /// vCPU `vcpu`'s state.
    pub fn vcpu(&self, vcpu: usize) -> &VcpuState {
        &self.vcpus[vcpu]
    }

    /// Number of INTIDs the distributor shows (32 per word, SGIs and PPIs included).
    pub fn lines(&self) -> u32 {
        self.words as u32 * 32
    }

    /// Bits of distributor word `word` (INTIDs 32·word ..) this VM owns; SGIs/PPIs are all its own.
    pub fn owned_mask(&self, word: usize) -> u32 {
        if word == 0 {
            u32::MAX
        } else {
            self.owned.get(word).copied().unwrap_or(0)
        }
    }

    /// True for the VM's SGIs/PPIs and the SPIs it owns.
    pub fn owns(&self, intid: u32) -> bool {
        intid <= MAX_INTID && self.owned_mask((intid / 32) as usize) & (1 << (intid % 32)) != 0
    }

    /// True for an owned SPI backed by the physical SPI of the same number.
    pub fn is_hardware(&self, intid: u32) -> bool {
        (32..=MAX_INTID).contains(&intid)
            && self.hardware[(intid / 32) as usize] & (1 << (intid % 32)) != 0
    }

    /// True for a physical PPI forwarded to the vCPU of its core (the guest's timers).
    pub fn is_forwarded_ppi(&self, intid: u32) -> bool {
        intid < 32 && self.forwarded_ppis & (1 << intid) != 0
    }

    /// Makes `intid` an SPI of the VM with no physical line behind it (an emulated device's).
    pub fn claim_virtual_spi(&mut self, intid: u32) {
        if (32..=MAX_INTID).contains(&intid) && !self.owns(intid) {
            set(&mut self.owned, intid);
            let words = (intid / 32 + 1) as usize;
            let group1 = self.version == Version::V3;
            while self.words < words {
                self.spis.push(Bank::new(group1));
                (0..32).for_each(|_| {
                    self.routes
                        .push(AtomicU64::new(u64::from(self.version == Version::V2)))
                });
                self.words += 1;
            }
        }
    }

    /// The configuration bank holding `intid` (for SGIs/PPIs, vCPU `vcpu`'s), if shown.
    pub fn bank(&self, intid: u32, vcpu: usize) -> Option<&Bank> {
        match (intid / 32) as usize {
            0 => self.vcpus.get(vcpu).map(|state| &state.bank),
            word => self.spis.get(word - 1),
        }
    }

    /// GICD_CTLR group enable bits (bit 0: group 0, bit 1: group 1).
    pub fn ctlr(&self) -> u32 {
        self.ctlr.load(Relaxed)
    }

    /// Sets GICD_CTLR's group enables.
    pub fn set_ctlr(&self, value: u32) {
        self.ctlr.store(value & 0b11, Relaxed);
    }

    /// The raw route of SPI `intid`: GICv2 target byte, GICv3 IROUTER affinity.
    pub fn route(&self, intid: u32) -> u64 {
        self.routes
            .get((intid as usize).wrapping_sub(32))
            .map_or(0, |r| r.load(Relaxed))
    }

    /// Stores the raw route of SPI `intid`.
    pub fn set_route(&self, intid: u32, value: u64) {
        if let Some(route) = self.routes.get((intid as usize).wrapping_sub(32)) {
            route.store(value, Relaxed);
        }
    }

    /// The vCPU SPI `intid` is routed to (lowest target on GICv2, Aff0 on GICv3), if valid.
    pub fn target(&self, intid: u32) -> Option<usize> {
        let route = self.route(intid);
        let vcpu = match self.version {
            Version::V2 if route & 0xff != 0 => route.trailing_zeros() as usize,
            Version::V3 if route & 0xff_00ff_ff00 == 0 => (route & 0xff) as usize,
            _ => NO_TARGET,
        };
        (vcpu < self.vcpu_count()).then_some(vcpu)
    }

    /// True when `intid` may be signalled to vCPU `vcpu`: enabled, its group enabled.
    #[inline]
    pub fn deliverable(&self, intid: u32, vcpu: usize) -> bool {
        let Some(bank) = self.bank(intid, vcpu) else {
            return false;
        };
        let bit = 1 << (intid % 32);
        let group = if bank.group1.load(Relaxed) & bit != 0 {
            0b10
        } else {
            0b01
        };
        bank.enabled.load(Relaxed) & bit != 0 && self.ctlr() & group != 0
    }

    /// The list-register form of `intid` for vCPU `vcpu` with its current configuration.
    pub fn virtual_irq(
        &self,
        intid: u32,
        vcpu: usize,
        source: u8,
        hardware: Option<u32>,
    ) -> VirtualIrq {
        let (priority, group1) = match self.bank(intid, vcpu) {
            Some(bank) => (
                bank.priority[(intid % 32) as usize].load(Relaxed),
                bank.group1.load(Relaxed) & (1 << (intid % 32)) != 0,
            ),
            None => (0xf8, false),
        };
        VirtualIrq {
            intid,
            source,
            priority,
            group1,
            hardware,
        }
    }
}
