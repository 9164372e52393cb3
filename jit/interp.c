/* SPDX-License-Identifier: GPL-3.0-or-later */
/* interp.c — the tier-0 interpreter: a direct-threaded loop over a block's
 * IR ops (computed goto: the first time a block runs, each op gets the
 * address of its handler's label, and every handler ends by jumping to the
 * next op's). Temporaries live in a local array; guest registers in the
 * soft_cpu. Chained exits jump straight to the next block's first op,
 * after checking cpu->exit_request and that the next block was translated
 * for the current CS limit (jit_block_fits_cs).
 *
 * It does not decide anything about translation or exceptions: helpers and
 * memory slow paths raise through soft_raise (longjmp); before calling one,
 * a handler records the op in cpu->cur_op so that the engine knows which
 * guest instruction faulted. */
#include "jit/interp.h"

#include <stdatomic.h>
#include <string.h>

#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"
#include "hw/machine.h"
#include "jit/helpers.h"
#include "jit/ir.h"

static const uint32_t interp_size_mask[5] = { 0, 0xff, 0xffff, 0, 0xffffffffu };

/* Condition codes E and NE straight from the result, for the operations
 * whose ZF is "result is zero"; the rest in flags.c. */
static inline uint32_t interp_condition(const struct lazy_flags *cc, unsigned cond)
{
	if ((cond == 4 || cond == 5) && cc->op >= CC_OP_ADD && cc->op <= CC_OP_SAR) {
		bool zf = (cc->dst & (cc->size <= 4 ? interp_size_mask[cc->size] : ~0u)) == 0;
		return cond == 4 ? zf : !zf;
	}
	return flags_condition(cc, cond);
}

