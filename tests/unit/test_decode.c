/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_decode.c — the decoder (cpu/decode.c) against the iced decoder test
 * vectors in $MORPHEUS_TESTDATA/iced-decoder: every row of the legacy, 0F,
 * 0F38 and 0F3A maps must give the row's length, INVALID rows #UD and
 * truncated rows SHORT; MemoryTest rows must also give the row's base,
 * index, scale, displacement and segment. Rows for encodings this decoder
 * deliberately does not know (VEX, EVEX, XOP, 3DNow!, other vendors'
 * extensions, non-default iced options) are skipped by rule and counted.
 * It also has a few hand-written checks of operands and prefixes. It does
 * not compare with Capstone (test_decode_fuzz.c does). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpu/cpu_state.h"
#include "cpu/insn.h"

#define MAX_ROW_BYTES 32
#define MAX_SKIP_REASONS 16
#define MAX_SHOWN_MISMATCHES 20

struct row {
	uint8_t bytes[MAX_ROW_BYTES];
	size_t len;
	char *field[16];     /* comma-separated fields, trimmed */
	int nr_fields;
	bool decopt;
	bool invalid;
	bool no_more_bytes;
};

struct tally {
	unsigned passed, mismatches;
	unsigned passed_ud, passed_short;   /* of passed: INVALID and truncated rows */
	const char *skip_reason[MAX_SKIP_REASONS];
	unsigned skip_count[MAX_SKIP_REASONS];
};

static const char *testdata_dir(void)
{
	const char *dir = getenv("MORPHEUS_TESTDATA");
	return dir && *dir ? dir : "../shared/testdata";
}

static bool iced_available(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/iced-decoder/DecoderTest32.txt.gz", testdata_dir());
	FILE *f = fopen(path, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = 0;
	return s;
}

/* Splits a data line into fields and the hex bytes of field 0. Returns
 * false for comments and blank lines. */
static bool parse_row(char *line, struct row *r)
{
	memset(r, 0, sizeof(*r));
	if (line[0] == '#' || trim(line)[0] == 0)
		return false;
	/* an empty first field (",") is a row of zero bytes */
	char *p = line;
	while (r->nr_fields < 16) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		r->field[r->nr_fields++] = trim(p);
		if (!comma)
			break;
		p = comma + 1;
	}
	for (const char *h = r->field[0]; *h; ) {
		if (*h == ' ') {
			h++;
			continue;
		}
		int hi = hex_digit(h[0]), lo = hex_digit(h[1]);
		ck_assert_msg(hi >= 0 && lo >= 0, "bad hex in row '%s'", r->field[0]);
		ck_assert(r->len < MAX_ROW_BYTES);
		r->bytes[r->len++] = hi << 4 | lo;
		h += 2;
	}
	const char *rest = r->nr_fields > 4 ? r->field[4] : "";
	r->decopt = strstr(rest, "decopt=") != NULL;
	r->invalid = r->nr_fields > 1 && strcmp(r->field[1], "INVALID") == 0;
	r->no_more_bytes = strstr(rest, "err=NoMoreBytes") != NULL;
	return true;
}

static void count_skip(struct tally *t, const char *reason)
{
	for (int i = 0; i < MAX_SKIP_REASONS; i++) {
		if (!t->skip_reason[i])
			t->skip_reason[i] = reason;
		if (strcmp(t->skip_reason[i], reason) == 0) {
			t->skip_count[i]++;
			return;
		}
	}
	ck_abort_msg("too many skip reasons");
}

/* Instructions of other vendors (and AMD's alternative encodings) that
 * iced decodes by default and an Intel CPU does not: skipped, by iced Code
 * name prefix. */
