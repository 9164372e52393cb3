/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gccjit.c — tier 1, first step (jit/gccjit.h): one libgccjit context per
 * block; each IR op becomes one construction with the semantics of its
 * tier-0 handler (jit/interp.c). Temporaries are uint32_t locals (t0 a
 * local set to 0, as the interpreter's t[0]); guest registers, the lazy
 * flags and the rest of struct soft_cpu are reached through the `cpu`
 * parameter at offsetof() offsets, so guest state is exact at every op, as
 * in tier 0. Everything but plain arithmetic, register moves, the fused
 * ALU ops, SMC checks and exits calls out-of-line C: the shared helpers
 * (jit_helpers[], soft_raise, soft_cpu_get/set_flags) directly through
 * function pointers, and the inline pieces tier 0 uses (jit/ops_inline.h:
 * TLB hit, limit check, conditions) through small wrappers below, which
 * set cpu->cur_op exactly where the interpreter does. The TLB hit is not
 * emitted inline yet (docs/jit.md).
 *
 * The compiled function returns 0 or 1 (left through that exit slot, EIP
 * and retired count updated), JIT_RET_IND (indirect branch, EIP set) or
 * JIT_RET_LEAVE (any other exit). It does not choose what to compile nor
 * compile in the background. */
#include "jit/gccjit.h"

#include <libgccjit.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/soft_cpu.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "jit/helpers.h"
#include "jit/interp.h"
#include "jit/ir.h"
#include "jit/ops_inline.h"

#define JIT_RET_LEAVE (-1)
#define JIT_RET_IND 2

struct native_code {
	struct jit_block *block;
	gcc_jit_result *result;
};

struct jit_native {
	int opt_level;
	struct native_code *code;
	size_t nr_code, cap_code;
	struct jit_native_stats stats;
};

/* ---- out-of-line wrappers of the shared inline pieces ---- */

static uint32_t glue_load8(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin)
{
	return interp_load(cpu, op, lin, 1);
}
static uint32_t glue_load16(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin)
{
	return interp_load(cpu, op, lin, 2);
}
static uint32_t glue_load32(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin)
{
	return interp_load(cpu, op, lin, 4);
}
static int glue_store8(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin, uint32_t v)
{
	return interp_store(cpu, op, lin, 1, v);
}
static int glue_store16(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin, uint32_t v)
{
	return interp_store(cpu, op, lin, 2, v);
}
static int glue_store32(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin, uint32_t v)
{
	return interp_store(cpu, op, lin, 4, v);
}
static uint32_t glue_ea(struct soft_cpu *cpu, const struct ir_op *op)
{
	return interp_ea(cpu, op, cpu->s.gpr);
}
static uint32_t glue_addseg(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a)
{
	const struct cpu_segment *sg = &cpu->s.seg[op->aux];
	if (__builtin_expect(!soft_seg_fits_last(sg, a, op->last), 0)) {
		cpu->cur_op = op;
		soft_seg_fault(cpu, op->aux);
	}
	return a + (uint32_t)sg->base;
}
static void glue_setseg_real(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a)
{
	cpu->s.seg[op->aux].selector = (uint16_t)a;
	cpu->s.seg[op->aux].base = (uint32_t)(uint16_t)a << 4;
}
static uint32_t glue_getsel(struct soft_cpu *cpu, const struct ir_op *op)
{
	return cpu->s.seg[op->aux].selector;
}
static uint32_t glue_cond(struct soft_cpu *cpu, const struct ir_op *op)
{
	return interp_condition(&cpu->cc, op->aux);
}
static uint32_t glue_carry(struct soft_cpu *cpu)
{
	return interp_carry(&cpu->cc);
}
static void glue_flags(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a, uint32_t b, uint32_t c,
		       uint32_t d)
{
	interp_set_flags(&cpu->cc, op, a, b, c, d);
}
static void glue_inc32(struct soft_cpu *cpu, const struct ir_op *op)
{
	struct lazy_flags *cc = &cpu->cc;
	uint32_t x = (uint32_t)cpu->s.gpr[op->aux], r = x + op->imm, carry = interp_carry(cc);
	cpu->s.gpr[op->aux] = r;
	cc->op = op->imm == 1 ? CC_OP_INC : CC_OP_DEC;
	cc->size = 4;
	cc->dst = r;
	cc->src = 1;
	cc->aux = x;
	cc->aux2 = carry;
}
static void glue_probew(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a)
{
	cpu->cur_op = op;
	mmu_probe_write(&cpu->mmu, a, op->size);
}
static uint32_t glue_in(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a)
{
	cpu->cur_op = op;
	return machine_io_read(cpu->m, (uint16_t)a, op->size);
}
static void glue_out(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a, uint32_t b)
{
	cpu->cur_op = op;
	machine_io_write(cpu->m, (uint16_t)a, op->size, b);
}
static void glue_raise(struct soft_cpu *cpu, const struct ir_op *op)
{
	cpu->cur_op = op;
	soft_raise(cpu, op->aux, op->size != 0, op->imm);
}
static void glue_chkip(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a)
{
	if (__builtin_expect(a > (uint32_t)cpu->s.seg[SEG_CS].limit, 0)) {
		cpu->cur_op = op;
		soft_raise(cpu, EXC_GP, true, 0);
	}
}

/* ---- the emitter ---- */

struct emit {
	gcc_jit_context *ctx;
	gcc_jit_function *fn;
	gcc_jit_block *cur;
	gcc_jit_rvalue *cpu;          /* uint8_t * */
	gcc_jit_type *u8, *u32, *u64, *i32, *intt, *boolt, *vptr, *voidt;
	gcc_jit_lvalue *t[IR_MAX_TEMPS];
	const struct jit_block *b;
	const struct ir_op *op;
	int nr_blocks, nr_locals;
};

static gcc_jit_rvalue *c32(struct emit *e, uint32_t v)
{
	return gcc_jit_context_new_rvalue_from_long(e->ctx, e->u32, (long)v);
}
static gcc_jit_rvalue *c64(struct emit *e, uint64_t v)
{
	return gcc_jit_context_new_rvalue_from_long(e->ctx, e->u64, (long)v);
}
static gcc_jit_rvalue *cint(struct emit *e, int v)
{
	return gcc_jit_context_new_rvalue_from_int(e->ctx, e->intt, v);
}
static gcc_jit_rvalue *cast(struct emit *e, gcc_jit_rvalue *v, gcc_jit_type *t)
{
	return gcc_jit_context_new_cast(e->ctx, NULL, v, t);
}

/* *(type *)((uint8_t *)cpu + off) */
static gcc_jit_lvalue *field(struct emit *e, size_t off, gcc_jit_type *type)
{
	gcc_jit_lvalue *byte = gcc_jit_context_new_array_access(e->ctx, NULL, e->cpu, c64(e, off));
	gcc_jit_rvalue *p = cast(e, gcc_jit_lvalue_get_address(byte, NULL), gcc_jit_type_get_pointer(type));
	return gcc_jit_rvalue_dereference(p, NULL);
}
static gcc_jit_lvalue *reg(struct emit *e, unsigned r)
{
	return field(e, offsetof(struct soft_cpu, s.gpr) + 8u * r, e->u64);
}
static gcc_jit_rvalue *reg32(struct emit *e, unsigned r)
{
	return cast(e, gcc_jit_lvalue_as_rvalue(reg(e, r)), e->u32);
}
/* A scratch local (names must be unique). */
static gcc_jit_lvalue *new_local(struct emit *e)
{
	char name[16];
	snprintf(name, sizeof(name), "v%d", e->nr_locals++);
	return gcc_jit_function_new_local(e->fn, NULL, e->u32, name);
}
static gcc_jit_lvalue *temp(struct emit *e, unsigned i)
{
	if (!e->t[i]) {
		char name[8];
		snprintf(name, sizeof(name), "t%u", i);
		e->t[i] = gcc_jit_function_new_local(e->fn, NULL, e->u32, name);
	}
	return e->t[i];
}
static gcc_jit_rvalue *T(struct emit *e, unsigned i)
{
	return gcc_jit_lvalue_as_rvalue(temp(e, i));
}
static void assign(struct emit *e, gcc_jit_lvalue *l, gcc_jit_rvalue *r)
{
	gcc_jit_block_add_assignment(e->cur, NULL, l, r);
}
static gcc_jit_rvalue *bin(struct emit *e, enum gcc_jit_binary_op o, gcc_jit_rvalue *a, gcc_jit_rvalue *b)
{
	return gcc_jit_context_new_binary_op(e->ctx, NULL, o, e->u32, a, b);
}
static gcc_jit_rvalue *cmp32(struct emit *e, enum gcc_jit_comparison c, gcc_jit_rvalue *a, gcc_jit_rvalue *b)
{
	return cast(e, gcc_jit_context_new_comparison(e->ctx, NULL, c, a, b), e->u32);
}
static gcc_jit_rvalue *ptr(struct emit *e, const void *p)
{
	return gcc_jit_context_new_rvalue_from_ptr(e->ctx, e->vptr, (void *)p);
}
static gcc_jit_rvalue *opptr(struct emit *e)
{
	return ptr(e, e->op);
}

/* A call of C function fn (returning ret, taking `n` arguments of the
 * types given by the arguments themselves) through a pointer. */
static gcc_jit_rvalue *call(struct emit *e, gcc_jit_type *ret, void *fn, int n, gcc_jit_rvalue **args)
{
	gcc_jit_type *types[8];
	for (int i = 0; i < n; i++)
		types[i] = gcc_jit_rvalue_get_type(args[i]);
	gcc_jit_type *fty = gcc_jit_context_new_function_ptr_type(e->ctx, NULL, ret, n, types, 0);
	gcc_jit_rvalue *f = gcc_jit_context_new_rvalue_from_ptr(e->ctx, fty, fn);
	return gcc_jit_context_new_call_through_ptr(e->ctx, NULL, f, n, args);
}
static void eval(struct emit *e, gcc_jit_rvalue *r)
{
	gcc_jit_block_add_eval(e->cur, NULL, r);
}
static gcc_jit_rvalue *cpu_arg(struct emit *e)
{
	return cast(e, e->cpu, e->vptr);
}

static gcc_jit_block *new_block(struct emit *e)
{
	char name[16];
	snprintf(name, sizeof(name), "b%d", e->nr_blocks++);
	return gcc_jit_function_new_block(e->fn, name);
}

#define CPU_FIELD(member, type) field(e, offsetof(struct soft_cpu, member), (type))

static void add_retired(struct emit *e, uint32_t n)
{
	gcc_jit_lvalue *r = CPU_FIELD(retired, e->u64);
	assign(e, r, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_PLUS, e->u64,
						   gcc_jit_lvalue_as_rvalue(r), c64(e, n)));
}
static void set_rip(struct emit *e, gcc_jit_rvalue *eip32)
{
	assign(e, CPU_FIELD(s.rip, e->u64), cast(e, eip32, e->u64));
}
static void ret(struct emit *e, int v)
{
	gcc_jit_block_end_with_return(e->cur, NULL, cint(e, v));
}

