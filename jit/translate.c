/* SPDX-License-Identifier: GPL-3.0-or-later */
/* translate.c — decoded guest instructions (struct insn) to IR, one block
 * at a time, for the 16- and 32-bit integer instruction set.
 *
 * Rules every instruction follows (docs/ir.md):
 * - guest registers are read with GET and written with PUT; temporaries
 *   die at the end of the instruction;
 * - everything that can fault (loads, stores, PROBEW, faulting helpers)
 *   comes before the first architectural write (PUT, FLAGS, SETSEG,
 *   SETFLAGS, exits); instructions that cannot be ordered so (string ops,
 *   PUSHA/POPA, ENTER, far transfers, IRET) are helpers that check first;
 * - memory operands are linear addresses: EA and ADDSEG add the segment
 *   base at run time after checking the offset of the access's last byte
 *   against the segment limit (cpu/soft_seglimit.h); an instruction that
 *   makes several accesses through one address (far pointers, BOUND,
 *   CMPXCHG8B, LGDT) checks their whole span there;
 * - code fetch stops at the CS limit: an instruction that runs past it
 *   raises #GP(0) (alone in its block), and branch targets beyond it #GP(0)
 *   at the branch (CHKIP at run time for computed ones); a block records
 *   the CS limits its translation holds for (jit_block.cs_limit_lo/hi);
 * - after an instruction that stores, SMCCHK leaves the block if the store
 *   hit translated code;
 * - the common 32-bit shapes (ALU and MOV on registers and immediates,
 *   MOV/MOVZX with memory, INC/DEC, Jcc) become one fused op each
 *   (docs/ir.md, "Fused ops"); indirect branches exit through the jump
 *   cache (EXIT_IND).
 * A block ends after a branch, an instruction that changes the decoding
 * mode or needs the engine (MOV CR0, far transfers, INT, IRET, HLT, REP
 * string ops, loads of SS in protected mode, port accesses), before the first instruction
 * of another page, or at JIT_MAX_INSNS instructions. It does not run
 * anything, nor decide semantics of irregular instructions (helpers.c,
 * cpu/alu.c). */
#include "jit/translate.h"

#include <string.h>

#include "cpu/alu.h"
#include "cpu/insn.h"
#include "cpu/soft_cpu.h"
#include "jit/cache.h"
#include "jit/helpers.h"
#include "jit/ir.h"

/* Ops one instruction may need, at most (checked before each one). */
#define TR_OPS_PER_INSN 96

struct tr {
	struct soft_cpu *cpu;
	struct ir_builder *ir;
	const struct insn *in;
	uint32_t eip, next;        /* this instruction, the next one */
	bool pe, code32, stack32;
	/* protected-mode segment loads: CR0.PE and not virtual-8086 mode */
	bool pm_seg;
	bool flat;                 /* JIT_MODE_FLAT */
	unsigned cpl;              /* the block's CPL (JIT_MODE_CPL_*) */
	bool vm86;                 /* JIT_MODE_VM86 */
	bool end;                  /* the block ends after this instruction */
	bool stored;               /* it stores: SMCCHK */
	bool recheck_exit;         /* POPF: the block ends after it (jit_block.recheck_exit) */
	uint32_t cs_limit;         /* CS limit at translation */
	uint32_t cs_limit_lo;      /* the highest code offset or static target used */
};

static const uint32_t tr_mask[5] = { 0, 0xff, 0xffff, 0, 0xffffffffu };

static uint32_t mask_of(unsigned size)
{
	return size <= 4 ? tr_mask[size] : 0xffffffffu;
}

/* ---- emission helpers ---- */

static struct ir_op *emit(struct tr *tr, enum ir_opcode opc)
{
	return ir_emit(tr->ir, opc);
}

static uint16_t tmp(struct tr *tr)
{
	return ir_temp(tr->ir);
}

static uint16_t movi(struct tr *tr, uint32_t v)
{
	struct ir_op *op = emit(tr, IR_MOVI);
	op->d = tmp(tr);
	op->imm = v;
	return op->d;
}

static uint16_t alu(struct tr *tr, enum ir_opcode opc, uint16_t a, uint16_t b)
{
	struct ir_op *op = emit(tr, opc);
	op->d = tmp(tr);
	op->a = a;
	op->b = b;
	return op->d;
}

static uint16_t alu_imm(struct tr *tr, enum ir_opcode opc, uint16_t a, uint32_t imm)
{
	struct ir_op *op = emit(tr, opc);
	op->d = tmp(tr);
	op->a = a;
	op->imm = imm;
	return op->d;
}

static uint16_t unary(struct tr *tr, enum ir_opcode opc, uint16_t a)
{
	return alu(tr, opc, a, 0);
}

static uint16_t get_reg(struct tr *tr, unsigned reg, unsigned size)
{
	struct ir_op *op;
	if (size == 1) {
		op = emit(tr, reg < 4 ? IR_GET8L : IR_GET8H);
		op->aux = (uint8_t)(reg & 3);
	} else {
		op = emit(tr, size == 2 ? IR_GET16 : IR_GET32);
		op->aux = (uint8_t)(reg & 7);
	}
	op->d = tmp(tr);
	return op->d;
}

static void put_reg(struct tr *tr, unsigned reg, unsigned size, uint16_t v)
{
	struct ir_op *op;
	if (size == 1) {
		op = emit(tr, reg < 4 ? IR_PUT8L : IR_PUT8H);
		op->aux = (uint8_t)(reg & 3);
	} else {
		op = emit(tr, size == 2 ? IR_PUT16 : IR_PUT32);
		op->aux = (uint8_t)(reg & 7);
	}
	op->a = v;
}

static uint16_t load(struct tr *tr, uint16_t addr, unsigned size)
{
	struct ir_op *op = emit(tr, size == 1 ? IR_LD8 : size == 2 ? IR_LD16 : IR_LD32);
	op->d = tmp(tr);
	op->a = addr;
	return op->d;
}

static void store(struct tr *tr, uint16_t addr, unsigned size, uint16_t v)
{
	struct ir_op *op = emit(tr, size == 1 ? IR_ST8 : size == 2 ? IR_ST16 : IR_ST32);
	op->a = addr;
	op->b = v;
	tr->stored = true;
}

static void probe_write(struct tr *tr, uint16_t addr, unsigned size)
{
	struct ir_op *op = emit(tr, IR_PROBEW);
	op->a = addr;
	op->size = (uint8_t)size;
}

static void flags(struct tr *tr, unsigned cc_op, unsigned size, uint16_t dst, uint16_t src,
		  uint16_t aux, uint16_t aux2)
{
	struct ir_op *op = emit(tr, IR_FLAGS);
	op->aux = (uint8_t)cc_op;
	op->size = (uint8_t)size;
	op->a = dst;
	op->b = src;
	op->c = aux;
	op->d = aux2;
}

static uint16_t cond(struct tr *tr, unsigned cc)
{
	struct ir_op *op = emit(tr, IR_COND);
	op->d = tmp(tr);
	op->aux = (uint8_t)cc;
	return op->d;
}

static uint16_t helper(struct tr *tr, enum jit_helper h, uint32_t imm, uint16_t a, uint16_t b, uint16_t c)
{
	struct ir_op *op = emit(tr, IR_HELPER);
	op->d = tmp(tr);
	op->aux = (uint8_t)h;
	op->imm = imm;
	op->a = a;
	op->b = b;
	op->c = c;
	return op->d;
}

static void set_flags(struct tr *tr, uint16_t v, uint32_t mask)
{
	struct ir_op *op = emit(tr, IR_SETFLAGS);
	op->a = v;
	op->imm = mask;
}

static uint16_t get_flags(struct tr *tr)
{
	struct ir_op *op = emit(tr, IR_GETFLAGS);
	op->d = tmp(tr);
	return op->d;
}

/* The linear address of `len` bytes at seg:off (limit-checked at run
 * time). */
/* Whether segment seg is one of the flat ones of JIT_MODE_FLAT. */
static bool seg_flat(const struct tr *tr, unsigned seg)
{
	return tr->flat && (seg == SEG_DS || seg == SEG_ES || seg == SEG_SS);
}

static uint16_t add_seg(struct tr *tr, uint16_t off, unsigned seg, unsigned len)
{
	struct ir_op *op = emit(tr, IR_ADDSEG);
	op->d = tmp(tr);
	op->a = off;
	op->aux = (uint8_t)seg;
	op->last = (uint8_t)(len - 1);
	op->flat = seg_flat(tr, seg);
	return op->d;
}

/* The current instruction's index in the block. */
static uint16_t insn_index(struct tr *tr)
{
	return (uint16_t)(tr->ir->nr_insns - 1);
}

static void raise_exc(struct tr *tr, int vector, bool has_error, uint32_t error)
{
	struct ir_op *op = emit(tr, IR_RAISE);
	op->aux = (uint8_t)vector;
	op->size = has_error;
	op->imm = error;
	tr->end = true;
}

static void exit_jmp(struct tr *tr, uint32_t target)
{
	struct ir_op *op = emit(tr, IR_EXIT_JMP);
	op->imm = (uint32_t)ir_exit_slot(tr->ir, target, insn_index(tr) + 1);
	tr->end = true;
}

static void exit_branch(struct tr *tr, uint16_t c, uint32_t taken, uint32_t not_taken,
			uint16_t retired_not_taken)
{
	ir_exit_slot(tr->ir, taken, insn_index(tr) + 1);
	ir_exit_slot(tr->ir, not_taken, retired_not_taken);
	struct ir_op *op = emit(tr, IR_BRANCH);
	op->a = c;
	tr->end = true;
}

