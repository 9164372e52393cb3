/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_exception.c — exceptions and interrupts of the soft engine: raising
 * a fault precisely from inside a block (soft_raise: a longjmp to the
 * engine loop, which puts EIP back on the faulting instruction and counts
 * the instructions retired before it), and delivery:
 * - real mode: through the IVT (FLAGS, CS, IP pushed; IF, TF, AC cleared);
 * - protected mode and virtual-8086 mode (SDM vol. 2, INT n/INTO/INT3
 *   "PROTECTED-MODE" pseudo-code; vol. 3, 6.12): 16- and 32-bit interrupt
 *   and trap gates, to the same privilege level or to an inner one with
 *   the stack of that level from the TSS (SS, ESP, EFLAGS, CS, EIP, error
 *   code pushed; from virtual-8086 mode also GS, FS, DS, ES, which are
 *   then nulled, to a ring-0 handler only), and task gates (a task
 *   switch, cpu/soft_task.c, with the error code pushed on the new task's
 *   stack). Error codes carry EXT for events that are not INT n/INT3/
 *   INTO. The IDT, GDT and TSS reads and the inner stack's pushes are
 *   supervisor accesses (mmu_sys_*).
 * The pushes are limit-checked (#SS, SDM vol. 2, INT n: "IF stack not
 * large enough for a 6-byte return information THEN #SS"), and a
 * protected-mode handler's EIP against its CS limit (#GP(EXT)).
 * A fault while delivering becomes #DF by the SDM's table (contributory
 * and page faults), and a fault while delivering #DF a triple fault:
 * MACHINE_RESET, as the kvm engine reports a shutdown. */
#include <inttypes.h>
#include <string.h>

#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"
#include "hw/machine.h"
#include "jit/ir.h"

_Noreturn void soft_raise(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error)
{
	cpu->fault_vector = vector;
	cpu->fault_has_error = has_error;
	cpu->fault_error = error;
	siglongjmp(cpu->fault_jmp, 1);
}

static bool contributory(int vector)
{
	return vector == EXC_DE || (vector >= EXC_TS && vector <= EXC_GP);
}

/* Pushes `n` values of `size` bytes on the current stack; the SS limit is
 * checked and the writes probed first. False (nothing written) when a
 * push would be beyond the SS limit. */
static bool soft_push_all(struct soft_cpu *cpu, const uint32_t *v, int n, unsigned size)
{
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	if (!soft_stack_push(cpu, &cpu->s.seg[SEG_SS], &esp, v, n, size, false))
		return false;
	if (cpu->s.seg[SEG_SS].db)
		cpu->s.gpr[CPU_RSP] = esp;
	else
		cpu->s.gpr[CPU_RSP] = (cpu->s.gpr[CPU_RSP] & ~0xffffull) | (esp & 0xffff);
	return true;
}

static int deliver_real(struct soft_cpu *cpu, int vector)
{
	uint32_t entry = (uint32_t)vector * 4;
	if (entry + 3 > cpu->s.idt.limit)
		return EXC_GP;
	uint32_t base = (uint32_t)cpu->s.idt.base;
	uint16_t ip = (uint16_t)mmu_load16(&cpu->mmu, base + entry);
	uint16_t cs = (uint16_t)mmu_load16(&cpu->mmu, base + entry + 2);
	uint32_t fl = soft_cpu_get_flags(cpu);
	const uint32_t v[3] = { fl & 0xffff, cpu->s.seg[SEG_CS].selector, (uint32_t)cpu->s.rip & 0xffff };
	if (!soft_push_all(cpu, v, 3, 2))
		return EXC_SS;
	soft_cpu_set_flags(cpu, 0, FLAG_IF | FLAG_TF | (1u << 18) | (1u << 16));
	soft_segment_set_real(cpu, SEG_CS, cs);
	cpu->s.rip = ip;
	return -1;
}

/* Through a task gate of the IDT (SDM vol. 2, INT n, "TASK-GATE"). */
static int deliver_task_gate(struct soft_cpu *cpu, uint32_t lo, bool has_error, uint32_t error, uint32_t ext,
			     uint32_t *fault_error)
{
	uint16_t tss = (uint16_t)(lo >> 16);
	uint32_t tlo, thi;
	*fault_error = (tss & ~3u) | ext;
	if ((tss & 4) || !soft_segment_read_descriptor(cpu, tss, &tlo, &thi))
		return EXC_GP;
	struct cpu_segment t;
	soft_segment_from_descriptor(&t, tss, tlo, thi);
	if (t.s || (t.type != 1 && t.type != 9))   /* an available TSS */
		return EXC_GP;
	if (!t.present)
		return EXC_NP;
	int v = soft_task_switch(cpu, tss, SOFT_TASK_INT, (uint32_t)cpu->s.rip, has_error, error, ext,
				 fault_error);
	if (v >= 0)
		*fault_error |= ext;
	return v;
}

