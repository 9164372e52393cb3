/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_soft.c — the soft engine on small guest code snippets: a machine
 * with RAM and the debug-exit port, code bytes written to RAM, a state set,
 * a run until HLT (machine_config.stop_on_hlt), registers and memory
 * compared. Covers the translator and interpreter (ALU, stack, calls,
 * loops, retired-instruction counts), REP string ops across the helper's
 * chunk, self-modifying code (a store into the running block, and into a
 * block run before), exceptions through the real-mode IVT with the
 * faulting EIP, INT/IRET, triple faults, segment limits (data, stack,
 * string and code fetch; a block translated for another CS limit), the
 * dead-flags pass, port writes ending their block (debug exit), the fused
 * 32-bit ops against the generic path, the code
 * cache's flush, HLT costing no host CPU, traces, and random code (no
 * crash, always stoppable); tier 1 (--jit eager) against tier 0 on random
 * ALU snippets and on self-modifying code. The ALU semantics themselves are test_alu's;
 * the 80286 vectors are test_singlestep's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/check_helpers.h"
#include "cpu/flags.h"
#include "cpu/soft.h"
#include "cpu/soft_cpu.h"
#include "hw/debugexit.h"
#include "hw/machine.h"
#include "jit/cache.h"
#include "jit/gccjit.h"
#include "jit/ir.h"
#include "jit/translate.h"

#define RAM (4u << 20)
#define CODE16 0x1000u      /* real-mode code: CS = 0, IP = CODE16 */
#define CODE32 0x10000u     /* flat protected-mode code */
#define HANDLER 0x2000u     /* real-mode interrupt handlers */

struct run {
	struct machine m;
	struct cpu_state before, after;
	uint64_t retired;
	int event;
};

static void run_init(struct run *r, unsigned trace, FILE *trace_out)
{
	struct machine_config cfg = { .ram_size = RAM, .smp = 1, .stop_on_hlt = true, .trace = trace };
	struct error err = { 0 };
	ck_assert_msg(machine_create(&r->m, &cfg, &err) == 0, "machine_create: %s", err.msg);
	ck_assert(debugexit_create(&r->m, 0xf4, &err) == 0);
	if (trace_out)
		r->m.trace_out = trace_out;
}

static void run_real(struct run *r, const uint8_t *code, size_t len)
{
	run_init(r, 0, NULL);
	memcpy(r->m.ram + CODE16, code, len);
	cpu_state_set_real(&r->before, 0, CODE16, 0x8000);
}

static void run_flat(struct run *r, const uint8_t *code, size_t len)
{
	run_init(r, 0, NULL);
	memcpy(r->m.ram + CODE32, code, len);
	cpu_state_set_flat32(&r->before, CODE32);
	r->before.gpr[CPU_RSP] = 0x80000;
}

static uint64_t stats_retired(struct machine *m)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	m->engine->print_stats(m, f);
	fclose(f);
	const char *p = strstr(text, "retired instructions");
	uint64_t n = 0;
	ck_assert(p && sscanf(p + strlen("retired instructions"), "%lu", &n) == 1);
	free(text);
	return n;
}

/* Creates the engine with r->before, runs to the end, keeps the state. */
static void run_go(struct run *r)
{
	struct error err = { 0 };
	struct machine *m = &r->m;
	m->boot_state = r->before;
	m->boot_state_set = 1;
	m->engine = &soft_engine_ops;
	m->engine_name = "soft";
	ck_assert_msg(soft_engine_ops.create(m, &err) == 0, "create: %s", err.msg);
	ck_assert(soft_engine_ops.run(m, &err) == 0);
	ck_assert(soft_engine_ops.get_state(m, 0, &r->after, &err) == 0);
	r->retired = stats_retired(m);
	r->event = m->event;
}

static void run_done(struct run *r)
{
	soft_engine_ops.destroy(&r->m);
	r->m.engine = NULL;
	machine_destroy(&r->m);
}

static uint32_t reg(const struct run *r, int i)
{
	return (uint32_t)r->after.gpr[i];
}

START_TEST(test_real_alu)
{
	static const uint8_t code[] = {
		0xb8, 0x05, 0x00,       /* mov ax, 5 */
		0xbb, 0x07, 0x00,       /* mov bx, 7 */
		0x01, 0xd8,             /* add ax, bx */
		0xb9, 0xff, 0xff,       /* mov cx, 0xffff */
		0x41,                   /* inc cx: ZF = 1, CF kept (0) */
		0xb2, 0x80,             /* mov dl, 0x80 */
		0xd0, 0xe2,             /* shl dl, 1: CF = 1 */
		0xf5,                   /* cmc: CF = 0 */
		0xb6, 0x03,             /* mov dh, 3 */
		0xf4,                   /* hlt */
	};
	struct run r;
	run_real(&r, code, sizeof(code));
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xffff, 12);
	ck_assert_uint_eq(reg(&r, CPU_RCX) & 0xffff, 0);
	ck_assert_uint_eq(reg(&r, CPU_RDX) & 0xffff, 0x0300);
	ck_assert(r.after.rflags & FLAG_ZF);
	ck_assert(!(r.after.rflags & FLAG_CF));
	ck_assert_uint_eq(r.after.rip, CODE16 + sizeof(code));
	ck_assert_uint_eq(r.retired, 10);
	run_done(&r);
}
END_TEST

START_TEST(test_flat_loop)
{
	static const uint8_t code[] = {
		0xb9, 0x64, 0x00, 0x00, 0x00,   /* mov ecx, 100 */
		0x31, 0xc0,                     /* xor eax, eax */
		0x01, 0xc8,                     /* l: add eax, ecx */
		0x49,                           /* dec ecx */
		0x75, 0xfb,                     /* jnz l */
		0xf4,                           /* hlt */
	};
	struct run r;
	run_flat(&r, code, sizeof(code));
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RAX), 5050);
	ck_assert_uint_eq(reg(&r, CPU_RCX), 0);
	ck_assert_uint_eq(r.retired, 2 + 100 * 3 + 1);
	run_done(&r);
}
END_TEST

START_TEST(test_real_stack_call)
{
	static const uint8_t code[] = {
		0xbc, 0x00, 0x80,       /* 0: mov sp, 0x8000 */
		0xb8, 0x34, 0x12,       /* 3: mov ax, 0x1234 */
		0x50,                   /* 6: push ax */
		0xe8, 0x03, 0x00,       /* 7: call 13 */
		0x5b,                   /* 10: pop bx */
		0xf4,                   /* 11: hlt */
		0x90,                   /* 12 */
		0xb9, 0x78, 0x56,       /* 13: mov cx, 0x5678 */
		0xc3,                   /* 16: ret */
	};
	struct run r;
	run_real(&r, code, sizeof(code));
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RBX) & 0xffff, 0x1234);
	ck_assert_uint_eq(reg(&r, CPU_RCX) & 0xffff, 0x5678);
	ck_assert_uint_eq(reg(&r, CPU_RSP) & 0xffff, 0x8000);
	ck_assert_uint_eq(r.m.ram[0x7ffe], 0x34);   /* the pushed word stays */
	run_done(&r);
}
END_TEST

