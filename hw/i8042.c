/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i8042.c — the PS/2 controller at 0x60 (data) and 0x64 (status/command).
 *
 * What it does: the status register, the controller RAM with the
 * configuration byte (0x20-0x3f read, 0x60-0x7f write), self-tests
 * (0xAA -> 0x55, 0xAB/0xA9 -> 0x00), keyboard/aux enable and disable
 * (0xAD/0xAE, 0xA7/0xA8), the output port (0xD0 read, 0xD1 write: bit 0 low
 * resets the machine, bit 1 is A20), 0xD2 (echo as keyboard data), and the
 * pulse commands 0xF0-0xFF (a clear bit 0 pulses the reset line: 0xFE resets
 * the machine with MACHINE_RESET). IRQ 1 follows keyboard data in the output
 * buffer when configuration bit 0 is set.
 *
 * What it does not do (yet): there is no keyboard or mouse. Bytes written to
 * 0x60 with no controller command pending are keyboard commands and get the
 * answers a keyboard with no keys pressed would give (0xFA ACK; reset 0xFF ->
 * 0xFA 0xAA; identify 0xF2 -> 0xFA 0xAB 0x83; echo 0xEE -> 0xEE), so guests
 * probing a keyboard do not hang. There is no aux device: bytes sent to it
 * (0xD3, 0xD4) are swallowed without an answer, as with no mouse plugged in.
 * A20 is stored, not emulated (addresses always see A20 enabled). Unknown
 * commands are ignored. Wider accesses act on the low byte. */
#include "hw/i8042.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"

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

#define KBD_ACK 0xfa

#define I8042_RAM_SIZE 32       /* byte 0 is the configuration byte */
#define I8042_QUEUE_SIZE 16

enum i8042_source { FROM_CONTROLLER, FROM_KBD, FROM_AUX };

struct i8042 {
	struct device dev;
	struct machine *m;
	uint8_t ram[I8042_RAM_SIZE];
	uint8_t status;         /* STATUS_CMD only; the rest is computed */
	uint8_t outport;
	uint8_t pending_cmd;    /* controller command waiting for its data byte */
	uint8_t kbd_pending;    /* keyboard command waiting for its argument */
	uint8_t last_out;       /* what 0x60 reads when the queue is empty */
	bool irq_kbd, irq_aux;  /* current IRQ levels */

	struct {
		uint8_t byte;
		uint8_t source;     /* enum i8042_source */
	} queue[I8042_QUEUE_SIZE];
	unsigned q_head, q_count;
};

static void i8042_update_irq(struct i8042 *k)
{
	bool kbd = false, aux = false;
	if (k->q_count) {
		uint8_t src = k->queue[k->q_head].source;
		kbd = src == FROM_KBD && (k->ram[0] & CONFIG_KBD_INT);
		aux = src == FROM_AUX && (k->ram[0] & CONFIG_AUX_INT);
	}
	if (kbd != k->irq_kbd) {
		k->irq_kbd = kbd;
		machine_set_irq(k->m, I8042_KBD_IRQ, kbd);
	}
	if (aux != k->irq_aux) {
		k->irq_aux = aux;
		machine_set_irq(k->m, I8042_AUX_IRQ, aux);
	}
}

/* Queues a byte for the guest to read at 0x60; dropped when full. */
static void i8042_push(struct i8042 *k, uint8_t byte, enum i8042_source src)
{
	if (k->q_count >= I8042_QUEUE_SIZE)
		return;
	unsigned i = (k->q_head + k->q_count) % I8042_QUEUE_SIZE;
	k->queue[i].byte = byte;
	k->queue[i].source = (uint8_t)src;
	k->q_count++;
}

static uint8_t i8042_pop(struct i8042 *k)
{
	if (k->q_count) {
		k->last_out = k->queue[k->q_head].byte;
		k->q_head = (k->q_head + 1) % I8042_QUEUE_SIZE;
		k->q_count--;
	}
	return k->last_out;
}

