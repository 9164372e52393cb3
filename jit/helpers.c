/* SPDX-License-Identifier: GPL-3.0-or-later */
/* helpers.c — the C helpers that IR HELPER ops call (jit/helpers.h):
 * instructions that are irregular (multiply/divide, shifts, BCD, bit ops:
 * their semantics are cpu/alu.c's, this file moves operands), that touch
 * many locations (string ops, PUSHA/POPA, ENTER, far transfers, IRET) or
 * that talk to the rest of the CPU (CPUID, RDTSC, MSRs, control and
 * descriptor-table registers, segment loads, software interrupts).
 *
 * Precision: a helper that can fault does every load, probe and check
 * before its first architectural write, so a fault leaves the state as
 * before the instruction; REP string ops update their registers after each
 * complete iteration, as the CPU does. Segment limits: the stack and
 * string accesses are checked here (cpu/soft_seglimit.h), and the new EIP
 * of a far transfer against the new CS limit; linear addresses passed in
 * (BOUND, CMPXCHG8B, descriptor tables) were checked by the IR. It does
 * not deliver exceptions (cpu/soft_exception.c) or decode anything. */
#include "jit/helpers.h"

#include <stdatomic.h>
#include <string.h>

#include "cpu/alu.h"
#include "cpu/insn.h"
#include "cpu/soft_cpu.h"
#include "cpu/soft_seglimit.h"
#include "hw/intc.h"
#include "hw/machine.h"
#include "jit/ir.h"

/* The CPUID identity of the soft engine (see docs/design.md). */
#define SOFT_CPUID_VENDOR "GenuineIntel"
#define SOFT_CPUID_SIGNATURE "morpheus sft"     /* 12 bytes: leaf 0x40000000 */
#define SOFT_CPUID_BRAND "morpheus soft P6-class CPU"
#define SOFT_CPUID_VERSION 0x00000619u          /* family 6, model 1, stepping 9 */
/* EDX of leaf 1: FPU (0), PSE (3), TSC (4), MSR (5), PAE (6), CX8 (8), APIC (9),
 * SEP (11), MTRR (12), PGE (13), CMOV (15), PAT (16), PSE-36 (17). No
 * VME, DE, MCE/MCA, MMX, FXSR, SSE. (Family 6 model 1 stepping 9: SEP is not the Pentium
 * Pro's "model < 3, stepping < 3" that software must ignore.) */
#define SOFT_CPUID_FEATURES ((1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 9) | \
			     (1u << 11) | (1u << 12) | (1u << 13) | (1u << 15) | (1u << 16) | (1u << 17))
/* EDX of leaf 0x80000001: NX (20); no SYSCALL, no long mode. */
#define SOFT_CPUID_EXT_FEATURES (1u << 20)
/* EAX of leaf 0x80000008: 36 physical address bits (PAE, PSE-36), 32
 * linear ones (no long mode). */
#define SOFT_CPUID_ADDRESS_SIZES 0x2024u
#define SOFT_CPUID_HYPERVISOR (1u << 31)        /* ECX of leaf 1 */
#define SOFT_CPUID_TSC_DEADLINE (1u << 24)      /* ECX of leaf 1, with a local APIC */


static const uint32_t size_mask[5] = { 0, 0xff, 0xffff, 0, 0xffffffffu };

static uint32_t reg_get(const struct soft_cpu *cpu, unsigned r, unsigned size)
{
	if (size == 1)
		return r < 4 ? (uint8_t)cpu->s.gpr[r] : (uint8_t)(cpu->s.gpr[r - 4] >> 8);
	return (uint32_t)cpu->s.gpr[r] & size_mask[size];
}

static void reg_put(struct soft_cpu *cpu, unsigned r, unsigned size, uint32_t v)
{
	uint64_t *g;
	switch (size) {
	case 1:
		g = &cpu->s.gpr[r & 3];
		if (r < 4)
			*g = (*g & ~0xffull) | (uint8_t)v;
		else
			*g = (*g & ~0xff00ull) | (uint64_t)(uint8_t)v << 8;
		break;
	case 2:
		g = &cpu->s.gpr[r];
		*g = (*g & ~0xffffull) | (uint16_t)v;
		break;
	default:
		cpu->s.gpr[r] = v;
		break;
	}
}

