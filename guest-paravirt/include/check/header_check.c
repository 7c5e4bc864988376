/* Compiles kairos.h as a freestanding AArch64 guest would use it (see tests/c_header.rs). */
#include "kairos.h"

static struct kairos_rt_page page;

int64_t kairos_header_check(void);

int64_t kairos_header_check(void)
{
	page.header.magic = KAIROS_RT_PAGE_MAGIC;
	page.header.version = KAIROS_RT_PAGE_VERSION;
	page.header.size = KAIROS_RT_PAGE_SIZE;
	page.header.scheduler = KAIROS_RT_SCHED_EDF;
	page.header.task_count = 1;
	page.tasks[0].wcet_ns = 2000000;
	page.tasks[0].period_ns = 10000000;
	page.tasks[0].deadline_ns = 10000000;
	int64_t tasks = kairos_rt_register(&page);
	struct kairos_rt_slot *slot = kairos_rt_commit_begin(&page);
	slot->time_ns = 0;
	slot->affordable_ns = 8000000;
	slot->running = 0;
	slot->task_count = 1;
	uint64_t generation = kairos_rt_commit_end(&page, slot);
	int64_t status = kairos_rt_checkpoint(0x40080000u, (uint64_t)(uintptr_t)&page, generation);
	status |= kairos_rt_report(8000000, 0, 1, generation);
	status |= kairos_rt_deadline_miss(0, 0, 0);
	uint64_t major, minor, vm, vcpu, core, hz, count;
	status |= kairos_version(&major, &minor);
	status |= kairos_console_write("hi\n", 3);
	status |= kairos_console_putc('!');
	status |= kairos_who_am_i(&vm, &vcpu, &core);
	status |= kairos_clock(&hz, &count);
	struct kairos_rt_slot copy;
	const struct kairos_rt_slot *latest = kairos_rt_latest(&page, &copy);
	status |= latest ? (int64_t)latest->time_ns : 0;
	uint64_t appended = *(volatile uint64_t *)&page.supply.sequence;
	kairos_dmb_ld();
	status |= (int64_t)page.supply.spans[(appended - 1) % KAIROS_RT_SUPPLY_SPANS].end_ns;
	return tasks < 0 ? tasks : status;
}
