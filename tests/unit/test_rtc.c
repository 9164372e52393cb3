/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rtc.c — the MC146818A CMOS/RTC through the port bus: the CMOS memory
 * and memory-size bytes, the host's date, and, on a manual machine clock
 * from a fixed start (2026-11-26 12:34:56.000 UTC, a Thursday, at machine
 * time 0, so updates come at every whole second): the time registers in
 * each mode, UIP, the periodic, update-ended and alarm interrupts on IRQ 8,
 * the SET protocol, the divider reset, register C and reset. Expected values
 * are worked out by hand in the comments. */
#include <string.h>
#include <time.h>

#include "check_helpers.h"
#include "hw/rtc.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define START_UTC 1795696496ll          /* 2026-11-26 12:34:56 UTC */
#define MAX_RISES 2048

static struct machine m;

/* IRQ 8 as the PIC would see it. */
static struct {
	int calls;
	int level;
	int rises;
	int other_lines;
	uint64_t rise_at[MAX_RISES];
} irq;

static void irq_sink(void *opaque, int line, int level)
{
	(void)opaque;
	irq.calls++;
	if (line != 8) {
		irq.other_lines++;
		return;
	}
	if (level && !irq.level) {
		if (irq.rises < MAX_RISES)
			irq.rise_at[irq.rises] = clock_now(&m.clock);
		irq.rises++;
	}
	irq.level = level;
}

static void create_ok(int rc, const struct error *err)
{
	ck_assert_msg(rc == 0, "create: %s", err->msg);
}

/* A machine whose clock is manual at 0, with the RTC at START_UTC. */
static void setup(void)
{
	test_machine_create(&m, 256 << 20);
	memset(&irq, 0, sizeof(irq));
	m.irq.set_level = irq_sink;
	clock_set_manual(&m.clock, 0);
	struct error err = { 0 };
	create_ok(rtc_create_at(&m, START_UTC * (int64_t)SEC, &err), &err);
}

static void teardown(void)
{
	ck_assert_int_eq(irq.other_lines, 0);
	machine_destroy(&m);
}

static uint8_t cmos_read(uint8_t index)
{
	machine_io_write(&m, 0x70, 1, index);
	return machine_io_read(&m, 0x71, 1);
}

static void cmos_write(uint8_t index, uint8_t value)
{
	machine_io_write(&m, 0x70, 1, index);
	machine_io_write(&m, 0x71, 1, value);
}

static unsigned cmos_read16(uint8_t index)
{
	return cmos_read(index) | cmos_read(index + 1) << 8;
}

/* Sets the machine time, firing the timers due on the way; with `ack` the
 * guest reads C after each rise of IRQ 8, as an interrupt handler would. */
static void run_until(uint64_t t, bool ack)
{
	for (;;) {
		uint64_t next = clock_next_deadline(&m.clock);
		if (next > t)
			break;
		ck_assert_uint_ge(next, clock_now(&m.clock));
		clock_set_manual(&m.clock, next);
		clock_run_due(&m.clock, next);
		if (ack && irq.level)
			cmos_read(0x0c);
	}
	clock_set_manual(&m.clock, t);
	clock_run_due(&m.clock, t);
}

/* --- CMOS memory --------------------------------------------------------------- */

START_TEST(test_cmos_memory_256m)
{
	ck_assert_uint_eq(cmos_read16(0x15), 640);
	ck_assert_uint_eq(cmos_read16(0x17), 0xffff);   /* 255 MiB, capped */
	ck_assert_uint_eq(cmos_read16(0x30), 0xffff);
	ck_assert_uint_eq(cmos_read16(0x34), (256 - 16) * 16);   /* 64 KiB units */
	ck_assert_uint_eq(cmos_read(0x5b), 0);
	ck_assert_uint_eq(cmos_read(0x5c), 0);
	ck_assert_uint_eq(cmos_read(0x5d), 0);

	unsigned sum = 0;
	for (unsigned i = 0x10; i < 0x2e; i++)
		sum += cmos_read(i);
	ck_assert_uint_eq(cmos_read(0x2e) << 8 | cmos_read(0x2f), sum);
}
END_TEST

