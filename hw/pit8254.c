/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pit8254.c — the 8254 programmable interval timer (channels 0-2 at
 * 0x40-0x42, control word at 0x43) and port 0x61, for the soft engine (the
 * kvm engine keeps KVM's in-kernel PIT).
 *
 * Counters are not ticked: the input clock (1.193182 MHz) is derived from
 * the machine clock, tick(t) = floor(t_ns * 1193182 / 10^9), and a counter's
 * value and OUT are computed from the number of CLK pulses it has counted.
 * A channel stores its count N and e, the pulses counted since the count
 * was written (or since the gate trigger), frozen while the gate stops
 * counting. As in the datasheet the first pulse only loads N into the
 * counting element, so c = e - 1 pulses have decremented it: mode 0's OUT
 * rises N + 1 pulses after the count is written, and so on.
 *
 * Modelled: modes 0-5 (6 and 7 act as 2 and 3; the status byte shows the
 * bits as written), binary and BCD counting, count 0 meaning 65536 (10000
 * in BCD), the access modes with the LSB/MSB flip-flops, the counter latch
 * command, the read-back command (count and/or status of any channels;
 * status: OUT, null count, RW, mode, BCD), the gates (channels 0 and 1 tied
 * high, channel 2 on port 0x61 bit 0), mode 1/5 triggers and mode 2/3
 * re-synchronization on a gate rising edge, mode 0's stop on the first byte
 * of a two-byte count, a new count taking effect at the end of the current
 * period (mode 2) or half-cycle (mode 3), the 8254's odd-count mode 3
 * (N - 1 loaded, high for (N + 1) / 2 and low for (N - 1) / 2 pulses).
 *
 * Decisions:
 * - IRQ 0 is an edge per rising edge of channel 0's OUT: the PIT calls
 *   machine_set_irq(m, 0, 1) then machine_set_irq(m, 0, 0) at that instant
 *   (mode 0 and 1: at terminal count; mode 2 and 3: once per period, when
 *   the counter reloads; mode 4 and 5: at the end of the one-pulse strobe).
 *   The line rests low. One clock timer is armed for the next rising edge
 *   only, so a periodic timer costs one host timer per period. A timer that
 *   fires late delivers one edge for all the periods it missed (the PIC
 *   could not count them either: its IRR is one bit). The guest's view of
 *   OUT (read-back status, port 0x61 bit 5) is exact at every instant.
 * - Minimum period: two IRQ 0 edges are at least PIT8254_MIN_IRQ_PERIOD_NS
 *   (50 us, 20 kHz) apart. Counts below 60 in modes 2 and 3 (and the
 *   illegal count 1) therefore give fewer IRQs than the hardware would, so
 *   that a guest cannot make the host spin; 20 kHz covers periodic ticks
 *   (18.2 Hz-10 kHz) and PC-speaker sample playback (8-16 kHz).
 * - Count 1 in modes 2 and 3 is illegal per the datasheet: here mode 2's
 *   OUT stays low and mode 3's stays high, with no IRQ edges.
 * - A control word resets the channel: OUT to its mode's initial level,
 *   both flip-flops to LSB, pending latches dropped, null count set. Until a
 *   count is written (mode 1/5: until triggered) the counter reads the
 *   value it had when the control word was written.
 * - Between a count write and the load pulse the counter reads N.
 * - A count written to mode 0 or 4 while the gate is low is loaded at once
 *   (the datasheet loads it on the next pulse); counting starts when the
 *   gate goes high.
 * - BCD counts with digits above 9 are taken digit by digit (0x00ff is
 *   165) and reduced modulo 10000.
 * - Reset (power-up and machine reset): every channel as after control
 *   word "mode 3, LSB then MSB, binary" with no count written: OUT high,
 *   nothing counts and no IRQ 0 until the guest programs a count. The
 *   8254's power-up state is undefined; firmware programs it.
 * - Port 0x61: bits 0-3 read back as written (gate 2, speaker data, and the
 *   parity/IOCHK check enables, which have no effect); bit 4 toggles every
 *   18 input clocks (15.09 us, channel 1's usual refresh rate, whatever
 *   channel 1 is programmed to); bit 5 is channel 2's OUT; bits 6-7 (NMI
 *   sources) read 0. No sound is produced.
 * - Channel 1 is an ordinary counter with no output wired anywhere.
 * - Wider port accesses act as consecutive byte accesses. */
