/*
 * schedule.c - the C guest's scheduler (schedule.h): the same rules as the Kairos Rust RTOS's
 * engine (guest-paravirt/src/rtos/engine.rs) and rt-analysis's simulator, for periodic tasks.
 */
#include "schedule.h"

void schedule_init(struct schedule *schedule, const struct kairos_rt_task *tasks, uint32_t count,
		   uint32_t scheduler, uint64_t origin, miss_observer on_miss)
{
	schedule->count = count;
	schedule->scheduler = scheduler;
	schedule->tasks = tasks;
	for (uint32_t i = 0; i < KAIROS_RT_MAX_TASKS; i++) {
		struct task_state empty = { .latest_release = NEVER };
		schedule->states[i] = empty;
	}
	schedule->origin = origin;
	schedule->now = origin;
	schedule->running = NO_TASK;
	schedule->on_miss = on_miss;
}

uint64_t schedule_next_release(const struct schedule *schedule, uint32_t task)
{
	const struct kairos_rt_task *params = &schedule->tasks[task];
	const struct task_state *state = &schedule->states[task];
	if (params->job_limit != 0 && state->released >= params->job_limit)
		return NEVER;
	return schedule->origin + params->offset_ns + state->released * params->period_ns;
}

/* Release of the k-th active job of a task (0 = the head). */
static uint64_t active_release(const struct schedule *schedule, uint32_t task, uint64_t k)
{
	return schedule->states[task].head_release + k * schedule->tasks[task].period_ns;
}

/* The earliest deadline after now of the task's active jobs (NEVER if none). */
static uint64_t next_deadline(const struct schedule *schedule, uint32_t task)
{
	for (uint64_t k = 0; k < schedule->states[task].pending; k++) {
		uint64_t deadline = active_release(schedule, task, k) + schedule->tasks[task].deadline_ns;
		if (deadline > schedule->now)
			return deadline;
	}
	return NEVER;
}

uint64_t schedule_next_event(const struct schedule *schedule, int available)
{
	uint64_t next = NEVER;
	for (uint32_t task = 0; task < schedule->count; task++) {
		uint64_t release = schedule_next_release(schedule, task);
		uint64_t deadline = next_deadline(schedule, task);
		next = release < next ? release : next;
		next = deadline < next ? deadline : next;
	}
	if (available && schedule->running != NO_TASK) {
		uint64_t done = schedule->now + schedule->states[schedule->running].head_remaining;
		next = done < next ? done : next;
	}
	return next;
}

/* The task whose head job runs now, or NO_TASK. */
static int pick(const struct schedule *schedule)
{
	int best = NO_TASK;
	uint64_t best_urgency = 0, best_release = 0;
	for (uint32_t task = 0; task < schedule->count; task++) {
		const struct task_state *state = &schedule->states[task];
		if (state->pending == 0)
			continue;
		uint64_t urgency = schedule->scheduler == KAIROS_RT_SCHED_EDF
					   ? state->head_release + schedule->tasks[task].deadline_ns
					   : schedule->tasks[task].priority;
		if (best == NO_TASK || urgency < best_urgency ||
		    (urgency == best_urgency && state->head_release < best_release)) {
			best = (int)task;
			best_urgency = urgency;
			best_release = state->head_release;
		}
	}
	return best;
}

static void complete_head(struct schedule *schedule, uint32_t task)
{
	struct task_state *state = &schedule->states[task];
	uint64_t response = schedule->now - state->head_release;
	state->completed++;
	state->worst_response = response > state->worst_response ? response : state->worst_response;
	state->last_response = response;
	state->pending--;
	if (state->pending > 0) {
		state->head_release += schedule->tasks[task].period_ns;
		state->head_remaining = schedule->tasks[task].wcet_ns;
	} else {
		state->head_release = 0;
		state->head_remaining = 0;
	}
}

static void release(struct schedule *schedule, uint32_t task)
{
	struct task_state *state = &schedule->states[task];
	if (state->pending == 0) {
		state->head_release = schedule->now;
		state->head_remaining = schedule->tasks[task].wcet_ns;
	}
	state->pending++;
	state->released++;
	state->latest_release = schedule->now;
}

