/* SPDX-License-Identifier: GPL-3.0-or-later */
/* native.c — tier 1 of the soft engine (jit/native.h): the hot-block
 * queue, the background compile thread, installing and releasing regions,
 * and the run loop of compiled code.
 *
 * Threads: the vCPU thread owns the installed regions, the blocks and
 * everything in struct jit_native outside `lock`. Under `lock` are the
 * queue of copied hot blocks, the list of finished regions and the
 * counters the compile thread updates. The compile thread never touches a
 * block: it reads the copies (jit/gccjit.h) and embeds the originals'
 * addresses; the vCPU thread checks at install time that they still
 * stand for live blocks. */
#include "jit/native.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/soft_cpu.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "jit/interp.h"
#include "jit/ir.h"
#include "jit/worker.h"

struct jit_native {
	struct jit_native_config cfg;
	struct soft_cpu *cpu;
	struct jit_worker *worker;        /* where compiles run, or NULL: here */
	struct jit_region *regions;       /* installed (vCPU thread) */
	uint64_t seen_invalid;            /* the cache's invalid-block count at the last sweep */
	struct jit_native_stats stats;    /* the compile thread's fields under lock */

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct jit_batch queue;           /* under lock */
	struct jit_region *done;          /* under lock: compiled, not installed */
	unsigned compiling;               /* under lock: blocks in the batch being compiled */
	bool stop;                        /* under lock */
	atomic_int done_ready;
};

/* ---- the compile step (either thread) ---- */

static void note_report(struct jit_native_stats *st, const struct jit_compile_report *rep, unsigned nr,
			const struct jit_region *r, uint64_t ns)
{
	st->batches++;
	st->compile_ns += ns;
	st->unsupported += rep->unsupported;
	if (!st->first_unsupported)
		st->first_unsupported = rep->first_unsupported;
	if (r) {
		st->compiled += r->nr_blocks;
	} else {
		st->failed += nr - rep->unsupported;
		if (!st->first_error[0] && rep->error[0])
			snprintf(st->first_error, sizeof(st->first_error), "%s", rep->error);
	}
}

static struct jit_region *compile_batch(struct jit_native *n, const struct jit_batch *batch, struct jit_compile_report *rep,
					uint64_t *ns)
{
	struct jit_compile_options opt = { .opt_level = n->cfg.opt_level, .link_blocks = n->cfg.link_blocks,
					   .tail_calls = n->cfg.tail_calls };
	uint64_t start = host_time_ns();
	struct jit_region *r = n->worker ? jit_worker_compile(n->worker, batch, &opt, rep) : jit_gccjit_compile(batch, &opt, rep);
	*ns = host_time_ns() - start;
	return r;
}

/* ---- the compile thread ---- */

/* Moves up to max blocks and about max_ops IR ops (at least one block)
 * from the front of `from` to `to`. */
static void batch_take(struct jit_batch *from, struct jit_batch *to, unsigned max, unsigned max_ops)
{
	unsigned k = 0, ops = 0;
	to->generation = from->generation;
	for (; k < from->nr && k < max; k++) {
		ops += from->copy[k]->nr_ops;
		if (k && ops > max_ops)
			break;
		if (to->nr == to->cap) {   /* grow: jit_batch_add's arrays */
			unsigned cap = to->cap ? 2 * to->cap : 32;
			struct jit_block **o = realloc(to->orig, cap * sizeof(*o));
			struct jit_block **c = o ? realloc(to->copy, cap * sizeof(*c)) : NULL;
			if (o)
				to->orig = o;
			if (!c)
				break;
			to->copy = c;
			to->cap = cap;
		}
		to->orig[to->nr] = from->orig[k];
		to->copy[to->nr++] = from->copy[k];
	}
	memmove(from->orig, from->orig + k, (from->nr - k) * sizeof(*from->orig));
	memmove(from->copy, from->copy + k, (from->nr - k) * sizeof(*from->copy));
	from->nr -= k;
}

static void deadline_after(struct timespec *ts, unsigned us)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += (long)us * 1000;
	while (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	}
}

