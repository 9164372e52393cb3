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

/* The valid offsets of one segment for one kind of access
 * (cpu/soft_seglimit.h): lo .. lo + end - 1; end 0 = none. */
struct soft_seg_bound {
	uint32_t lo;
	uint32_t pad;
	uint64_t end;
};
enum { SOFT_SEG_READ, SOFT_SEG_WRITE, SOFT_SEG_NR_KINDS };

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
	/* Per segment and access kind, derived from s.seg[], CR0.PE and
	 * EFLAGS.VM by soft_seg_refresh() (cpu/soft_seglimit.h). */
	struct soft_seg_bound seg_bound[CPU_NR_SEGS][SOFT_SEG_NR_KINDS];

	/* exceptions raised inside a block */
	sigjmp_buf fault_jmp;
	const struct jit_block *cur_block;   /* the block being run */
	const struct ir_op *cur_op;          /* the op that called a helper/slow path */
	int fault_vector;
	bool fault_has_error;
	uint32_t fault_error;

	uint64_t retired;                    /* guest instructions retired */
	/* the TSC (soft_cpu_tsc): with --tsc retired, retired instructions
	 * plus the time spent in HLT at SOFT_TSC_KHZ; else the host's clock
	 * in ns plus tsc_adjust (WRMSR to IA32_TSC sets it) */
	uint64_t tsc_idle;
	uint64_t tsc_adjust;
	_Atomic uint64_t idle_since_ns;      /* host time HLT began sleeping, 0 when not */
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
	 * hot_threshold (which jit_native_hot raises and lowers; UINT32_MAX
	 * without --jit on: in effect never). */
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

/* Recomputes the segment access bounds (cpu/soft_seglimit.h) of every
 * segment: after a change of CR0.PE or EFLAGS.VM, or a new state. */
void soft_seg_refresh_all(struct soft_cpu *cpu);

/* Drops the TLB and the jump cache: linear addresses may map elsewhere
 * (CR0/CR3/CR4 writes, a new state). Also recomputes the segment access
 * bounds, which depend on CR0.PE and the segment caches: every new state
 * (soft_cpu_load_state) comes through here. */
static inline void soft_cpu_flush_tlb(struct soft_cpu *cpu)
{
	mmu_flush(&cpu->mmu);
	memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
	soft_seg_refresh_all(cpu);
}

/* EFLAGS with the arithmetic flags materialized from cc. */
uint32_t soft_cpu_get_flags(const struct soft_cpu *cpu);
/* Writes the EFLAGS bits in `mask` from `value` (arithmetic ones to cc). */
void soft_cpu_set_flags(struct soft_cpu *cpu, uint32_t value, uint32_t mask);
/* The mode bits of the code cache key (JIT_MODE_*) for the current state. */
uint32_t soft_cpu_mode(const struct soft_cpu *cpu);
/* Retired instructions including those of the running block before the
 * current op. */
uint64_t soft_cpu_retired_now(const struct soft_cpu *cpu);
/* The time-stamp counter (RDTSC, IA32_TSC, the APIC's TSC-deadline mode)
 * at a nominal SOFT_TSC_KHZ: by default the host's monotonic clock, so
 * that a guest's clocks keep real time whatever the engine's speed; with
 * machine_config.tsc_retired (--tsc retired) one tick per retired
 * instruction, deterministic while the guest runs, plus the time spent
 * sleeping in HLT. The vCPU thread's (the APIC timer reads its own,
 * without the running block's instructions). */
#define SOFT_TSC_KHZ 1000000u
uint64_t soft_cpu_tsc(const struct soft_cpu *cpu);
/* WRMSR to IA32_TSC (host clock only: the instruction count cannot be
 * set). */
void soft_cpu_set_tsc(struct soft_cpu *cpu, uint64_t value);

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

/* Loads data segment register or SS `seg` with `selector`: real mode sets
 * the base, virtual-8086 mode base and limit (0xFFFF); protected mode reads
 * the descriptor with every check of the SDM (vol. 2, MOV, POP, LDS...).
 * Returns 0, or the vector of the fault (error code in *error). Nothing is
 * written on a fault. */
