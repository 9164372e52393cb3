/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_segment.c — segment register loads for the soft engine: real mode
 * (base = selector << 4) and a minimal protected-mode load from the GDT or
 * LDT (type and presence checks, the accessed bit), and the fault of a
 * segment limit violation (the check itself is cpu/soft_seglimit.h).
 * Privilege checks beyond "same privilege", conforming segments, gates and
 * task switches are the system-architecture issue's. */
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"

_Noreturn void soft_seg_fault(struct soft_cpu *cpu, int seg)
{
	soft_raise(cpu, soft_seg_fault_vector(seg), true, 0);
}

bool soft_segment_read_descriptor(struct soft_cpu *cpu, uint16_t selector, uint32_t *lo, uint32_t *hi)
{
	uint64_t base;
	uint32_t limit;
	if (selector & 4) {
		const struct cpu_segment *ldt = &cpu->s.seg[SEG_LDTR];
		if (ldt->unusable || !ldt->present)
			return false;
		base = ldt->base;
		limit = ldt->limit;
	} else {
		base = cpu->s.gdt.base;
		limit = cpu->s.gdt.limit;
	}
	uint32_t index = selector & ~7u;
	if (index + 7 > limit)
		return false;
	*lo = mmu_load32(&cpu->mmu, (uint32_t)base + index);
	*hi = mmu_load32(&cpu->mmu, (uint32_t)base + index + 4);
	return true;
}

void soft_segment_from_descriptor(struct cpu_segment *sg, uint16_t selector, uint32_t lo, uint32_t hi)
{
	uint32_t limit = (lo & 0xffff) | (hi & 0xf0000);
	bool g = (hi >> 23) & 1;
	*sg = (struct cpu_segment){
		.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u),
		.limit = g ? limit << 12 | 0xfff : limit,
		.selector = selector,
		.type = (hi >> 8) & 0xf,
		.s = (hi >> 12) & 1,
		.dpl = (hi >> 13) & 3,
		.present = (hi >> 15) & 1,
		.avl = (hi >> 20) & 1,
		.l = (hi >> 21) & 1,
		.db = (hi >> 22) & 1,
		.g = g,
	};
}

/* Sets the accessed bit of a descriptor, as the CPU does on a load. */
static void segment_mark_accessed(struct soft_cpu *cpu, uint16_t selector, uint32_t hi)
{
	if (hi & (1u << 8))
		return;
	uint64_t base = (selector & 4) ? cpu->s.seg[SEG_LDTR].base : cpu->s.gdt.base;
	mmu_store8(&cpu->mmu, (uint32_t)base + (selector & ~7u) + 5, (hi >> 8 & 0xff) | 1);
}

int soft_segment_load(struct soft_cpu *cpu, int seg, uint16_t selector, uint32_t *error)
{
	struct cpu_segment *sg = &cpu->s.seg[seg];
	*error = 0;
	if (!(cpu->s.cr0 & CR0_PE)) {
		sg->selector = selector;
		sg->base = (uint32_t)selector << 4;
		return 0;
	}
	unsigned cpl = cpu->s.seg[SEG_CS].selector & 3;
	if ((selector & ~3u) == 0) {
		if (seg == SEG_SS)
			return EXC_GP;
		*sg = (struct cpu_segment){ .selector = selector, .unusable = 1 };
		return 0;
	}
	uint32_t lo, hi;
	*error = selector & ~3u;
	if (!soft_segment_read_descriptor(cpu, selector, &lo, &hi))
		return EXC_GP;
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, selector, lo, hi);
	bool code = n.type & 8, readable = n.type & 2, writable = !code && (n.type & 2);
	if (seg == SEG_SS) {
		if (!n.s || !writable || (selector & 3) != cpl || n.dpl != cpl)
			return EXC_GP;
		if (!n.present)
			return EXC_SS;
	} else {
		if (!n.s || (code && !readable))
			return EXC_GP;
		if (!n.present)
			return EXC_NP;
	}
	segment_mark_accessed(cpu, selector, hi);
	n.type |= 1;
	*sg = n;
	*error = 0;
	return 0;
}
