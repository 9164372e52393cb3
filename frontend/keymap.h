/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keymap.h — host keys to PS/2 scan code set 2: the make and break
 * sequences of every key of a US 105-key keyboard and of a few more keys,
 * keyed by USB HID usage IDs of the Keyboard/Keypad page (0x07).
 *
 * SDL2's SDL_Scancode values are these usage IDs (SDL_SCANCODE_A = 4, ...,
 * SDL_SCANCODE_RGUI = 231), so the SDL window passes event.key.keysym.scancode
 * as it is; nothing here needs SDL. With m->lock held it then does:
 *
 *     uint8_t seq[KEYMAP_MAX_SEQ];
 *     size_t n = keymap_set2(usage, down, seq);
 *     if (n)
 *             i8042_key_event(m->i8042, seq, n);
 *
 * once per SDL_KEYDOWN (repeats included: they are the typematic repeats)
 * and SDL_KEYUP. The sequences are those of a key pressed alone: the
 * variants a real keyboard sends for some keys with modifiers held (fake
 * shifts around the navigation keys, Alt+Print Screen = 84, Ctrl+Pause =
 * E0 7E) are not made; guests take these sequences as they are. */
#ifndef MORPHEUS_KEYMAP_H
#define MORPHEUS_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYMAP_MAX_SEQ 8        /* Pause: E1 14 77 E1 F0 14 F0 77 */

/* HID usage IDs (= SDL_Scancode values) of the keys named in tests and the
 * frontend; the table in keymap.c has them all. */
enum {
	KEYMAP_HID_A = 0x04,
	KEYMAP_HID_1 = 0x1e,
	KEYMAP_HID_0 = 0x27,
	KEYMAP_HID_ENTER = 0x28,
	KEYMAP_HID_ESCAPE = 0x29,
	KEYMAP_HID_SPACE = 0x2c,
	KEYMAP_HID_NONUS_HASH = 0x32,
	KEYMAP_HID_F1 = 0x3a,
	KEYMAP_HID_PRINT_SCREEN = 0x46,
	KEYMAP_HID_PAUSE = 0x48,
	KEYMAP_HID_KP_ENTER = 0x58,
	KEYMAP_HID_NONUS_BACKSLASH = 0x64,
	KEYMAP_HID_LCTRL = 0xe0,
	KEYMAP_HID_LSHIFT = 0xe1,
	KEYMAP_HID_RCTRL = 0xe4,
};

/* One key. Sequences are derived from `code` and `kind`. */
enum keymap_kind {
	KEYMAP_PLAIN,           /* make: code; break: F0 code */
	KEYMAP_EXTENDED,        /* make: E0 code; break: E0 F0 code */
	KEYMAP_NO_BREAK,        /* make: code; no break (Korean Hangul/Hanja) */
	KEYMAP_PRINT_SCREEN,    /* E0 12 E0 7C / E0 F0 7C E0 F0 12 */
	KEYMAP_PAUSE,           /* E1 14 77 E1 F0 14 F0 77, no break */
};

struct keymap_key {
	uint16_t usage;         /* HID usage ID (page 0x07) */
	uint8_t code;           /* set 2 code after any E0 prefix */
	uint8_t kind;           /* enum keymap_kind */
	bool alias;             /* another usage for a key listed already */
	const char *name;
};

/* The scan code set 2 sequence of pressing (down) or releasing a key into
 * out; returns its length, 0 for an unknown usage or a key without a break
 * code when released. */
size_t keymap_set2(unsigned usage, bool down, uint8_t out[KEYMAP_MAX_SEQ]);

/* The key of a usage ID, NULL if none. */
const struct keymap_key *keymap_lookup(unsigned usage);

/* Every key, for tests and listings: *count entries. */
const struct keymap_key *keymap_table(size_t *count);

#endif
