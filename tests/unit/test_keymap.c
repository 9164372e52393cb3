/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_keymap.c — frontend/keymap.c: every key of a US 105-key keyboard is
 * there exactly once, no two keys send the same sequence, breaks follow
 * makes, and the sequences of a few keys are those of the documented scan
 * code set 2 tables (Microsoft's scan code specification, Brouwer's
 * "Keyboard scancodes"). Translation to set 1 is test_i8042's. */
#include <string.h>

#include "check_helpers.h"
#include "frontend/keymap.h"

/* The 105 keys by HID usage ID: the 104 keys of a US keyboard and the
 * ISO key left of Z (0x64). */
static const unsigned layout_105[] = {
	/* A-Z, 1-0 */
	0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
	0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	/* Enter Esc Backspace Tab Space - = [ ] \ ; ' ` , . / CapsLock */
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x33, 0x34, 0x35,
	0x36, 0x37, 0x38, 0x39,
	/* F1-F12, Print Screen, Scroll Lock, Pause */
	0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,
	0x46, 0x47, 0x48,
	/* Insert Home PgUp Delete End PgDn Right Left Down Up */
	0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52,
	/* Num Lock, keypad / * - + Enter 1-9 0 . */
	0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63,
	/* the 105th key, Menu */
	0x64, 0x65,
	/* Ctrl Shift Alt Windows, left and right */
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
};

static size_t seq(unsigned usage, bool down, uint8_t *out)
{
	memset(out, 0xcc, KEYMAP_MAX_SEQ);
	return keymap_set2(usage, down, out);
}

static void check_seq(unsigned usage, bool down, const uint8_t *want, size_t n)
{
	uint8_t got[KEYMAP_MAX_SEQ];
	size_t len = seq(usage, down, got);
	ck_assert_msg(len == n, "usage 0x%x %s: %zu bytes, want %zu", usage,
		      down ? "make" : "break", len, n);
	ck_assert_msg(n == 0 || memcmp(got, want, n) == 0, "usage 0x%x %s: wrong bytes", usage,
		      down ? "make" : "break");
}

#define CHECK_SEQ(usage, down, ...)                                             \
	do {                                                                    \
		static const uint8_t want_[] = { __VA_ARGS__ };                 \
		check_seq(usage, down, want_, sizeof(want_));                   \
	} while (0)

START_TEST(test_layout_105_complete)
{
	size_t count;
	const struct keymap_key *table = keymap_table(&count);
	ck_assert_uint_eq(sizeof(layout_105) / sizeof(layout_105[0]), 105);
	for (size_t i = 0; i < 105; i++) {
		unsigned usage = layout_105[i];
		int found = 0;
		for (size_t j = 0; j < count; j++)
			if (table[j].usage == usage) {
				found++;
				ck_assert_msg(!table[j].alias, "0x%x is an alias", usage);
			}
		ck_assert_msg(found == 1, "usage 0x%x: %d entries", usage, found);
		ck_assert_ptr_nonnull(keymap_lookup(usage));
	}
}
END_TEST

/* No usage twice; no two keys (aliases aside) with the same make or break
 * sequence; every name set. */
START_TEST(test_keys_distinct)
{
	size_t count;
	const struct keymap_key *table = keymap_table(&count);
	ck_assert_uint_ge(count, 105);
	for (size_t i = 0; i < count; i++) {
		ck_assert_msg(table[i].name && table[i].name[0], "entry %zu has no name", i);
		uint8_t mi[KEYMAP_MAX_SEQ], bi[KEYMAP_MAX_SEQ];
		size_t nmi = seq(table[i].usage, true, mi), nbi = seq(table[i].usage, false, bi);
		ck_assert_uint_gt(nmi, 0);
		for (size_t j = i + 1; j < count; j++) {
			ck_assert_msg(table[i].usage != table[j].usage, "usage 0x%x twice",
				      table[i].usage);
			if (table[i].alias || table[j].alias)
				continue;
			uint8_t mj[KEYMAP_MAX_SEQ], bj[KEYMAP_MAX_SEQ];
			size_t nmj = seq(table[j].usage, true, mj), nbj = seq(table[j].usage, false, bj);
			ck_assert_msg(nmi != nmj || memcmp(mi, mj, nmi) != 0,
				      "%s and %s: same make", table[i].name, table[j].name);
			ck_assert_msg(nbi == 0 || nbi != nbj || memcmp(bi, bj, nbi) != 0,
				      "%s and %s: same break", table[i].name, table[j].name);
		}
	}
}
END_TEST

/* Aliases send what the key they stand for sends. */
START_TEST(test_alias_non_us_hash)
{
	const struct keymap_key *k = keymap_lookup(KEYMAP_HID_NONUS_HASH);
	ck_assert_ptr_nonnull(k);
	ck_assert(k->alias);
	CHECK_SEQ(KEYMAP_HID_NONUS_HASH, true, 0x5d);
	CHECK_SEQ(KEYMAP_HID_NONUS_HASH, false, 0xf0, 0x5d);
	CHECK_SEQ(0x31, true, 0x5d);
}
END_TEST

