/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gccjit.c — tier 1's backend (jit/gccjit.h): a batch of blocks becomes one
 * libgccjit function `int region(cpu, entry)`, a switch on `entry` to the
 * label of each block; each IR op becomes one construction with the
 * semantics of its tier-0 handler (jit/interp.c).
 *
 * - Temporaries are uint32_t locals (t0 a local set to 0, as the
 *   interpreter's t[0]). Guest registers are uint32_t locals too, loaded
 *   at entry and reloaded after helpers that may change them; every
 *   register write also goes to struct soft_cpu (write-through).
 * - The lazy-flags record is pending in the op's locals, then in the
 *   region's record locals, and reaches struct soft_cpu only before calls
 *   out and at returns (section "flags"); so does the retired count. A
 *   condition after an ADD/SUB/CMP/logic/INC/DEC of the same block is
 *   computed from that op's operands.
 * - Loads and stores emit the segment check and the TLB hit inline (no
 *   base or limit loads for JIT_MODE_FLAT's segments); misses,
 *   page-crossing accesses and MMIO call the shared slow path with cur_op
 *   set, as tier 0 does. Every call out that may fault stores cur_block,
 *   the record and the retired count first, so an exception leaves the
 *   state before the faulting instruction, as in tier 0.
 * - A static exit to a block of the same region (same CS base and mode) is
 *   a direct jump; an indirect one goes through the region's hub (a
 *   switch on EIP); the rest return JIT_NATIVE_RET(i, kind) through a
 *   shared epilogue.
 * Everything else calls out-of-line C: the shared helpers (jit_helpers[])
 * and the wrappers below of the pieces tier 0 inlines (jit/ops_inline.h). */
#include "jit/gccjit.h"

#include <dlfcn.h>
#include <libgccjit.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/alu.h"
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "jit/helpers.h"
#include "jit/interp.h"
#include "jit/ir.h"
#include "jit/ops_inline.h"

/* ---- batches ---- */

bool jit_batch_add(struct jit_batch *batch, struct jit_block *b)
{
	if (batch->nr == batch->cap) {
		unsigned cap = batch->cap ? 2 * batch->cap : 32;
		struct jit_block **o = realloc(batch->orig, cap * sizeof(*o));
		if (!o)
			return false;
		batch->orig = o;
		struct jit_block **c = realloc(batch->copy, cap * sizeof(*c));
		if (!c)
			return false;
		batch->copy = c;
		batch->cap = cap;
	}
	size_t ops = b->nr_ops * sizeof(struct ir_op), insns = b->nr_insns * sizeof(struct jit_insn_info);
	struct jit_block *c = malloc(sizeof(*c) + ops + insns);
	if (!c)
		return false;
	memcpy(c, b, sizeof(*c) + ops);
	c->insns = (struct jit_insn_info *)((char *)c->ops + ops);
	memcpy(c->insns, b->insns, insns);
	batch->orig[batch->nr] = b;
	batch->copy[batch->nr++] = c;
	return true;
}

void jit_batch_clear(struct jit_batch *batch)
{
	for (unsigned i = 0; i < batch->nr; i++)
		free(batch->copy[i]);
	batch->nr = 0;
}

bool jit_batch_has(const struct jit_batch *batch, const struct jit_block *b)
{
	for (unsigned i = 0; i < batch->nr; i++)
		if (batch->orig[i] == b)
			return true;
	return false;
}

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
static void glue_setseg_real(struct soft_cpu *cpu, const struct ir_op *op, uint32_t a)
{
	soft_segment_set_real(cpu, op->aux, (uint16_t)a);
}
static uint32_t glue_getsel(struct soft_cpu *cpu, const struct ir_op *op)
{
	return cpu->s.seg[op->aux].selector;
}
static uint32_t glue_cond(struct soft_cpu *cpu, const struct ir_op *op)
{
	return interp_condition(&cpu->cc, op->aux);
}
static struct lazy_flags glue_record(uint32_t opsize, uint32_t dst, uint32_t src, uint32_t aux, uint32_t aux2)
{
	struct lazy_flags f = {
		.op = (uint8_t)opsize, .size = (uint8_t)(opsize >> 8), .dst = dst, .src = src, .aux = aux, .aux2 = aux2,
	};
	return f;
}
static uint32_t glue_carry_of(uint32_t opsize, uint32_t dst, uint32_t src, uint32_t aux, uint32_t aux2)
{
	struct lazy_flags f = glue_record(opsize, dst, src, aux, aux2);
	return interp_carry(&f);
}
static uint32_t glue_flags_of(uint32_t opsize, uint32_t dst, uint32_t src, uint32_t aux, uint32_t aux2)
{
	struct lazy_flags f = glue_record(opsize, dst, src, aux, aux2);
	return flags_compute(&f);
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

static void glue_seg_fault(struct soft_cpu *cpu, const struct ir_op *op)
{
	cpu->cur_op = op;
	soft_seg_fault(cpu, op->aux);
}

/* ---- the emitter ---- */

_Static_assert(offsetof(struct lazy_flags, size) == offsetof(struct lazy_flags, op) + 1,
	       "flags_flush stores op and size as one 16-bit value");

struct emit {
	gcc_jit_context *ctx;
	gcc_jit_function *fn;
	gcc_jit_block *cur;
	gcc_jit_rvalue *cpu;          /* uint8_t * */
	gcc_jit_type *u8, *u16, *u32, *u64, *i32, *intt, *boolt, *vptr, *voidt;
	gcc_jit_type *u16_ua, *u32_ua;     /* unaligned, for guest memory */
	gcc_jit_type *vol_int, *vol_bool;  /* exit_request, jit_block.valid */
	gcc_jit_lvalue *t[IR_MAX_TEMPS];
	bool t_known[IR_MAX_TEMPS];   /* temporaries holding a known constant */
	uint32_t t_value[IR_MAX_TEMPS];
	gcc_jit_lvalue *r[8];         /* guest registers (low 32 bits) */
	gcc_jit_lvalue *retired;      /* not yet added to cpu->retired (uint64_t) */
	gcc_jit_lvalue *ret_code;     /* what the epilogues return */
	gcc_jit_block *epilogue_locals, *epilogue;
	/* indirect branches: a dispatch hub per CS base and mode (and
	 * linear page with paging: ind_hub), and its inputs */
	struct {
		uint32_t cs_base, mode, page;
		gcc_jit_block *entry;
	} hubs[16];
	int nr_hubs;
	gcc_jit_lvalue *ind_eip, *ind_from;
	/* the operands of the last flag-writing op of this block, while
	 * current: x, y (INC/DEC: the old CF, or NULL) and the result */
	int cc_kind;                  /* CC_OP_SUB, _ADD, _LOGIC, _INC, _DEC or -1 */
	unsigned cc_size;
	gcc_jit_lvalue *cc_x, *cc_y, *cc_r;
	/* What an SMCCHK must test: SMC_NONE, nothing since the block began
	 * or the last SMCCHK could have stored into translated code (a
	 * code_written still set from an earlier block means nothing for
	 * this one, whose validity was checked when it was entered);
	 * SMC_LOCAL, only slow-path stores, which set smc_flag; SMC_MEMORY,
	 * a call that may store: cpu->mmu.code_written. */
	enum { SMC_NONE, SMC_LOCAL, SMC_MEMORY } smc_state;
	gcc_jit_lvalue *smc_flag;
	/* the lazy-flags record (section "flags"): where it is, the op of
	 * this block whose record is pending, and the region's locals */
	enum { FL_PEND, FL_LOCALS, FL_BOTH, FL_MEMORY } fl;
	struct {
		int kind, prev;
		unsigned size;
		gcc_jit_lvalue *dst, *src, *aux, *aux2;
	} pend;
	struct {
		gcc_jit_lvalue *opsize, *dst, *src, *aux, *aux2;
	} L;
	const struct jit_batch *batch;
	const struct jit_compile_options *opt;
	gcc_jit_block **labels;       /* entry of each block of the batch, NULL if left out */
	unsigned region_index;        /* its index in the region */
	unsigned *region_of;          /* batch index -> region index */
	struct jit_block **region_blocks;   /* the region's block table (its address is known) */
	const struct jit_block *b;    /* its copy */
	const struct jit_block *orig; /* the original */
	const struct ir_op *op;       /* in the copy */
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
static gcc_jit_rvalue *rv(gcc_jit_lvalue *l)
{
	return gcc_jit_lvalue_as_rvalue(l);
}

/* *(type *)((uint8_t *)cpu + off) */
static gcc_jit_lvalue *field_at(struct emit *e, gcc_jit_rvalue *off, gcc_jit_type *type)
{
	gcc_jit_lvalue *byte = gcc_jit_context_new_array_access(e->ctx, NULL, e->cpu, off);
	gcc_jit_rvalue *p = cast(e, gcc_jit_lvalue_get_address(byte, NULL), gcc_jit_type_get_pointer(type));
	return gcc_jit_rvalue_dereference(p, NULL);
}
static gcc_jit_lvalue *field(struct emit *e, size_t off, gcc_jit_type *type)
{
	return field_at(e, c64(e, off), type);
}
#define CPU_FIELD(member, type) field(e, offsetof(struct soft_cpu, member), (type))

/* A scratch local (names must be unique). */
static gcc_jit_lvalue *new_local_of(struct emit *e, gcc_jit_type *type)
{
	char name[16];
	snprintf(name, sizeof(name), "v%d", e->nr_locals++);
	return gcc_jit_function_new_local(e->fn, NULL, type, name);
}
static gcc_jit_lvalue *new_local(struct emit *e)
{
	return new_local_of(e, e->u32);
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
	return rv(temp(e, i));
}
static void assign(struct emit *e, gcc_jit_lvalue *l, gcc_jit_rvalue *r)
{
	gcc_jit_block_add_assignment(e->cur, NULL, l, r);
}
static gcc_jit_rvalue *bin(struct emit *e, enum gcc_jit_binary_op o, gcc_jit_rvalue *a, gcc_jit_rvalue *b)
{
	return gcc_jit_context_new_binary_op(e->ctx, NULL, o, e->u32, a, b);
}
static gcc_jit_rvalue *bin64(struct emit *e, enum gcc_jit_binary_op o, gcc_jit_rvalue *a, gcc_jit_rvalue *b)
{
	return gcc_jit_context_new_binary_op(e->ctx, NULL, o, e->u64, a, b);
}
static gcc_jit_rvalue *cmp(struct emit *e, enum gcc_jit_comparison c, gcc_jit_rvalue *a, gcc_jit_rvalue *b)
{
	return gcc_jit_context_new_comparison(e->ctx, NULL, c, a, b);
}
static gcc_jit_rvalue *cmp32(struct emit *e, enum gcc_jit_comparison c, gcc_jit_rvalue *a, gcc_jit_rvalue *b)
{
	return cast(e, cmp(e, c, a, b), e->u32);
}
static gcc_jit_rvalue *signed32(struct emit *e, gcc_jit_rvalue *v)
{
	return cast(e, v, e->i32);
}
static gcc_jit_rvalue *ptr(struct emit *e, const void *p)
{
	return gcc_jit_context_new_rvalue_from_ptr(e->ctx, e->vptr, (void *)p);
}
/* The current op's address in the original block (cur_op, helpers). */
static gcc_jit_rvalue *opptr(struct emit *e)
{
	return ptr(e, e->orig->ops + (e->op - e->b->ops));
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
/* if (cond) { ...yes... } continues in the "no" block; returns "yes". */
static gcc_jit_block *branch_if(struct emit *e, gcc_jit_rvalue *cond_bool, gcc_jit_block **no)
{
	gcc_jit_block *yes = new_block(e);
	*no = new_block(e);
	gcc_jit_block_end_with_conditional(e->cur, NULL, cond_bool, yes, *no);
	return yes;
}

/* ---- guest registers in locals ---- */

static gcc_jit_lvalue *gpr_mem(struct emit *e, unsigned r)
{
	return field(e, offsetof(struct soft_cpu, s.gpr) + 8u * r, e->u64);
}
static gcc_jit_rvalue *reg32(struct emit *e, unsigned r)
{
	return rv(e->r[r & 7]);
}
/* Registers are written through: the local (which later reads use) and
 * struct soft_cpu, so memory always holds the guest state and nothing
 * needs writing back before a call, a slow path or an exit. */
static void set_reg(struct emit *e, unsigned r, gcc_jit_rvalue *v)
{
	assign(e, e->r[r & 7], v);
	assign(e, gpr_mem(e, r & 7), cast(e, reg32(e, r), e->u64));
}
/* After a call that may have written them. */
static void reload_regs(struct emit *e)
{
	for (unsigned r = 0; r < 8; r++)
		assign(e, e->r[r], cast(e, rv(gpr_mem(e, r)), e->u32));
}
/* the pending lazy-flags record (section "flags" below) */
static void flags_flush(struct emit *e);
static void flags_to_locals(struct emit *e);
static void flags_store(struct emit *e);
static void sync_state(struct emit *e);

/* ---- exits ---- */

/* The retired count: blocks that jump to each other inside the region
 * add to the local e->retired, which goes to cpu->retired where the
 * tier-0 state must be whole (sync_state, leave). */
static void add_retired(struct emit *e, uint32_t n)
{
	assign(e, e->retired, bin64(e, GCC_JIT_BINARY_OP_PLUS, rv(e->retired), c64(e, n)));
}
static void flush_retired(struct emit *e)
{
	gcc_jit_lvalue *r = CPU_FIELD(retired, e->u64);
	assign(e, r, bin64(e, GCC_JIT_BINARY_OP_PLUS, rv(r), rv(e->retired)));
	assign(e, e->retired, c64(e, 0));
}
static void set_rip(struct emit *e, gcc_jit_rvalue *eip32)
{
	assign(e, CPU_FIELD(s.rip, e->u64), cast(e, eip32, e->u64));
}
/* The region's two epilogues, which every return goes through: the
 * record in the locals is stored (epilogue_locals), the retired count
 * added, and ret_code returned. Sharing them keeps the function small. */
static void make_epilogues(struct emit *e)
{
	e->ret_code = gcc_jit_function_new_local(e->fn, NULL, e->intt, "ret_code");
	e->epilogue_locals = new_block(e);
	e->epilogue = new_block(e);
	gcc_jit_block *saved = e->cur;
	int fl = e->fl;
	e->cur = e->epilogue_locals;
	e->fl = FL_LOCALS;
	flags_flush(e);
	gcc_jit_block_end_with_jump(e->cur, NULL, e->epilogue);
	e->cur = e->epilogue;
	flush_retired(e);
	assign(e, CPU_FIELD(native_exit_blocks, e->vptr), ptr(e, e->region_blocks));
	gcc_jit_block_end_with_return(e->cur, NULL, rv(e->ret_code));
	e->cur = saved;
	e->fl = fl;
}
/* Returns `code` from the current block through an epilogue. The state
 * of the flags record is that of the path that continues (the caller's
 * may be a cold path). */
static void leave_code(struct emit *e, gcc_jit_rvalue *code)
{
	int fl = e->fl;
	if (e->fl == FL_PEND)
		flags_to_locals(e);
	assign(e, e->ret_code, code);
	gcc_jit_block_end_with_jump(e->cur, NULL, e->fl == FL_LOCALS ? e->epilogue_locals : e->epilogue);
	e->fl = fl;
}
/* Leaves the function from the current block with `kind`. */
static void leave(struct emit *e, int kind)
{
	leave_code(e, cint(e, JIT_NATIVE_RET(e->region_index, kind)));
}

/* The block of the region that an exit of the current block to `eip` may
 * jump to directly, or -1. */
static int link_target(struct emit *e, uint32_t eip)
{
	if (!e->opt->link_blocks)
		return -1;
	const struct jit_block *from = e->b;
	for (unsigned i = 0; i < e->batch->nr; i++) {
		const struct jit_block *to = e->batch->copy[i];
		if (e->labels[i] && to->eip == eip && jit_block_link_ok(from, to))
			return (int)i;
	}
	return -1;
}

/* Whether every CS limit the current block runs with fits block `to`
 * too (then the jump to it needs no limit check). */
static bool limits_cover(const struct emit *e, const struct jit_block *to)
{
	return to->cs_limit_lo <= e->b->cs_limit_lo && e->b->cs_limit_hi <= to->cs_limit_hi;
}

/* jit_block_fits_cs(to, CS limit) at run time, for a block with CS-limit
 * range [lo, hi]. */
static gcc_jit_rvalue *fits_cs(struct emit *e, gcc_jit_rvalue *lo, gcc_jit_rvalue *hi)
{
	gcc_jit_rvalue *limit = rv(field(e, offsetof(struct soft_cpu, s.seg) + SEG_CS * sizeof(struct cpu_segment) +
					     offsetof(struct cpu_segment, limit), e->u32));
	return cmp(e, GCC_JIT_COMPARISON_LE, bin(e, GCC_JIT_BINARY_OP_MINUS, limit, lo),
		   bin(e, GCC_JIT_BINARY_OP_MINUS, hi, lo));
}

/* *(type *)(base + off) for a uint8_t * rvalue base */
static gcc_jit_lvalue *mem_at(struct emit *e, gcc_jit_rvalue *base, size_t off, gcc_jit_type *type)
{
	gcc_jit_lvalue *byte = gcc_jit_context_new_array_access(e->ctx, NULL, base, c64(e, off));
	gcc_jit_rvalue *p = cast(e, gcc_jit_lvalue_get_address(byte, NULL), gcc_jit_type_get_pointer(type));
	return gcc_jit_rvalue_dereference(p, NULL);
}

/* An indirect branch (EIP, the retired count and the flags already
 * set) goes to the region's dispatch hub for the source's CS base and
 * mode: a switch on the target EIP over the region's blocks, each case
 * entering its block when no exit is requested and the CS limit fits it; anything else returns JIT_NATIVE_IND, and
 * jit_native_run looks the target up in the jump cache. One hub per
 * region (not per branch) keeps the function small. */
static void tail_call_ind(struct emit *e);
static gcc_jit_block *ind_hub(struct emit *e)
{
	const struct jit_block *from = e->b;
	uint32_t page = (from->mode & JIT_MODE_PG) ? (from->cs_base + from->eip) >> 12 : 0;
	for (int h = 0; h < e->nr_hubs; h++)
		if (e->hubs[h].cs_base == from->cs_base && e->hubs[h].mode == from->mode && e->hubs[h].page == page)
			return e->hubs[h].entry;
	if (e->nr_hubs == (int)(sizeof(e->hubs) / sizeof(e->hubs[0])))
		return NULL;
	gcc_jit_block *saved = e->cur, *entry = new_block(e), *out = new_block(e);
	e->hubs[e->nr_hubs].cs_base = from->cs_base;
	e->hubs[e->nr_hubs].mode = from->mode;
	e->hubs[e->nr_hubs].page = page;
	e->hubs[e->nr_hubs++].entry = entry;
	/* out: return JIT_NATIVE_RET(ind_from, JIT_NATIVE_IND), from the
	 * hub's state: the record in the locals */
	int fl = e->fl, smc = e->smc_state;
	e->fl = FL_LOCALS;
	e->smc_state = SMC_NONE;   /* a branch after such a store does not come here */
	e->cur = out;
	if (e->opt->tail_calls)
		tail_call_ind(e);
	leave_code(e, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_BITWISE_OR, e->intt,
						    gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_LSHIFT,
										  e->intt, rv(e->ind_from), cint(e, 2)),
						    cint(e, JIT_NATIVE_IND)));
	e->fl = fl;
	e->smc_state = smc;
	gcc_jit_case **cases = calloc(e->batch->nr ? e->batch->nr : 1, sizeof(*cases));
	int n = 0;
	for (unsigned i = 0; cases && i < e->batch->nr; i++) {
		const struct jit_block *to = e->batch->copy[i];
		if (!e->labels[i] || !jit_block_link_ok(from, to))
			continue;
		bool dup = false;
		for (unsigned k = 0; k < i && !dup; k++)
			dup = e->labels[k] && e->batch->copy[k]->eip == to->eip && e->batch->copy[k]->cs_base == to->cs_base &&
			      e->batch->copy[k]->mode == to->mode;
		if (dup)
			continue;
		/* stub: if (!exit_request && the limit fits) goto block */
		gcc_jit_block *stub = new_block(e);
		e->cur = stub;
		gcc_jit_rvalue *go = cmp(e, GCC_JIT_COMPARISON_EQ, rv(CPU_FIELD(exit_request, e->vol_int)), cint(e, 0));
		go = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, go,
						   fits_cs(e, c32(e, to->cs_limit_lo), c32(e, to->cs_limit_hi)));
		gcc_jit_block_end_with_conditional(stub, NULL, go, e->labels[i], out);
		gcc_jit_rvalue *v = c32(e, to->eip);
		cases[n++] = gcc_jit_context_new_case(e->ctx, v, v, stub);
	}
	gcc_jit_block_end_with_switch(entry, NULL, rv(e->ind_eip), out, n, cases);
	free(cases);
	e->cur = saved;
	return entry;
}

/* True (a bool rvalue) unless an instruction since the last SMCCHK may
 * have stored into translated code (e->smc_state). */
static gcc_jit_rvalue *smc_clear(struct emit *e)
{
	if (e->smc_state == SMC_LOCAL)
		return gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_LOGICAL_NEGATE, e->boolt,
						    rv(e->smc_flag));
	if (e->smc_state == SMC_MEMORY)
		return gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_LOGICAL_NEGATE, e->boolt,
						    rv(CPU_FIELD(mmu.code_written, e->vol_bool)));
	return gcc_jit_context_one(e->ctx, e->boolt);
}

