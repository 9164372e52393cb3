/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_operands.h — shared by the semantics tests (test_alu, test_flags,
 * test_soft_host): a reproducible generator, edge values at the
 * operand-size and sign boundaries, input flags, and the host's own
 * verdict on the 16 conditions. */
#ifndef MORPHEUS_TEST_OPERANDS_H
#define MORPHEUS_TEST_OPERANDS_H

#include <stdint.h>
#include "cpu/flags.h"

/* splitmix64: a fixed seed, so a failure reproduces. */
static inline uint64_t rng_next64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t rng_next(uint64_t *s)
{
	return (uint32_t)(rng_next64(s) >> 32);
}

static const uint32_t edge_values[] = {
	0, 1, 2, 3, 6, 7, 8, 9, 0xa, 0xf, 0x10, 0x11, 0x1f, 0x20, 0x21, 0x3f, 0x40, 0x55,
	0x7e, 0x7f, 0x80, 0x81, 0x99, 0x9a, 0xaa, 0xfe, 0xff, 0x100, 0x101, 0x7ffe, 0x7fff,
	0x8000, 0x8001, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001,
	0xfffffffe, 0xffffffff, 0xffffff80, 0xffff8000, 0x12345678, 0xedcba987,
};
#define EDGE_COUNT (sizeof(edge_values) / sizeof(edge_values[0]))

/* An operand: an edge value (also repeated in every byte, so AH-style
 * operands see them), a power of two or one less, a small value (signed
 * or not), or random bits. */
static inline uint32_t pick_operand(uint64_t *s)
{
	uint32_t r = rng_next(s);
	switch (r & 15) {
	case 0: case 1: case 2: case 3:
		return edge_values[(r >> 4) % EDGE_COUNT];
	case 4:
		return (edge_values[(r >> 4) % EDGE_COUNT] & 0xff) * 0x01010101u;
	case 5: case 6:
		return (1u << ((r >> 4) & 31)) - ((r >> 9) & 1);
	case 7:
		return rng_next(s) >> ((r >> 4) & 31);
	case 8:
		return (uint32_t)((int32_t)rng_next(s) >> ((r >> 4) & 31));
	default:
		return rng_next(s);
	}
}

/* Random arithmetic flags on top of `base` (e.g. IF and the fixed bit 1). */
static inline uint32_t pick_flags_over(uint64_t *s, uint32_t base)
{
	return (rng_next(s) & FLAGS_ARITH) | base;
}

/* SETcc for all 16 conditions on the host, from EFLAGS `flags`; bit cc of
 * the result is condition cc. */
static inline unsigned native_conditions(uint64_t flags)
{
	uint8_t c[16];
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t"
			 "seto 0(%[p])\n\tsetno 1(%[p])\n\tsetb 2(%[p])\n\tsetae 3(%[p])\n\t"
			 "sete 4(%[p])\n\tsetne 5(%[p])\n\tsetbe 6(%[p])\n\tseta 7(%[p])\n\t"
			 "sets 8(%[p])\n\tsetns 9(%[p])\n\tsetp 10(%[p])\n\tsetnp 11(%[p])\n\t"
			 "setl 12(%[p])\n\tsetge 13(%[p])\n\tsetle 14(%[p])\n\tsetg 15(%[p])\n\t"
			 "lea 128(%%rsp), %%rsp"
			 :
			 : [f] "r"(flags), [p] "r"(c)
			 : "cc", "memory");
	unsigned mask = 0;
	for (unsigned i = 0; i < 16; i++)
		mask |= (unsigned)(c[i] & 1) << i;
	return mask;
}

#endif