START_TEST(test_rep_movsb_chunks)
{
	static const uint8_t code[] = {
		0xbe, 0x00, 0x00, 0x20, 0x00,   /* mov esi, 0x200000 */
		0xbf, 0x00, 0x00, 0x30, 0x00,   /* mov edi, 0x300000 */
		0xb9, 0x10, 0x27, 0x00, 0x00,   /* mov ecx, 10000 */
		0xfc,                           /* cld */
		0xf3, 0xa4,                     /* rep movsb */
		0xf4,
	};
	struct run r;
	run_flat(&r, code, sizeof(code));
	for (unsigned i = 0; i < 10000; i++)
		r.m.ram[0x200000 + i] = (uint8_t)(i * 7 + 3);
	run_go(&r);
	ck_assert_int_eq(memcmp(r.m.ram + 0x200000, r.m.ram + 0x300000, 10000), 0);
	ck_assert_uint_eq(r.m.ram[0x300000 + 10000], 0);
	ck_assert_uint_eq(reg(&r, CPU_RCX), 0);
	ck_assert_uint_eq(reg(&r, CPU_RSI), 0x200000 + 10000);
	ck_assert_uint_eq(reg(&r, CPU_RDI), 0x300000 + 10000);
	ck_assert_uint_eq(r.retired, 3 + 1 + 1 + 1);   /* REP counts once */
	run_done(&r);
}
END_TEST

START_TEST(test_repe_cmpsb_and_zero_count)
{
	static const uint8_t code[] = {
		0xbe, 0x00, 0x00, 0x20, 0x00,   /* mov esi, 0x200000 */
		0xbf, 0x00, 0x00, 0x30, 0x00,   /* mov edi, 0x300000 */
		0xb9, 0x10, 0x27, 0x00, 0x00,   /* mov ecx, 10000 */
		0xf3, 0xa6,                     /* repe cmpsb */
		0x89, 0xca,                     /* mov edx, ecx */
		0xb9, 0x00, 0x00, 0x00, 0x00,   /* mov ecx, 0 */
		0xb8, 0x55, 0x55, 0x55, 0x55,   /* mov eax, 0x55555555 */
		0xf3, 0xab,                     /* rep stosd with ECX = 0: nothing */
		0xf4,
	};
	struct run r;
	run_flat(&r, code, sizeof(code));
	memset(r.m.ram + 0x200000, 0xab, 10000);
	memset(r.m.ram + 0x300000, 0xab, 10000);
	r.m.ram[0x300000 + 5000] = 0xac;
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RDX), 10000 - 5001);
	ck_assert_uint_eq(reg(&r, CPU_RSI), 0x200000 + 5001);
	ck_assert(!(r.after.rflags & FLAG_ZF));
	ck_assert(r.after.rflags & FLAG_CF);            /* 0xab < 0xac */
	ck_assert_uint_eq(reg(&r, CPU_RDI), 0x300000 + 5001);
	ck_assert_uint_eq(r.m.ram[0x300000 + 5001], 0xab);   /* STOSD wrote nothing */
	run_done(&r);
}
END_TEST

/* A port write may stop the machine: nothing after it in its block runs
 * (IN/OUT, OUTS, and REP OUTS between iterations). */
START_TEST(test_port_write_ends_block)
{
	static const uint8_t out_imm[] = {
		0xb8, 0x11, 0x00, 0x00, 0x00,   /* mov eax, 0x11 */
		0xe6, 0xf4,                     /* out 0xf4, al: debug exit */
		0x40,                           /* inc eax */
		0xa3, 0x00, 0x00, 0x20, 0x00,   /* mov [0x200000], eax */
		0xf4,
	};
	static const uint8_t outs[] = {
		0xba, 0xf4, 0x00, 0x00, 0x00,   /* mov edx, 0xf4 */
		0xbe, 0x00, 0x00, 0x20, 0x00,   /* mov esi, 0x200000 */
		0x6e,                           /* outsb */
		0x40,                           /* inc eax */
		0xf4,
	};
	static const uint8_t rep_outs[] = {
		0xba, 0xf4, 0x00, 0x00, 0x00,   /* mov edx, 0xf4 */
		0xbe, 0x00, 0x00, 0x20, 0x00,   /* mov esi, 0x200000 */
		0xb9, 0x64, 0x00, 0x00, 0x00,   /* mov ecx, 100 */
		0xf3, 0x6e,                     /* rep outsb */
		0x40,                           /* inc eax */
		0xf4,
	};
	struct run r;
	run_flat(&r, out_imm, sizeof(out_imm));
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_DEBUG_EXIT);
	ck_assert_uint_eq(reg(&r, CPU_RAX), 0x11);
	ck_assert_uint_eq(r.m.ram[0x200000], 0);
	ck_assert_uint_eq(r.after.rip, CODE32 + 7);
	ck_assert_uint_eq(r.retired, 2);
	run_done(&r);

	run_flat(&r, outs, sizeof(outs));
	r.before.gpr[CPU_RAX] = 5;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_DEBUG_EXIT);
	ck_assert_uint_eq(reg(&r, CPU_RAX), 5);
	ck_assert_uint_eq(reg(&r, CPU_RSI), 0x200001);
	ck_assert_uint_eq(r.after.rip, CODE32 + 11);
	run_done(&r);

	run_flat(&r, rep_outs, sizeof(rep_outs));
	r.before.gpr[CPU_RAX] = 5;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_DEBUG_EXIT);
	ck_assert_uint_eq(reg(&r, CPU_RAX), 5);
	ck_assert_uint_eq(reg(&r, CPU_RCX), 99);     /* one iteration, then out */
	ck_assert_uint_eq(r.after.rip, CODE32 + 15);   /* at the REP OUTSB again */
	run_done(&r);
}
END_TEST

/* ---- fused 32-bit ops against the generic path ----
 * `op eax, ebx` and `op eax, imm32` translate to fused ops (ADD32RR...);
 * `op eax, [m]` and `op dword [m], imm32` to generic ones (LD, ALU op,
 * FLAGS). Both must give the same EAX and flags, and SETcc after the fused
 * op must agree with the materialized flags (PUSHFD). */

struct emitter {
	uint8_t *p;
};

static void emit_bytes(struct emitter *e, const uint8_t *b, size_t n)
{
	memcpy(e->p, b, n);
	e->p += n;
}

static void emit_u8(struct emitter *e, uint8_t v)
{
	*e->p++ = v;
}

static void emit_u32(struct emitter *e, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		emit_u8(e, (uint8_t)(v >> (8 * i)));
}

/* mov r32, imm32 */
static void emit_mov_ri(struct emitter *e, unsigned reg, uint32_t v)
{
	emit_u8(e, (uint8_t)(0xb8 + reg));
	emit_u32(e, v);
}

/* mov [addr], r32 */
static void emit_store(struct emitter *e, unsigned reg, uint32_t addr)
{
	emit_u8(e, 0x89);
	emit_u8(e, (uint8_t)(0x05 | reg << 3));
	emit_u32(e, addr);
}

/* pushfd; pop ecx; mov [rec], eax; mov [rec + 4], ecx */
static void emit_record(struct emitter *e, uint32_t rec)
{
	emit_u8(e, 0x9c);
	emit_u8(e, 0x59);
	emit_store(e, CPU_RAX, rec);
	emit_store(e, CPU_RCX, rec + 4);
}

#define FUSED_DATA 0x200000u    /* the memory operand */
#define FUSED_REC 0x201000u     /* 32-byte records: fused */
#define GENERIC_REC 0x209000u   /* and generic */

