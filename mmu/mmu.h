/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mmu.h — the soft engine's memory access path: every guest memory access
 * of the IR, the helpers and exception delivery goes through here.
 *
 * A software TLB maps a linear page to a host pointer, one table per access
 * kind (read, write, execute). The fast path below is a tag compare and a
 * host load or store; everything else goes to the slow path in mmu/tlb.c:
 * TLB misses, accesses that cross a page, MMIO, memory outside RAM/ROM
 * (reads give all ones, writes are dropped) and stores to pages holding
 * translated code (which the code cache must see: self-modifying code).
 *
 * With CR0.PG the page walker (mmu/pagewalk.c) fills the entries, with
 * the rights of the set's privilege; faults are raised from the slow path
 * (mmu_* functions may longjmp through soft_raise: #PF with CR2 set),
 * never from the fast path. Without paging linear == physical. Segmentation (bases, limits) is the caller's business
 * (the limit check: cpu/soft_seglimit.h): addresses here are linear. */
#ifndef MORPHEUS_MMU_H
#define MORPHEUS_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MMU_PAGE_SIZE 4096u
#define MMU_PAGE_MASK 0xfffff000u
/* Entries per access kind, direct-mapped. 4096 (16 MiB of reach) holds a
 * guest's working set of a few MiB: with 256, the memory workload of
 * bench/jit took a slow path on 1 access in 10 (docs/jit.md). */
#define MMU_TLB_ENTRIES 4096u
#define MMU_TLB_EMPTY 1u              /* a tag no page-aligned address has */

enum mmu_access { MMU_READ, MMU_WRITE, MMU_EXEC, MMU_NR_ACCESS };

/* 16 bytes: what the fast path reads, and nothing else */
struct tlb_entry {
	uint32_t tag;        /* linear page address, or MMU_TLB_EMPTY */
	uintptr_t addend;    /* host address = linear address + addend */
};

/* Privilege of an access: the TLB has one set of entries for each, filled
 * by the page walker with that privilege's rights (U/S, R/W with CR0.WP).
 * User = CPL 3; supervisor = CPL 0-2 and the implicit accesses to the
 * GDT, LDT, IDT and TSS (mmu_sys_*). */
enum mmu_priv { MMU_SUPERVISOR, MMU_USER, MMU_NR_PRIV };

struct tlb_set {
	struct tlb_entry e[MMU_NR_ACCESS][MMU_TLB_ENTRIES];
	uint64_t write_phys[MMU_TLB_ENTRIES];   /* the physical page of each write entry */
	uint64_t exec_phys[MMU_TLB_ENTRIES];    /* and of each execute entry (code cache keys) */
	uint8_t global[MMU_NR_ACCESS][MMU_TLB_ENTRIES];   /* filled from a global (G) page */
	/* the entries filled since the last flush, so that a flush (a CR3
	 * load: often) costs what was used, not the size of the TLB */
	uint8_t listed[MMU_NR_ACCESS][MMU_TLB_ENTRIES];
	uint16_t used[MMU_NR_ACCESS][MMU_TLB_ENTRIES];
	unsigned nr_used[MMU_NR_ACCESS];
};

struct machine;
struct jit_cache;
struct soft_cpu;
struct cpu_state;

struct mmu {
	struct tlb_set set[MMU_NR_PRIV];
	struct tlb_set *cur;         /* the set of the current privilege (mmu_set_priv) */
	struct machine *m;
	struct jit_cache *cache;     /* pages holding translated code */
	struct soft_cpu *cpu;        /* for raising faults */
	const struct cpu_state *regs;   /* CR0, CR3, CR4, EFER */
	uint64_t pdpte[4];           /* PAE: the PDPTEs loaded with CR3 (mmu_load_pdptes) */
	int last_region;             /* memmap index of the last region found (mmu_region) */
	bool large_pages;            /* a 2/4 MiB page was entered since the last full flush */
	bool code_written;           /* a store invalidated translated code */
	bool write_ok;               /* the last translation allows writes now (rights, D set) */
	/* data breakpoints (cpu/soft_debug.c): pages holding one get no TLB
	 * entry, and the slow path reports accesses to them */
	int nr_watches;
	struct mmu_watch {
		uint32_t lin, len;   /* the watched bytes */
		bool writes_only;    /* R/W = 01 */
		uint8_t bit;         /* its DR6 bit */
	} watch[4];
	uint32_t watch_hits;         /* DR6 B0-B3 bits hit since the engine loop last looked */
	/* alignment checking (CPL 3, CR0.AM, EFLAGS.AC: mmu_set_alignment_check):
	 * the user set gets no entries, and the slow path raises #AC(0) */
	bool alignment_check;
	uint64_t slow_accesses;      /* statistics */
	uint64_t walks;              /* page-table walks */
	uint64_t page_faults;        /* #PF raised */
};

void mmu_init(struct mmu *mmu, struct machine *m, struct jit_cache *cache, struct soft_cpu *cpu,
	      const struct cpu_state *regs);
/* Drops every TLB entry (CR0/CR4 writes, set_state). */
void mmu_flush(struct mmu *mmu);
/* A CR3 load: drops every entry but those of global pages (when CR4.PGE). */
void mmu_flush_nonglobal(struct mmu *mmu);
/* INVLPG: drops the entries of the page of `lin` (also global ones). */
void mmu_flush_page(struct mmu *mmu, uint32_t lin);
/* Turns alignment checking of user accesses on or off. */
void mmu_set_alignment_check(struct mmu *mmu, bool on);
/* While it is on, #AC(0) for a user access of `size` bytes (2, 4, 8) at
 * lin off a multiple of size (SDM vol. 3, 6.15 "Interrupt 17"); the slow
 * path checks every access, helpers call it for 8-byte operands. */
void mmu_check_alignment(struct mmu *mmu, uint32_t lin, unsigned size);
/* Selects the TLB set of the current privilege. */
static inline void mmu_set_priv(struct mmu *mmu, enum mmu_priv priv)
{
	mmu->cur = &mmu->set[priv];
}
/* Drops the write entries that map physical page `phys_page`: the code
 * cache calls this when the page starts holding translated code. */
void mmu_protect_code_page(struct mmu *mmu, uint64_t phys_page);

/* Slow paths (size 1, 2 or 4; any alignment). */
uint32_t mmu_load_slow(struct mmu *mmu, uint32_t lin, unsigned size);
void mmu_store_slow(struct mmu *mmu, uint32_t lin, unsigned size, uint32_t value);

#define MMU_NO_PHYS UINT64_MAX

/* Code fetch for the translator (never faults): copies up to `len` bytes
 * of code at linear `lin` to buf and returns how many could be fetched
 * (fewer when a page cannot be executed; code outside RAM/ROM reads as
 * 0xff). *phys gets the physical address of lin (MMU_NO_PHYS when nothing
 * could be fetched) and *host a host pointer to it when it is RAM or ROM
 * (else NULL: not tracked for SMC). */
unsigned mmu_fetch_code(struct mmu *mmu, uint32_t lin, uint8_t *buf, unsigned len,
			uint64_t *phys, const uint8_t **host);
/* The physical address of linear `lin` for execution (the code cache
 * key); raises #PF when it cannot be executed with the current privilege. */
uint64_t mmu_translate_exec(struct mmu *mmu, uint32_t lin);
/* The same without faulting: MMU_NO_PHYS then. */
uint64_t mmu_lookup_exec(struct mmu *mmu, uint32_t lin);
/* Checks that [lin, lin+len) can be written, before an instruction writes
 * any of it (PUSHA, ENTER, far CALL): raises the fault if not. */
void mmu_probe_write(struct mmu *mmu, uint32_t lin, unsigned len);

static inline const struct tlb_entry *mmu_entry(const struct mmu *mmu, enum mmu_access kind,
						uint32_t lin)
{
	return &mmu->cur->e[kind][(lin >> 12) % MMU_TLB_ENTRIES];
}

/* True when [lin, lin+size) is in one page mapped by entry e. */
static inline bool mmu_hit(const struct tlb_entry *e, uint32_t lin, unsigned size)
{
	return e->tag == (lin & MMU_PAGE_MASK) && (lin & ~MMU_PAGE_MASK) <= MMU_PAGE_SIZE - size;
}

static inline uint32_t mmu_load8(struct mmu *mmu, uint32_t lin)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_READ, lin);
	if (__builtin_expect(e->tag == (lin & MMU_PAGE_MASK), 1))
		return *(const uint8_t *)(lin + e->addend);
	return mmu_load_slow(mmu, lin, 1);
}

