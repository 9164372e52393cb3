/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pit.c — the 8254 and port 0x61 through the port bus, on manual
 * machine time: counts and OUT in every mode at given input-clock ticks,
 * the gates (port 0x61 bit 0) with mode 1/5 triggers and mode 0/2/3
 * gating, port 0x61 bit 5 and the refresh toggle, the latch and read-back
 * commands, BCD, the access modes, new counts during counting, IRQ 0 edges
 * at 100 Hz and 1000 Hz over a second, the minimum IRQ period, reset and
 * register abuse.
 *
 * Times are in input-clock ticks from 0 (the count is written at tick 0
 * unless said otherwise). Expected values are worked out from the
 * datasheet: the count N is loaded by the first pulse after the write and
 * the k-th pulse after that leaves N - k, so mode 0's OUT rises at tick
 * N + 1. */
#include <stdbool.h>

#include "check_helpers.h"
#include "hw/pit8254.h"

static struct machine m;
static struct pit8254 *pit;

static struct {
	int edges;          /* rising edges of IRQ 0 */
	int level;
	int other_lines;    /* calls for lines other than 0 */
} irq;

static void sink_set_level(void *opaque, int line, int level)
{
	(void)opaque;
	if (line != 0) {
		irq.other_lines++;
		return;
	}
	if (level && !irq.level)
		irq.edges++;
	irq.level = level;
}

static void setup(void)
{
	test_machine_create(&m, 4 << 20);
	clock_set_manual(&m.clock, 0);
	irq.edges = irq.level = irq.other_lines = 0;
	m.irq.set_level = sink_set_level;
	m.irq.opaque = NULL;
	struct error err = { 0 };
	int rc = pit8254_create(&m, &pit, &err);
	ck_assert_msg(rc == 0, "pit8254_create: %s", err.msg);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static uint8_t in(uint16_t port)
{
	return machine_io_read(&m, port, 1);
}

static void out(uint16_t port, uint8_t v)
{
	machine_io_write(&m, port, 1, v);
}

/* The first nanosecond at which input-clock tick k has happened. */
static uint64_t tick_ns(uint64_t k)
{
	return (k * 1000000000ull + 1193181) / 1193182;
}

/* Advances machine time to `end` ns, firing every timer at its deadline as
 * the frontend's event loop would; returns how many times timers fired. */
static int run_until(uint64_t end)
{
	int fires = 0;
	uint64_t now = clock_now(&m.clock);
	for (;;) {
		uint64_t d = clock_next_deadline(&m.clock);
		if (d > end)
			break;
		if (d > now)
			now = d;
		clock_set_manual(&m.clock, now);
		clock_run_due(&m.clock, now);
		fires++;
		ck_assert_msg(fires < 10000000, "timer storm");
	}
	if (end > now)
		now = end;
	clock_set_manual(&m.clock, now);
	clock_run_due(&m.clock, now);
	return fires;
}

static void at_tick(uint64_t k)
{
	run_until(tick_ns(k));
}

static void set_count(int ch, uint16_t v)
{
	out(0x40 + ch, v & 0xff);
	out(0x40 + ch, v >> 8);
}

/* A live LSB-then-MSB read. */
static uint16_t read_count(int ch)
{
	uint16_t lo = in(0x40 + ch);
	return (uint16_t)(lo | in(0x40 + ch) << 8);
}

/* The read-back command latching the status of one channel. */
static uint8_t status(int ch)
{
	out(0x43, 0xe0 | 2 << ch);
	return in(0x40 + ch);
}

static bool out_pin(int ch)
{
	return status(ch) & 0x80;
}

static bool port61_out2(void)
{
	return in(0x61) & 0x20;
}

/* Checks a channel's count and OUT at tick k. */
#define CHECK_AT(ch, k, count, outv)                                              \
	do {                                                                      \
		at_tick(k);                                                       \
		uint16_t c_ = read_count(ch);                                     \
		ck_assert_msg(c_ == (count), "tick %d: count %u, expected %u",    \
			      (int)(k), c_, (unsigned)(count));                   \
		ck_assert_msg(out_pin(ch) == (outv), "tick %d: OUT %d, expected %d", \
			      (int)(k), !(outv), (outv));                         \
	} while (0)

/* --- the modes -------------------------------------------------------------- */

START_TEST(test_mode0_interrupt_on_terminal_count)
{
	out(0x43, 0x30);                        /* ch0, LSB/MSB, mode 0 */
	ck_assert_uint_eq(status(0), 0x70);     /* OUT low, null count */
	set_count(0, 1000);
	ck_assert_uint_eq(status(0), 0x70);     /* not loaded before the next pulse */
	CHECK_AT(0, 1, 1000, false);
	ck_assert_uint_eq(status(0), 0x30);     /* loaded: null count clear */
	CHECK_AT(0, 500, 501, false);
	CHECK_AT(0, 1000, 1, false);
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 1001, 0, true);
	ck_assert_int_eq(irq.edges, 1);
	ck_assert_uint_eq(status(0), 0xb0);
	CHECK_AT(0, 1002, 0xffff, true);        /* keeps counting, wraps */
	CHECK_AT(0, 70000, 62073, true);        /* 1000 - 69999 + 131072 */
	ck_assert_int_eq(irq.edges, 1);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_int_eq(irq.other_lines, 0);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
}
END_TEST