static int deliver_protected(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error,
			     bool software, uint32_t *fault_error)
{
	uint32_t entry = (uint32_t)vector * 8;
	uint32_t ext = software ? 0 : 1;
	*fault_error = entry + 2 + ext;
	if (entry + 7 > cpu->s.idt.limit)
		return EXC_GP;
	uint32_t idt = (uint32_t)cpu->s.idt.base + entry;
	uint32_t lo = mmu_sys_load(&cpu->mmu, idt, 4);
	uint32_t hi = mmu_sys_load(&cpu->mmu, idt + 4, 4);
	unsigned type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
	unsigned cpl = soft_cpu_cpl(cpu);
	bool gate32 = type == 0xe || type == 0xf, gate16 = type == 0x6 || type == 0x7;
	if (!gate32 && !gate16 && type != 0x5)
		return EXC_GP;
	if (software && dpl < cpl)
		return EXC_GP;
	if (!(hi & (1u << 15)))
		return EXC_NP;
	if (type == 0x5)
		return deliver_task_gate(cpu, lo, has_error, error, ext, fault_error);
	uint16_t sel = (uint16_t)(lo >> 16);
	uint32_t offset = (lo & 0xffff) | (gate32 ? (hi & 0xffff0000u) : 0);
	uint32_t dlo, dhi;
	*fault_error = ext;
	if ((sel & ~3u) == 0)
		return EXC_GP;
	*fault_error = (sel & ~3u) | ext;
	if (!soft_segment_read_descriptor(cpu, sel, &dlo, &dhi))
		return EXC_GP;
	struct cpu_segment cs;
	soft_segment_from_descriptor(&cs, sel, dlo, dhi);
	if (!cs.s || !(cs.type & 8) || cs.dpl > cpl)
		return EXC_GP;
	if (!cs.present)
		return EXC_NP;
	cs.type |= 1;
	unsigned size = gate32 ? 4 : 2;
	uint32_t fl = soft_cpu_get_flags(cpu);
	bool vm = fl & RFLAGS_VM;
	uint32_t clear = FLAG_TF | (uint32_t)RFLAGS_NT | (uint32_t)RFLAGS_RF | (uint32_t)RFLAGS_VM;
	if ((type & 1) == 0)
		clear |= FLAG_IF;        /* interrupt gate */
	if (!(cs.type & 4) && cs.dpl < cpl) {
		/* INTER-PRIVILEGE-LEVEL-INTERRUPT, or from virtual-8086 mode
		 * (to a ring-0 handler only) */
		if (vm && cs.dpl != 0)
			return EXC_GP;
		uint16_t nss_sel;
		uint32_t nesp, shi;
		int v = soft_tss_stack(cpu, cs.dpl, &nss_sel, &nesp, fault_error);
		if (v) {
			*fault_error |= ext;
			return v;
		}
		struct cpu_segment nss;
		v = soft_stack_segment(cpu, nss_sel, cs.dpl, ext, &nss, &shi, fault_error);
		if (v)
			return v;
		uint32_t vals[10];
		int n = 0;
		if (vm) {
			vals[n++] = cpu->s.seg[SEG_GS].selector;
			vals[n++] = cpu->s.seg[SEG_FS].selector;
			vals[n++] = cpu->s.seg[SEG_DS].selector;
			vals[n++] = cpu->s.seg[SEG_ES].selector;
		}
		vals[n++] = cpu->s.seg[SEG_SS].selector;
		vals[n++] = (uint32_t)cpu->s.gpr[CPU_RSP];
		vals[n++] = fl;
		vals[n++] = cpu->s.seg[SEG_CS].selector;
		vals[n++] = (uint32_t)cpu->s.rip;
		if (has_error)
			vals[n++] = error;
		uint32_t esp = nesp;
		/* room on the new stack first: #SS(NewSS) */
		struct soft_seg_bound b = soft_seg_bound_of(&nss, true, false, SOFT_SEG_WRITE);
		uint32_t mask = nss.db ? 0xffffffffu : 0xffffu;
		*fault_error = (nss_sel & ~3u) | ext;
		for (int i = 0; i < n; i++)
			if (!soft_seg_bound_fits(&b, (esp - (uint32_t)(i + 1) * size) & mask, size - 1))
				return EXC_SS;
		*fault_error = ext;
		if (offset > cs.limit)
			return EXC_GP;
		if (!soft_stack_push(cpu, &nss, &esp, vals, n, size, true))
			return EXC_SS;
		soft_segment_mark_accessed(cpu, nss_sel, shi);
		soft_segment_mark_accessed(cpu, sel, dhi);
		soft_cpu_set_flags(cpu, 0, clear);
		if (vm) {
			static const int data[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
			for (int i = 0; i < 4; i++)
				cpu->s.seg[data[i]] = (struct cpu_segment){ .selector = 0, .unusable = 1 };
		}
		cpu->s.seg[SEG_SS] = nss;
		cpu->s.gpr[CPU_RSP] = nss.db ? esp : (nesp & ~0xffffu) | (esp & 0xffff);
		cs.selector = (uint16_t)((sel & ~3u) | cs.dpl);
		cpu->s.seg[SEG_CS] = cs;
		cpu->s.rip = offset;
		soft_seg_refresh_all(cpu);
		soft_cpu_sync_mmu(cpu);
		*fault_error = 0;
		return -1;
	}
	/* INTRA-PRIVILEGE-LEVEL-INTERRUPT (conforming or DPL = CPL) */
	if (vm)
		return EXC_GP;
	*fault_error = ext;
	if (offset > cs.limit)
		return EXC_GP;   /* the handler's EIP beyond its CS limit */
	uint32_t v[4] = { fl, cpu->s.seg[SEG_CS].selector, (uint32_t)cpu->s.rip, error };
	if (!soft_push_all(cpu, v, has_error ? 4 : 3, size))
		return EXC_SS;
	soft_segment_mark_accessed(cpu, sel, dhi);
	soft_cpu_set_flags(cpu, 0, clear);
	cs.selector = (uint16_t)((sel & ~3u) | cpl);
	cpu->s.seg[SEG_CS] = cs;
	soft_seg_refresh(cpu, SEG_CS);
	cpu->s.rip = offset;
	*fault_error = 0;
	return -1;
}

static int interrupt_try(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error, bool software,
			 bool *fault_has_error, uint32_t *fault_error)
{
	*fault_has_error = false;
	*fault_error = 0;
	if (!(cpu->s.cr0 & CR0_PE))
		return deliver_real(cpu, vector);
	*fault_has_error = true;
	return deliver_protected(cpu, vector, has_error, error, software, fault_error);
}

/* The memory accesses of a delivery (IDT, GDT, TSS, the pushes) may raise
 * a #PF from the MMU's slow path, which longjmps: it is caught here and
 * returned as the nested fault, with the state as it was before the
 * delivery began but for CR2 (the #PF's), so that the caller applies the
 * double-fault rules (SDM vol. 3, 6.15, Table 6-5). */
int soft_interrupt_try(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error, bool software,
		       bool *fault_has_error, uint32_t *fault_error)
{
	const struct cpu_state saved = cpu->s;
	const struct lazy_flags saved_cc = cpu->cc;
	sigjmp_buf outer;
	memcpy(outer, cpu->fault_jmp, sizeof(outer));
	int r;
	if (sigsetjmp(cpu->fault_jmp, 0) == 0) {
		r = interrupt_try(cpu, vector, has_error, error, software, fault_has_error, fault_error);
	} else {
		uint64_t cr2 = cpu->s.cr2;
		cpu->s = saved;
		cpu->s.cr2 = cr2;
		cpu->cc = saved_cc;
		soft_seg_refresh_all(cpu);
		soft_cpu_sync_mmu(cpu);
		r = cpu->fault_vector;
		*fault_has_error = cpu->fault_has_error;
		*fault_error = cpu->fault_error;
	}
	memcpy(cpu->fault_jmp, outer, sizeof(outer));
	return r;
}

bool soft_deliver(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error, bool software)
{
	int first = vector;
	for (;;) {
		bool nested_has_error;
		uint32_t nested_error;
		cpu->stats.exceptions++;
		int nested = soft_interrupt_try(cpu, vector, has_error, error, software, &nested_has_error,
						&nested_error);
		if (nested < 0)
			return true;
		if (vector == EXC_DF) {
			cpu->stats.triple_faults++;
			if (cpu->m->cfg.verbose)
				machine_trace(cpu->m, "soft", "triple fault at %04x:%08" PRIx64
					      " (exception %d while delivering a double fault)",
					      cpu->s.seg[SEG_CS].selector, cpu->s.rip, first);
			machine_stop(cpu->m, MACHINE_RESET);
			return false;
		}
		software = false;
		if ((contributory(vector) && contributory(nested)) ||
		    (vector == EXC_PF && (contributory(nested) || nested == EXC_PF))) {
			vector = EXC_DF;
			has_error = true;
			error = 0;
		} else {
			vector = nested;
			has_error = nested_has_error;
			error = nested_error;
		}
	}
}

void soft_fault_recover(struct soft_cpu *cpu)
{
	const struct jit_block *b = cpu->cur_block;
	const struct ir_op *op = cpu->cur_op;
	if (b && op && op >= b->ops && op < b->ops + b->nr_ops) {
		cpu->s.rip = b->insns[op->insn].eip;
		cpu->retired += op->insn;
	}
	cpu->cur_block = NULL;
	cpu->cur_op = NULL;
	soft_deliver(cpu, cpu->fault_vector, cpu->fault_has_error, cpu->fault_error, false);
}
