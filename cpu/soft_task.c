/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_task.c — hardware task switches of the soft engine (SDM vol. 3,
 * chapter 7 "Task Management"; vol. 2, JMP/CALL "TASK-GATE"/"TASK-STATE-
 * SEGMENT", IRET "TASK-RETURN", INT n "TASK-GATE"): 32-bit and 16-bit
 * TSSs, the busy bits (cleared in the old task's descriptor for JMP and
 * IRET, set in the new one for JMP, CALL and interrupts), the back link
 * and EFLAGS.NT for CALL and interrupts, CR0.TS set, CR3 loaded from a
 * 32-bit TSS when paging is on, the LDT, and the new task's segment
 * registers checked after the commit point: a fault there is delivered in
 * the context of the new task (7.3, step 12), as is the error code an
 * exception pushes on the new task's stack. A new task with EFLAGS.VM set
 * starts in virtual-8086 mode.
 *
 * Before the commit point every check (the new TSS's limit, the reads of
 * the new TSS, the writability of the old one) is made with nothing
 * changed, so the caller can raise the fault at the instruction or treat
 * it as a fault during delivery; faults after it carry EXT when the switch
 * delivers an event. The T bit of a 32-bit TSS raises #DB (DR6.BT) in the
 * new task. Not modelled: the I/O map base beyond what IN/OUT read
 * (soft_io_allowed). */
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"

struct tss_image {
	uint32_t cr3, eip, eflags, gpr[8];
	uint16_t seg[6];   /* ES CS SS DS FS GS (enum cpu_seg order) */
	uint16_t ldt;
	bool trap;         /* the T bit (32-bit TSS): #DB on entry */
};

static void read_tss(struct soft_cpu *cpu, uint32_t base, bool tss32, struct tss_image *t)
{
	struct mmu *mmu = &cpu->mmu;
	if (tss32) {
		t->cr3 = mmu_sys_load(mmu, base + 0x1c, 4);
		t->eip = mmu_sys_load(mmu, base + 0x20, 4);
		t->eflags = mmu_sys_load(mmu, base + 0x24, 4);
		for (int i = 0; i < 8; i++)
			t->gpr[i] = mmu_sys_load(mmu, base + 0x28 + 4 * (uint32_t)i, 4);
		for (int i = 0; i < 6; i++)
			t->seg[i] = (uint16_t)mmu_sys_load(mmu, base + 0x48 + 4 * (uint32_t)i, 2);
		t->ldt = (uint16_t)mmu_sys_load(mmu, base + 0x60, 2);
		t->trap = mmu_sys_load(mmu, base + 0x64, 2) & 1;
	} else {
		t->trap = false;
		t->cr3 = 0;
		t->eip = mmu_sys_load(mmu, base + 0x0e, 2);
		t->eflags = mmu_sys_load(mmu, base + 0x10, 2);
		for (int i = 0; i < 8; i++)
			t->gpr[i] = mmu_sys_load(mmu, base + 0x12 + 2 * (uint32_t)i, 2);
		for (int i = 0; i < 4; i++)
			t->seg[i] = (uint16_t)mmu_sys_load(mmu, base + 0x22 + 2 * (uint32_t)i, 2);
		t->seg[SEG_FS] = t->seg[SEG_GS] = 0;
		t->ldt = (uint16_t)mmu_sys_load(mmu, base + 0x2a, 2);
	}
}

/* The dynamic fields of the current task into its TSS. */
static void save_tss(struct soft_cpu *cpu, uint32_t base, bool tss32, uint32_t eip, uint32_t eflags)
{
	struct mmu *mmu = &cpu->mmu;
	if (tss32) {
		mmu_sys_store(mmu, base + 0x20, 4, eip);
		mmu_sys_store(mmu, base + 0x24, 4, eflags);
		for (int i = 0; i < 8; i++)
			mmu_sys_store(mmu, base + 0x28 + 4 * (uint32_t)i, 4, (uint32_t)cpu->s.gpr[i]);
		for (int i = 0; i < 6; i++)
			mmu_sys_store(mmu, base + 0x48 + 4 * (uint32_t)i, 2, cpu->s.seg[i].selector);
	} else {
		mmu_sys_store(mmu, base + 0x0e, 2, eip);
		mmu_sys_store(mmu, base + 0x10, 2, eflags);
		for (int i = 0; i < 8; i++)
			mmu_sys_store(mmu, base + 0x12 + 2 * (uint32_t)i, 2, (uint32_t)cpu->s.gpr[i]);
		for (int i = 0; i < 4; i++)
			mmu_sys_store(mmu, base + 0x22 + 2 * (uint32_t)i, 2, cpu->s.seg[i].selector);
	}
}

static void set_busy(struct soft_cpu *cpu, uint16_t sel, bool busy)
{
	uint32_t lo, hi;
	if (!soft_segment_read_descriptor(cpu, sel, &lo, &hi))
		return;
	hi = busy ? hi | 2u << 8 : hi & ~(2u << 8);
	soft_segment_write_descriptor_hi(cpu, sel, hi);
}

/* The segment registers of the new task (after the commit point): their
 * selectors are in place with empty caches; each is checked and loaded.
 * Returns 0 or the fault (error code in *error). */
static int load_task_segments(struct soft_cpu *cpu, const struct tss_image *t, uint32_t *error)
{
	uint32_t lo, hi;
	*error = 0;
	/* the LDT first: the other selectors may point into it */
	uint16_t ldt = t->ldt;
	if ((ldt & ~3u) != 0) {
		*error = ldt & ~3u;
		if ((ldt & 4) || !soft_segment_read_descriptor(cpu, ldt, &lo, &hi))
			return EXC_TS;
		struct cpu_segment n;
		soft_segment_from_descriptor(&n, ldt, lo, hi);
		if (n.s || n.type != 2 || !n.present)
			return EXC_TS;
		cpu->s.seg[SEG_LDTR] = n;
		soft_seg_refresh(cpu, SEG_LDTR);
	}
	if (cpu->s.rflags & RFLAGS_VM) {
		for (int i = 0; i < 6; i++)
			soft_segment_set_real(cpu, i, t->seg[i]);
		return 0;
	}
	/* CS: a code segment; its RPL is the new CPL */
	uint16_t cs_sel = t->seg[SEG_CS];
	*error = cs_sel & ~3u;
	if ((cs_sel & ~3u) == 0 || !soft_segment_read_descriptor(cpu, cs_sel, &lo, &hi))
		return EXC_TS;
	struct cpu_segment cs;
	soft_segment_from_descriptor(&cs, cs_sel, lo, hi);
	unsigned cpl = cs_sel & 3;
	if (!cs.s || !(cs.type & 8) || ((cs.type & 4) ? cs.dpl > cpl : cs.dpl != cpl))
		return EXC_TS;
	if (!cs.present)
		return EXC_NP;
	soft_segment_mark_accessed(cpu, cs_sel, hi);
	cs.type |= 1;
	cpu->s.seg[SEG_CS] = cs;
	soft_seg_refresh(cpu, SEG_CS);
	/* SS and the data segments, with the checks of a load at the new
	 * CPL, but #TS for what a load would report as #GP */
	static const int order[5] = { SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	for (int i = 0; i < 5; i++) {
		int seg = order[i];
		struct cpu_segment n;
		uint32_t dhi;
		int v = soft_segment_check_data(cpu, seg, t->seg[seg], cpl, &n, &dhi, error);
		if (v) {
			*error = t->seg[seg] & ~3u;
			return v == EXC_GP ? EXC_TS : v;
		}
		soft_segment_mark_accessed(cpu, t->seg[seg], dhi);
		cpu->s.seg[seg] = n;
		soft_seg_refresh(cpu, seg);
	}
	return 0;
}

int soft_task_switch(struct soft_cpu *cpu, uint16_t sel, int reason, uint32_t next_eip, bool has_error,
		     uint32_t error_code, uint32_t ext, uint32_t *error)
{
	uint32_t lo, hi;
	*error = sel & ~3u;
	if (!soft_segment_read_descriptor(cpu, sel, &lo, &hi))
		return EXC_GP;
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, sel, lo, hi);
	bool tss32 = n.type & 8;
	if (n.limit < (tss32 ? 0x67u : 0x2bu))
		return EXC_TS;
	const struct cpu_segment old = cpu->s.seg[SEG_TR];
	bool old32 = old.type & 8;
	if (old.limit < (old32 ? 0x5fu : 0x29u)) {
		*error = old.selector & ~3u;
		return EXC_TS;
	}
	uint32_t nbase = (uint32_t)n.base, obase = (uint32_t)old.base;
	struct tss_image t;
	read_tss(cpu, nbase, tss32, &t);
	mmu_sys_probe_write(&cpu->mmu, obase, old32 ? 0x60 : 0x2a);
	if (reason == SOFT_TASK_CALL || reason == SOFT_TASK_INT)
		mmu_sys_probe_write(&cpu->mmu, nbase, 2);
	*error = 0;

	/* ---- commit ---- */
	uint32_t eflags = soft_cpu_get_flags(cpu);
	if (reason == SOFT_TASK_JMP || reason == SOFT_TASK_IRET)
		set_busy(cpu, old.selector, false);
	if (reason == SOFT_TASK_IRET)
		eflags &= ~(uint32_t)RFLAGS_NT;
	save_tss(cpu, obase, old32, next_eip, eflags);
	if (reason == SOFT_TASK_CALL || reason == SOFT_TASK_INT) {
		mmu_sys_store(&cpu->mmu, nbase, 2, old.selector);
		t.eflags |= RFLAGS_NT;
	}
	if (reason != SOFT_TASK_IRET)
		set_busy(cpu, sel, true);
	n.type |= 2;
	cpu->s.seg[SEG_TR] = n;
	cpu->s.cr0 |= CR0_TS;
	/* PAE PDPTEs with reserved bits: CR3 stays (the SDM's #GP for
	 * them is not modelled here) */
	if (tss32 && (cpu->s.cr0 & CR0_PG))
		(void)soft_cpu_write_cr3(cpu, t.cr3);
	uint32_t keep = tss32 ? 0 : 0xffff0000u;   /* a 16-bit TSS holds the low words */
	for (int i = 0; i < 8; i++)
		cpu->s.gpr[i] = ((uint32_t)cpu->s.gpr[i] & keep) | t.gpr[i];
	cpu->s.rip = t.eip;
	uint32_t fmask = tss32 ? 0x3f7fd5u : 0x7fd5u;
	soft_cpu_set_flags(cpu, t.eflags, fmask);
	cpu->s.dr[7] &= ~0x55ull;   /* the local breakpoint enables */
	/* The selectors are loaded first, the descriptors after (7.3 step
	 * 11): until then the caches are empty. */
	for (int i = 0; i < 6; i++)
		cpu->s.seg[i] = (struct cpu_segment){ .selector = t.seg[i], .unusable = 1 };
	cpu->s.seg[SEG_CS].selector = t.seg[SEG_CS];
	cpu->s.seg[SEG_LDTR] = (struct cpu_segment){ .selector = t.ldt, .unusable = 1 };
	soft_seg_refresh_all(cpu);
	uint32_t ferr;
	int v = load_task_segments(cpu, &t, &ferr);
	soft_cpu_sync_mmu(cpu);
	if (v == 0 && has_error) {
		/* the error code of an exception, on the new task's stack */
		uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
		const struct cpu_segment *ss = &cpu->s.seg[SEG_SS];
		if (soft_stack_push(cpu, ss, &esp, &error_code, 1, tss32 ? 4 : 2, false)) {
			if (ss->db)
				cpu->s.gpr[CPU_RSP] = esp;
			else
				cpu->s.gpr[CPU_RSP] = (cpu->s.gpr[CPU_RSP] & ~0xffffull) | (esp & 0xffff);
		} else {
			v = EXC_SS;
			ferr = 0;
		}
	}
	/* faults in the new task: EXT when the switch delivers an exception
	 * or an external event (SDM vol. 3, 6.13) */
	if (v)
		soft_deliver(cpu, v, true, ferr | ext, false);
	else if (t.trap) {
		/* the T bit: #DB in the new task before its first instruction,
		 * DR6.BT (17.3.1.5) */
		cpu->s.dr[6] |= 1u << 15;
		soft_deliver(cpu, EXC_DB, false, 0, false);
	}
	return -1;
}

bool soft_io_allowed(struct soft_cpu *cpu, uint16_t port, unsigned size)
{
	unsigned iopl = (unsigned)(cpu->s.rflags >> 12) & 3;
	if (!(cpu->s.cr0 & CR0_PE))
		return true;
	if (!(cpu->s.rflags & RFLAGS_VM) && soft_cpu_cpl(cpu) <= iopl)
		return true;
	/* the I/O permission bitmap of a 32-bit TSS (SDM vol. 1, 19.5.2):
	 * every bit of the ports accessed must be 0, and the bytes read
	 * within the TSS limit */
	const struct cpu_segment *tr = &cpu->s.seg[SEG_TR];
	if (tr->unusable || tr->s || (tr->type & 9) != 9 || tr->limit < 0x67)
		return false;
	uint32_t base = (uint32_t)tr->base;
	uint32_t map = mmu_sys_load(&cpu->mmu, base + 0x66, 2);
	uint32_t off = map + port / 8u;
	if ((uint64_t)off + 1 > tr->limit)
		return false;
	uint32_t bits = mmu_sys_load(&cpu->mmu, base + off, 2);
	uint32_t want = ((1u << size) - 1) << (port & 7);
	return (bits & want) == 0;
}