static void *compile_thread(void *arg)
{
	struct jit_native *n = arg;
	struct jit_batch batch = { 0 };
	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		if (!n->queue.nr) {
			pthread_cond_wait(&n->cond, &n->lock);
			continue;
		}
		/* the other blocks of a hot loop become hot right after the
		 * first one: let them join this batch */
		if (n->cfg.collect_us && n->queue.nr < n->cfg.batch_max) {
			struct timespec until;
			deadline_after(&until, n->cfg.collect_us);
			while (!n->stop && n->queue.nr && n->queue.nr < n->cfg.batch_max &&
			       pthread_cond_timedwait(&n->cond, &n->lock, &until) == 0)
				;
			if (n->stop || !n->queue.nr)
				continue;
		}
		batch_take(&n->queue, &batch, n->cfg.batch_max, n->cfg.batch_ops);
		n->compiling = batch.nr;
		pthread_mutex_unlock(&n->lock);

		struct jit_compile_report rep = { 0 };
		uint64_t ns;
		struct jit_region *r = compile_batch(n, &batch, &rep, &ns);
		unsigned nr = batch.nr;
		jit_batch_clear(&batch);

		pthread_mutex_lock(&n->lock);
		n->compiling = 0;
		note_report(&n->stats, &rep, nr, r, ns);
		if (r) {
			r->next = n->done;
			n->done = r;
			atomic_store(&n->done_ready, 1);
			atomic_store(&n->cpu->exit_request, 1);   /* install soon */
		}
	}
	pthread_mutex_unlock(&n->lock);
	free(batch.orig);
	free(batch.copy);
	return NULL;
}

/* The vCPU thread takes the lock; time spent waiting for it counts as
 * waiting for the compiler. */
static void lock_vcpu(struct jit_native *n)
{
	if (pthread_mutex_trylock(&n->lock) == 0)
		return;
	uint64_t start = host_time_ns();
	pthread_mutex_lock(&n->lock);
	n->stats.wait_ns += host_time_ns() - start;
}

/* ---- create, destroy ---- */

struct jit_native *jit_native_create(const struct jit_native_config *cfg, struct soft_cpu *cpu)
{
	struct jit_native *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->cfg = *cfg;
	if (!n->cfg.batch_max)
		n->cfg.batch_max = 1;
	if (!n->cfg.batch_ops)
		n->cfg.batch_ops = 1;
	n->cpu = cpu;
	/* no private directory for its files: compile in this process */
	if (!cfg->in_process)
		n->worker = jit_worker_create();
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	if (cfg->tier == JIT_TIER_ON) {
		if (pthread_create(&n->thread, NULL, compile_thread, n) != 0) {
			pthread_mutex_destroy(&n->lock);
			pthread_cond_destroy(&n->cond);
			jit_worker_destroy(n->worker);
			free(n);
			return NULL;
		}
		n->thread_started = true;
	}
	return n;
}

static void release_list(struct jit_native *n, struct jit_region **list)
{
	while (*list) {
		struct jit_region *r = *list;
		*list = r->next;
		for (unsigned i = 0; i < r->nr_blocks; i++)
			if (r->blocks[i]->native_blocks == r->blocks) {
				r->blocks[i]->native = NULL;
				r->blocks[i]->native_blocks = NULL;
			}
		jit_region_release(r);
		n->stats.released++;
	}
}

void jit_native_drop_all(struct jit_native *n)
{
	/* The blocks are gone: do not touch them. */
	while (n->regions) {
		struct jit_region *r = n->regions;
		n->regions = r->next;
		jit_region_release(r);
		n->stats.released++;
	}
	lock_vcpu(n);
	jit_batch_clear(&n->queue);
	pthread_mutex_unlock(&n->lock);
}

