/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keymap.c — the table of host keys (USB HID usage IDs, page 0x07) and
 * their PS/2 scan code set 2 codes; see keymap.h.
 *
 * Sources: the set 2 columns of Microsoft's "Keyboard Scan Code
 * Specification" (rev. 1.3a, 2000) and of A. Brouwer's "Keyboard scancodes"
 * (section 9.6, with USB usage IDs), and the USB HID Usage Tables (page 7).
 * What it does not have: keys outside page 7 (media and browser keys, which
 * SDL reports with its own numbers from 258 on) and modifier-dependent
 * sequences (see keymap.h). */
#include "frontend/keymap.h"

#define PLAIN(usage, code, name) { usage, code, KEYMAP_PLAIN, false, name }
#define EXT(usage, code, name) { usage, code, KEYMAP_EXTENDED, false, name }

static const struct keymap_key keys[] = {
	/* The 105 keys. */
	PLAIN(0x04, 0x1c, "A"), PLAIN(0x05, 0x32, "B"), PLAIN(0x06, 0x21, "C"),
	PLAIN(0x07, 0x23, "D"), PLAIN(0x08, 0x24, "E"), PLAIN(0x09, 0x2b, "F"),
	PLAIN(0x0a, 0x34, "G"), PLAIN(0x0b, 0x33, "H"), PLAIN(0x0c, 0x43, "I"),
	PLAIN(0x0d, 0x3b, "J"), PLAIN(0x0e, 0x42, "K"), PLAIN(0x0f, 0x4b, "L"),
	PLAIN(0x10, 0x3a, "M"), PLAIN(0x11, 0x31, "N"), PLAIN(0x12, 0x44, "O"),
	PLAIN(0x13, 0x4d, "P"), PLAIN(0x14, 0x15, "Q"), PLAIN(0x15, 0x2d, "R"),
	PLAIN(0x16, 0x1b, "S"), PLAIN(0x17, 0x2c, "T"), PLAIN(0x18, 0x3c, "U"),
	PLAIN(0x19, 0x2a, "V"), PLAIN(0x1a, 0x1d, "W"), PLAIN(0x1b, 0x22, "X"),
	PLAIN(0x1c, 0x35, "Y"), PLAIN(0x1d, 0x1a, "Z"),
	PLAIN(0x1e, 0x16, "1"), PLAIN(0x1f, 0x1e, "2"), PLAIN(0x20, 0x26, "3"),
	PLAIN(0x21, 0x25, "4"), PLAIN(0x22, 0x2e, "5"), PLAIN(0x23, 0x36, "6"),
	PLAIN(0x24, 0x3d, "7"), PLAIN(0x25, 0x3e, "8"), PLAIN(0x26, 0x46, "9"),
	PLAIN(0x27, 0x45, "0"),
	PLAIN(0x28, 0x5a, "Enter"), PLAIN(0x29, 0x76, "Escape"),
	PLAIN(0x2a, 0x66, "Backspace"), PLAIN(0x2b, 0x0d, "Tab"),
	PLAIN(0x2c, 0x29, "Space"), PLAIN(0x2d, 0x4e, "Minus"), PLAIN(0x2e, 0x55, "Equals"),
	PLAIN(0x2f, 0x54, "Left Bracket"), PLAIN(0x30, 0x5b, "Right Bracket"),
	PLAIN(0x31, 0x5d, "Backslash"),
	PLAIN(0x33, 0x4c, "Semicolon"), PLAIN(0x34, 0x52, "Apostrophe"),
	PLAIN(0x35, 0x0e, "Grave"), PLAIN(0x36, 0x41, "Comma"), PLAIN(0x37, 0x49, "Period"),
	PLAIN(0x38, 0x4a, "Slash"), PLAIN(0x39, 0x58, "Caps Lock"),
	PLAIN(0x3a, 0x05, "F1"), PLAIN(0x3b, 0x06, "F2"), PLAIN(0x3c, 0x04, "F3"),
	PLAIN(0x3d, 0x0c, "F4"), PLAIN(0x3e, 0x03, "F5"), PLAIN(0x3f, 0x0b, "F6"),
	PLAIN(0x40, 0x83, "F7"), PLAIN(0x41, 0x0a, "F8"), PLAIN(0x42, 0x01, "F9"),
	PLAIN(0x43, 0x09, "F10"), PLAIN(0x44, 0x78, "F11"), PLAIN(0x45, 0x07, "F12"),
	{ 0x46, 0x7c, KEYMAP_PRINT_SCREEN, false, "Print Screen" },
	PLAIN(0x47, 0x7e, "Scroll Lock"),
	{ 0x48, 0x77, KEYMAP_PAUSE, false, "Pause" },
	EXT(0x49, 0x70, "Insert"), EXT(0x4a, 0x6c, "Home"), EXT(0x4b, 0x7d, "Page Up"),
	EXT(0x4c, 0x71, "Delete"), EXT(0x4d, 0x69, "End"), EXT(0x4e, 0x7a, "Page Down"),
	EXT(0x4f, 0x74, "Right"), EXT(0x50, 0x6b, "Left"), EXT(0x51, 0x72, "Down"),
	EXT(0x52, 0x75, "Up"),
	PLAIN(0x53, 0x77, "Num Lock"), EXT(0x54, 0x4a, "Keypad /"),
	PLAIN(0x55, 0x7c, "Keypad *"), PLAIN(0x56, 0x7b, "Keypad -"),
	PLAIN(0x57, 0x79, "Keypad +"), EXT(0x58, 0x5a, "Keypad Enter"),
	PLAIN(0x59, 0x69, "Keypad 1"), PLAIN(0x5a, 0x72, "Keypad 2"),
	PLAIN(0x5b, 0x7a, "Keypad 3"), PLAIN(0x5c, 0x6b, "Keypad 4"),
	PLAIN(0x5d, 0x73, "Keypad 5"), PLAIN(0x5e, 0x74, "Keypad 6"),
	PLAIN(0x5f, 0x6c, "Keypad 7"), PLAIN(0x60, 0x75, "Keypad 8"),
	PLAIN(0x61, 0x7d, "Keypad 9"), PLAIN(0x62, 0x70, "Keypad 0"),
	PLAIN(0x63, 0x71, "Keypad ."),
	PLAIN(0x64, 0x61, "Non-US Backslash"),         /* the 105th key */
	EXT(0x65, 0x2f, "Menu"),
	PLAIN(0xe0, 0x14, "Left Ctrl"), PLAIN(0xe1, 0x12, "Left Shift"),
	PLAIN(0xe2, 0x11, "Left Alt"), EXT(0xe3, 0x1f, "Left Windows"),
	EXT(0xe4, 0x14, "Right Ctrl"), PLAIN(0xe5, 0x59, "Right Shift"),
	EXT(0xe6, 0x11, "Right Alt"), EXT(0xe7, 0x27, "Right Windows"),

	/* ISO keyboards report the key left of Enter as "Non-US #": it is the
	 * backslash key's position and code. */
	{ 0x32, 0x5d, KEYMAP_PLAIN, true, "Non-US Hash" },

	/* More keys of the Microsoft specification. */
	EXT(0x66, 0x37, "Power"), PLAIN(0x67, 0x0f, "Keypad ="),
	PLAIN(0x68, 0x08, "F13"), PLAIN(0x69, 0x10, "F14"), PLAIN(0x6a, 0x18, "F15"),
	PLAIN(0x6b, 0x20, "F16"), PLAIN(0x6c, 0x28, "F17"), PLAIN(0x6d, 0x30, "F18"),
	PLAIN(0x6e, 0x38, "F19"), PLAIN(0x6f, 0x40, "F20"), PLAIN(0x70, 0x48, "F21"),
	PLAIN(0x71, 0x50, "F22"), PLAIN(0x72, 0x57, "F23"), PLAIN(0x73, 0x5f, "F24"),
	EXT(0x7f, 0x23, "Mute"), EXT(0x80, 0x32, "Volume Up"), EXT(0x81, 0x21, "Volume Down"),
	PLAIN(0x85, 0x6d, "Keypad Comma"),
	PLAIN(0x87, 0x51, "International 1 (Ro)"),
	PLAIN(0x88, 0x13, "International 2 (Katakana/Hiragana)"),
	PLAIN(0x89, 0x6a, "International 3 (Yen)"),
	PLAIN(0x8a, 0x64, "International 4 (Henkan)"),
	PLAIN(0x8b, 0x67, "International 5 (Muhenkan)"),
	{ 0x90, 0xf2, KEYMAP_NO_BREAK, false, "Lang 1 (Hangul)" },
	{ 0x91, 0xf1, KEYMAP_NO_BREAK, false, "Lang 2 (Hanja)" },
};

