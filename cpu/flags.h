/* SPDX-License-Identifier: GPL-3.0-or-later */
/* flags.h — lazy arithmetic flags, shared by every tier of the soft engine.
 *
 * A flag-setting instruction records only what it did (`struct lazy_flags`:
 * the operation and size, its operands and its result, and for a few
 * operations one more value); OF SF ZF AF PF CF are computed from that when
 * something reads them. The other EFLAGS bits (TF IF DF IOPL NT RF VM AC ID)
 * live in cpu_state.rflags. CC_OP_EFLAGS means the six arithmetic flags are
 * stored as bits in `src` (after POPF, SAHF, IRET, or a materialization).
 *
 * Undefined flags follow the host CPU (an AMD EPYC) wherever a cheap rule
 * reproduces it; the table at the top of cpu/flags.c lists every choice and
 * where an Intel P6 differs. tests/unit/test_flags.c and test_alu.c check
 * them against the host.
 *
 * Field conventions (for every op below):
 *  - dst, src, aux may hold garbage above the operand size: flags_* look
 *    only at the low `size` bytes, so the translator never has to mask.
 *  - "flags before" (aux2 of ROL ROR MUL IMUL) is flags_compute() of the
 *    lazy state the instruction replaced, as EFLAGS bits.
 *  - A count of 0 never reaches lazy_flags (a shift/rotate by 0 leaves the
 *    flags alone: don't touch struct lazy_flags at all).
 */
#ifndef MORPHEUS_FLAGS_H
#define MORPHEUS_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#define FLAG_CF (1u << 0)
#define FLAG_PF (1u << 2)
#define FLAG_AF (1u << 4)
#define FLAG_ZF (1u << 6)
#define FLAG_SF (1u << 7)
#define FLAG_TF (1u << 8)
#define FLAG_IF (1u << 9)
#define FLAG_DF (1u << 10)
#define FLAG_OF (1u << 11)
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* The operation that last set the flags. The operand size (1, 2, 4) is
 * kept apart in lazy_flags.size. For each op: what the translator stores
 * (fields not named are ignored). */
enum cc_op {
	CC_OP_EFLAGS,   /* src = the six arithmetic flags as EFLAGS bits (other
	                 * bits ignored); size ignored */
	CC_OP_ADD,      /* ADD, XADD: aux = first operand (destination before),
	                 * src = second operand, dst = aux + src */
	CC_OP_ADC,      /* ADC: as ADD, aux2 = carry in (0 or 1),
	                 * dst = aux + src + aux2 */
	CC_OP_SUB,      /* SUB, CMP, CMPXCHG, SCAS, CMPS: aux = first operand,
	                 * src = second operand, dst = aux - src */
	CC_OP_SBB,      /* SBB: as SUB, aux2 = borrow in (0 or 1),
	                 * dst = aux - src - aux2 */
	CC_OP_LOGIC,    /* AND OR XOR TEST: dst = result. CF = OF = AF = 0 */
	CC_OP_INC,      /* INC: dst = result, aux2 = CF before (0 or 1; INC
	                 * keeps CF) */
	CC_OP_DEC,      /* DEC: as INC */
	CC_OP_NEG,      /* NEG: src = operand, dst = -src */
	CC_OP_SHL,      /* SHL/SAL by count 1..31: aux = operand, src = count,
	                 * dst = result. (alu_shift stores these itself.) */
	CC_OP_SHR,      /* SHR: as SHL */
	CC_OP_SAR,      /* SAR: as SHL */
	CC_OP_ROL,      /* ROL by a count 1..31: dst = result, aux2 = flags
	                 * before (only CF and OF change) */
	CC_OP_ROR,      /* ROR: as ROL */
	CC_OP_MUL,      /* MUL: dst = low half of the product (AL for size 1),
	                 * src = high half (AH for size 1), aux2 = flags before.
	                 * CF = OF = (high half != 0); SF ZF AF PF kept */
	CC_OP_IMUL,     /* IMUL (all forms): dst = low half / truncated result,
	                 * src = 1 if the product did not fit the truncated
	                 * result (sign-extended), else 0; aux2 = flags before.
	                 * CF = OF = src; SF ZF AF PF kept */
	CC_OP_COUNT
};

struct lazy_flags {
	uint8_t op;        /* enum cc_op */
	uint8_t size;      /* 1, 2 or 4 (operand size in bytes) */
	uint32_t dst;      /* the result */
	uint32_t src;      /* the second operand (or see enum cc_op) */
	uint32_t aux;      /* the first operand (ADD/SUB/shifts) */
	uint32_t aux2;     /* carry in / old CF / old flags (see enum cc_op) */
};

/* The six arithmetic flags, as EFLAGS bits (nothing else set). */
uint32_t flags_compute(const struct lazy_flags *f);
/* CF alone (cheaper than flags_compute for ADC/SBB/RCL/RCR/SETC/JC). */
bool flags_carry(const struct lazy_flags *f);
/* Condition code cc (0-15, the low nibble of Jcc/SETcc/CMOVcc):
 * O NO B AE E NE BE A S NS P NP L GE LE G. Only cc & 15 is used. */
bool flags_condition(const struct lazy_flags *f, unsigned cc);
/* Stores the arithmetic flags of `eflags` (CC_OP_EFLAGS); other bits are
 * dropped. */
void flags_set(struct lazy_flags *f, uint32_t eflags);

#endif