/* exit through slot s (EXIT_JMP, and both sides of BRANCH/JCC) */
static void exit_slot(struct emit *e, int s)
{
	set_rip(e, c32(e, e->b->exit_eip[s]));
	add_retired(e, e->b->exit_retired[s]);
	ret(e, s);
}
/* if (cond) { slot 0 } else { slot 1 } */
static void exit_cond(struct emit *e, gcc_jit_rvalue *cond32)
{
	gcc_jit_block *yes = new_block(e), *no = new_block(e);
	gcc_jit_block_end_with_conditional(e->cur, NULL,
					   gcc_jit_context_new_comparison(e->ctx, NULL, GCC_JIT_COMPARISON_NE,
									  cond32, c32(e, 0)),
					   yes, no);
	e->cur = yes;
	exit_slot(e, 0);
	e->cur = no;
	exit_slot(e, 1);
}
/* The SMC exit after instruction op->insn (EIP already set). */
static void smc_exit(struct emit *e)
{
	assign(e, CPU_FIELD(mmu.code_written, e->boolt), gcc_jit_context_zero(e->ctx, e->boolt));
	gcc_jit_lvalue *n = CPU_FIELD(stats.smc_exits, e->u64);
	assign(e, n, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_PLUS, e->u64,
						   gcc_jit_lvalue_as_rvalue(n), c64(e, 1)));
	add_retired(e, e->op->insn + 1u);
	ret(e, JIT_RET_LEAVE);
}
/* if (cond) { EIP = eip; SMC exit } */
static void smc_exit_if(struct emit *e, gcc_jit_rvalue *cond_bool, uint32_t eip)
{
	gcc_jit_block *yes = new_block(e), *no = new_block(e);
	gcc_jit_block_end_with_conditional(e->cur, NULL, cond_bool, yes, no);
	e->cur = yes;
	set_rip(e, c32(e, eip));
	smc_exit(e);
	e->cur = no;
}