int soft_segment_load(struct soft_cpu *cpu, int seg, uint16_t selector, uint32_t *error);
/* The checks of a protected-mode load of data segment register or SS
 * `seg` at privilege `cpl`: 0 and the cache (*out) and descriptor high word
 * (*hi, for the accessed bit), or the fault (#GP, #SS, #NP) and *error. */
int soft_segment_check_data(struct soft_cpu *cpu, int seg, uint16_t selector, unsigned cpl,
			    struct cpu_segment *out, uint32_t *hi, uint32_t *error);
/* A real-mode or virtual-8086 mode load (base = selector << 4; in
 * virtual-8086 mode also limit 0xFFFF, DPL 3, read/write data). */
void soft_segment_set_real(struct soft_cpu *cpu, int seg, uint16_t selector);
/* Reads the 8-byte descriptor of `selector` from the GDT/LDT (supervisor
 * accesses); false when outside the table. */
bool soft_segment_read_descriptor(struct soft_cpu *cpu, uint16_t selector, uint32_t *lo, uint32_t *hi);
/* Writes the high dword of the descriptor of `selector` (busy bits). */
void soft_segment_write_descriptor_hi(struct soft_cpu *cpu, uint16_t selector, uint32_t hi);
/* Sets the accessed bit of the descriptor of `selector` (hi: its high
 * dword as read) unless it is set. */
void soft_segment_mark_accessed(struct soft_cpu *cpu, uint16_t selector, uint32_t hi);
/* Fills a segment cache from a descriptor. */
void soft_segment_from_descriptor(struct cpu_segment *sg, uint16_t selector, uint32_t lo, uint32_t hi);
/* Nulls DS, ES, FS, GS when they hold a data or non-conforming code
 * segment with DPL < cpl (a return to an outer level). */
void soft_segment_null_outer(struct soft_cpu *cpu, unsigned cpl);
/* LLDT and LTR (protected mode, CPL 0 checked by the caller): 0 or the
 * fault and *error. LTR marks the TSS busy. */
int soft_segment_lldt(struct soft_cpu *cpu, uint16_t selector, uint32_t *error);
int soft_segment_ltr(struct soft_cpu *cpu, uint16_t selector, uint32_t *error);
/* LAR, LSL (true = ZF set, *value), VERR and VERW (write = VERW). */
bool soft_segment_lar(struct soft_cpu *cpu, uint16_t selector, uint32_t *value);
bool soft_segment_lsl(struct soft_cpu *cpu, uint16_t selector, uint32_t *value);
bool soft_segment_verify(struct soft_cpu *cpu, uint16_t selector, bool write);

/* ---- cpu/soft_gate.c ---- */

/* Far JMP, far CALL, RETF (imm: bytes of parameters) and IRET with
 * operand size `size` (2 or 4), in every mode, through gates and task
 * switches; next_eip is the address of the next instruction (the return
 * address, or what the old TSS keeps). Raise through soft_raise: only
 * from inside a helper. */
void soft_far_jmp(struct soft_cpu *cpu, uint16_t sel, uint32_t off, unsigned size, uint32_t next_eip);
void soft_far_call(struct soft_cpu *cpu, uint16_t sel, uint32_t off, unsigned size, uint32_t next_eip);
void soft_far_ret(struct soft_cpu *cpu, unsigned size, uint32_t imm);
void soft_iret(struct soft_cpu *cpu, unsigned size, uint32_t next_eip);
/* The EFLAGS bits POPF/IRET may change at privilege cpl with IOPL iopl. */
uint32_t soft_flags_writable(unsigned size, unsigned cpl, unsigned iopl);
/* Pushes n values of size bytes on stack ss at *esp (updated); limit and
 * type checked, every write probed first (sys: supervisor accesses, for
 * an inner level's stack). False, with nothing written, when a push would
 * be outside the segment. */
