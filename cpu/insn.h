/* SPDX-License-Identifier: GPL-3.0-or-later */
/* insn.h — a decoded x86 instruction (`struct insn`), the output of the
 * table-driven decoder (cpu/decode.c) and the input of the translator
 * (jit/translate.c) and of tracing.
 *
 * The decoder knows the length and validity of every instruction of the
 * one-byte, 0F, 0F38 and 0F3A maps in 16- and 32-bit code (including
 * MMX/SSE/x87 encodings, which it classifies but whose semantics are not
 * implemented: X86_OP_FPU, X86_OP_SIMD). It does not know 64-bit mode yet.
 * It does not look at CPU state beyond the code size: privilege, CR0 and
 * CPUID-dependent #UD/#GP/#NM checks are the translator's job. */
#ifndef MORPHEUS_INSN_H
#define MORPHEUS_INSN_H

#include <stddef.h>
#include <stdint.h>

/* Operations, at the level of mnemonics. Condition codes (Jcc, SETcc,
 * CMOVcc) are in insn.cond; operand size in the operands and insn.opsize;
 * string instructions' REP prefixes in insn.prefixes. */
#define X86_OPS(X) \
	X(NONE) \
	/* integer ALU: two operands, flags */ \
	X(ADD) X(OR) X(ADC) X(SBB) X(AND) X(SUB) X(XOR) X(CMP) X(TEST) \
	X(INC) X(DEC) X(NOT) X(NEG) \
	X(MUL) X(IMUL) X(DIV) X(IDIV) \
	X(ROL) X(ROR) X(RCL) X(RCR) X(SHL) X(SHR) X(SAR) X(SHLD) X(SHRD) \
	X(BT) X(BTS) X(BTR) X(BTC) X(BSF) X(BSR) X(BSWAP) \
	X(XADD) X(CMPXCHG) X(CMPXCHG8B) X(XCHG) \
	X(DAA) X(DAS) X(AAA) X(AAS) X(AAM) X(AAD) \
	X(CBW) X(CWD) X(SALC) X(XLAT) \
	/* data movement */ \
	X(MOV) X(MOVZX) X(MOVSX) X(LEA) X(CMOV) X(SETCC) \
	X(PUSH) X(POP) X(PUSHA) X(POPA) X(PUSHF) X(POPF) X(LAHF) X(SAHF) \
	X(LDS) X(LES) X(LFS) X(LGS) X(LSS) \
	X(ENTER) X(LEAVE) X(BOUND) \
	/* strings (REP/REPE/REPNE in prefixes) */ \
	X(MOVS) X(CMPS) X(STOS) X(LODS) X(SCAS) X(INS) X(OUTS) \
	/* control flow */ \
	X(JMP) X(JMPF) X(JCC) X(CALL) X(CALLF) X(RET) X(RETF) \
	X(LOOP) X(LOOPE) X(LOOPNE) X(JCXZ) \
	X(INT) X(INT3) X(INTO) X(INT1) X(IRET) \
	/* flags and misc */ \
	X(CLC) X(STC) X(CMC) X(CLD) X(STD) X(CLI) X(STI) \
	X(NOP) X(PAUSE) X(HLT) X(WAIT) X(UD) X(CPUID) X(RDTSC) X(RDPMC) \
	X(IN) X(OUT) \
	/* system (semantics mostly in the system-architecture issue) */ \
	X(SLDT) X(STR) X(LLDT) X(LTR) X(VERR) X(VERW) \
	X(SGDT) X(SIDT) X(LGDT) X(LIDT) X(SMSW) X(LMSW) X(INVLPG) \
	X(LAR) X(LSL) X(ARPL) X(CLTS) X(INVD) X(WBINVD) \
	X(MOV_CR) X(MOV_DR) X(RDMSR) X(WRMSR) X(SYSENTER) X(SYSEXIT) X(RSM) \
	/* valid encodings whose semantics are not implemented (yet): #UD or #NM */ \
	X(FPU) X(SIMD) X(OTHER)

enum x86_op {
#define X86_OP_ENUM(name) X86_OP_##name,
	X86_OPS(X86_OP_ENUM)
#undef X86_OP_ENUM
	X86_OP_COUNT
};

