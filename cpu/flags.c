/* SPDX-License-Identifier: GPL-3.0-or-later */
/* flags.c — computes the arithmetic flags and the 16 condition codes from
 * the lazy record of the last flag-setting instruction (cpu/flags.h). It
 * does not execute instructions: cpu/alu.c and the translator do, and
 * store what they did in struct lazy_flags.
 *
 * Undefined flags. The SDM and APM leave some flags undefined; we follow
 * the host these tests run on (AMD EPYC, family 1Ah), measured natively by
 * tests/unit/test_flags.c and test_alu.c, which compare all six flags, the
 * undefined ones included, so every rule below is checked against the host
 * on every run. The "Intel" column is second-hand (no Intel CPU here): what
 * is documented or reported for P6-family and later Intel parts, "?" where
 * nothing reliable is known.
 *
 *  instruction     undefined flag  our value (= this AMD host)      Intel
 *  --------------  --------------  -------------------------------  -----------
 *  AND OR XOR TEST AF              0                                0, same
 *  SHL SHR SAR     AF (count!=0)   1                                ? (386: 1)
 *  SHL             OF (count>1)    MSB(result) XOR CF               ?
 *  SHR             OF (count>1)    bit n-1 XOR bit n-2 of result    ?
 *  SAR             OF (count>1)    0                                ?
 *  SHL SHR         CF (count >=    last bit shifted out: 0 once     ?
 *                  width)          the count exceeds the width
 *  ROL RCL         OF (count>1)    MSB(result) XOR CF, at every     ?
 *                                  count (also multiples of width)
 *  ROR RCR         OF (count>1)    bit n-1 XOR bit n-2 of result    ?
 *  SHLD            OF (count>1)    MSB(result) XOR CF; = CF at 16   ?
 *  SHRD            OF (count>1)    bit n-1 XOR bit n-2 of result    ?
 *  SHLD SHRD       AF              1                                ?
 *  SHLD SHRD 16    result, CF, OF  a 48-bit shift of dst:src:src    ?
 *                  (count 17..31)  (SHRD: src:src:dst); CF = 0;
 *                                  OF: SHLD 0, SHRD as above
 *  MUL IMUL        SF ZF AF PF     unchanged                        set from the
 *                                                                   result (rep.)
 *  DIV IDIV        all six         SF ZF PF = 0, AF = 1, CF OF      changed, model
 *                  (alu_div_flags) unchanged                        specific
 *  BSF BSR         CF OF SF AF PF  0, PF = parity of the index      ?
 *                                  (of 0 when the source is 0)
 *  BSF BSR src 0   destination     unchanged                        same (P6)
 *  BT BTS BTR BTC  OF SF AF PF     unchanged (ZF: unchanged, which  ? (386: as
 *                                  Intel defines)                   RCR)
 *  DAA             OF              as the ADD of the correction:    ?
 *                                  AL was < 0x80, new AL >= 0x80
 *  DAS             OF              as the SUB: AL was >= 0x80,      ?
 *                                  new AL < 0x80
 *  AAA AAS         OF SF ZF PF     those of the 16-bit ADD/SUB      SF ZF PF of
 *                                  AX +/- 0x106 (+/- 0 if no        the masked AL
 *                                  adjust), before AL is masked     (reported)
 *  AAM             OF AF CF        0                                ?
 *  AAD             OF AF CF        those of the 8-bit ADD of AL     ?
 *                                  and AH * imm8
 */
#include "cpu/flags.h"

#include "cpu/operand_bits.h"

/* CF of SHL/SHR/SAR by 1..31 as the host computes it (see the table). */
static uint32_t shift_carry(unsigned op, unsigned size, uint32_t aux, unsigned count)
{
	unsigned bits = size * 8;
	if (count == 0)   /* never stored (flags.h); no undefined shift in C */
		return 0;
	switch (op) {
	case CC_OP_SHL:
		return count <= bits ? (aux >> (bits - count)) & 1 : 0;
	case CC_OP_SHR:
		return count <= bits ? (aux >> (count - 1)) & 1 : 0;
	default: /* SAR */
		return (uint32_t)(sign_extend(aux, size) >> (count - 1)) & 1;
	}
}