#include "hw/pit8254.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"

#define PIT_PORT 0x40
#define PIT_CONTROL_PORT 0x43
#define PIT_PORT61 0x61
#define PIT_NEVER UINT64_MAX
#define PIT_REFRESH_TICKS 18

#define PORT61_GATE2 0x01
#define PORT61_STORED 0x0f
#define PORT61_REFRESH 0x10
#define PORT61_OUT2 0x20

enum { RW_LATCH = 0, RW_LSB = 1, RW_MSB = 2, RW_WORD = 3 };

struct pit_channel {
	/* programming */
	uint8_t mode;           /* 0-5 */
	uint8_t mode_bits;      /* control word bits 3-1 as written */
	uint8_t rw;             /* RW_LSB, RW_MSB, RW_WORD */
	bool bcd;
	uint16_t cr;            /* the count register as written */
	bool have_count;        /* a count was written since the control word */
	bool write_msb;         /* RW_WORD: the next write is the MSB */
	bool read_msb;          /* RW_WORD: the next read is the MSB */
	uint8_t write_lsb;

	/* latches */
	bool status_latched;
	uint8_t status;
	int latch_left;         /* bytes of the latched count still unread */
	uint16_t latch;

	/* counting */
	bool gate;
	bool loaded;            /* counting a count (mode 1/5: triggered) */
	uint32_t n;             /* the count in use, 1..65536 */
	int64_t e_base;         /* pulses counted since the load, at tick_base */
	uint64_t tick_base;
	uint16_t idle_value;    /* what the counter reads while !loaded */
	bool pending;           /* mode 2/3: CR waits for a period boundary */
	bool pending_low;       /* ...that starts the low half (mode 3) */
	uint64_t pending_tick;  /* ...at this tick */
	bool null_count;        /* CR written, not yet transferred */
	bool null_until_load;   /* transferred by the load pulse (e = 1) */
};

struct pit8254 {
	struct device dev;
	struct machine *m;
	struct pit_channel ch[3];
	uint8_t port61;                 /* PORT61_STORED bits */
	struct clock_timer timer;       /* channel 0's next OUT rising edge */
	uint64_t irq_rise_tick;         /* that edge, PIT_NEVER if none */
	uint64_t last_edge_ns;
	bool any_edge;
};

/* --- time ----------------------------------------------------------------- */

static uint64_t pit_tick(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT8254_HZ / 1000000000u);
}

/* The first instant at which tick `t` has happened. */
static uint64_t pit_tick_ns(uint64_t t)
{
	unsigned __int128 ns = ((unsigned __int128)t * 1000000000u + PIT8254_HZ - 1) / PIT8254_HZ;
	return ns > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t)ns;
}

static uint64_t pit_now(const struct pit8254 *p)
{
	return clock_now(&p->m->clock);
}

/* --- counts --------------------------------------------------------------- */

static uint32_t ch_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint32_t ch_decode(const struct pit_channel *c, uint16_t raw)
{
	uint32_t v = raw;
	if (c->bcd)
		v = ((raw >> 12) & 15) * 1000u + ((raw >> 8) & 15) * 100u +
		    ((raw >> 4) & 15) * 10u + (raw & 15);
	v %= ch_modulus(c);
	return v ? v : ch_modulus(c);
}

