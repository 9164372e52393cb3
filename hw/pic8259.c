/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pic8259.c — the PC/AT interrupt controllers: two 8259A PICs, the slave's
 * INT wired to the master's IR2, plus the PIIX-style ELCR (edge/level
 * control registers) at 0x4d0/0x4d1. Used by the soft engine; the kvm engine
 * keeps KVM's in-kernel PIC.
 *
 * Modelled: the ICW1-ICW4 initialization sequence (edge/level, single or
 * cascade, ICW4 or not, AEOI, special fully nested mode; the buffered-mode
 * bits are stored and have no effect), OCW1 (IMR), every OCW2 command
 * (non-specific and specific EOI, with or without rotation, rotate in AEOI
 * set/clear, set priority, no-op), OCW3 (read IRR/ISR, poll, special mask
 * mode), the priority resolver with rotation, the slave's cascade through
 * IR2 and spurious interrupts.
 *
 * Decisions:
 * - Inputs: every IR input remembers its level. Edge-triggered inputs set
 *   their IRR bit on a low-to-high transition and the bit stays set until
 *   the interrupt is acknowledged (the datasheet wants the input held high
 *   until INTA; a CPU emulator cannot promise that, and devices here pulse
 *   their lines). Level-triggered inputs (ELCR bit or ICW1.LTIM, either one)
 *   have IRR follow the input: a request that goes away before INTA gives
 *   the spurious vector of IR7 of that chip (IRQ 7 on the master; IRQ 15
 *   when the master took IR2 for a slave request that vanished, in which
 *   case the master's ISR2 is set but not the slave's ISR7, as on hardware).
 *   Spurious INTAs never set an ISR bit.
 * - The cascade input (master IR2) is driven by the slave's INT output and
 *   obeys the master's IR2 trigger mode (edge, as ELCR bit 2 is reserved).
 *   During the slave's INTA the slave's ISR bit is set before an AEOI clears
 *   it, so INT drops and rises again when more slave requests wait: the
 *   master sees a new edge, as it would on hardware. set_irq on line 2 is
 *   ignored (nothing but the slave drives IR2).
 * - Cascading: the master hands IR2 acknowledges to the slave only when its
 *   ICW3 has bit 2 set and it is not in single mode; otherwise the master
 *   answers with its own IR2 vector. The slave answers whatever its ICW3 ID.
 * - MCS-80/85 mode (ICW4 absent or uPM=0) is not modelled: vectors are
 *   always computed as in 8086 mode (ICW2 bits 7-3 | level).
 * - ICW1 clears IRR (the edge-sense latches: an input that is high must go
 *   low and high again), ISR, IMR, special mask mode, poll and rotation
 *   state; sets IR7 lowest priority and the read register to IRR; and, when
 *   ICW4 is not needed, clears every ICW4 function. Clearing ISR is not
 *   spelled out by the datasheet; it keeps a re-initialized PIC from staying
 *   blocked by a level that will never see its EOI.
 * - Special mask mode: an in-service level whose IMR bit is set blocks
 *   nothing; a non-specific EOI ignores such ISR bits (datasheet).
 * - Special fully nested mode (master only): a request on a cascade input
 *   is not blocked by that input's own ISR bit, so higher-priority slave
 *   interrupts can nest; other in-service levels still block as usual.
 * - Poll: the read after a poll command returns 0x80 | level and acts as
 *   that chip's INTA (a master poll that finds IR2 does not touch the
 *   slave), or 0x00 when nothing is requesting.
 * - ELCR: 0x4d0 holds IRQ 7-3 (bits 2-0: IRQ 2-0 — timer, keyboard,
 *   cascade — are reserved and read 0), 0x4d1 holds IRQ 15-14 and 12-9
 *   (bit 0: IRQ 8, the RTC, and bit 5: IRQ 13, the FPU, are reserved and
 *   read 0), as on the PIIX/PIIX3/PIIX4 and ICH chipsets. Lines switched to
 *   edge lose their IRR bit; lines switched to level take it from the input.
 * - Reset (power-up and machine reset): both chips as after an ICW1 with
 *   ICW4 needed and an ICW4 of 0x01 (8086 mode): IRR/ISR/IMR 0 (unmasked),
 *   vector bases 0x00 (master) and 0x08 (slave; a guest programs its own),
 *   IR7 lowest, read register IRR, master ICW3 0x04, slave ID 2, ELCR 0 (all
 *   edge). The datasheet leaves the power-up state undefined; software must
 *   initialize. The input levels are kept (the wires stay driven).
 * - Wider port accesses act as consecutive byte accesses, as on the ISA
 *   bus; bytes outside a range read 0xff.
 * - The output handler is called only when the master's INTR changes. */