/* The condition `cc` from EFLAGS bits (SDM vol. 1, B.1). */
static bool cond_of_flags(uint32_t f, unsigned cc)
{
	bool cf = f & FLAG_CF, zf = f & FLAG_ZF, sf = f & FLAG_SF, of = f & FLAG_OF, pf = f & FLAG_PF;
	bool r;
	switch (cc >> 1) {
	case 0: r = of; break;
	case 1: r = cf; break;
	case 2: r = zf; break;
	case 3: r = cf || zf; break;
	case 4: r = sf; break;
	case 5: r = pf; break;
	case 6: r = sf != of; break;
	default: r = zf || sf != of; break;
	}
	return r ^ (cc & 1);
}

START_TEST(test_fused_ops_match_generic)
{
	/* ADD OR AND SUB XOR CMP (group-1 /n and the r/m, r opcode n*8+1),
	 * then TEST; INC and DEC below. */
	static const struct { uint8_t rm_r, r_rm, grp, n; } ops[] = {
		{ 0x01, 0x03, 0x81, 0 }, { 0x09, 0x0b, 0x81, 1 }, { 0x21, 0x23, 0x81, 4 },
		{ 0x29, 0x2b, 0x81, 5 }, { 0x31, 0x33, 0x81, 6 }, { 0x39, 0x3b, 0x81, 7 },
		{ 0x85, 0x85, 0xf7, 0 },
	};
	uint32_t vals[24] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0x80000001,
			      0xfffffffe, 0xffffffff, 0x12345678, 0x9abcdef0 };
	uint32_t seed = 12345;
	for (int i = 13; i < 24; i++) {
		seed = seed * 1103515245u + 12345u;
		vals[i] = seed ^ (seed >> 13) * 0x9e3779b1u;
	}
	static const uint8_t none[1];
	struct run r;
	run_flat(&r, none, 0);
	struct emitter e = { r.m.ram + CODE32 };
	unsigned n = 0;
	for (unsigned k = 0; k < 2 * (sizeof(ops) / sizeof(ops[0])) + 2; k++) {
		for (unsigned i = 0; i < 24; i++) {
			uint32_t a = vals[i], b = vals[(i * 7 + k) % 24];
			uint32_t fused = FUSED_REC + 32 * n, generic = GENERIC_REC + 32 * n;
			unsigned o = k / 2;
			bool imm = k & 1;
			/* fused */
			emit_mov_ri(&e, CPU_RAX, a);
			emit_mov_ri(&e, CPU_RBX, b);
			emit_u8(&e, (i & 1) ? 0xf9 : 0xf8);   /* stc / clc: INC/DEC keep CF */
			if (o < 7 && !imm) {
				emit_u8(&e, ops[o].rm_r);
				emit_u8(&e, 0xd8);                     /* eax, ebx */
			} else if (o < 7) {
				emit_u8(&e, ops[o].grp);
				emit_u8(&e, (uint8_t)(0xc0 | ops[o].n << 3));
				emit_u32(&e, b);
			} else {
				emit_u8(&e, imm ? 0x48 : 0x40);       /* dec eax / inc eax */
			}
			for (unsigned cc = 0; cc < 16; cc++) {       /* setcc [fused + 8 + cc] */
				const uint8_t setcc[] = { 0x0f, (uint8_t)(0x90 + cc), 0x05 };
				emit_bytes(&e, setcc, sizeof(setcc));
				emit_u32(&e, fused + 8 + cc);
			}
			emit_record(&e, fused);
			/* generic: through memory */
			emit_mov_ri(&e, CPU_RAX, a);
			emit_mov_ri(&e, CPU_RBX, b);
			emit_store(&e, CPU_RAX, FUSED_DATA);
			emit_store(&e, CPU_RBX, FUSED_DATA + 4);
			emit_u8(&e, (i & 1) ? 0xf9 : 0xf8);
			if (o < 7 && !imm) {
				emit_u8(&e, ops[o].r_rm);              /* op eax, [data + 4] */
				emit_u8(&e, 0x05);
				emit_u32(&e, FUSED_DATA + 4);
			} else {
				if (o < 7) {
					emit_u8(&e, ops[o].grp);       /* op dword [data], imm32 */
					emit_u8(&e, (uint8_t)(0x05 | ops[o].n << 3));
					emit_u32(&e, FUSED_DATA);
					emit_u32(&e, b);
				} else {
					emit_u8(&e, 0xff);             /* inc/dec dword [data] */
					emit_u8(&e, imm ? 0x0d : 0x05);
					emit_u32(&e, FUSED_DATA);
				}
				emit_u8(&e, 0x9c);                     /* pushfd */
				emit_u8(&e, 0xa1);                     /* mov eax, [data] */
				emit_u32(&e, FUSED_DATA);
				emit_u8(&e, 0x9d);                     /* popfd */
			}
			emit_record(&e, generic);
			n++;
		}
	}
	emit_u8(&e, 0xf4);
	ck_assert(e.p < r.m.ram + FUSED_DATA);
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *f = r.m.ram + FUSED_REC + 32 * i, *g = r.m.ram + GENERIC_REC + 32 * i;
		uint32_t fe, ff, ge, gf;
		memcpy(&fe, f, 4);
		memcpy(&ff, f + 4, 4);
		memcpy(&ge, g, 4);
		memcpy(&gf, g + 4, 4);
		ck_assert_msg(fe == ge && (ff & FLAGS_ARITH) == (gf & FLAGS_ARITH),
			      "case %u: fused eax %08x flags %03x, generic eax %08x flags %03x", i, fe,
			      ff & FLAGS_ARITH, ge, gf & FLAGS_ARITH);
		for (unsigned cc = 0; cc < 16; cc++)
			ck_assert_msg(f[8 + cc] == cond_of_flags(ff, cc), "case %u: setcc %u gave %u with flags %03x",
				      i, cc, f[8 + cc], ff & FLAGS_ARITH);
	}
	run_done(&r);
}
END_TEST

/* ---- tier 1 (--jit eager) against tier 0 ----
 * Random straight-line ALU snippets (32-, 16- and 8-bit register ops,
 * immediates, shifts and rotates, INC/DEC, NOT/NEG/MUL/IMUL, MOVZX/MOVSX,
 * SETcc, CMOVcc, BSWAP, LEA, loads and stores to a buffer), each followed
 * by a record of every register and EFLAGS. The program runs once on
 * tier 0 and once with every block compiled by libgccjit before it first
 * runs; both must leave the same records, buffer, final state and retired
 * count. Seeded: the seed is in the failure message. */

#define JIT_BUF 0x300000u        /* the memory operand buffer */
#define JIT_REC 0x310000u        /* 36-byte records */
#define JIT_SNIPPETS 300

static uint32_t jit_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8 ^ *seed << 13;
}

/* A register other than ESP. */
static unsigned jit_reg(uint32_t *seed)
{
	static const unsigned regs[7] = { 0, 1, 2, 3, 5, 6, 7 };
	return regs[jit_rand(seed) % 7];
}

static void emit_modrm_rr(struct emitter *e, unsigned reg, unsigned rm)
{
	emit_u8(e, (uint8_t)(0xc0 | reg << 3 | rm));
}

