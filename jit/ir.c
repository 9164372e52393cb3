/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ir.c — the IR's block builder, op properties, the dead-flags pass and the
 * printer for --trace ir. It neither translates guest code (translate.c)
 * nor runs it (interp.c). */
#include "jit/ir.h"

#include <inttypes.h>
#include <string.h>

#include "cpu/flags.h"
#include "jit/helpers.h"

static const char *const ir_names[] = {
#define IR_NAME(name, text) #name,
	IR_OPS(IR_NAME)
#undef IR_NAME
};

const char *ir_opcode_name(enum ir_opcode opc)
{
	return opc < IR_NR_OPCODES ? ir_names[opc] : "?";
}

void ir_builder_reset(struct ir_builder *b)
{
	b->nr_ops = 0;
	b->nr_insns = 0;
	b->next_temp = 1;
	b->nr_exits = 0;
	b->overflow = false;
	b->fetch_fault = false;
}

void ir_begin_insn(struct ir_builder *b, uint32_t eip)
{
	if (b->nr_insns >= JIT_MAX_INSNS) {
		b->overflow = true;
		return;
	}
	b->insns[b->nr_insns++] = (struct jit_insn_info){ .eip = eip };
	b->next_temp = 1;
}

uint16_t ir_temp(struct ir_builder *b)
{
	if (b->next_temp >= IR_MAX_TEMPS) {
		b->overflow = true;
		return IR_MAX_TEMPS - 1;
	}
	return b->next_temp++;
}

struct ir_op *ir_emit(struct ir_builder *b, enum ir_opcode opc)
{
	if (b->nr_ops >= IR_MAX_OPS) {
		b->overflow = true;
		memset(&b->sink, 0, sizeof(b->sink));
		return &b->sink;
	}
	struct ir_op *op = &b->ops[b->nr_ops++];
	memset(op, 0, sizeof(*op));
	op->opc = (uint16_t)opc;
	op->insn = (uint16_t)(b->nr_insns ? b->nr_insns - 1 : 0);
	return op;
}

int ir_exit_slot(struct ir_builder *b, uint32_t eip, uint16_t retired)
{
	if (b->nr_exits >= 2) {
		b->overflow = true;
		return 1;
	}
	b->exit_eip[b->nr_exits] = eip;
	b->exit_retired[b->nr_exits] = retired;
	return b->nr_exits++;
}

unsigned ir_op_properties(const struct ir_op *op)
{
	switch (op->opc) {
	case IR_COND:
	case IR_CARRY:
	case IR_GETFLAGS:
		return IR_READS_FLAGS;
	case IR_FLAGS:
		/* INC/DEC keep CF: they read the flags before them. */
		if (op->aux == CC_OP_INC || op->aux == CC_OP_DEC)
			return IR_READS_FLAGS | IR_WRITES_FLAGS;
		return IR_WRITES_FLAGS;
	case IR_SETFLAGS:
	case IR_INC32R:   /* keeps CF */
		return IR_READS_FLAGS | IR_WRITES_FLAGS;
	case IR_ADD32RR: case IR_ADD32RI: case IR_SUB32RR: case IR_SUB32RI:
	case IR_AND32RR: case IR_AND32RI: case IR_OR32RR: case IR_OR32RI:
	case IR_XOR32RR: case IR_XOR32RI: case IR_CMP32RR: case IR_CMP32RI:
	case IR_TEST32RR: case IR_TEST32RI:
		return IR_WRITES_FLAGS;
	case IR_LD8: case IR_LD16: case IR_LD32:
	case IR_ST8: case IR_ST16: case IR_ST32: case IR_PROBEW:
	case IR_IN: case IR_OUT: case IR_ADDSEG: case IR_CHKIP:
	case IR_LD32R: case IR_LDZX8R: case IR_LDZX16R:
		return IR_MAY_FAULT;
	case IR_ST32R: case IR_ST8R:   /* they leave after a store into code */
		return IR_MAY_FAULT | IR_IS_EXIT;
	case IR_EA:
		return op->aux != IR_NOREG ? IR_MAY_FAULT : 0;   /* the limit check */
	case IR_JCC:
		return IR_READS_FLAGS | IR_IS_EXIT;
	case IR_HELPER:
		return op->aux < JIT_NR_HELPERS ? jit_helpers[op->aux].properties : IR_READS_FLAGS | IR_MAY_FAULT;
	case IR_RAISE:
		return IR_MAY_FAULT | IR_IS_EXIT;
	case IR_SMCCHK: case IR_EXIT_JMP: case IR_BRANCH: case IR_EXIT_DYN:
	case IR_EXIT_STATE: case IR_EXIT_HLT: case IR_EXIT_IND:
		return IR_IS_EXIT;
	default:
		return 0;
	}
}

