//! The values Kairos loads into AArch64 control registers, composed from named fields
//! (`aarch64-cpu`'s, and `tock-registers` bitfields below for the bits that crate does not
//! name), each checked at compile time against its architectural encoding.

use aarch64_cpu::registers::{
    CNTHCTL_EL2, CNTHP_CTL_EL2, ESR_EL2, HCR_EL2, MAIR_EL2, MPIDR_EL1, SCTLR_EL1, SCTLR_EL2,
    SPSR_EL2, TCR_EL2, VMPIDR_EL2, VTCR_EL2,
};
use tock_registers::fields::FieldValue;
use tock_registers::{register_bitfields, RegisterLongName};

register_bitfields! {u64,
    /// SCTLR_EL1 bits that are RES1 in ARMv8.0 (later features give them meanings; 1 keeps
    /// the ARMv8.0 behaviour): EOS, TSCXT, EIS, SPAN, nTLSMD, LSMAOE.
    pub SCTLR_EL1_RES1 [
        EOS OFFSET(11) NUMBITS(1) [],
        TSCXT OFFSET(20) NUMBITS(1) [],
        EIS OFFSET(22) NUMBITS(1) [],
        SPAN OFFSET(23) NUMBITS(1) [],
        NTLSMD OFFSET(28) NUMBITS(1) [],
        LSMAOE OFFSET(29) NUMBITS(1) []
    ],
    /// SCTLR_EL2 bits that are RES1 without VHE (HCR_EL2.E2H = 0).
    pub SCTLR_EL2_RES1 [
        BITS_4_5 OFFSET(4) NUMBITS(2) [],
        BIT_11 OFFSET(11) NUMBITS(1) [],
        BIT_16 OFFSET(16) NUMBITS(1) [],
        BIT_18 OFFSET(18) NUMBITS(1) [],
        BITS_22_23 OFFSET(22) NUMBITS(2) [],
        BITS_28_29 OFFSET(28) NUMBITS(2) []
    ],
    /// CPTR_EL2 without VHE (aarch64-cpu 11 names only TAM).
    pub CPTR_EL2_NVHE [
        /// Traps EL1 accesses to CPACR_EL1.
        TCPAC OFFSET(31) NUMBITS(1) [],
        /// Traps Activity Monitor accesses.
        TAM OFFSET(30) NUMBITS(1) [],
        /// Traps trace register accesses.
        TTA OFFSET(20) NUMBITS(1) [],
        /// RES1 in ARMv8.0.
        RES1_13 OFFSET(13) NUMBITS(1) [],
        /// Traps SME (RES1 without it).
        TSM OFFSET(12) NUMBITS(1) [],
        /// Traps FP/SIMD.
        TFP OFFSET(10) NUMBITS(1) [],
        /// RES1.
        RES1_9 OFFSET(9) NUMBITS(1) [],
        /// Traps SVE (RES1 without it).
        TZ OFFSET(8) NUMBITS(1) [],
        /// RES1.
        RES1_0_7 OFFSET(0) NUMBITS(8) []
    ],
    /// TCR_EL2 bits that are RES1 without VHE (aarch64-cpu 11 does not name them).
    pub TCR_EL2_RES1 [
        BIT_23 OFFSET(23) NUMBITS(1) [],
        BIT_31 OFFSET(31) NUMBITS(1) []
    ],
    /// CNTHCTL_EL2's event stream (aarch64-cpu 11 names only EL1PCEN and EL1PCTEN).
    pub CNTHCTL_EL2_EVENTS [
        /// Which counter bit's transition generates an event.
        EVNTI OFFSET(4) NUMBITS(4) [],
        /// Event stream on.
        EVNTEN OFFSET(2) NUMBITS(1) []
    ]
}

/// The bits of several field values of one register, at compile time.
const fn compose<R: RegisterLongName>(fields: &[FieldValue<u64, R>]) -> u64 {
    let mut value = 0;
    let mut index = 0;
    while index < fields.len() {
        value |= fields[index].value;
        index += 1;
    }
    value
}

