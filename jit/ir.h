/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ir.h — the intermediate representation of the soft engine: one
 * translated block (`struct jit_block`) is a straight-line array of ops
 * over 32-bit temporaries, ending in block exits. docs/ir.md describes
 * every op (operands, semantics, guest state touched, faults).
 *
 * Temporaries do not live across guest instructions: every instruction
 * reads guest registers with GET ops and writes them back with PUT ops, so
 * the guest state is exact at every instruction boundary. Temporary 0 is
 * always zero. This file also has the block builder used by the translator
 * and the printer used by --trace ir. It does not execute anything (the
 * interpreter is jit/interp.c). */
#ifndef MORPHEUS_JIT_IR_H
#define MORPHEUS_JIT_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* name, operand summary (for the printer and docs) */
#define IR_OPS(X) \
	X(MOVI, "d = imm") \
	X(MOV, "d = a") \
	X(GET8L, "d = low byte of reg[aux]") \
	X(GET8H, "d = bits 8-15 of reg[aux]") \
	X(GET16, "d = low word of reg[aux]") \
	X(GET32, "d = reg[aux]") \
	X(PUT8L, "low byte of reg[aux] = a") \
	X(PUT8H, "bits 8-15 of reg[aux] = a") \
	X(PUT16, "low word of reg[aux] = a") \
	X(PUT32, "reg[aux] = a") \
	X(GETSEL, "d = selector of seg[aux]") \
	X(ADDSEG, "d = a + base of seg[aux], limit-checked for last + 1 bytes") \
	X(SETSEG_REAL, "seg[aux].selector = a, .base = a << 4 (real mode)") \
	X(EA, "d = [seg base] + trunc(reg[a] + (reg[b] << size) + imm), limit-checked") \
	X(ADD, "d = a + b") \
	X(ADDI, "d = a + imm") \
	X(SUB, "d = a - b") \
	X(AND, "d = a & b") \
	X(ANDI, "d = a & imm") \
	X(OR, "d = a | b") \
	X(XOR, "d = a ^ b") \
	X(SHL, "d = a << (b & 31)") \
	X(SHR, "d = a >> (b & 31)") \
	X(SAR, "d = (int32)a >> (b & 31)") \
	X(MUL, "d = a * b (low 32 bits)") \
	X(NOT, "d = ~a") \
	X(NEG, "d = -a") \
	X(SEXT8, "d = sign-extended low byte of a") \
	X(SEXT16, "d = sign-extended low word of a") \
	X(BSWAP, "d = a with its four bytes reversed") \
	X(EQ, "d = a == b") \
	X(NEZ, "d = a != 0") \
	X(SELECT, "d = c ? a : b") \
	X(COND, "d = condition aux (0-15) of the flags") \
	X(CARRY, "d = CF") \
	X(FLAGS, "flags = {op aux, size, dst a, src b, aux c, aux2 d}") \
	X(GETFLAGS, "d = EFLAGS") \
	X(SETFLAGS, "EFLAGS bits in imm = a") \
	X(LD8, "d = byte at linear a") \
	X(LD16, "d = word at linear a") \
	X(LD32, "d = dword at linear a") \
	X(ST8, "byte at linear a = b") \
	X(ST16, "word at linear a = b") \
	X(ST32, "dword at linear a = b") \
	X(PROBEW, "check that size bytes at linear a can be written") \
	X(IN, "d = port a, size bytes") \
	X(OUT, "port a = b, size bytes") \
	X(HELPER, "d = helper aux(imm, a, b, c)") \
	X(RAISE, "exception aux (error code imm if size)") \
	X(CHKIP, "#GP(0) if EIP a is beyond the CS limit") \
	X(SMCCHK, "exit to EIP imm if a store hit translated code") \
	X(EXIT_JMP, "exit to slot imm") \
	X(BRANCH, "exit to slot 0 if a else slot 1") \
	X(EXIT_DYN, "exit to EIP a") \
	X(EXIT_STATE, "exit, EIP and mode already in the state") \
	X(EXIT_HLT, "halt, EIP = imm")

enum ir_opcode {
#define IR_ENUM(name, text) IR_##name,
	IR_OPS(IR_ENUM)
#undef IR_ENUM
	IR_NR_OPCODES
};