static void exit_dyn(struct tr *tr, uint16_t eip)
{
	struct ir_op *op = emit(tr, IR_EXIT_DYN);
	op->a = eip;
	tr->end = true;
}

/* Jcc: slot 0 (taken) when condition cc holds. */
static void exit_jcc(struct tr *tr, unsigned cc, uint32_t taken, uint32_t not_taken)
{
	ir_exit_slot(tr->ir, taken, insn_index(tr) + 1);
	ir_exit_slot(tr->ir, not_taken, insn_index(tr) + 1);
	struct ir_op *op = emit(tr, IR_JCC);
	op->aux = (uint8_t)cc;
	tr->end = true;
}

/* An indirect branch (JMP/CALL r/m, RET): through the jump cache. */
static void exit_ind(struct tr *tr, uint16_t eip)
{
	struct ir_op *op = emit(tr, IR_EXIT_IND);
	op->a = eip;
	tr->end = true;
}

static void exit_state(struct tr *tr)
{
	emit(tr, IR_EXIT_STATE);
	tr->end = true;
}

/* Ends the block after this instruction with EIP = the next one, for
 * instructions after which the mode may differ. */
static void exit_next(struct tr *tr)
{
	exit_dyn(tr, movi(tr, tr->next));
}

/* ---- operands ---- */

/* The linear address of the memory operand (disp_extra added to the
 * displacement: POP [ESP+x]) for an access of `len` bytes (0: no segment,
 * no check: LEA). */
/* Fills the address fields of EA (and of the fused memory ops). */
static void ea_fields(struct tr *tr, struct ir_op *op, int32_t disp_extra, unsigned len)
{
	const struct insn_mem *m = &tr->in->mem;
	op->a = m->base < 0 ? IR_NOREG : (uint16_t)m->base;
	op->b = m->index < 0 ? IR_NOREG : (uint16_t)m->index;
	op->size = m->scale;
	op->imm = (uint32_t)(m->disp + disp_extra);
	op->c = tr->in->addrsize == 2;
	op->aux = len ? m->seg : IR_NOREG;
	op->last = (uint8_t)(len ? len - 1 : 0);
	op->flat = len && seg_flat(tr, m->seg);
}

static uint16_t ea_linear(struct tr *tr, int32_t disp_extra, unsigned len)
{
	struct ir_op *op = emit(tr, IR_EA);
	op->d = tmp(tr);
	ea_fields(tr, op, disp_extra, len);
	return op->d;
}

/* A fused memory op (LD32R, LDZX8R, LDZX16R, ST32R, ST8R): `len` bytes at
 * the memory operand, to or from register `reg`. */
static void mem_fused(struct tr *tr, enum ir_opcode opc, unsigned reg, unsigned len)
{
	struct ir_op *op = emit(tr, opc);
	ea_fields(tr, op, 0, len);
	op->d = (uint16_t)reg;
	op->write = opc == IR_ST32R || opc == IR_ST8R;
}

/* A fused 32-bit register op: reg[aux] with reg[b] (or imm). */
static void reg_fused(struct tr *tr, enum ir_opcode opc, unsigned reg, unsigned src_reg, uint32_t imm)
{
	struct ir_op *op = emit(tr, opc);
	op->aux = (uint8_t)reg;
	op->b = (uint16_t)src_reg;
	op->imm = imm;
}

/* The effective address without segment (LEA). */
static uint16_t ea_offset(struct tr *tr)
{
	return ea_linear(tr, 0, 0);
}

/* A source operand, `size` bytes. *addr gets the address of a memory
 * operand (when addr is not NULL). */
static uint16_t read_opnd(struct tr *tr, const struct insn_operand *o, unsigned size, uint16_t *addr)
{
	switch (o->kind) {
	case OPND_REG:
		return get_reg(tr, o->reg, size);
	case OPND_MEM: {
		uint16_t a = ea_linear(tr, 0, size);
		if (addr)
			*addr = a;
		return load(tr, a, size);
	}
	case OPND_IMM:
		return movi(tr, (uint32_t)tr->in->imm & mask_of(size));
	case OPND_ONE:
		return movi(tr, 1);
	case OPND_SREG: {
		struct ir_op *op = emit(tr, IR_GETSEL);
		op->d = tmp(tr);
		op->aux = o->reg;
		return op->d;
	}
	default:
		return movi(tr, 0);
	}
}

/* Writes a destination operand (memory at addr, computed by read_opnd, or
 * computed here when addr is 0). */
static void write_opnd(struct tr *tr, const struct insn_operand *o, unsigned size, uint16_t addr,
		       uint16_t v)
{
	if (o->kind == OPND_REG) {
		put_reg(tr, o->reg, size, v);
	} else if (o->kind == OPND_MEM) {
		if (!addr)
			addr = ea_linear(tr, 0, size);
		store(tr, addr, size, v);
	}
}

/* ---- stack ---- */

/* The linear address of `len` bytes at SS:esp. */
static uint16_t stack_linear(struct tr *tr, uint16_t esp, unsigned len)
{
	if (!tr->stack32)
		esp = alu_imm(tr, IR_ANDI, esp, 0xffff);
	return add_seg(tr, esp, SEG_SS, len);
}

/* Pushes v (store_size bytes, ESP moves by size); returns the new ESP,
 * which the caller writes with put_esp after its other faulting ops. */
static uint16_t push_store(struct tr *tr, uint16_t v, unsigned size, unsigned store_size)
{
	uint16_t esp = get_reg(tr, CPU_RSP, 4);
	uint16_t nesp = alu_imm(tr, IR_ADDI, esp, (uint32_t)-(int32_t)size);
	store(tr, stack_linear(tr, nesp, store_size), store_size, v);
	return nesp;
}

static void put_esp(struct tr *tr, uint16_t nesp)
{
	put_reg(tr, CPU_RSP, tr->stack32 ? 4 : 2, nesp);
}

static void push(struct tr *tr, uint16_t v, unsigned size)
{
	put_esp(tr, push_store(tr, v, size, size));
}

/* Loads the top of the stack; *nesp gets ESP after the pop. */
static uint16_t pop_load(struct tr *tr, unsigned size, uint16_t *nesp)
{
	uint16_t esp = get_reg(tr, CPU_RSP, 4);
	uint16_t v = load(tr, stack_linear(tr, esp, size), size);
	*nesp = alu_imm(tr, IR_ADDI, esp, size);
	return v;
}

/* ---- instruction families ---- */

static unsigned lockable(unsigned op)
{
	switch (op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB: case X86_OP_AND:
	case X86_OP_SUB: case X86_OP_XOR: case X86_OP_NOT: case X86_OP_NEG: case X86_OP_INC:
	case X86_OP_DEC: case X86_OP_XCHG: case X86_OP_XADD: case X86_OP_CMPXCHG:
	case X86_OP_CMPXCHG8B: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		return 1;
	default:
		return 0;
	}
}

/* The fused op of a 32-bit ALU instruction on a register with a register
 * (rr) or an immediate; IR_NR_OPCODES for ADC and SBB. */
static enum ir_opcode alu_fused(unsigned op, bool rr)
{
	switch (op) {
	case X86_OP_ADD: return rr ? IR_ADD32RR : IR_ADD32RI;
	case X86_OP_SUB: return rr ? IR_SUB32RR : IR_SUB32RI;
	case X86_OP_AND: return rr ? IR_AND32RR : IR_AND32RI;
	case X86_OP_OR: return rr ? IR_OR32RR : IR_OR32RI;
	case X86_OP_XOR: return rr ? IR_XOR32RR : IR_XOR32RI;
	case X86_OP_CMP: return rr ? IR_CMP32RR : IR_CMP32RI;
	case X86_OP_TEST: return rr ? IR_TEST32RR : IR_TEST32RI;
	default: return IR_NR_OPCODES;
	}
}

static void tr_alu2(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0], *s = &in->operand[1];
	unsigned size = d->size, op = in->op;
	if (size == 4 && d->kind == OPND_REG && (s->kind == OPND_REG || s->kind == OPND_IMM)) {
		enum ir_opcode f = alu_fused(op, s->kind == OPND_REG);
		if (f != IR_NR_OPCODES) {
			reg_fused(tr, f, d->reg, s->kind == OPND_REG ? s->reg : 0, (uint32_t)in->imm);
			return;
		}
	}
	uint16_t addr = 0;
	uint16_t a = read_opnd(tr, d, size, &addr);
	uint16_t b = read_opnd(tr, &in->operand[1], size, NULL);
	uint16_t r, c = 0;
	unsigned cc;
	switch (op) {
	case X86_OP_ADD: r = alu(tr, IR_ADD, a, b); cc = CC_OP_ADD; break;
	case X86_OP_ADC:
		c = emit(tr, IR_CARRY)->d = tmp(tr);
		r = alu(tr, IR_ADD, alu(tr, IR_ADD, a, b), c);
		cc = CC_OP_ADC;
		break;
	case X86_OP_SUB: case X86_OP_CMP: r = alu(tr, IR_SUB, a, b); cc = CC_OP_SUB; break;
	case X86_OP_SBB:
		c = emit(tr, IR_CARRY)->d = tmp(tr);
		r = alu(tr, IR_SUB, alu(tr, IR_SUB, a, b), c);
		cc = CC_OP_SBB;
		break;
	case X86_OP_AND: case X86_OP_TEST: r = alu(tr, IR_AND, a, b); cc = CC_OP_LOGIC; break;
	case X86_OP_OR: r = alu(tr, IR_OR, a, b); cc = CC_OP_LOGIC; break;
	default: r = alu(tr, IR_XOR, a, b); cc = CC_OP_LOGIC; break;
	}
	if (op != X86_OP_CMP && op != X86_OP_TEST)
		write_opnd(tr, d, size, addr, r);
	if (cc == CC_OP_LOGIC)
		flags(tr, cc, size, r, r, r, 0);
	else
		flags(tr, cc, size, r, b, a, c);
}