START_TEST(test_cmos_memory_small_and_large)
{
	struct machine small, large;
	struct error err = { 0 };
	test_machine_create(&small, 8 << 20);
	create_ok(rtc_create(&small, &err), &err);
	portio_write(&small.io, 0x70, 1, 0x17);
	ck_assert_uint_eq(portio_read(&small.io, 0x71, 1), 0x00);   /* 7168 KiB */
	portio_write(&small.io, 0x70, 1, 0x18);
	ck_assert_uint_eq(portio_read(&small.io, 0x71, 1), 0x1c);
	portio_write(&small.io, 0x70, 1, 0x35);
	ck_assert_uint_eq(portio_read(&small.io, 0x71, 1), 0x00);
	machine_destroy(&small);

	/* 5 GiB: 3 GiB below the PCI hole, 2 GiB above 4 GiB. */
	test_machine_create(&large, 5ull << 30);
	create_ok(rtc_create(&large, &err), &err);
	uint8_t b[6];
	static const uint8_t idx[6] = { 0x34, 0x35, 0x5b, 0x5c, 0x5d, 0x18 };
	for (int i = 0; i < 6; i++) {
		portio_write(&large.io, 0x70, 1, idx[i]);
		b[i] = portio_read(&large.io, 0x71, 1);
	}
	ck_assert_uint_eq(b[0] | b[1] << 8, (3072 - 16) * 16);
	ck_assert_uint_eq(b[2] | b[3] << 8 | b[4] << 16, 2048 * 16);
	ck_assert_uint_eq(b[5], 0xff);
	machine_destroy(&large);
}
END_TEST

START_TEST(test_cmos_status_registers)
{
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);
	ck_assert_uint_eq(cmos_read(0x0b), 0x02);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	ck_assert_uint_eq(cmos_read(0x0d), 0x80);
	cmos_write(0x0a, 0xa6);                 /* UIP is read-only */
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);
	cmos_write(0x0d, 0x00);
	ck_assert_uint_eq(cmos_read(0x0d), 0x80);
	cmos_write(0x0c, 0xff);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	cmos_write(0x0b, 0x0b);                 /* SQWE, DSE, 24h: stored */
	ck_assert_uint_eq(cmos_read(0x0b), 0x0b);

	/* Plain storage, including the alarm and the last byte. */
	cmos_write(0x01, 0x12);
	cmos_write(0x40, 0x5a);
	cmos_write(0x7f, 0xc3);
	ck_assert_uint_eq(cmos_read(0x01), 0x12);
	ck_assert_uint_eq(cmos_read(0x40), 0x5a);
	ck_assert_uint_eq(cmos_read(0x7f), 0xc3);
	ck_assert_int_eq(irq.calls, 0);
}
END_TEST

START_TEST(test_cmos_nmi_bit_ignored)
{
	machine_io_write(&m, 0x70, 1, 0x80 | 0x15);
	ck_assert_uint_eq(machine_io_read(&m, 0x71, 1), 0x80);   /* low byte of 640 */
	machine_io_write(&m, 0x70, 1, 0x80 | 0x50);
	machine_io_write(&m, 0x71, 1, 0x77);
	machine_io_write(&m, 0x70, 1, 0x50);
	ck_assert_uint_eq(machine_io_read(&m, 0x71, 1), 0x77);
	ck_assert_uint_eq(machine_io_read(&m, 0x70, 1) & 0x7f, 0x50);
}
END_TEST

/* --- the host's date (rtc_create, the machine clock following the host) --- */

static unsigned from_bcd(uint8_t v)
{
	ck_assert_msg((v & 0x0f) < 10 && (v >> 4) < 10, "0x%02x is not BCD", v);
	return (v >> 4) * 10 + (v & 0x0f);
}

static unsigned rtc_value(uint8_t v, bool binary)
{
	return binary ? v : from_bcd(v);
}

/* Reads the date registers of a host-time RTC; retries if the UTC date
 * changed meanwhile. */
static void check_host_date(struct machine *hm, bool binary)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		uint8_t v[8];
		static const uint8_t idx[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };
		time_t before = time(NULL);
		for (int i = 0; i < 8; i++) {
			portio_write(&hm->io, 0x70, 1, idx[i]);
			v[i] = portio_read(&hm->io, 0x71, 1);
		}
		time_t after = time(NULL);
		struct tm tb, ta;
		gmtime_r(&before, &tb);
		gmtime_r(&after, &ta);
		if (tb.tm_mday != ta.tm_mday || tb.tm_hour != ta.tm_hour)
			continue;
		ck_assert_uint_le(rtc_value(v[0], binary), 59);
		ck_assert_uint_le(rtc_value(v[1], binary), 59);
		ck_assert_uint_eq(rtc_value(v[2], binary), (unsigned)tb.tm_hour);
		ck_assert_uint_eq(rtc_value(v[3], binary), (unsigned)tb.tm_wday + 1);
		ck_assert_uint_eq(rtc_value(v[4], binary), (unsigned)tb.tm_mday);
		ck_assert_uint_eq(rtc_value(v[5], binary), (unsigned)tb.tm_mon + 1);
		ck_assert_uint_eq(rtc_value(v[7], binary) * 100 + rtc_value(v[6], binary),
				  (unsigned)tb.tm_year + 1900);
		return;
	}
	ck_abort_msg("the date kept changing while reading it");
}

