/* A host C program using libkairos_analysis.a through kairos_analysis.h as a C RTOS would:
 * tests/host_c.rs compiles it with gcc, runs it and checks what it prints. */
#include <stdio.h>

#include "kairos_analysis.h"

void kairos_analysis_fatal(const char *message, size_t length)
{
	fprintf(stderr, "fatal: %.*s\n", (int)length, message);
	for (;;)
		;
}

int main(void)
{
	static uint64_t arena[1024];
	kairos_analysis_heap_init(arena, sizeof arena);
	struct kairos_rt_task tasks[2] = {
		{ .wcet_ns = 1500000, .period_ns = 2000000, .deadline_ns = 2000000 },
		{ .wcet_ns = 2000000, .period_ns = 10000000, .deadline_ns = 8000000 },
	};
	struct kairos_analysis_task_error error;
	struct kairos_analysis *analysis;
	int32_t status = kairos_analysis_new(tasks, 2, KAIROS_RT_SCHED_EDF, &analysis, &error);
	printf("new=%s\n", kairos_analysis_error_name(status));
	/* At 1 ms: tight's first job has 0.5 ms left, slow's first job 2 ms; next releases 2, 10. */
	struct kairos_analysis_job jobs[2] = {
		{ .task = 0, .release_ns = 0, .deadline_ns = 2000000, .remaining_ns = 500000 },
		{ .task = 1, .release_ns = 0, .deadline_ns = 8000000, .remaining_ns = 2000000 },
	};
	uint64_t next[2] = { 2000000, 10000000 };
	struct kairos_analysis_slack slack;
	status = kairos_analysis_slack(analysis, 1000000, jobs, 2, next,
				       KAIROS_ANALYSIS_DEFAULT_MAX_STEPS, &slack);
	printf("slack=%s a=%llu exact=%u\n", kairos_analysis_error_name(status),
	       (unsigned long long)slack.affordable_ns, slack.exact);
	uint32_t misses[2];
	int32_t total = kairos_analysis_predict_misses(analysis, 1000000, jobs, 2, next,
						       slack.affordable_ns + 1000000, misses);
	printf("predict=%d misses=%u,%u\n", total, misses[0], misses[1]);
	/* The same state committed in a slot and read back. */
	struct kairos_rt_slot slot = { .time_ns = 1000000, .task_count = 2 };
	slot.tasks[0] = (struct kairos_rt_task_state){ .next_release_ns = 2000000, .head_release_ns = 0,
						       .head_remaining_ns = 500000, .pending = 1 };
	slot.tasks[1] = (struct kairos_rt_task_state){ .next_release_ns = 10000000, .head_release_ns = 0,
						       .head_remaining_ns = 2000000, .pending = 1 };
	struct kairos_analysis_job read[4];
	uint64_t read_next[2], now;
	int32_t count = kairos_analysis_state_of_slot(analysis, &slot, read, 4, read_next, &now);
	struct kairos_analysis_slack again;
	kairos_analysis_slack(analysis, now, read, (uint32_t)count, read_next, 0, &again);
	printf("slot jobs=%d a=%llu\n", count, (unsigned long long)again.affordable_ns);
	kairos_analysis_free(analysis);
	tasks[1].deadline_ns = 20000000;
	status = kairos_analysis_check_tasks(tasks, 2, KAIROS_RT_SCHED_EDF, &error);
	printf("check=%s task=%u\n", kairos_analysis_error_name(status), error.task);
	return 0;
}
