/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pagewalk.c — the soft MMU's page walker (mmu/pagewalk.c) and TLB
 * flushes (mmu/tlb.c): every combination of P, R/W, U/S and XD in the
 * directory and table entries, PS, CR0.WP, EFER.NXE, the privilege and the
 * access kind, in 32-bit paging (4 KiB and 4 MiB pages) and PAE paging
 * (4 KiB and 2 MiB pages), against the SDM's rules (vol. 3, 4.6 "Access
 * Rights", 4.7 "Page-Fault Exceptions", 4.8 "Accessed and Dirty Flags")
 * written here as a table of what each access needs; plus reserved bits,
 * PSE-36 addresses, the PDPTE check and global pages across flushes. */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check_helpers.h"
#include "cpu/cpu_state.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "mmu/mmu.h"
#include "mmu/pagewalk.h"

#define RAM (16u << 20)
#define DIR 0x10000u        /* page directory / PAE PD */
#define TABLE 0x11000u      /* page table */
#define PDPT 0x12000u
#define LIN 0x00403123u     /* PDE 1 (32-bit) / PD entry 2 (PAE), PTE 3 */
#define FRAME 0x00abc000u

static struct machine m;
static struct jit_cache *cache;
static struct mmu mmu;
static struct cpu_state regs;

static void setup(void)
{
	test_machine_create(&m, RAM);
	cache = jit_cache_create(1 << 20);
	ck_assert(cache);
	memset(&regs, 0, sizeof(regs));
	regs.cr0 = CR0_PE | CR0_PG;
	mmu_init(&mmu, &m, cache, NULL, &regs);
}

static void teardown(void)
{
	jit_cache_destroy(cache);
	machine_destroy(&m);
}

static void put32(uint32_t at, uint32_t v)
{
	memcpy(m.ram + at, &v, 4);
}

static void put64(uint32_t at, uint64_t v)
{
	memcpy(m.ram + at, &v, 8);
}

static uint64_t get64(uint32_t at)
{
	uint64_t v;
	memcpy(&v, m.ram + at, 8);
	return v;
}

static uint32_t get32(uint32_t at)
{
	uint32_t v;
	memcpy(&v, m.ram + at, 4);
	return v;
}

enum layout { L32_4K, L32_4M, PAE_4K, PAE_2M, NR_LAYOUTS };

struct bits {
	bool p, rw, us, xd;
};

/* Writes the tables of one layout: the directory entry `d` (a large page
 * when the layout says so) and the table entry `t`. Returns the addresses
 * of the entries the walk reads (leaf last) in at[], their number. */
static int build(enum layout l, struct bits d, struct bits t, bool nxe, uint32_t at[2])
{
	memset(m.ram + DIR, 0, 0x3000);
	bool pae = l == PAE_4K || l == PAE_2M, large = l == L32_4M || l == PAE_2M;
	regs.cr4 = (pae ? CR4_PAE : CR4_PSE);
	regs.efer = nxe ? EFER_NXE : 0;
	uint64_t dflags = (d.p ? 1 : 0) | (d.rw ? 2 : 0) | (d.us ? 4 : 0) | (large ? 0x80 : 0);
	uint64_t tflags = (t.p ? 1 : 0) | (t.rw ? 2 : 0) | (t.us ? 4 : 0);
	if (pae) {
		regs.cr3 = PDPT;
		put64(PDPT, DIR | 1);
		ck_assert(mmu_load_pdptes(&mmu, PDPT, mmu.pdpte));
		uint32_t pde_at = DIR + ((LIN >> 21) & 0x1ff) * 8;
		uint64_t dxd = d.xd ? 1ull << 63 : 0, txd = t.xd ? 1ull << 63 : 0;
		put64(pde_at, (large ? (FRAME & ~0x1fffffu) : TABLE) | dflags | dxd);
		at[0] = pde_at;
		if (large)
			return 1;
		uint32_t pte_at = TABLE + ((LIN >> 12) & 0x1ff) * 8;
		put64(pte_at, FRAME | tflags | txd);
		at[1] = pte_at;
		return 2;
	}
	regs.cr3 = DIR;
	uint32_t pde_at = DIR + (LIN >> 22) * 4;
	put32(pde_at, (uint32_t)((large ? (FRAME & ~0x3fffffu) : TABLE) | dflags));
	at[0] = pde_at;
	if (large)
		return 1;
	uint32_t pte_at = TABLE + ((LIN >> 12) & 0x3ff) * 4;
	put32(pte_at, (uint32_t)(FRAME | tflags));
	at[1] = pte_at;
	return 2;
}