static void tr_unary(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0];
	unsigned size = d->size;
	if (size == 4 && d->kind == OPND_REG && (in->op == X86_OP_INC || in->op == X86_OP_DEC)) {
		reg_fused(tr, IR_INC32R, d->reg, 0, in->op == X86_OP_INC ? 1 : 0xffffffffu);
		return;
	}
	uint16_t addr = 0;
	uint16_t a = read_opnd(tr, d, size, &addr);
	uint16_t r;
	switch (in->op) {
	case X86_OP_INC:
		r = alu_imm(tr, IR_ADDI, a, 1);
		write_opnd(tr, d, size, addr, r);
		flags(tr, CC_OP_INC, size, r, movi(tr, 1), a, 0);
		break;
	case X86_OP_DEC:
		r = alu_imm(tr, IR_ADDI, a, 0xffffffffu);
		write_opnd(tr, d, size, addr, r);
		flags(tr, CC_OP_DEC, size, r, movi(tr, 1), a, 0);
		break;
	case X86_OP_NOT:
		write_opnd(tr, d, size, addr, unary(tr, IR_NOT, a));
		break;
	default: /* NEG */
		r = unary(tr, IR_NEG, a);
		write_opnd(tr, d, size, addr, r);
		flags(tr, CC_OP_NEG, size, r, a, 0, 0);
		break;
	}
}

/* A flag-setting helper on a read-modify-write operand: the write is
 * probed before the helper touches the flags. */
static void tr_rmw_helper(struct tr *tr, enum jit_helper h, uint32_t imm, uint16_t b, uint16_t c,
			  bool writes)
{
	const struct insn_operand *d = &tr->in->operand[0];
	unsigned size = d->size;
	uint16_t addr = 0;
	uint16_t a = read_opnd(tr, d, size, &addr);
	if (writes && d->kind == OPND_MEM)
		probe_write(tr, addr, size);
	uint16_t r = helper(tr, h, imm, a, b, c);
	if (writes)
		write_opnd(tr, d, size, addr, r);
}

static unsigned shift_alu_op(unsigned op)
{
	switch (op) {
	case X86_OP_ROL: return ALU_ROL;
	case X86_OP_ROR: return ALU_ROR;
	case X86_OP_RCL: return ALU_RCL;
	case X86_OP_RCR: return ALU_RCR;
	case X86_OP_SHL: return ALU_SHL;
	case X86_OP_SHR: return ALU_SHR;
	default: return ALU_SAR;
	}
}

static void tr_shift(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned size = in->operand[0].size;
	uint16_t count = alu_imm(tr, IR_ANDI, read_opnd(tr, &in->operand[1], 1, NULL), 31);
	tr_rmw_helper(tr, JIT_HELPER_SHIFT, shift_alu_op(in->op) | size << 8, count, 0, true);
}

static void tr_shxd(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned size = in->operand[0].size;
	uint16_t src = read_opnd(tr, &in->operand[1], size, NULL);
	uint16_t count = alu_imm(tr, IR_ANDI, read_opnd(tr, &in->operand[2], 1, NULL), 31);
	tr_rmw_helper(tr, in->op == X86_OP_SHLD ? JIT_HELPER_SHLD : JIT_HELPER_SHRD, size, src, count, true);
}

static void tr_bit(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0];
	unsigned size = d->size;
	unsigned alu_op = in->op == X86_OP_BT ? ALU_BT : in->op == X86_OP_BTS ? ALU_BTS :
			  in->op == X86_OP_BTR ? ALU_BTR : ALU_BTC;
	bool writes = in->op != X86_OP_BT;
	uint32_t imm = alu_op | size << 8;
	if (d->kind == OPND_REG || in->operand[1].kind == OPND_IMM) {
		uint16_t bit = alu_imm(tr, IR_ANDI, read_opnd(tr, &in->operand[1], size, NULL), size * 8 - 1);
		tr_rmw_helper(tr, JIT_HELPER_BIT, imm, bit, 0, writes);
		return;
	}
	/* BT m, r: the signed bit offset also selects the operand. */
	uint16_t off = read_opnd(tr, &in->operand[1], size, NULL);
	if (size == 2)
		off = unary(tr, IR_SEXT16, off);
	uint16_t shift = movi(tr, size == 4 ? 5 : 4);
	uint16_t delta = alu(tr, IR_SHL, alu(tr, IR_SAR, off, shift), movi(tr, size == 4 ? 2 : 1));
	uint16_t ea = alu(tr, IR_ADD, ea_offset(tr), delta);
	if (in->addrsize == 2)
		ea = alu_imm(tr, IR_ANDI, ea, 0xffff);   /* address arithmetic wraps at 64 KiB */
	uint16_t addr = add_seg(tr, ea, in->mem.seg, size);
	uint16_t bit = alu_imm(tr, IR_ANDI, off, size * 8 - 1);
	uint16_t v = load(tr, addr, size);
	if (writes)
		probe_write(tr, addr, size);
	uint16_t r = helper(tr, JIT_HELPER_BIT, imm, v, bit, 0);
	if (writes)
		store(tr, addr, size, r);
}

/* Whether loading segment seg in protected mode may change the mode bits
 * of the block key (SS.B: JIT_MODE_SS32; DS, ES, SS: JIT_MODE_FLAT): the
 * block ends after it. */
static bool seg_changes_mode(unsigned seg)
{
	return seg == SEG_SS || seg == SEG_DS || seg == SEG_ES;
}

static void tr_mov(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0], *s = &in->operand[1];
	if (d->kind == OPND_SREG) {
		uint16_t sel = read_opnd(tr, s, 2, NULL);
		if (d->reg == SEG_CS || d->reg > SEG_GS) {
			raise_exc(tr, EXC_UD, false, 0);
			return;
		}
		if (!tr->pm_seg) {
			struct ir_op *op = emit(tr, IR_SETSEG_REAL);
			op->a = sel;
			op->aux = d->reg;
		} else {
			helper(tr, JIT_HELPER_LOAD_SEG, d->reg, sel, 0, 0);
			if (seg_changes_mode(d->reg))
				exit_next(tr);
		}
		return;
	}
	if (s->kind == OPND_SREG) {
		uint16_t sel = read_opnd(tr, s, 2, NULL);
		if (d->kind == OPND_REG)
			put_reg(tr, d->reg, d->size == 4 ? 4 : 2, sel);
		else
			write_opnd(tr, d, 2, 0, sel);
		return;
	}
	if (d->size == 4 && d->kind == OPND_REG) {
		if (s->kind == OPND_REG) {
			reg_fused(tr, IR_MOV32RR, d->reg, s->reg, 0);
			return;
		}
		if (s->kind == OPND_IMM) {
			reg_fused(tr, IR_MOV32RI, d->reg, 0, (uint32_t)in->imm);
			return;
		}
		if (s->kind == OPND_MEM) {
			mem_fused(tr, IR_LD32R, d->reg, 4);
			return;
		}
	}
	if (d->kind == OPND_MEM && s->kind == OPND_REG && (d->size == 4 || d->size == 1)) {
		/* Its store ends it: the op leaves by itself after a store
		 * into translated code (no SMCCHK). */
		mem_fused(tr, d->size == 4 ? IR_ST32R : IR_ST8R, s->reg, d->size);
		return;
	}
	write_opnd(tr, d, d->size, 0, read_opnd(tr, s, d->size, NULL));
}

static void tr_movx(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned ssize = in->operand[1].size;
	if (in->op == X86_OP_MOVZX && in->operand[0].size == 4 && in->operand[1].kind == OPND_MEM) {
		mem_fused(tr, ssize == 1 ? IR_LDZX8R : IR_LDZX16R, in->operand[0].reg, ssize);
		return;
	}
	uint16_t v = read_opnd(tr, &in->operand[1], ssize, NULL);
	if (in->op == X86_OP_MOVSX)
		v = unary(tr, ssize == 1 ? IR_SEXT8 : IR_SEXT16, v);
	put_reg(tr, in->operand[0].reg, in->operand[0].size, v);
}

static void tr_lea(struct tr *tr)
{
	const struct insn *in = tr->in;
	if (in->operand[1].kind != OPND_MEM) {
		raise_exc(tr, EXC_UD, false, 0);
		return;
	}
	put_reg(tr, in->operand[0].reg, in->operand[0].size, ea_offset(tr));
}

static void tr_xchg(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *x = &in->operand[0], *y = &in->operand[1];
	unsigned size = x->size;
	if (x->kind == OPND_MEM) {
		const struct insn_operand *t = x;
		x = y;
		y = t;
	}
	/* x is a register; y a register or memory */
	uint16_t addr = 0;
	uint16_t vy = read_opnd(tr, y, size, &addr);
	uint16_t vx = get_reg(tr, x->reg, size);
	write_opnd(tr, y, size, addr, vx);
	put_reg(tr, x->reg, size, vy);
}

