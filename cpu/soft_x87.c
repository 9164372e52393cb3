/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft_x87.c — the x87 FPU of the soft engine: the register stack and its
 * tags, the status and control words, the instruction and data pointers,
 * the memory formats and environment images, and the exceptions (#NM,
 * #MF, or IRQ 13 when CR0.NE is clear). Every numeric step is run on the
 * host's x87 under the guest's control word (cpu/x87_host.h).
 *
 * One call runs one instruction (D8-DF with its ModRM), from the helper
 * X87 (jit/helpers.c). Precision: the memory operand is read, or its
 * writability probed, before anything changes, so a #PF or #GP leaves the
 * FPU as it was. Masked exceptions give the SDM's masked responses (the
 * host's); with an unmasked invalid, denormal or divide-by-zero exception
 * the destination and TOP are left alone, with an unmasked overflow or
 * underflow a register destination gets the host's exponent-adjusted
 * result and a memory destination nothing; ES is set then, and the next
 * waiting x87 instruction raises #MF. See docs/x87.md. */
#include <string.h>

#include "cpu/soft_cpu.h"
#include "cpu/x87_host.h"
#include "hw/ferr.h"
#include "hw/machine.h"

/* Status word bits. */
#define FSW_IE 0x0001u
#define FSW_DE 0x0002u
#define FSW_ZE 0x0004u
#define FSW_OE 0x0008u
#define FSW_UE 0x0010u
#define FSW_PE 0x0020u
#define FSW_SF 0x0040u
#define FSW_ES 0x0080u
#define FSW_C0 0x0100u
#define FSW_C1 0x0200u
#define FSW_C2 0x0400u
#define FSW_TOP_SHIFT 11
#define FSW_TOP (7u << FSW_TOP_SHIFT)
#define FSW_C3 0x4000u
#define FSW_B 0x8000u
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)
#define FSW_EXCEPTIONS 0x003fu

/* The QNaN floating-point indefinite, a masked invalid operation's result. */
static const struct x87_reg x87_indefinite = { 0xc000000000000000ull, 0xffff };

/* ---- the register stack ---- */

static unsigned fpu_top(const struct cpu_fpu *f)
{
	return (f->fsw & FSW_TOP) >> FSW_TOP_SHIFT;
}

static void fpu_set_top(struct cpu_fpu *f, unsigned top)
{
	f->fsw = (uint16_t)((f->fsw & ~FSW_TOP) | (top & 7) << FSW_TOP_SHIFT);
}

/* The physical register of ST(i). */
static unsigned fpu_phys(const struct cpu_fpu *f, unsigned i)
{
	return (fpu_top(f) + i) & 7;
}

static bool fpu_empty(const struct cpu_fpu *f, unsigned i)
{
	return f->empty >> fpu_phys(f, i) & 1;
}

static struct x87_reg *fpu_st(struct cpu_fpu *f, unsigned i)
{
	return &f->r[fpu_phys(f, i)];
}

static void fpu_set_st(struct cpu_fpu *f, unsigned i, struct x87_reg v)
{
	unsigned p = fpu_phys(f, i);
	f->r[p] = v;
	f->empty &= (uint8_t)~(1u << p);
}

static void fpu_pop(struct cpu_fpu *f)
{
	f->empty |= (uint8_t)(1u << fpu_phys(f, 0));
	fpu_set_top(f, fpu_top(f) + 1);
}

static void fpu_push(struct cpu_fpu *f, struct x87_reg v)
{
	fpu_set_top(f, fpu_top(f) - 1);
	fpu_set_st(f, 0, v);
}

/* ---- the status word and exceptions ---- */

/* A control word as loaded (FLDCW, FLDENV, FRSTOR): bit 6 reads as 1,
 * bits 7 and 13-15 as 0 (as on the hosts tests/unit/test_x87_host.c ran
 * on). */
static uint16_t fpu_control_word(uint32_t v)
{
	return (uint16_t)((v & 0x1f3f) | 0x0040);
}

static void fpu_set_cc(struct cpu_fpu *f, unsigned mask, unsigned value)
{
	f->fsw = (uint16_t)((f->fsw & ~mask) | (value & mask));
}

