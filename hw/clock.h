/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.h — the machine clock and device timers.
 *
 * Time is nanoseconds since the machine started, read from CLOCK_MONOTONIC
 * (a deterministic, instruction-counted source comes with the soft engine).
 * Devices arm timers; whoever drives the machine (the frontend's event loop)
 * calls clock_run_due() under the machine lock and sleeps until
 * clock_next_deadline(). Timer callbacks run with the machine lock held. */
#ifndef MORPHEUS_CLOCK_H
#define MORPHEUS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_NEVER UINT64_MAX

struct clock_timer {
	uint64_t deadline;                     /* CLOCK_NEVER when not armed */
	void (*fire)(void *opaque, uint64_t now);
	void *opaque;
	struct clock_timer *next;              /* in the clock's armed list */
};

struct clock {
	uint64_t start_ns;                     /* host monotonic time at start */
	struct clock_timer *armed;             /* sorted by deadline */
	bool manual;                           /* time is manual_ns, set by its owner */
	uint64_t manual_ns;
	/* called (lock held) when a timer armed becomes the earliest: the
	 * driver's sleep must end sooner */
	void (*wake)(void *opaque);
	void *wake_opaque;
};

void clock_init(struct clock *clock);
uint64_t clock_now(const struct clock *clock);
/* Stops following the host clock: from now on clock_now() returns `now`
 * until the next call (unit tests step device time this way; then call
 * clock_run_due(clock, now) to fire what is due). Time must not go back. */
void clock_set_manual(struct clock *clock, uint64_t now);
/* Who drives the clock: told when its next deadline moves earlier (a
 * device armed a timer from another thread). */
void clock_set_wake(struct clock *clock, void (*wake)(void *opaque), void *opaque);
void clock_timer_init(struct clock_timer *t, void (*fire)(void *, uint64_t), void *opaque);
void clock_timer_arm(struct clock *clock, struct clock_timer *t, uint64_t deadline);
void clock_timer_cancel(struct clock *clock, struct clock_timer *t);
/* Fires every timer due at `now`; returns the next deadline or CLOCK_NEVER. */
uint64_t clock_run_due(struct clock *clock, uint64_t now);
uint64_t clock_next_deadline(const struct clock *clock);

/* Host monotonic time in nanoseconds (for statistics and calibration). */
uint64_t host_time_ns(void);

#endif
