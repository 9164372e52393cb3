/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_machine.c — machine creation: RAM layout, e820, stop protocol, exit
 * statuses, IRQ routing, locked dispatch. */
#include "tests/unit/check_helpers.h"
#include "hw/machine.h"

struct irq_log {
	int line, level, calls;
};

static void log_irq(void *opaque, int line, int level)
{
	struct irq_log *l = opaque;
	l->line = line;
	l->level = level;
	l->calls++;
}

START_TEST(test_small_machine_layout)
{
	struct machine m;
	test_machine_create(&m, 64ull << 20);
	ck_assert_uint_eq(m.ram_low, 64ull << 20);
	ck_assert_ptr_eq(machine_ram_ptr(&m, 0, 1), m.ram);
	ck_assert_ptr_eq(machine_ram_ptr(&m, (64ull << 20) - 4, 4), m.ram + (64ull << 20) - 4);
	ck_assert_ptr_null(machine_ram_ptr(&m, (64ull << 20) - 4, 8));
	ck_assert_ptr_null(machine_ram_ptr(&m, 64ull << 20, 1));
	/* e820: usable low memory, reserved holes, extended memory to the end. */
	ck_assert_int_eq(m.e820_count, 4);
	ck_assert_uint_eq(m.e820[0].addr, 0);
	ck_assert_uint_eq(m.e820[0].type, E820_RAM);
	ck_assert_uint_eq(m.e820[3].addr, 0x100000);
	ck_assert_uint_eq(m.e820[3].addr + m.e820[3].size, 64ull << 20);
	ck_assert_uint_eq(m.e820[3].type, E820_RAM);
	m.ram[12345] = 0x5a;     /* RAM is writable */
	machine_destroy(&m);
}
END_TEST

START_TEST(test_ram_above_pci_hole)
{
	struct machine m;
	test_machine_create(&m, 4ull << 30);
	ck_assert_uint_eq(m.ram_low, MACHINE_PCI_HOLE_START);
	ck_assert_ptr_null(machine_ram_ptr(&m, MACHINE_PCI_HOLE_START, 1));
	ck_assert_ptr_eq(machine_ram_ptr(&m, MACHINE_HIGH_RAM_START, 1), m.ram + MACHINE_PCI_HOLE_START);
	const struct e820_entry *last = &m.e820[m.e820_count - 1];
	ck_assert_uint_eq(last->addr, MACHINE_HIGH_RAM_START);
	ck_assert_uint_eq(last->size, (4ull << 30) - MACHINE_PCI_HOLE_START);
	machine_destroy(&m);
}
END_TEST

START_TEST(test_bad_config)
{
	struct machine m;
	struct error err = { 0 };
	struct machine_config cfg = { .ram_size = 1 << 20, .smp = 1 };
	ck_assert_int_lt(machine_create(&m, &cfg, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "--memory"));
	cfg = (struct machine_config){ .ram_size = 64 << 20, .smp = 0 };
	ck_assert_int_lt(machine_create(&m, &cfg, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "--smp"));
}
END_TEST

START_TEST(test_stop_first_reason_wins)
{
	struct machine m;
	test_machine_create(&m, 8 << 20);
	ck_assert_int_eq(m.event, MACHINE_RUNNING);
	m.debug_exit_value = 3;
	machine_stop(&m, MACHINE_DEBUG_EXIT);
	machine_stop(&m, MACHINE_TIMEOUT);
	ck_assert_int_eq(m.event, MACHINE_DEBUG_EXIT);
	ck_assert_int_eq(machine_exit_status(&m), 7);
	m.event = MACHINE_TIMEOUT;
	ck_assert_int_eq(machine_exit_status(&m), 124);
	m.event = MACHINE_POWEROFF;
	ck_assert_int_eq(machine_exit_status(&m), 0);
	m.event = MACHINE_RESET;
	ck_assert_int_eq(machine_exit_status(&m), 0);
	m.event = MACHINE_ERROR;
	ck_assert_int_eq(machine_exit_status(&m), 2);
	m.event = MACHINE_DEBUG_EXIT;
	m.debug_exit_value = 0;
	ck_assert_int_eq(machine_exit_status(&m), 1);
	m.debug_exit_value = 0x7f;
	ck_assert_int_eq(machine_exit_status(&m), 0xff);
	m.debug_exit_value = 0x80;    /* only 8 bits reach the shell */
	ck_assert_int_eq(machine_exit_status(&m), 1);
	machine_destroy(&m);
}
END_TEST

START_TEST(test_irq_sink_and_io)
{
	struct machine m;
	struct irq_log log = { 0 };
	test_machine_create(&m, 8 << 20);
	machine_set_irq(&m, 4, 1);    /* no sink yet: ignored */
	m.irq = (struct irq_sink){ log_irq, &log };
	machine_set_irq(&m, 4, 1);
	ck_assert_int_eq(log.calls, 1);
	ck_assert_int_eq(log.line, 4);
	ck_assert_int_eq(log.level, 1);
	ck_assert_uint_eq(machine_io_read(&m, 0x1234, 2), 0xffff);
	machine_io_write(&m, 0x1234, 1, 0);   /* unclaimed: nothing happens */
	ck_assert_uint_eq(machine_mmio_read(&m, 0xfed00000, 4), 0xffffffffu);
	machine_destroy(&m);
}
END_TEST

static Suite *machine_suite(void)
{
	Suite *s = suite_create("machine");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_small_machine_layout);
	tcase_add_test(tc, test_ram_above_pci_hole);
	tcase_add_test(tc, test_bad_config);
	tcase_add_test(tc, test_stop_first_reason_wins);
	tcase_add_test(tc, test_irq_sink_and_io);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(machine_suite)
