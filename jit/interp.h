/* SPDX-License-Identifier: GPL-3.0-or-later */
/* interp.h — tier 0 of the soft engine: runs translated blocks (IR) with a
 * direct-threaded interpreter, following chained exits. It does not
 * translate, look up blocks or deliver exceptions (cpu/soft.c does). */
#ifndef MORPHEUS_JIT_INTERP_H
#define MORPHEUS_JIT_INTERP_H

struct soft_cpu;
struct jit_block;

/* How jit_interp_run left: the last block run, and the exit slot it left
 * through (0 or 1, which the engine may chain to the next block), or -1
 * for an exit that cannot be chained (indirect, HLT, SMC, mode change). */
struct jit_exit {
	struct jit_block *from;
	int slot;
};

/* Runs block b, then the blocks chained to it while cpu->exit_request is
 * clear. Exceptions leave through soft_raise's longjmp instead. */
void jit_interp_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit);

#endif