static inline uint32_t mmu_load16(struct mmu *mmu, uint32_t lin)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_READ, lin);
	if (__builtin_expect(mmu_hit(e, lin, 2), 1)) {
		uint16_t v;
		memcpy(&v, (const void *)(lin + e->addend), 2);
		return v;
	}
	return mmu_load_slow(mmu, lin, 2);
}

static inline uint32_t mmu_load32(struct mmu *mmu, uint32_t lin)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_READ, lin);
	if (__builtin_expect(mmu_hit(e, lin, 4), 1)) {
		uint32_t v;
		memcpy(&v, (const void *)(lin + e->addend), 4);
		return v;
	}
	return mmu_load_slow(mmu, lin, 4);
}

static inline void mmu_store8(struct mmu *mmu, uint32_t lin, uint32_t value)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_WRITE, lin);
	if (__builtin_expect(e->tag == (lin & MMU_PAGE_MASK), 1))
		*(uint8_t *)(lin + e->addend) = (uint8_t)value;
	else
		mmu_store_slow(mmu, lin, 1, value);
}

static inline void mmu_store16(struct mmu *mmu, uint32_t lin, uint32_t value)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_WRITE, lin);
	if (__builtin_expect(mmu_hit(e, lin, 2), 1)) {
		uint16_t v = (uint16_t)value;
		memcpy((void *)(lin + e->addend), &v, 2);
	} else {
		mmu_store_slow(mmu, lin, 2, value);
	}
}