static uint8_t i8042_status(const struct i8042 *k)
{
	uint8_t s = (k->status & STATUS_CMD) | STATUS_UNLOCKED;
	if (k->ram[0] & CONFIG_SYS)
		s |= STATUS_SYS;
	if (k->q_count) {
		s |= STATUS_OBF;
		if (k->queue[k->q_head].source == FROM_AUX)
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

/* A byte for the (absent) keyboard: answer as an idle keyboard would. */
static void i8042_keyboard_command(struct i8042 *k, uint8_t byte)
{
	if (k->kbd_pending) {           /* the argument of the previous command */
		k->kbd_pending = 0;
		i8042_push(k, KBD_ACK, FROM_KBD);
		return;
	}
	switch (byte) {
	case 0xff:                      /* reset and self-test */
		i8042_push(k, KBD_ACK, FROM_KBD);
		i8042_push(k, 0xaa, FROM_KBD);
		break;
	case 0xf2:                      /* identify: MF2 keyboard */
		i8042_push(k, KBD_ACK, FROM_KBD);
		i8042_push(k, 0xab, FROM_KBD);
		i8042_push(k, 0x83, FROM_KBD);
		break;
	case 0xee:                      /* echo */
		i8042_push(k, 0xee, FROM_KBD);
		break;
	case 0xed:                      /* set LEDs, scan code set, typematic: */
	case 0xf0:                      /* an argument byte follows */
	case 0xf3:
		k->kbd_pending = byte;
		i8042_push(k, KBD_ACK, FROM_KBD);
		break;
	default:
		i8042_push(k, KBD_ACK, FROM_KBD);
		break;
	}
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	if (cmd >= 0x20 && cmd <= 0x3f) {
		i8042_push(k, k->ram[cmd & 0x1f], FROM_CONTROLLER);
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
		i8042_push(k, 0x00, FROM_CONTROLLER);
		break;
	case 0xaa:                      /* controller self-test: OK */
		k->ram[0] |= CONFIG_SYS;
		i8042_push(k, 0x55, FROM_CONTROLLER);
		break;
	case 0xad:
		k->ram[0] |= CONFIG_KBD_DISABLE;
		break;
	case 0xae:
		k->ram[0] &= ~CONFIG_KBD_DISABLE;
		break;
	case 0xd0:
		i8042_push(k, k->outport, FROM_CONTROLLER);
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
		return;
	}
	switch (cmd) {
	case 0xd1:
		i8042_write_outport(k, byte);
		break;
	case 0xd2:                      /* as if the keyboard had sent it */
		i8042_push(k, byte, FROM_KBD);
		break;
	case 0xd3:                      /* no aux device: swallowed */
	case 0xd4:
		break;
	default:
		i8042_keyboard_command(k, byte);
		break;
	}
}

static uint32_t i8042_io_read(void *opaque, uint16_t port, int size)
{
	struct i8042 *k = opaque;
	(void)size;
	if (port == I8042_CMD_PORT)
		return i8042_status(k);
	uint8_t v = i8042_pop(k);
	i8042_update_irq(k);
	return v;
}

static void i8042_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct i8042 *k = opaque;
	(void)size;
	if (port == I8042_CMD_PORT) {
		k->status |= STATUS_CMD;
		i8042_command(k, value & 0xff);
	} else {
		k->status &= ~STATUS_CMD;
		i8042_data(k, value & 0xff);
	}
	i8042_update_irq(k);
}

static void i8042_reset(struct device *dev)
{
	struct i8042 *k = (struct i8042 *)dev;
	for (unsigned i = 0; i < I8042_RAM_SIZE; i++)
		k->ram[i] = 0;
	k->ram[0] = CONFIG_KBD_INT | CONFIG_TRANSLATE;
	k->status = 0;
	k->outport = OUTPORT_RESET | OUTPORT_A20;
	k->pending_cmd = 0;
	k->kbd_pending = 0;
	k->last_out = 0;
	k->q_head = 0;
	k->q_count = 0;
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
	return 0;
}
