/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_alu.c — cpu/alu.c against the host CPU: shifts and rotates,
 * SHLD/SHRD, MUL/IMUL (one-, two- and three-operand), DIV/IDIV (with #DE),
 * BT/BTS/BTR/BTC, BSF/BSR at their operand sizes, and the BCD adjusts
 * (DAA DAS AAA AAS AAM AAD) exhaustively. Each instruction runs natively
 * on edge-case and seeded random operands; results and all six arithmetic
 * flags must agree (the undefined ones too: cpu/flags.c matches this host,
 * and says where it does not), plus the 16 conditions after shifts.
 *
 * The BCD instructions are invalid in 64-bit mode. They run in 32-bit
 * compatibility mode instead (tests/unit/host32.h): exact, unlike the 80286
 * vectors (a 286 leaves different undefined flags). The lazy-flags ALU
 * ops: test_flags.c. */
#include "tests/unit/check_helpers.h"
#include "tests/unit/test_operands.h"
#include "cpu/alu.h"
#include "tests/unit/host32.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NATIVE_PRE  "lea -128(%%rsp), %%rsp\n\tpush %[fi]\n\tpopf\n\t"
#define NATIVE_POST "\n\tpushf\n\tpop %[fo]\n\tlea 128(%%rsp), %%rsp"
#define FLAGS_BASE 0x202u

/* ---- test plumbing ---------------------------------------------------- */

static uint32_t pick_flags(uint64_t *s)
{
	return pick_flags_over(s, FLAGS_BASE);
}

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static unsigned size_index(unsigned size)
{
	return size == 4 ? 2 : size - 1;
}

struct tally {
	const char *what;
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
		fprintf(stderr, "mismatch: %s: %s\n", t->what, line);
	if (t->mismatches == 0)
		snprintf(t->first, sizeof(t->first), "%s", line);
	t->mismatches++;
}

static void tally_done(struct tally *t)
{
	fprintf(stderr, "%-10s %9lu inputs, %lu mismatches\n", t->what, t->runs, t->mismatches);
	ck_assert_msg(t->mismatches == 0, "%s: %lu of %lu differ from the host; first: %s",
		      t->what, t->mismatches, t->runs, t->first);
}

static unsigned lazy_conditions(const struct lazy_flags *f)
{
	unsigned mask = 0;
	for (unsigned cc = 0; cc < 16; cc++)
		mask |= (unsigned)flags_condition(f, cc) << cc;
	return mask;
}

/* ---- shifts and rotates ----------------------------------------------- */

typedef uint32_t shift_fn(uint32_t a, unsigned count, uint64_t fi, uint64_t *fo);

#define NATIVE_SHIFT(name, insn, T)                                                  \
	static uint32_t name(uint32_t a32, unsigned count, uint64_t fi, uint64_t *fo) \
	{                                                                             \
		T a = (T)a32;                                                         \
		uint64_t f;                                                           \
		__asm__ volatile(NATIVE_PRE insn " %%cl, %[a]" NATIVE_POST            \
				 : [a] "+q"(a), [fo] "=&r"(f)                         \
				 : "c"((uint8_t)count), [fi] "r"(fi)                  \
				 : "cc", "memory");                                   \
		*fo = f;                                                              \
		return a;                                                             \
	}
#define NATIVE_SHIFT_SIZES(op)                            \
	NATIVE_SHIFT(native_##op##8, #op "b", uint8_t)    \
	NATIVE_SHIFT(native_##op##16, #op "w", uint16_t)  \
	NATIVE_SHIFT(native_##op##32, #op "l", uint32_t)
NATIVE_SHIFT_SIZES(rol)
NATIVE_SHIFT_SIZES(ror)
NATIVE_SHIFT_SIZES(rcl)
NATIVE_SHIFT_SIZES(rcr)
NATIVE_SHIFT_SIZES(shl)
NATIVE_SHIFT_SIZES(shr)
NATIVE_SHIFT_SIZES(sar)

#define SHIFT_ROW(op) { native_##op##8, native_##op##16, native_##op##32 }
/* Indexed by the group-2 reg field; SAL (/6) assembles as SHL (/4). */
static shift_fn *const shift_natives[8][3] = {
	SHIFT_ROW(rol), SHIFT_ROW(ror), SHIFT_ROW(rcl), SHIFT_ROW(rcr),
	SHIFT_ROW(shl), SHIFT_ROW(shr), SHIFT_ROW(shl), SHIFT_ROW(sar),
};
static const char *const shift_names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };

static void check_shift_one(struct tally *t, unsigned op, unsigned size, uint32_t a,
			    unsigned count, uint32_t fi)
{
	uint32_t mask = size_mask(size);
	uint64_t fo;
	a &= mask;
	uint32_t want = shift_natives[op][size_index(size)](a, count, fi, &fo) & mask;
	struct lazy_flags f;
	flags_set(&f, fi);
	uint32_t got = alu_shift(op, size, a, count, &f);
	uint32_t got_flags = flags_compute(&f), want_flags = (uint32_t)fo & FLAGS_ARITH;

	t->runs++;
	if (got != want || got_flags != want_flags)
		report(t, "%s%u %#x by %u fi=%#x: %#x flags %#x, host %#x flags %#x",
		       shift_names[op], size * 8, a, count, fi, got, got_flags, want, want_flags);
	else if (lazy_conditions(&f) != native_conditions(fo))
		report(t, "%s%u %#x by %u fi=%#x: conditions differ", shift_names[op], size * 8,
		       a, count, fi);
}

START_TEST(test_shifts)
{
	unsigned op = (unsigned)_i;
	static const unsigned sizes[] = { 1, 2, 4 };
	struct tally t = { .what = shift_names[op] };
	uint64_t seed = 0x51ed270b27ULL + op;

	for (unsigned si = 0; si < 3; si++) {
		unsigned size = sizes[si];
		for (unsigned count = 0; count < 32; count++)
			for (unsigned i = 0; i < EDGE_COUNT; i++) {
				check_shift_one(&t, op, size, edge_values[i], count, FLAGS_BASE);
				check_shift_one(&t, op, size, edge_values[i], count,
						FLAGS_BASE | FLAGS_ARITH);
			}
		for (unsigned n = 0; n < 200000; n++) {
			uint32_t a = pick_operand(&seed);
			check_shift_one(&t, op, size, a, rng_next(&seed) & 31, pick_flags(&seed));
		}
	}
	tally_done(&t);
}
END_TEST

/* ---- SHLD / SHRD ------------------------------------------------------ */

#define NATIVE_DSHIFT(name, insn, T)                                                        \
	static uint32_t name(uint32_t a32, uint32_t b32, unsigned count, uint64_t fi,        \
			     uint64_t *fo)                                                   \
	{                                                                                    \
		T a = (T)a32, b = (T)b32;                                                    \
		uint64_t f;                                                                  \
		__asm__ volatile(NATIVE_PRE insn " %%cl, %[b], %[a]" NATIVE_POST             \
				 : [a] "+r"(a), [fo] "=&r"(f)                                \
				 : [b] "r"(b), "c"((uint8_t)count), [fi] "r"(fi)             \
				 : "cc", "memory");                                          \
		*fo = f;                                                                     \
		return a;                                                                    \
	}
NATIVE_DSHIFT(native_shld16, "shldw", uint16_t)
NATIVE_DSHIFT(native_shld32, "shldl", uint32_t)
NATIVE_DSHIFT(native_shrd16, "shrdw", uint16_t)
NATIVE_DSHIFT(native_shrd32, "shrdl", uint32_t)

static void check_dshift_one(struct tally *t, bool left, unsigned size, uint32_t a, uint32_t b,
			     unsigned count, uint32_t fi)
{
	uint32_t mask = size_mask(size);
	uint64_t fo;
	a &= mask;
	b &= mask;
	uint32_t want = left ? (size == 2 ? native_shld16 : native_shld32)(a, b, count, fi, &fo)
			     : (size == 2 ? native_shrd16 : native_shrd32)(a, b, count, fi, &fo);
	struct lazy_flags f;
	flags_set(&f, fi);
	uint32_t got = left ? alu_shld(size, a, b, count, &f) : alu_shrd(size, a, b, count, &f);
	uint32_t got_flags = flags_compute(&f), want_flags = (uint32_t)fo & FLAGS_ARITH;

	t->runs++;
	if (got != (want & mask) || got_flags != want_flags)
		report(t, "%s%u %#x,%#x by %u fi=%#x: %#x flags %#x, host %#x flags %#x",
		       left ? "shld" : "shrd", size * 8, a, b, count, fi, got, got_flags,
		       want & mask, want_flags);
}

START_TEST(test_double_shifts)
{
	bool left = _i == 0;
	struct tally t = { .what = left ? "shld" : "shrd" };
	uint64_t seed = 0xd0b1e5ULL + (uint64_t)_i;

	for (unsigned size = 2; size <= 4; size += 2) {
		for (unsigned count = 0; count < 32; count++)
			for (unsigned i = 0; i < EDGE_COUNT; i++)
				for (unsigned j = 0; j < EDGE_COUNT; j += 3)
					check_dshift_one(&t, left, size, edge_values[i],
							 edge_values[j], count, FLAGS_BASE | (i & 1 ? FLAGS_ARITH : 0));
		for (unsigned n = 0; n < 200000; n++) {
			uint32_t a = pick_operand(&seed), b = pick_operand(&seed);
			check_dshift_one(&t, left, size, a, b, rng_next(&seed) & 31, pick_flags(&seed));
		}
	}
	tally_done(&t);
}
END_TEST

/* ---- MUL / IMUL ------------------------------------------------------- */

/* One-operand forms: returns the low half (AX for size 1), *hi the high. */
static uint32_t native_mul1(bool sign, unsigned size, uint32_t a, uint32_t b, uint64_t fi,
			    uint32_t *hi, uint64_t *fo)
{
	uint64_t f;
	if (size == 1) {
		uint16_t ax = (uint8_t)a;
		uint8_t bb = (uint8_t)b;
		if (sign)
			__asm__ volatile(NATIVE_PRE "imulb %[b]" NATIVE_POST
					 : "+a"(ax), [fo] "=&r"(f) : [b] "q"(bb), [fi] "r"(fi) : "cc", "memory");
		else
			__asm__ volatile(NATIVE_PRE "mulb %[b]" NATIVE_POST
					 : "+a"(ax), [fo] "=&r"(f) : [b] "q"(bb), [fi] "r"(fi) : "cc", "memory");
		*fo = f;
		*hi = ax >> 8;
		return ax;
	}
	if (size == 2) {
		uint16_t ax = (uint16_t)a, dx, bb = (uint16_t)b;
		if (sign)
			__asm__ volatile(NATIVE_PRE "imulw %[b]" NATIVE_POST
					 : "+a"(ax), "=d"(dx), [fo] "=&r"(f) : [b] "r"(bb), [fi] "r"(fi) : "cc", "memory");
		else
			__asm__ volatile(NATIVE_PRE "mulw %[b]" NATIVE_POST
					 : "+a"(ax), "=d"(dx), [fo] "=&r"(f) : [b] "r"(bb), [fi] "r"(fi) : "cc", "memory");
		*fo = f;
		*hi = dx;
		return ax;
	}
	uint32_t eax = a, edx;
	if (sign)
		__asm__ volatile(NATIVE_PRE "imull %[b]" NATIVE_POST
				 : "+a"(eax), "=d"(edx), [fo] "=&r"(f) : [b] "r"(b), [fi] "r"(fi) : "cc", "memory");
	else
		__asm__ volatile(NATIVE_PRE "mull %[b]" NATIVE_POST
				 : "+a"(eax), "=d"(edx), [fo] "=&r"(f) : [b] "r"(b), [fi] "r"(fi) : "cc", "memory");
	*fo = f;
	*hi = edx;
	return eax;
}

static uint32_t native_imul2(unsigned size, uint32_t a, uint32_t b, uint64_t fi, uint64_t *fo)
{
	uint64_t f;
	if (size == 2) {
		uint16_t r = (uint16_t)a, bb = (uint16_t)b;
		__asm__ volatile(NATIVE_PRE "imulw %[b], %[r]" NATIVE_POST
				 : [r] "+r"(r), [fo] "=&r"(f) : [b] "r"(bb), [fi] "r"(fi) : "cc", "memory");
		*fo = f;
		return r;
	}
	uint32_t r = a;
	__asm__ volatile(NATIVE_PRE "imull %[b], %[r]" NATIVE_POST
			 : [r] "+r"(r), [fo] "=&r"(f) : [b] "r"(b), [fi] "r"(fi) : "cc", "memory");
	*fo = f;
	return r;
}

static void check_mul_one(struct tally *t, unsigned form, unsigned size, uint32_t a, uint32_t b,
			  uint32_t fi)
{
	static const char *const names[] = { "mul", "imul", "imul2" };
	uint32_t mask = size_mask(size), lo, hi, want_hi = 0, want;
	uint64_t fo;
	struct lazy_flags f;
	a &= mask;
	b &= mask;
	flags_set(&f, fi);
	if (form == 2) {
		want = native_imul2(size, a, b, fi, &fo);
		lo = alu_imul_trunc(size, a, b, &f);
		hi = 0;
	} else {
		want = native_mul1(form == 1, size, a, b, fi, &want_hi, &fo);
		if (form == 1)
			alu_imul(size, a, b, &lo, &hi, &f);
		else
			alu_mul(size, a, b, &lo, &hi, &f);
	}
	uint32_t got_flags = flags_compute(&f), want_flags = (uint32_t)fo & FLAGS_ARITH;
	t->runs++;
	if (lo != want || hi != want_hi || got_flags != want_flags)
		report(t, "%s%u %#x*%#x fi=%#x: %#x:%#x flags %#x, host %#x:%#x flags %#x",
		       names[form], size * 8, a, b, fi, hi, lo, got_flags, want_hi, want,
		       want_flags);
	else if (lazy_conditions(&f) != native_conditions(fo))
		report(t, "%s%u %#x*%#x: conditions differ", names[form], size * 8, a, b);
}

START_TEST(test_multiply)
{
	unsigned form = (unsigned)_i;   /* 0 MUL, 1 IMUL, 2 IMUL r, r/m */
	static const char *const names[] = { "mul", "imul", "imul r,rm" };
	struct tally t = { .what = names[form] };
	uint64_t seed = 0x3a11ULL * (form + 1);

	for (unsigned size = form == 2 ? 2 : 1; size <= 4; size *= 2) {
		for (unsigned i = 0; i < EDGE_COUNT; i++)
			for (unsigned j = 0; j < EDGE_COUNT; j++)
				check_mul_one(&t, form, size, edge_values[i], edge_values[j],
					      FLAGS_BASE | ((i + j) & 1 ? FLAGS_ARITH : 0));
		for (unsigned n = 0; n < 200000; n++) {
			uint32_t a = pick_operand(&seed), b = pick_operand(&seed);
			check_mul_one(&t, form, size, a, b, pick_flags(&seed));
		}
	}
	tally_done(&t);
}
END_TEST

/* Three-operand IMUL r, r/m, imm: the same helper with the immediate
 * (sign-extended to the operand size) as the second factor. */
#define IMUL3(imm)                                                                          \
	do {                                                                                \
		uint32_t r32;                                                               \
		uint16_t r16;                                                               \
		uint64_t fo;                                                                \
		__asm__ volatile(NATIVE_PRE "imull %[i], %[a], %[r]" NATIVE_POST            \
				 : [r] "=&r"(r32), [fo] "=&r"(fo)                           \
				 : [a] "r"(a), [i] "i"(imm), [fi] "r"((uint64_t)fi)         \
				 : "cc", "memory");                                         \
		check_imul3(&t, 4, a, (uint32_t)(int32_t)(imm), fi, r32, fo);               \
		__asm__ volatile(NATIVE_PRE "imulw %[i], %[a], %[r]" NATIVE_POST            \
				 : [r] "=&r"(r16), [fo] "=&r"(fo)                           \
				 : [a] "r"((uint16_t)a), [i] "i"((int16_t)(imm)),           \
				   [fi] "r"((uint64_t)fi)                                   \
				 : "cc", "memory");                                         \
		check_imul3(&t, 2, a, (uint32_t)(int16_t)(imm), fi, r16, fo);               \
	} while (0)

static void check_imul3(struct tally *t, unsigned size, uint32_t a, uint32_t imm, uint32_t fi,
			uint32_t want, uint64_t fo)
{
	struct lazy_flags f;
	uint32_t mask = size_mask(size);
	flags_set(&f, fi);
	uint32_t got = alu_imul_trunc(size, a & mask, imm & mask, &f);
	uint32_t got_flags = flags_compute(&f), want_flags = (uint32_t)fo & FLAGS_ARITH;
	t->runs++;
	if (got != (want & mask) || got_flags != want_flags)
		report(t, "imul%u %#x*imm %#x fi=%#x: %#x flags %#x, host %#x flags %#x",
		       size * 8, a & mask, imm & mask, fi, got, got_flags, want & mask, want_flags);
}

START_TEST(test_imul_immediate)
{
	struct tally t = { .what = "imul imm" };
	uint64_t seed = 0x1313ULL;
	for (unsigned n = 0; n < 20000 + EDGE_COUNT; n++) {
		uint32_t a = n < EDGE_COUNT ? edge_values[n] : pick_operand(&seed);
		uint32_t fi = pick_flags(&seed);
		IMUL3(0); IMUL3(1); IMUL3(-1); IMUL3(2); IMUL3(3); IMUL3(10); IMUL3(127);
		IMUL3(-128); IMUL3(0x7fff); IMUL3(-0x8000); IMUL3(0x1234); IMUL3(0x12345678);
		IMUL3(0x7fffffff); IMUL3(-0x7fffffff - 1);
	}
	tally_done(&t);
}
END_TEST

/* ---- DIV / IDIV ------------------------------------------------------- */

/* #DE arrives natively as SIGFPE; the handler jumps back out. Only used
 * for the few divide errors checked on the host. */
static sigjmp_buf fpe_jump;

static void on_sigfpe(int sig)
{
	(void)sig;
	siglongjmp(fpe_jump, 1);
}

struct div_args {
	bool sign;
	unsigned size;
	uint32_t lo, hi, d;     /* in */
	uint32_t quot, rem;     /* out */
};

static __attribute__((noinline)) void native_div_run(struct div_args *a)
{
	if (a->size == 1) {
		uint16_t ax = (uint16_t)a->lo;
		uint8_t d = (uint8_t)a->d;
		if (a->sign)
			__asm__ volatile("idivb %[d]" : "+a"(ax) : [d] "q"(d) : "cc");
		else
			__asm__ volatile("divb %[d]" : "+a"(ax) : [d] "q"(d) : "cc");
		a->quot = ax & 0xff;
		a->rem = ax >> 8;
	} else if (a->size == 2) {
		uint16_t ax = (uint16_t)a->lo, dx = (uint16_t)a->hi, d = (uint16_t)a->d;
		if (a->sign)
			__asm__ volatile("idivw %[d]" : "+a"(ax), "+d"(dx) : [d] "r"(d) : "cc");
		else
			__asm__ volatile("divw %[d]" : "+a"(ax), "+d"(dx) : [d] "r"(d) : "cc");
		a->quot = ax;
		a->rem = dx;
	} else {
		uint32_t eax = a->lo, edx = a->hi;
		if (a->sign)
			__asm__ volatile("idivl %[d]" : "+a"(eax), "+d"(edx) : [d] "r"(a->d) : "cc");
		else
			__asm__ volatile("divl %[d]" : "+a"(eax), "+d"(edx) : [d] "r"(a->d) : "cc");
		a->quot = eax;
		a->rem = edx;
	}
}

/* Native divide; false if the host raised #DE. */
static bool native_div(struct div_args *a)
{
	if (sigsetjmp(fpe_jump, 1))
		return false;
	native_div_run(a);
	return true;
}

/* The host's flags after a divide that did not fault (all undefined). */
static uint32_t native_div_flags(uint32_t fi)
{
	uint64_t fo;
	uint32_t eax = 1000, edx = 0, d = 7;
	__asm__ volatile(NATIVE_PRE "divl %[d]" NATIVE_POST
			 : "+a"(eax), "+d"(edx), [fo] "=&r"(fo)
			 : [d] "r"(d), [fi] "r"((uint64_t)fi)
			 : "cc", "memory");
	return (uint32_t)fo & FLAGS_ARITH;
}

START_TEST(test_divide)
{
	bool sign = _i == 1;
	struct tally t = { .what = sign ? "idiv" : "div" };
	uint64_t seed = 0xd1d1ULL + (uint64_t)_i;
	unsigned long faults = 0, native_faults = 0;
	struct sigaction sa = { .sa_handler = on_sigfpe }, old;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGFPE, &sa, &old), 0);

	for (unsigned size = 1; size <= 4; size *= 2) {
		uint32_t mask = size_mask(size);
		for (unsigned n = 0; n < 200000 + EDGE_COUNT * EDGE_COUNT; n++) {
			uint32_t lo, hi, d;
			if (n < EDGE_COUNT * EDGE_COUNT) {
				lo = edge_values[n % EDGE_COUNT];
				d = edge_values[n / EDGE_COUNT];
				hi = (n & 1) ? 0 : ((lo & 0x80000000u) ? 0xffffffff : 0);
			} else {
				lo = pick_operand(&seed);
				d = pick_operand(&seed);
				/* Mostly a high half that keeps the quotient in range. */
				switch (rng_next(&seed) & 3) {
				case 0: hi = pick_operand(&seed); break;
				case 1: hi = (lo & (size == 1 ? 0x8000u : 0x80000000u)) ? 0xffffffffu : 0; break;
				default: hi = (rng_next(&seed) % ((d & mask) | 1)) >> 1; break;
				}
			}
			if (size == 1)
				lo &= 0xffff;
			else {
				lo &= mask;
				hi &= mask;
			}
			d &= mask;
			uint32_t q = 0xdead, r = 0xbeef;
			struct div_args w = { .sign = sign, .size = size, .lo = lo, .hi = hi, .d = d };
			bool ok = sign ? alu_idiv(size, lo, hi, d, &q, &r) : alu_div(size, lo, hi, d, &q, &r);
			t.runs++;
			if (!ok) {
				faults++;
				if (q != 0xdead || r != 0xbeef)
					report(&t, "size %u: outputs written on #DE", size);
				/* Confirm a sample of the divide errors on the host. */
				if (native_faults < 3000 || (faults & 63) == 0) {
					native_faults++;
					if (native_div(&w))
						report(&t, "%u-bit %#x:%#x / %#x: #DE, host %#x r %#x",
						       size * 8, hi, lo, d, w.quot, w.rem);
				}
				continue;
			}
			if (!native_div(&w))
				report(&t, "%u-bit %#x:%#x / %#x: %#x r %#x, host #DE", size * 8, hi, lo,
				       d, q, r);
			else if (q != w.quot || r != w.rem)
				report(&t, "%u-bit %#x:%#x / %#x: %#x r %#x, host %#x r %#x", size * 8,
				       hi, lo, d, q, r, w.quot, w.rem);
		}
	}
	/* The INT_MIN / -1 corner at each size. */
	uint32_t q, r;
	ck_assert(!alu_idiv(1, 0x8000, 0, 0xff, &q, &r));
	ck_assert(!alu_idiv(2, 0x0000, 0x8000, 0xffff, &q, &r));
	ck_assert(!alu_idiv(4, 0, 0x80000000u, 0xffffffffu, &q, &r));
	ck_assert(alu_idiv(1, 0xff80, 0, 0x01, &q, &r) && q == 0x80 && r == 0);
	/* alu_div_flags: the host's flags after a divide, from any flags. */
	for (uint32_t bits = 0; bits < 64; bits++) {
		uint32_t fi = FLAGS_BASE | (bits & 1 ? FLAG_CF : 0) | (bits & 2 ? FLAG_PF : 0) |
			      (bits & 4 ? FLAG_AF : 0) | (bits & 8 ? FLAG_ZF : 0) |
			      (bits & 16 ? FLAG_SF : 0) | (bits & 32 ? FLAG_OF : 0);
		struct lazy_flags f;
		flags_set(&f, fi);
		alu_div_flags(&f);
		ck_assert_uint_eq(flags_compute(&f), native_div_flags(fi));
	}
	sigaction(SIGFPE, &old, NULL);
	fprintf(stderr, "           %lu divide errors, %lu confirmed on the host\n", faults,
		native_faults);
	tally_done(&t);
}
END_TEST

/* ---- BT BTS BTR BTC, BSF BSR ------------------------------------------ */

#define NATIVE_BIT(name, insn, T)                                                      \
	static uint32_t name(uint32_t a32, uint32_t b32, uint64_t fi, uint64_t *fo)    \
	{                                                                               \
		T a = (T)a32, b = (T)b32;                                               \
		uint64_t f;                                                             \
		__asm__ volatile(NATIVE_PRE insn " %[b], %[a]" NATIVE_POST              \
				 : [a] "+r"(a), [fo] "=&r"(f)                           \
				 : [b] "r"(b), [fi] "r"(fi)                             \
				 : "cc", "memory");                                     \
		*fo = f;                                                                \
		return a;                                                               \
	}
NATIVE_BIT(native_bt16, "btw", uint16_t)
NATIVE_BIT(native_bt32, "btl", uint32_t)
NATIVE_BIT(native_bts16, "btsw", uint16_t)
NATIVE_BIT(native_bts32, "btsl", uint32_t)
NATIVE_BIT(native_btr16, "btrw", uint16_t)
NATIVE_BIT(native_btr32, "btrl", uint32_t)
NATIVE_BIT(native_btc16, "btcw", uint16_t)
NATIVE_BIT(native_btc32, "btcl", uint32_t)
/* BSF/BSR dst, src: the same shape, operands the other way round. */
NATIVE_BIT(native_bsf16, "bsfw", uint16_t)
NATIVE_BIT(native_bsf32, "bsfl", uint32_t)
NATIVE_BIT(native_bsr16, "bsrw", uint16_t)
NATIVE_BIT(native_bsr32, "bsrl", uint32_t)

typedef uint32_t bit_fn(uint32_t a, uint32_t b, uint64_t fi, uint64_t *fo);
/* [op][size 2, 4]: BT BTS BTR BTC BSF BSR */
static bit_fn *const bit_natives[6][2] = {
	{ native_bt16, native_bt32 }, { native_bts16, native_bts32 },
	{ native_btr16, native_btr32 }, { native_btc16, native_btc32 },
	{ native_bsf16, native_bsf32 }, { native_bsr16, native_bsr32 },
};
static const char *const bit_names[6] = { "bt", "bts", "btr", "btc", "bsf", "bsr" };

static void check_bit_one(struct tally *t, unsigned op, unsigned size, uint32_t a, uint32_t b,
			  uint32_t fi)
{
	uint32_t mask = size_mask(size);
	uint64_t fo;
	a &= mask;
	b &= mask;
	/* Register forms: BT* reduce the bit offset modulo the size. */
	uint32_t want = bit_natives[op][size == 4](a, b, fi, &fo) & mask;
	struct lazy_flags f;
	flags_set(&f, fi);
	uint32_t got;
	if (op < 4)
		got = alu_bit(ALU_BT + op, size, a, b & (size * 8 - 1), &f);
	else if (op == 4)
		got = alu_bsf(size, b, a, &f);
	else
		got = alu_bsr(size, b, a, &f);
	uint32_t got_flags = flags_compute(&f), want_flags = (uint32_t)fo & FLAGS_ARITH;
	t->runs++;
	if (got != want || got_flags != want_flags)
		report(t, "%s%u %#x, %#x fi=%#x: %#x flags %#x, host %#x flags %#x", bit_names[op],
		       size * 8, a, b, fi, got, got_flags, want, want_flags);
}

START_TEST(test_bits)
{
	unsigned op = (unsigned)_i;
	struct tally t = { .what = bit_names[op] };
	uint64_t seed = 0xb17ULL + op;
	for (unsigned size = 2; size <= 4; size += 2) {
		for (unsigned i = 0; i < EDGE_COUNT; i++)
			for (unsigned j = 0; j < 32; j++) {
				uint32_t b = op < 4 ? j : (j < EDGE_COUNT ? edge_values[j] : 1u << j);
				check_bit_one(&t, op, size, edge_values[i], b, FLAGS_BASE);
				check_bit_one(&t, op, size, edge_values[i], b, FLAGS_BASE | FLAGS_ARITH);
			}
		for (unsigned n = 0; n < 200000; n++) {
			uint32_t a = pick_operand(&seed), b = pick_operand(&seed);
			if (op >= 4 && (n & 15) == 0)
				b = 0;
			check_bit_one(&t, op, size, a, b, pick_flags(&seed));
		}
	}
	tally_done(&t);
}
END_TEST

/* ---- BCD, in 32-bit compatibility mode --------------------------------- */

enum bcd_op { BCD_DAA, BCD_DAS, BCD_AAA, BCD_AAS, BCD_AAM, BCD_AAD };
static const char *const bcd_names[] = { "daa", "das", "aaa", "aas", "aam", "aad" };
static const uint8_t bcd_opcodes[] = { 0x27, 0x2f, 0x37, 0x3f, 0xd4, 0xd5 };

static void check_bcd_one(struct tally *t, struct host32 *h, enum bcd_op op, uint32_t ax,
			  uint8_t base, uint32_t fi)
{
	struct lazy_flags f;
	flags_set(&f, fi);
	uint32_t got = 0;
	bool ok = true;

	switch (op) {
	case BCD_DAA: got = (ax & 0xff00) | alu_daa(ax & 0xff, &f); break;
	case BCD_DAS: got = (ax & 0xff00) | alu_das(ax & 0xff, &f); break;
	case BCD_AAA: got = alu_aaa(ax, &f); break;
	case BCD_AAS: got = alu_aas(ax, &f); break;
	case BCD_AAM: ok = alu_aam(ax & 0xff, base, &got, &f); break;
	case BCD_AAD: got = alu_aad(ax, base, &f); break;
	}
	t->runs++;
	if (!ok) {
		/* AAM 0 is #DE; not run natively. */
		if (base != 0)
			report(t, "aam %#x base %u: #DE", ax, base);
		return;
	}
	struct host32_regs in = { .gpr = { 0x5a5a0000u | ax }, .eflags = fi }, out;
	in.gpr[4] = h->stack_top;
	host32_run(h, &in, &out);
	uint32_t want = out.gpr[0] & 0xffff, want_flags = out.eflags & FLAGS_ARITH;
	uint32_t got_flags = flags_compute(&f);
	if (out.gpr[0] >> 16 != 0x5a5a)
		report(t, "%s ax=%#x: host changed the upper half of EAX", bcd_names[op], ax);
	if (got != want || got_flags != want_flags)
		report(t, "%s ax=%#x base %u fi=%#x: %#x flags %#x, host %#x flags %#x",
		       bcd_names[op], ax, base, fi, got, got_flags, want, want_flags);
}

START_TEST(test_bcd)
{
	enum bcd_op op = (enum bcd_op)_i;
	struct host32 host;
	if (!host32_init(&host)) {
		fprintf(stderr, "SKIP: no MAP_32BIT page for 32-bit code\n");
		return;
	}
	struct tally t = { .what = bcd_names[op] };
	uint64_t seed = 0xbcdULL + (uint64_t)op;
	static const uint32_t others[] = { 0, FLAG_PF, FLAG_ZF | FLAG_SF, FLAG_OF,
					   FLAG_PF | FLAG_ZF | FLAG_SF | FLAG_OF };

	if (op == BCD_AAM || op == BCD_AAD) {
		/* Every AL with every base (AAD: AH too, for a few bases). */
		for (unsigned base = 0; base < 256; base++) {
			host32_set_insn(&host, (const uint8_t[]){ bcd_opcodes[op], (uint8_t)base }, 2);
			for (uint32_t al = 0; al < 256; al++) {
				uint32_t ah = op == BCD_AAD ? rng_next(&seed) & 0xff : 0x77;
				check_bcd_one(&t, &host, op, (ah << 8) | al, (uint8_t)base,
					      pick_flags(&seed));
			}
			if (op == BCD_AAD && (base == 10 || base == 0 || base == 255 || base == 16))
				for (uint32_t ax = 0; ax < 0x10000; ax++)
					check_bcd_one(&t, &host, op, ax, (uint8_t)base, FLAGS_BASE);
		}
	} else {
		host32_set_insn(&host, &bcd_opcodes[op], 1);
		/* Every AL, every CF/AF, AH edge values and other flag patterns. */
		static const uint32_t ahs[] = { 0, 1, 0x7f, 0x80, 0xfe, 0xff };
		for (uint32_t al = 0; al < 256; al++)
			for (unsigned ca = 0; ca < 4; ca++)
				for (unsigned o = 0; o < 5; o++)
					for (unsigned h = 0; h < 6; h++)
						check_bcd_one(&t, &host, op, (ahs[h] << 8) | al, 0,
							      FLAGS_BASE | others[o] |
							      (ca & 1 ? FLAG_CF : 0) |
							      (ca & 2 ? FLAG_AF : 0));
	}
	host32_destroy(&host);
	tally_done(&t);
}
END_TEST

static Suite *alu_suite(void)
{
	Suite *s = suite_create("alu");
	TCase *tc = tcase_create("host");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_shifts, 0, 8);
	tcase_add_loop_test(tc, test_double_shifts, 0, 2);
	tcase_add_loop_test(tc, test_multiply, 0, 3);
	tcase_add_test(tc, test_imul_immediate);
	tcase_add_loop_test(tc, test_divide, 0, 2);
	tcase_add_loop_test(tc, test_bits, 0, 6);
	tcase_add_loop_test(tc, test_bcd, 0, 6);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(alu_suite)