/// HCR_EL2 while a guest runs: stage 2 on, set/way invalidation upgraded to clean+invalidate,
/// physical FIQ, IRQ and SError routed to EL2, WFI and SMC trapped, EL1 AArch64.
pub const HCR_GUEST: u64 = compose(&[
    HCR_EL2::VM::Enable,
    HCR_EL2::SWIO::SET,
    HCR_EL2::FMO::EnableVirtualFIQ,
    HCR_EL2::IMO::EnableVirtualIRQ,
    HCR_EL2::AMO::SET,
    HCR_EL2::TWI::SET,
    HCR_EL2::TSC::EnableTrapEl1SmcToEl2,
    HCR_EL2::RW::EL1IsAarch64,
]);
const _: () = assert!(HCR_GUEST == 0x8008_203b);

/// HCR_EL2 before any guest ran on a core: physical interrupts routed to EL2 (so EL2 takes its
/// own timer's interrupt during long work), EL1 AArch64, stage 2 off.
pub const HCR_HYPERVISOR_ONLY: u64 = compose(&[
    HCR_EL2::RW::EL1IsAarch64,
    HCR_EL2::IMO::SET,
    HCR_EL2::FMO::SET,
    HCR_EL2::AMO::SET,
]);
const _: () = assert!(HCR_HYPERVISOR_ONLY == 0x8000_0038);

/// SCTLR_EL1 of a fresh vCPU: MMU, caches and alignment checks off, little endian, the RES1
/// bits set.
pub const SCTLR_EL1_RESET: u64 = compose(&[
    SCTLR_EL1::M::Disable,
    SCTLR_EL1::A::Disable,
    SCTLR_EL1::C::NonCacheable,
    SCTLR_EL1::I::NonCacheable,
    SCTLR_EL1::EE::LittleEndian,
    SCTLR_EL1::E0E::LittleEndian,
]) | compose(&[
    SCTLR_EL1_RES1::EOS::SET,
    SCTLR_EL1_RES1::TSCXT::SET,
    SCTLR_EL1_RES1::EIS::SET,
    SCTLR_EL1_RES1::SPAN::SET,
    SCTLR_EL1_RES1::NTLSMD::SET,
    SCTLR_EL1_RES1::LSMAOE::SET,
]);
const _: () = assert!(SCTLR_EL1_RESET == 0x30d0_0800);

/// CPTR_EL2 while a guest runs: FP/SIMD free (the guest owns those registers; the hypervisor is
/// soft-float), SVE and SME trapped (their state is not saved), the RES1 bits set.
pub const CPTR_GUEST: u64 = compose(&[
    CPTR_EL2_NVHE::TFP::CLEAR,
    CPTR_EL2_NVHE::TZ::SET,
    CPTR_EL2_NVHE::TSM::SET,
    CPTR_EL2_NVHE::RES1_0_7::SET,
    CPTR_EL2_NVHE::RES1_9::SET,
    CPTR_EL2_NVHE::RES1_13::SET,
]);
const _: () = assert!(CPTR_GUEST == 0x33ff);

/// VTCR_EL2 input size: 39-bit IPA (T0SZ = 25), so that stage 2 starts at level 1.
pub const GUEST_IPA_BITS: u32 = 39;

/// VTCR_EL2 for a 39-bit IPA space, 4 KiB granule, walk starting at level 1, inner-shareable
/// write-back walks, and `physical_range` (ID_AA64MMFR0_EL1.PARange) as the output size.
pub const fn vtcr_el2(physical_range: u64) -> u64 {
    compose(&[
        VTCR_EL2::T0SZ.val(64 - GUEST_IPA_BITS as u64),
        VTCR_EL2::SL0::Granule4KBLevel1,
        VTCR_EL2::IRGN0::NormalWBRAWA,
        VTCR_EL2::ORGN0::NormalWBRAWA,
        VTCR_EL2::SH0::Inner,
        VTCR_EL2::TG0::Granule4KB,
        VTCR_EL2::PS.val(physical_range),
        VTCR_EL2::RES1::SET,
    ])
}
const _: () = assert!(vtcr_el2(2) == 0x8002_3559);

