/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_gate.c — far transfers of the soft engine: far JMP, far CALL, RETF
 * and IRET in real, protected and virtual-8086 mode, with the SDM's
 * checks and faults (vol. 2, JMP, CALL, RET, IRET pseudo-code; vol. 3,
 * 5.8 "Privilege Level Checking When Transferring Program Control Between
 * Code Segments"): conforming and non-conforming code segments, 16- and
 * 32-bit call gates with the stack switch from the TSS (32- and 16-bit
 * TSS) and parameter copying, returns to an outer privilege level (both
 * stacks adjusted by RETF's imm16; DS, ES, FS, GS nulled when the new CPL
 * may not use them), IRET to an outer level and to virtual-8086 mode, and
 * task switches through TSS descriptors, task gates and IRET with NT set
 * (cpu/soft_task.c does the switch). Also the inner stack of a privilege
 * change for exception delivery (soft_tss_stack, soft_stack_segment).
 *
 * Every function that may fault checks everything first and raises through
 * soft_raise (only from inside a helper) before its first architectural
 * write; the inner-stack accesses of a privilege change and the
 * descriptor/TSS reads are supervisor accesses (mmu_sys_*). After a change
 * of CPL the TLB set is selected again (soft_cpu_sync_mmu). It does not
 * deliver interrupts (cpu/soft_exception.c). */
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"

static const uint32_t size_mask[5] = { 0, 0xff, 0xffff, 0, 0xffffffffu };

_Noreturn static void fault(struct soft_cpu *cpu, int vector, uint32_t error)
{
	soft_raise(cpu, vector, true, error);
}

static bool real_or_vm86(const struct soft_cpu *cpu)
{
	return !(cpu->s.cr0 & CR0_PE) || (cpu->s.rflags & RFLAGS_VM);
}

static void set_esp(struct soft_cpu *cpu, bool s32, uint32_t esp)
{
	if (s32)
		cpu->s.gpr[CPU_RSP] = esp;
	else
		cpu->s.gpr[CPU_RSP] = (cpu->s.gpr[CPU_RSP] & ~0xffffull) | (esp & 0xffff);
}

/* ---- stacks ---- */

bool soft_stack_push(struct soft_cpu *cpu, const struct cpu_segment *ss, uint32_t *esp, const uint32_t *v,
		     int n, unsigned size, bool sys)
{
	bool pe = cpu->s.cr0 & CR0_PE, vm = cpu->s.rflags & RFLAGS_VM;
	struct soft_seg_bound b = soft_seg_bound_of(ss, pe, vm, SOFT_SEG_WRITE);
	uint32_t mask = ss->db ? 0xffffffffu : 0xffffu;
	uint32_t base = (uint32_t)ss->base;
	for (int i = 0; i < n; i++)
		if (!soft_seg_bound_fits(&b, (*esp - (uint32_t)(i + 1) * size) & mask, size - 1))
			return false;
	for (int i = 0; i < n; i++) {
		uint32_t lin = base + ((*esp - (uint32_t)(i + 1) * size) & mask);
		if (sys)
			mmu_sys_probe_write(&cpu->mmu, lin, size);
		else
			mmu_probe_write(&cpu->mmu, lin, size);
	}
	for (int i = 0; i < n; i++) {
		uint32_t lin = base + ((*esp - (uint32_t)(i + 1) * size) & mask);
		if (sys)
			mmu_sys_store(&cpu->mmu, lin, size, v[i] & size_mask[size]);
		else
			mmu_store(&cpu->mmu, lin, size, v[i] & size_mask[size]);
	}
	*esp -= (uint32_t)n * size;
	return true;
}

/* Reads n values of `size` bytes from the current stack at ESP + skip
 * (v[0] at the lowest address); #SS(0) beyond the SS limit. */
static void stack_read(struct soft_cpu *cpu, uint32_t skip, uint32_t *v, int n, unsigned size)
{
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	uint32_t mask = cpu->s.seg[SEG_SS].db ? 0xffffffffu : 0xffffu;
	for (int i = 0; i < n; i++) {
		uint32_t off = (esp + skip + (uint32_t)i * size) & mask;
		v[i] = mmu_load(&cpu->mmu, soft_seg_linear(cpu, SEG_SS, off, size), size);
	}
}

int soft_tss_stack(struct soft_cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t *error)
{
	const struct cpu_segment *tr = &cpu->s.seg[SEG_TR];
	bool tss32 = tr->type & 8;
	uint32_t off = tss32 ? dpl * 8 + 4 : dpl * 4 + 2;
	*error = tr->selector & ~3u;
	if ((uint64_t)off + (tss32 ? 5 : 3) > tr->limit || tr->unusable)
		return EXC_TS;
	uint32_t base = (uint32_t)tr->base;
	if (tss32) {
		*esp = mmu_sys_load(&cpu->mmu, base + off, 4);
		*ss = (uint16_t)mmu_sys_load(&cpu->mmu, base + off + 4, 2);
	} else {
		*esp = mmu_sys_load(&cpu->mmu, base + off, 2);
		*ss = (uint16_t)mmu_sys_load(&cpu->mmu, base + off + 2, 2);
	}
	*error = 0;
	return 0;
}

int soft_stack_segment(struct soft_cpu *cpu, uint16_t sel, unsigned dpl, uint32_t ext, struct cpu_segment *out,
		       uint32_t *hi_out, uint32_t *error)
{
	uint32_t lo, hi;
	*error = ext;
	if ((sel & ~3u) == 0)
		return EXC_TS;
	*error = (sel & ~3u) | ext;
	if (!soft_segment_read_descriptor(cpu, sel, &lo, &hi))
		return EXC_TS;
	soft_segment_from_descriptor(out, sel, lo, hi);
	bool writable_data = out->s && !(out->type & 8) && (out->type & 2);
	if ((sel & 3) != dpl || out->dpl != dpl || !writable_data)
		return EXC_TS;
	if (!out->present)
		return EXC_SS;
	out->type |= 1;
	*hi_out = hi;
	*error = 0;
	return 0;
}

/* ---- code segments ---- */

/* The descriptor of a far transfer's target `sel` (not null, within its
 * table), raising #GP(0) / #GP(sel) as the SDM says. */
static void read_target(struct soft_cpu *cpu, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	if ((sel & ~3u) == 0)
		fault(cpu, EXC_GP, 0);
	if (!soft_segment_read_descriptor(cpu, sel, lo, hi))
		fault(cpu, EXC_GP, sel & ~3u);
}

/* A code segment reached directly (JMP, CALL: SDM "conforming /
 * nonconforming code segment" cases): checked, CS cache with RPL = CPL. */
static struct cpu_segment direct_code(struct soft_cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi)
{
	unsigned cpl = soft_cpu_cpl(cpu);
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, sel, lo, hi);
	if (n.type & 4) {   /* conforming */
		if (n.dpl > cpl)
			fault(cpu, EXC_GP, sel & ~3u);
	} else if ((sel & 3) > cpl || n.dpl != cpl) {
		fault(cpu, EXC_GP, sel & ~3u);
	}
	if (!n.present)
		fault(cpu, EXC_NP, sel & ~3u);
	n.selector = (uint16_t)((sel & ~3u) | cpl);
	n.type |= 1;
	return n;
}

