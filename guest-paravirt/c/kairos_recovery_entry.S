/*
 * kairos_recovery_entry.S - the recovery entry of the C porting kit (kairos_recovery.h): the
 * first instructions a vCPU runs after a blackout. Needs no stack and no register but x0.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
	.pushsection .text.kairos_recovery_entry, "ax"
	.balign 8
	.global kairos_recovery_entry
	.type kairos_recovery_entry, %function
kairos_recovery_entry:
	msr	daifset, #0xf			/* no interrupt until the kernel is back */
	msr	spsel, #1			/* run on SP_EL1 */
	mov	x19, x0				/* the checkpoint argument */
	adrp	x20, kairos_recovery_state
	add	x20, x20, :lo12:kairos_recovery_state
	ldr	x1, [x20]			/* stack_top */
	cbz	x1, 2f
	mov	sp, x1				/* a fresh stack: the old frames are abandoned */
	mov	x1, #(3 << 20)			/* CPACR_EL1.FPEN: FP/SIMD on */
	msr	cpacr_el1, x1
	isb
	ldr	x1, [x20, #8]			/* vectors */
	cbz	x1, 1f
	msr	vbar_el1, x1
	isb
1:	ldr	x1, [x20, #16]			/* hook */
	cbz	x1, 2f
	mov	x0, x19
	blr	x1
2:	wfi					/* no stack or hook: nothing to resume */
	b	2b
	.size kairos_recovery_entry, . - kairos_recovery_entry
	.popsection
