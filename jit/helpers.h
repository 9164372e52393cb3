/* SPDX-License-Identifier: GPL-3.0-or-later */
/* helpers.h — C helpers for the instructions too complex to spell out in
 * IR (multiply/divide, shifts and rotates, BCD, bit ops, string ops,
 * PUSHA/POPA, ENTER, far transfers, IRET, INT n, CPUID, RDTSC, control
 * registers...). Every tier calls the same helpers through the IR op
 * HELPER: d = helper(cpu, imm, a, b, c). A helper may read and write any
 * guest state; one that can fault checks everything that can fault before
 * it writes architectural state (or restores it), and raises through
 * soft_raise (a longjmp to the engine loop). The ALU semantics themselves
 * are in cpu/alu.c. */
#ifndef MORPHEUS_JIT_HELPERS_H
#define MORPHEUS_JIT_HELPERS_H

#include <stdint.h>

struct soft_cpu;

typedef uint32_t (*jit_helper_fn)(struct soft_cpu *cpu, uint32_t imm, uint32_t a, uint32_t b,
				  uint32_t c);

/* name, function (in helpers.c), properties of the HELPER op calling it
 * (IR_READS_FLAGS | IR_MAY_FAULT ...), what imm/a/b/c are */
#define JIT_HELPERS(X) \
	X(SHIFT, h_shift, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = group-2 op | size << 8; a = value, b = count; returns the result") \
	X(SHLD, h_shld, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = size; a = dst, b = src, c = count; returns the result") \
	X(SHRD, h_shrd, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = size; a = dst, b = src, c = count; returns the result") \
	X(MUL, h_mul, IR_READS_FLAGS, "imm = size; a = operand; AL/AX/EAX * a into AX, DX:AX, EDX:EAX") \
	X(IMUL, h_imul, IR_READS_FLAGS, "imm = size; a = operand; signed MUL") \
	X(IMUL2, h_imul2, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = size; returns a * b truncated, flags set") \
	X(DIV, h_div, IR_READS_FLAGS | IR_MAY_FAULT, "imm = size; a = divisor; #DE") \
	X(IDIV, h_idiv, IR_READS_FLAGS | IR_MAY_FAULT, "imm = size; a = divisor; #DE") \
	X(DAA, h_daa, IR_READS_FLAGS, "AL") \
	X(DAS, h_das, IR_READS_FLAGS, "AL") \
	X(AAA, h_aaa, IR_READS_FLAGS, "AX") \
	X(AAS, h_aas, IR_READS_FLAGS, "AX") \
	X(AAM, h_aam, IR_READS_FLAGS | IR_MAY_FAULT, "imm = base; AX; #DE when base is 0") \
	X(AAD, h_aad, IR_READS_FLAGS, "imm = base; AX") \
	X(BIT, h_bit, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = BT/BTS/BTR/BTC (4-7) | size << 8; a = value, b = bit; returns the new value") \
	X(BSF, h_bsf, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = size; a = source, b = old destination; returns the new one") \
	X(BSR, h_bsr, IR_READS_FLAGS | IR_FLAGS_ONLY, "imm = size; a = source, b = old destination; returns the new one") \
	X(CMPXCHG8B, h_cmpxchg8b, IR_READS_FLAGS | IR_MAY_FAULT, "a = linear address") \
	X(STRING, h_string, IR_READS_FLAGS | IR_MAY_FAULT, "imm = JIT_STRING_* packing; returns 1 when done, 0 to restart") \
	X(PUSHA, h_pusha, IR_MAY_FAULT, "imm = size") \
	X(POPA, h_popa, IR_MAY_FAULT, "imm = size") \
	X(ENTER, h_enter, IR_MAY_FAULT, "imm = size; a = frame bytes, b = nesting level") \
	X(BOUND, h_bound, IR_MAY_FAULT, "imm = size; a = index, b = linear address of the bounds; #BR") \
	X(FAR_JMP, h_far_jmp, IR_MAY_FAULT, "imm = operand size; a = selector, b = offset, c = next EIP (a task switch saves it)") \
	X(FAR_CALL, h_far_call, IR_MAY_FAULT, "imm = operand size; a = selector, b = offset, c = return EIP") \
	X(RETF, h_retf, IR_MAY_FAULT, "imm = operand size | bytes to pop << 8") \
	X(IRET, h_iret, IR_READS_FLAGS | IR_MAY_FAULT, "imm = operand size; a = next EIP (a task return saves it)") \
	X(INT, h_int, IR_READS_FLAGS | IR_MAY_FAULT, "imm = vector | JIT_INT_*; a = return EIP (software interrupt)") \
	X(INTO, h_into, IR_READS_FLAGS | IR_MAY_FAULT, "a = return EIP: INT 4 if OF, else EIP = a") \
	X(LOAD_SEG, h_load_seg, IR_MAY_FAULT, "imm = segment; a = selector (protected mode)") \
	X(CPUID, h_cpuid, 0, "EAX, ECX in; EAX EBX ECX EDX out") \
	X(RDTSC, h_rdtsc, IR_MAY_FAULT, "EDX:EAX = retired instructions; #GP(0) at CPL > 0 with CR4.TSD") \
	X(RDMSR, h_rdmsr, IR_MAY_FAULT, "ECX; EDX:EAX") \
	X(WRMSR, h_wrmsr, IR_MAY_FAULT, "ECX, EDX:EAX") \
	X(READ_CR, h_read_cr, IR_MAY_FAULT, "imm = register (16 + n: DRn); returns it") \
	X(WRITE_CR, h_write_cr, IR_MAY_FAULT, "imm = register (16 + n: DRn); a = value") \
	X(INVLPG, h_invlpg, 0, "a = linear address: drops its TLB entries") \
	X(LMSW, h_lmsw, 0, "a = value") \
	X(LLDT, h_lldt, IR_MAY_FAULT, "a = selector") \
	X(LTR, h_ltr, IR_MAY_FAULT, "a = selector") \
	X(LAR, h_lar, IR_READS_FLAGS | IR_MAY_FAULT, "imm = JIT_LAR_*; a = selector, b = old destination; returns the new one, ZF") \
	X(ARPL, h_arpl, IR_READS_FLAGS | IR_FLAGS_ONLY, "a = destination, b = source; returns the new destination, ZF") \
	X(IOPL, h_iopl, IR_MAY_FAULT, "#GP(0) unless CPL <= IOPL (CLI, STI; PUSHF, POPF in virtual-8086 mode)") \
	X(POPF, h_popf, IR_MAY_FAULT, "imm = operand size; a = value: the EFLAGS bits POPF may write at this CPL and IOPL") \
	X(FLAGS_CHECK, h_flags_check, 0, "after STI, POPF: requests an exit to the engine loop when TF or AC is set, or IF with an interrupt pending") \
	X(IO_CHECK, h_io_check, IR_MAY_FAULT, "imm = size; a = port: #GP(0) unless the TSS I/O bitmap allows it") \
	X(SYSENTER, h_sysenter, IR_MAY_FAULT, "SYSENTER") \
	X(SYSEXIT, h_sysexit, IR_MAY_FAULT, "SYSEXIT") \
	X(CLTS, h_clts, 0, "clears CR0.TS") \
	X(DTABLE, h_dtable, IR_MAY_FAULT, "imm = 0 LGDT, 1 LIDT, 2 SGDT, 3 SIDT | operand size << 8; a = linear address") \
	X(X87, h_x87, IR_READS_FLAGS | IR_MAY_FAULT, "imm = SOFT_X87_IMM; a = linear address, b = offset of the memory operand, c = EIP (cpu/soft_x87.c)") \
	X(FWAIT, h_fwait, IR_MAY_FAULT, "WAIT: #NM with CR0.TS and MP, #MF when an x87 exception is pending")

