/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_segment.c — segmentation of the soft engine: descriptor reads from
 * the GDT and the LDT (implicit supervisor accesses), the loads of the data
 * segment registers and SS with every check of the SDM (vol. 2, MOV, POP,
 * LDS/LES/LFS/LGS/LSS: type, RPL/CPL/DPL, present; #GP/#SS/#NP with the
 * selector as error code), real-mode and virtual-8086 loads (base =
 * selector << 4), LLDT and LTR (busy bit), the ZF-reporting probes LAR,
 * LSL, VERR and VERW, the nulling of data segment registers that a return
 * to an outer privilege level leaves invalid, and the access bounds that
 * the fast path of every data access checks (cpu/soft_seglimit.h).
 * Far transfers and gates are cpu/soft_gate.c's, task switches
 * cpu/soft_task.c's. */
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"

_Noreturn void soft_seg_fault(struct soft_cpu *cpu, int seg)
{
	soft_raise(cpu, soft_seg_fault_vector(seg), true, 0);
}

void soft_seg_refresh(struct soft_cpu *cpu, int seg)
{
	bool pe = cpu->s.cr0 & CR0_PE, vm = cpu->s.rflags & RFLAGS_VM;
	for (int k = 0; k < SOFT_SEG_NR_KINDS; k++)
		cpu->seg_bound[seg][k] = soft_seg_bound_of(&cpu->s.seg[seg], pe, vm, k);
}

void soft_seg_refresh_all(struct soft_cpu *cpu)
{
	for (int i = 0; i < CPU_NR_SEGS; i++)
		soft_seg_refresh(cpu, i);
}

/* The linear address of the descriptor of `selector` (8 bytes), or false
 * when it is outside its table (or the LDT is null). */
static bool descriptor_address(struct soft_cpu *cpu, uint16_t selector, uint32_t *lin)
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
	if ((uint64_t)index + 7 > limit)
		return false;
	*lin = (uint32_t)base + index;
	return true;
}

bool soft_segment_read_descriptor(struct soft_cpu *cpu, uint16_t selector, uint32_t *lo, uint32_t *hi)
{
	uint32_t lin;
	if (!descriptor_address(cpu, selector, &lin))
		return false;
	*lo = mmu_sys_load(&cpu->mmu, lin, 4);
	*hi = mmu_sys_load(&cpu->mmu, lin + 4, 4);
	return true;
}

void soft_segment_write_descriptor_hi(struct soft_cpu *cpu, uint16_t selector, uint32_t hi)
{
	uint32_t lin;
	if (descriptor_address(cpu, selector, &lin))
		mmu_sys_store(&cpu->mmu, lin + 4, 4, hi);
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

void soft_segment_mark_accessed(struct soft_cpu *cpu, uint16_t selector, uint32_t hi)
{
	if (hi & (1u << 8))
		return;
	uint32_t lin;
	if (descriptor_address(cpu, selector, &lin))
		mmu_sys_store(&cpu->mmu, lin + 5, 1, (hi >> 8 & 0xff) | 1);
}

void soft_segment_set_real(struct soft_cpu *cpu, int seg, uint16_t selector)
{
	struct cpu_segment *sg = &cpu->s.seg[seg];
	sg->selector = selector;
	sg->base = (uint32_t)selector << 4;
	if (cpu->s.rflags & RFLAGS_VM) {
		/* virtual-8086 mode: a 64 KiB read/write data segment at
		 * privilege 3 (SDM vol. 3, 20.1.1, 20.2) */
		*sg = (struct cpu_segment){ .base = (uint32_t)selector << 4, .limit = 0xffff, .selector = selector,
			.type = seg == SEG_CS ? 0xb : 3, .s = 1, .dpl = 3, .present = 1 };
	}
	soft_seg_refresh(cpu, seg);
}

int soft_segment_check_data(struct soft_cpu *cpu, int seg, uint16_t selector, unsigned cpl,
			    struct cpu_segment *out, uint32_t *hi_out, uint32_t *error)
{
	*error = 0;
	if ((selector & ~3u) == 0) {
		if (seg == SEG_SS)
			return EXC_GP;
		*out = (struct cpu_segment){ .selector = selector, .unusable = 1 };
		*hi_out = 1u << 8;   /* nothing to mark accessed */
		return 0;
	}
	uint32_t lo, hi;
	*error = selector & ~3u;
	if (!soft_segment_read_descriptor(cpu, selector, &lo, &hi))
		return EXC_GP;
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, selector, lo, hi);
	bool code = n.type & 8, readable = n.type & 2, conforming = code && (n.type & 4);
	unsigned rpl = selector & 3;
	if (seg == SEG_SS) {
		/* a writable data segment with RPL = DPL = CPL */
		if (!n.s || code || !readable || rpl != cpl || n.dpl != cpl)
			return EXC_GP;
		if (!n.present)
			return EXC_SS;
	} else {
		/* data or readable code; privilege except conforming code */
		if (!n.s || (code && !readable))
			return EXC_GP;
		if (!conforming && (rpl > n.dpl || cpl > n.dpl))
			return EXC_GP;
		if (!n.present)
			return EXC_NP;
	}
	n.type |= 1;
	*out = n;
	*hi_out = hi;
	*error = 0;
	return 0;
}