const struct keymap_key *keymap_table(size_t *count)
{
	*count = sizeof(keys) / sizeof(keys[0]);
	return keys;
}

const struct keymap_key *keymap_lookup(unsigned usage)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].usage == usage)
			return &keys[i];
	return NULL;
}

size_t keymap_set2(unsigned usage, bool down, uint8_t out[KEYMAP_MAX_SEQ])
{
	static const uint8_t prtsc_make[] = { 0xe0, 0x12, 0xe0, 0x7c };
	static const uint8_t prtsc_break[] = { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 };
	static const uint8_t pause_make[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
	const struct keymap_key *key = keymap_lookup(usage);
	const uint8_t *seq = NULL;
	size_t n = 0;
	if (!key)
		return 0;
	switch (key->kind) {
	case KEYMAP_PLAIN:
		if (!down)
			out[n++] = 0xf0;
		out[n++] = key->code;
		return n;
	case KEYMAP_EXTENDED:
		out[n++] = 0xe0;
		if (!down)
			out[n++] = 0xf0;
		out[n++] = key->code;
		return n;
	case KEYMAP_NO_BREAK:
		if (!down)
			return 0;
		out[n++] = key->code;
		return n;
	case KEYMAP_PRINT_SCREEN:
		seq = down ? prtsc_make : prtsc_break;
		n = down ? sizeof(prtsc_make) : sizeof(prtsc_break);
		break;
	case KEYMAP_PAUSE:
		if (!down)
			return 0;
		seq = pause_make;
		n = sizeof(pause_make);
		break;
	default:
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = seq[i];
	return n;
}
