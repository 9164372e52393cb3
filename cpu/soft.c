/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft.c — the soft engine: one vCPU run by translating guest code into IR
 * blocks (jit/translate.c), keeping them in a code cache (jit/cache.c) and
 * running them on the tier-0 interpreter (jit/interp.c) or, compiled by
 * libgccjit, on tier 1 (jit/native.h): --jit on compiles hot blocks in the
 * background, --jit eager every block before it first runs.
 *
 * The engine loop (on the frontend's engine thread): clear the exit
 * request, check machine->event, find the block at CS:EIP (translate it on
 * a miss), enter it in the jump cache, chain the previous block's exit to
 * it, run it. Exceptions
 * raised inside a block come back through a longjmp to run(), which
 * delivers them and enters the loop again.
 *
 * Decisions (docs/design.md):
 * - One vCPU: --smp N > 1 is refused at create ("one vCPU only for now").
 * - The interrupt controllers are the user-space ones of hw/intc.h (the
 *   8259A pair, the PIT, the I/O APIC and the local APIC), created with
 *   the engine. External interrupts and NMIs are taken in the engine loop,
 *   between blocks, unless the block that just ended closed with an
 *   instruction that opens an interrupt shadow (STI, MOV SS, POP SS:
 *   jit_block.shadow_exit); a device that raises one kicks the CPU, which
 *   leaves compiled code and chained blocks at the next block end. HLT
 *   sleeps on a condition variable until a kick (an idle guest costs no
 *   host CPU).
 * - CPUID: a P6-family "GenuineIntel" with what it implements: FPU
 *   (cpu/soft_x87.c), PSE, TSC, MSR, PAE, CX8, APIC, SEP, MTRR, PGE, CMOV, PAT, PSE-36, NX,
 *   the hypervisor bit and leaf 0x40000000 "morpheus sft" (jit/helpers.c,
 *   docs/protected-mode.md).
 * - The TSC is the host's monotonic clock at a nominal 1 GHz, so guest
 *   clocks keep real time; with --tsc retired (machine_config.tsc_retired)
 *   it counts retired guest instructions (deterministic: the same in every
 *   run of a guest that does not halt), plus the time spent in HLT, so
 *   that it advances while the guest idles (the APIC timer's TSC-deadline
 *   mode needs that).
 * - A20 is always enabled.
 * - machine_config.stop_on_hlt (test runners): HLT ends the run with
 *   MACHINE_POWEROFF instead of sleeping; machine_config.bare_cpu (the
 *   instruction-level test vectors): no interrupt controllers, no PIT.
 * It does not decode, translate or interpret itself, and knows no device. */
#include "cpu/soft.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/soft_cpu.h"
#include "hw/intc.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "jit/gccjit.h"
#include "jit/interp.h"
#include "jit/ir.h"
#include "jit/native.h"
#include "jit/translate.h"

/* Tier 1's measured choices (docs/jit.md): libgccjit's optimization
 * level, the tier-0 entries that make a block hot (--jit on), the most
 * blocks compiled together, and how long the compile thread waits for
 * more hot blocks after the first. */
#ifndef SOFT_JIT_OPT_LEVEL
#define SOFT_JIT_OPT_LEVEL 1
#endif
#ifndef SOFT_JIT_THRESHOLD
#define SOFT_JIT_THRESHOLD 1000
#endif
#ifndef SOFT_JIT_BATCH_MAX
#define SOFT_JIT_BATCH_MAX 128
#endif
#ifndef SOFT_JIT_BATCH_OPS
#define SOFT_JIT_BATCH_OPS 2000
#endif
#ifndef SOFT_JIT_COLLECT_US
#define SOFT_JIT_COLLECT_US 2000
#endif

struct soft_engine {
	struct soft_cpu cpu;
	struct jit_cache *cache;
	struct ir_builder *ir;          /* translation scratch space */
	struct jit_native *native;      /* tier 1 (--jit on, eager), or NULL */
	struct jit_batch eager;         /* --jit eager: blocks to compile now */
	/* The code cache generation the engine loop last saw (kept here, not
	 * in soft_loop: a fault restarts soft_loop, and a generation that
	 * looked new would release tier 1's regions under live blocks). */
	uint64_t seen_generation;
	csh capstone;                   /* --trace in_asm */
	bool capstone_open;
	int capstone_mode;
};

static struct soft_engine *soft_of(struct machine *m)
{
	return m->engine_priv;
}

/* ---- soft_cpu ---- */

uint32_t soft_cpu_get_flags(const struct soft_cpu *cpu)
{
	uint32_t f = (uint32_t)cpu->s.rflags & ~(FLAGS_ARITH | 0x8028u);
	return f | flags_compute(&cpu->cc) | (uint32_t)RFLAGS_FIXED;
}

void soft_cpu_set_flags(struct soft_cpu *cpu, uint32_t value, uint32_t mask)
{
	if (mask & FLAGS_ARITH) {
		uint32_t arith = (flags_compute(&cpu->cc) & ~mask) | (value & mask);
		flags_set(&cpu->cc, arith & FLAGS_ARITH);
	}
	uint32_t other = mask & ~FLAGS_ARITH;
	cpu->s.rflags = (cpu->s.rflags & ~(uint64_t)other) | (value & other) | RFLAGS_FIXED;
}

uint32_t soft_cpu_mode(const struct soft_cpu *cpu)
{
	uint32_t mode = 0;
	if (cpu->s.cr0 & CR0_PE)
		mode |= JIT_MODE_PE;
	if (cpu->s.seg[SEG_CS].db)
		mode |= JIT_MODE_CS32;
	if (cpu->s.seg[SEG_SS].db)
		mode |= JIT_MODE_SS32;
	if (cpu->s.cr0 & CR0_PG)
		mode |= JIT_MODE_PG;
	mode |= soft_cpu_cpl(cpu) << JIT_MODE_CPL_SHIFT;
	if ((cpu->s.rflags & FLAG_TF) || soft_debug_exec_breakpoints(cpu))
		mode |= JIT_MODE_STEP;
	if (cpu->s.rflags & RFLAGS_VM) {
		mode |= JIT_MODE_VM86;
	} else if (mode & JIT_MODE_PE) {
		/* flat: base 0, limit 4 GiB - 1, a writable expand-up data
		 * segment (type 001x: reads and writes need no type check) */
		static const int flat_segs[] = { SEG_DS, SEG_ES, SEG_SS };
		bool flat = true;
		for (unsigned i = 0; i < 3; i++) {
			const struct cpu_segment *sg = &cpu->s.seg[flat_segs[i]];
			flat &= sg->base == 0 && sg->limit == 0xffffffffu && !sg->unusable && sg->s &&
				(sg->type & 0xe) == 0x2;
		}
		if (flat)
			mode |= JIT_MODE_FLAT;
	}
	return mode;
}

/* The TSC less the instructions of the running block (the part another
 * thread can read without looking into the block). */
static uint64_t soft_tsc_coarse(const struct soft_cpu *cpu)
{
	if (!cpu->m->cfg.tsc_retired)
		return host_time_ns() * (SOFT_TSC_KHZ / 1000000u) + cpu->tsc_adjust;
	uint64_t since = atomic_load(&cpu->idle_since_ns);
	uint64_t asleep = since ? host_time_ns() - since : 0;   /* ns = ticks at 1 GHz */
	return cpu->retired + cpu->tsc_idle + asleep * (SOFT_TSC_KHZ / 1000000u);
}

uint64_t soft_cpu_tsc(const struct soft_cpu *cpu)
{
	if (!cpu->m->cfg.tsc_retired)
		return soft_tsc_coarse(cpu);
	return soft_tsc_coarse(cpu) + (cpu->cur_block && cpu->cur_op ? cpu->cur_op->insn : 0);
}

void soft_cpu_set_tsc(struct soft_cpu *cpu, uint64_t value)
{
	if (!cpu->m->cfg.tsc_retired)
		cpu->tsc_adjust = value - host_time_ns() * (SOFT_TSC_KHZ / 1000000u);
}

/* For the APIC timer, on the event loop's thread. */
static uint64_t soft_read_tsc(void *opaque)
{
	return soft_tsc_coarse(opaque);
}

uint64_t soft_cpu_retired_now(const struct soft_cpu *cpu)
{
	return cpu->retired + (cpu->cur_block && cpu->cur_op ? cpu->cur_op->insn : 0);
}

static void soft_cpu_load_state(struct soft_cpu *cpu, const struct cpu_state *s)
{
	cpu->s = *s;
	cpu->s.rflags |= RFLAGS_FIXED;
	flags_set(&cpu->cc, (uint32_t)s->rflags & FLAGS_ARITH);
	soft_cpu_reload_paging(cpu);
	soft_seg_refresh_all(cpu);
	soft_debug_update(cpu);
	cpu->halted = false;
}

/* ---- tracing ---- */

static void soft_trace_in_asm(struct soft_engine *e, const struct jit_block *b)
{
	struct soft_cpu *cpu = &e->cpu;
	int mode = (b->mode & JIT_MODE_CS32) ? CS_MODE_32 : CS_MODE_16;
	if (e->capstone_open && e->capstone_mode != mode) {
		cs_close(&e->capstone);
		e->capstone_open = false;
	}
	if (!e->capstone_open) {
		if (cs_open(CS_ARCH_X86, mode, &e->capstone) != CS_ERR_OK)
			return;
		e->capstone_open = true;
		e->capstone_mode = mode;
	}
	machine_trace(cpu->m, "in_asm", "block cs_base 0x%" PRIx32 " eip 0x%" PRIx32 " phys 0x%" PRIx64
		      ", %u instructions", b->cs_base, b->eip, b->phys, b->nr_insns);
	for (unsigned i = 0; i < b->nr_insns; i++) {
		uint8_t code[16];
		uint64_t phys;
		const uint8_t *host;
		unsigned len = b->insns[i].len;
		mmu_fetch_code(&cpu->mmu, b->cs_base + b->insns[i].eip, code, len ? len : 1, &phys, &host);
		char hex[3 * 16 + 1] = "";
		for (unsigned k = 0; k < len && k < 15; k++)
			snprintf(hex + 3 * k, 4, "%02x ", code[k]);
		cs_insn *insn = NULL;
		size_t n = len ? cs_disasm(e->capstone, code, len, b->insns[i].eip, 1, &insn) : 0;
		machine_trace(cpu->m, "in_asm", "  %08" PRIx32 "  %-24s %s %s", b->insns[i].eip, hex,
			      n ? insn->mnemonic : "(invalid)", n ? insn->op_str : "");
		if (n)
			cs_free(insn, n);
	}
}

/* ---- the engine loop ---- */

static void soft_fail(struct soft_cpu *cpu, const char *what)
{
	struct machine *m = cpu->m;
	pthread_mutex_lock(&m->lock);
	if (m->run_error.code == 0)
		error_set(&m->run_error, -EIO, "soft: %s at %04x:%08" PRIx64, what,
			  cpu->s.seg[SEG_CS].selector, cpu->s.rip);
	pthread_mutex_unlock(&m->lock);
	machine_stop(m, MACHINE_ERROR);
}

/* HLT: sleeps until a kick (an interrupt became pending, the run ends). */
static void soft_idle(struct soft_cpu *cpu)
{
	cpu->stats.halts++;
	uint64_t since = host_time_ns();
	atomic_store(&cpu->idle_since_ns, since);
	pthread_mutex_lock(&cpu->idle_lock);
	while (!cpu->kicked && atomic_load(&cpu->m->event) == MACHINE_RUNNING)
		pthread_cond_wait(&cpu->idle_cond, &cpu->idle_lock);
	cpu->kicked = false;
	pthread_mutex_unlock(&cpu->idle_lock);
	cpu->tsc_idle += (host_time_ns() - since) * (SOFT_TSC_KHZ / 1000000u);
	atomic_store(&cpu->idle_since_ns, 0);
}

/* Takes a pending NMI, or an external interrupt when IF is set: its
 * vector from the interrupt controllers (the INTA cycle), then delivery
 * with EIP the next instruction. Ends HLT. */
static bool soft_take_interrupt(struct soft_cpu *cpu)
{
	struct machine *m = cpu->m;
	int vector = -1;
	pthread_mutex_lock(&m->lock);
	if (!cpu->nmi_blocked && intc_take_nmi(m->intc)) {
		vector = EXC_NMI;
		cpu->nmi_blocked = true;      /* until the next IRET */
	} else if (soft_cpu_get_flags(cpu) & FLAG_IF) {
		vector = intc_acknowledge(m->intc);
	}
	pthread_mutex_unlock(&m->lock);
	if (vector < 0)
		return false;
	cpu->halted = false;
	cpu->stats.external_interrupts++;
	soft_cpu_sync_mmu(cpu);
	soft_deliver(cpu, vector, false, 0, false);
	return true;
}

static struct jit_block *soft_find_block(struct soft_engine *e, uint32_t eip)
{
	struct soft_cpu *cpu = &e->cpu;
	struct machine *m = cpu->m;
	uint32_t cs_base = (uint32_t)cpu->s.seg[SEG_CS].base;
	uint32_t lin = cs_base + eip;
	uint64_t phys = mmu_translate_exec(&cpu->mmu, lin);   /* may raise #PF */
	struct jit_block *b = jit_cache_lookup(e->cache, phys, cs_base, soft_cpu_mode(cpu), eip);
	if (b && b->nr_pages == 2 && mmu_lookup_exec(&cpu->mmu, (lin & MMU_PAGE_MASK) + MMU_PAGE_SIZE) !=
	    b->page[1]) {
		/* its last instruction's second page maps elsewhere now */
		jit_cache_invalidate_range(e->cache, b->page[1], 1);
		b = NULL;
	}
	if (b && jit_block_fits_cs(b, (uint32_t)cpu->s.seg[SEG_CS].limit))
		return b;
	bool flushed;
	b = jit_translate(cpu, e->ir, eip, &flushed);
	if (!b && e->ir->fetch_fault) {
		/* its first instruction runs into a page it cannot fetch */
		mmu_translate_exec(&cpu->mmu, e->ir->fetch_fault_lin);
		soft_fail(cpu, "instruction fetch fault not raised");
	}
	if (!b)
		return NULL;
	if (m->cfg.trace & TRACE_IN_ASM)
		soft_trace_in_asm(e, b);
	if (m->cfg.trace & TRACE_IR) {
		FILE *out = m->trace_out ? m->trace_out : stderr;
		ir_print_block(out, b);
	}
	return b;
}

/* The slots block b may leave through (chainable static exits). */
static unsigned soft_exit_slots(const struct jit_block *b)
{
	const struct ir_op *last = &b->ops[b->nr_ops - 1];
	if (last->opc == IR_EXIT_JMP)
		return 1u << (last->imm & 1);
	if (last->opc == IR_BRANCH || last->opc == IR_JCC)
		return 3;
	return 0;
}

/* --jit eager: compiles b before it first runs, with the blocks not yet
 * compiled that it reaches through static exits (translated now if
 * needed), in one batch. (Also walking to the code that follows a block
 * was tried: guests that write data next to their code then recompile
 * whole pages after every write.) False when translating flushed the code cache
 * (b is gone: find it again). */
static bool soft_native_eager(struct soft_engine *e, struct jit_block *b)
{
	struct soft_cpu *cpu = &e->cpu;
	struct jit_batch *batch = &e->eager;
	unsigned max = jit_native_config(e->native)->batch_max, max_ops = jit_native_config(e->native)->batch_ops;
	unsigned ops = b->nr_ops;
	batch->generation = jit_cache_generation(e->cache);
	if (!jit_batch_add(batch, b)) {
		b->tier1_tried = true;
		return true;
	}
	for (unsigned i = 0; i < batch->nr && batch->nr < max; i++) {
		const struct jit_block *from = batch->copy[i];
		unsigned slots = soft_exit_slots(from);
		for (unsigned s = 0; s < 2 && batch->nr < max; s++) {
			if (!(slots & (1u << s)))
				continue;
			uint32_t eip = from->exit_eip[s];
			uint64_t phys = mmu_lookup_exec(&cpu->mmu, from->cs_base + eip);
			if (phys == MMU_NO_PHYS)
				continue;
			struct jit_block *to = jit_cache_lookup(e->cache, phys, from->cs_base, from->mode, eip);
			if (!to || !jit_block_fits_cs(to, (uint32_t)cpu->s.seg[SEG_CS].limit)) {
				bool flushed;
				to = jit_translate(cpu, e->ir, eip, &flushed);
				if (flushed) {
					jit_batch_clear(batch);
					return false;
				}
			}
			if (!to || to->tier1_tried || jit_batch_has(batch, to) || ops + to->nr_ops > max_ops)
				continue;
			if (!jit_batch_add(batch, to))
				break;
			ops += to->nr_ops;
		}
	}
	jit_native_compile_now(e->native, batch);
	jit_batch_clear(batch);
	return true;
}

static void soft_loop(struct soft_engine *e)
{
	struct soft_cpu *cpu = &e->cpu;
	struct machine *m = cpu->m;
	struct jit_exit last = { NULL, -1 };

	for (;;) {
		atomic_store_explicit(&cpu->exit_request, 0, memory_order_relaxed);
		if (atomic_load(&m->event) != MACHINE_RUNNING)
			return;
		if (m->intc && intc_maybe_pending(m->intc) && !(last.from && last.from->shadow_exit && !cpu->halted) &&
		    soft_take_interrupt(cpu))
			last.from = NULL;   /* not a successor of the last block: no chaining */
		if (cpu->halted) {
			if (m->cfg.stop_on_hlt) {
				machine_stop(m, MACHINE_POWEROFF);
				return;
			}
			soft_idle(cpu);
			continue;
		}
		soft_cpu_sync_mmu(cpu);
		uint32_t eip = (uint32_t)cpu->s.rip;
		struct jit_block *b = soft_find_block(e, eip);
		if (!b) {
			soft_fail(cpu, "cannot translate (translator limit or code cache too small)");
			return;
		}
		/* Enter the block in the jump cache (indirect branches find
		 * it there) and chain the previous block's exit here. Without
		 * paging a linear address always maps to the same physical
		 * one; with paging (next issue) chaining must stay within a
		 * page or be dropped on CR3 writes (the jump cache is, with
		 * the TLB: soft_cpu_flush_tlb). */
		uint64_t generation = jit_cache_generation(e->cache);
		bool flushed = generation != e->seen_generation;
		if (flushed) {   /* a flush: the pointers are stale */
			memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
			if (e->native)
				jit_native_drop_all(e->native);
			e->seen_generation = generation;
		}
		if (e->native) {
			struct jit_cache_stats cs;
			jit_cache_get_stats(e->cache, &cs);
			jit_native_update(e->native, generation, cs.invalid_blocks);
			if (m->cfg.jit == JIT_TIER_EAGER && !b->tier1_tried && !soft_native_eager(e, b)) {
				last.from = NULL;
				continue;
			}
		}
		cpu->jmp_cache[soft_jmp_hash(b->cs_base + eip)] = b;
		if (last.from && last.slot >= 0 && !flushed && last.from->valid &&
		    jit_block_link_ok(last.from, b))
			last.from->chain[last.slot] = b;
		bool step = b->mode & JIT_MODE_STEP, tf = false, rf = false;
		if (step) {
			if (soft_debug_before(cpu)) {
				last.from = NULL;
				continue;
			}
			tf = cpu->s.rflags & FLAG_TF;
			rf = cpu->s.rflags & RFLAGS_RF;
		}
		cpu->mmu.code_written = false;
		cpu->stats.blocks_run++;
		if (b->native)
			jit_native_run(cpu, b, &last);
		else
			jit_interp_run(cpu, b, &last);
		cpu->cur_block = NULL;
		if (step) {
			soft_debug_after(cpu, b, tf, rf);
			last.from = NULL;
		}
	}
}

static int soft_run(struct machine *m, struct error *err)
{
	(void)err;
	struct soft_engine *e = soft_of(m);
	struct soft_cpu *cpu = &e->cpu;
	uint64_t start = host_time_ns();
	if (sigsetjmp(cpu->fault_jmp, 0) != 0) {
		jit_native_fault_exit(cpu);
		/* a run that is ending (--timeout, a signal) ends here even if
		 * delivering the fault would fault again */
		if (atomic_load(&m->event) == MACHINE_RUNNING)
			soft_fault_recover(cpu);
	}
	soft_loop(e);
	cpu->stats.run_ns += host_time_ns() - start;
	return 0;
}

static void soft_kick(struct machine *m)
{
	struct soft_engine *e = soft_of(m);
	if (!e)
		return;
	struct soft_cpu *cpu = &e->cpu;
	atomic_store(&cpu->exit_request, 1);
	pthread_mutex_lock(&cpu->idle_lock);
	cpu->kicked = true;
	pthread_cond_signal(&cpu->idle_cond);
	pthread_mutex_unlock(&cpu->idle_lock);
}

static void soft_kick_intc(void *opaque)
{
	soft_kick(opaque);
}

static void soft_destroy(struct machine *m)
{
	struct soft_engine *e = soft_of(m);
	if (!e)
		return;
	if (e->capstone_open)
		cs_close(&e->capstone);
	pthread_mutex_destroy(&e->cpu.idle_lock);
	pthread_cond_destroy(&e->cpu.idle_cond);
	jit_native_destroy(e->native);
	jit_batch_clear(&e->eager);
	free(e->eager.orig);
	free(e->eager.copy);
	jit_cache_destroy(e->cache);
	free(e->ir);
	free(e);
	m->engine_priv = NULL;
}

/* Developer knobs for measuring tier 1's choices (docs/jit.md):
 * MORPHEUS_JIT_OPT, _THRESHOLD, _BATCH, _COLLECT_US, _LINK (0 or 1).
 * Values that are not numbers are ignored. */
static void soft_jit_config_from_env(struct jit_native_config *jc)
{
	static const struct { const char *name; size_t off; } knobs[] = {
		{ "MORPHEUS_JIT_THRESHOLD", offsetof(struct jit_native_config, threshold) },
		{ "MORPHEUS_JIT_BATCH", offsetof(struct jit_native_config, batch_max) },
		{ "MORPHEUS_JIT_BATCH_OPS", offsetof(struct jit_native_config, batch_ops) },
		{ "MORPHEUS_JIT_COLLECT_US", offsetof(struct jit_native_config, collect_us) },
	};
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		const char *v = getenv(knobs[i].name);
		char *end;
		unsigned long n = v ? strtoul(v, &end, 10) : 0;
		if (v && *v && !*end && n <= UINT32_MAX)
			*(uint32_t *)((char *)jc + knobs[i].off) = (uint32_t)n;
	}
	const char *v = getenv("MORPHEUS_JIT_OPT");
	if (v && v[0] >= '0' && v[0] <= '3' && !v[1])
		jc->opt_level = v[0] - '0';
	v = getenv("MORPHEUS_JIT_LINK");
	if (v && (v[0] == '0' || v[0] == '1') && !v[1])
		jc->link_blocks = v[0] == '1';
	v = getenv("MORPHEUS_JIT_WORKER");
	if (v && (v[0] == '0' || v[0] == '1') && !v[1])
		jc->in_process = v[0] == '0';
	v = getenv("MORPHEUS_JIT_TAIL");
	if (v && (v[0] == '0' || v[0] == '1') && !v[1])
		jc->tail_calls = v[0] == '1' && jc->link_blocks;
}