/* Breaks: F0 before the last byte of the make (after E0 if any). */
START_TEST(test_break_follows_make)
{
	size_t count;
	const struct keymap_key *table = keymap_table(&count);
	for (size_t i = 0; i < count; i++) {
		unsigned u = table[i].usage;
		if (u == KEYMAP_HID_PRINT_SCREEN || u == KEYMAP_HID_PAUSE || table[i].kind == KEYMAP_NO_BREAK)
			continue;
		uint8_t m[KEYMAP_MAX_SEQ], b[KEYMAP_MAX_SEQ];
		size_t nm = seq(u, true, m), nb = seq(u, false, b);
		ck_assert_msg(nm == 1 || (nm == 2 && m[0] == 0xe0), "%s: make of %zu bytes",
			      table[i].name, nm);
		ck_assert_uint_eq(nb, nm + 1);
		ck_assert_uint_eq(b[nb - 2], 0xf0);
		ck_assert_uint_eq(b[nb - 1], m[nm - 1]);
		if (nm == 2)
			ck_assert_uint_eq(b[0], 0xe0);
		ck_assert_uint_ne(m[nm - 1], 0xf0);
		ck_assert_uint_ne(m[nm - 1], 0xe0);
		ck_assert_uint_ne(m[nm - 1], 0xe1);
	}
}
END_TEST

/* Against the documented set 2 tables. */
START_TEST(test_documented_sequences)
{
	CHECK_SEQ(KEYMAP_HID_A, true, 0x1c);
	CHECK_SEQ(KEYMAP_HID_A, false, 0xf0, 0x1c);
	CHECK_SEQ(0x1d, true, 0x1a);                    /* Z */
	CHECK_SEQ(KEYMAP_HID_1, true, 0x16);
	CHECK_SEQ(KEYMAP_HID_0, true, 0x45);
	CHECK_SEQ(KEYMAP_HID_ENTER, true, 0x5a);
	CHECK_SEQ(KEYMAP_HID_ENTER, false, 0xf0, 0x5a);
	CHECK_SEQ(KEYMAP_HID_KP_ENTER, true, 0xe0, 0x5a);
	CHECK_SEQ(KEYMAP_HID_KP_ENTER, false, 0xe0, 0xf0, 0x5a);
	CHECK_SEQ(KEYMAP_HID_LCTRL, true, 0x14);
	CHECK_SEQ(KEYMAP_HID_RCTRL, true, 0xe0, 0x14);
	CHECK_SEQ(KEYMAP_HID_RCTRL, false, 0xe0, 0xf0, 0x14);
	CHECK_SEQ(KEYMAP_HID_LSHIFT, true, 0x12);
	CHECK_SEQ(0xe5, true, 0x59);                    /* Right Shift */
	CHECK_SEQ(0xe6, true, 0xe0, 0x11);              /* Right Alt */
	CHECK_SEQ(0xe3, true, 0xe0, 0x1f);              /* Left Windows */
	CHECK_SEQ(0xe7, true, 0xe0, 0x27);              /* Right Windows */
	CHECK_SEQ(0x65, true, 0xe0, 0x2f);              /* Menu */
	CHECK_SEQ(KEYMAP_HID_ESCAPE, true, 0x76);
	CHECK_SEQ(KEYMAP_HID_SPACE, true, 0x29);
	CHECK_SEQ(KEYMAP_HID_F1, true, 0x05);
	CHECK_SEQ(0x40, true, 0x83);                    /* F7 */
	CHECK_SEQ(0x44, true, 0x78);                    /* F11 */
	CHECK_SEQ(0x45, true, 0x07);                    /* F12 */
	CHECK_SEQ(0x49, true, 0xe0, 0x70);              /* Insert */
	CHECK_SEQ(0x4c, false, 0xe0, 0xf0, 0x71);       /* Delete */
	CHECK_SEQ(0x4a, true, 0xe0, 0x6c);              /* Home */
	CHECK_SEQ(0x4d, true, 0xe0, 0x69);              /* End */
	CHECK_SEQ(0x4b, true, 0xe0, 0x7d);              /* Page Up */
	CHECK_SEQ(0x4e, true, 0xe0, 0x7a);              /* Page Down */
	CHECK_SEQ(0x52, true, 0xe0, 0x75);              /* Up */
	CHECK_SEQ(0x50, true, 0xe0, 0x6b);              /* Left */
	CHECK_SEQ(0x54, true, 0xe0, 0x4a);              /* Keypad / */
	CHECK_SEQ(0x5f, true, 0x6c);                    /* Keypad 7 */
	CHECK_SEQ(0x53, true, 0x77);                    /* Num Lock */
	CHECK_SEQ(KEYMAP_HID_NONUS_BACKSLASH, true, 0x61);
	CHECK_SEQ(KEYMAP_HID_PRINT_SCREEN, true, 0xe0, 0x12, 0xe0, 0x7c);
	CHECK_SEQ(KEYMAP_HID_PRINT_SCREEN, false, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12);
	CHECK_SEQ(KEYMAP_HID_PAUSE, true, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
	check_seq(KEYMAP_HID_PAUSE, false, NULL, 0);   /* no break code */
	CHECK_SEQ(0x90, true, 0xf2);                    /* Hangul: no break */
	check_seq(0x90, false, NULL, 0);
}
END_TEST

START_TEST(test_unknown_usages)
{
	uint8_t out[KEYMAP_MAX_SEQ];
	static const unsigned unknown[] = { 0, 1, 2, 3, 0x74, 0xa5, 0xdf, 0xe8, 0xff, 0x100, 258, 0xffff,
					    0xffffffffu };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ck_assert_uint_eq(keymap_set2(unknown[i], true, out), 0);
		ck_assert_uint_eq(keymap_set2(unknown[i], false, out), 0);
		ck_assert_ptr_null(keymap_lookup(unknown[i]));
	}
}
END_TEST

static Suite *keymap_suite(void)
{
	Suite *s = suite_create("keymap");
	TCase *tc = tcase_create("keymap");
	tcase_add_test(tc, test_layout_105_complete);
	tcase_add_test(tc, test_keys_distinct);
	tcase_add_test(tc, test_alias_non_us_hash);
	tcase_add_test(tc, test_break_follows_make);
	tcase_add_test(tc, test_documented_sequences);
	tcase_add_test(tc, test_unknown_usages);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(keymap_suite)
