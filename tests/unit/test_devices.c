/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_devices.c — the small PC devices through the port bus: the debug-exit
 * status mapping, port 0x80, port 0x92 (A20, fast reset), and the CMOS/RTC
 * (memory-size bytes, the host's date in BCD and binary, 12-hour mode, the
 * NMI bit of the index). The i8042 is test_i8042's. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "check_helpers.h"
#include "hw/debugexit.h"
#include "hw/pc.h"
#include "hw/port92.h"
#include "hw/post.h"
#include "hw/rtc.h"

static struct machine m;

static void setup(void)
{
	test_machine_create(&m, 256 << 20);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static void create_ok(int rc, const struct error *err)
{
	ck_assert_msg(rc == 0, "create: %s", err->msg);
}

static uint8_t in(uint16_t port)
{
	return machine_io_read(&m, port, 1);
}

static void out(uint16_t port, uint8_t v)
{
	machine_io_write(&m, port, 1, v);
}

/* --- unclaimed ports and the whole board ---------------------------------- */

START_TEST(test_unclaimed_ports)
{
	ck_assert_uint_eq(portio_read(&m.io, 0x61, 1), 0xff);
	ck_assert_uint_eq(portio_read(&m.io, 0x61, 2), 0xffff);
	ck_assert_uint_eq(portio_read(&m.io, 0x61, 4), 0xffffffffu);
	portio_write(&m.io, 0x61, 1, 0);        /* dropped, no crash */
}
END_TEST

START_TEST(test_pc_devices_fit_together)
{
	struct error err = { 0 };
	create_ok(pc_create_devices(&m, &err), &err);
	ck_assert_ptr_nonnull(m.com1);
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x3f8));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0xf4));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x80));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x92));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x60));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x64));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x70));
	ck_assert_ptr_nonnull(portio_find(&m.io, 0x71));
	ck_assert_ptr_null(portio_find(&m.io, 0x61));
	machine_reset_devices(&m);
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
}
END_TEST

/* --- debug exit ------------------------------------------------------------ */

START_TEST(test_debugexit_status)
{
	static const struct { uint32_t value; int size; int status; } t[] = {
		{ 0x00, 1, 1 }, { 0x01, 1, 3 }, { 0x10, 1, 0x21 }, { 0x7f, 1, 0xff },
		{ 0x80, 1, 0x01 }, { 0x3d, 2, 0x7b }, { 0x12345603, 4, 0x07 },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct machine dm;
		struct error err = { 0 };
		test_machine_create(&dm, 4 << 20);
		create_ok(debugexit_create(&dm, 0xf4, &err), &err);
		ck_assert_int_eq(dm.event, MACHINE_RUNNING);
		ck_assert_int_eq(machine_exit_status(&dm), 0);
		machine_io_write(&dm, 0xf4, t[i].size, t[i].value);
		ck_assert_int_eq(dm.event, MACHINE_DEBUG_EXIT);
		ck_assert_msg(machine_exit_status(&dm) == t[i].status,
			      "write 0x%x: status %d, expected %d", t[i].value,
			      machine_exit_status(&dm), t[i].status);
		/* The first stop wins: a second write changes nothing. */
		machine_io_write(&dm, 0xf4, 1, 0x55);
		ck_assert_int_eq(machine_exit_status(&dm), t[i].status);
		machine_destroy(&dm);
	}
}
END_TEST

START_TEST(test_debugexit_reads_ones)
{
	struct error err = { 0 };
	create_ok(debugexit_create(&m, 0xf4, &err), &err);
	ck_assert_uint_eq(in(0xf4), 0xff);
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	/* Only 0xf4 is claimed. */
	ck_assert_ptr_null(portio_find(&m.io, 0xf5));
}
END_TEST

/* --- port 0x80 ------------------------------------------------------------- */

