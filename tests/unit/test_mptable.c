/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_mptable.c — the Intel MultiProcessor table (hw/mptable.c) as a guest
 * OS would read it: the floating pointer found by scanning the BIOS area,
 * both checksums, the entry walk (processors, ISA bus, I/O APIC, the ISA
 * interrupt routing the kvm engine installs, LINT0/LINT1), for 1, 2, 8 and
 * 64 CPUs, and that the bytes it uses are reserved in the e820 map.
 * It does not boot a guest on the table. */
#include <string.h>

#include "check_helpers.h"
#include "hw/mptable.h"

#define BIOS_AREA 0xf0000u
#define BIOS_AREA_END 0x100000u
#define IOAPIC_ADDR 0xfec00000u

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IOINT, MP_LOCALINT };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

static const int smp_counts[] = { 1, 2, 8, 64 };

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint8_t byte_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Does [addr, addr+len) lie inside one E820_RESERVED entry? */
static int e820_reserved(const struct machine *m, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < m->e820_count; i++) {
		const struct e820_entry *e = &m->e820[i];
		if (e->type == E820_RESERVED && addr >= e->addr && addr + len <= e->addr + e->size)
			return 1;
	}
	return 0;
}

/* What the walk over the configuration table found. */
struct mp_seen {
	int cpus, bsps, buses, ioapics, ioints, lints;
	uint8_t ioapic_id;
	uint8_t cpu_seen[256];
	int irq_pin[16];             /* ISA IRQ -> I/O APIC pin, -1 = not routed */
	int lint_type[2];            /* LINT0/1 -> interrupt type, -1 = none */
};

/* The floating pointer: scanned for like an OS does. Returns its guest
 * address. */
static uint32_t find_floating(struct machine *m)
{
	uint8_t *area = machine_ram_ptr(m, BIOS_AREA, BIOS_AREA_END - BIOS_AREA);
	ck_assert_ptr_nonnull(area);
	uint32_t found = 0;
	int count = 0;
	for (uint32_t off = 0; off < BIOS_AREA_END - BIOS_AREA; off += 16)
		if (memcmp(area + off, "_MP_", 4) == 0) {
			found = BIOS_AREA + off;
			count++;
		}
	ck_assert_int_eq(count, 1);
	return found;
}

static void walk_entries(const uint8_t *table, uint16_t length, uint16_t count,
			 struct mp_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
	for (int i = 0; i < 16; i++)
		seen->irq_pin[i] = -1;
	seen->lint_type[0] = seen->lint_type[1] = -1;
	const uint8_t *p = table + 44, *end = table + length;
	int last_type = MP_PROCESSOR;
	for (uint16_t n = 0; n < count; n++) {
		ck_assert_msg(p < end, "entry %u starts beyond the base table", n);
		uint8_t type = p[0];
		size_t size = type == MP_PROCESSOR ? 20 : 8;
		ck_assert_msg(type <= MP_LOCALINT, "entry %u has type %u", n, type);
		ck_assert_msg(type >= last_type, "entry %u (type %u) out of order", n, type);
		ck_assert_msg(p + size <= end, "entry %u ends beyond the base table", n);
		last_type = type;
		switch (type) {
		case MP_PROCESSOR:
			ck_assert_msg(p[3] & 1, "CPU %u not enabled", p[1]);
			ck_assert_msg(!seen->cpu_seen[p[1]], "APIC ID %u twice", p[1]);
			seen->cpu_seen[p[1]] = 1;
			if (p[3] & 2) {
				ck_assert_int_eq(seen->cpus, 0);        /* BSP first */
				seen->bsps++;
			}
			seen->cpus++;
			break;
		case MP_BUS:
			ck_assert_int_eq(memcmp(p + 2, "ISA   ", 6), 0);
			seen->buses++;
			break;
		case MP_IOAPIC:
			ck_assert_uint_eq(p[3] & 1, 1);            /* enabled */
			ck_assert_uint_eq(rd32(p + 4), IOAPIC_ADDR);
			seen->ioapic_id = p[1];
			seen->ioapics++;
			break;
		case MP_IOINT:
			ck_assert_uint_eq(p[1], MP_INT);
			ck_assert_uint_eq(p[6], seen->ioapic_id);
			ck_assert_uint_lt(p[5], 16);
			ck_assert_int_eq(seen->irq_pin[p[5]], -1);
			seen->irq_pin[p[5]] = p[7];
			seen->ioints++;
			break;
		case MP_LOCALINT:
			ck_assert_uint_eq(p[6], 0xff);             /* every local APIC */
			ck_assert_uint_lt(p[7], 2);
			ck_assert_int_eq(seen->lint_type[p[7]], -1);
			seen->lint_type[p[7]] = p[1];
			seen->lints++;
			break;
		}
		p += size;
	}
	ck_assert_msg(p == end, "entries end at +%td, table length %u", p - table, length);
}

