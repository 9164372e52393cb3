/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pagewalk.h — the page walker of the soft MMU (mmu/pagewalk.c): what the
 * TLB's slow path (mmu/tlb.c) and the unit tests call. */
#ifndef MORPHEUS_PAGEWALK_H
#define MORPHEUS_PAGEWALK_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"

/* #PF error code bits (SDM vol. 3, 4.7) */
#define MMU_PF_P (1u << 0)      /* a present page: rights or reserved bits */
#define MMU_PF_W (1u << 1)      /* a write */
#define MMU_PF_U (1u << 2)      /* a user-mode access */
#define MMU_PF_RSVD (1u << 3)   /* a reserved bit set */
#define MMU_PF_ID (1u << 4)     /* an instruction fetch (PAE with NXE) */

struct mmu_translation {
	uint64_t phys;          /* of the linear address walked */
	bool global;            /* G set (and CR4.PGE) */
	bool large;             /* a 2 or 4 MiB page */
	bool write_ok;          /* a write with this privilege would pass now (rights, D set) */
};

/* Walks the page tables of mmu->regs (CR3, CR4, CR0.WP, EFER.NXE, the
 * PDPTEs in mmu->pdpte) for an access of `kind` with privilege `priv`.
 * True with *t filled (and the A/D bits set); false with the #PF error
 * code in *error (nothing written). Paging must be on. */
bool mmu_walk(struct mmu *mmu, uint32_t lin, enum mmu_access kind, enum mmu_priv priv,
	      struct mmu_translation *t, uint32_t *error);
/* Reads the four PAE PDPTEs at CR3 into pdpte[]; false when a present one
 * has reserved bits set (MOV to CR3 then raises #GP(0)). */
bool mmu_load_pdptes(struct mmu *mmu, uint32_t cr3, uint64_t pdpte[4]);

#endif