START_TEST(test_host_date)
{
	struct machine hm;
	struct error err = { 0 };
	test_machine_create(&hm, 4 << 20);
	create_ok(rtc_create(&hm, &err), &err);
	check_host_date(&hm, false);
	portio_write(&hm.io, 0x70, 1, 0x0b);
	portio_write(&hm.io, 0x71, 1, 0x06);    /* binary, 24-hour */
	check_host_date(&hm, true);
	machine_destroy(&hm);
}
END_TEST

/* --- the time registers at a fixed time -------------------------------------- */

START_TEST(test_time_bcd_and_binary)
{
	static const uint8_t idx[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };
	/* 12:34:56, Thursday (5), 26 November 2026. */
	static const uint8_t bcd[8] = { 0x56, 0x34, 0x12, 0x05, 0x26, 0x11, 0x26, 0x20 };
	static const uint8_t bin[8] = { 56, 34, 12, 5, 26, 11, 26, 20 };
	for (int i = 0; i < 8; i++)
		ck_assert_msg(cmos_read(idx[i]) == bcd[i], "0x%02x: 0x%02x, expected 0x%02x",
			      idx[i], cmos_read(idx[i]), bcd[i]);
	cmos_write(0x0b, 0x06);
	for (int i = 0; i < 8; i++)
		ck_assert_msg(cmos_read(idx[i]) == bin[i], "0x%02x: 0x%02x, expected 0x%02x",
			      idx[i], cmos_read(idx[i]), bin[i]);
	/* It advances with the machine clock: 3 s later, no timer needed. */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	clock_set_manual(&m.clock, 3 * SEC);
	ck_assert_uint_eq(cmos_read(0x00), 59);
	clock_set_manual(&m.clock, 4 * SEC);
	ck_assert_uint_eq(cmos_read(0x00), 0);
	ck_assert_uint_eq(cmos_read(0x02), 35);
}
END_TEST

START_TEST(test_time_12_hour)
{
	cmos_write(0x0b, 0x00);                 /* BCD, 12-hour */
	ck_assert_uint_eq(cmos_read(0x04), 0x92);       /* 12 PM */
	cmos_write(0x0b, 0x04);                 /* binary, 12-hour */
	ck_assert_uint_eq(cmos_read(0x04), 0x8c);
	clock_set_manual(&m.clock, 3600 * SEC);
	ck_assert_uint_eq(cmos_read(0x04), 0x81);       /* 1 PM */

	/* 00:30 is 12 AM. */
	struct machine mm;
	struct error err = { 0 };
	test_machine_create(&mm, 4 << 20);
	clock_set_manual(&mm.clock, 0);
	create_ok(rtc_create_at(&mm, 1795653000ll * (int64_t)SEC, &err), &err);
	portio_write(&mm.io, 0x70, 1, 0x0b);
	portio_write(&mm.io, 0x71, 1, 0x00);
	portio_write(&mm.io, 0x70, 1, 0x04);
	ck_assert_uint_eq(portio_read(&mm.io, 0x71, 1), 0x12);
	portio_write(&mm.io, 0x70, 1, 0x02);
	ck_assert_uint_eq(portio_read(&mm.io, 0x71, 1), 0x30);
	machine_destroy(&mm);
}
END_TEST

START_TEST(test_start_phase)
{
	/* Started at 12:34:56.75: the first update comes 250 ms later. */
	struct machine mm;
	struct error err = { 0 };
	test_machine_create(&mm, 4 << 20);
	clock_set_manual(&mm.clock, 0);
	create_ok(rtc_create_at(&mm, START_UTC * (int64_t)SEC + 750 * (int64_t)MS, &err), &err);
	portio_write(&mm.io, 0x70, 1, 0x00);
	ck_assert_uint_eq(portio_read(&mm.io, 0x71, 1), 0x56);
	clock_set_manual(&mm.clock, 250 * MS - 1);
	ck_assert_uint_eq(portio_read(&mm.io, 0x71, 1), 0x56);
	clock_set_manual(&mm.clock, 250 * MS);
	ck_assert_uint_eq(portio_read(&mm.io, 0x71, 1), 0x57);
	clock_set_manual(&mm.clock, 1250 * MS);
	ck_assert_uint_eq(portio_read(&mm.io, 0x71, 1), 0x58);
	machine_destroy(&mm);
}
END_TEST