static uint16_t ch_encode(const struct pit_channel *c, uint32_t v)
{
	v %= ch_modulus(c);
	if (!c->bcd)
		return (uint16_t)v;
	return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

/* Mode 3's high half, in pulses. */
static uint32_t ch_high_half(uint32_t n)
{
	return (n + 1) / 2;
}

static bool ch_running(const struct pit_channel *c)
{
	return c->loaded && (c->gate || c->mode == 1 || c->mode == 5);
}

static int64_t ch_e(const struct pit_channel *c, uint64_t t)
{
	return c->e_base + (ch_running(c) ? (int64_t)(t - c->tick_base) : 0);
}

/* Applies a pending mode 2/3 count whose boundary has passed and the load
 * pulse's transfer of CR; call before looking at the channel at tick t. */
static void ch_normalize(struct pit_channel *c, uint64_t t)
{
	if (c->pending && c->pending_tick <= t) {
		c->n = ch_decode(c, c->cr);
		c->e_base = 1 + (c->pending_low ? ch_high_half(c->n) : 0);
		c->tick_base = c->pending_tick;
		c->pending = false;
		c->null_count = false;
	}
	if (c->null_until_load && ch_e(c, t) >= 1) {
		c->null_until_load = false;
		c->null_count = false;
	}
}

/* Makes tick t the channel's base, before its running state changes. */
static void ch_settle(struct pit_channel *c, uint64_t t)
{
	ch_normalize(c, t);
	c->e_base = ch_e(c, t);
	c->tick_base = t;
}

/* The counting element's value (encoded) at tick t. */
static uint16_t ch_value(struct pit_channel *c, uint64_t t)
{
	ch_normalize(c, t);
	if (!c->loaded)
		return c->idle_value;
	int64_t e = ch_e(c, t), k = e - 1, n = c->n;
	if (e <= 0)
		return ch_encode(c, c->n);
	int64_t v;
	switch (c->mode) {
	case 2:
		v = n - k % n;
		break;
	case 3: {
		int64_t p = k % n, h = ch_high_half(c->n);
		if (p >= h)
			p -= h;
		v = (n & 1) ? n - 1 - 2 * p : n - 2 * p;
		break;
	}
	default: /* 0, 1, 4, 5: count down and wrap */
		v = (n - k) % (int64_t)ch_modulus(c);
		if (v < 0)
			v += ch_modulus(c);
		break;
	}
	return ch_encode(c, (uint32_t)v);
}

/* OUT at tick t. */
static bool ch_out(struct pit_channel *c, uint64_t t)
{
	ch_normalize(c, t);
	if ((c->mode == 2 || c->mode == 3) && !c->gate)
		return true;
	int64_t e = c->loaded ? ch_e(c, t) : 0;
	if (e <= 0)
		return c->mode != 0;
	int64_t k = e - 1, n = c->n;
	switch (c->mode) {
	case 0:
		return k >= n;
	case 1:
		return k >= n;
	case 2:
		return k % n != n - 1;
	case 3:
		return k % n < (int64_t)ch_high_half(c->n);
	default: /* 4, 5 */
		return k != n;
	}
}

/* The tick at which the channel counts pulse e, counting from now on. */
static uint64_t ch_tick_of_e(const struct pit_channel *c, int64_t e)
{
	return c->tick_base + (uint64_t)(e - c->e_base);
}

/* The first tick after t at which OUT rises, or PIT_NEVER. */
static uint64_t ch_next_rise(struct pit_channel *c, uint64_t t)
{
	ch_normalize(c, t);
	if (!ch_running(c))
		return PIT_NEVER;
	int64_t k = ch_e(c, t) - 1, n = c->n, rise;
	switch (c->mode) {
	case 0:
	case 1:
		if (k >= n)
			return PIT_NEVER;
		rise = n;
		break;
	case 4:
	case 5:
		if (k >= n + 1)
			return PIT_NEVER;
		rise = n + 1;
		break;
	default: /* 2, 3 */
		if (n < 2)
			rise = -1;
		else
			rise = (k < 0 ? 1 : k / n + 1) * n;
		break;
	}
	uint64_t tick = rise < 0 ? PIT_NEVER : ch_tick_of_e(c, rise + 1);
	if (c->pending && tick > c->pending_tick) {
		/* The new count starts first. At a period boundary its reload
		 * is a rising edge; at the start of a low half (mode 3) OUT
		 * rises at the end of that half (never for count 1). */
		if (!c->pending_low)
			return c->pending_tick;
		int64_t n_new = ch_decode(c, c->cr);
		if (n_new < 2)
			return PIT_NEVER;
		tick = c->pending_tick + (uint64_t)(n_new - ch_high_half((uint32_t)n_new));
	}
	return tick;
}

/* Loads CR into the counting element on the next pulse (now, when the
 * channel does not count). */
static void ch_load(struct pit_channel *c, uint64_t t)
{
	c->loaded = true;
	c->n = ch_decode(c, c->cr);
	c->tick_base = t;
	c->e_base = ch_running(c) ? 0 : 1;
	c->pending = false;
	c->null_until_load = c->null_count;
	ch_normalize(c, t);
}

/* Mode 2/3: a new count waits for the end of the period (mode 2) or of the
 * half-cycle (mode 3). */
static void ch_set_pending(struct pit_channel *c, uint64_t t)
{
	int64_t k = ch_e(c, t) - 1, n = c->n, p = k % n, h = ch_high_half(c->n);
	int64_t boundary;
	c->pending_low = false;
	if (c->mode == 3 && p < h) {
		boundary = k - p + h;
		c->pending_low = true;
	} else {
		boundary = k - p + n;
	}
	c->pending = true;
	c->pending_tick = ch_tick_of_e(c, boundary + 1);
}

static void ch_write_count(struct pit_channel *c, uint64_t t, uint16_t count)
{
	ch_settle(c, t);
	c->cr = count;
	c->have_count = true;
	c->null_count = true;
	switch (c->mode) {
	case 0:
	case 4:
		ch_load(c, t);
		break;
	case 2:
	case 3:
		if (!c->loaded || !ch_running(c) || ch_e(c, t) <= 0)
			ch_load(c, t);
		else
			ch_set_pending(c, t);
		break;
	default: /* 1, 5: the next trigger loads it */
		break;
	}
}

/* Counting stops (mode 0's first byte; control words). */
static void ch_stop(struct pit_channel *c, uint64_t t)
{
	c->idle_value = ch_value(c, t);
	c->loaded = false;
	c->pending = false;
	c->null_until_load = false;
}

static void ch_control(struct pit_channel *c, uint64_t t, uint8_t v)
{
	ch_settle(c, t);
	ch_stop(c, t);
	c->mode_bits = (v >> 1) & 7;
	c->mode = c->mode_bits > 5 ? c->mode_bits - 4 : c->mode_bits;
	c->rw = (v >> 4) & 3;
	c->bcd = v & 1;
	c->have_count = false;
	c->write_msb = false;
	c->read_msb = false;
	c->status_latched = false;
	c->latch_left = 0;
	c->null_count = true;
}

static void ch_set_gate(struct pit_channel *c, uint64_t t, bool level)
{
	if (level == c->gate)
		return;
	ch_settle(c, t);
	c->gate = level;
	if (!level) {
		/* mode 2/3: the rising edge will reload from CR anyway */
		c->pending = false;
		return;
	}
	switch (c->mode) {
	case 1:
	case 5:
		if (c->have_count)
			ch_load(c, t);
		break;
	case 2:
	case 3:
		if (c->loaded)
			ch_load(c, t);
		break;
	default: /* 0, 4: counting resumes */
		break;
	}
}

static void ch_latch_count(struct pit_channel *c, uint64_t t)
{
	if (c->latch_left)
		return;
	c->latch = ch_value(c, t);
	c->latch_left = c->rw == RW_WORD ? 2 : 1;
}

static void ch_latch_status(struct pit_channel *c, uint64_t t)
{
	if (c->status_latched)
		return;
	ch_normalize(c, t);
	c->status = (uint8_t)((ch_out(c, t) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
			      c->rw << 4 | c->mode_bits << 1 | (c->bcd ? 1 : 0));
	c->status_latched = true;
}

static uint8_t ch_pick_byte(struct pit_channel *c, uint16_t v)
{
	bool msb = c->rw == RW_MSB;
	if (c->rw == RW_WORD) {
		msb = c->read_msb;
		c->read_msb = !c->read_msb;
	}
	return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static uint8_t ch_read(struct pit_channel *c, uint64_t t)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latch_left) {
		c->latch_left--;
		return ch_pick_byte(c, c->latch);
	}
	return ch_pick_byte(c, ch_value(c, t));
}

/* --- IRQ 0 ---------------------------------------------------------------- */

/* Delivers channel 0's rising edge if it has happened by `now`. */
static void pit_irq_catch_up(struct pit8254 *p, uint64_t now)
{
	if (p->irq_rise_tick == PIT_NEVER || pit_tick(now) < p->irq_rise_tick)
		return;
	p->irq_rise_tick = PIT_NEVER;
	p->last_edge_ns = now;
	p->any_edge = true;
	machine_set_irq(p->m, 0, 1);
	machine_set_irq(p->m, 0, 0);
}

/* Arms the timer for channel 0's next rising edge after `now`. */
static void pit_irq_rearm(struct pit8254 *p, uint64_t now)
{
	p->irq_rise_tick = ch_next_rise(&p->ch[0], pit_tick(now));
	if (p->irq_rise_tick == PIT_NEVER) {
		clock_timer_cancel(&p->m->clock, &p->timer);
		return;
	}
	uint64_t deadline = pit_tick_ns(p->irq_rise_tick);
	if (p->any_edge && deadline - p->last_edge_ns < PIT8254_MIN_IRQ_PERIOD_NS &&
	    deadline >= p->last_edge_ns)
		deadline = p->last_edge_ns + PIT8254_MIN_IRQ_PERIOD_NS;
	clock_timer_arm(&p->m->clock, &p->timer, deadline);
}

static void pit_timer_fire(void *opaque, uint64_t now)
{
	struct pit8254 *p = opaque;
	pit_irq_catch_up(p, now);
	pit_irq_rearm(p, now);
}

/* --- ports ---------------------------------------------------------------- */

static void pit_write_control(struct pit8254 *p, uint64_t t, uint8_t v)
{
	int sc = v >> 6, rw = (v >> 4) & 3;
	if (sc == 3) {
		/* read-back: bit 5 clear latches counts, bit 4 clear statuses */
		for (int i = 0; i < 3; i++) {
			if (!(v & (2 << i)))
				continue;
			if (!(v & 0x20))
				ch_latch_count(&p->ch[i], t);
			if (!(v & 0x10))
				ch_latch_status(&p->ch[i], t);
		}
	} else if (rw == RW_LATCH) {
		ch_latch_count(&p->ch[sc], t);
	} else {
		ch_control(&p->ch[sc], t, v);
	}
}

static void pit_write_channel(struct pit_channel *c, uint64_t t, uint8_t v)
{
	switch (c->rw) {
	case RW_LSB:
		ch_write_count(c, t, v);
		break;
	case RW_MSB:
		ch_write_count(c, t, (uint16_t)(v << 8));
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			if (c->mode == 0) {
				ch_settle(c, t);
				ch_stop(c, t);
			}
		} else {
			c->write_msb = false;
			ch_write_count(c, t, (uint16_t)(c->write_lsb | v << 8));
		}
		break;
	}
}

