/* SPDX-License-Identifier: GPL-3.0-or-later */
/* interp.c — the tier-0 interpreter: a direct-threaded loop over a block's
 * IR ops (computed goto: the first time a block runs, each op gets the
 * address of its handler's label, and every handler ends by jumping to the
 * next op's). Temporaries live in a local array; guest registers in the
 * soft_cpu. Chained exits (and indirect branches that find their target
 * in the jump cache) jump straight to the next block's first op, after
 * checking cpu->exit_request and that the next block was translated for
 * the current CS limit (jit_block_fits_cs) and is not compiled (tier 1
 * runs compiled blocks: the engine loop hands them over). Memory ops inline the TLB hit;
 * the fused ops (docs/ir.md) do a whole common 32-bit instruction each.
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
#include "jit/cache.h"
#include "jit/helpers.h"
#include "jit/ir.h"
#include "jit/native.h"
#include "jit/ops_inline.h"

/* The EIP after instruction `insn` of block b. */
static uint32_t interp_next_eip(const struct jit_block *b, unsigned insn)
{
	uint32_t next = b->insns[insn].eip + b->insns[insn].len;
	return (b->mode & JIT_MODE_CS32) ? next : next & 0xffff;
}

/* The block to continue with after an exit to `eip` that is not chained:
 * the jump cache's, when it was translated for this CS base, mode and CS
 * limit and is still valid. */
static inline struct jit_block *interp_jump_target(struct soft_cpu *cpu, const struct jit_block *b,
						   uint32_t eip, uint32_t cs_limit)
{
	struct jit_block *n = cpu->jmp_cache[soft_jmp_hash(b->cs_base + eip)];
	if (n && n->eip == eip && n->cs_base == b->cs_base && n->mode == b->mode && n->valid &&
	    !(n->mode & JIT_MODE_STEP) && jit_block_fits_cs(n, cs_limit))
		return n;
	return NULL;
}