/* With tail_calls: when block `nb` (a uint8_t * local: a jit_block or
 * NULL) may run now (what jit_native_run checks: compiled, the CS limit
 * fits, no exit requested; `also`, and no store into translated code
 * since the last SMCCHK), call its region as a required tail call, with
 * the tier-0 state whole as at a return; else continue in e->cur. */
static void tail_call_block(struct emit *e, gcc_jit_lvalue *nb, gcc_jit_rvalue *(*also)(struct emit *, gcc_jit_lvalue *))
{
	gcc_jit_type *u8p = gcc_jit_type_get_pointer(e->u8);
	gcc_jit_block *no;
	e->cur = branch_if(e, cmp(e, GCC_JIT_COMPARISON_NE, rv(nb), gcc_jit_context_null(e->ctx, u8p)), &no);
	gcc_jit_type *params[2] = { u8p, e->intt };
	gcc_jit_type *fty = gcc_jit_context_new_function_ptr_type(e->ctx, NULL, e->intt, 2, params, 0);
	gcc_jit_lvalue *fn = new_local_of(e, fty);
	assign(e, fn, rv(mem_at(e, rv(nb), offsetof(struct jit_block, native), fty)));
	gcc_jit_rvalue *go = cmp(e, GCC_JIT_COMPARISON_NE, rv(fn), gcc_jit_context_null(e->ctx, fty));
#define AND(x, y) gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, (x), (y))
	if (also)
		go = AND(go, also(e, nb));
	go = AND(go, cmp(e, GCC_JIT_COMPARISON_EQ, rv(CPU_FIELD(exit_request, e->vol_int)), cint(e, 0)));
	go = AND(go, smc_clear(e));
	go = AND(go, fits_cs(e, rv(mem_at(e, rv(nb), offsetof(struct jit_block, cs_limit_lo), e->u32)),
			     rv(mem_at(e, rv(nb), offsetof(struct jit_block, cs_limit_hi), e->u32))));
#undef AND
	gcc_jit_block *rest;
	e->cur = branch_if(e, go, &rest);
	flags_flush(e);
	flush_retired(e);
	gcc_jit_rvalue *args[2] = { e->cpu, rv(mem_at(e, rv(nb), offsetof(struct jit_block, native_entry), e->intt)) };
	gcc_jit_rvalue *c = gcc_jit_context_new_call_through_ptr(e->ctx, NULL, rv(fn), 2, args);
	gcc_jit_rvalue_set_bool_require_tail_call(c, 1);
	gcc_jit_block_end_with_return(e->cur, NULL, c);
	gcc_jit_block_end_with_jump(rest, NULL, no);
	e->cur = no;
}
/* An exit through slot s: the source block's chain (the engine loop fills it). */
static void tail_call_slot(struct emit *e, int s)
{
	gcc_jit_type *u8p = gcc_jit_type_get_pointer(e->u8);
	gcc_jit_lvalue *nb = new_local_of(e, u8p);
	gcc_jit_rvalue *chain_at = gcc_jit_context_new_rvalue_from_ptr(e->ctx, gcc_jit_type_get_pointer(u8p),
									(void *)&e->orig->chain[s]);
	assign(e, nb, rv(gcc_jit_rvalue_dereference(chain_at, NULL)));
	tail_call_block(e, nb, NULL);
}
/* An indirect branch to ind_eip: the jump cache's block, when it is for
 * this EIP, CS base and mode (what jit_native_run looks up). */
