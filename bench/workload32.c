/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workload32.c — bench/soft's CPU-bound integer workload: per round, a sieve
 * of Eratosthenes, a quicksort of pseudo-random words, CRC-32 (table-driven)
 * and FNV-1a hashing, and a small bytecode interpreter; it ends by printing
 * one checksum line, "workload32: rounds=N checksum=XXXXXXXX".
 *
 * One source, built three ways by bench/soft with the same compiler flags
 * (-m32 -march=i686 -mgeneral-regs-only -ffreestanding -O2), so that the host
 * and the guests run the same 32-bit instructions:
 *   -DWORKLOAD_GUEST   freestanding guest code, entered at workload_guest_entry
 *                      from bench/boot32.asm; prints on COM1 and leaves through
 *                      the debug-exit port (Multiboot boot: morpheus, QEMU), or
 *                      prints on Bochs's port 0xE9 and asks Bochs to shut down
 *                      (boot sector: Bochs);
 *   -DWORKLOAD_LINUX32 a static 32-bit Linux program without libc (int 0x80);
 *   -DWORKLOAD_HOSTED  an ordinary hosted program (64-bit), used only where
 *                      the host kernel cannot run 32-bit programs.
 * ROUNDS sets the amount of work. It uses no floating point, no 64-bit
 * division and no library: nothing the compiler would turn into a call.
 * It is not part of morpheus and checks nothing itself. */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 8
#endif

#define SIEVE_LIMIT 200000u
#define SORT_WORDS 8192u
#define VM_STACK_WORDS 64u

/* --- the work ----------------------------------------------------------- */

struct workload {
	uint8_t sieve[SIEVE_LIMIT];
	uint32_t words[SORT_WORDS];
	uint32_t crc_table[256];
	uint32_t vm_stack[VM_STACK_WORDS];
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

static uint32_t sieve_count_primes(uint8_t *flags, uint32_t limit)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < limit; i++)
		flags[i] = 1;
	flags[0] = flags[1] = 0;
	for (uint32_t i = 2; i * i < limit; i++)
		if (flags[i])
			for (uint32_t j = i * i; j < limit; j += i)
				flags[j] = 0;
	for (uint32_t i = 0; i < limit; i++)
		count += flags[i];
	return count;
}

static void sort_insertion(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = a[i], j = i;

		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

/* Quicksort (median of three, Hoare partition), recursing on the smaller
 * side so the stack stays shallow; insertion sort for short runs. */
static void sort_quick(uint32_t *a, uint32_t n)
{
	while (n > 16) {
		uint32_t lo = a[0], mid = a[n / 2], hi = a[n - 1], pivot;

		if (lo > mid) { uint32_t t = lo; lo = mid; mid = t; }
		if (mid > hi) mid = hi;
		pivot = lo > mid ? lo : mid;

		uint32_t i = 0, j = n - 1;
		for (;;) {
			while (a[i] < pivot) i++;
			while (a[j] > pivot) j--;
			if (i >= j) break;
			uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
			i++;
			j--;
		}
		uint32_t left = j + 1;
		if (left < n - left) {
			sort_quick(a, left);
			a += left;
			n -= left;
		} else {
			sort_quick(a + left, n - left);
			n = left;
		}
	}
	sort_insertion(a, n);
}

static uint32_t sort_round(uint32_t *a, uint32_t n, uint32_t seed)
{
	uint32_t state = seed | 1, sum = 0;

	for (uint32_t i = 0; i < n; i++)
		a[i] = rng_next(&state);
	sort_quick(a, n);
	for (uint32_t i = 1; i < n; i++)
		sum += a[i] >= a[i - 1] ? a[i] >> 7 : 0x80000000u;
	return sum;
}

static void crc32_make_table(uint32_t *table)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
}

static uint32_t crc32_bytes(const uint32_t *table, const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++)
		c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static uint32_t fnv1a_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* A stack machine with eight registers and a switch-dispatched loop. */
enum vm_op {
	VM_HALT, VM_PUSH, VM_LOAD, VM_STORE, VM_ADD, VM_SUB, VM_MUL, VM_XOR,
	VM_AND, VM_SHL, VM_SHR, VM_DUP, VM_DEC, VM_JNZ, VM_JMP, VM_DIVU, VM_MODU,
};

