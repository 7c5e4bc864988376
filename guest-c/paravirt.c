/*
 * paravirt.c - the C guest's paravirtual hooks (paravirt.h).
 */
#include "paravirt.h"
#include "console.h"
#include "kairos_platform.h"

int64_t paravirt_register(struct paravirt *paravirt, struct kairos_rt_page *page,
			  const struct schedule *schedule, void *stack_top, const void *vectors,
			  kairos_recovery_hook hook)
{
	struct kairos_analysis_task_error error;
	int32_t built = kairos_analysis_new(page->tasks, schedule->count, schedule->scheduler,
					    &paravirt->analysis, &error);
	if (built < 0)
		stop("rtos-c: task set refused by the analysis: %s (task %d)\n",
		     kairos_analysis_error_name(built), (int64_t)(int32_t)error.task);
	paravirt->page = page;
	paravirt->sequence = 0;
	paravirt->events = paravirt->inexact = 0;
	paravirt->slack_min = KAIROS_RT_UNBOUNDED;
	paravirt->slack_max = 0;
	/* The page is zero (in .bss, the supply log included): only the header is left to fill. */
	page->header.magic = KAIROS_RT_PAGE_MAGIC;
	page->header.version = KAIROS_RT_PAGE_VERSION;
	page->header.size = KAIROS_RT_PAGE_SIZE;
	page->header.scheduler = schedule->scheduler;
	page->header.task_count = schedule->count;
	page->header.counter_frequency_hz = kairos_counter_hz();
	page->header.origin_ns = schedule->origin;
	page->slots[0].running = page->slots[1].running = KAIROS_RT_NO_TASK;
	paravirt->supply.sequence = paravirt->supply.stolen_ns = 0;
	int64_t registered = kairos_rt_register(page);
	kairos_recovery_setup(stack_top, vectors, hook);
	if (registered >= 0) {
		int64_t checkpoint = kairos_recovery_register(page, 0);
		registered = checkpoint < 0 ? checkpoint : registered;
	}
	paravirt->reporting = registered >= 0;
	return registered;
}

/* The schedule's state as the analysis takes it; returns the job count, or -1 if too many. */
static int32_t state_of(struct paravirt *paravirt, const struct schedule *schedule)
{
	uint32_t count = 0;
	for (uint32_t task = 0; task < schedule->count; task++) {
		const struct task_state *state = &schedule->states[task];
		const struct kairos_rt_task *params = &schedule->tasks[task];
		paravirt->next_release[task] = schedule_next_release(schedule, task);
		for (uint64_t k = 0; k < state->pending; k++) {
			if (count == PARAVIRT_MAX_JOBS)
				return -1;
			uint64_t release = state->head_release + k * params->period_ns;
			struct kairos_analysis_job job = {
				.task = task,
				.release_ns = release,
				.deadline_ns = release + params->deadline_ns,
				.remaining_ns = k == 0 ? state->head_remaining : params->wcet_ns,
			};
			paravirt->jobs[count++] = job;
		}
	}
	return (int32_t)count;
}

uint64_t paravirt_on_event(struct paravirt *paravirt, const struct schedule *schedule)
{
	struct kairos_analysis_slack slack = { .affordable_ns = 0, .exact = 0 };
	int32_t jobs = state_of(paravirt, schedule);
	if (jobs >= 0 &&
	    kairos_analysis_slack(paravirt->analysis, schedule->now, paravirt->jobs, (uint32_t)jobs,
				  paravirt->next_release, KAIROS_ANALYSIS_DEFAULT_MAX_STEPS, &slack) < 0)
		slack.affordable_ns = 0;
	paravirt->sequence++;
	struct kairos_rt_slot *slot = kairos_rt_commit_begin(paravirt->page);
	slot->time_ns = schedule->now;
	slot->affordable_ns = slack.affordable_ns;
	slot->report_sequence = paravirt->sequence;
	slot->running = schedule->running == NO_TASK ? KAIROS_RT_NO_TASK : (uint32_t)schedule->running;
	slot->task_count = schedule->count;
	slot->flags = 0;
	for (uint32_t task = 0; task < schedule->count; task++)
		schedule_to_slot(schedule, task, &slot->tasks[task]);
	uint64_t generation = kairos_rt_commit_end(paravirt->page, slot);
	if (paravirt->reporting)
		kairos_rt_report(slack.affordable_ns, schedule->now, paravirt->sequence, generation);
	paravirt->events++;
	paravirt->inexact += !slack.exact;
	if (slack.affordable_ns != KAIROS_RT_UNBOUNDED) {
		if (slack.affordable_ns < paravirt->slack_min)
			paravirt->slack_min = slack.affordable_ns;
		if (slack.affordable_ns > paravirt->slack_max)
			paravirt->slack_max = slack.affordable_ns;
	}
	return slack.affordable_ns;
}

void paravirt_on_miss(struct paravirt *paravirt, uint32_t task, uint64_t job, uint64_t release)
{
	if (paravirt->reporting)
		kairos_rt_deadline_miss(task, release, job);
}

int paravirt_restore(struct paravirt *paravirt, struct schedule *schedule, uint64_t argument,
		     uint64_t *generation)
{
	static struct kairos_rt_slot copy;
	if (argument != (uint64_t)(uintptr_t)paravirt->page)
		return -1;
	const struct kairos_rt_slot *slot = kairos_rt_latest(paravirt->page, &copy);
	if (!slot)
		return -1;
	schedule_from_slot(schedule, slot);
	paravirt->sequence = slot->report_sequence;
	*generation = slot->generation;
	return 0;
}

int32_t paravirt_predict(struct paravirt *paravirt, uint64_t blackout_ns, uint32_t *misses)
{
	static struct kairos_rt_slot copy;
	const struct kairos_rt_slot *slot = kairos_rt_latest(paravirt->page, &copy);
	if (!slot)
		return KAIROS_ANALYSIS_E_NULL_POINTER;
	uint64_t now;
	int32_t jobs = kairos_analysis_state_of_slot(paravirt->analysis, slot, paravirt->jobs,
						     PARAVIRT_MAX_JOBS, paravirt->next_release, &now);
	if (jobs < 0)
		return jobs;
	return kairos_analysis_predict_misses(paravirt->analysis, now, paravirt->jobs, (uint32_t)jobs,
					      paravirt->next_release, blackout_ns, misses);
}