static gcc_jit_rvalue *ind_matches(struct emit *e, gcc_jit_lvalue *nb)
{
	gcc_jit_rvalue *ok = cmp(e, GCC_JIT_COMPARISON_EQ, rv(mem_at(e, rv(nb), offsetof(struct jit_block, eip), e->u32)),
				 rv(e->ind_eip));
	ok = gcc_jit_context_new_binary_op(
		e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, ok,
		cmp(e, GCC_JIT_COMPARISON_EQ, rv(mem_at(e, rv(nb), offsetof(struct jit_block, cs_base), e->u32)),
		    c32(e, e->b->cs_base)));
	return gcc_jit_context_new_binary_op(
		e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, ok,
		cmp(e, GCC_JIT_COMPARISON_EQ, rv(mem_at(e, rv(nb), offsetof(struct jit_block, mode), e->u32)),
		    c32(e, e->b->mode)));
}
static void tail_call_ind(struct emit *e)
{
	gcc_jit_type *u8p = gcc_jit_type_get_pointer(e->u8);
	gcc_jit_rvalue *lin = bin(e, GCC_JIT_BINARY_OP_PLUS, rv(e->ind_eip), c32(e, e->b->cs_base));
	gcc_jit_rvalue *idx = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND,
				  bin(e, GCC_JIT_BINARY_OP_BITWISE_XOR, lin, bin(e, GCC_JIT_BINARY_OP_RSHIFT, lin, c32(e, 10))),
				  c32(e, SOFT_JMP_CACHE_SIZE - 1));
	gcc_jit_lvalue *nb = new_local_of(e, u8p);
	assign(e, nb, rv(field_at(e, bin64(e, GCC_JIT_BINARY_OP_PLUS, c64(e, offsetof(struct soft_cpu, jmp_cache)),
					   bin64(e, GCC_JIT_BINARY_OP_MULT, cast(e, idx, e->u64),
						 c64(e, sizeof(struct jit_block *)))), u8p)));
	tail_call_block(e, nb, ind_matches);
}

/* Exit through slot s (EXIT_JMP, and both sides of BRANCH/JCC). */
static void exit_slot(struct emit *e, int s)
{
	uint32_t eip = e->b->exit_eip[s];
	add_retired(e, e->b->exit_retired[s]);
	int to = link_target(e, eip);
	if (to >= 0) {
		flags_to_locals(e);   /* every block starts with the record there */
		/* goto to, unless an exit is requested (checked on backward
		 * jumps only: every loop has one, so a region cannot run on
		 * without seeing it) or this block's last instruction stored
		 * into translated code. The region's blocks need no validity
		 * check: native.c never enters a region with an invalid
		 * block, and a store that invalidates one leaves the region
		 * (SMCCHK, or here). */
		const struct jit_block *tb = e->batch->copy[to];
		gcc_jit_rvalue *go = smc_clear(e);
		if (tb->eip <= e->b->eip || e->b->recheck_exit)
			go = gcc_jit_context_new_binary_op(
				e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, go,
				cmp(e, GCC_JIT_COMPARISON_EQ, rv(CPU_FIELD(exit_request, e->vol_int)), cint(e, 0)));
		if (!limits_cover(e, tb))
			go = gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, go,
							   fits_cs(e, c32(e, tb->cs_limit_lo), c32(e, tb->cs_limit_hi)));
		gcc_jit_block *stop;
		gcc_jit_block *yes = branch_if(e, go, &stop);
		gcc_jit_block_end_with_jump(yes, NULL, e->labels[to]);
		e->cur = stop;
	}
	if (e->opt->tail_calls)
		tail_call_slot(e, s);
	set_rip(e, c32(e, eip));
	leave(e, s);
}
/* if (cond) { slot 0 } else { slot 1 } */
static void exit_cond(struct emit *e, gcc_jit_rvalue *cond_bool)
{
	gcc_jit_block *no;
	if (link_target(e, e->b->exit_eip[0]) >= 0 || link_target(e, e->b->exit_eip[1]) >= 0)
		flags_to_locals(e);   /* once, before the branch */
	gcc_jit_block *yes = branch_if(e, cond_bool, &no);
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
	assign(e, n, bin64(e, GCC_JIT_BINARY_OP_PLUS, rv(n), c64(e, 1)));
	add_retired(e, e->op->insn + 1u);
	leave(e, JIT_NATIVE_LEAVE);
}
/* if (cond) { EIP = eip; SMC exit } */
static void smc_exit_if(struct emit *e, gcc_jit_rvalue *cond_bool, uint32_t eip)
{
	gcc_jit_block *no;
	e->cur = branch_if(e, cond_bool, &no);
	set_rip(e, c32(e, eip));
	smc_exit(e);
	e->cur = no;
}

/* ---- memory ---- */

/* The TLB entry of `lin` for `kind`: its address as a byte offset from cpu. */
static gcc_jit_rvalue *tlb_offset(struct emit *e, gcc_jit_rvalue *lin, enum mmu_access kind)
{
	gcc_jit_rvalue *idx = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, bin(e, GCC_JIT_BINARY_OP_RSHIFT, lin, c32(e, 12)),
				  c32(e, MMU_TLB_ENTRIES - 1));
	/* the set of the block's privilege (soft_cpu_sync_mmu selects the
	 * same one for tier 0) */
	int priv = jit_mode_cpl(e->b->mode) == 3 ? MMU_USER : MMU_SUPERVISOR;
	size_t base = offsetof(struct soft_cpu, mmu.set) + (size_t)priv * sizeof(struct tlb_set) +
		      offsetof(struct tlb_set, e) + (size_t)kind * MMU_TLB_ENTRIES * sizeof(struct tlb_entry);
	return bin64(e, GCC_JIT_BINARY_OP_PLUS, c64(e, base),
		     bin64(e, GCC_JIT_BINARY_OP_MULT, cast(e, idx, e->u64), c64(e, sizeof(struct tlb_entry))));
}
/* The condition of a TLB hit for `size` bytes at lin (mmu_hit), and the
 * host pointer (of `type`) in *host. */
