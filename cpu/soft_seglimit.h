/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_seglimit.h — the segment limit check of the soft engine, in one
 * place. Every guest data access (the IR ops EA and ADDSEG, the helpers,
 * exception delivery) asks soft_seg_fits() whether its bytes
 * [off, off + len) lie within the segment's limit, and the translator asks
 * the same of the CS limit for each instruction it fetches. A violation is
 * #SS(0) for SS and #GP(0) for every other segment, in real mode (limit
 * 0xFFFF, or what a protected-mode load left) as in protected mode (SDM
 * vol. 3, 5.3 "Limit Checking", 20.1 "Real-Address Mode Operation"; vol. 2,
 * each instruction's "Real-Address Mode Exceptions": "#GP If a memory
 * operand effective address is outside the CS, DS, ES, FS, or GS segment
 * limit. #SS If a memory operand effective address is outside the SS
 * segment limit.").
 *
 * The offset of the last byte is computed in 64 bits: a word at offset
 * 0xFFFF of a 64 KiB segment faults instead of wrapping, and so does an
 * access that would wrap past 4 GiB. For a flat segment (limit 4 GiB - 1)
 * the check is one add and one compare that never fails.
 *
 * Now: expand-up segments only. The system-architecture issue grows it
 * here: expand-down segments (valid offsets limit + 1 .. 0xFFFF or
 * 0xFFFFFFFF by the B bit), null selectors and type checks (writes to
 * read-only segments), e.g. as per-segment bounds [lo, hi] per access kind
 * computed at each segment load, so that the fast path stays one range
 * compare. Privilege checks are not made here. */
#ifndef MORPHEUS_SOFT_SEGLIMIT_H
#define MORPHEUS_SOFT_SEGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/soft_cpu.h"

/* True when the access whose first byte is at offset `off` and whose last
 * byte is at off + last (last = bytes - 1) is within the limit of sg. */
static inline bool soft_seg_fits_last(const struct cpu_segment *sg, uint32_t off, uint32_t last)
{
	return (uint64_t)off + last <= sg->limit;
}

/* The same for `len` (>= 1) bytes. */
static inline bool soft_seg_fits(const struct cpu_segment *sg, uint32_t off, unsigned len)
{
	return soft_seg_fits_last(sg, off, len - 1);
}

/* The exception of a limit violation in segment `seg`: #SS for SS, else
 * #GP (both with error code 0). */
static inline int soft_seg_fault_vector(int seg)
{
	return seg == SEG_SS ? EXC_SS : EXC_GP;
}

/* Raises the limit violation of segment `seg` at the current instruction
 * (soft_raise: only from inside a block run). In soft_segment.c. */
_Noreturn void soft_seg_fault(struct soft_cpu *cpu, int seg);

/* The linear address of `len` bytes at seg:off, after the limit check
 * (raises on a violation). For helpers. */
static inline uint32_t soft_seg_linear(struct soft_cpu *cpu, int seg, uint32_t off, unsigned len)
{
	const struct cpu_segment *sg = &cpu->s.seg[seg];
	if (__builtin_expect(!soft_seg_fits(sg, off, len), 0))
		soft_seg_fault(cpu, seg);
	return (uint32_t)sg->base + off;
}

#endif