/* The code segment of a call gate (selector `dsel`): a code segment with
 * DPL <= CPL (for JMP: conforming, or non-conforming with DPL = CPL). */
static struct cpu_segment gate_code(struct soft_cpu *cpu, uint16_t dsel, bool jmp, uint32_t *hi_out)
{
	uint32_t lo, hi;
	unsigned cpl = soft_cpu_cpl(cpu);
	if ((dsel & ~3u) == 0)
		fault(cpu, EXC_GP, 0);
	if (!soft_segment_read_descriptor(cpu, dsel, &lo, &hi))
		fault(cpu, EXC_GP, dsel & ~3u);
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, dsel, lo, hi);
	bool conforming = n.type & 4;
	if (!n.s || !(n.type & 8) || n.dpl > cpl || (jmp && !conforming && n.dpl != cpl))
		fault(cpu, EXC_GP, dsel & ~3u);
	if (!n.present)
		fault(cpu, EXC_NP, dsel & ~3u);
	n.type |= 1;
	*hi_out = hi;
	return n;
}

static void check_eip(struct soft_cpu *cpu, const struct cpu_segment *cs, uint32_t eip)
{
	if (eip > cs->limit)
		fault(cpu, EXC_GP, 0);
}

/* Loads CS (already checked) and EIP, sets the accessed bit of the
 * descriptor. */