static void tr_xadd(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0], *s = &in->operand[1];
	unsigned size = d->size;
	uint16_t addr = 0;
	uint16_t a = read_opnd(tr, d, size, &addr);
	uint16_t b = get_reg(tr, s->reg, size);
	uint16_t r = alu(tr, IR_ADD, a, b);
	if (d->kind == OPND_MEM) {
		store(tr, addr, size, r);
		put_reg(tr, s->reg, size, a);
	} else {
		put_reg(tr, s->reg, size, a);
		put_reg(tr, d->reg, size, r);
	}
	flags(tr, CC_OP_ADD, size, r, b, a, 0);
}

static void tr_cmpxchg(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0], *s = &in->operand[1];
	unsigned size = d->size;
	uint16_t addr = 0;
	uint16_t old = read_opnd(tr, d, size, &addr);
	uint16_t acc = get_reg(tr, CPU_RAX, size);
	uint16_t src = get_reg(tr, s->reg, size);
	uint16_t eq = alu(tr, IR_EQ, acc, old);
	struct ir_op *op = emit(tr, IR_SELECT);
	op->d = tmp(tr);
	op->a = src;
	op->b = old;
	op->c = eq;
	uint16_t nv = op->d;
	op = emit(tr, IR_SELECT);
	op->d = tmp(tr);
	op->a = acc;
	op->b = old;
	op->c = eq;
	uint16_t nacc = op->d;
	if (d->kind == OPND_MEM) {
		store(tr, addr, size, nv);   /* always written, as the CPU does */
		put_reg(tr, CPU_RAX, size, nacc);
	} else {
		put_reg(tr, CPU_RAX, size, nacc);
		put_reg(tr, d->reg, size, nv);
	}
	flags(tr, CC_OP_SUB, size, alu(tr, IR_SUB, acc, old), old, acc, 0);
}

static void tr_push_pop(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *o = &in->operand[0];
	unsigned size = in->opsize;
	if (in->op == X86_OP_PUSH) {
		if (o->kind == OPND_SREG) {
			/* A 16-bit write, ESP moves by the operand size (P6). */
			uint16_t v = read_opnd(tr, o, 2, NULL);
			put_esp(tr, push_store(tr, v, size, 2));
		} else {
			push(tr, read_opnd(tr, o, size, NULL), size);
		}
		return;
	}
	uint16_t nesp;
	uint16_t v = pop_load(tr, size, &nesp);
	if (o->kind == OPND_SREG) {
		if (o->reg == SEG_CS || o->reg > SEG_GS) {
			raise_exc(tr, EXC_UD, false, 0);
			return;
		}
		if (tr->pm_seg) {
			helper(tr, JIT_HELPER_LOAD_SEG, o->reg, v, 0, 0);
			put_esp(tr, nesp);
			if (seg_changes_mode(o->reg))
				exit_next(tr);
		} else {
			put_esp(tr, nesp);
			struct ir_op *op = emit(tr, IR_SETSEG_REAL);
			op->a = v;
			op->aux = o->reg;
		}
		return;
	}
	if (o->kind == OPND_MEM) {
		/* POP [ESP+x] addresses with ESP after the pop. */
		int32_t extra = in->mem.base == CPU_RSP ? (int32_t)size : 0;
		store(tr, ea_linear(tr, extra, size), size, v);
		put_esp(tr, nesp);
		return;
	}
	put_esp(tr, nesp);
	put_reg(tr, o->reg, size, v);
}

static void tr_leave(struct tr *tr)
{
	unsigned size = tr->in->opsize;
	uint16_t ebp = get_reg(tr, CPU_RBP, 4);
	uint16_t v = load(tr, stack_linear(tr, ebp, size), size);
	put_esp(tr, alu_imm(tr, IR_ADDI, ebp, size));
	put_reg(tr, CPU_RBP, size, v);
}

static void tr_load_far(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned size = in->opsize;
	static const uint8_t segs[] = {
		[X86_OP_LDS - X86_OP_LDS] = SEG_DS, [X86_OP_LES - X86_OP_LDS] = SEG_ES,
		[X86_OP_LFS - X86_OP_LDS] = SEG_FS, [X86_OP_LGS - X86_OP_LDS] = SEG_GS,
		[X86_OP_LSS - X86_OP_LDS] = SEG_SS,
	};
	unsigned seg = segs[in->op - X86_OP_LDS];
	if (in->operand[1].kind != OPND_MEM) {
		raise_exc(tr, EXC_UD, false, 0);
		return;
	}
	uint16_t addr = ea_linear(tr, 0, size + 2);   /* offset and selector */
	uint16_t off = load(tr, addr, size);
	uint16_t sel = load(tr, alu_imm(tr, IR_ADDI, addr, size), 2);
	if (tr->pm_seg) {
		helper(tr, JIT_HELPER_LOAD_SEG, seg, sel, 0, 0);
	} else {
		struct ir_op *op = emit(tr, IR_SETSEG_REAL);
		op->a = sel;
		op->aux = (uint8_t)seg;
	}
	put_reg(tr, in->operand[0].reg, size, off);
	if (tr->pm_seg && seg_changes_mode(seg))
		exit_next(tr);
}

static uint32_t branch_target(struct tr *tr)
{
	uint32_t target = tr->next + (uint32_t)tr->in->imm;
	return tr->in->opsize == 2 ? target & 0xffff : target;
}

/* #GP(0) at this instruction when EIP t is beyond the CS limit (SDM vol.
 * 2, JMP/CALL/RET/Jcc: "#GP If the target operand is beyond the code
 * segment limit"). */
static void check_target(struct tr *tr, uint16_t t)
{
	struct ir_op *op = emit(tr, IR_CHKIP);
	op->a = t;
}

/* A static branch target within the CS limit needs no check at run time:
 * the block then holds only while the limit covers it. Returns false for
 * a target beyond the limit now; the caller then checks at run time. */
static bool target_in_limit(struct tr *tr, uint32_t target)
{
	if (target > tr->cs_limit)
		return false;
	if (target > tr->cs_limit_lo)
		tr->cs_limit_lo = target;
	return true;
}

/* Jcc, LOOP, JCXZ to a target beyond the CS limit: EIP = c ? taken :
 * next, checked (CHKIP). */
static uint16_t select_target(struct tr *tr, uint16_t c, uint32_t taken)
{
	struct ir_op *op = emit(tr, IR_SELECT);
	op->d = tmp(tr);
	op->a = movi(tr, taken);
	op->b = movi(tr, tr->next);
	op->c = c;
	check_target(tr, op->d);
	return op->d;
}

/* IN, OUT, INS, OUTS at CPL > 0 or in virtual-8086 mode: #GP(0) unless
 * CPL <= IOPL (not in virtual-8086 mode) or the TSS's I/O permission
 * bitmap allows every port accessed (SDM vol. 1, 19.5). */
static void io_check(struct tr *tr, uint16_t port, unsigned size)
{
	if (tr->pe && tr->cpl > 0)
		helper(tr, JIT_HELPER_IO_CHECK, size, port, 0, 0);
}

static void tr_string(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned rep = JIT_REP_NONE;
	if (in->prefixes & PFX_REP)
		rep = JIT_REP_E;
	else if (in->prefixes & PFX_REPNE)
		rep = JIT_REP_NE;
	unsigned seg = (in->prefixes & PFX_SEG) ? in->mem.seg : SEG_DS;
	unsigned size = in->opsize;
	uint32_t imm = JIT_STRING_IMM(in->op, size, in->addrsize, rep, seg);
	if (in->op == X86_OP_INS || in->op == X86_OP_OUTS)
		io_check(tr, get_reg(tr, CPU_RDX, 2), size);
	uint16_t done = helper(tr, JIT_HELPER_STRING, imm, 0, 0, 0);
	if (in->op != X86_OP_LODS && in->op != X86_OP_CMPS && in->op != X86_OP_SCAS &&
	    in->op != X86_OP_OUTS)
		tr->stored = true;
	if (rep != JIT_REP_NONE) {
		/* Done: on to the next instruction; else restart this one
		 * (the chunk retires nothing). */
		exit_branch(tr, done, tr->next, tr->eip, insn_index(tr));
	} else if (in->op == X86_OP_INS || in->op == X86_OP_OUTS) {
		exit_next(tr);   /* a port access: as IN/OUT (tr_io) */
	}
}

