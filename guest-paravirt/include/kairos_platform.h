/*
 * kairos_platform.h - the virtual platform a Kairos VM sees, for C guests (AArch64, EL1): where
 * its RAM, device tree, console UART and interrupt controller are, its interrupt numbers, the
 * PSCI calls it may make, and the counter and timer helpers a tick-less RTOS needs.
 *
 * Described in docs/virtual-platform.md (written from hypervisor/src/vm and crates/guest-dt);
 * guest-paravirt/tests/platform_header.rs checks these numbers against the hypervisor's own.
 * The layout is QEMU virt's, so the same image also reads it from the device tree in x0.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef KAIROS_PLATFORM_H
#define KAIROS_PLATFORM_H

#include <stdint.h>

/* Memory: RAM at this IPA by default (kairos,ipa-base), the image at RAM + 0x80000
 * (kairos,load-offset), entered at its first byte with x0 = the device tree's IPA: the base
 * of RAM when the DTB fits below the image, else the top of RAM (4 KiB aligned). */
#define KAIROS_PLATFORM_RAM_BASE       0x40000000ull
#define KAIROS_PLATFORM_LOAD_OFFSET    0x80000ull

/* The console: an emulated PL011 (every access traps; DR, FR, CR, IMSC, RIS/MIS/ICR and the ID
 * registers behave, FR always reads "TX FIFO empty"); output appears a line at a time on the
 * machine's console, prefixed "[vm-name] ". */
#define KAIROS_PLATFORM_UART_BASE      0x09000000ull
#define KAIROS_PLATFORM_UART_SIZE      0x1000ull
#define KAIROS_PLATFORM_UART_INTID     33u      /* SPI 1 */
#define KAIROS_PLATFORM_UART_DR        0x000u
#define KAIROS_PLATFORM_UART_FR        0x018u
#define KAIROS_PLATFORM_UART_FR_TXFF   (1u << 5) /* transmit FIFO full: never set here */

/* The interrupt controller: the machine's GIC version (2 or 3; the DTB's compatible says
 * which), restricted to the VM's own interrupts. The distributor (and GICv3 redistributors)
 * are emulated; the CPU interface is the hardware's virtual one (GICv3 ICC_* system registers,
 * GICv2 the GICV frame mapped at GICC). */
#define KAIROS_PLATFORM_GICD_BASE      0x08000000ull
#define KAIROS_PLATFORM_GICD_SIZE_V3   0x10000ull
#define KAIROS_PLATFORM_GICD_SIZE_V2   0x1000ull
#define KAIROS_PLATFORM_GICC_BASE      0x08010000ull /* GICv2 only */
#define KAIROS_PLATFORM_GICC_SIZE      0x2000ull
#define KAIROS_PLATFORM_GICR_BASE      0x080a0000ull /* GICv3 only */
#define KAIROS_PLATFORM_GICR_STRIDE    0x20000ull    /* per vCPU: RD_base + SGI_base */

/* The architected timer's interrupts (PPIs, as INTIDs), as in the DTB's /timer node. */
#define KAIROS_PLATFORM_TIMER_VIRT_INTID       27u /* EL1 virtual timer (PPI 11) */
#define KAIROS_PLATFORM_TIMER_PHYS_INTID       30u /* EL1 physical timer (PPI 14) */
#define KAIROS_PLATFORM_TIMER_HYP_INTID        26u /* listed, never delivered (the hypervisor's) */
#define KAIROS_PLATFORM_TIMER_SECURE_INTID     29u /* listed, never delivered */

/* PSCI 1.1, called with `smc #0` (the DTB's /psci says method = "smc"); answered by the
 * hypervisor for the calling VM only. */
#define KAIROS_PSCI_VERSION            0x84000000u
#define KAIROS_PSCI_CPU_OFF            0x84000002u
#define KAIROS_PSCI_CPU_ON_32          0x84000003u
#define KAIROS_PSCI_CPU_ON_64          0xC4000003u
#define KAIROS_PSCI_AFFINITY_INFO_32   0x84000004u
#define KAIROS_PSCI_AFFINITY_INFO_64   0xC4000004u
#define KAIROS_PSCI_SYSTEM_OFF         0x84000008u
#define KAIROS_PSCI_SYSTEM_RESET       0x84000009u
#define KAIROS_PSCI_FEATURES           0x8400000Au

