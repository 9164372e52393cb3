/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_cpu.h — the vCPU of the soft engine (cpu/soft.c) and what the
 * translator, the interpreter, the helpers and exception delivery share
 * about it.
 *
 * The canonical state is `s` (struct cpu_state), except the six arithmetic
 * flags: while cc.op != CC_OP_EFLAGS they live in `cc` (lazy flags) and the
 * corresponding bits of s.rflags are stale; soft_cpu_get_flags()
 * materializes them. Exceptions raised inside a block (by a helper or a
 * memory slow path) longjmp to the engine loop through `fault_jmp`; the
 * loop then finds the faulting instruction from cur_block/cur_op. Only the
 * vCPU thread touches this structure while the engine runs, except
 * `exit_request` and the idle fields (kick). */
#ifndef MORPHEUS_SOFT_CPU_H
#define MORPHEUS_SOFT_CPU_H

#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/cpu_state.h"
#include "cpu/flags.h"
#include "mmu/mmu.h"

struct machine;
struct jit_block;
struct ir_op;
struct jit_cache;
struct jit_native;

/* Exception vectors. */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6,
	EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13,
	EXC_PF = 14, EXC_MF = 16, EXC_AC = 17,
};

struct soft_stats {
	uint64_t blocks_run;         /* engine-loop dispatches (not chained entries) */
	uint64_t exceptions;         /* faults and traps delivered */
	uint64_t interrupts;         /* INT n delivered */
	uint64_t external_interrupts;   /* from the interrupt controllers, and NMIs */
	uint64_t triple_faults;
	uint64_t halts;
	uint64_t smc_exits;          /* blocks left early after a store hit code */
	uint64_t run_ns;             /* time in run() */
};

/* The jump cache: the last block found at each (hashed) linear address,
 * for indirect jumps, calls and RET (IR op EXIT_IND). Entries are checked
 * against the block's EIP, CS base, mode and `valid` before use. */
#define SOFT_JMP_CACHE_SIZE 1024u

static inline unsigned soft_jmp_hash(uint32_t lin)
{
	return (lin ^ (lin >> 10)) & (SOFT_JMP_CACHE_SIZE - 1);
}

struct soft_cpu {
	struct cpu_state s;
	struct lazy_flags cc;
	struct mmu mmu;
	struct machine *m;
	struct jit_cache *cache;
	/* Filled by the engine loop. Keyed by linear address: cleared with
	 * the TLB (soft_cpu_flush_tlb) and on a wholesale cache flush (it
	 * holds block pointers). */
	struct jit_block *jmp_cache[SOFT_JMP_CACHE_SIZE];

	/* exceptions raised inside a block */
	sigjmp_buf fault_jmp;
	const struct jit_block *cur_block;   /* the block being run */
	const struct ir_op *cur_op;          /* the op that called a helper/slow path */
	int fault_vector;
	bool fault_has_error;
	uint32_t fault_error;

	uint64_t retired;                    /* guest instructions retired */
	bool halted;
	bool nmi_blocked;                    /* an NMI handler runs: until IRET */
	bool trace_exec;                     /* --trace exec */

	/* kick and idle (HLT) */
	atomic_int exit_request;             /* leave the block chain soon */
	pthread_mutex_t idle_lock;
	pthread_cond_t idle_cond;
	bool kicked;                         /* under idle_lock */

	struct soft_stats stats;

	/* tier 1 (jit/native.h), or NULL with --jit off. With --jit on,
	 * tier 0 hands a block to it when its hot_count reaches
	 * hot_threshold (0: never). */
	struct jit_native *native;
	uint32_t hot_threshold;
	bool in_native;                      /* inside jit_native_run */
	/* the block table of the region that returned last (JIT_NATIVE_RET's
	 * index is into it) */
	struct jit_block *const *native_exit_blocks;
	uint64_t native_start;               /* retired when it began */
};

/* The current privilege level: 0 in real mode, 3 in virtual-8086 mode,
 * else the RPL of CS. */
static inline unsigned soft_cpu_cpl(const struct soft_cpu *cpu)
{
	if (!(cpu->s.cr0 & CR0_PE))
		return 0;
	if (cpu->s.rflags & RFLAGS_VM)
		return 3;
	return cpu->s.seg[SEG_CS].selector & 3;
}

/* Selects the TLB set of the CPL (user for CPL 3), and alignment checking
 * (CPL 3 with CR0.AM and EFLAGS.AC): after every change of CPL, and by the
 * engine loop before each block and after each fault. */