int soft_segment_load(struct soft_cpu *cpu, int seg, uint16_t selector, uint32_t *error)
{
	*error = 0;
	if (!(cpu->s.cr0 & CR0_PE) || (cpu->s.rflags & RFLAGS_VM)) {
		soft_segment_set_real(cpu, seg, selector);
		return 0;
	}
	struct cpu_segment n;
	uint32_t hi;
	int fault = soft_segment_check_data(cpu, seg, selector, soft_cpu_cpl(cpu), &n, &hi, error);
	if (fault)
		return fault;
	soft_segment_mark_accessed(cpu, selector, hi);
	cpu->s.seg[seg] = n;
	soft_seg_refresh(cpu, seg);
	return 0;
}

void soft_segment_null_outer(struct soft_cpu *cpu, unsigned cpl)
{
	static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (unsigned i = 0; i < 4; i++) {
		struct cpu_segment *sg = &cpu->s.seg[segs[i]];
		bool conforming_code = (sg->type & 0xc) == 0xc;
		if (sg->unusable || conforming_code || sg->dpl >= cpl)
			continue;
		/* SDM vol. 2, RET, IRET: "IF segment register points to data
		 * or non-conforming code segment AND CPL > segment descriptor
		 * DPL THEN SegmentSelector := 0" */
		*sg = (struct cpu_segment){ .selector = 0, .unusable = 1 };
		soft_seg_refresh(cpu, segs[i]);
	}
}

int soft_segment_lldt(struct soft_cpu *cpu, uint16_t selector, uint32_t *error)
{
	*error = 0;
	if ((selector & ~3u) == 0) {
		cpu->s.seg[SEG_LDTR] = (struct cpu_segment){ .selector = selector, .unusable = 1 };
		soft_seg_refresh(cpu, SEG_LDTR);
		return 0;
	}
	uint32_t lo, hi;
	*error = selector & ~3u;
	if ((selector & 4) || !soft_segment_read_descriptor(cpu, selector, &lo, &hi))
		return EXC_GP;
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, selector, lo, hi);
	if (n.s || n.type != 2)
		return EXC_GP;
	if (!n.present)
		return EXC_NP;
	cpu->s.seg[SEG_LDTR] = n;
	soft_seg_refresh(cpu, SEG_LDTR);
	*error = 0;
	return 0;
}

int soft_segment_ltr(struct soft_cpu *cpu, uint16_t selector, uint32_t *error)
{
	*error = 0;
	if ((selector & ~3u) == 0)
		return EXC_GP;
	uint32_t lo, hi;
	*error = selector & ~3u;
	if ((selector & 4) || !soft_segment_read_descriptor(cpu, selector, &lo, &hi))
		return EXC_GP;
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, selector, lo, hi);
	if (n.s || (n.type != 1 && n.type != 9))   /* an available 16- or 32-bit TSS */
		return EXC_GP;
	if (!n.present)
		return EXC_NP;
	hi |= 2u << 8;   /* busy */
	soft_segment_write_descriptor_hi(cpu, selector, hi);
	n.type |= 2;
	cpu->s.seg[SEG_TR] = n;
	soft_seg_refresh(cpu, SEG_TR);
	*error = 0;
	return 0;
}

/* The descriptor of `selector` for LAR, LSL, VERR and VERW, with their
 * privilege rule (SDM vol. 2, LAR: "IF ... (DPL < CPL) or (RPL > DPL) ...
 * THEN ZF := 0", except conforming code segments); false when ZF = 0. */
static bool probe_descriptor(struct soft_cpu *cpu, uint16_t selector, struct cpu_segment *n, uint32_t *hi)
{
	uint32_t lo;
	if ((selector & ~3u) == 0 || !soft_segment_read_descriptor(cpu, selector, &lo, hi))
		return false;
	soft_segment_from_descriptor(n, selector, lo, *hi);
	bool conforming = n->s && (n->type & 0xc) == 0xc;
	if (!conforming && (n->dpl < soft_cpu_cpl(cpu) || n->dpl < (selector & 3)))
		return false;
	return true;
}

bool soft_segment_lar(struct soft_cpu *cpu, uint16_t selector, uint32_t *value)
{
	struct cpu_segment n;
	uint32_t hi;
	if (!probe_descriptor(cpu, selector, &n, &hi))
		return false;
	if (!n.s) {
		/* TSS (16, 32; available, busy), LDT, call gates, task gate */
		switch (n.type) {
		case 1: case 2: case 3: case 4: case 5: case 9: case 0xb: case 0xc: break;
		default: return false;
		}
	}
	*value = hi & 0x00f0ff00u;
	return true;
}

bool soft_segment_lsl(struct soft_cpu *cpu, uint16_t selector, uint32_t *value)
{
	struct cpu_segment n;
	uint32_t hi;
	if (!probe_descriptor(cpu, selector, &n, &hi))
		return false;
	if (!n.s) {
		switch (n.type) {
		case 1: case 2: case 3: case 9: case 0xb: break;   /* TSS, LDT */
		default: return false;
		}
	}
	*value = n.limit;
	return true;
}

bool soft_segment_verify(struct soft_cpu *cpu, uint16_t selector, bool write)
{
	struct cpu_segment n;
	uint32_t hi;
	if (!probe_descriptor(cpu, selector, &n, &hi) || !n.s)
		return false;
	bool code = n.type & 8, rw = n.type & 2;
	if (write)
		return !code && rw;
	return !code || rw;
}