static gcc_jit_rvalue *tlb_hit(struct emit *e, gcc_jit_lvalue *lin, unsigned size, enum mmu_access kind,
			       gcc_jit_type *type, gcc_jit_rvalue **host)
{
	gcc_jit_lvalue *off = new_local_of(e, e->u64);
	assign(e, off, tlb_offset(e, rv(lin), kind));
	gcc_jit_rvalue *tag = rv(field_at(e, bin64(e, GCC_JIT_BINARY_OP_PLUS, rv(off),
						   c64(e, offsetof(struct tlb_entry, tag))), e->u32));
	gcc_jit_rvalue *addend = rv(field_at(e, bin64(e, GCC_JIT_BINARY_OP_PLUS, rv(off),
						      c64(e, offsetof(struct tlb_entry, addend))), e->u64));
	gcc_jit_rvalue *hit = cmp(e, GCC_JIT_COMPARISON_EQ, tag,
				  bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, rv(lin), c32(e, MMU_PAGE_MASK)));
	if (size > 1)
		hit = gcc_jit_context_new_binary_op(
			e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_AND, e->boolt, hit,
			cmp(e, GCC_JIT_COMPARISON_LE, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, rv(lin), c32(e, ~MMU_PAGE_MASK)),
			    c32(e, MMU_PAGE_SIZE - size)));
	gcc_jit_rvalue *addr = bin64(e, GCC_JIT_BINARY_OP_PLUS, addend, cast(e, rv(lin), e->u64));
	*host = gcc_jit_context_new_bitcast(e->ctx, NULL, addr, gcc_jit_type_get_pointer(type));
	return hit;
}
static gcc_jit_type *mem_type(struct emit *e, unsigned size)
{
	return size == 1 ? e->u8 : size == 2 ? e->u16_ua : e->u32_ua;
}
/* A load of size bytes at linear lin_rv: the TLB hit inline, else the
 * slow path (which may raise). */
static gcc_jit_rvalue *emit_load(struct emit *e, gcc_jit_rvalue *lin_rv, unsigned size)
{
	static void *const slow[5] = { NULL, (void *)glue_load8, (void *)glue_load16, NULL, (void *)glue_load32 };
	gcc_jit_lvalue *lin = new_local(e), *v = new_local(e);
	assign(e, lin, lin_rv);
	gcc_jit_rvalue *host;
	gcc_jit_rvalue *hit = tlb_hit(e, lin, size, MMU_READ, mem_type(e, size), &host);
	gcc_jit_block *join = new_block(e), *miss;
	gcc_jit_block *yes = branch_if(e, hit, &miss);
	gcc_jit_block_add_assignment(yes, NULL, v, cast(e, rv(gcc_jit_rvalue_dereference(host, NULL)), e->u32));
	gcc_jit_block_end_with_jump(yes, NULL, join);
	e->cur = miss;
	sync_state(e);
	gcc_jit_rvalue *args[3] = { cpu_arg(e), opptr(e), rv(lin) };
	assign(e, v, call(e, e->u32, slow[size], 3, args));
	gcc_jit_block_end_with_jump(e->cur, NULL, join);
	e->cur = join;
	return rv(v);
}
/* A store. With smc_exit, a store into translated code (only the slow
 * path can find one) leaves through the SMC exit with EIP = next_eip,
 * from the slow path itself. */
static void emit_store(struct emit *e, gcc_jit_rvalue *lin_rv, unsigned size, gcc_jit_rvalue *value, bool smc_exit,
		       uint32_t next_eip)
{
	static void *const slow[5] = { NULL, (void *)glue_store8, (void *)glue_store16, NULL, (void *)glue_store32 };
	gcc_jit_lvalue *lin = new_local(e), *val = new_local(e);
	assign(e, lin, lin_rv);
	assign(e, val, value);
	gcc_jit_rvalue *host;
	gcc_jit_type *type = mem_type(e, size);
	gcc_jit_rvalue *hit = tlb_hit(e, lin, size, MMU_WRITE, type, &host);
	gcc_jit_block *join = new_block(e), *miss;
	gcc_jit_block *yes = branch_if(e, hit, &miss);
	gcc_jit_block_add_assignment(yes, NULL, gcc_jit_rvalue_dereference(host, NULL), cast(e, rv(val), type));
	gcc_jit_block_end_with_jump(yes, NULL, join);
	e->cur = miss;
	sync_state(e);
	gcc_jit_rvalue *args[4] = { cpu_arg(e), opptr(e), rv(lin), rv(val) };
	gcc_jit_rvalue *r = call(e, e->intt, slow[size], 4, args);
	if (smc_exit)
		smc_exit_if(e, cmp(e, GCC_JIT_COMPARISON_NE, r, cint(e, 0)), next_eip);
	else if (e->smc_flag)
		assign(e, e->smc_flag, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_OR, e->boolt,
								     rv(e->smc_flag), cmp(e, GCC_JIT_COMPARISON_NE, r, cint(e, 0))));
	else
		eval(e, r);
	gcc_jit_block_end_with_jump(e->cur, NULL, join);
	e->cur = join;
}

/* The effective address of an EA or fused memory op from the register
 * locals (no segment). */
static gcc_jit_rvalue *ea_offset(struct emit *e, const struct ir_op *op)
{
	gcc_jit_rvalue *ea = c32(e, op->imm);
	if (op->a != IR_NOREG)
		ea = bin(e, GCC_JIT_BINARY_OP_PLUS, ea, reg32(e, op->a));
	if (op->b != IR_NOREG)
		ea = bin(e, GCC_JIT_BINARY_OP_PLUS, ea, bin(e, GCC_JIT_BINARY_OP_LSHIFT, reg32(e, op->b), c32(e, op->size)));
	if (op->c)
		ea = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, ea, c32(e, 0xffff));
	return ea;
}
/* offset + segment op->aux's base, after the limit check (its fault on
 * the slow path); for a flat segment (op->flat) the offset itself, after
 * a check against 4 GiB with no load. */
static gcc_jit_rvalue *seg_linear(struct emit *e, gcc_jit_rvalue *offset)
{
	const struct ir_op *op = e->op;
	size_t seg = offsetof(struct soft_cpu, s.seg) + op->aux * sizeof(struct cpu_segment);
	gcc_jit_lvalue *off = new_local(e);
	assign(e, off, offset);
	gcc_jit_rvalue *outside;
	if (op->flat) {
		/* base 0, limit 4 GiB - 1: only an access past 4 GiB faults */
		if (!op->last)
			return rv(off);
		outside = cmp(e, GCC_JIT_COMPARISON_GT, rv(off), c32(e, 0xffffffffu - op->last));
	} else {
		/* (uint32_t)(off - lo) + last >= end (cpu/soft_seglimit.h) */
		size_t bound = offsetof(struct soft_cpu, seg_bound) +
			       (op->aux * SOFT_SEG_NR_KINDS + (op->write ? SOFT_SEG_WRITE : SOFT_SEG_READ)) *
			       sizeof(struct soft_seg_bound);
		gcc_jit_rvalue *lo = rv(field(e, bound + offsetof(struct soft_seg_bound, lo), e->u32));
		gcc_jit_rvalue *end = rv(field(e, bound + offsetof(struct soft_seg_bound, end), e->u64));
		gcc_jit_rvalue *rel = cast(e, bin(e, GCC_JIT_BINARY_OP_MINUS, rv(off), lo), e->u64);
		gcc_jit_rvalue *last = bin64(e, GCC_JIT_BINARY_OP_PLUS, rel, c64(e, op->last));
		outside = cmp(e, GCC_JIT_COMPARISON_GE, last, end);
	}
	gcc_jit_block *ok;
	e->cur = branch_if(e, outside, &ok);
	sync_state(e);
	gcc_jit_rvalue *args[2] = { cpu_arg(e), opptr(e) };
	eval(e, call(e, e->voidt, (void *)glue_seg_fault, 2, args));
	leave(e, JIT_NATIVE_LEAVE);   /* not reached */
	e->cur = ok;
	if (op->flat)
		return rv(off);
	gcc_jit_rvalue *base = cast(e, rv(field(e, seg + offsetof(struct cpu_segment, base), e->u64)), e->u32);
	return bin(e, GCC_JIT_BINARY_OP_PLUS, rv(off), base);
}

/* ---- flags ----
 * Where the current lazy-flags record (struct lazy_flags) is, while a
 * region runs, is known at compile time (e->fl):
 * - FL_PEND: it is the last flag-writing op of this block (e->pend: its
 *   values in the op's locals): nothing was stored for it;
 * - FL_LOCALS: in the region's locals e->L (the record that blocks jump
 *   to each other with: every block starts in this state, and the
 *   region's entry loads them);
 * - FL_BOTH: in the locals and in struct soft_cpu, the same;
 * - FL_MEMORY: in struct soft_cpu only (after a helper that writes it).
 * struct soft_cpu is brought up to date (flags_flush) where the tier-0
 * state must be whole: on the cold path of every call out (sync_state:
 * slow paths, faults), before helpers, and when the region returns. A
 * loop that stays in the region stores no record at all on its hot path.
 *
 * A pending INC/DEC whose old CF was not known at the op (aux2 NULL), and
 * a pending IMUL (whose record keeps the flags before it), take them from
 * the record before them when they are stored: it is in the locals
 * (pend.prev == FL_LOCALS: nothing changes the locals while an op is
 * pending) or in memory (FL_MEMORY: memory then holds the record before
 * or, after a cold-path store, the op's own one, which has the same CF
 * and the same kept flags). */

/* x masked to the size of the flags op */
static gcc_jit_rvalue *cc_zext(struct emit *e, gcc_jit_rvalue *x)
{
	return e->cc_size == 4 ? x : bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, x, c32(e, interp_size_mask[e->cc_size]));
}
/* x sign-extended from the size of the flags op, as int32_t */
static gcc_jit_rvalue *cc_sext(struct emit *e, gcc_jit_rvalue *x)
{
	if (e->cc_size == 4)
		return signed32(e, x);
	gcc_jit_type *narrow = gcc_jit_context_get_int_type(e->ctx, (int)e->cc_size, 1);
	return cast(e, cast(e, x, narrow), e->i32);
}

/* The five words of a record: in struct soft_cpu, or in the locals. */
struct record {
	gcc_jit_rvalue *opsize;   /* op | size << 8 (uint16_t) */
	gcc_jit_rvalue *dst, *src, *aux, *aux2;
};
static struct record record_in_memory(struct emit *e)
{
	struct record r = {
		rv(CPU_FIELD(cc.op, e->u16)), rv(CPU_FIELD(cc.dst, e->u32)), rv(CPU_FIELD(cc.src, e->u32)),
		rv(CPU_FIELD(cc.aux, e->u32)), rv(CPU_FIELD(cc.aux2, e->u32)),
	};
	return r;
}
static struct record record_in_locals(struct emit *e)
{
	struct record r = { rv(e->L.opsize), rv(e->L.dst), rv(e->L.src), rv(e->L.aux), rv(e->L.aux2) };
	return r;
}

/* CF (0/1) of a record: inline for logic ops, 32-bit SUB and INC/DEC,
 * through interp_carry otherwise. */