/* The SDM's rules as a table: what each access needs (4.6). */
static bool allowed(bool user, enum mmu_access kind, bool wp, bool user_ok, bool write_ok, bool xd)
{
	switch (kind) {
	case MMU_READ:
		return !user || user_ok;
	case MMU_WRITE:
		return user ? user_ok && write_ok : write_ok || !wp;
	default:
		return (!user || user_ok) && !xd;
	}
}

START_TEST(test_every_combination)
{
	int cases = 0, faults = 0;
	for (int l = 0; l < NR_LAYOUTS; l++) {
		bool pae = l == PAE_4K || l == PAE_2M, large = l == L32_4M || l == PAE_2M;
		for (unsigned dbits = 0; dbits < 16; dbits++) {
			for (unsigned tbits = 0; tbits < (large ? 1u : 16u); tbits++) {
				struct bits d = { dbits & 1, dbits & 2, dbits & 4, dbits & 8 };
				struct bits t = { tbits & 1, tbits & 2, tbits & 4, tbits & 8 };
				if (!pae && (d.xd || t.xd))
					continue;   /* no XD bit in 32-bit paging */
				for (int wp = 0; wp < 2; wp++)
				for (int nxe = 0; nxe < (pae ? 2 : 1); nxe++)
				for (int user = 0; user < 2; user++)
				for (int kind = 0; kind < MMU_NR_ACCESS; kind++) {
					uint32_t at[2];
					int n = build((enum layout)l, d, t, nxe, at);
					regs.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0);
					/* the walk stops at the first entry that is
					 * not present or has a reserved bit (XD
					 * without NXE) */
					bool d_rsvd = pae && !nxe && d.xd, t_rsvd = pae && !nxe && t.xd;
					bool present = d.p && (d_rsvd || large || t.p);
					bool rsvd = d.p && (d_rsvd || (!large && t.p && t_rsvd));
					bool user_ok = d.us && (large || t.us);
					bool write_ok = d.rw && (large || t.rw);
					bool xd = nxe && (d.xd || (!large && t.xd));
					uint32_t code = (kind == MMU_WRITE ? 2u : 0) | (user ? 4u : 0) |
							(kind == MMU_EXEC && nxe ? 16u : 0);
					bool ok;
					uint32_t want;
					if (!present) {
						ok = false;
						want = code;
					} else if (rsvd) {
						ok = false;
						want = code | 1 | 8;
					} else {
						ok = allowed(user, kind, wp, user_ok, write_ok, xd);
						want = code | 1;
					}
					uint64_t before[2] = { get64(at[0]), n > 1 ? get64(at[1]) : 0 };
					struct mmu_translation tr;
					uint32_t error = 0xdead;
					bool got = mmu_walk(&mmu, LIN, (enum mmu_access)kind,
							    user ? MMU_USER : MMU_SUPERVISOR, &tr, &error);
					ck_assert_msg(got == ok, "layout %d pde %x pte %x wp %d nxe %d user %d kind %d: "
						      "walk %s", l, dbits, tbits, wp, nxe, user, kind,
						      got ? "allowed" : "faulted");
					cases++;
					if (!ok) {
						faults++;
						ck_assert_msg(error == want, "layout %d pde %x pte %x wp %d nxe %d user %d "
							      "kind %d: error %x, want %x", l, dbits, tbits, wp, nxe, user,
							      kind, error, want);
						ck_assert(get64(at[0]) == before[0]);   /* nothing written */
						if (n > 1)
							ck_assert(get64(at[1]) == before[1]);
						continue;
					}
					uint32_t off = large ? (pae ? 0x1fffffu : 0x3fffffu) : 0xfffu;
					ck_assert_uint_eq(tr.phys, (FRAME & ~off) | (LIN & off));
					/* A in every level, D in the leaf on a write only */
					for (int i = 0; i < n; i++) {
						uint64_t want_bits = before[i] | 0x20 | (i == n - 1 && kind == MMU_WRITE ? 0x40 : 0);
						ck_assert_msg(get64(at[i]) == want_bits, "level %d: %llx, want %llx", i,
							      (unsigned long long)get64(at[i]), (unsigned long long)want_bits);
					}
				}
			}
		}
	}
	/* 4 layouts' combinations; a fixed count catches a loop that skips */
	ck_assert_int_eq(cases, 7392);
	ck_assert_int_gt(faults, cases / 2);
}
END_TEST

