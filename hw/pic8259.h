/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pic8259.h — the PC's pair of 8259A programmable interrupt controllers
 * (master and cascaded slave) and the chipset's ELCR, for the soft engine
 * (the kvm engine uses KVM's in-kernel PIC). See pic8259.c for what is
 * modelled and what was decided. */
#ifndef MORPHEUS_PIC8259_H
#define MORPHEUS_PIC8259_H

#include <stdbool.h>

#include "hw/error.h"

struct machine;
struct pic8259;

/* Master at 0x20-0x21, slave at 0xa0-0xa1 (cascaded on master IR2), ELCR at
 * 0x4d0-0x4d1. Adds itself to the machine's devices (reset, destroy). */
int pic8259_create(struct machine *m, struct pic8259 **out, struct error *err);

/* ISA line 0-15 goes to `level` (called with the machine lock held).
 * Edge-triggered inputs latch on a rising edge; level-triggered (ELCR bit
 * set, or ICW1.LTIM) follow the level. Line 2 is the slave's cascade input
 * and ignores what is set here; lines outside 0-15 are ignored. */
void pic8259_set_irq(struct pic8259 *p, int line, int level);

/* The INTR output of the master now. */
bool pic8259_output(const struct pic8259 *p);

/* The INTA cycle: returns the vector (ISR bit set unless AEOI; spurious
 * IRQ 7 / IRQ 15 vector when the request went away, per the datasheet). */
int pic8259_acknowledge(struct pic8259 *p);

/* Called (lock held) whenever the INTR output changes, with its new level.
 * NULL removes the handler. Setting it does not call it. */
void pic8259_set_output_handler(struct pic8259 *p, void (*fn)(void *opaque, bool level),
				void *opaque);

#endif
