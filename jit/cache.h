/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cache.h — the code cache of the soft engine: translated blocks keyed by
 * the guest-physical address of their first byte, the CS base and the mode
 * bits that change decoding; the pages that hold translated code with a
 * bitmap of their code bytes (self-modifying code); a size bound with a
 * wholesale flush.
 *
 * Blocks live in one arena. An invalidated block is only marked invalid and
 * dropped from the hash table: its memory stays until the next wholesale
 * flush, so a chained pointer to it (or the interpreter running it) never
 * dangles; chaining checks `valid`. Flushes happen only between blocks
 * (from the engine loop), never while one runs. Not thread-safe: one vCPU
 * thread owns it. */
#ifndef MORPHEUS_JIT_CACHE_H
#define MORPHEUS_JIT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jit_block;

/* Mode bits of the key (jit_block.mode). */
#define JIT_MODE_PE (1u << 0)      /* CR0.PE */
#define JIT_MODE_CS32 (1u << 1)    /* CS.D: 32-bit code */
#define JIT_MODE_SS32 (1u << 2)    /* SS.B: 32-bit stack */
/* Protected mode with DS, ES and SS flat: base 0, limit 4 GiB - 1. Their
 * accesses then need no base and no limit load (ir_op.flat); blocks end
 * after every load of DS, ES or SS in protected mode. */
#define JIT_MODE_FLAT (1u << 3)
/* The CPL (protected mode; 3 in virtual-8086 mode, 0 in real mode): the
 * TLB set of memory accesses (user for CPL 3) and privilege checks. */
#define JIT_MODE_CPL_SHIFT 4
#define JIT_MODE_CPL_MASK (3u << JIT_MODE_CPL_SHIFT)
#define JIT_MODE_VM86 (1u << 6)    /* EFLAGS.VM: virtual-8086 mode */
/* CR0.PG: linear addresses map through page tables. Direct jumps between
 * blocks then stay within one linear page (jit_block_link_ok). */
#define JIT_MODE_PG (1u << 7)
/* Debugging: EFLAGS.TF or an enabled instruction breakpoint (DR7). Blocks
 * of one instruction, never chained, never compiled: the engine loop
 * checks the breakpoints before and raises the single-step trap after
 * each (cpu/soft_debug.c). */
#define JIT_MODE_STEP (1u << 8)

static inline unsigned jit_mode_cpl(uint32_t mode)
{
	return (mode & JIT_MODE_CPL_MASK) >> JIT_MODE_CPL_SHIFT;
}

/* Whether an exit of block `from` may go straight to block `to` (chained,
 * or a jump inside a tier-1 region) without looking up the physical
 * address of its EIP again: same CS base and mode, and with paging, `to`
 * within the linear page where `from` starts (so mapped as `from` is: a
 * block is entered only after a lookup of its physical address, and an
 * instruction that changes a mapping leaves to the engine loop) and on one
 * page only (its second page's mapping is checked at each lookup). */
static inline bool jit_block_link_ok_at(uint32_t from_cs_base, uint32_t from_eip, uint32_t mode,
					uint32_t to_cs_base, uint32_t to_eip, uint32_t to_mode, int to_pages)
{
	if (to_cs_base != from_cs_base || to_mode != mode || (mode & JIT_MODE_STEP))
		return false;
	if (!(mode & JIT_MODE_PG))
		return true;
	return to_pages <= 1 && ((from_cs_base + from_eip) >> 12) == ((to_cs_base + to_eip) >> 12);
}

#define JIT_CACHE_DEFAULT_BYTES (32u << 20)

struct jit_cache_stats {
	uint64_t blocks;          /* blocks translated since the start */
	uint64_t flushes;         /* wholesale flushes */
	uint64_t invalidations;   /* pages whose code was dropped (SMC) */
	uint64_t invalid_blocks;  /* blocks dropped by them */
	uint64_t live_blocks;     /* blocks in the cache now */
	uint64_t live_ops;        /* their IR ops */
	uint64_t used_bytes;      /* arena bytes in use now */
	uint64_t capacity;        /* arena size */
};

struct jit_cache;

/* NULL when out of memory. */
struct jit_cache *jit_cache_create(size_t max_bytes);
void jit_cache_destroy(struct jit_cache *c);

/* The block of code at physical address phys translated for this CS base,
 * mode and EIP (the same physical code reached through two linear
 * addresses has a block for each: its exits are EIPs). A block whose last
 * instruction runs into a second page was translated with that page's
 * mapping then: the caller checks it (page[1]). */
struct jit_block *jit_cache_lookup(struct jit_cache *c, uint64_t phys, uint32_t cs_base, uint32_t mode,
				   uint32_t eip);
/* Arena memory for a new block (8-byte aligned); NULL when the arena is
 * full: the caller flushes and retries. */
void *jit_cache_alloc(struct jit_cache *c, size_t bytes);
/* Makes sure the page records of pages[0..n) exist (they live in the
 * arena too); false when the arena is full. Call before jit_cache_insert. */
bool jit_cache_prepare_pages(struct jit_cache *c, const uint64_t *pages, int n);
/* Enters a block built in arena memory into the hash table and the lists
 * of its code pages, and marks its code bytes. */
void jit_cache_insert(struct jit_cache *c, struct jit_block *b);
/* Drops every block. Bumps the generation. */
void jit_cache_flush(struct jit_cache *c);
/* Counts wholesale flushes: a block pointer taken before a change of
 * generation must not be used. */
uint64_t jit_cache_generation(const struct jit_cache *c);

/* Whether physical page `phys_page` holds translated code. */
bool jit_cache_page_has_code(const struct jit_cache *c, uint64_t phys_page);
/* A store of len bytes (within one page) at phys: when it touches a code
 * byte, every block of that page is invalidated; returns true then. */
bool jit_cache_write(struct jit_cache *c, uint64_t phys, unsigned len);

/* Memory [phys, phys+len) changed behind the engine's back (a loader, a
 * test): invalidates every block with code there. */
void jit_cache_invalidate_range(struct jit_cache *c, uint64_t phys, uint64_t len);

void jit_cache_get_stats(const struct jit_cache *c, struct jit_cache_stats *st);

#endif
