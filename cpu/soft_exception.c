/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_exception.c — exceptions and interrupts of the soft engine: raising
 * a fault precisely from inside a block (soft_raise: a longjmp to the
 * engine loop, which puts EIP back on the faulting instruction and counts
 * the instructions retired before it), and delivery:
 * - real mode: through the IVT (FLAGS, CS, IP pushed; IF, TF, AC cleared);
 * - protected mode: 16- and 32-bit interrupt and trap gates of the IDT
 *   whose handler runs at the current privilege level (no stack switch),
 *   which is all a CPL-0 guest without tasks needs. Task gates, privilege
 *   changes and virtual-8086 mode come with the system-architecture issue:
 *   until then they end in a triple fault, said with --verbose.
 * The pushes are limit-checked (#SS(0), SDM vol. 2, INT n: "IF stack not
 * large enough for a 6-byte return information THEN #SS"), and a
 * protected-mode handler's EIP against its CS limit (#GP(0)).
 * A fault while delivering becomes #DF by the SDM's table (contributory
 * and page faults), and a fault while delivering #DF a triple fault:
 * MACHINE_RESET, as the kvm engine reports a shutdown. */
#include <inttypes.h>

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

static void soft_trace_unsupported(struct soft_cpu *cpu, int vector, const char *why)
{
	if (cpu->m->cfg.verbose)
		machine_trace(cpu->m, "soft", "cannot deliver exception %d at %04x:%08" PRIx64 ": %s",
			      vector, cpu->s.seg[SEG_CS].selector, cpu->s.rip, why);
}

/* Pushes `n` values of `size` bytes on the current stack; the SS limit is
 * checked and the writes probed first. False (nothing written) when a
 * push would be beyond the SS limit. */
static bool soft_push_all(struct soft_cpu *cpu, const uint32_t *v, int n, unsigned size)
{
	bool s32 = cpu->s.seg[SEG_SS].db;
	uint32_t mask = s32 ? 0xffffffffu : 0xffffu;
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	uint32_t base = (uint32_t)cpu->s.seg[SEG_SS].base;
	for (int i = 0; i < n; i++)
		if (!soft_seg_fits(&cpu->s.seg[SEG_SS], (esp - (uint32_t)(i + 1) * size) & mask, size))
			return false;
	for (int i = 0; i < n; i++)
		mmu_probe_write(&cpu->mmu, base + ((esp - (uint32_t)(i + 1) * size) & mask), size);
	for (int i = 0; i < n; i++)
		mmu_store(&cpu->mmu, base + ((esp - (uint32_t)(i + 1) * size) & mask), size, v[i]);
	esp -= (uint32_t)n * size;
	if (s32)
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
	cpu->s.seg[SEG_CS].selector = cs;
	cpu->s.seg[SEG_CS].base = (uint32_t)cs << 4;
	cpu->s.rip = ip;
	return -1;
}

static int deliver_protected(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error,
			     bool software, uint32_t *fault_error)
{
	uint32_t entry = (uint32_t)vector * 8;
	uint32_t ext = software ? 0 : 1;
	*fault_error = entry + 2 + ext;
	if (entry + 7 > cpu->s.idt.limit)
		return EXC_GP;
	uint32_t lo = mmu_load32(&cpu->mmu, (uint32_t)cpu->s.idt.base + entry);
	uint32_t hi = mmu_load32(&cpu->mmu, (uint32_t)cpu->s.idt.base + entry + 4);
	unsigned type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
	unsigned cpl = cpu->s.seg[SEG_CS].selector & 3;
	bool gate32 = type == 0xe || type == 0xf, gate16 = type == 0x6 || type == 0x7;
	if (!gate32 && !gate16) {
		soft_trace_unsupported(cpu, vector, type == 0x5 ? "task gates are not implemented yet"
				       : "not an interrupt or trap gate");
		return EXC_GP;
	}
	if (software && dpl < cpl)
		return EXC_GP;
	if (!(hi & (1u << 15)))
		return EXC_NP;
	uint16_t sel = (uint16_t)(lo >> 16);
	uint32_t offset = (lo & 0xffff) | (gate32 ? (hi & 0xffff0000u) : 0);
	uint32_t dlo, dhi;
	*fault_error = (sel & ~3u) + ext;
	if ((sel & ~3u) == 0 || !soft_segment_read_descriptor(cpu, sel, &dlo, &dhi))
		return EXC_GP;
	struct cpu_segment cs;
	soft_segment_from_descriptor(&cs, sel, dlo, dhi);
	if (!cs.s || !(cs.type & 8) || cs.dpl > cpl)
		return EXC_GP;
	if (!cs.present)
		return EXC_NP;
	if (cs.dpl < cpl || (soft_cpu_get_flags(cpu) & (1u << 17))) {
		soft_trace_unsupported(cpu, vector, "privilege changes are not implemented yet");
		return EXC_GP;
	}
	unsigned size = gate32 ? 4 : 2;
	*fault_error = 0;
	if (offset > cs.limit)
		return EXC_GP;   /* the handler's EIP beyond its CS limit: #GP(0) */
	uint32_t fl = soft_cpu_get_flags(cpu);
	uint32_t v[4] = { fl, cpu->s.seg[SEG_CS].selector, (uint32_t)cpu->s.rip, error };
	if (!soft_push_all(cpu, v, has_error ? 4 : 3, size))
		return EXC_SS;
	uint32_t clear = FLAG_TF | (1u << 14) | (1u << 16) | (1u << 17);   /* TF NT RF VM */
	if ((type & 1) == 0)
		clear |= FLAG_IF;        /* interrupt gate */
	soft_cpu_set_flags(cpu, 0, clear);
	cs.selector = (uint16_t)((sel & ~3u) | cpl);
	cpu->s.seg[SEG_CS] = cs;
	cpu->s.rip = offset;
	*fault_error = 0;
	return -1;
}

int soft_interrupt_try(struct soft_cpu *cpu, int vector, bool has_error, uint32_t error, bool software,
		       bool *fault_has_error, uint32_t *fault_error)
{
	*fault_has_error = false;
	*fault_error = 0;
	if (!(cpu->s.cr0 & CR0_PE))
		return deliver_real(cpu, vector);
	*fault_has_error = true;
	return deliver_protected(cpu, vector, has_error, error, software, fault_error);
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