static const struct {
	const char *code_prefix;
	const char *reason;
} vendor_rows[] = {
	{ "Vmrun", "AMD SVM" }, { "Vmload", "AMD SVM" }, { "Vmsave", "AMD SVM" },
	{ "Vmmcall", "AMD SVM" }, { "Vmgexit", "AMD SVM" }, { "Stgi", "AMD SVM" },
	{ "Clgi", "AMD SVM" }, { "Skinit", "AMD SVM" }, { "Invlpga", "AMD SVM" },
	{ "Pvalidate", "AMD SVM" }, { "Rmp", "AMD SVM" }, { "Psmash", "AMD SVM" },
	{ "Monitorx", "AMD other" }, { "Mwaitx", "AMD other" }, { "Mcommit", "AMD other" },
	{ "Clzero", "AMD other" }, { "Rdpru", "AMD other" }, { "Invlpgb", "AMD other" },
	{ "Tlbsync", "AMD other" }, { "Syscall", "AMD other" }, { "Sysret", "AMD other" },
	{ "Femms", "AMD other" },
	{ "Extrq", "AMD SSE4a" }, { "Insertq", "AMD SSE4a" }, { "Movntss", "AMD SSE4a" },
	{ "Movntsd", "AMD SSE4a" },
	{ "Xstore", "VIA PadLock" }, { "Xcrypt", "VIA PadLock" }, { "Xsha", "VIA PadLock" },
	{ "Montmul", "VIA PadLock" }, { "Ccs_", "VIA PadLock" }, { "Via_", "VIA PadLock" },
};

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
		return true;
	}
	return false;
}

/* Why a row is out of scope, or NULL. */
static const char *skip_reason(const struct row *r)
{
	if (r->decopt)
		return "decopt= (non-default iced option)";
	size_t i = 0;
	bool lock = false;
	while (i < r->len && is_legacy_prefix(r->bytes[i]))
		lock |= r->bytes[i++] == 0xF0;
	if (i + 1 < r->len) {
		uint8_t op = r->bytes[i], next = r->bytes[i + 1];
		if ((op == 0xC4 || op == 0xC5) && next >= 0xC0)
			return "VEX (C4/C5 with mod=3)";
		if (op == 0x62 && next >= 0xC0)
			return "EVEX (62 with mod=3)";
		if (op == 0x8F && ((next >> 3) & 7) != 0)
			return "XOP (8F with reg!=0)";
		if (op == 0x0F && next == 0x0F)
			return "3DNow! (0F 0F)";
		if (op == 0x0F && (next == 0x20 || next == 0x22) && lock && !r->invalid)
			return "AMD LOCK MOV CR8";
	}
	if (!r->invalid && r->nr_fields > 1) {
		for (size_t v = 0; v < sizeof(vendor_rows) / sizeof(vendor_rows[0]); v++)
			if (strncmp(r->field[1], vendor_rows[v].code_prefix,
				    strlen(vendor_rows[v].code_prefix)) == 0)
				return vendor_rows[v].reason;
	}
	return NULL;
}

static int reg_number(const char *name)
{
	static const char *const names16[8] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" };
	if (strcmp(name, "none") == 0)
		return -1;
	const char *n = name[0] == 'e' && strlen(name) == 3 ? name + 1 : name;
	for (int i = 0; i < 8; i++)
		if (strcmp(n, names16[i]) == 0)
			return i;
	return -2;
}

static int seg_number(const char *name)
{
	static const char *const names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };
	for (int i = 0; i < 6; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -2;
}

/* MemoryTest fields: hex, code, reg, prefix seg, seg, base, index, scale,
 * displacement, displacement size, ... */
static bool memory_matches(const struct row *r, const struct insn *insn, char *why,
			   size_t why_size)
{
	if (r->nr_fields < 10) {
		snprintf(why, why_size, "short MemoryTest row");
		return false;
	}
	int seg = seg_number(r->field[4]);
	int base = reg_number(r->field[5]), index = reg_number(r->field[6]);
	unsigned scale = strtoul(r->field[7], NULL, 0);
	uint32_t disp = strtoul(r->field[8], NULL, 0);
	uint32_t mask = insn->addrsize == 2 ? 0xffff : 0xffffffff;
	if (insn->mem.seg != seg || insn->mem.base != base || insn->mem.index != index ||
	    (index >= 0 && insn->mem.scale != scale) ||
	    ((uint32_t)insn->mem.disp & mask) != (disp & mask)) {
		snprintf(why, why_size,
			 "mem: got seg %d base %d index %d scale %u disp %#x; "
			 "want seg %d base %d index %d scale %u disp %#x",
			 insn->mem.seg, insn->mem.base, insn->mem.index, insn->mem.scale,
			 (uint32_t)insn->mem.disp & mask, seg, base, index, scale, disp & mask);
		return false;
	}
	return true;
}