static void tr_control(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned size = in->opsize;
	const struct insn_operand *o = &in->operand[0];
	switch (in->op) {
	case X86_OP_JMP: {
		if (o->kind == OPND_REL && target_in_limit(tr, branch_target(tr))) {
			exit_jmp(tr, branch_target(tr));
			return;
		}
		uint16_t t = o->kind == OPND_REL ? movi(tr, branch_target(tr)) : read_opnd(tr, o, size, NULL);
		check_target(tr, t);
		exit_ind(tr, t);
		return;
	}
	case X86_OP_JCC:
		if (target_in_limit(tr, branch_target(tr)))
			exit_jcc(tr, in->cond, branch_target(tr), tr->next);
		else
			exit_dyn(tr, select_target(tr, cond(tr, in->cond), branch_target(tr)));
		return;
	case X86_OP_CALL: {
		/* The target is checked before the push (SDM vol. 2, CALL). */
		uint16_t target = 0;
		bool fixed = o->kind == OPND_REL && target_in_limit(tr, branch_target(tr));
		if (!fixed) {
			target = o->kind == OPND_REL ? movi(tr, branch_target(tr)) : read_opnd(tr, o, size, NULL);
			check_target(tr, target);
		}
		push(tr, movi(tr, tr->next), size);
		if (fixed)
			exit_jmp(tr, branch_target(tr));
		else
			exit_ind(tr, target);
		return;
	}
	case X86_OP_RET: {
		uint16_t nesp;
		uint16_t v = pop_load(tr, size, &nesp);
		check_target(tr, v);
		if (in->nr_operands && o->kind == OPND_IMM)
			nesp = alu_imm(tr, IR_ADDI, nesp, (uint32_t)in->imm & 0xffff);
		put_esp(tr, nesp);
		exit_ind(tr, v);
		return;
	}
	case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE: case X86_OP_JCXZ: {
		unsigned as = in->addrsize;
		uint16_t cnt = get_reg(tr, CPU_RCX, as);
		uint16_t c;
		if (in->op == X86_OP_JCXZ) {
			c = alu(tr, IR_EQ, cnt, 0);
		} else {
			cnt = alu_imm(tr, IR_ADDI, cnt, 0xffffffffu);
			c = unary(tr, IR_NEZ, alu_imm(tr, IR_ANDI, cnt, mask_of(as)));
			if (in->op != X86_OP_LOOP)
				c = alu(tr, IR_AND, c, cond(tr, in->op == X86_OP_LOOPE ? 4 : 5));
		}
		bool fixed = target_in_limit(tr, branch_target(tr));
		uint16_t t = fixed ? 0 : select_target(tr, c, branch_target(tr));
		if (in->op != X86_OP_JCXZ)
			put_reg(tr, CPU_RCX, as, cnt);
		if (fixed)
			exit_branch(tr, c, branch_target(tr), tr->next, insn_index(tr) + 1);
		else
			exit_dyn(tr, t);
		return;
	}
	case X86_OP_JMPF: case X86_OP_CALLF: {
		uint16_t sel, off;
		if (o->kind == OPND_FAR) {
			sel = movi(tr, tr->in->imm2);
			off = movi(tr, (uint32_t)tr->in->imm & mask_of(size));
		} else if (o->kind == OPND_MEM) {
			uint16_t addr = ea_linear(tr, 0, size + 2);
			off = load(tr, addr, size);
			sel = load(tr, alu_imm(tr, IR_ADDI, addr, size), 2);
		} else {
			raise_exc(tr, EXC_UD, false, 0);
			return;
		}
		if (in->op == X86_OP_JMPF) {
			helper(tr, JIT_HELPER_FAR_JMP, size, sel, off, movi(tr, tr->next));
		} else {
			helper(tr, JIT_HELPER_FAR_CALL, size, sel, off, movi(tr, tr->next));
			tr->stored = true;
		}
		exit_state(tr);
		return;
	}
	case X86_OP_RETF: {
		uint32_t n = in->nr_operands && o->kind == OPND_IMM ? (uint32_t)in->imm & 0xffff : 0;
		helper(tr, JIT_HELPER_RETF, size | n << 8, 0, 0, 0);
		exit_state(tr);
		return;
	}
	case X86_OP_IRET:
		helper(tr, JIT_HELPER_IRET, size, movi(tr, tr->next), 0, 0);
		tr->stored = true;   /* a task switch writes the TSS */
		exit_state(tr);
		return;
	case X86_OP_INT: case X86_OP_INT3: case X86_OP_INT1: {
		uint32_t vector = in->op == X86_OP_INT ? ((uint32_t)in->imm & 0xff) | JIT_INT_N :
				  in->op == X86_OP_INT3 ? 3 : (1 | JIT_INT_ICEBP);
		helper(tr, JIT_HELPER_INT, vector, movi(tr, tr->next), 0, 0);
		tr->stored = true;
		exit_state(tr);
		return;
	}
	case X86_OP_INTO:
		helper(tr, JIT_HELPER_INTO, 0, movi(tr, tr->next), 0, 0);
		exit_state(tr);
		return;
	default:
		return;
	}
}

static void tr_flag_op(struct tr *tr)
{
	switch (tr->in->op) {
	case X86_OP_CLC: set_flags(tr, 0, FLAG_CF); break;
	case X86_OP_STC: set_flags(tr, movi(tr, FLAG_CF), FLAG_CF); break;
	case X86_OP_CLD: set_flags(tr, 0, FLAG_DF); break;
	case X86_OP_STD: set_flags(tr, movi(tr, FLAG_DF), FLAG_DF); break;
	case X86_OP_CLI: case X86_OP_STI:
		/* IOPL-sensitive: #GP(0) when CPL > IOPL (in virtual-8086
		 * mode: IOPL < 3); CPL 0 cannot fail */
		if (tr->cpl > 0)
			helper(tr, JIT_HELPER_IOPL, 0, 0, 0, 0);
		set_flags(tr, tr->in->op == X86_OP_STI ? movi(tr, FLAG_IF) : 0, FLAG_IF);
		if (tr->in->op == X86_OP_STI)
			helper(tr, JIT_HELPER_FLAGS_CHECK, 0, 0, 0, 0);
		break;
	case X86_OP_LAHF:
		put_reg(tr, 4, 1, alu_imm(tr, IR_ANDI, get_flags(tr), 0xd7));
		break;
	case X86_OP_SAHF:
		set_flags(tr, get_reg(tr, 4, 1), FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF);
		break;
	case X86_OP_PUSHF: {
		if (tr->vm86)
			helper(tr, JIT_HELPER_IOPL, 0, 0, 0, 0);   /* #GP(0) unless IOPL = 3 */
		uint16_t f = alu_imm(tr, IR_ANDI, get_flags(tr), 0x00fcffffu);   /* VM, RF read as 0 */
		push(tr, f, tr->in->opsize);
		break;
	}
	case X86_OP_POPF: {
		uint16_t nesp;
		uint16_t v = pop_load(tr, tr->in->opsize, &nesp);
		if (tr->pe && tr->cpl > 0) {
			/* IF only when CPL <= IOPL, IOPL never; #GP(0) in
			 * virtual-8086 mode unless IOPL = 3 */
			helper(tr, JIT_HELPER_POPF, tr->in->opsize, v, 0, 0);
			put_esp(tr, nesp);
		} else {
			put_esp(tr, nesp);
			uint32_t mask = 0x7fd5;   /* CF PF AF ZF SF TF IF DF OF IOPL NT */
			if (tr->in->opsize == 4)
				mask |= 1u << 18 | 1u << 21;   /* AC, ID */
			set_flags(tr, v, mask);
		}
		/* TF, AC or IF may be set now: the block ends here, and its
		 * exit honours an exit request (jit_block.recheck_exit) */
		helper(tr, JIT_HELPER_FLAGS_CHECK, 0, 0, 0, 0);
		tr->recheck_exit = true;
		break;
	}
	default:
		break;
	}
}

/* CMC: CF ^= 1. */
/* x87 (D8-DF): one helper call (cpu/soft_x87.c) with the memory
 * operand's linear address (its whole span limit-checked) and offset, and
 * the instruction's EIP for the FPU instruction pointer. */
static void tr_x87(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned esc = in->opcode & 7;
	unsigned len = soft_x87_operand_bytes(esc, in->modrm, in->opsize);
	uint16_t lin = 0, off = 0;
	if (len) {
		lin = ea_linear(tr, 0, len);
		off = ea_offset(tr);
	}
	helper(tr, JIT_HELPER_X87, SOFT_X87_IMM(esc, in->modrm, in->opsize, in->mem.seg), lin, off,
	       movi(tr, tr->eip));
	tr->stored = soft_x87_stores(esc, in->modrm);
}

static void tr_cmc(struct tr *tr)
{
	set_flags(tr, alu(tr, IR_XOR, get_flags(tr), movi(tr, FLAG_CF)), FLAG_CF);
}

static void tr_io(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned size = in->opsize;
	if (in->op == X86_OP_IN) {
		const struct insn_operand *p = &in->operand[1];
		uint16_t port = p->kind == OPND_IMM ? movi(tr, (uint32_t)in->imm & 0xff) : get_reg(tr, CPU_RDX, 2);
		io_check(tr, port, size);
		struct ir_op *op = emit(tr, IR_IN);
		op->d = tmp(tr);
		op->a = port;
		op->size = (uint8_t)size;
		put_reg(tr, CPU_RAX, size, op->d);
	} else {
		const struct insn_operand *p = &in->operand[0];
		uint16_t port = p->kind == OPND_IMM ? movi(tr, (uint32_t)in->imm & 0xff) : get_reg(tr, CPU_RDX, 2);
		io_check(tr, port, size);
		uint16_t v = get_reg(tr, CPU_RAX, size);
		struct ir_op *op = emit(tr, IR_OUT);
		op->a = port;
		op->b = v;
		op->size = (uint8_t)size;
	}
	/* A port access may stop or reset the machine (debug exit, port
	 * 0x92, the i8042), change A20 or raise an interrupt: nothing after
	 * it runs before the engine loop has looked. */
	exit_next(tr);
}