START_TEST(test_uip_window)
{
	/* The update at 1 s; UIP during [1 s - 244 us, 1 s). */
	clock_set_manual(&m.clock, SEC - 244001);
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);
	clock_set_manual(&m.clock, SEC - 244000);
	ck_assert_uint_eq(cmos_read(0x0a), 0xa6);
	clock_set_manual(&m.clock, SEC - 1);
	ck_assert_uint_eq(cmos_read(0x0a), 0xa6);
	ck_assert_uint_eq(cmos_read(0x00), 0x56);
	clock_set_manual(&m.clock, SEC);
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);
	ck_assert_uint_eq(cmos_read(0x00), 0x57);
	clock_set_manual(&m.clock, 2 * SEC - 100000);
	ck_assert_uint_eq(cmos_read(0x0a), 0xa6);
	ck_assert_uint_eq(irq.calls, 0);
}
END_TEST

/* --- periodic interrupt ------------------------------------------------------- */

START_TEST(test_periodic_1024hz)
{
	/* Rate 6: a tick every 32 of the 32768 Hz chain, the first at
	 * 32 / 32768 s = 976562.5 ns (due at 976563), the 1024th at 1 s. */
	cmos_write(0x0b, 0x42);                 /* PIE */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), 976563);
	run_until(SEC, true);
	ck_assert_int_eq(irq.rises, 1024);
	ck_assert_uint_eq(irq.rise_at[0], 976563);
	ck_assert_uint_eq(irq.rise_at[1], 1953125);
	ck_assert_uint_eq(irq.rise_at[1023], SEC);
	ck_assert_int_eq(irq.level, 0);
	run_until(2 * SEC, true);
	ck_assert_int_eq(irq.rises, 2048);
}
END_TEST

START_TEST(test_periodic_2hz)
{
	cmos_write(0x0a, 0x2f);                 /* rate 15: 16384 ticks, 500 ms */
	cmos_write(0x0b, 0x42);
	run_until(SEC - 1, true);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_uint_eq(irq.rise_at[0], 500 * MS);
	run_until(SEC, false);
	ck_assert_int_eq(irq.rises, 2);
	ck_assert_uint_eq(irq.rise_at[1], SEC);
	ck_assert_uint_eq(cmos_read(0x0c), 0xd0);       /* IRQF, PF, and UF of the update at 1 s */
	ck_assert_int_eq(irq.level, 0);
	run_until(3 * SEC, true);
	ck_assert_int_eq(irq.rises, 6);
}
END_TEST

START_TEST(test_periodic_rates_1_and_2)
{
	/* 256 Hz and 128 Hz, not 32768 and 16384: 128 and 256 ticks. */
	cmos_write(0x0a, 0x21);
	cmos_write(0x0b, 0x42);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), 3906250);      /* 1/256 s */
	run_until(SEC, true);
	ck_assert_int_eq(irq.rises, 256);
	cmos_write(0x0a, 0x22);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), SEC + 7812500);   /* 1/128 s */
	run_until(2 * SEC, true);
	ck_assert_int_eq(irq.rises, 256 + 128);
	cmos_write(0x0a, 0x23);                 /* 8192 Hz, the fastest */
	run_until(3 * SEC, true);
	ck_assert_int_eq(irq.rises, 256 + 128 + 8192);
}
END_TEST

START_TEST(test_periodic_unacknowledged)
{
	/* Without a read of C the line stays high: one rise, and no timer. */
	cmos_write(0x0b, 0x42);
	run_until(SEC, false);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_int_eq(irq.level, 1);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	ck_assert_uint_eq(cmos_read(0x0c), 0xd0);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), SEC + 976563);
	run_until(SEC + 976563, false);
	ck_assert_int_eq(irq.rises, 2);
	ck_assert_uint_eq(irq.rise_at[1], SEC + 976563);
}
END_TEST

