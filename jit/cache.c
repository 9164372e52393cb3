/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cache.c — the code cache (jit/cache.h): an arena of translated blocks, a
 * hash table on (physical address, CS base, mode), and per physical page
 * holding code a bitmap of its code bytes and the list of its blocks.
 *
 * A store that touches a code byte invalidates every block of that page
 * (they are marked invalid and leave the hash table; their memory stays in
 * the arena until the next wholesale flush). A store to a data byte of a
 * code page invalidates nothing. When the arena is full the translator
 * flushes everything. It does not translate or run code. */
#include "jit/cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "jit/ir.h"

#define CACHE_HASH_BITS 15
#define CACHE_PAGE_HASH_BITS 12
#define PAGE_SIZE 4096u

struct code_page {
	uint64_t page;
	uint64_t bitmap[PAGE_SIZE / 64];   /* one bit per code byte */
	struct jit_block *first;           /* blocks with code here */
	uint8_t first_slot;                /* which of first->page[] is this page */
	bool live;                         /* holds code now */
	struct code_page *next;            /* hash chain */
};

struct jit_cache {
	uint8_t *arena;
	size_t capacity, used;
	uint64_t generation;
	struct jit_block *hash[1u << CACHE_HASH_BITS];
	struct code_page *pages[1u << CACHE_PAGE_HASH_BITS];
	struct jit_cache_stats stats;
};

static unsigned cache_hash(uint64_t phys, uint32_t cs_base, uint32_t mode)
{
	uint64_t h = (phys ^ ((uint64_t)cs_base << 7) ^ ((uint64_t)mode << 29)) * 0x9e3779b97f4a7c15ull;
	return (unsigned)(h >> (64 - CACHE_HASH_BITS));
}