static void set_cc(struct emit *e, int ccop, gcc_jit_rvalue *dst, gcc_jit_rvalue *src, gcc_jit_rvalue *aux)
{
	assign(e, CPU_FIELD(cc.op, e->u8), gcc_jit_context_new_rvalue_from_int(e->ctx, e->u8, ccop));
	assign(e, CPU_FIELD(cc.size, e->u8), gcc_jit_context_new_rvalue_from_int(e->ctx, e->u8, 4));
	assign(e, CPU_FIELD(cc.dst, e->u32), dst);
	if (src)
		assign(e, CPU_FIELD(cc.src, e->u32), src);
	if (aux)
		assign(e, CPU_FIELD(cc.aux, e->u32), aux);
}

/* The fused 32-bit ALU ops: x = reg[aux], y = reg[b] or imm. */
static bool emit_alu32(struct emit *e)
{
	const struct ir_op *op = e->op;
	enum gcc_jit_binary_op bo;
	int ccop;
	bool ri, nf = false, store = true;
	switch (op->opc) {
#define ALU(NAME, BO, CC) \
	case IR_##NAME##32RR: bo = BO; ccop = CC; ri = false; break; \
	case IR_##NAME##32RI: bo = BO; ccop = CC; ri = true; break; \
	case IR_##NAME##32RR_NF: bo = BO; ccop = CC; ri = false; nf = true; break; \
	case IR_##NAME##32RI_NF: bo = BO; ccop = CC; ri = true; nf = true; break;
	ALU(ADD, GCC_JIT_BINARY_OP_PLUS, CC_OP_ADD)
	ALU(SUB, GCC_JIT_BINARY_OP_MINUS, CC_OP_SUB)
	ALU(AND, GCC_JIT_BINARY_OP_BITWISE_AND, CC_OP_LOGIC)
	ALU(OR, GCC_JIT_BINARY_OP_BITWISE_OR, CC_OP_LOGIC)
	ALU(XOR, GCC_JIT_BINARY_OP_BITWISE_XOR, CC_OP_LOGIC)
#undef ALU
	case IR_CMP32RR: bo = GCC_JIT_BINARY_OP_MINUS; ccop = CC_OP_SUB; ri = false; store = false; break;
	case IR_CMP32RI: bo = GCC_JIT_BINARY_OP_MINUS; ccop = CC_OP_SUB; ri = true; store = false; break;
	case IR_TEST32RR: bo = GCC_JIT_BINARY_OP_BITWISE_AND; ccop = CC_OP_LOGIC; ri = false; store = false; break;
	case IR_TEST32RI: bo = GCC_JIT_BINARY_OP_BITWISE_AND; ccop = CC_OP_LOGIC; ri = true; store = false; break;
	default:
		return false;
	}
	/* x and y are read before anything is written (reg[aux] may be reg[b]) */
	gcc_jit_lvalue *x = new_local(e);
	gcc_jit_lvalue *y = new_local(e);
	gcc_jit_lvalue *r = new_local(e);
	assign(e, x, reg32(e, op->aux));
	assign(e, y, ri ? c32(e, op->imm) : reg32(e, op->b));
	assign(e, r, bin(e, bo, gcc_jit_lvalue_as_rvalue(x), gcc_jit_lvalue_as_rvalue(y)));
	if (store)
		assign(e, reg(e, op->aux), cast(e, gcc_jit_lvalue_as_rvalue(r), e->u64));
	if (nf)
		return true;
	if (ccop == CC_OP_LOGIC)
		set_cc(e, ccop, gcc_jit_lvalue_as_rvalue(r), NULL, NULL);
	else
		set_cc(e, ccop, gcc_jit_lvalue_as_rvalue(r), gcc_jit_lvalue_as_rvalue(y),
		       gcc_jit_lvalue_as_rvalue(x));
	return true;
}