/* Handles the events due at now, in the documented order. */
static void handle_events(struct schedule *schedule, int available)
{
	uint64_t now = schedule->now;
	if (schedule->running != NO_TASK) {
		struct task_state *state = &schedule->states[schedule->running];
		if (state->pending > 0 && state->head_remaining == 0)
			complete_head(schedule, (uint32_t)schedule->running);
	}
	for (uint32_t task = 0; task < schedule->count; task++) {
		const struct task_state *state = &schedule->states[task];
		for (uint64_t k = 0; k < state->pending; k++) {
			uint64_t job_release = active_release(schedule, task, k);
			uint64_t deadline = job_release + schedule->tasks[task].deadline_ns;
			if (deadline > now)
				break;
			if (deadline == now) {
				schedule->states[task].missed++;
				if (schedule->on_miss)
					schedule->on_miss(task, state->released - state->pending + k,
							  job_release, now);
			}
		}
	}
	for (uint32_t task = 0; task < schedule->count; task++)
		if (schedule_next_release(schedule, task) == now)
			release(schedule, task);
	schedule->running = available ? pick(schedule) : NO_TASK;
}

/* Runs from now to target; `available`: the processor executes the running job meanwhile. */
static void run_to(struct schedule *schedule, uint64_t target, int available)
{
	if (!available)
		schedule->running = NO_TASK;
	while (schedule->now <= target) {
		uint64_t next = schedule_next_event(schedule, available);
		uint64_t step = next < target ? next : target;
		if (available && schedule->running != NO_TASK)
			schedule->states[schedule->running].head_remaining -= step - schedule->now;
		schedule->now = step;
		if (next > target)
			break;
		handle_events(schedule, available);
		if (step == target)
			break;
	}
}

void schedule_advance_to(struct schedule *schedule, uint64_t target)
{
	run_to(schedule, target, 1);
}

int schedule_step_toward(struct schedule *schedule, uint64_t target)
{
	uint64_t next = schedule_next_event(schedule, 1);
	int event = next <= target;
	run_to(schedule, event ? next : target, 1);
	return event;
}

void schedule_resume(struct schedule *schedule, uint64_t time)
{
	run_to(schedule, time, 0);
	schedule->running = pick(schedule);
}

int schedule_finished(const struct schedule *schedule)
{
	for (uint32_t task = 0; task < schedule->count; task++)
		if (schedule->states[task].pending > 0)
			return 0;
	return schedule_next_event(schedule, 1) == NEVER;
}

void schedule_to_slot(const struct schedule *schedule, uint32_t task, struct kairos_rt_task_state *out)
{
	const struct task_state *state = &schedule->states[task];
	int active = state->pending > 0;
	out->next_release_ns = schedule_next_release(schedule, task);
	out->head_release_ns = active ? state->head_release : KAIROS_RT_UNBOUNDED;
	out->head_remaining_ns = active ? state->head_remaining : 0;
	out->latest_release_ns = state->latest_release;
	out->released = (uint32_t)state->released;
	out->pending = (uint32_t)state->pending;
	out->completed = (uint32_t)state->completed;
	out->missed = (uint32_t)state->missed;
	out->worst_response_ns = state->worst_response;
	out->last_response_ns = state->last_response;
}

void schedule_from_slot(struct schedule *schedule, const struct kairos_rt_slot *slot)
{
	uint32_t count = slot->task_count < schedule->count ? slot->task_count : schedule->count;
	for (uint32_t task = 0; task < count; task++) {
		const struct kairos_rt_task_state *saved = &slot->tasks[task];
		struct task_state *state = &schedule->states[task];
		int active = saved->pending > 0;
		state->released = saved->released;
		state->pending = saved->pending;
		state->completed = saved->completed;
		state->missed = saved->missed;
		state->head_release = active ? saved->head_release_ns : 0;
		state->head_remaining = active ? saved->head_remaining_ns : 0;
		state->latest_release = saved->latest_release_ns;
		state->worst_response = saved->worst_response_ns;
		state->last_response = saved->last_response_ns;
	}
	schedule->now = slot->time_ns;
	int running = slot->running == KAIROS_RT_NO_TASK ? NO_TASK : (int)slot->running;
	schedule->running = running != NO_TASK && (uint32_t)running < schedule->count &&
					    schedule->states[running].pending > 0
				    ? running
				    : NO_TASK;
}
