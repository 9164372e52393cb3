/* SPDX-License-Identifier: GPL-3.0-or-later */
/* worker.h — tier 1's compiles in a child process. libgccjit keeps some of
 * what it allocates for every compile (docs/jit.md, "Memory"), so a
 * process that compiles without end would grow without end; the worker,
 * forked from the compiling thread, compiles each batch into a shared
 * object that this process loads, and is replaced by a fresh one when it
 * has grown too much. Forked (through a "zygote" process forked while
 * morpheus has one thread), it shares every code and data address with
 * this process, which the generated code embeds. Guest RAM, the code
 * arena and the framebuffer are MADV_DONTFORK: the worker never sees them.
 *
 * One thread at a time uses a worker (the compile thread, or the vCPU
 * thread under --jit eager). */
#ifndef MORPHEUS_JIT_WORKER_H
#define MORPHEUS_JIT_WORKER_H

#include <stdint.h>

#include "jit/gccjit.h"

struct jit_worker;

/* A worker (its zygote starts now, the worker at the first compile);
 * NULL when out of memory or no private directory for its files can be
 * made. Call it while this process has no other thread. */
struct jit_worker *jit_worker_create(void);
/* Ends the process and removes its directory. */
void jit_worker_destroy(struct jit_worker *w);

/* What jit_gccjit_compile does, in the worker: the region's code comes
 * from its shared object (jit_region.dl). NULL with rep filled when the
 * compile failed or the worker could not run it (it is then replaced). */
struct jit_region *jit_worker_compile(struct jit_worker *w, const struct jit_batch *batch,
				      const struct jit_compile_options *opt, struct jit_compile_report *rep);

/* Worker processes started so far. */
uint64_t jit_worker_starts(const struct jit_worker *w);

#endif
