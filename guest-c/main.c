/*
 * main.c - rtos-c: a small tick-less RTOS in C, paravirtualized for Kairos with the C porting
 * kit alone (kairos.h, kairos_platform.h, kairos_supply.h, kairos_recovery.h and the analysis
 * library kairos_analysis.h). It runs the periodic task set of its device tree's /kairos/tasks
 * (or a built-in one), with synthetic jobs that occupy their core for their WCET, and:
 *  - registers the task set in the real-time page and its recovery entry;
 *  - at every scheduling event computes A(t) with the analysis library, commits the
 *    checkpoint and reports it (RtReport);
 *  - reports every deadline miss (RtDeadlineMiss);
 *  - on every wake-up replays the supply log's new spans as blackouts;
 *  - after a blackout resumes at the recovery entry from the committed checkpoint, at the
 *    instant the hypervisor planned, and prints the misses the analysis predicts for it.
 *
 * Console lines (parsed by tests/tests/c_guest.rs; the same words as the Rust RTOS's):
 *   TASKSET <edf|fp> n=<tasks> origin=<ns> source=<dt|builtin>, TASK <i> <name> C= T= D= O= P= S= J=
 *   MISS <task> <job> release=<ns> at=<ns>
 *   RECOVERED from=<t_u> at=<t_r> generation=<g>, then PREDICTED for=<ns> misses=<m0,m1,...>
 *   SUPPLY lost=<spans> ns=<ns> (the log overflowed)
 *   RESULT <task> <name> released= completed= missed= worst= last=, then DONE jobs= misses=
 *   events= dark=<spans>/<ns> slack_min= inexact= heap=<bytes>
 */
#include "console.h"
#include "kairos_platform.h"
#include "paravirt.h"

#define TASKS_PATH "/kairos/tasks"
#define ARENA_SIZE (96u * 1024u)

static struct kairos_rt_page page;
static struct schedule schedule;
static struct paravirt paravirt;
static char names[KAIROS_RT_MAX_TASKS][KAIROS_ANALYSIS_TASK_NAME_SIZE];
static uint64_t arena[ARENA_SIZE / 8];
static uint64_t dark_spans, dark_ns;

extern char __stack_top[];
extern char guest_vectors[];

void guest_main(uint64_t dtb);
void guest_exception(uint64_t vector, uint64_t esr, uint64_t elr, uint64_t far);

void kairos_analysis_fatal(const char *message, size_t length)
{
	for (size_t i = 0; i < length; i++)
		kairos_uart_putc(message[i]);
	stop("\nrtos-c: stopped by the analysis library\n");
}

void guest_exception(uint64_t vector, uint64_t esr, uint64_t elr, uint64_t far)
{
	stop("rtos-c: unexpected exception vector=%u esr=%x elr=%x far=%x\n", vector, esr, elr, far);
}

static void on_miss(uint32_t task, uint64_t job, uint64_t release, uint64_t time)
{
	say("MISS %u %u release=%u at=%u\n", (uint64_t)task, job, release, time);
	paravirt_on_miss(&paravirt, task, job, release);
}

/* The built-in task set (EDF, U = 0.45) when the device tree has none. */
static uint32_t builtin_tasks(uint32_t *scheduler)
{
	static const struct kairos_rt_task tasks[] = {
		{ .wcet_ns = 1000000, .period_ns = 5000000, .deadline_ns = 4000000, .job_limit = 40 },
		{ .wcet_ns = 5000000, .period_ns = 20000000, .deadline_ns = 20000000, .job_limit = 10 },
	};
	static const char *builtin_names[] = { "sensor", "control" };
	for (uint32_t i = 0; i < 2; i++) {
		page.tasks[i] = tasks[i];
		for (uint32_t c = 0; builtin_names[i][c]; c++)
			names[i][c] = builtin_names[i][c];
	}
	*scheduler = KAIROS_RT_SCHED_EDF;
	return 2;
}

/* The per-event work: A(t), commit, report. */
static void event(void)
{
	paravirt_on_event(&paravirt, &schedule);
}

/* Every task is done: the summary, then power off. */
static void __attribute__((noreturn)) finish(void)
{
	uint64_t jobs = 0, misses = 0;
	for (uint32_t task = 0; task < schedule.count; task++) {
		const struct task_state *state = &schedule.states[task];
		say("RESULT %u %s released=%u completed=%u missed=%u worst=%u last=%u\n", (uint64_t)task,
		    names[task], state->released, state->completed, state->missed,
		    state->worst_response, state->last_response);
		jobs += state->released;
		misses += state->missed;
	}
	say("DONE jobs=%u misses=%u events=%u dark=%u/%u slack_min=%u inexact=%u heap=%u\n", jobs,
	    misses, paravirt.events, dark_spans, dark_ns, paravirt.slack_min, paravirt.inexact,
	    (uint64_t)kairos_analysis_heap_used());
	kairos_system_off();
}

/* Applies the spans logged since the last look, each as a blackout. Returns 1 if any. */
static int apply_supply(void)
{
	struct kairos_supply_news news;
	if (!kairos_supply_read(&paravirt.supply, &page, &news))
		return 0;
	dark_spans += news.appended;
	dark_ns += news.stolen_ns;
	if (news.lost)
		say("SUPPLY lost=%u ns=%u\n", news.lost, news.lost_ns);
	for (uint32_t i = 0; i < news.kept; i++) {
		struct kairos_rt_span span = kairos_supply_blackout(&news, i);
		if (!kairos_supply_clip(&span.start_ns, &span.end_ns, schedule.now))
			continue;
		while (schedule_step_toward(&schedule, span.start_ns))
			event();
		kairos_sleep_until_ns(span.end_ns); /* a span may end ahead: dark until then */
		schedule_resume(&schedule, span.end_ns);
		event();
	}
	return 1;
}

