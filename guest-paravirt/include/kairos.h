/*
 * kairos.h - the Kairos hypercall ABI for C guests (AArch64, EL1): function IDs, error codes,
 * the real-time page shared with the hypervisor, inline wrappers for every call, and the
 * page's commit protocol (writing a checkpoint, reading the committed one).
 *
 * The rest of the porting kit builds on it: kairos_platform.h (the virtual platform: addresses,
 * interrupts, counter, PSCI), kairos_supply.h (the supply log), kairos_recovery.h (the recovery
 * entry), and crates/rt-analysis-c/include/kairos_analysis.h (the slack analysis library).
 * The constants and layouts are plain C and also compile for the host (tools, tests); the
 * calls exist on AArch64 only.
 *
 * The same ABI as the Rust crate `hypercall-abi` (crates/hypercall-abi/src/{function,error,
 * rt_page}.rs); guest-paravirt/tests/c_header.rs compiles this header with
 * `aarch64-linux-gnu-gcc -ffreestanding -nostdlib -c` and checks every number against the Rust
 * definitions. How to paravirtualize an RTOS with it: guest-paravirt/PARAVIRT.md.
 *
 * Calls follow the SMC Calling Convention: `hvc #0`, function ID in x0, arguments in x1..x6;
 * x0 returns a status (>= 0 success, < 0 a KAIROS_E_* code), x1..x3 the results; x4..x17 are
 * clobbered. Times are nanoseconds of the virtual counter: ticks * 1000000000 / CNTFRQ_EL0,
 * rounded down.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef KAIROS_H
#define KAIROS_H

#include <stddef.h>
#include <stdint.h>

/* ABI version returned by KAIROS_HVC_VERSION. */
#define KAIROS_ABI_MAJOR 0
#define KAIROS_ABI_MINOR 3

/* Function IDs: SMCCC fast SMC64 calls, vendor-specific hypervisor service (entity 6). */
#define KAIROS_HVC_VERSION          0xC6000000u /* -> [major, minor, 0] */
#define KAIROS_HVC_CONSOLE_WRITE    0xC6000001u /* x1 = address, x2 = length (<= 256) */
#define KAIROS_HVC_CONSOLE_PUTC     0xC6000002u /* x1 = byte */
#define KAIROS_HVC_WHO_AM_I         0xC6000003u /* -> [vm, vcpu, physical core] */
#define KAIROS_HVC_CLOCK            0xC6000004u /* -> [counter Hz, counter now, 0] */
#define KAIROS_HVC_RT_REGISTER      0xC6000010u /* x1 = real-time page IPA -> [tasks, page version, 0] */
#define KAIROS_HVC_RT_REPORT        0xC6000011u /* x1 = A ns, x2 = t_u ns, x3 = sequence, x4 = generation */
#define KAIROS_HVC_RT_CHECKPOINT    0xC6000012u /* x1 = recovery entry IPA, x2 = its x0, x3 = generation */
#define KAIROS_HVC_RT_DEADLINE_MISS 0xC6000013u /* x1 = task, x2 = release ns, x3 = job -> [total, 0, 0] */

/* Status codes (negative x0). */
#define KAIROS_E_NOT_SUPPORTED     (-1)
#define KAIROS_E_INVALID_PARAMETER (-2)
#define KAIROS_E_DENIED            (-3)
#define KAIROS_E_BAD_ADDRESS       (-4)
#define KAIROS_E_MISALIGNED        (-5)
#define KAIROS_E_TOO_LARGE         (-6)
#define KAIROS_E_WRONG_STATE       (-7)
#define KAIROS_E_BUSY              (-8)

/* The real-time page (see crates/hypercall-abi/src/rt_page.rs for the commit protocol). */
#define KAIROS_RT_PAGE_MAGIC    0x5452534f5249414bull /* "KAIROSRT", little endian */
#define KAIROS_RT_PAGE_VERSION  1u
#define KAIROS_RT_PAGE_SIZE     8192u
#define KAIROS_RT_PAGE_ALIGN    4096u
#define KAIROS_RT_MAX_TASKS     32u
#define KAIROS_RT_NO_TASK       0xffffffffu
#define KAIROS_RT_UNBOUNDED     0xffffffffffffffffull /* "no bound" / "no time" */
#define KAIROS_RT_TASK_SPORADIC 1u
#define KAIROS_RT_SCHED_EDF     0u
#define KAIROS_RT_SCHED_FP      1u /* lower priority number = more urgent */
#define KAIROS_RT_SUPPLY_OFFSET 6272u
#define KAIROS_RT_SUPPLY_SPANS  16u

