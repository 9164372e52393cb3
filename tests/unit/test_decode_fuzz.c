/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_decode_fuzz.c — the decoder (cpu/decode.c) against Capstone on
 * random byte sequences, in 16- and 32-bit mode.
 *
 * For each of N seeded-random 15- or 16-byte sequences per mode (half
 * uniform, half biased: random legacy prefixes, then a one-byte, 0F, 0F38 or
 * 0F3A opcode, then random ModRM and bytes), both decoders decode one
 * instruction. Where Capstone decodes, our length must equal Capstone's,
 * except in the documented classes of disagreement below (each a predicate
 * with an example; counted and printed). Where Capstone fails and we
 * decode, the top opcodes are printed for information. Every sequence is
 * also decoded with avail = 0 .. len-1 from the end of a heap buffer, so
 * that ASan catches any read past `avail`; a truncated instruction must
 * give X86_DECODE_SHORT.
 *
 * N: $MORPHEUS_FUZZ_ITERATIONS, default 10,000,000 per mode (about 3 s per
 * mode here, 5 s with ASan+UBSan). $MORPHEUS_FUZZ_SEED changes the seed. It does not check operands, only lengths and validity
 * (test_decode.c checks operands). */
#include <capstone/capstone.h>
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/insn.h"

/* 10 M per mode takes about 3 s here, 5 s under ASan+UBSan: no smaller
 * default for sanitizer builds is needed */
#define DEFAULT_ITERATIONS 10000000L
#define SEQ_MAX 16
#define MAX_SHOWN 20

/* ---- seeded PRNG (splitmix64) ---- */

static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const uint8_t legacy_prefixes[] = {
	0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3,
};

static bool is_prefix(uint8_t b)
{
	return memchr(legacy_prefixes, b, sizeof(legacy_prefixes)) != NULL;
}

/* Fills b[0..16) and returns how many bytes to offer (15 or 16). */
static size_t generate(uint64_t *rng, uint8_t *b)
{
	uint64_t r = rng_next(rng);
	for (int i = 0; i < SEQ_MAX; i += 8) {
		uint64_t x = rng_next(rng);
		memcpy(b + i, &x, 8);
	}
	size_t avail = (r & 2) ? 16 : 15;
	if (r & 1)
		return avail;                         /* uniform */
	unsigned n = (r >> 2) % 5, p = 0;       /* 0-4 prefixes, then a map */
	for (unsigned i = 0; i < n; i++)
		b[p++] = legacy_prefixes[(r >> (8 + 4 * i)) % sizeof(legacy_prefixes)];
	switch ((r >> 40) % 4) {
	case 0: break;
	case 1: b[p++] = 0x0F; break;
	case 2: b[p++] = 0x0F; b[p++] = 0x38; break;
	case 3: b[p++] = 0x0F; b[p++] = 0x3A; break;
	}
	if (p && b[p - 1] != 0x0F && b[p - 1] != 0x38 && b[p - 1] != 0x3A && is_prefix(b[p]))
		b[p] = 0x90;
	return avail;
}

/* ---- what a byte sequence looks like, independently of the decoder ---- */

struct shape {
	unsigned nr_prefixes;
	unsigned map;           /* 0 one-byte, 1 0F, 2 0F38, 3 0F3A */
	uint8_t opcode;
	uint8_t modrm;          /* the byte after the opcode */
	unsigned reg;           /* ModRM.reg */
	uint8_t mandatory;      /* last F2/F3, else 66, else 0 */
	bool opsize;            /* a 66 prefix is present */
	bool rep;               /* an F2 or F3 prefix is present */
};