START_TEST(test_pf_without_pie)
{
	/* PF is set at the rate even with PIE clear; no IRQ, no timer. */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	clock_set_manual(&m.clock, 976562);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);       /* the first tick is at 976563 */
	clock_set_manual(&m.clock, 10 * MS);
	ck_assert_uint_eq(cmos_read(0x0c), 0x40);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	cmos_write(0x0a, 0x20);                 /* rate 0: none */
	clock_set_manual(&m.clock, 20 * MS);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	ck_assert_int_eq(irq.calls, 0);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	/* PIE with rate 0 arms nothing either. */
	cmos_write(0x0b, 0x42);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
}
END_TEST

/* --- update-ended interrupt ---------------------------------------------------- */

START_TEST(test_update_interrupt)
{
	cmos_write(0x0a, 0x20);                 /* no periodic flag in the way */
	cmos_write(0x0b, 0x12);                 /* UIE */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), SEC);
	run_until(SEC - 1, false);
	ck_assert_int_eq(irq.rises, 0);
	for (unsigned s = 1; s <= 3; s++) {
		run_until(s * SEC, false);
		ck_assert_int_eq(irq.rises, (int)s);
		ck_assert_uint_eq(irq.rise_at[s - 1], s * SEC);
		ck_assert_uint_eq(cmos_read(0x0c), 0x90);       /* IRQF, UF */
		ck_assert_int_eq(irq.level, 0);
	}
	run_until(3500 * MS, false);
	ck_assert_int_eq(irq.rises, 3);
	ck_assert_uint_eq(cmos_read(0x00), 0x59);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), 4 * SEC);
	cmos_write(0x0b, 0x02);                 /* UIE off: no timer, UF still set */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	clock_set_manual(&m.clock, 4 * SEC);
	ck_assert_uint_eq(cmos_read(0x0c), 0x10);
	ck_assert_int_eq(irq.rises, 3);
}
END_TEST

/* --- alarm ----------------------------------------------------------------------- */

static void set_alarm(uint8_t h, uint8_t mi, uint8_t s)
{
	cmos_write(0x05, h);
	cmos_write(0x03, mi);
	cmos_write(0x01, s);
}

START_TEST(test_alarm_exact)
{
	cmos_write(0x0a, 0x20);
	set_alarm(0x12, 0x34, 0x58);            /* the update at 2 s */
	cmos_write(0x0b, 0x22);                 /* AIE */
	run_until(10 * SEC, false);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_uint_eq(irq.rise_at[0], 2 * SEC);
	ck_assert_uint_eq(cmos_read(0x0c), 0xb0);       /* IRQF, AF, UF */
	run_until(100 * SEC, true);
	ck_assert_int_eq(irq.rises, 1);
	/* A day later, at 12:34:58 again. */
	run_until(86402 * SEC, true);
	ck_assert_int_eq(irq.rises, 2);
	ck_assert_uint_eq(irq.rise_at[1], 86402 * SEC);
}
END_TEST

START_TEST(test_alarm_flag_without_aie)
{
	cmos_write(0x0a, 0x20);
	set_alarm(0x12, 0x34, 0x58);
	clock_set_manual(&m.clock, 1500 * MS);
	ck_assert_uint_eq(cmos_read(0x0c), 0x10);       /* the update at 1 s: 57 */
	clock_set_manual(&m.clock, 2500 * MS);
	ck_assert_uint_eq(cmos_read(0x0c), 0x30);       /* 58: AF */
	/* Found lazily over a long idle stretch too. */
	clock_set_manual(&m.clock, 200000 * SEC);
	ck_assert_uint_eq(cmos_read(0x0c), 0x30);
	ck_assert_int_eq(irq.calls, 0);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
}
END_TEST

START_TEST(test_alarm_every_second)
{
	cmos_write(0x0a, 0x20);
	set_alarm(0xff, 0xc0, 0xc3);            /* all "don't care" */
	cmos_write(0x0b, 0x22);
	run_until(10 * SEC, true);
	ck_assert_int_eq(irq.rises, 10);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(irq.rise_at[i], (uint64_t)(i + 1) * SEC);
}
END_TEST

START_TEST(test_alarm_every_minute)
{
	/* Seconds 00, minutes and hours don't care: 12:35:00 (4 s), 12:36:00
	 * (64 s), 12:37:00 (124 s). */
	cmos_write(0x0a, 0x20);
	set_alarm(0xc0, 0xc0, 0x00);
	cmos_write(0x0b, 0x22);
	run_until(130 * SEC, true);
	ck_assert_int_eq(irq.rises, 3);
	ck_assert_uint_eq(irq.rise_at[0], 4 * SEC);
	ck_assert_uint_eq(irq.rise_at[1], 64 * SEC);
	ck_assert_uint_eq(irq.rise_at[2], 124 * SEC);
}
END_TEST