struct kairos_rt_header {          /* 64 bytes at offset 0 */
	uint64_t magic;                 /* KAIROS_RT_PAGE_MAGIC */
	uint32_t version;               /* KAIROS_RT_PAGE_VERSION */
	uint32_t size;                  /* KAIROS_RT_PAGE_SIZE */
	uint32_t scheduler;             /* KAIROS_RT_SCHED_* */
	uint32_t task_count;            /* 1 .. KAIROS_RT_MAX_TASKS */
	uint64_t counter_frequency_hz;  /* CNTFRQ_EL0 */
	uint64_t committed;             /* newest committed generation, slot committed % 2; 0 none */
	uint64_t flags;                 /* 0 */
	uint64_t origin_ns;             /* task i's first release: origin_ns + offset_ns */
	uint64_t reserved;
};

struct kairos_rt_task {            /* 48 bytes; 0 < C <= D <= T */
	uint64_t wcet_ns;
	uint64_t period_ns;
	uint64_t deadline_ns;
	uint64_t offset_ns;
	uint32_t priority;
	uint32_t flags;                 /* KAIROS_RT_TASK_SPORADIC */
	uint64_t job_limit;             /* 0: none */
};

struct kairos_rt_task_state {      /* 64 bytes; active jobs are a FIFO, only its head ran */
	uint64_t next_release_ns;       /* earliest next release; KAIROS_RT_UNBOUNDED: none */
	uint64_t head_release_ns;       /* oldest active job; KAIROS_RT_UNBOUNDED: none active */
	uint64_t head_remaining_ns;
	uint64_t latest_release_ns;
	uint32_t released;
	uint32_t pending;               /* active jobs */
	uint32_t completed;
	uint32_t missed;
	uint64_t worst_response_ns;
	uint64_t last_response_ns;
};

struct kairos_rt_slot {            /* 2112 bytes: the state at one scheduling event */
	uint64_t generation;            /* 0 while being written */
	uint64_t time_ns;               /* t_u */
	uint64_t affordable_ns;         /* A(t_u) */
	uint64_t report_sequence;
	uint32_t running;               /* task index or KAIROS_RT_NO_TASK */
	uint32_t task_count;
	uint64_t flags;                 /* guest-defined */
	uint64_t reserved[2];
	struct kairos_rt_task_state tasks[KAIROS_RT_MAX_TASKS];
};

struct kairos_rt_span {            /* 16 bytes: the vCPU was switched out, time went on */
	uint64_t start_ns;
	uint64_t end_ns;
};

/*
 * The supply log (272 bytes at KAIROS_RT_SUPPLY_OFFSET), written by the hypervisor only, while
 * the vCPU is switched out; zero it before registering, then only read it. The hypervisor
 * writes span `sequence % KAIROS_RT_SUPPLY_SPANS`, adds its length to stolen_ns, `dmb ishst`,
 * then increments sequence. Read sequence, `dmb ishld`, then the spans since the last sequence
 * seen (if more than KAIROS_RT_SUPPLY_SPANS, the oldest are lost: only stolen_ns counts them).
 */
struct kairos_rt_supply {
	uint64_t sequence;              /* spans appended so far */
	uint64_t stolen_ns;             /* their total length */
	struct kairos_rt_span spans[KAIROS_RT_SUPPLY_SPANS]; /* span n at n % 16 */
};

struct kairos_rt_page {
	struct kairos_rt_header header;
	struct kairos_rt_task tasks[KAIROS_RT_MAX_TASKS];
	uint8_t reserved0[2048 - sizeof(struct kairos_rt_header)
	                  - KAIROS_RT_MAX_TASKS * sizeof(struct kairos_rt_task)];
	struct kairos_rt_slot slots[2];
	struct kairos_rt_supply supply;
	uint64_t resume_ns;             /* hypervisor: planned end of the blackout a recovery resumes from; 0 = none */
	uint8_t reserved1[KAIROS_RT_PAGE_SIZE - KAIROS_RT_SUPPLY_OFFSET - sizeof(struct kairos_rt_supply)
	                  - sizeof(uint64_t)];
} __attribute__((aligned(KAIROS_RT_PAGE_ALIGN)));