#include "hw/pic8259.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT 0xa0
#define PIC_ELCR_PORT 0x4d0
#define PIC_CASCADE_IR 2

#define ELCR_MASTER_MASK 0xf8   /* IRQ 0, 1, 2 reserved */
#define ELCR_SLAVE_MASK 0xde    /* IRQ 8 and 13 reserved */

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_SELECT 0x10

#define ICW4_UPM 0x01
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10

#define OCW3_SELECT 0x08
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

/* What the next write to the odd port (A0=1) is. */
enum pic_init_step { PIC_READY, PIC_ICW2, PIC_ICW3, PIC_ICW4 };

struct pic_chip {
	bool is_master;
	uint8_t input;          /* levels of IR0-7 */
	uint8_t irr, isr, imr;
	uint8_t elcr, elcr_mask;
	uint8_t vector_base;    /* ICW2 bits 7-3 */
	uint8_t icw3;           /* master: lines with a slave; slave: its ID */
	uint8_t icw4;           /* as written (buffered-mode bits kept) */
	uint8_t lowest;         /* the IR level with the lowest priority */
	enum pic_init_step step;
	bool icw4_needed, single, ltim;
	bool aeoi, rotate_aeoi, sfnm;
	bool read_isr, poll, special_mask;
};

struct pic8259 {
	struct device dev;
	struct machine *m;
	struct pic_chip chip[2];        /* [0] master, [1] slave */
	bool output;                    /* the master's INTR as last reported */
	void (*output_fn)(void *opaque, bool level);
	void *output_opaque;
};

/* --- one chip ------------------------------------------------------------- */

static uint8_t chip_level_lines(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* 0 is the highest priority, 7 the lowest. */
static int chip_rank(const struct pic_chip *c, int level)
{
	return (level - c->lowest - 1) & 7;
}

/* The level of highest priority among `bits`, or -1. */
static int chip_highest(const struct pic_chip *c, uint8_t bits)
{
	for (int r = 0; r < 8; r++) {
		int level = (c->lowest + 1 + r) & 7;
		if (bits & (1u << level))
			return level;
	}
	return -1;
}

/* The cascade inputs that special fully nested mode exempts. */
static uint8_t chip_sfnm_lines(const struct pic_chip *c)
{
	return (c->is_master && c->sfnm && !c->single) ? c->icw3 : 0;
}

/* The request the priority resolver would present on INT now, or -1. */
static int chip_pending(const struct pic_chip *c)
{
	int req = chip_highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	uint8_t blockers = c->isr;
	if (c->special_mask)
		blockers &= ~c->imr;
	int blk = chip_highest(c, blockers);
	if (blk < 0 || chip_rank(c, req) < chip_rank(c, blk))
		return req;
	if (req == blk && (chip_sfnm_lines(c) & (1u << req)))
		return req;
	return -1;
}

static void chip_set_input(struct pic_chip *c, int level_no, bool level)
{
	uint8_t bit = 1u << level_no;
	bool level_mode = chip_level_lines(c) & bit;
	if (level) {
		if (!(c->input & bit) || level_mode)
			c->irr |= bit;
		c->input |= bit;
	} else {
		c->input &= ~bit;
		if (level_mode)
			c->irr &= ~bit;
	}
}

/* The INTA (or poll) of request `level` on one chip, in two steps as on the
 * chip: the first INTA pulse consumes an edge request and sets the ISR bit;
 * the end of the sequence clears it again in AEOI mode (with rotation when
 * asked). The cascade looks at INT in between. */
static void chip_ack_set(struct pic_chip *c, int level)
{
	uint8_t bit = 1u << level;
	if (!(chip_level_lines(c) & bit))
		c->irr &= ~bit;
	c->isr |= bit;
}

static void chip_ack_finish(struct pic_chip *c, int level)
{
	if (!c->aeoi)
		return;
	c->isr &= ~(1u << level);
	if (c->rotate_aeoi)
		c->lowest = (uint8_t)level;
}

/* The state after ICW1 (and the reset state's base). */
static void chip_icw1(struct pic_chip *c, uint8_t v)
{
	c->icw4_needed = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->ltim = v & ICW1_LTIM;
	c->irr = c->input & chip_level_lines(c);
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	if (!c->icw4_needed) {
		c->icw4 = 0;
		c->aeoi = false;
		c->sfnm = false;
	}
	c->step = PIC_ICW2;
}

static void chip_icw4(struct pic_chip *c, uint8_t v)
{
	c->icw4 = v;
	c->aeoi = v & ICW4_AEOI;
	c->sfnm = v & ICW4_SFNM;
}

static void chip_write_odd(struct pic_chip *c, uint8_t v)
{
	switch (c->step) {
	case PIC_ICW2:
		c->vector_base = v & 0xf8;
		c->step = !c->single ? PIC_ICW3 : c->icw4_needed ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW3:
		c->icw3 = v;
		c->step = c->icw4_needed ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW4:
		chip_icw4(c, v);
		c->step = PIC_READY;
		break;
	case PIC_READY:
		c->imr = v;
		break;
	}
}

static void chip_ocw2(struct pic_chip *c, uint8_t v)
{
	int l = v & 7;
	switch (v >> 5) {
	case 0: /* rotate in AEOI mode: clear */
		c->rotate_aeoi = false;
		break;
	case 4: /* rotate in AEOI mode: set */
		c->rotate_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */ {
		uint8_t candidates = c->isr;
		if (c->special_mask)
			candidates &= ~c->imr;
		int done = chip_highest(c, candidates);
		if (done >= 0) {
			c->isr &= ~(1u << done);
			if (v >> 5 == 5)
				c->lowest = (uint8_t)done;
		}
		break;
	}
	case 3: /* specific EOI */
		c->isr &= ~(1u << l);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1u << l);
		c->lowest = (uint8_t)l;
		break;
	case 6: /* set priority */
		c->lowest = (uint8_t)l;
		break;
	case 2: /* no operation */
		break;
	}
}