static bool stack32(const struct soft_cpu *cpu)
{
	return cpu->s.seg[SEG_SS].db != 0;
}

static uint32_t stack_mask(const struct soft_cpu *cpu)
{
	return stack32(cpu) ? 0xffffffffu : 0xffffu;
}

/* Linear address of `size` bytes at SS:off (off wraps at the stack
 * size); #SS(0) beyond the SS limit. */
static uint32_t stack_lin(struct soft_cpu *cpu, uint32_t off, unsigned size)
{
	return soft_seg_linear(cpu, SEG_SS, off & stack_mask(cpu), size);
}

/* The same for a write (expand-down stacks: the same bounds). */
static uint32_t stack_lin_w(struct soft_cpu *cpu, uint32_t off, unsigned size)
{
	return soft_seg_linear_w(cpu, SEG_SS, off & stack_mask(cpu), size);
}

static void put_esp(struct soft_cpu *cpu, uint32_t esp)
{
	reg_put(cpu, CPU_RSP, stack32(cpu) ? 4 : 2, esp);
}

static void raise_de(struct soft_cpu *cpu)
{
	soft_raise(cpu, EXC_DE, false, 0);
}

/* ---- ALU ---- */

static uint32_t h_shift(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	return alu_shift(imm & 0xff, (imm >> 8) & 7, a, b, &cpu->cc);
}

static uint32_t h_shld(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	return alu_shld(imm, a, b, c, &cpu->cc);
}

static uint32_t h_shrd(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	return alu_shrd(imm, a, b, c, &cpu->cc);
}

static void mul_common(struct soft_cpu *cpu, unsigned size, uint32_t a, bool is_signed)
{
	uint32_t lo, hi;
	uint32_t acc = reg_get(cpu, CPU_RAX, size);
	if (is_signed)
		alu_imul(size, acc, a, &lo, &hi, &cpu->cc);
	else
		alu_mul(size, acc, a, &lo, &hi, &cpu->cc);
	if (size == 1) {
		reg_put(cpu, CPU_RAX, 2, lo);
	} else {
		reg_put(cpu, CPU_RAX, size, lo);
		reg_put(cpu, CPU_RDX, size, hi);
	}
}

static uint32_t h_mul(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b;
	(void)c;
	mul_common(cpu, imm, a, false);
	return 0;
}

static uint32_t h_imul(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b;
	(void)c;
	mul_common(cpu, imm, a, true);
	return 0;
}

static uint32_t h_imul2(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	return alu_imul_trunc(imm, a, b, &cpu->cc);
}

static void div_common(struct soft_cpu *cpu, unsigned size, uint32_t divisor, bool is_signed)
{
	uint32_t lo, hi, q, r;
	if (size == 1) {
		lo = reg_get(cpu, CPU_RAX, 2);   /* AX */
		hi = 0;
	} else {
		lo = reg_get(cpu, CPU_RAX, size);
		hi = reg_get(cpu, CPU_RDX, size);
	}
	bool ok = is_signed ? alu_idiv(size, lo, hi, divisor, &q, &r) : alu_div(size, lo, hi, divisor, &q, &r);
	if (!ok)
		raise_de(cpu);
	alu_div_flags(&cpu->cc);
	if (size == 1) {
		reg_put(cpu, CPU_RAX, 1, q);
		reg_put(cpu, 4, 1, r);
	} else {
		reg_put(cpu, CPU_RAX, size, q);
		reg_put(cpu, CPU_RDX, size, r);
	}
}

static uint32_t h_div(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b;
	(void)c;
	div_common(cpu, imm, a, false);
	return 0;
}

static uint32_t h_idiv(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b;
	(void)c;
	div_common(cpu, imm, a, true);
	return 0;
}