static inline void soft_cpu_sync_mmu(struct soft_cpu *cpu)
{
	bool user = soft_cpu_cpl(cpu) == 3;
	mmu_set_priv(&cpu->mmu, user ? MMU_USER : MMU_SUPERVISOR);
	bool ac = user && (cpu->s.cr0 & CR0_AM) && (cpu->s.rflags & (1u << 18));
	if (ac != cpu->mmu.alignment_check)
		mmu_set_alignment_check(&cpu->mmu, ac);
}

/* Drops the TLB and the jump cache: linear addresses may map elsewhere
 * (CR0/CR3/CR4 writes, a new state). */
static inline void soft_cpu_flush_tlb(struct soft_cpu *cpu)
{
	mmu_flush(&cpu->mmu);
	memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
}

/* EFLAGS with the arithmetic flags materialized from cc. */
uint32_t soft_cpu_get_flags(const struct soft_cpu *cpu);
/* Writes the EFLAGS bits in `mask` from `value` (arithmetic ones to cc). */
void soft_cpu_set_flags(struct soft_cpu *cpu, uint32_t value, uint32_t mask);
/* The mode bits of the code cache key (JIT_MODE_*) for the current state. */
uint32_t soft_cpu_mode(const struct soft_cpu *cpu);
/* Retired instructions including those of the running block before the
 * current op (for RDTSC). */
uint64_t soft_cpu_retired_now(const struct soft_cpu *cpu);

/* ---- cpu/soft_paging.c ---- */

/* MOV to CR0, CR3, CR4 (the caller checked privilege and reserved bits):
 * false when a PAE PDPTE has reserved bits (#GP(0); nothing changed). */
bool soft_cpu_write_cr0(struct soft_cpu *cpu, uint32_t value);
bool soft_cpu_write_cr3(struct soft_cpu *cpu, uint32_t value);
bool soft_cpu_write_cr4(struct soft_cpu *cpu, uint32_t value);
/* INVLPG of linear address lin. */
void soft_cpu_invlpg(struct soft_cpu *cpu, uint32_t lin);
/* After a new state was loaded: PDPTEs read again, TLB dropped. */
void soft_cpu_reload_paging(struct soft_cpu *cpu);

/* ---- cpu/soft_debug.c ---- */

/* Whether an instruction or data breakpoint is enabled in DR7. */
bool soft_debug_exec_breakpoints(const struct soft_cpu *cpu);
/* After a write to DR0-DR3 or DR7: the data breakpoints the MMU watches. */
void soft_debug_update(struct soft_cpu *cpu);
/* Before an instruction of a JIT_MODE_STEP block: its instruction
 * breakpoint (unless EFLAGS.RF), delivered as #DB; true then. */
bool soft_debug_before(struct soft_cpu *cpu);
/* After block b (one instruction) ran to its end, with TF and RF as they
 * were before it: the single-step trap; RF cleared. */
void soft_debug_after(struct soft_cpu *cpu, const struct jit_block *b, bool tf, bool rf);

/* ---- cpu/soft_exception.c ---- */

/* Raises exception `vector` at the current instruction (the one cur_op
 * belongs to): longjmps to the engine loop, which restores EIP and the
 * retired count and delivers it. Only from inside a block run. */
_Noreturn void soft_raise(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error);
/* Delivers a fault or an interrupt with the state as it is now (EIP = the
 * return address). Nested faults during delivery become #DF, then a
 * triple fault (MACHINE_RESET). Returns false after a triple fault. */
bool soft_deliver(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error, bool software);
/* One delivery attempt of an interrupt or exception with the current
 * state (EIP = the return address): -1 when delivered; else the vector of
 * the fault that the delivery itself raised (*fault_has_error,
 * *fault_error), with nothing changed. */
int soft_interrupt_try(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error, bool software,
		       bool *fault_has_error, uint32_t *fault_error);
/* After the longjmp of soft_raise: EIP of the faulting instruction,
 * retired count, then delivery. */
void soft_fault_recover(struct soft_cpu *cpu);

/* ---- cpu/soft_segment.c ---- */

/* Loads segment register `seg` with `selector`: real mode sets the base
 * only; protected mode reads the descriptor (minimal checks: the
 * system-architecture issue adds privilege checks). Returns 0, or the
 * vector of the fault (error code in *error). Nothing is written on a
 * fault. */
int soft_segment_load(struct soft_cpu *cpu, int seg, uint16_t selector, uint32_t *error);
/* Reads the 8-byte descriptor of `selector` from the GDT/LDT; false when
 * outside the table. */
bool soft_segment_read_descriptor(struct soft_cpu *cpu, uint16_t selector, uint32_t *lo, uint32_t *hi);
/* Fills a segment cache from a descriptor. */
void soft_segment_from_descriptor(struct cpu_segment *sg, uint16_t selector, uint32_t lo, uint32_t hi);

#endif