void jit_native_destroy(struct jit_native *n)
{
	if (!n)
		return;
	if (n->thread_started) {
		pthread_mutex_lock(&n->lock);
		n->stop = true;
		pthread_cond_signal(&n->cond);
		pthread_mutex_unlock(&n->lock);
		pthread_join(n->thread, NULL);
	}
	jit_native_drop_all(n);
	while (n->done) {
		struct jit_region *r = n->done;
		n->done = r->next;
		jit_region_release(r);
	}
	jit_batch_clear(&n->queue);
	free(n->queue.orig);
	free(n->queue.copy);
	pthread_mutex_destroy(&n->lock);
	pthread_cond_destroy(&n->cond);
	jit_worker_destroy(n->worker);
	free(n);
}

/* ---- the vCPU side ---- */

void jit_native_hot(struct soft_cpu *cpu, struct jit_block *b)
{
	struct jit_native *n = cpu->native;
	if (!n || b->tier1_tried || !n->thread_started) {
		b->hot_count = 0;   /* not again before another threshold's worth */
		return;
	}
	lock_vcpu(n);
	if (n->queue.nr + n->compiling >= n->cfg.batch_max) {
		/* A backlog (a boot runs much code a little): a full batch
		 * waits or is being compiled. The threshold
		 * doubles (up to JIT_THRESHOLD_MAX_SCALE times the configured
		 * one), and this block counts its entries again; a really hot
		 * one is back soon, and the lukewarm ones stop crowding the
		 * queue. The threshold halves again while the compile thread
		 * is idle and the queue short. */
		b->hot_count = 0;
		if ((uint64_t)cpu->hot_threshold * 2 <= (uint64_t)n->cfg.threshold * JIT_THRESHOLD_MAX_SCALE)
			cpu->hot_threshold *= 2;
		n->stats.deferred++;
		pthread_mutex_unlock(&n->lock);
		return;
	}
	if (!n->compiling && n->queue.nr < n->cfg.batch_max / 4 && cpu->hot_threshold / 2 >= n->cfg.threshold)
		cpu->hot_threshold /= 2;
	b->tier1_tried = true;
	if (!n->queue.nr)
		n->queue.generation = jit_cache_generation(cpu->cache);
	if (jit_batch_add(&n->queue, b)) {
		n->stats.queued++;
		pthread_cond_signal(&n->cond);
	}
	pthread_mutex_unlock(&n->lock);
}

/* Sets the blocks of region r to run its code (those not in another
 * region yet); false when r is not needed. A region's code jumps between
 * its blocks without checking that they are still valid, so a region is
 * installed only when all its blocks are (and released by sweep as soon
 * as one is not). */
static bool install(struct jit_native *n, struct jit_region *r)
{
	for (unsigned i = 0; i < r->nr_blocks; i++)
		if (!r->blocks[i]->valid) {
			n->stats.discarded += r->nr_blocks;
			return false;
		}
	unsigned live = 0;
	for (unsigned i = 0; i < r->nr_blocks; i++) {
		struct jit_block *b = r->blocks[i];
		if (b->native) {
			n->stats.discarded++;
			continue;
		}
		b->native = r->fn;
		b->native_entry = (int)i;
		b->native_blocks = r->blocks;
		live++;
	}
	return live > 0;
}

/* Releases the regions that hold an invalid block (their code may jump
 * to it) or that no block runs any more. Their valid blocks go back to
 * tier 0; with --jit on they may get hot and be compiled again. */
static void sweep(struct jit_native *n)
{
	struct jit_region **p = &n->regions;
	while (*p) {
		struct jit_region *r = *p;
		bool all_valid = true, used = false;
		for (unsigned i = 0; i < r->nr_blocks; i++) {
			all_valid &= r->blocks[i]->valid;
			used |= r->blocks[i]->native_blocks == r->blocks;
		}
		if (all_valid && used) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		r->next = NULL;
		if (n->cfg.tier == JIT_TIER_ON)
			for (unsigned i = 0; i < r->nr_blocks; i++)
				if (r->blocks[i]->valid && r->blocks[i]->native_blocks == r->blocks) {
					r->blocks[i]->tier1_tried = false;
					r->blocks[i]->hot_count = 0;
				}
		release_list(n, &r);
	}
}