static uint32_t h_daa(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	reg_put(cpu, CPU_RAX, 1, alu_daa(reg_get(cpu, CPU_RAX, 1), &cpu->cc));
	return 0;
}

static uint32_t h_das(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	reg_put(cpu, CPU_RAX, 1, alu_das(reg_get(cpu, CPU_RAX, 1), &cpu->cc));
	return 0;
}

static uint32_t h_aaa(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	reg_put(cpu, CPU_RAX, 2, alu_aaa(reg_get(cpu, CPU_RAX, 2), &cpu->cc));
	return 0;
}

static uint32_t h_aas(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	reg_put(cpu, CPU_RAX, 2, alu_aas(reg_get(cpu, CPU_RAX, 2), &cpu->cc));
	return 0;
}

static uint32_t h_aam(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	uint32_t ax;
	struct lazy_flags f = cpu->cc;
	if (!alu_aam(reg_get(cpu, CPU_RAX, 1), (uint8_t)imm, &ax, &f))
		raise_de(cpu);
	cpu->cc = f;
	reg_put(cpu, CPU_RAX, 2, ax);
	return 0;
}

static uint32_t h_aad(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	reg_put(cpu, CPU_RAX, 2, alu_aad(reg_get(cpu, CPU_RAX, 2), (uint8_t)imm, &cpu->cc));
	return 0;
}

static uint32_t h_bit(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	return alu_bit(imm & 0xff, (imm >> 8) & 7, a, b, &cpu->cc);
}

static uint32_t h_bsf(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	return alu_bsf(imm, a, b, &cpu->cc);
}

static uint32_t h_bsr(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	return alu_bsr(imm, a, b, &cpu->cc);
}

static uint32_t h_cmpxchg8b(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)b; (void)c;
	mmu_check_alignment(&cpu->mmu, a, 8);   /* #AC on a quadword off a multiple of 8 */
	uint32_t lo = mmu_load32(&cpu->mmu, a), hi = mmu_load32(&cpu->mmu, a + 4);
	bool equal = lo == reg_get(cpu, CPU_RAX, 4) && hi == reg_get(cpu, CPU_RDX, 4);
	mmu_probe_write(&cpu->mmu, a, 8);
	if (equal) {
		mmu_store32(&cpu->mmu, a, reg_get(cpu, CPU_RBX, 4));
		mmu_store32(&cpu->mmu, a + 4, reg_get(cpu, CPU_RCX, 4));
	} else {
		/* The CPU writes the old value back. */
		mmu_store32(&cpu->mmu, a, lo);
		mmu_store32(&cpu->mmu, a + 4, hi);
		reg_put(cpu, CPU_RAX, 4, lo);
		reg_put(cpu, CPU_RDX, 4, hi);
	}
	soft_cpu_set_flags(cpu, equal ? FLAG_ZF : 0, FLAG_ZF);
	return 0;
}

/* ---- strings ---- */

static void set_index(struct soft_cpu *cpu, unsigned r, unsigned addrsize, uint32_t v)
{
	reg_put(cpu, r, addrsize, v);
}

