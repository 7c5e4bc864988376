/*
 * kairos_analysis.h - the Kairos real-time analysis for C RTOSes: the API of the static library
 * libkairos_analysis.a (crate crates/rt-analysis-c, built from rt-analysis, the code the Kairos
 * Rust RTOS and the hypervisor use).
 *
 * Build the library for a guest with
 *   cargo build -p rt-analysis-c --release --target aarch64-unknown-none
 * (target/aarch64-unknown-none/release/libkairos_analysis.a; it uses FP/SIMD registers, so
 * enable them with CPACR_EL1.FPEN before the first call, and pass -mstrict-align to gcc if the
 * guest runs with its MMU off like the Kairos guests). Link it after your objects; it also
 * provides memcpy/memset/memmove/memcmp (weak) and the 128-bit division helpers.
 *
 * What the caller provides:
 *  - memory: kairos_analysis_heap_init(arena, bytes) before anything else (on the bare-metal
 *    target; the host build uses malloc). rtos-c's analyses of two tasks hold about 1.5 KiB
 *    (its DONE line prints heap=); buffers grow with the backlog; predicting misses allocates
 *    for the simulation and frees it again;
 *  - void kairos_analysis_fatal(const char *message, size_t length), never returning: called
 *    on a panic or an exhausted arena (FreeRTOS: configASSERT(0); Zephyr: k_panic());
 *  - no overlapping calls (one vCPU, the scheduler locked, or all calls from the idle task).
 *
 * Calls return a status: >= 0 success (a count where the call returns one), < 0 a
 * KAIROS_ANALYSIS_E_* code; kairos_analysis_error_name() names it. Times are nanoseconds of
 * the virtual counter (kairos.h). Tasks are the real-time page's task entries (struct
 * kairos_rt_task: C, T, D, offset, priority, flags, job limit), so the table an RTOS registers
 * is the one it analyses. crates/rt-analysis-c/tests/c_api.rs tests this API from Rust and
 * tests/host_c.rs from a C program.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef KAIROS_ANALYSIS_H
#define KAIROS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "kairos.h"

#define KAIROS_ANALYSIS_OK                         0
#define KAIROS_ANALYSIS_E_NULL_POINTER            (-1)
#define KAIROS_ANALYSIS_E_TASK_COUNT              (-2)  /* 0 or more than 32 tasks */
#define KAIROS_ANALYSIS_E_SCHEDULER               (-3)  /* not KAIROS_RT_SCHED_EDF / _FP */
#define KAIROS_ANALYSIS_E_ZERO_PERIOD             (-4)
#define KAIROS_ANALYSIS_E_ZERO_WCET               (-5)
#define KAIROS_ANALYSIS_E_DEADLINE_EXCEEDS_PERIOD (-6)
#define KAIROS_ANALYSIS_E_WCET_EXCEEDS_DEADLINE   (-7)
#define KAIROS_ANALYSIS_E_DUPLICATE_PRIORITY      (-8)  /* fixed priorities must be distinct */
#define KAIROS_ANALYSIS_E_OVERLOADED              (-9)  /* utilization above 1 */
#define KAIROS_ANALYSIS_E_TASK_FLAGS              (-10) /* flags other than KAIROS_RT_TASK_SPORADIC */
#define KAIROS_ANALYSIS_E_UNKNOWN_TASK            (-11) /* a job names no task of the set */
#define KAIROS_ANALYSIS_E_CAPACITY                (-12) /* an output array is too small */
#define KAIROS_ANALYSIS_E_UNSCHEDULABLE           (-13) /* misses even without a blackout */
#define KAIROS_ANALYSIS_E_DEVICE_TREE             (-14) /* bad DTB, or a task node breaks the binding */
#define KAIROS_ANALYSIS_E_NO_TASK_SET             (-15) /* no task-set node at that path */
#define KAIROS_ANALYSIS_E_ORDER                   (-16) /* unknown priority order */

/* Priority orders of kairos_analysis_assign_priorities. */
#define KAIROS_ANALYSIS_RATE_MONOTONIC     0u /* shorter period first */
#define KAIROS_ANALYSIS_DEADLINE_MONOTONIC 1u /* shorter relative deadline first */

/* The step budget per slack computation the Kairos RTOS uses (0 = no limit). */
#define KAIROS_ANALYSIS_DEFAULT_MAX_STEPS 4096u
/* Bytes of one task name written by kairos_analysis_tasks_from_dtb (NUL-terminated). */
#define KAIROS_ANALYSIS_TASK_NAME_SIZE 16u

/* One task set's analysis (opaque). */
struct kairos_analysis;

/* What is wrong with a task set. */
struct kairos_analysis_task_error {
	int32_t code;               /* KAIROS_ANALYSIS_E_*, also returned */
	uint32_t task;              /* the offending task, 0xffffffff for the whole set */
	uint32_t other;             /* duplicate priority: the earlier task with it */
	uint32_t reserved;
	uint64_t utilization_ppm;   /* overloaded: U in parts per million, rounded up */
};