void jit_interp_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit)
{
	static const void *const labels[IR_NR_OPCODES] = {
#define IR_LABEL(name, text) [IR_##name] = &&op_##name,
		IR_OPS(IR_LABEL)
#undef IR_LABEL
	};
	/* Every temporary is written before it is read, except t0. */
	uint32_t t[IR_MAX_TEMPS];
	uint64_t *gpr = cpu->s.gpr;
	struct lazy_flags *cc = &cpu->cc;
	const struct ir_op *op;
	int slot;
	/* CS does not change inside a run: the ops that load it (far
	 * transfers, INT, IRET) end their block with a non-chainable exit. */
	const uint32_t cs_limit = (uint32_t)cpu->s.seg[SEG_CS].limit;

	t[0] = 0;
	/* Blocks reached by chaining or through the jump cache were entered
	 * here from the engine loop before, so they are threaded already. */
	if (__builtin_expect(!b->threaded, 0)) {
		for (unsigned i = 0; i < b->nr_ops; i++)
			b->ops[i].handler = labels[b->ops[i].opc];
		b->threaded = true;
	}

#define NEXT do { op++; goto *op->handler; } while (0)
#define D t[op->d]
#define A t[op->a]
#define B t[op->b]
#define C t[op->c]
#define REG32(r) ((uint32_t)gpr[r])
/* The lazy flags of a 32-bit operation (fields per cpu/flags.h). */
#define SET_CC(ccop, dst_, src_, aux_) \
	do { cc->op = (ccop); cc->size = 4; cc->dst = (dst_); cc->src = (src_); cc->aux = (aux_); } while (0)
#define SET_CC_LOGIC(dst_) do { cc->op = CC_OP_LOGIC; cc->size = 4; cc->dst = (dst_); } while (0)

enter:
	if (__builtin_expect(cpu->trace_exec, 0))
		machine_trace(cpu->m, "exec", "block cs_base 0x%x eip 0x%x phys 0x%llx (%u instructions)",
			      b->cs_base, b->eip, (unsigned long long)b->phys, b->nr_insns);
	cpu->cur_block = b;
	if (__builtin_expect(++b->hot_count >= cpu->hot_threshold, 0))
		jit_native_hot(cpu, b);
	op = b->ops;
	goto *op->handler;

op_MOVI: D = op->imm; NEXT;
op_MOV: D = A; NEXT;
op_GET8L: D = (uint8_t)gpr[op->aux]; NEXT;
op_GET8H: D = (uint8_t)(gpr[op->aux] >> 8); NEXT;
op_GET16: D = (uint16_t)gpr[op->aux]; NEXT;
op_GET32: D = REG32(op->aux); NEXT;
op_PUT8L: gpr[op->aux] = (gpr[op->aux] & ~0xffull) | (uint8_t)A; NEXT;
op_PUT8H: gpr[op->aux] = (gpr[op->aux] & ~0xff00ull) | (uint64_t)(uint8_t)A << 8; NEXT;
op_PUT16: gpr[op->aux] = (gpr[op->aux] & ~0xffffull) | (uint16_t)A; NEXT;
op_PUT32: gpr[op->aux] = A; NEXT;
op_GETSEL: D = cpu->s.seg[op->aux].selector; NEXT;
op_ADDSEG: {
	if (__builtin_expect(!soft_seg_fits_last(cpu, op->aux, op->write, A, op->last), 0)) {
		cpu->cur_op = op;
		soft_seg_fault(cpu, op->aux);
	}
	D = A + (uint32_t)cpu->s.seg[op->aux].base;
	NEXT;
}
op_SETSEG_REAL:
	soft_segment_set_real(cpu, op->aux, (uint16_t)A);
	NEXT;
op_EA: {
	if (op->aux != IR_NOREG) {
		D = interp_ea(cpu, op, gpr);
		NEXT;
	}
	uint32_t ea = op->imm;   /* LEA: no segment, no check */
	if (op->a != IR_NOREG)
		ea += REG32(op->a);
	if (op->b != IR_NOREG)
		ea += REG32(op->b) << op->size;
	D = op->c ? ea & 0xffff : ea;
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
op_COND: D = interp_condition(cc, op->aux); NEXT;
op_CARRY: D = interp_carry(cc); NEXT;
op_FLAGS: interp_set_flags(cc, op, A, B, C, D); NEXT;
op_GETFLAGS: D = soft_cpu_get_flags(cpu); NEXT;
op_SETFLAGS: soft_cpu_set_flags(cpu, A, op->imm); NEXT;
op_LD8: D = interp_load(cpu, op, A, 1); NEXT;
op_LD16: D = interp_load(cpu, op, A, 2); NEXT;
op_LD32: D = interp_load(cpu, op, A, 4); NEXT;
op_ST8: interp_store(cpu, op, A, 1, B); NEXT;
op_ST16: interp_store(cpu, op, A, 2, B); NEXT;
op_ST32: interp_store(cpu, op, A, 4, B); NEXT;
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
	cpu->s.rip = op->imm;
	goto smc_exit;

/* ---- fused ops ---- */
op_MOV32RR: gpr[op->aux] = REG32(op->b); NEXT;
op_MOV32RI: gpr[op->aux] = op->imm; NEXT;

#define ALU32_OPS(NAME, OPER, CCOP) \
op_##NAME##32RR: { \
	uint32_t x = REG32(op->aux), y = REG32(op->b), r = x OPER y; \
	gpr[op->aux] = r; \
	SET_CC(CCOP, r, y, x); \
	NEXT; \
} \
op_##NAME##32RI: { \
	uint32_t x = REG32(op->aux), y = op->imm, r = x OPER y; \
	gpr[op->aux] = r; \
	SET_CC(CCOP, r, y, x); \
	NEXT; \
} \
op_##NAME##32RR_NF: gpr[op->aux] = REG32(op->aux) OPER REG32(op->b); NEXT; \
op_##NAME##32RI_NF: gpr[op->aux] = REG32(op->aux) OPER op->imm; NEXT;

#define LOGIC32_OPS(NAME, OPER) \
op_##NAME##32RR: { \
	uint32_t r = REG32(op->aux) OPER REG32(op->b); \
	gpr[op->aux] = r; \
	SET_CC_LOGIC(r); \
	NEXT; \
} \
op_##NAME##32RI: { \
	uint32_t r = REG32(op->aux) OPER op->imm; \
	gpr[op->aux] = r; \
	SET_CC_LOGIC(r); \
	NEXT; \
} \
op_##NAME##32RR_NF: gpr[op->aux] = REG32(op->aux) OPER REG32(op->b); NEXT; \
op_##NAME##32RI_NF: gpr[op->aux] = REG32(op->aux) OPER op->imm; NEXT;

