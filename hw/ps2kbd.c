/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ps2kbd.c — the PS/2 keyboard on the i8042's first port (see ps2kbd.h).
 *
 * Commands (answers in brackets; ACK = FA):
 *   FF reset [ACK AA]: defaults, scanning on, buffers emptied
 *   FE resend [the last byte sent to the host again]
 *   F6 defaults [ACK]: set 2, default typematic, LEDs kept, buffer emptied
 *   F5 disable [ACK]: defaults, buffer emptied, scanning off
 *   F4 enable [ACK]: buffer emptied, scanning on
 *   F3 typematic [ACK, then ACK for the argument]: stored only
 *   F2 identify [ACK AB 83]
 *   F0 scan code set [ACK, then for the argument: 0 -> ACK and the set
 *      number; 1 or 2 -> ACK, and the set is used from then on; anything
 *      else, set 3 included -> FE, the set unchanged]
 *   EE echo [EE]
 *   ED LEDs [ACK, then ACK for the argument]
 *   F7-FA (set 3 key types) [ACK]: no effect in sets 1 and 2
 *   anything else [FE]
 * A new command throws away the answer to the previous one that the host
 * has not read yet.
 *
 * Set 3 is refused (answered FE, like many keyboards and emulators): hardly
 * any software uses it (Linux only with atkbd.set=3, and falls back to set 2
 * when refused), and its codes do not follow from set 2's. Set 1 is made
 * from set 2 with the translation table (set 1 is, for every key, the
 * translation of set 2). */
#include "hw/ps2kbd.h"

#include <string.h>

#define TYPEMATIC_DEFAULT 0x2b  /* 10.9 characters/s after 500 ms */
#define OVERRUN_SET1 0xff
#define OVERRUN_SET2 0x00

/* The i8042's translation table for 0x00-0x7F (a permutation of 0x01-0x7F
 * after 0x00 -> 0xFF), from the documented table: row = high nibble. */