static uint32_t h_string(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	unsigned op = imm & 0xff, size = (imm >> 8) & 0xf, as = (imm >> 12) & 0xf;
	unsigned rep = (imm >> 16) & 0xf, seg = (imm >> 20) & 0xf;
	uint32_t amask = as == 2 ? 0xffff : 0xffffffffu;
	uint32_t delta = (cpu->s.rflags & FLAG_DF) ? (uint32_t)-(int32_t)size : size;
	struct mmu *mmu = &cpu->mmu;
	uint16_t port = (uint16_t)cpu->s.gpr[CPU_RDX];

	for (unsigned n = 0;; n++) {
		uint32_t count = (uint32_t)cpu->s.gpr[CPU_RCX] & amask;
		if (rep != JIT_REP_NONE) {
			if (count == 0)
				return 1;
			if (n == JIT_STRING_CHUNK)
				return 0;
		}
		uint32_t si = (uint32_t)cpu->s.gpr[CPU_RSI] & amask;
		uint32_t di = (uint32_t)cpu->s.gpr[CPU_RDI] & amask;
		/* Both limit checks come before any access of the iteration. */
		uint32_t src = 0, dst = 0;
		if (op == X86_OP_MOVS || op == X86_OP_LODS || op == X86_OP_CMPS || op == X86_OP_OUTS)
			src = soft_seg_linear(cpu, (int)seg, si, size);
		if (op == X86_OP_CMPS || op == X86_OP_SCAS)
			dst = soft_seg_linear(cpu, SEG_ES, di, size);
		else if (op != X86_OP_LODS && op != X86_OP_OUTS)
			dst = soft_seg_linear_w(cpu, SEG_ES, di, size);
		bool compares = false;
		uint32_t x, y;
		switch (op) {
		case X86_OP_MOVS:
			x = mmu_load(mmu, src, size);
			mmu_store(mmu, dst, size, x);
			set_index(cpu, CPU_RSI, as, si + delta);
			set_index(cpu, CPU_RDI, as, di + delta);
			break;
		case X86_OP_LODS:
			x = mmu_load(mmu, src, size);
			set_index(cpu, CPU_RSI, as, si + delta);
			reg_put(cpu, CPU_RAX, size, x);
			break;
		case X86_OP_STOS:
			mmu_store(mmu, dst, size, reg_get(cpu, CPU_RAX, size));
			set_index(cpu, CPU_RDI, as, di + delta);
			break;
		case X86_OP_CMPS:
			x = mmu_load(mmu, src, size);
			y = mmu_load(mmu, dst, size);
			set_index(cpu, CPU_RSI, as, si + delta);
			set_index(cpu, CPU_RDI, as, di + delta);
			compares = true;
			break;
		case X86_OP_SCAS:
			x = reg_get(cpu, CPU_RAX, size);
			y = mmu_load(mmu, dst, size);
			set_index(cpu, CPU_RDI, as, di + delta);
			compares = true;
			break;
		case X86_OP_INS:
			mmu_probe_write(mmu, dst, size);
			x = machine_io_read(cpu->m, port, (int)size);
			mmu_store(mmu, dst, size, x);
			set_index(cpu, CPU_RDI, as, di + delta);
			break;
		default: /* OUTS */
			x = mmu_load(mmu, src, size);
			machine_io_write(cpu->m, port, (int)size, x);
			set_index(cpu, CPU_RSI, as, si + delta);
			break;
		}
		if (compares) {
			cpu->cc = (struct lazy_flags){ .op = CC_OP_SUB, .size = (uint8_t)size,
				.dst = (x - y) & size_mask[size], .src = y, .aux = x };
		}
		if (rep == JIT_REP_NONE)
			return 1;
		reg_put(cpu, CPU_RCX, as, count - 1);
		if (compares) {
			bool zf = cpu->cc.dst == 0;
			if ((rep == JIT_REP_E && !zf) || (rep == JIT_REP_NE && zf))
				return 1;
		}
		/* A port access may have stopped the machine (debug exit,
		 * reset): leave between iterations, as for an interrupt. */
		if ((op == X86_OP_INS || op == X86_OP_OUTS) &&
		    atomic_load_explicit(&cpu->exit_request, memory_order_relaxed))
			return 0;
	}
}

/* ---- stack frames ---- */

static uint32_t h_pusha(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	unsigned size = imm;
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	for (unsigned i = 1; i <= 8; i++)
		mmu_probe_write(&cpu->mmu, stack_lin_w(cpu, esp - i * size, size), size);
	for (unsigned r = 0; r < 8; r++)
		mmu_store(&cpu->mmu, stack_lin_w(cpu, esp - (r + 1) * size, size), size,
			  r == CPU_RSP ? esp & size_mask[size] : reg_get(cpu, r, size));
	put_esp(cpu, esp - 8 * size);
	return 0;
}