static gcc_jit_rvalue *carry_of(struct emit *e, struct record (*where)(struct emit *))
{
	gcc_jit_lvalue *c = new_local(e), *opsize = new_local(e);
	gcc_jit_block *join = new_block(e), *not_logic, *not_sub, *other;
	assign(e, opsize, cast(e, where(e).opsize, e->u32));
	gcc_jit_rvalue *op32 = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, rv(opsize), c32(e, 0xff));
	gcc_jit_block *logic = branch_if(e, cmp(e, GCC_JIT_COMPARISON_EQ, op32, c32(e, CC_OP_LOGIC)), &not_logic);
	gcc_jit_block_add_assignment(logic, NULL, c, c32(e, 0));
	gcc_jit_block_end_with_jump(logic, NULL, join);
	e->cur = not_logic;
	gcc_jit_block *sub = branch_if(e, cmp(e, GCC_JIT_COMPARISON_EQ, rv(opsize), c32(e, CC_OP_SUB | 4 << 8)), &not_sub);
	e->cur = sub;
	assign(e, c, cmp32(e, GCC_JIT_COMPARISON_LT, where(e).aux, where(e).src));
	gcc_jit_block_end_with_jump(e->cur, NULL, join);
	e->cur = not_sub;
	op32 = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, rv(opsize), c32(e, 0xff));
	gcc_jit_rvalue *incdec = gcc_jit_context_new_binary_op(
		e->ctx, NULL, GCC_JIT_BINARY_OP_LOGICAL_OR, e->boolt, cmp(e, GCC_JIT_COMPARISON_EQ, op32, c32(e, CC_OP_INC)),
		cmp(e, GCC_JIT_COMPARISON_EQ, op32, c32(e, CC_OP_DEC)));
	gcc_jit_block *id = branch_if(e, incdec, &other);
	e->cur = id;
	assign(e, c, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, where(e).aux2, c32(e, 1)));
	gcc_jit_block_end_with_jump(e->cur, NULL, join);
	e->cur = other;
	struct record r = where(e);
	gcc_jit_rvalue *args[5] = { rv(opsize), r.dst, r.src, r.aux, r.aux2 };
	assign(e, c, call(e, e->u32, (void *)glue_carry_of, 5, args));
	gcc_jit_block_end_with_jump(e->cur, NULL, join);
	e->cur = join;
	return rv(c);
}
/* The six arithmetic flags (flags_compute) of a record, through a call. */
static gcc_jit_rvalue *flags_of(struct emit *e, struct record (*where)(struct emit *))
{
	struct record r = where(e);
	gcc_jit_rvalue *args[5] = { cast(e, r.opsize, e->u32), r.dst, r.src, r.aux, r.aux2 };
	gcc_jit_lvalue *f = new_local(e);
	assign(e, f, call(e, e->u32, (void *)glue_flags_of, 5, args));
	return rv(f);
}

/* A flag-writing op: its record becomes the pending one (dst, src, aux,
 * aux2 as enum cc_op says; NULL: not stored, or for INC/DEC and IMUL's
 * aux2: taken from the record before, see above). */
static void flags_defer(struct emit *e, int kind, unsigned size, gcc_jit_lvalue *dst, gcc_jit_lvalue *src,
			gcc_jit_lvalue *aux, gcc_jit_lvalue *aux2)
{
	bool lazy = !aux2 && (kind == CC_OP_INC || kind == CC_OP_DEC || kind == CC_OP_MUL || kind == CC_OP_IMUL);
	if (lazy && e->fl == FL_PEND)
		flags_to_locals(e);   /* the record before it must stay somewhere */
	e->pend.prev = e->fl == FL_MEMORY ? FL_MEMORY : FL_LOCALS;
	e->pend.kind = kind;
	e->pend.size = size;
	e->pend.dst = dst;
	e->pend.src = src;
	e->pend.aux = aux;
	e->pend.aux2 = aux2;
	e->fl = FL_PEND;
}
/* The pending record's aux2 (computed here when lazy), or NULL when its
 * kind has none. */
static gcc_jit_rvalue *pend_aux2(struct emit *e)
{
	if (e->pend.aux2)
		return rv(e->pend.aux2);
	struct record (*prev)(struct emit *) = e->pend.prev == FL_MEMORY ? record_in_memory : record_in_locals;
	if (e->pend.kind == CC_OP_INC || e->pend.kind == CC_OP_DEC)
		return carry_of(e, prev);
	if (e->pend.kind == CC_OP_MUL || e->pend.kind == CC_OP_IMUL)
		return flags_of(e, prev);
	return NULL;
}
static gcc_jit_rvalue *pend_opsize(struct emit *e)
{
	return gcc_jit_context_new_rvalue_from_int(e->ctx, e->u16, e->pend.kind | (int)e->pend.size << 8);
}
/* Brings struct soft_cpu up to date at e->cur; the state stays as it is
 * (the caller may be on a cold path, or about to return). */
static void flags_flush(struct emit *e)
{
	if (e->fl == FL_PEND) {
		gcc_jit_rvalue *aux2 = pend_aux2(e);
		assign(e, CPU_FIELD(cc.op, e->u16), pend_opsize(e));   /* op and size: one 16-bit store */
		assign(e, CPU_FIELD(cc.dst, e->u32), rv(e->pend.dst));
		if (e->pend.src)
			assign(e, CPU_FIELD(cc.src, e->u32), rv(e->pend.src));
		if (e->pend.aux)
			assign(e, CPU_FIELD(cc.aux, e->u32), rv(e->pend.aux));
		if (aux2)
			assign(e, CPU_FIELD(cc.aux2, e->u32), aux2);
	} else if (e->fl == FL_LOCALS) {
		assign(e, CPU_FIELD(cc.op, e->u16), rv(e->L.opsize));
		assign(e, CPU_FIELD(cc.dst, e->u32), rv(e->L.dst));
		assign(e, CPU_FIELD(cc.src, e->u32), rv(e->L.src));
		assign(e, CPU_FIELD(cc.aux, e->u32), rv(e->L.aux));
		assign(e, CPU_FIELD(cc.aux2, e->u32), rv(e->L.aux2));
	}
}
/* Brings the locals up to date, on the main path (before jumping to
 * another block of the region). */
static void flags_to_locals(struct emit *e)
{
	if (e->fl == FL_PEND) {
		gcc_jit_rvalue *aux2 = pend_aux2(e);   /* before the locals change */
		gcc_jit_lvalue *a2 = NULL;
		if (aux2) {
			a2 = new_local(e);
			assign(e, a2, aux2);
		}
		assign(e, e->L.opsize, pend_opsize(e));
		assign(e, e->L.dst, rv(e->pend.dst));
		if (e->pend.src)
			assign(e, e->L.src, rv(e->pend.src));
		if (e->pend.aux)
			assign(e, e->L.aux, rv(e->pend.aux));
		if (a2)
			assign(e, e->L.aux2, rv(a2));
	} else if (e->fl == FL_MEMORY) {
		struct record r = record_in_memory(e);
		assign(e, e->L.opsize, r.opsize);
		assign(e, e->L.dst, r.dst);
		assign(e, e->L.src, r.src);
		assign(e, e->L.aux, r.aux);
		assign(e, e->L.aux2, r.aux2);
		e->fl = FL_BOTH;
		return;
	}
	if (e->fl == FL_PEND)
		e->fl = FL_LOCALS;
}
/* Brings struct soft_cpu up to date on the main path, before a call that
 * reads the record (the locals stay current too, when they were). */
static void flags_store(struct emit *e)
{
	if (e->fl == FL_PEND)
		flags_to_locals(e);
	flags_flush(e);
	if (e->fl == FL_LOCALS)
		e->fl = FL_BOTH;
}
/* After a call that may have written the record in struct soft_cpu. */
static void flags_written_by_call(struct emit *e)
{
	e->fl = FL_MEMORY;
}
/* Before a call out of compiled code on a cold path (a slow path, a
 * fault): the record, the retired count, and cur_block for
 * soft_fault_recover. */
static void sync_state(struct emit *e)
{
	flags_flush(e);
	flush_retired(e);
	assign(e, field(e, offsetof(struct soft_cpu, cur_block), e->vptr), ptr(e, e->orig));
}
/* The same on the main path, before a call that may read or write
 * anything (helpers, port I/O). */
static void sync_state_main(struct emit *e)
{
	flags_store(e);
	sync_state(e);
	flags_written_by_call(e);
}

/* Condition `cond` (0-15) straight from the operands of the last fused
 * ALU op of the block, as a bool; NULL when not known (interp_condition's
 * cases). */
static gcc_jit_rvalue *cond_known(struct emit *e, unsigned cond)
{
	gcc_jit_rvalue *r = NULL;
	gcc_jit_rvalue *zero = gcc_jit_context_zero(e->ctx, e->i32);
	if (e->cc_kind == CC_OP_SUB) {
		gcc_jit_rvalue *x = cc_zext(e, rv(e->cc_x)), *y = cc_zext(e, rv(e->cc_y));
		switch (cond >> 1) {
		case 1: r = cmp(e, GCC_JIT_COMPARISON_LT, x, y); break;
		case 2: r = cmp(e, GCC_JIT_COMPARISON_EQ, x, y); break;
		case 3: r = cmp(e, GCC_JIT_COMPARISON_LE, x, y); break;
		case 4: r = cmp(e, GCC_JIT_COMPARISON_LT, cc_sext(e, rv(e->cc_r)), zero); break;
		case 6: r = cmp(e, GCC_JIT_COMPARISON_LT, cc_sext(e, rv(e->cc_x)), cc_sext(e, rv(e->cc_y))); break;
		case 7: r = cmp(e, GCC_JIT_COMPARISON_LE, cc_sext(e, rv(e->cc_x)), cc_sext(e, rv(e->cc_y))); break;
		default: return NULL;
		}
	} else if (e->cc_kind == CC_OP_INC || e->cc_kind == CC_OP_DEC) {
		gcc_jit_rvalue *d = cc_sext(e, rv(e->cc_r));
		switch (cond >> 1) {
		case 1: {   /* the kept CF */
			gcc_jit_rvalue *c = e->cc_y ? rv(e->cc_y) : NULL;
			if (!c) {
				flags_store(e);   /* computes the lazy CF into the record */
				c = carry_of(e, record_in_memory);
			}
			r = cmp(e, GCC_JIT_COMPARISON_NE, c, c32(e, 0));
			break;
		}
		case 2: r = cmp(e, GCC_JIT_COMPARISON_EQ, d, zero); break;
		case 4: r = cmp(e, GCC_JIT_COMPARISON_LT, d, zero); break;
		default: return NULL;
		}
	} else if (e->cc_kind == CC_OP_LOGIC || e->cc_kind == CC_OP_ADD) {
		gcc_jit_rvalue *d = cc_sext(e, rv(e->cc_r));
		switch (cond >> 1) {
		case 1:
			if (e->cc_kind == CC_OP_ADD)   /* carry */
				r = cmp(e, GCC_JIT_COMPARISON_LT, cc_zext(e, rv(e->cc_r)), cc_zext(e, rv(e->cc_x)));
			else
				r = gcc_jit_context_zero(e->ctx, e->boolt);
			break;
		case 0:
			if (e->cc_kind != CC_OP_LOGIC)
				return NULL;
			r = gcc_jit_context_zero(e->ctx, e->boolt);
			break;
		case 2: r = cmp(e, GCC_JIT_COMPARISON_EQ, d, zero); break;
		case 3: if (e->cc_kind != CC_OP_LOGIC) return NULL; r = cmp(e, GCC_JIT_COMPARISON_EQ, d, zero); break;
		case 4: r = cmp(e, GCC_JIT_COMPARISON_LT, d, zero); break;
		case 6: if (e->cc_kind != CC_OP_LOGIC) return NULL; r = cmp(e, GCC_JIT_COMPARISON_LT, d, zero); break;
		case 7: if (e->cc_kind != CC_OP_LOGIC) return NULL; r = cmp(e, GCC_JIT_COMPARISON_LE, d, zero); break;
		default: return NULL;
		}
	} else {
		return NULL;
	}
	if (cond & 1)
		r = gcc_jit_context_new_unary_op(e->ctx, NULL, GCC_JIT_UNARY_OP_LOGICAL_NEGATE, e->boolt, r);
	return r;
}
/* Condition op->aux as a bool. */
static gcc_jit_rvalue *emit_condition(struct emit *e)
{
	gcc_jit_rvalue *r = cond_known(e, e->op->aux);
	if (r)
		return r;
	flags_store(e);
	gcc_jit_rvalue *args[2] = { cpu_arg(e), opptr(e) };
	gcc_jit_lvalue *c = new_local(e);
	assign(e, c, call(e, e->u32, (void *)glue_cond, 2, args));
	return cmp(e, GCC_JIT_COMPARISON_NE, rv(c), c32(e, 0));
}

