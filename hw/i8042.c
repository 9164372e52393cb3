/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i8042.c — the PS/2 controller at 0x60 (data) and 0x64 (status/command),
 * with a PS/2 keyboard (hw/ps2kbd.c) on its first port and a PS/2 mouse
 * (hw/ps2mouse.c) on its second, the aux port.
 *
 * The output buffer: one byte, read at 0x60, with status bit 0 (OBF) set
 * while it is full and bit 5 telling whether it came from the aux port.
 * When it is empty the controller refills it from, in this order: its own
 * answers to commands, then the keyboard (unless its port is disabled by
 * configuration bit 4: the keyboard keeps its bytes meanwhile), then the
 * mouse (unless the aux port is disabled by configuration bit 5, its clock
 * held low: the mouse keeps its bytes meanwhile).
 * With configuration bit 6 set, bytes from the keyboard are translated from
 * scan code set 2 to set 1 on the way (ps2_set2_to_set1; an F0 prefix is
 * swallowed and sets bit 7 of the next byte) — set at reset, as a PC BIOS
 * leaves it. Reading 0x60 with the buffer empty returns the last byte again.
 *
 * IRQ 1 is a level: high while the output buffer holds a byte from the
 * keyboard (or written with 0xD2) and configuration bit 0 is set, low
 * otherwise. IRQ 12 likewise for a byte from the mouse (or written with
 * 0xD3, status bit 5 set) and configuration bit 1. Reading 0x60 lowers the
 * line before the next byte is loaded, so each byte is a new rising edge
 * for an edge-triggered PIC (the kvm in-kernel irqchip included). The
 * controller's own answers (configuration byte, self-tests, ports) raise no
 * interrupt.
 *
 * Controller commands (port 0x64):
 *   20-3F read RAM byte (20: the configuration byte); 60-7F write it
 *   A7/A8 disable/enable the aux port (config bit 5); A9 aux test -> 00
 *   AA self-test -> 55, sets the system flag; AB keyboard test -> 00
 *   AC diagnostic dump -> RAM bytes 0-15, input port, output port, 00
 *   AD/AE disable/enable the keyboard port (config bit 4; any byte sent to
 *     the keyboard enables it again, as documented for 8042 firmware)
 *   C0 input port -> A0 (keyboard not locked, no manufacturing jumper,
 *     colour display)
 *   D0 output port -> the byte last written; D1 write it: bit 0 low resets
 *     the machine (MACHINE_RESET), bit 1 is A20 (stored, not emulated:
 *     addresses always see A20 enabled)
 *   D2 next data byte as if from the keyboard (untranslated, IRQ 1)
 *   D3 next data byte as if from the mouse (status bit 5, IRQ 12)
 *   D4 next data byte to the mouse, enabling the aux port (config bit 5),
 *     as a byte for the keyboard enables the keyboard port
 *   DD/DF A20 off/on (output port bit 1)
 *   F0-FF pulse output port bits 0-3 low: a clear bit 0 (FE) resets
 *   anything else: ignored
 * A data byte at 0x60 with no command waiting for one goes to the keyboard.
 * Wider accesses act on the low byte. Every command is done at once, so the
 * input buffer (status bit 1) is never full. */
#include "hw/i8042.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"
#include "hw/ps2kbd.h"
#include "hw/ps2mouse.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12

#define STATUS_OBF 0x01         /* output buffer full */
#define STATUS_SYS 0x04         /* system flag (config bit 2) */
#define STATUS_CMD 0x08         /* last write went to the command port */
#define STATUS_UNLOCKED 0x10    /* keyboard not inhibited by the key lock */
#define STATUS_AUX_OBF 0x20     /* the output byte comes from the aux port */

#define CONFIG_KBD_INT 0x01
#define CONFIG_AUX_INT 0x02
#define CONFIG_SYS 0x04
#define CONFIG_KBD_DISABLE 0x10
#define CONFIG_AUX_DISABLE 0x20
#define CONFIG_TRANSLATE 0x40

#define OUTPORT_RESET 0x01      /* 0 = hold the CPU in reset */
#define OUTPORT_A20 0x02
#define INPORT_VALUE 0xa0       /* not locked, no jumper, colour display */

#define I8042_RAM_SIZE 32       /* byte 0 is the configuration byte */
#define I8042_REPLY_MAX 20      /* the diagnostic dump is the longest answer */

enum i8042_source { FROM_CONTROLLER, FROM_KBD, FROM_AUX };

struct i8042 {
	struct device dev;
	struct machine *m;
	struct ps2kbd kbd;
	struct ps2mouse mouse;
	uint8_t ram[I8042_RAM_SIZE];
	bool last_write_cmd;    /* status bit 3 */
	uint8_t outport;
	uint8_t pending_cmd;    /* controller command waiting for its data byte */

	/* The output buffer. */
	bool obf;
	uint8_t out;
	uint8_t out_source;     /* enum i8042_source */
	uint8_t last_out;       /* what 0x60 reads when it is empty */
	bool xlate_break;       /* translation: an F0 came, the next byte is a break */

