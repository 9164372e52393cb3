/* SPDX-License-Identifier: GPL-3.0-or-later */
/* translate.h — the block translator: guest code at CS:EIP, fetched
 * through the soft MMU and decoded by cpu/decode.c, becomes one IR block
 * in the code cache. It does not run code (jit/interp.c) or look blocks up
 * (cpu/soft.c). */
#ifndef MORPHEUS_JIT_TRANSLATE_H
#define MORPHEUS_JIT_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

struct soft_cpu;
struct ir_builder;
struct jit_block;

/* Translates the block at cpu's CS base + eip in cpu's current mode and
 * enters it into cpu->cache (flushing the cache when it is full: then
 * *flushed is set and every older block pointer is stale). `ir` is scratch
 * space. NULL only when the block cannot fit even in an empty cache or the
 * translator hit one of its limits (an internal error). */
struct jit_block *jit_translate(struct soft_cpu *cpu, struct ir_builder *ir, uint32_t eip, bool *flushed);

#endif