/* CF as a uint32_t 0/1 (interp_carry): from the last fused op of the
 * block when there is one, else from the record. */
static gcc_jit_rvalue *emit_carry(struct emit *e)
{
	switch (e->cc_kind) {
	case CC_OP_SUB: return cmp32(e, GCC_JIT_COMPARISON_LT, cc_zext(e, rv(e->cc_x)), cc_zext(e, rv(e->cc_y)));
	case CC_OP_ADD: return cmp32(e, GCC_JIT_COMPARISON_LT, cc_zext(e, rv(e->cc_r)), cc_zext(e, rv(e->cc_x)));
	case CC_OP_LOGIC: return c32(e, 0);
	case CC_OP_INC: case CC_OP_DEC:
		if (e->cc_y)
			return rv(e->cc_y);
		break;
	default: break;
	}
	flags_store(e);
	return carry_of(e, record_in_memory);
}

/* The old CF of an INC/DEC (whose record keeps it), as a local, or NULL
 * when only the record before knows it (then it is read when needed). */
static gcc_jit_lvalue *carry_for_incdec(struct emit *e)
{
	if (e->cc_kind < 0)
		return NULL;   /* lazy: see flags_defer */
	gcc_jit_lvalue *c = new_local(e);
	assign(e, c, emit_carry(e));
	return c;
}

/* The operands of the flag-writing op just emitted, for cond_known and
 * emit_carry (kind -1: none known). */
static void cc_known(struct emit *e, int kind, unsigned size, gcc_jit_lvalue *x, gcc_jit_lvalue *y, gcc_jit_lvalue *r)
{
	e->cc_kind = kind;
	e->cc_size = size;
	e->cc_x = x;
	e->cc_y = y;
	e->cc_r = r;
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
	gcc_jit_lvalue *x = new_local(e), *y = new_local(e), *r = new_local(e);
	assign(e, x, reg32(e, op->aux));
	assign(e, y, ri ? c32(e, op->imm) : reg32(e, op->b));
	assign(e, r, bin(e, bo, rv(x), rv(y)));
	if (store)
		set_reg(e, op->aux, rv(r));
	if (nf)
		return true;
	if (ccop == CC_OP_LOGIC)
		flags_defer(e, ccop, 4, r, NULL, NULL, NULL);
	else
		flags_defer(e, ccop, 4, r, y, x, NULL);
	cc_known(e, ccop, 4, x, y, r);
	return true;
}

/* ---- helpers done inline ---- */

/* x sign-extended from `size` bytes to int64_t */
static gcc_jit_rvalue *sext64(struct emit *e, gcc_jit_rvalue *x, unsigned size)
{
	gcc_jit_type *i64 = gcc_jit_context_get_int_type(e->ctx, 8, 1);
	gcc_jit_type *narrow = gcc_jit_context_get_int_type(e->ctx, (int)size, 1);
	return cast(e, cast(e, x, narrow), i64);
}

/* SHL/SHR/SAR by a known count (alu_shift): the result and a pending
 * CC_OP_SHL/SHR/SAR record; count 0 changes no flags. */
static bool emit_shift_inline(struct emit *e)
{
	const struct ir_op *op = e->op;
	unsigned alu = op->imm & 0xff, size = (op->imm >> 8) & 7;
	if ((alu != ALU_SHL && alu != ALU_SAL && alu != ALU_SHR && alu != ALU_SAR) ||
	    (size != 1 && size != 2 && size != 4) || !e->t_known[op->b])
		return false;
	uint32_t count = e->t_value[op->b] & 31, mask = interp_size_mask[size];
	gcc_jit_lvalue *value = new_local(e), *res = new_local(e), *cnt = new_local(e);
	assign(e, value, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, T(e, op->a), c32(e, mask)));
	if (count == 0) {
		assign(e, temp(e, op->d), rv(value));
		return true;
	}
	int ccop;
	gcc_jit_rvalue *r;
	if (alu == ALU_SHR) {
		ccop = CC_OP_SHR;
		r = bin(e, GCC_JIT_BINARY_OP_RSHIFT, rv(value), c32(e, count));
	} else if (alu == ALU_SAR) {
		ccop = CC_OP_SAR;
		gcc_jit_type *i64 = gcc_jit_context_get_int_type(e->ctx, 8, 1);
		r = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND,
			cast(e, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_RSHIFT, i64,
							      sext64(e, rv(value), size),
							      gcc_jit_context_new_rvalue_from_int(e->ctx, i64, (int)count)),
			     e->u32),
			c32(e, mask));
	} else {
		ccop = CC_OP_SHL;
		r = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, bin(e, GCC_JIT_BINARY_OP_LSHIFT, rv(value), c32(e, count)),
			c32(e, mask));
	}
	assign(e, res, r);
	assign(e, cnt, c32(e, count));
	flags_defer(e, ccop, size, res, cnt, value, NULL);
	assign(e, temp(e, op->d), rv(res));
	return true;
}

/* IMUL2 (alu_imul_trunc): the truncated product and a pending
 * CC_OP_IMUL record whose "flags before" are read only when it is stored. */
static bool emit_imul2_inline(struct emit *e)
{
	const struct ir_op *op = e->op;
	unsigned size = op->imm;
	if (size != 2 && size != 4)
		return false;
	gcc_jit_type *i64 = gcc_jit_context_get_int_type(e->ctx, 8, 1);
	gcc_jit_lvalue *p = new_local_of(e, i64), *res = new_local(e), *ovf = new_local(e), *zero = new_local(e);
	assign(e, p, gcc_jit_context_new_binary_op(e->ctx, NULL, GCC_JIT_BINARY_OP_MULT, i64, sext64(e, T(e, op->a), size),
						   sext64(e, T(e, op->b), size)));
	assign(e, res, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, cast(e, rv(p), e->u32), c32(e, interp_size_mask[size])));
	assign(e, ovf, cmp32(e, GCC_JIT_COMPARISON_NE, rv(p), sext64(e, rv(res), size)));
	assign(e, zero, c32(e, 0));
	flags_defer(e, CC_OP_IMUL, size, res, ovf, zero, NULL);
	assign(e, temp(e, op->d), rv(res));
	return true;
}

/* A HELPER op emitted inline, or false. */
static bool emit_helper_inline(struct emit *e)
{
	switch (e->op->aux) {
	case JIT_HELPER_SHIFT: return emit_shift_inline(e);
	case JIT_HELPER_IMUL2: return emit_imul2_inline(e);
	default: return false;
	}
}

/* Follows the temporaries that hold constants (MOVI and what is computed
 * from them), after op is emitted. */
static void track_constants(struct emit *e, const struct ir_op *op)
{
	bool known = false;
	uint32_t v = 0;
	switch (op->opc) {
	case IR_MOVI: known = true; v = op->imm; break;
	case IR_MOV: known = e->t_known[op->a]; v = e->t_value[op->a]; break;
	case IR_ANDI: known = e->t_known[op->a]; v = e->t_value[op->a] & op->imm; break;
	case IR_ADDI: known = e->t_known[op->a]; v = e->t_value[op->a] + op->imm; break;
	default: break;
	}
	/* every op that writes a temporary writes t[d]; for the others this
	 * only forgets a constant */
	if (op->d && op->d < IR_MAX_TEMPS) {
		e->t_known[op->d] = known;
		e->t_value[op->d] = v;
	}
}

/* Whether op leaves the last fused ALU op's flags as they are. */
static bool keeps_cc(const struct ir_op *op)
{
	switch (op->opc) {
	case IR_INC32R: case IR_FLAGS:
		return true;   /* they read the old CF first, then set cc_kind themselves */
	case IR_HELPER: case IR_SETFLAGS:
		return false;
	default:
		return !(ir_op_properties(op) & IR_WRITES_FLAGS);
	}
}

/* Emits e->op; false when it is not supported. Sets *done after an op
 * that ends the path (an exit). */