/* r0 = n; r1 = acc; r2 = x:
 * loop: x = x * 1103515245 + 12345; acc ^= x >> 3; acc += (x & 0xFFFF) / 7
 *       + x % 13; n--; while n != 0. Leaves acc on the stack. */
static const int32_t vm_program[] = {
	/*  0 */ VM_STORE, 0,
	/*  2 */ VM_PUSH, 0, VM_STORE, 1,
	/*  6 */ VM_LOAD, 2, VM_PUSH, 1103515245, VM_MUL, VM_PUSH, 12345, VM_ADD,
	/* 14 */ VM_DUP, VM_STORE, 2,
	/* 17 */ VM_PUSH, 3, VM_SHR, VM_LOAD, 1, VM_XOR, VM_STORE, 1,
	/* 25 */ VM_LOAD, 2, VM_PUSH, 0xFFFF, VM_AND, VM_PUSH, 7, VM_DIVU,
	/* 33 */ VM_LOAD, 2, VM_PUSH, 13, VM_MODU, VM_ADD, VM_LOAD, 1, VM_ADD,
	/* 42 */ VM_STORE, 1,
	/* 44 */ VM_LOAD, 0, VM_DEC, VM_DUP, VM_STORE, 0, VM_JNZ, 6,
	/* 52 */ VM_LOAD, 1, VM_HALT,
};

static uint32_t vm_run(uint32_t *stack, uint32_t steps, uint32_t seed)
{
	uint32_t reg[8] = { 0, 0, seed };
	uint32_t sp = 0, pc = 0;

	stack[sp++] = steps;
	for (;;) {
		int32_t op = vm_program[pc++];
		uint32_t b;

		switch (op) {
		case VM_HALT: return stack[sp - 1];
		case VM_PUSH: stack[sp++] = (uint32_t)vm_program[pc++]; break;
		case VM_LOAD: stack[sp++] = reg[vm_program[pc++] & 7]; break;
		case VM_STORE: reg[vm_program[pc++] & 7] = stack[--sp]; break;
		case VM_ADD: b = stack[--sp]; stack[sp - 1] += b; break;
		case VM_SUB: b = stack[--sp]; stack[sp - 1] -= b; break;
		case VM_MUL: b = stack[--sp]; stack[sp - 1] *= b; break;
		case VM_XOR: b = stack[--sp]; stack[sp - 1] ^= b; break;
		case VM_AND: b = stack[--sp]; stack[sp - 1] &= b; break;
		case VM_SHL: b = stack[--sp]; stack[sp - 1] <<= b & 31; break;
		case VM_SHR: b = stack[--sp]; stack[sp - 1] >>= b & 31; break;
		case VM_DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case VM_DEC: stack[sp - 1]--; break;
		case VM_JNZ: b = stack[--sp]; pc = b ? (uint32_t)vm_program[pc] : pc + 1; break;
		case VM_JMP: pc = (uint32_t)vm_program[pc]; break;
		case VM_DIVU: b = stack[--sp]; stack[sp - 1] /= b ? b : 1; break;
		case VM_MODU: b = stack[--sp]; stack[sp - 1] %= b ? b : 1; break;
		default: return 0xDEADBEEFu;
		}
		sp &= VM_STACK_WORDS - 1;
	}
}

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h *= 0x9E3779B1u;
	return h ^ (h >> 15);
}

static uint32_t workload_run(struct workload *w, uint32_t rounds)
{
	uint32_t h = 0x12345678u;

	crc32_make_table(w->crc_table);
	for (uint32_t r = 0; r < rounds; r++) {
		h = mix(h, sieve_count_primes(w->sieve, SIEVE_LIMIT - r));
		h = mix(h, fnv1a_bytes(w->sieve, SIEVE_LIMIT));
		h = mix(h, sort_round(w->words, SORT_WORDS, h));
		h = mix(h, crc32_bytes(w->crc_table, (const uint8_t *)w->words,
				       sizeof(w->words)));
		h = mix(h, vm_run(w->vm_stack, 40000, h));
	}
	return h;
}

#define WORKLOAD_NAME "workload32"
#define WORKLOAD_STATE struct workload
#include "workload_main.h"
