/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_debug.c — debug exceptions (#DB) of the soft engine (SDM vol. 3,
 * chapter 17 "Debug, Branch Profile, TSC, and Intel Resource Director
 * Technology Features"):
 * - the single-step trap: after each instruction that began with EFLAGS.TF
 *   set, #DB with DR6.BS, EIP the next instruction (17.3.1.4); not after
 *   INT n, INT3, INTO and INT1, whose delivery clears TF, nor after an
 *   instruction that faulted;
 * - instruction breakpoints: DR0-DR3 enabled in DR7 (L or G) with R/W = 00,
 *   matched against CS.base + EIP before the instruction runs: #DB, a fault
 *   (EIP the instruction), DR6.Bn set, suppressed for one instruction by
 *   EFLAGS.RF, which is cleared once an instruction completes (17.3.1.1).
 * - data breakpoints: R/W = 01 (writes) or 11 (reads and writes) with LEN
 *   1, 2, 4 or 8 bytes (the address aligned down to LEN, 17.2.5): the
 *   pages holding watched bytes get no TLB entry (mmu/tlb.c), so every
 *   access to them takes the slow path, which records the hits; #DB, a
 *   trap after the instruction, with DR6.Bn. (A REP string instruction
 *   traps after its last iteration, not after the one that hit.)
 * All make the block mode JIT_MODE_STEP (cpu/soft.c soft_cpu_mode): blocks
 * of one instruction on tier 0, never chained, checked by the engine loop
 * before and after each.
 * Not here: I/O breakpoints (R/W = 10 with CR4.DE), DR7.GD (general
 * detect). The TSS T bit's #DB is raised by the task switch
 * (cpu/soft_task.c). */
#include "cpu/soft_cpu.h"
#include "jit/ir.h"

#define DR6_BS (1u << 14)
#define DR6_FIXED 0xffff0ff0u

/* Whether DR7 enables breakpoint n (L or G) as an instruction breakpoint. */
static bool soft_debug_exec_enabled(const struct soft_cpu *cpu, int n)
{
	uint32_t dr7 = (uint32_t)cpu->s.dr[7];
	return ((dr7 >> (2 * n)) & 3) && ((dr7 >> (16 + 4 * n)) & 3) == 0;
}

bool soft_debug_exec_breakpoints(const struct soft_cpu *cpu)
{
	for (int n = 0; n < 4; n++)
		if (soft_debug_exec_enabled(cpu, n))
			return true;
	return cpu->mmu.nr_watches > 0;
}

void soft_debug_update(struct soft_cpu *cpu)
{
	static const uint32_t lens[4] = { 1, 2, 8, 4 };   /* LEN 00 01 10 11 */
	uint32_t dr7 = (uint32_t)cpu->s.dr[7];
	struct mmu *mmu = &cpu->mmu;
	mmu->nr_watches = 0;
	for (int n = 0; n < 4; n++) {
		unsigned rw = (dr7 >> (16 + 4 * n)) & 3, len = lens[(dr7 >> (18 + 4 * n)) & 3];
		if (!((dr7 >> (2 * n)) & 3) || (rw != 1 && rw != 3))
			continue;
		mmu->watch[mmu->nr_watches++] = (struct mmu_watch){
			.lin = (uint32_t)cpu->s.dr[n] & ~(len - 1), .len = len, .writes_only = rw == 1,
			.bit = (uint8_t)(1u << n) };
	}
	mmu->watch_hits = 0;
	soft_cpu_flush_tlb(cpu);
}

bool soft_debug_before(struct soft_cpu *cpu)
{
	if (cpu->s.rflags & RFLAGS_RF)
		return false;
	uint32_t lin = (uint32_t)cpu->s.seg[SEG_CS].base + (uint32_t)cpu->s.rip;
	uint32_t hits = 0;
	for (int n = 0; n < 4; n++)
		if (soft_debug_exec_enabled(cpu, n) && (uint32_t)cpu->s.dr[n] == lin)
			hits |= 1u << n;
	if (!hits)
		return false;
	cpu->s.dr[6] = DR6_FIXED | hits;
	soft_deliver(cpu, EXC_DB, false, 0, false);
	return true;
}

void soft_debug_after(struct soft_cpu *cpu, const struct jit_block *b, bool tf, bool rf)
{
	if (rf)
		cpu->s.rflags &= ~(uint64_t)RFLAGS_RF;   /* it suppressed this instruction's breakpoint */
	uint32_t hits = cpu->mmu.watch_hits;
	cpu->mmu.watch_hits = 0;
	bool step = tf && !b->soft_int && !cpu->halted;
	if (!step && !hits)
		return;
	cpu->s.dr[6] = DR6_FIXED | hits | (step ? DR6_BS : 0);
	soft_deliver(cpu, EXC_DB, false, 0, false);
}