uint32_t flags_compute(const struct lazy_flags *f)
{
	unsigned size = f->size;
	uint32_t mask = size_mask(size), sign = sign_bit(size);
	uint32_t dst = f->dst & mask, src = f->src & mask, aux = f->aux & mask;
	uint32_t flags = 0;

	switch (f->op) {
	case CC_OP_EFLAGS:
		return f->src & FLAGS_ARITH;
	case CC_OP_ADD:
		flags = bool_flag(dst < aux, FLAG_CF) |
			bool_flag((aux ^ dst) & (src ^ dst) & sign, FLAG_OF) |
			((aux ^ src ^ dst) & FLAG_AF);
		break;
	case CC_OP_ADC:
		flags = bool_flag(f->aux2 & 1 ? dst <= aux : dst < aux, FLAG_CF) |
			bool_flag((aux ^ dst) & (src ^ dst) & sign, FLAG_OF) |
			((aux ^ src ^ dst) & FLAG_AF);
		break;
	case CC_OP_SUB:
		flags = bool_flag(aux < src, FLAG_CF) |
			bool_flag((aux ^ src) & (aux ^ dst) & sign, FLAG_OF) |
			((aux ^ src ^ dst) & FLAG_AF);
		break;
	case CC_OP_SBB:
		flags = bool_flag(f->aux2 & 1 ? aux <= src : aux < src, FLAG_CF) |
			bool_flag((aux ^ src) & (aux ^ dst) & sign, FLAG_OF) |
			((aux ^ src ^ dst) & FLAG_AF);
		break;
	case CC_OP_LOGIC:
		break;
	case CC_OP_INC:
		flags = (f->aux2 & 1 ? FLAG_CF : 0) | bool_flag(dst == sign, FLAG_OF) |
			bool_flag((dst & 0xf) == 0, FLAG_AF);
		break;
	case CC_OP_DEC:
		flags = (f->aux2 & 1 ? FLAG_CF : 0) | bool_flag(dst == sign - 1, FLAG_OF) |
			bool_flag((dst & 0xf) == 0xf, FLAG_AF);
		break;
	case CC_OP_NEG:
		flags = bool_flag(src != 0, FLAG_CF) | bool_flag(dst == sign && src == sign, FLAG_OF) |
			((src ^ dst) & FLAG_AF);
		break;
	case CC_OP_SHL: {
		uint32_t cf = shift_carry(CC_OP_SHL, size, aux, f->src & 31);
		flags = cf | bool_flag(((dst & sign) != 0) ^ cf, FLAG_OF) | FLAG_AF;
		break;
	}
	case CC_OP_SHR:
		flags = shift_carry(CC_OP_SHR, size, aux, f->src & 31) |
			bool_flag((dst ^ (dst << 1)) & sign, FLAG_OF) | FLAG_AF;
		break;
	case CC_OP_SAR:
		flags = shift_carry(CC_OP_SAR, size, aux, f->src & 31) | FLAG_AF;
		break;
	case CC_OP_ROL: {
		uint32_t cf = dst & 1;
		return (f->aux2 & (FLAGS_ARITH & ~(FLAG_CF | FLAG_OF))) | cf |
		       bool_flag(((dst & sign) != 0) ^ cf, FLAG_OF);
	}
	case CC_OP_ROR:
		return (f->aux2 & (FLAGS_ARITH & ~(FLAG_CF | FLAG_OF))) |
		       bool_flag(dst & sign, FLAG_CF) |
		       bool_flag((dst ^ (dst << 1)) & sign, FLAG_OF);
	case CC_OP_MUL:
	case CC_OP_IMUL:
		return (f->aux2 & (FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF)) |
		       bool_flag(src != 0, FLAG_CF | FLAG_OF);
	default:
		return 0;
	}
	return flags | (dst & sign ? FLAG_SF : 0) | (dst ? 0 : FLAG_ZF) | parity_flag(dst);
}