START_TEST(test_mode0_rewrite_stops_counting)
{
	out(0x43, 0x30);
	set_count(0, 1000);
	CHECK_AT(0, 100, 901, false);
	out(0x40, 0x34);                        /* first byte: counting stops */
	CHECK_AT(0, 200, 901, false);
	at_tick(1001);
	ck_assert_int_eq(irq.edges, 0);         /* the old count never expires */
	out(0x40, 0x12);                        /* 0x1234 = 4660, loaded at 1002 */
	CHECK_AT(0, 1002, 4660, false);
	CHECK_AT(0, 1101, 4561, false);
	CHECK_AT(0, 5661, 1, false);
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 5662, 0, true);
	ck_assert_int_eq(irq.edges, 1);
}
END_TEST

START_TEST(test_mode1_gate_trigger)
{
	out(0x61, 0x00);                        /* gate 2 low */
	out(0x43, 0xb2);                        /* ch2, LSB/MSB, mode 1 */
	set_count(2, 10);
	at_tick(5);
	ck_assert(out_pin(2));                  /* waits for a trigger */
	ck_assert(port61_out2());
	ck_assert_uint_eq(status(2) & 0x40, 0x40);
	out(0x61, 0x01);                        /* trigger at tick 5 */
	ck_assert(out_pin(2));
	CHECK_AT(2, 6, 10, false);
	ck_assert(!port61_out2());
	ck_assert_uint_eq(status(2) & 0x40, 0x00);
	CHECK_AT(2, 15, 1, false);
	CHECK_AT(2, 16, 0, true);
	ck_assert(port61_out2());
	CHECK_AT(2, 17, 0xffff, true);
	/* Another trigger: a new one-shot. */
	at_tick(20);
	out(0x61, 0x00);
	at_tick(30);
	out(0x61, 0x01);
	CHECK_AT(2, 31, 10, false);
	/* Retriggered during the pulse: it restarts; the gate level itself
	 * does not stop counting. */
	at_tick(35);
	out(0x61, 0x00);
	out(0x61, 0x01);
	at_tick(40);
	out(0x61, 0x00);
	CHECK_AT(2, 45, 1, false);
	CHECK_AT(2, 46, 0, true);
	/* A new count waits for the next trigger. */
	set_count(2, 3);
	CHECK_AT(2, 50, (uint16_t)(46 - 50), true);   /* 10 - (50 - 36) */
	out(0x61, 0x01);
	CHECK_AT(2, 51, 3, false);
	CHECK_AT(2, 54, 0, true);
	ck_assert_int_eq(irq.edges, 0);         /* channel 2 is not IRQ 0 */
}
END_TEST

