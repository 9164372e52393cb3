/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_msr.c — the model-specific registers of the soft engine and the
 * instructions that use them (SYSENTER, SYSEXIT): what a 32-bit kernel
 * touches (SDM vol. 4, "Architectural MSRs"; vol. 3, 11.11 MTRRs, 11.12
 * PAT, 5.8.7 SYSENTER/SYSEXIT):
 * - TSC (0x10): soft_cpu_tsc (the host's clock, or retired instructions
 *   plus time in HLT with --tsc retired; writable only with the clock);
 * - PLATFORM_ID (0x17) reads 0; BIOS_SIGN_ID (0x8B) reads 0 (no
 *   microcode), writes are accepted and ignored;
 * - APIC_BASE (0x1B): the local APIC's (hw/lapic.h: global enable, base;
 *   reserved bits #GP(0)), or storage on a bare CPU without one;
 * - TSC_DEADLINE (0x6E0): the local APIC's (#GP(0) without one);
 * - MTRRcap (0xFE): 8 variable ranges, fixed ranges, write-combining
 *   (0x508), read-only; MTRRdefType (0x2FF), the fixed-range MTRRs and the
 *   variable ones (0x200-0x20F, 36 physical address bits) are storage,
 *   with #GP(0) for reserved bits and memory types that do not exist —
 *   memory accesses do not depend on them;
 * - SYSENTER_CS/ESP/EIP (0x174-0x176);
 * - MISC_ENABLE (0x1A0): storage (fast strings set at reset);
 * - PAT (0x277): reset 0x0007040600070406, #GP(0) for invalid types;
 * - EFER (0xC0000080): SCE and NXE writable; LME is not (no long mode on
 *   the soft engine), nor any reserved bit: #GP(0).
 * Every other MSR raises #GP(0). */
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"
#include "hw/intc.h"
#include "hw/lapic.h"
#include "hw/machine.h"

#define MSR_TSC 0x10u
#define MSR_PLATFORM_ID 0x17u
#define MSR_APIC_BASE 0x1bu
#define MSR_TSC_DEADLINE 0x6e0u
#define MSR_BIOS_SIGN_ID 0x8bu
#define MSR_MTRRCAP 0xfeu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_MISC_ENABLE 0x1a0u
#define MSR_MTRR_PHYS_FIRST 0x200u
#define MSR_MTRR_PHYS_LAST 0x20fu
#define MSR_MTRR_FIX64K 0x250u
#define MSR_MTRR_FIX16K_80000 0x258u
#define MSR_MTRR_FIX16K_A0000 0x259u
#define MSR_MTRR_FIX4K_FIRST 0x268u
#define MSR_MTRR_FIX4K_LAST 0x26fu
#define MSR_PAT 0x277u
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_EFER 0xc0000080u

#define MTRRCAP_VALUE (8u | 1u << 8 | 1u << 10)   /* VCNT 8, FIX, WC */
#define PHYS_MASK_36 0x0000000ffffff000ull         /* bits 12-35 */

/* The index into cpu_state.mtrr_fixed of a fixed-range MTRR, or -1. */
static int fixed_index(uint32_t msr)
{
	if (msr == MSR_MTRR_FIX64K)
		return 0;
	if (msr == MSR_MTRR_FIX16K_80000)
		return 1;
	if (msr == MSR_MTRR_FIX16K_A0000)
		return 2;
	if (msr >= MSR_MTRR_FIX4K_FIRST && msr <= MSR_MTRR_FIX4K_LAST)
		return 3 + (int)(msr - MSR_MTRR_FIX4K_FIRST);
	return -1;
}

/* MTRR memory types: UC 0, WC 1, WT 4, WP 5, WB 6. PAT adds UC- 7. */
static bool mtrr_type_ok(unsigned t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool bytes_ok(uint64_t v, bool pat)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (unsigned)(v >> (8 * i)) & 0xff;
		if (!(mtrr_type_ok(t) || (pat && t == 7)))
			return false;
	}
	return true;
}

int soft_msr_read(struct soft_cpu *cpu, uint32_t index, uint64_t *value)
{
	const struct cpu_state *s = &cpu->s;
	int fix = fixed_index(index);
	if (fix >= 0) {
		*value = s->mtrr_fixed[fix];
		return 0;
	}
	if (index >= MSR_MTRR_PHYS_FIRST && index <= MSR_MTRR_PHYS_LAST) {
		*value = s->mtrr_var[index - MSR_MTRR_PHYS_FIRST];
		return 0;
	}
	switch (index) {
	case MSR_TSC: *value = soft_cpu_tsc(cpu); return 0;
	case MSR_TSC_DEADLINE:
		if (!cpu->m->intc)
			return -1;
		pthread_mutex_lock(&cpu->m->lock);
		*value = lapic_read_tsc_deadline(intc_lapic(cpu->m->intc));
		pthread_mutex_unlock(&cpu->m->lock);
		return 0;
	case MSR_PLATFORM_ID: case MSR_BIOS_SIGN_ID: *value = 0; return 0;
	case MSR_APIC_BASE:
		*value = s->apic_base;
		if (cpu->m->intc) {
			pthread_mutex_lock(&cpu->m->lock);
			*value = lapic_get_base(intc_lapic(cpu->m->intc));
			pthread_mutex_unlock(&cpu->m->lock);
		}
		return 0;
	case MSR_MTRRCAP: *value = MTRRCAP_VALUE; return 0;
	case MSR_SYSENTER_CS: *value = s->sysenter_cs; return 0;
	case MSR_SYSENTER_ESP: *value = s->sysenter_esp; return 0;
	case MSR_SYSENTER_EIP: *value = s->sysenter_eip; return 0;
	case MSR_MISC_ENABLE: *value = s->misc_enable; return 0;
	case MSR_PAT: *value = s->pat; return 0;
	case MSR_MTRR_DEF_TYPE: *value = s->mtrr_def_type; return 0;
	case MSR_EFER: *value = s->efer; return 0;
	default: return -1;
	}
}