static void emit_random_insn(struct emitter *e, uint32_t *seed)
{
	unsigned d = jit_reg(seed), s = jit_rand(seed) % 8, n = jit_rand(seed) % 8;
	uint32_t imm = jit_rand(seed);
	uint32_t mem = JIT_BUF + (jit_rand(seed) % 60) * 4 + jit_rand(seed) % 4;
	switch (jit_rand(seed) % 18) {
	case 0: emit_u8(e, (uint8_t)(n * 8 + 1)); emit_modrm_rr(e, s, d); break;          /* op r32, r32 */
	case 1: emit_u8(e, 0x81); emit_modrm_rr(e, n, d); emit_u32(e, imm); break;          /* op r32, imm32 */
	case 2: emit_u8(e, 0x83); emit_modrm_rr(e, n, d); emit_u8(e, (uint8_t)imm); break;  /* op r32, imm8 */
	case 3: emit_u8(e, (uint8_t)(n * 8)); emit_modrm_rr(e, s, imm % 8); break;         /* op r8, r8 */
	case 4: emit_u8(e, 0x66); emit_u8(e, (uint8_t)(n * 8 + 1)); emit_modrm_rr(e, s, d); break; /* 16-bit */
	case 5: emit_u8(e, 0xc1); emit_modrm_rr(e, n == 6 ? 4 : n, d); emit_u8(e, (uint8_t)(imm % 40)); break;
	case 6: emit_u8(e, 0xd3); emit_modrm_rr(e, n == 6 ? 5 : n, d); break;               /* shift by CL */
	case 7: emit_u8(e, (uint8_t)((imm & 1 ? 0x48 : 0x40) + d)); break;                  /* inc/dec */
	case 8: emit_u8(e, 0xf7); emit_modrm_rr(e, 2 + imm % 4, imm % 4 >= 2 ? s : d); break; /* not neg mul imul */
	case 9: emit_u8(e, 0x0f); emit_u8(e, 0xaf); emit_modrm_rr(e, d, s); break;          /* imul r32, r32 */
	case 10: emit_u8(e, 0x0f); emit_u8(e, (uint8_t)(0xb6 + imm % 2 + 8 * (imm / 2 % 2)));
		emit_modrm_rr(e, d, s); break;                                              /* movzx/movsx */
	case 11: emit_u8(e, 0x0f); emit_u8(e, (uint8_t)(0x90 + imm % 16)); emit_modrm_rr(e, 0, s); break; /* setcc */
	case 12: emit_u8(e, 0x0f); emit_u8(e, (uint8_t)(0x40 + imm % 16)); emit_modrm_rr(e, d, s); break; /* cmovcc */
	case 13: emit_u8(e, 0x0f); emit_u8(e, (uint8_t)(0xc8 + d)); break;                   /* bswap */
	case 14: emit_u8(e, 0x8d); emit_u8(e, (uint8_t)(0x84 | d << 3));                      /* lea d, [b + i*s + disp32] */
		emit_u8(e, (uint8_t)(imm % 4 << 6 | s << 3 | n)); emit_u32(e, imm); break;
	case 15: emit_u8(e, 0x89); emit_u8(e, (uint8_t)(0x05 | s << 3)); emit_u32(e, mem); break;   /* mov [m], r32 */
	case 16: emit_u8(e, (uint8_t)(n * 8 + 3)); emit_u8(e, (uint8_t)(0x05 | d << 3)); emit_u32(e, mem); break; /* op r32, [m] */
	default: emit_u8(e, (uint8_t)(n * 8 + 1)); emit_u8(e, (uint8_t)(0x05 | s << 3)); emit_u32(e, mem); break; /* op [m], r32 */
	}
}

/* Writes the program for `seed` to RAM of r (flat code at CODE32). */
static void jit_program(struct run *r, uint32_t seed)
{
	struct emitter e = { r->m.ram + CODE32 };
	for (uint32_t i = 0; i < 64; i++)
		memcpy(r->m.ram + JIT_BUF + 4 * i, &(uint32_t){ jit_rand(&seed) }, 4);
	for (unsigned k = 0; k < JIT_SNIPPETS; k++) {
		for (unsigned reg = 0; reg < 8; reg++)
			if (reg != CPU_RSP && jit_rand(&seed) % 3 == 0)
				emit_mov_ri(&e, reg, jit_rand(&seed) % 4 ? jit_rand(&seed) : jit_rand(&seed) % 3 - 1);
		emit_u8(&e, jit_rand(&seed) % 2 ? 0xf9 : 0xf8);   /* stc / clc */
		unsigned len = 3 + jit_rand(&seed) % 10;
		for (unsigned i = 0; i < len; i++)
			emit_random_insn(&e, &seed);
		uint32_t rec = JIT_REC + 36 * k;
		emit_u8(&e, 0x9c);                               /* pushfd */
		for (unsigned reg = 0; reg < 8; reg++)
			emit_store(&e, reg, rec + 4 * reg);
		emit_u8(&e, 0x8f);                               /* pop dword [rec + 32] */
		emit_u8(&e, 0x05);
		emit_u32(&e, rec + 32);
	}
	emit_u8(&e, 0xf4);
	ck_assert(e.p < r->m.ram + JIT_BUF);
}

static void run_flat_jit(struct run *r, uint8_t jit)
{
	struct machine_config cfg = { .ram_size = RAM, .smp = 1, .stop_on_hlt = true, .jit = jit };
	struct error err = { 0 };
	ck_assert_msg(machine_create(&r->m, &cfg, &err) == 0, "machine_create: %s", err.msg);
	ck_assert(debugexit_create(&r->m, 0xf4, &err) == 0);
	cpu_state_set_flat32(&r->before, CODE32);
	r->before.gpr[CPU_RSP] = 0x80000;
}

/* The number after `label` in the --stats text of r's engine. */
static uint64_t stats_field(struct machine *m, const char *label)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	m->engine->print_stats(m, f);
	fclose(f);
	const char *p = strstr(text, label);
	uint64_t n = 0;
	ck_assert_msg(p && sscanf(p + strlen(label), "%lu", &n) == 1, "no '%s' in the stats", label);
	free(text);
	return n;
}

START_TEST(test_jit_eager_matches_tier0)
{
	const uint32_t seed = 0x5eed0001u + (uint32_t)_i;
	struct run r0, r1;
	run_flat_jit(&r0, JIT_TIER_OFF);
	jit_program(&r0, seed);
	run_go(&r0);
	run_flat_jit(&r1, JIT_TIER_EAGER);
	jit_program(&r1, seed);
	run_go(&r1);
	ck_assert_int_eq(r0.event, MACHINE_POWEROFF);
	ck_assert_int_eq(r1.event, MACHINE_POWEROFF);
	uint64_t compiled = stats_field(&r1.m, "blocks compiled");
	ck_assert_msg(compiled >= 10, "seed %08x: only %lu blocks compiled", seed, (unsigned long)compiled);
	ck_assert_uint_eq(stats_field(&r1.m, "left on tier 0"), 0);
	for (unsigned k = 0; k < JIT_SNIPPETS; k++) {
		const uint8_t *a = r0.m.ram + JIT_REC + 36 * k, *b = r1.m.ram + JIT_REC + 36 * k;
		for (unsigned w = 0; w < 9; w++) {
			uint32_t x, y;
			memcpy(&x, a + 4 * w, 4);
			memcpy(&y, b + 4 * w, 4);
			ck_assert_msg(x == y, "seed %08x snippet %u %s: tier 0 %08x, tier 1 %08x", seed, k,
				      w < 8 ? "register" : "eflags", x, y);
		}
	}
	ck_assert_msg(memcmp(r0.m.ram + JIT_BUF, r1.m.ram + JIT_BUF, 256) == 0, "seed %08x: buffers differ", seed);
	ck_assert_msg(memcmp(r0.after.gpr, r1.after.gpr, sizeof(r0.after.gpr)) == 0, "seed %08x: final registers", seed);
	ck_assert_uint_eq(r0.after.rip, r1.after.rip);
	ck_assert_uint_eq(r0.after.rflags, r1.after.rflags);
	ck_assert_uint_eq(r0.retired, r1.retired);
	run_done(&r0);
	run_done(&r1);
}
END_TEST