/* Mnemonic of an operation, lower case ("add"), for traces. */
const char *x86_op_name(enum x86_op op);

enum insn_operand_kind {
	OPND_NONE,
	OPND_REG,     /* general register `reg` (0-7) of `size`; size 1: AL CL DL BL AH CH DH BH */
	OPND_SREG,    /* segment register `reg` (enum cpu_seg order: ES CS SS DS FS GS) */
	OPND_CREG,    /* control register `reg` */
	OPND_DREG,    /* debug register `reg` */
	OPND_MEM,     /* memory at insn.mem, `size` bytes (0 for LEA-like "no access") */
	OPND_IMM,     /* insn.imm, or insn.imm2 when reg == 1 (ENTER's level byte);
	               * zero-extended from its encoded width, except imm8 operands of
	               * operand size (6A, 6B, 83 /r), which are sign-extended */
	OPND_REL,     /* branch target: next instruction + insn.imm (sign-extended),
	               * truncated to opsize */
	OPND_FAR,     /* far pointer immediate: offset insn.imm, selector insn.imm2 */
	OPND_ONE,     /* the constant 1 (shifts by one) */
};

struct insn_operand {
	uint8_t kind;        /* enum insn_operand_kind */
	uint8_t size;        /* bytes: 1, 2, 4, 6 (far pointer in memory), 8 */
	uint8_t reg;
};

/* The memory operand of a ModRM instruction (or a moffs MOV). */
struct insn_mem {
	int8_t base;         /* general register, or -1 */
	int8_t index;        /* general register, or -1 */
	uint8_t scale;       /* log2: 0-3 */
	uint8_t seg;         /* effective segment (enum cpu_seg): override or default */
	int32_t disp;        /* sign-extended */
};

/* insn.prefixes */
#define PFX_LOCK (1u << 0)
#define PFX_REP (1u << 1)      /* F3: REP / REPE */
#define PFX_REPNE (1u << 2)    /* F2 */
#define PFX_OPSIZE (1u << 3)   /* 66 */
#define PFX_ADDRSIZE (1u << 4) /* 67 */
#define PFX_SEG (1u << 5)      /* a segment override is present (insn.mem.seg) */

#define X86_MAX_INSN_LEN 15

struct insn {
	uint16_t op;         /* enum x86_op */
	uint8_t len;         /* bytes, prefixes included */
	uint8_t opsize;      /* effective operand size: 2 or 4 (1 for byte forms) */
	uint8_t addrsize;    /* effective address size: 2 or 4 */
	uint8_t prefixes;    /* PFX_* */
	uint8_t map;         /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
	uint8_t opcode;      /* the opcode byte within its map */
	uint8_t modrm;       /* valid when has_modrm */
	uint8_t has_modrm;
	uint8_t cond;        /* Jcc/SETcc/CMOVcc condition (low nibble of the opcode) */
	uint8_t nr_operands;
	struct insn_operand operand[3];   /* destination first, Intel order */
	struct insn_mem mem;
	int64_t imm;
	uint16_t imm2;
};

enum x86_decode_status {
	X86_DECODE_UD = -1,     /* invalid encoding: #UD */
	X86_DECODE_SHORT = -2,  /* the bytes ran out before the instruction ended */
	X86_DECODE_TOO_LONG = -3, /* more than 15 bytes: #GP(0) on P6 (SDM vol. 2, 2.3.11) */
};

/* Decodes one instruction from code[0..avail) in 16- or 32-bit code
 * (mode_bits 16 or 32; 64 is rejected for now). Returns its length (> 0)
 * and fills *insn, or a negative enum x86_decode_status. Never reads
 * code[avail] or beyond. A truncated instruction is SHORT even when the
 * bytes read so far are already #UD for a reason other than the opcode
 * (LOCK, register form...), as the CPU fetches the whole instruction
 * first. UD0/UD1/UD2 decode (op X86_OP_UD, with their length); the
 * translator raises #UD. Memory operands without ModRM (moffs MOV) use
 * insn.mem with base = index = -1; string instructions' source segment is
 * insn.mem.seg. See docs/decoder.md. */
int x86_decode(const uint8_t *code, size_t avail, int mode_bits, struct insn *insn);

#endif