START_TEST(test_mode2_rate_generator)
{
	out(0x43, 0x34);                        /* ch0, LSB/MSB, mode 2 */
	set_count(0, 100);
	CHECK_AT(0, 1, 100, true);
	CHECK_AT(0, 50, 51, true);
	CHECK_AT(0, 99, 2, true);
	CHECK_AT(0, 100, 1, false);             /* low for one pulse at 1 */
	ck_assert_uint_eq(status(0), 0x34);
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 101, 100, true);            /* reloaded */
	ck_assert_int_eq(irq.edges, 1);
	CHECK_AT(0, 150, 51, true);
	CHECK_AT(0, 200, 1, false);
	CHECK_AT(0, 201, 100, true);
	ck_assert_int_eq(irq.edges, 2);
	at_tick(1000);
	ck_assert_int_eq(irq.edges, 9);
	at_tick(1001);
	ck_assert_int_eq(irq.edges, 10);
}
END_TEST

START_TEST(test_mode2_gate)
{
	out(0x61, 0x01);
	out(0x43, 0xb4);                        /* ch2, mode 2 */
	set_count(2, 10);
	CHECK_AT(2, 10, 1, false);
	ck_assert(!port61_out2());
	out(0x61, 0x00);                        /* gate low: OUT high at once */
	ck_assert(port61_out2());
	CHECK_AT(2, 20, 1, true);               /* not counting */
	out(0x61, 0x01);                        /* rising edge: reload */
	CHECK_AT(2, 21, 10, true);
	CHECK_AT(2, 30, 1, false);
	CHECK_AT(2, 31, 10, true);
}
END_TEST

START_TEST(test_mode3_square_wave)
{
	out(0x43, 0x36);                        /* ch0, mode 3 */
	set_count(0, 100);
	CHECK_AT(0, 1, 100, true);
	CHECK_AT(0, 2, 98, true);
	CHECK_AT(0, 50, 2, true);
	CHECK_AT(0, 51, 100, false);
	CHECK_AT(0, 52, 98, false);
	CHECK_AT(0, 100, 2, false);
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 101, 100, true);
	ck_assert_int_eq(irq.edges, 1);

	/* Odd count 5 on channel 1: N - 1 loaded, high 3 pulses, low 2. */
	out(0x43, 0x76);
	at_tick(1000);
	set_count(1, 5);
	CHECK_AT(1, 1001, 4, true);
	CHECK_AT(1, 1002, 2, true);
	CHECK_AT(1, 1003, 0, true);
	CHECK_AT(1, 1004, 4, false);
	CHECK_AT(1, 1005, 2, false);
	CHECK_AT(1, 1006, 4, true);
	CHECK_AT(1, 1007, 2, true);
	CHECK_AT(1, 1009, 4, false);
	/* Count 3: high 2, low 1. */
	set_count(1, 3);
	out(0x43, 0x76);
	set_count(1, 3);
	CHECK_AT(1, 1010, 2, true);
	CHECK_AT(1, 1011, 0, true);
	CHECK_AT(1, 1012, 2, false);
	CHECK_AT(1, 1013, 2, true);
}
END_TEST

START_TEST(test_mode3_speaker_port61)
{
	out(0x61, 0x03);                        /* gate 2 and speaker data */
	ck_assert_uint_eq(in(0x61) & 0x0f, 0x03);
	out(0x43, 0xb6);                        /* ch2, mode 3 */
	set_count(2, 100);
	at_tick(1);
	ck_assert(port61_out2());
	at_tick(50);
	ck_assert(port61_out2());
	at_tick(51);
	ck_assert(!port61_out2());
	at_tick(100);
	ck_assert(!port61_out2());
	at_tick(101);
	ck_assert(port61_out2());
	at_tick(160);
	ck_assert(!port61_out2());
	out(0x61, 0x02);                        /* gate low while OUT low: high */
	ck_assert(port61_out2());
	ck_assert_uint_eq(in(0x61) & 0x0f, 0x02);
	at_tick(500);
	ck_assert(port61_out2());
	out(0x61, 0x03);                        /* restart the square wave */
	at_tick(550);
	ck_assert(port61_out2());
	at_tick(551);
	ck_assert(!port61_out2());
}
END_TEST