/* Emits e->op; false when it is not supported. Sets *done after an op
 * that ends the path (an exit). */
static bool emit_op(struct emit *e, bool *done)
{
	const struct ir_op *op = e->op;
	const struct jit_block *b = e->b;
	gcc_jit_rvalue *args[6];
	*done = false;
#define D temp(e, op->d)
#define A T(e, op->a)
#define B T(e, op->b)
#define C T(e, op->c)
#define BIN(o, x, y) assign(e, D, bin(e, (o), (x), (y)))
	switch (op->opc) {
	case IR_MOVI: assign(e, D, c32(e, op->imm)); return true;
	case IR_MOV: assign(e, D, A); return true;
	case IR_GET8L: assign(e, D, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, reg32(e, op->aux), c32(e, 0xff))); return true;
	case IR_GET8H:
		assign(e, D, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND,
				 bin(e, GCC_JIT_BINARY_OP_RSHIFT, reg32(e, op->aux), c32(e, 8)), c32(e, 0xff)));
		return true;
	case IR_GET16: assign(e, D, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, reg32(e, op->aux), c32(e, 0xffff))); return true;
	case IR_GET32: assign(e, D, reg32(e, op->aux)); return true;
	case IR_PUT8L: case IR_PUT8H: case IR_PUT16: {
		uint64_t mask = op->opc == IR_PUT16 ? 0xffff : 0xff;
		unsigned shift = op->opc == IR_PUT8H ? 8 : 0;
		gcc_jit_lvalue *r = reg(e, op->aux);
		gcc_jit_rvalue *v = gcc_jit_context_new_binary_op(
			e->ctx, NULL, GCC_JIT_BINARY_OP_LSHIFT, e->u64,
			gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_BITWISE_AND, e->u64,
						      cast(e, A, e->u64), c64(e, mask)),
			c64(e, shift));
		gcc_jit_rvalue *kept = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_BITWISE_AND,
								     e->u64, gcc_jit_lvalue_as_rvalue(r),
								     c64(e, ~(mask << shift)));
		assign(e, r, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_BITWISE_OR, e->u64,
							   kept, v));
		return true;
	}
	case IR_PUT32: assign(e, reg(e, op->aux), cast(e, A, e->u64)); return true;
	case IR_GETSEL:
		args[0] = cpu_arg(e); args[1] = opptr(e);
		assign(e, D, call(e, e->u32, (void *)glue_getsel, 2, args));
		return true;
	case IR_ADDSEG:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		assign(e, D, call(e, e->u32, (void *)glue_addseg, 3, args));
		return true;
	case IR_SETSEG_REAL:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		eval(e, call(e, e->voidt, (void *)glue_setseg_real, 3, args));
		return true;
	case IR_EA: {
		if (op->aux != IR_NOREG) {
			args[0] = cpu_arg(e); args[1] = opptr(e);
			assign(e, D, call(e, e->u32, (void *)glue_ea, 2, args));
			return true;
		}
		gcc_jit_rvalue *ea = c32(e, op->imm);
		if (op->a != IR_NOREG)
			ea = bin(e, GCC_JIT_BINARY_OP_PLUS, ea, reg32(e, op->a));
		if (op->b != IR_NOREG)
			ea = bin(e, GCC_JIT_BINARY_OP_PLUS, ea,
				 bin(e, GCC_JIT_BINARY_OP_LSHIFT, reg32(e, op->b), c32(e, op->size)));
		if (op->c)
			ea = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, ea, c32(e, 0xffff));
		assign(e, D, ea);
		return true;
	}
	case IR_ADD: BIN(GCC_JIT_BINARY_OP_PLUS, A, B); return true;
	case IR_ADDI: BIN(GCC_JIT_BINARY_OP_PLUS, A, c32(e, op->imm)); return true;
	case IR_SUB: BIN(GCC_JIT_BINARY_OP_MINUS, A, B); return true;
	case IR_AND: BIN(GCC_JIT_BINARY_OP_BITWISE_AND, A, B); return true;
	case IR_ANDI: BIN(GCC_JIT_BINARY_OP_BITWISE_AND, A, c32(e, op->imm)); return true;
	case IR_OR: BIN(GCC_JIT_BINARY_OP_BITWISE_OR, A, B); return true;
	case IR_XOR: BIN(GCC_JIT_BINARY_OP_BITWISE_XOR, A, B); return true;
	case IR_SHL: BIN(GCC_JIT_BINARY_OP_LSHIFT, A, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, B, c32(e, 31))); return true;
	case IR_SHR: BIN(GCC_JIT_BINARY_OP_RSHIFT, A, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, B, c32(e, 31))); return true;
	case IR_SAR:
		assign(e, D, cast(e, gcc_jit_context_new_binary_op(
					     e->ctx, NULL, GCC_JIT_BINARY_OP_RSHIFT, e->i32, cast(e, A, e->i32),
					     cast(e, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, B, c32(e, 31)), e->i32)),
				  e->u32));
		return true;
	case IR_MUL: BIN(GCC_JIT_BINARY_OP_MULT, A, B); return true;
	case IR_NOT:
		assign(e, D, gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_BITWISE_NEGATE, e->u32, A));
		return true;
	case IR_NEG:
		assign(e, D, gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_MINUS, e->u32, A));
		return true;
	case IR_SEXT8: case IR_SEXT16: {
		gcc_jit_type *narrow = gcc_jit_context_get_int_type(e->ctx, op->opc == IR_SEXT8 ? 1 : 2, 1);
		assign(e, D, cast(e, cast(e, cast(e, A, narrow), e->i32), e->u32));
		return true;
	}
	case IR_BSWAP: {
		gcc_jit_rvalue *a = A;
		gcc_jit_rvalue *r = bin(e, GCC_JIT_BINARY_OP_LSHIFT, a, c32(e, 24));
		r = bin(e, GCC_JIT_BINARY_OP_BITWISE_OR, r,
			bin(e, GCC_JIT_BINARY_OP_LSHIFT, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, a, c32(e, 0xff00)), c32(e, 8)));
		r = bin(e, GCC_JIT_BINARY_OP_BITWISE_OR, r,
			bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, bin(e, GCC_JIT_BINARY_OP_RSHIFT, a, c32(e, 8)), c32(e, 0xff00)));
		r = bin(e, GCC_JIT_BINARY_OP_BITWISE_OR, r, bin(e, GCC_JIT_BINARY_OP_RSHIFT, a, c32(e, 24)));
		assign(e, D, r);
		return true;
	}
	case IR_EQ: assign(e, D, cmp32(e, GCC_JIT_COMPARISON_EQ, A, B)); return true;
	case IR_NEZ: assign(e, D, cmp32(e, GCC_JIT_COMPARISON_NE, A, c32(e, 0))); return true;
	case IR_SELECT: {
		/* t[d] = t[c] ? t[a] : t[b], through a local: d may be a, b or c */
		gcc_jit_lvalue *v = new_local(e);
		gcc_jit_block *yes = new_block(e), *no = new_block(e), *join = new_block(e);
		gcc_jit_block_end_with_conditional(e->cur, NULL,
						   gcc_jit_context_new_comparison(e->ctx, NULL, GCC_JIT_COMPARISON_NE,
										  C, c32(e, 0)),
						   yes, no);
		gcc_jit_block_add_assignment(yes, NULL, v, A);
		gcc_jit_block_end_with_jump(yes, NULL, join);
		gcc_jit_block_add_assignment(no, NULL, v, B);
		gcc_jit_block_end_with_jump(no, NULL, join);
		e->cur = join;
		assign(e, D, gcc_jit_lvalue_as_rvalue(v));
		return true;
	}
	case IR_COND:
		args[0] = cpu_arg(e); args[1] = opptr(e);
		assign(e, D, call(e, e->u32, (void *)glue_cond, 2, args));
		return true;
	case IR_CARRY:
		args[0] = cpu_arg(e);
		assign(e, D, call(e, e->u32, (void *)glue_carry, 1, args));
		return true;
	case IR_FLAGS:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A; args[3] = B; args[4] = C; args[5] = T(e, op->d);
		eval(e, call(e, e->voidt, (void *)glue_flags, 6, args));
		return true;
	case IR_GETFLAGS:
		args[0] = cpu_arg(e);
		assign(e, D, call(e, e->u32, (void *)soft_cpu_get_flags, 1, args));
		return true;
	case IR_SETFLAGS:
		args[0] = cpu_arg(e); args[1] = A; args[2] = c32(e, op->imm);
		eval(e, call(e, e->voidt, (void *)soft_cpu_set_flags, 3, args));
		return true;
	case IR_LD8: case IR_LD16: case IR_LD32: {
		void *fn = op->opc == IR_LD8 ? (void *)glue_load8 : op->opc == IR_LD16 ? (void *)glue_load16
										      : (void *)glue_load32;
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		assign(e, D, call(e, e->u32, fn, 3, args));
		return true;
	}
	case IR_ST8: case IR_ST16: case IR_ST32: {
		void *fn = op->opc == IR_ST8 ? (void *)glue_store8 : op->opc == IR_ST16 ? (void *)glue_store16
											: (void *)glue_store32;
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A; args[3] = B;
		eval(e, call(e, e->intt, fn, 4, args));
		return true;
	}
	case IR_PROBEW:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		eval(e, call(e, e->voidt, (void *)glue_probew, 3, args));
		return true;
	case IR_IN:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		assign(e, D, call(e, e->u32, (void *)glue_in, 3, args));
		return true;
	case IR_OUT:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A; args[3] = B;
		eval(e, call(e, e->voidt, (void *)glue_out, 4, args));
		return true;
	case IR_HELPER:
		if (op->aux >= JIT_NR_HELPERS)
			return false;
		assign(e, CPU_FIELD(cur_op, e->vptr), opptr(e));
		args[0] = cpu_arg(e); args[1] = c32(e, op->imm); args[2] = A; args[3] = B; args[4] = C;
		assign(e, D, call(e, e->u32, (void *)jit_helpers[op->aux].fn, 5, args));
		return true;
	case IR_RAISE:
		args[0] = cpu_arg(e); args[1] = opptr(e);
		eval(e, call(e, e->voidt, (void *)glue_raise, 2, args));
		ret(e, JIT_RET_LEAVE);   /* not reached */
		*done = true;
		return true;
	case IR_CHKIP:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		eval(e, call(e, e->voidt, (void *)glue_chkip, 3, args));
		return true;
	case IR_SMCCHK:
		smc_exit_if(e, gcc_jit_lvalue_as_rvalue(CPU_FIELD(mmu.code_written, e->boolt)), op->imm);
		return true;
	case IR_MOV32RR: assign(e, reg(e, op->aux), cast(e, reg32(e, op->b), e->u64)); return true;
	case IR_MOV32RI: assign(e, reg(e, op->aux), c64(e, op->imm)); return true;
	case IR_INC32R:
		args[0] = cpu_arg(e); args[1] = opptr(e);
		eval(e, call(e, e->voidt, (void *)glue_inc32, 2, args));
		return true;
	case IR_LD32R: case IR_LDZX8R: case IR_LDZX16R: {
		void *fn = op->opc == IR_LDZX8R ? (void *)glue_load8 : op->opc == IR_LDZX16R ? (void *)glue_load16
											   : (void *)glue_load32;
		gcc_jit_lvalue *lin = new_local(e);
		args[0] = cpu_arg(e); args[1] = opptr(e);
		assign(e, lin, call(e, e->u32, (void *)glue_ea, 2, args));
		args[2] = gcc_jit_lvalue_as_rvalue(lin);
		assign(e, reg(e, op->d), cast(e, call(e, e->u32, fn, 3, args), e->u64));
		return true;
	}
	case IR_ST32R: case IR_ST8R: {
		gcc_jit_lvalue *lin = new_local(e);
		args[0] = cpu_arg(e); args[1] = opptr(e);
		assign(e, lin, call(e, e->u32, (void *)glue_ea, 2, args));
		gcc_jit_rvalue *v;
		if (op->opc == IR_ST32R)
			v = reg32(e, op->d);
		else if (op->d < 4)
			v = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, reg32(e, op->d), c32(e, 0xff));
		else
			v = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND,
				bin(e, GCC_JIT_BINARY_OP_RSHIFT, reg32(e, op->d & 3), c32(e, 8)), c32(e, 0xff));
		args[2] = gcc_jit_lvalue_as_rvalue(lin);
		args[3] = v;
		gcc_jit_rvalue *hit = call(e, e->intt, op->opc == IR_ST32R ? (void *)glue_store32 : (void *)glue_store8,
					   4, args);
		uint32_t next = b->insns[op->insn].eip + b->insns[op->insn].len;
		if (!(b->mode & JIT_MODE_CS32))
			next &= 0xffff;
		smc_exit_if(e, gcc_jit_context_new_comparison(e->ctx, NULL, GCC_JIT_COMPARISON_NE, hit, cint(e, 0)),
			    next);
		return true;
	}
	case IR_EXIT_JMP:
		if (op->imm > 1)
			return false;
		exit_slot(e, (int)op->imm);
		*done = true;
		return true;
	case IR_BRANCH:
		exit_cond(e, A);
		*done = true;
		return true;
	case IR_JCC:
		args[0] = cpu_arg(e); args[1] = opptr(e);
		exit_cond(e, call(e, e->u32, (void *)glue_cond, 2, args));
		*done = true;
		return true;
	case IR_EXIT_IND: case IR_EXIT_DYN:
		set_rip(e, A);
		add_retired(e, op->insn + 1u);
		ret(e, op->opc == IR_EXIT_IND ? JIT_RET_IND : JIT_RET_LEAVE);
		*done = true;
		return true;
	case IR_EXIT_STATE:
		add_retired(e, op->insn + 1u);
		ret(e, JIT_RET_LEAVE);
		*done = true;
		return true;
	case IR_EXIT_HLT:
		set_rip(e, c32(e, op->imm));
		add_retired(e, op->insn + 1u);
		assign(e, CPU_FIELD(halted, e->boolt), gcc_jit_context_one(e->ctx, e->boolt));
		ret(e, JIT_RET_LEAVE);
		*done = true;
		return true;
	default:
		return emit_alu32(e);
	}
