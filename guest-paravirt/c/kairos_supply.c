/*
 * kairos_supply.c - the supply log reader of the C porting kit (kairos_supply.h). Portable C:
 * the host tests compile it too (guest-paravirt/tests/c_kit.rs).
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#include "kairos_supply.h"

static uint64_t load(const uint64_t *word)
{
	return *(const volatile uint64_t *)word;
}

void kairos_supply_snapshot(const struct kairos_rt_supply *log, struct kairos_rt_supply *copy)
{
	for (;;) {
		uint64_t sequence = load(&log->sequence);
		kairos_dmb_ld();
		copy->sequence = sequence;
		copy->stolen_ns = load(&log->stolen_ns);
		for (uint32_t i = 0; i < KAIROS_RT_SUPPLY_SPANS; i++) {
			copy->spans[i].start_ns = load(&log->spans[i].start_ns);
			copy->spans[i].end_ns = load(&log->spans[i].end_ns);
		}
		kairos_dmb_ld();
		if (load(&log->sequence) == sequence)
			return;
	}
}

static uint64_t span_length(const struct kairos_rt_span *span)
{
	return span->end_ns > span->start_ns ? span->end_ns - span->start_ns : 0;
}

int kairos_supply_take(struct kairos_supply_cursor *cursor, const struct kairos_rt_supply *snapshot,
		       struct kairos_supply_news *news)
{
	news->kept = 0;
	news->reserved = 0;
	news->appended = news->stolen_ns = news->lost = news->lost_ns = 0;
	if (snapshot->sequence > cursor->sequence) {
		news->appended = snapshot->sequence - cursor->sequence;
		news->stolen_ns = snapshot->stolen_ns > cursor->stolen_ns
					  ? snapshot->stolen_ns - cursor->stolen_ns : 0;
		news->kept = news->appended < KAIROS_RT_SUPPLY_SPANS ? (uint32_t)news->appended
								     : KAIROS_RT_SUPPLY_SPANS;
		uint64_t first = snapshot->sequence - news->kept;
		uint64_t kept_ns = 0;
		for (uint32_t i = 0; i < news->kept; i++) {
			news->spans[i] = snapshot->spans[(first + i) % KAIROS_RT_SUPPLY_SPANS];
			kept_ns += span_length(&news->spans[i]);
		}
		news->lost = news->appended - news->kept;
		if (news->lost > 0)
			news->lost_ns = news->stolen_ns > kept_ns ? news->stolen_ns - kept_ns : 0;
	}
	cursor->sequence = snapshot->sequence;
	cursor->stolen_ns = snapshot->stolen_ns;
	return news->appended != 0;
}

int kairos_supply_read(struct kairos_supply_cursor *cursor, const struct kairos_rt_page *page,
		       struct kairos_supply_news *news)
{
	if (load(&page->supply.sequence) == cursor->sequence) {
		news->kept = 0;
		news->appended = news->stolen_ns = news->lost = news->lost_ns = 0;
		return 0;
	}
	struct kairos_rt_supply snapshot;
	kairos_supply_snapshot(&page->supply, &snapshot);
	return kairos_supply_take(cursor, &snapshot, news);
}

struct kairos_rt_span kairos_supply_blackout(const struct kairos_supply_news *news, uint32_t index)
{
	struct kairos_rt_span span = news->spans[index];
	if (index == 0)
		span.start_ns = span.start_ns > news->lost_ns ? span.start_ns - news->lost_ns : 0;
	return span;
}

int kairos_supply_clip(uint64_t *start, uint64_t *end, uint64_t now)
{
	if (*start < now)
		*start = now;
	return *end > *start;
}

uint64_t kairos_supply_stolen_ns(const struct kairos_rt_page *page)
{
	return load(&page->supply.stolen_ns);
}

void kairos_supply_resync(struct kairos_supply_cursor *cursor, const struct kairos_rt_page *page)
{
	struct kairos_rt_supply snapshot;
	kairos_supply_snapshot(&page->supply, &snapshot);
	cursor->sequence = snapshot.sequence;
	cursor->stolen_ns = snapshot.stolen_ns;
}
