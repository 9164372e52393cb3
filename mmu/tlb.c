/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tlb.c — the slow half of the soft MMU (mmu/mmu.h): TLB fills, MMIO,
 * memory outside RAM/ROM, page-crossing accesses, stores to pages holding
 * translated code, and code fetch for the translator.
 *
 * Paging does not exist yet: linear == physical, and nothing faults. A
 * write entry is never filled for a ROM page or a page holding translated
 * code, so such stores always come here. It never touches host memory
 * outside the RAM/ROM regions of the machine's memory map. */
#include "mmu/mmu.h"

#include "cpu/soft_cpu.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "mmu/pagewalk.h"
#include "mmu/region.h"

void mmu_init(struct mmu *mmu, struct machine *m, struct jit_cache *cache, struct soft_cpu *cpu,
	      const struct cpu_state *regs)
{
	memset(mmu, 0, sizeof(*mmu));
	mmu->m = m;
	mmu->cache = cache;
	mmu->cpu = cpu;
	mmu->regs = regs;
	mmu->cur = &mmu->set[MMU_SUPERVISOR];
	for (int p = 0; p < MMU_NR_PRIV; p++)
		for (int k = 0; k < MMU_NR_ACCESS; k++)
			for (unsigned i = 0; i < MMU_TLB_ENTRIES; i++)
				mmu->set[p].e[k][i].tag = MMU_TLB_EMPTY;
}

/* Empties the listed entries of one set and kind, keeping global ones
 * when keep_global. */
static void mmu_flush_listed(struct tlb_set *set, int k, bool keep_global)
{
	unsigned kept = 0;
	for (unsigned n = 0; n < set->nr_used[k]; n++) {
		unsigned i = set->used[k][n];
		if (keep_global && set->global[k][i] && set->e[k][i].tag != MMU_TLB_EMPTY) {
			set->used[k][kept++] = (uint16_t)i;
			continue;
		}
		set->e[k][i].tag = MMU_TLB_EMPTY;
		set->listed[k][i] = 0;
	}
	set->nr_used[k] = kept;
}

void mmu_flush(struct mmu *mmu)
{
	for (int p = 0; p < MMU_NR_PRIV; p++)
		for (int k = 0; k < MMU_NR_ACCESS; k++)
			mmu_flush_listed(&mmu->set[p], k, false);
	mmu->large_pages = false;
}

void mmu_flush_nonglobal(struct mmu *mmu)
{
	bool keep = mmu->regs->cr4 & CR4_PGE;
	for (int p = 0; p < MMU_NR_PRIV; p++)
		for (int k = 0; k < MMU_NR_ACCESS; k++)
			mmu_flush_listed(&mmu->set[p], k, keep);
	if (!keep)
		mmu->large_pages = false;
}

void mmu_flush_page(struct mmu *mmu, uint32_t lin)
{
	if (mmu->large_pages) {
		/* the page may be part of a large one: every 4 KiB entry
		 * of it goes (INVLPG drops the whole large page) */
		mmu_flush(mmu);
		return;
	}
	unsigned i = (lin >> 12) % MMU_TLB_ENTRIES;
	for (int p = 0; p < MMU_NR_PRIV; p++)
		for (int k = 0; k < MMU_NR_ACCESS; k++)
			if (mmu->set[p].e[k][i].tag == (lin & MMU_PAGE_MASK))
				mmu->set[p].e[k][i].tag = MMU_TLB_EMPTY;   /* stays listed */
}

void mmu_protect_code_page(struct mmu *mmu, uint64_t phys_page)
{
	for (int p = 0; p < MMU_NR_PRIV; p++) {
		struct tlb_set *set = &mmu->set[p];
		for (unsigned n = 0; n < set->nr_used[MMU_WRITE]; n++) {
			unsigned i = set->used[MMU_WRITE][n];
			struct tlb_entry *e = &set->e[MMU_WRITE][i];
			if (e->tag != MMU_TLB_EMPTY && set->write_phys[i] == phys_page)
				e->tag = MMU_TLB_EMPTY;
		}
	}
}

static enum mmu_priv mmu_priv_now(const struct mmu *mmu)
{
	return mmu->cur == &mmu->set[MMU_USER] ? MMU_USER : MMU_SUPERVISOR;
}

/* Linear to physical for an access of `kind` with the current privilege
 * (*global: a global page). False with the #PF error code in *error. */
static bool mmu_try_translate(struct mmu *mmu, uint32_t lin, enum mmu_access kind, uint64_t *phys, bool *global,
			      uint32_t *error)
{
	*global = false;
	mmu->write_ok = true;
	if (!(mmu->regs->cr0 & CR0_PG)) {
		*phys = lin;
		return true;
	}
	struct mmu_translation t;
	if (!mmu_walk(mmu, lin, kind, mmu_priv_now(mmu), &t, error))
		return false;
	if (t.large)
		mmu->large_pages = true;
	*global = t.global;
	*phys = t.phys;
	mmu->write_ok = t.write_ok;
	return true;
}