START_TEST(test_pse_off_ignores_ps)
{
	/* CR4.PSE clear: the PS bit of a PDE is ignored (4.3) */
	regs.cr4 = 0;
	regs.cr3 = DIR | 0x18;   /* PCD and PWT: hints only */
	memset(m.ram + DIR, 0, 0x2000);
	put32(DIR + 4, TABLE | 0x80 | 7);
	put32(TABLE + 3 * 4, FRAME | 7);
	struct mmu_translation tr;
	uint32_t error;
	ck_assert(mmu_walk(&mmu, LIN, MMU_READ, MMU_USER, &tr, &error));
	ck_assert_uint_eq(tr.phys, FRAME | 0x123);
	ck_assert(!tr.large);
}
END_TEST

START_TEST(test_pse36_and_reserved)
{
	regs.cr4 = CR4_PSE;
	regs.cr3 = DIR;
	memset(m.ram + DIR, 0, 0x1000);
	/* bits 13-16 of a 4 MiB PDE are physical bits 32-35 */
	put32(DIR + 4, 0x00c00000u | (0x5u << 13) | 0x83);
	struct mmu_translation tr;
	uint32_t error;
	ck_assert(mmu_walk(&mmu, LIN, MMU_READ, MMU_SUPERVISOR, &tr, &error));
	ck_assert_uint_eq(tr.phys, 0x500c03123ull);
	/* bits 17-21 reserved (MAXPHYADDR 36) */
	put32(DIR + 4, 0x00c00000u | (1u << 21) | 0x83);
	ck_assert(!mmu_walk(&mmu, LIN, MMU_WRITE, MMU_SUPERVISOR, &tr, &error));
	ck_assert_uint_eq(error, 1 | 2 | 8);
	/* PAE: address bits above 35, and bits 13-20 of a 2 MiB page */
	regs.cr4 = CR4_PAE;
	regs.efer = EFER_NXE;
	put64(PDPT, DIR | 1);
	ck_assert(mmu_load_pdptes(&mmu, PDPT, mmu.pdpte));
	memset(m.ram + DIR, 0, 0x1000);
	put64(DIR + 2 * 8, 0x00400000ull | (1ull << 36) | 0x83);
	ck_assert(!mmu_walk(&mmu, LIN, MMU_READ, MMU_USER, &tr, &error));
	ck_assert_uint_eq(error, 1 | 4 | 8);
	put64(DIR + 2 * 8, 0x00400000ull | (1ull << 13) | 0x83);
	ck_assert(!mmu_walk(&mmu, LIN, MMU_EXEC, MMU_SUPERVISOR, &tr, &error));
	ck_assert_uint_eq(error, 1 | 8 | 16);
	put64(DIR + 2 * 8, 0x00400000ull | 0x83);
	ck_assert(mmu_walk(&mmu, LIN, MMU_EXEC, MMU_SUPERVISOR, &tr, &error));
	ck_assert_uint_eq(tr.phys, 0x00403123u);
	/* a present PDPTE with reserved bits: MOV to CR3 faults */
	put64(PDPT + 8, 0x1000 | 1 | 2);   /* R/W is reserved in a PDPTE */
	uint64_t pdpte[4];
	ck_assert(!mmu_load_pdptes(&mmu, PDPT, pdpte));
	put64(PDPT + 8, 0x1000 | 2);       /* not present: anything goes */
	ck_assert(mmu_load_pdptes(&mmu, PDPT, pdpte));
}
END_TEST