static unsigned page_hash(uint64_t page)
{
	return (unsigned)(((page >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_PAGE_HASH_BITS));
}

struct jit_cache *jit_cache_create(size_t max_bytes)
{
	struct jit_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->capacity = max_bytes;
	/* mapped, not malloc'd: tier 1's compile worker is forked without it */
	c->arena = mmap(NULL, max_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->arena == MAP_FAILED)
		c->arena = NULL;
	else
		madvise(c->arena, max_bytes, MADV_DONTFORK);
	if (!c->arena) {
		free(c);
		return NULL;
	}
	c->stats.capacity = max_bytes;
	return c;
}

void jit_cache_destroy(struct jit_cache *c)
{
	if (!c)
		return;
	if (c->arena)
		munmap(c->arena, c->capacity);
	free(c);
}

struct jit_block *jit_cache_lookup(struct jit_cache *c, uint64_t phys, uint32_t cs_base, uint32_t mode,
				   uint32_t eip)
{
	for (struct jit_block *b = c->hash[cache_hash(phys, cs_base, mode)]; b; b = b->hash_next)
		if (b->phys == phys && b->cs_base == cs_base && b->mode == mode && b->eip == eip)
			return b;
	return NULL;
}

void *jit_cache_alloc(struct jit_cache *c, size_t bytes)
{
	bytes = (bytes + 15) & ~(size_t)15;
	if (bytes > c->capacity - c->used)
		return NULL;
	void *p = c->arena + c->used;
	c->used += bytes;
	c->stats.used_bytes = c->used;
	return p;
}

static struct code_page *cache_find_page(const struct jit_cache *c, uint64_t page)
{
	for (struct code_page *p = c->pages[page_hash(page)]; p; p = p->next)
		if (p->page == page)
			return p;
	return NULL;
}

/* The record of a page, created (in the arena) when missing; NULL when the
 * arena is full. */
static struct code_page *cache_get_page(struct jit_cache *c, uint64_t page)
{
	struct code_page *p = cache_find_page(c, page);
	if (p)
		return p;
	p = jit_cache_alloc(c, sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->page = page;
	unsigned h = page_hash(page);
	p->next = c->pages[h];
	c->pages[h] = p;
	return p;
}

static void cache_mark_bytes(struct code_page *p, unsigned offset, unsigned len)
{
	for (unsigned i = offset; i < offset + len && i < PAGE_SIZE; i++)
		p->bitmap[i / 64] |= 1ull << (i % 64);
}

bool jit_cache_prepare_pages(struct jit_cache *c, const uint64_t *pages, int n)
{
	for (int i = 0; i < n; i++)
		if (!cache_get_page(c, pages[i]))
			return false;
	return true;
}

void jit_cache_insert(struct jit_cache *c, struct jit_block *b)
{
	unsigned h = cache_hash(b->phys, b->cs_base, b->mode);
	b->hash_next = c->hash[h];
	c->hash[h] = b;
	b->valid = true;
	c->stats.blocks++;
	c->stats.live_blocks++;
	c->stats.live_ops += b->nr_ops;

	/* Code bytes: [phys, phys + guest_bytes) over at most two pages. */
	uint64_t start = b->phys;
	uint32_t left = b->guest_bytes;
	for (int k = 0; k < b->nr_pages; k++) {
		uint64_t page = b->page[k];
		unsigned offset = k == 0 ? (unsigned)(start - page) : 0;
		unsigned len = left < PAGE_SIZE - offset ? left : PAGE_SIZE - offset;
		left -= len;
		struct code_page *p = cache_get_page(c, page);
		if (!p) {
			/* Not prepared (jit_cache_prepare_pages): do not
			 * cache the block. */
			b->valid = false;
			c->hash[h] = b->hash_next;
			return;
		}
		p->live = true;
		cache_mark_bytes(p, offset, len);
		b->page_next[k] = p->first;
		b->page_next_slot[k] = p->first_slot;
		p->first = b;
		p->first_slot = (uint8_t)k;
	}
}

void jit_cache_flush(struct jit_cache *c)
{
	memset(c->hash, 0, sizeof(c->hash));
	memset(c->pages, 0, sizeof(c->pages));
	/* nothing refers to the old blocks any more: give their memory back
	 * (it comes back zeroed as the arena fills again) */
	madvise(c->arena, c->used, MADV_DONTNEED);
	c->used = 0;
	c->generation++;
	c->stats.flushes++;
	c->stats.live_blocks = 0;
	c->stats.live_ops = 0;
	c->stats.used_bytes = 0;
}

uint64_t jit_cache_generation(const struct jit_cache *c)
{
	return c->generation;
}

bool jit_cache_page_has_code(const struct jit_cache *c, uint64_t phys_page)
{
	const struct code_page *p = cache_find_page(c, phys_page);
	return p && p->live;
}

static void cache_unhash(struct jit_cache *c, struct jit_block *b)
{
	struct jit_block **pp = &c->hash[cache_hash(b->phys, b->cs_base, b->mode)];
	while (*pp && *pp != b)
		pp = &(*pp)->hash_next;
	if (*pp)
		*pp = b->hash_next;
}

static void cache_invalidate_page(struct jit_cache *c, struct code_page *p)
{
	struct jit_block *b = p->first;
	uint8_t slot = p->first_slot;
	while (b) {
		struct jit_block *next = b->page_next[slot];
		uint8_t next_slot = b->page_next_slot[slot];
		if (b->valid) {
			b->valid = false;
			cache_unhash(c, b);
			c->stats.invalid_blocks++;
			c->stats.live_blocks--;
			c->stats.live_ops -= b->nr_ops;
		}
		b = next;
		slot = next_slot;
	}
	p->first = NULL;
	p->live = false;
	memset(p->bitmap, 0, sizeof(p->bitmap));
	c->stats.invalidations++;
}

bool jit_cache_write(struct jit_cache *c, uint64_t phys, unsigned len)
{
	uint64_t page = phys & ~(uint64_t)(PAGE_SIZE - 1);
	struct code_page *p = cache_find_page(c, page);
	if (!p || !p->live)
		return false;
	unsigned offset = (unsigned)(phys - page);
	for (unsigned i = offset; i < offset + len && i < PAGE_SIZE; i++) {
		if (p->bitmap[i / 64] & (1ull << (i % 64))) {
			cache_invalidate_page(c, p);
			return true;
		}
	}
	return false;
}

void jit_cache_invalidate_range(struct jit_cache *c, uint64_t phys, uint64_t len)
{
	if (len == 0)
		return;
	uint64_t first = phys & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t last = (phys + len - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	for (unsigned h = 0; h < (1u << CACHE_PAGE_HASH_BITS); h++)
		for (struct code_page *p = c->pages[h]; p; p = p->next)
			if (p->live && p->page >= first && p->page <= last)
				cache_invalidate_page(c, p);
}

void jit_cache_get_stats(const struct jit_cache *c, struct jit_cache_stats *st)
{
	*st = c->stats;
}