static void show_mismatch(struct tally *t, const char *file, const struct row *r,
			  const char *why)
{
	if (t->mismatches++ >= MAX_SHOWN_MISMATCHES)
		return;
	printf("  MISMATCH %s: [", file);
	for (size_t i = 0; i < r->len; i++)
		printf("%s%02X", i ? " " : "", r->bytes[i]);
	printf("] %s: %s\n", r->nr_fields > 1 ? r->field[1] : "?", why);
}

static const char *status_name(int rc)
{
	static char buf[32];
	switch (rc) {
	case X86_DECODE_UD: return "UD";
	case X86_DECODE_SHORT: return "SHORT";
	case X86_DECODE_TOO_LONG: return "TOO_LONG";
	}
	snprintf(buf, sizeof(buf), "length %d", rc);
	return buf;
}

/* Checks one row; returns false on a mismatch, with the reason in why. */
static bool check_row(const struct row *r, int bits, bool memory_test, bool option_gated,
		      char *why, size_t why_size)
{
	struct insn insn;
	int rc = x86_decode(r->bytes, r->len, bits, &insn);

	if (r->no_more_bytes) {
		/* iced reports option-gated opcodes (its previous row has
		 * decopt=) as NoMoreBytes; for us they are just #UD */
		if (rc == X86_DECODE_SHORT || (option_gated && rc == X86_DECODE_UD))
			return true;
		snprintf(why, why_size, "want SHORT, got %s", status_name(rc));
		return false;
	}
	if (r->invalid) {
		if (rc == X86_DECODE_UD || (r->len > X86_MAX_INSN_LEN && rc == X86_DECODE_TOO_LONG))
			return true;
		snprintf(why, why_size, "want UD, got %s", status_name(rc));
		return false;
	}
	if (rc != (int)r->len) {
		snprintf(why, why_size, "want length %zu, got %s", r->len, status_name(rc));
		return false;
	}
	if (memory_test)
		return memory_matches(r, &insn, why, why_size);
	return true;
}

static void run_file(const char *name, int bits, bool memory_test)
{
	char path[4096], cmd[4200], line[4096], prev_hex[256] = "";
	bool prev_decopt = false;
	struct tally t = { 0 };

	snprintf(path, sizeof(path), "%s/iced-decoder/%s.txt.gz", testdata_dir(), name);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	FILE *f = popen(cmd, "r");
	ck_assert_msg(f, "cannot run %s", cmd);
	while (fgets(line, sizeof(line), f)) {
		struct row r;
		if (!parse_row(line, &r))
			continue;
		bool option_gated = prev_decopt && strcmp(prev_hex, r.field[0]) == 0;
		snprintf(prev_hex, sizeof(prev_hex), "%s", r.field[0]);
		prev_decopt = r.decopt;
		const char *skip = skip_reason(&r);
		if (skip) {
			count_skip(&t, skip);
			continue;
		}
		char why[256];
		if (check_row(&r, bits, memory_test, option_gated, why, sizeof(why))) {
			t.passed++;
			t.passed_ud += r.invalid && !r.no_more_bytes;
			t.passed_short += r.no_more_bytes;
		} else
			show_mismatch(&t, name, &r, why);
	}
	ck_assert_int_eq(pclose(f), 0);

	unsigned skipped = 0;
	for (int i = 0; i < MAX_SKIP_REASONS && t.skip_reason[i]; i++)
		skipped += t.skip_count[i];
	printf("%s: %u passed (%u of them #UD, %u SHORT), %u mismatched, %u skipped\n", name,
	       t.passed, t.passed_ud, t.passed_short, t.mismatches, skipped);
	for (int i = 0; i < MAX_SKIP_REASONS && t.skip_reason[i]; i++)
		printf("  skipped %5u  %s\n", t.skip_count[i], t.skip_reason[i]);
	fflush(stdout);
	ck_assert_msg(t.passed > 0, "%s: no rows checked", name);
	ck_assert_msg(t.mismatches == 0, "%s: %u mismatches", name, t.mismatches);
}