ALU32_OPS(ADD, +, CC_OP_ADD)
ALU32_OPS(SUB, -, CC_OP_SUB)
LOGIC32_OPS(AND, &)
LOGIC32_OPS(OR, |)
LOGIC32_OPS(XOR, ^)
#undef ALU32_OPS
#undef LOGIC32_OPS

op_CMP32RR: {
	uint32_t x = REG32(op->aux), y = REG32(op->b);
	SET_CC(CC_OP_SUB, x - y, y, x);
	NEXT;
}
op_CMP32RI: {
	uint32_t x = REG32(op->aux), y = op->imm;
	SET_CC(CC_OP_SUB, x - y, y, x);
	NEXT;
}
op_TEST32RR: SET_CC_LOGIC(REG32(op->aux) & REG32(op->b)); NEXT;
op_TEST32RI: SET_CC_LOGIC(REG32(op->aux) & op->imm); NEXT;
op_INC32R: {
	uint32_t x = REG32(op->aux), r = x + op->imm, carry = interp_carry(cc);
	gpr[op->aux] = r;
	SET_CC(op->imm == 1 ? CC_OP_INC : CC_OP_DEC, r, 1, x);
	cc->aux2 = carry;
	NEXT;
}
op_LD32R: gpr[op->d] = interp_load(cpu, op, interp_ea(cpu, op, gpr), 4); NEXT;
op_LDZX8R: gpr[op->d] = interp_load(cpu, op, interp_ea(cpu, op, gpr), 1); NEXT;
op_LDZX16R: gpr[op->d] = interp_load(cpu, op, interp_ea(cpu, op, gpr), 2); NEXT;
op_ST32R: {
	uint32_t lin = interp_ea(cpu, op, gpr);
	if (__builtin_expect(!interp_store(cpu, op, lin, 4, REG32(op->d)), 1))
		NEXT;
	cpu->s.rip = interp_next_eip(b, op->insn);
	goto smc_exit;
}
op_ST8R: {
	uint32_t lin = interp_ea(cpu, op, gpr);
	uint32_t v = op->d < 4 ? (uint8_t)gpr[op->d] : (uint8_t)(gpr[op->d & 3] >> 8);
	if (__builtin_expect(!interp_store(cpu, op, lin, 1, v), 1))
		NEXT;
	cpu->s.rip = interp_next_eip(b, op->insn);
	goto smc_exit;
}

/* ---- exits ---- */
op_EXIT_JMP:
	slot = (int)op->imm;
	goto exit_slot;
op_BRANCH:
	slot = A ? 0 : 1;
	goto exit_slot;
op_JCC:
	slot = interp_condition(cc, op->aux) ? 0 : 1;
	goto exit_slot;
op_EXIT_IND: {
	uint32_t eip = A;
	cpu->s.rip = eip;
	cpu->retired += op->insn + 1u;
	struct jit_block *next = interp_jump_target(cpu, b, eip, cs_limit);
	if (next && !next->native && !atomic_load_explicit(&cpu->exit_request, memory_order_relaxed)) {
		b = next;
		goto enter;
	}
	goto leave;
}
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

/* A store hit translated code: leave after this instruction (EIP set). */
smc_exit:
	cpu->mmu.code_written = false;
	cpu->stats.smc_exits++;
	cpu->retired += op->insn + 1u;
	goto leave;

exit_slot: {
	cpu->s.rip = b->exit_eip[slot];
	cpu->retired += b->exit_retired[slot];
	struct jit_block *next = b->chain[slot];
	/* A chained block translated for another CS limit is left to the
	 * engine loop, which translates it again (the first block of a run
	 * was checked there too). */
	if (next && next->valid && !next->native && jit_block_fits_cs(next, cs_limit) &&
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
#undef REG32
#undef SET_CC
#undef SET_CC_LOGIC
}
