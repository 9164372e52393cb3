/* SPDX-License-Identifier: GPL-3.0-or-later */
/* decode.c — the table-driven x86 decoder for 16- and 32-bit code
 * (x86_decode(), see cpu/insn.h and docs/decoder.md).
 *
 * One table per opcode map (one-byte, 0F, 0F38, 0F3A) gives, for each
 * opcode byte, the operation, a few flags and up to three operand
 * specifiers; the specifiers say which bytes follow (ModRM, immediates) and
 * what the operands are. Opcodes whose meaning depends on ModRM.reg point at
 * a group table; the handful of opcodes whose meaning depends on the whole
 * ModRM byte or on a mandatory prefix (0F 01, 0F AE, 0F C7, 0F 71-73, x87)
 * are decoded by small functions. SIMD opcodes carry, per mandatory prefix
 * (none, 66, F3, F2), whether the encoding exists and whether it is
 * memory-only or register-only.
 *
 * It does not know 64-bit mode, VEX/EVEX/XOP, 3DNow!, or other vendors'
 * extensions (AMD SVM/SSE4a, VIA PadLock...): those raise #UD here, as on an
 * Intel P6-family CPU. It does not check anything that depends on CPU state
 * (CPL, CR0, CPUID features): the translator does. */
#include <stdbool.h>
#include <string.h>

#include "cpu/cpu_state.h"
#include "cpu/insn.h"

/* ---- operand specifiers ---------------------------------------------- */

/* What an operand is and which bytes encode it. Letters follow the SDM's
 * opcode-map notation: E = ModRM r/m, G = ModRM reg, I = immediate,
 * J = relative branch target, O = moffs, Z = register in the opcode's low
 * three bits; b/w/d = 1/2/4 bytes, v = operand size, z = immediate of
 * operand size (at most 4 bytes). */
enum spec {
	SP__ = 0,   /* no operand */
	SP_Eb, SP_Ew, SP_Ev, SP_Ed,
	SP_Esw,     /* memory: 16 bits; register: operand size (MOV Ev,Sw; SLDT; STR; SMSW) */
	SP_Gb, SP_Gw, SP_Gv, SP_Gd,
	SP_M,       /* memory, not accessed (LEA) */
	SP_Mb,      /* memory byte (INVLPG) */
	SP_Mp,      /* far pointer in memory: operand size + 2 */
	SP_Ma,      /* BOUND: two operand-size words */
	SP_Mq,      /* 8 bytes (CMPXCHG8B) */
	SP_Ms,      /* 6-byte descriptor-table pointer */
	SP_Ib,      /* imm8, zero-extended */
	SP_Ibs,     /* imm8, sign-extended to the operand size */
	SP_Iw,      /* imm16 */
	SP_Iz,      /* imm16/imm32 by operand size */
	SP_Ib2,     /* imm8 into insn.imm2 (ENTER's nesting level) */
	SP_Jb, SP_Jz,
	SP_Ap,      /* far pointer immediate: offset (operand size), selector */
	SP_Ob, SP_Ov,
	SP_AL, SP_eAX, SP_CL, SP_DX,
	SP_Zb, SP_Zv, SP_Zd,
	SP_Sw,      /* segment register in ModRM.reg */
	SP_ES, SP_CS, SP_SS, SP_DS, SP_FS, SP_GS,
	SP_1,
	SP_Cd, SP_Dd, SP_Rd,
};

/* ---- table entries ------------------------------------------------------ */

#define F_MODRM   0x0001u /* a ModRM byte follows the opcode */
#define F_LOCK    0x0002u /* LOCK allowed (with a memory destination) */
#define F_BYTE    0x0004u /* byte operation: insn.opsize = 1 */
#define F_MEM     0x0008u /* memory form only (register form is #UD) */
#define F_REG     0x0010u /* register form only */
#define F_GROUP   0x0020u /* `op` is a group: the entry is groups[op][ModRM.reg] */
#define F_SPECIAL 0x0040u /* `op` names a decoding function (enum special) */
#define F_SIMD    0x0080u /* validity per mandatory prefix in pfx/pfx_mem/pfx_reg */
#define F_IMM8    0x0100u /* an imm8 follows (SIMD/other forms without operand specs) */
#define F_COND    0x0200u /* insn.cond = low nibble of the opcode */
#define F_F8      0x0400u /* only ModRM byte F8 (XABORT, XBEGIN) */
#define F_ANYMOD  0x0800u /* ModRM.mod ignored, r/m is a register (MOV CR/DR) */

/* Mandatory prefixes, as bits of pfx/pfx_mem/pfx_reg. */
#define P_NP 1u  /* none */
#define P_66 2u
#define P_F3 4u
#define P_F2 8u
#define P_ALL (P_NP | P_66 | P_F3 | P_F2)

struct opcode {
	uint8_t op;        /* enum x86_op, or group / special number */
	uint16_t flags;    /* F_* */
	uint8_t spec[3];   /* enum spec, destination first */
	uint8_t pfx;       /* F_SIMD: mandatory prefixes with which the encoding exists */
	uint8_t pfx_mem;   /* F_SIMD: ... whose form is memory-only */
	uint8_t pfx_reg;   /* F_SIMD: ... whose form is register-only */
};

enum group {
	GRP_1_EB_IB, GRP_1_EV_IZ, GRP_1_EV_IBS, GRP_1A,
	GRP_2_EB_IB, GRP_2_EV_IB, GRP_2_EB_1, GRP_2_EV_1, GRP_2_EB_CL, GRP_2_EV_CL,
	GRP_3_EB, GRP_3_EV, GRP_4, GRP_5, GRP_11_EB, GRP_11_EV,
	GRP_6, GRP_8,
	NR_GROUPS
};

enum special { SPECIAL_0F01, SPECIAL_0FAE, SPECIAL_0FC7, SPECIAL_0F71_73, SPECIAL_X87 };

#define M F_MODRM
#define L F_LOCK
#define B F_BYTE
#define E(o, f, a, b, c) { X86_OP_##o, (f), { SP_##a, SP_##b, SP_##c }, 0, 0, 0 }
#define GROUP(g) { (g), F_MODRM | F_GROUP, { 0 }, 0, 0, 0 }
#define SPECIAL(s) { (s), F_MODRM | F_SPECIAL, { 0 }, 0, 0, 0 }
/* A ModRM encoding (SIMD or another operation) valid with prefixes `p`,
 * memory-only with `pm`, register-only with `pr`. */
#define S(o, p, pm, pr, f) { X86_OP_##o, F_MODRM | F_SIMD | (f), { 0 }, (p), (pm), (pr) }
#define SIMD(p) S(SIMD, p, 0, 0, 0)
#define SIMD_I(p) S(SIMD, p, 0, 0, F_IMM8)

#define ALU(base, o, lk) \
	[(base) + 0] = E(o, M | B | (lk), Eb, Gb, _), \
	[(base) + 1] = E(o, M | (lk), Ev, Gv, _), \
	[(base) + 2] = E(o, M | B, Gb, Eb, _), \
	[(base) + 3] = E(o, M, Gv, Ev, _), \
	[(base) + 4] = E(o, B, AL, Ib, _), \
	[(base) + 5] = E(o, 0, eAX, Iz, _)
/* GNU range designators: the same entry for 8 or 16 opcodes */
#define EIGHT(first, ...) [(first) ... (first) + 7] = __VA_ARGS__
#define SIXTEEN(first, ...) [(first) ... (first) + 15] = __VA_ARGS__