#undef D
#undef A
#undef B
#undef C
#undef BIN
}

/* ---- LeakSanitizer ----
 * libgccjit (GCC's own allocations, its option and diagnostic state) never
 * frees some of what it allocates per context or per process; those are
 * not leaks of morpheus. With --enable-sanitizers, LeakSanitizer reads
 * this function (a weak hook of its runtime) and ignores allocations made
 * inside libgccjit, without listing them at exit. Only in ASan builds. */
#ifdef __SANITIZE_ADDRESS__
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgccjit.so\n";
}
/* ... without listing them at exit */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

/* ---- compile, release, run ---- */

struct jit_native *jit_native_create(int opt_level)
{
	struct jit_native *n = calloc(1, sizeof(*n));
	if (n)
		n->opt_level = opt_level;
	return n;
}

void jit_native_drop_all(struct jit_native *n)
{
	for (size_t i = 0; i < n->nr_code; i++)
		gcc_jit_result_release(n->code[i].result);
	n->stats.released += n->nr_code;
	n->nr_code = 0;
}

void jit_native_destroy(struct jit_native *n)
{
	if (!n)
		return;
	jit_native_drop_all(n);
	free(n->code);
	free(n);
}

void jit_native_sweep(struct jit_native *n)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nr_code; i++) {
		struct native_code *c = &n->code[i];
		if (c->block->valid) {
			n->code[k++] = *c;
			continue;
		}
		c->block->native = NULL;
		gcc_jit_result_release(c->result);
		n->stats.released++;
	}
	n->nr_code = k;
}

