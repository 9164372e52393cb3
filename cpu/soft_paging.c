/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_paging.c — the soft engine's writes to the registers that decide
 * how linear addresses map (CR0.PG/WP/PE, CR3, CR4.PSE/PAE/PGE, EFER.NXE)
 * and INVLPG, and what each must drop:
 * - the TLB: all of it on CR0 and CR4 changes that touch paging (SDM vol.
 *   3, 4.10.4.1), all but global pages on a CR3 load, one page on INVLPG;
 * - the jump cache (linear address -> block) with any of them.
 * Translated code stays: the code cache is keyed by physical address, and
 * direct jumps between blocks stay within one linear page (jit/cache.h,
 * jit_block_link_ok), which an instruction that changes a mapping never
 * shares with the code after it: it ends its block and leaves to the
 * engine loop (translator: exit_next).
 * With PAE, the four PDPTEs are read when CR3 is loaded and when paging or
 * PAE is turned on (4.4.1); a present one with reserved bits set is
 * #GP(0) and nothing changes. */
#include "cpu/soft_cpu.h"
#include "mmu/pagewalk.h"

#define CR0_PAGING_BITS (CR0_PG | CR0_WP | CR0_PE)
#define CR4_PAGING_BITS (CR4_PSE | CR4_PAE | CR4_PGE)

static void soft_paging_flush_jumps(struct soft_cpu *cpu)
{
	memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

/* Whether paging with PAE is on with these CR0/CR4 values. */
static bool soft_paging_pae(uint64_t cr0, uint64_t cr4)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE);
}

bool soft_cpu_write_cr0(struct soft_cpu *cpu, uint32_t value)
{
	uint64_t old = cpu->s.cr0;
	value |= (uint32_t)CR0_ET;
	if (soft_paging_pae(value, cpu->s.cr4) && !soft_paging_pae(old, cpu->s.cr4) &&
	    !mmu_load_pdptes(&cpu->mmu, (uint32_t)cpu->s.cr3, cpu->mmu.pdpte))
		return false;
	cpu->s.cr0 = value;
	if ((old ^ value) & CR0_PAGING_BITS)
		soft_cpu_flush_tlb(cpu);
	return true;
}

bool soft_cpu_write_cr3(struct soft_cpu *cpu, uint32_t value)
{
	if (soft_paging_pae(cpu->s.cr0, cpu->s.cr4) && !mmu_load_pdptes(&cpu->mmu, value, cpu->mmu.pdpte))
		return false;
	cpu->s.cr3 = value;
	mmu_flush_nonglobal(&cpu->mmu);
	soft_paging_flush_jumps(cpu);
	return true;
}

bool soft_cpu_write_cr4(struct soft_cpu *cpu, uint32_t value)
{
	uint64_t old = cpu->s.cr4;
	if (soft_paging_pae(cpu->s.cr0, value) && !soft_paging_pae(cpu->s.cr0, old) &&
	    !mmu_load_pdptes(&cpu->mmu, (uint32_t)cpu->s.cr3, cpu->mmu.pdpte))
		return false;
	cpu->s.cr4 = value;
	if ((old ^ value) & CR4_PAGING_BITS)
		soft_cpu_flush_tlb(cpu);
	return true;
}

void soft_cpu_invlpg(struct soft_cpu *cpu, uint32_t lin)
{
	mmu_flush_page(&cpu->mmu, lin);
	soft_paging_flush_jumps(cpu);
}

void soft_cpu_reload_paging(struct soft_cpu *cpu)
{
	if (soft_paging_pae(cpu->s.cr0, cpu->s.cr4))
		mmu_load_pdptes(&cpu->mmu, (uint32_t)cpu->s.cr3, cpu->mmu.pdpte);
	soft_cpu_flush_tlb(cpu);
}