START_TEST(test_post_code)
{
	struct error err = { 0 };
	create_ok(post_create(&m, &err), &err);
	ck_assert_uint_eq(in(0x80), 0);
	out(0x80, 0x42);
	ck_assert_uint_eq(in(0x80), 0x42);
	out(0x80, 0xa5);
	ck_assert_uint_eq(in(0x80), 0xa5);
	ck_assert_int_eq(m.event, MACHINE_RUNNING);

	/* With --trace post each write is printed. */
	char buf[256] = { 0 };
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	ck_assert_ptr_nonnull(f);
	m.trace_out = f;
	m.cfg.trace = TRACE_POST;
	out(0x80, 0x3c);
	fclose(f);
	m.trace_out = stderr;
	ck_assert_ptr_nonnull(strstr(buf, "[post] 0x3c"));
}
END_TEST

/* --- port 0x92 ------------------------------------------------------------- */

START_TEST(test_port92)
{
	struct error err = { 0 };
	create_ok(port92_create(&m, &err), &err);
	ck_assert_uint_eq(in(0x92) & 0x01, 0);
	out(0x92, 0x00);
	ck_assert_uint_eq(in(0x92), 0x00);      /* A20 off */
	out(0x92, 0x02);
	ck_assert_uint_eq(in(0x92), 0x02);      /* A20 on */
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	out(0x92, 0x03);                        /* fast reset */
	ck_assert_int_eq(m.event, MACHINE_RESET);
	ck_assert_int_eq(machine_exit_status(&m), 0);
	ck_assert_uint_eq(in(0x92), 0x03);
	machine_reset_devices(&m);
	ck_assert_uint_eq(in(0x92) & 0x01, 0);
}
END_TEST

START_TEST(test_port92_reset_needs_a_rising_edge)
{
	struct error err = { 0 };
	create_ok(port92_create(&m, &err), &err);
	out(0x92, 0x01);
	ck_assert_int_eq(m.event, MACHINE_RESET);
	m.event = MACHINE_RUNNING;              /* as after --on-reset restart */
	out(0x92, 0x03);                        /* bit 0 was already 1 */
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	out(0x92, 0x02);
	out(0x92, 0x03);
	ck_assert_int_eq(m.event, MACHINE_RESET);
}
END_TEST

/* --- CMOS / RTC ------------------------------------------------------------ */

static uint8_t cmos_read(uint8_t index)
{
	out(0x70, index);
	return in(0x71);
}

static void cmos_write(uint8_t index, uint8_t value)
{
	out(0x70, index);
	out(0x71, value);
}

static unsigned cmos_read16(uint8_t index)
{
	return cmos_read(index) | cmos_read(index + 1) << 8;
}

static unsigned from_bcd(uint8_t v)
{
	ck_assert_msg((v & 0x0f) < 10 && (v >> 4) < 10, "0x%02x is not BCD", v);
	return (v >> 4) * 10 + (v & 0x0f);
}

START_TEST(test_cmos_memory_256m)
{
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
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
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
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

	/* Plain storage, including the last byte. */
	cmos_write(0x40, 0x5a);
	cmos_write(0x7f, 0xc3);
	ck_assert_uint_eq(cmos_read(0x40), 0x5a);
	ck_assert_uint_eq(cmos_read(0x7f), 0xc3);
}
END_TEST

START_TEST(test_cmos_nmi_bit_ignored)
{
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
	out(0x70, 0x80 | 0x15);
	ck_assert_uint_eq(in(0x71), 0x80);      /* low byte of 640 */
	out(0x70, 0x80 | 0x50);
	out(0x71, 0x77);
	out(0x70, 0x50);
	ck_assert_uint_eq(in(0x71), 0x77);
	ck_assert_uint_eq(in(0x70) & 0x7f, 0x50);
}
END_TEST

static unsigned rtc_value(uint8_t v, bool binary)
{
	return binary ? v : from_bcd(v);
}

