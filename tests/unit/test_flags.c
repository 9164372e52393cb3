/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_flags.c — the lazy-flags path (cpu/flags.c) against the host CPU:
 * each ALU instruction (ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT)
 * runs natively on edge-case and seeded random operands at sizes 8/16/32,
 * and struct lazy_flags, filled as the translator fills it, must give the
 * same six flags (flags_compute, flags_carry) and the same 16 conditions
 * as SETcc on the host. The instructions of cpu/alu.c: test_alu.c. */
#include "tests/unit/check_helpers.h"
#include "tests/unit/test_operands.h"
#include "cpu/flags.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* Native execution: load the arithmetic flags with POPF, run one
 * instruction, read the flags back with PUSHF. The red zone below %rsp may
 * hold the compiler's data, so step over it first. */
#define NATIVE_PRE  "lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopf\n\t"
#define NATIVE_POST "\n\tpushf\n\tpop %[fo]\n\tlea 128(%%rsp), %%rsp"

/* The flags every native run starts from: bit 1 and IF as user mode has
 * them; DF, TF, AC stay clear. */
#define FLAGS_BASE 0x202u

enum op { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP, OP_TEST,
	  OP_INC, OP_DEC, OP_NEG, OP_NOT, OP_COUNT };
static const char *const op_names[OP_COUNT] = {
	"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test",
	"inc", "dec", "neg", "not",
};

typedef uint32_t native_fn(uint32_t a, uint32_t b, uint64_t fi, uint64_t *fo);

#define NATIVE2(name, insn, T)                                                        \
	static uint32_t name(uint32_t a32, uint32_t b32, uint64_t fi, uint64_t *fo)  \
	{                                                                             \
		T a = (T)a32, b = (T)b32;                                             \
		uint64_t f;                                                           \
		__asm__ volatile(NATIVE_PRE insn " %[b], %[a]" NATIVE_POST            \
				 : [a] "+q"(a), [fo] "=&r"(f)                         \
				 : [b] "q"(b), [fi] "r"(fi)                           \
				 : "cc", "memory");                                   \
		*fo = f;                                                              \
		return a;                                                             \
	}
#define NATIVE1(name, insn, T)                                                        \
	static uint32_t name(uint32_t a32, uint32_t b32, uint64_t fi, uint64_t *fo)  \
	{                                                                             \
		T a = (T)a32;                                                         \
		uint64_t f;                                                           \
		(void)b32;                                                            \
		__asm__ volatile(NATIVE_PRE insn " %[a]" NATIVE_POST                  \
				 : [a] "+q"(a), [fo] "=&r"(f)                         \
				 : [fi] "r"(fi)                                       \
				 : "cc", "memory");                                   \
		*fo = f;                                                              \
		return a;                                                             \
	}
