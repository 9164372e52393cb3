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

#include "jit/cache.h"

struct soft_cpu;

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
	X(EXIT_HLT, "halt, EIP = imm") \
	X(EXIT_IND, "exit to EIP a through the jump cache (indirect branch)") \
	/* fused ops for the common 32-bit shapes (docs/ir.md, "Fused ops") */ \
	X(MOV32RR, "reg[aux] = reg[b]") \
	X(MOV32RI, "reg[aux] = imm") \
	X(ADD32RR, "reg[aux] += reg[b], flags") \
	X(ADD32RI, "reg[aux] += imm, flags") \
	X(SUB32RR, "reg[aux] -= reg[b], flags") \
	X(SUB32RI, "reg[aux] -= imm, flags") \
	X(AND32RR, "reg[aux] &= reg[b], flags") \
	X(AND32RI, "reg[aux] &= imm, flags") \
	X(OR32RR, "reg[aux] |= reg[b], flags") \
	X(OR32RI, "reg[aux] |= imm, flags") \
	X(XOR32RR, "reg[aux] ^= reg[b], flags") \
	X(XOR32RI, "reg[aux] ^= imm, flags") \
	X(CMP32RR, "flags of reg[aux] - reg[b]") \
	X(CMP32RI, "flags of reg[aux] - imm") \
	X(TEST32RR, "flags of reg[aux] & reg[b]") \
	X(TEST32RI, "flags of reg[aux] & imm") \
	X(INC32R, "reg[aux] += imm (1 or -1), INC/DEC flags") \
	X(ADD32RR_NF, "reg[aux] += reg[b]") \
	X(ADD32RI_NF, "reg[aux] += imm") \
	X(SUB32RR_NF, "reg[aux] -= reg[b]") \
	X(SUB32RI_NF, "reg[aux] -= imm") \
	X(AND32RR_NF, "reg[aux] &= reg[b]") \
	X(AND32RI_NF, "reg[aux] &= imm") \
	X(OR32RR_NF, "reg[aux] |= reg[b]") \
	X(OR32RI_NF, "reg[aux] |= imm") \
	X(XOR32RR_NF, "reg[aux] ^= reg[b]") \
	X(XOR32RI_NF, "reg[aux] ^= imm") \
	X(LD32R, "reg[d] = dword at the EA") \
	X(LDZX8R, "reg[d] = zero-extended byte at the EA") \
	X(LDZX16R, "reg[d] = zero-extended word at the EA") \
	X(ST32R, "dword at the EA = reg[d]; leaves after a store into code") \
	X(ST8R, "byte at the EA = byte register d; leaves after a store into code") \
	X(JCC, "exit to slot 0 if condition aux, else slot 1")

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
	/* EA with a segment, ADDSEG, the fused memory ops: the segment is
	 * one of the flat ones of JIT_MODE_FLAT (base 0, limit 4 GiB - 1), so
	 * only an access past 4 GiB faults. Tier 1 uses it; tier 0's full
	 * check gives the same answer. */
	uint8_t flat;
	/* EA with a segment, ADDSEG, the fused memory ops: the access
	 * writes (or reads and writes): the segment's write bounds are
	 * checked, else its read bounds (cpu/soft_seglimit.h). */
	uint8_t write;
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
	bool tier1_tried;              /* handed to the tier-1 compiler once */
	/* its last instruction opens an interrupt shadow (STI, MOV SS, POP
	 * SS): no external interrupt before the next instruction */
	bool shadow_exit;
	/* its last instruction is INT n, INT3, INTO or INT1: their delivery
	 * clears TF, and no single-step trap follows them */
	bool soft_int;
	/* it ends after POPF (which may set TF, AC or IF): its exits honour
	 * an exit request even where they jump forward (tier 1) */
	bool recheck_exit;
	uint32_t hot_count;            /* tier 0 entries (--jit on: profiling) */
	/* tier 1 (jit/native.h): the compiled region holding this block and
	 * the block's entry in it, or native == NULL (run on tier 0). The
	 * region returns JIT_NATIVE_RET(i, kind): it left from
	 * native_blocks[i] (jit/gccjit.h). */
	int (*native)(struct soft_cpu *cpu, int entry);
	int native_entry;
	struct jit_block *const *native_blocks;
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
	struct jit_insn_info *insns;
	struct ir_op ops[];
};

/* True when block b may run with CS limit `limit` (else it must be
 * translated again). */
static inline bool jit_block_fits_cs(const struct jit_block *b, uint32_t limit)
{
	return limit - b->cs_limit_lo <= b->cs_limit_hi - b->cs_limit_lo;
}

/* Whether an exit of `from` may enter `to` directly (chaining, jumps
 * inside a tier-1 region): jit_block_link_ok_at of jit/cache.h. */
static inline bool jit_block_link_ok(const struct jit_block *from, const struct jit_block *to)
{
	return jit_block_link_ok_at(from->cs_base, from->eip, from->mode, to->cs_base, to->eip, to->mode,
				    to->nr_pages);
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
	/* no block: its first instruction runs into a page that cannot be
	 * fetched at fetch_fault_lin (the caller raises the #PF) */
	bool fetch_fault;
	uint32_t fetch_fault_lin;
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
/* a HELPER that reads only its operands and the flags and writes only
 * its result and the flags: no registers, memory, faults or other state */
#define IR_FLAGS_ONLY (1u << 4)
unsigned ir_op_properties(const struct ir_op *op);
/* The op that does what `opc` does without setting the flags: its _NF
 * twin, IR_NR_OPCODES when nothing is left to do (FLAGS, CMP, TEST), or
 * `opc` itself when it does not set flags. */
enum ir_opcode ir_without_flags(enum ir_opcode opc);
/* Drops the flag update of every op whose flags the block overwrites
 * before anything reads them (a reader is an op that reads flags, may
 * fault, or exits): FLAGS, CMP and TEST ops are removed, fused ALU ops
 * become their _NF twins. Returns how many flag updates were dropped. */
int ir_remove_dead_flags(struct ir_op *ops, int *nr_ops);

const char *ir_opcode_name(enum ir_opcode opc);
/* Prints one block (--trace ir). */
void ir_print_block(FILE *out, const struct jit_block *b);

#endif