enum ir_opcode ir_without_flags(enum ir_opcode opc)
{
	switch (opc) {
	case IR_FLAGS: case IR_CMP32RR: case IR_CMP32RI: case IR_TEST32RR: case IR_TEST32RI:
		return IR_NR_OPCODES;
	case IR_ADD32RR: return IR_ADD32RR_NF;
	case IR_ADD32RI: return IR_ADD32RI_NF;
	case IR_INC32R: return IR_ADD32RI_NF;   /* imm is 1 or -1 */
	case IR_SUB32RR: return IR_SUB32RR_NF;
	case IR_SUB32RI: return IR_SUB32RI_NF;
	case IR_AND32RR: return IR_AND32RR_NF;
	case IR_AND32RI: return IR_AND32RI_NF;
	case IR_OR32RR: return IR_OR32RR_NF;
	case IR_OR32RI: return IR_OR32RI_NF;
	case IR_XOR32RR: return IR_XOR32RR_NF;
	case IR_XOR32RI: return IR_XOR32RI_NF;
	default: return opc;
	}
}

int ir_remove_dead_flags(struct ir_op *ops, int *nr_ops)
{
	/* Backward: `live` says whether the flags at this point may be read
	 * before the next full overwrite. The state at a fault or an exit
	 * must be exact, so those read the flags. */
	bool live = true;
	int removed = 0, dropped = 0;
	for (int i = *nr_ops - 1; i >= 0; i--) {
		unsigned p = ir_op_properties(&ops[i]);
		if (!live && ops[i].opc == IR_HELPER && ops[i].aux == JIT_HELPER_IMUL2) {
			/* IMUL r, r/m (, imm) whose CF/OF nobody reads (nor the
			 * other flags it keeps): the low half of the product,
			 * the same for a signed and an unsigned multiply (a
			 * 16-bit one is written as the low word) */
			ops[i].opc = IR_MUL;
			dropped++;
			p = ir_op_properties(&ops[i]);
		}
		if ((p & IR_WRITES_FLAGS) && !live) {
			/* Dead flags: INC/DEC then need not read CF either. */
			enum ir_opcode twin = ir_without_flags(ops[i].opc);
			if (twin != ops[i].opc) {
				if (twin == IR_NR_OPCODES)
					removed++;   /* marked for removal */
				ops[i].opc = (uint16_t)twin;
				dropped++;
				p = ir_op_properties(&ops[i]);
			}
		}
		if (p & IR_WRITES_FLAGS)
			live = false;
		if (p & (IR_READS_FLAGS | IR_MAY_FAULT | IR_IS_EXIT))
			live = true;
	}
	if (removed) {
		int n = 0;
		for (int i = 0; i < *nr_ops; i++)
			if (ops[i].opc != IR_NR_OPCODES)
				ops[n++] = ops[i];
		*nr_ops = n;
	}
	return dropped;
}

