/* SPDX-License-Identifier: GPL-3.0-or-later */
/* operand_bits.h — small facts about x86 operands of 1, 2 or 4 bytes
 * (masks, sign bits, sign extension) and the flags every result sets (SF
 * ZF PF), shared by the flag and ALU semantics (cpu/flags.c, cpu/alu.c). */
#ifndef MORPHEUS_OPERAND_BITS_H
#define MORPHEUS_OPERAND_BITS_H

#include <stdbool.h>
#include <stdint.h>
#include "cpu/flags.h"

static inline uint32_t size_mask(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static inline uint32_t sign_bit(unsigned size)
{
	return size >= 4 ? 0x80000000u : 1u << (size * 8 - 1);
}

static inline int32_t sign_extend(uint32_t v, unsigned size)
{
	if (size == 1)
		return (int8_t)v;
	if (size == 2)
		return (int16_t)v;
	return (int32_t)v;
}

/* PF: set when the low byte has an even number of ones. */
static inline uint32_t parity_flag(uint32_t v)
{
	return __builtin_parity(v & 0xff) ? 0 : FLAG_PF;
}

/* SF ZF PF of a value already masked to its size. */
static inline uint32_t result_flags(uint32_t v, unsigned size)
{
	return (v & sign_bit(size) ? FLAG_SF : 0) | (v ? 0 : FLAG_ZF) | parity_flag(v);
}

static inline uint32_t bool_flag(bool b, uint32_t flag)
{
	return b ? flag : 0;
}

#endif