static void tr_misc_data(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned size = in->opsize;
	switch (in->op) {
	case X86_OP_CBW:
		if (size == 2)
			put_reg(tr, CPU_RAX, 2, unary(tr, IR_SEXT8, get_reg(tr, CPU_RAX, 1)));
		else
			put_reg(tr, CPU_RAX, 4, unary(tr, IR_SEXT16, get_reg(tr, CPU_RAX, 2)));
		break;
	case X86_OP_CWD: {
		uint16_t v = get_reg(tr, CPU_RAX, size);
		if (size == 2)
			v = unary(tr, IR_SEXT16, v);
		put_reg(tr, CPU_RDX, size, alu(tr, IR_SAR, v, movi(tr, 31)));
		break;
	}
	case X86_OP_SALC: {
		uint16_t c = emit(tr, IR_CARRY)->d = tmp(tr);
		put_reg(tr, CPU_RAX, 1, unary(tr, IR_NEG, c));
		break;
	}
	case X86_OP_XLAT: {
		uint16_t off = alu(tr, IR_ADD, get_reg(tr, CPU_RBX, in->addrsize), get_reg(tr, CPU_RAX, 1));
		if (in->addrsize == 2)
			off = alu_imm(tr, IR_ANDI, off, 0xffff);
		unsigned seg = (in->prefixes & PFX_SEG) ? in->mem.seg : SEG_DS;
		put_reg(tr, CPU_RAX, 1, load(tr, add_seg(tr, off, seg, 1), 1));
		break;
	}
	case X86_OP_BSWAP: {
		unsigned r = in->operand[0].reg;
		if (size == 4)
			put_reg(tr, r, 4, unary(tr, IR_BSWAP, get_reg(tr, r, 4)));
		else
			put_reg(tr, r, 2, movi(tr, 0));   /* undefined; P6 clears it */
		break;
	}
	case X86_OP_SETCC:
		write_opnd(tr, &in->operand[0], 1, 0, cond(tr, in->cond));
		break;
	case X86_OP_CMOV: {
		const struct insn_operand *d = &in->operand[0];
		uint16_t src = read_opnd(tr, &in->operand[1], d->size, NULL);
		uint16_t old = get_reg(tr, d->reg, d->size);
		uint16_t c = cond(tr, in->cond);
		struct ir_op *op = emit(tr, IR_SELECT);
		op->d = tmp(tr);
		op->a = src;
		op->b = old;
		op->c = c;
		put_reg(tr, d->reg, d->size, op->d);
		break;
	}
	default:
		break;
	}
}

static void tr_muldiv(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0];
	unsigned size = d->size;
	if (in->op == X86_OP_IMUL && in->nr_operands >= 2) {
		uint16_t a, b;
		if (in->nr_operands == 3) {
			a = read_opnd(tr, &in->operand[1], size, NULL);
			b = read_opnd(tr, &in->operand[2], size, NULL);
		} else {
			a = get_reg(tr, d->reg, size);
			b = read_opnd(tr, &in->operand[1], size, NULL);
		}
		put_reg(tr, d->reg, size, helper(tr, JIT_HELPER_IMUL2, size, a, b, 0));
		return;
	}
	uint16_t v = read_opnd(tr, d, size, NULL);
	enum jit_helper h = in->op == X86_OP_MUL ? JIT_HELPER_MUL : in->op == X86_OP_IMUL ? JIT_HELPER_IMUL :
			    in->op == X86_OP_DIV ? JIT_HELPER_DIV : JIT_HELPER_IDIV;
	helper(tr, h, size, v, 0, 0);
}

static void tr_bcd(struct tr *tr)
{
	const struct insn *in = tr->in;
	switch (in->op) {
	case X86_OP_DAA: helper(tr, JIT_HELPER_DAA, 0, 0, 0, 0); break;
	case X86_OP_DAS: helper(tr, JIT_HELPER_DAS, 0, 0, 0, 0); break;
	case X86_OP_AAA: helper(tr, JIT_HELPER_AAA, 0, 0, 0, 0); break;
	case X86_OP_AAS: helper(tr, JIT_HELPER_AAS, 0, 0, 0, 0); break;
	case X86_OP_AAM: helper(tr, JIT_HELPER_AAM, (uint32_t)in->imm & 0xff, 0, 0, 0); break;
	default: helper(tr, JIT_HELPER_AAD, (uint32_t)in->imm & 0xff, 0, 0, 0); break;
	}
}

/* Whether instruction op raises #GP(0) at CPL > 0 (SDM vol. 3, 5.9
 * "Privileged Instructions"; in virtual-8086 mode too). */
static bool privileged(unsigned op)
{
	switch (op) {
	case X86_OP_MOV_CR: case X86_OP_MOV_DR: case X86_OP_LMSW: case X86_OP_CLTS: case X86_OP_LGDT:
	case X86_OP_LIDT: case X86_OP_LLDT: case X86_OP_LTR: case X86_OP_INVD: case X86_OP_WBINVD:
	case X86_OP_INVLPG: case X86_OP_RDMSR: case X86_OP_WRMSR:
		return true;
	default:
		return false;
	}
}

/* Whether instruction op is #UD in real and virtual-8086 mode. */
static bool protected_only(unsigned op)
{
	switch (op) {
	case X86_OP_SLDT: case X86_OP_STR: case X86_OP_LLDT: case X86_OP_LTR: case X86_OP_VERR:
	case X86_OP_VERW: case X86_OP_LAR: case X86_OP_LSL: case X86_OP_ARPL:
		return true;
	default:
		return false;
	}
}

static void tr_system(struct tr *tr)
{
	const struct insn *in = tr->in;
	const struct insn_operand *d = &in->operand[0];
	if (protected_only(in->op) && (!tr->pe || tr->vm86)) {
		raise_exc(tr, EXC_UD, false, 0);
		return;
	}
	if (privileged(in->op) && tr->cpl > 0) {
		raise_exc(tr, EXC_GP, true, 0);
		return;
	}
	switch (in->op) {
	case X86_OP_MOV_CR: case X86_OP_MOV_DR: {
		uint32_t base = in->op == X86_OP_MOV_DR ? 16 : 0;
		if (d->kind == OPND_CREG || d->kind == OPND_DREG) {
			uint16_t v = get_reg(tr, in->operand[1].reg, 4);
			helper(tr, JIT_HELPER_WRITE_CR, base + d->reg, v, 0, 0);
			exit_next(tr);
		} else {
			put_reg(tr, d->reg, 4, helper(tr, JIT_HELPER_READ_CR, base + in->operand[1].reg, 0, 0, 0));
		}
		return;
	}
	case X86_OP_SMSW: {
		uint16_t v = helper(tr, JIT_HELPER_READ_CR, 0, 0, 0, 0);
		if (d->kind == OPND_REG)
			put_reg(tr, d->reg, d->size, v);
		else
			write_opnd(tr, d, 2, 0, v);
		return;
	}
	case X86_OP_LMSW:
		helper(tr, JIT_HELPER_LMSW, 0, read_opnd(tr, d, 2, NULL), 0, 0);
		exit_next(tr);
		return;
	case X86_OP_CLTS:
		helper(tr, JIT_HELPER_CLTS, 0, 0, 0, 0);
		return;
	case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_SGDT: case X86_OP_SIDT: {
		if (d->kind != OPND_MEM) {
			raise_exc(tr, EXC_UD, false, 0);
			return;
		}
		unsigned which = in->op == X86_OP_LGDT ? 0 : in->op == X86_OP_LIDT ? 1 :
				 in->op == X86_OP_SGDT ? 2 : 3;
		helper(tr, JIT_HELPER_DTABLE, which | (unsigned)in->opsize << 8, ea_linear(tr, 0, 6), 0, 0);
		if (which >= 2)
			tr->stored = true;
		return;
	}
	case X86_OP_SLDT: case X86_OP_STR: {
		struct ir_op *op = emit(tr, IR_GETSEL);
		op->d = tmp(tr);
		op->aux = in->op == X86_OP_SLDT ? SEG_LDTR : SEG_TR;
		/* a 32-bit register gets the selector zero-extended (P6 and
		 * later), memory a word */
		if (d->kind == OPND_REG)
			put_reg(tr, d->reg, d->size == 4 ? 4 : 2, op->d);
		else
			write_opnd(tr, d, 2, 0, op->d);
		return;
	}
	case X86_OP_LLDT: case X86_OP_LTR:
		helper(tr, in->op == X86_OP_LLDT ? JIT_HELPER_LLDT : JIT_HELPER_LTR, 0, read_opnd(tr, d, 2, NULL), 0, 0);
		return;
	case X86_OP_LAR: case X86_OP_LSL: {
		uint16_t sel = read_opnd(tr, &in->operand[1], 2, NULL);
		unsigned size = d->size;
		uint16_t old = get_reg(tr, d->reg, size);
		uint32_t imm = (in->op == X86_OP_LAR ? JIT_LAR_LAR : JIT_LAR_LSL) | size << 8;
		put_reg(tr, d->reg, size, helper(tr, JIT_HELPER_LAR, imm, sel, old, 0));
		return;
	}
	case X86_OP_VERR: case X86_OP_VERW:
		helper(tr, JIT_HELPER_LAR, in->op == X86_OP_VERR ? JIT_LAR_VERR : JIT_LAR_VERW,
		       read_opnd(tr, d, 2, NULL), 0, 0);
		return;
	case X86_OP_ARPL:
		tr_rmw_helper(tr, JIT_HELPER_ARPL, 0, get_reg(tr, in->operand[1].reg, 2), 0, true);
		return;
	case X86_OP_CPUID: helper(tr, JIT_HELPER_CPUID, 0, 0, 0, 0); return;
	case X86_OP_RDTSC: helper(tr, JIT_HELPER_RDTSC, 0, 0, 0, 0); return;
	case X86_OP_RDMSR: helper(tr, JIT_HELPER_RDMSR, 0, 0, 0, 0); return;
	case X86_OP_WRMSR: helper(tr, JIT_HELPER_WRMSR, 0, 0, 0, 0); exit_next(tr); return;
	case X86_OP_INVLPG:
		if (d->kind != OPND_MEM) {
			raise_exc(tr, EXC_UD, false, 0);
			return;
		}
		/* the linear address (a limit check of one byte: the SDM
		 * lists none, an operand past the limit is then #GP) */
		helper(tr, JIT_HELPER_INVLPG, 0, ea_linear(tr, 0, 1), 0, 0);
		exit_next(tr);   /* a mapping may change: back to the engine loop */
		return;
	case X86_OP_INVD: case X86_OP_WBINVD:
		return;   /* no caches to model */
	case X86_OP_RDPMC:
		raise_exc(tr, EXC_GP, true, 0);   /* no performance counters */
		return;
	case X86_OP_SYSENTER: case X86_OP_SYSEXIT:
		helper(tr, in->op == X86_OP_SYSENTER ? JIT_HELPER_SYSENTER : JIT_HELPER_SYSEXIT, 0, 0, 0, 0);
		exit_state(tr);
		return;
	default:
		/* RSM: no system-management mode */
		raise_exc(tr, EXC_UD, false, 0);
		return;
	}
}

