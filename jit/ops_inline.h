/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ops_inline.h — the inline pieces of the IR semantics that every tier
 * shares: conditions and CF from the lazy flags for the common cases, the
 * address of a fused memory op (limit check), and loads/stores with the
 * TLB hit inline and the slow path called with cpu->cur_op set. Tier 0
 * (jit/interp.c) inlines them; tier 1 (jit/gccjit.c) calls them through
 * small out-of-line wrappers. They do not decide anything else. */
#ifndef MORPHEUS_JIT_OPS_INLINE_H
#define MORPHEUS_JIT_OPS_INLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"
#include "jit/ir.h"

static const uint32_t interp_size_mask[5] = { 0, 0xff, 0xffff, 0, 0xffffffffu };

/* Conditions straight from the lazy record for the common cases (32-bit
 * CMP/SUB and logic ops; ZF of every op whose ZF is "result is zero");
 * the rest in flags.c. */
static inline __attribute__((always_inline)) bool interp_condition(const struct lazy_flags *cc, unsigned cond)
{
	bool r;
	if (cc->op == CC_OP_SUB && cc->size == 4) {
		uint32_t a = cc->aux, b = cc->src;
		switch (cond >> 1) {
		case 1: r = a < b; break;
		case 2: r = a == b; break;
		case 3: r = a <= b; break;
		case 4: r = (int32_t)(a - b) < 0; break;
		case 6: r = (int32_t)a < (int32_t)b; break;
		case 7: r = (int32_t)a <= (int32_t)b; break;
		default: return flags_condition(cc, cond);   /* O, P */
		}
		return r ^ (cond & 1);
	}
	if (cc->op == CC_OP_LOGIC && cc->size == 4) {
		int32_t d = (int32_t)cc->dst;
		switch (cond >> 1) {
		case 0: case 1: r = false; break;
		case 2: case 3: r = d == 0; break;
		case 4: case 6: r = d < 0; break;
		case 7: r = d <= 0; break;
		default: return flags_condition(cc, cond);   /* P */
		}
		return r ^ (cond & 1);
	}
	if ((cond == 4 || cond == 5) && cc->op >= CC_OP_ADD && cc->op <= CC_OP_SAR) {
		bool zf = (cc->dst & (cc->size <= 4 ? interp_size_mask[cc->size] : ~0u)) == 0;
		return cond == 4 ? zf : !zf;
	}
	return flags_condition(cc, cond);
}

/* CF straight from the lazy record for the common cases. */
static inline __attribute__((always_inline)) uint32_t interp_carry(const struct lazy_flags *cc)
{
	uint32_t mask = cc->size <= 4 ? interp_size_mask[cc->size] : ~0u;
	switch (cc->op) {
	case CC_OP_ADD: return (cc->dst & mask) < (cc->aux & mask);
	case CC_OP_SUB: return (cc->aux & mask) < (cc->src & mask);
	case CC_OP_LOGIC: return 0;
	case CC_OP_INC: case CC_OP_DEC: return cc->aux2 & 1;
	default: return flags_carry(cc);
	}
}

/* The linear address of a fused memory op (the fields of EA, with a
 * segment), after the segment check (limit, type: op->write). */
static inline uint32_t interp_ea(struct soft_cpu *cpu, const struct ir_op *op, const uint64_t *gpr)
{
	uint32_t ea = op->imm;
	if (op->a != IR_NOREG)
		ea += (uint32_t)gpr[op->a];
	if (op->b != IR_NOREG)
		ea += (uint32_t)gpr[op->b] << op->size;
	if (op->c)
		ea &= 0xffff;
	if (__builtin_expect(!soft_seg_fits_last(cpu, op->aux, op->write, ea, op->last), 0)) {
		cpu->cur_op = op;
		soft_seg_fault(cpu, op->aux);
	}
	return ea + (uint32_t)cpu->s.seg[op->aux].base;
}

/* Loads and stores: the TLB hit inline; the slow path (which may raise)
 * with cur_op set. */
static inline uint32_t interp_load(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin, unsigned size)
{
	const struct tlb_entry *e = mmu_entry(&cpu->mmu, MMU_READ, lin);
	if (__builtin_expect(mmu_hit(e, lin, size), 1)) {
		const void *host = (const void *)(lin + e->addend);
		if (size == 1)
			return *(const uint8_t *)host;
		if (size == 2) {
			uint16_t v;
			memcpy(&v, host, 2);
			return v;
		}
		uint32_t v;
		memcpy(&v, host, 4);
		return v;
	}
	cpu->cur_op = op;
	return mmu_load_slow(&cpu->mmu, lin, size);
}

/* Returns true when the store hit translated code (only the slow path
 * can: no write entry maps a code page). */
static inline bool interp_store(struct soft_cpu *cpu, const struct ir_op *op, uint32_t lin, unsigned size,
				uint32_t value)
{
	const struct tlb_entry *e = mmu_entry(&cpu->mmu, MMU_WRITE, lin);
	if (__builtin_expect(mmu_hit(e, lin, size), 1)) {
		void *host = (void *)(lin + e->addend);
		if (size == 1) {
			*(uint8_t *)host = (uint8_t)value;
		} else if (size == 2) {
			uint16_t v = (uint16_t)value;
			memcpy(host, &v, 2);
		} else {
			memcpy(host, &value, 4);
		}
		return false;
	}
	cpu->cur_op = op;
	mmu_store_slow(&cpu->mmu, lin, size, value);
	return cpu->mmu.code_written;
}

/* The FLAGS op: records a flag-setting operation (INC/DEC keep the old CF
 * in aux2). */
static inline void interp_set_flags(struct lazy_flags *cc, const struct ir_op *op, uint32_t a, uint32_t b,
				    uint32_t c, uint32_t d)
{
	uint32_t aux2 = d;
	if (op->aux == CC_OP_INC || op->aux == CC_OP_DEC)
		aux2 = interp_carry(cc);
	cc->op = op->aux;
	cc->size = op->size;
	cc->dst = a & interp_size_mask[op->size];
	cc->src = b;
	cc->aux = c;
	cc->aux2 = aux2;
}

#endif