/* The one-byte map. Prefix bytes and 0F never reach it. */
static const struct opcode map_onebyte[256] = {
	ALU(0x00, ADD, L), ALU(0x08, OR, L), ALU(0x10, ADC, L), ALU(0x18, SBB, L),
	ALU(0x20, AND, L), ALU(0x28, SUB, L), ALU(0x30, XOR, L), ALU(0x38, CMP, 0),
	[0x06] = E(PUSH, 0, ES, _, _), [0x07] = E(POP, 0, ES, _, _),
	[0x0E] = E(PUSH, 0, CS, _, _),
	[0x16] = E(PUSH, 0, SS, _, _), [0x17] = E(POP, 0, SS, _, _),
	[0x1E] = E(PUSH, 0, DS, _, _), [0x1F] = E(POP, 0, DS, _, _),
	[0x27] = E(DAA, 0, _, _, _), [0x2F] = E(DAS, 0, _, _, _),
	[0x37] = E(AAA, 0, _, _, _), [0x3F] = E(AAS, 0, _, _, _),
	EIGHT(0x40, E(INC, 0, Zv, _, _)), EIGHT(0x48, E(DEC, 0, Zv, _, _)),
	EIGHT(0x50, E(PUSH, 0, Zv, _, _)), EIGHT(0x58, E(POP, 0, Zv, _, _)),
	[0x60] = E(PUSHA, 0, _, _, _), [0x61] = E(POPA, 0, _, _, _),
	[0x62] = E(BOUND, M | F_MEM, Gv, Ma, _), [0x63] = E(ARPL, M, Ew, Gw, _),
	[0x68] = E(PUSH, 0, Iz, _, _), [0x69] = E(IMUL, M, Gv, Ev, Iz),
	[0x6A] = E(PUSH, 0, Ibs, _, _), [0x6B] = E(IMUL, M, Gv, Ev, Ibs),
	[0x6C] = E(INS, B, _, _, _), [0x6D] = E(INS, 0, _, _, _),
	[0x6E] = E(OUTS, B, _, _, _), [0x6F] = E(OUTS, 0, _, _, _),
	SIXTEEN(0x70, E(JCC, F_COND, Jb, _, _)),
	[0x80] = GROUP(GRP_1_EB_IB), [0x81] = GROUP(GRP_1_EV_IZ),
	[0x82] = GROUP(GRP_1_EB_IB), [0x83] = GROUP(GRP_1_EV_IBS),
	[0x84] = E(TEST, M | B, Eb, Gb, _), [0x85] = E(TEST, M, Ev, Gv, _),
	[0x86] = E(XCHG, M | B | L, Eb, Gb, _), [0x87] = E(XCHG, M | L, Ev, Gv, _),
	[0x88] = E(MOV, M | B, Eb, Gb, _), [0x89] = E(MOV, M, Ev, Gv, _),
	[0x8A] = E(MOV, M | B, Gb, Eb, _), [0x8B] = E(MOV, M, Gv, Ev, _),
	[0x8C] = E(MOV, M, Esw, Sw, _), [0x8D] = E(LEA, M | F_MEM, Gv, M, _),
	[0x8E] = E(MOV, M, Sw, Ew, _), [0x8F] = GROUP(GRP_1A),
	[0x90] = E(NOP, 0, _, _, _),
	[0x91] = E(XCHG, 0, Zv, eAX, _), [0x92] = E(XCHG, 0, Zv, eAX, _),
	[0x93] = E(XCHG, 0, Zv, eAX, _), [0x94] = E(XCHG, 0, Zv, eAX, _),
	[0x95] = E(XCHG, 0, Zv, eAX, _), [0x96] = E(XCHG, 0, Zv, eAX, _),
	[0x97] = E(XCHG, 0, Zv, eAX, _),
	[0x98] = E(CBW, 0, _, _, _), [0x99] = E(CWD, 0, _, _, _),
	[0x9A] = E(CALLF, 0, Ap, _, _), [0x9B] = E(WAIT, 0, _, _, _),
	[0x9C] = E(PUSHF, 0, _, _, _), [0x9D] = E(POPF, 0, _, _, _),
	[0x9E] = E(SAHF, 0, _, _, _), [0x9F] = E(LAHF, 0, _, _, _),
	[0xA0] = E(MOV, B, AL, Ob, _), [0xA1] = E(MOV, 0, eAX, Ov, _),
	[0xA2] = E(MOV, B, Ob, AL, _), [0xA3] = E(MOV, 0, Ov, eAX, _),
	[0xA4] = E(MOVS, B, _, _, _), [0xA5] = E(MOVS, 0, _, _, _),
	[0xA6] = E(CMPS, B, _, _, _), [0xA7] = E(CMPS, 0, _, _, _),
	[0xA8] = E(TEST, B, AL, Ib, _), [0xA9] = E(TEST, 0, eAX, Iz, _),
	[0xAA] = E(STOS, B, _, _, _), [0xAB] = E(STOS, 0, _, _, _),
	[0xAC] = E(LODS, B, _, _, _), [0xAD] = E(LODS, 0, _, _, _),
	[0xAE] = E(SCAS, B, _, _, _), [0xAF] = E(SCAS, 0, _, _, _),
	EIGHT(0xB0, E(MOV, B, Zb, Ib, _)), EIGHT(0xB8, E(MOV, 0, Zv, Iz, _)),
	[0xC0] = GROUP(GRP_2_EB_IB), [0xC1] = GROUP(GRP_2_EV_IB),
	[0xC2] = E(RET, 0, Iw, _, _), [0xC3] = E(RET, 0, _, _, _),
	[0xC4] = E(LES, M | F_MEM, Gv, Mp, _), [0xC5] = E(LDS, M | F_MEM, Gv, Mp, _),
	[0xC6] = GROUP(GRP_11_EB), [0xC7] = GROUP(GRP_11_EV),
	[0xC8] = E(ENTER, 0, Iw, Ib2, _), [0xC9] = E(LEAVE, 0, _, _, _),
	[0xCA] = E(RETF, 0, Iw, _, _), [0xCB] = E(RETF, 0, _, _, _),
	[0xCC] = E(INT3, 0, _, _, _), [0xCD] = E(INT, 0, Ib, _, _),
	[0xCE] = E(INTO, 0, _, _, _), [0xCF] = E(IRET, 0, _, _, _),
	[0xD0] = GROUP(GRP_2_EB_1), [0xD1] = GROUP(GRP_2_EV_1),
	[0xD2] = GROUP(GRP_2_EB_CL), [0xD3] = GROUP(GRP_2_EV_CL),
	[0xD4] = E(AAM, 0, Ib, _, _), [0xD5] = E(AAD, 0, Ib, _, _),
	[0xD6] = E(SALC, 0, _, _, _), [0xD7] = E(XLAT, B, _, _, _),
	EIGHT(0xD8, SPECIAL(SPECIAL_X87)),
	[0xE0] = E(LOOPNE, 0, Jb, _, _), [0xE1] = E(LOOPE, 0, Jb, _, _),
	[0xE2] = E(LOOP, 0, Jb, _, _), [0xE3] = E(JCXZ, 0, Jb, _, _),
	[0xE4] = E(IN, B, AL, Ib, _), [0xE5] = E(IN, 0, eAX, Ib, _),
	[0xE6] = E(OUT, B, Ib, AL, _), [0xE7] = E(OUT, 0, Ib, eAX, _),
	[0xE8] = E(CALL, 0, Jz, _, _), [0xE9] = E(JMP, 0, Jz, _, _),
	[0xEA] = E(JMPF, 0, Ap, _, _), [0xEB] = E(JMP, 0, Jb, _, _),
	[0xEC] = E(IN, B, AL, DX, _), [0xED] = E(IN, 0, eAX, DX, _),
	[0xEE] = E(OUT, B, DX, AL, _), [0xEF] = E(OUT, 0, DX, eAX, _),
	[0xF1] = E(INT1, 0, _, _, _), [0xF4] = E(HLT, 0, _, _, _),
	[0xF5] = E(CMC, 0, _, _, _),
	[0xF6] = GROUP(GRP_3_EB), [0xF7] = GROUP(GRP_3_EV),
	[0xF8] = E(CLC, 0, _, _, _), [0xF9] = E(STC, 0, _, _, _),
	[0xFA] = E(CLI, 0, _, _, _), [0xFB] = E(STI, 0, _, _, _),
	[0xFC] = E(CLD, 0, _, _, _), [0xFD] = E(STD, 0, _, _, _),
	[0xFE] = GROUP(GRP_4), [0xFF] = GROUP(GRP_5),
};