static int soft_create(struct machine *m, struct error *err)
{
	if (m->cfg.smp > 1)
		return error_set(err, -EINVAL, "one vCPU only for now (--smp %d)", m->cfg.smp);
	struct soft_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return error_set(err, -ENOMEM, "soft: out of memory");
	e->ir = malloc(sizeof(*e->ir));
	e->cache = jit_cache_create(m->cfg.jit_cache_bytes ? m->cfg.jit_cache_bytes : JIT_CACHE_DEFAULT_BYTES);
	if (!e->ir || !e->cache) {
		jit_cache_destroy(e->cache);
		free(e->ir);
		free(e);
		return error_set(err, -ENOMEM, "soft: out of memory for the code cache");
	}
	struct soft_cpu *cpu = &e->cpu;
	cpu->m = m;
	cpu->cache = e->cache;
	soft_cpu_set_tsc(cpu, 0);   /* the host clock's TSC starts at 0 */
	cpu->trace_exec = (m->cfg.trace & TRACE_EXEC) != 0;
	pthread_mutex_init(&cpu->idle_lock, NULL);
	pthread_cond_init(&cpu->idle_cond, NULL);
	mmu_init(&cpu->mmu, m, e->cache, cpu, &cpu->s);
	int rc = m->cfg.bare_cpu ? 0 : intc_create(m, err);
	if (rc < 0) {
		pthread_mutex_destroy(&cpu->idle_lock);
		pthread_cond_destroy(&cpu->idle_cond);
		jit_cache_destroy(e->cache);
		free(e->ir);
		free(e);
		return rc;
	}
	if (m->intc) {
		intc_set_kick(m->intc, soft_kick_intc, m);
		intc_set_tsc(m->intc, soft_read_tsc, cpu, SOFT_TSC_KHZ);
	}
	if (m->cfg.jit != JIT_TIER_OFF) {
		struct jit_native_config jc = {
			.tier = m->cfg.jit,
			.opt_level = SOFT_JIT_OPT_LEVEL,
			.threshold = SOFT_JIT_THRESHOLD,
			.batch_max = SOFT_JIT_BATCH_MAX,
			.batch_ops = SOFT_JIT_BATCH_OPS,
			.collect_us = SOFT_JIT_COLLECT_US,
			/* --trace exec shows every block entered: no jumps
			 * between blocks inside compiled code then */
			.link_blocks = !cpu->trace_exec,
			.tail_calls = false,
		};
		soft_jit_config_from_env(&jc);
		e->native = jit_native_create(&jc, cpu);
		if (!e->native) {
			pthread_mutex_destroy(&cpu->idle_lock);
			pthread_cond_destroy(&cpu->idle_cond);
			jit_cache_destroy(e->cache);
			free(e->ir);
			free(e);
			return error_set(err, -ENOMEM, "soft: cannot start tier 1 (out of memory or threads)");
		}
		cpu->native = e->native;
		if (jc.tier == JIT_TIER_ON)
			cpu->hot_threshold = jc.threshold ? jc.threshold : 1;
	}
	if (!cpu->hot_threshold)
		cpu->hot_threshold = UINT32_MAX;   /* no tier 1 to hand blocks to */

	struct cpu_state reset;
	const struct cpu_state *boot = &m->boot_state;
	if (!m->boot_state_set) {
		cpu_state_reset(&reset);
		boot = &reset;
	}
	soft_cpu_load_state(cpu, boot);
	m->engine_priv = e;
	return 0;
}

