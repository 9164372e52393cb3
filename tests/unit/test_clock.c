/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_clock.c — device timers on the machine clock. */
#include "tests/unit/check_helpers.h"
#include "hw/clock.h"

struct fired {
	int count;
	uint64_t at[8];
	struct clock *clock;
	struct clock_timer *rearm;    /* re-arm this timer once from the callback */
};

static void on_fire(void *opaque, uint64_t now)
{
	struct fired *f = opaque;
	if (f->count < 8)
		f->at[f->count] = now;
	f->count++;
	if (f->rearm) {
		struct clock_timer *t = f->rearm;
		f->rearm = NULL;
		clock_timer_arm(f->clock, t, now + 50);
	}
}

START_TEST(test_timers_order_and_cancel)
{
	struct clock c;
	clock_init(&c);
	struct fired a = { .clock = &c }, b = { .clock = &c }, d = { .clock = &c };
	struct clock_timer ta, tb, td;
	clock_timer_init(&ta, on_fire, &a);
	clock_timer_init(&tb, on_fire, &b);
	clock_timer_init(&td, on_fire, &d);
	ck_assert_uint_eq(clock_next_deadline(&c), CLOCK_NEVER);
	clock_timer_arm(&c, &ta, 300);
	clock_timer_arm(&c, &tb, 100);
	clock_timer_arm(&c, &td, 200);
	ck_assert_uint_eq(clock_next_deadline(&c), 100);
	clock_timer_cancel(&c, &td);
	ck_assert_uint_eq(clock_run_due(&c, 99), 100);
	ck_assert_int_eq(b.count, 0);
	ck_assert_uint_eq(clock_run_due(&c, 150), 300);
	ck_assert_int_eq(b.count, 1);
	ck_assert_int_eq(d.count, 0);
	/* Re-arming moves a timer instead of duplicating it. */
	clock_timer_arm(&c, &ta, 400);
	clock_timer_arm(&c, &ta, 350);
	ck_assert_uint_eq(clock_run_due(&c, 1000), CLOCK_NEVER);
	ck_assert_int_eq(a.count, 1);
	ck_assert_uint_eq(a.at[0], 1000);
}
END_TEST

START_TEST(test_rearm_from_callback)
{
	struct clock c;
	clock_init(&c);
	struct fired f = { .clock = &c };
	struct clock_timer t;
	clock_timer_init(&t, on_fire, &f);
	f.rearm = &t;
	clock_timer_arm(&c, &t, 10);
	ck_assert_uint_eq(clock_run_due(&c, 20), 70);
	ck_assert_int_eq(f.count, 1);
	ck_assert_uint_eq(clock_run_due(&c, 70), CLOCK_NEVER);
	ck_assert_int_eq(f.count, 2);
}
END_TEST

START_TEST(test_now_advances)
{
	struct clock c;
	clock_init(&c);
	uint64_t a = clock_now(&c);
	uint64_t b = clock_now(&c);
	ck_assert_uint_ge(b, a);
	ck_assert_uint_lt(a, 1000000000ull);
}
END_TEST

START_TEST(test_manual_time)
{
	struct clock c;
	clock_init(&c);
	struct fired f = { .clock = &c };
	struct clock_timer t;
	clock_timer_init(&t, on_fire, &f);
	clock_set_manual(&c, 5000);
	ck_assert_uint_eq(clock_now(&c), 5000);
	clock_timer_arm(&c, &t, 7000);
	ck_assert_uint_eq(clock_run_due(&c, clock_now(&c)), 7000);
	ck_assert_int_eq(f.count, 0);
	clock_set_manual(&c, 7000);
	ck_assert_uint_eq(clock_now(&c), 7000);
	ck_assert_uint_eq(clock_run_due(&c, clock_now(&c)), CLOCK_NEVER);
	ck_assert_int_eq(f.count, 1);
	ck_assert_uint_eq(f.at[0], 7000);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_timers_order_and_cancel);
	tcase_add_test(tc, test_rearm_from_callback);
	tcase_add_test(tc, test_now_advances);
	tcase_add_test(tc, test_manual_time);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(clock_suite)