START_TEST(test_mode0_gate)
{
	out(0x61, 0x01);
	out(0x43, 0xb0);                        /* ch2, mode 0 */
	set_count(2, 10);
	CHECK_AT(2, 5, 6, false);
	out(0x61, 0x00);                        /* counting stops */
	CHECK_AT(2, 50, 6, false);
	out(0x61, 0x01);                        /* and goes on */
	CHECK_AT(2, 54, 2, false);
	CHECK_AT(2, 55, 1, false);
	CHECK_AT(2, 56, 0, true);
	ck_assert(port61_out2());
	/* A count written with the gate low is loaded; counting waits. */
	out(0x61, 0x00);
	set_count(2, 4);
	CHECK_AT(2, 100, 4, false);
	out(0x61, 0x01);
	CHECK_AT(2, 103, 1, false);
	CHECK_AT(2, 104, 0, true);
}
END_TEST

START_TEST(test_mode4_software_strobe)
{
	out(0x43, 0x38);                        /* ch0, mode 4 */
	ck_assert(out_pin(0));
	set_count(0, 10);
	CHECK_AT(0, 1, 10, true);
	CHECK_AT(0, 10, 1, true);
	CHECK_AT(0, 11, 0, false);              /* strobe: one pulse low */
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 12, 0xffff, true);
	ck_assert_int_eq(irq.edges, 1);
	at_tick(200000);
	ck_assert_int_eq(irq.edges, 1);         /* once per count */
	ck_assert(out_pin(0));
}
END_TEST

START_TEST(test_mode5_hardware_strobe)
{
	out(0x61, 0x00);
	out(0x43, 0xba);                        /* ch2, mode 5 */
	set_count(2, 10);
	at_tick(5);
	out(0x61, 0x01);                        /* trigger */
	CHECK_AT(2, 6, 10, true);
	CHECK_AT(2, 15, 1, true);
	CHECK_AT(2, 16, 0, false);
	ck_assert(!port61_out2());
	CHECK_AT(2, 17, 0xffff, true);
	CHECK_AT(2, 1000, (uint16_t)(10 - 994), true);
	/* Retrigger. */
	out(0x61, 0x00);
	out(0x61, 0x01);
	CHECK_AT(2, 1001, 10, true);
	CHECK_AT(2, 1011, 0, false);
	CHECK_AT(2, 1012, 0xffff, true);
}
END_TEST

/* --- counts written while counting ------------------------------------------- */

START_TEST(test_mode2_new_count_next_period)
{
	out(0x43, 0x34);
	set_count(0, 100);
	at_tick(50);
	set_count(0, 200);
	ck_assert_uint_eq(status(0) & 0x40, 0x40);   /* null count: waiting */
	CHECK_AT(0, 100, 1, false);
	CHECK_AT(0, 101, 200, true);
	ck_assert_uint_eq(status(0) & 0x40, 0x00);
	ck_assert_int_eq(irq.edges, 1);
	CHECK_AT(0, 102, 199, true);
	at_tick(300);
	ck_assert_int_eq(irq.edges, 1);
	at_tick(301);
	ck_assert_int_eq(irq.edges, 2);
	/* From the illegal count 1 (OUT stuck low, no edges): the new count
	 * is loaded on the next pulse, and OUT rises then. */
	out(0x43, 0x34);
	at_tick(1000);
	set_count(0, 1);
	CHECK_AT(0, 2000, 1, false);
	ck_assert_int_eq(irq.edges, 2);
	set_count(0, 100);
	CHECK_AT(0, 2000, 1, false);
	CHECK_AT(0, 2001, 100, true);
	ck_assert_int_eq(irq.edges, 3);
	at_tick(2100);
	ck_assert_int_eq(irq.edges, 3);
	at_tick(2101);
	ck_assert_int_eq(irq.edges, 4);
}
END_TEST

