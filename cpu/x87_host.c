/* SPDX-License-Identifier: GPL-3.0-or-later */
/* x87_host.c — one guest x87 instruction's arithmetic, run on the host's
 * x87 under the guest's control word (the frame is in cpu/x87_host.h).
 * Only x86 hosts: the soft engine's numeric results are the host CPU's. */
#include "cpu/x87_host.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "the soft engine's x87 runs on the host's x87: an x86 host is needed"
#endif

/* What is loaded for the two stores at the end: every exception masked,
 * so that storing an empty register cannot leave an exception pending. */
static const uint16_t masked_cw = 0x037f;

/* The frame around `insn`: inputs b then a pushed, the instruction, the
 * status word, both results. */
#define X87_RUN(insn)                                                                              \
	__asm__ volatile("fnstcw %[hcw]\n\t"                                                       \
			 "fninit\n\t"                                                              \
			 "fldcw %[cw]\n\t"                                                         \
			 "fldt %[b]\n\t"                                                           \
			 "fldt %[a]\n\t" insn "\n\t"                                               \
			 "fnstsw %[sw]\n\t"                                                        \
			 "fnclex\n\t"                                                              \
			 "fldcw %[mcw]\n\t"                                                        \
			 "fstpt %[r0]\n\t"                                                         \
			 "fstpt %[r1]\n\t"                                                         \
			 "fninit\n\t"                                                              \
			 "fldcw %[hcw]"                                                            \
			 : [sw] "=m"(sw), [hcw] "=m"(hcw), [r0] "=m"(h->r0), [r1] "=m"(h->r1),     \
			   [mem] "+m"(h->mem)                                                      \
			 : [cw] "m"(cw), [mcw] "m"(masked_cw), [a] "m"(h->a), [b] "m"(h->b)        \
			 : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)")

#define X87_CASE(op, insn)  \
	case op:            \
		X87_RUN(insn); \
		break;

/* The eight arithmetic operations on one kind of source: `pre` and
 * `suffix` spell the memory forms (fadds, fiaddl...). COMP compares
 * without popping: the caller pops. */
#define X87_ARITH_MEM(base, pre, suffix)                         \
	X87_CASE(base + 0, pre "add" suffix " %[mem]")           \
	X87_CASE(base + 1, pre "mul" suffix " %[mem]")           \
	X87_CASE(base + 2, pre "com" suffix " %[mem]")           \
	X87_CASE(base + 3, pre "com" suffix " %[mem]")           \
	X87_CASE(base + 4, pre "sub" suffix " %[mem]")           \
	X87_CASE(base + 5, pre "subr" suffix " %[mem]")          \
	X87_CASE(base + 6, pre "div" suffix " %[mem]")           \
	X87_CASE(base + 7, pre "divr" suffix " %[mem]")

uint16_t x87_host_run(enum x87_host_op op, struct x87_host *h)
{
	uint16_t sw = 0, hcw;
	/* The guest's precision and rounding control and exception masks;
	 * bit 6 reads as 1 on every x87, bits 7 and 13-15 are reserved. */
	uint16_t cw = (uint16_t)((h->cw & 0x1f3f) | 0x0040);

	switch ((unsigned)op) {
	/* ST(0) op ST(1): the AT&T forms with ST(0) as the destination, whose
	 * operand order is the Intel one (ST(0) = ST(0) - ST(1) for fsub). */
	X87_CASE(X87_ADD, "fadd %%st(1), %%st")
	X87_CASE(X87_MUL, "fmul %%st(1), %%st")
	X87_CASE(X87_COM, "fcom %%st(1)")
	X87_CASE(X87_COMP, "fcom %%st(1)")
	X87_CASE(X87_SUB, "fsub %%st(1), %%st")
	X87_CASE(X87_SUBR, "fsubr %%st(1), %%st")
	X87_CASE(X87_DIV, "fdiv %%st(1), %%st")
	X87_CASE(X87_DIVR, "fdivr %%st(1), %%st")
	X87_ARITH_MEM(X87_ADD_M32FP, "f", "s")
	X87_ARITH_MEM(X87_ADD_M64FP, "f", "l")
	X87_ARITH_MEM(X87_ADD_M32INT, "fi", "l")
	X87_ARITH_MEM(X87_ADD_M16INT, "fi", "s")
	X87_CASE(X87_UCOM, "fucom %%st(1)")
	X87_CASE(X87_LD_M32FP, "flds %[mem]")
	X87_CASE(X87_LD_M64FP, "fldl %[mem]")
	X87_CASE(X87_LD_M16INT, "filds %[mem]")
	X87_CASE(X87_LD_M32INT, "fildl %[mem]")
	X87_CASE(X87_LD_M64INT, "fildll %[mem]")
	X87_CASE(X87_LD_BCD, "fbld %[mem]")
	X87_CASE(X87_ST_M32FP, "fsts %[mem]")
	X87_CASE(X87_ST_M64FP, "fstl %[mem]")
	X87_CASE(X87_ST_M16INT, "fists %[mem]")
	X87_CASE(X87_ST_M32INT, "fistl %[mem]")
	X87_CASE(X87_ST_M64INT, "fistpll %[mem]")
	X87_CASE(X87_ST_BCD, "fbstp %[mem]")
	X87_CASE(X87_STT_M16INT, "fisttps %[mem]")
	X87_CASE(X87_STT_M32INT, "fisttpl %[mem]")
	X87_CASE(X87_STT_M64INT, "fisttpll %[mem]")
	X87_CASE(X87_LD1, "fld1")
	X87_CASE(X87_LDL2T, "fldl2t")
	X87_CASE(X87_LDL2E, "fldl2e")
	X87_CASE(X87_LDPI, "fldpi")
	X87_CASE(X87_LDLG2, "fldlg2")
	X87_CASE(X87_LDLN2, "fldln2")
	X87_CASE(X87_LDZ, "fldz")
	X87_CASE(X87_TST, "ftst")
	X87_CASE(X87_XAM, "fxam")
	X87_CASE(X87_F2XM1, "f2xm1")
	X87_CASE(X87_YL2X, "fyl2x")
	X87_CASE(X87_PTAN, "fptan")
	X87_CASE(X87_PATAN, "fpatan")
	X87_CASE(X87_XTRACT, "fxtract")
	X87_CASE(X87_PREM1, "fprem1")
	X87_CASE(X87_PREM, "fprem")
	X87_CASE(X87_YL2XP1, "fyl2xp1")
	X87_CASE(X87_SQRT, "fsqrt")
	X87_CASE(X87_SINCOS, "fsincos")
	X87_CASE(X87_RNDINT, "frndint")
	X87_CASE(X87_SCALE, "fscale")
	X87_CASE(X87_SIN, "fsin")
	X87_CASE(X87_COS, "fcos")
	default:
		break;
	}
	return sw;
}