static void native_set_error(struct jit_native *n, const char *msg)
{
	if (!n->stats.first_error[0])
		snprintf(n->stats.first_error, sizeof(n->stats.first_error), "%s", msg ? msg : "unknown error");
}

bool jit_native_compile(struct jit_native *n, struct jit_block *b)
{
	b->tier1_tried = true;
	if (n->nr_code == n->cap_code) {
		size_t cap = n->cap_code ? 2 * n->cap_code : 64;
		struct native_code *c = realloc(n->code, cap * sizeof(*c));
		if (!c) {
			n->stats.failed++;
			native_set_error(n, "out of memory");
			return false;
		}
		n->code = c;
		n->cap_code = cap;
	}
	uint64_t start = host_time_ns();
	struct emit e = { .b = b };
	e.ctx = gcc_jit_context_acquire();
	if (!e.ctx) {
		n->stats.failed++;
		native_set_error(n, "gcc_jit_context_acquire failed");
		return false;
	}
	gcc_jit_context_set_int_option(e.ctx, GCC_JIT_INT_OPTION_OPTIMIZATION_LEVEL, n->opt_level);
	gcc_jit_context_set_bool_print_errors_to_stderr(e.ctx, 0);
	gcc_jit_context_set_bool_allow_unreachable_blocks(e.ctx, 1);
	e.u8 = gcc_jit_context_get_int_type(e.ctx, 1, 0);
	e.u32 = gcc_jit_context_get_int_type(e.ctx, 4, 0);
	e.u64 = gcc_jit_context_get_int_type(e.ctx, 8, 0);
	e.i32 = gcc_jit_context_get_int_type(e.ctx, 4, 1);
	e.intt = gcc_jit_context_get_type(e.ctx, GCC_JIT_TYPE_INT);
	e.boolt = gcc_jit_context_get_type(e.ctx, GCC_JIT_TYPE_BOOL);
	e.vptr = gcc_jit_context_get_type(e.ctx, GCC_JIT_TYPE_VOID_PTR);
	e.voidt = gcc_jit_context_get_type(e.ctx, GCC_JIT_TYPE_VOID);
	gcc_jit_param *param = gcc_jit_context_new_param(e.ctx, NULL, gcc_jit_type_get_pointer(e.u8), "cpu");
	e.fn = gcc_jit_context_new_function(e.ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e.intt, "block", 1, &param, 0);
	e.cpu = gcc_jit_param_as_rvalue(param);
	e.cur = new_block(&e);
	assign(&e, temp(&e, 0), c32(&e, 0));

	bool ok = true, done = false;
	for (unsigned i = 0; i < b->nr_ops && !done; i++) {
		e.op = &b->ops[i];
		if (!emit_op(&e, &done)) {
			ok = false;
			if (!n->stats.first_unsupported)
				n->stats.first_unsupported = ir_opcode_name(b->ops[i].opc);
			break;
		}
	}
	if (ok && !done) {   /* no exit at the end: not a valid block */
		ok = false;
		if (!n->stats.first_unsupported)
			n->stats.first_unsupported = "(no exit)";
	}
	if (!ok) {
		n->stats.unsupported++;
		gcc_jit_context_release(e.ctx);
		return false;
	}
	gcc_jit_result *res = gcc_jit_context_compile(e.ctx);
	void *fn = res ? gcc_jit_result_get_code(res, "block") : NULL;
	if (!fn) {
		n->stats.failed++;
		n->stats.compile_ns += host_time_ns() - start;
		native_set_error(n, gcc_jit_context_get_first_error(e.ctx));
		if (res)
			gcc_jit_result_release(res);
		gcc_jit_context_release(e.ctx);
		return false;
	}
	gcc_jit_context_release(e.ctx);
	n->stats.compile_ns += host_time_ns() - start;
	n->stats.compiled++;
	n->code[n->nr_code++] = (struct native_code){ b, res };
	b->native = (int (*)(struct soft_cpu *))fn;
	return true;
}