START_TEST(test_mode3_new_count_next_half_cycle)
{
	/* Periods above the minimum IRQ period, so that edges come on time. */
	out(0x43, 0x36);
	set_count(0, 10000);
	at_tick(1000);
	set_count(0, 5000);                     /* during the high half (1-5000) */
	CHECK_AT(0, 5000, 2, true);
	CHECK_AT(0, 5001, 5000, false);         /* the low half of the new count */
	CHECK_AT(0, 5002, 4998, false);
	CHECK_AT(0, 7500, 2, false);
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 7501, 5000, true);
	ck_assert_int_eq(irq.edges, 1);
	at_tick(12500);
	ck_assert_int_eq(irq.edges, 1);
	at_tick(12501);
	ck_assert_int_eq(irq.edges, 2);
	/* During the low half (15001-17500): takes effect at the next period. */
	at_tick(16000);
	set_count(0, 2000);
	ck_assert_uint_eq(status(0) & 0x40, 0x40);
	CHECK_AT(0, 17500, 2, false);
	ck_assert_int_eq(irq.edges, 2);
	CHECK_AT(0, 17501, 2000, true);
	ck_assert_uint_eq(status(0) & 0x40, 0x00);
	ck_assert_int_eq(irq.edges, 3);
	CHECK_AT(0, 18501, 2000, false);
	at_tick(19500);
	ck_assert_int_eq(irq.edges, 3);
	at_tick(19501);
	ck_assert_int_eq(irq.edges, 4);
}
END_TEST

START_TEST(test_control_word_stops_channel)
{
	out(0x43, 0x34);
	set_count(0, 100);
	at_tick(150);
	ck_assert_int_eq(irq.edges, 1);
	out(0x43, 0x34);
	ck_assert_uint_eq(status(0), 0xf4);     /* OUT high, null count */
	CHECK_AT(0, 1000, 51, true);            /* holds what it read at 150 */
	ck_assert_int_eq(irq.edges, 1);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	/* Mode 0's control word drives OUT low. */
	out(0x43, 0x30);
	ck_assert(!out_pin(0));
}
END_TEST

/* --- latch, read-back, access modes, BCD ------------------------------------ */

START_TEST(test_counter_latch)
{
	out(0x43, 0x34);
	set_count(0, 1000);
	at_tick(100);
	out(0x43, 0x00);                        /* latch channel 0: 901 */
	at_tick(200);
	out(0x43, 0x00);                        /* ignored: already latched */
	at_tick(300);
	ck_assert_uint_eq(read_count(0), 901);
	ck_assert_uint_eq(read_count(0), 701);  /* live again */
	/* LSB-only and MSB-only latches give one byte. */
	out(0x43, 0x14);                        /* ch0, LSB only, mode 2 */
	out(0x40, 0xc8);                        /* 200, loaded at 301 */
	at_tick(351);
	out(0x43, 0x00);
	at_tick(360);
	ck_assert_uint_eq(in(0x40), 150);
	ck_assert_uint_eq(in(0x40), 141);
	out(0x43, 0x24);                        /* MSB only */
	out(0x40, 0x03);                        /* 0x300 = 768, loaded at 361 */
	at_tick(361 + 512);                     /* 256 = 0x100 */
	out(0x43, 0x00);
	at_tick(361 + 700);
	ck_assert_uint_eq(in(0x40), 0x01);
	ck_assert_uint_eq(in(0x40), 0x00);      /* live: 68 */
}
END_TEST

START_TEST(test_read_back)
{
	out(0x43, 0x34);
	set_count(0, 1000);
	out(0x61, 0x01);
	out(0x43, 0xb0);                        /* ch2, mode 0 */
	set_count(2, 50);
	at_tick(100);
	out(0x43, 0xca);                        /* count and status of 0 and 2 */
	at_tick(150);
	ck_assert_uint_eq(in(0x40), 0xb4);      /* status first */
	ck_assert_uint_eq(read_count(0), 901);
	ck_assert_uint_eq(in(0x42), 0xb0);
	ck_assert_uint_eq(read_count(2), (uint16_t)(50 - 99));
	/* Status only: the next reads are live counts. */
	out(0x43, 0xe2);
	ck_assert_uint_eq(in(0x40), 0xb4);
	ck_assert_uint_eq(read_count(0), 851);
	/* Count only. */
	out(0x43, 0xd2);
	at_tick(160);
	ck_assert_uint_eq(read_count(0), 851);
	/* A second status latch before the read is ignored. */
	at_tick(999);
	out(0x43, 0xe2);                        /* OUT high at 999 */
	at_tick(1000);
	out(0x43, 0xe2);                        /* OUT low at 1000 */
	ck_assert_uint_eq(in(0x40), 0xb4);
	ck_assert_uint_eq(status(0), 0x34);
	/* Channel 1 alone, with a mode 6 (x10) control word. */
	out(0x43, 0x7c);
	ck_assert_uint_eq(status(1), 0xfc);     /* OUT high, null, mode bits 110 */
	set_count(1, 10);
	at_tick(1010);
	ck_assert_uint_eq(status(1), 0x3c);     /* acts as mode 2: low at 1 */
	/* Every channel at once. */
	out(0x43, 0xce);
	ck_assert_uint_eq(in(0x41), 0x3c);
	ck_assert_uint_eq(read_count(1), 1);
}
END_TEST

