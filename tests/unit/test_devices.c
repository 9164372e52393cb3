/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_devices.c — the small PC devices through the port bus: the debug-exit
 * status mapping, port 0x80, port 0x92 (A20, fast reset). The i8042 is
 * test_i8042's, the CMOS/RTC test_rtc's. */
#include <errno.h>
#include <string.h>

#include "check_helpers.h"
#include "hw/debugexit.h"
#include "hw/pc.h"
#include "hw/port92.h"
#include "hw/post.h"

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
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(devices_suite)
