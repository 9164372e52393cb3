/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workload_paging32.c — bench/paging's workload: 32-bit read-modify-write
 * accesses over a 64 MiB working set (16384 pages of 4 KiB, four times
 * the reach of the soft MMU's 4096-entry TLB), with paging on. Per round:
 *   - a sequential pass, a stride of 4 bytes (one TLB miss per 1024
 *     accesses);
 *   - PAGE_PASSES passes with a stride of 4 KiB, one touch per page at an
 *     offset that changes from pass to pass (every access is on a page not
 *     touched for 16383 accesses: a miss in any TLB of fewer entries);
 *   - RANDOM_STEPS accesses at xorshift32 indexes: a random page and
 *     offset each time (a 4096-entry TLB holds a quarter of the pages).
 * It ends by printing one checksum line,
 * "workload_paging32: rounds=N checksum=XXXXXXXX".
 *
 * Built like bench/workload_mem32.c, with the same flags (-m32 -march=i686
 * -mgeneral-regs-only -ffreestanding -O2), three ways:
 *   -DWORKLOAD_GUEST   a 32-bit guest entered at workload_guest_entry from
 *                      bench/boot32.asm (Multiboot), in flat protected mode
 *                      without paging. It builds its own page tables (32-bit
 *                      two-level paging, 4 KiB pages; in its bss, which
 *                      bench/paging links at 0x400000, above the stack
 *                      boot32.asm sets up): the first 16 MiB (code, stack,
 *                      bss) identity-mapped, and the working set, physical
 *                      16..80 MiB, mapped at linear 1 GiB (0x40000000), where
 *                      it uses it. Then it loads CR3 and sets CR0.PG (and WP):
 *                      every access from there on is translated. It needs at
 *                      least 80 MiB of RAM; prints on COM1 and leaves through
 *                      the debug-exit port 0xF4 (status 99);
 *   -DWORKLOAD_LINUX32 a static 32-bit Linux program without libc (int 0x80);
 *                      the working set is a 64 MiB array in its bss, under
 *                      the host's own paging;
 *   -DWORKLOAD_HOSTED  an ordinary hosted program (64-bit), used only where
 *                      the host kernel cannot run 32-bit programs.
 * The workload writes every word of the working set before it reads it, so
 * the result depends on nothing but ROUNDS. The shell around it (result
 * line, entry points) is bench/workload_main.h. No floating point, no 64-bit
 * division, no library. It is not part of morpheus and checks nothing
 * itself. */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 2
#endif

#define PAGE_WORDS 1024u                  /* 32-bit words in a 4 KiB page */
#define PAGES (1u << 14)                  /* 16384 pages: 64 MiB */
#define WORDS (PAGES * PAGE_WORDS)
#define PAGE_PASSES 16u                   /* 4 KiB-stride passes per round */
#define RANDOM_STEPS (1u << 21)           /* random accesses per round */

/* --- where the working set is --------------------------------------------- */

#ifdef WORKLOAD_GUEST
#define LOW_TABLES 4u                     /* page tables identity-mapping 0..16 MiB */
#define DATA_TABLES (PAGES / 1024u)       /* page tables mapping the working set: 16 */
#define DATA_PHYS 0x01000000u             /* physical 16 MiB, above the bss */
#define DATA_LINEAR 0x40000000u           /* where the workload sees it */
#define PTE_P 0x001u
#define PTE_RW 0x002u
#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u

struct workload_paging {
	uint32_t directory[1024];
	uint32_t tables[LOW_TABLES + DATA_TABLES][1024];
} __attribute__((aligned(4096)));

/* Builds the page tables (supervisor, writable, A and D clear: the MMU sets
 * them) and turns paging on. The code runs identity-mapped, so the fetch
 * after the CR0 write finds the same bytes. */
static uint32_t *working_set(struct workload_paging *w)
{
	for (uint32_t i = 0; i < 1024; i++)
		w->directory[i] = 0;   /* not present */
	for (uint32_t t = 0; t < LOW_TABLES; t++) {
		for (uint32_t i = 0; i < 1024; i++)
			w->tables[t][i] = ((t * 1024 + i) << 12) | PTE_P | PTE_RW;
		w->directory[t] = (uint32_t)(uintptr_t)w->tables[t] | PTE_P | PTE_RW;
	}
	for (uint32_t t = 0; t < DATA_TABLES; t++) {
		uint32_t *table = w->tables[LOW_TABLES + t];
		for (uint32_t i = 0; i < 1024; i++)
			table[i] = (DATA_PHYS + ((t * 1024 + i) << 12)) | PTE_P | PTE_RW;
		w->directory[(DATA_LINEAR >> 22) + t] = (uint32_t)(uintptr_t)table | PTE_P | PTE_RW;
	}
	uint32_t cr0;
	__asm__ volatile("mov %0, %%cr3" : : "r"(w->directory) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG | CR0_WP) : "memory");
	return (uint32_t *)DATA_LINEAR;
}
#else
struct workload_paging {
	uint32_t data[WORDS];
} __attribute__((aligned(4096)));

static uint32_t *working_set(struct workload_paging *w)
{
	return w->data;
}
#endif

/* --- the work ------------------------------------------------------------- */

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

/* Writes every word. */
static void fill(uint32_t *a)
{
	for (uint32_t i = 0; i < WORDS; i++)
		a[i] = i * 0x9E3779B1u;
}

/* Stride 4 bytes: every word, in order. */
static uint32_t sequential_pass(uint32_t *a, uint32_t key)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < WORDS; i++) {
		uint32_t v = a[i];

		sum += v;
		a[i] = v ^ (sum + key);
	}
	return sum;
}

/* Stride 4 KiB: one word of every page, at an offset that moves with the
 * page and the pass. */
static uint32_t page_pass(uint32_t *a, uint32_t pass)
{
	uint32_t sum = pass;

	for (uint32_t p = 0; p < PAGES; p++) {
		uint32_t *w = &a[p * PAGE_WORDS + ((p * 7u + pass * 129u) & (PAGE_WORDS - 1))];
		uint32_t v = *w;

		sum = sum * 33u + v;
		*w = v + sum;
	}
	return sum;
}

/* Random words over the whole working set. */
static uint32_t random_pass(uint32_t *a, uint32_t seed, uint32_t steps)
{
	uint32_t state = seed | 1, sum = 0;

	for (uint32_t k = 0; k < steps; k++) {
		uint32_t x = rng_next(&state);
		uint32_t *w = &a[x & (WORDS - 1)];
		uint32_t v = *w;

		sum += v;
		*w = v ^ x;
	}
	return sum;
}

static uint32_t workload_run(struct workload_paging *state, uint32_t rounds)
{
	uint32_t *a = working_set(state);
	uint32_t h = 0x12345678u;

	fill(a);
	for (uint32_t r = 0; r < rounds; r++) {
		h = mix(h, sequential_pass(a, h));
		for (uint32_t k = 0; k < PAGE_PASSES; k++)
			h = mix(h, page_pass(a, r * PAGE_PASSES + k));
		h = mix(h, random_pass(a, h, RANDOM_STEPS));
	}
	return mix(h, a[rounds & (WORDS - 1)] ^ a[WORDS - 1]);
}

#define WORKLOAD_NAME "workload_paging32"
#define WORKLOAD_STATE struct workload_paging
#include "workload_main.h"