/* The SMC snippets of test_smc_same_block and test_smc_other_block,
 * with every block compiled. */
START_TEST(test_jit_eager_smc)
{
	/* mov byte [CODE32 + 9], 0x43 (the INC EAX below becomes INC EBX);
	 * inc eax; then a loop that rewrites its own next block twice */
	static const uint8_t code[] = {
		0x31, 0xc0,                               /* xor eax, eax */
		0xc6, 0x05, 0x09, 0x00, 0x01, 0x00, 0x43, /* mov byte [0x10009], 0x43 */
		0x40,                                     /* 0x10009: inc eax -> inc ebx */
		0xf4,                                     /* hlt */
	};
	struct run r;
	run_flat_jit(&r, JIT_TIER_EAGER);
	memcpy(r.m.ram + CODE32, code, sizeof(code));
	r.before.gpr[CPU_RBX] = 10;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RAX), 0);
	ck_assert_uint_eq(reg(&r, CPU_RBX), 11);
	ck_assert_uint_eq(r.retired, 4);
	ck_assert_uint_ge(stats_field(&r.m, "blocks compiled"), 2);
	run_done(&r);
}
END_TEST

START_TEST(test_smc_same_block)
{
	/* A store into the next instruction of the running block. */
	static const uint8_t code[] = {
		0xc6, 0x05, 0x08, 0x00, 0x01, 0x00, 0x2a,   /* mov byte [0x10008], 42 */
		0xb0, 0x00,                                 /* 0x10007: mov al, 0 */
		0xf4,
	};
	struct run r;
	run_flat(&r, code, sizeof(code));
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xff, 42);
	ck_assert_uint_eq(r.retired, 3);
	run_done(&r);
}
END_TEST

START_TEST(test_smc_other_block)
{
	/* A loop calls f, then increments f's immediate: al = 0 + 1 + 2. */
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,               /* 0x10000: mov ecx, 3 */
		0xe8, 0x0a, 0x00, 0x00, 0x00,               /* 0x10005: call f (0x10014) */
		0xfe, 0x05, 0x15, 0x00, 0x01, 0x00,         /* 0x1000a: inc byte [0x10015] */
		0x49,                                       /* 0x10010: dec ecx */
		0x75, 0xf2,                                 /* 0x10011: jnz 0x10005 */
		0xf4,                                       /* 0x10013: hlt */
		0x04, 0x00,                                 /* 0x10014: f: add al, imm8 */
		0xc3,                                       /* ret */
	};
	struct run r;
	run_flat(&r, code, sizeof(code));
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xff, 3);
	ck_assert_uint_eq(r.m.ram[0x10015], 3);
	run_done(&r);
}
END_TEST

static void set_ivt(struct run *r, int vector, uint16_t cs, uint16_t ip)
{
	r->m.ram[vector * 4] = (uint8_t)ip;
	r->m.ram[vector * 4 + 1] = (uint8_t)(ip >> 8);
	r->m.ram[vector * 4 + 2] = (uint8_t)cs;
	r->m.ram[vector * 4 + 3] = (uint8_t)(cs >> 8);
}

static uint16_t ram16(const struct run *r, uint32_t a)
{
	return (uint16_t)(r->m.ram[a] | r->m.ram[a + 1] << 8);
}

START_TEST(test_real_divide_error)
{
	static const uint8_t code[] = {
		0xb8, 0x0a, 0x00,       /* mov ax, 10 */
		0x83, 0xc6, 0x01,       /* add si, 1: flags the fault must keep */
		0xb3, 0x00,             /* mov bl, 0 */
		0xf6, 0xf3,             /* 0x1008: div bl -> #DE */
		0xf4,
	};
	static const uint8_t handler[] = { 0xba, 0xef, 0xbe, 0xf4 };   /* mov dx, 0xbeef; hlt */
	struct run r;
	run_real(&r, code, sizeof(code));
	memcpy(r.m.ram + HANDLER, handler, sizeof(handler));
	set_ivt(&r, EXC_DE, 0, HANDLER);
	r.before.gpr[CPU_RSI] = 0xffff;   /* add si, 1: ZF = CF = 1 */
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RDX) & 0xffff, 0xbeef);
	ck_assert_uint_eq(reg(&r, CPU_RSP) & 0xffff, 0x8000 - 6);
	ck_assert_uint_eq(ram16(&r, 0x7ffa), CODE16 + 8);        /* IP of the DIV */
	ck_assert_uint_eq(ram16(&r, 0x7ffc), 0);                 /* CS */
	uint16_t pushed_flags = ram16(&r, 0x7ffe);
	ck_assert(pushed_flags & FLAG_ZF);
	ck_assert(pushed_flags & FLAG_CF);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xffff, 10);       /* untouched */
	ck_assert_uint_eq(r.retired, 3 + 2);
	run_done(&r);
}
END_TEST

START_TEST(test_real_ud_and_int_iret)
{
	static const uint8_t code[] = {
		0xcd, 0x21,             /* int 0x21 */
		0x89, 0xd9,             /* mov cx, bx */
		0x0f, 0x0b,             /* 0x1004: ud2 */
		0xf4,
	};
	static const uint8_t int21[] = { 0xbb, 0xaa, 0x55, 0xcf };   /* mov bx, 0x55aa; iret */
	static const uint8_t ud[] = { 0xbf, 0x06, 0x00, 0xf4 };      /* mov di, 6; hlt */
	struct run r;
	run_real(&r, code, sizeof(code));
	memcpy(r.m.ram + HANDLER, int21, sizeof(int21));
	memcpy(r.m.ram + HANDLER + 0x10, ud, sizeof(ud));
	set_ivt(&r, 0x21, 0, HANDLER);
	set_ivt(&r, EXC_UD, 0, HANDLER + 0x10);
	r.before.rflags |= RFLAGS_IF;
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RCX) & 0xffff, 0x55aa);
	ck_assert_uint_eq(reg(&r, CPU_RDI) & 0xffff, 6);
	ck_assert_uint_eq(ram16(&r, 0x7ffa), CODE16 + 4);        /* IP of the UD2 */
	ck_assert(ram16(&r, 0x7ffe) & RFLAGS_IF);               /* IRET restored IF */
	ck_assert(!(r.after.rflags & RFLAGS_IF));               /* the #UD cleared it */
	run_done(&r);
}
END_TEST

/* Real mode: a word at offset 0xFFFF is beyond the 64 KiB limit: #GP(0)
 * through the IVT, with the IP of the faulting instruction pushed and
 * nothing of it done; a byte there is fine. */
START_TEST(test_limit_word_at_ffff)
{
	static const uint8_t code[] = {
		0xbb, 0xff, 0xff,       /* mov bx, 0xffff */
		0x8a, 0x0f,             /* mov cl, [bx]: the last byte, fine */
		0x83, 0xc6, 0x01,       /* add si, 1: flags the fault must keep */
		0x8b, 0x07,             /* 0x1008: mov ax, [bx] -> #GP */
		0xf4,
	};
	static const uint8_t handler[] = { 0xba, 0xef, 0xbe, 0xf4 };   /* mov dx, 0xbeef; hlt */
	struct run r;
	run_real(&r, code, sizeof(code));
	memcpy(r.m.ram + HANDLER, handler, sizeof(handler));
	set_ivt(&r, EXC_GP, 0, HANDLER);
	r.m.ram[0xffff] = 0x5a;
	r.before.gpr[CPU_RAX] = 0x1111;
	r.before.gpr[CPU_RSI] = 0xffff;   /* add si, 1: ZF = CF = 1 */
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RDX) & 0xffff, 0xbeef);
	ck_assert_uint_eq(reg(&r, CPU_RCX) & 0xff, 0x5a);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xffff, 0x1111);   /* untouched */
	ck_assert_uint_eq(reg(&r, CPU_RSP) & 0xffff, 0x8000 - 6);
	ck_assert_uint_eq(ram16(&r, 0x7ffa), CODE16 + 8);        /* IP of the MOV */
	ck_assert_uint_eq(ram16(&r, 0x7ffc), 0);
	ck_assert(ram16(&r, 0x7ffe) & FLAG_ZF);
	ck_assert(ram16(&r, 0x7ffe) & FLAG_CF);
	ck_assert_uint_eq(r.retired, 3 + 2);
	run_done(&r);
}
END_TEST

