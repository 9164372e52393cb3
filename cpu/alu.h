/* SPDX-License-Identifier: GPL-3.0-or-later */
/* alu.h — the semantics of the integer instructions that are too irregular
 * to spell out in IR: multiply/divide, BCD adjust, shifts and rotates with
 * their exact flags, bit scans. Pure functions on values: every tier calls
 * them (the tier-0 interpreter and libgccjit-compiled code alike). They
 * update the lazy flags they are given; they never touch guest memory.
 * Divide errors are reported by return value (the caller raises #DE). */
#ifndef MORPHEUS_ALU_H
#define MORPHEUS_ALU_H

#include <stdbool.h>
#include <stdint.h>
#include "cpu/flags.h"

/* size is the operand size in bytes (1, 2 or 4); values are zero-extended. */

/* Shifts and rotates by `count` (already masked to 5 bits as the CPU does;
 * count 0 changes nothing, flags included). RCL/RCR rotate through CF
 * (9 and 17 bits for sizes 1 and 2: count mod 9 / mod 17). SHL/SHR/SAR
 * leave CC_OP_SHL/SHR/SAR, ROL/ROR CC_OP_ROL/ROR, RCL/RCR CC_OP_EFLAGS. */
uint32_t alu_shift(unsigned op, unsigned size, uint32_t value, unsigned count, struct lazy_flags *f);
/* op for alu_shift: the ModRM reg field of group 2: */
enum { ALU_ROL, ALU_ROR, ALU_RCL, ALU_RCR, ALU_SHL, ALU_SHR, ALU_SAL, ALU_SAR };
/* SHLD/SHRD dst, src, count (count masked to 5 bits by the caller; 0
 * changes nothing). Sizes 2 and 4. For size 2 and counts 17..31 (result
 * undefined in the SDM) the result is what this AMD host gives: see
 * alu.c. Flags: CC_OP_EFLAGS. */
uint32_t alu_shld(unsigned size, uint32_t dst, uint32_t src, unsigned count, struct lazy_flags *f);
uint32_t alu_shrd(unsigned size, uint32_t dst, uint32_t src, unsigned count, struct lazy_flags *f);

/* MUL/IMUL one-operand forms (AL/AX/EAX times b): *lo = low half, *hi =
 * high half: DX and AX for size 2, EDX and EAX for size 4; for size 1 the
 * whole product goes to AX: *lo = AX (16 bits) and *hi = AH. Two- and
 * three-operand IMUL: alu_imul_trunc returns the truncated product.
 * Flags: CC_OP_MUL / CC_OP_IMUL. */
void alu_mul(unsigned size, uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, struct lazy_flags *f);
void alu_imul(unsigned size, uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, struct lazy_flags *f);
uint32_t alu_imul_trunc(unsigned size, uint32_t a, uint32_t b, struct lazy_flags *f);
/* DIV/IDIV of hi:lo by divisor: false on #DE (zero divisor, quotient too
 * big; for IDIV a quotient outside [-2^(n-1), 2^(n-1)-1], INT_MIN / -1
 * included), and then *quot and *rem are untouched. Size 1: lo = AX (hi
 * ignored), quotient -> AL, remainder -> AH; size 2: hi:lo = DX:AX; size
 * 4: EDX:EAX. Flags: untouched; all six are undefined after a divide, and
 * alu_div_flags() (call it after a divide that did not fault) leaves them
 * as this host does (SF ZF PF = 0, AF = 1, CF OF kept). */
bool alu_div(unsigned size, uint32_t lo, uint32_t hi, uint32_t divisor, uint32_t *quot, uint32_t *rem);
bool alu_idiv(unsigned size, uint32_t lo, uint32_t hi, uint32_t divisor, uint32_t *quot, uint32_t *rem);
void alu_div_flags(struct lazy_flags *f);

/* BCD: al/ax in (upper bits ignored), results out; flags updated
 * (CC_OP_EFLAGS). alu_daa/das return the new AL, alu_aaa/aas/aad the new
 * AX. AAM with base 0 -> #DE: returns false, *ax and flags untouched. */
uint32_t alu_daa(uint32_t al, struct lazy_flags *f);
uint32_t alu_das(uint32_t al, struct lazy_flags *f);
uint32_t alu_aaa(uint32_t ax, struct lazy_flags *f);   /* returns new AX */
uint32_t alu_aas(uint32_t ax, struct lazy_flags *f);
bool alu_aam(uint32_t al, uint8_t base, uint32_t *ax, struct lazy_flags *f);
uint32_t alu_aad(uint32_t ax, uint8_t base, struct lazy_flags *f);

/* BT/BTS/BTR/BTC on a register-sized value: bit already reduced modulo
 * the size (bits above are ignored); returns the new value (BT: value),
 * CF = the old bit, other flags unchanged (CC_OP_EFLAGS). For a memory
 * operand the caller picks the byte/word and passes the bit within it. */
uint32_t alu_bit(unsigned op, unsigned size, uint32_t value, unsigned bit, struct lazy_flags *f);
enum { ALU_BT = 4, ALU_BTS, ALU_BTR, ALU_BTC };   /* group 8 reg field */
/* BSF/BSR: ZF = (value == 0); destination unchanged then (returns dst).
 * Flags: CC_OP_EFLAGS. */
uint32_t alu_bsf(unsigned size, uint32_t value, uint32_t dst, struct lazy_flags *f);
uint32_t alu_bsr(unsigned size, uint32_t value, uint32_t dst, struct lazy_flags *f);

#endif
