/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_portio.c — the port-I/O bus: registration, overlap, dispatch. */
#include "tests/unit/check_helpers.h"
#include "hw/portio.h"

struct recorder {
	uint16_t last_port;
	int last_size;
	uint32_t last_value;
	int writes;
};

static uint32_t rec_read(void *opaque, uint16_t port, int size)
{
	(void)opaque;
	return 0x12345600u | (port & 0xff) | ((uint32_t)size << 28);
}

static void rec_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct recorder *r = opaque;
	r->last_port = port;
	r->last_size = size;
	r->last_value = value;
	r->writes++;
}

START_TEST(test_dispatch)
{
	struct portio_bus bus;
	struct recorder rec = { 0 };
	struct error err = { 0 };
	portio_bus_init(&bus);
	ck_assert_int_eq(portio_register(&bus, 0x3f8, 8, rec_read, rec_write, &rec, "uart", &err), 0);
	ck_assert_int_eq(portio_register(&bus, 0x60, 1, rec_read, NULL, &rec, "kbd", &err), 0);
	ck_assert_int_eq(portio_register(&bus, 0x80, 1, NULL, rec_write, &rec, "post", &err), 0);

	ck_assert_uint_eq(portio_read(&bus, 0x3fd, 1), 0xfd);   /* size-masked */
	ck_assert_uint_eq(portio_read(&bus, 0x3f8, 2), 0x56f8);
	ck_assert_uint_eq(portio_read(&bus, 0x3f8, 4), 0x523456f8u);
	portio_write(&bus, 0x3ff, 1, 0xab);
	ck_assert_int_eq(rec.last_port, 0x3ff);
	ck_assert_int_eq(rec.last_size, 1);
	ck_assert_uint_eq(rec.last_value, 0xab);

	/* Unclaimed ports: reads all ones, writes dropped. */
	ck_assert_uint_eq(portio_read(&bus, 0x3f7, 1), 0xff);
	ck_assert_uint_eq(portio_read(&bus, 0x400, 2), 0xffff);
	ck_assert_uint_eq(portio_read(&bus, 0x1234, 4), 0xffffffffu);
	portio_write(&bus, 0x3f7, 1, 1);
	ck_assert_int_eq(rec.writes, 1);
	/* A range without a read handler reads as unclaimed. */
	ck_assert_uint_eq(portio_read(&bus, 0x80, 1), 0xff);
	/* A range without a write handler ignores writes. */
	portio_write(&bus, 0x60, 1, 5);
	ck_assert_int_eq(rec.writes, 1);
	portio_bus_destroy(&bus);
}
END_TEST

START_TEST(test_overlap_and_limits)
{
	struct portio_bus bus;
	struct error err = { 0 };
	portio_bus_init(&bus);
	ck_assert_int_eq(portio_register(&bus, 0x70, 2, NULL, NULL, NULL, "rtc", &err), 0);
	ck_assert_int_lt(portio_register(&bus, 0x71, 1, NULL, NULL, NULL, "dup", &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "overlap rtc"));
	ck_assert_int_lt(portio_register(&bus, 0x6f, 2, NULL, NULL, NULL, "dup2", &err), 0);
	ck_assert_int_lt(portio_register(&bus, 0xffff, 2, NULL, NULL, NULL, "wrap", &err), 0);
	ck_assert_int_lt(portio_register(&bus, 0x10, 0, NULL, NULL, NULL, "empty", &err), 0);
	ck_assert_int_eq(portio_register(&bus, 0x72, 1, NULL, NULL, NULL, "next", &err), 0);
	ck_assert_int_eq(portio_register(&bus, 0x6f, 1, NULL, NULL, NULL, "prev", &err), 0);
	ck_assert_int_eq(portio_register(&bus, 0xffff, 1, NULL, NULL, NULL, "last", &err), 0);
	/* Many ranges: lookups stay right after growth and out-of-order inserts. */
	for (int i = 100; i >= 0; i--) {
		char *name = "many";
		ck_assert_int_eq(portio_register(&bus, (uint16_t)(0x1000 + i * 4), 2, NULL, NULL, NULL, name, &err), 0);
	}
	for (int i = 0; i <= 100; i++) {
		ck_assert_ptr_nonnull(portio_find(&bus, (uint16_t)(0x1000 + i * 4 + 1)));
		ck_assert_ptr_null(portio_find(&bus, (uint16_t)(0x1000 + i * 4 + 2)));
	}
	ck_assert_str_eq(portio_find(&bus, 0x71)->name, "rtc");
	ck_assert_str_eq(portio_find(&bus, 0xffff)->name, "last");
	portio_bus_destroy(&bus);
}
END_TEST

static Suite *portio_suite(void)
{
	Suite *s = suite_create("portio");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_dispatch);
	tcase_add_test(tc, test_overlap_and_limits);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(portio_suite)