static const struct {
	const char *name;
	int bits;
	bool memory;
} iced_files[] = {
	{ "DecoderTest16", 16, false }, { "DecoderTest32", 32, false },
	{ "DecoderTestMisc16", 16, false }, { "DecoderTestMisc32", 32, false },
	{ "MemoryTest16", 16, true }, { "MemoryTest32", 32, true },
};

START_TEST(test_iced_file)
{
	run_file(iced_files[_i].name, iced_files[_i].bits, iced_files[_i].memory);
}
END_TEST

/* ---- hand-written checks of what the iced rows do not cover ---- */

static struct insn decode_ok(const char *hex, int bits)
{
	uint8_t code[16];
	size_t n = 0;
	for (const char *h = hex; *h; h++) {
		if (*h == ' ')
			continue;
		code[n++] = hex_digit(h[0]) << 4 | hex_digit(h[1]);
		h++;
	}
	struct insn insn;
	int rc = x86_decode(code, n, bits, &insn);
	ck_assert_msg(rc == (int)n, "%s: got %d, want %zu", hex, rc, n);
	return insn;
}

START_TEST(test_operands)
{
	/* ADD [BP+SI+0x12], AX in 16-bit: SS default, destination first */
	struct insn i = decode_ok("01 42 12", 16);
	ck_assert_int_eq(i.op, X86_OP_ADD);
	ck_assert_int_eq(i.nr_operands, 2);
	ck_assert_int_eq(i.operand[0].kind, OPND_MEM);
	ck_assert_int_eq(i.operand[0].size, 2);
	ck_assert_int_eq(i.operand[1].kind, OPND_REG);
	ck_assert_int_eq(i.operand[1].reg, 0);
	ck_assert_int_eq(i.mem.seg, SEG_SS);
	ck_assert_int_eq(i.mem.base, 5);
	ck_assert_int_eq(i.mem.index, 6);
	ck_assert_int_eq(i.mem.disp, 0x12);

	/* last segment override wins; 66 toggles to 32-bit: ADD [ES:BX], EAX */
	i = decode_ok("2E 26 66 01 07", 16);
	ck_assert_int_eq(i.mem.seg, SEG_ES);
	ck_assert_int_eq(i.opsize, 4);
	ck_assert(i.prefixes & PFX_SEG);

	/* 83 /0 ib sign-extends */
	i = decode_ok("83 C0 FF", 32);
	ck_assert_int_eq(i.imm, -1);
	ck_assert_int_eq(i.operand[1].kind, OPND_IMM);
	ck_assert_int_eq(i.operand[1].size, 4);

	/* ENTER iw, ib */
	i = decode_ok("C8 34 12 05", 32);
	ck_assert_int_eq(i.op, X86_OP_ENTER);
	ck_assert_int_eq(i.imm, 0x1234);
	ck_assert_int_eq(i.imm2, 5);

	/* far JMP ptr16:32 and ptr16:16 */
	i = decode_ok("EA 78 56 34 12 CD AB", 32);
	ck_assert_int_eq(i.op, X86_OP_JMPF);
	ck_assert_int_eq(i.imm, 0x12345678);
	ck_assert_int_eq(i.imm2, 0xabcd);
	i = decode_ok("EA 78 56 CD AB", 16);
	ck_assert_int_eq(i.imm, 0x5678);

	/* moffs follows the address size, not the operand size */
	i = decode_ok("67 A1 34 12", 32);
	ck_assert_int_eq(i.operand[1].kind, OPND_MEM);
	ck_assert_int_eq(i.operand[1].size, 4);
	ck_assert_int_eq(i.mem.disp & 0xffff, 0x1234);

	/* Jcc rel32 and SETcc conditions */
	i = decode_ok("0F 8E 00 01 00 00", 32);
	ck_assert_int_eq(i.op, X86_OP_JCC);
	ck_assert_int_eq(i.cond, 0xE);
	ck_assert_int_eq(i.imm, 0x100);
	i = decode_ok("0F 95 C0", 32);
	ck_assert_int_eq(i.op, X86_OP_SETCC);
	ck_assert_int_eq(i.cond, 5);
	i = decode_ok("EB FE", 16);
	ck_assert_int_eq(i.imm, -2);

	/* [ESP+EBP*2]: SS default from the ESP base */
	i = decode_ok("8B 04 6C", 32);
	ck_assert_int_eq(i.mem.base, 4);
	ck_assert_int_eq(i.mem.index, 5);
	ck_assert_int_eq(i.mem.scale, 1);
	ck_assert_int_eq(i.mem.seg, SEG_SS);

	/* F3 90 is PAUSE, x87 and SIMD classes, UD2 decoded with its length */
	ck_assert_int_eq(decode_ok("F3 90", 32).op, X86_OP_PAUSE);
	ck_assert_int_eq(decode_ok("D9 E8", 32).op, X86_OP_FPU);
	ck_assert_int_eq(decode_ok("66 0F 3A 0F C1 08", 32).op, X86_OP_SIMD);
	ck_assert_int_eq(decode_ok("0F 0B", 32).op, X86_OP_UD);

	/* F2 then F3: the last one wins */
	i = decode_ok("F2 F3 A4", 32);
	ck_assert(i.prefixes & PFX_REP);
	ck_assert(!(i.prefixes & PFX_REPNE));
}
END_TEST

