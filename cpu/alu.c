/* SPDX-License-Identifier: GPL-3.0-or-later */
/* alu.c — the integer instructions too irregular for the IR: shifts and
 * rotates, SHLD/SHRD, multiply/divide, BCD adjust, bit test and bit scan,
 * with their exact results and flags (undefined flags as listed at the top
 * of cpu/flags.c). Pure functions on values and struct lazy_flags; no guest
 * memory, no exceptions (a divide error is a return value). */
#include "cpu/alu.h"

#include "cpu/operand_bits.h"

/* Sets CF and OF, keeps SF ZF AF PF of the flags before. */
static void set_cf_of(struct lazy_flags *f, uint32_t old, bool cf, bool of)
{
	flags_set(f, (old & ~(FLAG_CF | FLAG_OF)) | bool_flag(cf, FLAG_CF) | bool_flag(of, FLAG_OF));
}

/* RCL/RCR: a rotation of size*8+1 bits, CF being the top one. */
static uint32_t rotate_through_carry(bool left, unsigned size, uint32_t value, unsigned count,
				     struct lazy_flags *f)
{
	unsigned bits = size * 8, width = bits + 1;
	uint32_t old = flags_compute(f);
	uint64_t all = ((uint64_t)(old & FLAG_CF) << bits) | value;
	uint64_t wmask = (1ull << width) - 1;
	unsigned n = count % width;

	if (n)
		all = left ? ((all << n) | (all >> (width - n))) & wmask
			   : ((all >> n) | (all << (width - n))) & wmask;
	uint32_t result = (uint32_t)all & size_mask(size);
	bool cf = (all >> bits) & 1;
	bool msb = result & sign_bit(size);
	/* OF: the count-1 rule at every count (host behaviour). */
	bool of = left ? msb != cf : msb != (bool)(result & (sign_bit(size) >> 1));
	set_cf_of(f, old, cf, of);
	return result;
}

uint32_t alu_shift(unsigned op, unsigned size, uint32_t value, unsigned count, struct lazy_flags *f)
{
	unsigned bits = size * 8;
	uint32_t mask = size_mask(size);
	uint32_t result;

	count &= 31;
	value &= mask;
	if (count == 0)
		return value;
	switch (op & 7) {
	case ALU_ROL:
	case ALU_ROR: {
		unsigned n = count % bits;
		uint32_t old = flags_compute(f);
		result = value;
		if (n)
			result = op == ALU_ROL ? ((value << n) | (value >> (bits - n))) & mask
					       : ((value >> n) | (value << (bits - n))) & mask;
		f->op = op == ALU_ROL ? CC_OP_ROL : CC_OP_ROR;
		f->aux2 = old;
		break;
	}
	case ALU_RCL:
		return rotate_through_carry(true, size, value, count, f);
	case ALU_RCR:
		return rotate_through_carry(false, size, value, count, f);
	case ALU_SHL:
	case ALU_SAL:
		result = (value << count) & mask;
		f->op = CC_OP_SHL;
		break;
	case ALU_SHR:
		result = value >> count;
		f->op = CC_OP_SHR;
		break;
	default: /* ALU_SAR */
		result = (uint32_t)(sign_extend(value, size) >> count) & mask;
		f->op = CC_OP_SAR;
		break;
	}
	f->size = size;
	f->dst = result;
	f->src = count;
	f->aux = value;
	return result;
}

/* The flags of SHLD/SHRD: SF ZF PF of the result, AF = 1, OF as in the
 * table of flags.c. */
static void set_double_shift_flags(struct lazy_flags *f, unsigned size, uint32_t result,
				   bool cf, bool of)
{
	flags_set(f, result_flags(result, size) | FLAG_AF | bool_flag(cf, FLAG_CF) |
		     bool_flag(of, FLAG_OF));
}

/* SHLD/SHRD of 16 bits by 17..31 (undefined in the SDM): the host shifts
 * the 48-bit string dst:src:src (SHLD) or src:src:dst (SHRD); CF comes out
 * 0, and OF too for SHLD (SHRD: the usual rule). */