static struct shape shape_of(const uint8_t *b, size_t len)
{
	struct shape s = { 0 };
	size_t i = 0;
	while (i < len && i < 15 && is_prefix(b[i])) {
		s.opsize |= b[i] == 0x66;
		s.rep |= b[i] == 0xF2 || b[i] == 0xF3;
		if (b[i] == 0xF2 || b[i] == 0xF3)
			s.mandatory = b[i];
		else if (b[i] == 0x66 && s.mandatory == 0)
			s.mandatory = 0x66;
		i++;
	}
	s.nr_prefixes = i;
	if (i < len && b[i] == 0x0F) {
		s.map = 1;
		i++;
		if (i < len && (b[i] == 0x38 || b[i] == 0x3A))
			s.map = b[i++] == 0x38 ? 2 : 3;
	}
	s.opcode = i < len ? b[i] : 0;
	s.modrm = i + 1 < len ? b[i + 1] : 0;
	s.reg = (s.modrm >> 3) & 7;
	return s;
}

/* Our length for b without the prefix bytes in `drop`, or <= 0. */
static int decode_without(const uint8_t *b, size_t len, int bits, const char *drop,
			  unsigned *dropped)
{
	uint8_t copy[SEQ_MAX];
	size_t n = 0, i = 0;
	*dropped = 0;
	for (; i < len && i < 15 && is_prefix(b[i]); i++) {
		if (strchr(drop, b[i]))
			(*dropped)++;
		else
			copy[n++] = b[i];
	}
	memcpy(copy + n, b + i, len - i);
	struct insn insn;
	return x86_decode(copy, n + len - i, bits, &insn);
}

/* ---- documented classes where Capstone 4 and we disagree ---- */

enum disagreement {
	/* 8E /1 (MOV CS, r/m) is #UD on every CPU since the 80186 (SDM vol. 2,
	 * MOV); Capstone decodes it. Example: 8E C8. */
	DIS_MOV_TO_CS,
	/* Opcodes that only AMD or VIA CPUs define in 16/32-bit code; #UD on
	 * Intel: SYSCALL/SYSRET (0F 05, 0F 07), FEMMS (0F 0E), 3DNow! (0F 0F),
	 * SSE4a EXTRQ/INSERTQ (66/F2 0F 78/79) and MOVNTSS/MOVNTSD (F3/F2
	 * 0F 2B), SVM and other 0F 01 register forms (D8-DF, FA-FF), VIA
	 * PadLock (0F A6, 0F A7). Example: 0F 05; 66 0F 78 C0 01 02; 0F A7 C8. */
	DIS_OTHER_VENDOR,
	/* SWAPGS (0F 01 F8) exists only in 64-bit mode; Capstone decodes it in
	 * 16/32-bit code. Example: 0F 01 F8. */
	DIS_LONG_MODE_ONLY,
	/* MOV to/from CR1, CR5, CR6, CR7: #UD (SDM vol. 2, MOV--Move to/from
	 * Control Registers); Capstone decodes them. Example: 0F 20 C8. */
	DIS_RESERVED_CR,
	/* Capstone ignores a mandatory prefix that makes an SSE/MMX encoding
	 * undefined (the SDM and iced: #UD). Without the F2/F3 (or 66/F2/F3)
	 * prefixes we decode the same bytes. Examples: F3 0F EF C0 (PXOR has
	 * no F3 form); F2 66 0F 3A 09 C8 00 (F2 and 66: the last F2/F3 is the
	 * mandatory prefix, 66 only an operand-size prefix, so this is an
	 * undefined F2 form of ROUNDPD; Capstone lets 66 select ROUNDPD). */
	DIS_MANDATORY_PREFIX,
	/* Capstone accepts LOCK where it is #UD (register destination, or an
	 * instruction LOCK does not apply to). Example: F0 01 C0, F0 90. */
	DIS_LOCK,
	/* UD0 (0F FF) and UD1 (0F B9) take a ModRM byte (SDM vol. 2, UD);
	 * Capstone 4 decodes them as two-byte instructions, also with prefixes
	 * (LOCK included) that make them #UD for us either way. Example:
	 * 0F B9 C0 (we: 3 bytes, Capstone: 2). */
	DIS_UD01_MODRM,
	/* VEX (C4/C5 with mod=3) and EVEX (62 with mod=3) in 16/32-bit code:
	 * AVX, not part of this decoder (a P6 raises #UD for LES/LDS/BOUND
	 * register forms); AMD's XOP (8F with ModRM.reg != 0, #UD on Intel).
	 * Examples: C5 F8 77 (VZEROUPPER); 8F E8 78 C0 C1 00 (VPROTB). */
	DIS_VEX_EVEX,
	/* Capstone 4 drops a 66 prefix on CALL/JMP/Jcc rel when an F2 or F3
	 * prefix is also present (its BND-prefix handling) and reads a rel32;
	 * on the CPU 66 selects rel16 (F2 is BND or ignored, F3 ignored).
	 * Example, 32-bit: 66 F2 E8 34 12 (we: 5 bytes, Capstone: 7). */
	DIS_CS_BND_OPSIZE,
	NR_DISAGREEMENTS
};

