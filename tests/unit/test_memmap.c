/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_memmap.c — the memory map: regions, host pointers, MMIO dispatch. */
#include "tests/unit/check_helpers.h"
#include "hw/memmap.h"

struct mmio_log {
	uint64_t value, offset;
};

static uint64_t test_mmio_read(void *opaque, uint64_t offset, int size)
{
	(void)opaque; (void)size;
	return 0xdead000000000000ull | offset;
}
static void test_mmio_write(void *opaque, uint64_t offset, int size, uint64_t value)
{
	(void)size;
	struct mmio_log *log = opaque;
	log->value = value;
	log->offset = offset;
}

START_TEST(test_regions)
{
	static uint8_t ram[0x10000], rom[0x1000];
	struct mmio_log written = { 0 };
	struct memmap map;
	struct error err = { 0 };
	memmap_init(&map);
	ck_assert_int_eq(memmap_add(&map, &(struct mem_region){ .base = 0, .size = sizeof(ram),
		.kind = MEM_RAM, .host = ram, .name = "ram" }, &err), 0);
	ck_assert_int_eq(memmap_add(&map, &(struct mem_region){ .base = 0xfffff000, .size = sizeof(rom),
		.kind = MEM_ROM, .host = rom, .name = "rom" }, &err), 0);
	ck_assert_int_eq(memmap_add(&map, &(struct mem_region){ .base = 0xfee00000, .size = 0x1000,
		.kind = MEM_MMIO, .read = test_mmio_read, .write = test_mmio_write, .opaque = &written,
		.name = "apic" }, &err), 0);
	ck_assert_int_lt(memmap_add(&map, &(struct mem_region){ .base = 0xfee00800, .size = 0x1000,
		.kind = MEM_MMIO, .name = "clash" }, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "overlaps apic"));
	ck_assert_int_lt(memmap_add(&map, &(struct mem_region){ .base = ~0ull - 10, .size = 100,
		.kind = MEM_RAM, .host = ram, .name = "wrap" }, &err), 0);

	ck_assert_ptr_eq(memmap_host_ptr(&map, 0x100, 16), ram + 0x100);
	ck_assert_ptr_eq(memmap_host_ptr(&map, 0xffff, 1), ram + 0xffff);
	ck_assert_ptr_null(memmap_host_ptr(&map, 0xffff, 2));       /* crosses the end */
	ck_assert_ptr_null(memmap_host_ptr(&map, 0x10000, 1));
	ck_assert_ptr_null(memmap_host_ptr(&map, 0xfee00000, 4));   /* MMIO has no host pointer */
	ck_assert_ptr_eq(memmap_host_ptr(&map, 0xfffffff0, 16), rom + 0xff0);
	ck_assert_ptr_null(memmap_host_ptr(&map, 0x0, ~0ull));      /* length overflow */

	ck_assert_uint_eq(memmap_mmio_read(&map, 0xfee00020, 4), 0x20);
	ck_assert_uint_eq(memmap_mmio_read(&map, 0xfee00020, 8), 0xdead000000000020ull);
	ck_assert_uint_eq(memmap_mmio_read(&map, 0xfed00000, 4), 0xffffffffu);   /* unmapped */
	memmap_mmio_write(&map, 0xfee000b0, 4, 0x55);
	ck_assert_uint_eq(written.value, 0x55);
	ck_assert_uint_eq(written.offset, 0xb0);
	memmap_mmio_write(&map, 0x100, 4, 0x66);     /* RAM is not MMIO: ignored */
	ck_assert_uint_eq(written.value, 0x55);
	memmap_destroy(&map);
}
END_TEST

static Suite *memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_regions);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(memmap_suite)