bool soft_stack_push(struct soft_cpu *cpu, const struct cpu_segment *ss, uint32_t *esp, const uint32_t *v,
		     int n, unsigned size, bool sys);
/* The SS:ESP of privilege level dpl from the current TSS: 0, or #TS and
 * *error (the TSS selector) when outside its limit. */
int soft_tss_stack(struct soft_cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t *error);
/* The checks of a new inner stack segment `sel` for level dpl (SDM: #TS
 * for a bad one, #SS when not present; ext is the EXT bit of the error
 * code): 0 and its cache and descriptor high dword. */
int soft_stack_segment(struct soft_cpu *cpu, uint16_t sel, unsigned dpl, uint32_t ext, struct cpu_segment *out,
		       uint32_t *hi, uint32_t *error);

/* ---- cpu/soft_task.c ---- */

enum { SOFT_TASK_JMP, SOFT_TASK_CALL, SOFT_TASK_IRET, SOFT_TASK_INT };
/* Switches to the task of TSS selector `sel` (its descriptor checked by
 * the caller for the reason: available for JMP/CALL/INT, busy for IRET),
 * saving the current one with EIP = next_eip. An exception through a task
 * gate passes its error code (has_error) to be pushed on the new task's
 * stack, and `ext` (1 when the switch delivers an exception or an
 * external interrupt, else 0) for the error codes of faults in the new
 * task. Returns -1 when done (a fault after the commit point, or the T
 * bit's #DB, is delivered in the new task), or the fault found before it,
 * with nothing changed (error code in *error). */
int soft_task_switch(struct soft_cpu *cpu, uint16_t sel, int reason, uint32_t next_eip, bool has_error,
		     uint32_t error_code, uint32_t ext, uint32_t *error);
/* Whether the I/O of `size` bytes at `port` is allowed at the current
 * privilege: CPL <= IOPL outside virtual-8086 mode, else the I/O
 * permission bitmap of a 32-bit TSS (SDM vol. 1, 19.5). In soft_task.c. */
bool soft_io_allowed(struct soft_cpu *cpu, uint16_t port, unsigned size);

/* ---- cpu/soft_msr.c ---- */

/* RDMSR/WRMSR of MSR `index`: 0, or -1 for #GP(0) (unknown MSR, reserved
 * bits). */
int soft_msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *value);
int soft_msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t value);
/* SYSENTER and SYSEXIT (raise #GP(0) when not allowed). */
void soft_sysenter(struct soft_cpu *cpu);
void soft_sysexit(struct soft_cpu *cpu);

/* ---- cpu/soft_x87.c ---- */

/* The helper X87's imm: the escape byte's low 3 bits (D8-DF), ModRM, a
 * 32-bit operand size, the memory operand's segment register. */
#define SOFT_X87_IMM(esc, modrm, opsize, seg) \
	((uint32_t)((esc) & 7) | (uint32_t)(modrm) << 3 | (uint32_t)((opsize) == 4) << 11 | (uint32_t)(seg) << 12)
/* Runs one x87 instruction (imm: SOFT_X87_IMM) whose memory operand, if
 * any, is at linear address lin, segment offset `offset`; eip is the
 * instruction's own offset (the FPU instruction pointer). Raises #NM,
 * #MF, and the memory operand's faults. */
void soft_x87_execute(struct soft_cpu *cpu, uint32_t imm, uint32_t lin, uint32_t offset, uint32_t eip);
/* WAIT/FWAIT: #NM with CR0.TS and MP, then a pending x87 exception. */
void soft_x87_wait(struct soft_cpu *cpu);
/* FNINIT's state. */
void soft_x87_init(struct cpu_fpu *f);
/* The size of the memory operand of x87 instruction (esc, modrm) with
 * operand size opsize (the environment formats), 0 for register forms;
 * and whether it writes it. */
unsigned soft_x87_operand_bytes(unsigned esc, unsigned modrm, unsigned opsize);
bool soft_x87_stores(unsigned esc, unsigned modrm);

#endif
