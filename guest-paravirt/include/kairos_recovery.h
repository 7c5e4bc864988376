/*
 * kairos_recovery.h - the recovery entry of the C porting kit: where Kairos restarts the vCPU
 * after a blackout (its core failed, the VM moved), and the steps to resume from there.
 *
 * Contract (PARAVIRT.md, "Recovery contract"): the vCPU restarts at the entry registered with
 * RtCheckpoint, possibly on another core, with x0 = the registered argument (the page), EL1h,
 * DAIF masked, MMU and caches as at the checkpoint, every other register unknown, RAM as the
 * failed core left it, the virtual counter continuous. kairos_recovery_entry (assembly, in
 * kairos_recovery_entry.S) masks interrupts, takes the stack given to kairos_recovery_setup,
 * turns FP/SIMD on, installs the vector table given, and calls the hook with x0. The hook then:
 *   1. kairos_supply_resync() (spans logged so far fall in this blackout);
 *   2. kairos_rt_latest(): the committed slot, the state the hypervisor predicted from;
 *   3. restores the kernel from it (time t_u, each task's jobs and next release);
 *   4. end = kairos_recovery_resume(page, t_u): the planned end of the blackout (resume_ns,
 *      waited for if it is ahead) or now;
 *   5. treats [t_u, end) as a blackout (releases and deadlines happen, nothing runs), then
 *      dispatches, commits and reports as at any event, and goes on with its loop.
 * It never returns (its old stack frames are abandoned).
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef KAIROS_RECOVERY_H
#define KAIROS_RECOVERY_H

#include <stdint.h>

#include "kairos.h"

typedef void (*kairos_recovery_hook)(uint64_t argument);

/* What the entry needs, set by kairos_recovery_setup (read by the assembly: keep the layout). */
struct kairos_recovery_state {
	uint64_t stack_top;          /* 16-byte aligned top of the stack the entry takes */
	uint64_t vectors;            /* VBAR_EL1 value to install (0: keep) */
	kairos_recovery_hook hook;   /* called with x0; must not return */
};

extern struct kairos_recovery_state kairos_recovery_state;

/* The entry itself (assembly): give its address to RtCheckpoint, never call it. */
void kairos_recovery_entry(void);

/* Sets the entry's stack, vector table and hook. Call before kairos_recovery_register(). */
void kairos_recovery_setup(void *stack_top, const void *vectors, kairos_recovery_hook hook);

/* The entry's address. */
uint64_t kairos_recovery_entry_address(void);

/* RtCheckpoint: the hypervisor restarts the vCPU at the entry with x0 = page after a blackout;
 * `generation` is the checkpoint committed now (0 if none yet). */
int64_t kairos_recovery_register(const struct kairos_rt_page *page, uint64_t generation);

/* The end of the blackout a recovery resumes from `from_ns` (the checkpoint's time): the
 * instant the hypervisor planned (page->resume_ns, waited for if still ahead), else now. */
uint64_t kairos_recovery_resume(const struct kairos_rt_page *page, uint64_t from_ns);

/* Restarts this vCPU at the entry with x0 = argument, as the hypervisor does after a
 * blackout (for self-injected faults in tests). */
void kairos_recovery_restart(uint64_t argument) __attribute__((noreturn));

#endif /* KAIROS_RECOVERY_H */