enum jit_helper {
#define JIT_HELPER_ENUM(name, fn, props, text) JIT_HELPER_##name,
	JIT_HELPERS(JIT_HELPER_ENUM)
#undef JIT_HELPER_ENUM
	JIT_NR_HELPERS
};

struct jit_helper_info {
	jit_helper_fn fn;
	const char *name;
	unsigned properties;   /* IR_* properties of the HELPER op calling it */
};

extern const struct jit_helper_info jit_helpers[JIT_NR_HELPERS];

/* JIT_HELPER_INT's imm: the vector, and */
#define JIT_INT_ICEBP (1u << 8)   /* INT1 (F1): no DPL check, EXT set */
#define JIT_INT_N (1u << 9)       /* INT n (CD): IOPL-sensitive in virtual-8086 mode */
/* JIT_HELPER_LAR's imm: the operation | operand size << 8. */
enum { JIT_LAR_LAR, JIT_LAR_LSL, JIT_LAR_VERR, JIT_LAR_VERW };

/* JIT_HELPER_STRING's imm. */
#define JIT_STRING_IMM(op, size, addrsize, rep, seg) \
	((uint32_t)(op) | (uint32_t)(size) << 8 | (uint32_t)(addrsize) << 12 | \
	 (uint32_t)(rep) << 16 | (uint32_t)(seg) << 20)
enum { JIT_REP_NONE, JIT_REP_E, JIT_REP_NE };   /* REP/REPE is JIT_REP_E */
/* Iterations of a REP string instruction per helper call. */
#define JIT_STRING_CHUNK 4096u

#endif