/* The 0F map. */
static const struct opcode map_0f[256] = {
	[0x00] = GROUP(GRP_6), [0x01] = SPECIAL(SPECIAL_0F01),
	[0x02] = E(LAR, M, Gv, Ew, _), [0x03] = E(LSL, M, Gv, Ew, _),
	[0x06] = E(CLTS, 0, _, _, _), [0x08] = E(INVD, 0, _, _, _),
	[0x09] = E(WBINVD, 0, _, _, _), [0x0B] = E(UD, 0, _, _, _),
	[0x0D] = E(OTHER, M | F_MEM, _, _, _),            /* PREFETCHW and hint NOPs */
	[0x10] = SIMD(P_ALL), [0x11] = SIMD(P_ALL),
	[0x12] = S(SIMD, P_ALL, P_66, 0, 0),
	[0x13] = S(SIMD, P_NP | P_66, P_NP | P_66, 0, 0),
	[0x14] = SIMD(P_NP | P_66), [0x15] = SIMD(P_NP | P_66),
	[0x16] = S(SIMD, P_NP | P_66 | P_F3, P_66, 0, 0),
	[0x17] = S(SIMD, P_NP | P_66, P_NP | P_66, 0, 0),
	EIGHT(0x18, E(NOP, M, _, _, _)),                   /* prefetch/hint NOPs, NOP Ev */
	[0x20] = E(MOV_CR, M | F_ANYMOD, Rd, Cd, _), [0x21] = E(MOV_DR, M | F_ANYMOD, Rd, Dd, _),
	[0x22] = E(MOV_CR, M | F_ANYMOD, Cd, Rd, _), [0x23] = E(MOV_DR, M | F_ANYMOD, Dd, Rd, _),
	[0x28] = SIMD(P_NP | P_66), [0x29] = SIMD(P_NP | P_66),
	[0x2A] = SIMD(P_ALL),
	[0x2B] = S(SIMD, P_NP | P_66, P_NP | P_66, 0, 0),
	[0x2C] = SIMD(P_ALL), [0x2D] = SIMD(P_ALL),
	[0x2E] = SIMD(P_NP | P_66), [0x2F] = SIMD(P_NP | P_66),
	[0x30] = E(WRMSR, 0, _, _, _), [0x31] = E(RDTSC, 0, _, _, _),
	[0x32] = E(RDMSR, 0, _, _, _), [0x33] = E(RDPMC, 0, _, _, _),
	[0x34] = E(SYSENTER, 0, _, _, _), [0x35] = E(SYSEXIT, 0, _, _, _),
	[0x37] = E(OTHER, 0, _, _, _),                     /* GETSEC */
	SIXTEEN(0x40, E(CMOV, M | F_COND, Gv, Ev, _)),
	[0x50] = S(SIMD, P_NP | P_66, 0, P_NP | P_66, 0),
	[0x51] = SIMD(P_ALL),
	[0x52] = SIMD(P_NP | P_F3), [0x53] = SIMD(P_NP | P_F3),
	[0x54] = SIMD(P_NP | P_66), [0x55] = SIMD(P_NP | P_66),
	[0x56] = SIMD(P_NP | P_66), [0x57] = SIMD(P_NP | P_66),
	[0x58] = SIMD(P_ALL), [0x59] = SIMD(P_ALL), [0x5A] = SIMD(P_ALL),
	[0x5B] = SIMD(P_NP | P_66 | P_F3),
	[0x5C] = SIMD(P_ALL), [0x5D] = SIMD(P_ALL), [0x5E] = SIMD(P_ALL), [0x5F] = SIMD(P_ALL),
	EIGHT(0x60, SIMD(P_NP | P_66)),
	[0x68] = SIMD(P_NP | P_66), [0x69] = SIMD(P_NP | P_66),
	[0x6A] = SIMD(P_NP | P_66), [0x6B] = SIMD(P_NP | P_66),
	[0x6C] = SIMD(P_66), [0x6D] = SIMD(P_66),
	[0x6E] = SIMD(P_NP | P_66), [0x6F] = SIMD(P_NP | P_66 | P_F3),
	[0x70] = SIMD_I(P_ALL),
	[0x71] = SPECIAL(SPECIAL_0F71_73), [0x72] = SPECIAL(SPECIAL_0F71_73),
	[0x73] = SPECIAL(SPECIAL_0F71_73),
	[0x74] = SIMD(P_NP | P_66), [0x75] = SIMD(P_NP | P_66), [0x76] = SIMD(P_NP | P_66),
	[0x77] = { X86_OP_SIMD, F_SIMD, { 0 }, P_NP, 0, 0 },  /* EMMS: no ModRM */
	[0x78] = S(OTHER, P_NP, 0, 0, 0), [0x79] = S(OTHER, P_NP, 0, 0, 0), /* VMREAD, VMWRITE */
	[0x7C] = SIMD(P_66 | P_F2), [0x7D] = SIMD(P_66 | P_F2),
	[0x7E] = SIMD(P_NP | P_66 | P_F3), [0x7F] = SIMD(P_NP | P_66 | P_F3),
	SIXTEEN(0x80, E(JCC, F_COND, Jz, _, _)),
	SIXTEEN(0x90, E(SETCC, M | B | F_COND, Eb, _, _)),
	[0xA0] = E(PUSH, 0, FS, _, _), [0xA1] = E(POP, 0, FS, _, _),
	[0xA2] = E(CPUID, 0, _, _, _), [0xA3] = E(BT, M, Ev, Gv, _),
	[0xA4] = E(SHLD, M, Ev, Gv, Ib), [0xA5] = E(SHLD, M, Ev, Gv, CL),
	[0xA8] = E(PUSH, 0, GS, _, _), [0xA9] = E(POP, 0, GS, _, _),
	[0xAA] = E(RSM, 0, _, _, _), [0xAB] = E(BTS, M | L, Ev, Gv, _),
	[0xAC] = E(SHRD, M, Ev, Gv, Ib), [0xAD] = E(SHRD, M, Ev, Gv, CL),
	[0xAE] = SPECIAL(SPECIAL_0FAE), [0xAF] = E(IMUL, M, Gv, Ev, _),
	[0xB0] = E(CMPXCHG, M | B | L, Eb, Gb, _), [0xB1] = E(CMPXCHG, M | L, Ev, Gv, _),
	[0xB2] = E(LSS, M | F_MEM, Gv, Mp, _), [0xB3] = E(BTR, M | L, Ev, Gv, _),
	[0xB4] = E(LFS, M | F_MEM, Gv, Mp, _), [0xB5] = E(LGS, M | F_MEM, Gv, Mp, _),
	[0xB6] = E(MOVZX, M, Gv, Eb, _), [0xB7] = E(MOVZX, M, Gv, Ew, _),
	[0xB8] = S(OTHER, P_F3, 0, 0, 0),                  /* POPCNT */
	[0xB9] = E(UD, M, Gv, Ev, _),                      /* UD1 */
	[0xBA] = GROUP(GRP_8), [0xBB] = E(BTC, M | L, Ev, Gv, _),
	/* F3 0F BC/BD (TZCNT/LZCNT on newer CPUs) decode as BSF/BSR, as on a P6 */
	[0xBC] = E(BSF, M, Gv, Ev, _), [0xBD] = E(BSR, M, Gv, Ev, _),
	[0xBE] = E(MOVSX, M, Gv, Eb, _), [0xBF] = E(MOVSX, M, Gv, Ew, _),
	[0xC0] = E(XADD, M | B | L, Eb, Gb, _), [0xC1] = E(XADD, M | L, Ev, Gv, _),
	[0xC2] = SIMD_I(P_ALL),
	[0xC3] = S(SIMD, P_NP, P_NP, 0, 0),                /* MOVNTI */
	[0xC4] = SIMD_I(P_NP | P_66),
	[0xC5] = S(SIMD, P_NP | P_66, 0, P_NP | P_66, F_IMM8),
	[0xC6] = SIMD_I(P_NP | P_66),
	[0xC7] = SPECIAL(SPECIAL_0FC7),
	EIGHT(0xC8, E(BSWAP, 0, Zd, _, _)),
	[0xD0] = SIMD(P_66 | P_F2),
	[0xD1] = SIMD(P_NP | P_66), [0xD2] = SIMD(P_NP | P_66), [0xD3] = SIMD(P_NP | P_66),
	[0xD4] = SIMD(P_NP | P_66), [0xD5] = SIMD(P_NP | P_66),
	[0xD6] = S(SIMD, P_66 | P_F3 | P_F2, 0, P_F3 | P_F2, 0),
	[0xD7] = S(SIMD, P_NP | P_66, 0, P_NP | P_66, 0),
	EIGHT(0xD8, SIMD(P_NP | P_66)),
	[0xE0] = SIMD(P_NP | P_66), [0xE1] = SIMD(P_NP | P_66), [0xE2] = SIMD(P_NP | P_66),
	[0xE3] = SIMD(P_NP | P_66), [0xE4] = SIMD(P_NP | P_66), [0xE5] = SIMD(P_NP | P_66),
	[0xE6] = SIMD(P_66 | P_F3 | P_F2),
	[0xE7] = S(SIMD, P_NP | P_66, P_NP | P_66, 0, 0),
	EIGHT(0xE8, SIMD(P_NP | P_66)),
	[0xF0] = S(SIMD, P_F2, P_F2, 0, 0),                /* LDDQU */
	[0xF1] = SIMD(P_NP | P_66), [0xF2] = SIMD(P_NP | P_66), [0xF3] = SIMD(P_NP | P_66),
	[0xF4] = SIMD(P_NP | P_66), [0xF5] = SIMD(P_NP | P_66), [0xF6] = SIMD(P_NP | P_66),
	[0xF7] = S(SIMD, P_NP | P_66, 0, P_NP | P_66, 0),
	[0xF8] = SIMD(P_NP | P_66), [0xF9] = SIMD(P_NP | P_66), [0xFA] = SIMD(P_NP | P_66),
	[0xFB] = SIMD(P_NP | P_66), [0xFC] = SIMD(P_NP | P_66), [0xFD] = SIMD(P_NP | P_66),
	[0xFE] = SIMD(P_NP | P_66),
	[0xFF] = E(UD, M, Gv, Ev, _),                      /* UD0 */
};

