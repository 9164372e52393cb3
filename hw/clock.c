/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.c — machine time and the sorted list of armed device timers. */
#include "hw/clock.h"

#include <time.h>

uint64_t host_time_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void clock_init(struct clock *clock)
{
	clock->start_ns = host_time_ns();
	clock->armed = NULL;
	clock->manual = false;
	clock->manual_ns = 0;
	clock->wake = NULL;
	clock->wake_opaque = NULL;
}

void clock_set_wake(struct clock *clock, void (*wake)(void *opaque), void *opaque)
{
	clock->wake = wake;
	clock->wake_opaque = opaque;
}

uint64_t clock_now(const struct clock *clock)
{
	if (clock->manual)
		return clock->manual_ns;
	return host_time_ns() - clock->start_ns;
}

void clock_set_manual(struct clock *clock, uint64_t now)
{
	clock->manual = true;
	clock->manual_ns = now;
}

void clock_timer_init(struct clock_timer *t, void (*fire)(void *, uint64_t), void *opaque)
{
	t->deadline = CLOCK_NEVER;
	t->fire = fire;
	t->opaque = opaque;
	t->next = NULL;
}

void clock_timer_cancel(struct clock *clock, struct clock_timer *t)
{
	for (struct clock_timer **p = &clock->armed; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->next = NULL;
	t->deadline = CLOCK_NEVER;
}

void clock_timer_arm(struct clock *clock, struct clock_timer *t, uint64_t deadline)
{
	clock_timer_cancel(clock, t);
	t->deadline = deadline;
	struct clock_timer **p = &clock->armed;
	while (*p && (*p)->deadline <= deadline)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	if (clock->armed == t && clock->wake)
		clock->wake(clock->wake_opaque);
}

uint64_t clock_run_due(struct clock *clock, uint64_t now)
{
	while (clock->armed && clock->armed->deadline <= now) {
		struct clock_timer *t = clock->armed;
		clock->armed = t->next;
		t->next = NULL;
		t->deadline = CLOCK_NEVER;
		t->fire(t->opaque, now);   /* may re-arm t */
	}
	return clock_next_deadline(clock);
}

uint64_t clock_next_deadline(const struct clock *clock)
{
	return clock->armed ? clock->armed->deadline : CLOCK_NEVER;
}