static void load_cs(struct soft_cpu *cpu, const struct cpu_segment *cs, uint32_t hi, uint32_t eip)
{
	soft_segment_mark_accessed(cpu, cs->selector, hi);
	cpu->s.seg[SEG_CS] = *cs;
	soft_seg_refresh(cpu, SEG_CS);
	cpu->s.rip = eip;
}

/* Gate and TSS targets of JMP and CALL: privilege (DPL >= CPL, DPL >= RPL)
 * and presence of the gate or TSS descriptor. */
static void check_system_target(struct soft_cpu *cpu, uint16_t sel, const struct cpu_segment *g)
{
	unsigned cpl = soft_cpu_cpl(cpu);
	if (g->dpl < cpl || g->dpl < (sel & 3))
		fault(cpu, EXC_GP, sel & ~3u);
	if (!g->present)
		fault(cpu, EXC_NP, sel & ~3u);
}

/* A task switch by JMP or CALL to a TSS descriptor or a task gate. */
static void task_target(struct soft_cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, int reason,
			uint32_t next_eip)
{
	struct cpu_segment g;
	soft_segment_from_descriptor(&g, sel, lo, hi);
	check_system_target(cpu, sel, &g);
	uint16_t tss = sel;
	if (g.type == 5) {   /* task gate: the TSS selector in it */
		tss = (uint16_t)(lo >> 16);
		if ((tss & 4) || !soft_segment_read_descriptor(cpu, tss, &lo, &hi))
			fault(cpu, EXC_GP, tss & ~3u);
		soft_segment_from_descriptor(&g, tss, lo, hi);
		if (g.s || (g.type != 1 && g.type != 9))
			fault(cpu, EXC_GP, tss & ~3u);
		if (!g.present)
			fault(cpu, EXC_NP, tss & ~3u);
	} else if (g.type != 1 && g.type != 9) {   /* busy */
		fault(cpu, EXC_GP, sel & ~3u);
	}
	uint32_t error;
	int vector = soft_task_switch(cpu, tss, reason, next_eip, false, 0, 0, &error);
	if (vector >= 0)
		fault(cpu, vector, error);
}

void soft_far_jmp(struct soft_cpu *cpu, uint16_t sel, uint32_t off, unsigned size, uint32_t next_eip)
{
	off &= size_mask[size];
	if (real_or_vm86(cpu)) {
		check_eip(cpu, &cpu->s.seg[SEG_CS], off);
		soft_segment_set_real(cpu, SEG_CS, sel);
		cpu->s.rip = off;
		return;
	}
	uint32_t lo, hi;
	read_target(cpu, sel, &lo, &hi);
	if ((hi >> 12) & 1) {
		if (!((hi >> 11) & 1))
			fault(cpu, EXC_GP, sel & ~3u);   /* a data segment */
		struct cpu_segment cs = direct_code(cpu, sel, lo, hi);
		check_eip(cpu, &cs, off);
		load_cs(cpu, &cs, hi, off);
		return;
	}
	unsigned type = (hi >> 8) & 0xf;
	switch (type) {
	case 4: case 0xc: {   /* call gate */
		struct cpu_segment g;
		soft_segment_from_descriptor(&g, sel, lo, hi);
		check_system_target(cpu, sel, &g);
		uint32_t chi;
		struct cpu_segment cs = gate_code(cpu, (uint16_t)(lo >> 16), true, &chi);
		uint32_t eip = (lo & 0xffff) | (type == 0xc ? (hi & 0xffff0000u) : 0);
		check_eip(cpu, &cs, eip);
		cs.selector = (uint16_t)((cs.selector & ~3u) | soft_cpu_cpl(cpu));
		load_cs(cpu, &cs, chi, eip);
		return;
	}
	case 1: case 9: case 5:
		task_target(cpu, sel, lo, hi, SOFT_TASK_JMP, next_eip);
		return;
	default:
		fault(cpu, EXC_GP, sel & ~3u);
	}
}

