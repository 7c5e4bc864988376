/*
 * start.S - rtos-c's boot code: the arm64 Image header, the entry (stack, FP/SIMD, .bss), and
 * the exception vectors (every exception is unexpected: report and power off).
 *
 * Entered at the first byte at EL1, MMU off, x0 = the device tree's IPA (Kairos passes it;
 * see docs/virtual-platform.md). One vCPU: the guest runs on vCPU 0's stack only.
 */
	.pushsection .text.boot, "ax"
	.global _start
_start:
	b	1f				/* code0: branch over the header */
	.word	0				/* code1 */
	.quad	0x80000				/* text_offset: RAM base + 512 KiB */
	.quad	__image_size			/* image_size, up to the end of the stack */
	.quad	0xa				/* flags: LE, 4 KiB pages, placement anywhere */
	.quad	0, 0, 0				/* res2-res4 */
	.word	0x644d5241			/* magic "ARM\x64" */
	.word	0				/* res5 */

1:	msr	daifset, #0xf			/* interrupts stay masked: the RTOS is tick-less */
	msr	spsel, #1
	mov	x19, x0				/* the device tree */
	adr	x1, _start			/* linked to run where it is loaded (MMU off) */
	ldr	x2, =_start
	cmp	x1, x2
	b.ne	.Lpark
	adrp	x1, __stack_top
	add	x1, x1, :lo12:__stack_top
	mov	sp, x1
	mov	x1, #(3 << 20)			/* CPACR_EL1.FPEN: the analysis library uses FP/SIMD */
	msr	cpacr_el1, x1
	isb
	adrp	x1, guest_vectors
	add	x1, x1, :lo12:guest_vectors
	msr	vbar_el1, x1
	isb
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
2:	cmp	x1, x2
	b.hs	3f
	stp	xzr, xzr, [x1], #16
	b	2b
3:	mov	x0, x19
	bl	guest_main
.Lpark:
	wfi
	b	.Lpark
	.ltorg
	.popsection

	/* 16 vectors, each passing its index to guest_exception with ESR, ELR and FAR. */
	.pushsection .text.vectors, "ax"
	.balign 0x800
	.global guest_vectors
guest_vectors:
	.irp	index, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.balign 0x80
	mov	x0, #\index
	b	.Lexception
	.endr
.Lexception:
	adrp	x1, __stack_top			/* a fresh stack: the old one may be the problem */
	add	x1, x1, :lo12:__stack_top
	mov	sp, x1
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	bl	guest_exception
	b	.Lpark
	.popsection