/* Stack accesses beyond the SS limit raise #SS: POP with SP = 0xFFFF
 * through IVT entry 12; PUSH with SP = 1 faults, and so does the delivery
 * of that #SS and of the #DF that follows: shutdown, as the SDM says
 * (vol. 2, PUSH: "If the ESP or SP register is 1 when the PUSH instruction
 * is executed in real-address mode, a stack-fault exception (#SS) is
 * generated ... the logical processor enters shutdown mode"). PUSH with
 * SP = 2 or 0 is fine. */
START_TEST(test_limit_stack)
{
	static const uint8_t pop[] = { 0x58, 0xf4 };             /* pop ax */
	static const uint8_t handler[] = { 0xba, 0x0c, 0x00, 0xf4 };   /* mov dx, 12; hlt */
	struct run r;
	run_real(&r, pop, sizeof(pop));
	memcpy(r.m.ram + HANDLER, handler, sizeof(handler));
	set_ivt(&r, EXC_SS, 0, HANDLER);
	r.before.gpr[CPU_RSP] = 0xffff;
	r.before.gpr[CPU_RAX] = 0x1111;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RDX) & 0xffff, 12);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xffff, 0x1111);
	ck_assert_uint_eq(reg(&r, CPU_RSP) & 0xffff, 0xfff9);
	ck_assert_uint_eq(ram16(&r, 0xfff9), CODE16);            /* IP of the POP */
	run_done(&r);

	static const uint8_t push[] = { 0x50, 0xf4 };            /* push ax */
	run_real(&r, push, sizeof(push));
	memcpy(r.m.ram + HANDLER, handler, sizeof(handler));
	set_ivt(&r, EXC_SS, 0, HANDLER);
	set_ivt(&r, EXC_DF, 0, HANDLER);
	r.before.gpr[CPU_RSP] = 1;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_RESET);
	ck_assert_uint_eq(reg(&r, CPU_RSP) & 0xffff, 1);
	run_done(&r);

	static const uint16_t fine[] = { 2, 0 };
	for (int i = 0; i < 2; i++) {
		run_real(&r, push, sizeof(push));
		r.before.gpr[CPU_RSP] = fine[i];
		r.before.gpr[CPU_RAX] = 0xabcd;
		run_go(&r);
		ck_assert_int_eq(r.event, MACHINE_POWEROFF);
		ck_assert_uint_eq(reg(&r, CPU_RSP) & 0xffff, (fine[i] - 2) & 0xffff);
		ck_assert_uint_eq(ram16(&r, (fine[i] - 2) & 0xffff), 0xabcd);
		run_done(&r);
	}
}
END_TEST

/* REP MOVSW whose source reaches offset 0xFFFF: the iterations before
 * complete, then #GP with SI, DI, CX of the last complete one. */
START_TEST(test_limit_rep_movsw)
{
	static const uint8_t code[] = { 0xf3, 0xa5, 0xf4 };     /* rep movsw */
	static const uint8_t handler[] = { 0xf4 };
	struct run r;
	run_real(&r, code, sizeof(code));
	memcpy(r.m.ram + HANDLER, handler, sizeof(handler));
	set_ivt(&r, EXC_GP, 0, HANDLER);
	r.before.gpr[CPU_RSI] = 0xfff1;
	r.before.gpr[CPU_RDI] = 0x4000;
	r.before.gpr[CPU_RCX] = 16;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RCX) & 0xffff, 16 - 7);
	ck_assert_uint_eq(reg(&r, CPU_RSI) & 0xffff, 0xffff);
	ck_assert_uint_eq(reg(&r, CPU_RDI) & 0xffff, 0x4000 + 14);
	ck_assert_uint_eq(ram16(&r, 0x7ffa), CODE16);            /* IP of REP MOVSW */
	ck_assert_uint_eq(r.after.rip, HANDLER + 1);
	run_done(&r);
}
END_TEST

/* Code fetch: an instruction that runs past CS's limit raises #GP(0)
 * before it executes; the instructions before it in the same straight
 * line run. */
START_TEST(test_limit_code_fetch)
{
	static const uint8_t code[] = {
		0x46,                   /* 0xfffc: inc si */
		0x47,                   /* 0xfffd: inc di */
		0xb8, 0x34, 0x12,       /* 0xfffe: mov ax, 0x1234: runs past 0xffff */
	};
	static const uint8_t handler[] = { 0xba, 0x0d, 0x00, 0xf4 };   /* mov dx, 13; hlt */
	struct run r;
	run_init(&r, 0, NULL);
	memcpy(r.m.ram + 0x1000 + 0xfffc, code, sizeof(code));
	memcpy(r.m.ram + HANDLER, handler, sizeof(handler));
	set_ivt(&r, EXC_GP, 0, HANDLER);
	cpu_state_set_real(&r.before, 0x100, 0xfffc, 0x8000);
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RDX) & 0xffff, 13);
	ck_assert_uint_eq(reg(&r, CPU_RSI) & 0xffff, 1);
	ck_assert_uint_eq(reg(&r, CPU_RDI) & 0xffff, 1);
	ck_assert_uint_eq(reg(&r, CPU_RAX) & 0xffff, 0);
	ck_assert_uint_eq(ram16(&r, 0x7ffa), 0xfffe);            /* IP of the MOV */
	ck_assert_uint_eq(ram16(&r, 0x7ffc), 0x100);
	run_done(&r);
}
END_TEST

/* Flat protected mode: limit 4 GiB - 1, so offsets past 64 KiB and words
 * at 0xFFFF are plain accesses. Then the same code again in the same
 * engine with a CS limit that cuts it: the cached block is not reused,
 * the instruction that crosses the limit faults (no IDT: triple fault)
 * after the ones before it ran. */