START_TEST(test_access_modes)
{
	out(0x43, 0x10);                        /* ch0, LSB only, mode 0 */
	out(0x40, 0x50);
	at_tick(1);
	ck_assert_uint_eq(in(0x40), 0x50);
	ck_assert_uint_eq(in(0x40), 0x50);      /* no flip-flop */
	at_tick(2);
	ck_assert_uint_eq(in(0x40), 0x4f);
	CHECK_AT(0, 2, 0x4f4f, false);          /* two LSB reads */
	out(0x43, 0x20);                        /* MSB only */
	out(0x40, 0x02);                        /* 0x200, loaded at 3 */
	at_tick(3);
	ck_assert_uint_eq(in(0x40), 0x02);
	at_tick(4);
	ck_assert_uint_eq(in(0x40), 0x01);      /* 0x1ff */
	/* A control word resets the write flip-flop: a lone LSB is dropped. */
	out(0x43, 0x30);
	out(0x40, 0x99);
	out(0x43, 0x30);
	set_count(0, 16);
	CHECK_AT(0, 5, 16, false);
	/* ...and the read flip-flop. */
	ck_assert_uint_eq(in(0x40), 16);
	out(0x43, 0x30);
	set_count(0, 0x1234);
	at_tick(6);
	ck_assert_uint_eq(read_count(0), 0x1234);
	/* Count 0 is 65536. */
	set_count(0, 0);
	CHECK_AT(0, 7, 0, false);
	CHECK_AT(0, 8, 0xffff, false);
	CHECK_AT(0, 6 + 65536, 1, false);
	CHECK_AT(0, 6 + 65537, 0, true);
}
END_TEST

START_TEST(test_bcd)
{
	out(0x43, 0x35);                        /* ch0, mode 2, BCD */
	set_count(0, 0x1000);
	CHECK_AT(0, 1, 0x1000, true);
	CHECK_AT(0, 2, 0x0999, true);
	CHECK_AT(0, 11, 0x0990, true);
	ck_assert_uint_eq(status(0), 0xb5);
	CHECK_AT(0, 1000, 0x0001, false);
	ck_assert_int_eq(irq.edges, 0);
	CHECK_AT(0, 1001, 0x1000, true);
	ck_assert_int_eq(irq.edges, 1);
	/* Count 0 is 10000 in BCD. */
	out(0x43, 0x31);                        /* mode 0, BCD */
	at_tick(2000);
	set_count(0, 0);
	CHECK_AT(0, 2001, 0x0000, false);
	CHECK_AT(0, 2002, 0x9999, false);
	CHECK_AT(0, 12000, 0x0001, false);
	CHECK_AT(0, 12001, 0x0000, true);
	CHECK_AT(0, 12002, 0x9999, true);
	/* Mode 2, BCD count 0: a period of 10000 pulses. */
	out(0x43, 0x35);
	at_tick(20000);
	set_count(0, 0);
	int before = irq.edges;
	at_tick(30000);
	ck_assert_int_eq(irq.edges, before);
	at_tick(30001);
	ck_assert_int_eq(irq.edges, before + 1);
	at_tick(40001);
	ck_assert_int_eq(irq.edges, before + 2);
}
END_TEST

/* --- IRQ 0 ------------------------------------------------------------------- */

static void program_periodic(uint8_t mode_cw, uint16_t count)
{
	out(0x43, mode_cw);
	set_count(0, count);
}