static void chip_ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & OCW3_POLL)
		c->poll = true;
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_ESMM)
		c->special_mask = v & OCW3_SMM;
}

static void chip_write_elcr(struct pic_chip *c, uint8_t v)
{
	uint8_t old_level = chip_level_lines(c);
	c->elcr = v & c->elcr_mask;
	uint8_t level = chip_level_lines(c);
	c->irr = (c->irr & ~(level | (old_level & ~level))) | (c->input & level);
}

static void chip_reset(struct pic_chip *c, bool master)
{
	uint8_t input = c->input;
	*c = (struct pic_chip){ .is_master = master, .input = input };
	c->elcr_mask = master ? ELCR_MASTER_MASK : ELCR_SLAVE_MASK;
	chip_icw1(c, ICW1_SELECT | ICW1_IC4);
	c->vector_base = master ? 0x00 : 0x08;
	c->icw3 = master ? 1u << PIC_CASCADE_IR : PIC_CASCADE_IR;
	chip_icw4(c, ICW4_UPM);
	c->step = PIC_READY;
}

/* --- the pair ------------------------------------------------------------- */

static struct pic_chip *pic_master(struct pic8259 *p)
{
	return &p->chip[0];
}

static struct pic_chip *pic_slave(struct pic8259 *p)
{
	return &p->chip[1];
}

static bool pic_cascaded(const struct pic8259 *p)
{
	const struct pic_chip *m = &p->chip[0];
	return !m->single && (m->icw3 & (1u << PIC_CASCADE_IR));
}

/* Propagates the slave's INT to the master's IR2. */
static void pic_update_cascade(struct pic8259 *p)
{
	chip_set_input(pic_master(p), PIC_CASCADE_IR, chip_pending(pic_slave(p)) >= 0);
}

/* Recomputes the slave's INT, then the master's INTR; reports a change. */
static void pic_update(struct pic8259 *p)
{
	pic_update_cascade(p);
	bool level = chip_pending(pic_master(p)) >= 0;
	if (level != p->output) {
		p->output = level;
		if (p->output_fn)
			p->output_fn(p->output_opaque, level);
	}
}

void pic8259_set_irq(struct pic8259 *p, int line, int level)
{
	if (line < 0 || line > 15 || line == PIC_CASCADE_IR)
		return;
	chip_set_input(&p->chip[line >> 3], line & 7, level != 0);
	pic_update(p);
}

bool pic8259_output(const struct pic8259 *p)
{
	return chip_pending(&p->chip[0]) >= 0;
}

int pic8259_acknowledge(struct pic8259 *p)
{
	struct pic_chip *m = pic_master(p), *s = pic_slave(p);
	int vector;
	int irq = chip_pending(m);
	if (irq < 0) {
		vector = m->vector_base | 7;       /* spurious IRQ 7 */
	} else {
		chip_ack_set(m, irq);
		if (irq == PIC_CASCADE_IR && pic_cascaded(p)) {
			int sirq = chip_pending(s);
			if (sirq < 0) {
				vector = s->vector_base | 7;   /* spurious IRQ 15 */
			} else {
				chip_ack_set(s, sirq);
				/* INT falls while the ISR bit is set... */
				pic_update_cascade(p);
				/* ...and may rise again after an AEOI. */
				chip_ack_finish(s, sirq);
				vector = s->vector_base | sirq;
			}
		} else {
			vector = m->vector_base | irq;
		}
		chip_ack_finish(m, irq);
	}
	pic_update(p);
	return vector;
}