/* The same, raising #PF (CR2 = lin) on a fault. */
static uint64_t mmu_translate(struct mmu *mmu, uint32_t lin, enum mmu_access kind, bool *global)
{
	uint64_t phys;
	uint32_t error;
	if (!mmu_try_translate(mmu, lin, kind, &phys, global, &error)) {
		mmu->page_faults++;
		mmu->cpu->s.cr2 = lin;
		soft_raise(mmu->cpu, EXC_PF, true, error);
	}
	return phys;
}

/* The RAM or ROM region holding physical page `page`, or NULL. */
static const struct mem_region *mmu_host_region(struct mmu *mmu, uint64_t page)
{
	const struct mem_region *r = mmu_region(mmu, page);
	if (!r || r->kind == MEM_MMIO || MMU_PAGE_SIZE > r->size - (page - r->base))
		return NULL;
	return r;
}

void mmu_set_alignment_check(struct mmu *mmu, bool on)
{
	if (on && !mmu->alignment_check)
		for (int k = 0; k < MMU_NR_ACCESS; k++)
			mmu_flush_listed(&mmu->set[MMU_USER], k, false);
	mmu->alignment_check = on;
}

void mmu_check_alignment(struct mmu *mmu, uint32_t lin, unsigned size)
{
	if (mmu->alignment_check && mmu->cur == &mmu->set[MMU_USER] && (lin & (size - 1)))
		soft_raise(mmu->cpu, EXC_AC, true, 0);
}

/* Whether the page of lin holds a watched byte. */
static bool mmu_page_watched(const struct mmu *mmu, uint32_t lin)
{
	uint32_t page = lin & MMU_PAGE_MASK;
	for (int i = 0; i < mmu->nr_watches; i++) {
		const struct mmu_watch *w = &mmu->watch[i];
		if (w->lin <= page + MMU_PAGE_SIZE - 1 && page <= w->lin + w->len - 1)
			return true;
	}
	return false;
}

/* Records the data breakpoints an access of [lin, lin+size) hits. */
static void mmu_check_watches(struct mmu *mmu, uint32_t lin, unsigned size, bool write)
{
	for (int i = 0; i < mmu->nr_watches; i++) {
		const struct mmu_watch *w = &mmu->watch[i];
		if ((write || !w->writes_only) && w->lin <= lin + size - 1 && lin <= w->lin + w->len - 1)
			mmu->watch_hits |= w->bit;
	}
}

/* Fills the entry of `kind` for the page of lin when it is plain memory. */
static void mmu_fill(struct mmu *mmu, uint32_t lin, uint64_t phys, enum mmu_access kind, bool global)
{
	uint64_t page = phys & ~(uint64_t)(MMU_PAGE_SIZE - 1);
	if (mmu->nr_watches && kind != MMU_EXEC && mmu_page_watched(mmu, lin))
		return;
	if (mmu->alignment_check && kind != MMU_EXEC && mmu->cur == &mmu->set[MMU_USER])
		return;
	const struct mem_region *r = mmu_host_region(mmu, page);
	if (!r)
		return;
	if (kind == MMU_WRITE &&
	    (r->kind != MEM_RAM || jit_cache_page_has_code(mmu->cache, page)))
		return;
	uint8_t *host = r->host + (page - r->base);
	unsigned i = (lin >> 12) % MMU_TLB_ENTRIES;
	struct tlb_set *set = mmu->cur;
	struct tlb_entry *e = &set->e[kind][i];
	if (!set->listed[kind][i]) {
		set->listed[kind][i] = 1;
		set->used[kind][set->nr_used[kind]++] = (uint16_t)i;
	}
	e->tag = lin & MMU_PAGE_MASK;
	set->global[kind][i] = global;
	if (kind == MMU_WRITE)
		mmu->cur->write_phys[i] = page;
	else if (kind == MMU_EXEC)
		mmu->cur->exec_phys[i] = page;
	e->addend = (uintptr_t)host - (uintptr_t)(lin & MMU_PAGE_MASK);
}

/* One access that does not cross a page. */
static uint32_t mmu_load_page(struct mmu *mmu, uint32_t lin, unsigned size)
{
	bool global;
	uint64_t phys = mmu_translate(mmu, lin, MMU_READ, &global);
	const struct mem_region *r = mmu_region(mmu, phys);
	if (r && r->kind != MEM_MMIO) {
		if (size > r->size - (phys - r->base))
			return 0xffffffffu >> (32 - 8 * size);
		uint32_t v = mmu_copy_in(r->host + (phys - r->base), size);
		mmu_fill(mmu, lin, phys, MMU_READ, global);
		if (mmu->write_ok)   /* the walk allowed writes: one walk, both entries */
			mmu_fill(mmu, lin, phys, MMU_WRITE, global);
		return v;
	}
	if (r)
		return (uint32_t)machine_mmio_read(mmu->m, phys, (int)size);
	return 0xffffffffu >> (32 - 8 * size);
}