static const uint8_t set2_to_set1[0x80] = {
	0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
	0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
	0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
	0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
	0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
	0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
	0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
	0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

uint8_t ps2_set2_to_set1(uint8_t code)
{
	if (code < 0x80)
		return set2_to_set1[code];
	if (code == 0x83)
		return 0x41;
	if (code == 0x84)
		return 0x54;
	return code;
}

static void kbd_clear_buffer(struct ps2kbd *kbd)
{
	kbd->buf_head = 0;
	kbd->buf_count = 0;
}

static void kbd_defaults(struct ps2kbd *kbd)
{
	kbd->set = 2;
	kbd->typematic = TYPEMATIC_DEFAULT;
}

void ps2kbd_reset(struct ps2kbd *kbd)
{
	memset(kbd, 0, sizeof(*kbd));
	kbd_defaults(kbd);
	kbd->scanning = true;
}

static void kbd_reply(struct ps2kbd *kbd, uint8_t byte)
{
	if (kbd->reply_count < PS2KBD_REPLY_MAX)
		kbd->reply[(kbd->reply_head + kbd->reply_count++) % PS2KBD_REPLY_MAX] = byte;
}

/* The argument byte of a command that takes one. */
static void kbd_argument(struct ps2kbd *kbd, uint8_t cmd, uint8_t arg)
{
	switch (cmd) {
	case PS2KBD_CMD_SET_LEDS:
		kbd->leds = arg & (PS2KBD_LED_SCROLL | PS2KBD_LED_NUM | PS2KBD_LED_CAPS);
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	case PS2KBD_CMD_TYPEMATIC:
		kbd->typematic = arg & 0x7f;
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	case PS2KBD_CMD_SCAN_SET:
		if (arg == 0) {
			kbd_reply(kbd, PS2KBD_ACK);
			kbd_reply(kbd, kbd->set);
		} else if (arg == 1 || arg == 2) {
			kbd->set = arg;
			kbd_clear_buffer(kbd);
			kbd_reply(kbd, PS2KBD_ACK);
		} else {
			kbd_reply(kbd, PS2KBD_RESEND);
		}
		break;
	}
}

void ps2kbd_write(struct ps2kbd *kbd, uint8_t byte)
{
	uint8_t cmd = kbd->pending;
	kbd->pending = 0;
	if (byte == PS2KBD_CMD_RESEND) {
		/* Answered at once, ahead of anything else. */
		kbd->reply_head = 0;
		kbd->reply_count = 0;
		kbd_reply(kbd, kbd->last_sent);
		kbd->pending = cmd;     /* still waiting for the argument */
		return;
	}
	kbd->reply_head = 0;
	kbd->reply_count = 0;
	if (cmd) {
		kbd_argument(kbd, cmd, byte);
		return;
	}
	switch (byte) {
	case PS2KBD_CMD_RESET:
		kbd_defaults(kbd);
		kbd_clear_buffer(kbd);
		kbd->scanning = true;
		kbd->leds = 0;
		kbd_reply(kbd, PS2KBD_ACK);
		kbd_reply(kbd, PS2KBD_BAT_OK);
		break;
	case PS2KBD_CMD_DEFAULTS:
		kbd_defaults(kbd);
		kbd_clear_buffer(kbd);
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	case PS2KBD_CMD_DISABLE:
		kbd_defaults(kbd);
		kbd_clear_buffer(kbd);
		kbd->scanning = false;
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	case PS2KBD_CMD_ENABLE:
		kbd_clear_buffer(kbd);
		kbd->scanning = true;
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	case PS2KBD_CMD_IDENTIFY:
		kbd_reply(kbd, PS2KBD_ACK);
		kbd_reply(kbd, PS2KBD_ID1);
		kbd_reply(kbd, PS2KBD_ID2);
		break;
	case PS2KBD_CMD_ECHO:
		kbd_reply(kbd, PS2KBD_CMD_ECHO);
		break;
	case PS2KBD_CMD_SET_LEDS:
	case PS2KBD_CMD_TYPEMATIC:
	case PS2KBD_CMD_SCAN_SET:
		kbd->pending = byte;
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	case 0xf7: case 0xf8: case 0xf9: case 0xfa:
		kbd_reply(kbd, PS2KBD_ACK);
		break;
	default:
		kbd_reply(kbd, PS2KBD_RESEND);
		break;
	}
}

bool ps2kbd_has_data(const struct ps2kbd *kbd)
{
	return kbd->reply_count || kbd->buf_count;
}

uint8_t ps2kbd_read(struct ps2kbd *kbd)
{
	uint8_t byte;
	if (kbd->reply_count) {
		byte = kbd->reply[kbd->reply_head];
		kbd->reply_head = (kbd->reply_head + 1) % PS2KBD_REPLY_MAX;
		kbd->reply_count--;
	} else if (kbd->buf_count) {
		byte = kbd->buf[kbd->buf_head];
		kbd->buf_head = (kbd->buf_head + 1) % PS2KBD_BUFFER_SIZE;
		kbd->buf_count--;
	} else {
		return 0;
	}
	kbd->last_sent = byte;
	return byte;
}

static void kbd_buffer_put(struct ps2kbd *kbd, uint8_t byte)
{
	kbd->buf[(kbd->buf_head + kbd->buf_count++) % PS2KBD_BUFFER_SIZE] = byte;
}

bool ps2kbd_key(struct ps2kbd *kbd, const uint8_t *set2, size_t n)
{
	if (!kbd->scanning || n == 0)
		return false;
	uint8_t codes[PS2KBD_BUFFER_SIZE];
	size_t len = 0;
	bool brk = false;
	for (size_t i = 0; i < n; i++) {
		if (len >= sizeof(codes))
			return false;           /* longer than any key's sequence */
		if (kbd->set == 2)
			codes[len++] = set2[i];
		else if (set2[i] == PS2KBD_BREAK)
			brk = true;
		else {
			codes[len++] = (uint8_t)(ps2_set2_to_set1(set2[i]) | (brk ? 0x80 : 0));
			brk = false;
		}
	}
	/* A key that does not fit is dropped and the overrun code stored in
	 * its place, once: the buffer's last slot is kept for it. */
	if (kbd->buf_count + len > PS2KBD_BUFFER_SIZE - 1) {
		uint8_t overrun = kbd->set == 1 ? OVERRUN_SET1 : OVERRUN_SET2;
		unsigned last = (kbd->buf_head + kbd->buf_count - 1) % PS2KBD_BUFFER_SIZE;
		if (kbd->buf_count < PS2KBD_BUFFER_SIZE &&
		    !(kbd->buf_count && kbd->buf[last] == overrun))
			kbd_buffer_put(kbd, overrun);
		return false;
	}
	for (size_t i = 0; i < len; i++)
		kbd_buffer_put(kbd, codes[i]);
	return true;
}