static bool emit_op(struct emit *e, bool *done)
{
	const struct ir_op *op = e->op;
	const struct jit_block *b = e->b;
	gcc_jit_rvalue *args[6];
	*done = false;
	if (!keeps_cc(op))
		e->cc_kind = -1;
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
		uint32_t mask = op->opc == IR_PUT16 ? 0xffff : 0xff;
		unsigned shift = op->opc == IR_PUT8H ? 8 : 0;
		gcc_jit_rvalue *v = bin(e, GCC_JIT_BINARY_OP_LSHIFT, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, A, c32(e, mask)),
					c32(e, shift));
		gcc_jit_rvalue *kept = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, reg32(e, op->aux), c32(e, ~(mask << shift)));
		set_reg(e, op->aux, bin(e, GCC_JIT_BINARY_OP_BITWISE_OR, kept, v));
		return true;
	}
	case IR_PUT32: set_reg(e, op->aux, A); return true;
	case IR_GETSEL:
		args[0] = cpu_arg(e); args[1] = opptr(e);
		assign(e, D, call(e, e->u32, (void *)glue_getsel, 2, args));
		return true;
	case IR_ADDSEG:
		assign(e, D, seg_linear(e, A));
		return true;
	case IR_SETSEG_REAL:
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		eval(e, call(e, e->voidt, (void *)glue_setseg_real, 3, args));
		return true;
	case IR_EA:
		assign(e, D, op->aux != IR_NOREG ? seg_linear(e, ea_offset(e, op)) : ea_offset(e, op));
		return true;
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
					     e->ctx, NULL, GCC_JIT_BINARY_OP_RSHIFT, e->i32, signed32(e, A),
					     signed32(e, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, B, c32(e, 31)))),
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
		gcc_jit_block *join = new_block(e), *no;
		gcc_jit_block *yes = branch_if(e, cmp(e, GCC_JIT_COMPARISON_NE, C, c32(e, 0)), &no);
		gcc_jit_block_add_assignment(yes, NULL, v, A);
		gcc_jit_block_end_with_jump(yes, NULL, join);
		gcc_jit_block_add_assignment(no, NULL, v, B);
		gcc_jit_block_end_with_jump(no, NULL, join);
		e->cur = join;
		assign(e, D, rv(v));
		return true;
	}
	case IR_COND:
		assign(e, D, cast(e, emit_condition(e), e->u32));
		return true;
	case IR_CARRY:
		assign(e, D, emit_carry(e));
		return true;
	case IR_FLAGS: {
		/* interp_set_flags inline; a 32-bit SUB/ADD/logic record
		 * makes the following conditions known */
		bool incdec = op->aux == CC_OP_INC || op->aux == CC_OP_DEC;
		gcc_jit_lvalue *aux2, *dst = new_local(e), *src = new_local(e), *x = new_local(e);
		if (incdec) {
			aux2 = carry_for_incdec(e);
		} else {
			aux2 = new_local(e);
			assign(e, aux2, T(e, op->d));
		}
		assign(e, dst, bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, A, c32(e, op->size <= 4 ? interp_size_mask[op->size] : ~0u)));
		assign(e, src, B);
		assign(e, x, C);
		flags_defer(e, op->aux, op->size, dst, src, x, aux2);
		e->cc_kind = -1;
		if (op->size == 1 || op->size == 2 || op->size == 4) {
			if (op->aux == CC_OP_SUB || op->aux == CC_OP_ADD || op->aux == CC_OP_LOGIC)
				cc_known(e, op->aux, op->size, x, src, dst);
			else if (incdec)
				cc_known(e, op->aux, op->size, x, aux2, dst);
		}
		return true;
	}
	case IR_GETFLAGS:
		flags_store(e);
		args[0] = cpu_arg(e);
		assign(e, D, call(e, e->u32, (void *)soft_cpu_get_flags, 1, args));
		return true;
	case IR_SETFLAGS:
		flags_store(e);
		args[0] = cpu_arg(e); args[1] = A; args[2] = c32(e, op->imm);
		eval(e, call(e, e->voidt, (void *)soft_cpu_set_flags, 3, args));
		flags_written_by_call(e);
		return true;
	case IR_LD8: case IR_LD16: case IR_LD32:
		assign(e, D, emit_load(e, A, op->opc == IR_LD8 ? 1 : op->opc == IR_LD16 ? 2 : 4));
		return true;
	case IR_ST8: case IR_ST16: case IR_ST32:
		if (e->smc_state == SMC_NONE) {
			e->smc_flag = new_local_of(e, e->boolt);
			assign(e, e->smc_flag, gcc_jit_context_zero(e->ctx, e->boolt));
			e->smc_state = SMC_LOCAL;
		}
		emit_store(e, A, op->opc == IR_ST8 ? 1 : op->opc == IR_ST16 ? 2 : 4, B, false, 0);
		return true;
	case IR_PROBEW:
		sync_state_main(e);
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		eval(e, call(e, e->voidt, (void *)glue_probew, 3, args));
		return true;
	case IR_IN:
		sync_state_main(e);
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		assign(e, D, call(e, e->u32, (void *)glue_in, 3, args));
		return true;
	case IR_OUT:
		sync_state_main(e);
		e->smc_state = SMC_MEMORY;
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A; args[3] = B;
		eval(e, call(e, e->voidt, (void *)glue_out, 4, args));
		return true;
	case IR_HELPER:
		if (op->aux >= JIT_NR_HELPERS)
			return false;
		if (emit_helper_inline(e))
			return true;
		if (jit_helpers[op->aux].properties & IR_FLAGS_ONLY) {
			/* no registers, memory or faults: no sync, no reload */
			flags_store(e);
			args[0] = cpu_arg(e); args[1] = c32(e, op->imm); args[2] = A; args[3] = B; args[4] = C;
			assign(e, D, call(e, e->u32, (void *)jit_helpers[op->aux].fn, 5, args));
			flags_written_by_call(e);
			return true;
		}
		sync_state_main(e);
		e->smc_state = SMC_MEMORY;
		assign(e, CPU_FIELD(cur_op, e->vptr), opptr(e));
		args[0] = cpu_arg(e); args[1] = c32(e, op->imm); args[2] = A; args[3] = B; args[4] = C;
		assign(e, D, call(e, e->u32, (void *)jit_helpers[op->aux].fn, 5, args));
		reload_regs(e);
		return true;
	case IR_RAISE:
		sync_state_main(e);
		args[0] = cpu_arg(e); args[1] = opptr(e);
		eval(e, call(e, e->voidt, (void *)glue_raise, 2, args));
		leave(e, JIT_NATIVE_LEAVE);   /* not reached */
		*done = true;
		return true;
	case IR_CHKIP: {
		gcc_jit_block *ok;
		e->cur = branch_if(e, cmp(e, GCC_JIT_COMPARISON_GT, A,
					  rv(field(e, offsetof(struct soft_cpu, s.seg) + SEG_CS * sizeof(struct cpu_segment) +
							   offsetof(struct cpu_segment, limit), e->u32))), &ok);
		sync_state(e);
		args[0] = cpu_arg(e); args[1] = opptr(e); args[2] = A;
		eval(e, call(e, e->voidt, (void *)glue_chkip, 3, args));
		leave(e, JIT_NATIVE_LEAVE);   /* not reached */
		e->cur = ok;
		return true;
	}
	case IR_SMCCHK:
		if (e->smc_state == SMC_LOCAL)
			smc_exit_if(e, rv(e->smc_flag), op->imm);
		else if (e->smc_state == SMC_MEMORY)
			smc_exit_if(e, rv(CPU_FIELD(mmu.code_written, e->boolt)), op->imm);
		e->smc_state = SMC_NONE;
		e->smc_flag = NULL;
		return true;
	case IR_MOV32RR: set_reg(e, op->aux, reg32(e, op->b)); return true;
	case IR_MOV32RI: set_reg(e, op->aux, c32(e, op->imm)); return true;
	case IR_INC32R: {
		/* the old CF is read before cc_kind changes */
		gcc_jit_lvalue *x = new_local(e), *one = new_local(e), *r = new_local(e);
		gcc_jit_lvalue *carry = carry_for_incdec(e);
		assign(e, x, reg32(e, op->aux));
		assign(e, r, bin(e, GCC_JIT_BINARY_OP_PLUS, rv(x), c32(e, op->imm)));
		assign(e, one, c32(e, 1));
		set_reg(e, op->aux, rv(r));
		int ccop = op->imm == 1 ? CC_OP_INC : CC_OP_DEC;
		flags_defer(e, ccop, 4, r, one, x, carry);
		cc_known(e, ccop, 4, x, carry, r);
		return true;
	}
	case IR_LD32R: case IR_LDZX8R: case IR_LDZX16R: {
		unsigned size = op->opc == IR_LDZX8R ? 1 : op->opc == IR_LDZX16R ? 2 : 4;
		set_reg(e, op->d, emit_load(e, seg_linear(e, ea_offset(e, op)), size));
		return true;
	}
	case IR_ST32R: case IR_ST8R: {
		gcc_jit_rvalue *lin = seg_linear(e, ea_offset(e, op));
		gcc_jit_rvalue *v;
		if (op->opc == IR_ST32R)
			v = reg32(e, op->d);
		else if (op->d < 4)
			v = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND, reg32(e, op->d), c32(e, 0xff));
		else
			v = bin(e, GCC_JIT_BINARY_OP_BITWISE_AND,
				bin(e, GCC_JIT_BINARY_OP_RSHIFT, reg32(e, op->d & 3), c32(e, 8)), c32(e, 0xff));
		uint32_t next = b->insns[op->insn].eip + b->insns[op->insn].len;
		if (!(b->mode & JIT_MODE_CS32))
			next &= 0xffff;
		emit_store(e, lin, op->opc == IR_ST32R ? 4 : 1, v, true, next);
		return true;
	}
	case IR_EXIT_JMP:
		if (op->imm > 1)
			return false;
		exit_slot(e, (int)op->imm);
		*done = true;
		return true;
	case IR_BRANCH:
		exit_cond(e, cmp(e, GCC_JIT_COMPARISON_NE, A, c32(e, 0)));
		*done = true;
		return true;
	case IR_JCC:
		exit_cond(e, emit_condition(e));
		*done = true;
		return true;
	case IR_EXIT_IND: case IR_EXIT_DYN:
		set_rip(e, A);
		add_retired(e, op->insn + 1u);
		if (op->opc == IR_EXIT_IND && e->opt->link_blocks) {
			gcc_jit_block *hub = ind_hub(e);
			if (hub) {
				/* not after a store into translated code */
				gcc_jit_block *stop;
				gcc_jit_block *go = branch_if(e, smc_clear(e), &stop);
				e->cur = stop;
				leave(e, JIT_NATIVE_IND);
				e->cur = go;
				flags_to_locals(e);   /* the hub's state */
				assign(e, e->ind_eip, A);
				assign(e, e->ind_from, cint(e, (int)e->region_index));
				gcc_jit_block_end_with_jump(e->cur, NULL, hub);
				*done = true;
				return true;
			}
		}
		leave(e, op->opc == IR_EXIT_IND ? JIT_NATIVE_IND : JIT_NATIVE_LEAVE);
		*done = true;
		return true;
	case IR_EXIT_STATE:
		add_retired(e, op->insn + 1u);
		leave(e, JIT_NATIVE_LEAVE);
		*done = true;
		return true;
	case IR_EXIT_HLT:
		set_rip(e, c32(e, op->imm));
		add_retired(e, op->insn + 1u);
		assign(e, CPU_FIELD(halted, e->boolt), gcc_jit_context_one(e->ctx, e->boolt));
		leave(e, JIT_NATIVE_LEAVE);
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

/* ---- compile ---- */