bool flags_carry(const struct lazy_flags *f)
{
	uint32_t mask = size_mask(f->size);
	uint32_t aux = f->aux & mask, src = f->src & mask, dst = f->dst & mask;

	switch (f->op) {
	case CC_OP_ADD:
		return dst < aux;
	case CC_OP_ADC:
		return f->aux2 & 1 ? dst <= aux : dst < aux;
	case CC_OP_SUB:
		return aux < src;
	case CC_OP_SBB:
		return f->aux2 & 1 ? aux <= src : aux < src;
	case CC_OP_LOGIC:
		return false;
	case CC_OP_INC:
	case CC_OP_DEC:
		return f->aux2 & 1;
	default:
		return flags_compute(f) & FLAG_CF;
	}
}

/* The condition from materialized flags; cc's low bit negates. */
static bool condition_of(uint32_t flags, unsigned cc)
{
	bool sf = flags & FLAG_SF, of = flags & FLAG_OF, zf = flags & FLAG_ZF;
	bool r;

	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = flags & FLAG_CF; break;
	case 2: r = zf; break;
	case 3: r = zf || (flags & FLAG_CF); break;
	case 4: r = sf; break;
	case 5: r = flags & FLAG_PF; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

bool flags_condition(const struct lazy_flags *f, unsigned cc)
{
	unsigned size = f->size;
	uint32_t mask = size_mask(size), sign = sign_bit(size);
	uint32_t dst = f->dst & mask;
	bool r;

	cc &= 15;
	switch (f->op) {
	case CC_OP_SUB: {
		/* After CMP/SUB every condition except O and P is a plain
		 * comparison of the operands. */
		uint32_t a = f->aux & mask, b = f->src & mask;
		switch (cc >> 1) {
		case 1: r = a < b; break;
		case 2: r = a == b; break;
		case 3: r = a <= b; break;
		case 4: r = dst & sign; break;
		case 6: r = sign_extend(a, size) < sign_extend(b, size); break;
		case 7: r = sign_extend(a, size) <= sign_extend(b, size); break;
		default: return condition_of(flags_compute(f), cc);
		}
		return r ^ (cc & 1);
	}
	case CC_OP_LOGIC:
		/* CF = OF = 0: only SF ZF PF matter. */
		switch (cc >> 1) {
		case 0: case 1: r = false; break;
		case 2: case 3: r = dst == 0; break;
		case 4: case 6: r = dst & sign; break;
		case 5: r = parity_flag(dst); break;
		default: r = dst == 0 || (dst & sign); break;
		}
		return r ^ (cc & 1);
	case CC_OP_ADD: case CC_OP_ADC: case CC_OP_SBB: case CC_OP_INC:
	case CC_OP_DEC: case CC_OP_NEG: case CC_OP_SHL: case CC_OP_SHR:
	case CC_OP_SAR:
		/* ZF and SF come straight from the result. */
		if ((cc >> 1) == 2)
			return (dst == 0) ^ (cc & 1);
		if ((cc >> 1) == 4)
			return ((dst & sign) != 0) ^ (cc & 1);
		if ((cc >> 1) == 1)
			return flags_carry(f) ^ (cc & 1);
		return condition_of(flags_compute(f), cc);
	default:
		return condition_of(flags_compute(f), cc);
	}
}

void flags_set(struct lazy_flags *f, uint32_t eflags)
{
	f->op = CC_OP_EFLAGS;
	f->size = 4;
	f->src = eflags & FLAGS_ARITH;
	f->dst = 0;
	f->aux = 0;
	f->aux2 = 0;
}