int soft_msr_write(struct soft_cpu *cpu, uint32_t index, uint64_t v)
{
	struct cpu_state *s = &cpu->s;
	int fix = fixed_index(index);
	if (fix >= 0) {
		if (!bytes_ok(v, false))
			return -1;
		s->mtrr_fixed[fix] = v;
		return 0;
	}
	if (index >= MSR_MTRR_PHYS_FIRST && index <= MSR_MTRR_PHYS_LAST) {
		bool mask = (index - MSR_MTRR_PHYS_FIRST) & 1;
		uint64_t reserved = mask ? ~(PHYS_MASK_36 | 1ull << 11) : ~(PHYS_MASK_36 | 0xffull);
		if ((v & reserved) || (!mask && !mtrr_type_ok(v & 0xff)))
			return -1;
		s->mtrr_var[index - MSR_MTRR_PHYS_FIRST] = v;
		return 0;
	}
	switch (index) {
	case MSR_TSC:
		soft_cpu_set_tsc(cpu, v);
		return 0;
	case MSR_TSC_DEADLINE:
		if (!cpu->m->intc)
			return -1;
		pthread_mutex_lock(&cpu->m->lock);
		lapic_write_tsc_deadline(intc_lapic(cpu->m->intc), v);
		pthread_mutex_unlock(&cpu->m->lock);
		return 0;
	case MSR_BIOS_SIGN_ID: return 0;
	case MSR_APIC_BASE:
		if (cpu->m->intc) {
			pthread_mutex_lock(&cpu->m->lock);
			int rc = lapic_set_base(intc_lapic(cpu->m->intc), v);
			pthread_mutex_unlock(&cpu->m->lock);
			if (rc < 0)
				return -1;
		}
		s->apic_base = v;
		return 0;
	case MSR_SYSENTER_CS: s->sysenter_cs = v & 0xffff; return 0;
	case MSR_SYSENTER_ESP: s->sysenter_esp = v; return 0;
	case MSR_SYSENTER_EIP: s->sysenter_eip = v; return 0;
	case MSR_MISC_ENABLE: s->misc_enable = v; return 0;
	case MSR_PAT:
		if (!bytes_ok(v, true))
			return -1;
		s->pat = v;
		return 0;
	case MSR_MTRR_DEF_TYPE:
		if ((v & ~0xcffull) || !mtrr_type_ok(v & 0xff))
			return -1;
		s->mtrr_def_type = v;
		return 0;
	case MSR_EFER:
		if ((v & ~(EFER_SCE | EFER_NXE | EFER_LMA)) || (v & EFER_LMA) != (s->efer & EFER_LMA))
			return -1;
		s->efer = v;
		soft_cpu_flush_tlb(cpu);   /* NXE changes what the page walker checks */
		return 0;
	default:
		return -1;
	}
}

/* A flat 4 GiB segment of privilege dpl: code (execute/read, accessed)
 * or data (read/write, accessed). */
static struct cpu_segment flat_segment(uint16_t sel, bool code, unsigned dpl)
{
	return (struct cpu_segment){ .base = 0, .limit = 0xffffffffu, .selector = sel, .type = code ? 0xb : 3,
		.s = 1, .dpl = (uint8_t)dpl, .present = 1, .db = 1, .g = 1 };
}

void soft_sysenter(struct soft_cpu *cpu)
{
	uint16_t cs = (uint16_t)cpu->s.sysenter_cs;
	if (!(cpu->s.cr0 & CR0_PE) || (cs & ~3u) == 0)
		soft_raise(cpu, EXC_GP, true, 0);
	soft_cpu_set_flags(cpu, 0, (uint32_t)(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF));
	cpu->s.seg[SEG_CS] = flat_segment(cs & 0xfffc, true, 0);
	cpu->s.seg[SEG_SS] = flat_segment((uint16_t)((cs & 0xfffc) + 8), false, 0);
	cpu->s.gpr[CPU_RSP] = (uint32_t)cpu->s.sysenter_esp;
	cpu->s.rip = (uint32_t)cpu->s.sysenter_eip;
	soft_seg_refresh_all(cpu);   /* VM may have changed */
	soft_cpu_sync_mmu(cpu);
}

void soft_sysexit(struct soft_cpu *cpu)
{
	uint16_t cs = (uint16_t)cpu->s.sysenter_cs;
	if (!(cpu->s.cr0 & CR0_PE) || (cs & ~3u) == 0 || soft_cpu_cpl(cpu) != 0)
		soft_raise(cpu, EXC_GP, true, 0);
	cpu->s.seg[SEG_CS] = flat_segment((uint16_t)((cs + 16) | 3), true, 3);
	cpu->s.seg[SEG_SS] = flat_segment((uint16_t)((cs + 24) | 3), false, 3);
	cpu->s.gpr[CPU_RSP] = (uint32_t)cpu->s.gpr[CPU_RCX];
	cpu->s.rip = (uint32_t)cpu->s.gpr[CPU_RDX];
	soft_seg_refresh(cpu, SEG_CS);
	soft_seg_refresh(cpu, SEG_SS);
	soft_cpu_sync_mmu(cpu);
}