static uint8_t pit_read_port61(struct pit8254 *p, uint64_t t)
{
	uint8_t v = p->port61 & PORT61_STORED;
	if ((t / PIT_REFRESH_TICKS) & 1)
		v |= PORT61_REFRESH;
	if (ch_out(&p->ch[2], t))
		v |= PORT61_OUT2;
	return v;
}

static uint8_t pit_read_byte(struct pit8254 *p, uint16_t port)
{
	uint64_t t = pit_tick(pit_now(p));
	if (port >= PIT_PORT && port < PIT_PORT + 3)
		return ch_read(&p->ch[port - PIT_PORT], t);
	if (port == PIT_PORT61)
		return pit_read_port61(p, t);
	return 0xff;    /* the control word port is write-only */
}

static void pit_write_byte(struct pit8254 *p, uint16_t port, uint8_t v)
{
	uint64_t now = pit_now(p), t = pit_tick(now);
	pit_irq_catch_up(p, now);
	if (port >= PIT_PORT && port < PIT_PORT + 3) {
		pit_write_channel(&p->ch[port - PIT_PORT], t, v);
	} else if (port == PIT_CONTROL_PORT) {
		pit_write_control(p, t, v);
	} else if (port == PIT_PORT61) {
		p->port61 = v & PORT61_STORED;
		ch_set_gate(&p->ch[2], t, v & PORT61_GATE2);
		return;
	} else {
		return;
	}
	pit_irq_rearm(p, now);
}