	/* The controller's own answers, waiting for the output buffer. */
	struct {
		uint8_t byte;
		uint8_t source;
	} reply[I8042_REPLY_MAX];
	unsigned reply_head, reply_count;

	bool irq_kbd, irq_aux;  /* current IRQ levels */
};

static void i8042_update_irq(struct i8042 *k)
{
	bool kbd = k->obf && k->out_source == FROM_KBD && (k->ram[0] & CONFIG_KBD_INT);
	bool aux = k->obf && k->out_source == FROM_AUX && (k->ram[0] & CONFIG_AUX_INT);
	if (kbd != k->irq_kbd) {
		k->irq_kbd = kbd;
		machine_set_irq(k->m, I8042_KBD_IRQ, kbd);
	}
	if (aux != k->irq_aux) {
		k->irq_aux = aux;
		machine_set_irq(k->m, I8042_AUX_IRQ, aux);
	}
}

/* Queues one of the controller's answers; dropped when full (a guest
 * repeating commands without reading). */
static void i8042_reply(struct i8042 *k, uint8_t byte, enum i8042_source src)
{
	if (k->reply_count >= I8042_REPLY_MAX)
		return;
	unsigned i = (k->reply_head + k->reply_count++) % I8042_REPLY_MAX;
	k->reply[i].byte = byte;
	k->reply[i].source = (uint8_t)src;
}

static void i8042_load(struct i8042 *k, uint8_t byte, enum i8042_source src)
{
	k->obf = true;
	k->out = byte;
	k->out_source = (uint8_t)src;
}

/* Fills an empty output buffer from whoever has a byte for it. Each turn
 * of the loop consumes a byte, so it ends. */
static void i8042_fill(struct i8042 *k)
{
	while (!k->obf) {
		if (k->reply_count) {
			i8042_load(k, k->reply[k->reply_head].byte, k->reply[k->reply_head].source);
			k->reply_head = (k->reply_head + 1) % I8042_REPLY_MAX;
			k->reply_count--;
			return;
		}
		if (!ps2kbd_has_data(&k->kbd) || (k->ram[0] & CONFIG_KBD_DISABLE)) {
			if (ps2mouse_has_data(&k->mouse) && !(k->ram[0] & CONFIG_AUX_DISABLE))
				i8042_load(k, ps2mouse_read(&k->mouse), FROM_AUX);
			return;
		}
		uint8_t byte = ps2kbd_read(&k->kbd);
		if (k->ram[0] & CONFIG_TRANSLATE) {
			if (byte == PS2KBD_BREAK) {
				k->xlate_break = true;
				continue;
			}
			byte = ps2_set2_to_set1(byte);
			if (k->xlate_break)
				byte |= 0x80;
			k->xlate_break = false;
		}
		i8042_load(k, byte, FROM_KBD);
	}
}

static uint8_t i8042_status(const struct i8042 *k)
{
	uint8_t s = STATUS_UNLOCKED;
	if (k->last_write_cmd)
		s |= STATUS_CMD;
	if (k->ram[0] & CONFIG_SYS)
		s |= STATUS_SYS;
	if (k->obf) {
		s |= STATUS_OBF;
		if (k->out_source == FROM_AUX)
			s |= STATUS_AUX_OBF;
	}
	return s;
}

static void i8042_write_outport(struct i8042 *k, uint8_t value)
{
	k->outport = value;
	if (!(value & OUTPORT_RESET))
		machine_stop(k->m, MACHINE_RESET);
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	if (cmd >= 0x20 && cmd <= 0x3f) {
		i8042_reply(k, k->ram[cmd & 0x1f], FROM_CONTROLLER);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		k->pending_cmd = cmd;   /* the data byte follows at 0x60 */
		return;
	}
	if (cmd >= 0xf0) {
		if (!(cmd & 0x01))
			machine_stop(k->m, MACHINE_RESET);
		return;
	}
	switch (cmd) {
	case 0xa7:
		k->ram[0] |= CONFIG_AUX_DISABLE;
		break;
	case 0xa8:
		k->ram[0] &= ~CONFIG_AUX_DISABLE;
		break;
	case 0xa9:                      /* aux interface test: OK */
	case 0xab:                      /* keyboard interface test: OK */
		i8042_reply(k, 0x00, FROM_CONTROLLER);
		break;
	case 0xaa:                      /* controller self-test: OK */
		k->ram[0] |= CONFIG_SYS;
		i8042_reply(k, 0x55, FROM_CONTROLLER);
		break;
	case 0xac:                      /* diagnostic dump */
		for (unsigned i = 0; i < 16; i++)
			i8042_reply(k, k->ram[i], FROM_CONTROLLER);
		i8042_reply(k, INPORT_VALUE, FROM_CONTROLLER);
		i8042_reply(k, k->outport, FROM_CONTROLLER);
		i8042_reply(k, 0x00, FROM_CONTROLLER);   /* program status word */
		break;
	case 0xad:
		k->ram[0] |= CONFIG_KBD_DISABLE;
		break;
	case 0xae:
		k->ram[0] &= ~CONFIG_KBD_DISABLE;
		break;
	case 0xc0:
		i8042_reply(k, INPORT_VALUE, FROM_CONTROLLER);
		break;
	case 0xd0:
		i8042_reply(k, k->outport, FROM_CONTROLLER);
		break;
	case 0xdd:
		k->outport &= ~OUTPORT_A20;
		break;
	case 0xdf:
		k->outport |= OUTPORT_A20;
		break;
	default:                        /* unknown: ignored */
		break;
	}
}