#define NATIVE_ALL_SIZES(kind, op)                  \
	kind(native_##op##8, #op "b", uint8_t)      \
	kind(native_##op##16, #op "w", uint16_t)    \
	kind(native_##op##32, #op "l", uint32_t)

NATIVE_ALL_SIZES(NATIVE2, add)
NATIVE_ALL_SIZES(NATIVE2, or)
NATIVE_ALL_SIZES(NATIVE2, adc)
NATIVE_ALL_SIZES(NATIVE2, sbb)
NATIVE_ALL_SIZES(NATIVE2, and)
NATIVE_ALL_SIZES(NATIVE2, sub)
NATIVE_ALL_SIZES(NATIVE2, xor)
NATIVE_ALL_SIZES(NATIVE2, cmp)
NATIVE_ALL_SIZES(NATIVE2, test)
NATIVE_ALL_SIZES(NATIVE1, inc)
NATIVE_ALL_SIZES(NATIVE1, dec)
NATIVE_ALL_SIZES(NATIVE1, neg)
NATIVE_ALL_SIZES(NATIVE1, not)

#define NATIVE_ROW(op) { native_##op##8, native_##op##16, native_##op##32 }
static native_fn *const natives[OP_COUNT][3] = {
	NATIVE_ROW(add), NATIVE_ROW(or), NATIVE_ROW(adc), NATIVE_ROW(sbb),
	NATIVE_ROW(and), NATIVE_ROW(sub), NATIVE_ROW(xor), NATIVE_ROW(cmp),
	NATIVE_ROW(test), NATIVE_ROW(inc), NATIVE_ROW(dec), NATIVE_ROW(neg),
	NATIVE_ROW(not),
};

static uint32_t pick_flags(uint64_t *s)
{
	return pick_flags_over(s, FLAGS_BASE);
}

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

/* The lazy record the translator leaves for `op` on operands a, b, with the
 * flags before in `fi` (already in `f` as CC_OP_EFLAGS). Returns the
 * result the instruction writes. */
static uint32_t lazy_for(enum op op, unsigned size, uint32_t a, uint32_t b, uint32_t fi,
			 struct lazy_flags *f)
{
	uint32_t carry = fi & FLAG_CF;
	uint32_t r;

	switch (op) {
	case OP_ADD: r = a + b; *f = (struct lazy_flags){ CC_OP_ADD, size, r, b, a, 0 }; break;
	case OP_ADC: r = a + b + carry; *f = (struct lazy_flags){ CC_OP_ADC, size, r, b, a, carry }; break;
	case OP_SUB: r = a - b; *f = (struct lazy_flags){ CC_OP_SUB, size, r, b, a, 0 }; break;
	case OP_CMP: r = a; *f = (struct lazy_flags){ CC_OP_SUB, size, a - b, b, a, 0 }; break;
	case OP_SBB: r = a - b - carry; *f = (struct lazy_flags){ CC_OP_SBB, size, r, b, a, carry }; break;
	case OP_AND: r = a & b; *f = (struct lazy_flags){ CC_OP_LOGIC, size, r, 0, 0, 0 }; break;
	case OP_OR: r = a | b; *f = (struct lazy_flags){ CC_OP_LOGIC, size, r, 0, 0, 0 }; break;
	case OP_XOR: r = a ^ b; *f = (struct lazy_flags){ CC_OP_LOGIC, size, r, 0, 0, 0 }; break;
	case OP_TEST: r = a; *f = (struct lazy_flags){ CC_OP_LOGIC, size, a & b, 0, 0, 0 }; break;
	case OP_INC: r = a + 1; *f = (struct lazy_flags){ CC_OP_INC, size, r, 0, 0, carry }; break;
	case OP_DEC: r = a - 1; *f = (struct lazy_flags){ CC_OP_DEC, size, r, 0, 0, carry }; break;
	case OP_NEG: r = -a; *f = (struct lazy_flags){ CC_OP_NEG, size, r, a, 0, 0 }; break;
	default: r = ~a; break; /* NOT: flags untouched */
	}
	return r;
}

struct tally {
	unsigned long runs, mismatches;
	char first[256];
};

static void report(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct tally *t, const char *fmt, ...)
{
	va_list ap;
	char line[256];
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (t->mismatches < 8)
		fprintf(stderr, "mismatch: %s\n", line);
	if (t->mismatches == 0)
		snprintf(t->first, sizeof(t->first), "%s", line);
	t->mismatches++;
}

/* One instruction on one input: native versus lazy. */
static void check_one(struct tally *t, enum op op, unsigned size, uint32_t a, uint32_t b,
		      uint32_t fi)
{
	uint32_t mask = size_mask(size);
	uint64_t fo;
	a &= mask;
	b &= mask;
	uint32_t want = natives[op][size == 4 ? 2 : size - 1](a, b, fi, &fo) & mask;
	uint32_t want_flags = (uint32_t)fo & FLAGS_ARITH;

	/* Junk above the operand size must not matter (flags.h). */
	uint32_t junk = size == 4 ? 0 : 0xa5a5a500u & ~mask;
	struct lazy_flags f;
	flags_set(&f, fi);
	uint32_t got = lazy_for(op, size, a | junk, b | junk, fi, &f) & mask;
	uint32_t got_flags = flags_compute(&f);

	t->runs++;
	if (got != want || got_flags != want_flags) {
		report(t, "%s%u a=%#x b=%#x fi=%#x: result %#x flags %#x, host %#x flags %#x",
		       op_names[op], size * 8, a, b, fi, got, got_flags, want, want_flags);
		return;
	}
	if (flags_carry(&f) != (bool)(fo & FLAG_CF)) {
		report(t, "%s%u a=%#x b=%#x fi=%#x: flags_carry wrong", op_names[op], size * 8, a, b, fi);
		return;
	}
	unsigned conds = native_conditions(fo), got_conds = 0;
	for (unsigned cc = 0; cc < 16; cc++)
		got_conds |= (unsigned)flags_condition(&f, cc) << cc;
	if (got_conds != conds)
		report(t, "%s%u a=%#x b=%#x fi=%#x: conditions %#06x, host SETcc %#06x",
		       op_names[op], size * 8, a, b, fi, got_conds, conds);
}

/* Every pair of edge values with CF in and out, then `randoms` seeded
 * random inputs. */
static void check_op(enum op op, unsigned randoms)
{
	static const unsigned sizes[] = { 1, 2, 4 };
	struct tally t = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)op;

	for (unsigned si = 0; si < 3; si++) {
		unsigned size = sizes[si];
		for (unsigned i = 0; i < EDGE_COUNT; i++)
			for (unsigned j = 0; j < EDGE_COUNT; j++)
				for (uint32_t fi = FLAGS_BASE; fi <= (FLAGS_BASE | FLAG_CF); fi++)
					check_one(&t, op, size, edge_values[i], edge_values[j], fi);
		/* Sign-extended edges for this size (0x7f..., 0x80..., ...). */
		uint32_t sign = 1u << (size * 8 - 1);
		uint32_t sized[] = { sign - 1, sign, sign + 1, 2 * sign - 1, 2 * sign - 2 };
		for (unsigned i = 0; i < 5; i++)
			for (unsigned j = 0; j < 5; j++)
				for (uint32_t fi = FLAGS_BASE; fi <= (FLAGS_BASE | FLAG_CF); fi++)
					check_one(&t, op, size, sized[i], sized[j], fi);
		for (unsigned n = 0; n < randoms; n++) {
			uint32_t a = pick_operand(&seed), b = pick_operand(&seed);
			check_one(&t, op, size, a, b, pick_flags(&seed));
		}
	}
	fprintf(stderr, "%-4s: %lu inputs, %lu mismatches\n", op_names[op], t.runs, t.mismatches);
	ck_assert_msg(t.mismatches == 0, "%lu of %lu differ from the host; first: %s",
		      t.mismatches, t.runs, t.first);
}

#define RANDOMS 200000

START_TEST(test_lazy_ops)
{
	check_op((enum op)_i, RANDOMS);
}
END_TEST

/* CC_OP_EFLAGS: whatever flags_set stored comes back, and every condition
 * agrees with SETcc for all 64 combinations of the six flags. */
START_TEST(test_eflags_roundtrip)
{
	for (unsigned bits = 0; bits < 64; bits++) {
		static const uint32_t flag_bits[6] = { FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF,
						       FLAG_SF, FLAG_OF };
		uint32_t fl = 0;
		for (unsigned i = 0; i < 6; i++)
			if (bits & (1u << i))
				fl |= flag_bits[i];
		struct lazy_flags f;
		flags_set(&f, fl | 0xfffff000u | FLAG_TF | FLAG_DF);
		ck_assert_uint_eq(flags_compute(&f), fl);
		ck_assert_int_eq(flags_carry(&f), (bool)(fl & FLAG_CF));
		unsigned conds = native_conditions(fl | FLAGS_BASE);
		for (unsigned cc = 0; cc < 16; cc++)
			ck_assert_int_eq(flags_condition(&f, cc), (conds >> cc) & 1);
	}
}
END_TEST

static Suite *flags_suite(void)
{
	Suite *s = suite_create("flags");
	TCase *tc = tcase_create("host");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_lazy_ops, 0, OP_COUNT);
	tcase_add_test(tc, test_eflags_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(flags_suite)