static uint32_t h_popa(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	unsigned size = imm;
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	uint32_t v[8];
	for (unsigned i = 0; i < 8; i++)
		v[i] = mmu_load(&cpu->mmu, stack_lin(cpu, esp + i * size, size), size);
	for (unsigned i = 0; i < 8; i++)
		if (7 - i != CPU_RSP)
			reg_put(cpu, 7 - i, size, v[i]);
	put_esp(cpu, esp + 8 * size);
	return 0;
}

static uint32_t h_enter(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	unsigned size = imm, level = b % 32;
	uint32_t esp = (uint32_t)cpu->s.gpr[CPU_RSP];
	uint32_t ebp = (uint32_t)cpu->s.gpr[CPU_RBP];
	uint32_t vals[33];
	unsigned n = 0;
	vals[n++] = ebp & size_mask[size];
	uint32_t frame = esp - size;
	if (level > 0) {
		for (unsigned i = 1; i < level; i++) {
			ebp -= size;
			vals[n++] = mmu_load(&cpu->mmu, stack_lin(cpu, ebp, size), size);
		}
		vals[n++] = frame & size_mask[size];
	}
	for (unsigned i = 0; i < n; i++)
		mmu_probe_write(&cpu->mmu, stack_lin_w(cpu, esp - (i + 1) * size, size), size);
	/* "#SS If the new value of the SP or ESP register is outside the
	 * stack segment limit" (SDM vol. 2, ENTER). */
	uint32_t new_esp = esp - n * size - (a & 0xffff);
	if (!soft_seg_fits(cpu, SEG_SS, SOFT_SEG_WRITE, new_esp & stack_mask(cpu), 1))
		soft_seg_fault(cpu, SEG_SS);
	for (unsigned i = 0; i < n; i++)
		mmu_store(&cpu->mmu, stack_lin_w(cpu, esp - (i + 1) * size, size), size, vals[i]);
	put_esp(cpu, new_esp);
	reg_put(cpu, CPU_RBP, size, frame);
	return 0;
}

static uint32_t h_bound(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	unsigned size = imm;
	int32_t lower, upper, index;
	if (size == 2) {
		lower = (int16_t)mmu_load16(&cpu->mmu, b);
		upper = (int16_t)mmu_load16(&cpu->mmu, b + 2);
		index = (int16_t)a;
	} else {
		lower = (int32_t)mmu_load32(&cpu->mmu, b);
		upper = (int32_t)mmu_load32(&cpu->mmu, b + 4);
		index = (int32_t)a;
	}
	if (index < lower || index > upper)
		soft_raise(cpu, EXC_BR, false, 0);
	return 0;
}

/* ---- far transfers, interrupts, segments (cpu/soft_gate.c,
 * cpu/soft_segment.c) ---- */

static uint32_t h_far_jmp(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	soft_far_jmp(cpu, (uint16_t)a, b, imm, c);
	return 0;
}

static uint32_t h_far_call(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	soft_far_call(cpu, (uint16_t)a, b, imm, c);
	return 0;
}

static uint32_t h_retf(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	soft_far_ret(cpu, imm & 0xff, imm >> 8);
	return 0;
}

static uint32_t h_iret(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	soft_iret(cpu, imm, a);
	return 0;
}

static uint32_t h_int(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	/* INT n in virtual-8086 mode with IOPL < 3: #GP(0) to the monitor
	 * (SDM vol. 2, INT n: "IF (VM = 1 and IOPL < 3 AND INT n) THEN
	 * #GP(0)"); INT3 and INTO are not IOPL-sensitive. */
	if ((imm & JIT_INT_N) && (cpu->s.rflags & RFLAGS_VM) && ((cpu->s.rflags >> 12) & 3) < 3)
		soft_raise(cpu, EXC_GP, true, 0);
	uint32_t saved_rip = (uint32_t)cpu->s.rip;
	cpu->s.rip = a;
	cpu->stats.interrupts++;
	uint32_t error = 0;
	bool has_error = false;
	int fault = soft_interrupt_try(cpu, (int)(imm & 0xff), false, 0, !(imm & JIT_INT_ICEBP), &has_error,
				       &error);
	if (fault >= 0) {
		cpu->s.rip = saved_rip;
		soft_raise(cpu, fault, has_error, error);
	}
	return 0;
}

