/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ps2kbd.h — a PS/2 keyboard (an MF2 keyboard, ID AB 83), the device on the
 * i8042's first port: its command set, its buffers, and the host's key
 * presses as scan code set 2 sequences.
 *
 * It knows nothing of I/O ports, interrupts or the controller's translation:
 * the controller (hw/i8042.c) writes the bytes the guest sends to the
 * keyboard with ps2kbd_write() and takes the keyboard's bytes with
 * ps2kbd_read() whenever its output buffer is free. It does not map host
 * keys to scan codes (frontend/keymap.c does) and does not repeat keys by
 * itself: a held key repeats because the host sends its make code again. */
#ifndef MORPHEUS_PS2KBD_H
#define MORPHEUS_PS2KBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS2KBD_BUFFER_SIZE 16   /* scan code bytes, as in a real keyboard */
#define PS2KBD_REPLY_MAX 4      /* the longest answer to a command */

/* Keyboard commands and answers (bytes from the host, bytes to it). */
#define PS2KBD_CMD_SET_LEDS 0xed
#define PS2KBD_CMD_ECHO 0xee
#define PS2KBD_CMD_SCAN_SET 0xf0
#define PS2KBD_CMD_IDENTIFY 0xf2
#define PS2KBD_CMD_TYPEMATIC 0xf3
#define PS2KBD_CMD_ENABLE 0xf4
#define PS2KBD_CMD_DISABLE 0xf5
#define PS2KBD_CMD_DEFAULTS 0xf6
#define PS2KBD_CMD_RESEND 0xfe
#define PS2KBD_CMD_RESET 0xff
#define PS2KBD_ACK 0xfa
#define PS2KBD_RESEND 0xfe      /* "resend": also the answer to what it refuses */
#define PS2KBD_BAT_OK 0xaa      /* self-test passed, after a reset */
#define PS2KBD_ID1 0xab
#define PS2KBD_ID2 0x83
#define PS2KBD_BREAK 0xf0       /* set 2: the prefix of a break code */

/* LED bits of the argument of 0xED. */
#define PS2KBD_LED_SCROLL 0x01
#define PS2KBD_LED_NUM 0x02
#define PS2KBD_LED_CAPS 0x04

struct ps2kbd {
	/* Answers to the last command: sent before any scan code. */
	uint8_t reply[PS2KBD_REPLY_MAX];
	unsigned reply_head, reply_count;
	/* Scan codes of key presses, in the current set. */
	uint8_t buf[PS2KBD_BUFFER_SIZE];
	unsigned buf_head, buf_count;
	uint8_t pending;        /* command waiting for its argument, 0 = none */
	uint8_t set;            /* scan code set: 1 or 2 */
	uint8_t leds;           /* PS2KBD_LED_* */
	uint8_t typematic;      /* rate and delay (stored; the host repeats) */
	uint8_t last_sent;      /* for the resend command */
	bool scanning;          /* key presses are reported */
};

/* Power-on state: set 2, scanning, LEDs off, buffers empty. (A real
 * keyboard also sends AA after power-on; this one does not, so that a guest
 * started without a BIOS finds no stray byte.) */
void ps2kbd_reset(struct ps2kbd *kbd);

/* A byte from the host: a command, or the argument of the last one. */
void ps2kbd_write(struct ps2kbd *kbd, uint8_t byte);

/* Whether the keyboard has a byte for the host, and the byte (0 if none). */
bool ps2kbd_has_data(const struct ps2kbd *kbd);
uint8_t ps2kbd_read(struct ps2kbd *kbd);

/* A key press or release from the host: the key's whole scan code set 2
 * sequence (make, or break with its F0 prefix; at most
 * PS2KBD_BUFFER_SIZE - 1 bytes). Stored in the current set. Returns false
 * when it was dropped: scanning is disabled, or the buffer is full (then
 * the buffer ends with the overrun code, 0x00 in set 2 and 0xFF in set 1,
 * as a real keyboard's does). */
bool ps2kbd_key(struct ps2kbd *kbd, const uint8_t *set2, size_t n);

/* The scan code set 2 to set 1 correspondence of the i8042's translation
 * table: one byte, with no handling of the F0 prefix (the caller ORs 0x80
 * into the byte after it). Bytes 0x80 and above map to themselves except
 * 0x83 (F7) -> 0x41 and 0x84 (Alt+SysRq) -> 0x54. */
uint8_t ps2_set2_to_set1(uint8_t code);

#endif