void jit_interp_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit)
{
	static const void *const labels[IR_NR_OPCODES] = {
#define IR_LABEL(name, text) [IR_##name] = &&op_##name,
		IR_OPS(IR_LABEL)
#undef IR_LABEL
	};
	uint32_t t[IR_MAX_TEMPS];
	uint64_t *gpr = cpu->s.gpr;
	const struct ir_op *op;
	int slot;
	/* CS does not change inside a run: the ops that load it (far
	 * transfers, INT, IRET) end their block with a non-chainable exit. */
	const uint32_t cs_limit = (uint32_t)cpu->s.seg[SEG_CS].limit;

	memset(t, 0, sizeof(t));

#define NEXT do { op++; goto *op->handler; } while (0)
#define D t[op->d]
#define A t[op->a]
#define B t[op->b]
#define C t[op->c]

enter:
	if (__builtin_expect(!b->threaded, 0)) {
		for (unsigned i = 0; i < b->nr_ops; i++)
			b->ops[i].handler = labels[b->ops[i].opc];
		b->threaded = true;
	}
	if (__builtin_expect(cpu->trace_exec, 0))
		machine_trace(cpu->m, "exec", "block cs_base 0x%x eip 0x%x phys 0x%llx (%u instructions)",
			      b->cs_base, b->eip, (unsigned long long)b->phys, b->nr_insns);
	b->exec_count++;
	cpu->cur_block = b;
	op = b->ops;
	goto *op->handler;

op_MOVI: D = op->imm; NEXT;
op_MOV: D = A; NEXT;
op_GET8L: D = (uint8_t)gpr[op->aux]; NEXT;
op_GET8H: D = (uint8_t)(gpr[op->aux] >> 8); NEXT;
op_GET16: D = (uint16_t)gpr[op->aux]; NEXT;
op_GET32: D = (uint32_t)gpr[op->aux]; NEXT;
op_PUT8L: gpr[op->aux] = (gpr[op->aux] & ~0xffull) | (uint8_t)A; NEXT;
op_PUT8H: gpr[op->aux] = (gpr[op->aux] & ~0xff00ull) | (uint64_t)(uint8_t)A << 8; NEXT;
op_PUT16: gpr[op->aux] = (gpr[op->aux] & ~0xffffull) | (uint16_t)A; NEXT;
op_PUT32: gpr[op->aux] = A; NEXT;
op_GETSEL: D = cpu->s.seg[op->aux].selector; NEXT;
op_ADDSEG: {
	const struct cpu_segment *sg = &cpu->s.seg[op->aux];
	if (__builtin_expect(!soft_seg_fits_last(sg, A, op->last), 0)) {
		cpu->cur_op = op;
		soft_seg_fault(cpu, op->aux);
	}
	D = A + (uint32_t)sg->base;
	NEXT;
}
op_SETSEG_REAL:
	cpu->s.seg[op->aux].selector = (uint16_t)A;
	cpu->s.seg[op->aux].base = (uint32_t)(uint16_t)A << 4;
	NEXT;
op_EA: {
	uint32_t ea = op->imm;
	if (op->a != IR_NOREG)
		ea += (uint32_t)gpr[op->a];
	if (op->b != IR_NOREG)
		ea += (uint32_t)gpr[op->b] << op->size;
	if (op->c)
		ea &= 0xffff;
	if (op->aux != IR_NOREG) {
		const struct cpu_segment *sg = &cpu->s.seg[op->aux];
		if (__builtin_expect(!soft_seg_fits_last(sg, ea, op->last), 0)) {
			cpu->cur_op = op;
			soft_seg_fault(cpu, op->aux);
		}
		ea += (uint32_t)sg->base;
	}
	D = ea;
	NEXT;
}
op_ADD: D = A + B; NEXT;
op_ADDI: D = A + op->imm; NEXT;
op_SUB: D = A - B; NEXT;
op_AND: D = A & B; NEXT;
op_ANDI: D = A & op->imm; NEXT;
op_OR: D = A | B; NEXT;
op_XOR: D = A ^ B; NEXT;
op_SHL: D = A << (B & 31); NEXT;
op_SHR: D = A >> (B & 31); NEXT;
op_SAR: D = (uint32_t)((int32_t)A >> (B & 31)); NEXT;
op_MUL: D = A * B; NEXT;
op_NOT: D = ~A; NEXT;
op_NEG: D = -A; NEXT;
op_SEXT8: D = (uint32_t)(int32_t)(int8_t)A; NEXT;
op_SEXT16: D = (uint32_t)(int32_t)(int16_t)A; NEXT;
op_BSWAP: D = __builtin_bswap32(A); NEXT;
op_EQ: D = A == B; NEXT;
op_NEZ: D = A != 0; NEXT;
op_SELECT: D = C ? A : B; NEXT;
op_PROBEW: cpu->cur_op = op; mmu_probe_write(&cpu->mmu, A, op->size); NEXT;
op_COND: D = interp_condition(&cpu->cc, op->aux); NEXT;
op_CARRY: D = flags_carry(&cpu->cc); NEXT;
op_FLAGS: {
	uint32_t aux2 = D;
	if (op->aux == CC_OP_INC || op->aux == CC_OP_DEC)
		aux2 = flags_carry(&cpu->cc);
	cpu->cc.op = op->aux;
	cpu->cc.size = op->size;
	cpu->cc.dst = A & interp_size_mask[op->size];
	cpu->cc.src = B;
	cpu->cc.aux = C;
	cpu->cc.aux2 = aux2;
	NEXT;
}
op_GETFLAGS: D = soft_cpu_get_flags(cpu); NEXT;
op_SETFLAGS: soft_cpu_set_flags(cpu, A, op->imm); NEXT;
op_LD8: cpu->cur_op = op; D = mmu_load8(&cpu->mmu, A); NEXT;
op_LD16: cpu->cur_op = op; D = mmu_load16(&cpu->mmu, A); NEXT;
op_LD32: cpu->cur_op = op; D = mmu_load32(&cpu->mmu, A); NEXT;
op_ST8: cpu->cur_op = op; mmu_store8(&cpu->mmu, A, B); NEXT;
op_ST16: cpu->cur_op = op; mmu_store16(&cpu->mmu, A, B); NEXT;
op_ST32: cpu->cur_op = op; mmu_store32(&cpu->mmu, A, B); NEXT;
op_IN: cpu->cur_op = op; D = machine_io_read(cpu->m, (uint16_t)A, op->size); NEXT;
op_OUT: cpu->cur_op = op; machine_io_write(cpu->m, (uint16_t)A, op->size, B); NEXT;
op_HELPER:
	cpu->cur_op = op;
	D = jit_helpers[op->aux].fn(cpu, op->imm, A, B, C);
	NEXT;
op_RAISE:
	cpu->cur_op = op;
	soft_raise(cpu, op->aux, op->size != 0, op->imm);
op_CHKIP:
	if (__builtin_expect(A > cs_limit, 0)) {
		cpu->cur_op = op;
		soft_raise(cpu, EXC_GP, true, 0);
	}
	NEXT;
op_SMCCHK:
	if (!cpu->mmu.code_written)
		NEXT;
	cpu->mmu.code_written = false;
	cpu->stats.smc_exits++;
	cpu->s.rip = op->imm;
	cpu->retired += op->insn + 1u;
	goto leave;
op_EXIT_JMP:
	slot = (int)op->imm;
	goto exit_slot;
op_BRANCH:
	slot = A ? 0 : 1;
	goto exit_slot;
op_EXIT_DYN:
	cpu->s.rip = A;
	cpu->retired += op->insn + 1u;
	goto leave;
op_EXIT_STATE:
	cpu->retired += op->insn + 1u;
	goto leave;
op_EXIT_HLT:
	cpu->s.rip = op->imm;
	cpu->retired += op->insn + 1u;
	cpu->halted = true;
	goto leave;

exit_slot: {
	cpu->s.rip = b->exit_eip[slot];
	cpu->retired += b->exit_retired[slot];
	struct jit_block *next = b->chain[slot];
	/* A chained block translated for another CS limit is left to the
	 * engine loop, which translates it again (the first block of a run
	 * was checked there too). */
	if (next && next->valid && jit_block_fits_cs(next, cs_limit) &&
	    !atomic_load_explicit(&cpu->exit_request, memory_order_relaxed)) {
		b = next;
		goto enter;
	}
	exit->from = b;
	exit->slot = slot;
	return;
}
leave:
	exit->from = b;
	exit->slot = -1;
#undef NEXT
#undef D
#undef A
#undef B
#undef C
}