/* CALL through a call gate (g: the gate, sel its selector). */
static void call_gate(struct soft_cpu *cpu, uint16_t sel, uint32_t lo, uint32_t hi, uint32_t next_eip)
{
	struct cpu_segment g;
	soft_segment_from_descriptor(&g, sel, lo, hi);
	check_system_target(cpu, sel, &g);
	unsigned cpl = soft_cpu_cpl(cpu);
	uint32_t chi;
	struct cpu_segment cs = gate_code(cpu, (uint16_t)(lo >> 16), false, &chi);
	bool gate32 = g.type == 0xc;
	unsigned size = gate32 ? 4 : 2;
	uint32_t eip = (lo & 0xffff) | (gate32 ? (hi & 0xffff0000u) : 0);
	const struct cpu_segment *old_ss = &cpu->s.seg[SEG_SS];
	if (!(cs.type & 4) && cs.dpl < cpl) {
		/* MORE-PRIVILEGE: the stack of level DPL from the TSS */
		unsigned dpl = cs.dpl;
		uint16_t nss_sel;
		uint32_t nesp, error, shi;
		int v = soft_tss_stack(cpu, dpl, &nss_sel, &nesp, &error);
		if (v)
			fault(cpu, v, error);
		struct cpu_segment nss;
		v = soft_stack_segment(cpu, nss_sel, dpl, 0, &nss, &shi, &error);
		if (v)
			fault(cpu, v, error);
		unsigned nparams = hi & 0x1f;
		uint32_t vals[4 + 31];
		int n = 0;
		vals[n++] = old_ss->selector;
		vals[n++] = (uint32_t)cpu->s.gpr[CPU_RSP];
		uint32_t params[31];
		stack_read(cpu, 0, params, (int)nparams, size);
		for (int i = (int)nparams - 1; i >= 0; i--)
			vals[n++] = params[i];
		vals[n++] = cpu->s.seg[SEG_CS].selector;
		vals[n++] = next_eip;
		/* "IF stack does not have room for ... THEN #SS(NewSS)" */
		uint32_t esp = nesp;
		struct soft_seg_bound b = soft_seg_bound_of(&nss, true, false, SOFT_SEG_WRITE);
		uint32_t mask = nss.db ? 0xffffffffu : 0xffffu;
		for (int i = 0; i < n; i++)
			if (!soft_seg_bound_fits(&b, (esp - (uint32_t)(i + 1) * size) & mask, size - 1))
				fault(cpu, EXC_SS, nss_sel & ~3u);
		check_eip(cpu, &cs, eip);
		if (!soft_stack_push(cpu, &nss, &esp, vals, n, size, true))
			fault(cpu, EXC_SS, nss_sel & ~3u);
		soft_segment_mark_accessed(cpu, nss_sel, shi);
		cpu->s.seg[SEG_SS] = nss;
		soft_seg_refresh(cpu, SEG_SS);
		cpu->s.gpr[CPU_RSP] = nss.db ? esp : (nesp & ~0xffffu) | (esp & 0xffff);
		cs.selector = (uint16_t)((cs.selector & ~3u) | dpl);
		load_cs(cpu, &cs, chi, eip);
		soft_cpu_sync_mmu(cpu);
		return;
	}
	/* SAME-PRIVILEGE */
	check_eip(cpu, &cs, eip);
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	const uint32_t vals[2] = { cpu->s.seg[SEG_CS].selector, next_eip };
	if (!soft_stack_push(cpu, old_ss, &esp, vals, 2, size, false))
		fault(cpu, EXC_SS, 0);
	set_esp(cpu, old_ss->db, esp);
	cs.selector = (uint16_t)((cs.selector & ~3u) | cpl);
	load_cs(cpu, &cs, chi, eip);
}