START_TEST(test_limit_flat_and_cs_change)
{
	static const uint8_t code[] = {
		0x46,                                   /* inc esi */
		0x8b, 0x1d, 0xff, 0xff, 0x00, 0x00,     /* mov ebx, [0xffff] */
		0x66, 0x8b, 0x0d, 0xff, 0xff, 0x00, 0x00, /* mov cx, [0xffff] */
		0xa1, 0xfc, 0xff, 0x3f, 0x00,           /* mov eax, [0x3ffffc] */
		0x50,                                   /* push eax */
		0x5a,                                   /* pop edx */
		0xf4,
	};
	struct run r;
	run_flat(&r, code, sizeof(code));
	r.m.ram[0xffff] = 0x11;   /* then the code's first bytes, at CODE32 */
	memcpy(r.m.ram + 0x3ffffc, "\x78\x56\x34\x12", 4);
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_POWEROFF);
	ck_assert_uint_eq(reg(&r, CPU_RBX), 0x1d8b4611);
	ck_assert_uint_eq(reg(&r, CPU_RCX) & 0xffff, 0x4611);
	ck_assert_uint_eq(reg(&r, CPU_RDX), 0x12345678);
	ck_assert_uint_eq(reg(&r, CPU_RSI), 1);
	ck_assert_uint_eq(r.retired, 7);

	/* Again, CS limit in the middle of the second MOV. */
	struct cpu_state s = r.before;
	struct error err = { 0 };
	s.seg[SEG_CS].limit = CODE32 + 10;
	s.idt.limit = 0;
	ck_assert(soft_engine_ops.set_state(&r.m, 0, &s, &err) == 0);
	r.m.event = MACHINE_RUNNING;
	ck_assert(soft_engine_ops.run(&r.m, &err) == 0);
	ck_assert_int_eq(r.m.event, MACHINE_RESET);
	ck_assert(soft_engine_ops.get_state(&r.m, 0, &s, &err) == 0);
	ck_assert_uint_eq(s.gpr[CPU_RSI], 1);
	ck_assert_uint_eq(s.rip, CODE32 + 7);
	run_done(&r);
}
END_TEST

START_TEST(test_triple_fault)
{
	static const uint8_t code[] = { 0xcc, 0xf4 };   /* int3 with an empty IDT */
	struct run r;
	run_real(&r, code, sizeof(code));
	r.before.idt.limit = 0;
	run_go(&r);
	ck_assert_int_eq(r.event, MACHINE_RESET);
	run_done(&r);
}
END_TEST

START_TEST(test_protected_idt)
{
	/* A 32-bit interrupt gate at CPL 0: INT 0x30 -> handler -> IRET. */
	static const uint8_t code[] = {
		0xcd, 0x30,                     /* int 0x30 */
		0x89, 0xd9,                     /* mov ecx, ebx */
		0xf4,
	};
	static const uint8_t handler[] = { 0xbb, 0x78, 0x56, 0x34, 0x12, 0xcf };   /* mov ebx, ..; iret */
	struct run r;
	run_flat(&r, code, sizeof(code));
	/* GDT at 0x500 as the loaders write it: 0x10 code, 0x18 data. */
	static const uint8_t gdt[] = {
		0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,  0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,
	};
	memcpy(r.m.ram + 0x500, gdt, sizeof(gdt));
	r.before.gdt = (struct cpu_dtable){ 0x500, sizeof(gdt) - 1 };
	r.before.idt = (struct cpu_dtable){ 0x1000, 0x7ff };
	uint32_t h = 0x20000;
	memcpy(r.m.ram + h, handler, sizeof(handler));
	uint8_t *gate = r.m.ram + 0x1000 + 0x30 * 8;
	gate[0] = (uint8_t)h; gate[1] = (uint8_t)(h >> 8); gate[2] = 0x10; gate[3] = 0;
	gate[4] = 0; gate[5] = 0x8e; gate[6] = (uint8_t)(h >> 16); gate[7] = (uint8_t)(h >> 24);
	run_go(&r);
	ck_assert_uint_eq(reg(&r, CPU_RCX), 0x12345678);
	ck_assert_uint_eq(reg(&r, CPU_RSP), 0x80000);
	run_done(&r);
}
END_TEST

START_TEST(test_smp_refused)
{
	struct machine m;
	struct machine_config cfg = { .ram_size = RAM, .smp = 2 };
	struct error err = { 0 };
	ck_assert(machine_create(&m, &cfg, &err) == 0);
	ck_assert(soft_engine_ops.create(&m, &err) < 0);
	ck_assert_msg(strstr(err.msg, "one vCPU only for now (--smp 2)"), "%s", err.msg);
	machine_destroy(&m);
}
END_TEST

static void *run_thread(void *arg)
{
	struct machine *m = arg;
	struct error err = { 0 };
	m->engine->run(m, &err);
	return NULL;
}

START_TEST(test_hlt_sleeps)
{
	static const uint8_t code[] = { 0xfa, 0xf4 };   /* cli; hlt */
	struct machine m;
	struct machine_config cfg = { .ram_size = RAM, .smp = 1 };
	struct error err = { 0 };
	ck_assert(machine_create(&m, &cfg, &err) == 0);
	memcpy(m.ram + CODE16, code, sizeof(code));
	cpu_state_set_real(&m.boot_state, 0, CODE16, 0x8000);
	m.boot_state_set = 1;
	m.engine = &soft_engine_ops;
	ck_assert(soft_engine_ops.create(&m, &err) == 0);
	pthread_t t;
	ck_assert(pthread_create(&t, NULL, run_thread, &m) == 0);
	usleep(300 * 1000);
	clockid_t clock;
	struct timespec used;
	ck_assert(pthread_getcpuclockid(t, &clock) == 0);
	ck_assert(clock_gettime(clock, &used) == 0);
	machine_stop(&m, MACHINE_QUIT);
	pthread_join(t, NULL);
	double ms = used.tv_sec * 1e3 + used.tv_nsec / 1e6;
	ck_assert_msg(ms < 50, "a halted guest used %.1f ms of CPU in 300 ms", ms);
	soft_engine_ops.destroy(&m);
	m.engine = NULL;
	machine_destroy(&m);
}
END_TEST

/* A soft_cpu outside the engine, for translator tests. */
struct bare_cpu {
	struct machine m;
	struct soft_cpu cpu;
	struct jit_cache *cache;
	struct ir_builder ir;
};

static struct bare_cpu *bare_create(size_t cache_bytes)
{
	struct bare_cpu *b = calloc(1, sizeof(*b));
	ck_assert(b);
	test_machine_create(&b->m, RAM);
	b->cache = jit_cache_create(cache_bytes);
	ck_assert(b->cache);
	b->cpu.m = &b->m;
	b->cpu.cache = b->cache;
	mmu_init(&b->cpu.mmu, &b->m, b->cache, &b->cpu, &b->cpu.s);
	cpu_state_set_flat32(&b->cpu.s, CODE32);
	return b;
}

static void bare_destroy(struct bare_cpu *b)
{
	jit_cache_destroy(b->cache);
	machine_destroy(&b->m);
	free(b);
}

static int count_ops(const struct jit_block *blk, enum ir_opcode opc)
{
	int n = 0;
	for (unsigned i = 0; i < blk->nr_ops; i++)
		n += blk->ops[i].opc == opc;
	return n;
}

START_TEST(test_dead_flags_removed)
{
	static const uint8_t code[] = {
		0x66, 0x01, 0xd8,       /* add ax, bx: FLAGS */
		0x01, 0xc8,             /* add eax, ecx (fused): overwrites the flags */
		0x66, 0x29, 0xd0,       /* sub ax, dx: overwrites them again */
		0x0f, 0x94, 0xc1,       /* sete cl: reads them */
		0x41,                   /* inc ecx (fused) */
		0x39, 0xd1,             /* cmp ecx, edx (fused): overwrites them */
		0x31, 0xf6,             /* xor esi, esi (fused) */
		0xf4,                   /* hlt: exits (flags live out) */
	};
	struct bare_cpu *b = bare_create(1u << 20);
	memcpy(b->m.ram + CODE32, code, sizeof(code));
	bool flushed;
	struct jit_block *blk = jit_translate(&b->cpu, &b->ir, CODE32, &flushed);
	ck_assert(blk);
	ck_assert_uint_eq(blk->nr_insns, 8);
	/* Only the SUB's (read by SETE) and the XOR's (live at the exit)
	 * remain: the fused ADD and INC lose their flags, the CMP goes. */
	ck_assert_int_eq(count_ops(blk, IR_FLAGS), 1);
	ck_assert_int_eq(count_ops(blk, IR_ADD32RR), 0);
	ck_assert_int_eq(count_ops(blk, IR_ADD32RR_NF), 1);
	ck_assert_int_eq(count_ops(blk, IR_INC32R), 0);
	ck_assert_int_eq(count_ops(blk, IR_ADD32RI_NF), 1);
	ck_assert_int_eq(count_ops(blk, IR_CMP32RR), 0);
	ck_assert_int_eq(count_ops(blk, IR_XOR32RR), 1);
	ck_assert_int_eq(count_ops(blk, IR_EXIT_HLT), 1);
	bare_destroy(b);
}
END_TEST

