/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_seglimit.h — the segment checks of every guest data access of the
 * soft engine, in one place: limit, expand-down, null selector and type
 * (read-only data, execute-only or any code segment written). Every data
 * access (the IR ops EA and ADDSEG and the fused memory ops, the helpers,
 * exception delivery) asks whether its bytes [off, off + last] lie within
 * the bounds of its segment for its kind of access (read, or write — a
 * read-modify-write asks for write, which is never wider than read).
 * A violation is #SS(0) for SS and #GP(0) for every other segment, in real
 * mode as in protected mode (SDM vol. 3, 5.3 "Limit Checking", 5.4 "Type
 * Checking", 5.10 null selectors, 20.1 "Real-Address Mode Operation";
 * vol. 2, each instruction's exceptions: "#GP(0) If the destination is
 * located in a non-writable segment. ... If a memory operand effective
 * address is outside the CS, DS, ES, FS, or GS segment limit. If the DS,
 * ES, FS, or GS register contains a NULL segment selector. #SS(0) If a
 * memory operand effective address is outside the SS segment limit.").
 *
 * The fast path is one range compare: each segment load (and anything that
 * changes how a segment is checked: CR0.PE, EFLAGS.VM, a new state)
 * computes, per access kind, the first valid offset `lo` and the number of
 * valid offsets `end` (0: none) into soft_cpu.seg_bound[seg][kind]; an
 * access fits when (uint32_t)(off - lo) + last < end, computed in 64 bits
 * so that nothing wraps (a word at offset 0xFFFF of a 64 KiB segment
 * faults, and so does an access that would wrap past 4 GiB). For a flat
 * segment (lo 0, end 4 GiB) that is one add and one compare that fail only
 * past 4 GiB.
 *
 * The bounds (soft_seg_bound_of):
 * - real mode and virtual-8086 mode: offsets 0 .. limit, both kinds, no
 *   type checks (the limit is what the last protected-mode load left, or
 *   0xFFFF);
 * - protected mode, null selector loaded (DS, ES, FS, GS): none;
 * - expand-up data: 0 .. limit; expand-down data (type bit 2): limit + 1
 *   .. 0xFFFF, or 0xFFFFFFFF when the B bit is set (SDM vol. 3, 3.4.5.1);
 *   writes only to writable data (type bit 1);
 * - code: reads only when readable (type bit 1), writes never;
 * - system segments (LDTR, TR): none (nothing accesses data through them).
 * Privilege checks are made at the loads (cpu/soft_segment.c), not here. */
#ifndef MORPHEUS_SOFT_SEGLIMIT_H
#define MORPHEUS_SOFT_SEGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/soft_cpu.h"

/* The valid offsets of segment `sg` for an access of kind `kind`
 * (SOFT_SEG_READ or SOFT_SEG_WRITE) in the mode given by pe (CR0.PE) and vm
 * (EFLAGS.VM). */
static inline struct soft_seg_bound soft_seg_bound_of(const struct cpu_segment *sg, bool pe, bool vm, int kind)
{
	struct soft_seg_bound b = { 0, 0, 0 };
	if (!pe || vm) {
		b.end = (uint64_t)sg->limit + 1;
		return b;
	}
	if (sg->unusable || !sg->s)
		return b;
	bool code = sg->type & 8, rw = sg->type & 2;
	if (code ? (kind == SOFT_SEG_WRITE || !rw) : (kind == SOFT_SEG_WRITE && !rw))
		return b;
	if (!code && (sg->type & 4)) {
		uint64_t lo = (uint64_t)sg->limit + 1, hi = sg->db ? 0xffffffffu : 0xffffu;
		if (lo <= hi) {
			b.lo = (uint32_t)lo;
			b.end = hi - lo + 1;
		}
		return b;
	}
	b.end = (uint64_t)sg->limit + 1;
	return b;
}

/* True when the bytes [off, off + last] fit bounds b. */
static inline bool soft_seg_bound_fits(const struct soft_seg_bound *b, uint32_t off, uint32_t last)
{
	return (uint64_t)(uint32_t)(off - b->lo) + last < b->end;
}

/* Recomputes the bounds of segment `seg` from its cache (after every write
 * of cpu->s.seg[seg]) or of every segment (after a change of CR0.PE or
 * EFLAGS.VM, a new state). In soft_segment.c. */
void soft_seg_refresh(struct soft_cpu *cpu, int seg);
void soft_seg_refresh_all(struct soft_cpu *cpu);

/* True when the access of kind `kind` whose first byte is at offset `off`
 * and whose last byte is at off + last (last = bytes - 1) fits segment
 * `seg`. */
static inline bool soft_seg_fits_last(const struct soft_cpu *cpu, int seg, int kind, uint32_t off, uint32_t last)
{
	return soft_seg_bound_fits(&cpu->seg_bound[seg][kind], off, last);
}

/* The same for `len` (>= 1) bytes. */
static inline bool soft_seg_fits(const struct soft_cpu *cpu, int seg, int kind, uint32_t off, unsigned len)
{
	return soft_seg_fits_last(cpu, seg, kind, off, len - 1);
}

/* The exception of a violation in segment `seg`: #SS for SS, else #GP
 * (both with error code 0). */
static inline int soft_seg_fault_vector(int seg)
{
	return seg == SEG_SS ? EXC_SS : EXC_GP;
}

/* Raises the violation of segment `seg` at the current instruction
 * (soft_raise: only from inside a block run). In soft_segment.c. */
_Noreturn void soft_seg_fault(struct soft_cpu *cpu, int seg);

/* The linear address of `len` bytes at seg:off for an access of kind
 * `kind`, after the check (raises on a violation). For helpers. */
static inline uint32_t soft_seg_linear_kind(struct soft_cpu *cpu, int seg, int kind, uint32_t off, unsigned len)
{
	if (__builtin_expect(!soft_seg_fits(cpu, seg, kind, off, len), 0))
		soft_seg_fault(cpu, seg);
	return (uint32_t)cpu->s.seg[seg].base + off;
}

static inline uint32_t soft_seg_linear(struct soft_cpu *cpu, int seg, uint32_t off, unsigned len)
{
	return soft_seg_linear_kind(cpu, seg, SOFT_SEG_READ, off, len);
}

static inline uint32_t soft_seg_linear_w(struct soft_cpu *cpu, int seg, uint32_t off, unsigned len)
{
	return soft_seg_linear_kind(cpu, seg, SOFT_SEG_WRITE, off, len);
}

#endif