void pic8259_set_output_handler(struct pic8259 *p, void (*fn)(void *opaque, bool level),
				void *opaque)
{
	p->output_fn = fn;
	p->output_opaque = opaque;
}

/* --- ports ---------------------------------------------------------------- */

static uint8_t pic_read_even(struct pic8259 *p, struct pic_chip *c)
{
	if (c->poll) {
		c->poll = false;
		int irq = chip_pending(c);
		if (irq < 0)
			return 0x00;
		chip_ack_set(c, irq);
		chip_ack_finish(c, irq);
		pic_update(p);
		return 0x80 | irq;
	}
	return c->read_isr ? c->isr : c->irr;
}

static uint8_t pic_read_byte(struct pic8259 *p, uint16_t port)
{
	switch (port) {
	case PIC_MASTER_PORT:
		return pic_read_even(p, pic_master(p));
	case PIC_MASTER_PORT + 1:
		return pic_master(p)->imr;
	case PIC_SLAVE_PORT:
		return pic_read_even(p, pic_slave(p));
	case PIC_SLAVE_PORT + 1:
		return pic_slave(p)->imr;
	case PIC_ELCR_PORT:
		return pic_master(p)->elcr;
	case PIC_ELCR_PORT + 1:
		return pic_slave(p)->elcr;
	}
	return 0xff;
}

static void pic_write_byte(struct pic8259 *p, uint16_t port, uint8_t v)
{
	struct pic_chip *c;
	switch (port) {
	case PIC_MASTER_PORT:
	case PIC_SLAVE_PORT:
		c = port == PIC_MASTER_PORT ? pic_master(p) : pic_slave(p);
		if (v & ICW1_SELECT)
			chip_icw1(c, v);
		else if (v & OCW3_SELECT)
			chip_ocw3(c, v);
		else
			chip_ocw2(c, v);
		break;
	case PIC_MASTER_PORT + 1:
	case PIC_SLAVE_PORT + 1:
		chip_write_odd(port == PIC_MASTER_PORT + 1 ? pic_master(p) : pic_slave(p), v);
		break;
	case PIC_ELCR_PORT:
		chip_write_elcr(pic_master(p), v);
		break;
	case PIC_ELCR_PORT + 1:
		chip_write_elcr(pic_slave(p), v);
		break;
	default:
		return;
	}
	pic_update(p);
}

/* The range a port belongs to: [base, base + 2). */
static uint16_t pic_range_base(uint16_t port)
{
	return port & ~1u;
}

static uint32_t pic_io_read(void *opaque, uint16_t port, int size)
{
	struct pic8259 *p = opaque;
	uint32_t v = 0;
	uint16_t base = pic_range_base(port);
	for (int i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		uint8_t b = pic_range_base(at) == base ? pic_read_byte(p, at) : 0xff;
		v |= (uint32_t)b << (8 * i);
	}
	return v;
}

static void pic_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct pic8259 *p = opaque;
	uint16_t base = pic_range_base(port);
	for (int i = 0; i < size; i++) {
		uint16_t at = (uint16_t)(port + i);
		if (pic_range_base(at) == base)
			pic_write_byte(p, at, (uint8_t)(value >> (8 * i)));
	}
}

static void pic_reset(struct device *dev)
{
	struct pic8259 *p = (struct pic8259 *)dev;
	chip_reset(pic_master(p), true);
	chip_reset(pic_slave(p), false);
	pic_update(p);
}

static void pic_destroy(struct device *dev)
{
	free(dev);
}

int pic8259_create(struct machine *m, struct pic8259 **out, struct error *err)
{
	struct pic8259 *p = calloc(1, sizeof(*p));
	if (!p)
		return error_set(err, -ENOMEM, "pic8259: out of memory");
	p->dev.name = "pic8259";
	p->dev.reset = pic_reset;
	p->dev.destroy = pic_destroy;
	p->m = m;
	pic_reset(&p->dev);
	static const uint16_t bases[] = { PIC_MASTER_PORT, PIC_SLAVE_PORT, PIC_ELCR_PORT };
	static const char *const names[] = { "pic8259-master", "pic8259-slave", "elcr" };
	int rc = 0;
	for (unsigned i = 0; i < 3 && rc == 0; i++)
		rc = portio_register(&m->io, bases[i], 2, pic_io_read, pic_io_write, p, names[i],
				     err);
	/* Even on failure the machine owns p: a registered range points at it. */
	machine_add_device(m, &p->dev);
	if (rc < 0)
		return rc;
	if (out)
		*out = p;
	return 0;
}