void soft_far_call(struct soft_cpu *cpu, uint16_t sel, uint32_t off, unsigned size, uint32_t next_eip)
{
	off &= size_mask[size];
	next_eip &= size_mask[size];
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	const uint32_t vals[2] = { cpu->s.seg[SEG_CS].selector, next_eip };
	if (real_or_vm86(cpu)) {
		check_eip(cpu, &cpu->s.seg[SEG_CS], off);
		if (!soft_stack_push(cpu, &cpu->s.seg[SEG_SS], &esp, vals, 2, size, false))
			fault(cpu, EXC_SS, 0);
		set_esp(cpu, cpu->s.seg[SEG_SS].db, esp);
		soft_segment_set_real(cpu, SEG_CS, sel);
		cpu->s.rip = off;
		return;
	}
	uint32_t lo, hi;
	read_target(cpu, sel, &lo, &hi);
	if ((hi >> 12) & 1) {
		if (!((hi >> 11) & 1))
			fault(cpu, EXC_GP, sel & ~3u);
		struct cpu_segment cs = direct_code(cpu, sel, lo, hi);
		check_eip(cpu, &cs, off);
		if (!soft_stack_push(cpu, &cpu->s.seg[SEG_SS], &esp, vals, 2, size, false))
			fault(cpu, EXC_SS, 0);
		set_esp(cpu, cpu->s.seg[SEG_SS].db, esp);
		load_cs(cpu, &cs, hi, off);
		return;
	}
	switch ((hi >> 8) & 0xf) {
	case 4: case 0xc:
		call_gate(cpu, sel, lo, hi, next_eip);
		return;
	case 1: case 9: case 5:
		task_target(cpu, sel, lo, hi, SOFT_TASK_CALL, next_eip);
		return;
	default:
		fault(cpu, EXC_GP, sel & ~3u);
	}
}

/* The code segment a RETF or IRET returns to (SDM vol. 2, RET: "IF return
 * code segment selector RPL < CPL THEN #GP(selector) ..."). */
static struct cpu_segment return_code(struct soft_cpu *cpu, uint16_t sel, uint32_t *hi_out)
{
	uint32_t lo, hi;
	read_target(cpu, sel, &lo, &hi);
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, sel, lo, hi);
	unsigned rpl = sel & 3;
	if (!n.s || !(n.type & 8) || rpl < soft_cpu_cpl(cpu))
		fault(cpu, EXC_GP, sel & ~3u);
	if ((n.type & 4) ? n.dpl > rpl : n.dpl != rpl)
		fault(cpu, EXC_GP, sel & ~3u);
	if (!n.present)
		fault(cpu, EXC_NP, sel & ~3u);
	n.type |= 1;
	*hi_out = hi;
	return n;
}

/* The stack segment of a return to the outer level `rpl`. */
static struct cpu_segment return_stack(struct soft_cpu *cpu, uint16_t sel, unsigned rpl, uint32_t *hi_out)
{
	uint32_t lo, hi;
	if ((sel & ~3u) == 0)
		fault(cpu, EXC_GP, 0);
	if (!soft_segment_read_descriptor(cpu, sel, &lo, &hi))
		fault(cpu, EXC_GP, sel & ~3u);
	struct cpu_segment n;
	soft_segment_from_descriptor(&n, sel, lo, hi);
	bool writable_data = n.s && !(n.type & 8) && (n.type & 2);
	if ((sel & 3) != rpl || n.dpl != rpl || !writable_data)
		fault(cpu, EXC_GP, sel & ~3u);
	if (!n.present)
		fault(cpu, EXC_SS, sel & ~3u);
	n.type |= 1;
	*hi_out = hi;
	return n;
}

