/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gccjit.h — tier 1's backend: compiles a batch of translated blocks into
 * one native function with libgccjit, a "region" with one entry per
 * block. Each IR op becomes one construction with the semantics of its
 * tier-0 handler (jit/interp.c); guest registers live in locals across the
 * whole region; a static exit to another block of the region is a direct
 * jump (jit/native.c keeps a region only while all its blocks are valid).
 * It can also write the region into a shared object for another process
 * to load (jit/worker.c).
 * docs/jit.md describes the code it makes and its measurements.
 *
 * It compiles; it does not decide what to compile, own a thread or install
 * code (jit/native.c does). A batch holds private copies of its blocks
 * (taken on the vCPU thread), so compiling may run on another thread while
 * the vCPU keeps running and even changes or drops the originals; the
 * addresses embedded in the code are the originals' (for precise
 * exceptions), and jit/native.c installs a region only while they are
 * alive (same code-cache generation, block still valid). */
#ifndef MORPHEUS_JIT_GCCJIT_H
#define MORPHEUS_JIT_GCCJIT_H

#include <stdbool.h>
#include <stdint.h>

struct soft_cpu;
struct jit_block;

/* --jit (machine_config.jit). */
enum jit_tier { JIT_TIER_OFF, JIT_TIER_ON, JIT_TIER_EAGER };

/* What a region's function returns: it left from its block i (an index
 * into jit_region.blocks) through exit slot 0 or 1 (EIP and the retired
 * count updated), an indirect branch (EIP set) or any other exit. */
#define JIT_NATIVE_IND 2
#define JIT_NATIVE_LEAVE 3
#define JIT_NATIVE_RET(i, kind) ((int)(i) << 2 | (kind))

/* Blocks to compile together. */
struct jit_batch {
	struct jit_block **orig;     /* the blocks in the code cache */
	struct jit_block **copy;     /* private copies: header, ops, insns */
	unsigned nr, cap;
	uint64_t generation;         /* the code cache's when the batch began */
};

/* Adds a copy of b (vCPU thread). False when out of memory. */
bool jit_batch_add(struct jit_batch *batch, struct jit_block *b);
/* Frees the copies and empties the batch (keeps generation). */
void jit_batch_clear(struct jit_batch *batch);
/* Whether the batch holds block b. */
bool jit_batch_has(const struct jit_batch *batch, const struct jit_block *b);

/* A compiled batch. */
struct jit_region {
	void *result;                             /* gcc_jit_result, or NULL */
	void *dl;                                 /* or the dlopen handle of its shared object */
	/* That shared object's file, removed when the region is released,
	 * not before: glibc's dlopen takes a file with the device and inode
	 * of a loaded object for that object, and a removed file's inode
	 * comes back for the next one (two regions then ran one's code, and
	 * releasing one unmapped the other's). */
	char so_path[96];
	int (*fn)(struct soft_cpu *cpu, int entry);
	struct jit_block **blocks;                /* entry i runs blocks[i] (the originals) */
	unsigned nr_blocks;
	uint64_t generation;
	struct jit_region *next;
};

struct jit_compile_options {
	int opt_level;        /* libgccjit's optimization level, 0-3 */
	bool link_blocks;     /* direct jumps between the region's blocks */
	/* a static exit to a block of another region: a required tail call
	 * of that region (its block's chain and native), instead of a return
	 * to jit_native_run, which would then call it */
	bool tail_calls;
	/* For a compile in another process (jit/worker.c): the address of the
	 * region's block table in the process that will run the code (NULL:
	 * the region's own), and the shared object to write instead of
	 * loading the code (NULL: load it here). */
	struct jit_block **table;
	const char *so_path;
};

/* What one compile left out or what went wrong. */
struct jit_compile_report {
	unsigned unsupported;            /* blocks with an op the backend lacks */
	const char *first_unsupported;   /* the first such op's name */
	char error[160];                 /* libgccjit's first error, or "" */
};

/* Compiles the blocks of `batch` that the backend supports into one
 * region (any thread; libgccjit serializes compiles itself). NULL when
 * nothing could be compiled (rep says why). */
struct jit_region *jit_gccjit_compile(const struct jit_batch *batch, const struct jit_compile_options *opt,
				      struct jit_compile_report *rep);
/* With opt->so_path, the region returned has no code (fn NULL): its
 * blocks[] are the batch's originals in region order, for the process
 * that loads the file. */
/* Releases the region's code and memory (no code of it may be running). */
void jit_region_release(struct jit_region *r);

#endif
