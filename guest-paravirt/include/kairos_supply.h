/*
 * kairos_supply.h - reading the supply log of the real-time page (C guests): the spans during
 * which the vCPU was switched out (its core ran another VM's time partition, or a live
 * migration moved it) while its time went on. Each span is a blackout for the RTOS: releases
 * and deadlines in it happen (misses counted at the deadline), nothing executes.
 *
 * The protocol is in kairos.h (struct kairos_rt_supply) and guest-paravirt/PARAVIRT.md
 * ("Time partitions: the supply log"); these helpers are the C twin of the Kairos RTOS's
 * src/rtos/supply.rs. Use:
 *   - zero the page (the log included) before registering; cursor = {0, 0};
 *   - on every wake-up, read the counter first, then kairos_supply_read(): for each new span
 *     i < news.kept, kairos_supply_blackout(&news, i), clip it with kairos_supply_clip() to the
 *     kernel's time, handle the events before its start with the processor, then the span as a
 *     blackout, then dispatch, commit and report at its end;
 *   - charge job execution net of the growth of kairos_supply_stolen_ns();
 *   - after a recovery, kairos_supply_resync(): older spans fall in the recovery's blackout.
 *
 * SPDX-License-Identifier: MIT OR Apache-2.0
 */
#ifndef KAIROS_SUPPLY_H
#define KAIROS_SUPPLY_H

#include <stdint.h>

#include "kairos.h"

/* How far the guest has read the log. */
struct kairos_supply_cursor {
	uint64_t sequence;   /* spans before it are consumed */
	uint64_t stolen_ns;  /* stolen_ns at the last look */
};

/* What the log gained since the last look. */
struct kairos_supply_news {
	struct kairos_rt_span spans[KAIROS_RT_SUPPLY_SPANS]; /* the spans kept, oldest first */
	uint32_t kept;
	uint32_t reserved;
	uint64_t appended;   /* spans appended (kept and lost) */
	uint64_t stolen_ns;  /* their total length (growth of stolen_ns) */
	uint64_t lost;       /* spans the ring overwrote before they were read */
	uint64_t lost_ns;    /* their total: dark right before the first span kept */
};

/* A consistent copy of the log: sequence, dmb ishld, the rest, sequence again (retried if
 * the hypervisor appended meanwhile). */
void kairos_supply_snapshot(const struct kairos_rt_supply *log, struct kairos_rt_supply *copy);

/* The new spans of a snapshot after the cursor; moves the cursor past them. A log that went
 * backwards gives nothing. Returns news->appended != 0. */
int kairos_supply_take(struct kairos_supply_cursor *cursor, const struct kairos_rt_supply *snapshot,
		       struct kairos_supply_news *news);

/* kairos_supply_take() on the page's log, with a cheap look at its sequence first. */
int kairos_supply_read(struct kairos_supply_cursor *cursor, const struct kairos_rt_page *page,
		       struct kairos_supply_news *news);

/* Dark interval `index` (< news->kept) to apply: the span, the first one extended back by the
 * lost time. */
struct kairos_rt_span kairos_supply_blackout(const struct kairos_supply_news *news, uint32_t index);

/* Clips [*start, *end) to begin no earlier than now; returns 0 if nothing is left. */
int kairos_supply_clip(uint64_t *start, uint64_t *end, uint64_t now);

/* Time stolen so far (the log's stolen_ns), one volatile load. */
uint64_t kairos_supply_stolen_ns(const struct kairos_rt_page *page);

/* Marks every span logged so far as seen (after a recovery). */
void kairos_supply_resync(struct kairos_supply_cursor *cursor, const struct kairos_rt_page *page);

#endif /* KAIROS_SUPPLY_H */
