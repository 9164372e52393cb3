/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workload_native.c — bench/kvm's CPU workload run natively on the host: the
 * same instructions as the CPL-3 loop of tests/guests/long64_user.asm (a
 * 64-bit LCG adding into a 2^ARRAY_SHIFT_WORDS-word array), on an array in
 * transparent huge pages as the guest's is in 2 MiB pages. It prints the
 * guest's result line, the loop's TSC ticks, and the TSC rate it measured.
 * Built by bench/kvm with -DLOOP_COUNT=... -DARRAY_SHIFT_WORDS=...; it is
 * not part of morpheus. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#ifndef LOOP_COUNT
#define LOOP_COUNT 1000000
#endif
#ifndef ARRAY_SHIFT_WORDS
#define ARRAY_SHIFT_WORDS 17
#endif
#define STR(x) #x
#define XSTR(x) STR(x)

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
	const size_t words = (size_t)1 << ARRAY_SHIFT_WORDS;
	const size_t huge = 2u << 20;
	size_t bytes = words * sizeof(uint64_t);
	uint64_t *array = aligned_alloc(huge, bytes < huge ? huge : bytes);

	if (!array) {
		fprintf(stderr, "workload_native: out of memory\n");
		return 1;
	}
	madvise(array, bytes, MADV_HUGEPAGE);
	memset(array, 0, bytes);

	uint64_t x = 1, mul = 6364136223846793005ull, add = 1442695040888963407ull;
	uint64_t count = LOOP_COUNT, index, *base = array;
	double t0 = seconds_now();
	uint64_t tsc0 = __rdtsc();
	__asm__ volatile(
		"1:\n\t"
		"imul %[mul], %[x]\n\t"
		"add %[add], %[x]\n\t"
		"mov %[x], %[index]\n\t"
		"shr $(64 - " XSTR(ARRAY_SHIFT_WORDS) "), %[index]\n\t"
		"add %[x], (%[base], %[index], 8)\n\t"
		"dec %[count]\n\t"
		"jnz 1b"
		: [x] "+r"(x), [count] "+r"(count), [index] "=&r"(index)
		: [mul] "r"(mul), [add] "r"(add), [base] "r"(base)
		: "memory", "cc");
	uint64_t ticks = __rdtsc() - tsc0;
	double elapsed = seconds_now() - t0;

	uint64_t sum = 0;
	for (size_t i = 0; i < words; i++)
		sum += array[i];
	printf("long64: lcg=%016" PRIX64 " sum=%016" PRIX64 "\n", x, sum);
	printf("long64: loop_tsc=%" PRIu64 "\n", ticks);
	printf("tsc_hz=%.0f\n", (double)ticks / elapsed);
	free(array);
	return 0;
}