START_TEST(test_alarm_12_hour)
{
	/* In 12-hour BCD mode the alarm hour is compared as encoded: 12 PM is
	 * 0x92; 0x12 would be 12 AM and never match at midday. */
	cmos_write(0x0a, 0x20);
	set_alarm(0x12, 0x35, 0x00);
	cmos_write(0x0b, 0x20);                 /* AIE, BCD, 12-hour */
	run_until(10 * SEC, true);
	ck_assert_int_eq(irq.rises, 0);
	set_alarm(0x92, 0x35, 0x10);            /* 12:35:10 PM: 14 s */
	run_until(20 * SEC, true);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_uint_eq(irq.rise_at[0], 14 * SEC);
}
END_TEST

/* --- SET and guest writes --------------------------------------------------------- */

START_TEST(test_set_stops_updates)
{
	cmos_write(0x0b, 0x92);                 /* SET and UIE: SET clears UIE */
	ck_assert_uint_eq(cmos_read(0x0b), 0x82);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	run_until(5300 * MS, false);
	ck_assert_uint_eq(cmos_read(0x00), 0x56);
	ck_assert_uint_eq(cmos_read(0x02), 0x34);
	ck_assert_uint_eq(cmos_read(0x0c), 0x40);       /* the chain ran (PF), no update (UF) */

	/* 23:59:58, 31 December 2099, written byte by byte. */
	static const uint8_t idx[8] = { 0x09, 0x32, 0x08, 0x07, 0x06, 0x04, 0x02, 0x00 };
	static const uint8_t val[8] = { 0x99, 0x20, 0x12, 0x31, 0x01, 0x23, 0x59, 0x58 };
	for (int i = 0; i < 8; i++)
		cmos_write(idx[i], val[i]);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(cmos_read(idx[i]), val[i]);
	clock_set_manual(&m.clock, 6 * SEC - 100000);
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);       /* no UIP while SET */
	cmos_write(0x0b, 0x02);                 /* clear SET: runs from 23:59:58 */
	ck_assert_uint_eq(cmos_read(0x00), 0x58);
	ck_assert_uint_eq(cmos_read(0x06), 0x05);       /* Thursday, from the date */
	/* The chain kept its phase: the next update at 6 s. */
	clock_set_manual(&m.clock, 6 * SEC - 1);
	ck_assert_uint_eq(cmos_read(0x00), 0x58);
	clock_set_manual(&m.clock, 6 * SEC);
	ck_assert_uint_eq(cmos_read(0x00), 0x59);
	clock_set_manual(&m.clock, 7 * SEC);
	static const uint8_t after[8] = { 0x00, 0x21, 0x01, 0x01, 0x06, 0x00, 0x00, 0x00 };
	for (int i = 0; i < 8; i++)      /* 00:00:00 Friday 1 January 2100 */
		ck_assert_msg(cmos_read(idx[i]) == after[i], "0x%02x: 0x%02x, expected 0x%02x",
			      idx[i], cmos_read(idx[i]), after[i]);
	ck_assert_int_eq(irq.calls, 0);
}
END_TEST

START_TEST(test_set_fields_kept_raw)
{
	/* Set 31 January, then 28 February month first: the 31st of February
	 * in between must not roll over into March. */
	cmos_write(0x0b, 0x82);
	cmos_write(0x08, 0x01);
	cmos_write(0x07, 0x31);
	cmos_write(0x0b, 0x02);
	ck_assert_uint_eq(cmos_read(0x08), 0x01);
	ck_assert_uint_eq(cmos_read(0x07), 0x31);
	cmos_write(0x0b, 0x82);
	cmos_write(0x08, 0x02);
	ck_assert_uint_eq(cmos_read(0x07), 0x31);
	cmos_write(0x07, 0x28);
	cmos_write(0x0b, 0x02);
	ck_assert_uint_eq(cmos_read(0x08), 0x02);
	ck_assert_uint_eq(cmos_read(0x07), 0x28);
	ck_assert_uint_eq(cmos_read(0x09), 0x26);
}
END_TEST