uint32_t alu_shld(unsigned size, uint32_t dst, uint32_t src, unsigned count, struct lazy_flags *f)
{
	uint32_t mask = size_mask(size), sign = sign_bit(size);
	uint32_t result;
	bool cf, of;

	count &= 31;
	dst &= mask;
	src &= mask;
	if (count == 0)
		return dst;
	if (size == 4) {
		result = (dst << count) | (src >> (32 - count));
		cf = (dst >> (32 - count)) & 1;
		of = ((result & sign) != 0) != cf;
	} else if (count <= 16) {
		uint32_t all = (dst << 16) | src;
		result = ((all << count) >> 16) & mask;
		cf = (all >> (32 - count)) & 1;
		/* The host gives OF = CF at count 16 (MSB(result) XOR CF below). */
		of = count == 16 ? cf : ((result & sign) != 0) != cf;
	} else {
		uint64_t all = ((uint64_t)dst << 32) | (src << 16) | src;
		result = (uint32_t)((all << count) >> 32) & mask;
		cf = false;
		of = false;
	}
	set_double_shift_flags(f, size, result, cf, of);
	return result;
}

uint32_t alu_shrd(unsigned size, uint32_t dst, uint32_t src, unsigned count, struct lazy_flags *f)
{
	uint32_t mask = size_mask(size), sign = sign_bit(size);
	uint32_t result;
	bool cf;

	count &= 31;
	dst &= mask;
	src &= mask;
	if (count == 0)
		return dst;
	if (size == 4) {
		result = (dst >> count) | (src << (32 - count));
		cf = (dst >> (count - 1)) & 1;
	} else if (count <= 16) {
		uint32_t all = (src << 16) | dst;
		result = (all >> count) & mask;
		cf = (all >> (count - 1)) & 1;
	} else {
		uint64_t all = ((uint64_t)src << 32) | (src << 16) | dst;
		result = (uint32_t)(all >> count) & mask;
		cf = false;
	}
	bool of = ((result ^ (result << 1)) & sign) != 0;
	set_double_shift_flags(f, size, result, cf, of);
	return result;
}

static void set_mul_flags(struct lazy_flags *f, enum cc_op op, unsigned size, uint32_t lo,
			  bool overflow)
{
	uint32_t old = flags_compute(f);
	f->op = op;
	f->size = size;
	f->dst = lo;
	f->src = overflow;
	f->aux = 0;
	f->aux2 = old;
}

void alu_mul(unsigned size, uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, struct lazy_flags *f)
{
	uint32_t mask = size_mask(size);
	uint64_t product = (uint64_t)(a & mask) * (b & mask);
	unsigned bits = size * 8;

	if (size == 1) {
		*lo = (uint32_t)product & 0xffff;
		*hi = (uint32_t)(product >> 8) & 0xff;
	} else {
		*lo = (uint32_t)product & mask;
		*hi = (uint32_t)(product >> bits) & mask;
	}
	set_mul_flags(f, CC_OP_MUL, size, (uint32_t)product & mask, *hi != 0);
	f->src = *hi;
}

/* The signed product and whether it fits the operand size. */
static int64_t signed_product(unsigned size, uint32_t a, uint32_t b, bool *overflow)
{
	int64_t product = (int64_t)sign_extend(a, size) * sign_extend(b, size);
	*overflow = product != sign_extend((uint32_t)product, size);
	return product;
}

void alu_imul(unsigned size, uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, struct lazy_flags *f)
{
	uint32_t mask = size_mask(size);
	bool overflow;
	uint64_t product = (uint64_t)signed_product(size, a, b, &overflow);

	if (size == 1) {
		*lo = (uint32_t)product & 0xffff;
		*hi = (uint32_t)(product >> 8) & 0xff;
	} else {
		*lo = (uint32_t)product & mask;
		*hi = (uint32_t)(product >> (size * 8)) & mask;
	}
	set_mul_flags(f, CC_OP_IMUL, size, (uint32_t)product & mask, overflow);
}

