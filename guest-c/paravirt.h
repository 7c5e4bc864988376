/*
 * paravirt.h - the C guest's paravirtual hooks: register the task set, and at every scheduling
 * event compute A(t) with the analysis library, commit the checkpoint and report; report each
 * miss; restore from the committed checkpoint after a blackout; predict its misses.
 */
#ifndef GUEST_C_PARAVIRT_H
#define GUEST_C_PARAVIRT_H

#include <stdint.h>

#include "kairos.h"
#include "kairos_analysis.h"
#include "kairos_recovery.h"
#include "kairos_supply.h"
#include "schedule.h"

/* Most active jobs the analysis is given; a larger backlog reports A = 0 (always safe). */
#define PARAVIRT_MAX_JOBS 256u

struct paravirt {
	struct kairos_rt_page *page;
	struct kairos_analysis *analysis;
	uint64_t sequence;                  /* the last report's number */
	int reporting;                      /* the hypervisor took the page */
	struct kairos_supply_cursor supply; /* how far the supply log was read */
	uint64_t events, inexact;           /* reports made, of which with a cut scan */
	uint64_t slack_min, slack_max;      /* finite A reported, extremes */
	struct kairos_analysis_job jobs[PARAVIRT_MAX_JOBS];
	uint64_t next_release[KAIROS_RT_MAX_TASKS];
};

/* Fills the page's header for `schedule` (its task table is already in the page), builds the
 * analysis, registers the page and the recovery entry (`hook`, on `stack_top`, with `vectors`).
 * Returns the hypervisor's answer to RtRegister (the task count, or a KAIROS_E_*). */
int64_t paravirt_register(struct paravirt *paravirt, struct kairos_rt_page *page,
			  const struct schedule *schedule, void *stack_top, const void *vectors,
			  kairos_recovery_hook hook);

/* At a scheduling event: A(now) by the analysis library, commit, RtReport. Returns A. */
uint64_t paravirt_on_event(struct paravirt *paravirt, const struct schedule *schedule);

/* A job missed its deadline: RtDeadlineMiss. */
void paravirt_on_miss(struct paravirt *paravirt, uint32_t task, uint64_t job, uint64_t release);

/* After a restart at the recovery entry with `argument`: the committed checkpoint back into
 * `schedule` (its time is the checkpoint's t_u); *generation = its generation. Returns 0, or -1
 * if `argument` is not the page or nothing intact was committed. */
int paravirt_restore(struct paravirt *paravirt, struct schedule *schedule, uint64_t argument,
		     uint64_t *generation);

/* The misses per task (into misses[], one per task) the analysis predicts for a blackout of
 * `blackout_ns` from the committed checkpoint: what the hypervisor predicted. Returns the total
 * or a KAIROS_ANALYSIS_E_*. */
int32_t paravirt_predict(struct paravirt *paravirt, uint64_t blackout_ns, uint32_t *misses);

#endif /* GUEST_C_PARAVIRT_H */