START_TEST(test_tables_outside_ram)
{
	/* a table beyond RAM reads as all ones: present with reserved bits
	 * under PAE, a frame beyond RAM in 32-bit paging */
	regs.cr4 = 0;
	regs.cr3 = DIR;
	memset(m.ram + DIR, 0, 0x1000);
	put32(DIR + 4, 0xfff00000u | 7);
	struct mmu_translation tr;
	uint32_t error;
	ck_assert(mmu_walk(&mmu, LIN, MMU_WRITE, MMU_USER, &tr, &error));
	ck_assert_uint_eq(tr.phys, 0xfffff123u);
	ck_assert_uint_eq(get32(DIR + 4), 0xfff00000u | 7 | 0x20);
}
END_TEST

/* The TLB through the slow path: fills, global entries across a CR3
 * flush, INVLPG. */
START_TEST(test_global_pages)
{
	regs.cr4 = CR4_PGE;
	regs.cr3 = DIR;
	memset(m.ram + DIR, 0, 0x2000);
	put32(DIR + 4, TABLE | 3);
	put32(TABLE + 3 * 4, 0x00100000u | 0x103);   /* global */
	put32(TABLE + 4 * 4, 0x00200000u | 0x003);   /* not global */
	put32(0x00100000, 0x11111111);
	put32(0x00200000, 0x22222222);
	put32(0x00300000, 0x33333333);
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00403000), 0x11111111);
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00404000), 0x22222222);
	put32(TABLE + 3 * 4, 0x00300000u | 0x103);
	put32(TABLE + 4 * 4, 0x00300000u | 0x003);
	mmu_flush_nonglobal(&mmu);
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00403000), 0x11111111);   /* kept */
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00404000), 0x33333333);   /* walked again */
	mmu_flush_page(&mmu, 0x00403abc);
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00403000), 0x33333333);
	/* without CR4.PGE a CR3 load drops everything */
	put32(TABLE + 3 * 4, 0x00100000u | 0x103);
	regs.cr4 = 0;
	mmu_flush_nonglobal(&mmu);
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00403000), 0x11111111);
}
END_TEST

START_TEST(test_user_and_supervisor_sets)
{
	/* a supervisor page read at CPL 0 must not be readable through the
	 * user set afterwards */
	regs.cr4 = 0;
	regs.cr3 = DIR;
	memset(m.ram + DIR, 0, 0x2000);
	put32(DIR + 4, TABLE | 7);
	put32(TABLE + 3 * 4, 0x00100000u | 3);   /* supervisor only */
	mmu_set_priv(&mmu, MMU_SUPERVISOR);
	ck_assert_uint_eq(mmu_load32(&mmu, 0x00403000), get32(0x00100000));
	mmu_set_priv(&mmu, MMU_USER);
	const struct tlb_entry *e = mmu_entry(&mmu, MMU_READ, 0x00403000);
	ck_assert(!mmu_hit(e, 0x00403000, 4));
	mmu_set_priv(&mmu, MMU_SUPERVISOR);
	ck_assert(mmu_hit(mmu_entry(&mmu, MMU_READ, 0x00403000), 0x00403000, 4));
	ck_assert_uint_eq(mmu_sys_load(&mmu, 0x00403000, 4), get32(0x00100000));
}
END_TEST

static Suite *pagewalk_suite(void)
{
	Suite *s = suite_create("pagewalk");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_combination);
	tcase_add_test(tc, test_pse_off_ignores_ps);
	tcase_add_test(tc, test_pse36_and_reserved);
	tcase_add_test(tc, test_tables_outside_ram);
	tcase_add_test(tc, test_global_pages);
	tcase_add_test(tc, test_user_and_supervisor_sets);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(pagewalk_suite)
