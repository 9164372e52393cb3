/* SPDX-License-Identifier: GPL-3.0-or-later */
/* native.h — tier 1 of the soft engine: what runs compiled code, and when
 * code gets compiled (docs/jit.md).
 *
 * - --jit on: tier 0 counts the entries of each block; at the threshold
 *   the block is copied into a queue (jit_native_hot). One background
 *   thread takes what has queued up (waiting a moment for a hot loop's
 *   other blocks to follow), compiles it as one batch (jit/gccjit.h) and
 *   hands the region back; the vCPU thread installs it between blocks
 *   (jit_native_update): it sets block->native only while the block is
 *   still valid and the code cache was not flushed since. The vCPU never
 *   waits for the compiler.
 * - --jit eager: the engine loop compiles every block before it first
 *   runs, together with the blocks it reaches through static exits
 *   (jit_native_compile_now), and waits for it.
 * Regions whose blocks have all been invalidated (self-modifying code) are
 * released between blocks; a wholesale flush of the code cache releases
 * them all. Only the vCPU thread calls these functions. */
#ifndef MORPHEUS_JIT_NATIVE_H
#define MORPHEUS_JIT_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "jit/gccjit.h"

struct soft_cpu;
struct jit_block;
struct jit_exit;

struct jit_native_config {
	enum jit_tier tier;           /* JIT_TIER_ON or JIT_TIER_EAGER */
	int opt_level;                /* libgccjit's -O level */
	uint32_t threshold;           /* --jit on: tier-0 entries before compiling (raised up to
				       * JIT_THRESHOLD_MAX_SCALE times while a backlog lasts) */
	uint32_t batch_max;           /* blocks per compile at most */
	uint32_t batch_ops;           /* ... and IR ops (compile time grows faster than size) */
	uint32_t collect_us;          /* --jit on: wait after the first queued block */
	bool link_blocks;             /* direct jumps inside regions */
	bool tail_calls;              /* regions tail-call each other (jit_compile_options) */
	bool in_process;              /* compile here, not in a worker process (jit/worker.h) */
};

/* How far a compile backlog may raise the threshold (jit_native_hot). */
#define JIT_THRESHOLD_MAX_SCALE 64u

struct jit_native_stats {
	uint64_t compiled;          /* blocks compiled */
	uint64_t batches;           /* libgccjit compiles */
	uint64_t unsupported;       /* blocks left on tier 0: an op not supported */
	uint64_t failed;            /* blocks left on tier 0: libgccjit failed */
	uint64_t discarded;         /* compiled, but invalid or flushed before install */
	uint64_t released;          /* regions released */
	uint64_t compile_ns;        /* total time in libgccjit */
	uint64_t wait_ns;           /* time the vCPU waited for the compiler */
	uint64_t tier1_retired;     /* instructions retired in compiled code */
	uint64_t region_calls;      /* calls of a region's function (jit_native_run) */
	uint64_t worker_starts;     /* compile worker processes started (0: compiles in this process) */
	uint64_t queued;            /* blocks handed to the compile thread */
	uint64_t deferred;          /* hot blocks sent back to count again: a full batch was waiting */
	const char *first_unsupported;   /* name of the first unsupported op, or NULL */
	char first_error[160];      /* the first libgccjit error, or "" */
};

struct jit_native;

/* Starts the compile thread for JIT_TIER_ON. NULL when out of memory or
 * the thread cannot start. */
struct jit_native *jit_native_create(const struct jit_native_config *cfg, struct soft_cpu *cpu);
/* Stops the thread and releases every region. */
void jit_native_destroy(struct jit_native *n);

/* Tier 0 found block b hot (cpu->native may be NULL: then nothing). */
void jit_native_hot(struct soft_cpu *cpu, struct jit_block *b);
/* Between blocks: installs finished regions of the current code-cache
 * generation and releases the regions whose blocks are all invalid.
 * invalid_blocks is the cache's count of invalidated blocks (a change
 * means a sweep is due). */
void jit_native_update(struct jit_native *n, uint64_t generation, uint64_t invalid_blocks);
/* The code cache was flushed: releases every region (the blocks are gone). */
void jit_native_drop_all(struct jit_native *n);
/* --jit eager: compiles the blocks of `batch` now and installs them. */
void jit_native_compile_now(struct jit_native *n, struct jit_batch *batch);

/* Runs compiled block b, then the compiled blocks chained to it (or found
 * through the jump cache) while cpu->exit_request is clear; returns like
 * jit_interp_run (the engine loop runs blocks left on tier 0). */
void jit_native_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit);

/* An exception left compiled code (longjmp, before soft_fault_recover):
 * counts the instructions it retired. */
void jit_native_fault_exit(struct soft_cpu *cpu);

void jit_native_get_stats(struct jit_native *n, struct jit_native_stats *st);
const struct jit_native_config *jit_native_config(const struct jit_native *n);

#endif