START_TEST(test_set_binary_mode)
{
	/* Linux's way: SET with the new mode in one write, binary values. */
	cmos_write(0x0b, 0x86);
	ck_assert_uint_eq(cmos_read(0x00), 56);
	cmos_write(0x04, 7);
	cmos_write(0x02, 5);
	cmos_write(0x00, 30);
	cmos_write(0x0b, 0x06);
	clock_set_manual(&m.clock, 2 * SEC);
	ck_assert_uint_eq(cmos_read(0x04), 7);
	ck_assert_uint_eq(cmos_read(0x02), 5);
	ck_assert_uint_eq(cmos_read(0x00), 32);
	cmos_write(0x0b, 0x02);                 /* back to BCD: re-encoded */
	ck_assert_uint_eq(cmos_read(0x00), 0x32);
}
END_TEST

START_TEST(test_write_while_running)
{
	clock_set_manual(&m.clock, 250 * MS);
	cmos_write(0x02, 0x00);                 /* minutes: 12:00:56 at once */
	ck_assert_uint_eq(cmos_read(0x02), 0x00);
	ck_assert_uint_eq(cmos_read(0x04), 0x12);
	ck_assert_uint_eq(cmos_read(0x00), 0x56);
	clock_set_manual(&m.clock, SEC - 1);
	ck_assert_uint_eq(cmos_read(0x00), 0x56);
	clock_set_manual(&m.clock, SEC);        /* the phase is kept */
	ck_assert_uint_eq(cmos_read(0x00), 0x57);
	ck_assert_uint_eq(cmos_read(0x02), 0x00);
}
END_TEST

/* --- the divider chain ------------------------------------------------------------ */

START_TEST(test_divider_reset)
{
	clock_set_manual(&m.clock, 200 * MS);
	cmos_write(0x0a, 0x66);                 /* divider reset, rate 6 */
	ck_assert_uint_eq(cmos_read(0x0c), 0x40);       /* ticks before 200 ms */
	cmos_write(0x0b, 0x52);                 /* PIE, UIE: nothing to wait for */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	run_until(SEC - 100000, false);
	ck_assert_uint_eq(cmos_read(0x0a), 0x66);       /* no UIP */
	run_until(3200 * MS, false);
	ck_assert_int_eq(irq.rises, 0);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);       /* no PF, no UF */
	ck_assert_uint_eq(cmos_read(0x00), 0x56);
	cmos_write(0x00, 0x00);                 /* held while in reset */
	ck_assert_uint_eq(cmos_read(0x00), 0x00);

	cmos_write(0x0b, 0x12);                 /* UIE only */
	cmos_write(0x0a, 0x20);                 /* out of reset: first update at 3.7 s */
	ck_assert_uint_eq(clock_next_deadline(&m.clock), 3700 * MS);
	clock_set_manual(&m.clock, 3700 * MS - 244000);
	ck_assert_uint_eq(cmos_read(0x0a), 0xa0);
	run_until(3700 * MS - 1, false);
	ck_assert_uint_eq(cmos_read(0x00), 0x00);
	ck_assert_int_eq(irq.rises, 0);
	run_until(3700 * MS, false);
	ck_assert_uint_eq(cmos_read(0x00), 0x01);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_uint_eq(irq.rise_at[0], 3700 * MS);
	ck_assert_uint_eq(cmos_read(0x0c), 0x90);
	run_until(4700 * MS, false);
	ck_assert_uint_eq(cmos_read(0x00), 0x02);
	ck_assert_int_eq(irq.rises, 2);
	ck_assert_uint_eq(irq.rise_at[1], 4700 * MS);
}
END_TEST

START_TEST(test_divider_other_time_bases)
{
	/* Only the 32.768 kHz crystal exists: DV 000 and the test mode 100
	 * run as 010 (stored as written), without the 500 ms rule. */
	cmos_write(0x0a, 0x06);
	ck_assert_uint_eq(cmos_read(0x0a), 0x06);
	clock_set_manual(&m.clock, SEC);
	ck_assert_uint_eq(cmos_read(0x00), 0x57);
	cmos_write(0x0a, 0x46);
	ck_assert_uint_eq(cmos_read(0x0c), 0x50);       /* PF, UF */
	clock_set_manual(&m.clock, 2 * SEC);
	ck_assert_uint_eq(cmos_read(0x00), 0x58);
	ck_assert_uint_eq(cmos_read(0x0a), 0x46);
}
END_TEST

/* --- register C, IRQ 8 and reset ----------------------------------------------- */

START_TEST(test_register_c_clears_and_lowers)
{
	cmos_write(0x0b, 0x12);                 /* UIE */
	run_until(SEC, false);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_int_eq(irq.level, 1);
	int calls = irq.calls;
	ck_assert_uint_eq(cmos_read(0x0c), 0xd0);       /* IRQF, PF (rate 6), UF */
	ck_assert_int_eq(irq.level, 0);
	ck_assert_int_eq(irq.calls, calls + 1);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	ck_assert_int_eq(irq.calls, calls + 1);         /* no second lowering */
}
END_TEST