/* Switches to the outer level of cs (RPL) with stack ss:esp: loads them,
 * nulls the data segment registers the new CPL may not use. */
static void return_outer(struct soft_cpu *cpu, const struct cpu_segment *cs, uint32_t chi, uint32_t eip,
			 const struct cpu_segment *ss, uint32_t shi, uint32_t esp)
{
	soft_segment_mark_accessed(cpu, ss->selector, shi);
	load_cs(cpu, cs, chi, eip);
	cpu->s.seg[SEG_SS] = *ss;
	soft_seg_refresh(cpu, SEG_SS);
	set_esp(cpu, ss->db, esp);
	soft_segment_null_outer(cpu, cs->selector & 3);
	soft_cpu_sync_mmu(cpu);
}

void soft_far_ret(struct soft_cpu *cpu, unsigned size, uint32_t imm)
{
	uint32_t v[2];
	stack_read(cpu, 0, v, 2, size);
	uint32_t eip = v[0];
	uint16_t sel = (uint16_t)v[1];
	bool s32 = cpu->s.seg[SEG_SS].db;
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	if (real_or_vm86(cpu)) {
		check_eip(cpu, &cpu->s.seg[SEG_CS], eip);
		set_esp(cpu, s32, esp + 2 * size + imm);
		soft_segment_set_real(cpu, SEG_CS, sel);
		cpu->s.rip = eip;
		return;
	}
	uint32_t chi;
	struct cpu_segment cs = return_code(cpu, sel, &chi);
	unsigned rpl = sel & 3;
	if (rpl == soft_cpu_cpl(cpu)) {
		check_eip(cpu, &cs, eip);
		set_esp(cpu, s32, esp + 2 * size + imm);
		load_cs(cpu, &cs, chi, eip);
		return;
	}
	/* RETURN-TO-OUTER-PRIVILEGE-LEVEL: SS:ESP above the parameters */
	uint32_t w[2];
	stack_read(cpu, 2 * size + imm, w, 2, size);
	uint32_t shi;
	struct cpu_segment ss = return_stack(cpu, (uint16_t)w[1], rpl, &shi);
	check_eip(cpu, &cs, eip);
	return_outer(cpu, &cs, chi, eip, &ss, shi, w[0] + imm);
}

/* EFLAGS bits an IRET or POPF may write at privilege `cpl` with IOPL
 * `iopl` (SDM vol. 2, IRET, POPF): IF only when CPL <= IOPL, IOPL only at
 * CPL 0; 16-bit operands the low word only. VM, RF, VIF, VIP never
 * (IRET's returns to virtual-8086 mode are handled apart). */
uint32_t soft_flags_writable(unsigned size, unsigned cpl, unsigned iopl)
{
	uint32_t mask = 0x4dd5;   /* CF PF AF ZF SF TF DF OF NT */
	if (cpl <= iopl)
		mask |= FLAG_IF;
	if (cpl == 0)
		mask |= RFLAGS_IOPL;
	if (size == 4)
		mask |= 1u << 18 | 1u << 21;   /* AC, ID */
	return mask;
}