#define KAIROS_NS_PER_SECOND 1000000000ull

/* Counter ticks to ns, rounded down: ticks * 10^9 / hz, as the hypervisor and the real-time
 * page compute it (exact without 128-bit division for hz < 2^34). 0 if hz is 0. */
static inline uint64_t kairos_ns_from_ticks(uint64_t hz, uint64_t ticks)
{
	if (hz == 0)
		return 0;
	return ticks / hz * KAIROS_NS_PER_SECOND + ticks % hz * KAIROS_NS_PER_SECOND / hz;
}

/* ns to counter ticks, rounded up: the first tick at which kairos_ns_from_ticks reaches ns. */
static inline uint64_t kairos_ticks_from_ns(uint64_t hz, uint64_t ns)
{
	uint64_t rest = ns % KAIROS_NS_PER_SECOND;
	return ns / KAIROS_NS_PER_SECOND * hz + (rest * hz + KAIROS_NS_PER_SECOND - 1) / KAIROS_NS_PER_SECOND;
}

#if defined(__aarch64__)

/* The virtual counter now (CNTVCT_EL0 after an ISB); CNTVOFF_EL2 is 0 on every core, so it
 * does not jump when the VM migrates. */
static inline uint64_t kairos_counter(void)
{
	uint64_t value;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(value) : : "memory");
	return value;
}

/* The counter frequency (CNTFRQ_EL0). */
static inline uint64_t kairos_counter_hz(void)
{
	uint64_t value;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(value));
	return value;
}

static inline uint64_t kairos_now_ns(void)
{
	return kairos_ns_from_ticks(kairos_counter_hz(), kairos_counter());
}

/*
 * Waits in one WFI at most for the counter to reach deadline_ns: returns on the deadline, any
 * interrupt, or the end of a span the hypervisor switched the vCPU out for (read the supply
 * log then). Arms the virtual timer with its interrupt masked (IMASK): Kairos traps WFI and
 * resumes the vCPU once an enabled timer's condition is met, so no GIC set-up is needed (a
 * guest that unmasks the timer and enables INTID 27 at the GIC gets the interrupt instead).
 * Returns 1 if the deadline has been reached (the counter is read before returning).
 */
static inline int kairos_wait_until_ns(uint64_t deadline_ns)
{
	if (deadline_ns == UINT64_MAX)
		return 0;
	uint64_t deadline = kairos_ticks_from_ns(kairos_counter_hz(), deadline_ns);
	if (kairos_counter() >= deadline)
		return 1;
	__asm__ volatile("msr cntv_cval_el0, %0\n\t"
			 "msr cntv_ctl_el0, %1\n\t"
			 "isb" : : "r"(deadline), "r"((uint64_t)3) : "memory"); /* ENABLE | IMASK */
	if (kairos_counter() < deadline)
		__asm__ volatile("wfi" ::: "memory");
	__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"((uint64_t)2) : "memory"); /* IMASK */
	return kairos_counter() >= deadline;
}

/* Sleeps until the counter reaches deadline_ns (at once if it has; never for UINT64_MAX). */
static inline void kairos_sleep_until_ns(uint64_t deadline_ns)
{
	if (deadline_ns == UINT64_MAX)
		return;
	while (!kairos_wait_until_ns(deadline_ns))
		;
}

/* A PSCI call (SMC32/SMC64 per the ID) with up to three arguments; returns w0 sign-extended. */
static inline int64_t kairos_psci(uint32_t function, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = function;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return function & 0x40000000u ? (int64_t)x0 : (int64_t)(int32_t)x0;
}

/* Powers the whole VM off (the hypervisor stops it; never returns). */
static inline void __attribute__((noreturn)) kairos_system_off(void)
{
	kairos_psci(KAIROS_PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

/* Writes one byte to the emulated PL011 (no FIFO to wait for: FR never reads full). */
static inline void kairos_uart_putc(char byte)
{
	*(volatile uint32_t *)(uintptr_t)(KAIROS_PLATFORM_UART_BASE + KAIROS_PLATFORM_UART_DR) =
		(uint8_t)byte;
}

#endif /* __aarch64__ */

#endif /* KAIROS_PLATFORM_H */
