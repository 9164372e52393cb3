/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gccjit.h — tier 1 of the soft engine, first step: compiles one
 * translated block (its IR ops, docs/ir.md) into a native function with
 * libgccjit, with the semantics of the tier-0 interpreter op by op, and
 * runs compiled blocks (following chained exits between compiled blocks).
 * docs/jit.md describes the step and its measurements.
 *
 * It does not decide what to compile (cpu/soft.c does: --jit eager
 * compiles every block before it first runs) and has no background thread
 * yet. Not thread-safe: the vCPU thread owns it. */
#ifndef MORPHEUS_JIT_GCCJIT_H
#define MORPHEUS_JIT_GCCJIT_H

#include <stdbool.h>
#include <stdint.h>

struct soft_cpu;
struct jit_block;
struct jit_exit;

/* --jit (machine_config.jit). */
enum jit_tier { JIT_TIER_OFF, JIT_TIER_ON, JIT_TIER_EAGER };

struct jit_native_stats {
	uint64_t compiled;          /* blocks compiled */
	uint64_t unsupported;       /* blocks left on tier 0: an op not supported yet */
	uint64_t failed;            /* blocks left on tier 0: libgccjit failed */
	uint64_t released;          /* compiled blocks dropped (invalidated, flushed) */
	uint64_t compile_ns;        /* total time in libgccjit */
	const char *first_unsupported;   /* name of the first unsupported op, or NULL */
	char first_error[160];      /* the first libgccjit error, or "" */
};

struct jit_native;

/* opt_level: libgccjit's optimization level (0-3). NULL when out of
 * memory. */
struct jit_native *jit_native_create(int opt_level);
/* Releases every compiled block. */
void jit_native_destroy(struct jit_native *n);

/* Compiles block b; on success sets b->native and returns true. On
 * failure (an op not supported, a libgccjit error) b stays on tier 0 and
 * the reason is counted. Sets b->tier1_tried. */
bool jit_native_compile(struct jit_native *n, struct jit_block *b);
/* Releases the code of blocks that were invalidated. Only between blocks
 * (no compiled code running). */
void jit_native_sweep(struct jit_native *n);
/* Releases every compiled block, without touching the blocks (after a
 * wholesale flush of the code cache their memory is reused). */
void jit_native_drop_all(struct jit_native *n);

/* Runs compiled block b, then the compiled blocks chained to it (or found
 * through the jump cache) while cpu->exit_request is clear; returns like
 * jit_interp_run (the engine loop runs blocks left on tier 0). */
void jit_native_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit);

void jit_native_get_stats(const struct jit_native *n, struct jit_native_stats *st);

#endif