START_TEST(test_block_ends_at_page)
{
	/* NOPs up to a page boundary: the block stops there. */
	struct bare_cpu *b = bare_create(1u << 20);
	memset(b->m.ram + CODE32, 0x90, 8192);
	bool flushed;
	struct jit_block *blk = jit_translate(&b->cpu, &b->ir, CODE32 + 4096 - 3, &flushed);
	ck_assert(blk);
	ck_assert_uint_eq(blk->nr_insns, 3);
	ck_assert_uint_eq(blk->exit_eip[0], CODE32 + 4096);
	blk = jit_translate(&b->cpu, &b->ir, CODE32, &flushed);
	ck_assert_uint_eq(blk->nr_insns, JIT_MAX_INSNS);
	bare_destroy(b);
}
END_TEST

START_TEST(test_cache_flush_when_full)
{
	static const uint8_t code[] = { 0x40, 0xeb, 0xfd };   /* inc eax; jmp $-1 */
	struct bare_cpu *b = bare_create(64u << 10);
	bool flushed = false;
	uint64_t generation = jit_cache_generation(b->cache);
	int flushes = 0;
	for (uint32_t i = 0; i < 512; i++) {
		uint32_t eip = CODE32 + i * 16;
		memcpy(b->m.ram + eip, code, sizeof(code));
		struct jit_block *blk = jit_translate(&b->cpu, &b->ir, eip, &flushed);
		ck_assert(blk);
		ck_assert(jit_cache_lookup(b->cache, eip, 0, blk->mode, eip) == blk);
		flushes += flushed;
	}
	ck_assert_int_gt(flushes, 0);
	ck_assert_uint_eq(jit_cache_generation(b->cache), generation + (uint64_t)flushes);
	/* A store to a code byte invalidates; one to a data byte of the same
	 * page does not. */
	struct jit_block *blk = jit_cache_lookup(b->cache, CODE32 + 511 * 16, 0, soft_cpu_mode(&b->cpu), CODE32 + 511 * 16);
	ck_assert(blk && blk->valid);
	ck_assert(!jit_cache_write(b->cache, CODE32 + 511 * 16 + 8, 4));
	ck_assert(blk->valid);
	ck_assert(jit_cache_write(b->cache, CODE32 + 511 * 16 + 2, 1));
	ck_assert(!blk->valid);
	ck_assert(jit_cache_lookup(b->cache, CODE32 + 511 * 16, 0, soft_cpu_mode(&b->cpu), CODE32 + 511 * 16) == NULL);
	bare_destroy(b);
}
END_TEST

START_TEST(test_traces)
{
	static const uint8_t code[] = {
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* mov ecx, 3 */
		0x49,                           /* dec ecx */
		0x75, 0xfd,                     /* jnz */
		0xf4,
	};
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	struct run r;
	run_init(&r, TRACE_IN_ASM | TRACE_IR | TRACE_EXEC, out);
	memcpy(r.m.ram + CODE32, code, sizeof(code));
	cpu_state_set_flat32(&r.before, CODE32);
	run_go(&r);
	run_done(&r);
	fclose(out);
	ck_assert_msg(strstr(text, "[in_asm]") && strstr(text, "dec"), "%s", text);
	ck_assert_msg(strstr(text, "[ir] block") && strstr(text, "JCC"), "%s", text);
	ck_assert_msg(strstr(text, "[exec] block"), "%s", text);
	free(text);
}
END_TEST

/* Random code and state must never crash morpheus and must always stop. */
struct watchdog {
	struct machine *m;
	unsigned ms;
};

static void *watchdog_thread(void *arg)
{
	struct watchdog *w = arg;
	usleep(w->ms * 1000);
	machine_stop(w->m, MACHINE_TIMEOUT);
	return NULL;
}

START_TEST(test_random_code)
{
	unsigned seed = 12345;
	for (int round = 0; round < 24; round++) {
		struct run r;
		run_init(&r, 0, NULL);
		r.m.cfg.stop_on_hlt = false;
		for (uint32_t i = 0; i < 0x30000; i++)
			r.m.ram[i] = (uint8_t)rand_r(&seed);
		if (round % 2)
			cpu_state_set_real(&r.before, (uint16_t)rand_r(&seed), (uint16_t)rand_r(&seed), 0x8000);
		else
			cpu_state_set_flat32(&r.before, (uint32_t)rand_r(&seed) % 0x30000);
		for (int g = 0; g < 8; g++)
			r.before.gpr[g] = (uint32_t)rand_r(&seed) * 2654435761u;
		struct watchdog w = { &r.m, 20 };
		pthread_t t;
		ck_assert(pthread_create(&t, NULL, watchdog_thread, &w) == 0);
		run_go(&r);
		pthread_join(t, NULL);
		run_done(&r);
	}
}
END_TEST

static Suite *soft_suite(void)
{
	Suite *s = suite_create("soft");
	TCase *tc = tcase_create("engine");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_real_alu);
	tcase_add_test(tc, test_flat_loop);
	tcase_add_test(tc, test_real_stack_call);
	tcase_add_test(tc, test_rep_movsb_chunks);
	tcase_add_test(tc, test_repe_cmpsb_and_zero_count);
	tcase_add_test(tc, test_port_write_ends_block);
	tcase_add_test(tc, test_fused_ops_match_generic);
	tcase_add_test(tc, test_smc_same_block);
	tcase_add_test(tc, test_smc_other_block);
	tcase_add_test(tc, test_real_divide_error);
	tcase_add_test(tc, test_real_ud_and_int_iret);
	tcase_add_test(tc, test_limit_word_at_ffff);
	tcase_add_test(tc, test_limit_stack);
	tcase_add_test(tc, test_limit_rep_movsw);
	tcase_add_test(tc, test_limit_code_fetch);
	tcase_add_test(tc, test_limit_flat_and_cs_change);
	tcase_add_test(tc, test_triple_fault);
	tcase_add_test(tc, test_protected_idt);
	tcase_add_test(tc, test_smp_refused);
	tcase_add_test(tc, test_hlt_sleeps);
	tcase_add_test(tc, test_dead_flags_removed);
	tcase_add_test(tc, test_block_ends_at_page);
	tcase_add_test(tc, test_cache_flush_when_full);
	tcase_add_test(tc, test_traces);
	tcase_add_test(tc, test_random_code);
	suite_add_tcase(s, tc);
	TCase *jit = tcase_create("jit");
	tcase_set_timeout(jit, 120);
	tcase_add_loop_test(jit, test_jit_eager_matches_tier0, 0, 2);
	tcase_add_test(jit, test_jit_eager_smc);
	suite_add_tcase(s, jit);
	return s;
}

CHECK_MAIN(soft_suite)