/* The 0F 38 map: SSSE3, SSE4, AES, SHA, GFNI and a few integer
 * instructions (MOVBE, CRC32, ADCX/ADOX, INVEPT...). */
static const struct opcode map_0f38[256] = {
	EIGHT(0x00, SIMD(P_NP | P_66)),
	[0x08] = SIMD(P_NP | P_66), [0x09] = SIMD(P_NP | P_66),
	[0x0A] = SIMD(P_NP | P_66), [0x0B] = SIMD(P_NP | P_66),
	[0x10] = SIMD(P_66), [0x14] = SIMD(P_66), [0x15] = SIMD(P_66), [0x17] = SIMD(P_66),
	[0x1C] = SIMD(P_NP | P_66), [0x1D] = SIMD(P_NP | P_66), [0x1E] = SIMD(P_NP | P_66),
	[0x20] = SIMD(P_66), [0x21] = SIMD(P_66), [0x22] = SIMD(P_66),
	[0x23] = SIMD(P_66), [0x24] = SIMD(P_66), [0x25] = SIMD(P_66),
	[0x28] = SIMD(P_66), [0x29] = SIMD(P_66),
	[0x2A] = S(SIMD, P_66, P_66, 0, 0), [0x2B] = SIMD(P_66),
	[0x30] = SIMD(P_66), [0x31] = SIMD(P_66), [0x32] = SIMD(P_66),
	[0x33] = SIMD(P_66), [0x34] = SIMD(P_66), [0x35] = SIMD(P_66),
	[0x37] = SIMD(P_66),
	EIGHT(0x38, SIMD(P_66)),
	[0x40] = SIMD(P_66), [0x41] = SIMD(P_66),
	[0x80] = S(OTHER, P_66, P_66, 0, 0),               /* INVEPT */
	[0x81] = S(OTHER, P_66, P_66, 0, 0),               /* INVVPID */
	[0x82] = S(OTHER, P_66, P_66, 0, 0),               /* INVPCID */
	[0xC8] = SIMD(P_NP), [0xC9] = SIMD(P_NP), [0xCA] = SIMD(P_NP),
	[0xCB] = SIMD(P_NP), [0xCC] = SIMD(P_NP), [0xCD] = SIMD(P_NP),
	[0xCF] = SIMD(P_66),
	[0xD8] = S(SIMD, P_F3, P_F3, 0, 0),                /* AESENCWIDE128KL... */
	[0xDB] = SIMD(P_66),
	[0xDC] = SIMD(P_66 | P_F3), [0xDD] = S(SIMD, P_66 | P_F3, P_F3, 0, 0),
	[0xDE] = S(SIMD, P_66 | P_F3, P_F3, 0, 0), [0xDF] = S(SIMD, P_66 | P_F3, P_F3, 0, 0),
	[0xF0] = S(OTHER, P_NP | P_66 | P_F2, P_NP | P_66, 0, 0), /* MOVBE, CRC32 */
	[0xF1] = S(OTHER, P_NP | P_66 | P_F2, P_NP | P_66, 0, 0),
	[0xF5] = S(OTHER, P_66, P_66, 0, 0),               /* WRUSS */
	[0xF6] = S(OTHER, P_NP | P_66 | P_F3, P_NP, 0, 0), /* WRSS, ADCX, ADOX */
	[0xF8] = S(OTHER, P_66 | P_F3 | P_F2, P_66 | P_F3 | P_F2, 0, 0), /* MOVDIR64B, ENQCMD(S) */
	[0xF9] = S(OTHER, P_NP, P_NP, 0, 0),               /* MOVDIRI */
	[0xFA] = S(OTHER, P_F3, 0, P_F3, 0),               /* ENCODEKEY128 */
	[0xFB] = S(OTHER, P_F3, 0, P_F3, 0),               /* ENCODEKEY256 */
	[0xFC] = S(OTHER, P_ALL, P_ALL, 0, 0),             /* AADD AAND AOR AXOR */
};