#define IR_NOREG 0xffu     /* EA: no base/index register; no segment */
#define IR_MAX_TEMPS 64    /* per guest instruction */
#define IR_MAX_OPS 2048    /* per block */
#define JIT_MAX_INSNS 64   /* per block */

struct ir_op {
	const void *handler;   /* tier 0: the interpreter's label for opc */
	uint16_t opc;          /* enum ir_opcode */
	uint16_t insn;         /* index of the guest instruction in the block */
	uint16_t d, a, b, c;   /* temporaries (EA: a, b are registers; c = 16-bit) */
	uint32_t imm;
	uint8_t size;          /* bytes (IN/OUT, FLAGS, RAISE: has error code; EA: scale) */
	uint8_t aux;           /* register, segment, condition, cc_op, helper, vector */
	uint8_t last;          /* EA, ADDSEG: bytes accessed - 1 (segment limit check) */
};

/* One guest instruction of a block. */
struct jit_insn_info {
	uint32_t eip;
	uint8_t len;
};

/* A translated block (in the code cache's arena). */
struct jit_block {
	/* key */
	uint64_t phys;
	uint32_t cs_base;
	uint32_t mode;
	/* code */
	uint32_t eip;                  /* EIP of the first instruction */
	uint16_t nr_ops, nr_insns;
	uint32_t guest_bytes;
	/* The translation holds for CS limits in [cs_limit_lo, cs_limit_hi]:
	 * its code and its static branch targets lie within cs_limit_lo, and
	 * a block that raises #GP for an instruction crossing the limit
	 * holds up to the limit it saw (jit_block_fits_cs). */
	uint32_t cs_limit_lo, cs_limit_hi;
	bool valid;
	bool threaded;                 /* handlers filled in by the interpreter */
	/* exits through slots: target EIP, instructions retired, chain */
	uint32_t exit_eip[2];
	uint16_t exit_retired[2];
	struct jit_block *chain[2];
	/* cache bookkeeping */
	struct jit_block *hash_next;
	uint64_t page[2];              /* physical pages holding its code */
	uint8_t nr_pages;
	struct jit_block *page_next[2];
	uint8_t page_next_slot[2];
	uint64_t exec_count;
	struct jit_insn_info *insns;
	struct ir_op ops[];
};

/* True when block b may run with CS limit `limit` (else it must be
 * translated again). */
static inline bool jit_block_fits_cs(const struct jit_block *b, uint32_t limit)
{
	return limit - b->cs_limit_lo <= b->cs_limit_hi - b->cs_limit_lo;
}

/* Builds a block's ops; used by the translator. */
struct ir_builder {
	struct ir_op ops[IR_MAX_OPS];
	int nr_ops;
	struct jit_insn_info insns[JIT_MAX_INSNS];
	int nr_insns;
	uint16_t next_temp;
	uint32_t exit_eip[2];
	uint16_t exit_retired[2];
	int nr_exits;
	bool overflow;                 /* a limit was hit: a translator bug */
	struct ir_op sink;             /* where ops go after an overflow */
};

void ir_builder_reset(struct ir_builder *b);
/* Starts guest instruction at eip (length set later); resets temporaries. */
void ir_begin_insn(struct ir_builder *b, uint32_t eip);
uint16_t ir_temp(struct ir_builder *b);
struct ir_op *ir_emit(struct ir_builder *b, enum ir_opcode opc);
/* Reserves an exit slot for target eip (retired: instructions done when
 * leaving through it); returns the slot (0 or 1). */
int ir_exit_slot(struct ir_builder *b, uint32_t eip, uint16_t retired);

/* Op properties (liveness, docs). */
#define IR_READS_FLAGS (1u << 0)
#define IR_WRITES_FLAGS (1u << 1)    /* all six arithmetic flags */
#define IR_MAY_FAULT (1u << 2)       /* may leave the block through an exception */
#define IR_IS_EXIT (1u << 3)
unsigned ir_op_properties(const struct ir_op *op);
/* Removes FLAGS ops whose result the block overwrites before anything
 * reads it (a reader is an op that reads flags, may fault, or exits).
 * Returns how many were removed. */
int ir_remove_dead_flags(struct ir_op *ops, int *nr_ops);

const char *ir_opcode_name(enum ir_opcode opc);
/* Prints one block (--trace ir). */
void ir_print_block(FILE *out, const struct jit_block *b);

#endif
