/*
 * kairos_recovery.c - setting up and leaving through the recovery entry (kairos_recovery.h).
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include "kairos_recovery.h"
#include "kairos_platform.h"

struct kairos_recovery_state kairos_recovery_state;

_Static_assert(sizeof(struct kairos_recovery_state) == 24, "read by kairos_recovery_entry.S");

void kairos_recovery_setup(void *stack_top, const void *vectors, kairos_recovery_hook hook)
{
	kairos_recovery_state.stack_top = (uint64_t)(uintptr_t)stack_top & ~(uint64_t)15;
	kairos_recovery_state.vectors = (uint64_t)(uintptr_t)vectors;
	kairos_recovery_state.hook = hook;
	kairos_dmb();
}

uint64_t kairos_recovery_entry_address(void)
{
	return (uint64_t)(uintptr_t)&kairos_recovery_entry;
}

int64_t kairos_recovery_register(const struct kairos_rt_page *page, uint64_t generation)
{
	return kairos_rt_checkpoint(kairos_recovery_entry_address(), (uint64_t)(uintptr_t)page,
				    generation);
}

uint64_t kairos_recovery_resume(const struct kairos_rt_page *page, uint64_t from_ns)
{
	/* Written by the hypervisor while the vCPU was stopped: one volatile load sees it whole. */
	uint64_t planned = *(const volatile uint64_t *)&page->resume_ns;
	uint64_t now = kairos_now_ns();
	uint64_t end = planned > from_ns ? planned : now;
	kairos_sleep_until_ns(end);
	return end;
}

void kairos_recovery_restart(uint64_t argument)
{
	register uint64_t x0 __asm__("x0") = argument;
	__asm__ volatile("br %1" : : "r"(x0), "r"(kairos_recovery_entry_address()) : "memory");
	__builtin_unreachable();
}
