/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pit8254.h — the PC's 8254 programmable interval timer and port 0x61 (NMI
 * status and control: speaker gate and data, refresh toggle, channel 2's
 * OUT), for the soft engine (the kvm engine uses KVM's in-kernel PIT). See
 * pit8254.c for what is modelled and what was decided. */
#ifndef MORPHEUS_PIT8254_H
#define MORPHEUS_PIT8254_H

#include "hw/error.h"

struct machine;
struct pit8254;

/* The input clock of the three counters, in Hz. */
#define PIT8254_HZ 1193182u

/* The shortest interval between two IRQ 0 edges the PIT asks the clock
 * for (see pit8254.c). */
#define PIT8254_MIN_IRQ_PERIOD_NS 50000u

/* Channels 0-2 at 0x40-0x42, control word at 0x43, and port 0x61 (NMI
 * status and control / speaker: bit 0 gate of channel 2, bit 1 speaker data
 * enable (stored), bit 4 toggles like the refresh request, bit 5 is channel
 * 2's OUT). Channel 0's OUT drives ISA IRQ 0 through machine_set_irq(m, 0,
 * level). Adds itself to the machine's devices (reset, destroy). */
int pit8254_create(struct machine *m, struct pit8254 **out, struct error *err);

#endif