static void i8042_data(struct i8042 *k, uint8_t byte)
{
	uint8_t cmd = k->pending_cmd;
	k->pending_cmd = 0;
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->ram[cmd & 0x1f] = byte;
		if (!(k->ram[0] & CONFIG_TRANSLATE))
			k->xlate_break = false;
		return;
	}
	switch (cmd) {
	case 0xd1:
		i8042_write_outport(k, byte);
		break;
	case 0xd2:                      /* as if the keyboard had sent it */
		i8042_reply(k, byte, FROM_KBD);
		break;
	case 0xd3:                      /* as if the mouse had sent it */
		i8042_reply(k, byte, FROM_AUX);
		break;
	case 0xd4:                      /* to the mouse, enabling its port */
		k->ram[0] &= ~CONFIG_AUX_DISABLE;
		ps2mouse_write(&k->mouse, byte);
		break;
	default:                        /* to the keyboard, enabling its port */
		k->ram[0] &= ~CONFIG_KBD_DISABLE;
		ps2kbd_write(&k->kbd, byte);
		break;
	}
}

static uint32_t i8042_io_read(void *opaque, uint16_t port, int size)
{
	struct i8042 *k = opaque;
	(void)size;
	if (port == I8042_CMD_PORT)
		return i8042_status(k);
	if (k->obf) {
		k->last_out = k->out;
		k->obf = false;
		i8042_update_irq(k);    /* low before the next byte: a new edge */
		i8042_fill(k);
		i8042_update_irq(k);
	}
	return k->last_out;
}

static void i8042_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct i8042 *k = opaque;
	(void)size;
	if (port == I8042_CMD_PORT) {
		k->last_write_cmd = true;
		i8042_command(k, value & 0xff);
	} else {
		k->last_write_cmd = false;
		i8042_data(k, value & 0xff);
	}
	i8042_fill(k);
	i8042_update_irq(k);
}

bool i8042_key_event(struct i8042 *k, const uint8_t *set2, size_t n)
{
	bool taken = ps2kbd_key(&k->kbd, set2, n);
	i8042_fill(k);
	i8042_update_irq(k);
	return taken;
}

bool i8042_mouse_event(struct i8042 *k, int dx, int dy, int dz, unsigned buttons)
{
	bool taken = ps2mouse_event(&k->mouse, dx, dy, dz, buttons);
	i8042_fill(k);
	i8042_update_irq(k);
	return taken;
}

uint8_t i8042_keyboard_leds(const struct i8042 *k)
{
	return k->kbd.leds;
}

static void i8042_reset(struct device *dev)
{
	struct i8042 *k = (struct i8042 *)dev;
	for (unsigned i = 0; i < I8042_RAM_SIZE; i++)
		k->ram[i] = 0;
	k->ram[0] = CONFIG_KBD_INT | CONFIG_TRANSLATE;
	k->last_write_cmd = false;
	k->outport = OUTPORT_RESET | OUTPORT_A20;
	k->pending_cmd = 0;
	k->obf = false;
	k->out = 0;
	k->out_source = FROM_CONTROLLER;
	k->last_out = 0;
	k->xlate_break = false;
	k->reply_head = 0;
	k->reply_count = 0;
	ps2kbd_reset(&k->kbd);
	ps2mouse_reset(&k->mouse);
	i8042_update_irq(k);
}

static void i8042_destroy(struct device *dev)
{
	free(dev);
}

int i8042_create(struct machine *m, struct error *err)
{
	struct i8042 *k = calloc(1, sizeof(*k));
	if (!k)
		return error_set(err, -ENOMEM, "i8042: out of memory");
	k->dev.name = "i8042";
	k->dev.reset = i8042_reset;
	k->dev.destroy = i8042_destroy;
	k->m = m;
	int rc = portio_register(&m->io, I8042_DATA_PORT, 1, i8042_io_read, i8042_io_write, k,
				 "i8042", err);
	if (rc == 0)
		rc = portio_register(&m->io, I8042_CMD_PORT, 1, i8042_io_read, i8042_io_write, k,
				     "i8042", err);
	if (rc < 0) {
		/* A registered 0x60 would point at freed memory: keep k alive by
		 * adding it as a device so the machine frees it. */
		machine_add_device(m, &k->dev);
		return rc;
	}
	i8042_reset(&k->dev);
	machine_add_device(m, &k->dev);
	m->i8042 = k;
	return 0;
}