/* Marks the EA and ADDSEG ops of this instruction (ops from `first` on)
 * whose address is written (ST, PROBEW, the helpers that store through a
 * linear address): they check the segment's write bounds. The address
 * may come through ADD, ADDI or ANDI from the EA (BT m, r; far pointers). */
static void mark_writes(struct ir_builder *ir, int first)
{
	for (int i = first; i < ir->nr_ops; i++) {
		const struct ir_op *op = &ir->ops[i];
		bool writes = op->opc == IR_ST8 || op->opc == IR_ST16 || op->opc == IR_ST32 || op->opc == IR_PROBEW;
		if (op->opc == IR_HELPER)
			writes = op->aux == JIT_HELPER_CMPXCHG8B ||
				 (op->aux == JIT_HELPER_DTABLE && (op->imm & 0xff) >= 2);
		if (!writes)
			continue;
		uint16_t t = op->a;
		for (int j = i - 1; j >= first && t; j--) {
			struct ir_op *def = &ir->ops[j];
			bool defines = def->opc == IR_EA || def->opc == IR_ADDSEG || def->opc == IR_ADD ||
				       def->opc == IR_ADDI || def->opc == IR_ANDI;
			if (!defines || def->d != t)
				continue;
			if (def->opc == IR_EA || def->opc == IR_ADDSEG) {
				def->write = 1;
				break;
			}
			t = def->a;
		}
	}
}

/* One instruction. */
static void tr_insn(struct tr *tr)
{
	const struct insn *in = tr->in;
	unsigned op = in->op;

	int first_op = tr->ir->nr_ops;
	if ((in->prefixes & PFX_LOCK) && (!lockable(op) || in->operand[0].kind != OPND_MEM)) {
		raise_exc(tr, EXC_UD, false, 0);
		return;
	}
	switch (op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB: case X86_OP_AND:
	case X86_OP_SUB: case X86_OP_XOR: case X86_OP_CMP: case X86_OP_TEST:
		tr_alu2(tr);
		break;
	case X86_OP_INC: case X86_OP_DEC: case X86_OP_NOT: case X86_OP_NEG:
		tr_unary(tr);
		break;
	case X86_OP_MUL: case X86_OP_IMUL: case X86_OP_DIV: case X86_OP_IDIV:
		tr_muldiv(tr);
		break;
	case X86_OP_ROL: case X86_OP_ROR: case X86_OP_RCL: case X86_OP_RCR:
	case X86_OP_SHL: case X86_OP_SHR: case X86_OP_SAR:
		tr_shift(tr);
		break;
	case X86_OP_SHLD: case X86_OP_SHRD:
		tr_shxd(tr);
		break;
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		tr_bit(tr);
		break;
	case X86_OP_BSF: case X86_OP_BSR: {
		const struct insn_operand *d = &in->operand[0];
		uint16_t src = read_opnd(tr, &in->operand[1], d->size, NULL);
		uint16_t old = get_reg(tr, d->reg, d->size);
		put_reg(tr, d->reg, d->size, helper(tr, op == X86_OP_BSF ? JIT_HELPER_BSF : JIT_HELPER_BSR,
						    d->size, src, old, 0));
		break;
	}
	case X86_OP_XADD: tr_xadd(tr); break;
	case X86_OP_CMPXCHG: tr_cmpxchg(tr); break;
	case X86_OP_CMPXCHG8B:
		if (in->operand[0].kind != OPND_MEM) {
			raise_exc(tr, EXC_UD, false, 0);
			break;
		}
		helper(tr, JIT_HELPER_CMPXCHG8B, 0, ea_linear(tr, 0, 8), 0, 0);
		tr->stored = true;
		break;
	case X86_OP_XCHG: tr_xchg(tr); break;
	case X86_OP_DAA: case X86_OP_DAS: case X86_OP_AAA: case X86_OP_AAS: case X86_OP_AAM:
	case X86_OP_AAD:
		tr_bcd(tr);
		break;
	case X86_OP_CBW: case X86_OP_CWD: case X86_OP_SALC: case X86_OP_XLAT: case X86_OP_BSWAP:
	case X86_OP_SETCC: case X86_OP_CMOV:
		tr_misc_data(tr);
		break;
	case X86_OP_MOV: tr_mov(tr); break;
	case X86_OP_MOVZX: case X86_OP_MOVSX: tr_movx(tr); break;
	case X86_OP_LEA: tr_lea(tr); break;
	case X86_OP_PUSH: case X86_OP_POP: tr_push_pop(tr); break;
	case X86_OP_PUSHA: helper(tr, JIT_HELPER_PUSHA, in->opsize, 0, 0, 0); tr->stored = true; break;
	case X86_OP_POPA: helper(tr, JIT_HELPER_POPA, in->opsize, 0, 0, 0); break;
	case X86_OP_PUSHF: case X86_OP_POPF: case X86_OP_LAHF: case X86_OP_SAHF:
	case X86_OP_CLC: case X86_OP_STC: case X86_OP_CLD: case X86_OP_STD: case X86_OP_CLI:
	case X86_OP_STI:
		tr_flag_op(tr);
		break;
	case X86_OP_CMC: tr_cmc(tr); break;
	case X86_OP_LDS: case X86_OP_LES: case X86_OP_LFS: case X86_OP_LGS: case X86_OP_LSS:
		tr_load_far(tr);
		break;
	case X86_OP_ENTER:
		helper(tr, JIT_HELPER_ENTER, in->opsize, movi(tr, (uint32_t)in->imm & 0xffff),
		       movi(tr, in->imm2 & 0xff), 0);
		tr->stored = true;
		break;
	case X86_OP_LEAVE: tr_leave(tr); break;
	case X86_OP_BOUND:
		if (in->operand[1].kind != OPND_MEM) {
			raise_exc(tr, EXC_UD, false, 0);
			break;
		}
		helper(tr, JIT_HELPER_BOUND, in->opsize, get_reg(tr, in->operand[0].reg, in->opsize),
		       ea_linear(tr, 0, 2 * in->opsize), 0);
		break;
	case X86_OP_MOVS: case X86_OP_CMPS: case X86_OP_STOS: case X86_OP_LODS: case X86_OP_SCAS:
	case X86_OP_INS: case X86_OP_OUTS:
		tr_string(tr);
		break;
	case X86_OP_JMP: case X86_OP_JMPF: case X86_OP_JCC: case X86_OP_CALL: case X86_OP_CALLF:
	case X86_OP_RET: case X86_OP_RETF: case X86_OP_LOOP: case X86_OP_LOOPE: case X86_OP_LOOPNE:
	case X86_OP_JCXZ: case X86_OP_INT: case X86_OP_INT3: case X86_OP_INTO: case X86_OP_INT1:
	case X86_OP_IRET:
		tr_control(tr);
		break;
	case X86_OP_IN: case X86_OP_OUT: tr_io(tr); break;
	case X86_OP_NOP: case X86_OP_PAUSE: break;
	case X86_OP_WAIT: helper(tr, JIT_HELPER_FWAIT, 0, 0, 0, 0); break;
	case X86_OP_FPU: tr_x87(tr); break;
	case X86_OP_HLT: {
		if (tr->cpl > 0) {
			raise_exc(tr, EXC_GP, true, 0);   /* privileged */
			break;
		}
		struct ir_op *o = emit(tr, IR_EXIT_HLT);
		o->imm = tr->next;
		tr->end = true;
		break;
	}
	case X86_OP_MOV_CR: case X86_OP_MOV_DR: case X86_OP_SMSW: case X86_OP_LMSW: case X86_OP_CLTS:
	case X86_OP_LGDT: case X86_OP_LIDT: case X86_OP_SGDT: case X86_OP_SIDT: case X86_OP_CPUID:
	case X86_OP_RDTSC: case X86_OP_RDMSR: case X86_OP_WRMSR: case X86_OP_INVLPG: case X86_OP_INVD:
	case X86_OP_WBINVD: case X86_OP_RDPMC: case X86_OP_SLDT: case X86_OP_STR: case X86_OP_LLDT:
	case X86_OP_LTR: case X86_OP_VERR: case X86_OP_VERW: case X86_OP_LAR: case X86_OP_LSL:
	case X86_OP_ARPL: case X86_OP_SYSENTER: case X86_OP_SYSEXIT: case X86_OP_RSM:
		tr_system(tr);
		break;
	case X86_OP_OTHER:
		/* LFENCE, MFENCE, SFENCE (0F AE E8-FF): every access is already
		 * in order on one vCPU. Linux uses MFENCE after arming the APIC
		 * TSC-deadline timer without checking for SSE2. */
		if (in->map == 1 && in->opcode == 0xae && in->modrm >= 0xe8 &&
		    !(in->prefixes & (PFX_OPSIZE | PFX_REP | PFX_REPNE)))
			break;
		raise_exc(tr, EXC_UD, false, 0);
		break;
	default:   /* INVALID, UD, SIMD */
		raise_exc(tr, EXC_UD, false, 0);
		break;
	}
	if (tr->stored && !tr->end) {
		struct ir_op *o = emit(tr, IR_SMCCHK);
		o->imm = tr->next;
	}
	mark_writes(tr->ir, first_op);
}