START_TEST(test_irqf_follows_enables)
{
	/* PF latched with PIE clear; setting PIE raises at once, clearing it
	 * lowers, and PF stays until C is read. */
	clock_set_manual(&m.clock, 10 * MS);
	cmos_write(0x0b, 0x42);
	ck_assert_int_eq(irq.rises, 1);
	ck_assert_uint_eq(irq.rise_at[0], 10 * MS);
	ck_assert_int_eq(irq.level, 1);
	cmos_write(0x0b, 0x02);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(cmos_read(0x0c), 0x40);
	/* SET clears UIE, and so IRQF from UF. */
	cmos_write(0x0a, 0x20);
	cmos_write(0x0b, 0x12);
	run_until(SEC, false);
	ck_assert_int_eq(irq.rises, 2);
	ck_assert_int_eq(irq.level, 1);
	cmos_write(0x0b, 0x92);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(cmos_read(0x0c), 0x10);
}
END_TEST

START_TEST(test_reset)
{
	cmos_write(0x40, 0x5a);
	cmos_write(0x0b, 0x7a);                 /* PIE, AIE, UIE, SQWE */
	run_until(SEC, false);
	ck_assert_int_eq(irq.level, 1);
	machine_reset_devices(&m);
	ck_assert_int_eq(irq.level, 0);
	ck_assert_uint_eq(cmos_read(0x0b), 0x02);
	ck_assert_uint_eq(cmos_read(0x0c), 0x00);
	ck_assert_uint_eq(cmos_read(0x0a), 0x26);
	ck_assert_uint_eq(cmos_read(0x40), 0x5a);       /* battery-backed */
	ck_assert_uint_eq(cmos_read16(0x15), 640);
	ck_assert_uint_eq(clock_next_deadline(&m.clock), CLOCK_NEVER);
	ck_assert_uint_eq(cmos_read(0x00), 0x57);       /* the clock ran on */
	clock_set_manual(&m.clock, 2 * SEC);
	ck_assert_uint_eq(cmos_read(0x00), 0x58);
	ck_assert_int_eq(irq.rises, 1);

	/* SET is not touched by RESET. */
	cmos_write(0x0b, 0x82);
	machine_reset_devices(&m);
	ck_assert_uint_eq(cmos_read(0x0b), 0x82);
	clock_set_manual(&m.clock, 3 * SEC);
	ck_assert_uint_eq(cmos_read(0x00), 0x58);
}
END_TEST

static Suite *rtc_suite(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("rtc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cmos_memory_256m);
	tcase_add_test(tc, test_cmos_memory_small_and_large);
	tcase_add_test(tc, test_cmos_status_registers);
	tcase_add_test(tc, test_cmos_nmi_bit_ignored);
	tcase_add_test(tc, test_host_date);
	tcase_add_test(tc, test_time_bcd_and_binary);
	tcase_add_test(tc, test_time_12_hour);
	tcase_add_test(tc, test_start_phase);
	tcase_add_test(tc, test_uip_window);
	tcase_add_test(tc, test_periodic_1024hz);
	tcase_add_test(tc, test_periodic_2hz);
	tcase_add_test(tc, test_periodic_rates_1_and_2);
	tcase_add_test(tc, test_periodic_unacknowledged);
	tcase_add_test(tc, test_pf_without_pie);
	tcase_add_test(tc, test_update_interrupt);
	tcase_add_test(tc, test_alarm_exact);
	tcase_add_test(tc, test_alarm_flag_without_aie);
	tcase_add_test(tc, test_alarm_every_second);
	tcase_add_test(tc, test_alarm_every_minute);
	tcase_add_test(tc, test_alarm_12_hour);
	tcase_add_test(tc, test_set_stops_updates);
	tcase_add_test(tc, test_set_fields_kept_raw);
	tcase_add_test(tc, test_set_binary_mode);
	tcase_add_test(tc, test_write_while_running);
	tcase_add_test(tc, test_divider_reset);
	tcase_add_test(tc, test_divider_other_time_bases);
	tcase_add_test(tc, test_register_c_clears_and_lowers);
	tcase_add_test(tc, test_irqf_follows_enables);
	tcase_add_test(tc, test_reset);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(rtc_suite)