/* The 0F 3A map: every entry has an imm8. */
static const struct opcode map_0f3a[256] = {
	[0x08] = SIMD_I(P_66), [0x09] = SIMD_I(P_66), [0x0A] = SIMD_I(P_66),
	[0x0B] = SIMD_I(P_66), [0x0C] = SIMD_I(P_66), [0x0D] = SIMD_I(P_66),
	[0x0E] = SIMD_I(P_66), [0x0F] = SIMD_I(P_NP | P_66),
	[0x14] = SIMD_I(P_66), [0x15] = SIMD_I(P_66), [0x16] = SIMD_I(P_66), [0x17] = SIMD_I(P_66),
	[0x20] = SIMD_I(P_66), [0x21] = SIMD_I(P_66), [0x22] = SIMD_I(P_66),
	[0x40] = SIMD_I(P_66), [0x41] = SIMD_I(P_66), [0x42] = SIMD_I(P_66),
	[0x44] = SIMD_I(P_66),
	[0x60] = SIMD_I(P_66), [0x61] = SIMD_I(P_66), [0x62] = SIMD_I(P_66), [0x63] = SIMD_I(P_66),
	[0xCC] = SIMD_I(P_NP), [0xCE] = SIMD_I(P_66), [0xCF] = SIMD_I(P_66),
	[0xDF] = SIMD_I(P_66),
	[0xF0] = S(OTHER, P_F3, 0, P_F3, F_IMM8),          /* HRESET */
};

#define SHIFTS(f, a, b) { \
	E(ROL, M | (f), a, b, _), E(ROR, M | (f), a, b, _), \
	E(RCL, M | (f), a, b, _), E(RCR, M | (f), a, b, _), \
	E(SHL, M | (f), a, b, _), E(SHR, M | (f), a, b, _), \
	E(SHL, M | (f), a, b, _), /* /6: SAL, an alias of SHL */ \
	E(SAR, M | (f), a, b, _) }
#define ALUGRP(f, a, b) { \
	E(ADD, M | L | (f), a, b, _), E(OR, M | L | (f), a, b, _), \
	E(ADC, M | L | (f), a, b, _), E(SBB, M | L | (f), a, b, _), \
	E(AND, M | L | (f), a, b, _), E(SUB, M | L | (f), a, b, _), \
	E(XOR, M | L | (f), a, b, _), E(CMP, M | (f), a, b, _) }

/* Groups, indexed by ModRM.reg. INVALID entries are #UD. */
static const struct opcode groups[NR_GROUPS][8] = {
	[GRP_1_EB_IB] = ALUGRP(B, Eb, Ib),
	[GRP_1_EV_IZ] = ALUGRP(0, Ev, Iz),
	[GRP_1_EV_IBS] = ALUGRP(0, Ev, Ibs),
	[GRP_1A] = { E(POP, M, Ev, _, _) },
	[GRP_2_EB_IB] = SHIFTS(B, Eb, Ib),
	[GRP_2_EV_IB] = SHIFTS(0, Ev, Ib),
	[GRP_2_EB_1] = SHIFTS(B, Eb, 1),
	[GRP_2_EV_1] = SHIFTS(0, Ev, 1),
	[GRP_2_EB_CL] = SHIFTS(B, Eb, CL),
	[GRP_2_EV_CL] = SHIFTS(0, Ev, CL),
	[GRP_3_EB] = {
		E(TEST, M | B, Eb, Ib, _), E(TEST, M | B, Eb, Ib, _), /* /1: alias of /0 */
		E(NOT, M | B | L, Eb, _, _), E(NEG, M | B | L, Eb, _, _),
		E(MUL, M | B, Eb, _, _), E(IMUL, M | B, Eb, _, _),
		E(DIV, M | B, Eb, _, _), E(IDIV, M | B, Eb, _, _) },
	[GRP_3_EV] = {
		E(TEST, M, Ev, Iz, _), E(TEST, M, Ev, Iz, _),
		E(NOT, M | L, Ev, _, _), E(NEG, M | L, Ev, _, _),
		E(MUL, M, Ev, _, _), E(IMUL, M, Ev, _, _),
		E(DIV, M, Ev, _, _), E(IDIV, M, Ev, _, _) },
	[GRP_4] = { E(INC, M | B | L, Eb, _, _), E(DEC, M | B | L, Eb, _, _) },
	[GRP_5] = {
		E(INC, M | L, Ev, _, _), E(DEC, M | L, Ev, _, _),
		E(CALL, M, Ev, _, _), E(CALLF, M | F_MEM, Mp, _, _),
		E(JMP, M, Ev, _, _), E(JMPF, M | F_MEM, Mp, _, _),
		E(PUSH, M, Ev, _, _) },
	[GRP_11_EB] = { [0] = E(MOV, M | B, Eb, Ib, _),
		[7] = E(OTHER, M | F_F8, Ib, _, _) },          /* XABORT */
	[GRP_11_EV] = { [0] = E(MOV, M, Ev, Iz, _),
		[7] = E(OTHER, M | F_F8, Jz, _, _) },          /* XBEGIN */
	[GRP_6] = {
		E(SLDT, M, Esw, _, _), E(STR, M, Esw, _, _),
		E(LLDT, M, Ew, _, _), E(LTR, M, Ew, _, _),
		E(VERR, M, Ew, _, _), E(VERW, M, Ew, _, _) },
	[GRP_8] = { [4] = E(BT, M, Ev, Ib, _), [5] = E(BTS, M | L, Ev, Ib, _),
		[6] = E(BTR, M | L, Ev, Ib, _), [7] = E(BTC, M | L, Ev, Ib, _) },
};

/* x87 (D8-DF): which encodings exist. Memory forms by ModRM.reg (bit n =
 * /n); register forms by the low six bits of ModRM (bit n = C0 + n).
 * Includes the aliases a P6 executes (FSTP1, FXCH4, FCOMP5, FXCH7, FSTP8/9,
 * FFREEP) and the 8087/287 leftovers it treats as no-ops (FENI FDISI FSETPM). */
static const uint8_t x87_mem_valid[8] = {
	[0] = 0xff, [1] = 0xfd, [2] = 0xff, [3] = 0xaf,
	[4] = 0xff, [5] = 0xdf, [6] = 0xff, [7] = 0xff,
};
static const uint64_t x87_reg_valid[8] = {
	[0] = ~0ull,
	/* D9: C0-D0, D8-E1, E4-E5, E8-EE, F0-FF */
	[1] = 0xffff7f33ff01ffffull,
	/* DA: C0-DF, E9 */
	[2] = 0x00000200ffffffffull,
	/* DB: C0-E4, E8-F7 */
	[3] = 0x00ffff1fffffffffull,
	[4] = ~0ull,
	/* DD: C0-EF */
	[5] = 0x0000ffffffffffffull,
	/* DE: C0-D7, D9, E0-FF */
	[6] = 0xffffffff02ffffffull,
	/* DF: C0-E0, E8-F7 */
	[7] = 0x00ffff01ffffffffull,
};

#undef M
#undef L
#undef B

/* ---- the decoder -------------------------------------------------------- */

