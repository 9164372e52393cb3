/* SPDX-License-Identifier: GPL-3.0-or-later */
/* x87_host.h — x87 arithmetic done by the host's own x87 unit, under the
 * guest's control word.
 *
 * The soft engine keeps the x87 register stack, tags, pointers and
 * environment itself (cpu/soft_x87.c); every numeric step — rounding under
 * the guest's precision and rounding control, NaN propagation, denormals,
 * the exception flags, FPREM's quotient bits, the transcendental
 * instructions' exact results — is one instruction run on the host (an
 * x86-64 host has an x87). Each call is self-contained: it saves the host's
 * control word, FNINITs, loads the guest's control word, pushes the inputs
 * b then a (so a is ST(0) and b ST(1)), runs the instruction, reads the
 * status word with FNSTSW, FNCLEX (so an unmasked exception never traps on
 * the host), stores ST(0) and ST(1) to r0 and r1 under masked exceptions,
 * and FNINITs again before restoring the host's control word. Nothing stays
 * on the host's x87 stack, and no host code between the calls uses it. */
#ifndef MORPHEUS_CPU_X87_HOST_H
#define MORPHEUS_CPU_X87_HOST_H

#include <stdint.h>

#include "cpu/cpu_state.h"

/* The inputs and results of one host instruction. */
struct x87_host {
	uint16_t cw;              /* the guest's control word */
	struct x87_reg a, b;      /* ST(0) and ST(1) before the instruction */
	struct x87_reg r0, r1;    /* ST(0) and ST(1) after it */
	uint8_t mem[16];          /* the memory operand (m16 ... m80) */
};

/* The instructions, by what they do with ST(0) = a, ST(1) = b and mem.
 * The arithmetic ones come in the order of ModRM.reg of D8 (ADD MUL COM
 * COMP SUB SUBR DIV DIVR), the memory forms per operand type. */
enum x87_host_op {
	/* ST(0) = a op b (register forms; COM/COMP: only the status word) */
	X87_ADD, X87_MUL, X87_COM, X87_COMP, X87_SUB, X87_SUBR, X87_DIV, X87_DIVR,
	/* ST(0) = a op mem: m32fp, m64fp, m32int, m16int, 8 each */
	X87_ADD_M32FP = 8,
	X87_ADD_M64FP = 16,
	X87_ADD_M32INT = 24,
	X87_ADD_M16INT = 32,
	/* unordered compare of a with b */
	X87_UCOM = 40,
	/* push mem */
	X87_LD_M32FP, X87_LD_M64FP, X87_LD_M16INT, X87_LD_M32INT, X87_LD_M64INT, X87_LD_BCD,
	/* mem = a (no pop; the BCD and truncating stores do pop: r0 is then b) */
	X87_ST_M32FP, X87_ST_M64FP, X87_ST_M16INT, X87_ST_M32INT, X87_ST_M64INT, X87_ST_BCD,
	X87_STT_M16INT, X87_STT_M32INT, X87_STT_M64INT,
	/* push a constant (rounded under RC) */
	X87_LD1, X87_LDL2T, X87_LDL2E, X87_LDPI, X87_LDLG2, X87_LDLN2, X87_LDZ,
	/* on a (and b) */
	X87_TST, X87_XAM, X87_F2XM1, X87_YL2X, X87_PTAN, X87_PATAN, X87_XTRACT, X87_PREM1,
	X87_PREM, X87_YL2XP1, X87_SQRT, X87_SINCOS, X87_RNDINT, X87_SCALE, X87_SIN, X87_COS,
	X87_HOST_NR_OPS
};

/* Runs op on the host; returns the host's status word after it (the six
 * exception flags, C0-C3; TOP and ES mean nothing here). */
uint16_t x87_host_run(enum x87_host_op op, struct x87_host *h);

#endif
