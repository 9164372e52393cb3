/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pagewalk.c — the page walker of the soft MMU: linear to physical through
 * the guest's page tables, as the SDM vol. 3, chapter 4 "Paging" describes
 * for 32-bit paging (4 KiB pages; 4 MiB pages with CR4.PSE, PSE-36 giving
 * physical bits 32-35) and PAE paging (4 KiB and 2 MiB pages, the NX bit
 * with EFER.NXE, the four PDPTEs loaded with CR3).
 *
 * Rights are those of every level together (4.6): a user access needs U/S
 * set at every level, a user write R/W at every level, a supervisor write
 * R/W at every level only with CR0.WP; an instruction fetch faults on a
 * page with XD set at any level (PAE with NXE). A fault returns the #PF
 * error code (4.7): P (a present page, rights or reserved bits), W/R, U/S
 * (a user-mode access), RSVD, I/D (a fetch, reported with PAE and NXE).
 *
 * Accessed bits are set in every entry used, and the Dirty bit of the
 * final one on a write, only when the access is allowed (4.8: the
 * processor may not set them for a faulting access; never setting them
 * then is allowed). Reserved bits (4.3, 4.4.2): with PAE, physical
 * address bits 36-62 (MAXPHYADDR 36), bit 63 without NXE, bits 13-20 of a
 * 2 MiB page; with PSE-36, bits 17-21 of a 4 MiB page. Page tables
 * outside RAM read as all ones (as an empty bus reads), and A/D updates
 * there are dropped. PCD and PWT are caching hints: ignored. */
#include "mmu/pagewalk.h"

#include <string.h>

#include "cpu/cpu_state.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "mmu/region.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_XD (1ull << 63)
#define PAE_ADDR_MASK 0x0000000ffffff000ull      /* bits 12-35 */
#define PAE_RSVD_HIGH 0x7ffffff000000000ull      /* bits 36-62 */
#define PAE_RSVD_2M 0x00000000001fe000ull        /* bits 13-20 */
#define PSE36_RSVD 0x003e0000u                   /* bits 17-21 of a 4 MiB PDE */
#define PDPTE_RSVD 0xfffffff0000001e6ull         /* bits 1-2, 5-8, 36-63 */

static uint8_t *pagewalk_host(struct mmu *mmu, uint64_t phys, unsigned len)
{
	const struct mem_region *r = mmu_region(mmu, phys);
	if (!r || r->kind != MEM_RAM || len > r->size - (phys - r->base))
		return NULL;
	return r->host + (phys - r->base);
}