_Static_assert(sizeof(struct kairos_rt_header) == 64, "rt header");
_Static_assert(offsetof(struct kairos_rt_header, committed) == 32, "rt header");
_Static_assert(offsetof(struct kairos_rt_header, origin_ns) == 48, "rt header");
_Static_assert(sizeof(struct kairos_rt_task) == 48, "rt task");
_Static_assert(offsetof(struct kairos_rt_task, priority) == 32, "rt task");
_Static_assert(offsetof(struct kairos_rt_task, job_limit) == 40, "rt task");
_Static_assert(sizeof(struct kairos_rt_task_state) == 64, "rt task state");
_Static_assert(offsetof(struct kairos_rt_task_state, released) == 32, "rt task state");
_Static_assert(offsetof(struct kairos_rt_task_state, worst_response_ns) == 48, "rt task state");
_Static_assert(sizeof(struct kairos_rt_slot) == 2112, "rt slot");
_Static_assert(offsetof(struct kairos_rt_slot, running) == 32, "rt slot");
_Static_assert(offsetof(struct kairos_rt_slot, tasks) == 64, "rt slot");
_Static_assert(offsetof(struct kairos_rt_page, tasks) == 64, "rt page");
_Static_assert(offsetof(struct kairos_rt_page, slots) == 2048, "rt page");
_Static_assert(offsetof(struct kairos_rt_page, slots[1]) == 4160, "rt page");
_Static_assert(sizeof(struct kairos_rt_span) == 16, "rt span");
_Static_assert(sizeof(struct kairos_rt_supply) == 272, "rt supply");
_Static_assert(offsetof(struct kairos_rt_supply, stolen_ns) == 8, "rt supply");
_Static_assert(offsetof(struct kairos_rt_supply, spans) == 16, "rt supply");
_Static_assert(offsetof(struct kairos_rt_page, supply) == KAIROS_RT_SUPPLY_OFFSET, "rt page");
_Static_assert(offsetof(struct kairos_rt_page, resume_ns) == 6544, "rt page");
_Static_assert(offsetof(struct kairos_rt_page, reserved1) == 6552, "rt page");
_Static_assert(sizeof(struct kairos_rt_page) == KAIROS_RT_PAGE_SIZE, "rt page");

#if defined(__aarch64__)

/* Result of a call: status (x0) and results (x1..x3). */
struct kairos_result {
	int64_t status;
	uint64_t value[3];
};

static inline struct kairos_result kairos_hvc(uint32_t function, uint64_t a1, uint64_t a2,
					      uint64_t a3, uint64_t a4)
{
	register uint64_t x0 __asm__("x0") = function;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;
	register uint64_t x4 __asm__("x4") = a4;
	register uint64_t x5 __asm__("x5") = 0;
	register uint64_t x6 __asm__("x6") = 0;
	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6)
			 :
			 : "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
			   "memory");
	struct kairos_result result = { (int64_t)x0, { x1, x2, x3 } };
	return result;
}

/* The ABI version: *major and *minor (either may be NULL). Never fails. */
static inline int64_t kairos_version(uint64_t *major, uint64_t *minor)
{
	struct kairos_result r = kairos_hvc(KAIROS_HVC_VERSION, 0, 0, 0, 0);
	if (major)
		*major = r.value[0];
	if (minor)
		*minor = r.value[1];
	return r.status;
}

/* Writes `length` (<= 256) bytes at `text` to the VM's console line. Returns the bytes written. */
static inline int64_t kairos_console_write(const void *text, uint64_t length)
{
	struct kairos_result r = kairos_hvc(KAIROS_HVC_CONSOLE_WRITE, (uint64_t)(uintptr_t)text, length, 0, 0);
	return r.status < 0 ? r.status : (int64_t)r.value[0];
}

/* Writes one byte to the VM's console line. */
static inline int64_t kairos_console_putc(uint8_t byte)
{
	return kairos_hvc(KAIROS_HVC_CONSOLE_PUTC, byte, 0, 0, 0).status;
}

/* Who the caller is: VM number, vCPU number, physical core (each may be NULL). */
static inline int64_t kairos_who_am_i(uint64_t *vm, uint64_t *vcpu, uint64_t *core)
{
	struct kairos_result r = kairos_hvc(KAIROS_HVC_WHO_AM_I, 0, 0, 0, 0);
	if (r.status >= 0) {
		if (vm)
			*vm = r.value[0];
		if (vcpu)
			*vcpu = r.value[1];
		if (core)
			*core = r.value[2];
	}
	return r.status;
}