static int decode_hex(const char *hex, int bits)
{
	uint8_t code[32];
	size_t n = 0;
	for (const char *h = hex; *h; h++) {
		if (*h == ' ')
			continue;
		code[n++] = hex_digit(h[0]) << 4 | hex_digit(h[1]);
		h++;
	}
	struct insn insn;
	return x86_decode(code, n, bits, &insn);
}

START_TEST(test_invalid)
{
	ck_assert_int_eq(decode_hex("8D C0", 32), X86_DECODE_UD);        /* LEA reg */
	ck_assert_int_eq(decode_hex("8E C8", 32), X86_DECODE_UD);        /* MOV CS, AX */
	ck_assert_int_eq(decode_hex("8C F0", 32), X86_DECODE_UD);        /* sreg 6 */
	ck_assert_int_eq(decode_hex("FF D8", 32), X86_DECODE_UD);        /* CALLF reg */
	ck_assert_int_eq(decode_hex("0F C7 C8", 32), X86_DECODE_UD);     /* CMPXCHG8B reg */
	ck_assert_int_eq(decode_hex("F0 38 00", 32), X86_DECODE_UD);     /* LOCK CMP */
	ck_assert_int_eq(decode_hex("F0 90", 32), X86_DECODE_UD);
	ck_assert_int_eq(decode_hex("F0 0F C7 08", 32), 4);              /* LOCK CMPXCHG8B */
	ck_assert_int_eq(decode_hex("0F FF", 32), X86_DECODE_SHORT);     /* UD0 needs ModRM */
	ck_assert_int_eq(decode_hex("0F 04", 32), X86_DECODE_UD);
	ck_assert_int_eq(decode_hex("C5 C0", 32), X86_DECODE_UD);        /* VEX: not here */
	/* 15 prefixes and an opcode: too long even with bytes missing */
	ck_assert_int_eq(decode_hex("66 66 66 66 66 66 66 66 66 66 66 66 66 66 66", 32),
			 X86_DECODE_TOO_LONG);
	ck_assert_int_eq(decode_hex("66 66 66 66 66 66 66 66 66 66 66 66 66 66", 32),
			 X86_DECODE_SHORT);
	ck_assert_int_eq(decode_hex("90", 64), X86_DECODE_UD);
}
END_TEST

static Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("iced");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_iced_file, 0, sizeof(iced_files) / sizeof(iced_files[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("handwritten");
	tcase_add_test(tc, test_operands);
	tcase_add_test(tc, test_invalid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!iced_available()) {
		printf("SKIP: iced decoder vectors not found under %s/iced-decoder\n",
		       testdata_dir());
		return 77;
	}
	SRunner *sr = srunner_create(decode_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