/* Reads the date registers; retries if the UTC date changed meanwhile. */
static void cmos_check_date(bool binary)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		time_t before = time(NULL);
		uint8_t sec = cmos_read(0x00), min = cmos_read(0x02), hour = cmos_read(0x04);
		uint8_t wday = cmos_read(0x06), day = cmos_read(0x07), mon = cmos_read(0x08);
		uint8_t year = cmos_read(0x09), cent = cmos_read(0x32);
		time_t after = time(NULL);
		struct tm tb, ta;
		gmtime_r(&before, &tb);
		gmtime_r(&after, &ta);
		if (tb.tm_mday != ta.tm_mday || tb.tm_hour != ta.tm_hour)
			continue;
		ck_assert_uint_le(rtc_value(sec, binary), 59);
		ck_assert_uint_le(rtc_value(min, binary), 59);
		ck_assert_uint_eq(rtc_value(hour, binary), (unsigned)tb.tm_hour);
		ck_assert_uint_eq(rtc_value(wday, binary), (unsigned)tb.tm_wday + 1);
		ck_assert_uint_eq(rtc_value(day, binary), (unsigned)tb.tm_mday);
		ck_assert_uint_eq(rtc_value(mon, binary), (unsigned)tb.tm_mon + 1);
		ck_assert_uint_eq(rtc_value(cent, binary) * 100 + rtc_value(year, binary),
				  (unsigned)tb.tm_year + 1900);
		return;
	}
	ck_abort_msg("the date kept changing while reading it");
}

START_TEST(test_cmos_date_bcd)
{
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
	cmos_check_date(false);
}
END_TEST

START_TEST(test_cmos_date_binary)
{
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
	cmos_write(0x0b, 0x06);                 /* binary, 24-hour */
	ck_assert_uint_eq(cmos_read(0x0b), 0x06);
	cmos_check_date(true);
}
END_TEST

START_TEST(test_cmos_12_hour)
{
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
	cmos_write(0x0b, 0x04);                 /* binary, 12-hour */
	for (int attempt = 0; attempt < 3; attempt++) {
		time_t before = time(NULL);
		uint8_t hour = cmos_read(0x04);
		time_t after = time(NULL);
		struct tm tb, ta;
		gmtime_r(&before, &tb);
		gmtime_r(&after, &ta);
		if (tb.tm_hour != ta.tm_hour)
			continue;
		unsigned h12 = tb.tm_hour % 12 ? tb.tm_hour % 12 : 12;
		ck_assert_uint_eq(hour & 0x7f, h12);
		ck_assert_uint_eq(!!(hour & 0x80), tb.tm_hour >= 12);
		return;
	}
	ck_abort_msg("the hour kept changing");
}
END_TEST

START_TEST(test_cmos_clock_not_writable)
{
	struct error err = { 0 };
	create_ok(rtc_create(&m, &err), &err);
	cmos_write(0x09, 0x55);
	cmos_write(0x32, 0x11);
	ck_assert_uint_ne(cmos_read(0x32), 0x11);
	cmos_check_date(false);
}
END_TEST

static Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("devices");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unclaimed_ports);
	tcase_add_test(tc, test_pc_devices_fit_together);
	tcase_add_test(tc, test_debugexit_status);
	tcase_add_test(tc, test_debugexit_reads_ones);
	tcase_add_test(tc, test_post_code);
	tcase_add_test(tc, test_port92);
	tcase_add_test(tc, test_port92_reset_needs_a_rising_edge);
	tcase_add_test(tc, test_cmos_memory_256m);
	tcase_add_test(tc, test_cmos_memory_small_and_large);
	tcase_add_test(tc, test_cmos_status_registers);
	tcase_add_test(tc, test_cmos_nmi_bit_ignored);
	tcase_add_test(tc, test_cmos_date_bcd);
	tcase_add_test(tc, test_cmos_date_binary);
	tcase_add_test(tc, test_cmos_12_hour);
	tcase_add_test(tc, test_cmos_clock_not_writable);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(devices_suite)
