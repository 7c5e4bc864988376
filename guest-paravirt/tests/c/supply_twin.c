/* Drives kairos_supply.c from stdin for tests/c_kit.rs: "a <start> <end>" appends a span as the
 * hypervisor does; "t" takes the new spans and prints what kairos_supply_* found. */
#include <stdio.h>

#include "kairos_supply.h"

int main(void)
{
	static struct kairos_rt_page page;
	struct kairos_supply_cursor cursor = { 0, 0 };
	char op;
	while (scanf(" %c", &op) == 1) {
		if (op == 'a') {
			unsigned long long start, end;
			if (scanf("%llu %llu", &start, &end) != 2)
				return 1;
			struct kairos_rt_supply *log = &page.supply;
			log->spans[log->sequence % KAIROS_RT_SUPPLY_SPANS].start_ns = start;
			log->spans[log->sequence % KAIROS_RT_SUPPLY_SPANS].end_ns = end;
			log->stolen_ns += end - start;
			log->sequence++;
			continue;
		}
		struct kairos_supply_news news;
		int any = kairos_supply_read(&cursor, &page, &news);
		printf("%d %llu %llu %llu %llu", any, (unsigned long long)news.appended,
		       (unsigned long long)news.stolen_ns, (unsigned long long)news.lost,
		       (unsigned long long)news.lost_ns);
		for (uint32_t i = 0; i < news.kept; i++) {
			struct kairos_rt_span span = kairos_supply_blackout(&news, i);
			printf(" %llu-%llu", (unsigned long long)span.start_ns,
			       (unsigned long long)span.end_ns);
		}
		printf(" | %llu\n", (unsigned long long)kairos_supply_stolen_ns(&page));
	}
	return 0;
}