/* ES and B summarize the exception flags whose masks are clear. */
static void fpu_update_summary(struct cpu_fpu *f)
{
	if (f->fsw & ~f->fcw & FSW_EXCEPTIONS)
		f->fsw |= FSW_ES | FSW_B;
	else
		f->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

static void fpu_flag(struct cpu_fpu *f, unsigned flags)
{
	f->fsw |= (uint16_t)(flags & (FSW_EXCEPTIONS | FSW_SF));
	fpu_update_summary(f);
}

/* Stack underflow (#IS, C1 = 0) and overflow (#IS, C1 = 1): true when the
 * invalid-operation exception is masked, and so the caller goes on with
 * the indefinite. */
static bool fpu_underflow(struct cpu_fpu *f)
{
	fpu_set_cc(f, FSW_C1, 0);
	fpu_flag(f, FSW_IE | FSW_SF);
	return f->fcw & FSW_IE;
}

static bool fpu_overflow(struct cpu_fpu *f)
{
	fpu_set_cc(f, FSW_C1, FSW_C1);
	fpu_flag(f, FSW_IE | FSW_SF);
	return f->fcw & FSW_IE;
}

/* Which unmasked exceptions suppress the result: invalid operation,
 * denormal operand, zero divide; for a store to memory also overflow and
 * underflow; for a load from m32fp/m64fp not the denormal one (the value
 * is pushed, and #MF follows). */
#define FPU_STOP_REG (FSW_IE | FSW_DE | FSW_ZE)
#define FPU_STOP_MEM (FPU_STOP_REG | FSW_OE | FSW_UE)
#define FPU_STOP_LOAD (FSW_IE | FSW_ZE)

/* Merges the exception flags of a host instruction (sw); true when its
 * result is to be written: none of `stop` raised unmasked. A suppressed
 * result clears C1 (no rounding happened). */
static bool fpu_host_flags(struct cpu_fpu *f, uint16_t sw, unsigned stop)
{
	unsigned raised = sw & FSW_EXCEPTIONS;
	fpu_flag(f, raised);
	if (raised & ~f->fcw & stop) {
		fpu_set_cc(f, FSW_C1, 0);
		return false;
	}
	return true;
}

/* Runs op with ST(0) = a and ST(1) = b. */
static uint16_t fpu_run(struct cpu_fpu *f, enum x87_host_op op, struct x87_host *h)
{
	h->cw = f->fcw;
	return x87_host_run(op, h);
}

/* ---- memory ---- */

static void fpu_read(struct soft_cpu *cpu, uint32_t lin, uint8_t *buf, unsigned n)
{
	unsigned i = 0;
	for (; i + 4 <= n; i += 4) {
		uint32_t v = mmu_load32(&cpu->mmu, lin + i);
		memcpy(buf + i, &v, 4);
	}
	for (; i < n; i++)
		buf[i] = (uint8_t)mmu_load8(&cpu->mmu, lin + i);
}

/* Only after mmu_probe_write(lin, n). */
static void fpu_write(struct soft_cpu *cpu, uint32_t lin, const uint8_t *buf, unsigned n)
{
	unsigned i = 0;
	for (; i + 4 <= n; i += 4) {
		uint32_t v;
		memcpy(&v, buf + i, 4);
		mmu_store32(&cpu->mmu, lin + i, v);
	}
	for (; i < n; i++)
		mmu_store8(&cpu->mmu, lin + i, buf[i]);
}

static void put_le(uint8_t *p, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void reg_to_bytes(const struct x87_reg *r, uint8_t *p)
{
	memcpy(p, &r->mant, 8);
	put_le(p + 8, r->sign_exp, 2);
}

static struct x87_reg reg_from_bytes(const uint8_t *p)
{
	struct x87_reg r;
	memcpy(&r.mant, p, 8);
	r.sign_exp = (uint16_t)get_le(p + 8, 2);
	return r;
}

/* ---- the instruction's operand, as the translator passes it ---- */

struct x87_insn {
	unsigned esc;        /* 0-7 for D8-DF */
	unsigned modrm;
	unsigned reg, rm;    /* ModRM fields */
	bool mem;            /* a memory operand at lin */
	bool op32;           /* 32-bit operand size (environment formats) */
	unsigned seg;        /* the memory operand's segment register */
	uint32_t lin, offset, eip;
};

/* ---- loads and stores ---- */

/* Pushes the value of memory operand buf (n bytes; none for the
 * constants) through host op (a conversion, or FLD1, FLDPI...). */
static void fpu_load(struct cpu_fpu *f, enum x87_host_op op, const uint8_t *buf, unsigned n)
{
	if (!fpu_empty(f, 7)) {
		if (fpu_overflow(f))
			fpu_push(f, x87_indefinite);
		return;
	}
	struct x87_host h = { 0 };
	if (n)
		memcpy(h.mem, buf, n);
	uint16_t sw = fpu_run(f, op, &h);
	if (fpu_host_flags(f, sw, FPU_STOP_LOAD)) {
		fpu_push(f, h.r0);
		fpu_set_cc(f, FSW_C1, 0);
	}
}

static void fpu_push_reg(struct cpu_fpu *f, struct x87_reg v)
{
	if (!fpu_empty(f, 7)) {
		if (fpu_overflow(f))
			fpu_push(f, x87_indefinite);
		return;
	}
	fpu_push(f, v);
	fpu_set_cc(f, FSW_C1, 0);
}

/* The indefinite of each store format (for a masked stack underflow). */
static void indefinite_bytes(enum x87_host_op op, uint8_t *buf)
{
	memset(buf, 0, 16);
	switch (op) {
	case X87_ST_M32FP: put_le(buf, 0xffc00000u, 4); break;
	case X87_ST_M64FP: put_le(buf + 4, 0xfff80000u, 4); break;
	case X87_ST_M16INT: case X87_STT_M16INT: put_le(buf, 0x8000u, 2); break;
	case X87_ST_M32INT: case X87_STT_M32INT: put_le(buf, 0x80000000u, 4); break;
	case X87_ST_M64INT: case X87_STT_M64INT: put_le(buf + 4, 0x80000000u, 4); break;
	case X87_ST_BCD: buf[7] = 0xc0; buf[8] = 0xff; buf[9] = 0xff; break;
	default: reg_to_bytes(&x87_indefinite, buf); break;
	}
}

/* Stores ST(0) to n bytes at lin through host op (a conversion), and pops
 * when asked. */
static void fpu_store(struct soft_cpu *cpu, struct cpu_fpu *f, enum x87_host_op op, const struct x87_insn *in,
		      unsigned n, bool pop)
{
	uint8_t out[16];
	mmu_probe_write(&cpu->mmu, in->lin, n);
	if (fpu_empty(f, 0)) {
		if (!fpu_underflow(f))
			return;
		indefinite_bytes(op, out);
	} else {
		struct x87_host h = { .a = *fpu_st(f, 0) };
		uint16_t sw = fpu_run(f, op, &h);
		if (!fpu_host_flags(f, sw, FPU_STOP_MEM))
			return;
		memcpy(out, h.mem, n);
		fpu_set_cc(f, FSW_C1, sw);
	}
	fpu_write(cpu, in->lin, out, n);
	if (pop)
		fpu_pop(f);
}

/* FSTP m80: a copy, no exceptions. */
static void fpu_store_m80(struct soft_cpu *cpu, struct cpu_fpu *f, const struct x87_insn *in)
{
	uint8_t out[10];
	mmu_probe_write(&cpu->mmu, in->lin, 10);
	if (fpu_empty(f, 0)) {
		if (!fpu_underflow(f))
			return;
		reg_to_bytes(&x87_indefinite, out);
	} else {
		reg_to_bytes(fpu_st(f, 0), out);
		fpu_set_cc(f, FSW_C1, 0);
	}
	fpu_write(cpu, in->lin, out, 10);
	fpu_pop(f);
}

/* ---- arithmetic ---- */

/* ST(d) = ST(d) op ST(s) (op computes a op b with a = ST(d)), popping
 * when asked. */
static void fpu_arith(struct cpu_fpu *f, enum x87_host_op op, unsigned d, unsigned s, bool pop)
{
	if (fpu_empty(f, d) || fpu_empty(f, s)) {
		if (fpu_underflow(f)) {
			fpu_set_st(f, d, x87_indefinite);
			if (pop)
				fpu_pop(f);
		}
		return;
	}
	struct x87_host h = { .a = *fpu_st(f, d), .b = *fpu_st(f, s) };
	uint16_t sw = fpu_run(f, op, &h);
	if (fpu_host_flags(f, sw, FPU_STOP_REG)) {
		fpu_set_st(f, d, h.r0);
		fpu_set_cc(f, FSW_C1, sw);
		if (pop)
			fpu_pop(f);
	}
}

/* ST(0) = ST(0) op memory operand. */
static void fpu_arith_mem(struct cpu_fpu *f, enum x87_host_op op, const uint8_t *buf, unsigned n)
{
	if (fpu_empty(f, 0)) {
		if (fpu_underflow(f))
			fpu_set_st(f, 0, x87_indefinite);
		return;
	}
	struct x87_host h = { .a = *fpu_st(f, 0) };
	memcpy(h.mem, buf, n);
	uint16_t sw = fpu_run(f, op, &h);
	if (fpu_host_flags(f, sw, FPU_STOP_REG)) {
		fpu_set_st(f, 0, h.r0);
		fpu_set_cc(f, FSW_C1, sw);
	}
}

/* Compares of ST(0) with ST(i) or a memory operand (mem non-NULL): the
 * condition codes (C0, C2, C3; C1 = 0) or, for FCOMI (eflags), ZF, PF,
 * CF; then `pops` pops. A masked stack underflow compares unordered. */
static void fpu_compare(struct soft_cpu *cpu, struct cpu_fpu *f, enum x87_host_op op, unsigned i,
			const uint8_t *mem, unsigned n, unsigned pops, bool eflags)
{
	unsigned cc;
	if (fpu_empty(f, 0) || (!mem && fpu_empty(f, i))) {
		if (!fpu_underflow(f)) {
			if (eflags)
				soft_cpu_set_flags(cpu, 0, FLAG_OF | FLAG_SF | FLAG_AF);
			return;
		}
		cc = FSW_C0 | FSW_C2 | FSW_C3;
	} else {
		struct x87_host h = { .a = *fpu_st(f, 0) };
		if (mem)
			memcpy(h.mem, mem, n);
		else
			h.b = *fpu_st(f, i);
		uint16_t sw = fpu_run(f, op, &h);
		if (!fpu_host_flags(f, sw, FPU_STOP_REG)) {
			if (eflags)   /* OF, SF, AF are cleared whatever happens */
				soft_cpu_set_flags(cpu, 0, FLAG_OF | FLAG_SF | FLAG_AF);
			return;
		}
		cc = sw & (FSW_C0 | FSW_C2 | FSW_C3);
	}
	if (eflags) {
		uint32_t fl = (cc & FSW_C3 ? FLAG_ZF : 0) | (cc & FSW_C2 ? FLAG_PF : 0) | (cc & FSW_C0 ? FLAG_CF : 0);
		soft_cpu_set_flags(cpu, fl, FLAGS_ARITH);
		fpu_set_cc(f, FSW_C1, 0);
	} else {
		fpu_set_cc(f, FSW_CC, cc);
	}
	while (pops--)
		fpu_pop(f);
}

/* Whether op reports an operand out of range (FSIN, FCOS, FSINCOS, FPTAN)
 * or an incomplete reduction (FPREM, FPREM1) in C2: cleared unless it
 * does; the other instructions leave C2 alone. */
static bool fpu_sets_c2(enum x87_host_op op)
{
	return op == X87_SIN || op == X87_COS || op == X87_SINCOS || op == X87_PTAN || op == X87_PREM ||
	       op == X87_PREM1;
}

/* A one-operand instruction on ST(0) (FSQRT, FSIN, F2XM1...): ST(0) =
 * the host's ST(0); C1 (and C2: out of range) from the host. */
static void fpu_unary(struct cpu_fpu *f, enum x87_host_op op)
{
	if (fpu_sets_c2(op))
		fpu_set_cc(f, FSW_C2, 0);
	if (fpu_empty(f, 0)) {
		if (fpu_underflow(f))
			fpu_set_st(f, 0, x87_indefinite);
		return;
	}
	struct x87_host h = { .a = *fpu_st(f, 0) };
	uint16_t sw = fpu_run(f, op, &h);
	if (fpu_host_flags(f, sw, FPU_STOP_REG)) {
		fpu_set_st(f, 0, h.r0);
		fpu_set_cc(f, fpu_sets_c2(op) ? FSW_C1 | FSW_C2 : FSW_C1, sw);
	}
}

/* FPTAN, FSINCOS, FXTRACT: ST(0) becomes the host's ST(1) and its ST(0) is
 * pushed; nothing happens when the operand is out of range (C2). */
static void fpu_unary_push(struct cpu_fpu *f, enum x87_host_op op)
{
	if (fpu_sets_c2(op))
		fpu_set_cc(f, FSW_C2, 0);
	if (fpu_empty(f, 0)) {
		if (fpu_underflow(f)) {
			fpu_set_st(f, 0, x87_indefinite);
			fpu_push(f, x87_indefinite);
		}
		return;
	}
	if (!fpu_empty(f, 7)) {
		if (fpu_overflow(f)) {
			fpu_set_st(f, 0, x87_indefinite);
			fpu_push(f, x87_indefinite);
		}
		return;
	}
	struct x87_host h = { .a = *fpu_st(f, 0) };
	uint16_t sw = fpu_run(f, op, &h);
	if (!fpu_host_flags(f, sw, FPU_STOP_REG))
		return;
	fpu_set_cc(f, fpu_sets_c2(op) ? FSW_C1 | FSW_C2 : FSW_C1, sw);
	if (fpu_sets_c2(op) && (sw & FSW_C2))
		return;
	fpu_set_st(f, 0, h.r1);
	fpu_push(f, h.r0);
}

/* Two operands, ST(0) and ST(1). FPREM, FPREM1, FSCALE: ST(0) = result
 * (FPREM's condition codes are all the host's); FPATAN, FYL2X, FYL2XP1:
 * ST(1) = result, pop. */
static void fpu_binary(struct cpu_fpu *f, enum x87_host_op op)
{
	bool to_st1 = op == X87_PATAN || op == X87_YL2X || op == X87_YL2XP1;
	unsigned d = to_st1 ? 1 : 0;
	if (fpu_sets_c2(op))
		fpu_set_cc(f, FSW_C2, 0);
	if (fpu_empty(f, 0) || fpu_empty(f, 1)) {
		if (fpu_underflow(f)) {
			fpu_set_st(f, d, x87_indefinite);
			if (to_st1)
				fpu_pop(f);
		}
		return;
	}
	struct x87_host h = { .a = *fpu_st(f, 0), .b = *fpu_st(f, 1) };
	uint16_t sw = fpu_run(f, op, &h);
	if (!fpu_host_flags(f, sw, FPU_STOP_REG))
		return;
	fpu_set_st(f, d, h.r0);
	if (op == X87_PREM || op == X87_PREM1)
		fpu_set_cc(f, FSW_CC, sw);
	else
		fpu_set_cc(f, FSW_C1, sw);
	if (to_st1)
		fpu_pop(f);
}

static void fpu_exchange(struct cpu_fpu *f, unsigned i)
{
	if (fpu_empty(f, 0) || fpu_empty(f, i)) {
		if (!fpu_underflow(f))
			return;
		if (fpu_empty(f, 0))
			fpu_set_st(f, 0, x87_indefinite);
		if (fpu_empty(f, i))
			fpu_set_st(f, i, x87_indefinite);
	} else {
		fpu_set_cc(f, FSW_C1, 0);
	}
	struct x87_reg t = *fpu_st(f, 0);
	*fpu_st(f, 0) = *fpu_st(f, i);
	*fpu_st(f, i) = t;
}

/* FST/FSTP ST(i). */
static void fpu_store_reg(struct cpu_fpu *f, unsigned i, bool pop)
{
	struct x87_reg v;
	if (fpu_empty(f, 0)) {
		if (!fpu_underflow(f))
			return;
		v = x87_indefinite;
	} else {
		v = *fpu_st(f, 0);
		fpu_set_cc(f, FSW_C1, 0);
	}
	fpu_set_st(f, i, v);
	if (pop)
		fpu_pop(f);
}

/* FCHS (sign = 1: flip) and FABS (sign = 0: clear). */
static void fpu_sign(struct cpu_fpu *f, bool flip)
{
	if (fpu_empty(f, 0)) {
		if (fpu_underflow(f))
			fpu_set_st(f, 0, x87_indefinite);
		return;
	}
	struct x87_reg *r = fpu_st(f, 0);
	r->sign_exp = flip ? r->sign_exp ^ 0x8000 : r->sign_exp & 0x7fff;
	fpu_set_cc(f, FSW_C1, 0);
}

static void fpu_examine(struct cpu_fpu *f)
{
	const struct x87_reg *r = fpu_st(f, 0);
	unsigned sign = r->sign_exp & 0x8000 ? FSW_C1 : 0;
	if (fpu_empty(f, 0)) {
		fpu_set_cc(f, FSW_CC, FSW_C3 | FSW_C0 | sign);
		return;
	}
	struct x87_host h = { .a = *r };
	fpu_set_cc(f, FSW_CC, fpu_run(f, X87_XAM, &h));
}

/* FCMOVcc: cc 0-3 is B, E, BE, U; negate for the DB forms. */
static void fpu_cmov(struct soft_cpu *cpu, struct cpu_fpu *f, unsigned cc, bool negate, unsigned i)
{
	uint32_t fl = soft_cpu_get_flags(cpu);
	static const uint32_t masks[4] = { FLAG_CF, FLAG_ZF, FLAG_CF | FLAG_ZF, FLAG_PF };
	bool take = (fl & masks[cc]) != 0;
	if (negate)
		take = !take;
	if (fpu_empty(f, 0) || fpu_empty(f, i)) {
		/* the masked response, whether the condition holds or not */
		if (fpu_underflow(f))
			fpu_set_st(f, 0, x87_indefinite);
		return;
	}
	if (take)
		fpu_set_st(f, 0, *fpu_st(f, i));
}

/* ---- control ---- */

void soft_x87_init(struct cpu_fpu *f)
{
	/* the data registers keep their contents (SDM vol. 3, table 9-1) */
	f->fcw = 0x037f;
	f->fsw = 0;
	f->empty = 0xff;
	f->fop = f->fcs = f->fds = 0;
	f->fip = f->fdp = 0;
}

/* The tag of one register (for the tag word): valid 0, zero 1, special 2
 * (NaN, infinity, denormal, unsupported), empty 3. */
static unsigned fpu_tag(const struct cpu_fpu *f, unsigned phys)
{
	const struct x87_reg *r = &f->r[phys];
	unsigned e = r->sign_exp & 0x7fff;
	if (f->empty >> phys & 1)
		return 3;
	if (e == 0x7fff)
		return 2;
	if (e == 0)
		return r->mant ? 2 : 1;
	return r->mant >> 63 ? 0 : 2;
}

static uint16_t fpu_tag_word(const struct cpu_fpu *f)
{
	unsigned tw = 0;
	for (unsigned p = 0; p < 8; p++)
		tw |= fpu_tag(f, p) << (2 * p);
	return (uint16_t)tw;
}

/* Whether the environment images use the protected-mode layout. */
static bool fpu_pm_format(const struct soft_cpu *cpu)
{
	return (cpu->s.cr0 & CR0_PE) && !(cpu->s.rflags & RFLAGS_VM);
}

/* FNSTENV's image (14 or 28 bytes; SDM vol. 1, figures 8-9 to 8-12). The
 * unused upper halves of the 32-bit formats read as ones. */
static unsigned fpu_env_store(const struct soft_cpu *cpu, bool op32, uint8_t *p)
{
	const struct cpu_fpu *f = &cpu->s.fpu;
	bool pm = fpu_pm_format(cpu);
	unsigned w = op32 ? 4 : 2;
	uint32_t hi = op32 ? 0xffff0000u : 0;
	put_le(p, hi | f->fcw, w);
	put_le(p + w, hi | f->fsw, w);
	put_le(p + 2 * w, hi | fpu_tag_word(f), w);
	if (pm) {
		put_le(p + 3 * w, f->fip, w);
		put_le(p + 4 * w, op32 ? (uint32_t)f->fcs | (uint32_t)f->fop << 16 : f->fcs, w);
		put_le(p + 5 * w, f->fdp, w);
		put_le(p + 6 * w, hi | f->fds, w);
	} else {
		/* Real and virtual-8086 mode: 20-bit linear addresses (32-bit
		 * ones in the 32-bit format), split at bit 16. */
		uint32_t ip = (uint32_t)f->fcs * 16 + f->fip, dp = (uint32_t)f->fds * 16 + f->fdp;
		put_le(p + 3 * w, hi | (ip & 0xffff), w);
		put_le(p + 4 * w, (ip >> 16) << 12 | f->fop, w);
		put_le(p + 5 * w, hi | (dp & 0xffff), w);
		put_le(p + 6 * w, (dp >> 16) << 12, w);
	}
	return 7 * w;
}

/* FLDENV: the inverse (tags: only "empty or not" is kept; the others are
 * recomputed from the registers when stored). */
static unsigned fpu_env_load(struct soft_cpu *cpu, bool op32, const uint8_t *p)
{
	struct cpu_fpu *f = &cpu->s.fpu;
	unsigned w = op32 ? 4 : 2;
	f->fcw = fpu_control_word(get_le(p, 2));
	f->fsw = (uint16_t)get_le(p + w, 2);
	unsigned tw = get_le(p + 2 * w, 2);
	f->empty = 0;
	for (unsigned r = 0; r < 8; r++)
		if ((tw >> (2 * r) & 3) == 3)
			f->empty |= (uint8_t)(1u << r);
	if (fpu_pm_format(cpu)) {
		f->fip = get_le(p + 3 * w, w);
		uint32_t cs_op = get_le(p + 4 * w, w);
		f->fcs = (uint16_t)cs_op;
		if (op32)
			f->fop = (uint16_t)(cs_op >> 16 & 0x7ff);
		f->fdp = get_le(p + 5 * w, w);
		f->fds = (uint16_t)get_le(p + 6 * w, 2);
	} else {
		uint32_t ip_hi = get_le(p + 4 * w, w), dp_hi = get_le(p + 6 * w, w);
		f->fcs = f->fds = 0;
		f->fip = get_le(p + 3 * w, 2) | (ip_hi >> 12) << 16;
		f->fop = (uint16_t)(ip_hi & 0x7ff);
		f->fdp = get_le(p + 5 * w, 2) | (dp_hi >> 12) << 16;
	}
	fpu_update_summary(f);
	return 7 * w;
}

/* #MF before a waiting instruction while an unmasked exception is
 * pending; with CR0.NE clear the PC/AT way instead: IRQ 13, and the
 * instruction goes on. */
static void fpu_check_pending(struct soft_cpu *cpu)
{
	if (!(cpu->s.fpu.fsw & FSW_ES))
		return;
	if (cpu->s.cr0 & CR0_NE)
		soft_raise(cpu, EXC_MF, false, 0);
	machine_set_irq(cpu->m, FERR_IRQ, 1);   /* hw/ferr.c */
}

void soft_x87_wait(struct soft_cpu *cpu)
{
	if ((cpu->s.cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP))
		soft_raise(cpu, EXC_NM, false, 0);
	fpu_check_pending(cpu);
}

/* ---- the instructions ---- */

static const enum x87_host_op ld_ops[8] = {
	[0] = X87_LD1, [1] = X87_LDL2T, [2] = X87_LDL2E, [3] = X87_LDPI,
	[4] = X87_LDLG2, [5] = X87_LDLN2, [6] = X87_LDZ,
};

/* D9 E0-FF. */
static void fpu_d9_misc(struct soft_cpu *cpu, struct cpu_fpu *f, unsigned modrm)
{
	switch (modrm) {
	case 0xe0: fpu_sign(f, true); break;
	case 0xe1: fpu_sign(f, false); break;
	case 0xe4: fpu_compare(cpu, f, X87_TST, 0, NULL, 0, 0, false); break;
	case 0xe5: fpu_examine(f); break;
	case 0xe8: case 0xe9: case 0xea: case 0xeb: case 0xec: case 0xed: case 0xee:
		fpu_load(f, ld_ops[modrm & 7], NULL, 0);   /* a constant: no operand */
		break;
	case 0xf0: fpu_unary(f, X87_F2XM1); break;
	case 0xf1: fpu_binary(f, X87_YL2X); break;
	case 0xf2: fpu_unary_push(f, X87_PTAN); break;
	case 0xf3: fpu_binary(f, X87_PATAN); break;
	case 0xf4: fpu_unary_push(f, X87_XTRACT); break;
	case 0xf5: fpu_binary(f, X87_PREM1); break;
	case 0xf6: fpu_set_top(f, fpu_top(f) - 1); fpu_set_cc(f, FSW_C1, 0); break;
	case 0xf7: fpu_set_top(f, fpu_top(f) + 1); fpu_set_cc(f, FSW_C1, 0); break;
	case 0xf8: fpu_binary(f, X87_PREM); break;
	case 0xf9: fpu_binary(f, X87_YL2XP1); break;
	case 0xfa: fpu_unary(f, X87_SQRT); break;
	case 0xfb: fpu_unary_push(f, X87_SINCOS); break;
	case 0xfc: fpu_unary(f, X87_RNDINT); break;
	case 0xfd: fpu_binary(f, X87_SCALE); break;
	case 0xfe: fpu_unary(f, X87_SIN); break;
	case 0xff: fpu_unary(f, X87_COS); break;
	default: break;   /* D9 D0 FNOP */
	}
}

/* Register forms: D8 ST(0) = ST(0) op ST(i); DC, DE ST(i) = ST(i) op
 * ST(0) (DE pops), with SUB/SUBR and DIV/DIVR swapped by the encoding. */
static void fpu_arith_reg(struct soft_cpu *cpu, struct cpu_fpu *f, const struct x87_insn *in)
{
	unsigned reg = in->reg, i = in->rm;
	if (reg == 2 || reg == 3) {   /* FCOM, FCOMP (DC D0-DF, DE D0-D7: aliases) */
		fpu_compare(cpu, f, X87_COM, i, NULL, 0, reg == 3 || in->esc == 6, false);
		return;
	}
	if (in->esc == 0) {
		fpu_arith(f, (enum x87_host_op)reg, 0, i, false);
		return;
	}
	static const enum x87_host_op to_sti[8] = {
		[0] = X87_ADD, [1] = X87_MUL, [4] = X87_SUBR, [5] = X87_SUB, [6] = X87_DIVR, [7] = X87_DIV,
	};
	fpu_arith(f, to_sti[reg], i, 0, in->esc == 6);
}

static void fpu_register_form(struct soft_cpu *cpu, struct cpu_fpu *f, const struct x87_insn *in)
{
	unsigned i = in->rm;
	switch (in->esc) {
	case 0: case 4: case 6:
		if (in->esc == 6 && in->modrm == 0xd9)   /* FCOMPP */
			fpu_compare(cpu, f, X87_COM, 1, NULL, 0, 2, false);
		else
			fpu_arith_reg(cpu, f, in);
		break;
	case 1:
		if (in->reg == 0) {                       /* FLD ST(i) */
			if (fpu_empty(f, i)) {
				/* underflow before overflow (SDM vol. 1, 8.7) */
				if (fpu_underflow(f))
					fpu_push(f, x87_indefinite);
			} else {
				fpu_push_reg(f, *fpu_st(f, i));
			}
		} else if (in->reg == 1) {
			fpu_exchange(f, i);               /* FXCH */
		} else if (in->reg == 3) {                /* FSTP1 (alias, not in the SDM) */
			/* as AMD CPUs do: an empty ST(0) is no fault, ST(i)
			 * is left alone and ST(0) popped */
			if (fpu_empty(f, 0)) {
				fpu_set_cc(f, FSW_C1, 0);
				fpu_pop(f);
			} else
				fpu_store_reg(f, i, true);
		} else {
			fpu_d9_misc(cpu, f, in->modrm);
		}
		break;
	case 2:
		if (in->modrm == 0xe9)                    /* FUCOMPP */
			fpu_compare(cpu, f, X87_UCOM, 1, NULL, 0, 2, false);
		else
			fpu_cmov(cpu, f, in->reg, false, i);
		break;
	case 3:
		if (in->reg < 4)
			fpu_cmov(cpu, f, in->reg, true, i);
		else if (in->reg == 5)                    /* FUCOMI */
			fpu_compare(cpu, f, X87_UCOM, i, NULL, 0, 0, true);
		else if (in->reg == 6)                    /* FCOMI */
			fpu_compare(cpu, f, X87_COM, i, NULL, 0, 0, true);
		break;
	case 5:
		switch (in->reg) {
		case 0: f->empty |= (uint8_t)(1u << fpu_phys(f, i)); break;   /* FFREE */
		case 1: fpu_exchange(f, i); break;                            /* FXCH4 */
		case 2: fpu_store_reg(f, i, false); break;                    /* FST */
		case 3: fpu_store_reg(f, i, true); break;                     /* FSTP */
		case 4: fpu_compare(cpu, f, X87_UCOM, i, NULL, 0, 0, false); break;   /* FUCOM */
		case 5: fpu_compare(cpu, f, X87_UCOM, i, NULL, 0, 1, false); break;   /* FUCOMP */
		default: break;
		}
		break;
	case 7:
		switch (in->reg) {
		case 0:                                   /* FFREEP */
			f->empty |= (uint8_t)(1u << fpu_phys(f, i));
			fpu_pop(f);
			break;
		case 1: fpu_exchange(f, i); break;        /* FXCH7 */
		case 2: case 3: fpu_store_reg(f, i, true); break;   /* FSTP8, FSTP9 */
		case 5: fpu_compare(cpu, f, X87_UCOM, i, NULL, 0, 1, true); break;   /* FUCOMIP */
		case 6: fpu_compare(cpu, f, X87_COM, i, NULL, 0, 1, true); break;    /* FCOMIP */
		default: break;
		}
		break;
	}
}

/* The arithmetic memory forms: D8 m32fp, DA m32int, DC m64fp, DE m16int. */
static void fpu_arith_memory(struct soft_cpu *cpu, struct cpu_fpu *f, const struct x87_insn *in)
{
	static const enum x87_host_op base[8] = {
		[0] = X87_ADD_M32FP, [2] = X87_ADD_M32INT, [4] = X87_ADD_M64FP, [6] = X87_ADD_M16INT,
	};
	static const unsigned size[8] = { [0] = 4, [2] = 4, [4] = 8, [6] = 2 };
	uint8_t buf[8];
	unsigned n = size[in->esc];
	fpu_read(cpu, in->lin, buf, n);
	enum x87_host_op op = (enum x87_host_op)(base[in->esc] + in->reg);
	if (in->reg == 2 || in->reg == 3)
		fpu_compare(cpu, f, op, 0, buf, n, in->reg == 3, false);
	else
		fpu_arith_mem(f, op, buf, n);
}

/* Loads and stores: D9 /0 /2 /3, DB, DD /0-/3, DF. */
static void fpu_load_store(struct soft_cpu *cpu, struct cpu_fpu *f, const struct x87_insn *in)
{
	struct form { enum x87_host_op op; unsigned size; bool pop; };
	/* by ModRM.reg: /0 load, /1 truncating store and pop, /2 store, /3
	 * store and pop */
	static const struct form forms[8][4] = {
		[1] = { { X87_LD_M32FP, 4, false }, { 0, 0, false }, { X87_ST_M32FP, 4, false }, { X87_ST_M32FP, 4, true } },
		[3] = { { X87_LD_M32INT, 4, false }, { X87_STT_M32INT, 4, true }, { X87_ST_M32INT, 4, false },
			{ X87_ST_M32INT, 4, true } },
		[5] = { { X87_LD_M64FP, 8, false }, { X87_STT_M64INT, 8, true }, { X87_ST_M64FP, 8, false },
			{ X87_ST_M64FP, 8, true } },
		[7] = { { X87_LD_M16INT, 2, false }, { X87_STT_M16INT, 2, true }, { X87_ST_M16INT, 2, false },
			{ X87_ST_M16INT, 2, true } },
	};
	uint8_t buf[16];
	if (in->reg < 4) {
		const struct form *fm = &forms[in->esc][in->reg];
		if (in->reg == 0) {
			fpu_read(cpu, in->lin, buf, fm->size);
			fpu_load(f, fm->op, buf, fm->size);
		} else {
			fpu_store(cpu, f, fm->op, in, fm->size, fm->pop);
		}
		return;
	}
	switch (in->esc << 3 | in->reg) {
	case 3 << 3 | 5:                                  /* FLD m80 */
		fpu_read(cpu, in->lin, buf, 10);
		fpu_push_reg(f, reg_from_bytes(buf));
		break;
	case 3 << 3 | 7: fpu_store_m80(cpu, f, in); break;                 /* FSTP m80 */
	case 7 << 3 | 4:                                                    /* FBLD */
		fpu_read(cpu, in->lin, buf, 10);
		fpu_load(f, X87_LD_BCD, buf, 10);
		break;
	case 7 << 3 | 5:                                                    /* FILD m64 */
		fpu_read(cpu, in->lin, buf, 8);
		fpu_load(f, X87_LD_M64INT, buf, 8);
		break;
	case 7 << 3 | 6: fpu_store(cpu, f, X87_ST_BCD, in, 10, true); break;    /* FBSTP */
	case 7 << 3 | 7: fpu_store(cpu, f, X87_ST_M64INT, in, 8, true); break;  /* FISTP m64 */
	default: break;
	}
}

/* The control instructions with a memory operand (D9 /4-/7, DD /4 /6
 * /7): no instruction or data pointer update. */
static void fpu_control_memory(struct soft_cpu *cpu, struct cpu_fpu *f, const struct x87_insn *in)
{
	uint8_t buf[108];
	unsigned env = in->op32 ? 28 : 14;
	switch (in->esc << 3 | in->reg) {
	case 1 << 3 | 4:                                  /* FLDENV */
		fpu_read(cpu, in->lin, buf, env);
		fpu_env_load(cpu, in->op32, buf);
		break;
	case 1 << 3 | 5:                                  /* FLDCW */
		fpu_read(cpu, in->lin, buf, 2);
		f->fcw = fpu_control_word(get_le(buf, 2));
		fpu_update_summary(f);
		break;
	case 1 << 3 | 6:                                  /* FNSTENV */
		mmu_probe_write(&cpu->mmu, in->lin, env);
		fpu_env_store(cpu, in->op32, buf);
		fpu_write(cpu, in->lin, buf, env);
		/* and then masks every exception */
		f->fcw |= FSW_EXCEPTIONS;
		fpu_update_summary(f);
		break;
	case 1 << 3 | 7:                                  /* FNSTCW */
	case 5 << 3 | 7:                                  /* FNSTSW */
		mmu_probe_write(&cpu->mmu, in->lin, 2);
		put_le(buf, in->esc == 1 ? f->fcw : f->fsw, 2);
		fpu_write(cpu, in->lin, buf, 2);
		break;
	case 5 << 3 | 4: {                                /* FRSTOR */
		fpu_read(cpu, in->lin, buf, env + 80);
		fpu_env_load(cpu, in->op32, buf);
		for (unsigned i = 0; i < 8; i++)
			*fpu_st(f, i) = reg_from_bytes(buf + env + 10 * i);
		break;
	}
	case 5 << 3 | 6:                                  /* FNSAVE */
		mmu_probe_write(&cpu->mmu, in->lin, env + 80);
		fpu_env_store(cpu, in->op32, buf);
		for (unsigned i = 0; i < 8; i++)
			reg_to_bytes(fpu_st(f, i), buf + env + 10 * i);
		fpu_write(cpu, in->lin, buf, env + 80);
		soft_x87_init(f);
		break;
	}
}

/* Which instructions are control instructions (no pointer update), and
 * which of those do not wait (no #MF check first). */
static bool fpu_is_control(const struct x87_insn *in)
{
	if (in->mem)
		return (in->esc == 1 && in->reg >= 4) || (in->esc == 5 && (in->reg == 4 || in->reg >= 6));
	return (in->esc == 3 && in->modrm >= 0xe0 && in->modrm <= 0xe7) || (in->esc == 7 && in->modrm == 0xe0);
}

static bool fpu_waits(const struct x87_insn *in)
{
	if (!fpu_is_control(in))
		return true;
	if (in->mem)   /* FLDENV, FLDCW, FRSTOR wait; FNSTENV, FNSTCW, FNSAVE, FNSTSW do not */
		return (in->esc == 1 && (in->reg == 4 || in->reg == 5)) || (in->esc == 5 && in->reg == 4);
	return false;
}

void soft_x87_execute(struct soft_cpu *cpu, uint32_t imm, uint32_t lin, uint32_t offset, uint32_t eip)
{
	struct cpu_fpu *f = &cpu->s.fpu;
	struct x87_insn in = {
		.esc = imm & 7, .modrm = imm >> 3 & 0xff, .op32 = imm >> 11 & 1, .seg = imm >> 12 & 7,
		.lin = lin, .offset = offset, .eip = eip,
	};
	in.reg = in.modrm >> 3 & 7;
	in.rm = in.modrm & 7;
	in.mem = in.modrm < 0xc0;

	if (cpu->s.cr0 & (CR0_EM | CR0_TS))
		soft_raise(cpu, EXC_NM, false, 0);
	if (fpu_waits(&in))
		fpu_check_pending(cpu);
	if (fpu_is_control(&in)) {
		if (in.mem) {
			fpu_control_memory(cpu, f, &in);
			return;
		}
		if (in.modrm == 0xe2)                      /* FNCLEX */
			f->fsw &= (uint16_t)~(FSW_EXCEPTIONS | FSW_SF | FSW_ES | FSW_B);
		else if (in.modrm == 0xe3)                 /* FNINIT */
			soft_x87_init(f);
		else if (in.esc == 7)                      /* FNSTSW AX */
			cpu->s.gpr[CPU_RAX] = (cpu->s.gpr[CPU_RAX] & ~0xffffull) | f->fsw;
		/* DB E0, E1, E4: FNENI, FNDISI, FNSETPM, no-ops since the 387 */
		return;
	}

	/* The pointers of the last non-control instruction. */
	f->fop = (uint16_t)(in.esc << 8 | in.modrm);
	f->fip = eip;
	f->fcs = cpu->s.seg[SEG_CS].selector;
	if (in.mem) {
		f->fdp = offset;
		f->fds = cpu->s.seg[in.seg].selector;
	}

	if (!in.mem)
		fpu_register_form(cpu, f, &in);
	else if (in.esc == 0 || in.esc == 2 || in.esc == 4 || in.esc == 6)
		fpu_arith_memory(cpu, f, &in);
	else
		fpu_load_store(cpu, f, &in);
}

unsigned soft_x87_operand_bytes(unsigned esc, unsigned modrm, unsigned opsize)
{
	static const uint8_t sizes[8][8] = {
		[0] = { 4, 4, 4, 4, 4, 4, 4, 4 },
		[1] = { 4, 0, 4, 4, 0 /* env */, 2, 0 /* env */, 2 },
		[2] = { 4, 4, 4, 4, 4, 4, 4, 4 },
		[3] = { 4, 4, 4, 4, 0, 10, 0, 10 },
		[4] = { 8, 8, 8, 8, 8, 8, 8, 8 },
		[5] = { 8, 8, 8, 8, 0 /* save */, 0, 0 /* save */, 2 },
		[6] = { 2, 2, 2, 2, 2, 2, 2, 2 },
		[7] = { 2, 2, 2, 2, 10, 8, 10, 8 },
	};
	if (modrm >= 0xc0)
		return 0;
	unsigned reg = modrm >> 3 & 7, env = opsize == 4 ? 28 : 14;
	if (esc == 1 && (reg == 4 || reg == 6))
		return env;
	if (esc == 5 && (reg == 4 || reg == 6))
		return env + 80;
	return sizes[esc & 7][reg];
}

bool soft_x87_stores(unsigned esc, unsigned modrm)
{
	if (modrm >= 0xc0)
		return false;
	unsigned reg = modrm >> 3 & 7;
	switch (esc & 7) {
	case 1: return reg == 2 || reg == 3 || reg == 6 || reg == 7;
	case 3: case 5: case 7: return (reg >= 1 && reg <= 3) || reg >= 6;
	default: return false;
	}
}