/* Which register block a port is in: the counters, or port 0x61. */
static bool pit_same_block(uint16_t a, uint16_t b)
{
	return (a == PIT_PORT61) == (b == PIT_PORT61) &&
	       (a == PIT_PORT61 || (b >= PIT_PORT && b <= PIT_CONTROL_PORT));
}

static uint32_t pit_io_read(void *opaque, uint16_t port, int size)
{
	struct pit8254 *p = opaque;
	uint32_t v = 0;
	for (int i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		uint8_t b = pit_same_block(port, at) ? pit_read_byte(p, at) : 0xff;
		v |= (uint32_t)b << (8 * i);
	}
	return v;
}

static void pit_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct pit8254 *p = opaque;
	for (int i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		if (pit_same_block(port, at))
			pit_write_byte(p, at, (uint8_t)(value >> (8 * i)));
	}
}

/* --- the device ----------------------------------------------------------- */

static void pit_reset(struct device *dev)
{
	struct pit8254 *p = (struct pit8254 *)dev;
	uint64_t t = pit_tick(pit_now(p));
	for (int i = 0; i < 3; i++) {
		struct pit_channel *c = &p->ch[i];
		*c = (struct pit_channel){ .gate = i != 2 };
		ch_control(c, t, (uint8_t)(i << 6 | RW_WORD << 4 | 3 << 1));
		c->idle_value = 0;
	}
	p->port61 = 0;
	p->irq_rise_tick = PIT_NEVER;
	p->any_edge = false;
	p->last_edge_ns = 0;
	clock_timer_cancel(&p->m->clock, &p->timer);
}

static void pit_destroy(struct device *dev)
{
	struct pit8254 *p = (struct pit8254 *)dev;
	clock_timer_cancel(&p->m->clock, &p->timer);
	free(p);
}

int pit8254_create(struct machine *m, struct pit8254 **out, struct error *err)
{
	struct pit8254 *p = calloc(1, sizeof(*p));
	if (!p)
		return error_set(err, -ENOMEM, "pit8254: out of memory");
	p->dev.name = "pit8254";
	p->dev.reset = pit_reset;
	p->dev.destroy = pit_destroy;
	p->m = m;
	clock_timer_init(&p->timer, pit_timer_fire, p);
	pit_reset(&p->dev);
	int rc = portio_register(&m->io, PIT_PORT, 4, pit_io_read, pit_io_write, p, "pit8254",
				 err);
	if (rc == 0)
		rc = portio_register(&m->io, PIT_PORT61, 1, pit_io_read, pit_io_write, p,
				     "port61", err);
	/* Even on failure the machine owns p: a registered range points at it. */
	machine_add_device(m, &p->dev);
	if (rc < 0)
		return rc;
	if (out)
		*out = p;
	return 0;
}