static const char *const ir_reg_names[4][8] = {
	{ "al", "cl", "dl", "bl", "al", "cl", "dl", "bl" },
	{ "ah", "ch", "dh", "bh", "ah", "ch", "dh", "bh" },
	{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" },
	{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" },
};
static const char *const ir_seg_names[] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

static const char *ir_reg(int kind, unsigned r)
{
	return r < 8 ? ir_reg_names[kind][r] : "?";
}

static const char *ir_seg(unsigned s)
{
	return s < 8 ? ir_seg_names[s] : "-";
}

static void ir_print_op(FILE *out, const struct jit_block *b, const struct ir_op *op)
{
	fprintf(out, "  %3u  %-11s", op->insn, ir_opcode_name(op->opc));
	switch (op->opc) {
	case IR_MOVI: fprintf(out, "t%u, 0x%" PRIx32, op->d, op->imm); break;
	case IR_MOV: case IR_NOT: case IR_NEG: case IR_SEXT8: case IR_SEXT16: case IR_BSWAP:
	case IR_NEZ:
		fprintf(out, "t%u, t%u", op->d, op->a);
		break;
	case IR_GET8L: fprintf(out, "t%u, %s", op->d, ir_reg(0, op->aux)); break;
	case IR_GET8H: fprintf(out, "t%u, %s", op->d, ir_reg(1, op->aux)); break;
	case IR_GET16: fprintf(out, "t%u, %s", op->d, ir_reg(2, op->aux)); break;
	case IR_GET32: fprintf(out, "t%u, %s", op->d, ir_reg(3, op->aux)); break;
	case IR_PUT8L: fprintf(out, "%s, t%u", ir_reg(0, op->aux), op->a); break;
	case IR_PUT8H: fprintf(out, "%s, t%u", ir_reg(1, op->aux), op->a); break;
	case IR_PUT16: fprintf(out, "%s, t%u", ir_reg(2, op->aux), op->a); break;
	case IR_PUT32: fprintf(out, "%s, t%u", ir_reg(3, op->aux), op->a); break;
	case IR_GETSEL: fprintf(out, "t%u, %s", op->d, ir_seg(op->aux)); break;
	case IR_ADDSEG:
		fprintf(out, "t%u, t%u + %s.base, %u bytes", op->d, op->a, ir_seg(op->aux), op->last + 1u);
		break;
	case IR_SETSEG_REAL: fprintf(out, "%s, t%u", ir_seg(op->aux), op->a); break;
	case IR_EA:
		fprintf(out, "t%u, %s:[%s + %s*%u + 0x%" PRIx32 "]%s", op->d,
			op->aux == IR_NOREG ? "-" : ir_seg(op->aux),
			op->a == IR_NOREG ? "-" : ir_reg(3, op->a), op->b == IR_NOREG ? "-" : ir_reg(3, op->b),
			1u << op->size, op->imm, op->c ? " (16-bit)" : "");
		if (op->aux != IR_NOREG)
			fprintf(out, ", %u bytes", op->last + 1u);
		break;
	case IR_ADDI: case IR_ANDI: fprintf(out, "t%u, t%u, 0x%" PRIx32, op->d, op->a, op->imm); break;
	case IR_SELECT: fprintf(out, "t%u, t%u ? t%u : t%u", op->d, op->c, op->a, op->b); break;
	case IR_COND: fprintf(out, "t%u, cc%u", op->d, op->aux); break;
	case IR_CARRY: case IR_GETFLAGS: fprintf(out, "t%u", op->d); break;
	case IR_FLAGS:
		fprintf(out, "op %u size %u, dst t%u src t%u aux t%u aux2 t%u", op->aux, op->size,
			op->a, op->b, op->c, op->d);
		break;
	case IR_SETFLAGS: fprintf(out, "t%u, mask 0x%" PRIx32, op->a, op->imm); break;
	case IR_LD8: case IR_LD16: case IR_LD32: fprintf(out, "t%u, [t%u]", op->d, op->a); break;
	case IR_ST8: case IR_ST16: case IR_ST32: fprintf(out, "[t%u], t%u", op->a, op->b); break;
	case IR_PROBEW: fprintf(out, "[t%u], size %u", op->a, op->size); break;
	case IR_IN: fprintf(out, "t%u, port t%u, size %u", op->d, op->a, op->size); break;
	case IR_OUT: fprintf(out, "port t%u, t%u, size %u", op->a, op->b, op->size); break;
	case IR_HELPER:
		fprintf(out, "t%u, %s(0x%" PRIx32 ", t%u, t%u, t%u)", op->d,
			op->aux < JIT_NR_HELPERS ? jit_helpers[op->aux].name : "?", op->imm, op->a, op->b, op->c);
		break;
	case IR_RAISE:
		fprintf(out, "vector %u", op->aux);
		if (op->size)
			fprintf(out, ", error 0x%" PRIx32, op->imm);
		break;
	case IR_SMCCHK: case IR_EXIT_HLT: fprintf(out, "eip 0x%" PRIx32, op->imm); break;
	case IR_EXIT_JMP:
		fprintf(out, "slot %u (eip 0x%" PRIx32 ")", op->imm, b->exit_eip[op->imm & 1]);
		break;
	case IR_BRANCH:
		fprintf(out, "t%u ? 0x%" PRIx32 " : 0x%" PRIx32, op->a, b->exit_eip[0], b->exit_eip[1]);
		break;
	case IR_EXIT_DYN: case IR_CHKIP: case IR_EXIT_IND: fprintf(out, "t%u", op->a); break;
	case IR_MOV32RI: case IR_ADD32RI: case IR_SUB32RI: case IR_AND32RI: case IR_OR32RI:
	case IR_XOR32RI: case IR_CMP32RI: case IR_TEST32RI: case IR_INC32R: case IR_ADD32RI_NF:
	case IR_SUB32RI_NF: case IR_AND32RI_NF: case IR_OR32RI_NF: case IR_XOR32RI_NF:
		fprintf(out, "%s, 0x%" PRIx32, ir_reg(3, op->aux), op->imm);
		break;
	case IR_MOV32RR: case IR_ADD32RR: case IR_SUB32RR: case IR_AND32RR: case IR_OR32RR:
	case IR_XOR32RR: case IR_CMP32RR: case IR_TEST32RR: case IR_ADD32RR_NF: case IR_SUB32RR_NF:
	case IR_AND32RR_NF: case IR_OR32RR_NF: case IR_XOR32RR_NF:
		fprintf(out, "%s, %s", ir_reg(3, op->aux), ir_reg(3, op->b));
		break;
	case IR_LD32R: case IR_LDZX8R: case IR_LDZX16R: case IR_ST32R: case IR_ST8R:
		fprintf(out, "%s, %s:[%s + %s*%u + 0x%" PRIx32 "]%s",
			op->opc == IR_ST8R ? ir_reg(op->d >> 2, op->d & 3) : ir_reg(3, op->d), ir_seg(op->aux),
			op->a == IR_NOREG ? "-" : ir_reg(3, op->a), op->b == IR_NOREG ? "-" : ir_reg(3, op->b),
			1u << op->size, op->imm, op->c ? " (16-bit)" : "");
		break;
	case IR_JCC:
		fprintf(out, "cc%u ? 0x%" PRIx32 " : 0x%" PRIx32, op->aux, b->exit_eip[0], b->exit_eip[1]);
		break;
	case IR_EXIT_STATE: break;
	default: fprintf(out, "t%u, t%u, t%u", op->d, op->a, op->b); break;
	}
	fputc('\n', out);
}

void ir_print_block(FILE *out, const struct jit_block *b)
{
	fprintf(out, "[ir] block phys 0x%" PRIx64 " cs_base 0x%" PRIx32 " eip 0x%" PRIx32
		" mode %" PRIu32 ": %u instructions, %u ops, CS limit 0x%" PRIx32 "-0x%" PRIx32 "\n",
		b->phys, b->cs_base, b->eip, b->mode, b->nr_insns, b->nr_ops, b->cs_limit_lo, b->cs_limit_hi);
	for (unsigned i = 0; i < b->nr_ops; i++)
		ir_print_op(out, b, &b->ops[i]);
}