/* A released, incomplete job (a late one keeps its deadline). */
struct kairos_analysis_job {
	uint32_t task;              /* index in the task table */
	uint32_t reserved;
	uint64_t release_ns;
	uint64_t deadline_ns;       /* absolute: release + D */
	uint64_t remaining_ns;      /* execution still needed */
};

/* The result of one slack computation. */
struct kairos_analysis_slack {
	uint64_t affordable_ns;     /* A(now), for kairos_rt_report(); KAIROS_RT_UNBOUNDED: nothing left */
	uint32_t exact;             /* 1: exact; 0: cut by max_steps, a safe lower bound */
	uint32_t steps;             /* steps taken, O(tasks + jobs) each */
	uint32_t deadlines_scanned;
	uint32_t reserved;
};

_Static_assert(sizeof(struct kairos_analysis_task_error) == 24, "task error");
_Static_assert(sizeof(struct kairos_analysis_job) == 32, "job");
_Static_assert(sizeof(struct kairos_analysis_slack) == 24, "slack");

/* Provided by the caller (see above). */
void kairos_analysis_fatal(const char *message, size_t length) __attribute__((noreturn));

/* Hands `size` bytes at `arena` to the library (may be called again to add more). */
void kairos_analysis_heap_init(void *arena, size_t size);
/* Bytes of the arena in use now (0 on the host). */
size_t kairos_analysis_heap_used(void);

/* The name of a status ("ok", "zero_period", ...; "unknown" for other values). */
const char *kairos_analysis_error_name(int32_t code);

/* Checks a task table for `scheduler` (KAIROS_RT_SCHED_*): 0 < C <= D <= T, known flags,
 * distinct FP priorities, U <= 1. Returns OK or the first problem, also in *error (or NULL). */
int32_t kairos_analysis_check_tasks(const struct kairos_rt_task *tasks, uint32_t count,
				    uint32_t scheduler, struct kairos_analysis_task_error *error);

/* Sets each task's priority to 0..count-1 (0 most urgent) in `order`, ties to the lower index. */
int32_t kairos_analysis_assign_priorities(struct kairos_rt_task *tasks, uint32_t count,
					  uint32_t order);

/* Reads the task set at `path` ("/kairos/tasks") of the device tree the hypervisor passes in
 * x0: entries into `tasks` (priorities assigned by the node's kairos,scheduler), the scheduler
 * into *scheduler, 16-byte names into `names` (or NULL). Returns the task count. */
int32_t kairos_analysis_tasks_from_dtb(const void *dtb, const char *path,
				       struct kairos_rt_task *tasks, uint32_t capacity,
				       uint32_t *scheduler, char *names);

/* Builds the analysis of a checked task table into *analysis (problem in *error, or NULL). */
int32_t kairos_analysis_new(const struct kairos_rt_task *tasks, uint32_t count, uint32_t scheduler,
			    struct kairos_analysis **analysis,
			    struct kairos_analysis_task_error *error);
void kairos_analysis_free(struct kairos_analysis *analysis);
uint32_t kairos_analysis_task_count(const struct kairos_analysis *analysis);

/* The static slack (survivable blackout from any backlog-free state) into *slack_ns;
 * KAIROS_ANALYSIS_E_UNSCHEDULABLE if the set misses deadlines even without a blackout. */
int32_t kairos_analysis_static_slack(const struct kairos_analysis *analysis, uint64_t *slack_ns);

/* A(now) of the state at now_ns: `job_count` active jobs, and per task its next release
 * (next_release_ns[i]; KAIROS_RT_UNBOUNDED = no more jobs). At most `max_steps` steps (0: no
 * limit). The Kairos RTOS calls it at every scheduling event and reports the result. */
int32_t kairos_analysis_slack(struct kairos_analysis *analysis, uint64_t now_ns,
			      const struct kairos_analysis_job *jobs, uint32_t job_count,
			      const uint64_t *next_release_ns, uint32_t max_steps,
			      struct kairos_analysis_slack *result);

/* Misses per task (misses[i], one per task) of a blackout [now_ns, now_ns + blackout_ns) from
 * the state given, by the recovery rules of PARAVIRT.md: what the hypervisor predicts before
 * it migrates the VM. Returns the total. */
int32_t kairos_analysis_predict_misses(struct kairos_analysis *analysis, uint64_t now_ns,
				       const struct kairos_analysis_job *jobs, uint32_t job_count,
				       const uint64_t *next_release_ns, uint64_t blackout_ns,
				       uint32_t *misses);

/* The state of a committed slot as the hypervisor reads it: *now_ns = its time, its active
 * jobs into `jobs` (capacity entries), next releases into next_release_ns (one per task).
 * Returns the job count. */
int32_t kairos_analysis_state_of_slot(const struct kairos_analysis *analysis,
				      const struct kairos_rt_slot *slot,
				      struct kairos_analysis_job *jobs, uint32_t capacity,
				      uint64_t *next_release_ns, uint64_t *now_ns);

/* A reported A aged from reported_at_ns to now_ns (drops by the time elapsed, floor 0). */
uint64_t kairos_analysis_age(uint64_t affordable_ns, uint64_t reported_at_ns, uint64_t now_ns);

#endif /* KAIROS_ANALYSIS_H */
