/*
 * schedule.h - the C guest's scheduler: an event-driven, preemptive schedule of periodic jobs
 * (EDF or fixed priorities) following the rules of rt-analysis's simulator, so the misses the
 * hypervisor predicts from a checkpoint are the misses this guest observes. Pure C: no
 * hardware, no hypercall (the caller observes misses through a callback).
 *
 * At each event instant, in order: the running job completes if it has no work left; every
 * active job whose deadline is now is counted missed (it still runs to completion, late); every
 * task due releases a job; the most urgent head job runs (EDF: earliest deadline, then earlier
 * release, then lower index; FP: lowest priority number, then earlier release, then index).
 * A blackout (schedule_resume) lets releases and deadlines happen while nothing executes.
 */
#ifndef GUEST_C_SCHEDULE_H
#define GUEST_C_SCHEDULE_H

#include <stdint.h>

#include "kairos.h"

#define NEVER UINT64_MAX
#define NO_TASK (-1)

struct task_state {
	uint64_t released;        /* jobs released */
	uint64_t pending;         /* active jobs (late ones included); the oldest is the head */
	uint64_t completed;
	uint64_t missed;          /* counted at the deadline */
	uint64_t head_release;    /* meaningful when pending > 0 */
	uint64_t head_remaining;
	uint64_t latest_release;  /* NEVER before the first job */
	uint64_t worst_response;
	uint64_t last_response;
};

/* Called for each miss: task, job number, its release, the deadline instant. */
typedef void (*miss_observer)(uint32_t task, uint64_t job, uint64_t release, uint64_t time);

struct schedule {
	uint32_t count;
	uint32_t scheduler;                           /* KAIROS_RT_SCHED_* */
	const struct kairos_rt_task *tasks;           /* the page's task table */
	struct task_state states[KAIROS_RT_MAX_TASKS];
	uint64_t origin;                              /* task i's first release: origin + offset */
	uint64_t now;                                 /* the last event handled */
	int running;                                  /* task index, or NO_TASK */
	miss_observer on_miss;
};

void schedule_init(struct schedule *schedule, const struct kairos_rt_task *tasks, uint32_t count,
		   uint32_t scheduler, uint64_t origin, miss_observer on_miss);

/* Task `task`'s next release (NEVER once its job limit is reached). */
uint64_t schedule_next_release(const struct schedule *schedule, uint32_t task);

/* The next event instant: a release, a deadline after now, the running job's completion
 * (only while the processor is available). NEVER if nothing will happen. */
uint64_t schedule_next_event(const struct schedule *schedule, int available);

/* Runs to `target` with the processor, handling every event instant up to and including it. */
void schedule_advance_to(struct schedule *schedule, uint64_t target);

/* One event with the processor: if the next event instant is at or before `target`, runs to
 * it, handles it and returns 1 (the caller does its per-event work and calls again); else runs
 * to `target` and returns 0. */
int schedule_step_toward(struct schedule *schedule, uint64_t target);

/* Ends a blackout at `time`: handles what happened in it without the processor, dispatches. */
void schedule_resume(struct schedule *schedule, uint64_t time);

/* True when no job is active and no task will release again. */
int schedule_finished(const struct schedule *schedule);

/* The task's state in a page slot, and back. */
void schedule_to_slot(const struct schedule *schedule, uint32_t task, struct kairos_rt_task_state *out);
void schedule_from_slot(struct schedule *schedule, const struct kairos_rt_slot *slot);

#endif /* GUEST_C_SCHEDULE_H */
