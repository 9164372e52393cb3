/* SPDX-License-Identifier: GPL-3.0-or-later */
/* insn_names.c — lower-case mnemonics of enum x86_op, for traces and test
 * messages. It does not format operands (Capstone disassembles for traces). */
#include "cpu/insn.h"

/* Indexed by enum x86_op; an op missing here prints as "(unnamed)". */
static const char *const x86_op_lower[X86_OP_COUNT] = {
	[X86_OP_NONE] = "(bad)",
	[X86_OP_ADD] = "add", [X86_OP_OR] = "or", [X86_OP_ADC] = "adc",
	[X86_OP_SBB] = "sbb", [X86_OP_AND] = "and", [X86_OP_SUB] = "sub",
	[X86_OP_XOR] = "xor", [X86_OP_CMP] = "cmp", [X86_OP_TEST] = "test",
	[X86_OP_INC] = "inc", [X86_OP_DEC] = "dec", [X86_OP_NOT] = "not",
	[X86_OP_NEG] = "neg", [X86_OP_MUL] = "mul", [X86_OP_IMUL] = "imul",
	[X86_OP_DIV] = "div", [X86_OP_IDIV] = "idiv",
	[X86_OP_ROL] = "rol", [X86_OP_ROR] = "ror", [X86_OP_RCL] = "rcl",
	[X86_OP_RCR] = "rcr", [X86_OP_SHL] = "shl", [X86_OP_SHR] = "shr",
	[X86_OP_SAR] = "sar", [X86_OP_SHLD] = "shld", [X86_OP_SHRD] = "shrd",
	[X86_OP_BT] = "bt", [X86_OP_BTS] = "bts", [X86_OP_BTR] = "btr",
	[X86_OP_BTC] = "btc", [X86_OP_BSF] = "bsf", [X86_OP_BSR] = "bsr",
	[X86_OP_BSWAP] = "bswap", [X86_OP_XADD] = "xadd",
	[X86_OP_CMPXCHG] = "cmpxchg", [X86_OP_CMPXCHG8B] = "cmpxchg8b",
	[X86_OP_XCHG] = "xchg",
	[X86_OP_DAA] = "daa", [X86_OP_DAS] = "das", [X86_OP_AAA] = "aaa",
	[X86_OP_AAS] = "aas", [X86_OP_AAM] = "aam", [X86_OP_AAD] = "aad",
	[X86_OP_CBW] = "cbw", [X86_OP_CWD] = "cwd", [X86_OP_SALC] = "salc",
	[X86_OP_XLAT] = "xlat",
	[X86_OP_MOV] = "mov", [X86_OP_MOVZX] = "movzx", [X86_OP_MOVSX] = "movsx",
	[X86_OP_LEA] = "lea", [X86_OP_CMOV] = "cmov", [X86_OP_SETCC] = "set",
	[X86_OP_PUSH] = "push", [X86_OP_POP] = "pop", [X86_OP_PUSHA] = "pusha",
	[X86_OP_POPA] = "popa", [X86_OP_PUSHF] = "pushf", [X86_OP_POPF] = "popf",
	[X86_OP_LAHF] = "lahf", [X86_OP_SAHF] = "sahf",
	[X86_OP_LDS] = "lds", [X86_OP_LES] = "les", [X86_OP_LFS] = "lfs",
	[X86_OP_LGS] = "lgs", [X86_OP_LSS] = "lss",
	[X86_OP_ENTER] = "enter", [X86_OP_LEAVE] = "leave",
	[X86_OP_BOUND] = "bound",
	[X86_OP_MOVS] = "movs", [X86_OP_CMPS] = "cmps", [X86_OP_STOS] = "stos",
	[X86_OP_LODS] = "lods", [X86_OP_SCAS] = "scas", [X86_OP_INS] = "ins",
	[X86_OP_OUTS] = "outs",
	[X86_OP_JMP] = "jmp", [X86_OP_JMPF] = "ljmp", [X86_OP_JCC] = "j",
	[X86_OP_CALL] = "call", [X86_OP_CALLF] = "lcall", [X86_OP_RET] = "ret",
	[X86_OP_RETF] = "lret", [X86_OP_LOOP] = "loop", [X86_OP_LOOPE] = "loope",
	[X86_OP_LOOPNE] = "loopne", [X86_OP_JCXZ] = "jcxz",
	[X86_OP_INT] = "int", [X86_OP_INT3] = "int3", [X86_OP_INTO] = "into",
	[X86_OP_INT1] = "int1", [X86_OP_IRET] = "iret",
	[X86_OP_CLC] = "clc", [X86_OP_STC] = "stc", [X86_OP_CMC] = "cmc",
	[X86_OP_CLD] = "cld", [X86_OP_STD] = "std", [X86_OP_CLI] = "cli",
	[X86_OP_STI] = "sti",
	[X86_OP_NOP] = "nop", [X86_OP_PAUSE] = "pause", [X86_OP_HLT] = "hlt",
	[X86_OP_WAIT] = "wait", [X86_OP_UD] = "ud", [X86_OP_CPUID] = "cpuid",
	[X86_OP_RDTSC] = "rdtsc", [X86_OP_RDPMC] = "rdpmc",
	[X86_OP_IN] = "in", [X86_OP_OUT] = "out",
	[X86_OP_SLDT] = "sldt", [X86_OP_STR] = "str", [X86_OP_LLDT] = "lldt",
	[X86_OP_LTR] = "ltr", [X86_OP_VERR] = "verr", [X86_OP_VERW] = "verw",
	[X86_OP_SGDT] = "sgdt", [X86_OP_SIDT] = "sidt", [X86_OP_LGDT] = "lgdt",
	[X86_OP_LIDT] = "lidt", [X86_OP_SMSW] = "smsw", [X86_OP_LMSW] = "lmsw",
	[X86_OP_INVLPG] = "invlpg",
	[X86_OP_LAR] = "lar", [X86_OP_LSL] = "lsl", [X86_OP_ARPL] = "arpl",
	[X86_OP_CLTS] = "clts", [X86_OP_INVD] = "invd", [X86_OP_WBINVD] = "wbinvd",
	[X86_OP_MOV_CR] = "mov", [X86_OP_MOV_DR] = "mov",
	[X86_OP_RDMSR] = "rdmsr", [X86_OP_WRMSR] = "wrmsr",
	[X86_OP_SYSENTER] = "sysenter", [X86_OP_SYSEXIT] = "sysexit",
	[X86_OP_RSM] = "rsm",
	[X86_OP_FPU] = "(x87)", [X86_OP_SIMD] = "(simd)", [X86_OP_OTHER] = "(other)",
};

const char *x86_op_name(enum x86_op op)
{
	if ((unsigned)op >= X86_OP_COUNT)
		return "(bad)";
	return x86_op_lower[op] ? x86_op_lower[op] : "(unnamed)";
}