void jit_native_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit)
{
	/* CS does not change inside a run (as in jit_interp_run). */
	const uint32_t cs_limit = (uint32_t)cpu->s.seg[SEG_CS].limit;
	for (;;) {
		if (__builtin_expect(cpu->trace_exec, 0))
			machine_trace(cpu->m, "exec", "block cs_base 0x%x eip 0x%x phys 0x%llx (%u instructions, tier 1)",
				      b->cs_base, b->eip, (unsigned long long)b->phys, b->nr_insns);
		cpu->cur_block = b;
		int r = b->native(cpu);
		struct jit_block *next = NULL;
		if (r == 0 || r == 1) {
			next = b->chain[r];
			if (!(next && next->valid && next->native && jit_block_fits_cs(next, cs_limit))) {
				exit->from = b;
				exit->slot = r;
				return;
			}
		} else if (r == JIT_RET_IND) {
			uint32_t eip = (uint32_t)cpu->s.rip;
			next = cpu->jmp_cache[soft_jmp_hash(b->cs_base + eip)];
			if (!(next && next->eip == eip && next->cs_base == b->cs_base && next->mode == b->mode &&
			      next->valid && next->native && jit_block_fits_cs(next, cs_limit)))
				next = NULL;
		}
		if (!next || atomic_load_explicit(&cpu->exit_request, memory_order_relaxed)) {
			exit->from = b;
			exit->slot = (r == 0 || r == 1) ? r : -1;
			return;
		}
		b = next;
	}
}

void jit_native_get_stats(const struct jit_native *n, struct jit_native_stats *st)
{
	*st = n->stats;
}
