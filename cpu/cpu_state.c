/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cpu_state.c — building the architectural states that boots start from. */
#include "cpu/cpu_state.h"

#include <string.h>

static struct cpu_segment segment_real(uint16_t selector, uint8_t type)
{
	return (struct cpu_segment){ .base = (uint64_t)selector << 4, .limit = 0xffff,
		.selector = selector, .type = type, .s = 1, .present = 1 };
}

void cpu_state_reset(struct cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < CPU_NR_SEGS; i++)
		s->seg[i] = segment_real(0, 3);       /* read/write data, accessed */
	s->seg[SEG_CS] = segment_real(0xf000, 0xb);   /* execute/read code, accessed */
	s->seg[SEG_CS].base = 0xffff0000;
	s->seg[SEG_LDTR] = (struct cpu_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	s->seg[SEG_TR] = (struct cpu_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	s->gdt.limit = 0xffff;
	s->idt.limit = 0xffff;
	s->rip = 0xfff0;
	s->rflags = RFLAGS_FIXED;
	s->cr0 = CR0_ET | 0x60000000;   /* CD and NW set at power-on */
	s->gpr[CPU_RDX] = 0x600;        /* family 6 signature in DX */
	s->apic_base = 0xfee00000 | (1 << 11) | (1 << 8);
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->pat = 0x0007040600070406ull;
	s->misc_enable = 1;             /* fast strings */
	/* The x87 as FNINIT leaves it (which is what firmware leaves): all
	 * exceptions masked, double extended precision, round to nearest,
	 * every register empty. */
	s->fpu.fcw = 0x037f;
	s->fpu.empty = 0xff;
}

void cpu_state_set_real(struct cpu_state *s, uint16_t cs, uint16_t ip, uint16_t sp)
{
	cpu_state_reset(s);
	s->cr0 = CR0_ET;
	s->seg[SEG_CS] = segment_real(cs, 0xb);
	s->rip = ip;
	s->gpr[CPU_RSP] = sp;
	s->gpr[CPU_RDX] = 0;
}

static struct cpu_segment segment_flat(uint16_t selector, uint8_t type, int db, int l)
{
	return (struct cpu_segment){ .base = 0, .limit = 0xffffffff, .selector = selector,
		.type = type, .s = 1, .present = 1, .db = db, .l = l, .g = 1 };
}

void cpu_state_set_flat32(struct cpu_state *s, uint32_t eip)
{
	cpu_state_reset(s);
	s->gpr[CPU_RDX] = 0;
	s->cr0 = CR0_PE | CR0_ET;
	for (int i = 0; i < SEG_LDTR; i++)
		s->seg[i] = segment_flat(0x18, 3, 1, 0);
	s->seg[SEG_CS] = segment_flat(0x10, 0xb, 1, 0);
	s->seg[SEG_TR] = (struct cpu_segment){ .limit = 0x67, .type = 0xb, .present = 1 };
	s->rip = eip;
}

void cpu_state_set_long64(struct cpu_state *s, uint64_t rip, uint64_t cr3)
{
	cpu_state_set_flat32(s, 0);
	s->seg[SEG_CS] = segment_flat(0x10, 0xb, 0, 1);
	s->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
	s->cr3 = cr3;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->rip = rip;
}