uint32_t alu_imul_trunc(unsigned size, uint32_t a, uint32_t b, struct lazy_flags *f)
{
	bool overflow;
	uint32_t result = (uint32_t)signed_product(size, a, b, &overflow) & size_mask(size);

	set_mul_flags(f, CC_OP_IMUL, size, result, overflow);
	return result;
}

bool alu_div(unsigned size, uint32_t lo, uint32_t hi, uint32_t divisor, uint32_t *quot, uint32_t *rem)
{
	uint32_t mask = size_mask(size);
	uint64_t dividend;

	divisor &= mask;
	if (divisor == 0)
		return false;
	if (size == 1)
		dividend = lo & 0xffff;
	else
		dividend = ((uint64_t)(hi & mask) << (size * 8)) | (lo & mask);
	uint64_t q = dividend / divisor;
	if (q > mask)
		return false;
	*quot = (uint32_t)q;
	*rem = (uint32_t)(dividend % divisor);
	return true;
}

bool alu_idiv(unsigned size, uint32_t lo, uint32_t hi, uint32_t divisor, uint32_t *quot, uint32_t *rem)
{
	uint32_t mask = size_mask(size);
	int64_t dividend, d = sign_extend(divisor, size);

	if (d == 0)
		return false;
	if (size == 1)
		dividend = (int16_t)lo;
	else if (size == 2)
		dividend = (int32_t)(((hi & 0xffff) << 16) | (lo & 0xffff));
	else
		dividend = (int64_t)(((uint64_t)hi << 32) | lo);
	/* INT64_MIN / -1 overflows in C as well as on x86: #DE either way. */
	if (d == -1 && dividend == INT64_MIN)
		return false;
	int64_t q = dividend / d, r = dividend % d;
	int64_t limit = (int64_t)1 << (size * 8 - 1);
	if (q < -limit || q >= limit)
		return false;
	*quot = (uint32_t)q & mask;
	*rem = (uint32_t)r & mask;
	return true;
}

void alu_div_flags(struct lazy_flags *f)
{
	uint32_t old = flags_compute(f);
	flags_set(f, (old & (FLAG_CF | FLAG_OF)) | FLAG_AF);
}

/* BCD adjust. The results follow the SDM pseudo-code; the undefined flags
 * are the host's (see the notes at each function). */

uint32_t alu_daa(uint32_t al, struct lazy_flags *f)
{
	uint32_t old = flags_compute(f);
	uint32_t old_al = al & 0xff, res = old_al;
	bool cf = false, af = false;

	if ((res & 0xf) > 9 || (old & FLAG_AF)) {
		res += 6;
		cf = (old & FLAG_CF) || res > 0xff;
		af = true;
	}
	if (old_al > 0x99 || (old & FLAG_CF)) {
		res += 0x60;
		cf = true;
	}
	res &= 0xff;
	/* OF (undefined): the host sets it as for the ADD of the correction. */
	bool of = !(old_al & 0x80) && (res & 0x80);
	flags_set(f, result_flags(res, 1) | bool_flag(cf, FLAG_CF) | bool_flag(af, FLAG_AF) |
		     bool_flag(of, FLAG_OF));
	return res;
}

uint32_t alu_das(uint32_t al, struct lazy_flags *f)
{
	uint32_t old = flags_compute(f);
	uint32_t old_al = al & 0xff, res = old_al;
	bool cf = false, af = false;

	if ((res & 0xf) > 9 || (old & FLAG_AF)) {
		cf = (old & FLAG_CF) || res < 6;
		res -= 6;
		af = true;
	}
	if (old_al > 0x99 || (old & FLAG_CF)) {
		res -= 0x60;
		cf = true;
	}
	res &= 0xff;
	/* OF (undefined): the host sets it as for the SUB of the correction. */
	bool of = (old_al & 0x80) && !(res & 0x80);
	flags_set(f, result_flags(res, 1) | bool_flag(cf, FLAG_CF) | bool_flag(af, FLAG_AF) |
		     bool_flag(of, FLAG_OF));
	return res;
}