struct decoder {
	const uint8_t *code;
	size_t avail;
	unsigned pos;
	unsigned opsize_v;  /* operand size of "v" operands: 2 or 4 */
	int seg_override;  /* enum cpu_seg, or -1 */
	unsigned mandatory; /* P_* mandatory prefix for SIMD tables */
	bool lock;
};

/* Fetches the next byte: TOO_LONG past 15 bytes, SHORT past `avail`. */
static int fetch_byte(struct decoder *d, uint8_t *out)
{
	if (d->pos >= X86_MAX_INSN_LEN)
		return X86_DECODE_TOO_LONG;
	if (d->pos >= d->avail)
		return X86_DECODE_SHORT;
	*out = d->code[d->pos++];
	return 0;
}

/* Fetches a little-endian value of `size` bytes, zero-extended. */
static int fetch_value(struct decoder *d, unsigned size, uint32_t *out)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b;
		int rc = fetch_byte(d, &b);
		if (rc)
			return rc;
		v |= (uint32_t)b << (8 * i);
	}
	*out = v;
	return 0;
}

static int32_t sign_extend(uint32_t v, unsigned size)
{
	if (size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	return (int32_t)v;
}

static bool modrm_is_reg(const struct insn *insn)
{
	return (insn->modrm >> 6) == 3;
}

/* ModRM (and SIB, displacement) memory addressing into insn->mem. */
static int decode_mem(struct decoder *d, struct insn *insn)
{
	unsigned mod = insn->modrm >> 6, rm = insn->modrm & 7;
	unsigned disp_size = 0;
	struct insn_mem *mem = &insn->mem;
	bool stack = false;

	mem->base = -1;
	mem->index = -1;
	mem->scale = 0;
	if (insn->addrsize == 2) {
		static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
		static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
		if (mod == 0 && rm == 6) {
			disp_size = 2;
		} else {
			mem->base = base16[rm];
			mem->index = index16[rm];
			stack = mem->base == 5;
			disp_size = mod == 1 ? 1 : mod == 2 ? 2 : 0;
		}
	} else {
		unsigned base = rm;
		if (rm == 4) {
			uint8_t sib;
			int rc = fetch_byte(d, &sib);
			if (rc)
				return rc;
			base = sib & 7;
			mem->scale = sib >> 6;
			if (((sib >> 3) & 7) != 4)
				mem->index = (sib >> 3) & 7;
		}
		if (mod == 0 && base == 5) {
			disp_size = 4;
		} else {
			mem->base = base;
			stack = base == 4 || base == 5;
			disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		}
	}
	if (disp_size) {
		uint32_t v;
		int rc = fetch_value(d, disp_size, &v);
		if (rc)
			return rc;
		mem->disp = sign_extend(v, disp_size);
	}
	mem->seg = d->seg_override >= 0 ? d->seg_override : stack ? SEG_SS : SEG_DS;
	return 0;
}

/* Fills operand `o` from specifier `spec`, fetching any immediate. */
static int decode_operand(struct decoder *d, struct insn *insn, uint8_t spec,
			  struct insn_operand *o)
{
	unsigned v = d->opsize_v;
	unsigned reg = (insn->modrm >> 3) & 7, rm = insn->modrm & 7;
	uint32_t val;
	int rc;

	switch (spec) {
	case SP_Eb: case SP_Ew: case SP_Ev: case SP_Ed: case SP_Esw:
	case SP_M: case SP_Mb: case SP_Mp: case SP_Ma: case SP_Mq: case SP_Ms: {
		static const uint8_t fixed[] = {
			[SP_Eb] = 1, [SP_Ew] = 2, [SP_Ed] = 4, [SP_Mb] = 1,
			[SP_Mq] = 8, [SP_Ms] = 6, [SP_M] = 0,
		};
		unsigned size = spec < sizeof fixed ? fixed[spec] : 0;
		if (spec == SP_Ev)
			size = v;
		else if (spec == SP_Esw)
			size = modrm_is_reg(insn) ? v : 2;
		else if (spec == SP_Mp)
			size = v + 2;
		else if (spec == SP_Ma)
			size = 2 * v;
		if (modrm_is_reg(insn)) {
			*o = (struct insn_operand){ OPND_REG, size, rm };
		} else {
			*o = (struct insn_operand){ OPND_MEM, size, 0 };
		}
		return 0;
	}
	case SP_Gb: *o = (struct insn_operand){ OPND_REG, 1, reg }; return 0;
	case SP_Gw: *o = (struct insn_operand){ OPND_REG, 2, reg }; return 0;
	case SP_Gv: *o = (struct insn_operand){ OPND_REG, v, reg }; return 0;
	case SP_Gd: *o = (struct insn_operand){ OPND_REG, 4, reg }; return 0;
	case SP_Rd: *o = (struct insn_operand){ OPND_REG, 4, rm }; return 0;
	case SP_Cd: *o = (struct insn_operand){ OPND_CREG, 4, reg }; return 0;
	case SP_Dd: *o = (struct insn_operand){ OPND_DREG, 4, reg }; return 0;
	case SP_Sw: *o = (struct insn_operand){ OPND_SREG, 2, reg }; return 0;
	case SP_ES: case SP_CS: case SP_SS: case SP_DS: case SP_FS: case SP_GS:
		*o = (struct insn_operand){ OPND_SREG, 2, (uint8_t)(spec - SP_ES) };
		return 0;
	case SP_AL: *o = (struct insn_operand){ OPND_REG, 1, 0 }; return 0;
	case SP_eAX: *o = (struct insn_operand){ OPND_REG, v, 0 }; return 0;
	case SP_CL: *o = (struct insn_operand){ OPND_REG, 1, 1 }; return 0;
	case SP_DX: *o = (struct insn_operand){ OPND_REG, 2, 2 }; return 0;
	case SP_Zb: *o = (struct insn_operand){ OPND_REG, 1, insn->opcode & 7 }; return 0;
	case SP_Zv: *o = (struct insn_operand){ OPND_REG, v, insn->opcode & 7 }; return 0;
	case SP_Zd: *o = (struct insn_operand){ OPND_REG, 4, insn->opcode & 7 }; return 0;
	case SP_1: *o = (struct insn_operand){ OPND_ONE, 1, 0 }; return 0;
	case SP_Ib: case SP_Ib2:
		if ((rc = fetch_value(d, 1, &val)))
			return rc;
		if (spec == SP_Ib2)
			insn->imm2 = val;
		else
			insn->imm = val;
		*o = (struct insn_operand){ OPND_IMM, 1, spec == SP_Ib2 };
		return 0;
	case SP_Ibs:
		if ((rc = fetch_value(d, 1, &val)))
			return rc;
		insn->imm = (int8_t)val;
		*o = (struct insn_operand){ OPND_IMM, v, 0 };
		return 0;
	case SP_Iw:
		if ((rc = fetch_value(d, 2, &val)))
			return rc;
		insn->imm = val;
		*o = (struct insn_operand){ OPND_IMM, 2, 0 };
		return 0;
	case SP_Iz:
		if ((rc = fetch_value(d, v, &val)))
			return rc;
		insn->imm = val;
		*o = (struct insn_operand){ OPND_IMM, v, 0 };
		return 0;
	case SP_Jb: case SP_Jz: {
		unsigned size = spec == SP_Jb ? 1 : v;
		if ((rc = fetch_value(d, size, &val)))
			return rc;
		insn->imm = sign_extend(val, size);
		*o = (struct insn_operand){ OPND_REL, v, 0 };
		return 0;
	}
	case SP_Ap:
		if ((rc = fetch_value(d, v, &val)))
			return rc;
		insn->imm = val;
		if ((rc = fetch_value(d, 2, &val)))
			return rc;
		insn->imm2 = val;
		*o = (struct insn_operand){ OPND_FAR, v + 2, 0 };
		return 0;
	case SP_Ob: case SP_Ov:
		if ((rc = fetch_value(d, insn->addrsize, &val)))
			return rc;
		insn->mem.base = -1;
		insn->mem.index = -1;
		insn->mem.disp = sign_extend(val, insn->addrsize);
		*o = (struct insn_operand){ OPND_MEM, spec == SP_Ob ? 1 : v, 0 };
		return 0;
	}
	*o = (struct insn_operand){ OPND_NONE, 0, 0 };
	return 0;
}

/* 0F 01: descriptor tables, SMSW/LMSW, INVLPG, and (register forms) a
 * crowd of single-encoding system instructions. */
static int special_0f01(struct decoder *d, struct insn *insn, struct opcode *out)
{
	unsigned reg = (insn->modrm >> 3) & 7;

	if (!modrm_is_reg(insn)) {
		static const struct opcode mem_forms[8] = {
			E(SGDT, F_MODRM, Ms, _, _), E(SIDT, F_MODRM, Ms, _, _),
			E(LGDT, F_MODRM, Ms, _, _), E(LIDT, F_MODRM, Ms, _, _),
			E(SMSW, F_MODRM, Esw, _, _), E(OTHER, F_MODRM, _, _, _),
			E(LMSW, F_MODRM, Ew, _, _), E(INVLPG, F_MODRM, Mb, _, _),
		};
		if (reg == 5 && d->mandatory != P_F3) /* F3: RSTORSSP */
			return X86_DECODE_UD;
		*out = mem_forms[reg];
		return 0;
	}
	if (reg == 4) {
		*out = (struct opcode)E(SMSW, F_MODRM, Esw, _, _);
		return 0;
	}
	if (reg == 6) {
		*out = (struct opcode)E(LMSW, F_MODRM, Ew, _, _);
		return 0;
	}
	*out = (struct opcode)E(OTHER, F_MODRM, _, _, _);
	switch (insn->modrm) {
	case 0xC0: /* ENCLV */
	case 0xC1: /* VMCALL */
	case 0xC2: /* VMLAUNCH */
	case 0xC3: /* VMRESUME */
	case 0xC4: /* VMXOFF */
	case 0xC5: /* PCONFIG */
	case 0xC6: /* WRMSRNS */
	case 0xC8: /* MONITOR */
	case 0xC9: /* MWAIT */
	case 0xCA: /* CLAC */
	case 0xCB: /* STAC */
	case 0xCF: /* ENCLS */
	case 0xD0: /* XGETBV */
	case 0xD1: /* XSETBV */
	case 0xD4: /* VMFUNC */
	case 0xD5: /* XEND */
	case 0xD6: /* XTEST */
	case 0xD7: /* ENCLU */
	case 0xEE: /* RDPKRU */
	case 0xEF: /* WRPKRU */
	case 0xF9: /* RDTSCP */
		return 0;
	case 0xCC: /* TDCALL */
		return d->mandatory == P_66 ? 0 : X86_DECODE_UD;
	case 0xE8: /* SERIALIZE, F3: SETSSBSY, F2: XSUSLDTRK */
		return 0;
	case 0xE9: /* F2: XRESLDTRK */
		return d->mandatory == P_F2 ? 0 : X86_DECODE_UD;
	case 0xEA: /* F3: SAVEPREVSSP */
		return d->mandatory == P_F3 ? 0 : X86_DECODE_UD;
	}
	return X86_DECODE_UD;
}

/* 0F AE: FXSAVE & co. (memory), fences (register), and prefixed forms. */
static int special_0fae(struct decoder *d, struct insn *insn, struct opcode *out)
{
	unsigned reg = (insn->modrm >> 3) & 7;
	bool mem = !modrm_is_reg(insn);
	bool ok;

	*out = (struct opcode)E(OTHER, F_MODRM, _, _, _);
	switch (d->mandatory) {
	case P_NP:
		ok = mem || reg >= 5;           /* FXSAVE..CLFLUSH; LFENCE MFENCE SFENCE */
		break;
	case P_66:
		ok = mem ? true : reg == 6;     /* (CLWB CLFLUSHOPT); TPAUSE */
		break;
	case P_F3:
		if (reg == 4)                   /* PTWRITE: no 66 */
			ok = !(insn->prefixes & PFX_OPSIZE);
		else
			ok = mem ? reg == 6 : reg == 5 || reg == 6; /* CLRSSBSY; INCSSP UMONITOR */
		break;
	default:
		ok = !mem && reg == 6;          /* UMWAIT */
		break;
	}
	return ok ? 0 : X86_DECODE_UD;
}

/* 0F C7: CMPXCHG8B, XSAVE* and VMX (memory), RDRAND/RDSEED/RDPID (register). */
static int special_0fc7(struct decoder *d, struct insn *insn, struct opcode *out)
{
	unsigned reg = (insn->modrm >> 3) & 7;
	bool f2f3 = d->mandatory == P_F3 || d->mandatory == P_F2;

	if (!modrm_is_reg(insn)) {
		if (reg == 1) {
			*out = (struct opcode)E(CMPXCHG8B, F_MODRM | F_LOCK, Mq, _, _);
			return 0;
		}
		*out = (struct opcode)E(OTHER, F_MODRM, _, _, _);
		if (reg >= 3 && reg <= 5)
			return 0;              /* XRSTORS XSAVEC XSAVES */
		if (reg == 6)                  /* VMPTRLD, VMCLEAR, VMXON */
			return d->mandatory == P_F2 ? X86_DECODE_UD : 0;
		if (reg == 7)                  /* VMPTRST */
			return d->mandatory == P_NP ? 0 : X86_DECODE_UD;
		return X86_DECODE_UD;
	}
	*out = (struct opcode)E(OTHER, F_MODRM, _, _, _);
	if (reg == 6 && !f2f3)                 /* RDRAND */
		return 0;
	if (reg == 7 && (!f2f3 || d->mandatory == P_F3)) /* RDSEED, RDPID */
		return 0;
	return X86_DECODE_UD;
}

/* 0F 71/72/73: MMX/SSE2 shifts by an immediate (register forms only). */
static int special_0f71_73(struct decoder *d, struct insn *insn, struct opcode *out)
{
	unsigned reg = (insn->modrm >> 3) & 7;
	bool ok = false;

	if (d->mandatory == P_NP || d->mandatory == P_66)
		ok = reg == 2 || reg == 6 || (reg == 4 && insn->opcode != 0x73);
	if (insn->opcode == 0x73 && d->mandatory == P_66 && (reg == 3 || reg == 7))
		ok = true;                      /* PSRLDQ, PSLLDQ */
	*out = (struct opcode){ X86_OP_SIMD, F_MODRM | F_REG | F_IMM8, { 0 }, 0, 0, 0 };
	return ok ? 0 : X86_DECODE_UD;
}

static int special_x87(struct decoder *d, struct insn *insn, struct opcode *out)
{
	unsigned which = insn->opcode & 7;
	bool ok;

	if (modrm_is_reg(insn))
		ok = (x87_reg_valid[which] >> (insn->modrm & 0x3f)) & 1;
	else
		ok = (x87_mem_valid[which] >> ((insn->modrm >> 3) & 7)) & 1;
	*out = (struct opcode)E(FPU, F_MODRM, _, _, _);
	return ok ? 0 : X86_DECODE_UD;
}

static int resolve_special(struct decoder *d, struct insn *insn, unsigned which,
			   struct opcode *out)
{
	switch (which) {
	case SPECIAL_0F01: return special_0f01(d, insn, out);
	case SPECIAL_0FAE: return special_0fae(d, insn, out);
	case SPECIAL_0FC7: return special_0fc7(d, insn, out);
	case SPECIAL_0F71_73: return special_0f71_73(d, insn, out);
	default: return special_x87(d, insn, out);
	}
}

/* Reads prefixes up to the first opcode byte, which lands in *opcode. */
static int decode_prefixes(struct decoder *d, struct insn *insn, uint8_t *opcode)
{
	static const int8_t seg_of_prefix[256] = {
		[0x26] = SEG_ES + 1, [0x2E] = SEG_CS + 1, [0x36] = SEG_SS + 1,
		[0x3E] = SEG_DS + 1, [0x64] = SEG_FS + 1, [0x65] = SEG_GS + 1,
	};
	unsigned last_rep = 0;

	for (;;) {
		uint8_t b;
		int rc = fetch_byte(d, &b);
		if (rc)
			return rc;
		if (seg_of_prefix[b]) {
			d->seg_override = seg_of_prefix[b] - 1;
			insn->prefixes |= PFX_SEG;
			continue;
		}
		switch (b) {
		case 0x66: insn->prefixes |= PFX_OPSIZE; continue;
		case 0x67: insn->prefixes |= PFX_ADDRSIZE; continue;
		case 0xF0: insn->prefixes |= PFX_LOCK; continue;
		case 0xF2: last_rep = P_F2; continue;
		case 0xF3: last_rep = P_F3; continue;
		}
		*opcode = b;
		break;
	}
	/* F2/F3: the last one wins, for string instructions and for SIMD */
	if (last_rep == P_F3)
		insn->prefixes |= PFX_REP;
	else if (last_rep == P_F2)
		insn->prefixes |= PFX_REPNE;
	d->mandatory = last_rep ? last_rep : (insn->prefixes & PFX_OPSIZE) ? P_66 : P_NP;
	return 0;
}

/* Reads the opcode bytes after the prefixes; returns the table entry. */
static int decode_opcode(struct decoder *d, struct insn *insn, uint8_t first,
			 const struct opcode **entry)
{
	uint8_t b = first;
	int rc;

	if (b != 0x0F) {
		insn->map = 0;
		insn->opcode = b;
		*entry = &map_onebyte[b];
		return 0;
	}
	if ((rc = fetch_byte(d, &b)))
		return rc;
	if (b == 0x38 || b == 0x3A) {
		const struct opcode *map = b == 0x38 ? map_0f38 : map_0f3a;
		insn->map = b == 0x38 ? 2 : 3;
		if ((rc = fetch_byte(d, &b)))
			return rc;
		insn->opcode = b;
		*entry = &map[b];
		return 0;
	}
	insn->map = 1;
	insn->opcode = b;
	*entry = &map_0f[b];
	return 0;
}

/* Checks that wait until the whole instruction has been read: a truncated
 * instruction is SHORT before it is #UD. */
static bool encoding_allowed(const struct decoder *d, const struct insn *insn,
			     const struct opcode *e)
{
	bool reg_form = insn->has_modrm && modrm_is_reg(insn) && !(e->flags & F_ANYMOD);
	unsigned reg = (insn->modrm >> 3) & 7;

	if (d->lock && (!(e->flags & F_LOCK) || !insn->has_modrm || reg_form))
		return false;
	if ((e->flags & F_MEM) && reg_form)
		return false;
	if ((e->flags & F_REG) && !reg_form)
		return false;
	if ((e->flags & F_SIMD) && (e->pfx_mem & d->mandatory) && reg_form)
		return false;
	if ((e->flags & F_SIMD) && (e->pfx_reg & d->mandatory) && !reg_form)
		return false;
	if ((e->flags & F_F8) && insn->modrm != 0xF8)
		return false;
	if (insn->op == X86_OP_MOV && insn->map == 0) {
		if (insn->opcode == 0x8C && reg > 5)
			return false;
		if (insn->opcode == 0x8E && (reg > 5 || reg == SEG_CS))
			return false;
	}
	if (insn->op == X86_OP_MOV_CR && reg != 0 && (reg < 2 || reg > 4))
		return false;
	return true;
}

int x86_decode(const uint8_t *code, size_t avail, int mode_bits, struct insn *insn)
{
	struct decoder d = { .code = code, .avail = avail, .seg_override = -1 };
	const struct opcode *e;
	struct opcode resolved;
	uint8_t first;
	int rc;

	memset(insn, 0, sizeof(*insn));
	if (mode_bits != 16 && mode_bits != 32)
		return X86_DECODE_UD;
	if ((rc = decode_prefixes(&d, insn, &first)))
		return rc;
	d.lock = insn->prefixes & PFX_LOCK;
	insn->opsize = mode_bits / 8;
	insn->addrsize = mode_bits / 8;
	if (insn->prefixes & PFX_OPSIZE)
		insn->opsize ^= 6;
	if (insn->prefixes & PFX_ADDRSIZE)
		insn->addrsize ^= 6;
	d.opsize_v = insn->opsize;
	insn->mem.base = -1;
	insn->mem.index = -1;
	insn->mem.seg = d.seg_override >= 0 ? d.seg_override : SEG_DS;

	if ((rc = decode_opcode(&d, insn, first, &e)))
		return rc;
	if (e->op == X86_OP_NONE && !(e->flags & (F_GROUP | F_SPECIAL)))
		return X86_DECODE_UD;
	if ((e->flags & F_SIMD) && !(e->pfx & d.mandatory))
		return X86_DECODE_UD;
	/* VEX (C4/C5) and EVEX (62) are register-form LES/LDS/BOUND: #UD here */

	if (e->flags & F_MODRM) {
		if ((rc = fetch_byte(&d, &insn->modrm)))
			return rc;
		insn->has_modrm = 1;
		if (e->flags & F_GROUP) {
			e = &groups[e->op][(insn->modrm >> 3) & 7];
			if (e->op == X86_OP_NONE)
				return X86_DECODE_UD;
		} else if (e->flags & F_SPECIAL) {
			if ((rc = resolve_special(&d, insn, e->op, &resolved)))
				return rc;
			e = &resolved;
		}
		if (!modrm_is_reg(insn) && !(e->flags & F_ANYMOD) &&
		    (rc = decode_mem(&d, insn)))
			return rc;
	}
	insn->op = e->op;
	if (e->flags & F_BYTE)
		insn->opsize = 1;
	if (e->flags & F_COND)
		insn->cond = insn->opcode & 15;

	for (unsigned i = 0; i < 3 && e->spec[i] != SP__; i++) {
		if ((rc = decode_operand(&d, insn, e->spec[i], &insn->operand[i])))
			return rc;
		insn->nr_operands = i + 1;
	}
	if (e->flags & F_IMM8) {
		uint32_t v;
		if ((rc = fetch_value(&d, 1, &v)))
			return rc;
		insn->imm = v;
	}
	if (!encoding_allowed(&d, insn, e))
		return X86_DECODE_UD;
	if (insn->op == X86_OP_NOP && insn->map == 0 && (insn->prefixes & PFX_REP))
		insn->op = X86_OP_PAUSE;
	insn->len = d.pos;
	return d.pos;
}