void soft_iret(struct soft_cpu *cpu, unsigned size, uint32_t next_eip)
{
	/* IRET ends NMI blocking, even when it faults (SDM vol. 3, 6.7.1) */
	cpu->nmi_blocked = false;
	uint32_t flags = soft_cpu_get_flags(cpu);
	unsigned iopl = (flags >> 12) & 3;
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	bool s32 = cpu->s.seg[SEG_SS].db;
	if (!(cpu->s.cr0 & CR0_PE) || (flags & RFLAGS_VM)) {
		if ((flags & RFLAGS_VM) && iopl < 3)
			fault(cpu, EXC_GP, 0);   /* to the virtual-8086 monitor */
		uint32_t v[3];
		stack_read(cpu, 0, v, 3, size);
		check_eip(cpu, &cpu->s.seg[SEG_CS], v[0]);
		/* CF PF AF ZF SF TF IF DF OF IOPL NT; 32-bit adds RF AC ID;
		 * virtual-8086 mode keeps IOPL (and VM) */
		uint32_t mask = 0x7fd5;
		if (size == 4)
			mask |= 1u << 16 | 1u << 18 | 1u << 21;
		if (flags & RFLAGS_VM)
			mask &= ~(uint32_t)RFLAGS_IOPL;
		set_esp(cpu, s32, esp + 3 * size);
		soft_segment_set_real(cpu, SEG_CS, (uint16_t)v[1]);
		cpu->s.rip = v[0];
		soft_cpu_set_flags(cpu, v[2], mask);
		return;
	}
	if (flags & RFLAGS_NT) {
		/* TASK-RETURN: to the task of the back link, which must be busy */
		const struct cpu_segment *tr = &cpu->s.seg[SEG_TR];
		uint16_t link = (uint16_t)mmu_sys_load(&cpu->mmu, (uint32_t)tr->base, 2);
		uint32_t lo, hi;
		if ((link & 4) || !soft_segment_read_descriptor(cpu, link, &lo, &hi))
			fault(cpu, EXC_TS, link & ~3u);
		struct cpu_segment t;
		soft_segment_from_descriptor(&t, link, lo, hi);
		if (t.s || (t.type != 3 && t.type != 0xb))
			fault(cpu, EXC_TS, link & ~3u);
		if (!t.present)
			fault(cpu, EXC_NP, link & ~3u);
		uint32_t error;
		int vector = soft_task_switch(cpu, link, SOFT_TASK_IRET, next_eip, false, 0, 0, &error);
		if (vector >= 0)
			fault(cpu, vector, error);
		return;
	}
	uint32_t v[3];
	stack_read(cpu, 0, v, 3, size);
	uint32_t eip = v[0], fl = v[2];
	uint16_t sel = (uint16_t)v[1];
	unsigned cpl = soft_cpu_cpl(cpu);
	if (size == 4 && (fl & RFLAGS_VM) && cpl == 0) {
		/* RETURN-TO-VIRTUAL-8086-MODE: ESP, SS, ES, DS, FS, GS follow */
		uint32_t w[6];
		stack_read(cpu, 12, w, 6, 4);
		eip &= 0xffff;
		cpu->s.rip = eip;
		soft_cpu_set_flags(cpu, fl, 0x3f7fd5u & ~(1u << 20 | 1u << 19));   /* all but VIF, VIP */
		cpu->s.rflags |= RFLAGS_VM;
		static const int segs[6] = { -1, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
		soft_segment_set_real(cpu, SEG_CS, sel);
		for (int i = 1; i < 6; i++)
			soft_segment_set_real(cpu, segs[i], (uint16_t)w[i]);
		cpu->s.gpr[CPU_RSP] = w[0];
		soft_seg_refresh_all(cpu);
		soft_cpu_sync_mmu(cpu);
		return;
	}
	uint32_t chi;
	struct cpu_segment cs = return_code(cpu, sel, &chi);
	unsigned rpl = sel & 3;
	uint32_t mask = soft_flags_writable(size, cpl, iopl);
	mask |= size == 4 ? 1u << 16 : 0;   /* RF */
	if (rpl == cpl) {
		check_eip(cpu, &cs, eip);
		set_esp(cpu, s32, esp + 3 * size);
		load_cs(cpu, &cs, chi, eip);
		soft_cpu_set_flags(cpu, fl, mask);
		return;
	}
	/* RETURN-TO-OUTER-PRIVILEGE-LEVEL */
	uint32_t w[2];
	stack_read(cpu, 3 * size, w, 2, size);
	uint32_t shi;
	struct cpu_segment ss = return_stack(cpu, (uint16_t)w[1], rpl, &shi);
	check_eip(cpu, &cs, eip);
	soft_cpu_set_flags(cpu, fl, mask);
	return_outer(cpu, &cs, chi, eip, &ss, shi, w[0]);
}