static const char *const disagreement_names[NR_DISAGREEMENTS] = {
	[DIS_MOV_TO_CS] = "MOV to CS (8E /1): #UD, Capstone decodes",
	[DIS_OTHER_VENDOR] = "AMD/VIA-only opcodes: #UD on Intel, Capstone decodes",
	[DIS_LONG_MODE_ONLY] = "64-bit-only SWAPGS: #UD, Capstone decodes",
	[DIS_RESERVED_CR] = "MOV CR1/CR5-7: #UD, Capstone decodes",
	[DIS_MANDATORY_PREFIX] = "Capstone ignores an invalid mandatory prefix",
	[DIS_LOCK] = "Capstone ignores an illegal LOCK",
	[DIS_UD01_MODRM] = "UD0/UD1 with ModRM (Capstone: without)",
	[DIS_VEX_EVEX] = "VEX/EVEX/XOP: not decoded here",
	[DIS_CS_BND_OPSIZE] = "Capstone drops 66 on rel branches with F2/F3",
};

/* Which documented class explains ours != cs (cs > 0), or -1. */
static int classify(const uint8_t *b, size_t len, int bits, int ours, int cs)
{
	struct shape s = shape_of(b, len);
	unsigned dropped;

	if (s.map == 1 && (s.opcode == 0xB9 || s.opcode == 0xFF) &&
	    cs == (int)s.nr_prefixes + 2)
		return DIS_UD01_MODRM;
	if (ours > 0 && s.opsize && s.rep && cs == ours + 2 &&
	    ((s.map == 0 && (s.opcode == 0xE8 || s.opcode == 0xE9)) ||
	     (s.map == 1 && s.opcode >= 0x80 && s.opcode <= 0x8F)))
		return DIS_CS_BND_OPSIZE;
	if (ours == X86_DECODE_UD) {
		if (s.map == 0 && s.opcode == 0x8E && s.reg == 1)
			return DIS_MOV_TO_CS;
		if (s.map == 0 && (s.opcode == 0xC4 || s.opcode == 0xC5 || s.opcode == 0x62) &&
		    s.modrm >= 0xC0)
			return DIS_VEX_EVEX;
		if (s.map == 0 && s.opcode == 0x8F && s.reg != 0)
			return DIS_VEX_EVEX;
		if (s.map == 1) {
			switch (s.opcode) {
			case 0x05: case 0x07: case 0x0E: case 0x0F: case 0xA6: case 0xA7:
				return DIS_OTHER_VENDOR;
			case 0x78: case 0x79: /* Capstone: any 66 selects EXTRQ */
				if (s.opsize || s.rep)
					return DIS_OTHER_VENDOR;
				break;
			case 0x2B:
				if (s.mandatory == 0xF2 || s.mandatory == 0xF3)
					return DIS_OTHER_VENDOR;
				break;
			case 0x01:
				if ((s.modrm >= 0xD8 && s.modrm <= 0xDF) || s.modrm >= 0xFA)
					return DIS_OTHER_VENDOR;
				if (s.modrm == 0xF8)
					return DIS_LONG_MODE_ONLY;
				break;
			case 0x20: case 0x22:
				if (s.reg == 1 || s.reg >= 5)
					return DIS_RESERVED_CR;
				break;
			}
		}
		if (decode_without(b, len, bits, "\xF0", &dropped) == cs - (int)dropped &&
		    dropped)
			return DIS_LOCK;
		static const char *const mandatory_sets[] = {
			"\xF2\xF3", "\x66\xF2\xF3", "\xF0\xF2\xF3", "\xF0\x66\xF2\xF3",
		};
		for (size_t i = 0; i < sizeof(mandatory_sets) / sizeof(mandatory_sets[0]); i++)
			if (decode_without(b, len, bits, mandatory_sets[i], &dropped) ==
			    cs - (int)dropped && dropped)
				return DIS_MANDATORY_PREFIX;
	}
	return -1;
}

