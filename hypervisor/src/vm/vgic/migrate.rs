//! Moving a vCPU's virtual GIC to another physical core (VM migration): its forwarded PPIs (the
//! guest timers) and the SPIs routed to it follow it, configured as the guest left them.

use super::delivery;
use super::hardware::Hardware;
use crate::vm::Vm;

/// On the target core: re-targets vCPU `vcpu` of `vm` to `core` (this core) and applies the
/// vCPU's interrupt configuration to the physical GIC here.
pub fn move_vcpu(vm: &Vm, vcpu: usize, core: usize) {
    let Some(vgic) = super::of(vm.id) else { return };
    let _config = vgic.config_lock.lock();
    vgic.move_vcpu(vcpu, core);
    for intid in 16..32 {
        delivery::sync(vgic, &Hardware, intid, vcpu);
    }
    for &intid in &vm.config.interrupts {
        if vgic.target(intid) == Some(vcpu) {
            delivery::sync(vgic, &Hardware, intid, vcpu);
        }
    }
}
