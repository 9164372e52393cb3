/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ps2mouse.h — a PS/2 mouse (ID 00, or an IntelliMouse with a wheel, ID 03,
 * once the guest sent the sample rates 200, 100, 80), the device on the
 * i8042's aux port: its command set, its output queue, and the host's mouse
 * motion turned into 3- or 4-byte movement packets.
 *
 * It knows nothing of I/O ports, interrupts or the controller: the
 * controller (hw/i8042.c) writes the bytes the guest sends to the mouse with
 * ps2mouse_write() and takes the mouse's bytes with ps2mouse_read() whenever
 * its output buffer is free. The host's input reaches it through
 * i8042_mouse_event() (hw/i8042.h), which also raises IRQ 12. */
#ifndef MORPHEUS_PS2MOUSE_H
#define MORPHEUS_PS2MOUSE_H

#include <stdbool.h>
#include <stdint.h>

#define PS2MOUSE_QUEUE_SIZE 48  /* bytes: 12 wheel packets, 16 plain ones */
#define PS2MOUSE_MOTION_MAX 4096   /* motion kept per axis while the guest
				      does not read; beyond it is lost and
				      the overflow bit tells so */

/* Mouse commands and answers (bytes from the host, bytes to it). */
#define PS2MOUSE_CMD_SET_SCALING_1_1 0xe6
#define PS2MOUSE_CMD_SET_SCALING_2_1 0xe7
#define PS2MOUSE_CMD_SET_RESOLUTION 0xe8
#define PS2MOUSE_CMD_STATUS 0xe9
#define PS2MOUSE_CMD_STREAM_MODE 0xea
#define PS2MOUSE_CMD_READ_DATA 0xeb
#define PS2MOUSE_CMD_RESET_WRAP 0xec
#define PS2MOUSE_CMD_WRAP_MODE 0xee
#define PS2MOUSE_CMD_REMOTE_MODE 0xf0
#define PS2MOUSE_CMD_GET_ID 0xf2
#define PS2MOUSE_CMD_SAMPLE_RATE 0xf3
#define PS2MOUSE_CMD_ENABLE 0xf4
#define PS2MOUSE_CMD_DISABLE 0xf5
#define PS2MOUSE_CMD_DEFAULTS 0xf6
#define PS2MOUSE_CMD_RESEND 0xfe
#define PS2MOUSE_CMD_RESET 0xff
#define PS2MOUSE_ACK 0xfa
#define PS2MOUSE_RESEND 0xfe    /* also the answer to what it refuses */
#define PS2MOUSE_BAT_OK 0xaa    /* self-test passed, after a reset */
#define PS2MOUSE_ID_PLAIN 0x00
#define PS2MOUSE_ID_WHEEL 0x03

/* Buttons: of i8042_mouse_event() and of the first packet byte alike.
 * (SDL's masks differ: SDL_BUTTON_MMASK is 2 and SDL_BUTTON_RMASK 4.) */
#define PS2MOUSE_BUTTON_LEFT 0x01
#define PS2MOUSE_BUTTON_RIGHT 0x02
#define PS2MOUSE_BUTTON_MIDDLE 0x04

/* The first byte of a movement packet. */
#define PS2MOUSE_PKT_ALWAYS1 0x08
#define PS2MOUSE_PKT_X_SIGN 0x10
#define PS2MOUSE_PKT_Y_SIGN 0x20
#define PS2MOUSE_PKT_X_OVERFLOW 0x40
#define PS2MOUSE_PKT_Y_OVERFLOW 0x80

struct ps2mouse {
	uint8_t queue[PS2MOUSE_QUEUE_SIZE];   /* answers and packets, in order */
	unsigned queue_head, queue_count;
	uint8_t pending;        /* command waiting for its argument, 0 = none */
	uint8_t last_sent;      /* for the resend command */
	uint8_t rate;           /* samples/s (stored: packets go out at once) */
	uint8_t resolution;     /* 0-3 (stored: host pixels are counts) */
	uint8_t rates[3];       /* the last three sample rates, newest last */
	uint8_t id;             /* PS2MOUSE_ID_PLAIN or PS2MOUSE_ID_WHEEL */
	bool scaling_2_1;
	bool reporting;         /* data reporting enabled (F4) */
	bool remote;            /* remote mode: packets only on request (EB) */
	bool wrap;              /* wrap mode: every byte echoed */

	/* Host input not yet in a packet: motion in mouse counts (y up,
	 * z positive toward the user), the buttons, and what was lost. */
	int dx, dy, dz;
	uint8_t buttons;        /* PS2MOUSE_BUTTON_* now */
	uint8_t reported;       /* the buttons of the last packet queued */
	bool x_overflow, y_overflow;
};

/* Power-on state: ID 00, 100 samples/s, 4 counts/mm, scaling 1:1, stream
 * mode, reporting disabled, nothing queued. (A real mouse also sends AA 00
 * after power-on; this one does not, so that a guest started without a BIOS
 * finds no stray byte.) */
void ps2mouse_reset(struct ps2mouse *mouse);

/* A byte from the host: a command, or the argument of the last one. */
void ps2mouse_write(struct ps2mouse *mouse, uint8_t byte);

/* Whether the mouse has a byte for the host, and the byte (0 if none). */
bool ps2mouse_has_data(const struct ps2mouse *mouse);
uint8_t ps2mouse_read(struct ps2mouse *mouse);

/* Host input: relative motion (dx right, dy DOWN, as screen coordinates
 * and SDL's xrel/yrel go), wheel clicks (dz positive = away from the user,
 * "scroll up", as SDL's wheel.y), and the buttons held now
 * (PS2MOUSE_BUTTON_*). Motion adds up until it is sent; in stream mode with
 * reporting on it goes out at once in as many packets as the queue takes,
 * each at most +-255 (wheel: -8..7), the rest when the guest has read.
 * Returns false when the guest does not listen (reporting disabled), and
 * then forgets the motion. */
bool ps2mouse_event(struct ps2mouse *mouse, int dx, int dy, int dz, unsigned buttons);

#endif