START_TEST(test_irq0_100hz)
{
	/* 11932 pulses: rising edges at ticks 11932k + 1; 1 s is tick 1193182,
	 * so 99 edges by 1 s and the 100th at 1.0000176 s. */
	program_periodic(0x34, 11932);
	int fires = run_until(1000000000ull);
	ck_assert_int_eq(irq.edges, 99);
	ck_assert_int_eq(fires, 99);            /* one timer per period */
	run_until(1001000000ull);
	ck_assert_int_eq(irq.edges, 100);
	ck_assert_int_eq(irq.level, 0);
}
END_TEST

START_TEST(test_irq0_100hz_square_wave_coarse_steps)
{
	/* The same with mode 3 and the clock stepped every millisecond. */
	program_periodic(0x36, 11932);
	for (uint64_t ms = 1; ms <= 1000; ms++) {
		clock_set_manual(&m.clock, ms * 1000000);
		clock_run_due(&m.clock, ms * 1000000);
	}
	ck_assert_int_eq(irq.edges, 99);
	clock_set_manual(&m.clock, 1001000000);
	clock_run_due(&m.clock, 1001000000);
	ck_assert_int_eq(irq.edges, 100);
}
END_TEST

START_TEST(test_irq0_1000hz)
{
	/* 1193 pulses: edges at 1193k + 1 <= 1193182: k <= 1000. */
	program_periodic(0x36, 1193);
	run_until(1000000000ull);
	ck_assert_int_eq(irq.edges, 1000);
	irq.edges = 0;
	/* Re-programmed at 1 s (tick 1193182): edges at 1193182 + 1193k + 1
	 * up to tick 2386364 (2 s): k <= 1000.15 again. */
	program_periodic(0x34, 1193);
	run_until(2000000000ull);
	ck_assert_int_eq(irq.edges, 1000);
	run_until(2000200000ull);               /* the next at tick 2387376 */
	ck_assert_int_eq(irq.edges, 1000);
	run_until(2000900000ull);
	ck_assert_int_eq(irq.edges, 1001);
}
END_TEST

START_TEST(test_irq0_minimum_period)
{
	/* Count 2: the hardware would pulse every 1.7 us; the edges come at
	 * most every 50 us: the first at tick 3 (2515 ns), then 2515 + 50000k
	 * up to 10 ms: k = 0..199. */
	program_periodic(0x34, 2);
	int fires = run_until(10000000);
	ck_assert_int_eq(irq.edges, 200);
	ck_assert_int_le(fires, 200);
	/* Count 1 is illegal in modes 2 and 3: no edges at all. */
	program_periodic(0x34, 1);
	irq.edges = 0;
	run_until(20000000);
	ck_assert_int_eq(irq.edges, 0);
	program_periodic(0x36, 1);
	run_until(30000000);
	ck_assert_int_eq(irq.edges, 0);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
}
END_TEST

START_TEST(test_irq0_late_timer_coalesces)
{
	/* 1000 Hz, but the clock jumps 10 ms: one edge, then on time again. */
	program_periodic(0x34, 1193);
	clock_set_manual(&m.clock, 10000000);
	clock_run_due(&m.clock, 10000000);
	ck_assert_int_eq(irq.edges, 1);
	/* Next rise after tick 11931 (10 ms): 1193 * 11 + 1 = 13124 */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), tick_ns(13124));
}
END_TEST

/* --- port 0x61, reset, abuse ------------------------------------------------- */

START_TEST(test_port61)
{
	ck_assert_uint_eq(in(0x61) & 0xdf, 0x00);
	ck_assert(port61_out2());               /* reset: mode 3, OUT high */
	out(0x61, 0xff);
	ck_assert_uint_eq(in(0x61) & 0xcf, 0x0f);   /* bits 6-7 read 0 */
	out(0x61, 0x00);
	/* The refresh bit toggles every 18 pulses. */
	at_tick(17);
	ck_assert_uint_eq(in(0x61) & 0x10, 0x00);
	at_tick(18);
	ck_assert_uint_eq(in(0x61) & 0x10, 0x10);
	at_tick(35);
	ck_assert_uint_eq(in(0x61) & 0x10, 0x10);
	at_tick(36);
	ck_assert_uint_eq(in(0x61) & 0x10, 0x00);
}
END_TEST