/* ---- blocks ---- */

static bool tr_same_page(uint32_t a, uint32_t b)
{
	return (a & MMU_PAGE_MASK) == (b & MMU_PAGE_MASK);
}

/* Ends the block before the instruction at eip (not part of it). */
static void tr_end_before(struct ir_builder *ir, uint32_t eip)
{
	struct ir_op *op = ir_emit(ir, IR_EXIT_JMP);
	op->insn = (uint16_t)(ir->nr_insns - 1);
	op->imm = (uint32_t)ir_exit_slot(ir, eip, (uint16_t)ir->nr_insns);
}

/* Copies the built block into the cache. */
static struct jit_block *tr_commit(struct soft_cpu *cpu, struct ir_builder *ir, struct jit_block *proto,
				   bool *flushed)
{
	size_t ops_bytes = (size_t)ir->nr_ops * sizeof(struct ir_op);
	size_t bytes = sizeof(struct jit_block) + ops_bytes + (size_t)ir->nr_insns * sizeof(struct jit_insn_info);
	struct jit_cache *c = cpu->cache;
	bool was_code[2] = { false, false };
	struct jit_block *b = NULL;
	for (int attempt = 0; attempt < 2 && !b; attempt++) {
		if (attempt) {
			jit_cache_flush(c);
			*flushed = true;
		}
		if (!jit_cache_prepare_pages(c, proto->page, proto->nr_pages))
			continue;
		b = jit_cache_alloc(c, bytes);
	}
	if (!b)
		return NULL;
	for (int k = 0; k < proto->nr_pages; k++)
		was_code[k] = jit_cache_page_has_code(c, proto->page[k]);
	*b = *proto;
	memcpy(b->ops, ir->ops, ops_bytes);
	b->insns = (struct jit_insn_info *)((uint8_t *)b->ops + ops_bytes);
	memcpy(b->insns, ir->insns, (size_t)ir->nr_insns * sizeof(struct jit_insn_info));
	jit_cache_insert(c, b);
	for (int k = 0; k < proto->nr_pages; k++)
		if (!was_code[k])
			mmu_protect_code_page(&cpu->mmu, proto->page[k]);
	return b;
}

struct jit_block *jit_translate(struct soft_cpu *cpu, struct ir_builder *ir, uint32_t eip, bool *flushed)
{
	struct tr tr = {
		.cpu = cpu, .ir = ir,
		.pe = (cpu->s.cr0 & CR0_PE) != 0,
		.pm_seg = (cpu->s.cr0 & CR0_PE) && !(cpu->s.rflags & RFLAGS_VM),
		.cpl = soft_cpu_cpl(cpu),
		.vm86 = (cpu->s.rflags & RFLAGS_VM) != 0,
		.code32 = cpu->s.seg[SEG_CS].db != 0,
		.stack32 = cpu->s.seg[SEG_SS].db != 0,
		.flat = (soft_cpu_mode(cpu) & JIT_MODE_FLAT) != 0,
		.cs_limit = (uint32_t)cpu->s.seg[SEG_CS].limit,
	};
	uint32_t cs_limit_hi = 0xffffffffu;
	uint32_t cs_base = (uint32_t)cpu->s.seg[SEG_CS].base;
	uint32_t start_lin = cs_base + eip;
	struct jit_block proto = { .cs_base = cs_base, .mode = soft_cpu_mode(cpu), .eip = eip };
	uint32_t cur = eip;
	bool tracked = true, second_page = false;

	*flushed = false;
	ir_builder_reset(ir);
	for (;;) {
		uint8_t code[X86_MAX_INSN_LEN];
		uint64_t phys;
		const uint8_t *host;
		uint32_t lin = cs_base + cur;
		unsigned got = mmu_fetch_code(&cpu->mmu, lin, code, sizeof(code), &phys, &host);
		/* Only the bytes within the CS limit can be fetched. */
		unsigned avail = got;
		if (cur > tr.cs_limit)
			avail = 0;
		else if ((uint64_t)tr.cs_limit - cur + 1 < avail)
			avail = tr.cs_limit - cur + 1;
		struct insn in;
		int len = x86_decode(code, avail, tr.code32 ? 32 : 16, &in);
		bool past_limit = len == X86_DECODE_SHORT && avail < got;

		if (past_limit && ir->nr_insns > 0) {
			/* It runs past the CS limit: it faults, alone in its
			 * block (below). */
			tr_end_before(ir, cur);
			break;
		}
		if (len == X86_DECODE_SHORT && got < sizeof(code) && !past_limit) {
			/* Runs into a page that cannot be fetched: end the
			 * block before it; run alone, it faults there (the
			 * caller raises the #PF of that fetch). */
			if (ir->nr_insns > 0) {
				tr_end_before(ir, cur);
				break;
			}
			ir->fetch_fault = true;
			ir->fetch_fault_lin = lin + got;
			return NULL;
		}
		ir_begin_insn(ir, cur);
		if (ir->nr_insns == 1) {
			proto.phys = phys;
			proto.page[0] = phys & ~(uint64_t)(MMU_PAGE_SIZE - 1);
			tracked = host != NULL;
		}
		tr.eip = cur;
		tr.end = false;
		tr.stored = false;
		if (len < 0) {
			ir->insns[ir->nr_insns - 1].len = 0;
			if (past_limit) {
				/* #GP(0) (SDM vol. 3, 5.3: an instruction
				 * fetch beyond the CS limit). It holds while
				 * the limit stays this low. */
				raise_exc(&tr, EXC_GP, true, 0);
				cs_limit_hi = tr.cs_limit;
			} else if (len == X86_DECODE_TOO_LONG) {
				raise_exc(&tr, EXC_GP, true, 0);
			} else {
				raise_exc(&tr, EXC_UD, false, 0);
			}
			break;
		}
		ir->insns[ir->nr_insns - 1].len = (uint8_t)len;
		if (cur + (uint32_t)len - 1 > tr.cs_limit_lo)
			tr.cs_limit_lo = cur + (uint32_t)len - 1;
		tr.in = &in;
		tr.next = cur + (uint32_t)len;
		if (!tr.code32)
			tr.next &= 0xffff;
		proto.guest_bytes += (uint32_t)len;
		uint32_t last_lin = lin + (uint32_t)len - 1;
		if (!tr_same_page(lin, last_lin)) {
			/* The last instruction runs into the next page. */
			proto.page[1] = mmu_translate_exec(&cpu->mmu, last_lin) & ~(uint64_t)(MMU_PAGE_SIZE - 1);
			second_page = proto.page[1] != proto.page[0];
		}
		tr_insn(&tr);
		proto.soft_int = in.op == X86_OP_INT || in.op == X86_OP_INT3 || in.op == X86_OP_INTO ||
				 in.op == X86_OP_INT1;
		proto.shadow_exit = in.op == X86_OP_STI ||
				    ((in.op == X86_OP_MOV || in.op == X86_OP_POP) && in.operand[0].kind == OPND_SREG &&
				     in.operand[0].reg == SEG_SS);
		if (tr.end)
			break;
		cur = tr.next;
		if (tr.recheck_exit) {
			proto.recheck_exit = true;
			tr_end_before(ir, cur);
			break;
		}
		if ((proto.mode & JIT_MODE_STEP) || !tr_same_page(start_lin, cs_base + cur) || ir->nr_insns >= JIT_MAX_INSNS ||
		    ir->nr_ops > IR_MAX_OPS - TR_OPS_PER_INSN) {
			tr_end_before(ir, cur);
			break;
		}
	}
	if (ir->overflow)
		return NULL;

	ir_remove_dead_flags(ir->ops, &ir->nr_ops);
	proto.nr_ops = (uint16_t)ir->nr_ops;
	proto.nr_insns = (uint16_t)ir->nr_insns;
	proto.cs_limit_lo = tr.cs_limit_lo;
	proto.cs_limit_hi = cs_limit_hi;
	proto.nr_pages = tracked ? (second_page ? 2 : 1) : 0;
	proto.tier1_tried = (proto.mode & JIT_MODE_STEP) != 0;   /* tier 0 only */
	for (int k = 0; k < ir->nr_exits; k++) {
		proto.exit_eip[k] = ir->exit_eip[k];
		proto.exit_retired[k] = ir->exit_retired[k];
	}
	return tr_commit(cpu, ir, &proto, flushed);
}