/// TCR_EL2 for an `input_bits` address space, 4 KiB granule, inner-shareable write-back walks
/// and `physical_range` as the output size.
pub const fn tcr_el2(input_bits: u32, physical_range: u64) -> u64 {
    compose(&[
        TCR_EL2::T0SZ.val(64 - input_bits as u64),
        TCR_EL2::IRGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable,
        TCR_EL2::ORGN0::WriteBack_ReadAlloc_WriteAlloc_Cacheable,
        TCR_EL2::SH0::Inner,
        TCR_EL2::TG0::KiB_4,
        TCR_EL2::PS.val(physical_range),
    ]) | compose(&[TCR_EL2_RES1::BIT_23::SET, TCR_EL2_RES1::BIT_31::SET])
}
const _: () = assert!(tcr_el2(39, 2) == 0x8082_3519);

/// MAIR_EL2: attribute 0 Device-nGnRE, 1 Normal write-back read/write-allocate, 2 Normal
/// non-cacheable (the indices the EL2 page tables use).
pub const MAIR_EL2_VALUE: u64 = compose(&[
    MAIR_EL2::Attr0_Device::nonGathering_nonReordering_EarlyWriteAck,
    MAIR_EL2::Attr1_Normal_Outer::WriteBack_NonTransient_ReadWriteAlloc,
    MAIR_EL2::Attr1_Normal_Inner::WriteBack_NonTransient_ReadWriteAlloc,
    MAIR_EL2::Attr2_Normal_Outer::NonCacheable,
    MAIR_EL2::Attr2_Normal_Inner::NonCacheable,
]);
const _: () = assert!(MAIR_EL2_VALUE == 0x44_ff04);

/// SCTLR_EL2's RES1 bits without VHE.
pub const SCTLR_EL2_RES1_BITS: u64 = compose(&[
    SCTLR_EL2_RES1::BITS_4_5::SET,
    SCTLR_EL2_RES1::BIT_11::SET,
    SCTLR_EL2_RES1::BIT_16::SET,
    SCTLR_EL2_RES1::BIT_18::SET,
    SCTLR_EL2_RES1::BITS_22_23::SET,
    SCTLR_EL2_RES1::BITS_28_29::SET,
]);
const _: () = assert!(SCTLR_EL2_RES1_BITS == 0x30c5_0830);

/// SCTLR_EL2 with translation on: MMU, data and instruction caches, stack alignment check.
pub const SCTLR_EL2_MMU_ON: u64 = SCTLR_EL2_RES1_BITS
    | compose(&[
        SCTLR_EL2::M::Enable,
        SCTLR_EL2::C::Cacheable,
        SCTLR_EL2::SA::Enable,
        SCTLR_EL2::I::Cacheable,
    ]);
const _: () = assert!(SCTLR_EL2_MMU_ON == 0x30c5_183d);

/// CNTHCTL_EL2 bits that let EL1 read the physical counter and use the physical timer.
pub const CNTHCTL_EL1_PHYSICAL_ACCESS: u64 =
    compose(&[CNTHCTL_EL2::EL1PCTEN::SET, CNTHCTL_EL2::EL1PCEN::SET]);
const _: () = assert!(CNTHCTL_EL1_PHYSICAL_ACCESS == 0b11);

/// `cnthctl` with the event stream on, an event at every transition of counter bit `bit`.
pub const fn cnthctl_with_event_stream(cnthctl: u64, bit: u64) -> u64 {
    let field = CNTHCTL_EL2_EVENTS::EVNTI;
    (cnthctl & !(field.mask << field.shift))
        | compose(&[field.val(bit & field.mask), CNTHCTL_EL2_EVENTS::EVNTEN::SET])
}
const _: () = assert!(cnthctl_with_event_stream(0xff, 3) == 0x3f);

/// CNTHP_CTL_EL2 of an armed EL2 timer (enabled, interrupt not masked).
pub const CNTHP_CTL_ARMED: u64 =
    compose(&[CNTHP_CTL_EL2::ENABLE::SET, CNTHP_CTL_EL2::IMASK::CLEAR]);
