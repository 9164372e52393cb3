/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_soft_host.c — the whole soft engine (decoder, translator, IR,
 * interpreter and helpers) against the host CPU, one instruction at a time.
 *
 * Each template is an encoding (ADD r/m32, r32; SHL m16, CL; IMUL r32,
 * r/m32, imm8; CMOVLE r16, m16...). A case picks its registers, immediate,
 * memory operand bytes and input flags (seeded random plus edge values),
 * then runs the same bytes
 * - natively, in 32-bit compatibility mode (tests/unit/host32.h), followed
 *   by a stub that stores the eight GPRs and EFLAGS, and
 * - on the soft engine in flat 32-bit protected mode: the registers set
 *   through the engine's state, the instruction followed by HLT
 *   (machine_config.stop_on_hlt), the state read back.
 * All eight GPRs, the bytes around a memory operand, the end EIP (the
 * decoded length) and the six arithmetic flags must agree. The undefined
 * flags are compared too: cpu/flags.c follows this AMD host and says so
 * in its table (every row "our value = this AMD host"), so there is no
 * exception here. On another vendor the template's undefined flags, and
 * the undefined result of a 16-bit SHLD/SHRD by more than 16, are left
 * out, with a note.
 *
 * Every other case runs a random register-only instruction (a "leader")
 * before the template's, in the same block: the template then starts from
 * the lazy flags of another operation, and the dead-flags pass has
 * something to drop (or wrongly drop: INC keeps CF, a count of 0 keeps
 * everything, BT and MUL keep some flags).
 *
 * Memory operands: host32's two data pages on the host, the same page
 * offsets at GUEST_DATA in the guest, so accesses that cross a page do so
 * on both sides. The address is either absolute (the disp32 differs
 * between the sides) or, in half of the cases without a leader, base
 * (+ index * scale) (+ displacement), the base register holding an offset
 * from the data pages to which each side adds its own address. ESP is
 * never an operand (the host needs a valid stack while the instruction
 * runs); it must come back unchanged on both sides. Instructions that
 * fault are not run (DIV operands are chosen not to; the soft engine's
 * exceptions are test_soft's). Each case's code goes to a new guest
 * address; the code region is dropped with engine->memory_written when it
 * wraps.
 *
 * SOFT_HOST_CASES=n sets the cases per template (default CASES_DEFAULT),
 * SOFT_HOST_ONLY=text runs the templates whose name contains text. */
#include "tests/unit/check_helpers.h"
#include "tests/unit/test_operands.h"
#include "tests/unit/host32.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/flags.h"
#include "cpu/soft.h"

#define RAM (4u << 20)
#define GUEST_DATA 0x20000u        /* two pages mirroring host32's data pages */
#define GUEST_STACK 0x9000u
#define CODE_FIRST 0x100000u       /* each case's code in its own slot */
#define CODE_END RAM
#define CODE_SLOT 32u
#define WINDOW 64u                 /* bytes compared around a memory operand */
#define CASES_DEFAULT 4000u
#define SHOW_MAX 3                 /* mismatches printed per template */
#define FLAGS_IN_BASE 0x202u       /* IF and the fixed bit 1 */

/* ---- random operands ---------------------------------------------------- */

/* A shift or rotate count: around the operand widths, sometimes any byte. */
static uint8_t pick_count(uint64_t *s)
{
	uint32_t r = rng_next(s);
	return (r & 3) ? (uint8_t)((r >> 2) % 34) : (uint8_t)(r >> 8);
}

static uint32_t size_mask(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static int64_t sign_extend(uint32_t v, unsigned size)
{
	return size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
}

/* ---- templates ----------------------------------------------------------- */

enum form { FORM_NONE, FORM_OPREG, FORM_MODRM, FORM_LEA };

/* What a case needs beyond random values. */
enum kind {
	K_PLAIN,
	K_SHIFT,      /* a count in CL or the immediate */
	K_DSHIFT,     /* SHLD/SHRD: the same */
	K_DIV,        /* operands that do not fault */
	K_IDIV,
	K_BITREG,     /* BT* m, r: a bit offset near the operand */
	K_CMPXCHG,    /* the accumulator often equals the destination */
	K_CMPXCHG8B,  /* EDX:EAX often equals the memory operand */
	K_BITSCAN,    /* the source often 0 */
	K_AAM,        /* a nonzero base */
};

enum group { G_ALU, G_UNARY, G_SHIFT, G_MULDIV, G_BIT, G_MOVE, G_COND, G_BCD, G_COUNT };
static const char *const group_names[G_COUNT] = {
	"alu", "unary", "shift", "muldiv", "bit", "move", "cond", "bcd+flags",
};

/* One encoding, as given to add(). Shape letters name the operands:
 * E r/m (a register, and a second template with memory), G the ModRM.reg
 * register, O a register in the opcode's low bits, A AL/AX/EAX, I an
 * immediate, C CL, 1 the constant, M a LEA address. */
struct spec {
	unsigned group;
	const char *mnem, *shape;
	uint8_t op[3], nop;         /* opcode bytes (nop 0 = 1) */
	unsigned size;              /* r/m or accumulator operand size */
	unsigned reg_size;          /* G or O register size (0 = size) */
	unsigned opsize;            /* operand-size attribute (0 = size): 66 when 2 */
	bool addr16;                /* 67 prefix: 16-bit addressing (LEA) */
	bool lock;                  /* F0 prefix: the memory form only */
	unsigned digit;             /* ModRM.reg without G */
	unsigned imm;               /* immediate bytes */
	unsigned kind;
	uint32_t undef;             /* undefined flags (compared on AMD only) */
	uint8_t avoid;              /* G or O registers not to use */
	uint8_t avoid_rm;           /* r/m registers not to use */
};

struct tmpl {
	char name[48];
	unsigned group;
	uint8_t bytes[6], nbytes;   /* prefixes and opcode */
	enum form form;
	int digit;                  /* ModRM.reg, or -1 for a register operand */
	bool mem, addr16;
	unsigned size, reg_size, imm, kind;
	uint32_t undef;
	uint8_t avoid, avoid_rm;
};

struct tlist {
	struct tmpl *v;
	unsigned n, cap;
};

#define NO_ESP (1u << 4)

static const char *acc_name(unsigned size)
{
	return size == 1 ? "al" : size == 2 ? "ax" : "eax";
}

static void tmpl_name(struct tmpl *t, const char *mnem, const char *shape)
{
	char *p = t->name, *end = t->name + sizeof(t->name);
	p += snprintf(p, (size_t)(end - p), "%s%s", mnem, *shape ? " " : "");
	for (const char *c = shape; *c && p < end; c++) {
		switch (*c) {
		case 'E': p += snprintf(p, (size_t)(end - p), "%s%u", t->mem ? "m" : "r", t->size * 8); break;
		case 'G': case 'O': p += snprintf(p, (size_t)(end - p), "r%u", t->reg_size * 8); break;
		case 'A': p += snprintf(p, (size_t)(end - p), "%s", acc_name(t->size)); break;
		case 'I': p += snprintf(p, (size_t)(end - p), "imm%u", t->imm * 8); break;
		case 'C': p += snprintf(p, (size_t)(end - p), "cl"); break;
		case 'M': p += snprintf(p, (size_t)(end - p), "%s", t->addr16 ? "m(a16)" : "m"); break;
		default: *p++ = *c; *p = 0; break;
		}
	}
	/* The encoding, which tells "op r,r" forms apart: "add r16,r16 [66 03]". */
	p += snprintf(p, (size_t)(end - p), " [");
	for (unsigned i = 0; i < t->nbytes && p < end; i++)
		p += snprintf(p, (size_t)(end - p), "%s%02x", i ? " " : "", t->bytes[i]);
	if (t->digit >= 0 && p < end)
		p += snprintf(p, (size_t)(end - p), " /%d", t->digit);
	if (p < end)
		snprintf(p, (size_t)(end - p), "]");
}

static void tlist_push(struct tlist *l, const struct tmpl *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		ck_assert(l->v);
	}
	l->v[l->n++] = *t;
}

/* Adds the template of `s`, twice (register and memory) when it has E;
 * only the memory one for LOCK and CMPXCHG8B. */
static void add(struct tlist *l, struct spec s)
{
	struct tmpl t = { .group = s.group, .size = s.size, .imm = s.imm, .kind = s.kind,
			  .undef = s.undef, .addr16 = s.addr16 };
	t.reg_size = s.reg_size ? s.reg_size : s.size;
	unsigned opsize = s.opsize ? s.opsize : s.size;
	if (opsize == 2)
		t.bytes[t.nbytes++] = 0x66;
	if (s.addr16)
		t.bytes[t.nbytes++] = 0x67;
	if (s.lock)
		t.bytes[t.nbytes++] = 0xf0;
	unsigned nop = s.nop ? s.nop : 1;
	memcpy(t.bytes + t.nbytes, s.op, nop);
	t.nbytes += nop;
	bool has_e = strchr(s.shape, 'E') != NULL;
	t.form = has_e ? FORM_MODRM : strchr(s.shape, 'M') ? FORM_LEA :
		 strchr(s.shape, 'O') ? FORM_OPREG : FORM_NONE;
	t.digit = strchr(s.shape, 'G') || t.form == FORM_LEA ? -1 : (int)s.digit;
	t.avoid = s.avoid | (t.reg_size > 1 ? NO_ESP : 0);
	t.avoid_rm = s.avoid_rm | (t.size > 1 ? NO_ESP : 0);
	if (!s.lock && t.size <= 4) {
		tmpl_name(&t, s.mnem, s.shape);
		tlist_push(l, &t);
	}
	if (has_e) {
		t.mem = true;
		tmpl_name(&t, s.mnem, s.shape);
		tlist_push(l, &t);
	}
}

static const unsigned all_sizes[3] = { 1, 2, 4 };

#define U_LOGIC FLAG_AF
#define U_SHIFT (FLAG_OF | FLAG_AF | FLAG_CF)
#define U_MUL (FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF)
#define U_BT (FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF)
#define U_BSX (FLAG_CF | FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF)

static void add_alu(struct tlist *l)
{
	static const char *const names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
	for (unsigned o = 0; o < 8; o++) {
		uint32_t u = (o == 1 || o == 4 || o == 6) ? U_LOGIC : 0;
		uint8_t base = (uint8_t)(o * 8);
		for (unsigned i = 0; i < 3; i++) {
			unsigned s = all_sizes[i], w = s > 1;
			add(l, (struct spec){ G_ALU, names[o], "E,G", { (uint8_t)(base + w) }, .size = s, .undef = u });
			add(l, (struct spec){ G_ALU, names[o], "G,E", { (uint8_t)(base + 2 + w) }, .size = s, .undef = u });
			add(l, (struct spec){ G_ALU, names[o], "A,I", { (uint8_t)(base + 4 + w) }, .size = s,
					      .imm = s, .undef = u });
			add(l, (struct spec){ G_ALU, names[o], "E,I", { (uint8_t)(0x80 + w) }, .size = s,
					      .digit = o, .imm = s, .undef = u });
			if (s > 1)
				add(l, (struct spec){ G_ALU, names[o], "E,I", { 0x83 }, .size = s, .digit = o,
						      .imm = 1, .undef = u });
			else   /* 82: an alias of 80 outside 64-bit mode */
				add(l, (struct spec){ G_ALU, names[o], "E,I(82)", { 0x82 }, .size = s, .digit = o,
						      .imm = 1, .undef = u });
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		unsigned s = all_sizes[i], w = s > 1;
		add(l, (struct spec){ G_ALU, "test", "E,G", { (uint8_t)(0x84 + w) }, .size = s, .undef = U_LOGIC });
		add(l, (struct spec){ G_ALU, "test", "A,I", { (uint8_t)(0xa8 + w) }, .size = s, .imm = s,
				      .undef = U_LOGIC });
		add(l, (struct spec){ G_ALU, "test", "E,I", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 0,
				      .imm = s, .undef = U_LOGIC });
	}
}

static void add_unary(struct tlist *l)
{
	for (unsigned i = 0; i < 3; i++) {
		unsigned s = all_sizes[i], w = s > 1;
		add(l, (struct spec){ G_UNARY, "inc", "E", { (uint8_t)(0xfe + w) }, .size = s, .digit = 0 });
		add(l, (struct spec){ G_UNARY, "dec", "E", { (uint8_t)(0xfe + w) }, .size = s, .digit = 1 });
		add(l, (struct spec){ G_UNARY, "not", "E", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 2 });
		add(l, (struct spec){ G_UNARY, "neg", "E", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 3 });
		if (s > 1) {
			add(l, (struct spec){ G_UNARY, "inc", "O", { 0x40 }, .size = s });
			add(l, (struct spec){ G_UNARY, "dec", "O", { 0x48 }, .size = s });
		}
	}
	add(l, (struct spec){ G_UNARY, "bswap", "O", { 0x0f, 0xc8 }, 2, .size = 4 });
}

static void add_shifts(struct tlist *l)
{
	static const char *const names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
	for (unsigned o = 0; o < 8; o++)
		for (unsigned i = 0; i < 3; i++) {
			unsigned s = all_sizes[i], w = s > 1;
			add(l, (struct spec){ G_SHIFT, names[o], "E,1", { (uint8_t)(0xd0 + w) }, .size = s,
					      .digit = o, .undef = U_SHIFT });
			add(l, (struct spec){ G_SHIFT, names[o], "E,C", { (uint8_t)(0xd2 + w) }, .size = s,
					      .digit = o, .kind = K_SHIFT, .undef = U_SHIFT });
			add(l, (struct spec){ G_SHIFT, names[o], "E,I", { (uint8_t)(0xc0 + w) }, .size = s,
					      .digit = o, .imm = 1, .kind = K_SHIFT, .undef = U_SHIFT });
		}
	for (unsigned s = 2; s <= 4; s += 2) {
		add(l, (struct spec){ G_SHIFT, "shld", "E,G,I", { 0x0f, 0xa4 }, 2, .size = s, .imm = 1,
				      .kind = K_DSHIFT, .undef = U_SHIFT });
		add(l, (struct spec){ G_SHIFT, "shld", "E,G,C", { 0x0f, 0xa5 }, 2, .size = s,
				      .kind = K_DSHIFT, .undef = U_SHIFT });
		add(l, (struct spec){ G_SHIFT, "shrd", "E,G,I", { 0x0f, 0xac }, 2, .size = s, .imm = 1,
				      .kind = K_DSHIFT, .undef = U_SHIFT });
		add(l, (struct spec){ G_SHIFT, "shrd", "E,G,C", { 0x0f, 0xad }, 2, .size = s,
				      .kind = K_DSHIFT, .undef = U_SHIFT });
	}
}

static void add_muldiv(struct tlist *l)
{
	for (unsigned i = 0; i < 3; i++) {
		unsigned s = all_sizes[i], w = s > 1;
		/* DIV r/m with the high half of the dividend as divisor always
		 * faults: not AH (size 1) or DX/EDX. */
		uint8_t hi = s == 1 ? 1u << 4 : 1u << 2;
		add(l, (struct spec){ G_MULDIV, "mul", "E", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 4,
				      .undef = U_MUL });
		add(l, (struct spec){ G_MULDIV, "imul", "E", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 5,
				      .undef = U_MUL });
		add(l, (struct spec){ G_MULDIV, "div", "E", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 6,
				      .kind = K_DIV, .undef = FLAGS_ARITH, .avoid_rm = hi });
		add(l, (struct spec){ G_MULDIV, "idiv", "E", { (uint8_t)(0xf6 + w) }, .size = s, .digit = 7,
				      .kind = K_IDIV, .undef = FLAGS_ARITH, .avoid_rm = hi });
		if (s == 1)
			continue;
		add(l, (struct spec){ G_MULDIV, "imul", "G,E", { 0x0f, 0xaf }, 2, .size = s, .undef = U_MUL });
		add(l, (struct spec){ G_MULDIV, "imul", "G,E,I", { 0x69 }, .size = s, .imm = s, .undef = U_MUL });
		add(l, (struct spec){ G_MULDIV, "imul", "G,E,I", { 0x6b }, .size = s, .imm = 1, .undef = U_MUL });
	}
}

static void add_bits(struct tlist *l)
{
	static const char *const names[4] = { "bt", "bts", "btr", "btc" };
	static const uint8_t reg_ops[4] = { 0xa3, 0xab, 0xb3, 0xbb };
	for (unsigned s = 2; s <= 4; s += 2) {
		for (unsigned o = 0; o < 4; o++) {
			add(l, (struct spec){ G_BIT, names[o], "E,G", { 0x0f, reg_ops[o] }, 2, .size = s,
					      .kind = K_BITREG, .undef = U_BT });
			add(l, (struct spec){ G_BIT, names[o], "E,I", { 0x0f, 0xba }, 2, .size = s,
					      .digit = 4 + o, .imm = 1, .undef = U_BT });
		}
		add(l, (struct spec){ G_BIT, "bsf", "G,E", { 0x0f, 0xbc }, 2, .size = s, .kind = K_BITSCAN,
				      .undef = U_BSX });
		add(l, (struct spec){ G_BIT, "bsr", "G,E", { 0x0f, 0xbd }, 2, .size = s, .kind = K_BITSCAN,
				      .undef = U_BSX });
	}
}

static void add_moves(struct tlist *l)
{
	for (unsigned i = 0; i < 3; i++) {
		unsigned s = all_sizes[i], w = s > 1;
		add(l, (struct spec){ G_MOVE, "xadd", "E,G", { 0x0f, (uint8_t)(0xc0 + w) }, 2, .size = s });
		add(l, (struct spec){ G_MOVE, "cmpxchg", "E,G", { 0x0f, (uint8_t)(0xb0 + w) }, 2, .size = s,
				      .kind = K_CMPXCHG });
		add(l, (struct spec){ G_MOVE, "xchg", "E,G", { (uint8_t)(0x86 + w) }, .size = s });
		if (s > 1) {
			/* 90 is NOP, 94 would swap ESP */
			add(l, (struct spec){ G_MOVE, "xchg", "A,O", { 0x90 }, .size = s, .avoid = 1 });
			add(l, (struct spec){ G_MOVE, "movzx", "G,E", { 0x0f, 0xb6 }, 2, .size = 1, .reg_size = s,
					      .opsize = s });
			add(l, (struct spec){ G_MOVE, "movsx", "G,E", { 0x0f, 0xbe }, 2, .size = 1, .reg_size = s,
					      .opsize = s });
			add(l, (struct spec){ G_MOVE, "movzx", "G,E", { 0x0f, 0xb7 }, 2, .size = 2, .reg_size = s,
					      .opsize = s });
			add(l, (struct spec){ G_MOVE, "movsx", "G,E", { 0x0f, 0xbf }, 2, .size = 2, .reg_size = s,
					      .opsize = s });
			add(l, (struct spec){ G_MOVE, "lea", "G,M", { 0x8d }, .size = s });
			add(l, (struct spec){ G_MOVE, "lea", "G,M", { 0x8d }, .size = s, .addr16 = true });
		}
	}
	add(l, (struct spec){ G_MOVE, "cmpxchg8b", "E", { 0x0f, 0xc7 }, 2, .size = 8, .opsize = 4, .digit = 1,
			      .kind = K_CMPXCHG8B });
	/* LOCK on memory forms (a prefix the decoder must accept there) */
	add(l, (struct spec){ G_MOVE, "lock add", "E,G", { 0x01 }, .size = 4, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock sbb", "E,G", { 0x19 }, .size = 2, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock or", "E,I", { 0x80 }, .size = 1, .digit = 1, .imm = 1,
			      .lock = true, .undef = U_LOGIC });
	add(l, (struct spec){ G_MOVE, "lock inc", "E", { 0xff }, .size = 2, .digit = 0, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock neg", "E", { 0xf6 }, .size = 1, .digit = 3, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock xadd", "E,G", { 0x0f, 0xc1 }, 2, .size = 4, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock cmpxchg", "E,G", { 0x0f, 0xb1 }, 2, .size = 4,
			      .kind = K_CMPXCHG, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock cmpxchg8b", "E", { 0x0f, 0xc7 }, 2, .size = 8, .opsize = 4,
			      .digit = 1, .kind = K_CMPXCHG8B, .lock = true });
	add(l, (struct spec){ G_MOVE, "lock bts", "E,I", { 0x0f, 0xba }, 2, .size = 4, .digit = 5, .imm = 1,
			      .lock = true, .undef = U_BT });
	add(l, (struct spec){ G_MOVE, "lock btc", "E,G", { 0x0f, 0xbb }, 2, .size = 2, .kind = K_BITREG,
			      .lock = true, .undef = U_BT });
	add(l, (struct spec){ G_MOVE, "cbw", "", { 0x98 }, .size = 2 });
	add(l, (struct spec){ G_MOVE, "cwde", "", { 0x98 }, .size = 4 });
	add(l, (struct spec){ G_MOVE, "cwd", "", { 0x99 }, .size = 2 });
	add(l, (struct spec){ G_MOVE, "cdq", "", { 0x99 }, .size = 4 });
}

static void add_conditions(struct tlist *l)
{
	static const char *const cc[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
					    "s", "ns", "p", "np", "l", "ge", "le", "g" };
	for (unsigned c = 0; c < 16; c++) {
		char cmov[8], set[8];
		snprintf(cmov, sizeof(cmov), "cmov%s", cc[c]);
		snprintf(set, sizeof(set), "set%s", cc[c]);
		add(l, (struct spec){ G_COND, set, "E", { 0x0f, (uint8_t)(0x90 + c) }, 2, .size = 1 });
		for (unsigned s = 2; s <= 4; s += 2)
			add(l, (struct spec){ G_COND, cmov, "G,E", { 0x0f, (uint8_t)(0x40 + c) }, 2, .size = s });
	}
}

static void add_bcd_flags(struct tlist *l)
{
	add(l, (struct spec){ G_BCD, "daa", "", { 0x27 }, .size = 4, .undef = FLAG_OF });
	add(l, (struct spec){ G_BCD, "das", "", { 0x2f }, .size = 4, .undef = FLAG_OF });
	add(l, (struct spec){ G_BCD, "aaa", "", { 0x37 }, .size = 4, .undef = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF });
	add(l, (struct spec){ G_BCD, "aas", "", { 0x3f }, .size = 4, .undef = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF });
	add(l, (struct spec){ G_BCD, "aam", "I", { 0xd4 }, .size = 4, .imm = 1, .kind = K_AAM,
			      .undef = FLAG_OF | FLAG_AF | FLAG_CF });
	add(l, (struct spec){ G_BCD, "aad", "I", { 0xd5 }, .size = 4, .imm = 1,
			      .undef = FLAG_OF | FLAG_AF | FLAG_CF });
	add(l, (struct spec){ G_BCD, "lahf", "", { 0x9f }, .size = 4 });
	add(l, (struct spec){ G_BCD, "sahf", "", { 0x9e }, .size = 4 });
	add(l, (struct spec){ G_BCD, "clc", "", { 0xf8 }, .size = 4 });
	add(l, (struct spec){ G_BCD, "stc", "", { 0xf9 }, .size = 4 });
	add(l, (struct spec){ G_BCD, "cmc", "", { 0xf5 }, .size = 4 });
}

static void templates_build(struct tlist *l)
{
	add_alu(l);
	add_unary(l);
	add_shifts(l);
	add_muldiv(l);
	add_bits(l);
	add_moves(l);
	add_conditions(l);
	add_bcd_flags(l);
}

/* ---- one case -------------------------------------------------------------- */

/* The variable fields of one instruction's encoding. */
struct enc {
	unsigned reg, rm;               /* ModRM fields (rm: a register unless mem), O register */
	uint8_t addr[7];                /* LEA: ModRM, SIB, displacement */
	unsigned naddr;
	uint32_t imm;
};

struct tcase {
	struct enc e;
	const struct tmpl *pre;         /* an instruction run before, or NULL */
	struct enc pre_e;
	uint32_t mem_off;               /* memory operand: offset in the data pages */
	int base_reg;                   /* its base register (holding an offset in
					 * the data pages), or -1: a 32-bit address */
	struct host32_regs in;          /* ESP: each side's own stack */
	uint8_t window[WINDOW];         /* data at mem_off - WINDOW / 2 */
};

static uint32_t gpr_get(const struct host32_regs *r, unsigned size, unsigned n)
{
	if (size == 1)
		return n < 4 ? r->gpr[n] & 0xff : (r->gpr[n - 4] >> 8) & 0xff;
	return r->gpr[n] & size_mask(size);
}

static void gpr_put(struct host32_regs *r, unsigned size, unsigned n, uint32_t v)
{
	if (size == 1 && n >= 4)
		r->gpr[n - 4] = (r->gpr[n - 4] & ~0xff00u) | (v & 0xff) << 8;
	else
		r->gpr[n] = (r->gpr[n] & ~size_mask(size)) | (v & size_mask(size));
}

static uint32_t rm_get(const struct tmpl *t, const struct tcase *c)
{
	if (!t->mem)
		return gpr_get(&c->in, t->size, c->e.rm);
	uint32_t v = 0;
	memcpy(&v, c->window + WINDOW / 2, t->size);
	return v;
}

static void rm_put(const struct tmpl *t, struct tcase *c, uint32_t v)
{
	if (t->mem)
		memcpy(c->window + WINDOW / 2, &v, t->size);
	else
		gpr_put(&c->in, t->size, c->e.rm, v);
}

static unsigned pick_reg(uint64_t *s, uint8_t avoid)
{
	unsigned r;
	do
		r = rng_next(s) & 7;
	while (avoid & (1u << r));
	return r;
}

/* A random ModRM (+ SIB + displacement) memory form for LEA, never based
 * on ESP (whose value differs between the two sides). */
static void pick_address(uint64_t *s, bool addr16, struct enc *e)
{
	unsigned mod = rng_next(s) % 3, rm = rng_next(s) & 7, n = 0, disp = 0;
	e->addr[n++] = (uint8_t)(mod << 6 | rm);
	if (addr16) {
		disp = mod == 1 ? 1 : mod == 2 || rm == 6 ? 2 : 0;
	} else {
		if (rm == 4) {
			unsigned base;
			do
				base = rng_next(s) & 7;
			while (base == 4);
			e->addr[n++] = (uint8_t)((rng_next(s) & 0xf8) | base);   /* scale, index, base */
			if (mod == 0 && base == 5)
				disp = 4;
		}
		if (mod == 0 && rm == 5)
			disp = 4;
		if (mod)
			disp = mod == 1 ? 1 : 4;
	}
	uint32_t d = pick_operand(s);
	memcpy(e->addr + n, &d, disp);
	e->naddr = n + disp;
}

/* The C model of DIV/IDIV's #DE, from the case's inputs. */
static bool div_faults(const struct tmpl *t, const struct tcase *c, bool sign)
{
	unsigned size = t->size;
	uint32_t d = rm_get(t, c), lo = c->in.gpr[0], hi = c->in.gpr[2];
	if (d == 0)
		return true;
	uint64_t max = size_mask(size);
	if (!sign) {
		uint64_t n = size == 1 ? (lo & 0xffff) : size == 2 ? ((hi & 0xffff) << 16 | (lo & 0xffff))
								      : ((uint64_t)hi << 32 | lo);
		return n / d > max;
	}
	int64_t n = size == 1 ? (int16_t)lo : size == 2 ? (int32_t)((hi & 0xffff) << 16 | (lo & 0xffff))
						   : (int64_t)((uint64_t)hi << 32 | lo);
	int64_t dv = sign_extend(d, size);
	if (n == INT64_MIN && dv == -1)
		return true;
	int64_t q = n / dv, lim = (int64_t)(max >> 1);
	return q > lim || q < -lim - 1;
}

/* Writes a dividend (AX, DX:AX or EDX:EAX) of the template's size. */
static void put_dividend(const struct tmpl *t, struct tcase *c, uint64_t n)
{
	if (t->size == 1) {
		gpr_put(&c->in, 2, 0, (uint32_t)n);
		return;
	}
	unsigned bits = t->size * 8;
	gpr_put(&c->in, t->size, 0, (uint32_t)n);
	gpr_put(&c->in, t->size, 2, (uint32_t)(n >> bits));
}

/* Makes DIV/IDIV not fault: a dividend of a random quotient (and
 * remainder) of the divisor; false if the divisor register is itself part
 * of the dividend and no try worked. */
static bool fix_divide(const struct tmpl *t, struct tcase *c, uint64_t *s, bool sign)
{
	unsigned size = t->size, bits = size * 8;
	uint32_t mask = size_mask(size);
	for (unsigned tries = 0; tries < 16; tries++) {
		if ((rm_get(t, c) & mask) == 0)
			rm_put(t, c, pick_operand(s) | 1);
		uint32_t d = rm_get(t, c);
		if (!sign) {
			uint64_t q = pick_operand(s) & mask, r = rng_next(s) % d;
			put_dividend(t, c, q * d + r);
		} else {
			int64_t dv = sign_extend(d, size);
			int64_t q = sign_extend(pick_operand(s), size);
			uint64_t ad = (uint64_t)(dv < 0 ? -dv : dv);
			int64_t r = (int64_t)(rng_next(s) % ad);
			if ((q < 0) != (dv < 0) || (q == 0 && (rng_next(s) & 1)))
				r = -r;   /* the remainder takes the dividend's sign */
			put_dividend(t, c, (uint64_t)(q * dv + r));
		}
		if (!div_faults(t, c, sign))
			return true;
		/* The divisor was part of the dividend: a high half that is the
		 * sign (or zero) extension of the low one. */
		if (size == 1)
			gpr_put(&c->in, 1, 4, sign && (c->in.gpr[0] & 0x80) ? 0xff : 0);
		else
			gpr_put(&c->in, size, 2, sign && (c->in.gpr[0] >> (bits - 1) & 1) ? mask : 0);
		if (!div_faults(t, c, sign))
			return true;
	}
	return false;
}

/* A memory operand addressed through registers, half of the time: base
 * (+ index * scale) (+ disp8 or disp32). The base register holds the
 * operand's offset in the data pages minus the rest (each side adds its
 * own data address to it); the index a small value. Neither is an operand
 * of the instruction, so both come back unchanged. */
static void pick_reg_address(const struct tmpl *t, uint64_t *s, struct tcase *c)
{
	uint8_t used = 1u << 0 | 1u << 1 | 1u << 2 | NO_ESP;   /* implicit operands */
	if (t->kind == K_CMPXCHG8B)
		used |= 1u << 3;   /* EBX, stored on success */
	if (t->digit < 0)
		used |= 1u << (t->reg_size == 1 ? c->e.reg & 3 : c->e.reg);
	unsigned base = pick_reg(s, used), mod = rng_next(s) % 3, n = 0;
	if (mod == 0 && base == 5)
		mod = 1;   /* mod 0 with EBP means no base */
	int64_t index_part = 0;
	if (rng_next(s) & 1) {
		unsigned index = pick_reg(s, used | 1u << base), scale = rng_next(s) & 3;
		int32_t value = (int32_t)(rng_next(s) % 128) - 64;
		c->in.gpr[index] = (uint32_t)value;
		index_part = (int64_t)value * (1 << scale);
		c->e.addr[n++] = (uint8_t)(mod << 6 | 4);
		c->e.addr[n++] = (uint8_t)(scale << 6 | index << 3 | base);
	} else {
		c->e.addr[n++] = (uint8_t)(mod << 6 | base);
	}
	int32_t disp = mod == 1 ? (int8_t)rng_next(s) : mod == 2 ? (int32_t)pick_operand(s) : 0;
	memcpy(c->e.addr + n, &disp, mod == 1 ? 1 : mod == 2 ? 4 : 0);
	c->e.naddr = n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
	c->in.gpr[base] = (uint32_t)((int64_t)c->mem_off - index_part - disp);
	c->base_reg = (int)base;
}

/* A random case; false if none could be made (DIV only). reg_address:
 * a memory operand may be addressed through registers. */
static bool case_make(const struct tmpl *t, uint64_t *s, bool host_amd, bool reg_address,
		      struct tcase *c)
{
	memset(c, 0, sizeof(*c));
	c->base_reg = -1;
	for (unsigned r = 0; r < 8; r++)
		c->in.gpr[r] = r == 4 ? 0 : pick_operand(s);
	c->in.eflags = pick_flags_over(s, FLAGS_IN_BASE);
	c->e.imm = pick_operand(s) & size_mask(t->imm ? t->imm : 4);
	c->e.reg = pick_reg(s, t->avoid);
	c->e.rm = pick_reg(s, t->avoid_rm);
	/* Near the page boundary a third of the time, so that some accesses
	 * cross it; elsewhere in the two pages otherwise. */
	c->mem_off = (rng_next(s) % 3 == 0) ? 0x1000 - rng_next(s) % 6 : WINDOW + rng_next(s) % (0x2000 - 3 * WINDOW);
	for (unsigned i = 0; i < WINDOW; i += 4) {
		uint32_t v = pick_operand(s);
		memcpy(c->window + i, &v, 4);
	}
	if (t->form == FORM_LEA)
		pick_address(s, t->addr16, &c->e);

	bool ok = true;
	switch ((enum kind)t->kind) {
	case K_PLAIN:
		break;
	case K_SHIFT:
	case K_DSHIFT: {
		uint8_t count = pick_count(s);
		/* 16-bit SHLD/SHRD by 17..31: an undefined result elsewhere */
		if (t->kind == K_DSHIFT && t->size == 2 && !host_amd)
			count %= 17;
		if (t->imm)
			c->e.imm = count;
		else
			gpr_put(&c->in, 1, 1, count);   /* CL */
		break;
	}
	case K_DIV:
	case K_IDIV:
		ok = fix_divide(t, c, s, t->kind == K_IDIV);
		break;
	case K_BITREG:
		/* The offset register addresses a bit string from the memory
		 * operand: keep it within the compared window. */
		if (t->mem)
			gpr_put(&c->in, t->reg_size, c->e.reg, (uint32_t)((int32_t)(rng_next(s) % 256) - 128));
		break;
	case K_CMPXCHG:
		if (rng_next(s) & 1)
			gpr_put(&c->in, t->size, 0, rm_get(t, c));
		break;
	case K_CMPXCHG8B:
		if (rng_next(s) & 1) {
			memcpy(&c->in.gpr[0], c->window + WINDOW / 2, 4);
			memcpy(&c->in.gpr[2], c->window + WINDOW / 2 + 4, 4);
		}
		break;
	case K_BITSCAN:
		if ((rng_next(s) & 7) == 0)
			rm_put(t, c, 0);
		break;
	case K_AAM:
		c->e.imm = (rng_next(s) & 1) ? 10 : 1 + rng_next(s) % 255;
		break;
	}
	if (t->mem && reg_address && (rng_next(s) & 1))
		pick_reg_address(t, s, c);
	return ok;
}

/* One instruction's bytes, with a memory operand at data_base + mem_off. */
static unsigned encode(const struct tmpl *t, const struct enc *e, uint32_t mem_addr, uint8_t *out)
{
	unsigned n = t->nbytes;
	memcpy(out, t->bytes, n);
	unsigned reg = t->digit >= 0 ? (unsigned)t->digit : e->reg;
	switch (t->form) {
	case FORM_NONE:
		break;
	case FORM_OPREG:
		out[n - 1] = (uint8_t)(out[n - 1] + e->reg);
		break;
	case FORM_MODRM:
		if (t->mem && e->naddr) {   /* through registers, as for LEA */
			memcpy(out + n, e->addr, e->naddr);
			out[n] = (uint8_t)(out[n] | reg << 3);
			n += e->naddr;
		} else if (t->mem) {
			out[n++] = (uint8_t)(reg << 3 | 5);
			memcpy(out + n, &mem_addr, 4);
			n += 4;
		} else {
			out[n++] = (uint8_t)(0xc0 | reg << 3 | e->rm);
		}
		break;
	case FORM_LEA:
		memcpy(out + n, e->addr, e->naddr);
		out[n] = (uint8_t)(out[n] | reg << 3);
		n += e->naddr;
		break;
	}
	memcpy(out + n, &e->imm, t->imm);
	return n + t->imm;
}

/* The case's code: the instruction before (if any) and the template's. */
static unsigned case_encode(const struct tmpl *t, const struct tcase *c, uint32_t data_base, uint8_t *out)
{
	unsigned n = c->pre ? encode(c->pre, &c->pre_e, data_base + c->mem_off, out) : 0;
	return n + encode(t, &c->e, data_base + c->mem_off, out + n);
}

/* ---- the two sides ---------------------------------------------------------- */

struct result {
	struct host32_regs out;
	uint8_t window[WINDOW];
	bool ended;                    /* soft: stopped at the HLT after the instruction */
	char why[640];
};

struct bench {
	struct host32 host;
	struct machine m;
	struct cpu_state base;
	uint32_t code_next;
	csh capstone;
	bool capstone_open;
	bool host_amd;
};

static bool bench_init(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	if (!host32_init(&b->host))
		return false;
	struct machine_config cfg = { .ram_size = RAM, .smp = 1, .stop_on_hlt = true };
	struct error err = { 0 };
	ck_assert_msg(machine_create(&b->m, &cfg, &err) == 0, "machine_create: %s", err.msg);
	cpu_state_set_flat32(&b->base, CODE_FIRST);
	b->base.gpr[CPU_RSP] = GUEST_STACK;
	b->base.rflags = FLAGS_IN_BASE;
	b->m.boot_state = b->base;
	b->m.boot_state_set = 1;
	b->m.engine = &soft_engine_ops;
	b->m.engine_name = "soft";
	ck_assert_msg(soft_engine_ops.create(&b->m, &err) == 0, "soft create: %s", err.msg);
	b->code_next = CODE_FIRST;
	b->capstone_open = cs_open(CS_ARCH_X86, CS_MODE_32, &b->capstone) == CS_ERR_OK;
	b->host_amd = host32_is_amd();
	return true;
}

static void bench_done(struct bench *b)
{
	if (b->capstone_open)
		cs_close(&b->capstone);
	soft_engine_ops.destroy(&b->m);
	b->m.engine = NULL;
	machine_destroy(&b->m);
	host32_destroy(&b->host);
}

static void run_native(struct bench *b, const struct tmpl *t, const struct tcase *c, struct result *r)
{
	uint8_t code[HOST32_INSN_MAX];
	memset(r, 0, sizeof(*r));
	unsigned len = case_encode(t, c, (uint32_t)(uintptr_t)b->host.data, code);
	uint8_t *window = b->host.data + c->mem_off - WINDOW / 2;
	struct host32_regs in = c->in;
	uint32_t data = (uint32_t)(uintptr_t)b->host.data;
	in.gpr[4] = b->host.stack_top;
	if (c->base_reg >= 0)
		in.gpr[c->base_reg] += data;
	memcpy(window, c->window, WINDOW);
	host32_set_insn(&b->host, code, len);
	host32_run(&b->host, &in, &r->out);
	memcpy(r->window, window, WINDOW);
	if (c->base_reg >= 0)
		r->out.gpr[c->base_reg] -= data;
	r->ended = r->out.gpr[4] == b->host.stack_top;
	r->out.gpr[4] = 0;
	if (!r->ended)
		snprintf(r->why, sizeof(r->why), "host ESP changed");
}

static void run_soft(struct bench *b, const struct tmpl *t, const struct tcase *c, struct result *r)
{
	struct machine *m = &b->m;
	struct error err = { 0 };
	uint8_t code[HOST32_INSN_MAX + 1];
	memset(r, 0, sizeof(*r));
	unsigned len = case_encode(t, c, GUEST_DATA, code);
	code[len] = 0xf4;   /* HLT */
	if (len + 1 > CODE_SLOT) {
		snprintf(r->why, sizeof(r->why), "test: %u bytes of code for a %u-byte slot", len + 1, CODE_SLOT);
		return;
	}
	if (b->code_next + CODE_SLOT > CODE_END) {
		m->engine->memory_written(m, CODE_FIRST, CODE_END - CODE_FIRST);
		b->code_next = CODE_FIRST;
	}
	uint32_t eip = b->code_next;
	b->code_next += CODE_SLOT;
	memcpy(m->ram + eip, code, len + 1);
	memcpy(m->ram + GUEST_DATA + c->mem_off - WINDOW / 2, c->window, WINDOW);

	struct cpu_state s = b->base, after;
	s.rip = eip;
	for (unsigned i = 0; i < 8; i++)
		if (i != 4)
			s.gpr[i] = c->in.gpr[i];
	if (c->base_reg >= 0)
		s.gpr[c->base_reg] += GUEST_DATA;
	s.rflags = c->in.eflags;
	/* No ck_assert per case: each one writes to Check's pipe. */
	m->event = MACHINE_RUNNING;
	if (m->engine->set_state(m, 0, &s, &err) != 0 || m->engine->run(m, &err) != 0 ||
	    m->engine->get_state(m, 0, &after, &err) != 0) {
		r->ended = false;
		snprintf(r->why, sizeof(r->why), "soft engine: %s", err.msg);
		return;
	}

	for (unsigned i = 0; i < 8; i++)
		r->out.gpr[i] = i == 4 ? 0 : (uint32_t)after.gpr[i];
	if (c->base_reg >= 0)
		r->out.gpr[c->base_reg] -= GUEST_DATA;
	r->out.eflags = (uint32_t)after.rflags;
	memcpy(r->window, m->ram + GUEST_DATA + c->mem_off - WINDOW / 2, WINDOW);
	r->ended = m->event == MACHINE_POWEROFF && after.rip == eip + len + 1 &&
		   after.gpr[CPU_RSP] == GUEST_STACK;
	if (!r->ended)
		snprintf(r->why, sizeof(r->why), "soft: event %d, EIP %#" PRIx64 " (want %#x), ESP %#" PRIx64 "%s%s",
			 m->event, after.rip, eip + len + 1, after.gpr[CPU_RSP],
			 m->run_error.code ? ": " : "", m->run_error.code ? m->run_error.msg : "");
	if (m->run_error.code)
		memset(&m->run_error, 0, sizeof(m->run_error));
}

/* ---- comparing --------------------------------------------------------------- */

static const char *const gpr_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

static void print_regs(const char *what, const struct host32_regs *r)
{
	fprintf(stderr, "    %-6s", what);
	for (unsigned i = 0; i < 8; i++)
		if (i != 4)
			fprintf(stderr, " %s=%08x", gpr_names[i], r->gpr[i]);
	fprintf(stderr, " fl=%03x\n", r->eflags & 0xfff);
}

static void print_case(struct bench *b, const struct tmpl *t, const struct tcase *c,
		       const struct result *host, const struct result *soft, uint32_t flags_mask)
{
	uint8_t code[HOST32_INSN_MAX];
	unsigned len = case_encode(t, c, GUEST_DATA, code);
	char hex[3 * HOST32_INSN_MAX + 1] = "";
	for (unsigned i = 0; i < len; i++)
		snprintf(hex + 3 * i, 4, "%02x ", code[i]);
	cs_insn *insn = NULL;
	size_t n = b->capstone_open ? cs_disasm(b->capstone, code, len, 0, 2, &insn) : 0;
	fprintf(stderr, "mismatch: %s: %s(", t->name, hex);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s %s", i ? "; " : "", insn[i].mnemonic, insn[i].op_str);
	fprintf(stderr, "%s)\n", n ? "" : "?");
	if (n)
		cs_free(insn, n);
	print_regs("in", &c->in);
	print_regs("host", &host->out);
	print_regs("soft", &soft->out);
	if (t->mem || t->form == FORM_LEA || t->kind == K_BITREG) {
		fprintf(stderr, "    memory at data+%#x (in/host/soft):", c->mem_off);
		if (c->base_reg >= 0)
			fprintf(stderr, " [%s holds an offset from data]", gpr_names[c->base_reg]);
		for (unsigned k = 0; k < 3; k++) {
			const uint8_t *w = k == 0 ? c->window : k == 1 ? host->window : soft->window;
			fprintf(stderr, " ");
			for (unsigned i = WINDOW / 2 - 4; i < WINDOW / 2 + 8; i++)
				fprintf(stderr, "%02x", w[i]);
		}
		fprintf(stderr, "\n");
	}
	if (!host->ended || !soft->ended)
		fprintf(stderr, "    %s\n", !host->ended ? host->why : soft->why);
	fprintf(stderr, "    flags compared %#x\n", flags_mask);
}

static bool results_equal(const struct result *a, const struct result *b, uint32_t flags_mask)
{
	return a->ended && b->ended && memcmp(a->out.gpr, b->out.gpr, sizeof(a->out.gpr)) == 0 &&
	       ((a->out.eflags ^ b->out.eflags) & flags_mask) == 0 &&
	       memcmp(a->window, b->window, WINDOW) == 0;
}

struct tally {
	unsigned long cases, skipped, mismatches;
	char first[200];
};

/* Templates that can run before another: no memory operand, no fault. */
static bool can_lead(const struct tmpl *t)
{
	return !t->mem && t->kind != K_DIV && t->kind != K_IDIV;
}

/* Templates that can follow another: none whose operands were chosen to
 * avoid a fault or to stay near the memory operand. */
static bool can_follow(const struct tmpl *t)
{
	return t->kind != K_DIV && t->kind != K_IDIV && !(t->kind == K_BITREG && t->mem);
}

/* Runs `cases` cases of t; every other one (when t can follow another
 * instruction) after a random leader, so that t also starts from the
 * lazy flags of a previous instruction in the same block. */
static void run_template(struct bench *b, const struct tmpl *t, const struct tlist *l,
			 const unsigned *leaders, unsigned nleaders, unsigned cases, uint64_t seed,
			 struct tally *total)
{
	uint32_t flags_mask = FLAGS_ARITH & (b->host_amd ? ~0u : ~t->undef);
	unsigned long mismatches = 0, skipped = 0, pairs = 0;
	for (unsigned i = 0; i < cases; i++) {
		struct tcase c;
		struct result host, soft;
		bool paired = (i & 1) && can_follow(t);
		if (!case_make(t, &seed, b->host_amd, !paired, &c)) {
			skipped++;
			continue;
		}
		if (paired) {
			/* The leader writes registers: no register addressing. */
			struct tcase lead;
			c.pre = &l->v[leaders[rng_next(&seed) % nleaders]];
			case_make(c.pre, &seed, b->host_amd, false, &lead);
			c.pre_e = lead.e;
			pairs++;
		}
		run_native(b, t, &c, &host);
		run_soft(b, t, &c, &soft);
		if (results_equal(&host, &soft, flags_mask))
			continue;
		if (mismatches < SHOW_MAX)
			print_case(b, t, &c, &host, &soft, flags_mask);
		if (total->mismatches == 0 && mismatches == 0)
			snprintf(total->first, sizeof(total->first), "%s", t->name);
		mismatches++;
	}
	fprintf(stderr, "  %-34s %5lu cases (%lu after another)", t->name, cases - skipped, pairs);
	if (skipped)
		fprintf(stderr, ", %lu skipped (no non-faulting operands)", skipped);
	if (mismatches)
		fprintf(stderr, ", %lu MISMATCHES", mismatches);
	fprintf(stderr, "\n");
	total->cases += cases - skipped;
	total->skipped += skipped;
	total->mismatches += mismatches;
}

static unsigned cases_per_template(void)
{
	const char *e = getenv("SOFT_HOST_CASES");
	unsigned long n = e ? strtoul(e, NULL, 0) : 0;
	return n ? (unsigned)n : CASES_DEFAULT;
}

START_TEST(test_against_host)
{
	unsigned group = (unsigned)_i;
	struct bench b;
	if (!bench_init(&b)) {
		fprintf(stderr, "SKIP: no MAP_32BIT page for 32-bit code\n");
		return;
	}
	if (!b.host_amd && group == 0)
		fprintf(stderr, "note: not an AMD host: undefined flags and results are not compared\n");
	struct tlist l = { 0 };
	templates_build(&l);
	unsigned *leaders = malloc(l.n * sizeof(*leaders)), nleaders = 0;
	ck_assert(leaders);
	for (unsigned i = 0; i < l.n; i++)
		if (can_lead(&l.v[i]))
			leaders[nleaders++] = i;
	const char *only = getenv("SOFT_HOST_ONLY");
	unsigned cases = cases_per_template(), templates = 0;
	struct tally total = { 0 };
	fprintf(stderr, "group %s:\n", group_names[group]);
	for (unsigned i = 0; i < l.n; i++) {
		const struct tmpl *t = &l.v[i];
		if (t->group != group || (only && !strstr(t->name, only)))
			continue;
		templates++;
		run_template(&b, t, &l, leaders, nleaders, cases, 0x50f7ull * (i + 1), &total);
	}
	fprintf(stderr, "group %s: %u templates, %lu cases, %lu skipped, %lu mismatches\n",
		group_names[group], templates, total.cases, total.skipped, total.mismatches);
	free(leaders);
	free(l.v);
	bench_done(&b);
	ck_assert_msg(total.mismatches == 0, "%s: %lu of %lu cases differ from the host; first in %s",
		      group_names[group], total.mismatches, total.cases, total.first);
	ck_assert_msg(total.skipped * 20 <= total.cases, "%s: too many cases skipped", group_names[group]);
}
END_TEST

static Suite *soft_host_suite(void)
{
	Suite *s = suite_create("soft_host");
	TCase *tc = tcase_create("host");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_against_host, 0, G_COUNT);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(soft_host_suite)