static int soft_get_state(struct machine *m, int vcpu, struct cpu_state *s, struct error *err)
{
	struct soft_engine *e = soft_of(m);
	if (!e || vcpu != 0)
		return error_set(err, -EINVAL, "soft: no vCPU %d", vcpu);
	*s = e->cpu.s;
	s->rflags = soft_cpu_get_flags(&e->cpu);
	return 0;
}

static int soft_set_state(struct machine *m, int vcpu, const struct cpu_state *s, struct error *err)
{
	struct soft_engine *e = soft_of(m);
	if (!e || vcpu != 0)
		return error_set(err, -EINVAL, "soft: no vCPU %d", vcpu);
	soft_cpu_load_state(&e->cpu, s);
	return 0;
}

static void soft_memory_written(struct machine *m, uint64_t gpa, uint64_t len)
{
	struct soft_engine *e = soft_of(m);
	if (e)
		jit_cache_invalidate_range(e->cache, gpa, len);
}

static void soft_print_stats(struct machine *m, FILE *out)
{
	struct soft_engine *e = soft_of(m);
	if (!e)
		return;
	const struct soft_cpu *cpu = &e->cpu;
	const struct soft_stats *st = &cpu->stats;
	struct jit_cache_stats cs;
	jit_cache_get_stats(e->cache, &cs);
	double secs = st->run_ns / 1e9;
	fprintf(out, "soft engine\n");
	fprintf(out, "  retired instructions %14" PRIu64 "  (%.1f MIPS over %.3f s)\n", cpu->retired,
		secs > 0 ? cpu->retired / secs / 1e6 : 0.0, secs);
	fprintf(out, "  blocks translated    %14" PRIu64 "\n", cs.blocks);
	fprintf(out, "  code cache           %14" PRIu64 " blocks, %" PRIu64 " IR ops, %" PRIu64
		" of %" PRIu64 " bytes\n", cs.live_blocks, cs.live_ops, cs.used_bytes, cs.capacity);
	fprintf(out, "  cache flushes        %14" PRIu64 "\n", cs.flushes);
	fprintf(out, "  SMC invalidations    %14" PRIu64 " pages, %" PRIu64 " blocks, %" PRIu64
		" early exits\n", cs.invalidations, cs.invalid_blocks, st->smc_exits);
	fprintf(out, "  block dispatches     %14" PRIu64 " (unchained)\n", st->blocks_run);
	fprintf(out, "  exceptions           %14" PRIu64 " (INT n %" PRIu64 ", triple faults %" PRIu64 ")\n",
		st->exceptions, st->interrupts, st->triple_faults);
	fprintf(out, "  external interrupts  %14" PRIu64 " (and NMIs)\n", st->external_interrupts);
	fprintf(out, "  halts                %14" PRIu64 "\n", st->halts);
	fprintf(out, "  page walks           %14" PRIu64 " (page faults %" PRIu64 ")\n", cpu->mmu.walks,
		cpu->mmu.page_faults);
	fprintf(out, "  slow memory accesses %14" PRIu64 "\n", cpu->mmu.slow_accesses);
	if (e->native) {
		struct jit_native_stats ns;
		jit_native_get_stats(e->native, &ns);
		const struct jit_native_config *jc = jit_native_config(e->native);
		if (jc->tier == JIT_TIER_ON)
			fprintf(out, "  tier 1 (libgccjit -O%d, --jit on: threshold %" PRIu32 ", batches of up to %u blocks)\n",
				jc->opt_level, jc->threshold, jc->batch_max);
		else
			fprintf(out, "  tier 1 (libgccjit -O%d, --jit eager: batches of up to %u blocks)\n", jc->opt_level,
				jc->batch_max);
		fprintf(out, "    blocks compiled    %14" PRIu64 " (%.3f s, %.2f ms per block, %" PRIu64 " batches)\n",
			ns.compiled, ns.compile_ns / 1e9, ns.compiled ? ns.compile_ns / 1e6 / ns.compiled : 0.0,
			ns.batches);
		fprintf(out, "    waiting for it     %14.3f s\n", ns.wait_ns / 1e9);
		fprintf(out, "    tier-1 share       %14.1f %% of retired instructions\n",
			cpu->retired ? 100.0 * ns.tier1_retired / cpu->retired : 0.0);
		if (ns.worker_starts)
			fprintf(out, "    compile worker     %14" PRIu64 " processes started\n", ns.worker_starts);
		fprintf(out, "    region calls       %14" PRIu64 " (%.1f instructions per call)\n", ns.region_calls,
			ns.region_calls ? (double)ns.tier1_retired / ns.region_calls : 0.0);
		fprintf(out, "    left on tier 0     %14" PRIu64 " (unsupported op%s%s), %" PRIu64
			" (libgccjit failed%s%s)\n", ns.unsupported, ns.first_unsupported ? ", first: " : "",
			ns.first_unsupported ? ns.first_unsupported : "", ns.failed,
			ns.first_error[0] ? ": " : "", ns.first_error);
		fprintf(out, "    discarded          %14" PRIu64 " (invalid or flushed before install)\n", ns.discarded);
		if (ns.deferred)
			fprintf(out, "    deferred           %14" PRIu64 " (hot while a full batch waited: counted again)\n",
				ns.deferred);
		fprintf(out, "    regions released   %14" PRIu64 "\n", ns.released);
	}
}

/* Retired instructions; cpu->retired is a plain counter the vCPU thread
 * updates, read here relaxed (a torn read cannot happen on a 64-bit host). */
static uint64_t soft_progress(struct machine *m)
{
	struct soft_engine *e = soft_of(m);
	return e ? __atomic_load_n(&e->cpu.retired, __ATOMIC_RELAXED) : 0;
}

const struct engine_ops soft_engine_ops = {
	.name = "soft",
	.create = soft_create,
	.run = soft_run,
	.kick = soft_kick,
	.get_state = soft_get_state,
	.set_state = soft_set_state,
	.memory_written = soft_memory_written,
	.print_stats = soft_print_stats,
	.progress = soft_progress,
	.destroy = soft_destroy,
};
