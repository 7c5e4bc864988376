/* Drives rtos-c's scheduler (guest-c/schedule.c) from stdin for tests/c_kit.rs:
 *   "<scheduler> <tasks>" then per task "C T D offset priority jobs", then "<t_u> <blackout>":
 * runs event by event to the first event at or after t_u, blacks out for `blackout`, runs to
 * the end, and prints each miss and each task's final counts. */
#include <stdio.h>

#include "schedule.h"

static void on_miss(uint32_t task, uint64_t job, uint64_t release, uint64_t time)
{
	printf("miss %u %llu %llu %llu\n", task, (unsigned long long)job,
	       (unsigned long long)release, (unsigned long long)time);
}

int main(void)
{
	static struct kairos_rt_task tasks[KAIROS_RT_MAX_TASKS];
	static struct schedule schedule;
	unsigned scheduler, count;
	unsigned long long t_u, blackout;
	if (scanf("%u %u", &scheduler, &count) != 2 || count > KAIROS_RT_MAX_TASKS)
		return 1;
	for (unsigned i = 0; i < count; i++) {
		unsigned long long c, t, d, o, jobs;
		unsigned priority;
		if (scanf("%llu %llu %llu %llu %u %llu", &c, &t, &d, &o, &priority, &jobs) != 6)
			return 1;
		struct kairos_rt_task task = { c, t, d, o, priority, 0, jobs };
		tasks[i] = task;
	}
	if (scanf("%llu %llu", &t_u, &blackout) != 2)
		return 1;
	schedule_init(&schedule, tasks, count, scheduler, 0, on_miss);
	schedule_advance_to(&schedule, 0);
	while (schedule.now < t_u) {
		uint64_t next = schedule_next_event(&schedule, 1);
		if (next == NEVER)
			break;
		schedule_advance_to(&schedule, next);
	}
	printf("blackout %llu\n", (unsigned long long)schedule.now);
	schedule_resume(&schedule, schedule.now + blackout);
	for (;;) {
		uint64_t next = schedule_next_event(&schedule, 1);
		if (next == NEVER)
			break;
		schedule_advance_to(&schedule, next);
	}
	for (unsigned i = 0; i < count; i++)
		printf("task %u %llu %llu %llu %llu\n", i, (unsigned long long)schedule.states[i].released,
		       (unsigned long long)schedule.states[i].completed,
		       (unsigned long long)schedule.states[i].missed,
		       (unsigned long long)schedule.states[i].worst_response);
	return 0;
}