/* ---- informational: Capstone fails, we decode ---- */

#define MAX_KEYS 1024

struct key_count {
	char key[24];
	unsigned count;
	uint8_t example[SEQ_MAX];
	int len;
};

struct fuzz_stats {
	unsigned long sequences, decoded, cs_decoded, agreed, ours_ud, truncations;
	unsigned long by_class[NR_DISAGREEMENTS];
	unsigned unexplained;
	struct key_count ours_only[MAX_KEYS];
	unsigned nr_ours_only;
	unsigned long ours_only_total;
};

static void count_ours_only(struct fuzz_stats *st, const uint8_t *b, size_t len, int ours)
{
	struct shape s = shape_of(b, len);
	static const char *const maps[] = { "", "0F ", "0F38 ", "0F3A " };
	char key[24];
	snprintf(key, sizeof(key), "%s%02X /%u", maps[s.map], s.opcode, s.reg);
	st->ours_only_total++;
	for (unsigned i = 0; i < st->nr_ours_only; i++) {
		if (strcmp(st->ours_only[i].key, key) == 0) {
			st->ours_only[i].count++;
			return;
		}
	}
	if (st->nr_ours_only < MAX_KEYS) {
		struct key_count *k = &st->ours_only[st->nr_ours_only++];
		snprintf(k->key, sizeof(k->key), "%s", key);
		k->count = 1;
		memcpy(k->example, b, SEQ_MAX);
		k->len = ours;
	}
}

static int by_count_desc(const void *a, const void *b)
{
	const struct key_count *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void print_hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%02X", i ? " " : "", b[i]);
}

/* Decodes every prefix of b (avail 0..len-1) from the end of a heap block of
 * exactly SEQ_MAX bytes, so that a read past avail hits ASan's redzone. */
static void check_truncations(struct fuzz_stats *st, uint8_t *heap, const uint8_t *b,
			      int bits, int full)
{
	int upto = full > 0 ? full : 0;
	for (int avail = 0; avail < upto; avail++) {
		uint8_t *start = heap + SEQ_MAX - avail;
		struct insn insn;
		memcpy(start, b, avail);
		int rc = x86_decode(start, avail, bits, &insn);
		st->truncations++;
		/* (not ck_assert: it costs a system call per check) */
		if (rc != X86_DECODE_SHORT)
			ck_abort_msg("%d-bit: %d of %d bytes decoded to %d, want SHORT", bits,
				     avail, full, rc);
	}
}

static long iterations(void)
{
	const char *env = getenv("MORPHEUS_FUZZ_ITERATIONS");
	long n = env && *env ? strtol(env, NULL, 0) : DEFAULT_ITERATIONS;
	return n > 0 ? n : DEFAULT_ITERATIONS;
}