static inline void mmu_store32(struct mmu *mmu, uint32_t lin, uint32_t value)
{
	const struct tlb_entry *e = mmu_entry(mmu, MMU_WRITE, lin);
	if (__builtin_expect(mmu_hit(e, lin, 4), 1))
		memcpy((void *)(lin + e->addend), &value, 4);
	else
		mmu_store_slow(mmu, lin, 4, value);
}

/* Any size (1, 2, 4), for helpers. */
static inline uint32_t mmu_load(struct mmu *mmu, uint32_t lin, unsigned size)
{
	return size == 1 ? mmu_load8(mmu, lin) : size == 2 ? mmu_load16(mmu, lin) : mmu_load32(mmu, lin);
}

static inline void mmu_store(struct mmu *mmu, uint32_t lin, unsigned size, uint32_t value)
{
	if (size == 1)
		mmu_store8(mmu, lin, value);
	else if (size == 2)
		mmu_store16(mmu, lin, value);
	else
		mmu_store32(mmu, lin, value);
}

/* Implicit supervisor accesses (descriptor tables, the TSS, the stacks of
 * an inner privilege level during a privilege change): through the
 * supervisor set whatever the CPL. A fault leaves the set selected: the
 * engine loop selects the current privilege's set again before each block
 * and after each fault (soft_cpu_sync_mmu). */
static inline uint32_t mmu_sys_load(struct mmu *mmu, uint32_t lin, unsigned size)
{
	struct tlb_set *saved = mmu->cur;
	mmu->cur = &mmu->set[MMU_SUPERVISOR];
	uint32_t v = mmu_load(mmu, lin, size);
	mmu->cur = saved;
	return v;
}

static inline void mmu_sys_store(struct mmu *mmu, uint32_t lin, unsigned size, uint32_t value)
{
	struct tlb_set *saved = mmu->cur;
	mmu->cur = &mmu->set[MMU_SUPERVISOR];
	mmu_store(mmu, lin, size, value);
	mmu->cur = saved;
}

static inline void mmu_sys_probe_write(struct mmu *mmu, uint32_t lin, unsigned len)
{
	struct tlb_set *saved = mmu->cur;
	mmu->cur = &mmu->set[MMU_SUPERVISOR];
	mmu_probe_write(mmu, lin, len);
	mmu->cur = saved;
}

#endif