static uint32_t h_into(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	if (soft_cpu_get_flags(cpu) & FLAG_OF)
		return h_int(cpu, EXC_OF, a, b, c);
	(void)imm;
	cpu->s.rip = a;
	return 0;
}

static uint32_t h_load_seg(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	uint32_t error = 0;
	int fault = soft_segment_load(cpu, (int)imm, (uint16_t)a, &error);
	if (fault)
		soft_raise(cpu, fault, true, error);
	return 0;
}

static uint32_t h_lldt(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)b; (void)c;
	uint32_t error = 0;
	int fault = soft_segment_lldt(cpu, (uint16_t)a, &error);
	if (fault)
		soft_raise(cpu, fault, true, error);
	return 0;
}

static uint32_t h_ltr(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)b; (void)c;
	uint32_t error = 0;
	int fault = soft_segment_ltr(cpu, (uint16_t)a, &error);
	if (fault)
		soft_raise(cpu, fault, true, error);
	return 0;
}

/* LAR, LSL, VERR, VERW: ZF set when the selector passes; LAR and LSL then
 * return the value, else the old destination (SDM vol. 2: "If ZF is 0,
 * the destination is not modified"). */
static uint32_t h_lar(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)c;
	unsigned op = imm & 0xff, size = imm >> 8;
	uint32_t v = 0;
	bool ok;
	switch (op) {
	case JIT_LAR_LAR: ok = soft_segment_lar(cpu, (uint16_t)a, &v); break;
	case JIT_LAR_LSL: ok = soft_segment_lsl(cpu, (uint16_t)a, &v); break;
	default: ok = soft_segment_verify(cpu, (uint16_t)a, op == JIT_LAR_VERW); break;
	}
	soft_cpu_set_flags(cpu, ok ? FLAG_ZF : 0, FLAG_ZF);
	if (!ok)
		return b;
	return size == 2 ? v & 0xffff : v;
}

/* ARPL: raises the RPL of the destination selector to the source's. */
static uint32_t h_arpl(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)c;
	bool adjust = (a & 3) < (b & 3);
	soft_cpu_set_flags(cpu, adjust ? FLAG_ZF : 0, FLAG_ZF);
	return adjust ? (a & ~3u) | (b & 3) : a;
}

static uint32_t h_iopl(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	if (soft_cpu_cpl(cpu) > ((cpu->s.rflags >> 12) & 3))
		soft_raise(cpu, EXC_GP, true, 0);
	return 0;
}

/* POPF at CPL > 0 or in virtual-8086 mode (SDM vol. 2, POPF): IF only
 * when CPL <= IOPL, IOPL never; in virtual-8086 mode #GP(0) unless IOPL
 * is 3. VM, RF, VIF, VIP are never written. */
/* After an instruction that may set IF, TF or AC (STI, POPF): the engine
 * loop must look before chained or compiled code runs on — to take a
 * pending interrupt, to single-step, to check alignment. */
static uint32_t h_flags_check(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	uint64_t f = cpu->s.rflags;
	struct machine *m = cpu->m;
	if ((f & (FLAG_TF | (1u << 18))) || ((f & FLAG_IF) && m->intc && intc_maybe_pending(m->intc)))
		atomic_store_explicit(&cpu->exit_request, 1, memory_order_relaxed);
	return 0;
}

static uint32_t h_popf(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	unsigned iopl = (cpu->s.rflags >> 12) & 3;
	if ((cpu->s.rflags & RFLAGS_VM) && iopl < 3)
		soft_raise(cpu, EXC_GP, true, 0);
	uint32_t mask = soft_flags_writable(imm, soft_cpu_cpl(cpu), iopl);
	if (imm == 2)
		mask &= 0xffff;
	soft_cpu_set_flags(cpu, a, mask);
	return 0;
}

