/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ps2mouse.c — the PS/2 mouse on the i8042's aux port (see ps2mouse.h).
 *
 * Commands (answers in brackets; ACK = FA):
 *   FF reset [ACK AA 00]: defaults, ID 00, wrap mode left, counters
 *      cleared; even in place of a command's argument
 *   FE resend [the last byte sent to the host again]
 *   F6 defaults [ACK]: 100 samples/s, 4 counts/mm, 1:1, stream mode,
 *      reporting off, counters cleared (the ID is kept)
 *   F5 disable / F4 enable data reporting [ACK]: counters cleared
 *   F3 sample rate [ACK, then for the argument: 10, 20, 40, 60, 80, 100 or
 *      200 -> ACK; anything else -> FE, unchanged]. The rates 200, 100, 80
 *      in a row switch on the wheel: ID 03, 4-byte packets
 *   F2 get ID [ACK 00, or ACK 03 with the wheel]
 *   F0 remote mode / EA stream mode [ACK]: counters cleared
 *   EE wrap mode [ACK]: from then on every byte is echoed, except FF
 *      (reset) and EC (leave wrap mode [ACK])
 *   EC outside wrap mode [ACK]
 *   EB read data [ACK and a packet, in either mode]: counters cleared
 *   E9 status [ACK, then: bit 6 remote, 5 reporting, 4 scaling 2:1,
 *      2 left, 1 middle, 0 right; the resolution; the sample rate]
 *   E8 resolution [ACK, then for the argument: 0-3 -> ACK; else FE]
 *   E7/E6 scaling 2:1 / 1:1 [ACK]
 *   anything else [FE]
 * Any byte from the host first throws away what the mouse had not sent yet
 * (the host's write interrupts a transmission), so the answer comes first.
 *
 * Packets (stream mode, reporting on, no command waiting for its argument):
 * byte 0 = buttons (bit 0 left, 1 right, 2 middle) | 08 | X sign (10) |
 * Y sign (20) | X overflow (40) | Y overflow (80); bytes 1 and 2 = the low
 * 8 bits of the 9-bit X and Y movement (Y positive = up); byte 3 with the
 * wheel = Z movement, -8..7, positive = toward the user. A packet goes out
 * for motion or a change of the buttons, at once, as long as the queue has
 * room for it; motion beyond +-255 per packet is split over several (beyond
 * +-127 with scaling 2:1, then doubled by the scaling curve: 1->1, 2->1,
 * 3->3, 4->6, 5->9, n->2n). Motion waiting to be sent adds up to at most
 * PS2MOUSE_MOTION_MAX per axis; what is lost beyond that sets the overflow
 * bit of that axis in the next packet. The sample rate and resolution are
 * only stored: the host's events are the samples and its pixels the counts.
 */
#include "hw/ps2mouse.h"

#include <string.h>

#define RATE_DEFAULT 100
#define RESOLUTION_DEFAULT 2    /* 4 counts/mm */
#define STATUS_REMOTE 0x40
#define STATUS_REPORTING 0x20
#define STATUS_SCALING 0x10
#define STATUS_LEFT 0x04
#define STATUS_MIDDLE 0x02
#define STATUS_RIGHT 0x01
#define PACKET_MAX 4

static void mouse_clear_counters(struct ps2mouse *mouse)
{
	mouse->dx = 0;
	mouse->dy = 0;
	mouse->dz = 0;
	mouse->x_overflow = false;
	mouse->y_overflow = false;
	mouse->reported = mouse->buttons;
}

static void mouse_defaults(struct ps2mouse *mouse)
{
	mouse->rate = RATE_DEFAULT;
	mouse->resolution = RESOLUTION_DEFAULT;
	mouse->scaling_2_1 = false;
	mouse->reporting = false;
	mouse->remote = false;
	mouse_clear_counters(mouse);
}

void ps2mouse_reset(struct ps2mouse *mouse)
{
	memset(mouse, 0, sizeof(*mouse));
	mouse->id = PS2MOUSE_ID_PLAIN;
	mouse_defaults(mouse);
}

static unsigned mouse_packet_size(const struct ps2mouse *mouse)
{
	return mouse->id == PS2MOUSE_ID_WHEEL ? 4 : 3;
}

static void mouse_put(struct ps2mouse *mouse, uint8_t byte)
{
	if (mouse->queue_count < PS2MOUSE_QUEUE_SIZE)
		mouse->queue[(mouse->queue_head + mouse->queue_count++) % PS2MOUSE_QUEUE_SIZE] = byte;
}

static int clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The 2:1 scaling curve, on a value within +-127. */
static int mouse_scale(int v)
{
	static const int small[6] = { 0, 1, 1, 3, 6, 9 };
	int a = v < 0 ? -v : v;
	int s = a < 6 ? small[a] : 2 * a;
	return v < 0 ? -s : s;
}

/* Takes the next packet's worth of the counters into out[]; returns its
 * size. Scaling applies to stream packets only, not to read data (EB). */
static unsigned mouse_take_packet(struct ps2mouse *mouse, bool stream, uint8_t *out)
{
	bool scale = stream && mouse->scaling_2_1;
	int limit = scale ? 127 : 255;
	int x = clamp(mouse->dx, -limit, limit);
	int y = clamp(mouse->dy, -limit, limit);
	mouse->dx -= x;
	mouse->dy -= y;
	if (scale) {
		x = mouse_scale(x);
		y = mouse_scale(y);
	}
	uint8_t b0 = (uint8_t)(mouse->buttons | PS2MOUSE_PKT_ALWAYS1);
	if (x < 0)
		b0 |= PS2MOUSE_PKT_X_SIGN;
	if (y < 0)
		b0 |= PS2MOUSE_PKT_Y_SIGN;
	if (mouse->x_overflow)
		b0 |= PS2MOUSE_PKT_X_OVERFLOW;
	if (mouse->y_overflow)
		b0 |= PS2MOUSE_PKT_Y_OVERFLOW;
	mouse->x_overflow = false;
	mouse->y_overflow = false;
	mouse->reported = mouse->buttons;
	out[0] = b0;
	out[1] = (uint8_t)(x & 0xff);
	out[2] = (uint8_t)(y & 0xff);
	if (mouse->id != PS2MOUSE_ID_WHEEL)
		return 3;
	int z = clamp(mouse->dz, -8, 7);
	mouse->dz -= z;
	out[3] = (uint8_t)(z & 0xff);
	return 4;
}

static bool mouse_has_news(const struct ps2mouse *mouse)
{
	return mouse->dx || mouse->dy || mouse->dz || mouse->x_overflow || mouse->y_overflow ||
	       mouse->buttons != mouse->reported;
}

/* Queues stream packets while there is something to report and room for a
 * whole packet. Each turn empties part of the counters, so it ends. */
static void mouse_pump(struct ps2mouse *mouse)
{
	if (!mouse->reporting || mouse->remote || mouse->wrap || mouse->pending)
		return;
	unsigned size = mouse_packet_size(mouse);
	while (mouse_has_news(mouse) && mouse->queue_count + size <= PS2MOUSE_QUEUE_SIZE) {
		uint8_t packet[PACKET_MAX];
		unsigned n = mouse_take_packet(mouse, true, packet);
		for (unsigned i = 0; i < n; i++)
			mouse_put(mouse, packet[i]);
	}
}

static bool mouse_valid_rate(uint8_t rate)
{
	static const uint8_t rates[] = { 10, 20, 40, 60, 80, 100, 200 };
	for (size_t i = 0; i < sizeof(rates); i++)
		if (rates[i] == rate)
			return true;
	return false;
}

/* The argument byte of a command that takes one. */
static void mouse_argument(struct ps2mouse *mouse, uint8_t cmd, uint8_t arg)
{
	if (cmd == PS2MOUSE_CMD_SAMPLE_RATE && mouse_valid_rate(arg)) {
		mouse->rate = arg;
		mouse->rates[0] = mouse->rates[1];
		mouse->rates[1] = mouse->rates[2];
		mouse->rates[2] = arg;
		if (mouse->rates[0] == 200 && mouse->rates[1] == 100 && mouse->rates[2] == 80)
			mouse->id = PS2MOUSE_ID_WHEEL;
		mouse_put(mouse, PS2MOUSE_ACK);
	} else if (cmd == PS2MOUSE_CMD_SET_RESOLUTION && arg <= 3) {
		mouse->resolution = arg;
		mouse_put(mouse, PS2MOUSE_ACK);
	} else {
		mouse_put(mouse, PS2MOUSE_RESEND);
	}
}

static uint8_t mouse_status_byte(const struct ps2mouse *mouse)
{
	uint8_t s = 0;
	if (mouse->remote)
		s |= STATUS_REMOTE;
	if (mouse->reporting)
		s |= STATUS_REPORTING;
	if (mouse->scaling_2_1)
		s |= STATUS_SCALING;
	if (mouse->buttons & PS2MOUSE_BUTTON_LEFT)
		s |= STATUS_LEFT;
	if (mouse->buttons & PS2MOUSE_BUTTON_MIDDLE)
		s |= STATUS_MIDDLE;
	if (mouse->buttons & PS2MOUSE_BUTTON_RIGHT)
		s |= STATUS_RIGHT;
	return s;
}

static void mouse_command(struct ps2mouse *mouse, uint8_t cmd)
{
	switch (cmd) {
	case PS2MOUSE_CMD_RESET:
		mouse->id = PS2MOUSE_ID_PLAIN;
		mouse->wrap = false;
		memset(mouse->rates, 0, sizeof(mouse->rates));
		mouse_defaults(mouse);
		mouse_put(mouse, PS2MOUSE_ACK);
		mouse_put(mouse, PS2MOUSE_BAT_OK);
		mouse_put(mouse, PS2MOUSE_ID_PLAIN);
		break;
	case PS2MOUSE_CMD_DEFAULTS:
		mouse_defaults(mouse);
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	case PS2MOUSE_CMD_DISABLE:
	case PS2MOUSE_CMD_ENABLE:
		mouse->reporting = cmd == PS2MOUSE_CMD_ENABLE;
		mouse_clear_counters(mouse);
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	case PS2MOUSE_CMD_SAMPLE_RATE:
	case PS2MOUSE_CMD_SET_RESOLUTION:
		mouse->pending = cmd;
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	case PS2MOUSE_CMD_GET_ID:
		mouse_put(mouse, PS2MOUSE_ACK);
		mouse_put(mouse, mouse->id);
		break;
	case PS2MOUSE_CMD_REMOTE_MODE:
	case PS2MOUSE_CMD_STREAM_MODE:
		mouse->remote = cmd == PS2MOUSE_CMD_REMOTE_MODE;
		mouse_clear_counters(mouse);
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	case PS2MOUSE_CMD_WRAP_MODE:
		mouse->wrap = true;
		mouse_clear_counters(mouse);
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	case PS2MOUSE_CMD_RESET_WRAP:
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	case PS2MOUSE_CMD_READ_DATA: {
		uint8_t packet[PACKET_MAX];
		mouse_put(mouse, PS2MOUSE_ACK);
		unsigned n = mouse_take_packet(mouse, false, packet);
		for (unsigned i = 0; i < n; i++)
			mouse_put(mouse, packet[i]);
		mouse_clear_counters(mouse);
		break;
	}
	case PS2MOUSE_CMD_STATUS:
		mouse_put(mouse, PS2MOUSE_ACK);
		mouse_put(mouse, mouse_status_byte(mouse));
		mouse_put(mouse, mouse->resolution);
		mouse_put(mouse, mouse->rate);
		break;
	case PS2MOUSE_CMD_SET_SCALING_1_1:
	case PS2MOUSE_CMD_SET_SCALING_2_1:
		mouse->scaling_2_1 = cmd == PS2MOUSE_CMD_SET_SCALING_2_1;
		mouse_put(mouse, PS2MOUSE_ACK);
		break;
	default:
		mouse_put(mouse, PS2MOUSE_RESEND);
		break;
	}
}

void ps2mouse_write(struct ps2mouse *mouse, uint8_t byte)
{
	uint8_t cmd = mouse->pending;
	mouse->pending = 0;
	mouse->queue_head = 0;
	mouse->queue_count = 0;
	if (byte == PS2MOUSE_CMD_RESEND && !mouse->wrap) {
		mouse_put(mouse, mouse->last_sent);
		mouse->pending = cmd;   /* still waiting for the argument */
	} else if (mouse->wrap && byte != PS2MOUSE_CMD_RESET && byte != PS2MOUSE_CMD_RESET_WRAP) {
		mouse_put(mouse, byte);
	} else if (mouse->wrap && byte == PS2MOUSE_CMD_RESET_WRAP) {
		mouse->wrap = false;
		mouse_clear_counters(mouse);
		mouse_put(mouse, PS2MOUSE_ACK);
	} else if (cmd && byte != PS2MOUSE_CMD_RESET) {   /* never an argument */
		mouse_argument(mouse, cmd, byte);
	} else {
		mouse_command(mouse, byte);
	}
	mouse_pump(mouse);
}

bool ps2mouse_has_data(const struct ps2mouse *mouse)
{
	return mouse->queue_count != 0;
}

uint8_t ps2mouse_read(struct ps2mouse *mouse)
{
	if (!mouse->queue_count)
		return 0;
	uint8_t byte = mouse->queue[mouse->queue_head];
	mouse->queue_head = (mouse->queue_head + 1) % PS2MOUSE_QUEUE_SIZE;
	mouse->queue_count--;
	mouse->last_sent = byte;
	mouse_pump(mouse);
	return byte;
}

/* Adds host motion to a counter, keeping it within +-PS2MOUSE_MOTION_MAX;
 * returns whether some was lost. */
static bool mouse_add_motion(int *counter, long long delta)
{
	long long v = *counter + delta;
	if (v > PS2MOUSE_MOTION_MAX || v < -PS2MOUSE_MOTION_MAX) {
		*counter = v > 0 ? PS2MOUSE_MOTION_MAX : -PS2MOUSE_MOTION_MAX;
		return true;
	}
	*counter = (int)v;
	return false;
}

bool ps2mouse_event(struct ps2mouse *mouse, int dx, int dy, int dz, unsigned buttons)
{
	mouse->buttons = (uint8_t)(buttons & (PS2MOUSE_BUTTON_LEFT | PS2MOUSE_BUTTON_RIGHT |
					      PS2MOUSE_BUTTON_MIDDLE));
	if (!mouse->reporting && !mouse->remote) {
		mouse->reported = mouse->buttons;
		return false;
	}
	if (mouse_add_motion(&mouse->dx, dx))
		mouse->x_overflow = true;
	if (mouse_add_motion(&mouse->dy, -(long long)dy))   /* the mouse's y is up */
		mouse->y_overflow = true;
	if (mouse->id == PS2MOUSE_ID_WHEEL)
		mouse_add_motion(&mouse->dz, -(long long)dz);  /* toward the user */
	mouse_pump(mouse);
	return true;
}