static uint64_t seed(int bits)
{
	const char *env = getenv("MORPHEUS_FUZZ_SEED");
	uint64_t base = env && *env ? strtoull(env, NULL, 0) : 0x6d6f727068657573ull;
	return base ^ (uint64_t)bits;
}

static void fuzz_mode(int bits)
{
	static struct fuzz_stats st;  /* large; one mode at a time */
	uint64_t rng = seed(bits);
	long n = iterations();
	csh cs;
	struct timespec t0, t1;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(cs_open(CS_ARCH_X86, bits == 16 ? CS_MODE_16 : CS_MODE_32, &cs),
			 CS_ERR_OK);
	cs_insn *ci = cs_malloc(cs);
	uint8_t *heap = malloc(SEQ_MAX);
	ck_assert(ci && heap);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (long iter = 0; iter < n; iter++) {
		uint8_t b[SEQ_MAX];
		size_t avail = generate(&rng, b);
		struct insn insn;
		int ours = x86_decode(b, avail, bits, &insn);
		const uint8_t *p = b;
		size_t size = avail;
		uint64_t address = 0;
		int theirs = cs_disasm_iter(cs, &p, &size, &address, ci) ? (int)ci->size : -1;

		st.sequences++;
		if (ours == X86_DECODE_SHORT || ours > (int)avail)
			ck_abort_msg("%d-bit: %d with %zu bytes available", bits, ours, avail);
		st.decoded += ours > 0;
		st.ours_ud += ours == X86_DECODE_UD;
		st.cs_decoded += theirs > 0;
		check_truncations(&st, heap, b, bits, ours);
		if (theirs > 0) {
			if (ours == theirs) {
				st.agreed++;
				continue;
			}
			int c = classify(b, avail, bits, ours, theirs);
			if (c >= 0) {
				st.by_class[c]++;
				continue;
			}
			if (st.unexplained++ < MAX_SHOWN) {
				printf("  UNEXPLAINED %d-bit [", bits);
				print_hex(b, avail);
				printf("] ours %d, Capstone %d (%s %s)\n", ours, theirs,
				       ci->mnemonic, ci->op_str);
			}
		} else if (ours > 0) {
			count_ours_only(&st, b, avail, ours);
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%d-bit: %lu sequences in %.1f s: we decode %lu (#UD %lu), Capstone %lu, "
	       "same length %lu, %lu truncations all SHORT\n", bits, st.sequences, secs,
	       st.decoded, st.ours_ud, st.cs_decoded, st.agreed, st.truncations);
	printf("  Capstone decodes, lengths differ, documented:\n");
	for (int c = 0; c < NR_DISAGREEMENTS; c++)
		printf("    %9lu  %s\n", st.by_class[c], disagreement_names[c]);
	printf("    %9u  unexplained\n", st.unexplained);
	qsort(st.ours_only, st.nr_ours_only, sizeof(st.ours_only[0]), by_count_desc);
	printf("  Capstone fails, we decode: %lu; top opcodes (informational):\n",
	       st.ours_only_total);
	for (unsigned i = 0; i < st.nr_ours_only && i < 12; i++) {
		printf("    %9u  %-12s e.g. ", st.ours_only[i].count, st.ours_only[i].key);
		print_hex(st.ours_only[i].example, st.ours_only[i].len);
		printf("\n");
	}
	fflush(stdout);
	free(heap);
	cs_free(ci, 1);
	cs_close(&cs);
	ck_assert_msg(st.unexplained == 0, "%d-bit: %u unexplained disagreements with Capstone",
		      bits, st.unexplained);
}

START_TEST(test_fuzz_16)
{
	fuzz_mode(16);
}
END_TEST

START_TEST(test_fuzz_32)
{
	fuzz_mode(32);
}
END_TEST

static Suite *decode_fuzz_suite(void)
{
	Suite *s = suite_create("decode_fuzz");
	TCase *tc = tcase_create("capstone");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_fuzz_16);
	tcase_add_test(tc, test_fuzz_32);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decode_fuzz_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
