/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cpu_state.h — the canonical architectural state of one x86 vCPU.
 *
 * Every engine reads and writes this same structure (the kvm engine converts
 * it to and from KVM's kvm_regs/kvm_sregs/MSRs; the soft engine runs on it),
 * so runs can be compared and a vCPU can move between engines. Loaders build
 * the boot state with the helpers below. Floating point/SSE state is not
 * here yet. */
#ifndef MORPHEUS_CPU_STATE_H
#define MORPHEUS_CPU_STATE_H

#include <stdint.h>

/* General registers in x86 encoding order (named CPU_* because glibc's
 * <sys/ucontext.h> already defines REG_*). */
enum cpu_reg {
	CPU_RAX, CPU_RCX, CPU_RDX, CPU_RBX, CPU_RSP, CPU_RBP, CPU_RSI, CPU_RDI,
	CPU_R8, CPU_R9, CPU_R10, CPU_R11, CPU_R12, CPU_R13, CPU_R14, CPU_R15,
	CPU_NR_GPRS
};

enum cpu_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, CPU_NR_SEGS };

/* A segment register with its hidden descriptor cache. `limit` is in bytes
 * (already scaled by the granularity bit). */
struct cpu_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type;      /* descriptor type field (4 bits) */
	uint8_t s;         /* 1 = code/data, 0 = system */
	uint8_t dpl;
	uint8_t present;
	uint8_t db;        /* default operand size (D/B) */
	uint8_t l;         /* 64-bit code segment */
	uint8_t g;         /* granularity */
	uint8_t avl;
	uint8_t unusable;  /* null selector loaded (protected mode) */
};

struct cpu_dtable {
	uint64_t base;
	uint16_t limit;
};

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_PG (1ull << 31)
#define CR0_TS (1ull << 3)
#define CR4_TSD (1ull << 2)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)
#define RFLAGS_FIXED (1ull << 1)

/* One x87 data register: the 80-bit double extended format, laid out as
 * in memory (FLD m80): significand (with its explicit integer bit), then
 * sign and 15-bit exponent. */
struct x87_reg {
	uint64_t mant;
	uint16_t sign_exp;
};

/* The x87 FPU (cpu/soft_x87.c). */
struct cpu_fpu {
	uint16_t fcw;            /* control word */
	uint16_t fsw;            /* status word; TOP is bits 11-13 */
	uint8_t empty;           /* bit i: physical register R<i> is empty (tag 11) */
	uint16_t fop;            /* the last non-control instruction: 11 opcode bits */
	uint16_t fcs, fds;       /* its CS and its memory operand's segment selector */
	uint32_t fip, fdp;       /* its offset and its memory operand's offset */
	struct x87_reg r[8];     /* physical registers R0-R7 (ST(i) is R[(TOP + i) & 7]) */
};

struct cpu_state {
	uint64_t gpr[CPU_NR_GPRS];
	uint64_t rip, rflags;
	struct cpu_segment seg[CPU_NR_SEGS];
	struct cpu_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t efer;
	uint64_t apic_base;
	uint64_t dr[8];          /* DR0-DR3, (4,5 unused), DR6, DR7 */
	/* MSRs of a 32-bit kernel (the soft engine; the kvm engine leaves
	 * them to KVM) */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat;            /* reset: 0x0007040600070406 */
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[11]; /* 0x250, 0x258, 0x259, 0x268-0x26F */
	uint64_t mtrr_var[16];   /* PHYSBASE0, PHYSMASK0, ... PHYSMASK7 (0x200-0x20F) */
	uint64_t misc_enable;
	struct cpu_fpu fpu;
};

/* The power-on state of an x86 CPU: real mode, CS:IP = F000:FFF0 with CS
 * base 0xFFFF0000. */
void cpu_state_reset(struct cpu_state *s);
/* Real mode with CS = cs, IP = ip, other segments 0, SP = sp. */
void cpu_state_set_real(struct cpu_state *s, uint16_t cs, uint16_t ip, uint16_t sp);
/* 32-bit flat protected mode, paging off: CS = 0x10 (code), DS = ES = SS =
 * FS = GS = 0x18 (data), base 0 limit 4 GiB, EIP = eip. The GDT register is
 * left to the caller (loaders write a matching GDT into guest memory). */
void cpu_state_set_flat32(struct cpu_state *s, uint32_t eip);
/* 64-bit long mode with paging (CR3 = cr3, PAE, EFER.LME|LMA), CS = 0x10
 * 64-bit code, data segments 0x18. */
void cpu_state_set_long64(struct cpu_state *s, uint64_t rip, uint64_t cr3);

#endif