const _: () = assert!(CNTHP_CTL_ARMED == 1);

/// VMPIDR_EL2 of vCPU `vcpu`: affinity 0 = the vCPU's index, a multiprocessor system.
pub const fn vmpidr_el2(vcpu: u64) -> u64 {
    compose(&[
        VMPIDR_EL2::RES1::SET,
        VMPIDR_EL2::U::MultiprocessorSystem,
        VMPIDR_EL2::Aff0.val(vcpu & 0xff),
    ])
}
const _: () = assert!(vmpidr_el2(0x103) == (1 << 31) | 3);

/// MPIDR_EL1's affinity fields (Aff3, Aff2, Aff1, Aff0), without the flag bits.
pub const MPIDR_AFFINITY_MASK: u64 = compose(&[
    MPIDR_EL1::Aff3::SET,
    MPIDR_EL1::Aff2::SET,
    MPIDR_EL1::Aff1::SET,
    MPIDR_EL1::Aff0::SET,
]);
const _: () = assert!(MPIDR_AFFINITY_MASK == 0xff_00ff_ffff);
const _: () = assert!(MPIDR_AFFINITY_MASK == platform::MPIDR_AFFINITY_MASK);

/// SPSR for a fresh vCPU: EL1 with SP_EL1 (EL1h), D, A, I and F masked.
pub const SPSR_EL1H_MASKED: u64 = compose(&[
    SPSR_EL2::D::Masked,
    SPSR_EL2::A::Masked,
    SPSR_EL2::I::Masked,
    SPSR_EL2::F::Masked,
    SPSR_EL2::M::EL1h,
]);
const _: () = assert!(SPSR_EL1H_MASKED == 0x3c5);

/// Where ESR_EL2.EC starts.
pub const EXCEPTION_CLASS_SHIFT: usize = ESR_EL2::EC.shift;
const _: () = assert!(EXCEPTION_CLASS_SHIFT == 26);

/// ESR_EL2.EC of an HVC from AArch64.
pub const EXCEPTION_CLASS_HVC64: u64 = ESR_EL2::EC::Value::HVC64 as u64;
const _: () = assert!(EXCEPTION_CLASS_HVC64 == 0x16);

#[cfg(test)]
mod tests {
    use super::*;

    /// The formulas the hypervisor used before the fields were named, for every PARange code
    /// it can load (0 to 5).
    #[test]
    fn translation_controls_match_the_former_encoding_for_every_address_size() {
        for ps in 0..=5u64 {
            let former_vtcr =
                25 | (1 << 6) | (0b01 << 8) | (0b01 << 10) | (0b11 << 12) | (ps << 16) | (1 << 31);
            assert_eq!(vtcr_el2(ps), former_vtcr, "VTCR_EL2, PARange {ps}");
            for input_bits in [39u32, 48] {
                let t0sz = 64 - u64::from(input_bits);
                let former_tcr = t0sz
                    | (0b01 << 8)
                    | (0b01 << 10)
                    | (0b11 << 12)
                    | (ps << 16)
                    | (1 << 23)
                    | (1 << 31);
                assert_eq!(
                    tcr_el2(input_bits, ps),
                    former_tcr,
                    "TCR_EL2, {input_bits} bits"
                );
            }
        }
    }

    #[test]
    fn event_stream_keeps_the_other_cnthctl_bits_and_replaces_the_interval() {
        for bit in 0..16u64 {
            let former = |value: u64| (value & !(0xf << 4)) | ((bit & 0xf) << 4) | (1 << 2);
            for cnthctl in [0, 0b11, 0xf0, u64::MAX] {
                assert_eq!(cnthctl_with_event_stream(cnthctl, bit), former(cnthctl));
            }
        }
    }

    #[test]
    fn vcpu_affinity_keeps_only_the_low_byte() {
        for vcpu in [0u64, 1, 7, 255, 256, 0x1_0005] {
            assert_eq!(vmpidr_el2(vcpu), (1u64 << 31) | (vcpu & 0xff));
        }
    }
}
