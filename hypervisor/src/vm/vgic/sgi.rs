//! Software-generated interrupts between the vCPUs of one VM: the GICv3 ICC_SGI1R_EL1 write a
//! guest makes (trapped to EL2) and the GICv2 GICD_SGIR store, decoded to a set of target vCPUs.
//!
//! vCPU `n` has MPIDR Aff0 = n (Aff1-3 zero), so it is bit `n` of a GICv3 target list with
//! RS = 0, and bit `n` of a GICv2 CPU target list.

/// An SGI to raise: its INTID and the target vCPUs, one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SgiRequest {
    /// SGI number, 0-15.
    pub intid: u32,
    /// Bit `n` set: deliver to vCPU `n`.
    pub targets: u64,
}

fn all_vcpus(vcpus: usize) -> u64 {
    if vcpus >= 64 {
        u64::MAX
    } else {
        (1u64 << vcpus) - 1
    }
}

/// ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 written by vCPU `sender` of a VM with `vcpus`.
pub fn decode_sgi1r(value: u64, sender: usize, vcpus: usize) -> SgiRequest {
    let intid = ((value >> 24) & 0xf) as u32;
    let targets = if value & (1 << 40) != 0 {
        all_vcpus(vcpus) & !(1 << sender) // IRM: everyone but the sender
    } else {
        let affinity_above_zero = value & (0xff << 16 | 0xff << 32 | 0xff << 48) != 0;
        let range = (value >> 44) & 0xf;
        if affinity_above_zero || range * 16 >= 64 {
            0
        } else {
            ((value & 0xffff) << (range * 16)) & all_vcpus(vcpus)
        }
    };
    SgiRequest { intid, targets }
}

/// GICD_SGIR written by vCPU `sender`; `None` for the reserved target filter.
pub fn decode_sgir(value: u32, sender: usize, vcpus: usize) -> Option<SgiRequest> {
    let intid = value & 0xf;
    let targets = match (value >> 24) & 3 {
        0 => u64::from((value >> 16) & 0xff) & all_vcpus(vcpus),
        1 => all_vcpus(vcpus) & !(1 << sender),
        2 => 1 << sender,
        _ => return None,
    };
    Some(SgiRequest { intid, targets })
}

/// The SGI-generating system registers, as ESR_EL2 ISS of a trapped MSR (EC 0x18) names them:
/// Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], read [0].
pub fn is_sgi_write(iss: u32) -> bool {
    const SGI1R: u32 = 3 << 20 | 5 << 17 | 12 << 10 | 11 << 1; // S3_0_C12_C11_5, a write
    const ASGI1R: u32 = SGI1R ^ (5 << 17) ^ (6 << 17);
    const SGI0R: u32 = SGI1R ^ (5 << 17) ^ (7 << 17);
    matches!(iss & !(0x1f << 5), SGI1R | ASGI1R | SGI0R)
}

/// The general-purpose register a trapped MSR reads (31 = XZR).
pub fn transfer_register(iss: u32) -> usize {
    ((iss >> 5) & 0x1f) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gicv3_target_lists_and_broadcast() {
        let to_self = decode_sgi1r(1 << 0 | 7 << 24, 0, 2);
        assert_eq!(
            to_self,
            SgiRequest {
                intid: 7,
                targets: 0b01
            }
        );
        assert_eq!(
            decode_sgi1r(0b110 | 1 << 24, 0, 2).targets,
            0b10,
            "vCPU 2 does not exist"
        );
        assert_eq!(decode_sgi1r(1 << 40 | 2 << 24, 1, 4).targets, 0b1101);
        assert_eq!(
            decode_sgi1r(1 | 1 << 16, 0, 4).targets,
            0,
            "Aff1 = 1 names no vCPU"
        );
        assert_eq!(
            decode_sgi1r(1 | 1 << 44, 0, 32).targets,
            1 << 16,
            "RS = 1 is Aff0 16-31"
        );
    }

    #[test]
    fn gicv2_filters() {
        assert_eq!(
            decode_sgir(0x0003_0005, 0, 2),
            Some(SgiRequest {
                intid: 5,
                targets: 0b11
            })
        );
        assert_eq!(
            decode_sgir(0x00ff_0001, 0, 2).unwrap().targets,
            0b11,
            "no vCPU beyond the VM's"
        );
        assert_eq!(decode_sgir(0x0100_0002, 1, 3).unwrap().targets, 0b101);
        assert_eq!(decode_sgir(0x0200_0003, 1, 3).unwrap().targets, 0b010);
        assert_eq!(decode_sgir(0x0300_0003, 1, 3), None);
    }

    #[test]
    fn recognises_trapped_sgi_register_writes() {
        let iss = |op2: u32, crm: u32, rt: u32, read: u32| {
            3 << 20 | op2 << 17 | 12 << 10 | rt << 5 | crm << 1 | read
        };
        assert!(is_sgi_write(iss(5, 11, 3, 0)), "ICC_SGI1R_EL1");
        assert!(is_sgi_write(iss(6, 11, 0, 0)), "ICC_ASGI1R_EL1");
        assert!(is_sgi_write(iss(7, 11, 30, 0)), "ICC_SGI0R_EL1");
        assert!(!is_sgi_write(iss(5, 11, 3, 1)), "a read is not an SGI");
        assert!(!is_sgi_write(iss(1, 11, 3, 0)), "ICC_DIR_EL1");
        assert_eq!(transfer_register(iss(5, 11, 17, 0)), 17);
    }
}