static uint32_t h_io_check(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	if (!soft_io_allowed(cpu, (uint16_t)a, imm))
		soft_raise(cpu, EXC_GP, true, 0);
	return 0;
}

static uint32_t h_sysenter(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	soft_sysenter(cpu);
	return 0;
}

static uint32_t h_sysexit(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	soft_sysexit(cpu);
	return 0;
}

/* ---- identification, time, MSRs ---- */

static uint32_t str4(const char *s)
{
	uint32_t v;
	memcpy(&v, s, 4);
	return v;
}

static uint32_t h_cpuid(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	uint32_t leaf = (uint32_t)cpu->s.gpr[CPU_RAX];
	uint32_t r[4] = { 0, 0, 0, 0 };   /* EAX EBX ECX EDX */
	char brand[48] = SOFT_CPUID_BRAND;
	switch (leaf) {
	case 0:
		r[0] = 1;
		r[1] = str4(SOFT_CPUID_VENDOR);
		r[3] = str4(SOFT_CPUID_VENDOR + 4);
		r[2] = str4(SOFT_CPUID_VENDOR + 8);
		break;
	case 1:
		r[0] = SOFT_CPUID_VERSION;
		r[2] = SOFT_CPUID_HYPERVISOR | (cpu->m->intc ? SOFT_CPUID_TSC_DEADLINE : 0);
		r[3] = SOFT_CPUID_FEATURES;
		break;
	case 0x40000000:
		r[0] = 0x40000000;
		r[1] = str4(SOFT_CPUID_SIGNATURE);
		r[2] = str4(SOFT_CPUID_SIGNATURE + 4);
		r[3] = str4(SOFT_CPUID_SIGNATURE + 8);
		break;
	case 0x80000000:
		r[0] = 0x80000008;
		break;
	case 0x80000001:
		r[3] = SOFT_CPUID_EXT_FEATURES;
		break;
	case 0x80000008:
		r[0] = SOFT_CPUID_ADDRESS_SIZES;
		break;
	case 0x80000002: case 0x80000003: case 0x80000004:
		memcpy(r, brand + 16 * (leaf - 0x80000002), 16);
		break;
	default:
		break;   /* unknown leaves read as zeros */
	}
	for (int i = 0; i < 4; i++)
		cpu->s.gpr[i == 0 ? CPU_RAX : i == 1 ? CPU_RBX : i == 2 ? CPU_RCX : CPU_RDX] = r[i];
	return 0;
}

static uint32_t h_rdtsc(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	/* CR4.TSD: RDTSC at CPL 0 only (SDM vol. 2, RDTSC) */
	if ((cpu->s.cr4 & CR4_TSD) && soft_cpu_cpl(cpu) > 0)
		soft_raise(cpu, EXC_GP, true, 0);
	uint64_t tsc = soft_cpu_tsc(cpu);
	cpu->s.gpr[CPU_RAX] = (uint32_t)tsc;
	cpu->s.gpr[CPU_RDX] = (uint32_t)(tsc >> 32);
	return 0;
}

static uint32_t h_rdmsr(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	uint64_t v;
	if (soft_msr_read(cpu, (uint32_t)cpu->s.gpr[CPU_RCX], &v) < 0)
		soft_raise(cpu, EXC_GP, true, 0);
	cpu->s.gpr[CPU_RAX] = (uint32_t)v;
	cpu->s.gpr[CPU_RDX] = (uint32_t)(v >> 32);
	return 0;
}

static uint32_t h_wrmsr(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	uint64_t v = (uint32_t)cpu->s.gpr[CPU_RAX] | cpu->s.gpr[CPU_RDX] << 32;
	if (soft_msr_write(cpu, (uint32_t)cpu->s.gpr[CPU_RCX], v) < 0)
		soft_raise(cpu, EXC_GP, true, 0);
	return 0;
}

/* ---- control and descriptor-table registers ---- */