uint32_t alu_aaa(uint32_t ax, struct lazy_flags *f)
{
	uint32_t old = flags_compute(f);
	bool adjust = (ax & 0xf) > 9 || (old & FLAG_AF);

	ax &= 0xffff;
	uint32_t sum = adjust ? ax + 0x106 : ax;
	/* OF SF ZF PF (undefined): the host sets them as for the 16-bit ADD
	 * AX + 0x106 (AX + 0 without adjust), before AL is masked. */
	sum &= 0xffff;
	bool of = (~ax & sum & 0x8000) != 0;
	flags_set(f, result_flags(sum, 2) | bool_flag(adjust, FLAG_CF | FLAG_AF) | bool_flag(of, FLAG_OF));
	ax = (sum & 0xff00) | (sum & 0x0f);
	return ax;
}

uint32_t alu_aas(uint32_t ax, struct lazy_flags *f)
{
	uint32_t old = flags_compute(f);
	bool adjust = (ax & 0xf) > 9 || (old & FLAG_AF);

	ax &= 0xffff;
	uint32_t diff = (adjust ? ax - 0x106 : ax) & 0xffff;
	/* Undefined flags: as for the 16-bit SUB AX - 0x106 (AX - 0 without
	 * adjust), before AL is masked. */
	bool of = (ax & ~diff & 0x8000) != 0;
	flags_set(f, result_flags(diff, 2) | bool_flag(adjust, FLAG_CF | FLAG_AF) | bool_flag(of, FLAG_OF));
	ax = (diff & 0xff00) | (diff & 0x0f);
	return ax;
}

bool alu_aam(uint32_t al, uint8_t base, uint32_t *ax, struct lazy_flags *f)
{
	if (base == 0)
		return false;
	uint32_t lo = (al & 0xff) % base, hi = (al & 0xff) / base;
	*ax = (hi << 8) | lo;
	/* OF AF CF (undefined): 0 on the host. */
	flags_set(f, result_flags(lo, 1));
	return true;
}

uint32_t alu_aad(uint32_t ax, uint8_t base, struct lazy_flags *f)
{
	uint32_t al = ax & 0xff, addend = (((ax >> 8) & 0xff) * base) & 0xff;
	uint32_t res = (al + addend) & 0xff;
	/* OF AF CF (undefined): the host leaves those of the 8-bit ADD of AL
	 * and AH * base. */
	struct lazy_flags add = { CC_OP_ADD, 1, res, addend, al, 0 };
	flags_set(f, flags_compute(&add));
	return res;
}

uint32_t alu_bit(unsigned op, unsigned size, uint32_t value, unsigned bit, struct lazy_flags *f)
{
	uint32_t old = flags_compute(f);
	uint32_t m = 1u << (bit & (size * 8 - 1));
	bool cf = value & m;

	switch (op) {
	case ALU_BTS: value |= m; break;
	case ALU_BTR: value &= ~m; break;
	case ALU_BTC: value ^= m; break;
	default: break;
	}
	flags_set(f, (old & ~FLAG_CF) | bool_flag(cf, FLAG_CF));
	return value & size_mask(size);
}

/* The flags of BSF/BSR: ZF if the source is 0, PF of the index (0 when
 * the source is 0), the rest 0 (host behaviour). */
static void set_scan_flags(struct lazy_flags *f, bool zero, uint32_t index)
{
	flags_set(f, zero ? FLAG_ZF | FLAG_PF : parity_flag(index));
}

uint32_t alu_bsf(unsigned size, uint32_t value, uint32_t dst, struct lazy_flags *f)
{
	value &= size_mask(size);
	if (value == 0) {
		set_scan_flags(f, true, 0);
		return dst;
	}
	uint32_t index = (uint32_t)__builtin_ctz(value);
	set_scan_flags(f, false, index);
	return index;
}

uint32_t alu_bsr(unsigned size, uint32_t value, uint32_t dst, struct lazy_flags *f)
{
	value &= size_mask(size);
	if (value == 0) {
		set_scan_flags(f, true, 0);
		return dst;
	}
	uint32_t index = 31u - (uint32_t)__builtin_clz(value);
	set_scan_flags(f, false, index);
	return index;
}