static uint64_t pagewalk_read(struct mmu *mmu, uint64_t phys, unsigned len)
{
	const struct mem_region *r = mmu_region(mmu, phys);
	if (!r || r->kind == MEM_MMIO || len > r->size - (phys - r->base))
		return ~0ull;
	const uint8_t *p = r->host + (phys - r->base);
	if (len == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	return mmu_copy_in(p, 4);
}

/* Sets `bits` in the entry at phys (its low 32 bits hold them). */
static void pagewalk_set_bits(struct mmu *mmu, uint64_t phys, uint32_t old, uint32_t bits)
{
	if ((old & bits) == bits)
		return;
	uint8_t *p = pagewalk_host(mmu, phys, 4);
	if (!p)
		return;
	uint32_t v = old | bits;
	memcpy(p, &v, 4);
	uint64_t page = phys & ~(uint64_t)(MMU_PAGE_SIZE - 1);
	if (jit_cache_page_has_code(mmu->cache, page) && jit_cache_write(mmu->cache, phys, 4))
		mmu->code_written = true;
}

bool mmu_load_pdptes(struct mmu *mmu, uint32_t cr3, uint64_t pdpte[4])
{
	for (int i = 0; i < 4; i++) {
		pdpte[i] = pagewalk_read(mmu, (cr3 & ~31u) + 8u * (unsigned)i, 8);
		if ((pdpte[i] & PTE_P) && (pdpte[i] & PDPTE_RSVD))
			return false;
	}
	return true;
}

bool mmu_walk(struct mmu *mmu, uint32_t lin, enum mmu_access kind, enum mmu_priv priv,
	      struct mmu_translation *t, uint32_t *error)
{
	const struct cpu_state *s = mmu->regs;
	bool user = priv == MMU_USER, write = kind == MMU_WRITE;
	bool pae = s->cr4 & CR4_PAE, nxe = pae && (s->efer & EFER_NXE);
	uint32_t code = (write ? MMU_PF_W : 0) | (user ? MMU_PF_U : 0) |
			(kind == MMU_EXEC && nxe ? MMU_PF_ID : 0);
	uint64_t rights = PTE_RW | PTE_US;    /* ANDed over the levels */
	uint64_t xd = 0;                      /* ORed */
	uint64_t entry, entry_at[2], entry_value[2];
	int levels = 0;
	mmu->walks++;

	if (pae) {
		uint64_t rsvd = PAE_RSVD_HIGH | (nxe ? 0 : PTE_XD);
		uint64_t pdpte = mmu->pdpte[lin >> 30];
		if (!(pdpte & PTE_P))
			goto not_present;
		uint64_t pde_at = (pdpte & PAE_ADDR_MASK) + ((lin >> 21) & 0x1ff) * 8;
		uint64_t pde = pagewalk_read(mmu, pde_at, 8);
		if (!(pde & PTE_P))
			goto not_present;
		if ((pde & rsvd) || ((pde & PTE_PS) && (pde & PAE_RSVD_2M)))
			goto reserved;
		rights &= pde;
		xd |= pde;
		entry_value[levels] = pde;
		entry_at[levels++] = pde_at;
		if (pde & PTE_PS) {
			entry = pde;
			t->phys = (pde & PAE_ADDR_MASK & ~0x1fffffull) | (lin & 0x1fffff);
			t->large = true;
		} else {
			uint64_t pte_at = (pde & PAE_ADDR_MASK) + ((lin >> 12) & 0x1ff) * 8;
			uint64_t pte = pagewalk_read(mmu, pte_at, 8);
			if (!(pte & PTE_P))
				goto not_present;
			if (pte & rsvd)
				goto reserved;
			rights &= pte;
			xd |= pte;
			entry_value[levels] = pte;
			entry_at[levels++] = pte_at;
			entry = pte;
			t->phys = (pte & PAE_ADDR_MASK) | (lin & 0xfff);
			t->large = false;
		}
	} else {
		uint64_t pde_at = (s->cr3 & 0xfffff000u) + (lin >> 22) * 4;
		uint32_t pde = (uint32_t)pagewalk_read(mmu, pde_at, 4);
		if (!(pde & PTE_P))
			goto not_present;
		rights &= pde;
		entry_value[levels] = pde;
		entry_at[levels++] = pde_at;
		if ((pde & PTE_PS) && (s->cr4 & CR4_PSE)) {
			if (pde & PSE36_RSVD)
				goto reserved;
			entry = pde;
			t->phys = (pde & 0xffc00000u) | ((uint64_t)((pde >> 13) & 0xf) << 32) | (lin & 0x3fffff);
			t->large = true;
		} else {
			uint64_t pte_at = (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4;
			uint32_t pte = (uint32_t)pagewalk_read(mmu, pte_at, 4);
			if (!(pte & PTE_P))
				goto not_present;
			rights &= pte;
			entry_value[levels] = pte;
			entry_at[levels++] = pte_at;
			entry = pte;
			t->phys = (pte & 0xfffff000u) | (lin & 0xfff);
			t->large = false;
		}
	}

	if (user && !(rights & PTE_US))
		goto protection;
	if (write && !(rights & PTE_RW) && (user || (s->cr0 & CR0_WP)))
		goto protection;
	if (kind == MMU_EXEC && nxe && (xd & PTE_XD))
		goto protection;

	/* Allowed: the A bits, and D on a write. entry_at holds the levels
	 * read (the PDPTEs have no A bit in PAE paging's cached form). */
	for (int i = 0; i < levels; i++) {
		uint32_t bits = (uint32_t)PTE_A | (i == levels - 1 && write ? (uint32_t)PTE_D : 0);
		pagewalk_set_bits(mmu, entry_at[i], (uint32_t)entry_value[i], bits);
	}
	t->global = (s->cr4 & CR4_PGE) && (entry & PTE_G);
	t->write_ok = (write || (entry & PTE_D)) && ((rights & PTE_RW) || (!user && !(s->cr0 & CR0_WP)));
	return true;

not_present:
	*error = code;
	return false;
reserved:
	*error = code | MMU_PF_P | MMU_PF_RSVD;
	return false;
protection:
	*error = code | MMU_PF_P;
	return false;
}