static uint32_t h_read_cr(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)a; (void)b; (void)c;
	switch (imm) {
	case 0: return (uint32_t)cpu->s.cr0;
	case 2: return (uint32_t)cpu->s.cr2;
	case 3: return (uint32_t)cpu->s.cr3;
	case 4: return (uint32_t)cpu->s.cr4;
	case 16: case 17: case 18: case 19: return (uint32_t)cpu->s.dr[imm - 16];
	case 20: case 22: return (uint32_t)cpu->s.dr[6];
	case 21: case 23: return (uint32_t)cpu->s.dr[7];
	default: soft_raise(cpu, EXC_UD, false, 0);
	}
}

static uint32_t h_write_cr(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	switch (imm) {
	case 0:
		if ((a & CR0_PG) && !(a & CR0_PE))
			soft_raise(cpu, EXC_GP, true, 0);
		if ((a & (1u << 29)) && !(a & (1u << 30)))   /* NW without CD */
			soft_raise(cpu, EXC_GP, true, 0);
		if (!soft_cpu_write_cr0(cpu, a))
			soft_raise(cpu, EXC_GP, true, 0);
		break;
	case 2: cpu->s.cr2 = a; break;
	case 3:
		if (!soft_cpu_write_cr3(cpu, a))
			soft_raise(cpu, EXC_GP, true, 0);
		break;
	case 4:
		if (a & ~0x7ffu)
			soft_raise(cpu, EXC_GP, true, 0);
		if (!soft_cpu_write_cr4(cpu, a))
			soft_raise(cpu, EXC_GP, true, 0);
		break;
	case 16: case 17: case 18: case 19: cpu->s.dr[imm - 16] = a; soft_debug_update(cpu); break;
	case 20: case 22: cpu->s.dr[6] = a; break;
	case 21: case 23: cpu->s.dr[7] = a; soft_debug_update(cpu); break;
	default: soft_raise(cpu, EXC_UD, false, 0);
	}
	return 0;
}

static uint32_t h_invlpg(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)b; (void)c;
	soft_cpu_invlpg(cpu, a);
	return 0;
}

static uint32_t h_lmsw(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)b; (void)c;
	/* MP, EM, TS from the operand; PE can be set, not cleared. */
	cpu->s.cr0 = (cpu->s.cr0 & ~0xeull) | (a & 0xe) | (cpu->s.cr0 & CR0_PE) | (a & 1);
	soft_seg_refresh_all(cpu);   /* PE changes how segments are checked */
	return 0;
}

static uint32_t h_clts(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	cpu->s.cr0 &= ~(1ull << 3);
	return 0;
}

static uint32_t h_dtable(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)b; (void)c;
	unsigned which = imm & 0xff, size = imm >> 8;
	struct cpu_dtable *t = (which & 1) ? &cpu->s.idt : &cpu->s.gdt;
	if (which < 2) {
		uint16_t limit = (uint16_t)mmu_load16(&cpu->mmu, a);
		uint32_t base = mmu_load32(&cpu->mmu, a + 2);
		if (size == 2)
			base &= 0xffffff;
		t->limit = limit;
		t->base = base;
	} else {
		mmu_probe_write(&cpu->mmu, a, 6);
		mmu_store16(&cpu->mmu, a, t->limit);
		mmu_store32(&cpu->mmu, a + 2, (uint32_t)t->base);
	}
	return 0;
}

static uint32_t h_x87(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	soft_x87_execute(cpu, imm, a, b, c);
	return 0;
}

static uint32_t h_fwait(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b, uint32_t c)
{
	(void)imm; (void)a; (void)b; (void)c;
	soft_x87_wait(cpu);
	return 0;
}

const struct jit_helper_info jit_helpers[JIT_NR_HELPERS] = {
#define JIT_HELPER_ENTRY(name, fn, props, text) [JIT_HELPER_##name] = { fn, #name, props },
	JIT_HELPERS(JIT_HELPER_ENTRY)
#undef JIT_HELPER_ENTRY
};