START_TEST(test_reset_state)
{
	ck_assert_uint_eq(status(0), 0xf6);     /* OUT high, null, LSB/MSB, mode 3 */
	ck_assert_uint_eq(status(1), 0xf6);
	ck_assert_uint_eq(status(2), 0xf6);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	program_periodic(0x34, 100);
	out(0x61, 0x03);
	at_tick(150);
	machine_reset_devices(&m);
	ck_assert_uint_eq(status(0), 0xf6);
	ck_assert_uint_eq(in(0x61) & 0x0f, 0x00);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	at_tick(10000);
	ck_assert_int_eq(irq.edges, 1);
}
END_TEST

START_TEST(test_register_abuse)
{
	/* Reads of the write-only control port, wide accesses, reads and
	 * writes in every state: defined values, no timer storms. */
	ck_assert_uint_eq(in(0x43), 0xff);
	machine_io_write(&m, 0x43, 2, 0x0034);  /* 0x43 <- 0x34; 0x44 is not ours */
	set_count(0, 100);
	at_tick(2);
	ck_assert_uint_eq(read_count(0), 99);
	ck_assert_uint_eq(machine_io_read(&m, 0x42, 4) >> 8, 0xffffff);
	uint32_t x = 777;
	uint64_t now = clock_now(&m.clock);
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		uint8_t v = (uint8_t)(x >> 16);
		int port = (x >> 8) % 5;
		if ((x >> 28) & 1)
			out(port == 4 ? 0x61 : 0x40 + port, v);
		else
			(void)in(port == 4 ? 0x61 : 0x40 + port);
		now += (x >> 4) % 3000;
		int before = irq.edges;
		uint64_t from = clock_now(&m.clock);
		run_until(now);
		/* Never more edges than the minimum period allows (+1 for an
		 * edge delivered early by a port write). */
		ck_assert_int_le(irq.edges - before,
				 (int)((now - from) / PIT8254_MIN_IRQ_PERIOD_NS) + 2);
	}
	/* A clean program still works. */
	out(0x61, 0x00);
	program_periodic(0x34, 1193);
	irq.edges = 0;
	run_until(now + 100000000);
	ck_assert_int_ge(irq.edges, 99);
	ck_assert_int_le(irq.edges, 101);
}
END_TEST

START_TEST(test_create_conflict)
{
	struct pit8254 *second = NULL;
	struct error err = { 0 };
	ck_assert_int_lt(pit8254_create(&m, &second, &err), 0);
	ck_assert_ptr_null(second);
	ck_assert(err.msg[0] != 0);
}
END_TEST

static Suite *pit_suite(void)
{
	Suite *s = suite_create("pit8254");
	TCase *tc = tcase_create("pit8254");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mode0_interrupt_on_terminal_count);
	tcase_add_test(tc, test_mode0_rewrite_stops_counting);
	tcase_add_test(tc, test_mode1_gate_trigger);
	tcase_add_test(tc, test_mode2_rate_generator);
	tcase_add_test(tc, test_mode2_gate);
	tcase_add_test(tc, test_mode3_square_wave);
	tcase_add_test(tc, test_mode3_speaker_port61);
	tcase_add_test(tc, test_mode0_gate);
	tcase_add_test(tc, test_mode4_software_strobe);
	tcase_add_test(tc, test_mode5_hardware_strobe);
	tcase_add_test(tc, test_mode2_new_count_next_period);
	tcase_add_test(tc, test_mode3_new_count_next_half_cycle);
	tcase_add_test(tc, test_control_word_stops_channel);
	tcase_add_test(tc, test_counter_latch);
	tcase_add_test(tc, test_read_back);
	tcase_add_test(tc, test_access_modes);
	tcase_add_test(tc, test_bcd);
	tcase_add_test(tc, test_irq0_100hz);
	tcase_add_test(tc, test_irq0_100hz_square_wave_coarse_steps);
	tcase_add_test(tc, test_irq0_1000hz);
	tcase_add_test(tc, test_irq0_minimum_period);
	tcase_add_test(tc, test_irq0_late_timer_coalesces);
	tcase_add_test(tc, test_port61);
	tcase_add_test(tc, test_reset_state);
	tcase_add_test(tc, test_register_abuse);
	tcase_add_test(tc, test_create_conflict);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pit_suite)