/* Whether the backend supports every op of block b and b ends with an
 * exit; else the name of the first problem. */
static const char *block_unsupported(const struct jit_block *b)
{
	for (unsigned i = 0; i < b->nr_ops; i++) {
		const struct ir_op *op = &b->ops[i];
		if ((op->opc == IR_HELPER && op->aux >= JIT_NR_HELPERS) || (op->opc == IR_EXIT_JMP && op->imm > 1))
			return ir_opcode_name(op->opc);
		if (op->opc >= IR_NR_OPCODES)
			return "(unknown op)";
	}
	if (!b->nr_ops || !(ir_op_properties(&b->ops[b->nr_ops - 1]) & IR_IS_EXIT))
		return "(no exit)";
	return NULL;
}

static void set_types(struct emit *e)
{
	e->u8 = gcc_jit_context_get_int_type(e->ctx, 1, 0);
	e->u16 = gcc_jit_context_get_int_type(e->ctx, 2, 0);
	e->u32 = gcc_jit_context_get_int_type(e->ctx, 4, 0);
	e->u64 = gcc_jit_context_get_int_type(e->ctx, 8, 0);
	e->i32 = gcc_jit_context_get_int_type(e->ctx, 4, 1);
	e->intt = gcc_jit_context_get_type(e->ctx, GCC_JIT_TYPE_INT);
	e->boolt = gcc_jit_context_get_type(e->ctx, GCC_JIT_TYPE_BOOL);
	e->vptr = gcc_jit_context_get_type(e->ctx, GCC_JIT_TYPE_VOID_PTR);
	e->voidt = gcc_jit_context_get_type(e->ctx, GCC_JIT_TYPE_VOID);
	e->u16_ua = gcc_jit_type_get_aligned(e->u16, 1);
	e->u32_ua = gcc_jit_type_get_aligned(e->u32, 1);
	e->vol_int = gcc_jit_type_get_volatile(e->intt);
	e->vol_bool = gcc_jit_type_get_volatile(e->boolt);
}

static void report_error(struct jit_compile_report *rep, const char *msg)
{
	if (!rep->error[0])
		snprintf(rep->error, sizeof(rep->error), "%s", msg ? msg : "unknown error");
}

struct jit_region *jit_gccjit_compile(const struct jit_batch *batch, const struct jit_compile_options *opt,
				      struct jit_compile_report *rep)
{
	struct jit_region *region = calloc(1, sizeof(*region));
	gcc_jit_block **labels = calloc(batch->nr ? batch->nr : 1, sizeof(*labels));
	unsigned *region_of = calloc(batch->nr ? batch->nr : 1, sizeof(*region_of));
	if (region)
		region->blocks = calloc(batch->nr ? batch->nr : 1, sizeof(*region->blocks));
	if (!region || !labels || !region_of || !region->blocks) {
		report_error(rep, "out of memory");
		goto fail_mem;
	}
	region->generation = batch->generation;

	struct emit e = { .batch = batch, .opt = opt, .labels = labels, .region_of = region_of, .cc_kind = -1,
			  .fl = FL_LOCALS,
			  .region_blocks = opt->table ? opt->table : region->blocks };
	e.ctx = gcc_jit_context_acquire();
	if (!e.ctx) {
		report_error(rep, "gcc_jit_context_acquire failed");
		goto fail_mem;
	}
	gcc_jit_context_set_int_option(e.ctx, GCC_JIT_INT_OPTION_OPTIMIZATION_LEVEL, opt->opt_level);
	/* GCC's garbage-collected heap is not given back between compiles:
	 * with its defaults the process grew by about 300 KiB per compile;
	 * collecting from 4 MiB on keeps that to about 25 KiB (what
	 * libgccjit-12 itself never frees), at no measurable compile cost
	 * (docs/jit.md, "Memory"). */
	gcc_jit_context_add_command_line_option(e.ctx, "--param=ggc-min-heapsize=4096");
	gcc_jit_context_add_command_line_option(e.ctx, "--param=ggc-min-expand=30");
	gcc_jit_context_set_bool_print_errors_to_stderr(e.ctx, 0);
	gcc_jit_context_set_bool_allow_unreachable_blocks(e.ctx, 1);
	set_types(&e);
	gcc_jit_param *params[2] = {
		gcc_jit_context_new_param(e.ctx, NULL, gcc_jit_type_get_pointer(e.u8), "cpu"),
		gcc_jit_context_new_param(e.ctx, NULL, e.intt, "entry"),
	};
	e.fn = gcc_jit_context_new_function(e.ctx, NULL, GCC_JIT_FUNCTION_EXPORTED, e.intt, "region", 2, params, 0);
	e.cpu = gcc_jit_param_as_rvalue(params[0]);
	gcc_jit_block *entry = new_block(&e);

	/* the blocks to compile, their labels and what they write */
	for (unsigned i = 0; i < batch->nr; i++) {
		const char *why = block_unsupported(batch->copy[i]);
		if (why) {
			rep->unsupported++;
			if (!rep->first_unsupported)
				rep->first_unsupported = why;
			continue;
		}
		labels[i] = new_block(&e);
		region_of[i] = region->nr_blocks;
		region->blocks[region->nr_blocks++] = batch->orig[i];
	}
	if (!region->nr_blocks) {
		gcc_jit_context_release(e.ctx);
		goto fail_mem;
	}

	/* entry: t0 = 0, registers into locals, switch (entry) */
	e.cur = entry;
	assign(&e, temp(&e, 0), c32(&e, 0));
	for (unsigned r = 0; r < 8; r++) {
		char name[8];
		snprintf(name, sizeof(name), "r%u", r);
		e.r[r] = gcc_jit_function_new_local(e.fn, NULL, e.u32, name);
	}
	reload_regs(&e);
	e.retired = gcc_jit_function_new_local(e.fn, NULL, e.u64, "retired");
	e.L.opsize = gcc_jit_function_new_local(e.fn, NULL, e.u16, "fl_opsize");
	e.L.dst = gcc_jit_function_new_local(e.fn, NULL, e.u32, "fl_dst");
	e.L.src = gcc_jit_function_new_local(e.fn, NULL, e.u32, "fl_src");
	e.L.aux = gcc_jit_function_new_local(e.fn, NULL, e.u32, "fl_aux");
	e.L.aux2 = gcc_jit_function_new_local(e.fn, NULL, e.u32, "fl_aux2");
	e.fl = FL_MEMORY;
	flags_to_locals(&e);
	make_epilogues(&e);
	e.ind_eip = gcc_jit_function_new_local(e.fn, NULL, e.u32, "ind_eip");
	e.ind_from = gcc_jit_function_new_local(e.fn, NULL, e.intt, "ind_from");
	assign(&e, e.retired, c64(&e, 0));
	gcc_jit_case **cases = calloc(region->nr_blocks, sizeof(*cases));
	if (!cases) {
		gcc_jit_context_release(e.ctx);
		report_error(rep, "out of memory");
		goto fail_mem;
	}
	gcc_jit_block *first = NULL;
	for (unsigned i = 0, n = 0; i < batch->nr; i++) {
		if (!labels[i])
			continue;
		if (!first)
			first = labels[i];
		gcc_jit_rvalue *v = cint(&e, (int)n);
		cases[n++] = gcc_jit_context_new_case(e.ctx, v, v, labels[i]);
	}
	gcc_jit_block_end_with_switch(entry, NULL, gcc_jit_param_as_rvalue(params[1]), first, (int)region->nr_blocks,
				      cases);
	free(cases);

	for (unsigned i = 0; i < batch->nr; i++) {
		if (!labels[i])
			continue;
		e.region_index = region_of[i];
		e.b = batch->copy[i];
		e.orig = batch->orig[i];
		e.cur = labels[i];
		e.cc_kind = -1;
		e.fl = FL_LOCALS;
		e.smc_state = SMC_NONE;
		e.smc_flag = NULL;
		memset(e.t_known, 0, sizeof(e.t_known));
		e.t_known[0] = true;   /* t0 is 0 */
		e.t_value[0] = 0;
		bool done = false;
		for (unsigned k = 0; k < e.b->nr_ops && !done; k++) {
			e.op = &e.b->ops[k];
			emit_op(&e, &done);   /* every op was checked by block_unsupported */
			track_constants(&e, e.op);
		}
	}

	/* MORPHEUS_JIT_DUMP=FILE: the region as C-like text, for debugging */
	const char *dump = getenv("MORPHEUS_JIT_DUMP");
	if (dump && *dump)
		gcc_jit_context_dump_to_file(e.ctx, dump, 0);
	/* MORPHEUS_JIT_KEEP: keep libgccjit's temporary directory (the .so
	 * that perf annotate can read) */
	if (getenv("MORPHEUS_JIT_KEEP"))
		gcc_jit_context_set_bool_option(e.ctx, GCC_JIT_BOOL_OPTION_KEEP_INTERMEDIATES, 1);
	if (getenv("MORPHEUS_JIT_DUMP_ASM"))   /* the assembly, to stderr */
		gcc_jit_context_set_bool_option(e.ctx, GCC_JIT_BOOL_OPTION_DUMP_GENERATED_CODE, 1);
	if (opt->so_path) {
		gcc_jit_context_compile_to_file(e.ctx, GCC_JIT_OUTPUT_KIND_DYNAMIC_LIBRARY, opt->so_path);
		const char *error = gcc_jit_context_get_first_error(e.ctx);
		if (error) {
			report_error(rep, error);
			gcc_jit_context_release(e.ctx);
			goto fail_mem;
		}
		gcc_jit_context_release(e.ctx);
		free(labels);
		free(region_of);
		return region;
	}
	gcc_jit_result *res = gcc_jit_context_compile(e.ctx);
	void *fn = res ? gcc_jit_result_get_code(res, "region") : NULL;
	if (!fn) {
		report_error(rep, gcc_jit_context_get_first_error(e.ctx));
		if (res)
			gcc_jit_result_release(res);
		gcc_jit_context_release(e.ctx);
		goto fail_mem;
	}
	gcc_jit_context_release(e.ctx);
	free(labels);
	free(region_of);
	region->result = res;
	region->fn = (int (*)(struct soft_cpu *, int))fn;
	return region;

fail_mem:
	free(labels);
	free(region_of);
	if (region)
		free(region->blocks);
	free(region);
	return NULL;
}

void jit_region_release(struct jit_region *r)
{
	if (!r)
		return;
	if (r->result)
		gcc_jit_result_release(r->result);
	if (r->dl)
		dlclose(r->dl);
	if (r->so_path[0] && !getenv("MORPHEUS_JIT_KEEP"))   /* kept: for perf annotate */
		unlink(r->so_path);
	free(r->blocks);
	free(r);
}
