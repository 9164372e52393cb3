/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workload_mem32.c — bench/jit's memory-bound workload: per round, over
 * about 6 MiB of buffers, a 32-bit block copy, a 512x512 word transpose
 * (a new 2 KiB row, so a new page every other store), a strided 16-bit
 * read-modify-write walk, a random-index gather/scatter (32- and 8-bit),
 * words narrowed to bytes, a byte histogram and a 16-bit prefix sum; it
 * ends by printing one checksum line,
 * "workload_mem32: rounds=N checksum=XXXXXXXX".
 *
 * Built like bench/workload32.c (the CPU-bound workload), with the same
 * flags (-m32 -march=i686 -mgeneral-regs-only -ffreestanding -O2), three
 * ways:
 *   -DWORKLOAD_GUEST   a flat 32-bit guest entered at workload_guest_entry
 *                      from bench/boot32.asm (Multiboot); prints on COM1 and
 *                      leaves through the debug-exit port 0xF4 (status 99).
 *                      bench/jit links its bss at 0x400000, above the stack
 *                      boot32.asm sets up, and the guest needs at least
 *                      16 MiB of RAM;
 *   -DWORKLOAD_LINUX32 a static 32-bit Linux program without libc (int 0x80);
 *   -DWORKLOAD_HOSTED  an ordinary hosted program (64-bit), used only where
 *                      the host kernel cannot run 32-bit programs.
 * The workload writes every byte of its buffers before it reads it, so the
 * result depends on nothing but ROUNDS. The shell around it (result line,
 * entry points) is bench/workload_main.h.
 * No floating point, no 64-bit division, no library; the copy loops are not
 * plain copies, so the compiler does not turn them into memcpy calls.
 * It is not part of morpheus and checks nothing itself. */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 4
#endif

#define WORDS (1u << 19)        /* 2 MiB of 32-bit words, in each of two buffers */
#define HALVES (1u << 19)       /* 1 MiB of 16-bit halves */
#define BYTES (1u << 20)        /* 1 MiB of bytes */
#define SIDE 512u               /* the transpose: SIDE x SIDE words (1 MiB) */
#define WALK_STEPS (1u << 18)   /* the strided walk */
#define RANDOM_STEPS (1u << 18) /* the gather/scatter */

/* --- the work ----------------------------------------------------------- */

struct workload_mem {
	uint32_t src[WORDS];
	uint32_t dst[WORDS];
	uint16_t halves[HALVES];
	uint8_t bytes[BYTES];
	uint32_t histogram[256];
};

static uint32_t rng_next(uint32_t *state)
{
	/* xorshift32 */
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9E3779B1u;
	return h ^ (h >> 15);
}

/* Writes every buffer (the histogram is cleared where it is used). */
static void mem_init(struct workload_mem *w)
{
	uint32_t state = 0x2545F491u;

	for (uint32_t i = 0; i < WORDS; i++) {
		w->src[i] = rng_next(&state);
		w->dst[i] = i * 0x9E3779B1u;
	}
	for (uint32_t i = 0; i < HALVES; i++)
		w->halves[i] = (uint16_t)(i * 40503u);
	for (uint32_t i = 0; i < BYTES; i++)
		w->bytes[i] = (uint8_t)(i ^ (i >> 9));
}

/* 32-bit loads and stores, sequential. */
static uint32_t copy_words(uint32_t *dst, const uint32_t *src, uint32_t n, uint32_t key)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] = src[i] ^ key;
	return dst[n / 2] + dst[n - 1];
}

/* dst[j][i] = src[i][j] over SIDE x SIDE words: sequential loads, stores
 * 2 KiB apart. */
static uint32_t transpose_words(uint32_t *dst, const uint32_t *src)
{
	for (uint32_t i = 0; i < SIDE; i++)
		for (uint32_t j = 0; j < SIDE; j++)
			dst[j * SIDE + i] = src[i * SIDE + j];
	return dst[SIDE + 3] ^ dst[SIDE * SIDE - 1];
}

/* A walk with an odd stride (it visits different halves every step),
 * reading and writing 16-bit values. */
static uint32_t strided_walk16(uint16_t *h, uint32_t stride, uint32_t steps)
{
	uint32_t sum = 0, j = 0;

	for (uint32_t k = 0; k < steps; k++) {
		sum += h[j];
		h[j] = (uint16_t)(h[j] + sum);
		j = (j + stride) & (HALVES - 1);
	}
	return sum;
}

/* Random indexes: 32-bit gathers, 32-bit and 8-bit scatters. */
static uint32_t gather_scatter(uint32_t *src, uint32_t *dst, uint8_t *bytes,
			       uint32_t seed, uint32_t steps)
{
	uint32_t state = seed | 1, sum = 0;

	for (uint32_t k = 0; k < steps; k++) {
		uint32_t x = rng_next(&state);
		uint32_t v = src[x & (WORDS - 1)];

		sum += v;
		dst[(x >> 13) & (WORDS - 1)] += v;
		bytes[(x >> 7) & (BYTES - 1)] ^= (uint8_t)sum;
	}
	return sum;
}

/* 32-bit loads, 8-bit stores. */
static uint32_t narrow_to_bytes(uint8_t *bytes, const uint32_t *words, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		bytes[i] = (uint8_t)(words[i] >> (i & 7)) ^ bytes[i];
	return bytes[n / 3] | (uint32_t)bytes[n - 1] << 8;
}

/* 8-bit loads, 32-bit read-modify-write of the counts. */
static uint32_t byte_histogram(uint32_t *histogram, const uint8_t *bytes, uint32_t n)
{
	uint32_t h = 0;

	for (uint32_t i = 0; i < 256; i++)
		histogram[i] = 0;
	for (uint32_t i = 0; i < n; i++)
		histogram[bytes[i]]++;
	for (uint32_t i = 0; i < 256; i++)
		h = h * 31 + histogram[i];
	return h;
}

/* 16-bit loads and stores with a dependency from one to the next. */
static uint32_t prefix_sum16(uint16_t *h, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		h[i] = (uint16_t)(h[i] + h[i - 1]);
	return h[n - 1];
}

static uint32_t workload_run(struct workload_mem *w, uint32_t rounds)
{
	uint32_t h = 0x12345678u;

	mem_init(w);
	for (uint32_t r = 0; r < rounds; r++) {
		/* The copy alternates direction, so every round sees new data. */
		if (r & 1)
			h = mix(h, copy_words(w->src, w->dst, WORDS, h));
		else
			h = mix(h, copy_words(w->dst, w->src, WORDS, h));
		h = mix(h, transpose_words(w->dst + (r & 1) * SIDE * SIDE, w->src));
		h = mix(h, strided_walk16(w->halves, 4097u + 2 * (r & 63), WALK_STEPS));
		h = mix(h, gather_scatter(w->src, w->dst, w->bytes, h, RANDOM_STEPS));
		h = mix(h, narrow_to_bytes(w->bytes, w->dst, WORDS));
		h = mix(h, byte_histogram(w->histogram, w->bytes, BYTES));
		h = mix(h, prefix_sum16(w->halves, HALVES));
	}
	return mix(h, w->src[rounds & (WORDS - 1)] ^ w->halves[7] ^ w->bytes[11]);
}

#define WORKLOAD_NAME "workload_mem32"
#define WORKLOAD_STATE struct workload_mem
#include "workload_main.h"