static void check_mptable(int smp)
{
	struct machine m;
	struct machine_config cfg = { .ram_size = 64 << 20, .smp = smp };
	struct error err = { 0 };
	ck_assert_msg(machine_create(&m, &cfg, &err) == 0, "machine_create: %s", err.msg);
	ck_assert_msg(mptable_write(&m, &err) == 0, "mptable_write: %s", err.msg);

	uint32_t fp_addr = find_floating(&m);
	const uint8_t *fp = machine_ram_ptr(&m, fp_addr, 16);
	ck_assert_uint_eq(byte_sum(fp, 16), 0);
	ck_assert_uint_eq(fp[8], 1);                     /* length in 16-byte units */
	ck_assert_uint_eq(fp[9], 4);                     /* spec 1.4 */
	ck_assert_uint_eq(fp[11], 0);                    /* not a default configuration */
	ck_assert(e820_reserved(&m, fp_addr, 16));

	uint32_t table_addr = rd32(fp + 4);
	ck_assert_uint_ge(table_addr, BIOS_AREA);
	ck_assert_uint_le(table_addr + 44u, BIOS_AREA_END);
	const uint8_t *table = machine_ram_ptr(&m, table_addr, 44);
	ck_assert_int_eq(memcmp(table, "PCMP", 4), 0);
	uint16_t length = rd16(table + 4);
	ck_assert_uint_ge(length, 44);
	ck_assert_uint_le(table_addr + length, BIOS_AREA_END);
	ck_assert(e820_reserved(&m, table_addr, length));
	table = machine_ram_ptr(&m, table_addr, length);
	ck_assert_uint_eq(byte_sum(table, length), 0);
	ck_assert_uint_eq(table[6], 4);                  /* spec 1.4 */
	ck_assert_uint_eq(rd32(table + 36), 0xfee00000u); /* local APIC address */
	ck_assert_uint_eq(rd16(table + 40), 0);          /* no extended table */

	struct mp_seen seen;
	walk_entries(table, length, rd16(table + 34), &seen);
	ck_assert_int_eq(seen.cpus, smp);
	ck_assert_int_eq(seen.bsps, 1);
	for (int id = 0; id < smp; id++)
		ck_assert_msg(seen.cpu_seen[id], "no CPU with APIC ID %d", id);
	ck_assert_int_eq(seen.buses, 1);
	ck_assert_int_eq(seen.ioapics, 1);
	ck_assert_msg(!seen.cpu_seen[seen.ioapic_id], "I/O APIC ID %u is a CPU's", seen.ioapic_id);

	/* The routing kvm_set_irq_routing() (cpu/kvm.c) installs: IRQ 0 (the
	 * PIT) on pin 2, IRQ 2 (the 8259 cascade) not routed, the others on
	 * their own pin. */
	ck_assert_int_eq(seen.ioints, 15);
	ck_assert_int_eq(seen.irq_pin[0], 2);
	ck_assert_int_eq(seen.irq_pin[2], -1);
	for (int irq = 1; irq < 16; irq++)
		if (irq != 2)
			ck_assert_msg(seen.irq_pin[irq] == irq, "IRQ %d on pin %d", irq,
				      seen.irq_pin[irq]);
	ck_assert_int_eq(seen.lints, 2);
	ck_assert_int_eq(seen.lint_type[0], MP_EXTINT);
	ck_assert_int_eq(seen.lint_type[1], MP_NMI);
	machine_destroy(&m);
}

START_TEST(test_mptable_smp)
{
	check_mptable(smp_counts[_i]);
}
END_TEST

START_TEST(test_mptable_bios_area_reserved)
{
	struct machine m;
	test_machine_create(&m, 64 << 20);
	ck_assert(e820_reserved(&m, BIOS_AREA, BIOS_AREA_END - BIOS_AREA));
	machine_destroy(&m);
}
END_TEST

START_TEST(test_mptable_rewrite_is_stable)
{
	/* Writing twice (a machine restart) gives the same bytes. */
	struct machine m;
	struct machine_config cfg = { .ram_size = 64 << 20, .smp = 4 };
	struct error err = { 0 };
	ck_assert_msg(machine_create(&m, &cfg, &err) == 0, "machine_create: %s", err.msg);
	ck_assert_int_eq(mptable_write(&m, &err), 0);
	uint8_t *area = machine_ram_ptr(&m, BIOS_AREA, 0x1000);
	uint32_t fp = find_floating(&m) - BIOS_AREA;
	uint32_t table = rd32(area + fp + 4) - BIOS_AREA;
	ck_assert_uint_lt(fp, 0x1000 - 16);
	ck_assert_uint_lt(table, 0x1000 - 44);
	size_t used = table + rd16(area + table + 4);
	if (used < fp + 16)
		used = fp + 16;
	ck_assert_uint_lt(used, 0x1000);
	uint8_t first[0x1000];
	memcpy(first, area, used);
	memset(area, 0xa5, used);
	ck_assert_int_eq(mptable_write(&m, &err), 0);
	ck_assert_int_eq(memcmp(first, area, used), 0);
	machine_destroy(&m);
}
END_TEST

static Suite *mptable_suite(void)
{
	Suite *s = suite_create("mptable");
	TCase *tc = tcase_create("mptable");
	tcase_add_loop_test(tc, test_mptable_smp, 0, (int)(sizeof(smp_counts) / sizeof(smp_counts[0])));
	tcase_add_test(tc, test_mptable_bios_area_reserved);
	tcase_add_test(tc, test_mptable_rewrite_is_stable);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(mptable_suite)