/* The event loop: sleep until the next event, replay the supply log, handle the event. */
static void __attribute__((noreturn)) run(void)
{
	for (;;) {
		uint64_t next = schedule_next_event(&schedule, 1);
		if (next == NEVER)
			finish();
		/* The counter is read before the log: a span logged later started after it. */
		int reached = kairos_wait_until_ns(next);
		if (apply_supply() || !reached)
			continue;
		schedule_advance_to(&schedule, next);
		event();
	}
}

/* The recovery hook: the vCPU restarted at the recovery entry with x0 = the page. */
static void recover(uint64_t argument)
{
	kairos_supply_resync(&paravirt.supply, &page);
	uint64_t generation;
	if (paravirt_restore(&paravirt, &schedule, argument, &generation) < 0)
		stop("rtos-c: no committed checkpoint in the page at %x\n", argument);
	uint64_t from = schedule.now;
	uint64_t end = kairos_recovery_resume(&page, from);
	say("RECOVERED from=%u at=%u generation=%u\n", from, end, generation);
	uint32_t misses[KAIROS_RT_MAX_TASKS];
	int32_t total = paravirt_predict(&paravirt, end - from, misses);
	if (total < 0) {
		say("PREDICTED for=%u error=%s\n", end - from, kairos_analysis_error_name(total));
	} else {
		say("PREDICTED for=%u total=%u misses=", end - from, (uint64_t)total);
		for (uint32_t task = 0; task < schedule.count; task++)
			say(task ? ",%u" : "%u", (uint64_t)misses[task]);
		say("\n");
	}
	schedule_resume(&schedule, end);
	event();
	run();
}

/* Greets through the hypercalls: ABI version, identity, clock (one line, ConsoleWrite). */
static void greet(uint64_t dtb)
{
	uint64_t major = 0, minor = 0, vm = 0, vcpu = 0, core = 0, hz = 0;
	kairos_version(&major, &minor);
	if (major != KAIROS_ABI_MAJOR || minor < KAIROS_ABI_MINOR)
		stop("rtos-c: hypervisor ABI %u.%u, built for %u.%u\n", major, minor,
		     (uint64_t)KAIROS_ABI_MAJOR, (uint64_t)KAIROS_ABI_MINOR);
	kairos_who_am_i(&vm, &vcpu, &core);
	kairos_clock(&hz, 0);
	static const char hello[] = "rtos-c: hello through the console hypercall\n";
	kairos_console_write(hello, sizeof hello - 1);
	say("rtos-c: vm %u vcpu %u core %u abi %u.%u counter %u Hz (CNTFRQ %u) dtb %x\n", vm, vcpu,
	    core, major, minor, hz, kairos_counter_hz(), dtb);
}

void guest_main(uint64_t dtb)
{
	kairos_analysis_heap_init(arena, sizeof arena);
	if (kairos_counter_hz() == 0)
		stop("rtos-c: CNTFRQ_EL0 is 0: no time base\n");
	greet(dtb);
	uint32_t scheduler = KAIROS_RT_SCHED_EDF;
	int32_t count = KAIROS_ANALYSIS_E_NO_TASK_SET;
	if (dtb)
		count = kairos_analysis_tasks_from_dtb((const void *)(uintptr_t)dtb, TASKS_PATH,
						       page.tasks, KAIROS_RT_MAX_TASKS, &scheduler,
						       &names[0][0]);
	const char *source = "dt";
	if (count == KAIROS_ANALYSIS_E_NO_TASK_SET) {
		say("rtos-c: no %s in the device tree: running the built-in task set\n", TASKS_PATH);
		count = (int32_t)builtin_tasks(&scheduler);
		source = "builtin";
	} else if (count < 0) {
		stop("rtos-c: %s: %s\n", TASKS_PATH, kairos_analysis_error_name(count));
	}
	for (int32_t task = 0; task < count; task++)
		if (page.tasks[task].flags & KAIROS_RT_TASK_SPORADIC)
			stop("rtos-c: task %u is sporadic: this RTOS runs periodic tasks only\n",
			     (uint64_t)task);
	uint64_t origin = kairos_now_ns();
	schedule_init(&schedule, page.tasks, (uint32_t)count, scheduler, origin, on_miss);
	say("TASKSET %s n=%u origin=%u source=%s\n", scheduler == KAIROS_RT_SCHED_EDF ? "edf" : "fp",
	    (uint64_t)count, origin, source);
	for (int32_t task = 0; task < count; task++) {
		const struct kairos_rt_task *t = &page.tasks[task];
		say("TASK %u %s C=%u T=%u D=%u O=%u P=%u S=0 J=%u\n", (uint64_t)task, names[task],
		    t->wcet_ns, t->period_ns, t->deadline_ns, t->offset_ns, (uint64_t)t->priority,
		    t->job_limit);
	}
	int64_t registered = paravirt_register(&paravirt, &page, &schedule, __stack_top,
					       guest_vectors, recover);
	if (registered < 0)
		say("rtos-c: the hypervisor refused the real-time page: %d; running unreported\n",
		    registered);
	else
		say("rtos-c: real-time page at %x registered (%u tasks)\n",
		    (uint64_t)(uintptr_t)&page, (uint64_t)registered);
	uint64_t static_slack = 0;
	if (kairos_analysis_static_slack(paravirt.analysis, &static_slack) == KAIROS_ANALYSIS_OK)
		say("rtos-c: static slack %u ns\n", static_slack);
	schedule_advance_to(&schedule, origin);
	event();
	run();
}