/* The hypervisor's counter frequency (Hz) and count now (each may be NULL). */
static inline int64_t kairos_clock(uint64_t *frequency_hz, uint64_t *count)
{
	struct kairos_result r = kairos_hvc(KAIROS_HVC_CLOCK, 0, 0, 0, 0);
	if (r.status >= 0) {
		if (frequency_hz)
			*frequency_hz = r.value[0];
		if (count)
			*count = r.value[1];
	}
	return r.status;
}

/* Registers the page (fill header and tasks first). Returns the task count or a KAIROS_E_*. */
static inline int64_t kairos_rt_register(const struct kairos_rt_page *page)
{
	struct kairos_result r = kairos_hvc(KAIROS_HVC_RT_REGISTER, (uint64_t)(uintptr_t)page, 0, 0, 0);
	return r.status < 0 ? r.status : (int64_t)r.value[0];
}

/* Reports A(t_u) after committing the state of t_u as `generation`. */
static inline int64_t kairos_rt_report(uint64_t affordable_ns, uint64_t time_ns, uint64_t sequence,
				       uint64_t generation)
{
	return kairos_hvc(KAIROS_HVC_RT_REPORT, affordable_ns, time_ns, sequence, generation).status;
}

/* Sets where a vCPU restarts after a blackout, and its x0. */
static inline int64_t kairos_rt_checkpoint(uint64_t entry, uint64_t argument, uint64_t generation)
{
	return kairos_hvc(KAIROS_HVC_RT_CHECKPOINT, entry, argument, generation, 0).status;
}

/* Reports one deadline miss. Returns the VM's total of reported misses. */
static inline int64_t kairos_rt_deadline_miss(uint32_t task, uint64_t release_ns, uint64_t job)
{
	struct kairos_result r = kairos_hvc(KAIROS_HVC_RT_DEADLINE_MISS, task, release_ns, job, 0);
	return r.status < 0 ? r.status : (int64_t)r.value[0];
}

#endif /* __aarch64__: the calls */

/* The barriers of the commit protocol (compiler barriers, fences on other architectures). */
#if defined(__aarch64__)
static inline void kairos_dmb(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}

/* Orders loads: between reading the supply log's sequence and its spans. */
static inline void kairos_dmb_ld(void)
{
	__asm__ volatile("dmb ishld" ::: "memory");
}
#else
static inline void kairos_dmb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void kairos_dmb_ld(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}
#endif

/* Commit, step 1: the slot to fill for the next generation, marked as being written. */
static inline struct kairos_rt_slot *kairos_rt_commit_begin(struct kairos_rt_page *page)
{
	uint64_t next = *(volatile uint64_t *)&page->header.committed + 1;
	struct kairos_rt_slot *slot = &page->slots[next % 2];
	*(volatile uint64_t *)&slot->generation = 0;
	kairos_dmb();
	return slot;
}

/* Commit, step 2: publishes the filled slot; returns its generation (for the report). */
static inline uint64_t kairos_rt_commit_end(struct kairos_rt_page *page, struct kairos_rt_slot *slot)
{
	uint64_t next = *(volatile uint64_t *)&page->header.committed + 1;
	kairos_dmb();
	*(volatile uint64_t *)&slot->generation = next;
	kairos_dmb();
	*(volatile uint64_t *)&page->header.committed = next;
	kairos_dmb();
	return next;
}

/*
 * The newest committed slot, or NULL if none is intact: what a recovery restarts from, read
 * as the hypervisor reads it (slot committed % 2, its generation equal to committed before and
 * after the read). Copies it into *copy, so the caller works on a stable snapshot.
 */
static inline const struct kairos_rt_slot *kairos_rt_latest(const struct kairos_rt_page *page,
							     struct kairos_rt_slot *copy)
{
	uint64_t generation = *(const volatile uint64_t *)&page->header.committed;
	if (generation == 0)
		return NULL;
	const struct kairos_rt_slot *slot = &page->slots[generation % 2];
	if (*(const volatile uint64_t *)&slot->generation != generation)
		return NULL;
	kairos_dmb();
	*copy = *slot;
	kairos_dmb();
	if (*(const volatile uint64_t *)&slot->generation != generation)
		return NULL;
	return copy;
}

#endif /* KAIROS_H */