void jit_native_update(struct jit_native *n, uint64_t generation, uint64_t invalid_blocks)
{
	if (invalid_blocks != n->seen_invalid) {
		n->seen_invalid = invalid_blocks;
		sweep(n);
	}
	if (!atomic_load_explicit(&n->done_ready, memory_order_acquire))
		return;
	lock_vcpu(n);
	struct jit_region *list = n->done;
	n->done = NULL;
	atomic_store(&n->done_ready, 0);
	pthread_mutex_unlock(&n->lock);
	while (list) {
		struct jit_region *r = list;
		list = r->next;
		r->next = NULL;
		if (r->generation == generation && install(n, r)) {
			r->next = n->regions;
			n->regions = r;
			continue;
		}
		if (r->generation != generation)
			n->stats.discarded += r->nr_blocks;
		jit_region_release(r);
		n->stats.released++;
	}
}

void jit_native_compile_now(struct jit_native *n, struct jit_batch *batch)
{
	for (unsigned i = 0; i < batch->nr; i++)
		batch->orig[i]->tier1_tried = true;
	struct jit_compile_report rep = { 0 };
	uint64_t ns;
	struct jit_region *r = compile_batch(n, batch, &rep, &ns);
	n->stats.wait_ns += ns;
	note_report(&n->stats, &rep, batch->nr, r, ns);
	if (r) {
		if (install(n, r)) {
			r->next = n->regions;
			n->regions = r;
		} else {
			jit_region_release(r);
			n->stats.released++;
		}
	}
}

void jit_native_run(struct soft_cpu *cpu, struct jit_block *b, struct jit_exit *exit)
{
	/* CS does not change inside a run (as in jit_interp_run). */
	const uint32_t cs_limit = (uint32_t)cpu->s.seg[SEG_CS].limit;
	cpu->in_native = true;
	cpu->native_start = cpu->retired;
	for (;;) {
		if (__builtin_expect(cpu->trace_exec, 0))
			machine_trace(cpu->m, "exec", "block cs_base 0x%x eip 0x%x phys 0x%llx (%u instructions, tier 1)",
				      b->cs_base, b->eip, (unsigned long long)b->phys, b->nr_insns);
		int r = b->native(cpu, b->native_entry);
		cpu->native->stats.region_calls++;
		/* the region that returned (not b's, after tail calls) */
		struct jit_block *from = cpu->native_exit_blocks[r >> 2];
		int kind = r & 3;
		struct jit_block *next = NULL;
		if (kind == 0 || kind == 1) {
			next = from->chain[kind];
			if (!(next && next->valid && next->native && jit_block_fits_cs(next, cs_limit)))
				next = NULL;
		} else if (kind == JIT_NATIVE_IND) {
			uint32_t eip = (uint32_t)cpu->s.rip;
			next = cpu->jmp_cache[soft_jmp_hash(from->cs_base + eip)];
			if (!(next && next->eip == eip && next->cs_base == from->cs_base && next->mode == from->mode &&
			      next->valid && next->native && jit_block_fits_cs(next, cs_limit)))
				next = NULL;
		}
		/* after a store into translated code, the engine loop must
		 * release the regions holding the invalid blocks first */
		if (!next || atomic_load_explicit(&cpu->exit_request, memory_order_relaxed) || cpu->mmu.code_written) {
			exit->from = from;
			exit->slot = kind <= 1 ? kind : -1;
			break;
		}
		b = next;
	}
	cpu->in_native = false;
	cpu->native->stats.tier1_retired += cpu->retired - cpu->native_start;
}

void jit_native_fault_exit(struct soft_cpu *cpu)
{
	if (!cpu->in_native)
		return;
	cpu->in_native = false;
	cpu->native->stats.tier1_retired += soft_cpu_retired_now(cpu) - cpu->native_start;
}

void jit_native_get_stats(struct jit_native *n, struct jit_native_stats *st)
{
	pthread_mutex_lock(&n->lock);
	*st = n->stats;
	st->worker_starts = jit_worker_starts(n->worker);
	pthread_mutex_unlock(&n->lock);
}

const struct jit_native_config *jit_native_config(const struct jit_native *n)
{
	return &n->cfg;
}