static void mmu_store_page(struct mmu *mmu, uint32_t lin, unsigned size, uint32_t value)
{
	bool global;
	uint64_t phys = mmu_translate(mmu, lin, MMU_WRITE, &global);
	const struct mem_region *r = mmu_region(mmu, phys);
	if (!r || r->kind == MEM_ROM)
		return;
	if (r->kind == MEM_MMIO) {
		machine_mmio_write(mmu->m, phys, (int)size, value);
		return;
	}
	if (size > r->size - (phys - r->base))
		return;
	mmu_copy_out(r->host + (phys - r->base), size, value);
	mmu_fill(mmu, lin, phys, MMU_READ, global);   /* writable implies readable */
	uint64_t page = phys & ~(uint64_t)(MMU_PAGE_SIZE - 1);
	if (jit_cache_page_has_code(mmu->cache, page)) {
		if (jit_cache_write(mmu->cache, phys, size))
			mmu->code_written = true;
		if (!jit_cache_page_has_code(mmu->cache, page))
			mmu_fill(mmu, lin, phys, MMU_WRITE, global);
	} else {
		mmu_fill(mmu, lin, phys, MMU_WRITE, global);
	}
}

static bool mmu_crosses(uint32_t lin, unsigned size)
{
	return (lin & ~MMU_PAGE_MASK) > MMU_PAGE_SIZE - size;
}

uint32_t mmu_load_slow(struct mmu *mmu, uint32_t lin, unsigned size)
{
	mmu->slow_accesses++;
	mmu_check_alignment(mmu, lin, size);
	if (mmu->nr_watches)
		mmu_check_watches(mmu, lin, size, false);
	if (!mmu_crosses(lin, size))
		return mmu_load_page(mmu, lin, size);
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= mmu_load_page(mmu, lin + i, 1) << (8 * i);
	return v;
}

void mmu_store_slow(struct mmu *mmu, uint32_t lin, unsigned size, uint32_t value)
{
	mmu->slow_accesses++;
	mmu_check_alignment(mmu, lin, size);
	if (mmu->nr_watches)
		mmu_check_watches(mmu, lin, size, true);
	if (!mmu_crosses(lin, size)) {
		mmu_store_page(mmu, lin, size, value);
		return;
	}
	/* Both pages are translated (and would fault) before any byte is
	 * written. */
	mmu_probe_write(mmu, lin, size);
	for (unsigned i = 0; i < size; i++)
		mmu_store_page(mmu, lin + i, 1, value >> (8 * i));
}

void mmu_probe_write(struct mmu *mmu, uint32_t lin, unsigned len)
{
	bool global;
	if (len == 0)
		return;
	mmu_translate(mmu, lin, MMU_WRITE, &global);
	if ((lin & MMU_PAGE_MASK) != ((lin + len - 1) & MMU_PAGE_MASK))
		mmu_translate(mmu, lin + len - 1, MMU_WRITE, &global);
}

uint64_t mmu_translate_exec(struct mmu *mmu, uint32_t lin)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_EXEC, lin);
	bool global;
	if (e->tag == (lin & MMU_PAGE_MASK))
		return mmu->cur->exec_phys[(lin >> 12) % MMU_TLB_ENTRIES] | (lin & ~MMU_PAGE_MASK);
	uint64_t phys = mmu_translate(mmu, lin, MMU_EXEC, &global);
	mmu_fill(mmu, lin, phys, MMU_EXEC, global);
	return phys;
}

uint64_t mmu_lookup_exec(struct mmu *mmu, uint32_t lin)
{
	uint64_t phys;
	bool global;
	uint32_t error;
	if (!mmu_try_translate(mmu, lin, MMU_EXEC, &phys, &global, &error))
		return MMU_NO_PHYS;
	mmu_fill(mmu, lin, phys, MMU_EXEC, global);
	return phys;
}

unsigned mmu_fetch_code(struct mmu *mmu, uint32_t lin, uint8_t *buf, unsigned len,
			uint64_t *phys, const uint8_t **host)
{
	*phys = MMU_NO_PHYS;
	*host = NULL;
	unsigned done = 0;
	while (done < len) {
		uint32_t at = lin + done;
		unsigned chunk = MMU_PAGE_SIZE - (at & ~MMU_PAGE_MASK);
		if (chunk > len - done)
			chunk = len - done;
		uint64_t p = mmu_lookup_exec(mmu, at);
		if (p == MMU_NO_PHYS)
			break;   /* not executable: what was fetched so far */
		if (done == 0)
			*phys = p;
		const struct tlb_entry *e = mmu_entry(mmu, MMU_EXEC, at);
		if (e->tag == (at & MMU_PAGE_MASK)) {
			const uint8_t *src = (const uint8_t *)(at + e->addend);
			if (done == 0)
				*host = src;
			memcpy(buf + done, src, chunk);
		} else {
			memset(buf + done, 0xff, chunk);   /* MMIO or nothing */
		}
		done += chunk;
	}
	return done;
}
